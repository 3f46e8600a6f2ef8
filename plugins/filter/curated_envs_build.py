"""The version of a curated environment a run builds, from its definition
and what the build host says.

``curated_env_version(inputs)`` takes, for one entry of curated_envs_list
(roles/curated_envs/tasks/environment.yml sets the result as the fact
``__curated_env_version`` right after reading the interpreter):

  env         the entry of curated_envs_list
  spec_file   the entry's spec_file as the host installs it: for
              locks/<name>.lock the role's lock of the interpreter's Python
              (lock_for_python), else the entry's own ('' without one)
  spec_text   that file's text as the control machine has it ('' when the
              entry gives packages, or the role has no lock for that Python)
  probe       what the interpreter printed: its version and machine
              ("3.11.2 x86_64"), '' when it was not asked
  recipe      __curated_envs_recipe (raised when the way to build changes)
  python      curated_envs_python (the entry's python overrides it)
  default     curated_envs_default
  root        curated_envs_root
  files       the role's files directory (for the lock's .in in messages)
  kernels     the text of files/site_env_kernels.py (part of the default
              environment's version)
  envs_dirs   curated_envs_user_envs_dirs (likewise)
  server      the default environment's notebook server configuration
              (files/site_notebook.py, files/jupyter_server_config.py,
              the server's JSON configuration and curated_envs_lab_settings;
              likewise, and only when given)
  host        the host's inventory name (for messages)

and returns {spec_file, role_lock, spec, locked, is_default, hash, dir,
spec_is_yaml, spec_path, link, interpreter, origin, target_errors}; origin
names the spec_file in the messages of the module locked_venv.

The hash names the version (<root>/<name>-<hash>): the first 12 hex digits
of the sha256 of the JSON (keys sorted) of the recipe, the kind, the spec's
lines, the interpreter, the smoke imports and, for the default environment,
the kernels' code, the users' environment directories and the notebook
server's configuration. It is the value the roles computed in Jinja before
(the server's configuration, added later, is left out of the hash of every
other environment), so an unchanged environment keeps its version. target_errors is the check of a locked spec against the
interpreter (lock_target_errors), for an environment still to be built.
"""

from __future__ import annotations

import hashlib
import json
import re

from ansible_collections.hpc.datasci.plugins.module_utils.venv_lock import lock_target_errors


def version_hash(fields):
    """The 12 hex digits that name a version, of the fields that define it."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode("utf-8")).hexdigest()[:12]


def _origin(inputs, result):
    """How messages name the environment's spec_file and its fix."""
    env = inputs["env"]
    return {"variable": f"spec_file of curated_envs_list entry {env['name']}", "site": not result["role_lock"],
            "path": result["spec_file"],
            "source": f"{inputs['files']}/{re.sub(r'[.]lock$', '.in', env.get('spec_file', ''))}",
            "host": inputs.get("host")}


def _target_errors(inputs, result):
    """The lock check of a venv built from a locked spec_file."""
    env = inputs["env"]
    if env.get("kind") != "venv" or "spec_file" not in env or not (result["locked"] or result["role_lock"]):
        return []
    parts = str(inputs.get("probe") or "").split()
    return lock_target_errors(dict(result["origin"], text="\n".join(result["spec"]),
                                   python=parts[0] if parts else "", interpreter=result["interpreter"],
                                   architecture=parts[-1] if parts else ""))


def curated_env_version(inputs):
    """The version of one curated environment (see the module's doc)."""
    env = inputs["env"]
    own_spec_file = env.get("spec_file", "")
    spec_file = inputs.get("spec_file") or own_spec_file
    spec = env["packages"] if "packages" in env else str(inputs.get("spec_text") or "").splitlines()
    is_default = env["name"] == inputs["default"]
    interpreter = env.get("python", inputs["python"])
    fields = {
        "recipe": int(inputs["recipe"]), "kind": env["kind"], "spec": spec, "python": interpreter,
        "imports": env.get("smoke_imports", []),
        "kernels": inputs.get("kernels", "") if is_default else "",
        "envs_dirs": inputs.get("envs_dirs", []) if is_default else [],
    }
    if is_default and inputs.get("server"):
        fields["server"] = inputs["server"]
    version = version_hash(fields)
    directory = f"{inputs['root']}/{env['name']}-{version}"
    spec_is_yaml = re.match(r".*\.ya?ml$", own_spec_file) is not None
    result = {
        "spec_file": spec_file, "role_lock": spec_file != own_spec_file, "spec": spec,
        "locked": any("--hash" in str(line) for line in spec), "is_default": is_default, "hash": version,
        "dir": directory, "spec_is_yaml": spec_is_yaml,
        # conda reads an environment file only under a .yml name.
        "spec_path": f"{directory}/.curated-env-spec.{'yml' if spec_is_yaml else 'txt'}",
        "link": f"{inputs['root']}/{env['name']}", "interpreter": interpreter,
    }
    result["origin"] = _origin(inputs, result)
    result["target_errors"] = _target_errors(inputs, result)
    return result


class FilterModule:
    """The version of a curated environment to build."""

    def filters(self):
        return {"curated_env_version": curated_env_version}
