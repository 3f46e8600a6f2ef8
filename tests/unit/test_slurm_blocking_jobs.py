"""plugins/module_utils/slurm_blocking_jobs.py on real `squeue --json`
output of Slurm 24.11.5 (tests/unit/fixtures/slurm-24.11/squeue_json_one_row.json:
job 5 started in `express` while it was OverSubscribe=NO, then express was
made FORCE:1; job 6 pends on c2 behind it with a CPU free there)."""

import json
import pathlib

import pytest
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_blocking_jobs import (
    SqueueJsonError,
    job_words,
    jobs_on,
    one_row_jobs,
)

FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "slurm-24.11" / "squeue_json_one_row.json"


def test_the_job_started_without_force_is_the_one_that_blocks():
    assert one_row_jobs(FIXTURE.read_text()) == [
        {"job_id": 5, "partition": "express", "user": "carol", "state": "RUNNING", "nodes": "c2", "end": 1796661733},
    ]


def test_pending_and_available_jobs_are_left_out():
    data = json.loads(FIXTURE.read_text())
    states = {j["job_id"]: (j["job_state"], (j.get("job_resources") or {}).get("nodes", {}).get("select_type"))
              for j in data["jobs"]}
    assert states[6] == (["PENDING"], None) and states[7][1] == ["AVAILABLE"]
    assert [j["job_id"] for j in one_row_jobs(data)] == [5]


def test_a_suspended_job_still_holds_its_node_and_an_unlimited_one_has_no_end():
    data = json.loads(FIXTURE.read_text())
    job = next(j for j in data["jobs"] if j["job_id"] == 5)
    job["job_state"] = ["SUSPENDED"]
    job["end_time"] = {"set": True, "infinite": True, "number": 0}
    assert one_row_jobs(data) == [
        {"job_id": 5, "partition": "express", "user": "carol", "state": "SUSPENDED", "nodes": "c2", "end": None},
    ]


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"jobs": {}}'])
def test_output_that_is_not_squeues_is_an_error(text):
    with pytest.raises(SqueueJsonError):
        one_row_jobs(text)


def test_slurm_22_05_does_not_say_how_jobs_hold_their_nodes():
    """Real squeue --json of the managed test site (Slurm 22.05.8): job 3
    started in `batch` while it was OverSubscribe=NO, and job 4 pends on c2
    behind it, but v0.0.38 has no select_type: unknown, not "none"."""
    fixture = FIXTURE.parents[1] / "slurm-22.05" / "squeue_json_one_row.json"
    assert one_row_jobs(fixture.read_text()) is None


def test_no_job_holding_a_node_is_no_blocking_job():
    assert one_row_jobs('{"jobs": []}') == []


def test_a_blocking_job_is_named_with_its_user_partition_nodes_and_end():
    job = {"job_id": 3, "partition": "general", "user": "carol", "nodes": "c2", "end": 1796822880}
    assert job_words(job) == "job 3 (carol, partition general) on c2 until 2026-12-09 13:28 UTC"
    assert job_words(dict(job, end=None, user="")) == "job 3 (partition general) on c2 with no time limit"


def test_the_jobs_on_given_nodes_are_found_through_their_hostlists():
    jobs = [{"job_id": 1, "nodes": "c[1-2]"}, {"job_id": 2, "nodes": "c3"}]
    expand = {"c[1-2]": ["c1", "c2"], "c3": ["c3"]}.__getitem__
    assert [j["job_id"] for j in jobs_on(jobs, {"c2"}, expand)] == [1]
    assert jobs_on(None, {"c2"}, expand) == []
