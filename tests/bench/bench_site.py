"""The benchmark's hands on its container site: commands in the containers
(docker exec), job submission as the test users, sacct, cleanup, and the
bundle's own playbook to apply a configuration.

Only the bench site is touched: containers <prefix>-<host> with the prefix
of tests/bench/inventory (CONTAINER_SITE_PREFIX, hpcds-bench by default).
"""

import os
import pathlib
import shlex
import subprocess
import time

import sand_metrics

ROOT = pathlib.Path(__file__).resolve().parents[2]
INVENTORY = ROOT / "tests" / "bench" / "inventory"
PREFIX = os.environ.get("CONTAINER_SITE_PREFIX", "hpcds-bench")
USERS = ("alice", "bob")
# slurm.conf keys that `scontrol reconfigure` does not apply: the driver
# checks them after each configuration (see ensure_effective()).
RESTART_KEYS = ("PreemptType", "PreemptMode", "PriorityType", "SelectTypeParameters")


def dexec(host, command, user=None, stdin=None, check=True, timeout=120):
    """stdout of a shell command in host's container (as user, if given)."""
    argv = ["docker", "exec", "-i", f"{PREFIX}-{host}"]
    if user:
        argv += ["runuser", "-u", user, "--"]
    argv += ["bash", "-c", command]
    done = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(f"{host}$ {command}\n{done.stdout}{done.stderr}")
    return done.stdout


def playbook(log, extra_vars_file=None):
    """Run playbooks/slurm.yml on the bench site (with -e @file); output
    appended to log. Returns the seconds it took."""
    argv = ["ansible-playbook", str(ROOT / "playbooks" / "slurm.yml"), "-i", str(INVENTORY)]
    if extra_vars_file:
        argv += ["-e", f"@{extra_vars_file}"]
    started = time.monotonic()
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"\n$ {shlex.join(argv)}\n")
        out.flush()
        done = subprocess.run(argv, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} failed (rc {done.returncode}); see {log}")
    return time.monotonic() - started


def _conf_values(text, separator):
    values = {}
    for line in text.splitlines():
        if separator in line and not line.lstrip().startswith("#"):
            key, value = line.split(separator, 1)
            values[key.strip()] = value.strip()
    return values


def ensure_effective():
    """Compare the keys of RESTART_KEYS in slurm.conf (and the files it
    includes) with what slurmctld runs; restart slurmctld (jobs survive)
    where they differ. Returns the keys that needed it (empty when the
    bundle applied everything)."""
    written = _conf_values(dexec("ctl", "cat /etc/slurm/slurm.conf; for f in $(awk '$1 == \"Include\" {print $2}'"
                                        " /etc/slurm/slurm.conf); do cat $f; done"), "=")
    running = _conf_values(dexec("ctl", "scontrol show config"), "=")
    stale = [k for k in RESTART_KEYS
             if _normal(written.get(k, _SLURM_DEFAULTS.get(k))) != _normal(running.get(k))]
    if stale:
        dexec("ctl", "systemctl restart slurmctld && for i in $(seq 60); do scontrol ping | grep -q UP && exit 0;"
                     " sleep 1; done; exit 1")
    return stale


def _normal(value):
    """A slurm.conf value as scontrol may print it (any case, any order of a list)."""
    return sorted((value or "").upper().split(","))


# What slurmctld reports for a key slurm.conf leaves out.
_SLURM_DEFAULTS = {"PreemptType": "preempt/none", "PreemptMode": "OFF", "PriorityType": "priority/basic"}


def slurm_config_summary():
    """The scheduling keys slurmctld runs with (for the JSON)."""
    running = _conf_values(dexec("ctl", "scontrol show config"), "=")
    keys = ("PreemptType", "PreemptMode", "PriorityType", "SchedulerParameters", "DefMemPerCPU", "SLURM_VERSION")
    summary = {k: running.get(k) for k in keys}
    summary["partitions"] = dexec("ctl", "scontrol show partition --oneliner").strip().splitlines()
    return summary


