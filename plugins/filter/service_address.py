# -*- coding: utf-8 -*-
"""The address an internal service of a login node listens on (the hub's
port, the Dask Gateway's ports) and the one the host's own clients reach it
at: the jupyterhub and dask_gateway roles set both as facts right after the
module internal_address has run (their tasks/main.yml and tasks/gateway.yml).
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

LOOPBACK = "127.0.0.1"
EVERY_INTERFACE = "0.0.0.0"


def service_address(found, configured):
    """{bind, local} of a service.

    `configured` is the inventory's address (jupyterhub_hub_ip,
    dask_gateway_bind_address), empty when it gives none; `found` is the
    result registered from the module internal_address (skipped, with no
    address, when the inventory asks for every interface).

    bind: the inventory's address, else the one found, else ''.
    local: where the host's own clients (the proxy, the role's health probe)
    reach the service: loopback when it listens on every interface (or
    nowhere known yet), else the bound address.
    """
    if found is None:
        found = {}
    if not isinstance(found, Mapping):
        raise AnsibleFilterError("service_address expects the result of internal_address (a dict), "
                                 f"not {type(found).__name__}")
    bind = str(configured or "") or str(found.get("address") or "")
    return {"bind": bind, "local": LOOPBACK if bind in ("", EVERY_INTERFACE) else bind}


class FilterModule:
    """Where an internal service listens."""

    def filters(self):
        return {"service_address": service_address}
