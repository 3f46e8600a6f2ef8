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
    or when the source is a loopback address. The message then asks to set O(variable) to
    the address to bind.
  - With O(connect_name) (the name the peers and the host's own services use to reach the
    service), also resolves that name on the host and fails unless it resolves to the
    address found. A connect name resolving to loopback (Debian maps the host's own name to
    C(127.0.1.1) in C(/etc/hosts)) would leave the host's own clients knocking at an
    address nothing listens on; the message names O(connect_variable) as the fix.
  - With O(bind_address) (the address set explicitly), derives nothing; it only resolves
    O(connect_name) and fails unless it resolves to O(bind_address), naming both variables.
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
  connect_name:
    description:
      - The name (or IPv4 address) the peers and the host's own services connect to; it
        must resolve, on the managed host, to the address the service binds.
      - Empty or omitted, not checked.
    type: str
    default: ''
  connect_variable:
    description:
      - Name of the calling role's variable that sets O(connect_name), named in the failure
        messages (for example C(dask_gateway_connect_name)).
    type: str
    default: the connect name variable
  bind_address:
    description:
      - The address the service binds, when the inventory sets it (O(variable)). Then
        O(peers) are not examined; the module only checks that O(connect_name) resolves to
        it, and returns it.
      - Empty or omitted, the address is derived from O(peers).
    type: str
    default: ''
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
    connect_name: "{{ dask_gateway_connect_name }}"
    connect_variable: dask_gateway_connect_name
    bind_address: "{{ dask_gateway_bind_address }}"
  register: gateway_internal
  when: dask_gateway_bind_address != '0.0.0.0'

- name: Bind the gateway there, unless the inventory gives the address
  ansible.builtin.set_fact:
    gateway_bind: "{{ dask_gateway_bind_address or gateway_internal.address }}"
'''

RETURN = r'''
address:
  description: The source address common to every peer, or O(bind_address) when given.
  returned: success
  type: str
  sample: 10.20.0.5
peers:
  description: >-
    Each peer (and O(connect_name)) with the IPv4 address it resolved to on the managed host.
  returned: success
  type: dict
  sample: {c1: 10.20.1.11, c2: 10.20.1.12}
sources:
  description: Each peer with the source address the kernel chose to reach it (empty with O(bind_address)).
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


def connect_name_error(name, resolved, address, names):
    """The error when the connect name does not resolve to address on this host, or None.

    name resolved to resolved (None: it does not resolve); address is the address the
    service binds; names is a dict with the variables 'variable' (the bind address),
    'connect_variable' and 'explicit' (True when the inventory set the bind address).
    """
    if resolved == address:
        return None
    connect_variable, variable = names['connect_variable'], names['variable']
    fix = 'set %s to %s or to a name that resolves to it on this host' % (connect_variable, address)
    if resolved is None:
        return ('%s (%s) does not resolve to an IPv4 address on this host; %s (DNS or /etc/hosts)'
                % (connect_variable, name, fix))
    seen = '%s (%s) resolves to %s on this host' % (connect_variable, name, resolved)
    if is_loopback(resolved):
        seen += (', a loopback address (/etc/hosts maps the host\'s own name there, as Debian '
                 'does with 127.0.1.1)')
    if names['explicit']:
        return ('%s, but %s binds %s only, so the host\'s own clients of the service would find '
                'nothing there; %s' % (seen, variable, address, fix))
    return ('%s, not to %s, the address the peers are reached from, which the service binds; '
            'the host\'s own clients of the service would find nothing there; %s'
            % (seen, address, fix))


def find_internal_address(peers, variable, getaddrinfo, route_get, connect_name='',
                          connect_variable='the connect name variable', bind_address=''):
    """Resolve peers and return (address, resolved, sources, error).

    route_get(address) returns the output of `ip -4 -o route get <address>`, or None when
    the command failed (no route). With connect_name, that name must also resolve to the
    address. With bind_address (set explicitly), the peers are not examined: only the
    connect name is checked against it.
    """
    names = dict(variable=variable, connect_variable=connect_variable,
                 explicit=bool(bind_address))
    if bind_address:
        resolved = {}
        error = None
        if connect_name:
            resolved[connect_name] = resolve_ipv4(connect_name, getaddrinfo)
            error = connect_name_error(connect_name, resolved[connect_name], bind_address, names)
        return (None if error else bind_address), resolved, {}, error
    resolved = {peer: resolve_ipv4(peer, getaddrinfo) for peer in peers}
    unresolved = [peer for peer, address in resolved.items() if address is None]
    if unresolved:
        return None, resolved, {}, unresolved_message(unresolved, variable)
    sources = {}
    for peer, address in resolved.items():
        output = route_get(address)
        sources[peer] = parse_route_source(output) if output is not None else None
    address, error = common_source(sources, resolved, variable)
    if address and connect_name:
        target = resolve_ipv4(connect_name, getaddrinfo)
        resolved[connect_name] = target
        error = connect_name_error(connect_name, target, address, names)
        if error:
            address = None
    return address, resolved, sources, error


def main():
    module = AnsibleModule(
        argument_spec=dict(
            peers=dict(type='list', elements='str', required=True),
            variable=dict(type='str', default='the bind address variable'),
            connect_name=dict(type='str', default=''),
            connect_variable=dict(type='str', default='the connect name variable'),
            bind_address=dict(type='str', default=''),
        ),
        supports_check_mode=True,
    )

    def route_get(address):
        ip = module.get_bin_path('ip', required=True)
        rc, out, _err = module.run_command([ip, '-4', '-o', 'route', 'get', address],
                                           environ_update={'LC_ALL': 'C'})
        return out if rc == 0 else None

    params = module.params
    peers = list(dict.fromkeys(params['peers']))
    address, resolved, sources, error = find_internal_address(
        peers, params['variable'], socket.getaddrinfo, route_get,
        connect_name=params['connect_name'], connect_variable=params['connect_variable'],
        bind_address=params['bind_address'])
    if error:
        module.fail_json(msg=error, peers=resolved, sources=sources)
    module.exit_json(changed=False, address=address, peers=resolved, sources=sources)


if __name__ == '__main__':
    main()
