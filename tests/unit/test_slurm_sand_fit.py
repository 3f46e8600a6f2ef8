"""Unit tests of the caps that bind a job of the sand partition
(plugins/module_utils/slurm_sand_fit.py): which QOS limits apply, in Slurm's
order, and what does not fit them."""

import pytest
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_sand_fit import (
    Cap,
    describe,
    over_caps,
    remedy,
    sand_caps,
    workers_that_fit,
)

SHARE = {"partition": "short", "derived": True, "cpus": 2, "percent": 50, "compute_cpus": 4,
         "variable": "slurm_sand_share_percent"}


def policy(short=None, burst=None, share=SHARE, partition_qos="short"):
    """The sample's sand partition short (partition QOS `partition_qos`)
    with the QOS short and burst given."""
    return {
        "partitions": [{"name": "batch"}, {"name": "short", **({"QOS": partition_qos} if partition_qos else {})}],
        "qos": [{"name": "short", **(short if short is not None else {"GrpTRES": "cpu=2"})},
                {"name": "burst", **(burst or {})}],
        "sand_partition": "short",
        "sand_share": share,
    }


def test_a_partition_other_than_sand_has_no_caps():
    assert sand_caps(policy(), "batch", "burst") is None
    assert sand_caps(dict(policy(), sand_partition=None), "short", "burst") is None


def test_the_derived_share_is_a_cap_once_the_nodes_sizes_are_known():
    assert sand_caps(policy(), "short", "burst") == [Cap("GrpTRES", "cpu", 2, "short", True, True)]
    assert sand_caps(policy(share=dict(SHARE, compute_cpus=None)), "short", "burst") == []


def test_the_partition_qos_cpu_cap_of_the_site_also_waits_for_the_nodes_sizes():
    """An older inventory writes GrpTRES: cpu={{ __slurm_short_share_cpus }},
    1 while the sizes are unknown; its memory cap does not depend on them."""
    unknown = dict(SHARE, derived=False, compute_cpus=None)
    assert sand_caps(policy(short={"GrpTRES": "cpu=1,mem=3G"}, burst={"GrpTRES": "cpu=8"}, share=unknown),
                     "short", "burst") == [Cap("GrpTRES", "mem", 3072, "short", False, True)]
    assert sand_caps(policy(short={"GrpTRES": "cpu=1"}, share=dict(SHARE, derived=False)), "short", "burst") == [
        Cap("GrpTRES", "cpu", 1, "short", False, True)]


def test_the_partition_qos_wins_over_the_job_qos_limit_by_limit():
    caps = sand_caps(policy(burst={"GrpTRES": "cpu=1,mem=1G", "MaxTRESPU": "cpu=3", "maxtresperjob": "mem=512"}),
                     "short", "burst")
    assert caps == [Cap("GrpTRES", "cpu", 2, "short", True, True),
                    Cap("GrpTRES", "mem", 1024, "burst", False, False),
                    Cap("MaxTRESPerUser", "cpu", 3, "burst", False, False),
                    Cap("MaxTRESPerJob", "mem", 512, "burst", False, False)]


def test_overpartqos_makes_the_job_qos_win():
    caps = sand_caps(policy(burst={"GrpTRES": "cpu=8", "Flags": "DenyOnLimit,OverPartQOS"}), "short", "burst")
    assert caps == [Cap("GrpTRES", "cpu", 8, "burst", False, False)]


def test_without_a_partition_qos_only_the_job_qos_caps():
    caps = sand_caps(policy(burst={"MaxTRESPerUser": "cpu=4"}, partition_qos=None,
                            share=dict(SHARE, derived=False)), "short", "burst")
    assert caps == [Cap("MaxTRESPerUser", "cpu", 4, "burst", False, False)]


def test_bad_tres_strings_and_flags_are_left_to_the_slurm_checks():
    caps = sand_caps(policy(short={"GrpTRES": "cpu"}, burst={"MaxTRESPerUser": "cpu=2", "Flags": "Nonsense"}),
                     "short", "burst")
    assert caps == [Cap("MaxTRESPerUser", "cpu", 2, "burst", False, False)]


SCHEDULER = {"cpu": 1, "mem": 2048}
WORKER = {"cpu": 1, "mem": 2048}


@pytest.mark.parametrize(("caps", "expected"), [
    pytest.param([Cap("GrpTRES", "cpu", 4, "short", True, True)], 3, id="share-of-4"),
    pytest.param([Cap("GrpTRES", "cpu", 4, "short", True, True), Cap("GrpTRES", "mem", 5120, "burst", False, False)],
                 1, id="memory-binds"),
    pytest.param([Cap("GrpTRES", "cpu", 1, "short", True, True)], 0, id="no-worker"),
    pytest.param([Cap("MaxTRESPerJob", "mem", 1024, "burst", False, False)], -1, id="scheduler-too-big"),
    pytest.param([Cap("MaxTRESPerJob", "cpu", 1, "burst", False, False)], None, id="per-job-only"),
])
def test_workers_that_fit_beside_the_scheduler(caps, expected):
    assert workers_that_fit(SCHEDULER, WORKER, caps)[0] == expected


def test_over_caps_sums_for_totals_and_takes_the_largest_job_for_per_job_limits():
    caps = [Cap("MaxTRESPerUser", "cpu", 3, "burst", False, False),
            Cap("MaxTRESPerJob", "cpu", 2, "burst", False, False)]
    assert over_caps([{"cpu": 2, "mem": None}, {"cpu": 2, "mem": None}], caps) == [(caps[0], 4)]
    assert over_caps([{"cpu": 3, "mem": None}], caps) == [(caps[1], 3)]
    assert over_caps([{"cpu": 1, "mem": None}], [Cap("GrpTRES", "mem", 1, "short", False, True)]) == []


