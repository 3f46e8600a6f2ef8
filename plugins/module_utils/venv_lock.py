"""How a venv stands against the lock it is installed from, shared by the
module locked_venv and the filters lock_drift and lock_target_errors.

- ``drift(installed, lock_text)``: what pip installs and removes to make a
  venv hold exactly the pins of a lock (plugins/filter/lock_drift.py says
  how names and versions are compared);
- ``lock_target_errors(settings)``: the problem of a lock made for another
  Python or platform than the interpreter's, or of a lock that does not
  exist (plugins/filter/lock_validation.py describes ``settings``).

Errors of the inputs raise ValueError; the filters turn them into
AnsibleFilterError, the module into fail_json.
"""

from __future__ import annotations

import json
import re

from ansible_collections.hpc.datasci.plugins.module_utils.requirements_lock import canonical_name, parse_lock

try:
    from packaging.version import InvalidVersion, Version
except ImportError:  # pragma: no cover - a managed host without packaging
    try:
        from pip._vendor.packaging.version import InvalidVersion, Version
    except ImportError:
        Version = InvalidVersion = None

# What `python -m venv` puts into every venv: never removed for not being in
# the lock.
VENV_OWN = frozenset({"pip", "setuptools", "wheel"})

HOW = "scripts/lock.py, docs/software-environments.md#locks"


def installed_packages(listing):
    """{canonical name: (name, version)} of `pip list --format=json` output
    (text or the parsed list); nothing for an empty or missing listing."""
    if listing is None or (isinstance(listing, str) and not listing.strip()):
        return {}
    if isinstance(listing, str):
        try:
            listing = json.loads(listing)
        except ValueError as error:
            raise ValueError(f"the venv's package list is not pip's JSON: {error}") from error
    if not isinstance(listing, list) or not all(isinstance(item, dict) and {"name", "version"} <= item.keys()
                                                for item in listing):
        raise ValueError("the venv's package list is not a list of {name, version}")
    return {canonical_name(item["name"]): (item["name"], str(item["version"])) for item in listing}


def _plain_release(version):
    """A version without a leading v and trailing .0 of its release, for
    hosts without packaging: 1.0.0 is 1.0."""
    version = str(version).strip().lower().lstrip("v")
    match = re.match(r"^(\d+(?:\.\d+)*)(.*)$", version)
    if not match:
        return version
    release = match[1].split(".")
    while len(release) > 1 and int(release[-1]) == 0:
        release.pop()
    return ".".join(str(int(part)) for part in release) + match[2]


def same_version(left, right):
    """Whether two version strings name the same release (PEP 440), or are
    equal as strings when either is not a PEP 440 version."""
    if left == right:
        return True
    if Version is None:
        return _plain_release(left) == _plain_release(right)
    try:
        return Version(left) == Version(right)
    except InvalidVersion:
        return False


def drift(installed, lock_text):
    """{install, remove}: what makes the venv listed in ``installed`` hold
    exactly the pins of ``lock_text``."""
    pins = parse_lock(lock_text).pins
    if not pins:
        raise ValueError("the lock pins no package")
    present = installed_packages(installed)
    install = [pins[key].name for key in sorted(pins)
               if key not in present or not same_version(present[key][1], pins[key].version)]
    remove = [present[key][0] for key in sorted(present) if key not in pins and key not in VENV_OWN]
    return {"install": install, "remove": remove}


# --- The lock's target against the interpreter --------------------------------

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


def lock_display_name(settings):
    """How messages name the lock: the site's variable, or the role's lock."""
    if settings.get("site"):
        return f"{settings['variable']} ({settings.get('path')})"
    return f"the role's lock {settings.get('path')}"


def missing_error(settings):
    """The problem of a site's lock that is not on the control machine."""
    return (f"{lock_display_name(settings)} is missing or empty on the control machine: give {settings['variable']}"
            f" the path of a lock (absolute, or relative to the inventory), or leave it empty for the role's")


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
        return missing_error(settings)
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
    return [f"{lock_display_name(settings)} was made for {made_for}, but {settings.get('host')} has Python"
            f" {found_python} ({settings.get('interpreter')}) on {found_arch}: make a lock for it with"
            f" {_fix_command(settings, short_python, found_arch)} and set {settings['variable']} to it"
            f" (docs/software-environments.md#locks)"]