def total_cpus():
    """CPUs of the compute nodes as slurmctld counts them."""
    return int(dexec("ctl", "sinfo --noheader --format=%C").strip().split("/")[-1])


def sbatch_lines(jobs, user, partition, qos, time_limit, script, mem_per_cpu=None):
    """One shell line per job: sbatch as user, printing the job id. A job
    of N CPUs is N one-CPU tasks, so a wide one may span nodes."""
    lines = []
    for job in jobs:
        argv = ["runuser", "-u", user, "--", "sbatch", "--parsable", f"--job-name={job['name']}",
                f"--partition={partition}", f"--qos={qos}", f"--ntasks={job['cpus']}",
                f"--time={time_limit}", "--output=/dev/null", "--chdir=/tmp", "--account=datasci"]
        if mem_per_cpu:
            argv.append(f"--mem-per-cpu={mem_per_cpu}")
        argv += ["--wrap", script(job)]
        lines.append(shlex.join(argv))
    return lines


def submit(lines):
    """Submit jobs from the login node in one exec; their ids in order."""
    out = dexec("login1", "set -e\n" + "\n".join(lines) + "\n", timeout=300)
    return [line.split(";")[0] for line in out.split()]


def running_jobs(ids):
    """Ids among ids whose state is RUNNING."""
    if not ids:
        return set()
    out = dexec("ctl", f"squeue --noheader --jobs={','.join(ids)} --states=RUNNING --format=%i", check=False)
    return set(out.split())


def wait_running(ids, timeout):
    """Wait until every job in ids runs (or timeout); seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout and len(running_jobs(ids)) < len(ids):
        time.sleep(1)
    return time.monotonic() - started


def sacct(since):
    """Parsed sacct records (every segment) of the test users' jobs
    submitted at or after `since` (epoch seconds), each with its kind."""
    command = ("SLURM_TIME_FORMAT=%s sacct --duplicates --allocations --parsable2 --noheader "
               f"--user={','.join(USERS)} --starttime=$(date -d @{int(since) - 1} +%Y-%m-%dT%H:%M:%S) "
               f"--format={','.join(sand_metrics.SACCT_FIELDS)}")
    records = sand_metrics.parse_sacct(dexec("ctl", command))
    records = [r for r in records if r["submit"] is not None and r["submit"] >= since - 1]
    for record in records:
        record["kind"] = sand_metrics.kind_of(record["name"])
    return records


def counters(directory):
    """{job name: seconds counted} of the rocks' counter files."""
    out = dexec("login1", f"cd {shlex.quote(directory)} 2>/dev/null && for f in *.count; do"
                          ' [ -e "$f" ] && echo "${f%.count} $(cat "$f")"; done', check=False)
    values = {}
    for line in out.splitlines():
        name, _, value = line.partition(" ")
        if value.strip().isdigit():
            values[name] = int(value)
    return values


def queued(users=USERS):
    """Job ids the users still have in the queue."""
    return dexec("ctl", f"squeue --noheader --user={','.join(users)} --format=%i").split()


def cancel_all(timeout=180):
    """Cancel every job of the test users and wait until the queue is empty of them."""
    deadline = time.monotonic() + timeout
    while queued():
        for user in USERS:
            dexec("ctl", f"scancel --user={user}", check=False)
        if time.monotonic() > deadline:
            raise RuntimeError(f"jobs left after {timeout} s: {queued()}")
        time.sleep(2)


def machine():
    """The machine the benchmark ran on (for the JSON)."""
    info = {"cores": os.cpu_count(), "kernel": os.uname().release}
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        mem = pathlib.Path("/proc/meminfo").read_text().split("\n", 1)[0].split()
        info["memory_gib"] = round(int(mem[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    info["slurm_version"] = dexec("ctl", "sinfo --version", check=False).strip()
    return info
