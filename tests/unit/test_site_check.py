"""The site check's choices and exact messages (plugins/filter/site_check.py)."""

import pathlib

import pytest
from _filters import load_filter

check = load_filter("site_check")

OS = "OS=Linux 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"
SHOW_NODE = "\n".join([
    f"NodeName=c1 Arch=x86_64 CPUTot=2 NodeAddr=c1 NodeHostName=c1.site Version=22.05.8 {OS} State=IDLE"
    " Partitions=batch,short",
    f"NodeName=c2 Arch=x86_64 NodeHostName=c2 {OS} State=IDLE+DRAIN Partitions=batch"
    " Reason=batch job complete failure [slurm@2026-01-01T10:00:00]",
    "NodeName=c3 NodeHostName=c3 State=ALLOCATED Partitions=batch",
    "NodeName=c4 NodeHostName=c4 State=DOWN+NOT_RESPONDING* Reason=Not responding [slurm@2026-01-01T10:00:00]",
])


# --- the user ---

PASSWD = {"root": ["x", "0", "0", "root", "/root", "/bin/bash"],
          "bob": ["x", "2002", "2000", "", "/home/bob", "/bin/bash"],
          "alice": ["x", "2001", "2000", "", "/home/alice", "/bin/bash"]}


@pytest.mark.parametrize("data, user", [
    ({"user": "carol"}, "carol"),
    ({"group": "datasci", "getent_group": {"datasci": ["x", "2000", "dave,erin"]}, "getent_passwd": PASSWD}, "dave"),
    ({"group": "datasci", "getent_group": {"datasci": ["x", "2000", ""]}, "getent_passwd": PASSWD}, "alice"),
])
def test_user_choice(data, user):
    assert check.site_check_user(data) == {"user": user, "errors": []}


@pytest.mark.parametrize("group, expected", [
    ({"datasci": None},
     "site_check_user is empty and the spawn group datasci (jupyterhub_spawn_group) does not exist on login1:"
     " create it, or set site_check_user to a user who may run jobs."),
    ({"datasci": ["x", "3000", ""]},
     "site_check_user is empty and the spawn group datasci (jupyterhub_spawn_group) has no members on login1:"
     " set site_check_user to a user who may run jobs, or add users to datasci."),
])
def test_no_user(group, expected):
    data = {"group": "datasci", "host": "login1", "getent_group": group, "getent_passwd": PASSWD}
    assert check.site_check_user(data) == {"user": "", "errors": [expected]}


def test_user_errors():
    choice = {"user": "carol", "errors": []}
    assert check.site_check_user_errors({"choice": choice, "passwd": {"carol": None}, "host": "login1"}) == [
        "site_check_user carol is not a user on login1: set site_check_user to a user of the spawn group who"
        " may run jobs."]
    assert check.site_check_user_errors({"choice": choice, "passwd": {"carol": PASSWD["bob"]}}) == []
    assert check.site_check_user_errors({"choice": {"user": "", "errors": ["no"]}}) == ["no"]


# --- Slurm's view ---

def test_scontrol_nodes_keeps_values_with_spaces():
    nodes = check.scontrol_nodes(SHOW_NODE)
    assert list(nodes) == ["c1", "c2", "c3", "c4"]
    assert nodes["c1"]["OS"] == "Linux 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"
    assert nodes["c2"]["Reason"] == "batch job complete failure [slurm@2026-01-01T10:00:00]"


NO = {"aside": "", "powered_down": False}


@pytest.mark.parametrize("name, expected", [
    ("c1", dict(NO, state="IDLE", reason="", hostname="c1.site", usable=True, busy=False,
                partitions=["batch", "short"])),
    ("c2", dict(NO, state="IDLE+DRAIN", reason="batch job complete failure [slurm@2026-01-01T10:00:00]",
                hostname="c2", usable=False, busy=False, partitions=["batch"])),
    ("c3", dict(NO, state="ALLOCATED", reason="", hostname="c3", usable=True, busy=True, partitions=["batch"])),
    ("c4", dict(NO, state="DOWN+NOT_RESPONDING", reason="Not responding [slurm@2026-01-01T10:00:00]",
                hostname="c4", usable=False, busy=False, partitions=[])),
    ("c9", dict(NO, state="not known to slurmctld", reason="", hostname="c9", usable=False, busy=False,
                partitions=[])),
])
def test_node_state(name, expected):
    assert check.site_check_node_state(SHOW_NODE, name) == expected


