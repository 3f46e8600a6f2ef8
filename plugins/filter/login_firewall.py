# -*- coding: utf-8 -*-
"""The sources the login nodes' firewall (role login_firewall) lets reach
the internal ports: every IPv4 address of the allowed inventory hosts, from
their facts, and the site's extra addresses or networks.

`login_firewall_sources(hostvars, hosts, extra)` returns them as nftables
set elements (addresses, or networks in CIDR form), sorted, without
duplicates and without loopback (always allowed by the table itself). It
fails, naming the host or the variable, when a host has no network facts or
an extra source is not an IPv4 address or network.
"""

from __future__ import annotations

import ipaddress

from ansible.errors import AnsibleFilterError


def _host_addresses(hostvars, host):
    """The IPv4 addresses of one host, from its facts."""
    facts = (hostvars[host] if host in hostvars else {}).get("ansible_facts") or {}
    addresses = facts.get("all_ipv4_addresses")
    if not isinstance(addresses, list) or not addresses:
        raise AnsibleFilterError(
            "login_firewall_allowed_hosts: %s has no IPv4 addresses in its facts (all_ipv4_addresses): gather its"
            " network facts (playbooks/firewall.yml does) or remove it" % host)
    return [ipaddress.ip_network(a) for a in addresses]


def _extra_networks(extra):
    networks = []
    for value in extra or []:
        try:
            network = ipaddress.ip_network(str(value).strip(), strict=False)
        except ValueError:
            network = None
        if network is None or network.version != 4:
            raise AnsibleFilterError("login_firewall_extra_sources: %s is not an IPv4 address or network such as"
                                     " 10.20.0.0/16" % value)
        networks.append(network)
    return networks


def _element(network):
    """A single address bare, a network in CIDR form."""
    return str(network.network_address) if network.prefixlen == 32 else str(network)


def login_firewall_sources(hostvars, hosts, extra=None):
    """Sorted set elements of every allowed source."""
    networks = set(_extra_networks(extra))
    for host in hosts or []:
        networks.update(_host_addresses(hostvars, host))
    kept = [n for n in networks if not n.is_loopback]
    return [_element(n) for n in sorted(kept, key=lambda n: (int(n.network_address), n.prefixlen))]


class FilterModule:
    """Filters of the login nodes' firewall."""

    def filters(self):
        return {"login_firewall_sources": login_firewall_sources}
