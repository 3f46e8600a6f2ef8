"""Dask Gateway from a notebook: a cluster whose scheduler and workers are
Slurm jobs of the user, in the burst QOS, reached through JupyterHub auth."""

import os
import time

import pytest
from dask_clusters import CLUSTERS_IN_A_ROW, clusters_in_a_row, start_up_module
from helpers import squeue, wait_until
from hub import BASE, LOGIN, api_token, new_session
from kernel import Kernel


def _dask_jobs(node, user):
    return [job for job in squeue(node(LOGIN), "%i|%j|%P|%q|%l|%T", f"--user={user}") if job[1] == "dask-gateway"]


def _notebook_kernel(session):
    k = Kernel(session, "alice")
    k.run("import time\nfrom dask_gateway import Gateway\ngateway = Gateway()\n")  # no arguments: the site's config
    return k


@pytest.fixture(scope="module")
def kernel(alice):
    k = _notebook_kernel(alice)
    yield k
    k.close()


@pytest.fixture(scope="module")
def later_kernel(alice):
    """A kernel started after the gateway's restart, as a user restarts theirs."""
    k = _notebook_kernel(alice)
    yield k
    k.close()


@pytest.fixture(scope="module")
def cluster(kernel, ca_file):
    """A cluster with 2 workers, made from the notebook's kernel."""
    out = kernel.run(
        "t0 = time.monotonic()\n"
        "cluster = gateway.new_cluster()\n"
        "cluster.scale(2)\n"
        "client = cluster.get_client()\n"
        "client.wait_for_workers(2, timeout=600)\n"
        "print('READY', cluster.name, round(time.monotonic() - t0, 1))\n"
    )
    _, name, seconds = out.split()[-3:]
    print(f"\nnew_cluster() to 2 workers ready: {seconds} s")
    yield name
    # Stopped through the REST API, whatever became of the kernel; a no-op when a test stopped it.
    new_session(ca_file).delete(f"{BASE}/services/dask-gateway/api/v1/clusters/{name}",
                                headers={"Authorization": f"jupyterhub {api_token(ca_file, 'alice')}"}, timeout=60)


@pytest.mark.parametrize(("path", "owner", "mode"), [
    ("/etc/dask-gateway/encrypt_keys", "dask", "0o600"),
    ("/etc/dask-gateway/jupyterhub_api_token", "dask", "0o400"),
    ("/var/lib/dask-gateway", "dask", "0o700"),
])
def test_gateway_secrets_and_state_belong_to_the_gateway_alone(node, path, owner, mode):
    f = node(LOGIN).file(path)
    assert (f.user, oct(f.mode)) == (owner, mode)


def test_gateway_runs_unprivileged_with_sudo_to_the_launcher_only(node):
    login = node(LOGIN)
    assert login.check_output("systemctl show -p User --value dask-gateway") == "dask"
    rules = login.check_output("sudo -l -U dask")
    assert "(%datasci, !root) NOPASSWD: /opt/dask-gateway/bin/dask-gateway-jobqueue-launcher" in rules, rules
    assert login.run("sudo -u dask sudo -n -u root /opt/dask-gateway/bin/dask-gateway-jobqueue-launcher").rc != 0
    assert login.run("sudo -u dask sudo -n -u alice /bin/true").rc != 0


def test_gateway_is_a_hub_service_with_its_own_token(node):
    """The hub knows the gateway's token: it identifies the service dask-gateway."""
    whoami = node(LOGIN).check_output(
        "python3 -c \"import json, urllib.request as u; "
        "t = open('/etc/dask-gateway/jupyterhub_api_token').read().strip(); "
        "r = u.Request('http://login1:8081/hub/api/user', headers={'Authorization': 'token ' + t}); "
        "print(json.load(u.build_opener(u.ProxyHandler({})).open(r))['name'])\"")
    assert whoami == "dask-gateway"


def test_cluster_computes_with_workers_as_slurm_jobs_of_the_user(cluster, kernel, node):
    out = kernel.run(
        "import dask.bag as db\n"
        "print('SUM', db.range(1000, npartitions=10).map(lambda x: x * x).sum().compute())\n"
        "print('WORKERS', len(client.scheduler_info()['workers']))\n"
    )
    assert "SUM 332833500" in out and "WORKERS 2" in out, out
    jobs = _dask_jobs(node, "alice")
    assert len(jobs) == 3, jobs  # the scheduler and two workers
    for _, _, partition, qos, limit, state in jobs:
        assert (partition, qos, limit, state) == ("short", "burst", "55:00", "RUNNING")


def test_staging_directory_is_private_on_shared_storage(cluster, node):
    for path in ("/home/alice/.dask-gateway", f"/home/alice/.dask-gateway/{cluster}"):
        f = node("c1").file(path)  # seen from a compute node: the shared /home
        assert (f.user, oct(f.mode)) == ("alice", "0o700"), path


