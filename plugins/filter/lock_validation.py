"""Checks of the lock a Python environment is installed from (the hub's, the
gateway's, uv's), run in the first play.

``lock_check`` takes the description of a role's lock (``__<role>_lock`` in
its vars/main.yml, see plugins/filter/lock_selection.py), reads the site's
lock or each of the role's locks on the control machine, and checks them
with ``lock_errors``. That one takes:

  variable  the role's variable for a site's own lock (jupyterhub_lock_file, ...)
  site      true when the site gave that variable, false for the role's locks
  path      the lock's path as shown in messages
  text      the lock's content ('' when the file is missing)
  locks     instead of path and text: {path: text} of several locks, each
            checked (the role's locks of every target Python)
  requires  what the lock must pin, each {variable, value, package, version}:
            the package must be in the lock and, when version is given, pinned
            at that version (the role variable `variable` says so with `value`)

and returns a list of problems, each naming the variable and the fix.

``lock_target_errors`` (module_utils/venv_lock.py, shared with the module
locked_venv) runs for each host before a lock is installed there (through
lock_for_host in plugins/filter/lock_selection.py, and in the module), with
the same variable, site, path and text and:

  python        the version of the interpreter the environment is made with
                on the host (`<python> -c 'import sys; ...'`), e.g. 3.11.2
  interpreter   that interpreter's path, for the message
  architecture  the host's ansible_architecture (x86_64, aarch64, ...)
  host          the host's inventory name
  source        optional: the input the role's lock is made from, for the fix

It compares them with the target of the lock's header (``# python:`` and
``# platform:``, written by scripts/lock.py); a lock without them (a site's
own, made otherwise) is not checked. An empty text is a lock that does not
exist: for the role's, the host's Python is one the bundle has no lock for
(plugins/filter/lock_selection.py chose it by that Python).
"""

from __future__ import annotations

import glob
import os

from ansible_collections.hpc.datasci.plugins.filter.lock_selection import role_lock_stem, site_lock_path
from ansible_collections.hpc.datasci.plugins.module_utils.requirements_lock import canonical_name, parse_lock
from ansible_collections.hpc.datasci.plugins.module_utils.venv_lock import (  # noqa: F401 - filters, and the tests'
    HOW,
    lock_display_name,
    lock_target_errors,
    missing_error,
    platform_target,
)

_lock_name = lock_display_name
_missing_error = missing_error


def _form_errors(name, lock):
    """Lines that are not exact pins, pins without hashes."""
    errors = []
    if lock.unpinned:
        errors.append(f"{name}: {', '.join(lock.unpinned)} not pinned with ==; a lock pins every package ({HOW})")
    unhashed = lock.unhashed()
    if unhashed:
        errors.append(f"{name}: {', '.join(unhashed)} without --hash; a lock has the sha256 of every package ({HOW})")
    return errors


def _requirement_error(settings, name, lock, requirement):
    """The problem of one required package, or None."""
    package = requirement["package"]
    pin = lock.pins.get(canonical_name(package))
    wanted = requirement.get("version")
    if pin is not None and (not wanted or pin.version == str(wanted)):
        return None
    fix = f"set {settings['variable']} to a lock of your own that pins {package}=={wanted}" if wanted else \
        f"set {settings['variable']} to a lock of your own that has {package}"
    found = f"pins {package}=={pin.version}" if pin is not None else f"has no {package}"
    back = f", or set {requirement['variable']} back to {pin.version}" if pin is not None and wanted else ""
    return f"{requirement['variable']} is {requirement['value']} but {name} {found}: {fix} ({HOW}){back}"


def lock_errors(settings):
    """Problems of the lock(s) in use against the role's version variables:
    those of settings' path and text, or of each lock of settings' locks."""
    if "locks" not in settings:
        return _one_lock_errors(settings)
    locks = settings.get("locks") or {}
    if not locks:
        return [f"the role has no lock {settings.get('path')}: run make lock ({HOW})"]
    errors = []
    for path, text in locks.items():
        errors.extend(_one_lock_errors(dict(settings, path=path, text=text)))
    return errors


def _one_lock_errors(settings):
    """Problems of one lock against the role's version variables."""
    name = _lock_name(settings)
    text = settings.get("text") or ""
    if not text.strip():
        return [_missing_error(settings)]
    lock = parse_lock(text)
    if not lock.pins:
        return [f"{name} pins no package ({HOW})"]
    errors = _form_errors(name, lock)
    for requirement in settings.get("requires") or []:
        error = _requirement_error(settings, name, lock, requirement)
        if error:
            errors.append(error)
    return errors


def _read(path):
    """A file's text, '' when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return ""


def lock_check(spec):
    """Problems of the lock(s) a role installs from, as each role's
    vars/main.yml describes them (plugins/filter/lock_selection.py): the
    site's lock, or each of the role's locks of every target Python
    (files/locks/<name>.cp*.lock)."""
    stem = role_lock_stem(spec["role_lock"])
    settings = {"variable": spec["variable"], "site": bool(spec.get("value")),
                "path": f"locks/{stem}.cp*.lock", "requires": spec.get("requires") or []}
    if settings["site"]:
        path = site_lock_path(spec)
        settings["locks"] = {path: _read(path)}
    else:
        files = spec["files"]
        role_locks = sorted(glob.glob(os.path.join(files, "locks", glob.escape(stem) + ".cp*.lock")))
        settings["locks"] = {os.path.relpath(path, files): _read(path) for path in role_locks}
    return lock_errors(settings)


class FilterModule:
    """Checks of the locks of the bundle's Python environments."""

    def filters(self):
        return {"lock_errors": lock_errors, "lock_target_errors": lock_target_errors, "lock_check": lock_check}
