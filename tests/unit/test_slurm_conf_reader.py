"""Unit tests of the readers of a site's Slurm configuration
(plugins/module_utils/slurm_conf_reader.py), on slurm.conf text and on real
scontrol output of Slurm 22.05 (Debian 12) and 24.11 (Debian 13)."""

import pathlib

import pytest
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_conf_reader import (
    merge_conf,
    node_sizes,
    parse_conf,
    scontrol_config,
    scontrol_pairs,
    scontrol_records,
    slurm_version,
)
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_releases import reconfigure_applies_all

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
RELEASES = {"22.05": "slurm-22.05", "24.11": "slurm-24.11"}


def test_keys_partitions_nodes_and_includes_with_their_lines():
    text = """\
# the center's slurm.conf
clustername=center   # comments end a line
SchedulerParameters="bf_continue,bf_window=4320"
PartitionName=DEFAULT State=UP OverSubscribe=FORCE:1
PartitionName=general Nodes=c[1-2] Default=YES
NodeName=c[1-2] CPUs=2 RealMemory=1800
PartitionName=express Nodes=c1 OverSubscribe=NO
Include hpc-datasci.conf
MailProg=/usr/bin/mail\\#1
"""
    conf = parse_conf(text, "/etc/slurm/slurm.conf")
    assert conf["keys"]["clustername"] == {"key": "clustername", "value": "center", "where": "/etc/slurm/slurm.conf:2"}
    assert conf["keys"]["schedulerparameters"]["value"] == "bf_continue,bf_window=4320"
    assert conf["keys"]["mailprog"]["value"] == "/usr/bin/mail#1"
    assert conf["partitions"]["general"] == {
        "attrs": {"State": "UP", "OverSubscribe": "FORCE:1", "Nodes": "c[1-2]", "Default": "YES"},
        "where": "/etc/slurm/slurm.conf:5"}
    assert conf["partitions"]["express"]["attrs"]["OverSubscribe"] == "NO"
    assert conf["nodes"]["c[1-2]"]["attrs"] == {"CPUs": "2", "RealMemory": "1800"}
    assert conf["includes"] == [{"path": "hpc-datasci.conf", "where": "/etc/slurm/slurm.conf:8"}]
    assert "partitionname" not in conf["keys"] and "nodename" not in conf["keys"]


def test_later_files_win_as_when_slurm_reads_them():
    first = parse_conf("PreemptMode=OFF\nPartitionName=a Nodes=c1\n", "one")
    second = parse_conf("PreemptMode=SUSPEND\nPartitionName=a MaxTime=1:00:00\n", "two")
    merged = merge_conf([first, second])
    assert merged["keys"]["preemptmode"]["where"] == "two:1"
    assert merged["partitions"]["a"]["attrs"] == {"Nodes": "c1", "MaxTime": "1:00:00"}


def test_one_line_records_keep_values_with_spaces():
    line = "NodeName=c1 Arch=x86_64 OS=Linux 6.1.0-18-amd64 #1 SMP Reason=disk swap [root@2026-11-26T10:00:00]"
    assert scontrol_pairs(line)["OS"] == "Linux 6.1.0-18-amd64 #1 SMP"
    assert scontrol_pairs(line)["Reason"] == "disk swap [root@2026-11-26T10:00:00]"
    assert set(scontrol_records(line + "\n\n", "NodeName")) == {"c1"}


@pytest.mark.parametrize(("text", "version", "all_keys"), [
    ("slurm-wlm 22.05.8", (22, 5, 8), False),
    ("slurm 23.11.4", (23, 11, 4), True),
    ("24.11.5", (24, 11, 5), True),
    ("", None, False),
])
def test_the_release_decides_what_reconfigure_applies(text, version, all_keys):
    assert slurm_version(text) == version
    assert reconfigure_applies_all(version) is all_keys


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_real_scontrol_output_of_both_releases(release):
    folder = FIXTURES / RELEASES[release]
    config = scontrol_config((folder / "scontrol_show_config.txt").read_text())
    assert slurm_version(config["SLURM_VERSION"])[:2] == tuple(int(v) for v in release.split("."))
    assert config["SLURM_CONF"] == "/etc/slurm/slurm.conf"
    assert config["SelectType"] == "select/cons_tres"
    assert "PreemptType" in config and "SlurmctldParameters" in config and "ClusterName" in config
    partitions = scontrol_records((folder / "scontrol_show_partition_o.txt").read_text(), "PartitionName")
    assert partitions, "no partition read"
    for pairs in partitions.values():
        assert {"Nodes", "PriorityTier", "OverSubscribe", "Default"} <= set(pairs)
    nodes = scontrol_records((folder / "scontrol_show_node_o.txt").read_text(), "NodeName")
    assert nodes and all("CPUTot" in pairs and "State" in pairs for pairs in nodes.values())
    conf = parse_conf((folder / "slurm.conf").read_text(), "slurm.conf")
    assert conf["keys"]["clustername"]["value"] == config["ClusterName"]
    assert set(conf["partitions"]) <= set(partitions)


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_node_sizes_are_what_slurmctld_counts(release):
    text = (FIXTURES / RELEASES[release] / "scontrol_show_node_o.txt").read_text()
    memory, partitions = {"22.05": (2000, ["batch", "short"]), "24.11": (23081, ["general", "express"])}[release]
    assert node_sizes(scontrol_records(text, "NodeName")) == {
        name: {"CPUs": 2, "RealMemory": memory, "MemSpecLimit": 0, "Partitions": partitions} for name in ("c1", "c2")}


def test_node_sizes_with_memory_held_back_and_unknown_values():
    line = ("NodeName=c9 CPUAlloc=0 CPUTot=64 RealMemory=256000 AllocMem=0 MemSpecLimit=8000 State=IDLE "
            "Partitions=(null)\nNodeName=c10 CPUTot=N/A State=DOWN")
    assert node_sizes(scontrol_records(line, "NodeName")) == {
        "c9": {"CPUs": 64, "RealMemory": 256000, "MemSpecLimit": 8000, "Partitions": []},
        "c10": {"CPUs": 0, "RealMemory": 0, "MemSpecLimit": 0, "Partitions": []}}
