"""Unit tests for the internal_address module.

The pure functions are tested with fake resolvers and route outputs; main() is
driven in-process with a patched resolver and `ip` runner, to check what the
module returns and how it fails.
"""

import json
import socket

import internal_address
import pytest
import yaml
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

VAR = 'dask_gateway_bind_address'


def fake_getaddrinfo(table):
    """A getaddrinfo answering from {name: address}; unknown names raise gaierror."""
    def getaddrinfo(host, port, family=0, type=0):
        assert family == socket.AF_INET
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, 'Name or service not known')
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, '', (table[host], 0))]
    return getaddrinfo


def fake_route_get(table):
    """A route_get answering `ip -4 -o route get` lines from {address: src}."""
    def route_get(address):
        if address not in table:
            return None
        return '%s dev eth0 src %s uid 0 \\    cache ' % (address, table[address])
    return route_get


@pytest.mark.parametrize('output, expected', [
    ('10.0.0.9 dev eth0 src 10.0.0.5 uid 0 \\    cache ', '10.0.0.5'),
    ('10.1.0.9 via 10.0.0.1 dev eth0 src 10.0.0.5 uid 0 \\    cache ', '10.0.0.5'),
    ('local 10.0.0.5 dev lo table local src 10.0.0.5 uid 0 \\    cache <local> ', '10.0.0.5'),
    ('local 127.0.1.1 dev lo table local src 127.0.0.1 uid 0 \\    cache <local> ', '127.0.0.1'),
    ('10.0.0.9 dev eth0 uid 0', None),
    ('', None),
    ('10.0.0.9 dev eth0 src', None),
])
def test_parse_route_source(output, expected):
    assert internal_address.parse_route_source(output) == expected


@pytest.mark.parametrize('address, expected', [
    ('127.0.0.1', True), ('127.0.1.1', True), ('10.0.0.5', False), ('not-an-ip', False),
])
def test_is_loopback(address, expected):
    assert internal_address.is_loopback(address) is expected


def test_resolve_ipv4():
    resolver = fake_getaddrinfo({'c1': '10.0.1.11'})
    assert internal_address.resolve_ipv4('c1', resolver) == '10.0.1.11'
    assert internal_address.resolve_ipv4('nowhere', resolver) is None


def test_resolve_ipv4_empty_answer():
    assert internal_address.resolve_ipv4('c1', lambda *a: []) is None


@pytest.mark.parametrize('names, routes, expected', [
    ({'c1': '10.0.1.11', 'c2': '10.0.1.12'},
     {'10.0.1.11': '10.0.0.5', '10.0.1.12': '10.0.0.5'},
     (None, '10.0.0.5')),
    ({'c1': '10.0.1.11', 'c2': '10.0.2.12'},
     {'10.0.1.11': '10.0.0.5', '10.0.2.12': '10.9.0.5'},
     ('peers are reached from different source addresses (c1 from 10.0.0.5; c2 from '
      '10.9.0.5); set dask_gateway_bind_address to the address to bind', None)),
    ({'c1': '10.0.1.11', 'c2': '10.0.2.12', 'c3': '10.0.1.13'},
     {'10.0.1.11': '10.0.0.5', '10.0.2.12': '10.9.0.5', '10.0.1.13': '10.0.0.5'},
     ('peers are reached from different source addresses (c1, c3 from 10.0.0.5; c2 from '
      '10.9.0.5); set dask_gateway_bind_address to the address to bind', None)),
    ({'c1': '127.0.1.1', 'c2': '10.0.1.12'},
     {'127.0.1.1': '127.0.0.1', '10.0.1.12': '10.0.0.5'},
     ('c1 reached over the loopback address from this host (c1 resolves to 127.0.1.1); a '
      'peer must resolve to its address on the site network (check /etc/hosts and DNS), or '
      'set dask_gateway_bind_address to the address to bind', None)),
    ({'c1': '10.0.1.11', 'c2': '10.0.1.12'},
     {'10.0.1.11': '10.0.0.5'},
     ('no route from this host to c2 (10.0.1.12); set dask_gateway_bind_address to the '
      'address to bind', None)),
    ({'c1': '10.0.1.11'}, {},
     ('no route from this host to c1 (10.0.1.11); set dask_gateway_bind_address to the '
      'address to bind', None)),
])
def test_find_internal_address(names, routes, expected):
    error, address = expected
    found, resolved, sources, message = internal_address.find_internal_address(
        list(names), VAR, fake_getaddrinfo(names), fake_route_get(routes))
    assert (message, found) == (error, address)
    assert resolved == names


