"""How far a service's venv is from the lock it is installed from.

``lock_drift(installed, lock_text)`` compares the packages of a venv, as
``python -m pip list --format=json`` prints them (an empty string or None for
a venv that does not exist yet), with the pins of a lock (a requirements file
with ``==`` pins and hashes, read by module_utils/requirements_lock.py), and
returns::

    {"install": [...], "remove": [...]}

- install: the lock's packages that are missing or at another version (as
  the lock spells them): pip installs the lock when this is not empty;
- remove: installed packages the lock does not have (as pip spells them),
  except the venv's own pip, setuptools and wheel: uninstalled after the
  install.

Names are compared as PEP 503 says (case and runs of -_. alike), versions as
PEP 440 says ("1.0" is "1.0.0"). Both lists are sorted by canonical name.
The roles' tasks install only on a drift, so a converged host reports
nothing, in --check too, and the venv is never taken away from its service.
"""

from __future__ import annotations

import json

from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.module_utils.requirements_lock import canonical_name, parse_lock

try:
    from packaging.version import InvalidVersion, Version
except ImportError:  # pragma: no cover - ansible-core requires packaging
    Version = None

# What `python -m venv` puts into every venv: never removed for not being in
# the lock.
VENV_OWN = frozenset({"pip", "setuptools", "wheel"})


def _installed(listing):
    """{canonical name: (name, version)} of `pip list --format=json` output
    (text or the parsed list); nothing for an empty or missing listing."""
    if listing is None or (isinstance(listing, str) and not listing.strip()):
        return {}
    if isinstance(listing, str):
        try:
            listing = json.loads(listing)
        except ValueError as error:
            raise AnsibleFilterError(f"lock_drift: the venv's package list is not pip's JSON: {error}") from error
    if not isinstance(listing, list) or not all(isinstance(item, dict) and {"name", "version"} <= item.keys()
                                                for item in listing):
        raise AnsibleFilterError("lock_drift: the venv's package list is not a list of {name, version}")
    return {canonical_name(item["name"]): (item["name"], str(item["version"])) for item in listing}


def same_version(left, right):
    """Whether two version strings name the same release (PEP 440), or are
    equal as strings when either is not a PEP 440 version."""
    if left == right:
        return True
    if Version is None:
        return False
    try:
        return Version(left) == Version(right)
    except InvalidVersion:
        return False


def lock_drift(installed, lock_text):
    """{install, remove}: what makes the venv listed in ``installed`` hold
    exactly the pins of ``lock_text``."""
    pins = parse_lock(lock_text).pins
    if not pins:
        raise AnsibleFilterError("lock_drift: the lock pins no package")
    present = _installed(installed)
    install = [pins[key].name for key in sorted(pins)
               if key not in present or not same_version(present[key][1], pins[key].version)]
    remove = [present[key][0] for key in sorted(present) if key not in pins and key not in VENV_OWN]
    return {"install": install, "remove": remove}


class FilterModule:
    """The drift of a venv from its lock."""

    def filters(self):
        return {"lock_drift": lock_drift}
