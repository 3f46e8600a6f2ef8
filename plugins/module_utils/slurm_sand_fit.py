# -*- coding: utf-8 -*-
"""Whether the smallest jobs users start in the sand partition fit its caps.

The sand partition (the one with the highest PriorityTier, `short` in the
preset) is capped by the GrpTRES of its partition QOS, which the slurm role
derives from slurm_sand_share_percent of the compute CPUs unless the site
sets it; a job's own QOS may cap it further (MaxTRESPerUser, GrpTRES,
MaxTRESPerJob). A notebook or a Dask cluster that needs more than a cap
never starts: its jobs pend for good (QOSGrpCpuLimit and the like), and
nothing tells anyone before a user tries. The gateway's and the hub's checks
(plugins/filter/dask_gateway_validation.py, jupyterhub_validation.py) ask
here which caps bind a job and what does not fit them.

As Slurm applies QOS limits: a limit the partition QOS sets wins over the
same limit of the job's QOS, unless the job's QOS has the flag OverPartQOS
(then the job's QOS wins); each limit of each TRES is taken from the first
of the two that sets it. GrpTRES and MaxTRESPerUser count every running job
of the jobs given (one user, on an otherwise idle machine), MaxTRESPerJob
each job alone. Only cpu and mem are checked.

The policy is the slurm role's output slurm_effective_policy: partitions,
qos, sand_partition, and sand_share ({partition, derived, cpus,
compute_cpus, percent, variable}: how the sand partition's cap was found;
compute_cpus is None while the nodes' sizes are not known, and then the
partition QOS's GrpTRES cpu is not checked: the share is not known yet, and
an older inventory may write that GrpTRES from it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from ansible_collections.hpc.datasci.plugins.module_utils.slurm_vocab import (
    QOS,
    SlurmValueError,
    format_memory_mb,
    parse_qos_flags,
    parse_tres,
    resolve_key,
    value_in,
)

# Limits counted over all of the jobs given, then the one per job.
TOTAL_LIMITS = ("GrpTRES", "MaxTRESPerUser")
PER_JOB = "MaxTRESPerJob"
CHECKED_TRES = ("cpu", "mem")


class Cap(NamedTuple):
    """One limit that binds the sand partition's jobs."""

    attribute: str   # GrpTRES, MaxTRESPerUser or MaxTRESPerJob
    tres: str        # cpu or mem
    count: int       # CPUs, or MiB of memory
    qos: str         # the QOS that sets it
    derived: bool    # GrpTRES cpu derived from slurm_sand_share_percent
    partition_qos: bool  # set by the sand partition's QOS (else the job's)
    burst: bool = False  # a cpu cap of the QOS burst derived from the share (sand_share.burst)


def _by_name(entries):
    return {str(e["name"]): e for e in entries or [] if isinstance(e, Mapping) and "name" in e}


def _attribute(entry, attribute):
    """The value of a QOS attribute however the inventory spells it
    (MaxTRESPU, maxtresperuser, ...), or None."""
    for key, value in (entry or {}).items():
        if resolve_key(QOS, key) == attribute:
            return value
    return None


def _tres(entry, attribute):
    """{tres: count} of a QOS's TRES limit; {} when unset or not a TRES
    string (the Slurm checks report that)."""
    try:
        return parse_tres(_attribute(entry, attribute))
    except SlurmValueError:
        return {}


def _over_partition(entry):
    try:
        return "OverPartQOS" in parse_qos_flags(_attribute(entry, "Flags"))
    except SlurmValueError:
        return False


