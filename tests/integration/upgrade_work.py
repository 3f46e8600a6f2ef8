"""Users at work on the site that the Molecule scenario
upgrade_keeps_users_working upgrades, and the probe that measures how long
the hub and the gateway are unreachable meanwhile. Run by the scenario's
prepare.yml from this directory, before the upgrade:

    python upgrade_work.py start STATE_JSON
        bob's long batch job that counts (one step a second, --time of two
        days), alice's notebook spawned through the hub, a Dask Gateway
        cluster with a worker made from that notebook's kernel (which runs
        in the curated environment `notebook`); their state written to
        STATE_JSON for test_upgrade.py.

    python upgrade_work.py probe OUT_JSON
        Polls the hub's /hub/health and the gateway's /api/health (through
        the hub's proxy) on 127.0.0.1 every 0.5 s until SIGTERM; writes the
        outages of each to OUT_JSON (every few seconds and at the end).
"""

import json
import os
import pathlib
import signal
import ssl
import subprocess
import sys
import time
import urllib.request

import testinfra
from helpers import squeue, wait_until
from hub import LOGIN, PORT, log_in, spawn, user_server
from kernel import Kernel

PREFIX = os.environ.get("CONTAINER_SITE_PREFIX", "hpcds")
CONTROLLER = "ctl"
HUB_DB = "/var/lib/jupyterhub/jupyterhub.sqlite"
COUNT_DIR = "/home/bob/upgrade-test"
# bob's long job: one counter step a second, for far longer than the scenario.
COUNT_SCRIPT = """#!/bin/bash
#SBATCH --job-name=upgrade-count --partition=batch --time=2-00:00:00 --cpus-per-task=1 --mem=200M --output=/dev/null
f="$HOME/upgrade-test/$SLURM_JOB_ID.count"
n=0
while true; do n=$((n + 1)); echo "$n" > "$f.new"; mv "$f.new" "$f"; sleep 1; done
"""
# In alice's kernel: a cluster that outlives the kernel's connection, with a worker.
CLUSTER = (
    "import json, os, socket, sys, time\n"
    "from dask_gateway import Gateway\n"
    "gateway = Gateway()\n"
    "cluster = gateway.new_cluster(shutdown_on_close=False)\n"
    "cluster.scale(1)\n"
    "client = cluster.get_client()\n"
    "client.wait_for_workers(1, timeout=600)\n"
    "print('STATE', json.dumps({'cluster': cluster.name, 'workers': len(client.scheduler_info()['workers']),\n"
    "    'sum': client.submit(sum, range(100), pure=False).result(timeout=60), 'pid': os.getpid(),\n"
    "    'host': socket.gethostname(), 'prefix': sys.prefix, 'realprefix': os.path.realpath(sys.prefix)}))\n"
)
PROBES = {"hub": f"https://127.0.0.1:{PORT}/hub/health",
          "gateway": f"https://127.0.0.1:{PORT}/services/dask-gateway/api/health"}
PROBE_EVERY = 0.5


def node(name):
    return testinfra.get_host(f"docker://{PREFIX}-{name}")


def counter(job):
    """bob's job's counter (0 before its first step)."""
    return int(node(LOGIN).run(f"cat {COUNT_DIR}/{job}.count").stdout.strip() or 0)


def job_fields(job):
    """StartTime, Restarts and JobState of a job, from scontrol."""
    out = node(LOGIN).check_output(f"scontrol show job {job} --oneliner")
    return dict(field.split("=", 1) for field in out.split() if "=" in field and field.split("=", 1)[0] in
                ("StartTime", "Restarts", "JobState", "NodeList"))


def accounted_jobs():
    """Every job id slurmdbd has a record of."""
    out = node(CONTROLLER).check_output("sacct --allusers --allocations --noheader --parsable2 "
                                        "--starttime=2000-01-01 --format=JobID")
    return sorted(set(out.split()))


