"""Unit tests of the memory a sand job finds free beside the site's jobs
(plugins/module_utils/slurm_site_memory.py), on the real records of the
overlay tests' center (Slurm 24.11, tests/unit/fixtures/slurm-24.11) with
the memory keys a site may set."""

import pytest
from _site_records import NO_DEFAULT, center
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_site_memory import free_beside_site, site_job_memory


def test_the_fixture_is_the_center_as_captured():
    site = center()
    assert site["config"]["DefMemPerCPU"] == "1024"
    assert site["partitions"]["general"]["DefMemPerNode"] == "UNLIMITED"
    assert site["partitions"]["general"]["MaxMemPerNode"] == "UNLIMITED"


@pytest.mark.parametrize(("partition", "config", "expected"), [
    pytest.param({}, {}, (1024, "DefMemPerCPU=1024 of the cluster"), id="the-clusters-default"),
    pytest.param({"DefMemPerNode": None, "DefMemPerCPU": "500"}, {}, (500, "DefMemPerCPU=500"), id="its-own-default"),
    pytest.param({"MaxMemPerNode": None, "MaxMemPerCPU": "1400"}, {}, (1400, "MaxMemPerCPU=1400"), id="its-cap"),
    pytest.param({}, {"MaxMemPerNode": None, "MaxMemPerCPU": "1200"}, (1200, "MaxMemPerCPU=1200 of the cluster"),
                 id="the-clusters-cap"),
    pytest.param({"MaxMemPerNode": "2000"}, {}, (1024, "DefMemPerCPU=1024 of the cluster"), id="a-node-cap-is-no-share"),
    pytest.param({"DefMemPerNode": "700"}, NO_DEFAULT, (700, "DefMemPerNode=700"), id="a-node-default-per-job-of-one-cpu"),
    pytest.param({}, NO_DEFAULT, (None, "no DefMemPerCPU, DefMemPerNode=UNLIMITED"), id="the-whole-node"),
])
def test_what_a_job_of_a_sites_partition_holds_per_cpu(partition, config, expected):
    site = center(config=config, general=partition)
    assert site_job_memory(site["partitions"]["general"], site["config"]) == expected


def test_the_centers_jobs_leave_952_mib_of_3000():
    general, express = ({"name": name, "per_cpu": 1024, "keys": "DefMemPerCPU=1024 of the cluster", "free": 952}
                        for name in ("general", "express"))
    assert free_beside_site(center(), ["c1", "c2"], ["short"]) == [
        {"node": n, "cpus": 2, "memory": 3000, "free": 952, "partitions": [general, express]} for n in ("c1", "c2")]


def test_the_partition_whose_jobs_hold_most_counts_and_memory_held_back_is_no_jobs():
    site = center(mem_spec=200, express={"MaxMemPerNode": None, "MaxMemPerCPU": "1300"})
    [c1] = free_beside_site(site, ["c1"], [])
    assert (c1["memory"], c1["free"]) == (2800, 2800 - 2 * 1300)
    assert [(p["name"], p["free"]) for p in c1["partitions"]] == [("general", 2800 - 2048), ("express", 200)]
    whole = free_beside_site(center(config=NO_DEFAULT, express={"DefMemPerNode": None, "DefMemPerCPU": "100"}),
                             ["c1"], [])
    assert [(p["name"], p["per_cpu"], p["free"]) for p in whole[0]["partitions"]] == [
        ("general", None, 0), ("express", 100, 2800)]
    assert whole[0]["free"] == 0


def test_the_bundles_partitions_and_nodes_without_record_do_not_count():
    site = center(config=NO_DEFAULT)
    # Only the bundle's partitions on c1: nothing of the site's to make room for.
    site["node_records"]["c1"]["Partitions"] = ["short", "extra"]
    assert free_beside_site(site, ["c1", "gpu7"], ["short", "extra"]) == [
        {"node": "c1", "cpus": 2, "memory": 3000, "free": 3000, "partitions": []}]
