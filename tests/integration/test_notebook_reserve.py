"""Notebooks never wait behind one user's burst: bob fills the burst QOS's
allowance in the sand partition with 1-CPU burst jobs (a Dask cluster's
workers, as the gateway submits them) until his next one pends on a QOS
limit; alice's notebook-shaped job (the demo's interactive profile: its
partition, QOS, account, CPUs, memory and time) still starts within 10 s,
in the part of the sand share that burst jobs leave to notebooks
(slurm_sand_notebook_reserve_percent, docs/sand-policy.md)."""

import time

import pytest
import yaml
from helpers import ROOT, squeue, wait_until
from hub import LOGIN

# The limit a notebook's start may take, as the platform promises it.
NOTEBOOK_WAIT_MAX = 10
# Enough burst jobs to fill any allowance the demo's 4 CPUs allow.
BURST_JOBS_MAX = 8


def _profile(name):
    hub = yaml.safe_load((ROOT / "inventories" / "demo" / "group_vars" / "all" / "jupyterhub.yml").read_text())
    profile = next(p for p in hub["jupyterhub_profiles"] if p["name"] == name)
    return dict(profile, account=hub["jupyterhub_slurm_account"])


def _as(user, command):
    return f"runuser -u {user} -- {command}"


def _state(node, job):
    """(state, reason) of one job; ("", "") once it has left the queue."""
    rows = squeue(node(LOGIN), "%T|%r", f"--jobs={job}")
    return tuple(rows[0]) if rows else ("", "")


def _burst_caps(node):
    out = node(LOGIN).check_output("sacctmgr --noheader --parsable2 show qos where name=burst "
                                   "format=GrpTRES,MaxTRESPerUser,Flags")
    return out.strip()


def _runs_or_pends_on_qos(node, job):
    """Whether a burst job runs (False once it pends on a QOS limit)."""
    wait_until(lambda: _state(node, job)[0] == "RUNNING" or _state(node, job)[1].startswith("QOS"), 30,
               lambda: f"bob's burst job {job} neither ran nor pended on a QOS limit: {_state(node, job)}", every=0.5)
    return _state(node, job)[0] == "RUNNING"


@pytest.fixture
def bob_fills_the_burst_allowance(node):
    """bob's burst jobs in the sand partition, submitted one by one until the
    next pends on a QOS limit of the burst QOS; yields (running, pending)."""
    login = node(LOGIN)
    wait_until(lambda: squeue(login, "%i", "--partition=short", "--states=RUNNING,SUSPENDED,CONFIGURING") == [],
               300, lambda: f"sand jobs of earlier tests still run: {squeue(login, '%i|%u|%q|%T', '--partition=short')}",
               every=3)
    running, pending = [], None
    try:
        for _ in range(BURST_JOBS_MAX):
            job = login.check_output(_as("bob", "sbatch --parsable --chdir=/home/bob --job-name=dask-worker "
                                                "--partition=short --qos=burst --account=datasci --cpus-per-task=1 "
                                                "--mem=100M --time=10:00 --output=/dev/null --wrap='sleep 600'")).strip()
            if not _runs_or_pends_on_qos(node, job):
                pending = job
                break
            running.append(job)
        assert pending, f"{BURST_JOBS_MAX} burst jobs of bob all ran: the burst QOS has no cap ({_burst_caps(node)})"
        yield running, pending
    finally:
        login.run("scancel --user=bob --name=dask-worker")


def test_a_notebook_starts_while_another_users_burst_fills_its_allowance(node, bob_fills_the_burst_allowance):
    running, pending = bob_fills_the_burst_allowance
    login = node(LOGIN)
    reason = _state(node, pending)[1]
    print(f"\nbob's burst jobs: {len(running)} running, the next pending ({reason}); burst QOS {_burst_caps(node)}")
    profile = _profile("interactive")
    t0 = time.monotonic()
    job = login.check_output(_as("alice", f"sbatch --parsable --chdir=/home/alice --job-name=notebook-shaped "
                                          f"--partition={profile['partition']} --qos={profile['qos']} "
                                          f"--account={profile['account']} --cpus-per-task={profile['cpus']} "
                                          f"--mem={profile['memory']} --time={profile['runtime']} "
                                          "--output=/dev/null --wrap='sleep 60'")).strip()
    try:
        wait_until(lambda: _state(node, job)[0] == "RUNNING", NOTEBOOK_WAIT_MAX,
                   lambda: f"alice's notebook-shaped job waits behind bob's burst: {_state(node, job)}", every=0.2)
        wait = time.monotonic() - t0
        print(f"notebook-shaped job of alice beside bob's full burst allowance: running {wait:.1f} s after sbatch")
        assert _state(node, pending)[0] == "PENDING", "bob's pending burst job took the notebooks' reserve"
        assert all(_state(node, each)[0] == "RUNNING" for each in running)
    finally:
        login.run(f"scancel {job}")
