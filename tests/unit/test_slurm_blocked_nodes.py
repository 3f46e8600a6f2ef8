"""Managed mode's check of the jobs that would keep sand off their nodes once
suspend mode begins (plugins/filter/slurm_blocked_nodes.py): from squeue
--json where Slurm 24.11 says how jobs hold their nodes, from the partitions'
running OverSubscribe where 22.05 does not."""

import pathlib

import pytest
from ansible_collections.hpc.datasci.plugins.filter.slurm_blocked_nodes import FilterModule, slurm_blocked_sand_errors
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_blocking_jobs import non_force_jobs

FIXTURES = pathlib.Path(__file__).parent / "fixtures"
# Slurm 22.05 (the managed site of Debian 12) in tiers mode: batch and short without OverSubscribe.
TIERS_22_05 = "PartitionName=batch Nodes=c[1-2] OverSubscribe=NO\nPartitionName=short Nodes=c[1-2] OverSubscribe=NO\n"
SUSPEND_22_05 = TIERS_22_05.replace("OverSubscribe=NO", "OverSubscribe=FORCE:1")
RUNNING = ("12|batch|bob|RUNNING|c1|2026-12-09T13:28:34\n13|short|alice|SUSPENDED|c2|2026-12-07T18:00:00\n"
           "14|batch|bob|PENDING||N/A\n")


def data(**changes):
    base = {"sand_mode": "suspend", "sand_partition": "short",
            "partitions": [{"name": "batch", "Default": "YES"}, {"name": "short", "QOS": "short"}],
            "node_names": ["c1", "c2"], "node_name_of": {"c1": "c1", "c2": "c2"},
            "squeue_json": (FIXTURES / "slurm-22.05" / "squeue_json_one_row.json").read_text(),
            "squeue_text": RUNNING, "partitions_text": TIERS_22_05}
    base.update(changes)
    return base


def test_a_tiers_site_going_to_suspend_names_every_running_job_on_the_sand_nodes():
    assert slurm_blocked_sand_errors(data()) == [
        "slurm_sand_mode suspend: these running jobs started while their partition was not OverSubscribe=FORCE, and "
        "Slurm starts no job of a FORCE partition (the sand partition short in suspend mode, and the partitions below "
        "it, which this run makes OverSubscribe=FORCE:1) on their nodes until they end: job 12 (bob, partition batch) "
        "on c1 until 2026-12-09T13:28:34; job 13 (alice, partition short) on c2 until 2026-12-07T18:00:00. The nodes "
        "c[1-2] would be blocked for sand. Ways through (docs/sand-policy.md, \"Switching to suspend mode while jobs "
        "run\"): leave those nodes out of the sand partition until these jobs have ended (slurm_partitions: {short: "
        "{nodes: [...]}}): jobs that start after the switch never block; or accept that sand starts there only once "
        "they have ended: slurm_sand_accept_blocking_jobs: [12, 13]."]


def test_slurm_24_11_says_which_jobs_hold_their_nodes():
    found = slurm_blocked_sand_errors(data(
        squeue_json=(FIXTURES / "slurm-24.11" / "squeue_json_one_row.json").read_text(), squeue_text=""))
    assert len(found) == 1 and "job 5 (carol, partition express) on c2 until 2026-12-07 16:42 UTC" in found[0]


@pytest.mark.parametrize("changes", [
    {"partitions_text": SUSPEND_22_05},                       # a site in suspend mode already
    {"sand_mode": "tiers"},                                   # tiers: nothing is FORCE
    {"squeue_text": ""},                                      # no job runs
    {"accepted_jobs": ["12", 13]},                            # both accepted by the inventory
    {"partitions": [{"name": "batch"}, {"name": "short", "nodes": ["c3"]}], "node_names": ["c1", "c2", "c3"]},
])
def test_nothing_to_report(changes):
    assert slurm_blocked_sand_errors(data(**changes)) == []


def test_non_force_jobs_reads_squeues_lines_and_skips_the_pending():
    assert [j["job_id"] for j in non_force_jobs(RUNNING, {"batch": {"OverSubscribe": "NO"}})] == [12, 13]
    assert non_force_jobs(RUNNING, {"batch": {"OverSubscribe": "FORCE:1"}, "short": {"oversubscribe": "FORCE"}}) == []


def test_the_filter_is_registered():
    assert FilterModule().filters()["slurm_blocked_sand_errors"] is slurm_blocked_sand_errors


def test_a_job_not_accepted_is_still_named():
    found = slurm_blocked_sand_errors(data(accepted_jobs=[12]))
    assert len(found) == 1 and "job 13 (alice" in found[0] and "job 12 " not in found[0]
    assert found[0].endswith("slurm_sand_accept_blocking_jobs: [13].")
