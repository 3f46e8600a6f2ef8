# -*- coding: utf-8 -*-
"""Filters that write slurm.conf from inventory data.

Host lists are compressed and expanded by the maintained `python-hostlist`
library (the same syntax Slurm uses), not by code of our own.
"""

from __future__ import annotations

import json

from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_vocab import SLURM_CONF_RESTART_KEYS

try:
    import hostlist
except ImportError:  # pragma: no cover - reported when a filter is used
    hostlist = None


def _require_hostlist():
    if hostlist is None:
        raise AnsibleFilterError(
            "the python-hostlist package is missing on the control machine: "
            "install the bundle's requirements.txt into the Python that runs Ansible"
        )


def slurm_conf_value(value):
    """Render one value the way slurm.conf spells it."""
    if value is True:
        return "YES"
    if value is False:
        return "NO"
    if isinstance(value, (list, tuple)):
        return ",".join(slurm_conf_value(v) for v in value)
    return str(value)


def slurm_hostlist(names):
    """Compress host names (a list, or a hostlist string) to Slurm's ranges."""
    _require_hostlist()
    if isinstance(names, str):
        names = slurm_hostlist_expand(names)
    names = [str(n) for n in names]
    if not names:
        raise AnsibleFilterError("slurm_hostlist: the list of host names is empty")
    return hostlist.collect_hostlist(names)


def slurm_hostlist_expand(value):
    """Expand a hostlist ("c[01-03],gpu1") or a list of hostlists to names."""
    _require_hostlist()
    items = [value] if isinstance(value, str) else list(value)
    names = []
    for item in items:
        try:
            names.extend(hostlist.expand_hostlist(str(item)))
        except hostlist.BadHostlist as err:
            raise AnsibleFilterError(f"'{item}' is not a valid hostlist: {err}") from err
    return names


def slurm_node_lines(nodes):
    """NodeName lines of slurm.conf, one per set of equal node settings.

    `nodes` is a list of {"name": ..., "config": {...}}; nodes whose config is
    equal share one line whose NodeName is a compressed hostlist. Lines keep
    the order in which each setting first appears.
    """
    groups = {}
    for node in nodes:
        try:
            name, config = node["name"], node.get("config") or {}
        except (TypeError, KeyError) as err:
            raise AnsibleFilterError(f"slurm_node_lines: bad node entry {node!r}") from err
        key = json.dumps({k: slurm_conf_value(v) for k, v in config.items()}, sort_keys=True)
        groups.setdefault(key, []).append(name)
    lines = []
    for key, names in groups.items():
        settings = json.loads(key)
        rest = " ".join(f"{k}={v}" for k, v in settings.items())
        lines.append(f"NodeName={slurm_hostlist(names)} {rest}".rstrip())
    return lines


def slurm_conf_restart_keys(config, restart=True):
    """The keys of a slurm.conf dict whose change needs the daemons restarted
    (restart=True), or the others (restart=False), in their order. Keys
    match in any letter case, as slurm.conf reads them."""
    if not isinstance(config, dict):
        raise AnsibleFilterError("slurm_conf_restart_keys expects a dict of slurm.conf keys")
    needs = {key.lower() for key in SLURM_CONF_RESTART_KEYS}
    return {key: value for key, value in config.items() if (str(key).lower() in needs) == bool(restart)}


class FilterModule:
    """slurm.conf filters."""

    def filters(self):
        return {
            "slurm_conf_restart_keys": slurm_conf_restart_keys,
            "slurm_conf_value": slurm_conf_value,
            "slurm_hostlist": slurm_hostlist,
            "slurm_hostlist_expand": slurm_hostlist_expand,
            "slurm_node_lines": slurm_node_lines,
        }