def hub_db():
    """The hub database's users and the users whose default server it has."""
    code = ("import json, sqlite3; c = sqlite3.connect('file:" + HUB_DB + "?mode=ro', uri=True); "
            "print(json.dumps({'users': sorted(r[0] for r in c.execute('select name from users')), "
            "'servers': sorted(r[0] for r in c.execute('select u.name from spawners s join users u on s.user_id = u.id "
            "where s.server_id is not null and s.name = \\'\\''))}))")
    return json.loads(node(LOGIN).check_output(f"python3 -c \"{code}\""))


def start_long_job():
    login = node(LOGIN)
    login.check_output(f"runuser -u bob -- mkdir -p {COUNT_DIR}")
    login.check_output(f"runuser -u bob -- tee {COUNT_DIR}/count.sh >/dev/null <<'EOF'\n{COUNT_SCRIPT}EOF")
    job = login.check_output(f"runuser -u bob -- sbatch --parsable --chdir={COUNT_DIR} {COUNT_DIR}/count.sh").strip()
    wait_until(lambda: counter(job) >= 3, 180, f"bob's long job {job} does not count")
    return job


def start(state_path):
    state_path = pathlib.Path(state_path)
    subprocess.run(["docker", "cp", f"{PREFIX}-{LOGIN}:/etc/jupyterhub/tls/selfsigned.crt",
                    str(state_path.parent / "hub.crt")], check=True)
    ca_file = str(state_path.parent / "hub.crt")
    job = start_long_job()
    session = log_in(ca_file, "alice")
    spawn(session, "alice", "interactive")
    kernel = Kernel(session, "alice")
    out = kernel.run(CLUSTER, timeout=900)
    kernel.detach()
    work = json.loads(out.split("STATE", 1)[1])
    assert work["sum"] == 4950, out
    server = user_server(session, "alice")
    jobs = squeue(node(LOGIN), "%i|%j|%T", "--user=alice")
    state = {
        "ca_file": ca_file,
        "long_job": {"id": job, "counter": counter(job), "at": time.time(), **job_fields(job)},
        "notebook": {"url": server["url"], "started": server["started"], "kernel": kernel.kernel_id,
                     "job": next(j for j, name, _ in jobs if name == "jupyter-notebook"), **work},
        "dask_jobs": sorted(j for j, name, state in jobs if name == "dask-gateway" and state == "RUNNING"),
        "accounted": accounted_jobs(),
        "hub_db": hub_db(),
        "slurm_conf_md5": node(CONTROLLER).check_output("md5sum /etc/slurm/slurm.conf").split()[0],
    }
    state_path.write_text(json.dumps(state, indent=1))
    print(json.dumps(state, indent=1))


def probe(out_path, ca_file):
    """Poll PROBES until SIGTERM; outages: {name: [[first failure, first success after], ...]}."""
    context = ssl.create_default_context(cafile=ca_file)
    context.check_hostname = False  # the hub's certificate names the site, the probe uses 127.0.0.1
    record = {"pid": os.getpid(), "every": PROBE_EVERY, "started": time.time(), "polls": 0, "stopped": False,
              "outages": {name: [] for name in PROBES}}
    down = {}

    def write():
        record["last"] = time.time()
        tmp = pathlib.Path(f"{out_path}.tmp")
        tmp.write_text(json.dumps(record, indent=1))
        tmp.replace(out_path)

    def stop(*_):
        for name, since in down.items():
            record["outages"][name].append([since, None])
        record["stopped"] = True
        write()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    written = 0.0
    while True:
        for name, url in PROBES.items():
            now = time.time()
            try:
                with urllib.request.urlopen(url, timeout=2, context=context) as reply:
                    ok = reply.status == 200
            except OSError:
                ok = False
            if not ok and name not in down:
                down[name] = now
            elif ok and name in down:
                record["outages"][name].append([down.pop(name), now])
        record["polls"] += 1
        if time.time() - written > 5:
            write()
            written = time.time()
        time.sleep(PROBE_EVERY)


if __name__ == "__main__":
    if sys.argv[1] == "start":
        start(sys.argv[2])
    else:
        probe(sys.argv[2], str(pathlib.Path(sys.argv[2]).parent / "hub.crt"))