def node(state, reason="", slurm_user="slurm"):
    line = f"NodeName=c5 NodeHostName=c5 State={state} Partitions=batch" + (f" Reason={reason}" if reason else "")
    return check.site_check_node_state(line, "c5", slurm_user)


@pytest.mark.parametrize("state, reason, slurm_user, usable, aside", [
    # An administrator's doing: a note, no job.
    ("IDLE+DRAIN", "disk swap [root@2026-01-01T10:00:00]", "slurm", False, "root took it out of service"),
    ("DOWN", "new DIMMs [bob@2026-01-01T10:00:00]", "slurm", False, "bob took it out of service"),
    ("MIXED+DRAINING", "kernel update [root@2026-01-01T10:00:00]", "slurm", False, "root took it out of service"),
    ("IDLE+MAINT+RESERVED", "", "slurm", False, "it is in a maintenance reservation"),
    ("IDLE+RESERVED", "", "slurm", False, "it is in a reservation"),
    ("FUTURE", "", "slurm", False, "it is declared FUTURE in slurm.conf"),
    # Slurm's own verdict: an error.
    ("IDLE+DRAIN", "Kill task failed [slurm@2026-01-01T10:00:00]", "slurm", False, ""),
    ("IDLE+DRAIN", "Prolog error [root@2026-01-01T10:00:00]", "slurm", False, ""),
    ("IDLE+DRAIN", "disk swap [root@2026-01-01T10:00:00]", "root", False, ""),
    ("DOWN+NOT_RESPONDING", "Not responding [slurm@2026-01-01T10:00:00]", "slurm", False, ""),
    ("DOWN", "no user here", "slurm", False, ""),
    ("IDLE+NOT_RESPONDING", "", "slurm", False, ""),
    # Power saving: usable, srun powers the node up.
    ("IDLE+POWERED_DOWN", "", "slurm", True, ""),
    ("IDLE~", "", "slurm", True, ""),
    ("IDLE#", "", "slurm", True, ""),
])
def test_who_set_a_node_aside(state, reason, slurm_user, usable, aside):
    got = node(state, reason, slurm_user)
    assert (got["usable"], got["aside"]) == (usable, aside)


@pytest.mark.parametrize("state, seconds", [("IDLE", 120), ("IDLE~", 420), ("IDLE+POWERED_DOWN", 420)])
def test_node_timeout_allows_for_power_up(state, seconds):
    config = "ResumeTimeout           = 300 sec\nSlurmUser               = slurm(64030)"
    assert check.site_check_node_timeout(node(state), config, 120) == seconds
    assert check.slurm_user(config) == "slurm"


def test_slurm_user_defaults_to_slurm():
    assert check.slurm_user("") == "slurm"


@pytest.mark.parametrize("release", ["22.05", "24.11"])
def test_the_keys_of_real_show_config_output(release):
    config = (pathlib.Path(__file__).parent / "fixtures" / f"slurm-{release}" / "scontrol_show_config.txt").read_text()
    assert check.slurm_user(config) == "slurm"
    assert check.site_check_node_timeout(node("IDLE+POWERED_DOWN"), config, 120) == 180
    assert check.slurmd_log_file(config, "c1") == "/var/log/slurm/slurmd.log"
    # Unset, or not a number: Slurm's default ResumeTimeout of 60 s.
    assert check.site_check_node_timeout(node("IDLE~"), "SlurmUser = (null)", 120) == 180
    assert check.slurm_user("SlurmUser = (null)") == "slurm"


# --- commands ---

def test_srun_argv():
    argv = check.site_check_srun_argv({"user": "alice", "node": "c1", "home": "/home/alice", "timeout": 120,
                                       "partition": "short", "qos": "", "account": "datasci"})
    assert argv[:5] + argv[7:] == ["runuser", "-u", "alice", "--", "/bin/sh", "hpc-datasci-site-check", "120",
                                   "srun", "--job-name=hpc-datasci-site-check", "--nodelist=c1", "--nodes=1", "--ntasks=1",
                    "--time=1", "--chdir=/home/alice", "--verbose", "--partition=short", "--account=datasci",
                    "/bin/sh", "-c", 'echo "${SLURMD_NODENAME:-?} $(hostname)"']
    assert argv[5] == "-c" and "squeue -h -j \"$job\" -o '%T %r'" in argv[6] and 'scancel "$job"' in argv[6]


