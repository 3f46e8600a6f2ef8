"""The site check at the end of site.yml: a short job on every compute node,
as a user of the spawn group, and the hub's and the gateway's health
endpoints.

``site_check_user``       -> the user the jobs run as, or why there is none
``site_check_user_errors``-> the problems with that user
``scontrol_nodes``        -> ``scontrol show node -o`` as {node: {key: value}}
``site_check_node_state`` -> one node's state, reason, hostname, usable, busy
``site_check_srun_argv``  -> the command that runs the job on one node
``slurmd_log_argv``       -> the command that reads slurmd's log on a node
``site_check_endpoints``  -> the health endpoints one host probes
``site_check_problems``   -> {errors, notes} of the whole check
``site_check_report``     -> the failure message of a list of problems
"""

from __future__ import annotations

import re

JOB_NAME = "hpc-datasci-site-check"
TIMEOUT_CODES = (124, 137)
# States in which slurmctld gives a node no job (scontrol prints the base
# state and its flags joined by "+", e.g. IDLE+DRAIN, DOWN+NOT_RESPONDING).
UNUSABLE = ("DOWN", "DRAIN", "DRAINED", "DRAINING", "FAIL", "FAILING", "FUTURE", "MAINT",
            "NOT_RESPONDING", "POWERED_DOWN", "POWERING_DOWN", "POWER_DOWN", "REBOOT_ISSUED",
            "REBOOT_REQUESTED", "INVALID_REG", "UNKNOWN")
BUSY = ("ALLOCATED",)
_KEY = re.compile(r"(?:^|\s)([A-Z][A-Za-z_:]*)=")
_JOB_ID = re.compile(r"(?:\bjobid |\bjob |\bJobId=|\bStepId=|\ballocation )(\d+)")
_LOG_FILE = re.compile(r"^\s*SlurmdLogFile\s*=\s*(\S+)", re.MULTILINE)


# --- The user ----------------------------------------------------------------

def _members(entry):
    """Supplementary members of a getent group entry [passwd, gid, members]."""
    if not entry or len(entry) < 3 or not entry[2]:
        return []
    return [name for name in str(entry[2]).split(",") if name]


def site_check_user(data):
    """{user, errors}: the user the check's jobs run as.

    data: {user: site_check_user, group: the spawn group, group_variable,
    host: where getent ran, getent_group: {group: [x, gid, members] or None},
    getent_passwd: {name: [x, uid, gid, gecos, home, shell]}}. The given
    user, else the group's first listed member, else the user with the lowest
    UID whose primary group it is.
    """
    if data.get("user"):
        return {"user": data["user"], "errors": []}
    group = data.get("group") or ""
    variable = data.get("group_variable") or "jupyterhub_spawn_group"
    host = data.get("host") or "the login node"
    entry = (data.get("getent_group") or {}).get(group)
    if not entry:
        return {"user": "", "errors": [
            f"site_check_user is empty and the spawn group {group} ({variable}) does not exist on {host}:"
            f" create it, or set site_check_user to a user who may run jobs."]}
    members = _members(entry)
    if members:
        return {"user": members[0], "errors": []}
    gid = str(entry[1])
    primary = sorted((int(fields[1]), name) for name, fields in (data.get("getent_passwd") or {}).items()
                     if fields and len(fields) > 2 and str(fields[2]) == gid)
    if primary:
        return {"user": primary[0][1], "errors": []}
    return {"user": "", "errors": [
        f"site_check_user is empty and the spawn group {group} ({variable}) has no members on {host}:"
        f" set site_check_user to a user who may run jobs, or add users to {group}."]}


def site_check_user_errors(data):
    """The problems with the chosen user: the choice's, or that the user is
    unknown on the submit host.

    data: {choice: site_check_user(...), passwd: {name: entry or None} of
    getent passwd <user>, host}.
    """
    choice = data.get("choice") or {}
    if choice.get("errors"):
        return list(choice["errors"])
    user = choice.get("user") or ""
    if not (data.get("passwd") or {}).get(user):
        return [f"site_check_user {user} is not a user on {data.get('host') or 'the submit host'}:"
                f" set site_check_user to a user of the spawn group who may run jobs."]
    return []


# --- Slurm's view of the nodes -------------------------------------------------

