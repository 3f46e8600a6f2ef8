"""Checks of the curated environments (role curated_envs), run in the first
play.

``curated_envs_errors`` takes a dict {envs, keep, default} (the role's
curated_envs_list, curated_envs_keep and curated_envs_default) and returns
a list of problems, each naming the variable and the fix.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

NAME_RE = re.compile(r"^[a-z][a-z0-9_.]*$")
KINDS = ("venv", "conda")
KEYS = ("name", "kind", "packages", "spec_file", "smoke_imports", "kernel", "python")


def _env_errors(index, env):
    if not isinstance(env, Mapping):
        return [f"curated_envs_list[{index}]: must be a dict with name, kind and packages or spec_file"]
    where = f"curated_envs_list[{index}] ({env.get('name', '?')})"
    errors = []
    if not NAME_RE.match(str(env.get("name", ""))):
        errors.append(f'{where}: name must be lowercase letters, digits, "_" or "."')
    if env.get("kind") not in KINDS:
        errors.append(f"{where}: kind must be venv or conda")
    if ("packages" in env) == ("spec_file" in env):
        errors.append(f"{where}: give exactly one of packages (a list) or spec_file (a file on the control machine)")
    errors.extend(f"{where}: unknown key {key}" for key in env if key not in KEYS)
    return errors


def curated_envs_errors(settings):
    """Problems of the curated environments' definitions."""
    envs = settings.get("envs") or []
    errors = []
    if not isinstance(envs, list):
        return ["curated_envs_list must be a list of environments (name, kind, packages or spec_file)"]
    for index, env in enumerate(envs):
        errors.extend(_env_errors(index, env))
    names = [env.get("name") for env in envs if isinstance(env, Mapping)]
    errors.extend(f"curated_envs_list: the name {name} is used more than once"
                  for name, count in Counter(names).items() if count > 1)
    keep = settings.get("keep")
    if isinstance(keep, bool) or not str(keep).lstrip("-").isdigit() or int(keep) < 2:
        errors.append("curated_envs_keep must be at least 2 (the live version and the previous one)")
    default = settings.get("default") or ""
    if default and default not in names:
        errors.append(f"curated_envs_default ({default}) is not in curated_envs_list")
    return errors


class FilterModule:
    """The curated_envs role's checks."""

    def filters(self):
        return {"curated_envs_errors": curated_envs_errors}
