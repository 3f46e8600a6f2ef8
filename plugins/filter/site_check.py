"""The site check at the end of site.yml: a short job on every compute node,
as a user of the spawn group, and the hub's and the gateway's health
endpoints.

``site_check_user``       -> the user the jobs run as, or why there is none
``site_check_user_errors``-> the problems with that user (no association...)
``site_check_accounts``   -> the user's accounts in ``sacctmgr show assoc``
``scontrol_nodes``        -> ``scontrol show node -o`` as {node: {key: value}}
``slurm_user``            -> SlurmUser of ``scontrol show config``
``site_check_node_state`` -> one node's state, reason, hostname, usable, busy,
                             aside (an administrator's doing), powered_down
``site_check_node_timeout``-> the node's job timeout (+ ResumeTimeout when
                             powered down)
``site_check_job_partition``-> the partition of the node's job
``site_check_srun_argv``  -> the command that runs the job on one node
``slurmd_log_argv``       -> the command that reads slurmd's log on a node
``site_check_endpoints``  -> the health endpoints one host probes
``site_check_holding_jobs``-> the running jobs that hold their nodes with
                             dedicated cores (``squeue --json``)
``site_check_problems``   -> {errors, notes} of the whole check
``site_check_report``     -> the failure message of a list of problems
"""

from __future__ import annotations

import re

from ansible_collections.hpc.datasci.plugins.filter.slurm_conf import slurm_hostlist_expand
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_blocking_jobs import (
    job_words,
    jobs_on,
    read_one_row_jobs,
)
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_conf_reader import scontrol_config, scontrol_records

JOB_NAME = "hpc-datasci-site-check"
TIMEOUT_CODES = (124, 137)
# States in which slurmctld gives a node no job (scontrol prints the base
# state and its flags joined by "+", e.g. IDLE+DRAIN, DOWN+NOT_RESPONDING).
# Power saving (POWERED_DOWN, IDLE~, POWERING_UP, IDLE#) is not among them:
# srun powers such a node up.
UNUSABLE = ("DOWN", "DRAIN", "DRAINED", "DRAINING", "FAIL", "FAILING", "FUTURE", "MAINT", "RESERVED",
            "NOT_RESPONDING", "REBOOT_ISSUED", "REBOOT_REQUESTED", "INVALID_REG", "UNKNOWN")
# States an administrator takes a node out of service with; the Reason says
# who (an error only when slurmd or slurmctld set it).
TAKEN_OUT = ("DOWN", "DRAIN", "DRAINED", "DRAINING", "FAIL", "FAILING")
# States that are an administrator's plan, never a fault: a note, no job.
SET_ASIDE = {"MAINT": "it is in a maintenance reservation",
             "RESERVED": "it is in a reservation",
             "FUTURE": "it is declared FUTURE in slurm.conf",
             "REBOOT_REQUESTED": "a reboot was requested for it",
             "REBOOT_ISSUED": "it is rebooting at an administrator's request"}
POWER_SAVING = ("POWERED_DOWN", "POWERING_DOWN", "POWER_DOWN", "POWERING_UP")
# Reasons slurmctld and slurmd give a node they drain or down themselves
# (lower case, matched anywhere in the Reason).
SLURM_REASONS = ("not responding", "batch job complete failure", "kill task failed", "prolog error",
                 "epilog error", "unexpectedly rebooted", "low realmemory", "low tmpdisk", "low socket",
                 "low cpu", "gres count", "node configuration differs", "launch failed", "slurmstepd",
                 "health check", "reboot timed out", "suspend failure", "resume failure", "resumetimeout")
BUSY = ("ALLOCATED",)
_JOB_ID = re.compile(r"(?:\bjobid |\bjob |\bJobId=|\bStepId=|\ballocation )(\d+)")
_REASON_BY = re.compile(r"\[([^\]@\s]+)@[^\]]*\]\s*$")
_PENDING = re.compile(r"^hpc-datasci-site-check: job (\d+) was (\S+), reason: (.*)$", re.MULTILINE)


