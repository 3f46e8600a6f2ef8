"""The hub's behaviour on a login node, shipped by the role hpc.datasci.jupyterhub.

The role installs this module next to the hub's configuration
(/etc/jupyterhub/hpc_datasci_hub.py). The configuration file,
jupyterhub_config.py, is static: it reads the site's settings from
hub_settings.json (rendered by the role from the inventory) and calls
``configure(c, settings)``, which sets every option of the hub:

- state, network and the separate proxy (its token read from proxy.env,
  its routes checked every ROUTE_CHECK_INTERVAL seconds);
- the authenticator (PAM, LDAP or OAuth);
- notebook servers as Slurm jobs (batchspawner) whose partition, QOS,
  time, CPUs and memory come from a profile chosen by name, and nothing
  else (``Profiles``);
- what each profile would get if the user clicked now, on the spawn form:
  "starts now", an expected start and why, or why it can never start,
  from ``sbatch --test-only`` run as the user with the job script the
  profile would submit (``ExpectedStarts``);
- what users see while their job waits: its Slurm state, its pending
  reason in words and Slurm's expected start, on the spawn page
  (``QueueAwareSlurmSpawner``, from one squeue call per poll);
- the job's callback to the hub, which may report its port and nothing
  else (``PortOnlyBatchSpawnerAPIHandler``);
- the services behind the proxy, with their tokens from a 0600 file, and
  the idle culler.
"""

import asyncio
import contextlib
import datetime
import html
import json
import os
import re
import signal
import time
from collections import namedtuple

import batchspawner  # noqa: F401 (importing it registers the hub's /api/batchspawner route)
from batchspawner import SlurmSpawner, format_template
from batchspawner.api import BatchSpawnerAPIHandler
from jupyterhub import apihandlers
from tornado import web
from traitlets import Float, Unicode

# Files the settings name by directory; the role writes them.
PROXY_ENV = "proxy.env"
JOB_SCRIPT = "notebook_job.sh.j2"
SERVICE_TOKENS = "service_tokens.json"

# Seconds between two looks at the proxy's routes (JupyterHub's
# last_activity_interval, 300 by default): each reads every route's activity
# and adds the routes the proxy lacks. The proxy is a service of its own and
# a restart of it alone empties its table, so users' routes come back within
# this time (a user's browser meanwhile waits in the hub's redirect loop,
# about 14 s), without a restart of the hub. The cost is one GET of the
# proxy's routes and a look at each, every 10 s.
ROUTE_CHECK_INTERVAL = 10

# The idle culler may list users, see their activity and servers, and stop servers.
CULLER_SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers"]

# A failing sudo or an unreachable controller is "unknown", not "gone": the
# hub keeps the server instead of forgetting a running job.
STATE_UNKNOWN_RE = (
    r"^slurm_load_jobs error: (?:Socket timed out on send/recv|Unable to contact slurm controller)|^sudo: "
)


def load_json(path):
    """The JSON document of a file (the settings, the services' tokens)."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def read_proxy_token(path):
    """The proxy's token from its environment file (CONFIGPROXY_AUTH_TOKEN=<token>)."""
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip().split("=", 1)[1]


def read_text(path):
    """A text file's content (the job script)."""
    with open(path, encoding="utf-8") as handle:
        return handle.read()


# --- Profiles: the only choice users have ---------------------------------------------------


def profile_request(profile):
    """The batchspawner request (its req_<name> traits, without the prefix)
    of a profile: what the job script of its notebook asks Slurm for."""
    return {
        "partition": profile["partition"],
        "qos": profile["qos"],
        "runtime": str(profile["runtime"]),
        "nprocs": str(profile["cpus"]),
        "memory": str(profile["memory"]),
    }


class Profiles:
    """The spawn page's profiles. A user chooses one by name, from the form
    or the REST API; its partition, QOS, time, CPUs and memory come from the
    settings, and any other option is refused. The form says what each
    profile would get now (``ExpectedStarts``); a profile Slurm would never
    start for the user is offered disabled, and refused at spawn."""

    def __init__(self, profiles, starts=None, now=datetime.datetime.now):
        if not profiles:
            raise ValueError("no profile: the hub needs at least one")
        self.profiles = list(profiles)
        self.default = self.profiles[0]["name"]
        self.starts = starts or ExpectedStarts()
        self.now = now

    def find(self, name):
        """The profile called name; an HTTP 400 error when there is none."""
        for profile in self.profiles:
            if profile["name"] == name:
                return profile
        raise web.HTTPError(400, "unknown profile " + repr(name))

    async def options_form(self, spawner):
        """The spawn page's form: a choice of profiles, each with what it
        would get now (one cached sbatch --test-only each, run side by side,
        never waited for longer than ExpectedStarts.timeout)."""
        verdicts = await self.starts.verdicts(spawner, self.profiles)
        return render_form(self.profiles, verdicts, self.now())

    def options_from_form(self, formdata):
        """The form gives only the profile's name."""
        return {"profile": (formdata.get("profile") or [self.default])[0]}

    async def apply_user_options(self, spawner, user_options):
        """Only a known profile name is accepted; its values come from the
        settings. A profile Slurm refuses for this user (its verdict, cached
        or asked now) is refused with Slurm's reason."""
        unknown = set(user_options) - {"profile"}
        if unknown:
            raise web.HTTPError(400, "unknown spawn options: " + ", ".join(sorted(unknown)))
        profile = self.find(user_options.get("profile") or self.default)
        verdict = (await self.starts.verdicts(spawner, [profile]))[0]
        if verdict.kind == NEVER:
            raise web.HTTPError(400, "profile {!r}: {}".format(profile["name"], verdict_text(verdict)))
        for name, value in profile_request(profile).items():
            setattr(spawner, "req_" + name, value)
        # The job script must not see the raw options.
        spawner.user_options = {}


