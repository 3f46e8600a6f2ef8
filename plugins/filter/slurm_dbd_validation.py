# -*- coding: utf-8 -*-
"""Checks of slurmdbd's settings, run on the control machine before any host
is changed (playbooks/validate.yml -> roles/slurm/tasks/validate.yml).

`slurm_dbd_errors(dbd)` takes {purge: slurm_dbd_purge, config:
slurm_dbd_config} and returns every problem at once, as sentences naming the
variable and the fix.

The purge times are read as slurmdbd reads them (slurmdb_parse_purge): a
whole number, then nothing (months) or a unit, `months`, `days` or `hours`,
in any letter case and shortened to any prefix (`12month`, `90days`,
`48h`). Zero is refused: it would purge every record at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

# slurmdbd.conf's purge keys.
PURGE_KEYS = ("PurgeEventAfter", "PurgeJobAfter", "PurgeResvAfter", "PurgeStepAfter",
              "PurgeSuspendAfter", "PurgeTXNAfter", "PurgeUsageAfter")
PURGE_UNITS = ("months", "hours", "days")
PURGE_FORMATS = "<N>month, <N>day or <N>hour (e.g. 12month)"
_PURGE_RE = re.compile(r"^(\d+)([A-Za-z]*)$")


def parse_purge(value):
    """(count, unit) of a slurmdbd purge time, unit one of PURGE_UNITS;
    None when slurmdbd would not read it."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    match = _PURGE_RE.match(str(value).strip())
    if not match:
        return None
    count, unit = int(match.group(1)), match.group(2).lower()
    if not unit:
        return count, "months"
    for name in PURGE_UNITS:
        if name.startswith(unit):
            return count, name
    return None


def _purge_error(label, value):
    """The message for one purge time, or None when it is good."""
    parsed = parse_purge(value)
    if parsed is None:
        return ("%s %s is not a slurmdbd purge time: write %s, or null to keep these records forever"
                % (label, value, PURGE_FORMATS))
    if parsed[0] == 0:
        return ("%s %s would purge every record at once: give at least 1 (%s), or null to keep these records"
                " forever" % (label, value, PURGE_FORMATS))
    return None


def _purge_errors(purge):
    if not isinstance(purge, Mapping):
        return ["slurm_dbd_purge must be a dict of slurmdbd.conf purge keys (%s) to times such as 12month"
                % ", ".join(PURGE_KEYS)]
    errors = []
    for key, value in purge.items():
        if key not in PURGE_KEYS:
            errors.append("slurm_dbd_purge.%s is not a purge key of slurmdbd.conf: use one of %s"
                          % (key, ", ".join(PURGE_KEYS)))
        elif value is not None:
            errors.append(_purge_error("slurm_dbd_purge.%s" % key, value))
    return [e for e in errors if e]


def _config_errors(config):
    """Purge keys the site sets through slurm_dbd_config, in any letter case."""
    if not isinstance(config, Mapping):
        return ["slurm_dbd_config must be a dict of slurmdbd.conf keys"]
    known = {k.lower(): k for k in PURGE_KEYS}
    errors = []
    for key, value in config.items():
        if str(key).lower() in known and value is not None:
            errors.append(_purge_error("slurm_dbd_config.%s" % key, value))
    return [e for e in errors if e]


def slurm_dbd_errors(dbd):
    """Every problem of slurmdbd's settings, as a list of sentences."""
    if not isinstance(dbd, Mapping):
        raise AnsibleFilterError("slurm_dbd_errors expects a dict {purge, config}")
    return _purge_errors(dbd.get("purge")) + _config_errors(dbd.get("config", {}))


class FilterModule:
    """Filters of slurmdbd's validation."""

    def filters(self):
        return {"slurm_dbd_errors": slurm_dbd_errors}