# --- The user ----------------------------------------------------------------

def _members(entry):
    """Supplementary members of a getent group entry [passwd, gid, members]."""
    if not entry or len(entry) < 3 or not entry[2]:
        return []
    return [name for name in str(entry[2]).split(",") if name]


def site_check_user(data):
    """{user, errors}: the user the check's jobs run as.

    data: {user: site_check_user, group: the spawn group, group_variable,
    user_variable (the variable the messages name: site_check_user),
    host: where getent ran, getent_group: {group: [x, gid, members] or None},
    getent_passwd: {name: [x, uid, gid, gecos, home, shell]}}. The given
    user, else the group's first listed member, else the user with the lowest
    UID whose primary group it is.
    """
    if data.get("user"):
        return {"user": data["user"], "errors": []}
    group = data.get("group") or ""
    variable = data.get("group_variable") or "jupyterhub_spawn_group"
    user_variable = data.get("user_variable") or "site_check_user"
    host = data.get("host") or "the login node"
    entry = (data.get("getent_group") or {}).get(group)
    if not entry:
        return {"user": "", "errors": [
            f"{user_variable} is empty and the spawn group {group} ({variable}) does not exist on {host}:"
            f" create it, or set {user_variable} to a user who may run jobs."]}
    members = _members(entry)
    if members:
        return {"user": members[0], "errors": []}
    gid = str(entry[1])
    primary = sorted((int(fields[1]), name) for name, fields in (data.get("getent_passwd") or {}).items()
                     if fields and len(fields) > 2 and str(fields[2]) == gid)
    if primary:
        return {"user": primary[0][1], "errors": []}
    return {"user": "", "errors": [
        f"{user_variable} is empty and the spawn group {group} ({variable}) has no members on {host}:"
        f" set {user_variable} to a user who may run jobs, or add users to {group}."]}


def site_check_user_errors(data):
    """The problems with the chosen user: the choice's, that the user is
    unknown on the submit host, or that the user has no Slurm association
    (no account: every job would be refused).

    data: {choice: site_check_user(...), passwd: {name: entry or None} of
    getent passwd <user>, host, assoc: the result of `sacctmgr -nP show
    assoc user=<user> format=account` (rc, stdout, stderr; absent: not
    read)}.
    """
    choice = data.get("choice") or {}
    if choice.get("errors"):
        return list(choice["errors"])
    user = choice.get("user") or ""
    if not (data.get("passwd") or {}).get(user):
        return [f"site_check_user {user} is not a user on {data.get('host') or 'the submit host'}:"
                f" set site_check_user to a user of the spawn group who may run jobs."]
    assoc = data.get("assoc")
    if isinstance(assoc, dict) and "rc" in assoc:
        if assoc["rc"] != 0:
            detail = (assoc.get("stderr") or assoc.get("stdout") or "").strip() or f"exit code {assoc['rc']}"
            return [f"site_check_user {user}: sacctmgr could not list the user's Slurm associations ({detail});"
                    f" is slurmdbd running?"]
        if not site_check_accounts(assoc.get("stdout")):
            return [f"site_check_user {user} has no Slurm association (sacctmgr show assoc user={user} lists no"
                    f" account), so Slurm refuses the user's jobs: add {user} to an account's users in"
                    f" slurm_accounts, or set site_check_user to a user who has one."]
    return []


def site_check_accounts(text):
    """The accounts of `sacctmgr -nP show assoc user=<u> format=account`, each once."""
    accounts = []
    for line in (text or "").splitlines():
        account = line.strip()
        if account and account not in accounts:
            accounts.append(account)
    return accounts


# --- Slurm's view of the nodes -------------------------------------------------

def scontrol_nodes(text):
    """{NodeName: {key: value}} of `scontrol show node -o` (one node a line)."""
    return scontrol_records(text, "NodeName")


def _config_word(show_config, key):
    """The first word of a key's value in `scontrol show config` (read by
    slurm_conf_reader; "300 sec" -> "300"), or "" when it is not there."""
    words = scontrol_config(show_config).get(key, "").split()
    return words[0] if words else ""