# --- What users see while their job waits ------------------------------------------------------

# batchspawner's query with the job's expected start (%S) and pending reason
# (%r) between its state (%T, first) and its node (%B, last), so that
# batchspawner's own state and host expressions still read it.
SQUEUE_QUERY = "squeue -h -j {job_id} -o '%T %S %r %B'"

# What %S prints when Slurm has no start time for the job.
NO_START_TIME = ("", "N/A", "NONE", "UNKNOWN")

# The job's line from SQUEUE_QUERY; fields the line lacks are None.
SqueueStatus = namedtuple("SqueueStatus", "state start reason host")

# A pending reason in words, and whether the job can never start as it is.
Reason = namedtuple("Reason", "words never")

# Slurm's reason codes (squeue %r) in words. A reason of this table whose
# second field is True means the job can never start with its profile.
REASONS = {
    "None": Reason("Slurm has not scheduled it yet", False),
    "Priority": Reason("jobs with a higher priority are ahead of it", False),
    "Resources": Reason("it waits for CPUs, memory or nodes to become free", False),
    "Dependency": Reason("it waits for another job to end", False),
    "BeginTime": Reason("it may not start before its begin time", False),
    "JobHeldUser": Reason("it is held by its owner (scontrol release lets it go)", False),
    "JobHeldAdmin": Reason("an administrator holds it", False),
    "JobHoldMaxRequeue": Reason("it was requeued too often and is held", False),
    "ReqNodeNotAvail": Reason("the nodes it may use are down, drained or reserved", False),
    "NodeDown": Reason("a node it needs is down", False),
    "PartitionNodeLimit": Reason("its partition's nodes are down or drained, or it asks for more nodes than "
                                 "the partition allows", False),
    "PartitionDown": Reason("its partition is down", False),
    "PartitionInactive": Reason("its partition is inactive", False),
    "Reservation": Reason("it waits for its reservation to begin", False),
    "Licenses": Reason("it waits for a license", False),
    "Prolog": Reason("its nodes are running their start-up script", False),
    "Cleaning": Reason("its previous run is still being cleaned up", False),
    "QOSGrpCpuLimit": Reason("its QOS already uses all the CPUs it may use at once, a limit shared by all "
                             "its users", False),
    "QOSGrpMemLimit": Reason("its QOS already uses all the memory it may use at once, a limit shared by all "
                             "its users", False),
    "QOSGrpNodeLimit": Reason("its QOS already uses all the nodes it may use at once, a limit shared by all "
                              "its users", False),
    "QOSGrpJobsLimit": Reason("its QOS already runs as many jobs as it may at once, a limit shared by all "
                              "its users", False),
    "QOSMaxJobsPerUserLimit": Reason("you already run as many jobs in its QOS as one user may; it starts when "
                                     "one of them ends", False),
    "QOSMaxCpuPerUserLimit": Reason("your jobs in its QOS already use as many CPUs as one user may; it starts "
                                    "when one of them ends", False),
    "AssocGrpCpuLimit": Reason("your Slurm account already uses all the CPUs it may use at once", False),
    "AssocGrpMemLimit": Reason("your Slurm account already uses all the memory it may use at once", False),
    "AssocGrpJobsLimit": Reason("your Slurm account already runs as many jobs as it may at once", False),
    "AssocMaxJobsLimit": Reason("you already run as many jobs as your Slurm account allows you", False),
    "PartitionTimeLimit": Reason("its time limit is longer than its partition allows", True),
    "QOSMaxWallDurationPerJobLimit": Reason("its time limit is longer than its QOS allows for one job", True),
    "AssocMaxWallDurationPerJobLimit": Reason("its time limit is longer than your Slurm account allows for "
                                              "one job", True),
    "BadConstraints": Reason("no node has the features it asks for", True),
    "InvalidAccount": Reason("its Slurm account is not valid", True),
    "InvalidQOS": Reason("its QOS is not valid", True),
    "QOSNotAllowed": Reason("your Slurm account may not use its QOS", True),
    "AccountNotAllowed": Reason("your Slurm account may not use its partition", True),
    "DependencyNeverSatisfied": Reason("it depends on a job that can no longer run", True),
}

# Families of reason codes not in REASONS (Slurm spells a limit per TRES:
# QOSMaxMemoryPerJob, AssocMaxGRESPerJob, QOSGrpGRES, ...), first match wins.
REASON_FAMILIES = (
    (re.compile(r"^QOSMax\w*Per(?:Job|Node)"), Reason("it asks for more than its QOS allows for one job", True)),
    (re.compile(r"^AssocMax\w*Per(?:Job|Node)"),
     Reason("it asks for more than your Slurm account allows for one job", True)),
    (re.compile(r"^QOSMin"), Reason("it asks for less than its QOS requires", True)),
    (re.compile(r"^QOSMax\w*PerUser"),
     Reason("you have reached a per-user limit of its QOS; it starts when one of your jobs in it ends", False)),
    (re.compile(r"^QOSGrp"), Reason("its QOS has reached a limit shared by all its users", False)),
    (re.compile(r"^AssocGrp"), Reason("your Slurm account has reached a limit shared by its jobs", False)),
    (re.compile(r"^Max\w*PerAccount"), Reason("your Slurm account has reached a limit of its QOS", False)),
)