def test_dashboard_is_reachable_from_the_notebook(cluster, kernel, alice):
    link = kernel.run("print(cluster.dashboard_link)\n").strip()
    assert link == f"/services/dask-gateway/clusters/{cluster}/status", link
    page = alice.get(BASE + link, timeout=60)  # relative to the hub, as JupyterLab resolves it
    assert page.status_code == 200 and "bokeh" in page.text.lower(), page.status_code


def test_the_notebook_user_sees_why_an_option_is_refused(kernel):
    out = kernel.run("try:\n    gateway.new_cluster(qos='normal')\nexcept ValueError as err:\n    print('REFUSED', err)\n")
    assert "REFUSED 'normal' is not a valid option for qos" in out, out


@pytest.mark.parametrize(("options", "message"), [
    ({"qos": "normal"}, "'normal' is not a valid option for qos"),
    ({"partition": "batch"}, "'batch' is not a valid option for partition"),
    ({"worker_cores": 64}, "worker_cores must be <= 2"),
    ({"worker_memory": 64}, "worker_memory must be <= 1"),
    ({"environment": "base"}, "'base' is not a valid option for environment"),
])
def test_the_gateway_refuses_options_outside_the_policy(ca_file, options, message):
    """Checked by the gateway itself, whatever a client checks before sending."""
    reply = new_session(ca_file).post(f"{BASE}/services/dask-gateway/api/v1/clusters/",
                                      headers={"Authorization": f"jupyterhub {api_token(ca_file, 'alice')}"},
                                      json={"cluster_options": options}, timeout=30)
    assert reply.status_code == 422 and message in reply.text, (reply.status_code, reply.text)


def test_another_user_cannot_see_or_stop_the_cluster(cluster, ca_file):
    api = f"{BASE}/services/dask-gateway/api/v1/clusters/"
    bob = new_session(ca_file)
    bob.headers["Authorization"] = f"jupyterhub {api_token(ca_file, 'bob')}"
    listed = bob.get(api, timeout=30)
    assert listed.status_code == 200 and cluster not in listed.json(), listed.text
    assert bob.get(api + cluster, timeout=30).status_code in (403, 404)
    assert bob.delete(api + cluster, timeout=30).status_code in (403, 404)


# What other users could read a cluster's name from (a dashboard's URL holds
# it and is not authenticated): the job's working directory and name, as
# squeue, scontrol and sacct show them. PrivateData=jobs hides them.
@pytest.mark.parametrize("command", [
    "squeue --all --noheader --format='%i %j %Z %o'",
    "scontrol show job",
    "sacct --allusers --allocations --noheader --format=JobID,JobName%40,WorkDir%200",
])
def test_another_user_cannot_find_the_clusters_name(cluster, node, command):
    login = node(LOGIN)
    assert cluster in login.check_output(command), f"root does not see {cluster} with {command}"
    seen = login.run(f"runuser -u bob -- {command}")
    assert cluster not in seen.stdout + seen.stderr, f"bob reads alice's cluster name with {command}"
    assert "alice" not in seen.stdout, f"bob lists alice's jobs with {command}: {seen.stdout}"


def test_a_hub_token_without_access_to_the_gateway_is_refused(ca_file):
    narrow = api_token(ca_file, "bob", scopes=["read:users:name!user=bob"])
    refused = new_session(ca_file).get(f"{BASE}/services/dask-gateway/api/v1/clusters/",
                                       headers={"Authorization": f"jupyterhub {narrow}"}, timeout=30)
    assert refused.status_code == 401, refused.status_code


def test_cluster_survives_a_gateway_restart(cluster, kernel, later_kernel, node):
    before = sorted(job[0] for job in _dask_jobs(node, "alice"))
    node(LOGIN).check_output("systemctl restart dask-gateway")
    wait_until(lambda: node(LOGIN).run(
        "python3 -c \"import urllib.request as u; u.build_opener(u.ProxyHandler({})).open("
        "'http://login1:8010/services/dask-gateway/api/health')\"").rc == 0, 120, "gateway not back",
               every=3, meanwhile=later_kernel.keep_active)
    # The same jobs: nothing was restarted or resubmitted.
    assert sorted(job[0] for job in _dask_jobs(node, "alice")) == before
    # The kernel that made the cluster: does its client carry on? (bounded; printed)
    try:
        carried_on = "OLD-CLIENT 45" in kernel.run(
            "print('OLD-CLIENT', client.submit(sum, range(10), pure=False).result(timeout=20))\n", timeout=40)
    except AssertionError:
        carried_on = False
    # A kernel started now finds the cluster and computes on it.
    out = later_kernel.run(
        f"cluster = gateway.connect('{cluster}')\n"
        "client = cluster.get_client()\n"
        "print('AFTER', [c.name for c in gateway.list_clusters()], client.submit(sum, range(100), pure=False).result(timeout=60))\n",
        timeout=120)
    assert f"AFTER ['{cluster}'] 4950" in out, out
    print("\nafter the gateway restart, the client connected before it "
          + ("went on working" if carried_on else "lost the scheduler; a new kernel connected and computed"))