def slurm_user(show_config):
    """SlurmUser of `scontrol show config` ("SlurmUser = slurm(64030)" ->
    "slurm"); "slurm" when it is not there."""
    return _config_word(show_config, "SlurmUser").split("(")[0] or "slurm"


def _set_by(reason):
    """The user of a Reason's "[user@time]" suffix, or ""."""
    match = _REASON_BY.search(reason or "")
    return match.group(1) if match else ""


def _by_an_administrator(reason, slurm_user_name):
    """Whether a Reason was set by an administrator rather than by slurmctld
    or slurmd: it names a user other than SlurmUser and is not one of Slurm's
    own reasons."""
    text = _REASON_BY.sub("", reason or "").strip().lower()
    if not text or any(phrase in text for phrase in SLURM_REASONS):
        return False
    user = _set_by(reason)
    return bool(user) and user != slurm_user_name


def _aside(parts, reason, slurm_user_name):
    """Why an administrator set the node aside, or "" (then any unusable
    state is a fault)."""
    for part in parts:
        if part in SET_ASIDE:
            return SET_ASIDE[part]
    if any(part in TAKEN_OUT for part in parts) and _by_an_administrator(reason, slurm_user_name):
        return f"{_set_by(reason)} took it out of service"
    return ""


def _state(pairs, slurm_user_name):
    raw = pairs.get("State", "UNKNOWN")
    state = raw.rstrip("*~#!%$@^-")
    parts = [part for part in state.split("+") if part]
    unusable = [part for part in parts if part in UNUSABLE]
    reason = pairs.get("Reason", "") if pairs.get("Reason", "") not in ("", "(null)", "none") else ""
    partitions = pairs.get("Partitions", "")
    return {
        "state": state,
        "reason": reason,
        "hostname": pairs.get("NodeHostName") or pairs.get("NodeName", ""),
        "usable": not unusable,
        "busy": bool(parts) and parts[0] in BUSY,
        "aside": _aside(parts, reason, slurm_user_name) if unusable else "",
        "powered_down": (any(part in POWER_SAVING for part in parts)
                         or any(flag in raw[len(state):] for flag in "~#%!")),
        "partitions": [name for name in partitions.split(",") if name and name != "(null)"],
    }


def site_check_node_state(text, name, slurm_user_name="slurm"):
    """{state, reason, hostname, usable, busy, aside, powered_down,
    partitions} of node `name` in `scontrol show node -o`.

    usable: slurmctld would give it a job (a powered-down node is usable:
    srun powers it up). aside: why an administrator set an unusable node
    aside (a maintenance reservation, a reservation, FUTURE, a requested
    reboot, or drained / down / failed with a Reason set by a user other
    than SlurmUser, `slurm_user_name`), "" when the state is Slurm's verdict
    of a fault. A node slurmctld does not know is unusable.
    """
    nodes = scontrol_nodes(text)
    if name in nodes:
        return _state(nodes[name], slurm_user_name)
    return {"state": "not known to slurmctld", "reason": "", "hostname": name, "usable": False, "busy": False,
            "aside": "", "powered_down": False, "partitions": []}


def site_check_node_timeout(state, show_config, timeout):
    """Seconds the node's check job may take: `timeout`
    (site_check_job_timeout), plus ResumeTimeout for a powered-down node,
    which Slurm first powers up."""
    timeout = int(timeout)
    if (state or {}).get("powered_down"):
        seconds = _config_word(show_config, "ResumeTimeout")
        timeout += int(seconds) if seconds.isdigit() else 60
    return timeout


# --- The partition ---------------------------------------------------------------

def scontrol_partitions(text):
    """{PartitionName: {key: value}} of `scontrol show partition -o`."""
    return scontrol_records(text, "PartitionName")


def _listed(value):
    return [item for item in (value or "").split(",") if item and item != "(null)"]


