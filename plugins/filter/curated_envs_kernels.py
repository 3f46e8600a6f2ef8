"""The kernel.json of a curated environment's system-wide Jupyter kernel
(roles/curated_envs/tasks/kernels.yml).

``curated_env_kernel_spec(env, root)`` takes an entry of curated_envs_list
and curated_envs_root. The kernel runs the live version of the
environment: it resolves the stable name <root>/<name> when it starts.

The display name is the entry's kernel.display_name, by default
DEFAULT_DISPLAY_NAME. It may name the fields {name} (the environment's),
{version} (the live version, the <hash> of <root>/<name>-<hash>) and
{python} (its Python's X.Y). Those change with each version, so the
kernel.json keeps the template and the stable name in its metadata
(``hpc_datasci``), and the site's notebook server fills them in whenever it
lists the kernels (site_env_kernels.py, with site_notebook.py); its plain
display_name, for other Jupyter clients, has {name} filled in and the
version left out. A display name without fields gives the kernel.json it
always did.
"""

from __future__ import annotations

import re
import string

DEFAULT_DISPLAY_NAME = "{name} {version} (Python {python})"
FIELDS = ("name", "version", "python")


def _fields(template):
    """The fields a display name names; None when it is not a template of
    FIELDS only (then it is used as it is)."""
    try:
        fields = {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
    except ValueError:
        return None
    return fields if fields <= set(FIELDS) else None


def static_display_name(template, name):
    """The display name without the live version: {name} filled in,
    {version} left out and {python} as 3."""
    if not _fields(template):
        return template
    text = template.format(name=name, version="", python="3")
    text = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", text.replace("()", "")))
    return re.sub(r"\s+", " ", text).strip()


def curated_env_kernel_spec(env, root):
    """The kernel.json (a dict) of the curated environment `env`."""
    name = env["name"]
    link = f"{root}/{name}"
    kernel = env.get("kernel") if isinstance(env.get("kernel"), dict) else {}
    template = str(kernel.get("display_name", DEFAULT_DISPLAY_NAME))
    metadata = {"debugger": True}
    if _fields(template):
        metadata["hpc_datasci"] = {"env": link, "display_name": template}
    return {
        "argv": ["/bin/sh", "-c", f'exec "$(readlink -f {link})/bin/python" -m ipykernel_launcher -f "$1"',
                 "kernel", "{connection_file}"],
        "display_name": static_display_name(template, name),
        "language": "python",
        "metadata": metadata,
    }


class FilterModule:
    """The kernel.json of a curated environment."""

    def filters(self):
        return {"curated_env_kernel_spec": curated_env_kernel_spec}