# --- the partition ---

PARTITIONS = "\n".join([
    "PartitionName=gpu AllowGroups=gpuusers AllowAccounts=ALL AllowQos=ALL Nodes=c5 State=UP",
    "PartitionName=admin AllowGroups=ALL AllowAccounts=ALL RootOnly=YES Nodes=c5 State=UP",
    "PartitionName=old AllowGroups=ALL AllowAccounts=ALL Nodes=c5 State=INACTIVE",
    "PartitionName=physics AllowGroups=ALL AllowAccounts=physics AllowQos=ALL Nodes=c5 State=UP",
    "PartitionName=batch AllowGroups=ALL AllowAccounts=ALL DenyAccounts=guests AllowQos=normal Nodes=c5 State=UP",
])


def partition(names, **overrides):
    state = check.site_check_node_state(f"NodeName=c5 State=IDLE Partitions={names}", "c5")
    data = {"node": "c5", "user": "alice", "state": state, "partitions": PARTITIONS, "groups": ["alice", "datasci"],
            "accounts": ["datasci"], "partition": "", "account": "", "qos": ""}
    data.update(overrides)
    return check.site_check_job_partition(data)


@pytest.mark.parametrize("names, overrides, chosen", [
    ("gpu,admin,old,physics,batch", {}, "batch"),
    ("gpu,batch", {"groups": ["gpuusers"]}, "gpu"),
    ("physics,batch", {"accounts": ["datasci", "physics"]}, "physics"),
    ("physics,batch", {"accounts": ["datasci", "physics"], "account": "datasci"}, "batch"),
    ("gpu,batch", {"partition": "debug"}, "debug"),
    ("(null)", {}, ""),
])
def test_partition_the_user_may_use(names, overrides, chosen):
    assert partition(names, **overrides) == {"partition": chosen, "error": ""}


@pytest.mark.parametrize("names, overrides", [
    ("gpu,admin,old,physics", {}),
    ("batch", {"accounts": ["guests"]}),
    ("batch", {"qos": "long"}),
    ("batch,unknown", {"qos": "long"}),
])
def test_no_partition_the_user_may_use(names, overrides):
    assert partition(names, **overrides) == {"partition": "", "error": (
        f"c5 is in the partition(s) {names.replace(',', ', ')}, none of which alice may use (UP, not RootOnly,"
        " AllowGroups and AllowAccounts letting the user in): set site_check_partition to a partition c5 is in,"
        " or site_check_user to a user who may use them.")}


@pytest.mark.parametrize("assoc, expected", [
    ({"rc": 0, "stdout": "datasci\nphysics\n", "stderr": ""}, []),
    ({"rc": 0, "stdout": "", "stderr": ""},
     ["site_check_user carol has no Slurm association (sacctmgr show assoc user=carol lists no account), so"
      " Slurm refuses the user's jobs: add carol to an account's users in slurm_accounts, or set site_check_user"
      " to a user who has one."]),
    ({"rc": 1, "stdout": "", "stderr": "sacctmgr: error: Problem talking to the database: Connection refused\n"},
     ["site_check_user carol: sacctmgr could not list the user's Slurm associations (sacctmgr: error: Problem"
      " talking to the database: Connection refused); is slurmdbd running?"]),
    ({}, []),
])
def test_user_without_an_association(assoc, expected):
    data = {"choice": {"user": "carol", "errors": []}, "passwd": {"carol": PASSWD["bob"]}, "assoc": assoc}
    assert check.site_check_user_errors(data) == expected
    assert check.site_check_accounts("datasci\ndatasci\nphysics\n") == ["datasci", "physics"]


@pytest.mark.parametrize("config, argv", [
    ("SlurmdLogFile           = /var/log/slurm/slurmd.log\nSlurmdPort = 6818",
     ["tail", "-n", "400", "/var/log/slurm/slurmd.log"]),
    ("SlurmdLogFile = /var/log/slurm/slurmd.%n.log", ["tail", "-n", "400", "/var/log/slurm/slurmd.c1.log"]),
    ("SlurmdLogFile           = (null)",
     ["journalctl", "--unit=slurmd", "--lines=400", "--no-pager", "--output=cat"]),
    ("", ["journalctl", "--unit=slurmd", "--lines=400", "--no-pager", "--output=cat"]),
])
def test_slurmd_log_argv(config, argv):
    assert check.slurmd_log_argv(config, "c1", 400) == argv