def test_find_internal_address_unresolved():
    found, resolved, sources, message = internal_address.find_internal_address(
        ['c1', 'c2', 'c3'], VAR, fake_getaddrinfo({'c2': '10.0.1.12'}),
        fake_route_get({'10.0.1.12': '10.0.0.5'}))
    assert found is None
    assert sources == {}
    assert resolved == {'c1': None, 'c2': '10.0.1.12', 'c3': None}
    assert message == ('these peers do not resolve to an IPv4 address on this host: c1, c3; '
                       'make them resolvable (DNS or /etc/hosts), or set '
                       'dask_gateway_bind_address to the address to bind')


def test_no_peers():
    assert internal_address.find_internal_address([], VAR, None, None) == (
        None, {}, {}, 'no peers given: the bind address cannot be derived; set '
        'dask_gateway_bind_address')


def call_main(args, monkeypatch, capsys, names, routes):
    monkeypatch.setattr(internal_address.socket, 'getaddrinfo', fake_getaddrinfo(names))
    monkeypatch.setattr(AnsibleModule, 'get_bin_path', lambda self, name, required=False: '/usr/bin/ip')
    calls = []

    def run_command(self, args, **kwargs):
        calls.append(args)
        src = routes.get(args[-1])
        if src is None:
            return 2, '', 'RTNETLINK answers: Network is unreachable\n'
        return 0, '%s dev eth0 src %s uid 0 \\    cache \n' % (args[-1], src), ''

    monkeypatch.setattr(AnsibleModule, 'run_command', run_command)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc:
            internal_address.main()
    return exc.value.code, json.loads(capsys.readouterr().out), calls


def test_main_returns_the_address(monkeypatch, capsys):
    code, out, calls = call_main(
        dict(peers=['c1', 'c2', 'c1'], variable=VAR, _ansible_check_mode=True),
        monkeypatch, capsys, {'c1': '10.0.1.11', 'c2': '10.0.1.12'},
        {'10.0.1.11': '10.0.0.5', '10.0.1.12': '10.0.0.5'})
    assert code == 0
    assert out['changed'] is False
    assert out['address'] == '10.0.0.5'
    assert out['peers'] == {'c1': '10.0.1.11', 'c2': '10.0.1.12'}
    assert out['sources'] == {'c1': '10.0.0.5', 'c2': '10.0.0.5'}
    assert calls == [['/usr/bin/ip', '-4', '-o', 'route', 'get', '10.0.1.11'],
                     ['/usr/bin/ip', '-4', '-o', 'route', 'get', '10.0.1.12']]


def test_main_fails_without_route(monkeypatch, capsys):
    code, out, _calls = call_main(
        dict(peers=['c1']), monkeypatch, capsys, {'c1': '10.0.1.11'}, {})
    assert code == 1
    assert out['failed'] is True
    assert out['msg'] == ('no route from this host to c1 (10.0.1.11); set the bind address '
                          'variable to the address to bind')


HUB = dict(variable='jupyterhub_hub_ip', connect_variable='jupyterhub_hub_connect_name')
COMPUTE = {'c1': '10.0.1.11', 'c2': '10.0.1.12'}
ROUTES = {'10.0.1.11': '10.0.0.5', '10.0.1.12': '10.0.0.5'}


@pytest.mark.parametrize('connect_to, expected', [
    ('10.0.0.5', (None, '10.0.0.5')),
    ('127.0.1.1',
     ("jupyterhub_hub_connect_name (login1) resolves to 127.0.1.1 on this host, a loopback "
      "address (/etc/hosts maps the host's own name there, as Debian does with 127.0.1.1), "
      "not to 10.0.0.5, the address the peers are reached from, which the service binds; the "
      "host's own clients of the service would find nothing there; set "
      "jupyterhub_hub_connect_name to 10.0.0.5 or to a name that resolves to it on this host",
      None)),
    ('10.9.0.5',
     ("jupyterhub_hub_connect_name (login1) resolves to 10.9.0.5 on this host, not to "
      "10.0.0.5, the address the peers are reached from, which the service binds; the host's "
      "own clients of the service would find nothing there; set jupyterhub_hub_connect_name "
      "to 10.0.0.5 or to a name that resolves to it on this host", None)),
    (None,
     ('jupyterhub_hub_connect_name (login1) does not resolve to an IPv4 address on this '
      'host; set jupyterhub_hub_connect_name to 10.0.0.5 or to a name that resolves to it on '
      'this host (DNS or /etc/hosts)', None)),
])
def test_connect_name_with_derived_address(connect_to, expected):
    names = dict(COMPUTE)
    if connect_to:
        names['login1'] = connect_to
    found, resolved, _sources, message = internal_address.find_internal_address(
        list(COMPUTE), HUB['variable'], fake_getaddrinfo(names), fake_route_get(ROUTES),
        connect_name='login1', connect_variable=HUB['connect_variable'])
    assert (message, found) == expected
    assert resolved == dict(COMPUTE, login1=connect_to)