# What a user may do about a job that can never start.
NEVER_ADVICE = ("Stop this server (Home, Stop My Server) and choose another profile, "
                "or ask your HPC support.")


def parse_squeue_line(text):
    """The fields of the job's line from SQUEUE_QUERY: state, start, reason
    (which may hold spaces: "ReqNodeNotAvail, UnavailableNodes:c[1-2]") and
    host. A line of batchspawner's own '%T %B' (kept in the hub's state from
    before) gives state and host only; an empty text gives None."""
    lines = (text or "").strip().splitlines()
    if not lines:
        return None
    fields = lines[0].split()
    if len(fields) < 3:
        return SqueueStatus(fields[0], None, None, fields[1] if len(fields) > 1 else None)
    reason = lines[0].split(None, 2)[2].rsplit(None, 1)[0] if len(fields) > 3 else ""
    return SqueueStatus(fields[0], fields[1], reason, fields[-1])


def reason_in_words(reason):
    """A Reason for Slurm's pending reason: words from REASONS or
    REASON_FAMILIES (looked up by the code before a comma, as in
    "ReqNodeNotAvail, UnavailableNodes:c1"), or None for a code neither
    knows."""
    code = reason.split(",", 1)[0].strip()
    if code in REASONS:
        return REASONS[code]
    for pattern, words in REASON_FAMILIES:
        if pattern.match(code):
            return words
    return None