@pytest.mark.parametrize(("cap", "need", "expected"), [
    pytest.param(Cap("GrpTRES", "cpu", 1, "short", True, True), 2,
                 "Raise slurm_sand_share_percent to at least 50, or lower it.", id="share"),
    pytest.param(Cap("GrpTRES", "cpu", 1, "short", True, True), 3,
                 "Raise slurm_sand_share_percent to at least 75, or lower it.", id="share-rounded-up"),
    pytest.param(Cap("GrpTRES", "cpu", 4, "short", True, True), 5,
                 "The compute nodes have only 4 CPUs in all: lower it.", id="machine-too-small"),
    pytest.param(Cap("GrpTRES", "mem", 1024, "short", False, True), 1536,
                 "Raise GrpTRES of slurm_qos.short to at least mem=1536M, or lower it.", id="site-memory"),
])
def test_the_remedy_raises_the_cap_or_lowers_the_size(cap, need, expected):
    assert remedy(cap, need, policy(), "it") == expected


BURST_SHARE = dict(SHARE, cpus=4, percent=100, burst={
    "qos": "burst", "share_cpus": 4, "reserve_cpus": 1, "group_cpus": 3, "user_cpus": 2,
    "derived": ["GrpTRES", "MaxTRESPerUser"], "reserve_percent": 25, "user_percent": 50})


def test_the_derived_burst_caps_name_their_variables():
    burst_policy = policy(short={"GrpTRES": "cpu=4"}, share=BURST_SHARE,
                          burst={"GrpTRES": "cpu=3", "MaxTRESPerUser": "cpu=2", "Flags": "DenyOnLimit,OverPartQOS"})
    caps = sand_caps(burst_policy, "short", "burst")
    assert caps == [Cap("GrpTRES", "cpu", 3, "burst", False, False, True),
                    Cap("MaxTRESPerUser", "cpu", 2, "burst", False, False, True)]
    assert describe(caps[0], burst_policy) == (
        "cpu=3 for all burst jobs (GrpTRES of the job QOS burst: slurm_sand_notebook_reserve_percent 25 of the sand "
        "share of 4 CPUs)")
    assert remedy(caps[0], 3, burst_policy, "x") == "Lower slurm_sand_notebook_reserve_percent to at most 49, or lower x."
    assert remedy(caps[1], 3, burst_policy, "x") == "Raise slurm_sand_burst_user_percent to at least 75, or lower x."
    assert remedy(caps[1], 4, burst_policy, "x") == (
        "Raise slurm_sand_share_percent (the sand share holds 4 CPUs), or lower x.")


def test_a_cluster_as_large_as_the_share_may_drop_the_reserve():
    cap = Cap("GrpTRES", "cpu", 3, "burst", False, False, True)
    assert remedy(cap, 4, {"sand_share": BURST_SHARE}, "x") == (
        "Raise slurm_sand_share_percent (the sand share holds 4 CPUs), or set slurm_sand_notebook_reserve_percent "
        "to 0 (no CPUs kept for notebooks), or lower x.")


NOTEBOOK_SHARE = dict(SHARE, cpus=4, percent=100, burst=dict(BURST_SHARE["burst"], reserve_cpus=2, group_cpus=2,
                                                            notebook_cpus=2))


def test_a_reserve_set_by_the_largest_notebook_names_it():
    cap = Cap("GrpTRES", "cpu", 2, "burst", False, False, True)
    assert describe(cap, {"sand_share": NOTEBOOK_SHARE}) == (
        "cpu=2 for all burst jobs (GrpTRES of the job QOS burst: the sand share of 4 CPUs less 2 CPUs kept for "
        "notebooks: the largest notebook profile of the sand partition asks 2 CPUs, slurm_notebook_cpus)")
    assert remedy(cap, 3, {"sand_share": NOTEBOOK_SHARE}, "x") == (
        "Raise slurm_sand_share_percent (the sand share holds 4 CPUs, the largest notebook profile of the sand "
        "partition 2 CPUs), or lower that profile's cpus (jupyterhub_profiles) to at most 1, or set "
        "slurm_sand_notebook_reserve_percent to 0 (no CPUs kept for notebooks), or lower x.")
    assert remedy(cap, 4, {"sand_share": NOTEBOOK_SHARE}, "x") == (
        "Raise slurm_sand_share_percent (the sand share holds 4 CPUs), or set slurm_sand_notebook_reserve_percent "
        "to 0 (no CPUs kept for notebooks), or lower x.")


def test_the_last_cpu_of_a_2_cpu_share_goes_to_burst():
    """A 2-CPU share and a 2-CPU notebook: burst keeps 1 CPU, too few for a
    scheduler and a worker; the fix names the share and the 0 % reserve."""
    share = dict(SHARE, cpus=2, burst=dict(BURST_SHARE["burst"], share_cpus=2, reserve_cpus=1, group_cpus=1,
                                           notebook_cpus=2))
    cap = Cap("GrpTRES", "cpu", 1, "burst", False, False, True)
    assert describe(cap, {"sand_share": share}).endswith(
        "the sand share of 2 CPUs less 1 CPU kept for notebooks: the largest notebook profile of the sand partition "
        "asks 2 CPUs, slurm_notebook_cpus)")
    assert remedy(cap, 2, {"sand_share": share}, "x") == (
        "Raise slurm_sand_share_percent (the sand share holds 2 CPUs), or set slurm_sand_notebook_reserve_percent "
        "to 0 (no CPUs kept for notebooks), or lower x.")
