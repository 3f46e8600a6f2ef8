# -*- coding: utf-8 -*-
"""The PartitionName lines of slurm.conf, written one way in both modes.

Managed mode writes them into slurm.conf (through the filter
`hpc.datasci.slurm_partition_line`), overlay mode into the bundle's fragment
of the site's slurm.conf (plugins/filter/slurm_overlay.py): both call
`partition_line`. A partition's `nodes` are inventory host names or Slurm
node names (a hostlist string or a list of them); a compute host's name is
written as its Slurm NodeName (`slurm_node_name`), and `ALL` (Slurm's every
node) is written as it is. Host lists are compressed and expanded by the
maintained `python-hostlist` library (the syntax Slurm uses).

Runs on the control machine only (no module imports it).
"""

from __future__ import annotations

try:
    import hostlist
except ImportError:  # pragma: no cover - reported when a function is used
    hostlist = None

# Slurm's name for every node of the cluster in a partition's Nodes.
ALL_NODES = "ALL"


class SlurmConfLineError(ValueError):
    """A value that cannot be written into slurm.conf."""


def _require_hostlist():
    if hostlist is None:
        raise SlurmConfLineError(
            "the python-hostlist package is missing on the control machine: "
            "install the bundle's requirements.txt into the Python that runs Ansible"
        )


def conf_value(value):
    """One value the way slurm.conf spells it (YES/NO, lists joined by commas)."""
    if value is True:
        return "YES"
    if value is False:
        return "NO"
    if isinstance(value, (list, tuple)):
        return ",".join(conf_value(v) for v in value)
    return str(value)


def hostlist_expand(value):
    """Host names of a hostlist ("c[01-03],gpu1") or of a list of hostlists."""
    _require_hostlist()
    items = [value] if isinstance(value, str) else list(value)
    names = []
    for item in items:
        try:
            names.extend(hostlist.expand_hostlist(str(item)))
        except hostlist.BadHostlist as err:
            raise SlurmConfLineError(f"'{item}' is not a valid hostlist: {err}") from err
    return names


def hostlist_collect(names):
    """Host names (a list, or a hostlist string) compressed to Slurm's ranges."""
    _require_hostlist()
    if isinstance(names, str):
        names = hostlist_expand(names)
    names = [str(n) for n in names]
    if not names:
        raise SlurmConfLineError("slurm_hostlist: the list of host names is empty")
    return hostlist.collect_hostlist(names)


def is_all_nodes(name):
    """Whether a name of a partition's nodes is Slurm's ALL (any letter case)."""
    return str(name).strip().upper() == ALL_NODES


def partition_nodes(partition, node_names, node_name_of=None):
    """The Slurm node names of a partition, in order: its `nodes` (or, when
    it names none, `node_names`: every compute node) expanded, each compute
    host written as its Slurm NodeName (`node_name_of`: {host: NodeName}),
    any other name (a NodeName already, or ALL) as it is."""
    nodes = partition.get("nodes")
    if nodes is None or (isinstance(nodes, (str, list, tuple)) and len(nodes) == 0):
        nodes = node_names
    node_name_of = node_name_of or {}
    return [node_name_of.get(name, name) for name in hostlist_expand(nodes)]


def partition_attributes(partition):
    """The slurm.conf keys of a partition (all but `name` and `nodes`), in order."""
    return {key: value for key, value in partition.items() if key not in ("name", "nodes")}


def partition_line(partition, node_names, node_name_of=None):
    """The PartitionName line of one partition.

    `partition`: {name, optional nodes, slurm.conf keys...} as the role's
    effective slurm_partitions hold it; `node_names`: the Slurm names of
    every compute node (the nodes of a partition that names none);
    `node_name_of`: {inventory host: Slurm NodeName} of the compute hosts.
    The keys follow Nodes in the partition's order, each value spelled by
    `conf_value`.
    """
    nodes = hostlist_collect(partition_nodes(partition, node_names, node_name_of))
    line = f"PartitionName={partition['name']} Nodes={nodes}"
    return line + "".join(f" {key}={conf_value(value)}" for key, value in partition_attributes(partition).items())
