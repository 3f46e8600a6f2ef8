"""Metrics of one benchmark run, computed from sacct records (pure Python).

A record is one segment of a job as `sacct --duplicates --parsable2` gives
it (a requeued job has one segment per start), already parsed by
parse_sacct() into a dict:

    {"job": "123", "name": "bench-rock-3", "user": "alice",
     "partition": "batch", "qos": "normal", "state": "RUNNING",
     "cpus": 4, "submit": 1000.0, "start": 1010.0 or None,
     "end": 1200.0 or None, "suspended": 30}

Times are epoch seconds (sacct run with SLURM_TIME_FORMAT=%s); `start` is
None for a job that never started, `end` None while it runs. `kind` ("rock"
or "sand") is added by the driver from the job name (see kind_of()).

The observation window of a run is [t0, t1]: t0 when the rocks were placed
(the busy phase starts), t1 when the driver stopped observing and cancelled
what was left. A job that had not started by t1 counts as waiting t1 - submit
("censored": its real wait is at least that long).
"""

from ansible_collections.hpc.datasci.plugins.module_utils.slurm_vocab import parse_time

# sacct fields the driver asks for, in this order.
SACCT_FIELDS = ("JobIDRaw", "JobName", "User", "Partition", "QOS", "State",
                "AllocCPUS", "ReqCPUS", "Submit", "Start", "End", "Suspended")

# Segment end states that mean the scheduler took the CPUs away from running
# work: the work done in the segment is lost (it starts again from 0 or never
# finishes). Slurm 22.05 ends a requeued job's segment as PREEMPTED; the job
# comes back with a new segment (and a new Submit time). A CANCELLED segment counts only when it ended before the driver's
# own cleanup at t1 (see lost_segment()).
LOST_STATES = ("PREEMPTED", "REQUEUED")

# Name prefixes of the driver's jobs.
KIND_PREFIXES = {"bench-rock-": "rock", "bench-back-": "rock", "bench-sand-": "sand"}


def kind_of(name):
    """'rock', 'sand' or 'service' (the notebook, Dask Gateway) from a job name."""
    for prefix, kind in KIND_PREFIXES.items():
        if name.startswith(prefix):
            return kind
    return "service"


def _epoch(value):
    """Seconds of a sacct time printed with SLURM_TIME_FORMAT=%s, or None
    (Unknown, None: not started or not ended)."""
    value = value.strip()
    if not value or not value.lstrip("-").isdigit():
        return None
    number = int(value)
    return float(number) if number > 0 else None


def parse_sacct(text):
    """Records of `sacct --parsable2 --noheader --format=<SACCT_FIELDS>`."""
    records = []
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = dict(zip(SACCT_FIELDS, line.split("|")))
        if "." in fields["JobIDRaw"]:
            continue  # a step (batch, extern), not the allocation
        state = fields["State"].split()[0] if fields["State"] else ""
        start = _epoch(fields["Start"])
        cpus = int(fields["AllocCPUS"] or 0) if start is not None else 0
        records.append({
            "job": fields["JobIDRaw"],
            "name": fields["JobName"],
            "user": fields["User"],
            "partition": fields["Partition"],
            "qos": fields["QOS"],
            "state": state,
            "cpus": cpus or int(fields["ReqCPUS"] or 0),
            "submit": _epoch(fields["Submit"]),
            "start": start,
            "end": _epoch(fields["End"]),
            "suspended": parse_time(fields["Suspended"] or "0", bare_unit=1) or 0,
        })
    return records


def percentile(values, share):
    """The share-quantile (0-1) of values by linear interpolation; None if empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    pos = (len(ordered) - 1) * share
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def jobs(records):
    """Segments grouped by job id, in start order (never-started last)."""
    out = {}
    for record in records:
        out.setdefault(record["job"], []).append(record)
    for segments in out.values():
        segments.sort(key=lambda r: (r["start"] is None, r["start"] or 0))
    return out


def waits(records, kind, t1):
    """(seconds each job of kind waited for its first start, how many never
    started by t1 and were counted as t1 - submit)."""
    pairs = sand_waits([dict(r, kind="sand") for r in records if r["kind"] == kind], t1)
    return [w for w, _ in pairs], sum(1 for _, c in pairs if c)


def sand_waits(records, t1):
    """(wait, never started) of each sand job, for the CDF."""
    out = []
    for segments in jobs(r for r in records if r["kind"] == "sand").values():
        first = segments[0]
        if first["start"] is None or first["start"] > t1:
            out.append((max(0.0, t1 - first["submit"]), True))
        else:
            out.append((max(0.0, first["start"] - first["submit"]), False))
    return out


def overlap(record, t0, t1):
    """Seconds the segment held its CPUs within [t0, t1] (suspended time included)."""
    if record["start"] is None:
        return 0.0
    end = record["end"] if record["end"] is not None else t1
    return max(0.0, min(end, t1) - max(record["start"], t0))


def lost_segment(record, t1):
    """True when the segment ended because the scheduler preempted it:
    PREEMPTED or REQUEUED, or CANCELLED before the driver's cleanup at t1."""
    if record["start"] is None or record["end"] is None:
        return False
    if record["state"] in LOST_STATES:
        return True
    return record["state"] == "CANCELLED" and record["end"] < t1 - 1


def _suspended_in(record, t0, t1):
    """Suspended seconds of a segment within the window (all suspension
    happens in the busy phase; bounded by the segment's time there)."""
    return min(record["suspended"], overlap(record, t0, t1))


def run_metrics(records, t0, t1, total_cpus):
    """The metrics of one run: see docs/performance.md for each."""
    window = max(t1 - t0, 1e-9)
    sand, sand_censored = waits(records, "sand", t1)
    rock, rock_censored = waits(records, "rock", t1)
    rocks = [r for r in records if r["kind"] == "rock"]
    lost = [r for r in rocks if lost_segment(r, t1)]
    lost_cpu_s = sum(r["cpus"] * max(0.0, r["end"] - r["start"] - r["suspended"]) for r in lost)
    held = sum(r["cpus"] * (overlap(r, t0, t1) - _suspended_in(r, t0, t1)) for r in records)
    useful = sum(r["cpus"] * (overlap(r, t0, t1) - _suspended_in(r, t0, t1))
                 for r in records if not lost_segment(r, t1))
    return {
        "window_s": round(window, 1),
        "sand_jobs": len(sand),
        "sand_wait_p50_s": _round(percentile(sand, 0.5)),
        "sand_wait_p95_s": _round(percentile(sand, 0.95)),
        "sand_wait_max_s": _round(max(sand) if sand else None),
        "sand_never_started": sand_censored,
        "rock_jobs": len(rock),
        "rock_wait_p50_s": _round(percentile(rock, 0.5)),
        "rock_wait_max_s": _round(max(rock) if rock else None),
        "rock_never_started": rock_censored,
        "rock_work_lost_cpu_s": _round(lost_cpu_s),
        "rock_segments_lost": len(lost),
        "rocks_preempted": len({r["job"] for r in lost}),
        "rock_suspended_cpu_s": _round(sum(r["cpus"] * r["suspended"] for r in rocks)),
        "allocated_fraction": _round(held / (total_cpus * window), 3),
        "useful_utilization": _round(useful / (total_cpus * window), 3),
    }


def service_ratio(idle, busy):
    """busy / idle, or None when either is missing."""
    if not idle or busy is None:
        return None
    return round(busy / idle, 2)


def spread(values):
    """(min, max) of the values that are not None, or None."""
    present = [v for v in values if v is not None]
    return (min(present), max(present)) if present else None


def _round(value, digits=1):
    return None if value is None else round(value, digits)
