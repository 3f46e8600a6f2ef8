"""Checks of the munge role's settings, run in the first play.

``munge_errors`` takes a dict of the role's inputs and returns a list of
problems, each naming the variable and the fix; an empty list means the
settings are good.
"""

from __future__ import annotations

KEY_MIN = 32
KEY_SIZE_RANGE = (32, 1024)


def munge_errors(settings):
    """Problems of {key, key_size}: a given key munged would refuse, or a
    generated key size out of munge's range."""
    errors = []
    key = settings.get("key") or ""
    if 0 < len(key) < KEY_MIN:
        errors.append(f"munge_key is {len(key)} characters long; munge needs at least {KEY_MIN}"
                      " (or leave it empty to have one generated).")
    size = settings.get("key_size")
    low, high = KEY_SIZE_RANGE
    if isinstance(size, bool) or not str(size).isdigit() or not low <= int(size) <= high:
        errors.append(f"munge_key_size is {size}; it must be between {low} and {high}.")
    return errors


class FilterModule:
    """The munge role's checks."""

    def filters(self):
        return {"munge_errors": munge_errors}
