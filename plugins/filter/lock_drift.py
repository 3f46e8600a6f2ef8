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
The module locked_venv computes the same drift on the host (one
implementation, module_utils/venv_lock.py): it installs only on a drift, so
a converged host reports nothing, in --check too.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.module_utils import venv_lock
from ansible_collections.hpc.datasci.plugins.module_utils.venv_lock import same_version  # noqa: F401 - the tests compare versions through the filter


def lock_drift(installed, lock_text):
    """{install, remove}: what makes the venv listed in ``installed`` hold
    exactly the pins of ``lock_text`` (module_utils/venv_lock.py, shared with
    the module locked_venv)."""
    try:
        return venv_lock.drift(installed, lock_text)
    except ValueError as error:
        raise AnsibleFilterError(f"lock_drift: {error}") from error


class FilterModule:
    """The drift of a venv from its lock."""

    def filters(self):
        return {"lock_drift": lock_drift}
