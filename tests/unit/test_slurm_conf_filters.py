"""Unit tests of the slurm.conf filters (plugins/filter/slurm_conf.py)."""

import pathlib

import pytest
from _modules import load_file
from ansible.errors import AnsibleFilterError

_PATH = pathlib.Path(__file__).resolve().parents[2] / "plugins" / "filter" / "slurm_conf.py"
slurm_conf = load_file("slurm_conf_filters", _PATH)


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["c1", "c2", "c3"], "c[1-3]"),
        (["node001", "node002", "node004"], "node[001-002,004]"),
        (["gpu1", "c2", "c1"], "c[1-2],gpu1"),
        ("c[01-03]", "c[01-03]"),
        (["login"], "login"),
    ],
)
def test_hostlist_compresses(names, expected):
    assert slurm_conf.slurm_hostlist(names) == expected


def test_hostlist_expands_ranges_and_lists():
    assert slurm_conf.slurm_hostlist_expand(["c[1-2]", "gpu[01-02]"]) == ["c1", "c2", "gpu01", "gpu02"]


def test_hostlist_rejects_bad_range():
    with pytest.raises(AnsibleFilterError, match=r"'c\[3-1' is not a valid hostlist"):
        slurm_conf.slurm_hostlist_expand("c[3-1")


def test_hostlist_rejects_empty_list():
    with pytest.raises(AnsibleFilterError, match="empty"):
        slurm_conf.slurm_hostlist([])


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, "YES"), (False, "NO"), (5, "5"), (["a", "b"], "a,b"), ("2:00:00", "2:00:00")],
)
def test_conf_value(value, expected):
    assert slurm_conf.slurm_conf_value(value) == expected


def test_node_lines_group_equal_nodes():
    nodes = [
        {"name": "c1", "config": {"CPUs": 2, "RealMemory": 1000}},
        {"name": "c2", "config": {"RealMemory": 1000, "CPUs": 2}},
        {"name": "big1", "config": {"CPUs": 64, "RealMemory": 250000}},
        {"name": "c3", "config": {"CPUs": 2, "RealMemory": 1000}},
    ]
    assert slurm_conf.slurm_node_lines(nodes) == [
        "NodeName=c[1-3] CPUs=2 RealMemory=1000",
        "NodeName=big1 CPUs=64 RealMemory=250000",
    ]


def test_node_lines_reject_bad_entry():
    with pytest.raises(AnsibleFilterError, match="bad node entry"):
        slurm_conf.slurm_node_lines(["c1"])