def _may_use(pairs, groups, accounts, qos):
    """Whether a user of `groups` with `accounts` (and `qos` when given) may
    submit to and run in a partition."""
    if pairs.get("State", "UP") != "UP" or pairs.get("RootOnly", "NO") == "YES":
        return False
    allow_groups = pairs.get("AllowGroups", "ALL")
    if allow_groups != "ALL" and not set(_listed(allow_groups)) & set(groups):
        return False
    allow_accounts = pairs.get("AllowAccounts", "ALL")
    if allow_accounts != "ALL" and not set(_listed(allow_accounts)) & set(accounts):
        return False
    if accounts and set(accounts) <= set(_listed(pairs.get("DenyAccounts", ""))):
        return False
    allow_qos = pairs.get("AllowQos", "ALL")
    return not qos or allow_qos == "ALL" or qos in _listed(allow_qos)


def site_check_job_partition(data):
    """{partition, error}: the partition of one node's check job.

    data: {node, user, state: site_check_node_state(...), partitions: the
    text of `scontrol show partition -o`, groups: the user's groups,
    accounts: the user's accounts (sacctmgr), partition: site_check_partition,
    account: site_check_account, qos: site_check_qos}. site_check_partition
    when set; else the first of the node's partitions (Partitions=) the user
    may use; "" (the default partition) for a node in no partition.
    """
    if data.get("partition"):
        return {"partition": data["partition"], "error": ""}
    state = data.get("state") or {}
    names = state.get("partitions") or []
    if not names:
        return {"partition": "", "error": ""}
    known = scontrol_partitions(data.get("partitions"))
    accounts = [data["account"]] if data.get("account") else list(data.get("accounts") or [])
    groups = list(data.get("groups") or [])
    for name in names:
        if name in known and _may_use(known[name], groups, accounts, data.get("qos") or ""):
            return {"partition": name, "error": ""}
    node, user = data.get("node", "?"), data.get("user", "?")
    return {"partition": "", "error": (
        f"{node} is in the partition(s) {', '.join(names)}, none of which {user} may use (UP, not RootOnly,"
        f" AllowGroups and AllowAccounts letting the user in): set site_check_partition to a partition"
        f" {node} is in, or site_check_user to a user who may use them.")}


# --- Commands ------------------------------------------------------------------

# Run as the user: srun in the background, bounded by $1 seconds; on a
# timeout, the job's state and pending reason (squeue) are read before it is
# cancelled, and printed in a line _PENDING reads. srun's messages are kept
# in a file to find the job's id, then passed on to stderr.
_BOUNDED = r"""limit=$1; shift
log=$(mktemp) || exit 1
"$@" 2>>"$log" &
pid=$!
waited=0
while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt "$limit" ]; do
  sleep 1
  waited=$((waited + 1))
done
if kill -0 "$pid" 2>/dev/null; then
  job=$(sed -n 's/^srun: job\(id\)\{0,1\} \([0-9][0-9]*\).*/\2/p' "$log" | head -n 1)
  if [ -n "$job" ]; then
    why=$(squeue -h -j "$job" -o '%T %r' 2>&1)
    echo "hpc-datasci-site-check: job $job was ${why%% *}, reason: ${why#* }" >>"$log"
    scancel "$job" 2>/dev/null
  fi
  kill -TERM "$pid" 2>/dev/null
  waited=0
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 10 ]; do
    sleep 1
    waited=$((waited + 1))
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid"
  rc=124
else
  wait "$pid"
  rc=$?
fi
cat "$log" >&2
rm -f "$log"
exit "$rc"
"""


def site_check_srun_argv(data):
    """The command, run as root on the submit host, that runs the check job on
    one node as the user and prints where it ran.

    data: {user, node, home, timeout (seconds for the whole job, queue wait
    included), partition, qos, account}. After `timeout` seconds the job's
    pending reason is read, the job cancelled and the command exits with
    124; --time=1 bounds the job itself.
    """
    argv = ["runuser", "-u", data["user"], "--", "/bin/sh", "-c", _BOUNDED, JOB_NAME, str(int(data["timeout"])),
            "srun", "--job-name=" + JOB_NAME, "--nodelist=" + data["node"], "--nodes=1", "--ntasks=1",
            "--time=1", "--chdir=" + data["home"], "--verbose"]
    for option in ("partition", "qos", "account"):
        if data.get(option):
            argv.append(f"--{option}={data[option]}")
    argv += ["/bin/sh", "-c", 'echo "${SLURMD_NODENAME:-?} $(hostname)"']
    return argv