def _pairs(line):
    """key=value pairs of one line of `scontrol show ... -o`; values may hold
    spaces (OS=Linux 6.1.0 #1 SMP ..., Reason=batch job complete failure)."""
    matches = list(_KEY.finditer(line))
    pairs = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(line)
        pairs[match.group(1)] = line[match.end():end].strip()
    return pairs


def scontrol_nodes(text):
    """{NodeName: {key: value}} of `scontrol show node -o` (one node a line)."""
    nodes = {}
    for line in (text or "").splitlines():
        pairs = _pairs(line)
        if pairs.get("NodeName"):
            nodes[pairs["NodeName"]] = pairs
    return nodes


def _state(pairs):
    state = pairs.get("State", "UNKNOWN").rstrip("*~#!%$@^-")
    parts = [part for part in state.split("+") if part]
    unusable = [part for part in parts if part in UNUSABLE]
    return {
        "state": state,
        "reason": pairs.get("Reason", "") if pairs.get("Reason", "") not in ("", "(null)", "none") else "",
        "hostname": pairs.get("NodeHostName") or pairs.get("NodeName", ""),
        "usable": not unusable,
        "busy": bool(parts) and parts[0] in BUSY,
    }


def site_check_node_state(text, name):
    """{state, reason, hostname, usable, busy} of node `name` in `scontrol
    show node -o`; a node slurmctld does not know is unusable."""
    nodes = scontrol_nodes(text)
    if name in nodes:
        return _state(nodes[name])
    return {"state": "not known to slurmctld", "reason": "", "hostname": name, "usable": False, "busy": False}


# --- Commands ------------------------------------------------------------------

def site_check_srun_argv(data):
    """The command, run as root on the submit host, that runs the check job on
    one node as the user and prints where it ran.

    data: {user, node, home, timeout (seconds for the whole job, queue wait
    included), partition, qos, account}. `timeout` ends srun (and so the job)
    when it takes longer; -t 1 bounds the job itself.
    """
    argv = ["runuser", "-u", data["user"], "--",
            "timeout", "-k", "10", str(int(data["timeout"])),
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
    match = _LOG_FILE.search(show_config or "")
    if not match or match.group(1) in ("(null)", ""):
        return ""
    return match.group(1).replace("%n", node).replace("%h", hostname or node)


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


def _job_problem(item, timeout, count):
    """(error, note) of one node's job."""
    node, user = item["node"], item.get("user", "")
    before, after = item.get("before") or {}, item.get("after") or {}
    result = item.get("result") or {}
    job = job_id(result.get("stderr", ""))
    log = _log_says(node, item.get("log") or {}, job, count)
    if before and not before.get("usable", True):
        return (f"{node} cannot run jobs: the check job was not submitted."
                f"{_slurm_says(node, before)}{log}"), ""
    if result.get("skipped") or "rc" not in result:
        return "", ""
    rc, stdout, stderr = result["rc"], result.get("stdout", ""), result.get("stderr", "")
    if rc in TIMEOUT_CODES:
        if before.get("busy"):
            return "", (f"{node} was fully allocated ({before['state']}): the check job did not start within"
                        f" {timeout} s (site_check_job_timeout) and was cancelled; it was not checked.")
        return (f"{node}: the check job of {user} did not end within {timeout} s (site_check_job_timeout)"
                f" and was cancelled: {_tail(stderr) or 'no message from srun'}."
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
    (bool), node (Slurm's name), user, before, after, result, log, http}]}.
    On a compute host, before/after are site_check_node_state of the node
    before and after the job, result is srun's (rc, stdout, stderr, or
    skipped) and log {text, source} the tail of slurmd's log on the node (the
    lines about the job, by its id in srun's messages, are shown). http is
    the results of the host's uri loop over site_check_endpoints.
    """
    errors, notes = [], []
    hosts = [item for item in data.get("hosts") or [] if isinstance(item, dict)]
    for item in hosts:
        if not item.get("compute"):
            continue
        error, note = _job_problem(item, data.get("timeout", "?"), int(data.get("log_lines", 10)))
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
            "scontrol_nodes": scontrol_nodes,
            "site_check_node_state": site_check_node_state,
            "site_check_srun_argv": site_check_srun_argv,
            "slurmd_log_file": slurmd_log_file,
            "slurmd_log_argv": slurmd_log_argv,
            "site_check_endpoints": site_check_endpoints,
            "slurmd_log_excerpt": slurmd_log_excerpt,
            "site_check_problems": site_check_problems,
            "site_check_report": site_check_report,
        }