def sand_caps(policy, partition, qos_name):
    """The caps (list of Cap) that bind a job of `partition` with the job
    QOS `qos_name`; None when `partition` is not the sand partition."""
    sand = policy.get("sand_partition")
    if sand is None or str(partition) != str(sand):
        return None
    share = policy.get("sand_share") or {}
    qos = _by_name(policy.get("qos"))
    partition_qos = value_in(_by_name(policy.get("partitions")).get(str(sand)), "QOS")
    order = [str(name) for name in (partition_qos, qos_name) if name is not None]
    if len(order) == 2 and _over_partition(qos.get(order[1])):
        order.reverse()
    caps = []
    for attribute in TOTAL_LIMITS + (PER_JOB,):
        for tres in CHECKED_TRES:
            for name in dict.fromkeys(order):
                count = _tres(qos.get(name), attribute).get(tres)
                if count is None:
                    continue
                share_cap = name == str(partition_qos) and attribute == "GrpTRES" and tres == "cpu"
                # The share is known once the nodes' sizes are; until then an
                # older inventory's own GrpTRES may still be written from it
                # (cpu={{ __slurm_short_share_cpus }}), so that cap waits too.
                if not share_cap or share.get("compute_cpus") is not None:
                    caps.append(Cap(attribute, tres, int(count), name, share_cap and bool(share.get("derived")),
                                    name == str(partition_qos), _burst_derived(share, name, attribute, tres)))
                break
    return caps


def _burst_derived(share, name, attribute, tres):
    """Whether the slurm role derived this cap of the QOS burst from the
    sand share (slurm_sand_notebook_reserve_percent, slurm_sand_burst_user_percent)."""
    burst = share.get("burst") or {}
    return tres == "cpu" and name == burst.get("qos") and attribute in (burst.get("derived") or [])


# The variable each derived cap of the QOS burst comes from.
BURST_VARIABLES = {"GrpTRES": "slurm_sand_notebook_reserve_percent",
                   "MaxTRESPerUser": "slurm_sand_burst_user_percent"}


def _describe_burst(cap, share):
    burst = share.get("burst") or {}
    variable = BURST_VARIABLES[cap.attribute]
    percent = burst.get("reserve_percent" if cap.attribute == "GrpTRES" else "user_percent")
    what = "all burst jobs" if cap.attribute == "GrpTRES" else "one user's burst jobs"
    if cap.attribute == "GrpTRES" and _notebook_sets_reserve(burst):
        return (f"cpu={cap.count} for {what} ({cap.attribute} of the job QOS {cap.qos}: the sand share of "
                f"{amount('cpu', burst.get('share_cpus'))} less {amount('cpu', burst.get('reserve_cpus'))} kept for "
                f"notebooks: the largest notebook profile of the sand partition asks "
                f"{amount('cpu', burst.get('notebook_cpus'))}, slurm_notebook_cpus)")
    return (f"cpu={cap.count} for {what} ({cap.attribute} of the job QOS {cap.qos}: {variable} {percent} "
            f"of the sand share of {amount('cpu', burst.get('share_cpus'))})")