# --- endpoints ---

BASE = {"login": ["login1"], "compute": ["c1"], "public_address": "0.0.0.0", "public_port": 443,
        "hub_api_url": "http://login1:8081/hub/api",
        "gateway_health_url": "http://login1:8010/services/dask-gateway/api/health"}


@pytest.mark.parametrize("host, overrides, urls", [
    ("login1", {}, ["https://127.0.0.1:443/hub/health"]),
    ("login1", {"public_address": "10.0.0.5", "public_port": "8443"}, ["https://10.0.0.5:8443/hub/health"]),
    ("login1", {"public_address": "fd00::5"}, ["https://[fd00::5]:443/hub/health"]),
    ("c1", {}, ["http://login1:8081/hub/health", "http://login1:8010/services/dask-gateway/api/health"]),
    ("c1", {"login": [], "gateway_health_url": ""}, []),
    ("c1", {"gateway_health_url": ""}, ["http://login1:8081/hub/health"]),
])
def test_endpoints(host, overrides, urls):
    data = dict(BASE, host=host, **overrides)
    assert [e["url"] for e in check.site_check_endpoints(data)] == urls


# --- the verdict ---

OK_C1 = {"host": "c1", "compute": True, "node": "c1", "user": "alice",
         "before": check.site_check_node_state(SHOW_NODE, "c1"),
         "after": check.site_check_node_state(SHOW_NODE, "c1"),
         "result": {"rc": 0, "stdout": "c1 c1", "stderr": "srun: jobid 41: nodes(1):`c1', cpu counts: 1(x1)"},
         "log": {"text": "", "source": ""}, "http": []}
LOG = "\n".join([
    "[2026-01-01T09:59:00.000] error: an old error",
    "[2026-01-01T10:00:00.000] Launching batch job 42 for UID 2001",
    "[2026-01-01T10:00:00.100] [42.batch] error: unable to create cgroup: Read-only file system",
    "[2026-01-01T10:00:00.200] [421.batch] done with job",
])


def problems(*hosts, timeout=120):
    return check.site_check_problems({"timeout": timeout, "log_lines": 10, "hosts": list(hosts)})


def test_all_good():
    login = {"host": "login1", "compute": False,
             "http": [{"item": {"name": "JupyterHub's public endpoint", "url": "https://127.0.0.1:443/hub/health"},
                       "status": 200, "msg": "OK"}]}
    assert problems(OK_C1, login) == {"errors": [], "notes": []}


def test_failed_job_names_the_node_with_slurms_reason_and_slurmds_log():
    failed = dict(OK_C1, result={"rc": 1, "stdout": "", "stderr": (
        "srun: jobid 42: nodes(1):`c1', cpu counts: 1(x1)\n"
        "srun: error: Task launch for StepId=42.0 failed on node c1: Slurmd could not execve job\n"
        "srun: error: Application launch failed: Slurmd could not execve job")},
        after=check.site_check_node_state(SHOW_NODE.replace("NodeName=c2", "NodeName=c1"), "c1"),
        log={"text": LOG, "source": "tail -n 400 /var/log/slurm/slurmd.log"})
    assert problems(failed)["errors"] == [
        "c1 could not run the check job of alice (srun exited with 1: srun: error: Task launch for StepId=42.0"
        " failed on node c1: Slurmd could not execve job / srun: error: Application launch failed: Slurmd could"
        " not execve job). Slurm has c1 IDLE+DRAIN, Reason: batch job complete failure"
        " [slurm@2026-01-01T10:00:00]. slurmd on c1 (tail -n 400 /var/log/slurm/slurmd.log):\n"
        "    [2026-01-01T10:00:00.000] Launching batch job 42 for UID 2001\n"
        "    [2026-01-01T10:00:00.100] [42.batch] error: unable to create cgroup: Read-only file system"]


