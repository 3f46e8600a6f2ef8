"""The upgrade from the previous release with users at work (Molecule scenario
upgrade_keeps_users_working): the work that prepare.yml started on the
previous release (upgrade_work.py, its state in $UPGRADE_DIR/state.json)
must have gone on through this tree's site.yml and its second run. Each test
prints what it compares; `pytest -s` shows a table at the end."""

import json
import os
import pathlib
import re
import signal
import time

import pytest
import yaml
from helpers import ROOT, run_playbook, squeue, wait_until
from hub import BASE, LOGIN, log_in, user_server
from kernel import Kernel
from upgrade_work import accounted_jobs, counter, hub_db, job_fields

pytestmark = pytest.mark.upgrade

UPGRADE_DIR = pathlib.Path(os.environ.get("UPGRADE_DIR", "/nonexistent"))
FIGURES = []


def _figure(what, value):
    FIGURES.append((what, value))
    print(f"\nUPGRADE {what}: {value}")


@pytest.fixture(scope="module", autouse=True)
def figures_table():
    yield
    print("\n| what | value |\n|---|---|")
    for what, value in FIGURES:
        print(f"| {what} | {value} |")


@pytest.fixture(scope="module")
def state():
    path = UPGRADE_DIR / "state.json"
    if not path.exists():
        pytest.skip(f"no {path}: not the scenario upgrade_keeps_users_working")
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def alice(state):
    return log_in(state["ca_file"], "alice")


@pytest.fixture(scope="module")
def kernel(alice, state):
    """alice's kernel that made the cluster before the upgrade, connected to again."""
    k = Kernel(alice, "alice", state["notebook"]["kernel"])
    yield k
    k.detach()


def _downtime(outages):
    return sum(end - start for start, end in outages if end is not None)


def test_the_upgrade_ran_and_the_downtime_is_measured(state):
    """Stops the probe first: the downtime of the upgrade and its second run."""
    probe = json.loads((UPGRADE_DIR / "probe.json").read_text())
    if not probe["stopped"]:  # stopped already by an earlier verify
        os.kill(probe["pid"], signal.SIGTERM)
        wait_until(lambda: json.loads((UPGRADE_DIR / "probe.json").read_text())["stopped"], 30, "the probe did not stop")
        probe = json.loads((UPGRADE_DIR / "probe.json").read_text())
    runs = sorted((json.loads(p.read_text()) for p in UPGRADE_DIR.glob("converge-*.log.time")), key=lambda r: r["started"])
    assert len(runs) >= 2 and all(run["rc"] == 0 for run in runs), runs
    _figure("upgrade run (site.yml, seconds)", round(runs[0]["ended"] - runs[0]["started"]))
    _figure("second run (seconds)", round(runs[1]["ended"] - runs[1]["started"]))
    _figure("probe", f"{probe['polls']} polls every {probe['every']} s over {round(probe['last'] - probe['started'])} s")
    assert probe["polls"] > (runs[0]["ended"] - runs[0]["started"]), "the probe did not poll through the upgrade"
    for name, outages in probe["outages"].items():
        during = [o for o in outages if runs[0]["started"] <= o[0] <= runs[0]["ended"]]
        _figure(f"{name} unreachable (seconds, outages)",
                f"{_downtime(outages):.1f} in {len(outages)} ({_downtime(during):.1f} during the upgrade run)")
        assert all(end is not None for _, end in outages), f"the {name} did not answer at the end: {outages}"


def test_the_preview_before_the_upgrade_worked_and_disturbed_no_one(state):
    """Step 4 of the procedure: --check --diff on the running previous release."""
    preview = json.loads((UPGRADE_DIR / "preview.log.time").read_text())
    probe = json.loads((UPGRADE_DIR / "probe.json").read_text())
    recap = (UPGRADE_DIR / "preview.log").read_text().split("PLAY RECAP", 1)[-1]
    changed = sum(int(n) for n in re.findall(r"changed=(\d+)", recap))
    during = {name: [o for o in outages if preview["started"] <= o[0] <= preview["ended"]]
              for name, outages in probe["outages"].items()}
    _figure("preview (--check --diff, seconds)", f"{round(preview['ended'] - preview['started'])}, rc {preview['rc']}, "
                                                 f"{changed} changes shown, outages meanwhile {during}")
    assert preview["rc"] == 0, f"the preview failed on the running site: see {UPGRADE_DIR / 'preview.log'}"
    assert not any(during.values()), f"the preview made the hub or the gateway unreachable: {during}"


