"""The overlay tests' center as hpc.datasci.slurm_site_info reads it, from
the real Slurm 24.11 output of tests/unit/fixtures/slurm-24.11, with the
sizes and memory keys a test gives it."""

import pathlib

from ansible_collections.hpc.datasci.plugins.module_utils.slurm_conf_reader import (
    node_sizes,
    scontrol_config,
    scontrol_records,
)

FIXTURES = pathlib.Path(__file__).parent / "fixtures" / "slurm-24.11"


def center(real_memory=3000, mem_spec=0, config=None, **partitions):
    """The center as slurm_site_info reads it: c1 and c2 (2 CPUs each, in
    general and express, which set no memory key of their own; the
    cluster's DefMemPerCPU=1024), with `real_memory` declared for each
    node, `config` over the running configuration and each keyword's keys
    over that partition's record (a key None drops it)."""
    nodes = node_sizes(scontrol_records((FIXTURES / "scontrol_show_node_o.txt").read_text(), "NodeName"))
    for record in nodes.values():
        record.update(RealMemory=real_memory, MemSpecLimit=mem_spec)
    running = scontrol_records((FIXTURES / "scontrol_show_partition_o.txt").read_text(), "PartitionName")
    for name, keys in partitions.items():
        running[name].update(keys)
        running[name] = {k: v for k, v in running[name].items() if v is not None}
    live = scontrol_config((FIXTURES / "scontrol_show_config.txt").read_text())
    live.update(config or {})
    return {"node_records": nodes, "partitions": running, "config": {k: v for k, v in live.items() if v is not None}}


# The cluster with no memory default at all, as scontrol shows it.
NO_DEFAULT = {"DefMemPerCPU": None, "DefMemPerNode": "UNLIMITED"}
