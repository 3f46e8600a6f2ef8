# -*- coding: utf-8 -*-
"""Managed mode: running jobs that would keep sand off their nodes once this
run switches the site to `slurm_sand_mode: suspend`.

Slurm records at a job's start whether its partition was
OverSubscribe=FORCE, and keeps it until the job ends: a job that started
without it holds its cores alone, and no job of a FORCE partition (in
suspend mode the sand partition and the partitions below it, all FORCE:1)
starts on its nodes until it ends, though CPUs are free there
(plugins/module_utils/slurm_blocking_jobs.py; docs/sand-policy.md). A
managed site switched from `tiers` (or from a release before suspend mode)
meets it. `slurm_blocked_sand_errors` names such jobs on the sand
partition's nodes before anything is changed. Overlay mode has the same
check in its plan (slurm_overlay.py).
"""

from __future__ import annotations

from ansible_collections.hpc.datasci.plugins.filter.slurm_conf import slurm_hostlist, slurm_hostlist_expand
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_blocking_jobs import (
    blocked_sand_message,
    jobs_on,
    non_force_jobs,
    read_one_row_jobs,
    unaccepted,
)
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_conf_reader import scontrol_records
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_partition import (
    SlurmConfLineError,
    is_all_nodes,
    partition_nodes,
)


def _holding_jobs(data):
    """The jobs that hold their nodes with dedicated cores: squeue --json
    where it says so (Slurm 24.11), else the running jobs of partitions that
    are not FORCE now (exact before this run makes them FORCE)."""
    jobs = read_one_row_jobs(data.get("squeue_json"))
    if jobs is None:
        live = scontrol_records(data.get("partitions_text") or "", "PartitionName")
        jobs = non_force_jobs(data.get("squeue_text"), live)
    return jobs


def _sand_nodes(data):
    """The Slurm names of the sand partition's nodes, or an empty set."""
    names = list(data.get("node_names") or [])
    for partition in data.get("partitions") or []:
        if str(partition.get("name")) != str(data.get("sand_partition")):
            continue
        try:
            nodes = partition_nodes(partition, names, dict(data.get("node_name_of") or {}))
        except SlurmConfLineError:
            return set()  # reported by the validation
        if any(is_all_nodes(n) for n in nodes):
            return set(names)
        return {name for n in nodes for name in slurm_hostlist_expand(str(n))}
    return set()


def slurm_blocked_sand_errors(data):
    """[message] naming the running jobs that would block the sand
    partition's nodes in suspend mode; [] in another mode, with no such job,
    or where Slurm does not run yet.

    data: sand_mode, sand_partition (its name), partitions (the role's
    effective partitions), node_names, node_name_of (as the role has them),
    accepted_jobs (slurm_sand_accept_blocking_jobs), and what the controller
    printed: squeue_json (`squeue -a --json`),
    squeue_text (`squeue -a -h -t RUNNING,SUSPENDED -o %i|%P|%u|%T|%N|%e`),
    partitions_text (`scontrol show partition -o`)."""
    if data.get("sand_mode") != "suspend" or not data.get("sand_partition"):
        return []
    jobs = unaccepted(jobs_on(_holding_jobs(data), _sand_nodes(data), slurm_hostlist_expand),
                      data.get("accepted_jobs"))
    if not jobs:
        return []
    name = data["sand_partition"]
    nodes = sorted({n for job in jobs for n in slurm_hostlist_expand(str(job["nodes"]))})
    return [blocked_sand_message(
        jobs, name, slurm_hostlist(nodes), "the partitions below it, which this run makes OverSubscribe=FORCE:1",
        f"Ways through (docs/sand-policy.md, \"Switching to suspend mode while jobs run\"): leave those nodes out "
        f"of the sand partition until these jobs have ended (slurm_partitions: {{{name}: {{nodes: [...]}}}}): jobs "
        f"that start after the switch never block")]


class FilterModule:
    """The managed mode's check of nodes that suspend mode would find blocked."""

    def filters(self):
        return {"slurm_blocked_sand_errors": slurm_blocked_sand_errors}
