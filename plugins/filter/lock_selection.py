"""Which of a role's locks a host installs: the one made for its Python.

The bundle ships one lock per input and target Python, ``locks/<name>.cp311.lock``
and ``locks/<name>.cp313.lock`` (scripts/lock.py). The roles name a lock
without its tag, ``locks/<name>.lock``, and ``lock_for_python(path, python)``
turns that name into the lock of the host's Python:

    'locks/hub-pam.lock' | hpc.datasci.lock_for_python('3.13.5')  -> 'locks/hub-pam.cp313.lock'

Any other path (a site's own lock, a lock already tagged, a requirements
file elsewhere) and an empty Python version are returned unchanged. Whether
the chosen lock exists is checked on the host by lock_target_errors
(plugins/filter/lock_validation.py), with the fix.
"""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.module_utils.requirements_lock import lock_name

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


class FilterModule:
    """The choice of a role's lock for the host's Python."""

    def filters(self):
        return {"lock_for_python": lock_for_python}
