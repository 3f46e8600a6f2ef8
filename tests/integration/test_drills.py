"""Fault drills: the faults a center sees, each on the running site with
users' work on it. Each drill prints its recovery time and checks that no
work was lost. They run after every other test (conftest.py orders the
`fault_drill` tests last): one stops a compute node's container.

The figures: `pytest -s` shows a line "DRILL <name>: recovered in <s> s"
per drill and a table at the end of the module."""

import subprocess
import time

import pytest
from helpers import squeue, wait_until
from hub import BASE, LOGIN, api_token, log_in, new_session, request_spawn, spawn, stop, user_server
from kernel import Kernel

pytestmark = pytest.mark.fault_drill

RESULTS = []


def _record(drill, seconds, lost, note=""):
    RESULTS.append((drill, seconds, lost, note))
    print(f"\nDRILL {drill}: recovered in {seconds:.1f} s; work lost: {lost}{'; ' + note if note else ''}")


@pytest.fixture(scope="module", autouse=True)
def drill_table():
    yield
    print("\n| drill | recovery (s) | work lost | note |\n|---|---|---|---|")
    for drill, seconds, lost, note in RESULTS:
        print(f"| {drill} | {seconds:.1f} | {lost} | {note} |")


def _jobs(node, user):
    """{job id: (name, state, node)} of user's jobs."""
    return {job: (name, state, where) for job, name, state, where in squeue(node(LOGIN), "%i|%j|%T|%N", f"--user={user}")}


def _as(user, command):
    return f"runuser -u {user} -- {command}"


# Short work, as the site's users send it while notebooks and clusters run.
SAND = "--partition=short --qos=burst --mem=100M"


def _sbatch(node, user, options=SAND, wrap="true"):
    return node(LOGIN).check_output(_as(user, f"sbatch --parsable --chdir=/home/{user} --time=5 "
                                              f"--output=/dev/null {options} --wrap '{wrap}'")).strip()


def _route_answers(session, user):
    """Whether the proxy routes /user/<user>/ to the user's server (the
    Jupyter server answers /api itself; without the route the hub would
    redirect)."""
    try:
        reply = session.get(f"{BASE}/user/{user}/api", timeout=5, allow_redirects=False)
    except OSError:
        return False
    return reply.status_code == 200 and "version" in reply.text


@pytest.fixture(scope="module")
def kernel(alice):
    """alice's kernel with a Dask Gateway cluster of one worker, which
    outlives the kernel (shutdown_on_close=False), as a long-lived cluster."""
    k = Kernel(alice, "alice")
    k.run("from dask_gateway import Gateway\ngateway = Gateway()\n"
          "cluster = gateway.new_cluster(shutdown_on_close=False)\n"
          "cluster.scale(1)\nclient = cluster.get_client()\nclient.wait_for_workers(1, timeout=300)\n", timeout=400)
    k.name = k.run("print(cluster.name)\n").strip()
    yield k
    try:  # the lost-node drill may have taken the kernel's notebook with it
        k.run("cluster.shutdown()\n", timeout=60)
        k.close()
    except Exception:  # noqa: BLE001
        pass


def _dask_computes(kernel):
    return "SUM 4950" in kernel.run("print('SUM', client.submit(sum, range(100), pure=False).result(timeout=60))\n",
                                    timeout=90)


def test_slurmctld_restart(node, alice, kernel):
    before = _jobs(node, "alice")
    assert len(before) >= 3, f"alice's notebook and Dask jobs are not all running: {before}"
    started = time.monotonic()
    node("ctl").check_output("systemctl restart slurmctld")
    wait_until(lambda: node(LOGIN).run("scontrol ping").stdout.count("UP") >= 1, 60, "slurmctld not back")
    job = _sbatch(node, "bob")
    wait_until(lambda: node(LOGIN).run(f"squeue --noheader --jobs={job}").stdout.strip() == "", 120,
               f"a new job ({job}) did not run to its end after the restart")
    recovery = time.monotonic() - started
    assert _jobs(node, "alice") == before, "alice's jobs changed over the restart"
    assert (user_server(alice, "alice") or {}).get("ready"), "the hub dropped alice's server"
    assert _dask_computes(kernel)
    _record("slurmctld restarted", recovery, "none", "new job ran to its end; notebook and Dask cluster kept")


