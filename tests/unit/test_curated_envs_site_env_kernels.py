"""The kernel spec manager of the default notebook environment
(roles/curated_envs/files/site_env_kernels.py) on top of a stand-in for
jupyter_client's KernelSpecManager (the bundle's venv has no Jupyter): the
environment's own kernel left out while another is listed, users'
environments added as theirs, site kernels named with the live version."""

import importlib
import pathlib
import sys
import types

import pytest
from traitlets.config import LoggingConfigurable

FILES = pathlib.Path(__file__).resolve().parents[2] / "roles" / "curated_envs" / "files"


class NoSuchKernel(KeyError):
    pass


class KernelSpec:
    def __init__(self, resource_dir="", argv=(), display_name="", language="", metadata=None):
        self.resource_dir, self.argv, self.display_name = resource_dir, list(argv), display_name
        self.language, self.metadata = language, metadata or {}


class KernelSpecManager(LoggingConfigurable):
    """jupyter_client's, reduced to the two methods the subclass extends:
    the specs are SPECS, {name: (resource_dir, display_name, metadata)}."""

    SPECS = {}
    kernel_spec_class = KernelSpec

    def find_kernel_specs(self):
        return {name: spec[0] for name, spec in self.SPECS.items()}

    def get_kernel_spec(self, kernel_name):
        if kernel_name not in self.SPECS:
            raise NoSuchKernel(kernel_name)
        resource_dir, display_name, metadata = self.SPECS[kernel_name]
        return KernelSpec(resource_dir, ["python"], display_name, "python", dict(metadata))


@pytest.fixture
def kernels(monkeypatch, tmp_path):
    """site_env_kernels imported with the stand-in, sys.prefix a venv
    notebook-<hash> in tmp_path and the user's home in tmp_path/home."""
    stand_in = types.ModuleType("jupyter_client.kernelspec")
    stand_in.KernelSpecManager, stand_in.NoSuchKernel = KernelSpecManager, NoSuchKernel
    monkeypatch.setitem(sys.modules, "jupyter_client", types.ModuleType("jupyter_client"))
    monkeypatch.setitem(sys.modules, "jupyter_client.kernelspec", stand_in)
    monkeypatch.syspath_prepend(str(FILES))
    for name in ("site_env_kernels", "site_notebook"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    prefix = tmp_path / "envs" / "notebook-3f9a1c2b7e01"
    (prefix / "share" / "jupyter" / "kernels" / "python3").mkdir(parents=True)
    (prefix / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.2\n")
    (tmp_path / "envs" / "notebook").symlink_to(prefix.name)
    monkeypatch.setattr(sys, "prefix", str(prefix))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    module = importlib.import_module("site_env_kernels")
    yield module, prefix, tmp_path
    for name in ("site_env_kernels", "site_notebook"):
        sys.modules.pop(name, None)


def _site_kernel(tmp_path):
    return (str(tmp_path / "system" / "site-notebook"), "notebook (Python 3)",
            {"debugger": True, "hpc_datasci": {"env": str(tmp_path / "envs" / "notebook"),
                                               "display_name": "{name} {version} (Python {python})"}})


def _own_kernel(prefix):
    return (str(prefix / "share" / "jupyter" / "kernels" / "python3"), "Python 3 (ipykernel)", {})


def _user_env(tmp_path, name="mine"):
    env = tmp_path / "home" / ".conda" / "envs" / name
    (env / "lib" / "python3.12" / "site-packages" / "ipykernel").mkdir(parents=True)
    (env / "bin").mkdir()
    (env / "bin" / "python").write_text("#!/bin/sh\n")
    (env / "bin" / "python").chmod(0o755)
    return env


def test_one_kernel_per_environment_and_the_users_own(kernels, monkeypatch):
    module, prefix, tmp_path = kernels
    monkeypatch.setattr(KernelSpecManager, "SPECS", {"site-notebook": _site_kernel(tmp_path), "python3": _own_kernel(prefix)})
    env = _user_env(tmp_path)
    manager = module.UserEnvKernelSpecManager()
    assert manager.find_kernel_specs() == {"site-notebook": str(tmp_path / "system" / "site-notebook"),
                                           "user-env-mine": str(env)}
    assert manager.get_kernel_spec("site-notebook").display_name == "notebook 3f9a1c2b7e01 (Python 3.11)"
    assert manager.get_kernel_spec("user-env-mine").display_name == "Python (mine, your environment)"
    # Left out of the list, still there for a notebook saved with it.
    assert manager.get_kernel_spec("python3").display_name == "Python 3 (ipykernel)"


def test_the_own_kernel_stays_when_it_is_the_only_one_or_when_the_site_says_so(kernels, monkeypatch):
    module, prefix, tmp_path = kernels
    monkeypatch.setattr(KernelSpecManager, "SPECS", {"python3": _own_kernel(prefix)})
    assert list(module.UserEnvKernelSpecManager().find_kernel_specs()) == ["python3"]
    monkeypatch.setattr(KernelSpecManager, "SPECS", {"site-notebook": _site_kernel(tmp_path), "python3": _own_kernel(prefix)})
    manager = module.UserEnvKernelSpecManager(hide_own_kernels=False)
    assert sorted(manager.find_kernel_specs()) == ["python3", "site-notebook"]


def test_a_kernel_without_the_sites_metadata_keeps_its_name(kernels, monkeypatch):
    module, _, tmp_path = kernels
    monkeypatch.setattr(KernelSpecManager, "SPECS", {"site-geo": (str(tmp_path / "system" / "site-geo"), "Python 3 (geo)", {})})
    assert module.UserEnvKernelSpecManager().get_kernel_spec("site-geo").display_name == "Python 3 (geo)"
