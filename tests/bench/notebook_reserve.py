"""The benchmark's notebook-beside-burst scenario: one user's burst jobs, the
shape of Dask workers (one CPU each, QOS burst, the sand partition), fill
what the burst QOS allows, then another user's notebook-shaped job (the
bench inventory's interactive profile: partition, QOS, account, CPUs,
memory, time) is timed from sbatch to running. The driver runs it at the
end of each busy window, with the long jobs still holding the machine, so
that the notebook also has to get its CPU on a full machine.

Never asserts a timing: the figures go into the run's JSON and the table.
"""

import shlex
import time

import bench_site
import yaml

BURST_USER, NOTEBOOK_USER = "bob", "alice"
PROFILE = "interactive"
# Burst jobs submitted at most: more than the bench site's sand share.
BURST_MAX = 40
# Seconds one burst job may take to run or pend on a QOS limit, and the
# notebook-shaped job to run, before the scenario reports it as not reached.
SETTLE_S = 30
NOTEBOOK_BUDGET_S = 60


def _profile():
    path = bench_site.INVENTORY / "group_vars" / "all" / "jupyterhub.yml"
    hub = yaml.safe_load(path.read_text())
    profile = next(p for p in hub["jupyterhub_profiles"] if p["name"] == PROFILE)
    return dict(profile, account=hub["jupyterhub_slurm_account"])


def _sbatch(user, name, options, wrap):
    argv = ["runuser", "-u", user, "--", "sbatch", "--parsable", f"--job-name={name}", "--output=/dev/null",
            "--chdir=/tmp", *options, "--wrap", wrap]
    return bench_site.dexec("login1", shlex.join(argv)).strip().split(";")[0]


def _state(job):
    """(state, reason) of a job; ("", "") once it left the queue."""
    out = bench_site.dexec("ctl", f"squeue --noheader --jobs={job} --format='%T|%r'", check=False).strip()
    return tuple(out.split("|", 1)) if "|" in out else ("", "")


def _settle(job, timeout, started=None, held_by_qos=True):
    """(state, reason, seconds since `started`) once the job runs (or, with
    held_by_qos, pends on a QOS limit), or as it is after `timeout` seconds."""
    started = time.monotonic() if started is None else started
    while True:
        state, reason = _state(job)
        seconds = time.monotonic() - started
        if state == "RUNNING" or (held_by_qos and reason.startswith("QOS")) or seconds >= timeout:
            return state, reason, seconds
        time.sleep(0.2)


def _fill_burst(submitted):
    """Burst jobs of BURST_USER until one does not run; (running, held,
    reason). Every job id is appended to `submitted`."""
    running = []
    for number in range(BURST_MAX):
        job = _sbatch(BURST_USER, f"bench-dask-{number}", ["--partition=short", "--qos=burst", "--account=datasci",
                                                          "--ntasks=1", "--mem=512M", "--time=10:00"], "sleep 600")
        submitted.append(job)
        state, reason, _ = _settle(job, SETTLE_S)
        if state != "RUNNING":
            return running, job, reason
        running.append(job)
    return running, None, ""


def measure():
    """{'wait_s', 'burst_running', 'burst_held_by', 'note'}: the seconds from
    sbatch to running of the notebook-shaped job (None when it did not run
    within NOTEBOOK_BUDGET_S), the burst jobs running beside it, and the
    reason the next burst job waited."""
    result = {"wait_s": None, "burst_running": 0, "burst_held_by": "", "note": ""}
    profile = _profile()
    submitted = []
    try:
        running, held, reason = _fill_burst(submitted)
        result.update(burst_running=len(running), burst_held_by=reason)
        if held is None:
            result["note"] = f"{BURST_MAX} burst jobs all ran: the burst QOS did not cap them"
        elif not reason.startswith("QOS"):
            result["note"] = f"the burst jobs did not reach a QOS limit ({reason or 'no reason'})"
        t0 = time.monotonic()
        job = _sbatch(NOTEBOOK_USER, "bench-notebook", [
            f"--partition={profile['partition']}", f"--qos={profile['qos']}", f"--account={profile['account']}",
            f"--cpus-per-task={profile['cpus']}", f"--mem={profile['memory']}", f"--time={profile['runtime']}"],
            "sleep 120")
        submitted.append(job)
        state, reason, seconds = _settle(job, NOTEBOOK_BUDGET_S, started=t0, held_by_qos=False)
        if state == "RUNNING":
            result["wait_s"] = round(seconds, 1)
        else:
            result["note"] = (result["note"] + "; " if result["note"] else "") + (
                f"notebook not running within {NOTEBOOK_BUDGET_S} s ({state} {reason})")
        return result
    finally:
        if submitted:
            bench_site.dexec("ctl", f"scancel {' '.join(submitted)}", check=False)
