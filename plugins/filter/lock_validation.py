"""Checks of the lock a Python environment is installed from (the hub's, the
gateway's, uv's), run in the first play.

``lock_errors`` takes a dict built in each role's tasks/validate_lock.yml:

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

``lock_target_errors`` runs on each host right before a lock is installed
there (the hub's, the gateway's, uv's, a curated environment's), with the
same variable, site, path and text and:

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


# uv's platform aliases (uv pip compile --python-platform) and other names of
# the same machine architectures.
PLATFORM_ALIASES = {"linux": "x86_64-unknown-linux-gnu", "windows": "x86_64-pc-windows-msvc",
                    "macos": "aarch64-apple-darwin"}
ARCHITECTURES = {"amd64": "x86_64", "x64": "x86_64", "arm64": "aarch64", "i386": "i686", "x86": "i686",
                 "armv7l": "armv7"}
# The platform the fix proposes: Debian 12's glibc (2.36) runs manylinux_2_28 wheels.
HOST_PLATFORM = "{}-manylinux_2_28"


def architecture(name):
    """A machine architecture under one name (x86_64, aarch64, i686, armv7, ...)."""
    name = str(name or "").strip().lower()
    return ARCHITECTURES.get(name, name)


def platform_target(platform):
    """(architecture, operating system) of a platform as uv names it, e.g.
    x86_64-manylinux_2_28 -> (x86_64, linux)."""
    platform = PLATFORM_ALIASES.get(platform.strip().lower(), platform.strip().lower())
    system = "linux" if "linux" in platform else "windows" if "windows" in platform else \
        "macos" if "darwin" in platform or "macos" in platform else platform
    return architecture(platform.split("-")[0]), system


def _python_matches(wanted, found):
    """True when found (3.11.2) is wanted (3.11), compared at wanted's precision."""
    wanted_parts = str(wanted).strip().split(".")
    return str(found).strip().split(".")[:len(wanted_parts)] == wanted_parts


def _fix_command(settings, python, arch):
    """The scripts/lock.py command line that makes a lock for the host."""
    return (f"scripts/lock.py {settings.get('source') or '<input>.in'} --python-version {python}"
            f" --platform {HOST_PLATFORM.format(arch)} --output <inventory>/files/<name>.lock")


def _missing_lock_error(settings, found_python, found_arch):
    """The problem of a lock that does not exist on the control machine."""
    if settings.get("site"):
        return _missing_error(settings)
    short_python = ".".join(found_python.split(".")[:2])
    return (f"the role has no lock {settings.get('path')} for the Python of {settings.get('host')}, {found_python}"
            f" ({settings.get('interpreter')}): make one with {_fix_command(settings, short_python, found_arch)}"
            f" and set {settings['variable']} to it, or add {short_python} to PYTHON_VERSIONS in scripts/lock.py"
            f" and run make lock (docs/software-environments.md#locks)")


def lock_target_errors(settings):
    """The problem of a lock made for another Python or platform than the
    host's, or of a lock that does not exist."""
    found_python = str(settings.get("python") or "").strip()
    found_arch = architecture(settings.get("architecture"))
    if not str(settings.get("text") or "").strip():
        return [_missing_lock_error(settings, found_python, found_arch)]
    header = parse_lock(settings.get("text") or "").header
    wanted_python, wanted_platform = header.get("python"), header.get("platform")
    if not wanted_python and not wanted_platform:
        return []
    wrong_python = bool(wanted_python) and not _python_matches(wanted_python, found_python)
    wrong_platform = bool(wanted_platform) and platform_target(wanted_platform) != (found_arch, "linux")
    if not (wrong_python or wrong_platform):
        return []
    made_for = " on ".join(filter(None, [f"Python {wanted_python}" if wanted_python else "", wanted_platform]))
    short_python = ".".join(found_python.split(".")[:2])
    return [f"{_lock_name(settings)} was made for {made_for}, but {settings.get('host')} has Python"
            f" {found_python} ({settings.get('interpreter')}) on {found_arch}: make a lock for it with"
            f" {_fix_command(settings, short_python, found_arch)} and set {settings['variable']} to it"
            f" (docs/software-environments.md#locks)"]


def _missing_error(settings):
    return (f"{_lock_name(settings)} is missing or empty on the control machine: give {settings['variable']} the"
            f" path of a lock (absolute, or relative to the inventory), or leave it empty for the role's")


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


class FilterModule:
    """Checks of the locks of the bundle's Python environments."""

    def filters(self):
        return {"lock_errors": lock_errors, "lock_target_errors": lock_target_errors}
