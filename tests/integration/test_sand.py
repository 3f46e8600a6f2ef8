"""Sand on a full machine (slurm_sand_mode: suspend, the default): with every
compute CPU held by long batch jobs of one user, short work of another user
(a burst job, a notebook, a Dask Gateway worker) starts at once by suspending
them; the long jobs resume and complete their full work, never requeued.
Then, with the machine full of sand that nothing may suspend, the spawn page
tells the user why the notebook waits and when it is expected to start."""

import re
import time

import pytest
from helpers import squeue, wait_until
from hub import CHROMIUM, CHROMIUM_FLAGS, LOGIN, log_in, log_in_and_spawn, pending_messages, request_spawn, spawn, stop
from kernel import Kernel

# Seconds of work each long job does: one counter step per second of run
# time. A job that was restarted would count from 0 again and end short.
ROCK_SECONDS = 150
ROCK_SCRIPT = f"""#!/bin/bash
#SBATCH --job-name=rock --time=30:00 --nodes=1 --cpus-per-task=2 --output=/dev/null
f="$HOME/sand-test/$SLURM_JOB_ID.count"
n=0
while [ "$n" -lt {ROCK_SECONDS} ]; do n=$((n + 1)); echo "$n" > "$f"; sleep 1; done
"""


def _jobs(node, user):
    return squeue(node(LOGIN), "%i|%j|%P|%q|%T|%N", f"--user={user}")


def _states(node, user, name=None):
    return {job[0]: job[4] for job in _jobs(node, user) if name is None or job[1] == name}


def _as(user, command):
    return f"runuser -u {user} -- {command}"


def _counter(node, job):
    return int(node(LOGIN).check_output(f"cat /home/alice/sand-test/{job}.count") or 0)


@pytest.fixture(scope="module")
def rocks(node):
    """Two long batch jobs of alice holding every compute CPU (2 nodes x 2)."""
    login = node(LOGIN)
    login.check_output(_as("alice", "mkdir -p /home/alice/sand-test"))
    login.check_output(_as("alice", "tee /home/alice/sand-test/rock.sh >/dev/null <<'EOF'\n" + ROCK_SCRIPT + "EOF"))
    jobs = [login.check_output(_as("alice", "sbatch --parsable --chdir=/home/alice/sand-test "
                                            "/home/alice/sand-test/rock.sh")).strip() for _ in range(2)]
    wait_until(lambda: list(_states(node, "alice", "rock").values()) == ["RUNNING"] * 2, 120, "the long jobs did not start")
    idle = login.check_output("sinfo --noheader --states=idle,mixed --format=%N")
    assert idle == "", f"nodes with free CPUs left beside the long jobs: {idle}"
    yield jobs
    login.run(f"scancel {' '.join(jobs)}")
    login.run(_as("alice", "rm -rf /home/alice/sand-test"))


def _sand_starts_by_suspending(node, rocks, start, user, name):
    """Runs start() (which submits sand) and returns seconds until its job
    named `name` runs; checks that a long job was suspended for it and
    stopped counting meanwhile."""
    t0 = time.monotonic()
    start()
    wait_until(lambda: "RUNNING" in _states(node, user, name).values(), 120, f"{name} of {user} did not start")
    seconds = time.monotonic() - t0
    suspended = [job for job, state in _states(node, "alice", "rock").items() if state == "SUSPENDED"]
    assert suspended, f"no long job suspended for {name}: {_jobs(node, 'alice')}"
    before = _counter(node, suspended[0])
    time.sleep(3)
    assert _counter(node, suspended[0]) == before, "a suspended job went on counting"
    return seconds


def test_a_burst_job_starts_at_once_by_suspending_a_long_job(node, rocks):
    login = node(LOGIN)
    seconds = _sand_starts_by_suspending(node, rocks, lambda: login.check_output(_as(
        "bob", "sbatch --parsable --chdir=/home/bob --job-name=burst-test --partition=short --qos=burst "
               "--cpus-per-task=1 --output=/dev/null --wrap='sleep 10'")), "bob", "burst-test")
    print(f"\nburst job on a full machine: running {seconds:.1f} s after sbatch")
    wait_until(lambda: not _states(node, "bob", "burst-test"), 120, "the burst job did not end")
    wait_until(lambda: list(_states(node, "alice", "rock").values()) == ["RUNNING"] * 2, 60,
               "the long jobs did not resume after the burst job")


