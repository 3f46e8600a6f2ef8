"""One table of partitions through both modes: the PartitionName lines of
managed mode's slurm.conf (the filter slurm_partition_line, which the
template calls) and of overlay mode's fragment (slurm_overlay_plan) are the
same lines, written by plugins/module_utils/slurm_partition.py."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.filter.slurm_conf import FilterModule, slurm_partition_line
from ansible_collections.hpc.datasci.plugins.filter.slurm_overlay import slurm_overlay_plan
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_partition import (
    SlurmConfLineError,
    partition_line,
    partition_nodes,
)

# The compute hosts c1, c2 and gpu of the inventory, whose Slurm names differ
# (slurm_node_name), and the Slurm names of all of them (a partition's default).
NODE_NAME_OF = {"c1": "node01", "c2": "node02", "gpu": "gpu01"}
NODE_NAMES = ["node01", "node02", "gpu01"]

TABLE = [
    ({"name": "batch", "Default": True, "MaxTime": "7-00:00:00", "OverSubscribe": "FORCE:1", "DefMemPerCPU": 400},
     "PartitionName=batch Nodes=gpu01,node[01-02] Default=YES MaxTime=7-00:00:00 OverSubscribe=FORCE:1 "
     "DefMemPerCPU=400"),
    ({"name": "cpu", "nodes": "c[1-2]", "PriorityTier": 1, "State": "UP"},
     "PartitionName=cpu Nodes=node[01-02] PriorityTier=1 State=UP"),
    ({"name": "mixed", "nodes": ["gpu", "c1"], "Hidden": False},
     "PartitionName=mixed Nodes=gpu01,node01 Hidden=NO"),
    ({"name": "slurmnames", "nodes": "node02", "MaxTime": "1:00:00"},
     "PartitionName=slurmnames Nodes=node02 MaxTime=1:00:00"),
    ({"name": "debug", "nodes": "ALL", "Hidden": True, "AllowQos": ["interactive", "burst"]},
     "PartitionName=debug Nodes=ALL Hidden=YES AllowQos=interactive,burst"),
]


def overlay_site():
    """A site's Slurm that runs the three nodes and no partition yet."""
    return {"version": [24, 11, 5], "conf_path": "/etc/slurm/slurm.conf",
            "fragment_path": "/etc/slurm/hpc-datasci.conf", "fragment": {}, "site": {},
            "config": {"ClusterName": "center", "PreemptType": "preempt/none", "SelectTypeParameters": "CR_Core_Memory"},
            "partitions": {}, "nodes": list(NODE_NAMES), "jobs": []}


def test_managed_and_overlay_write_the_same_partition_lines():
    partitions = [dict(partition) for partition, _line in TABLE]
    managed = [slurm_partition_line(p, NODE_NAMES, NODE_NAME_OF) for p in partitions]
    overlay = slurm_overlay_plan({"site": overlay_site(), "config": {}, "handed_keys": [], "partitions": partitions,
                                  "node_names": NODE_NAMES, "node_name_of": NODE_NAME_OF, "sand_mode": "tiers",
                                  "sand_partition": None, "cluster_name": ""})
    assert overlay["errors"] == []
    assert managed == [line for _partition, line in TABLE]
    assert overlay["lines"] == managed
    # The table itself is left as it was.
    assert partitions == [partition for partition, _line in TABLE]


@pytest.mark.parametrize(("partition", "line"), TABLE, ids=[p["name"] for p, _line in TABLE])
def test_each_line(partition, line):
    assert partition_line(partition, NODE_NAMES, NODE_NAME_OF) == line


def test_names_of_hosts_without_slurm_node_name_and_all_in_any_case_are_written_as_they_are():
    assert partition_nodes({"name": "p", "nodes": "c[1-3],all"}, NODE_NAMES, {"c1": "node01"}) == [
        "node01", "c2", "c3", "all"]
    assert partition_line({"name": "p", "nodes": ["c1", "c2"]}, ["c1", "c2"]) == "PartitionName=p Nodes=c[1-2]"


def test_a_bad_hostlist_is_named_with_its_partition():
    with pytest.raises(SlurmConfLineError, match=r"'c\[3-1' is not a valid hostlist"):
        partition_line({"name": "p", "nodes": "c[3-1"}, NODE_NAMES)
    with pytest.raises(AnsibleFilterError, match=r"^slurm_partitions\.p\.nodes: 'c\[3-1' is not a valid hostlist"):
        slurm_partition_line({"name": "p", "nodes": "c[3-1"}, NODE_NAMES)
    with pytest.raises(AnsibleFilterError, match="bad partition"):
        slurm_partition_line({"nodes": "c1"}, NODE_NAMES)


def test_the_filter_is_registered():
    assert FilterModule().filters()["slurm_partition_line"] is slurm_partition_line
