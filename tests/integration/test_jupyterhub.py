"""JupyterHub end to end, from outside the containers: a PAM login through
the real login form over HTTPS, a notebook server spawned as a Slurm job,
reached through the proxy, surviving a hub restart, and stopped."""

import json
import os
import re
import time

import pytest
import requests
from helpers import squeue, wait_until
from hub import BASE, LOGIN, PORT, log_in, new_session, spawn, stop, user_server


def _user_api(session, owner, path="api/status"):
    """A request to owner's notebook server as a browser makes it: open the
    page (OAuth through the hub), then call the API with that server's XSRF
    token."""
    page = session.get(f"{BASE}/user/{owner}/lab", timeout=60)
    xsrf = session.cookies.get("_xsrf", path=f"/user/{owner}/")
    reply = session.get(f"{BASE}/user/{owner}/{path}", headers={"X-XSRFToken": xsrf or ""}, timeout=60)
    return page, reply


def _jobs(node, user):
    return squeue(node(LOGIN), "%i|%u|%P|%q|%l|%N|%T", f"--user={user}")


@pytest.fixture(scope="module")
def alice(ca_file, node):
    """alice logged in, with the default profile's server running."""
    session = log_in(ca_file, "alice")
    form = session.get(f"{BASE}/hub/spawn", timeout=30)
    assert 'name="profile"' in form.text and "Interactive" in form.text
    print(f"\nspawn time (request to ready): {spawn(session, 'alice', 'interactive'):.1f} s")
    yield session
    stop(session, "alice")


def test_login_page_is_served_over_tls_only(ca_file):
    reply = new_session(ca_file).get(f"{BASE}/hub/login", timeout=30)
    assert reply.ok and 'name="password"' in reply.text
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"http://localhost:{PORT}/hub/login", timeout=10, proxies={"http": None, "https": None})


def test_wrong_password_is_refused(ca_file):
    session = new_session(ca_file)
    page = session.get(f"{BASE}/hub/login", timeout=30)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    reply = session.post(f"{BASE}/hub/login", data={"username": "alice", "password": "wrong", "_xsrf": xsrf}, timeout=60)
    assert "Invalid username or password" in reply.text


def test_notebook_runs_as_a_slurm_job_of_the_profile(alice, node):
    jobs = _jobs(node, "alice")
    assert len(jobs) == 1, jobs
    _, user, partition, qos, limit, host, state = jobs[0]
    assert (user, partition, qos, limit, state) == ("alice", "short", "interactive", "2:00:00", "RUNNING")
    assert host in ("c1", "c2")
    account = node(LOGIN).check_output(f"squeue --noheader --jobs={jobs[0][0]} --format=%a")
    assert account == "datasci"


def test_notebook_listens_on_the_compute_nodes_address_only(alice, node):
    # The proxy's route to the server (its REST API, on the login node's loopback).
    routes = json.loads(node(LOGIN).check_output(
        "python3 -c \"import urllib.request as u; t=open('/etc/jupyterhub/proxy.env').read().strip().split('=',1)[1]; "
        "print(u.build_opener(u.ProxyHandler({})).open(u.Request('http://127.0.0.1:8001/api/routes', "
        "headers={'Authorization': 'token ' + t})).read().decode())\""
    ))
    target = routes["/user/alice"]["target"]
    host, port = re.fullmatch(r"http://([\w.-]+):(\d+)", target).groups()
    assert host == _jobs(node, "alice")[0][5]
    listening = node(host).check_output(f"ss -Hltn 'sport = :{port}'").split()
    assert listening, f"nothing listens on {target}"
    assert not listening[3].startswith(("0.0.0.0:", "*:", "[::]:")), listening


def test_users_server_is_reached_through_the_proxy(alice):
    page, reply = _user_api(alice, "alice")
    assert page.status_code == 200 and "JupyterLab" in page.text
    assert reply.status_code == 200, reply.text[:500]
    assert "kernels" in reply.json()


def test_another_user_cannot_reach_the_server(alice, ca_file):
    bob = log_in(ca_file, "bob")
    page, reply = _user_api(bob, "alice")
    assert page.status_code == 403, (page.status_code, page.url)
    assert reply.status_code == 403, (reply.status_code, reply.url)


def test_server_and_job_survive_a_hub_restart(alice, node):
    job = _jobs(node, "alice")[0][0]
    node(LOGIN).check_output("systemctl restart jupyterhub")

    def back():
        try:
            return alice.get(f"{BASE}/hub/health", timeout=10).ok and bool(user_server(alice, "alice"))
        except requests.RequestException:
            return False

    wait_until(back, 120, "hub not back", every=2)
    assert _jobs(node, "alice")[0][0] == job
    _, reply = _user_api(alice, "alice")
    assert reply.status_code == 200


def test_stopping_the_server_ends_its_job(alice, node):
    reply = stop(alice, "alice")
    assert reply.status_code in (202, 204), reply.text
    wait_until(lambda: not _jobs(node, "alice"), 90, lambda: _jobs(node, "alice"), every=2)


