# -*- coding: utf-8 -*-
"""The size of every compute node, as the slurm role derives its values from.

`slurm_node_sizes` gives each host of `slurm_compute` its Slurm name and its
NodeName settings (`config`): the host's `slurm_node_config` over sizes
taken from

- managed mode: the host's facts (CPUs from its vCPUs, RealMemory from its
  memory less `slurm_node_mem_reserve_mb`). The bundle writes the NodeName
  lines from them itself, so Slurm's records and these sizes agree by
  construction.
- overlay mode: the site's own node records, as slurmctld counts them
  (`hpc.datasci.slurm_site_info`'s `node_records`: CPUs from CPUTot,
  RealMemory). A site's slurm.conf may declare less memory than the host
  has (memory held back, or containers that see the host's memory); the
  bundle's derived values must fit what Slurm allocates, not what the OS
  reports.

A size that is not known (facts not gathered, as during validation; the
site's records not read yet, or a node they lack) is 0: the role derives no
value from it, and the checks name the node.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.filter.slurm_validation import type_name


def _fact_sizes(host_vars, reserve_mb):
    """CPUs and RealMemory of a host's facts (0 where they are not gathered)."""
    facts = host_vars.get("ansible_facts") or {}
    memory = facts.get("memtotal_mb", 0) - reserve_mb
    return {"CPUs": facts.get("processor_vcpus", 0), "RealMemory": max(memory, 0)}


def _record_sizes(records, name):
    """CPUs and RealMemory of the site's record of node `name` (0 when the
    records are not read or lack the node)."""
    record = (records or {}).get(name) or {}
    return {"CPUs": record.get("CPUs", 0), "RealMemory": record.get("RealMemory", 0)}


def slurm_node_sizes(data):
    """[{name, config}] of every compute host, in the group's order.

    `data`: hosts (the inventory's slurm_compute), hostvars (Ansible's, or
    {host: its variables}), mode (slurm_mode), records (overlay mode: the
    site's node records by Slurm name, slurm_site_info's `node_records`;
    None while not read) and reserve_mb (slurm_node_mem_reserve_mb). `name`
    is the host's slurm_node_name, else its inventory name; `config` its
    slurm_node_config over the sizes of its mode (module docstring).
    """
    if not isinstance(data, Mapping):
        raise AnsibleFilterError(f"slurm_node_sizes expects a dict of the slurm role's inputs, not {type_name(data)}")
    hostvars = data.get("hostvars") or {}
    overlay = data.get("mode") == "overlay"
    nodes = []
    for host in data.get("hosts") or []:
        host_vars = hostvars[host]
        name = host_vars["slurm_node_name"] if "slurm_node_name" in host_vars else host
        if overlay:
            sizes = _record_sizes(data.get("records"), name)
        else:
            sizes = _fact_sizes(host_vars, int(data.get("reserve_mb") or 0))
        config = host_vars["slurm_node_config"] if "slurm_node_config" in host_vars else {}
        nodes.append({"name": name, "config": {**sizes, **(config or {})}})
    return nodes


class FilterModule:
    """The compute nodes' sizes."""

    def filters(self):
        return {"slurm_node_sizes": slurm_node_sizes}