def test_the_long_job_ran_on_with_no_work_lost(node, state):
    before = state["long_job"]
    job = before["id"]
    after = job_fields(job)
    count, now = counter(job), time.time()
    elapsed = now - before["at"]
    _figure("bob's long job", f"{job}: counter {before['counter']} before, {count} after {elapsed:.0f} s; "
                              f"{after.get('JobState')}, started {after.get('StartTime')}, restarts {after.get('Restarts')}")
    assert after["JobState"] == "RUNNING", f"bob's long job {job} is {after['JobState']}"
    assert after["StartTime"] == before["StartTime"] and after.get("Restarts", "0") == "0", (before, after)
    # One step a second (sleep 1 and a write): a job restarted or stopped
    # during the upgrade would be behind.
    assert count >= before["counter"] + 0.8 * elapsed, f"bob's job counted {count - before['counter']} in {elapsed:.0f} s"


def test_the_notebook_answers_at_the_same_url_in_the_same_kernel(node, state, alice, kernel):
    before = state["notebook"]
    server = user_server(alice, "alice") or {}
    jobs = {j: s for j, name, s in squeue(node(LOGIN), "%i|%j|%T", "--user=alice") if name == "jupyter-notebook"}
    reply = alice.get(f"{BASE}{before['url']}api/status", timeout=30)
    out = kernel.run("import dask.array\nprint('KERNEL', os.getpid(), socket.gethostname(), os.path.realpath(sys.prefix))\n")
    pid, host, prefix = out.split("KERNEL", 1)[1].split()
    _figure("alice's notebook", f"{server.get('url')} (job {list(jobs)}), started {server.get('started')}; "
                                f"kernel {pid} on {host} in {prefix}")
    assert server.get("ready") and server["url"] == before["url"] and server["started"] == before["started"], server
    assert jobs == {before["job"]: "RUNNING"}, jobs
    assert reply.status_code == 200, reply.text[-500:]
    assert (int(pid), host, prefix) == (before["pid"], before["host"], before["realprefix"]), "not the same kernel"
    assert before["prefix"].startswith("/opt/software/envs/"), f"the kernel does not run in a curated environment: {before}"


def test_the_dask_cluster_computes_from_the_same_kernel(node, state, kernel):
    """The cluster's jobs ran on; its client computes, or, when the
    gateway's restart dropped the connection, reconnects and then computes."""
    before = state["notebook"]
    jobs = sorted(j for j, name, s in squeue(node(LOGIN), "%i|%j|%T", "--user=alice")
                  if name == "dask-gateway" and s == "RUNNING")
    out = kernel.run("try:\n"
                     "    print('FIRST', client.submit(sum, range(100), pure=False).result(timeout=60))\n"
                     "except Exception as err:\n"
                     "    print('FIRST', type(err).__name__, str(err)[:200].replace(chr(10), ' '))\n", timeout=120)
    first = out.split("FIRST", 1)[1].strip()
    note = "the next computation of the same client succeeded, no reconnect by hand"
    if first != "4950":
        out = kernel.run("client.close()\ncluster = gateway.connect(cluster.name)\nclient = cluster.get_client()\n"
                         "client.wait_for_workers(1, timeout=300)\n"
                         "print('AGAIN', client.submit(sum, range(100), pure=False).result(timeout=60))\n", timeout=400)
        note = f"first computation: {first}; after reconnecting: {out.split('AGAIN', 1)[1].strip()}"
        assert "AGAIN 4950" in out, out
    workers = kernel.run("print('NAME', cluster.name, len(client.scheduler_info()['workers']))\n").split("NAME", 1)[1].split()
    _figure("alice's Dask cluster", f"{workers[0]}: {workers[1]} worker(s), jobs {jobs} (before {state['dask_jobs']}); {note}")
    assert workers[0] == before["cluster"] and int(workers[1]) >= 1, workers
    assert jobs == state["dask_jobs"], f"the cluster's jobs changed: {state['dask_jobs']} -> {jobs}"


