# -*- coding: utf-8 -*-
"""Running jobs that hold their nodes "one row" (dedicated cores), read from
`squeue --json` (Slurm 24.11, data_parser v0.0.42).

When a job starts, select/cons_tres records how it holds its nodes, and the
record stays until the job ends: a job of a partition without
OverSubscribe=FORCE (NO or unset; YES without --oversubscribe) holds them
`ONE_ROW`, and no job of a FORCE partition (the site's partitions made
FORCE:1 for suspend mode, the bundle's sand partition in suspend mode)
starts on such a node until that job ends, though CPUs are free there
(docs/overlay.md, "Adopting suspend mode while the site's jobs run").
The text outputs of scontrol and sinfo do not show it; the JSON does, as
`job_resources.nodes.select_type`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timezone

# Job states in which a job holds its nodes.
_HOLDING = ("RUNNING", "SUSPENDED")


class SqueueJsonError(ValueError):
    """`squeue --json` output that is not what Slurm 24.11 prints."""


def _number(value):
    """The number of a 24.11 {set, infinite, number} field (None when unset
    or infinite), or a plain number as is."""
    if isinstance(value, Mapping):
        if not value.get("set", True) or value.get("infinite"):
            return None
        return value.get("number")
    return value


def one_row_jobs(text):
    """[{job_id, partition, user, state, nodes, end}] of the jobs of
    `squeue --json` output `text` that hold their nodes ONE_ROW, running or
    suspended, in squeue's order. `nodes` is Slurm's hostlist of the job's
    nodes, `end` its end time (seconds since the epoch, None when
    unlimited). None when jobs hold nodes but the output does not say how:
    Slurm 22.05's squeue --json (openapi v0.0.38) has no select_type, so
    there the blocking jobs must be found another way (non_force_jobs)."""
    try:
        data = json.loads(text) if isinstance(text, (str, bytes)) else text
    except ValueError as err:
        raise SqueueJsonError(f"squeue --json printed no JSON: {err}") from err
    if not isinstance(data, Mapping) or not isinstance(data.get("jobs"), list):
        raise SqueueJsonError("squeue --json printed no list of jobs")
    out, told, holding = [], False, False
    for job in data["jobs"]:
        state = job.get("job_state") or []
        state = [state] if isinstance(state, str) else list(state)
        if not any(s in _HOLDING for s in state):
            continue
        holding = True
        nodes = (job.get("job_resources") or {}).get("nodes")
        if not isinstance(nodes, Mapping) or "select_type" not in nodes:
            continue
        told = True
        if "ONE_ROW" not in (nodes.get("select_type") or []):
            continue
        out.append({
            "job_id": job.get("job_id"),
            "partition": job.get("partition"),
            "user": job.get("user_name"),
            "state": state[0],
            "nodes": nodes.get("list") or "",
            "end": _number(job.get("end_time")),
        })
    return out if told or not holding else None


def read_one_row_jobs(text):
    """one_row_jobs of `text`, or None where it is not squeue's JSON (a
    Slurm built without its JSON serializer, a command that failed)."""
    try:
        return one_row_jobs(text or "")
    except SqueueJsonError:
        return None


def end_words(end):
    """A job's end (seconds since the epoch, Slurm's own words for it, or
    None) as a message says it: `until 2026-12-09 13:28 UTC`, or `with no
    time limit`."""
    if end is None or str(end).upper() in ("", "UNLIMITED", "NONE", "N/A"):
        return "with no time limit"
    if not str(end).isdigit():
        return f"until {end}"
    stamp = datetime.fromtimestamp(int(end), tz=timezone.utc)
    return f"until {stamp:%Y-%m-%d %H:%M} UTC"


def job_words(job):
    """One blocking job as the checks name it:
    `job 3 (carol, partition general) on c2 until 2026-12-09 13:28 UTC`."""
    who = ", ".join(str(v) for v in (job.get("user"), job.get("partition") and f"partition {job['partition']}") if v)
    return f"job {job.get('job_id')} ({who}) on {job.get('nodes')} {end_words(job.get('end'))}"


def jobs_on(jobs, nodes, expand):
    """The jobs of `jobs` (one_row_jobs' items) on any node of `nodes` (a set
    of names); `expand` turns a Slurm hostlist into names."""
    return [job for job in jobs or [] if set(expand(str(job.get("nodes") or ""))) & set(nodes)]


def non_force_jobs(squeue_text, partitions):
    """The running or suspended jobs of `squeue -a -h -t RUNNING,SUSPENDED -o
    %i|%P|%u|%T|%N|%e` output whose partition is not OverSubscribe=FORCE in
    `partitions` ({name: scontrol keys}): jobs that started there hold their
    nodes with dedicated cores. What one_row_jobs finds where squeue --json
    does not say it (Slurm 22.05), exact before a run makes the partitions
    FORCE; `end` is as squeue prints it."""
    def forced(name):
        attrs = {str(k).lower(): v for k, v in ((partitions or {}).get(name) or {}).items()}
        return str(attrs.get("oversubscribe", "NO")).upper().startswith("FORCE")
    out = []
    for line in (squeue_text or "").splitlines():
        fields = line.strip().split("|")
        if len(fields) != 6 or not any(s in _HOLDING for s in fields[3].split(",")):
            continue
        job_id, partition, user, state, nodes, end = fields
        if forced(partition):
            continue
        out.append({"job_id": int(job_id) if job_id.isdigit() else job_id, "partition": partition, "user": user,
                    "state": state, "nodes": nodes, "end": end})
    return out


def unaccepted(jobs, accepted):
    """The jobs whose id is not among `accepted` (slurm_sand_accept_blocking_jobs)."""
    ids = {str(job_id).strip() for job_id in accepted or []}
    return [job for job in jobs if str(job.get("job_id")) not in ids]


def blocked_sand_message(jobs, sand_partition, nodes, others, ways):
    """The message of the checks that stop suspend mode where `jobs` (on the
    sand partition's nodes, `nodes` their hostlist) would block it: `others`
    names the other partitions that are or become FORCE, `ways` the ways
    through (the last, accepting the jobs, is added here)."""
    shown = "; ".join(job_words(job) for job in jobs[:10])
    more = f"; and {len(jobs) - 10} more" if len(jobs) > 10 else ""
    ids = ", ".join(str(job.get("job_id")) for job in jobs)
    return (f"slurm_sand_mode suspend: these running jobs started while their partition was not "
            f"OverSubscribe=FORCE, and Slurm starts no job of a FORCE partition (the sand partition {sand_partition} "
            f"in suspend mode, and {others}) on their nodes until they end: {shown}{more}. The nodes {nodes} "
            f"would be blocked for sand. {ways}; or accept that sand starts there only once they have ended: "
            f"slurm_sand_accept_blocking_jobs: [{ids}].")