def test_slurmdbd_and_mariadb_restart(node):
    ctl = node("ctl")
    ctl.check_output("systemctl stop slurmdbd mariadb")
    try:
        # Jobs are accepted and run while accounting is away.
        jobs = [_sbatch(node, "bob") for _ in range(3)]
        wait_until(lambda: node(LOGIN).run(f"squeue --noheader --jobs={','.join(jobs)}").stdout.strip() == "", 120,
                   "jobs did not run while accounting was down")
    finally:
        started = time.monotonic()
        ctl.check_output("systemctl start mariadb slurmdbd")

    def accounted():
        out = node(LOGIN).run(f"sacct --noheader --allocations --parsable2 --format=JobID,State --jobs={','.join(jobs)}")
        return sorted(line for line in out.stdout.splitlines() if line) == sorted(f"{j}|COMPLETED" for j in jobs)

    wait_until(accounted, 300, "accounting did not catch up with the jobs run while it was down", every=2)
    recovery = time.monotonic() - started
    _record("slurmdbd and MariaDB restarted", recovery, "none", f"{len(jobs)} jobs run meanwhile all in sacct")


def test_proxy_restart(node, alice):
    assert _route_answers(alice, "alice"), "alice's server does not answer through the proxy before the drill"
    started = time.monotonic()
    node(LOGIN).check_output("systemctl restart jupyterhub-proxy")
    wait_until(lambda: _route_answers(alice, "alice"), 120, "alice's route did not come back")
    recovery = time.monotonic() - started
    assert (user_server(alice, "alice") or {}).get("ready")
    _record("proxy restarted alone", recovery, "none", "route to the running notebook back")


def _node_state(node, name):
    return node(LOGIN).check_output(f"sinfo --noheader --nodes={name} --format=%T")


def _cluster_status(ca_file, token, name):
    """The gateway's status of alice's cluster (None: no such cluster)."""
    reply = new_session(ca_file).get(f"{BASE}/services/dask-gateway/api/v1/clusters/{name}",
                                     headers={"Authorization": f"jupyterhub {token}"}, timeout=30)
    return reply.json()["status"] if reply.status_code == 200 else None


