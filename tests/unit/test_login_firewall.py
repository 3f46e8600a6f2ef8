"""The login firewall's sources (plugins/filter/login_firewall.py), from
facts as Ansible gathers them."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.filter.login_firewall import FilterModule, login_firewall_sources

HOSTVARS = {
    "c1": {"ansible_facts": {"all_ipv4_addresses": ["10.20.1.11", "192.168.5.11"]}},
    "c2": {"ansible_facts": {"all_ipv4_addresses": ["10.20.1.12"]}},
    "login1": {"ansible_facts": {"all_ipv4_addresses": ["10.20.0.5", "127.0.0.1", "10.20.1.11"]}},
    "bare": {},
}


@pytest.mark.parametrize(("hosts", "extra", "expected"), [
    (["c1", "c2", "login1"], [], ["10.20.0.5", "10.20.1.11", "10.20.1.12", "192.168.5.11"]),
    (["c2"], ["10.30.0.0/16", "10.30.4.4/16", "10.40.0.7", "10.40.0.7/32"], ["10.20.1.12", "10.30.0.0/16", "10.40.0.7"]),
    ([], ["127.0.0.0/8"], []),
    ([], None, []),
])
def test_sources_sorted_unique_without_loopback(hosts, extra, expected):
    assert login_firewall_sources(HOSTVARS, hosts, extra) == expected


@pytest.mark.parametrize(("hosts", "extra", "message"), [
    (["bare"], [], "login_firewall_allowed_hosts: bare has no IPv4 addresses in its facts (all_ipv4_addresses): gather"
                   " its network facts (playbooks/firewall.yml does) or remove it"),
    (["nowhere"], [], "login_firewall_allowed_hosts: nowhere has no IPv4 addresses in its facts"),
    ([], ["monitor1"], "login_firewall_extra_sources: monitor1 is not an IPv4 address or network such as 10.20.0.0/16"),
    ([], ["fd00::/8"], "login_firewall_extra_sources: fd00::/8 is not an IPv4 address or network"),
])
def test_what_cannot_be_allowed_is_named(hosts, extra, message):
    with pytest.raises(AnsibleFilterError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        login_firewall_sources(HOSTVARS, hosts, extra)


def test_the_filter_is_registered_under_its_name():
    assert FilterModule().filters()["login_firewall_sources"] is login_firewall_sources