def test_slurm_accounting_kept_every_record(state):
    after = accounted_jobs()
    lost = sorted(set(state["accounted"]) - set(after))
    _figure("slurmdbd job records", f"{len(state['accounted'])} before, {len(after)} after, {len(lost)} lost")
    assert not lost, f"job records lost by the upgrade: {lost}"


def test_slurmctld_runs_the_new_release_policy(node, state, tmp_path):
    """The partitions and QOS slurmctld and slurmdbd run are the ones this
    tree renders from the upgraded inventory."""
    out = tmp_path / "effective.json"
    run_playbook(["-i", str(UPGRADE_DIR / "inventory")], str(ROOT / "tests" / "integration" / "effective_vars.yml"),
                 "-e", f"effective_vars_out={out}", check=True)
    effective = json.loads(out.read_text())
    login = node(LOGIN)
    for partition in effective["partitions"]:
        shown = login.check_output(f"scontrol show partition {partition['name']} --oneliner")
        for key in ("PriorityTier", "QOS", "OverSubscribe"):
            if key in partition:
                assert re.search(rf"\b{key}={re.escape(str(partition[key]))}\b", shown, re.IGNORECASE), (key, shown)
    qos = set(node("ctl").check_output("sacctmgr --noheader --parsable2 show qos format=Name").split())
    assert {q["name"] for q in effective["qos"]} <= qos, (effective["qos"], qos)
    md5 = node("ctl").check_output("md5sum /etc/slurm/slurm.conf").split()[0]
    params = login.check_output("scontrol show config | grep ^SchedulerParameters").split("=", 1)[1].strip()
    _figure("Slurm policy", f"partitions {[p['name'] for p in effective['partitions']]}, QOS {sorted(qos)}; "
                            f"slurm.conf {'changed' if md5 != state['slurm_conf_md5'] else 'unchanged'}; {params}")
    assert f"bf_window={effective['bf_window']}" in params


def _jupyterhub_version(defaults):
    return yaml.safe_load(defaults.read_text())["jupyterhub_version"]


def test_the_hub_database_kept_its_users_or_was_backed_up_and_upgraded(node, state):
    old = _jupyterhub_version(UPGRADE_DIR / "previous" / "roles" / "jupyterhub" / "defaults" / "main.yml")
    new = _jupyterhub_version(ROOT / "roles" / "jupyterhub" / "defaults" / "main.yml")
    after = hub_db()
    assert set(state["hub_db"]["users"]) <= set(after["users"]), (state["hub_db"], after)
    assert "alice" in after["servers"], f"the hub database lost alice's server: {after}"
    if old == new:
        _figure("hub database", f"same JupyterHub {old} in both releases: no backup made, none needed; "
                                f"users {after['users']}, servers {after['servers']} kept")
        return
    backups = node(LOGIN).check_output("ls /var/lib/jupyterhub/backups").split()
    upgraded = node(LOGIN).run("journalctl --no-pager -q | grep -c 'upgrade-db'").stdout.strip()
    _figure("hub database", f"JupyterHub {old} -> {new}: backups {backups}; upgrade-db in the journal {upgraded} time(s)")
    assert backups and int(upgraded or 0) > 0


def test_new_notebooks_get_the_start_up_module(node):
    for host in ("c1", "c2"):
        assert node(host).file("/etc/dask/python/sitecustomize.py").exists, host
    wired = node(LOGIN).run("grep -rl /etc/dask/python /etc/jupyterhub").stdout.split()
    _figure("start-up module", f"on c1 and c2; named in {wired}")
    assert wired, "the hub's configuration does not put /etc/dask/python on the notebooks' PYTHONPATH"
