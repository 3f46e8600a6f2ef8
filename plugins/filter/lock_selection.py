"""Which lock a role installs on a host: the site's, or the role's made for
the Python of the interpreter the venv is built with. The one place that
chooses it, for the first play's check (lock_check in lock_validation.py),
the host's check and the module locked_venv.

Each role describes its lock in vars/main.yml, from its variables only::

    __jupyterhub_lock:
      variable: jupyterhub_lock_file        # the site's variable
      value: "{{ jupyterhub_lock_file }}"    # its value, '' for the role's locks
      inventory_dir: ...                     # what a relative value is relative to
      role_lock: locks/hub-pam.lock          # the role's lock, without its Python tag
      files: "{{ role_path }}/files"         # where the role's locks are
      interpreter: /usr/bin/python3          # the Python the venv is built with
      requires: [...]                        # what the lock must pin (lock_check)

The bundle ships one lock per input and target Python, ``locks/<name>.cp311.lock``
and ``locks/<name>.cp313.lock`` (scripts/lock.py). ``lock_for_python(path,
python)`` turns a role's lock named without its tag into the lock of that
Python::

    'locks/hub-pam.lock' | hpc.datasci.lock_for_python('3.13.5')  -> 'locks/hub-pam.cp313.lock'

Any other path (a site's own lock, a lock already tagged, a requirements
file elsewhere) and an empty Python version are returned unchanged.

``lock_for_host(lock, probe, host)`` takes a role's description, what the
interpreter printed (``3.13.5 x86_64``, its version and machine) and the
host's inventory name, and returns the lock for that host::

    {path, src, text, origin, errors}

- path: the lock as messages name it (the role's locks/<name>.cp313.lock,
  or the site's path); src: its path on the control machine; text: its
  content ('' when there is none);
- origin: how the module locked_venv names it in its messages;
- errors: the problem of a lock that does not exist or was made for another
  Python or platform (lock_target_errors), with the fix.
"""

from __future__ import annotations

import os
import re

from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.module_utils.requirements_lock import lock_name
from ansible_collections.hpc.datasci.plugins.module_utils.venv_lock import lock_target_errors

# A role's lock named without its Python tag: locks/<name>.lock.
ROLE_LOCK_RE = re.compile(r"^locks/(?P<stem>[^/]+?)\.lock$")
TAGGED_RE = re.compile(r"\.cp\d+$")


def lock_for_python(path, python):
    """The role's lock of `path` (locks/<name>.lock) for Python `python`
    (3.13 or 3.13.5), or `path` itself when it names no untagged role lock."""
    path = str(path or "")
    python = str(python or "").strip()
    match = ROLE_LOCK_RE.match(path)
    if not match or not python or TAGGED_RE.search(match["stem"]):
        return path
    try:
        return "locks/" + lock_name(match["stem"], python)
    except ValueError as error:
        raise AnsibleFilterError(f"lock_for_python: {error}") from error


def role_lock_stem(role_lock):
    """hub-pam of locks/hub-pam.lock."""
    match = ROLE_LOCK_RE.match(str(role_lock or ""))
    if not match:
        raise AnsibleFilterError(f"lock selection: {role_lock!r} is no role lock locks/<name>.lock")
    return match["stem"]


def site_lock_path(lock):
    """The site's lock: its value when absolute, else under the inventory."""
    value = str(lock["value"])
    return value if os.path.isabs(value) else f"{lock['inventory_dir']}/{value}"


def _read(path):
    """A file's text as it is (its line ends kept), '' when it cannot be read."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except OSError:
        return ""


def lock_for_host(lock, probe, host):
    """{path, src, text, origin, errors}: the lock of a role for the
    interpreter that printed `probe` ("3.13.5 x86_64") on `host`."""
    parts = str(probe or "").split()
    python, machine = (parts[0], parts[-1]) if parts else ("", "")
    site = bool(lock.get("value"))
    source = f"{lock['files']}/locks/{role_lock_stem(lock['role_lock'])}.in"
    if site:
        path = src = site_lock_path(lock)
    else:
        path = lock_for_python(lock["role_lock"], python)
        src = f"{lock['files']}/{path}"
    text = _read(src)
    origin = {"variable": lock["variable"], "site": site, "path": path, "source": source, "host": host}
    errors = lock_target_errors(dict(origin, text=text, python=python, architecture=machine,
                                     interpreter=lock.get("interpreter")))
    return {"path": path, "src": src, "text": text, "origin": origin, "errors": errors}


class FilterModule:
    """The choice of a role's lock for the host's Python."""

    def filters(self):
        return {"lock_for_python": lock_for_python, "lock_for_host": lock_for_host}
