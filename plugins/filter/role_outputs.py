# -*- coding: utf-8 -*-
"""The public outputs of the roles: values one role hands to the next.

A role computes each output in its vars/main.yml with one of these filters,
from its own inventory variables; a playbook that includes the role's entry
point with `public: true` (`validate` of slurm, `wiring` of jupyterhub and
dask_gateway) passes the output explicitly to the next role (docs/architecture.md,
"Values that cross a role boundary"):

- `slurm_effective_policy`: the slurm role's effective policy, which the hub
  and the gateway check their profiles and options against.
- `jupyterhub_api_url`: the URL of the hub's REST API for services on other
  hosts (the Dask Gateway checks users' tokens there).
- `dask_gateway_hub_service`: the gateway's entry among the hub's services.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def _mapping(name, value):
    if not isinstance(value, Mapping):
        raise AnsibleFilterError(f"{name} expects a dict, not {type(value).__name__}")
    return value


def slurm_effective_policy(result, site):
    """The slurm role's output `slurm_effective_policy`.

    `result` is what `slurm_policy` returned (partitions, qos, sand_partition,
    sand_memory_mb, bf_window); `site` holds the inventory's sand_mode,
    sand_memory_percent, accounts and slurm_user (slurm.conf's SlurmUser).
    Returns {sand_mode, sand_memory_mb, sand_memory_percent, sand_partition,
    sand_share, partitions, qos, accounts, slurm_user, bf_window}.
    """
    result = _mapping("slurm_effective_policy", result)
    site = _mapping("slurm_effective_policy", site)
    return {
        "sand_mode": site.get("sand_mode"),
        # MiB a sand job finds free on the smallest node full of long jobs
        # (suspend mode, node sizes known), else None.
        "sand_memory_mb": result.get("sand_memory_mb"),
        "sand_memory_percent": site.get("sand_memory_percent"),
        "sand_partition": result.get("sand_partition"),
        # How the sand partition's cap was found (derived from the share or
        # the site's GrpTRES; the compute CPUs, None while unknown).
        "sand_share": result.get("sand_share") or {},
        "partitions": result.get("partitions") or [],
        "qos": result.get("qos") or [],
        "accounts": site.get("accounts") or [],
        # With PrivateData=jobs the one user besides root who sees every
        # user's jobs.
        "slurm_user": site.get("slurm_user") or "",
        "bf_window": result.get("bf_window"),
    }


def jupyterhub_api_url(hub):
    """The jupyterhub role's output `jupyterhub_api_url`.

    `hub` is {connect_name, port} of the first login node (its
    jupyterhub_hub_connect_name and jupyterhub_hub_port). The hub serves its
    REST API for other hosts' services in plain HTTP there, path /hub/api.
    """
    hub = _mapping("jupyterhub_api_url", hub)
    return f"http://{hub.get('connect_name')}:{hub.get('port')}/hub/api"


def dask_gateway_hub_service(gateway):
    """The dask_gateway role's output `dask_gateway_hub_service`.

    `gateway` is {name, connect_name, http_port, api_token} (the role's
    dask_gateway_service_name, dask_gateway_connect_name,
    dask_gateway_http_port and the gateway's token). Returns the entry the
    hub takes in jupyterhub_platform_services: {name, url, api_token}; the
    hub proxies /services/<name> to url and knows the gateway by its token.
    """
    gateway = _mapping("dask_gateway_hub_service", gateway)
    return {
        "name": gateway.get("name"),
        "url": f"http://{gateway.get('connect_name')}:{gateway.get('http_port')}",
        "api_token": gateway.get("api_token"),
    }


class FilterModule:
    """The public outputs of the roles."""

    def filters(self):
        return {
            "slurm_effective_policy": slurm_effective_policy,
            "jupyterhub_api_url": jupyterhub_api_url,
            "dask_gateway_hub_service": dask_gateway_hub_service,
        }
