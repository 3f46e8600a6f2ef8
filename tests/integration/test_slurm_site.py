"""The converged site: daemons, files, partitions, QOS and jobs, checked on
the running containers."""

import re

import pytest
from helpers import journal, wait_until

COMPUTE = ["c1", "c2"]
LOGIN = "login1"
CONTROLLER = "ctl"


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        (CONTROLLER, "munge"),
        (CONTROLLER, "mariadb"),
        (CONTROLLER, "slurmdbd"),
        (CONTROLLER, "slurmctld"),
        ("c1", "munge"),
        ("c1", "slurmd"),
        ("c2", "munge"),
        ("c2", "slurmd"),
        (LOGIN, "munge"),
    ],
)
def test_daemon_runs_and_starts_at_boot(node, name, unit):
    host = node(name)
    service = host.service(unit)
    assert service.is_running, journal(host, unit)
    assert service.is_enabled


@pytest.mark.parametrize(
    ("name", "path", "owner", "mode"),
    [
        (CONTROLLER, "/etc/slurm/slurmdbd.conf", "slurm", 0o600),
        (CONTROLLER, "/etc/munge/munge.key", "munge", 0o400),
        ("c1", "/etc/munge/munge.key", "munge", 0o400),
        (LOGIN, "/etc/munge/munge.key", "munge", 0o400),
        ("c2", "/etc/slurm/slurm.conf", "root", 0o644),
    ],
)
def test_secret_and_config_files_are_protected(node, name, path, owner, mode):
    f = node(name).file(path)
    assert f.is_file
    assert f.user == owner
    assert f.mode == mode


@pytest.mark.parametrize("path", ["/etc/munge/munge.key", "/etc/slurm/slurm.conf", "/etc/slurm/nodes.conf", "/etc/slurm/plugins.conf"])
def test_same_file_on_every_node(node, path):
    sums = {name: node(name).check_output(f"sha256sum {path}").split()[0] for name in [CONTROLLER, LOGIN, *COMPUTE]}
    assert len(set(sums.values())) == 1, sums


def test_sinfo_shows_both_partitions_on_both_nodes(node):
    out = node(LOGIN).check_output("sinfo --noheader --format='%P|%N|%a'")
    rows = dict(line.split("|", 1) for line in out.splitlines())
    assert rows == {"batch*": "c[1-2]|up", "short": "c[1-2]|up"}


def test_partitions_and_backfill_window_follow_the_effective_policy(node, effective):
    """The demo lengthens batch to 7 days with one key; slurmctld runs the
    merged partitions and a backfill window derived from the longest MaxTime."""
    login = node(LOGIN)
    for partition in effective["partitions"]:
        shown = login.check_output(f"scontrol show partition {partition['name']} --oneliner")
        for key in ("MaxTime", "DefaultTime", "PriorityTier", "QOS"):
            if key in partition:
                want = partition[key]
                if key.endswith("Time"):
                    assert _seconds(re.search(rf"\b{key}=(\S+)", shown).group(1)) == _seconds(want), (key, shown)
                else:
                    # scontrol spells the partition QOS "QoS".
                    assert re.search(rf"\b{key}={want}\b", shown, re.IGNORECASE), (key, want, shown)
    longest = max(_seconds(p["MaxTime"]) for p in effective["partitions"] if "MaxTime" in p) // 60
    assert effective["bf_window"] == max(2880, longest)
    params = login.check_output("scontrol show config | grep ^SchedulerParameters")
    print(f"\nlongest MaxTime {longest} min; live {params.split('=', 1)[1].strip()}")
    assert f"bf_window={effective['bf_window']}" in params


def test_user_runs_a_job_across_both_compute_nodes(node):
    out = node(LOGIN).check_output("runuser -l alice -c 'srun --nodes=2 --time=1 hostname'")
    assert sorted(out.split()) == COMPUTE


def _seconds(value):
    """Slurm's [D-]HH:MM:SS or [D-]H:MM:SS as seconds ('' stays '')."""
    if value in ("", None):
        return ""
    days, _, clock = str(value).rpartition("-")
    parts = [int(p) for p in clock.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    hours, minutes, seconds = parts
    return ((int(days or 0) * 24 + hours) * 60 + minutes) * 60 + seconds


# Inventory attribute -> (sacctmgr show field, normalizer).
QOS_FIELDS = {
    "Priority": ("Priority", int),
    "MaxWall": ("MaxWall", _seconds),
    "MaxJobsPerUser": ("MaxJobsPU", int),
    "MaxSubmitJobsPerUser": ("MaxSubmitPU", int),
    "MaxTRESPerUser": ("MaxTRESPU", str),
    "GrpTRES": ("GrpTRES", str),
    "UsageFactor": ("UsageFactor", float),
    "Flags": ("Flags", lambda v: {f.lower() for f in str(v).split(",") if f}),
    "Preempt": ("Preempt", lambda v: set(filter(None, str(v).split(",")))),
    "PreemptMode": ("PreemptMode", lambda v: str(v).lower()),
}


def test_qos_in_accounting_match_the_inventory(node, effective):
    fields = sorted({show for show, _ in QOS_FIELDS.values()})
    out = node(CONTROLLER).check_output(
        f"sacctmgr --noheader --parsable2 show qos format=Name,{','.join(fields)}"
    )
    shown = {}
    for line in out.splitlines():
        values = line.split("|")
        shown[values[0]] = dict(zip(fields, values[1:]))
    for qos in effective["qos"]:
        assert qos["name"] in shown, f"QOS {qos['name']} missing from sacctmgr: {sorted(shown)}"
        for key, value in qos.items():
            if key == "name":
                continue
            field, norm = QOS_FIELDS[key]
            actual = shown[qos["name"]][field]
            if value in ("", None):
                assert actual == "", (qos["name"], key, actual)
            else:
                assert norm(actual) == norm(value), (qos["name"], key, actual, value)


def _sacct(host, job_id, timeout=90):
    """The accounting record of a finished job, polled until slurmdbd has
    the whole of it (a record can show QOS "Unknown" until the job's start
    reached slurmdbd)."""
    out = []

    def complete():
        out[:] = [host.check_output(
            f"sacct --jobs={job_id} --allocations --noheader --parsable2 --format=QOS,Partition,User,State"
        )]
        fields = out[0].split("|")
        return len(fields) == 4 and fields[-1] not in ("PENDING", "RUNNING") and fields[0] != "Unknown"

    wait_until(complete, timeout, lambda: f"job {job_id}: no complete accounting record: {out[0]!r}", every=2)
    return out[0].split("|")


def test_burst_job_in_short_partition_is_accounted_with_its_qos(node):
    login = node(LOGIN)
    job_id = login.check_output(
        "runuser -l alice -c \"sbatch --parsable --partition=short --qos=burst --time=5 --wrap='sleep 5'\""
    ).split(";")[0]
    assert re.fullmatch(r"\d+", job_id)
    queued = login.check_output(f"squeue --noheader --jobs={job_id} --format='%q|%P|%u'")
    assert queued in ("", "burst|short|alice"), queued
    assert _sacct(login, job_id) == ["burst", "short", "alice", "COMPLETED"]


def test_job_over_burst_max_wall_is_refused_at_submit(node):
    result = node(LOGIN).run(
        "runuser -l alice -c 'sbatch --parsable --partition=short --qos=burst --time=1:30:00 --wrap=true'"
    )
    assert result.rc != 0, f"a 90 min burst job was accepted: {result.stdout}"
    assert "QOSMaxWallDurationPerJobLimit" in result.stderr, result.stderr
