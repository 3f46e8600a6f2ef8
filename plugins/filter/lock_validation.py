"""Checks of the lock a Python environment is installed from (the hub's, the
gateway's, uv's), run in the first play.

``lock_errors`` takes a dict built in each role's tasks/validate_lock.yml:

  variable  the role's variable for a site's own lock (jupyterhub_lock_file, ...)
  site      true when the site gave that variable, false for the role's lock
  path      the lock's path as shown in messages
  text      the lock's content ('' when the file is missing)
  requires  what the lock must pin, each {variable, value, package, version}:
            the package must be in the lock and, when version is given, pinned
            at that version (the role variable `variable` says so with `value`)

and returns a list of problems, each naming the variable and the fix.
"""

from __future__ import annotations

from ansible_collections.hpc.datasci.plugins.module_utils.requirements_lock import canonical_name, parse_lock

HOW = "scripts/lock.py, docs/software-environments.md#locks"


def _lock_name(settings):
    if settings.get("site"):
        return f"{settings['variable']} ({settings.get('path')})"
    return f"the role's lock {settings.get('path')}"


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
    """Problems of the lock in use against the role's version variables."""
    name = _lock_name(settings)
    text = settings.get("text") or ""
    if not text.strip():
        return [f"{name} is missing or empty on the control machine: give {settings['variable']} the path of a lock"
                f" (absolute, or relative to the inventory), or leave it empty for the role's"]
    lock = parse_lock(text)
    if not lock.pins:
        return [f"{name} pins no package ({HOW})"]
    errors = _form_errors(name, lock)
    for requirement in settings.get("requires") or []:
        error = _requirement_error(settings, name, lock, requirement)
        if error:
            errors.append(error)
    return errors


class FilterModule:
    """Checks of the locks of the bundle's Python environments."""

    def filters(self):
        return {"lock_errors": lock_errors}
