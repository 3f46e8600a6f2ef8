"""Jupyter kernels for the environments users make in their own space.

Installed by the bundle's `curated_envs` role into the site's default
notebook environment and selected there with
`ServerApp.kernel_spec_manager_class`. Every environment in one of
`envs_dirs` (the users' conda envs_dirs, e.g. ~/.conda/envs) or listed in
~/.conda/environments.txt that has ipykernel installed is offered as a
kernel, with no `ipykernel install` and no admin action. The system's and
the user's own kernel specs come first and are never shadowed.

The kernel this environment ships itself (ipykernel's "Python 3
(ipykernel)", a spec inside the server's sys.prefix) is not listed while
another kernel is: the site's kernel of the same environment replaces it
(`hide_own_kernels`). A site kernel whose display name names {version} or
{python} (metadata `hpc_datasci` of its kernel.json, written by the role)
gets the live version's filled in (site_notebook.py).
"""

import glob
import os
import sys

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from site_notebook import is_own_kernel, kernel_display_name
from traitlets import Bool, List, Unicode

KERNEL_PREFIX = "user-env-"


class UserEnvKernelSpecManager(KernelSpecManager):
    """KernelSpecManager that adds the user's own environments."""

    envs_dirs = List(
        Unicode(),
        default_value=["~/.conda/envs"],
        config=True,
        help="Directories whose subdirectories are the user's environments (~ and $VARS expanded).",
    )

    hide_own_kernels = Bool(
        True,
        config=True,
        help="Leave out the kernels inside the server's own environment (sys.prefix) while another kernel is listed.",
    )

    def _env_prefixes(self):
        for directory in self.envs_dirs:
            directory = os.path.expandvars(os.path.expanduser(directory))
            try:
                names = sorted(os.listdir(directory))
            except OSError:
                continue
            for name in names:
                yield os.path.join(directory, name)
        listed = os.path.expanduser("~/.conda/environments.txt")
        try:
            with open(listed, encoding="utf-8") as handle:
                for line in handle:
                    if line.strip():
                        yield line.strip()
        except OSError:
            pass

    def user_envs(self):
        """{kernel name: environment prefix} of usable environments."""
        envs = {}
        for prefix in self._env_prefixes():
            python = os.path.join(prefix, "bin", "python")
            has_kernel = glob.glob(os.path.join(prefix, "lib", "python3*", "site-packages", "ipykernel"))
            if os.access(python, os.X_OK) and has_kernel:
                name = KERNEL_PREFIX + os.path.basename(prefix.rstrip("/")).lower()
                envs.setdefault(name, prefix)
        return envs

    def find_kernel_specs(self):
        specs = super().find_kernel_specs()
        for name, prefix in self.user_envs().items():
            specs.setdefault(name, prefix)
        if self.hide_own_kernels:
            others = {name: path for name, path in specs.items() if not is_own_kernel(path, sys.prefix)}
            if others:
                return others
        return specs

    def get_kernel_spec(self, kernel_name):
        try:
            spec = super().get_kernel_spec(kernel_name)
        except NoSuchKernel:
            prefix = self.user_envs().get(kernel_name)
            if prefix is None:
                raise
        else:
            site = (spec.metadata or {}).get("hpc_datasci")
            if isinstance(site, dict) and site.get("env") and site.get("display_name"):
                spec.display_name = kernel_display_name(site["display_name"], site["env"])
            return spec
        return self.kernel_spec_class(
            resource_dir=prefix,
            argv=[os.path.join(prefix, "bin", "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name=f"Python ({os.path.basename(prefix.rstrip('/'))}, your environment)",
            language="python",
            metadata={"debugger": True},
        )