def _notebook_sets_reserve(burst):
    """Whether the notebooks' reserve is the largest notebook's CPUs (more
    than slurm_sand_notebook_reserve_percent of the share gives)."""
    total, percent = burst.get("share_cpus") or 0, burst.get("reserve_percent") or 0
    return bool(percent) and (burst.get("notebook_cpus") or 0) > max(1, total * percent // 100)


def _raise_burst(cap, need, share):
    """How to make a derived cap of the QOS burst at least `need` CPUs."""
    burst = share.get("burst") or {}
    total = burst.get("share_cpus") or 0
    if need >= total:
        fix = f"raise {share.get('variable')} (the sand share holds {amount('cpu', total)})"
        if cap.attribute == "GrpTRES" and need == total:
            fix += ", or set slurm_sand_notebook_reserve_percent to 0 (no CPUs kept for notebooks)"
        return fix
    if cap.attribute == "GrpTRES" and (burst.get("notebook_cpus") or 0) > total - need:
        # The reserve holds the largest notebook: a smaller percent does not help.
        return (f"raise {share.get('variable')} (the sand share holds {amount('cpu', total)}, the largest notebook"
                f" profile of the sand partition {amount('cpu', burst.get('notebook_cpus'))}), or lower that"
                f" profile's cpus (jupyterhub_profiles) to at most {total - need}, or set"
                f" slurm_sand_notebook_reserve_percent to 0 (no CPUs kept for notebooks)")
    if cap.attribute == "GrpTRES":
        # The reserve, percent x share // 100 (at least 1), must stay at most total - need.
        return f"lower slurm_sand_notebook_reserve_percent to at most {((total - need + 1) * 100 - 1) // total}"
    return f"raise slurm_sand_burst_user_percent to at least {-(-need * 100 // total)}"


def _need(jobs, cap):
    """What `jobs` ({cpu, mem} each; None where unknown) need of `cap`'s
    TRES: the sum for total limits, the largest job for per-job ones; None
    when a size is unknown."""
    counts = [job.get(cap.tres) for job in jobs]
    if any(count is None for count in counts):
        return None
    return max(counts) if cap.attribute == PER_JOB else sum(counts)


def over_caps(jobs, caps):
    """[(cap, need)] of the caps that `jobs` together do not fit."""
    out = []
    for cap in caps:
        need = _need(jobs, cap)
        if need is not None and need > cap.count:
            out.append((cap, need))
    return out


def workers_that_fit(scheduler, worker, caps):
    """(n, cap): how many workers of size `worker` fit beside `scheduler`
    ({cpu, mem} each) within `caps`, and the cap that bounds them; n is -1
    when the scheduler alone does not fit, (None, None) when no cap bounds
    the workers."""
    over = over_caps([scheduler], caps)
    if over:
        return -1, over[0][0]
    over = over_caps([worker], caps)
    if over:
        return 0, over[0][0]
    most, bound = None, None
    for cap in caps:
        size, used = worker.get(cap.tres), scheduler.get(cap.tres)
        if cap.attribute == PER_JOB or not size or used is None:
            continue
        fit = (cap.count - used) // size
        if most is None or fit < most:
            most, bound = fit, cap
    return most, bound


def amount(tres, count):
    """A count as the messages write it: "2 CPUs", "4G of memory"."""
    if tres == "mem":
        return f"{format_memory_mb(count)} of memory"
    return f"{count} CPU" + ("" if count == 1 else "s")


def describe(cap, policy):
    """Where a cap comes from, for messages."""
    if cap.burst:
        return _describe_burst(cap, policy.get("sand_share") or {})
    if cap.tres == "mem":
        written = f"mem={format_memory_mb(cap.count)}"
    else:
        written = f"cpu={cap.count}"
    if cap.derived:
        share = policy.get("sand_share") or {}
        return (f"{written} (GrpTRES of its partition QOS {cap.qos}: {share.get('variable')} "
                f"{share.get('percent')} of {amount('cpu', share.get('compute_cpus'))} on the compute nodes)")
    whose = "its partition QOS" if cap.partition_qos else "the job QOS"
    return f"{written} ({cap.attribute} of {whose} {cap.qos} in slurm_qos)"


def raise_cap(cap, need, policy):
    """How to raise `cap` to `need`, or None when even the whole machine is
    too small (a derived share at 100 %)."""
    if cap.burst:
        return _raise_burst(cap, need, policy.get("sand_share") or {})
    if cap.derived:
        share = policy.get("sand_share") or {}
        cpus = share.get("compute_cpus")
        if not cpus or need > cpus:
            return None
        percent = -(-need * 100 // cpus)
        return f"raise {share.get('variable')} to at least {percent}"
    if cap.tres == "mem":
        wanted = f"mem={format_memory_mb(need)}"
    else:
        wanted = f"cpu={need}"
    return f"raise {cap.attribute} of slurm_qos.{cap.qos} to at least {wanted}"


def remedy(cap, need, policy, lower):
    """The sentence that says how to make `need` fit `cap`: raise the cap,
    or lower the sizes `lower` names (all that is left when even the whole
    machine is too small)."""
    fix = raise_cap(cap, need, policy)
    if fix is None:
        share = policy.get("sand_share") or {}
        return f"The compute nodes have only {amount('cpu', share.get('compute_cpus'))} in all: lower {lower}."
    return f"{fix[0].upper()}{fix[1:]}, or lower {lower}."