def test_drained_node_is_not_submitted_to_and_shows_the_last_errors():
    drained = dict(OK_C1, node="c2", host="c2", before=check.site_check_node_state(SHOW_NODE, "c2"),
                   result={"skipped": True}, log={"text": LOG, "source": "journalctl --unit=slurmd"})
    assert problems(drained)["errors"] == [
        "c2 cannot run jobs: the check job was not submitted. Slurm has c2 IDLE+DRAIN, Reason: batch job"
        " complete failure [slurm@2026-01-01T10:00:00]. slurmd on c2 (journalctl --unit=slurmd):\n"
        "    [2026-01-01T09:59:00.000] error: an old error\n"
        "    [2026-01-01T10:00:00.100] [42.batch] error: unable to create cgroup: Read-only file system"]


def test_timeout_on_a_busy_node_is_a_note():
    busy = dict(OK_C1, node="c3", before=check.site_check_node_state(SHOW_NODE, "c3"),
                result={"rc": 124, "stdout": "", "stderr": "srun: job 43 queued and waiting for resources"})
    assert problems(busy) == {"errors": [], "notes": [
        "c3 was fully allocated (ALLOCATED): the check job did not start within 120 s (site_check_job_timeout)"
        " and was cancelled; it was not checked."]}


def test_timeout_on_an_idle_node_is_an_error():
    stuck = dict(OK_C1, result={"rc": 124, "stdout": "", "stderr": "srun: job 43 queued and waiting for resources"})
    assert problems(stuck, timeout=60)["errors"] == [
        "c1: the check job of alice did not end within 60 s (site_check_job_timeout) and was cancelled:"
        " srun: job 43 queued and waiting for resources. Slurm has c1 IDLE."]


@pytest.mark.parametrize("stdout, stderr, expected", [
    ("c2 c2", "", "c1: the check job ran on c2 (host name c2), not on c1 (host name c1)."),
    ("c1 other", "", "c1: the check job ran on c1 (host name other), not on c1 (host name c1)."),
    ("c1 c1", "slurmstepd: error: couldn't chdir to `/home/alice': No such file or directory: going to /tmp"
     " instead", "c1 ran the check job of alice outside the user's home: slurmstepd: error: couldn't chdir"
     " to `/home/alice': No such file or directory: going to /tmp instead. Users' homes must be mounted on"
     " every compute node."),
])
def test_job_that_ran_wrong(stdout, stderr, expected):
    item = dict(OK_C1, before=dict(OK_C1["before"], hostname="c1"), result={"rc": 0, "stdout": stdout,
                                                                          "stderr": stderr})
    assert problems(item)["errors"] == [expected]


def test_endpoints_that_do_not_answer_name_the_hosts():
    refused = {"status": -1, "msg": "Status code was -1 and not [200]: Request failed: <urlopen error"
                                    " [Errno 111] Connection refused>"}
    hub = {"name": "JupyterHub's API", "url": "http://login1:8081/hub/health"}
    gateway = {"name": "Dask Gateway's API", "url": "http://login1:8010/services/dask-gateway/api/health"}
    c1 = dict(OK_C1, http=[dict(refused, item=hub), {"item": gateway, "status": 503, "msg": "Service Unavailable"}])
    c2 = dict(OK_C1, host="c2", node="c2", result={"skipped": True}, before={},
              http=[dict(refused, item=hub), {"item": gateway, "status": 200, "msg": "OK"}, {"skipped": True}])
    assert problems(c1, c2)["errors"] == [
        "JupyterHub's API http://login1:8081/hub/health did not answer 200 from c1, c2: no answer:"
        " <urlopen error [Errno 111] Connection refused>.",
        "Dask Gateway's API http://login1:8010/services/dask-gateway/api/health did not answer 200 from c1:"
        " HTTP 503: Service Unavailable."]


@pytest.mark.parametrize("text, job", [
    ("srun: jobid 42: nodes(1):`c1'", "42"),
    ("srun: job 43 queued and waiting for resources", "43"),
    ("srun: error: Task launch for StepId=44.0 failed", "44"),
    ("nothing", ""),
])
def test_job_id(text, job):
    assert check.job_id(text) == job


def test_report():
    assert check.site_check_report(["a", "b"], "The site check") == "The site check found 2 problem(s):\n- a\n- b"


# --- nodes set aside, power saving, pending reasons ---

