"""Unit tests of the reader of a site's Slurm files
(plugins/modules/slurm_site_info.py): includes as Slurm resolves them, the
bundle's own fragment kept apart, DEFAULT lines across files."""

import pathlib

import pytest
import slurm_site_info

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


def test_includes_relative_absolute_and_per_cluster_with_the_fragment_apart(tmp_path):
    conf = tmp_path / "slurm.conf"
    (tmp_path / "parts").mkdir()
    conf.write_text("ClusterName=center\nPartitionName=DEFAULT OverSubscribe=FORCE:1\n"
                    "Include parts/site.conf\nInclude %c-nodes.conf\nInclude hpc-datasci.conf\n")
    (tmp_path / "parts" / "site.conf").write_text("PartitionName=general Nodes=c[1-2] PriorityTier=1\n")
    (tmp_path / "center-nodes.conf").write_text("NodeName=c[1-2] CPUs=2\n")
    (tmp_path / "hpc-datasci.conf").write_text("PartitionName=short Nodes=c[1-2]\n")
    parsed, included, unreadable = slurm_site_info.read_site_files(
        str(conf), str(tmp_path / "hpc-datasci.conf"), "Center")
    assert included is True and unreadable == []
    assert [p["includes"] and p["includes"][0]["path"] for p in parsed][0] == "parts/site.conf"
    partitions = {name: e for p in parsed for name, e in p["partitions"].items()}
    assert set(partitions) == {"general"}  # the fragment is not the site's
    # The main file's DEFAULT line reaches the included file's partition.
    assert partitions["general"]["attrs"]["OverSubscribe"] == "FORCE:1"
    assert {name for p in parsed for name in p["nodes"]} == {"c[1-2]"}


def test_an_unreadable_include_is_reported_and_a_missing_fragment_is_not_included(tmp_path):
    conf = tmp_path / "slurm.conf"
    conf.write_text("Include /nonexistent/site.conf\n")
    parsed, included, unreadable = slurm_site_info.read_site_files(str(conf), str(tmp_path / "hpc-datasci.conf"))
    assert included is False
    assert unreadable == ["/nonexistent/site.conf (No such file or directory)"]


def test_active_jobs_with_their_partitions_and_qos():
    text = "41|short|burst|RUNNING\n42|general,express|normal|PENDING\nbad line\n"
    assert slurm_site_info.active_jobs(text) == [
        {"id": "41", "partitions": ["short"], "qos": "burst", "state": "RUNNING"},
        {"id": "42", "partitions": ["general", "express"], "qos": "normal", "state": "PENDING"}]


class _Module:
    """What _one_row_jobs uses of AnsibleModule: run_command."""

    def __init__(self, rc, out):
        self.answer = (rc, out, "")

    def run_command(self, args, environ_update=None):
        assert args == ["squeue", "-a", "--json"]
        return self.answer


def test_the_jobs_holding_nodes_one_row_come_from_squeue_json():
    text = (FIXTURES / "slurm-24.11" / "squeue_json_one_row.json").read_text()
    jobs = slurm_site_info._one_row_jobs(_Module(0, text))
    assert [(j["job_id"], j["nodes"]) for j in jobs] == [(5, "c2")]


@pytest.mark.parametrize("rc, out", [(1, ""), (0, "not json"), (0, "{}")])
def test_a_squeue_without_json_leaves_the_holding_jobs_unknown(rc, out):
    assert slurm_site_info._one_row_jobs(_Module(rc, out)) is None
