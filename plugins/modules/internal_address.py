#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: internal_address
short_description: Find the address a host uses to reach its peers, to bind internal services to it
description:
  - Resolves each of O(peers) (host names or IPv4 addresses, for example the compute nodes)
    on the managed host, as its own resolver does (C(getaddrinfo), IPv4 only), and asks the
    kernel which source address the host uses to reach it (C(ip -4 -o route get <address>),
    its C(src)).
  - Returns that source address when it is the same for every peer, so that a service which
    only peers must reach (the hub's port, the Dask Gateway's ports) can bind it instead of
    every interface.
  - Fails, naming the peers, when a peer does not resolve, when peers are reached from
    different source addresses (the host has several internal networks and cannot choose),
    or when the source is a loopback address (a peer resolves to the host itself through
    C(127.0.1.1) in C(/etc/hosts), say). The message then asks to set O(variable) to the
    address to bind.
  - Read-only; never reports a change.
version_added: "1.2.0"
author:
  - HPC data-science bundle maintainers
options:
  peers:
    description:
      - Host names or IPv4 addresses that must reach the service, as the managed host
        resolves them.
    type: list
    elements: str
    required: true
  variable:
    description:
      - Name of the calling role's variable that sets the address explicitly, named in the
        failure messages as the fix (for example C(dask_gateway_bind_address)).
    type: str
    default: the bind address variable
attributes:
  check_mode:
    description: Read-only; runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing to diff.
    support: none
  platform:
    description: Needs C(ip) (iproute2) on the managed host.
    support: full
    platforms: posix
'''

EXAMPLES = r'''
- name: Find the address the gateway host uses to reach the compute nodes
  hpc.datasci.internal_address:
    peers: "{{ groups['slurm_compute'] }}"
    variable: dask_gateway_bind_address
  register: gateway_internal
  when: dask_gateway_bind_address | length == 0

- name: Bind the gateway there, unless the inventory gives the address
  ansible.builtin.set_fact:
    gateway_bind: "{{ dask_gateway_bind_address or gateway_internal.address }}"
'''

RETURN = r'''
address:
  description: The source address common to every peer.
  returned: success
  type: str
  sample: 10.20.0.5
peers:
  description: Each peer with the IPv4 address it resolved to on the managed host.
  returned: success
  type: dict
  sample: {c1: 10.20.1.11, c2: 10.20.1.12}
sources:
  description: Each peer with the source address the kernel chose to reach it.
  returned: success
  type: dict
  sample: {c1: 10.20.0.5, c2: 10.20.0.5}
'''

import ipaddress
import socket

from ansible.module_utils.basic import AnsibleModule


def resolve_ipv4(peer, getaddrinfo=socket.getaddrinfo):
    """Return the first IPv4 address of peer as the resolver gives it, or None."""
    try:
        infos = getaddrinfo(peer, None, socket.AF_INET, socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return None
    for info in infos:
        return info[4][0]
    return None


def parse_route_source(output):
    """Return the address after `src` in one `ip -4 -o route get` line, or None.

    For example '10.0.0.9 dev eth0 src 10.0.0.5 uid 0 \\    cache ' gives '10.0.0.5'.
    """
    tokens = output.split()
    for index, token in enumerate(tokens[:-1]):
        if token == 'src':
            return tokens[index + 1]
    return None


def is_loopback(address):
    """True for an address in 127.0.0.0/8 (or ::1)."""
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def unresolved_message(peers, variable):
    """The error for peers that do not resolve on the managed host."""
    return ('these peers do not resolve to an IPv4 address on this host: %s; make them '
            'resolvable (DNS or /etc/hosts), or set %s to the address to bind'
            % (', '.join(peers), variable))


def common_source(sources, resolved, variable):
    """Return (address, None) for the one source address of every peer, else (None, error).

    sources maps each peer to the source address the kernel chose for it (None when there
    is no route), resolved maps each peer to the address it resolved to.
    """
    if not sources:
        return None, 'no peers given: the bind address cannot be derived; set %s' % variable
    unrouted = [peer for peer, src in sources.items() if not src]
    if unrouted:
        return None, ('no route from this host to %s; set %s to the address to bind'
                      % (', '.join('%s (%s)' % (p, resolved[p]) for p in unrouted), variable))
    loopback = [peer for peer, src in sources.items() if is_loopback(src)]
    if loopback:
        return None, ('%s reached over the loopback address from this host (%s); a peer '
                      'must resolve to its address on the site network (check /etc/hosts '
                      'and DNS), or set %s to the address to bind'
                      % (', '.join(loopback),
                         ', '.join('%s resolves to %s' % (p, resolved[p]) for p in loopback),
                         variable))
    by_source = {}
    for peer, src in sources.items():
        by_source.setdefault(src, []).append(peer)
    if len(by_source) > 1:
        groups = '; '.join('%s from %s' % (', '.join(peers), src)
                           for src, peers in sorted(by_source.items()))
        return None, ('peers are reached from different source addresses (%s); set %s to '
                      'the address to bind' % (groups, variable))
    return next(iter(by_source)), None


def find_internal_address(peers, variable, getaddrinfo, route_get):
    """Resolve peers and return (address, resolved, sources, error).

    route_get(address) returns the output of `ip -4 -o route get <address>`, or None when
    the command failed (no route).
    """
    resolved = {peer: resolve_ipv4(peer, getaddrinfo) for peer in peers}
    unresolved = [peer for peer, address in resolved.items() if address is None]
    if unresolved:
        return None, resolved, {}, unresolved_message(unresolved, variable)
    sources = {}
    for peer, address in resolved.items():
        output = route_get(address)
        sources[peer] = parse_route_source(output) if output is not None else None
    address, error = common_source(sources, resolved, variable)
    return address, resolved, sources, error


def main():
    module = AnsibleModule(
        argument_spec=dict(
            peers=dict(type='list', elements='str', required=True),
            variable=dict(type='str', default='the bind address variable'),
        ),
        supports_check_mode=True,
    )
    ip = module.get_bin_path('ip', required=True)

    def route_get(address):
        rc, out, _err = module.run_command([ip, '-4', '-o', 'route', 'get', address],
                                           environ_update={'LC_ALL': 'C'})
        return out if rc == 0 else None

    peers = list(dict.fromkeys(module.params['peers']))
    address, resolved, sources, error = find_internal_address(
        peers, module.params['variable'], socket.getaddrinfo, route_get)
    if error:
        module.fail_json(msg=error, peers=resolved, sources=sources)
    module.exit_json(changed=False, address=address, peers=resolved, sources=sources)


if __name__ == '__main__':
    main()
