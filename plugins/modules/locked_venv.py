#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: locked_venv
short_description: Make a Python venv hold exactly the pins of a lock with hashes
description:
  - The one install of a lock in the bundle (the hub's, the gateway's and uv's
    environments). A lock is a pip requirements file in which every package is pinned
    with C(==) and carries its sha256 hashes (made by C(scripts/lock.py)).
  - Creates the venv with C(<interpreter> -m venv) when it has none, compares the
    packages of the venv (C(pip list)) with the pins of the lock, installs the lock with
    C(pip install --require-hashes) only when a pin is missing or at another version,
    then uninstalls what the lock does not have (except the venv's own pip, setuptools
    and wheel). A venv that holds the lock reports no change and runs no pip command
    that writes.
  - Refuses a lock whose header (C(# python:) and C(# platform:), written by
    C(scripts/lock.py)) names another Python or platform than the interpreter's, with
    the message and fix the roles' checks give.
  - Never takes a venv away while it is in use; the venv is installed into in place.
    When the venv was made with another Python (major.minor) than O(interpreter), for
    example after an upgrade of the operating system, it must be made again, and the
    module fails and says so unless O(recreate=true); the roles leave O(recreate) off,
    so that the venv of a running service is never deleted under it.
version_added: "1.4.0"
author:
  - HPC data-science bundle maintainers
options:
  venv:
    description: The venv's directory.
    type: path
    required: true
  lock:
    description:
      - The lock on the managed host, which pip installs from. The module does not
        write it; the task before it puts it there (M(ansible.builtin.copy), M(ansible.builtin.template)).
    type: path
    required: true
  content:
    description:
      - The lock's text as the control machine has it. The venv is compared with it
        instead of with the file O(lock), so that in check mode, where the task before
        did not write the new lock, the result says what the run would do with it.
      - Outside check mode, O(lock) must hold this text; the module fails otherwise.
    type: str
  interpreter:
    description: The Python the venv is made with, and whose version and machine the
      lock's header must name.
    type: path
    required: true
  installer:
    description:
      - V(pip) makes the venv with C(<interpreter> -m venv) and runs the venv's own pip.
      - V(uv) makes it with C(uv venv --python <interpreter>) and runs C(uv pip) on it
        (the curated environments); O(uv) names uv. uv reads its settings (index,
        certificates, cache) from the task's environment.
    type: str
    choices: [pip, uv]
    default: pip
  uv:
    description: The path of uv, with O(installer=uv).
    type: path
  pip_args:
    description: More arguments of C(pip install), for example C([--index-url, URL]).
    type: list
    elements: str
    default: []
  recreate:
    description:
      - Delete and make again a venv made with another Python than O(interpreter).
        Stop the service that runs from it first.
    type: bool
    default: false
  origin:
    description: How messages name the lock and its fix (the role's variable for a
      site's lock, the lock's path as the inventory gives it, its C(.in) input and the
      inventory's name of the host).
    type: dict
    default: {}
    suboptions:
      variable:
        description: The variable that names a site's own lock.
        type: str
        default: lock
      site:
        description: Whether the lock is the site's (true) or the role's (false).
        type: bool
        default: true
      path:
        description: The lock's path in messages; O(lock) when not given.
        type: str
      source:
        description: The input the role's lock is made from.
        type: str
        default: ''
      host:
        description: The host's name in messages; the host's node name when not given.
        type: str
attributes:
  check_mode:
    description: Reports what it would install and remove; runs no command that writes.
    support: full
  diff_mode:
    description: The packages of the venv before and after, one C(name==version) a line,
      sorted by name.
    support: full
'''

EXAMPLES = r'''
- name: Put the lock of the hub's environment on the host
  ansible.builtin.copy:
    src: locks/hub-pam.cp311.lock
    dest: /etc/jupyterhub/requirements.lock
    owner: root
    group: root
    mode: "0644"

- name: Install the lock of the hub into its environment
  hpc.datasci.locked_venv:
    venv: /opt/jupyterhub
    lock: /etc/jupyterhub/requirements.lock
    content: "{{ lookup('ansible.builtin.file', 'locks/hub-pam.cp311.lock', rstrip=false) }}"
    interpreter: /usr/bin/python3
    origin:
      variable: jupyterhub_lock_file
      site: false
      path: locks/hub-pam.cp311.lock
      host: "{{ inventory_hostname }}"
  notify: Restart jupyterhub

- name: Install uv from its lock through the site's index
  hpc.datasci.locked_venv:
    venv: /opt/envs/.tools
    lock: /opt/envs/.tools.lock
    interpreter: /usr/bin/python3
    pip_args: [--index-url, https://pypi.example.org/simple]
'''

RETURN = r'''
created:
  description: Whether the venv was made (or made again) by this run.
  returned: always
  type: bool
installed:
  description: The lock's packages the venv did not have, as C(name==version).
  returned: always
  type: list
  elements: str
  sample: [jupyterhub==5.5.4]
upgraded:
  description: The packages whose version changes to the lock's (an upgrade or a
    downgrade).
  returned: always
  type: list
  elements: dict
  sample: [{name: jupyterhub, before: 5.4.0, after: 5.5.4}]
removed:
  description: The installed packages the lock does not have, uninstalled.
  returned: always
  type: list
  elements: str
  sample: [oauthenticator]
python:
  description: The version and machine of O(interpreter).
  returned: always
  type: dict
  sample: {version: 3.11.2, machine: x86_64}
'''

import os
import platform
import shutil

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hpc.datasci.plugins.module_utils.requirements_lock import canonical_name, parse_lock
from ansible_collections.hpc.datasci.plugins.module_utils.venv_lock import VENV_OWN, drift, installed_packages, lock_target_errors

PROBE = "import platform, sys; print('%d.%d.%d' % sys.version_info[:3], platform.machine())"


def _run(module, argv, what):
    """stdout of a command, or fail_json naming what it was for."""
    rc, out, err = module.run_command(argv)
    if rc != 0:
        module.fail_json(msg="%s failed (%s, rc %d): %s" % (what, " ".join(argv), rc, (err or out).strip()),
                         rc=rc, stdout=out, stderr=err, cmd=argv)
    return out


def interpreter_target(module, interpreter):
    """{version, machine} of the interpreter."""
    parts = _run(module, [interpreter, "-c", PROBE], "Reading the version of %s" % interpreter).split()
    if len(parts) < 2:
        module.fail_json(msg="%s printed no version and machine" % interpreter)
    return {"version": parts[0], "machine": parts[-1]}


def venv_python(module, venv):
    """The major.minor of the Python the venv was made with, '' when the venv
    has none (pyvenv.cfg's version, as venv and uv write it)."""
    if not os.path.lexists(os.path.join(venv, "bin", "python")):
        return ""
    try:
        with open(os.path.join(venv, "pyvenv.cfg"), encoding="utf-8") as handle:
            for line in handle:
                key, _, value = line.partition("=")
                if key.strip() in ("version", "version_info"):
                    return ".".join(value.strip().split(".")[:2])
    except OSError:
        pass
    module.fail_json(msg="%s has bin/python but no version in its pyvenv.cfg: it is no venv made with"
                         " python -m venv; move it away and run again" % venv)


def read_lock(module, params):
    """The lock's text: content, or the host's file. Outside check mode
    the host's file must be there and hold content."""
    current = None
    try:
        with open(params["lock"], "rb") as handle:
            current = handle.read()
    except OSError:
        pass
    if params["content"] is None:
        if current is None:
            module.fail_json(msg="the lock %s is not on the host" % params["lock"])
        return current.decode("utf-8")
    if not module.check_mode and current != params["content"].encode("utf-8"):
        module.fail_json(msg="the lock %s on the host is not the text given in content: put it there before"
                             " (ansible.builtin.copy)" % params["lock"])
    return params["content"]


def check_target(module, params, text, target):
    """fail_json when the lock was made for another Python or platform."""
    origin = params["origin"] or {}
    settings = {
        "variable": origin.get("variable") or "lock",
        "site": origin.get("site", True),
        "path": origin.get("path") or params["lock"],
        "source": origin.get("source") or "",
        "host": origin.get("host") or platform.node(),
        "text": text,
        "python": target["version"],
        "architecture": target["machine"],
        "interpreter": params["interpreter"],
    }
    errors = lock_target_errors(settings)
    if errors:
        module.fail_json(msg="; ".join(errors))


def pip(params, command):
    """The argv prefix of a pip command on the venv: its own pip, or uv's."""
    python = os.path.join(params["venv"], "bin", "python")
    if params["installer"] == "uv":
        return [params["uv"], "pip", command, "--python", python]
    # -I: only the venv's packages, whatever PYTHONPATH and the directory say.
    return [python, "-I", "-m", "pip", command, "--disable-pip-version-check"]


def listing(module, params):
    """`pip list --format=json` of the venv."""
    return _run(module, pip(params, "list") + ["--format=json"], "Listing the packages of %s" % params["venv"])


def plan(present, text):
    """installed, upgraded, removed, and the diff's before and after, of a
    venv whose `pip list` is `present` (a {canonical: (name, version)})."""
    pins = parse_lock(text).pins
    change = drift([{"name": name, "version": version} for name, version in present.values()], text)
    wanted = {canonical_name(name) for name in change["install"]}
    installed = ["%s==%s" % (pins[key].name, pins[key].version) for key in sorted(wanted) if key not in present]
    upgraded = [{"name": pins[key].name, "before": present[key][1], "after": pins[key].version}
                for key in sorted(wanted) if key in present]
    after = {key: value for key, value in present.items() if key in VENV_OWN and key not in pins}
    after.update({key: (pin.name, pin.version) for key, pin in pins.items()})
    return {
        "install": change["install"], "remove": change["remove"],
        "installed": installed, "upgraded": upgraded, "removed": change["remove"],
        "before": "".join("%s==%s\n" % present[key] for key in sorted(present)),
        "after": "".join("%s==%s\n" % after[key] for key in sorted(after)),
    }


def make_venv(module, params, made_with, target):
    """True when the venv must be made (none yet, or made again when the
    Python changed and recreate allows it); fail_json when it may not."""
    wanted = ".".join(target["version"].split(".")[:2])
    if not made_with:
        return True
    if made_with == wanted:
        return False
    if not params["recreate"]:
        module.fail_json(msg="%s was made with Python %s but %s is Python %s: the venv must be made again. Stop the"
                             " service that runs from it, remove %s and run again (or set recreate)"
                             % (params["venv"], made_with, params["interpreter"], target["version"], params["venv"]))
    return True


def apply(module, params, steps, create):
    """Runs the writes: the venv, the install, the removal."""
    venv = params["venv"]
    if create:
        if os.path.lexists(os.path.join(venv, "bin", "python")):
            shutil.rmtree(venv)
        argv = [params["uv"], "venv", "--python", params["interpreter"], venv] if params["installer"] == "uv" \
            else [params["interpreter"], "-m", "venv", venv]
        _run(module, argv, "Making the venv %s" % venv)
    if steps["install"]:
        _run(module, pip(params, "install") + (["--no-input"] if params["installer"] == "pip" else [])
             + ["--require-hashes"] + params["pip_args"] + ["--requirement", params["lock"]],
             "Installing the lock %s into %s" % (params["lock"], venv))
    if steps["remove"]:
        _run(module, pip(params, "uninstall") + (["--yes"] if params["installer"] == "pip" else []) + steps["remove"],
             "Removing the packages the lock does not have from %s" % venv)


def run(module):
    """The module's work; returns its result."""
    params = module.params
    text = read_lock(module, params)
    target = interpreter_target(module, params["interpreter"])
    check_target(module, params, text, target)
    create = make_venv(module, params, venv_python(module, params["venv"]), target)
    try:
        present = {} if create else installed_packages(listing(module, params))
        steps = plan(present, text)
    except ValueError as error:
        module.fail_json(msg="%s: %s" % (params["lock"], error))
    changed = bool(create or steps["install"] or steps["remove"])
    if changed and not module.check_mode:
        apply(module, params, steps, create)
    result = {"changed": changed, "created": create, "python": target,
              "installed": steps["installed"], "upgraded": steps["upgraded"], "removed": steps["removed"]}
    if module._diff:
        result["diff"] = {"before": steps["before"], "after": steps["after"],
                          "before_header": "%s (packages)" % params["venv"],
                          "after_header": "%s (packages)" % params["venv"]}
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            venv=dict(type="path", required=True),
            lock=dict(type="path", required=True),
            content=dict(type="str"),
            interpreter=dict(type="path", required=True),
            installer=dict(type="str", choices=["pip", "uv"], default="pip"),
            uv=dict(type="path"),
            pip_args=dict(type="list", elements="str", default=[]),
            recreate=dict(type="bool", default=False),
            origin=dict(type="dict", default={}, options=dict(
                variable=dict(type="str", default="lock"),
                site=dict(type="bool", default=True),
                path=dict(type="str"),
                source=dict(type="str", default=""),
                host=dict(type="str"),
            )),
        ),
        required_if=[("installer", "uv", ["uv"])],
        supports_check_mode=True,
    )
    module.exit_json(**run(module))


if __name__ == "__main__":
    main()
