"""Unit tests of the compute nodes' sizes (plugins/filter/slurm_nodes.py):
from the hosts' facts in managed mode, from the site's node records (real
`scontrol show node -o` of Slurm 24.11) in overlay mode, slurm_node_config
over either."""

import pathlib

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.filter.slurm_nodes import FilterModule, slurm_node_sizes
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_conf_reader import node_sizes, scontrol_records

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
# The overlay tests' center as captured (tests/unit/fixtures/slurm-24.11).
RECORDS = node_sizes(scontrol_records((FIXTURES / "slurm-24.11" / "scontrol_show_node_o.txt").read_text(), "NodeName"))


def facts(cpus, memory):
    return {"ansible_facts": {"processor_vcpus": cpus, "memtotal_mb": memory}}


HOSTVARS = {
    "c1": facts(2, 24105),
    "c2": {**facts(2, 24105), "slurm_node_config": {"RealMemory": 2000, "Features": "ssd"}},
    "node3": {**facts(4, 512), "slurm_node_name": "c3"},
    "c4": {"ansible_facts": {}},
}


def sizes(mode="managed", records=None, hosts=("c1", "c2", "node3", "c4"), reserve_mb=1024):
    return slurm_node_sizes({"hosts": list(hosts), "hostvars": HOSTVARS, "mode": mode, "records": records,
                             "reserve_mb": reserve_mb})


def test_managed_mode_takes_the_facts_less_the_reserve_under_slurm_node_config():
    assert sizes() == [
        {"name": "c1", "config": {"CPUs": 2, "RealMemory": 23081}},
        {"name": "c2", "config": {"CPUs": 2, "RealMemory": 2000, "Features": "ssd"}},
        # Less memory than the reserve is 0, not below.
        {"name": "c3", "config": {"CPUs": 4, "RealMemory": 0}},
        # Facts not gathered (validation): 0, which derives nothing.
        {"name": "c4", "config": {"CPUs": 0, "RealMemory": 0}},
    ]


def test_overlay_mode_takes_the_sites_records_not_the_facts():
    records = dict(RECORDS, c1=dict(RECORDS["c1"], RealMemory=3000))
    assert sizes("overlay", records, hosts=("c1", "c2")) == [
        {"name": "c1", "config": {"CPUs": 2, "RealMemory": 3000}},
        # What the inventory sets is its own, in either mode.
        {"name": "c2", "config": {"CPUs": 2, "RealMemory": 2000, "Features": "ssd"}},
    ]


@pytest.mark.parametrize("records", [None, {}, RECORDS], ids=["not-read", "empty", "lacks-the-node"])
def test_overlay_mode_without_the_nodes_record_knows_no_size(records):
    # Never the facts: the overlay plan names the node that Slurm lacks.
    assert sizes("overlay", records, hosts=("node3",)) == [{"name": "c3", "config": {"CPUs": 0, "RealMemory": 0}}]


def test_no_compute_host_is_no_node_and_a_bad_input_is_refused():
    assert sizes(hosts=()) == []
    with pytest.raises(AnsibleFilterError, match="expects a dict"):
        slurm_node_sizes(["c1"])
    assert FilterModule().filters() == {"slurm_node_sizes": slurm_node_sizes}