def slurmd_log_file(show_config, node, hostname=""):
    """SlurmdLogFile of `scontrol show config` with %n and %h filled in; ""
    when slurmd logs to the journal."""
    path = _config_word(show_config, "SlurmdLogFile")
    if path in ("(null)", ""):
        return ""
    return path.replace("%n", node).replace("%h", hostname or node)


def slurmd_log_argv(show_config, node, lines=400):
    """The command that prints the last `lines` lines of slurmd's log on a node."""
    path = slurmd_log_file(show_config, node)
    if path:
        return ["tail", "-n", str(int(lines)), path]
    return ["journalctl", "--unit=slurmd", "--lines=" + str(int(lines)), "--no-pager", "--output=cat"]


# --- Endpoints -----------------------------------------------------------------

def _health_of_api(api_url):
    """http://login1:8081/hub/api -> http://login1:8081/hub/health."""
    url = api_url.rstrip("/")
    return (url[:-len("/api")] if url.endswith("/api") else url) + "/health"


def site_check_endpoints(data):
    """The endpoints one host probes: [{name, url, validate_certs}].

    data: {host, login: [...], compute: [...], public_address, public_port,
    hub_api_url, gateway_health_url}. A login host probes its own hub through
    its public HTTPS port (any certificate: a self-signed one is fine);
    a compute node probes the hub's API and the gateway, as notebooks and
    Dask schedulers reach them.
    """
    host = data.get("host")
    endpoints = []
    if host in (data.get("login") or []) and data.get("public_port"):
        address = data.get("public_address") or ""
        if address in ("", "0.0.0.0", "::", "*"):
            address = "127.0.0.1"
        elif ":" in address:
            address = f"[{address}]"
        endpoints.append({"name": "JupyterHub's public endpoint",
                          "url": f"https://{address}:{int(data['public_port'])}/hub/health",
                          "validate_certs": False})
    if host in (data.get("compute") or []) and data.get("login"):
        if data.get("hub_api_url"):
            endpoints.append({"name": "JupyterHub's API", "url": _health_of_api(data["hub_api_url"]),
                              "validate_certs": True})
        if data.get("gateway_health_url"):
            endpoints.append({"name": "Dask Gateway's API", "url": data["gateway_health_url"],
                              "validate_certs": True})
    return endpoints


# --- The verdict ----------------------------------------------------------------

def job_id(text):
    """The job's id in srun's messages, or ""."""
    match = _JOB_ID.search(text or "")
    return match.group(1) if match else ""


def slurmd_log_excerpt(lines, job, count=10):
    """The last `count` lines of slurmd's log about `job` (any line naming the
    job id), or, without one, its last error lines."""
    lines = [line for line in (lines or []) if line.strip()]
    if job:
        pattern = re.compile(rf"(?<!\d){re.escape(str(job))}(?!\d)")
        about = [line for line in lines if pattern.search(line)]
        if about:
            return about[-count:]
    return [line for line in lines if "error" in line.lower()][-count:]


_ERROR_WORDS = re.compile(r"error|fatal|fail|unable|denied|invalid|cannot|couldn't", re.IGNORECASE)