def test_shutdown_leaves_no_job_behind(cluster, later_kernel, node):
    later_kernel.run("cluster.shutdown()\n")
    wait_until(lambda: not _dask_jobs(node, "alice"), 120, f"jobs left: {_dask_jobs(node, 'alice')}",
               every=3, meanwhile=later_kernel.keep_active)


def test_the_first_computation_of_ten_new_clusters_in_a_row_succeeds(later_kernel, node):
    """As a data scientist makes clusters one after the other in one kernel,
    with no retry (dask_clusters.py: the defects that made it fail)."""
    module = start_up_module(later_kernel)
    print(f"\nthe notebook kernel's start-up module: {module}")
    assert module == "module /etc/dask/python/sitecustomize.py gateway-patched True", module
    results = clusters_in_a_row(later_kernel)
    failed = [(number, first) for number, (_ready, first) in enumerate(results, 1) if first != "6"]
    assert not failed and len(results) == CLUSTERS_IN_A_ROW, f"first computations that failed: {failed}"
    wait_until(lambda: not _dask_jobs(node, "alice"), 120, f"jobs left: {_dask_jobs(node, 'alice')}",
               every=3, meanwhile=later_kernel.keep_active)


def test_adaptive_cluster_grows_for_work_and_shrinks_back(later_kernel, node):
    out = later_kernel.run(
        "import warnings\n"
        "adaptive = gateway.new_cluster()\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    adaptive.adapt(minimum=0, maximum=50)\n"
        "print('CAPPED', *[str(w.message) for w in caught])\n"
        "aclient = adaptive.get_client()\n"
        "t0 = time.monotonic()\n"
        "futures = aclient.map(lambda x: time.sleep(1) or x, range(40))\n"
        "aclient.wait_for_workers(1, timeout=600)\n"
        "first = round(time.monotonic() - t0, 1)\n"
        "peak = 0\n"
        "while not all(f.done() for f in futures):\n"
        "    peak = max(peak, len(aclient.scheduler_info()['workers']))\n"
        "    time.sleep(0.5)\n"
        "done = round(time.monotonic() - t0, 1)\n"
        "total = sum(aclient.gather(futures))\n"
        "del futures  # results released: nothing keeps the workers\n"
        "print('ADAPTIVE', total, peak, first, done)\n"
    )
    _, total, peak, first, done = out.split()[-5:]
    print(f"\nadaptive: first worker after {first} s, peak {peak} workers, 40 one-second tasks done after {done} s")
    # The cluster's caps (4 workers in the demo) bound what a user asks for;
    # the demo's 4 CPUs (notebook, scheduler) leave room for 2 workers at once.
    assert "would exceed resource limit of 4 workers. Using `maximum=4, minimum=0` instead." in out, out
    assert total == "780" and peak == "2", out
    shrink = time.monotonic()
    # Once idle, the workers go and only the scheduler's job stays.
    wait_until(lambda: len(_dask_jobs(node, "alice")) == 1, 300, f"workers stayed: {_dask_jobs(node, 'alice')}",
               every=3, meanwhile=later_kernel.keep_active)
    print(f"adaptive: workers gone {time.monotonic() - shrink:.0f} s after the work ended")
    out = later_kernel.run("print('STATUS', [c.status.name for c in gateway.list_clusters() if c.name == adaptive.name])\n")
    assert "STATUS ['RUNNING']" in out, out  # shrunk, not shut down
    later_kernel.run("adaptive.shutdown()\n")
    wait_until(lambda: not _dask_jobs(node, "alice"), 120, f"jobs left: {_dask_jobs(node, 'alice')}",
               every=3, meanwhile=later_kernel.keep_active)


def test_forgotten_cluster_is_shut_down_after_the_idle_timeout(later_kernel, node):
    timeout = int(os.environ.get("DASK_GATEWAY_IDLE_TIMEOUT", "1800"))
    if timeout > 300:
        pytest.skip(f"idle timeout is {timeout} s; set DASK_GATEWAY_IDLE_TIMEOUT (Molecule does) to test it")
    # Forgotten: the client goes away and leaves the cluster running.
    out = later_kernel.run("idle = gateway.new_cluster(shutdown_on_close=False)\nidle.scale(1)\n"
                     "idle.get_client().wait_for_workers(1, timeout=600)\nprint('IDLE', idle.name)\nidle.close()\n")
    name = out.split()[-1]
    started = time.monotonic()
    assert len(_dask_jobs(node, "alice")) == 2, _dask_jobs(node, "alice")
    wait_until(lambda: not _dask_jobs(node, "alice"), timeout + 240, "the idle cluster's jobs are still there",
               every=3, meanwhile=later_kernel.keep_active)
    print(f"\nidle cluster {name} shut down, its jobs ended {time.monotonic() - started:.0f} s after its client left"
          f" (idle timeout {timeout} s)")
