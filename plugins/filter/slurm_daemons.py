# -*- coding: utf-8 -*-
"""Which of a host's Slurm daemons run, from `service_facts`: the slurm
role's handlers restart or reconfigure only those (a daemon whose play comes
later is left for that play to start)."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def slurm_running_daemons(services, daemons):
    """The daemons of `daemons` (unit names, e.g. slurmctld) that
    `services` (ansible_facts.services of service_facts) reports running,
    in the order of `daemons`. A unit is named with or without `.service`."""
    if services is None:
        services = {}
    if not isinstance(services, Mapping):
        raise AnsibleFilterError("slurm_running_daemons expects ansible_facts.services (a dict of units)")
    running = set()
    for unit, state in services.items():
        if isinstance(state, Mapping) and state.get("state") == "running":
            name = str(unit)
            running.add(name[:-len(".service")] if name.endswith(".service") else name)
    return [daemon for daemon in daemons or [] if daemon in running]


class FilterModule:
    """The Slurm daemons that run."""

    def filters(self):
        return {"slurm_running_daemons": slurm_running_daemons}