def test_node_an_administrator_set_aside_is_a_note():
    aside = dict(OK_C1, node="c5", host="c5", before=node("IDLE+DRAIN", "disk swap [root@2026-01-01T10:00:00]"),
                 result={"skipped": True}, log={"text": LOG, "source": "journalctl --unit=slurmd"})
    maint = dict(OK_C1, node="c5", host="c5", before=node("IDLE+MAINT+RESERVED"), result={"skipped": True})
    assert problems(aside, maint) == {"errors": [], "notes": [
        "c5 was not checked: root took it out of service. Slurm has c5 IDLE+DRAIN, Reason: disk swap"
        " [root@2026-01-01T10:00:00].",
        "c5 was not checked: it is in a maintenance reservation. Slurm has c5 IDLE+MAINT+RESERVED."]}


def test_node_without_a_partition_for_the_user_is_an_error():
    item = dict(OK_C1, result={"skipped": True}, partition={"partition": "", "error": "c1 is in no partition."})
    assert problems(item)["errors"] == ["c1 is in no partition."]


PENDING = ("srun: job 43 queued and waiting for resources\n"
           "hpc-datasci-site-check: job 43 was PENDING, reason: ReqNodeNotAvail, UnavailableNodes:c1")


def test_timeout_names_the_pending_reason():
    stuck = dict(OK_C1, result={"rc": 124, "stdout": "", "stderr": PENDING})
    assert problems(stuck, timeout=60)["errors"] == [
        "c1: the check job of alice did not end within 60 s (site_check_job_timeout) and was cancelled (Slurm's"
        " reason it was pending: ReqNodeNotAvail, UnavailableNodes:c1): srun: job 43 queued and waiting for"
        " resources. Slurm has c1 IDLE."]


def test_timeout_of_a_powered_down_node_counts_resume_timeout():
    stuck = dict(OK_C1, before=node("IDLE~"), after=node("IDLE~"), timeout=420,
                 result={"rc": 124, "stdout": "", "stderr": PENDING.replace("PENDING, reason: ReqNodeNotAvail,"
                                                                            " UnavailableNodes:c1",
                                                                            "CONFIGURING, reason: None")})
    assert problems(stuck)["errors"] == [
        "c1: the check job of alice did not end within 420 s (site_check_job_timeout and ResumeTimeout: the node"
        " was powered down) and was cancelled (Slurm had the job CONFIGURING): srun: job 43 queued and waiting for"
        " resources. Slurm has c1 IDLE."]


def test_timeout_on_a_busy_node_names_the_pending_reason_in_the_note():
    busy = dict(OK_C1, node="c3", before=check.site_check_node_state(SHOW_NODE, "c3"),
                result={"rc": 124, "stdout": "", "stderr": PENDING.replace("ReqNodeNotAvail, UnavailableNodes:c1",
                                                                           "Resources")})
    assert problems(busy)["notes"] == [
        "c3 was fully allocated (ALLOCATED): the check job did not start within 120 s (site_check_job_timeout)"
        " and was cancelled (Slurm's reason it was pending: Resources); it was not checked."]


SQUEUE_JSON = pathlib.Path(__file__).parent / "fixtures" / "slurm-24.11" / "squeue_json_one_row.json"


def test_a_node_held_by_a_job_started_without_force_is_named_blocked_until_its_end_not_broken():
    holding = check.site_check_holding_jobs(SQUEUE_JSON.read_text())
    stuck = dict(OK_C1, node="c2", host="c2", result={"rc": 124, "stdout": "", "stderr": PENDING.replace(
        "ReqNodeNotAvail, UnavailableNodes:c1", "Resources")})
    found = check.site_check_problems({"timeout": 60, "log_lines": 10, "hosts": [stuck], "holding": holding})
    assert found == {"errors": [], "notes": [
        "c2 is blocked, not broken: job 5 (carol, partition express) on c2 until 2026-12-07 16:42 UTC started"
        " while its partition was not OverSubscribe=FORCE, and Slurm starts no job of a FORCE partition there"
        " until it ends (docs/overlay.md, \"Adopting suspend mode while the site's jobs run\"); the check job was"
        " cancelled (Slurm's reason it was pending: Resources); it was not checked."]}
    # The same job does not excuse another node.
    other = dict(stuck, node="c1", host="c1")
    assert check.site_check_problems({"timeout": 60, "log_lines": 10, "hosts": [other],
                                      "holding": holding})["errors"]


@pytest.mark.parametrize("text", ["", "no json", "{\"jobs\": []}"])
def test_no_holding_jobs_without_their_json(text):
    assert check.site_check_holding_jobs(text) == []