def test_an_idle_server_is_culled_and_its_job_ends(ca_file, node):
    timeout = int(os.environ.get("JUPYTERHUB_CULL_TIMEOUT", "3600"))
    every = int(os.environ.get("JUPYTERHUB_CULL_EVERY", "300"))
    if timeout > 300:
        pytest.skip(f"the hub culls after {timeout} s; set JUPYTERHUB_CULL_TIMEOUT (Molecule does) to test it")
    bob = log_in(ca_file, "bob")
    started = time.monotonic()
    spawn(bob, "bob", "burst")
    assert _jobs(node, "bob"), "no job for bob's server"
    wait_until(lambda: not (user_server(bob, "bob") or _jobs(node, "bob")), timeout + every + 120,
               lambda: (user_server(bob, "bob"), _jobs(node, "bob")), every=5)
    print(f"\nidle server culled and its job ended {time.monotonic() - started:.0f} s after it started "
          f"(timeout {timeout} s, checked every {every} s)")


def test_a_profile_slurm_refuses_is_disabled_on_the_page_and_refused_at_spawn(ca_file, node):
    """With QOS burst taken from bob's association, the spawn page offers
    burst disabled with Slurm's reason, and a spawn naming it is refused
    with the same reason before any job is submitted."""
    login = node(LOGIN)
    login.check_output("sacctmgr -i modify user bob set qos-=burst")
    try:
        time.sleep(11)  # the hub keeps each profile's answer 10 s
        bob = log_in(ca_file, "bob")
        page = bob.get(f"{BASE}/hub/spawn", timeout=30).text
        assert re.search(r'<option value="burst" disabled>[^<]*cannot start</option>', page), page[-3000:]
        assert "Cannot start: your Slurm account may not use its QOS (Slurm: Invalid qos specification)." in page
        assert re.search(r'<option value="interactive" selected>', page)
        reply = bob.post(f"{BASE}/hub/api/users/bob/server", json={"profile": "burst"},
                         headers={"X-XSRFToken": bob.cookies.get("_xsrf", path="/hub/") or ""}, timeout=60)
        print(f"\nspawn of a profile Slurm refuses: {reply.status_code} {reply.text}")
        assert reply.status_code == 400 and "your Slurm account may not use its QOS" in reply.text
        assert not _jobs(node, "bob")
    finally:
        login.check_output("sacctmgr -i modify user bob set qos+=burst")
        time.sleep(11)


def test_the_spawn_page_loads_with_the_start_unknown_while_slurm_does_not_answer(ca_file, node):
    """slurmctld stopped (SIGSTOP): the spawn page still loads within the
    hub's wait for sbatch --test-only (3 s) and offers every profile, each
    with its start unknown."""
    bob = log_in(ca_file, "bob")
    time.sleep(11)  # the hub keeps each profile's answer 10 s
    node("ctl").check_output("systemctl kill --signal=SIGSTOP slurmctld")
    try:
        started = time.monotonic()
        page = bob.get(f"{BASE}/hub/spawn", timeout=30).text
        seconds = time.monotonic() - started
    finally:
        node("ctl").check_output("systemctl kill --signal=SIGCONT slurmctld")
    print(f"\nspawn page while slurmctld does not answer: loaded in {seconds:.1f} s")
    assert seconds < 6
    assert re.search(r'<option value="interactive" selected>[^<]*start unknown</option>', page), page[-3000:]
    assert re.search(r'<option value="burst">[^<]*start unknown</option>', page)
    assert "Expected start: unknown (no answer within 3 s)." in page
    time.sleep(11)


def test_the_spawn_page_sees_a_full_partition_qos_that_sbatch_test_only_does_not(ca_file, node):
    """The sand partition's QOS capped at 2 CPUs (GrpTRES) and two 1-CPU
    burst jobs of alice in it: two CPUs are free, so sbatch --test-only says
    bob's notebook would start now, but Slurm would hold it with
    QOSGrpCpuLimit; the spawn page says so."""
    login = node(LOGIN)
    share = login.check_output("sacctmgr --noheader --parsable2 show qos short format=GrpTRES")
    jobs = []
    login.check_output("sacctmgr -i modify qos short set GrpTRES=cpu=2")
    try:
        for _ in range(2):
            jobs.append(login.check_output(
                "runuser -u alice -- sbatch --parsable --chdir=/home/alice --job-name=share-fill --partition=short "
                "--qos=burst --cpus-per-task=1 --mem=100M --time=5:00 --output=/dev/null --wrap='sleep 120'").strip())
            time.sleep(1)
        wait_until(lambda: [job[6] for job in _jobs(node, "alice")] == ["RUNNING"] * 2, 60, lambda: _jobs(node, "alice"))
        time.sleep(11)  # the hub keeps each answer 10 s
        page = log_in(ca_file, "bob").get(f"{BASE}/hub/spawn", timeout=30).text
        reason = "Why: Its QOS already uses all the CPUs it may use at once, a limit shared by all its users " \
                 "(QOSGrpCpuLimit, QOS short)."
        print(f"\nspawn page with the sand share full and CPUs free: {page.count(reason)} profiles say {reason}")
        assert page.count('class="profile-start profile-start-waits"') == 2 and page.count(reason) == 2, page[-3000:]
    finally:
        login.run(f"scancel {' '.join(jobs)}")
        login.check_output(f"sacctmgr -i modify qos short set GrpTRES={share or 'cpu=-1'}")
        time.sleep(11)