def _tail(text, count=3):
    """srun's last error lines (its --verbose chatter left out), one line."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    errors = [line for line in lines if _ERROR_WORDS.search(line)]
    return " / ".join((errors or lines)[-count:])


def _slurm_says(node, state):
    if not state:
        return ""
    reason = f", Reason: {state['reason']}" if state.get("reason") else ""
    return f" Slurm has {node} {state['state']}{reason}."


def _log_says(node, log, job, count):
    lines = slurmd_log_excerpt((log.get("text") or "").splitlines(), job, count)
    if not lines:
        return ""
    where = log.get("source") or "its log"
    return f" slurmd on {node} ({where}):\n    " + "\n    ".join(lines)


def _pending(stderr):
    """" (Slurm's reason it was pending: Resources)" from the line the
    bounded srun prints on a timeout, or ""."""
    match = _PENDING.search(stderr or "")
    if not match:
        return ""
    state, reason = match.group(2), match.group(3).strip()
    if state == "PENDING":
        return f" (Slurm's reason it was pending: {reason})"
    return f" (Slurm had the job {state}" + (f", reason: {reason})" if reason and reason != "None" else ")")


def site_check_holding_jobs(text):
    """one_row_jobs of `squeue -a --json` output: the running jobs that hold
    their nodes with dedicated cores ([] when squeue printed no such JSON)."""
    return read_one_row_jobs(text) or []


def _blocked(node, holding, pending):
    """The note on a node whose check job pended while jobs that started
    without OverSubscribe=FORCE hold it, or ""."""
    jobs = jobs_on(holding, {node}, slurm_hostlist_expand)
    if not jobs:
        return ""
    return (f"{node} is blocked, not broken: {'; '.join(job_words(job) for job in jobs)} started while"
            f" its partition was not OverSubscribe=FORCE, and Slurm starts no job of a FORCE partition there"
            f" until it ends (docs/overlay.md, \"Adopting suspend mode while the site's jobs run\"); the check"
            f" job was cancelled{pending}; it was not checked.")


def _job_problem(item, timeout, count, holding=()):
    """(error, note) of one node's job; `holding`: site_check_holding_jobs."""
    node, user = item["node"], item.get("user", "")
    before, after = item.get("before") or {}, item.get("after") or {}
    result = item.get("result") or {}
    timeout = item.get("timeout") or timeout
    job = job_id(result.get("stderr", ""))
    if before.get("aside"):
        return "", (f"{node} was not checked: {before['aside']}.{_slurm_says(node, before)}")
    log = _log_says(node, item.get("log") or {}, job, count)
    if before and not before.get("usable", True):
        return (f"{node} cannot run jobs: the check job was not submitted."
                f"{_slurm_says(node, before)}{log}"), ""
    if (item.get("partition") or {}).get("error"):
        return item["partition"]["error"], ""
    if result.get("skipped") or "rc" not in result:
        return "", ""
    rc, stdout, stderr = result["rc"], result.get("stdout", ""), result.get("stderr", "")
    if rc in TIMEOUT_CODES:
        pending = _pending(stderr)
        blocked = _blocked(node, holding, pending)
        if blocked:
            return "", blocked
        if before.get("busy"):
            return "", (f"{node} was fully allocated ({before['state']}): the check job did not start within"
                        f" {timeout} s (site_check_job_timeout) and was cancelled{pending}; it was not checked.")
        powered = (" (site_check_job_timeout and ResumeTimeout: the node was powered down)"
                   if before.get("powered_down") else " (site_check_job_timeout)")
        srun_says = _tail("\n".join(line for line in stderr.splitlines() if not _PENDING.match(line)))
        return (f"{node}: the check job of {user} did not end within {timeout} s{powered}"
                f" and was cancelled{pending}: {srun_says or 'no message from srun'}."
                f"{_slurm_says(node, after)}{log}"), ""
    if rc != 0:
        return (f"{node} could not run the check job of {user} (srun exited with {rc}:"
                f" {_tail(stderr) or 'no message'})."
                f"{_slurm_says(node, after)}{log}"), ""
    if "couldn't chdir" in stderr:
        return (f"{node} ran the check job of {user} outside the user's home: {_tail(stderr, 1)}."
                f" Users' homes must be mounted on every compute node."), ""
    words = (stdout.strip().splitlines() or [""])[-1].split()
    ran_on = words[0] if words else ""
    hostname = words[1] if len(words) > 1 else ""
    expected = (before.get("hostname") or node).split(".")[0]
    if ran_on != node or hostname.split(".")[0] != expected:
        return (f"{node}: the check job ran on {ran_on or '?'} (host name {hostname or '?'}),"
                f" not on {node} (host name {expected})."), ""
    return "", ""


