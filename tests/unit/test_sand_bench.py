"""The sand benchmark's metric functions (tests/bench/sand_metrics.py) over
sacct-like records, and its seeded workload (tests/bench/sand_workload.py)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench"))

import bench_report  # noqa: E402
import sand_metrics as metrics  # noqa: E402
import sand_workload as workload  # noqa: E402

T0, T1 = 1000.0, 1200.0  # a 200 s window


def rec(job, kind, cpus, submit, start, end, state="COMPLETED", suspended=0):
    return {"job": job, "name": f"bench-{kind}-{job}", "user": "alice", "partition": "", "qos": "",
            "state": state, "cpus": cpus, "submit": submit, "start": start, "end": end,
            "suspended": suspended, "kind": kind}


SACCT = "\n".join([
    "101|bench-rock-0|alice|batch|normal|RUNNING|4|4|990|1000|Unknown|00:00:30",
    "101.batch|batch|||||4|4|1000|1000|Unknown|00:00:30",
    "102|bench-sand-0|bob|short|burst|CANCELLED by 2002|0|1|1100|Unknown|1200|00:00:00",
    "103|bench-rock-1|alice|batch|scavenger|REQUEUED|8|8|990|1000|1050|00:00:00",
    "103|bench-rock-1|alice|batch|scavenger|RUNNING|8|8|1050|1120|Unknown|00:00:00",
    "",
])


def test_parse_sacct_keeps_allocations_and_their_segments():
    records = metrics.parse_sacct(SACCT)
    assert [(r["job"], r["state"], r["cpus"], r["start"], r["end"], r["suspended"]) for r in records] == [
        ("101", "RUNNING", 4, 1000.0, None, 30),
        ("102", "CANCELLED", 1, None, 1200.0, 0),
        ("103", "REQUEUED", 8, 1000.0, 1050.0, 0),
        ("103", "RUNNING", 8, 1120.0, None, 0),
    ]


@pytest.mark.parametrize(("name", "kind"), [
    ("bench-rock-3", "rock"), ("bench-back-0", "rock"), ("bench-sand-12", "sand"),
    ("spawner-jupyterhub", "service"), ("dask-gateway", "service"),
])
def test_kind_of(name, kind):
    assert metrics.kind_of(name) == kind


@pytest.mark.parametrize(("values", "share", "expected"), [
    ([], 0.5, None), ([7], 0.95, 7), ([1, 2, 3, 4], 0.5, 2.5), ([0, 10], 0.95, 9.5), ([5, 1, 3], 1.0, 5),
])
def test_percentile(values, share, expected):
    assert metrics.percentile(values, share) == expected


def test_sand_that_never_started_counts_as_waiting_until_the_end():
    records = [rec("1", "sand", 1, 1100, 1102, 1130), rec("2", "sand", 1, 1150, None, None, "PENDING")]
    assert metrics.waits(records, "sand", T1) == ([2.0, 50.0], 1)
    assert metrics.sand_waits(records, T1) == [(2.0, False), (50.0, True)]


def test_a_requeued_job_waits_until_its_first_start():
    records = [rec("1", "rock", 8, 990, 1000, 1050, "REQUEUED"), rec("1", "rock", 8, 1050, 1120, None, "RUNNING")]
    assert metrics.waits(records, "rock", T1) == ([10.0], 0)


@pytest.mark.parametrize(("record", "lost"), [
    (rec("1", "rock", 8, 990, 1000, 1050, "REQUEUED"), True),
    (rec("1", "rock", 8, 990, 1000, 1050, "PREEMPTED"), True),
    (rec("1", "rock", 8, 990, 1000, 1050, "CANCELLED"), True),   # before the driver's cleanup
    (rec("1", "rock", 8, 990, 1000, 1200, "CANCELLED"), False),  # the driver's cleanup at t1
    (rec("1", "rock", 8, 990, 1000, 1050, "COMPLETED"), False),
    (rec("1", "rock", 8, 990, 1000, None, "RUNNING"), False),
    (rec("1", "rock", 8, 990, None, 1200, "CANCELLED"), False),  # never started
])
def test_lost_segment(record, lost):
    assert metrics.lost_segment(record, T1) is lost


def test_overlap_is_clipped_to_the_window():
    assert metrics.overlap(rec("1", "rock", 1, 900, 950, 1100), T0, T1) == 100
    assert metrics.overlap(rec("1", "rock", 1, 900, 1150, None, "RUNNING"), T0, T1) == 50
    assert metrics.overlap(rec("1", "rock", 1, 900, None, None, "PENDING"), T0, T1) == 0


def test_run_metrics_of_a_suspended_rock_and_fast_sand():
    """Two 16-CPU rocks hold the machine; 1-CPU sand suspends one of them for 30 s."""
    records = [
        rec("1", "rock", 16, 990, 1000, None, "RUNNING", suspended=30),
        rec("2", "rock", 16, 990, 1000, None, "RUNNING"),
        rec("3", "sand", 1, 1100, 1101, 1131),
        rec("4", "sand", 1, 1100, 1103, 1131),
    ]
    m = metrics.run_metrics(records, T0, T1, 32)
    assert m["sand_wait_p50_s"] == 2.0 and m["sand_wait_max_s"] == 3.0 and m["sand_never_started"] == 0
    assert m["rock_work_lost_cpu_s"] == 0 and m["rocks_preempted"] == 0
    assert m["rock_suspended_cpu_s"] == 480
    # 32 CPUs x 200 s = 6400; rocks 6400 - 480 suspended, sand 30 + 28.
    assert m["useful_utilization"] == round((6400 - 480 + 58) / 6400, 3)
    assert m["allocated_fraction"] == m["useful_utilization"]


def test_run_metrics_of_a_requeued_rock():
    records = [
        rec("1", "rock", 8, 990, 1000, 1050, "REQUEUED"),
        rec("1", "rock", 8, 1050, 1120, None, "RUNNING"),
        rec("2", "sand", 1, 1040, 1045, 1080),
    ]
    m = metrics.run_metrics(records, T0, T1, 10)
    assert m["rock_work_lost_cpu_s"] == 400 and m["rock_segments_lost"] == 1 and m["rocks_preempted"] == 1
    assert m["allocated_fraction"] == round((400 + 640 + 35) / 2000, 3)
    assert m["useful_utilization"] == round((640 + 35) / 2000, 3)
    assert m["rock_wait_p50_s"] == 10.0


@pytest.mark.parametrize(("idle", "busy", "ratio"), [(10.0, 12.0, 1.2), (None, 5.0, None), (10.0, None, None)])
def test_service_ratio(idle, busy, ratio):
    assert metrics.service_ratio(idle, busy) == ratio


def test_spread_ignores_missing_values():
    assert metrics.spread([3, None, 1]) == (1, 3)
    assert metrics.spread([None]) is None


@pytest.mark.parametrize("quick", [True, False])
def test_workload_is_seeded_and_fills_the_machine(quick):
    one = workload.make_workload(seed=7, total_cpus=32, quick=quick)
    assert one == workload.make_workload(seed=7, total_cpus=32, quick=quick)
    assert one != workload.make_workload(seed=8, total_cpus=32, quick=quick)
    rock_cpus = sum(job["cpus"] for job in one["rocks"])
    assert 0.95 * 32 <= rock_cpus <= 32
    assert all(1 <= job["cpus"] <= 8 for job in one["rocks"])
    assert {16, 32} <= {job["cpus"] for job in one["backlog"]}
    assert all(job["cpus"] == 1 and 15 <= job["seconds"] <= 40 for job in one["sand"])
    assert all(0 <= job["offset"] < one["window_s"] for job in one["sand"])


def test_the_table_has_the_notebook_beside_burst_row():
    runs = [{"metrics": {"notebook_beside_burst_s": 0.6}}, {"metrics": {"notebook_beside_burst_s": 1.2}}]
    line = next(line for line in bench_report.table({"suspend": runs, "tiers": [{"metrics": {}}]}).splitlines()
                if line.startswith("notebook wait while another user's Dask cluster fills the share (s)"))
    assert line.split()[-2:] == ["0.6-1.2", "-"]
