# -*- coding: utf-8 -*-
"""Filters that write slurm.conf from inventory data.

Host lists are compressed and expanded by the maintained `python-hostlist`
library (the same syntax Slurm uses), not by code of our own.
"""

from __future__ import annotations

import json

from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_partition import (
    SlurmConfLineError,
    conf_value,
    hostlist_collect,
    hostlist_expand,
    partition_line,
)
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_releases import SLURM_CONF_RESTART_KEYS


def slurm_conf_value(value):
    """Render one value the way slurm.conf spells it."""
    return conf_value(value)


def slurm_hostlist(names):
    """Compress host names (a list, or a hostlist string) to Slurm's ranges."""
    try:
        return hostlist_collect(names)
    except SlurmConfLineError as err:
        raise AnsibleFilterError(str(err)) from err


def slurm_hostlist_expand(value):
    """Expand a hostlist ("c[01-03],gpu1") or a list of hostlists to names."""
    try:
        return hostlist_expand(value)
    except SlurmConfLineError as err:
        raise AnsibleFilterError(str(err)) from err


def slurm_partition_line(partition, node_names, node_name_of=None):
    """The PartitionName line of one partition of the role's effective
    slurm_partitions: its nodes (default: `node_names`, every compute node)
    with each compute host written as its Slurm NodeName (`node_name_of`:
    {host: NodeName}), ALL as it is, then its keys in order. Overlay mode's
    fragment writes its lines with the same function."""
    if not isinstance(partition, dict) or "name" not in partition:
        raise AnsibleFilterError(f"slurm_partition_line: bad partition {partition!r}")
    try:
        return partition_line(partition, node_names, node_name_of)
    except SlurmConfLineError as err:
        raise AnsibleFilterError(f"slurm_partitions.{partition['name']}.nodes: {err}") from err


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
            "slurm_partition_line": slurm_partition_line,
        }