def _probes(hosts):
    """Every endpoint probe of every host: [{name, url, host, status, msg}],
    from the results of the uri loop (each result's item is the endpoint)."""
    probes = []
    for host in hosts:
        for result in host.get("http") or []:
            if not isinstance(result, dict) or result.get("skipped") or "item" not in result:
                continue
            probes.append({"name": result["item"].get("name", ""), "url": result["item"].get("url", ""),
                           "host": host.get("host", "?"), "status": result.get("status", -1),
                           "msg": result.get("msg", "")})
    return probes


def _endpoint_problems(probes):
    """One message per endpoint URL that did not answer 200, naming the hosts."""
    failed = {}
    for probe in probes:
        if probe["status"] != 200:
            failed.setdefault((probe["name"], probe["url"]), []).append(probe)
    errors = []
    for (name, url), items in failed.items():
        first = items[0]
        detail = f"HTTP {first['status']}" if first["status"] not in (-1, None) else "no answer"
        message = first["msg"].split("Request failed: ", 1)[-1] if first["msg"] else ""
        message = f": {message}" if message else ""
        errors.append(f"{name} {url} did not answer 200 from {', '.join(i['host'] for i in items)}:"
                      f" {detail}{message}.")
    return errors


def site_check_problems(data):
    """{errors, notes} of the site check.

    data: {timeout, log_lines, hosts: [one item per host: {host, compute
    (bool), node (Slurm's name), user, before, after, timeout, partition,
    result, log, http}]}. On a compute host, before/after are
    site_check_node_state of the node before and after the job, timeout the
    node's (site_check_node_timeout), partition site_check_job_partition's
    answer, result is srun's (rc, stdout, stderr, or skipped) and log {text,
    source} the tail of slurmd's log on the node (the lines about the job, by
    its id in srun's messages, are shown). http is the results of the host's
    uri loop over site_check_endpoints. A node an administrator set aside
    (drained by root, a maintenance reservation...) is a note, and so is a
    node whose job pended while jobs that started without
    OverSubscribe=FORCE hold it (`holding`: site_check_holding_jobs).
    """
    errors, notes = [], []
    hosts = [item for item in data.get("hosts") or [] if isinstance(item, dict)]
    for item in hosts:
        if not item.get("compute"):
            continue
        error, note = _job_problem(item, data.get("timeout", "?"), int(data.get("log_lines", 10)),
                                   data.get("holding") or [])
        if error:
            errors.append(error)
        if note:
            notes.append(note)
    errors.extend(_endpoint_problems(_probes(hosts)))
    return {"errors": errors, "notes": notes}


def site_check_report(errors, what):
    """The failure message of `what` (e.g. "The site check") with its problems."""
    lines = [f"{what} found {len(errors)} problem(s):"]
    lines.extend(f"- {error}" for error in errors)
    return "\n".join(lines)


class FilterModule:
    """The site check's plan and verdict."""

    def filters(self):
        return {
            "site_check_user": site_check_user,
            "site_check_user_errors": site_check_user_errors,
            "site_check_accounts": site_check_accounts,
            "scontrol_nodes": scontrol_nodes,
            "slurm_user": slurm_user,
            "site_check_node_state": site_check_node_state,
            "site_check_node_timeout": site_check_node_timeout,
            "site_check_job_partition": site_check_job_partition,
            "site_check_srun_argv": site_check_srun_argv,
            "slurmd_log_file": slurmd_log_file,
            "slurmd_log_argv": slurmd_log_argv,
            "site_check_endpoints": site_check_endpoints,
            "slurmd_log_excerpt": slurmd_log_excerpt,
            "site_check_holding_jobs": site_check_holding_jobs,
            "site_check_problems": site_check_problems,
            "site_check_report": site_check_report,
        }