def format_duration(seconds):
    """A wait in words, to the minute: "less than a minute", "4 min",
    "2 h 5 min", "1 day 3 h"."""
    if seconds < 60:
        return "less than a minute"
    days, minutes = divmod(int(seconds + 30) // 60, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append("{} day{}".format(days, "" if days == 1 else "s"))
    if hours:
        parts.append("{} h".format(hours))
    if minutes and not days:
        parts.append("{} min".format(minutes))
    return " ".join(parts)


def format_start(start, now):
    """The sentence on Slurm's expected start (squeue %S, local time of the
    login node, as now): "in 4 min (14:05)", with the date when it is not
    today's; "N/A" means Slurm has not estimated it; a text that is not a
    time is shown as it is."""
    if start.strip().upper() in NO_START_TIME:
        return "Expected start: not known yet."
    try:
        when = datetime.datetime.fromisoformat(start)
    except ValueError:
        return "Expected start: {}.".format(start)
    clock = when.strftime("%H:%M" if when.date() == now.date() else "%Y-%m-%d %H:%M")
    seconds = (when - now).total_seconds()
    if seconds <= 0:
        return "Expected start: any moment (estimated for {}).".format(clock)
    return "Expected start: in {} ({}).".format(format_duration(seconds), clock)


def pending_message(job_id, status, now, partition="", qos=""):
    """The spawn page's line for a job batchspawner counts as pending
    (PENDING or CONFIGURING): its state, its reason in words with Slurm's
    code, and its expected start; for a job that can never start with its
    profile, that and what to do instead."""
    head = "Job {} ({})".format(job_id, status.state)
    if status.state != "PENDING":
        return head + " has its nodes; Slurm is preparing them."
    reason = reason_in_words(status.reason) if status.reason else None
    if reason and reason.never:
        named = [label + " " + value for label, value in (("partition", partition), ("QOS", qos)) if value]
        profile = " ({})".format(", ".join(named)) if named else ""
        return "{} cannot start with this profile{}: {} ({}). {}".format(
            head, profile, reason.words, status.reason, NEVER_ADVICE)
    if reason:
        why = ": " + reason.words + ("" if status.reason == "None" else " ({})".format(status.reason))
    elif status.reason:
        why = ": Slurm's reason is " + status.reason
    else:
        why = ""
    when = "" if status.start is None else " " + format_start(status.start, now)
    return "{} waits in the Slurm queue{}.{}".format(head, why, when)


def progress_event(job_id, kind, job_status, now, partition="", qos=""):
    """The spawn page's event for the job's state as batchspawner classed
    it (kind: "pending", "running", "unknown", or None for no answer yet)
    from its last squeue line (job_status)."""
    if not job_id:
        return {"progress": 10, "message": "Submitting the notebook job to Slurm."}
    status = parse_squeue_line(job_status)
    if kind == "pending" and status:
        return {"progress": 20, "message": pending_message(job_id, status, now, partition, qos)}
    if kind == "running" and status:
        return {"progress": 60, "message": "Job {} ({}) runs on {}; waiting for the notebook server to answer."
                .format(job_id, status.state, status.host)}
    if kind == "unknown":
        return {"progress": 20, "message": "Job {}: Slurm does not answer; asking again.".format(job_id)}
    return {"progress": 10, "message": "Job {} submitted; asking Slurm for its state.".format(job_id)}


# --- What each profile would get now: sbatch --test-only ----------------------------------------

# sbatch's answer (Slurm 22.05 to 24.11, src/api/allocate.c), on its error
# stream: "sbatch: Job 1234 to start at 2026-12-07T14:05:00 using 2
# processors on nodes c1 in partition short". The job is not submitted.
WILL_RUN_RE = re.compile(r"\bJob \d+ to start at (.+?) using \d+ processors on (?:nodes )?(\S+)")
# sbatch's refusal (22.05 and 24.11): "allocation failure: <Slurm's error
# text>", after the controller's reason code for a limit ("sbatch: error:
# QOSMaxWallDurationPerJobLimit") or sbatch's own errors, if any.
SBATCH_ERROR_RE = re.compile(r"^(?:sbatch: error: (?:allocation failure: )?|allocation failure: )(.+?)\s*$", re.MULTILINE)

# An expected start at most this many seconds ahead is "starts now" (the
# controller rounds its answer to the next scheduling pass).
STARTS_NOW_SECONDS = 60

# The kinds of answer: starts now, waits, can never start, not known.
NOW, WAITS, NEVER, UNKNOWN = "now", "waits", "never", "unknown"

# What --test-only said of a profile: kind, the expected start (for WAITS,
# Slurm's text), the words of the answer, and Slurm's own text.
Verdict = namedtuple("Verdict", "kind start words slurm")

# Slurm's errors (src/common/slurm_errno.c) that refuse a job for good, as
# long as the site's accounts and QOS stay as they are, in words. Any other
# error (the controller unreachable, a partition down) leaves the profile
# offered, with its expected start unknown.
REFUSALS = {
    "Invalid qos specification": "your Slurm account may not use its QOS",
    "Invalid account or account/partition combination specified":
        "your Slurm account is not valid, or may not use its partition",
    "Job violates accounting/QOS policy (job submit limit, user's size and/or time limits)":
        "it asks for more than its QOS or your Slurm account allows (the time, CPUs or memory of one job, "
        "or the jobs you may have queued)",
    "Requested time limit is invalid (missing or exceeds some limit)":
        "its time limit is longer than its partition or QOS allows",
    "Invalid partition name specified": "its partition does not exist",
    "Access/permission denied": "you may not use its partition",
    "Requested node configuration is not available": "no node of its partition has the CPUs or memory it asks for",
    "Memory required by task is not available": "no node of its partition has the memory it asks for",
    "More processors requested than permitted": "it asks for more CPUs than its partition allows",
}

# Why a job waits when --test-only gives a later start: Slurm's estimate
# counts only the CPUs, memory and nodes that running jobs hold until their
# time limits (not the QOS's shared limits nor the jobs queued ahead).
WAIT_REASON = "Resources"


def parse_test_only(output, returncode, now):
    """The Verdict of sbatch --test-only's output (its error stream and
    its output together) and exit status; now is the login node's local
    time, as Slurm's."""
    found = WILL_RUN_RE.search(output or "")
    if returncode == 0 and found:
        start = found.group(1)
        try:
            seconds = (datetime.datetime.fromisoformat(start) - now).total_seconds()
        except ValueError:
            return Verdict(UNKNOWN, None, "Slurm's answer has no time: " + found.group(0), found.group(0))
        if seconds <= STARTS_NOW_SECONDS:
            return Verdict(NOW, start, "starts now", found.group(0))
        return Verdict(WAITS, start, REASONS[WAIT_REASON].words, found.group(0))
    errors = SBATCH_ERROR_RE.findall(output or "")
    for error in errors:
        # A limit's reason code first ("sbatch: error: QOSMaxWallDurationPerJobLimit"
        # before "Job violates accounting/QOS policy ..."), in the words of
        # the spawn page's pending reasons.
        reason = reason_in_words(error)
        if reason:
            return Verdict(NEVER, None, reason.words, error)
    for error in errors:
        if error in REFUSALS:
            return Verdict(NEVER, None, REFUSALS[error], error)
    lines = (output or "").strip().splitlines()
    said = errors[-1] if errors else (lines[-1] if lines else "no answer, exit status {}".format(returncode))
    return Verdict(UNKNOWN, None, "Slurm did not say", said)


def verdict_text(verdict, now=None):
    """A verdict in a sentence: "Starts now.", "Expected start: in 5 min
    (14:05). It waits for ...", "Cannot start: ... (Slurm: ...)." or
    "Expected start: unknown (...)."."""
    if verdict.kind == NOW:
        return "Starts now."
    if verdict.kind == WAITS and verdict.slurm.split(",")[0] in REASONS:
        return "{} Why: {} ({}).".format(format_start(verdict.start, now or datetime.datetime.now()),
                                         verdict.words[0].upper() + verdict.words[1:], verdict.slurm)
    if verdict.kind == WAITS:
        return "{} Why: {} (estimated from the time limits of the jobs running now).".format(
            format_start(verdict.start, now or datetime.datetime.now()), verdict.words[0].upper() + verdict.words[1:])
    if verdict.kind == NEVER:
        return "Cannot start: {} (Slurm: {}).".format(verdict.words, verdict.slurm)
    return "Expected start: unknown ({}).".format(verdict.slurm)


def short_verdict(verdict, now):
    """A verdict in a few words, for the profile's line in the choice."""
    if verdict.kind == WAITS:
        return "expected start " + format_start(verdict.start, now)[len("Expected start: "):].rstrip(".").replace(
            " yet", "")
    return {NOW: "starts now", NEVER: "cannot start", UNKNOWN: "start unknown"}[verdict.kind]


def render_form(profiles, verdicts, now):
    """The spawn form: a choice of profiles, each named with its verdict in
    a few words, the first one that may start selected, those that never
    may disabled; below it, each profile's verdict in a sentence. Every
    inserted text is HTML-escaped."""
    startable = [p["name"] for p, v in zip(profiles, verdicts) if v.kind != NEVER]
    rows, notes = [], []
    for profile, verdict in zip(profiles, verdicts):
        name = html.escape(str(profile["name"]), quote=True)
        label = html.escape("{} \N{EM DASH} {}".format(profile["display_name"], short_verdict(verdict, now)), quote=True)
        flags = " disabled" if verdict.kind == NEVER else ""
        flags += " selected" if startable and profile["name"] == startable[0] else ""
        rows.append('<option value="{}"{}>{}</option>'.format(name, flags, label))
        notes.append('<li class="profile-start profile-start-{}" data-profile="{}"><strong>{}</strong>: {}</li>'.format(
            verdict.kind, name, html.escape(str(profile["display_name"]), quote=True),
            html.escape(verdict_text(verdict, now), quote=True)))
    return (
        '<label for="profile" class="form-label">Profile</label>'
        '<select class="form-select" name="profile" id="profile">' + "".join(rows) + "</select>"
        '<ul class="form-text list-unstyled mt-2" id="profile-starts">' + "".join(notes) + "</ul>"
    )


# --- The QOS's shared limits, which sbatch --test-only does not see -------------------------------

# Read by the hub itself (any user may read them, no sudo), once per
# ExpectedStarts.ttl for all users: the partitions' QOS, and each QOS's
# limits with their use now ("GrpTRES=cpu=4(3),mem=N(0)": limit, or N for
# none, and the use in brackets), the same in Slurm 22.05 and 24.11.
PARTITIONS_QUERY = ("scontrol", "-o", "show", "partition")
QOS_LIMITS_QUERY = ("scontrol", "show", "assoc_mgr", "flags=qos")
LIMIT_RE = re.compile(r"([\w/]+)=(N|\d+)\((\d+)\)")
SCALAR_LIMIT_RE = re.compile(r"(N|\d+)\((\d+)\)")

# A limit a job of the profile would hit, as the pending reason Slurm would
# give it: (QOS field, TRES or None, reason code). The profile's job counts
# one job and its CPUs.
SHARED_LIMITS = (
    ("GrpTRES", "cpu", "QOSGrpCpuLimit"),
    ("GrpJobs", None, "QOSGrpJobsLimit"),
    ("MaxTRESPU", "cpu", "QOSMaxCpuPerUserLimit"),
    ("MaxJobsPU", None, "QOSMaxJobsPerUserLimit"),
)

# The shared limits: {partition: its QOS}, {QOS: {field: {TRES or None:
# (limit, used)}}}, the per-user fields under users: {user: {...}}.
SharedLimits = namedtuple("SharedLimits", "partition_qos qos")


def parse_partition_qos(text):
    """{partition: QOS} of `scontrol -o show partition` (partitions without a QOS left out)."""
    found = {}
    for line in (text or "").splitlines():
        name, qos = re.search(r"\bPartitionName=(\S+)", line), re.search(r"\bQoS=(\S+)", line)
        if name and qos and qos.group(1) not in ("N/A", "(null)"):
            found[name.group(1)] = qos.group(1)
    return found


def _limits_of_line(line, into):
    """The limits of one line of assoc_mgr's output ("GrpJobs=N(0)",
    "MaxTRESPU=cpu=2(1),mem=N(0)"), into a dict: {field: {TRES or None:
    (limit or None, used)}}."""
    for field, value in re.findall(r"(\w+)=(\S*)", line):
        scalar = SCALAR_LIMIT_RE.fullmatch(value)
        pairs = [(None,) + scalar.groups()] if scalar else LIMIT_RE.findall(value)
        for tres, limit, used in pairs:
            into.setdefault(field, {})[tres] = (None if limit == "N" else int(limit), int(used))


def parse_qos_limits(text):
    """{QOS: {field: {TRES: (limit, used)}, "users": {user: {...}}}} of
    `scontrol show assoc_mgr flags=qos`."""
    qos, current, section, user = {}, None, None, None
    for line in (text or "").splitlines():
        stripped = line.strip()
        head = re.match(r"^QOS=(\S+?)\(\d+\)", stripped)
        if head:
            current, section = qos.setdefault(head.group(1), {"users": {}}), None
        elif current is None:
            continue
        elif stripped in ("User Limits", "Account Limits"):
            section = stripped
        elif section == "User Limits" and re.match(r"^[\w.-]+\(\d+\)$", stripped):
            user = current["users"].setdefault(stripped.split("(")[0], {})
        elif section == "User Limits" and user is not None:
            _limits_of_line(stripped, user)
        elif section is None:
            _limits_of_line(stripped, current)
    return qos


def limit_reached(limits, qos_names, user, cpus):
    """The reason code and QOS of the first shared limit of qos_names that
    a job of user with cpus CPUs would hit now, or None."""
    for name in qos_names:
        entry = limits.qos.get(name)
        if not entry:
            continue
        for field, tres, code in SHARED_LIMITS:
            values = entry["users"].get(user, {}) if field.endswith("PU") else entry
            limit, used = values.get(field, {}).get(tres, (None, 0))
            if limit is not None and used + (cpus if tres else 1) > limit:
                return code, name
    return None


def with_shared_limits(verdict, profile, user, limits):
    """verdict, or, when the profile's job would start (or wait for CPUs)
    but a shared limit of its partition's QOS or its own QOS is reached, a
    wait for that limit: at sbatch's expected start, if any, else not known."""
    if limits is None or verdict.kind not in (NOW, WAITS):
        return verdict
    names = [limits.partition_qos.get(profile["partition"]), profile["qos"]]
    reached = limit_reached(limits, [n for n in names if n], user, int(profile["cpus"]))
    if not reached:
        return verdict
    # sbatch's expected start, when it gave one, still holds: the jobs that
    # hold the CPUs are those that hold the share.
    start = verdict.start if verdict.kind == WAITS else "N/A"
    return Verdict(WAITS, start, REASONS[reached[0]].words, "{}, QOS {}".format(*reached))


async def run_hub_command(argv, timeout):
    """The output of a command the hub runs as itself, or None after timeout seconds or on failure."""
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        return None
    return out.decode(errors="replace") if proc.returncode == 0 else None


async def read_shared_limits(timeout):
    """The SharedLimits now, from two scontrol calls side by side; None when either fails."""
    partitions, qos = await asyncio.gather(run_hub_command(PARTITIONS_QUERY, timeout),
                                           run_hub_command(QOS_LIMITS_QUERY, timeout))
    if partitions is None or qos is None:
        return None
    return SharedLimits(parse_partition_qos(partitions), parse_qos_limits(qos))


class ExpectedStarts:
    """Each profile's verdict for a user, from the spawner's test_only(),
    cached for `ttl` seconds per (user, profile): a page load costs at most
    one Slurm call per profile, and loads meanwhile share it. The calls run
    side by side; a page waits at most `timeout` seconds for them, and a
    profile whose answer is late is "unknown". The QOS's shared limits
    (read_limits, once per ttl for all users) turn a start that sbatch
    expects into a wait when a limit of the profile's QOS or of its
    partition's QOS is reached."""

    def __init__(self, ttl=10.0, timeout=3.0, clock=time.monotonic, read_limits=None):
        self.ttl, self.timeout, self.clock = ttl, timeout, clock
        self.read_limits = read_limits or read_shared_limits
        self.cache = {}
        self.limits = None

    def _limits_task(self, spawner):
        """The (cached or new) task of the shared limits, the same for every user."""
        if self.limits and self.clock() - self.limits[0] < self.ttl:
            return self.limits[1]
        task = asyncio.ensure_future(self._read_limits(spawner))
        self.limits = (self.clock(), task)
        return task

    async def _read_limits(self, spawner):
        try:
            return await self.read_limits(self.timeout)
        except Exception as error:  # noqa: BLE001 (without them, the verdicts are sbatch's alone)
            spawner.log.warning("The QOS's shared limits: %s", error)
            return None

    def _task(self, spawner, profile):
        """The (cached or new) task of the verdict of profile for spawner's user."""
        key = (getattr(spawner.user, "name", None), profile["name"])
        cached = self.cache.get(key)
        if cached and self.clock() - cached[0] < self.ttl:
            return cached[1]
        task = asyncio.ensure_future(self._ask(spawner, profile))
        # Answers past their time go, so that the cache holds only recent users.
        self.cache = {k: v for k, v in self.cache.items() if self.clock() - v[0] < self.ttl}
        self.cache[key] = (self.clock(), task)
        return task

    async def _ask(self, spawner, profile):
        try:
            return await spawner.test_only(profile_request(profile), self.timeout)
        except Exception as error:  # noqa: BLE001 (a failed look is "unknown", never a failed page)
            spawner.log.warning("sbatch --test-only of profile %s for %s: %s", profile["name"],
                                getattr(spawner.user, "name", None), error)
            return Verdict(UNKNOWN, None, "Slurm did not say", str(error) or type(error).__name__)

    async def verdicts(self, spawner, profiles):
        """The verdicts of profiles for spawner's user, in their order."""
        tasks = [self._task(spawner, profile) for profile in profiles]
        limits = self._limits_task(spawner)
        await asyncio.wait(tasks + [limits], timeout=self.timeout + 0.5)
        late = Verdict(UNKNOWN, None, "Slurm did not say", "no answer within {:g} s".format(self.timeout))
        user = getattr(spawner.user, "name", None)
        return [with_shared_limits(task.result() if task.done() else late, profile, user,
                                   limits.result() if limits.done() else None)
                for task, profile in zip(tasks, profiles)]


class QueueAwareSlurmSpawner(SlurmSpawner):
    """batchspawner's SlurmSpawner whose progress on the spawn page says
    what the job waits for. Its one squeue query per poll (run by
    batchspawner as the user, through its exec prefix) also asks for the
    expected start and the pending reason; batchspawner's own state
    expressions read the same line."""

    batch_query_cmd = Unicode(SQUEUE_QUERY).tag(config=True)
    progress_interval = Float(
        1.0, help="Seconds between two looks at the job's last squeue line for the spawn page").tag(config=True)

    def job_kind(self):
        """The job's state as batchspawner's expressions class it."""
        if self.state_isrunning():
            return "running"
        if self.state_ispending():
            return "pending"
        if self.state_isunknown():
            return "unknown"
        return None

    async def test_only(self, request, timeout):
        """The Verdict of sbatch --test-only, run as the user (the exec
        prefix and submit command batchspawner submits with) on the job
        script the request (profile_request) would submit, rendered as
        batchspawner renders it; after timeout seconds, UNKNOWN."""
        # batchspawner's get_req_subvars() but for req_keepvars, whose default
        # (the started server's environment) traitlets would keep once read;
        # --export changes neither where nor when the job runs.
        subvars = {name[4:]: getattr(self, name) for name in self.trait_names()
                   if name.startswith("req_") and name not in ("req_keepvars", "req_keepvars_extra")}
        subvars.update(request, keepvars="NONE", cmd="true")  # cmd: --test-only runs nothing
        script = await self._get_batch_script(**subvars)
        cmd = " ".join((format_template(self.exec_prefix, **subvars),
                        format_template(self.batch_submit_cmd, **subvars), "--test-only"))
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "SLURM_TIME_FORMAT": "standard"}
        proc = await asyncio.create_subprocess_shell(cmd, env=env, stdin=asyncio.subprocess.PIPE, start_new_session=True,
                                                     stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            out, _ = await asyncio.wait_for(proc.communicate(script.encode()), timeout)
        except asyncio.TimeoutError:
            # The whole group, as far as the hub may signal it (not the
            # user's sbatch under sudo, which ends by itself).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(proc.wait(), 1)
            return Verdict(UNKNOWN, None, "Slurm did not say", "no answer within {:g} s".format(timeout))
        return parse_test_only(out.decode(errors="replace"), proc.returncode, datetime.datetime.now())

    def progress_event(self, now):
        """The spawn page's event for the job's last squeue line."""
        return progress_event(self.job_id, self.job_kind(), self.job_status, now, self.req_partition, self.req_qos)

    async def submit_batch_script(self):
        """Submits the job and writes its id to the hub's database at once.
        JupyterHub saves a spawner's state only when start() returns: a hub
        restarted while the job waited in the queue would not know the job,
        which would then start with no server to serve."""
        job_id = await super().submit_batch_script()
        self.save_state_now()
        return job_id

    def save_state_now(self):
        """The spawner's state (its job id) into the hub's database."""
        if self.orm_spawner is not None and self.db is not None:
            self.orm_spawner.state = self.get_state()
            self.db.commit()

    async def poll(self):
        """None while the server's job runs; 1 when it is gone. A job still
        pending while no spawn waits for it is left over from a spawn the hub
        no longer follows (the hub restarted meanwhile, or Slurm requeued a
        running notebook's job): it is cancelled, and the user may start a
        new server."""
        status = await super().poll()
        if status is None and self.state_ispending() and not self._spawn_pending:
            self.log.warning("Job %s of %s waits in the queue with no spawn to serve: cancelling it",
                             self.job_id, self._log_name)
            await self.cancel_batch_job()
            self.clear_state()
            return 1
        return status

    async def progress(self):
        """An event each time the line changes (its expected start counts
        down), until the job runs."""
        last = None
        while True:
            event = self.progress_event(datetime.datetime.now())
            if event["message"] != last:
                last = event["message"]
                yield event
            if self.job_id and self.state_isrunning():
                return
            await asyncio.sleep(self.progress_interval)


# --- The job's callback: its port and nothing else -----------------------------------------------


def valid_port_report(body):
    """Whether a callback body is exactly {"port": <integer 1-65535>}."""
    if not isinstance(body, dict) or set(body) != {"port"}:
        return False
    port = body["port"]
    return isinstance(port, int) and not isinstance(port, bool) and 0 < port < 65536


class PortOnlyBatchSpawnerAPIHandler(BatchSpawnerAPIHandler):
    """The notebook's callback may set its port and nothing else (the stock
    handler copies every key it is sent onto the hub's spawner object)."""

    @web.authenticated
    def post(self):
        if not valid_port_report(self.get_json_body() or {}):
            raise web.HTTPError(400, "only an integer port may be reported")
        return super().post()


def install_port_only_handler():
    """Puts PortOnlyBatchSpawnerAPIHandler in place of batchspawner's handler
    in the hub's API routes (before the hub builds its application)."""
    apihandlers.default_handlers[:] = [
        (route, PortOnlyBatchSpawnerAPIHandler if _is_batchspawner_handler(handler) else handler)
        for route, handler in apihandlers.default_handlers
    ]


def _is_batchspawner_handler(handler):
    """batchspawner's handler, or ours from an earlier load of this module."""
    return isinstance(handler, type) and issubclass(handler, BatchSpawnerAPIHandler)


# --- The hub's options ---------------------------------------------------------------------------


def configure_hub(c, settings):
    """State, network and the separate proxy."""
    state = settings["state_dir"]
    c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
    c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
    # The hub API and its pages, plain HTTP: only on the login node's
    # address on the site's internal network (hub_ip, found by the role),
    # where the proxy, the notebooks and the services reach it.
    c.JupyterHub.hub_ip = settings["hub_ip"]
    c.JupyterHub.hub_port = int(settings["hub_port"])
    c.JupyterHub.hub_connect_ip = settings["hub_connect_name"]
    if settings.get("public_url"):
        c.JupyterHub.public_url = settings["public_url"]
    # The proxy is its own service (jupyterhub-proxy): restarting the hub keeps
    # users' routes. Its token is read from a file, not from the environment,
    # which sudo -E would hand to commands run as users.
    c.ConfigurableHTTPProxy.should_start = False
    c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{}".format(int(settings["proxy_api_port"]))
    c.ConfigurableHTTPProxy.auth_token = read_proxy_token(os.path.join(settings["config_dir"], PROXY_ENV))
    # Stopping or upgrading the hub never cancels users' notebook jobs.
    c.JupyterHub.cleanup_servers = False
    # A restarted proxy gets users' routes back within seconds.
    c.JupyterHub.last_activity_interval = ROUTE_CHECK_INTERVAL


def configure_authenticator(c, settings):
    """PAM (the site's stack through /etc/pam.d/jupyterhub), LDAP or OAuth,
    and who may log in."""
    method = settings["authenticator"]
    if method == "pam":
        c.JupyterHub.authenticator_class = "pam"
        c.PAMAuthenticator.service = "jupyterhub"
        c.PAMAuthenticator.open_sessions = False
        c.PAMAuthenticator.allowed_groups = set(settings["allowed_groups"])
    elif method == "ldap":
        c.JupyterHub.authenticator_class = "ldapauthenticator.LDAPAuthenticator"
        for key, value in settings["ldap"].items():
            setattr(c.LDAPAuthenticator, key, value)
    elif method == "oauth":
        c.JupyterHub.authenticator_class = "generic-oauth"
        for key, value in settings["oauth"].items():
            setattr(c.GenericOAuthenticator, key, value)
    else:
        raise ValueError("unknown authenticator " + repr(method))
    c.Authenticator.allowed_users = set(settings["allowed_users"])
    c.Authenticator.admin_users = set(settings["admin_users"])
    # The same user-name pattern for every authenticator: batchspawner puts
    # the name into sudo's command line, whatever the identity provider sends.
    c.Authenticator.username_pattern = settings["username_pattern"]


def configure_spawner(c, settings):
    """Notebook servers as Slurm jobs, with the profiles as the only choice,
    and the job's state, reason and expected start on the spawn page."""
    c.JupyterHub.spawner_class = QueueAwareSlurmSpawner
    env = settings["notebook_env"]
    # Absolute paths: since JupyterHub 5.2 no PATH reaches the job.
    c.Spawner.cmd = [env + "/bin/jupyterhub-singleuser"]
    c.SlurmSpawner.batchspawner_singleuser_cmd = env + "/bin/batchspawner-singleuser"
    c.Spawner.default_url = "/lab"
    c.Spawner.start_timeout = int(settings["start_timeout"])
    c.Spawner.http_timeout = 120
    # Servers report their users' activity every minute, so the idle culler
    # never stops a server that is in use.
    c.Spawner.environment = {"JUPYTERHUB_ACTIVITY_INTERVAL": "60"}
    c.SlurmSpawner.batch_script = read_text(os.path.join(settings["config_dir"], JOB_SCRIPT))
    c.SlurmSpawner.req_srun = ""
    c.SlurmSpawner.req_account = settings["slurm_account"]
    c.SlurmSpawner.state_unknown_re = STATE_UNKNOWN_RE
    profiles = Profiles(settings["profiles"])
    c.Spawner.options_form = profiles.options_form
    c.Spawner.options_from_form = profiles.options_from_form
    c.Spawner.apply_user_options = profiles.apply_user_options
    install_port_only_handler()
    return profiles


def configure_services(c, settings, tokens):
    """The site's services behind the proxy (each with its own token, when
    it has one) and the idle culler."""
    services = settings["services"]
    scopes = ["access:services!service=" + s["name"] for s in services]
    c.JupyterHub.load_roles = [
        {"name": "idle-culler", "scopes": CULLER_SCOPES, "services": ["idle-culler"]},
        # Users may use the site's services, also with their notebook's token.
        {"name": "user", "scopes": ["self"] + scopes},
    ]
    c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server"] + scopes
    entries = []
    for service in services:
        entry = {"name": service["name"], "url": service["url"], "display": False}
        if service["name"] in tokens:
            entry["api_token"] = tokens[service["name"]]
        entries.append(entry)
    entries.append({
        "name": "idle-culler",
        "command": [
            settings["venv"] + "/bin/python3", "-m", "jupyterhub_idle_culler",
            "--timeout={}".format(settings["cull_timeout"]), "--cull-every={}".format(settings["cull_every"]),
        ],
    })
    c.JupyterHub.services = entries


def configure(c, settings):
    """Every option of the hub, from the settings (hub_settings.json); the
    services' tokens are read from their own file in the state directory."""
    configure_hub(c, settings)
    configure_authenticator(c, settings)
    configure_spawner(c, settings)
    configure_services(c, settings, load_json(os.path.join(settings["state_dir"], SERVICE_TOKENS)))