def test_a_notebook_and_a_dask_worker_start_on_the_full_machine(node, rocks, ca_file):
    session = log_in(ca_file, "bob")
    try:
        seconds = _sand_starts_by_suspending(node, rocks, lambda: spawn(session, "bob", "burst"), "bob", "jupyter-notebook")
        print(f"\nnotebook on a full machine: ready {seconds:.1f} s after the spawn request")
        kernel = Kernel(session, "bob")
        try:
            out = kernel.run(
                "import time\nfrom dask_gateway import Gateway\n"
                "t0 = time.monotonic()\ncluster = Gateway().new_cluster()\ncluster.scale(1)\n"
                "client = cluster.get_client()\nclient.wait_for_workers(1, timeout=300)\n"
                "print('WORKER', round(time.monotonic() - t0, 1), client.submit(sum, [1, 2]).result())\n")
            _, took, result = out.split()[-3:]
            print(f"new_cluster() to 1 worker on a full machine: {took} s")
            assert result == "3"
            dask = [job for job in _jobs(node, "bob") if job[1] == "dask-gateway"]
            assert len(dask) == 2 and {job[3] for job in dask} == {"burst"}, dask
            assert "SUSPENDED" in _states(node, "alice", "rock").values()
            kernel.run("cluster.shutdown()")
        finally:
            kernel.close()
    finally:
        stop(session, "bob")
    wait_until(lambda: not _jobs(node, "bob"), 120, "bob's jobs did not end")


def test_the_long_jobs_resume_and_complete_their_full_work_without_requeue(node, rocks):
    wait_until(lambda: not _states(node, "alice", "rock"), ROCK_SECONDS + 300, "the long jobs did not end")
    login = node(LOGIN)
    for job in rocks:
        # --duplicates lists every run of a job: a requeued job has two.
        records = login.check_output(f"sacct --noheader --parsable2 --duplicates --allocations --jobs={job} "
                                     "--format=JobID,State,Suspended,Elapsed").splitlines()
        assert len(records) == 1, f"job {job} ran more than once: {records}"
        _, state, suspended, elapsed = records[0].split("|")
        print(f"\nlong job {job}: {state}, suspended {suspended}, elapsed {elapsed}")
        assert state == "COMPLETED"
        assert suspended != "00:00:00", f"job {job} was never suspended"
        assert _counter(node, job) == ROCK_SECONDS, "a long job lost work"


def test_a_long_job_starts_beside_sand(node):
    """Sand on every node, one CPU free on each: a long batch job takes a
    free CPU at once (it would pend on Resources if the sand partition could
    not share, whatever the CPUs left)."""
    login = node(LOGIN)
    sand = []
    for host in ("c1", "c2"):
        sand.append(login.check_output(_as("alice", f"sbatch --parsable --chdir=/home/alice --job-name=sand-one "
                                                    f"--partition=short --qos=burst --nodelist={host} --mem=100M "
                                                    "--time=5:00 --output=/dev/null --wrap='sleep 120'")).strip())
        time.sleep(1)
    try:
        wait_until(lambda: list(_states(node, "alice", "sand-one").values()) == ["RUNNING"] * 2, 60, "the sand did not start")
        rock = login.check_output(_as("bob", "sbatch --parsable --chdir=/home/bob --job-name=beside --partition=batch "
                                             "--mem=100M --time=5:00 --output=/dev/null --wrap='sleep 30'")).strip()
        wait_until(lambda: _states(node, "bob", "beside").get(rock) == "RUNNING", 30,
                   f"a long job did not start beside sand: {_jobs(node, 'bob')}")
    finally:
        login.run(f"scancel {' '.join(sand)}; scancel --user=bob --name=beside")