@pytest.mark.parametrize('connect_to, expected', [
    ('10.0.0.5', (None, '10.0.0.5')),
    ('127.0.1.1',
     ("jupyterhub_hub_connect_name (login1) resolves to 127.0.1.1 on this host, a loopback "
      "address (/etc/hosts maps the host's own name there, as Debian does with 127.0.1.1), "
      "but jupyterhub_hub_ip binds 10.0.0.5 only, so the host's own clients of the service "
      "would find nothing there; set jupyterhub_hub_connect_name to 10.0.0.5 or to a name "
      "that resolves to it on this host", None)),
    ('10.0.0.6',
     ("jupyterhub_hub_connect_name (login1) resolves to 10.0.0.6 on this host, but "
      "jupyterhub_hub_ip binds 10.0.0.5 only, so the host's own clients of the service would "
      "find nothing there; set jupyterhub_hub_connect_name to 10.0.0.5 or to a name that "
      "resolves to it on this host", None)),
    (None,
     ('jupyterhub_hub_connect_name (login1) does not resolve to an IPv4 address on this '
      'host; set jupyterhub_hub_connect_name to 10.0.0.5 or to a name that resolves to it on '
      'this host (DNS or /etc/hosts)', None)),
])
def test_connect_name_with_explicit_address(connect_to, expected):
    names = {'login1': connect_to} if connect_to else {}

    def no_route(address):
        raise AssertionError('peers are not examined when the address is given')

    found, resolved, sources, message = internal_address.find_internal_address(
        ['c1'], HUB['variable'], fake_getaddrinfo(names), no_route,
        connect_name='login1', connect_variable=HUB['connect_variable'], bind_address='10.0.0.5')
    assert (message, found) == expected
    assert resolved == {'login1': connect_to}
    assert sources == {}


def test_explicit_address_without_connect_name():
    assert internal_address.find_internal_address(
        ['c1'], VAR, None, None, bind_address='10.0.0.5') == ('10.0.0.5', {}, {}, None)


def test_main_checks_the_connect_name_against_the_given_address(monkeypatch, capsys):
    code, out, calls = call_main(
        dict(peers=['c1'], bind_address='10.0.0.5', connect_name='login1',
             variable='dask_gateway_bind_address', connect_variable='dask_gateway_connect_name'),
        monkeypatch, capsys, {'login1': '127.0.1.1'}, {})
    assert code == 1
    assert calls == []
    assert out['msg'] == (
        "dask_gateway_connect_name (login1) resolves to 127.0.1.1 on this host, a loopback "
        "address (/etc/hosts maps the host's own name there, as Debian does with 127.0.1.1), "
        "but dask_gateway_bind_address binds 10.0.0.5 only, so the host's own clients of the "
        "service would find nothing there; set dask_gateway_connect_name to 10.0.0.5 or to a "
        "name that resolves to it on this host")


def test_main_returns_the_given_address(monkeypatch, capsys):
    code, out, calls = call_main(
        dict(peers=['c1'], bind_address='10.0.0.5', connect_name='login1'),
        monkeypatch, capsys, {'login1': '10.0.0.5'}, {})
    assert (code, out['address'], out['peers'], calls) == (0, '10.0.0.5', {'login1': '10.0.0.5'}, [])


def test_the_documentation_parses_and_names_every_option():
    doc = yaml.safe_load(internal_address.DOCUMENTATION)
    assert set(doc['options']) == {'peers', 'variable', 'connect_name', 'connect_variable', 'bind_address'}
    assert yaml.safe_load(internal_address.EXAMPLES)[0]['hpc.datasci.internal_address']['peers']
    assert set(yaml.safe_load(internal_address.RETURN)) == {'address', 'peers', 'sources'}
