# -*- coding: utf-8 -*-
"""The memory a job of the bundle's sand partition finds free on a node that
the site's jobs fill (overlay mode).

In overlay mode the site's partitions keep their own memory keys: the bundle
writes no MaxMemPerCPU for them, as it does for the lower partitions in
managed mode. A job of the sand partition that suspends a site's job does
not get that job's memory (a suspended job keeps it), so on a node full of
the site's jobs it finds only

    RealMemory - MemSpecLimit - CPUs x (MiB per CPU a site job holds there)

free, where a site job holds its partition's MaxMemPerCPU (the most it may
ask), else the default a job without --mem gets (DefMemPerCPU, or
DefMemPerNode for a job of one CPU), each the partition's own or else the
cluster's (`scontrol show config`). A partition whose jobs without --mem get
the whole node (no default at all) leaves nothing. On a node in several of
the site's partitions the one whose jobs hold most counts.

The inputs are what `hpc.datasci.slurm_site_info` returns: `node_records`
(module_utils/slurm_conf_reader.py `node_sizes`), `partitions` (`scontrol show
partition -o`) and `config` (`scontrol show config`).

Runs on the control machine only (no module imports it).
"""

from __future__ import annotations

from ansible_collections.hpc.datasci.plugins.module_utils.slurm_vocab import value_in


def _mib(value):
    """A positive whole number of MiB, or None (UNLIMITED, 0, unset)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _setting(record, kind):
    """(key, MiB) of a record's <kind>MemPerCPU or <kind>MemPerNode (kind:
    Def or Max), or None when neither is a number: scontrol shows an unset
    one as <kind>MemPerNode=UNLIMITED (or 0)."""
    for per in ("CPU", "Node"):
        key = f"{kind}MemPer{per}"
        mib = _mib(value_in(record, key))
        if mib is not None:
            return key, mib
    return None


def site_job_memory(partition, config):
    """(MiB per CPU a job of a site's partition holds at most, or None when a
    job without --mem gets the whole node; the keys that decide it, as
    words for messages). `partition` is the partition's record, `config`
    the cluster's running configuration (what the partition does not set)."""
    for kind in ("Max", "Def"):
        own = _setting(partition, kind)
        setting, whose = (own, "") if own else (_setting(config, kind), " of the cluster")
        if setting is None or (kind == "Max" and setting[0] == "MaxMemPerNode"):
            # A cap per node says nothing of a CPU's share: the default decides.
            continue
        key, mib = setting
        return mib, f"{key}={mib}{whose}"
    return None, "no DefMemPerCPU, DefMemPerNode=UNLIMITED"


def free_beside_site(site, nodes, bundle_partitions):
    """[{node, cpus, memory, free, partitions}] for each of `nodes` (Slurm
    names; those the site's records lack are left out): `memory` is what
    Slurm gives jobs there (RealMemory less MemSpecLimit), `free` what a
    job finds free once the site's jobs fill every CPU, and `partitions`
    the site's partitions on the node, each {name, per_cpu, keys, free}
    (site_job_memory, and what its jobs alone leave free), in the node's
    order. `bundle_partitions`: the bundle's, which are not the site's."""
    records = site.get("node_records") or {}
    running = site.get("partitions") or {}
    config = site.get("config") or {}
    bundle = {str(name) for name in bundle_partitions or []}
    out = []
    for node in nodes:
        record = records.get(node)
        if record is None:
            continue
        memory = int(record.get("RealMemory") or 0) - int(record.get("MemSpecLimit") or 0)
        cpus = int(record.get("CPUs") or 0)
        partitions = []
        for name in record.get("Partitions") or []:
            if name in bundle:
                continue
            per_cpu, keys = site_job_memory(running.get(name) or {}, config)
            free = 0 if per_cpu is None else memory - cpus * per_cpu
            partitions.append({"name": name, "per_cpu": per_cpu, "keys": keys, "free": free})
        free = min([p["free"] for p in partitions], default=memory)
        out.append({"node": node, "cpus": cpus, "memory": memory, "free": free, "partitions": partitions})
    return out