@pytest.fixture
def sand_fills_the_machine(node):
    """Every compute CPU held by alice's sand jobs, which nothing suspends:
    burst jobs up to the burst QOS's GrpTRES (3 of the 4 CPUs), an
    interactive one in the CPU burst work leaves to notebooks."""
    login = node(LOGIN)
    wait_until(lambda: login.check_output("sinfo --noheader --partition=short --states=allocated,mixed --format=%N") == "",
               120, "the compute nodes did not become idle")
    jobs = []
    for qos in ("burst", "burst", "burst", "interactive"):
        jobs.append(login.check_output(_as("alice", "sbatch --parsable --chdir=/home/alice --job-name=sand-fill "
                                                    f"--partition=short --qos={qos} --cpus-per-task=1 --mem=100M "
                                                    "--time=5:00 --output=/dev/null --wrap='sleep 240'")).strip())
        # Slurm 22.05 on cgroup v1 can fail two jobs of one user that start
        # in the same instant on one node (cpuset "Device or resource busy").
        time.sleep(1)
    wait_until(lambda: list(_states(node, "alice", "sand-fill").values()) == ["RUNNING"] * 4, 60, "the sand did not start")
    yield
    login.run(f"scancel {' '.join(jobs)}")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (scripts/ensure-browser.sh)")
def test_the_spawn_page_says_why_the_notebook_waits(node, ca_file, sand_fills_the_machine):
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
            page = browser.new_context(ignore_https_errors=True).new_page()
            log_in_and_spawn(page, "bob", "burst")
            page.wait_for_url("**/spawn-pending/bob**", timeout=60_000)
            page.wait_for_function("document.body.innerText.includes('Expected start')", timeout=90_000)
            text = page.inner_text("body")
            browser.close()
        line = next(line for line in text.splitlines() if "Expected start" in line)
        print(f"\nspawn page on a machine full of sand: {line}")
        assert "(PENDING) waits in the Slurm queue:" in line
        assert [job[4] for job in _jobs(node, "bob")] == ["PENDING"]
    finally:
        stop(log_in(ca_file, "bob"), "bob")
    wait_until(lambda: not _jobs(node, "bob"), 120, "bob's pending job was not cancelled with the server")


def test_the_event_stream_carries_the_same_message(node, ca_file, sand_fills_the_machine):
    session = log_in(ca_file, "bob")
    try:
        request_spawn(session, "bob", "burst")
        messages = pending_messages(session, "bob", until=lambda m: "Expected start" in m, timeout=90)
        assert any("(PENDING) waits in the Slurm queue:" in m and "Expected start" in m for m in messages), messages
    finally:
        stop(session, "bob")
    wait_until(lambda: not _jobs(node, "bob"), 120, "bob's pending job was not cancelled with the server")


def test_suspend_mode_stops_before_any_change_where_a_job_without_force_would_block_its_node(node, ansible_args):
    """A job of bob's started while batch was briefly not OverSubscribe=FORCE
    (scontrol update, as on a site in tiers mode) holds c1 with dedicated
    cores: playbooks/node_sizes.yml (before any change in site.yml) stops,
    naming the job, its node and its end (docs/sand-policy.md)."""
    from helpers import run_playbook

    login = node(LOGIN)
    job = ""
    try:
        login.check_output("scontrol update PartitionName=batch OverSubscribe=NO")
        job = login.check_output(_as("bob", "sbatch --parsable -J blocks-c1 -p batch -w c1 -n1 --time=30:00"
                                            " --chdir=/tmp --output=/dev/null --wrap 'sleep 600'")).strip()
        wait_until(lambda: _states(node, "bob").get(job) == "RUNNING", 60, f"job {job} did not start")
        login.check_output("scontrol update PartitionName=batch OverSubscribe=FORCE:1")
        run = run_playbook(ansible_args, "playbooks/node_sizes.yml")
        named = re.search(rf"job {job} \(bob, partition batch\) on c1 until [^;.]*", run.stdout)
        print(f"\nnode_sizes.yml (rc {run.returncode}): {named and named.group(0)}")
        assert run.returncode != 0 and named, run.stdout[-3000:]
        assert "The nodes c1 would be blocked for sand" in run.stdout
    finally:
        login.run("scontrol update PartitionName=batch OverSubscribe=FORCE:1")
        if job:
            login.run(f"scancel {job}")