def test_compute_node_lost(node, prefix, alice, kernel, ca_file):
    jobs = _jobs(node, "alice")
    lost = next(where for name, _, where in jobs.values() if name == "jupyter-notebook")
    dask_on_lost = [job for job, (name, _, where) in jobs.items() if name == "dask-gateway" and where == lost]
    # The gateway's first job of a cluster is its scheduler.
    scheduler_lost = bool(dask_on_lost) and min(dask_on_lost, key=int) == min(
        (job for job, (name, _, _) in jobs.items() if name == "dask-gateway"), key=int)
    token = api_token(ca_file, "alice")
    started = time.monotonic()
    subprocess.run(["docker", "stop", f"{prefix}-{lost}"], check=True, capture_output=True)
    try:
        noticed = wait_until(lambda: user_server(alice, "alice") is None, 400,
                             f"the hub did not notice that alice's notebook on {lost} is gone", every=2)
        _record(f"compute node lost ({lost}): the hub drops the notebook", noticed, "the notebook's session",
                f"Slurm called {lost} {_node_state(node, lost)}")
        restart = spawn(alice, "alice", "interactive")
        _record("compute node lost: a new notebook ready", restart, "none")
        if scheduler_lost:
            # The cluster cannot go on without its scheduler: reported, its jobs ended.
            wait_until(lambda: _cluster_status(ca_file, token, kernel.name) in (None, "FAILED", "STOPPED"), 300,
                       "the gateway did not report the cluster that lost its scheduler")
            wait_until(lambda: not [j for j, (n, _, _) in _jobs(node, "alice").items() if n == "dask-gateway"], 120,
                       "jobs of the failed cluster left behind")
            note = f"scheduler was on {lost}: cluster reported {_cluster_status(ca_file, token, kernel.name)}"
        else:
            # A new kernel connects to the same cluster and computes on a worker.
            k = Kernel(alice, "alice")
            try:
                out = k.run(f"from dask_gateway import Gateway\nclient = Gateway().connect('{kernel.name}').get_client()\n"
                            "client.wait_for_workers(1, timeout=240)\n"
                            "print('SUM', client.submit(sum, range(100), pure=False).result(timeout=60))\n",
                            timeout=300)
            finally:
                k.close()
            assert "SUM 4950" in out, out
            note = ("its worker on " + lost + " replaced" if dask_on_lost else "nothing of it on " + lost) + "; computes"
        _record("compute node lost: the Dask cluster", time.monotonic() - started, "the lost worker's tasks", note)
    finally:
        subprocess.run(["docker", "start", f"{prefix}-{lost}"], check=True, capture_output=True)
        back = time.monotonic()
        wait_until(lambda: _node_state(node, lost) in ("idle", "mixed", "allocated"), 300, f"{lost} did not return to service")
        _record(f"compute node {lost} back in service", time.monotonic() - back, "none",
                "container started; ReturnToService=2")
        new_session(ca_file).delete(f"{BASE}/services/dask-gateway/api/v1/clusters/{kernel.name}",
                                    headers={"Authorization": f"jupyterhub {token}"}, timeout=60)


def test_hub_restart_with_a_pending_notebook(node, ca_file, alice):
    stop(alice, "alice")
    node(LOGIN).run("scancel --user=alice")  # the Dask cluster the lost-node drill left
    wait_until(lambda: not _jobs(node, "alice"), 120, "alice's jobs did not end")
    # Fill every CPU with work the notebook may not suspend (the same tier).
    fill = [_sbatch(node, "alice", "--partition=short --qos=interactive --cpus-per-task=2", "sleep 600")
            for _ in range(2)]
    try:
        wait_until(lambda: [s for _, s, _ in _jobs(node, "alice").values()] == ["RUNNING"] * 2, 120, "fill did not start")
        bob = log_in(ca_file, "bob")
        request_spawn(bob, "bob", "burst")
        wait_until(lambda: any(name == "jupyter-notebook" and state == "PENDING"
                               for name, state, _ in _jobs(node, "bob").values()), 60, "bob's notebook job not pending")
        pending = [job for job, (name, _, _) in _jobs(node, "bob").items() if name == "jupyter-notebook"]
        started = time.monotonic()
        node(LOGIN).check_output("systemctl restart jupyterhub")

        def settled():
            try:
                server = user_server(bob, "bob")
            except OSError:
                return False
            jobs = _jobs(node, "bob")
            ready = bool(server and server.get("ready"))
            # Either the spawn completed, or it failed and left no job behind.
            return ready or (server is None and not set(pending) & set(jobs))

        wait_until(settled, 300, "bob's pending spawn neither completed nor cleanly failed", every=2)
        recovery = time.monotonic() - started
        outcome = "spawn completed" if (user_server(bob, "bob") or {}).get("ready") else "spawn failed, job cancelled"
        _record("hub restarted with a notebook pending", recovery, "none", outcome + "; no orphan job")
    finally:
        node(LOGIN).run(f"scancel {' '.join(fill)}")
    # bob starts again on the freed machine.
    _record("hub restart: bob's new notebook ready", spawn(bob, "bob", "burst"), "none")
    stop(bob, "bob")
