"""The login firewall's systemd unit as the role renders it
(roles/login_firewall/templates/etc/systemd/system/hpc-datasci-firewall.service.j2):
it follows nftables.service, whose Debian configuration flushes the whole
ruleset on a restart or reload."""

import pytest
from _units import ROOT, run_playbook, unit_directives

TEMPLATE = ROOT / "roles/login_firewall/templates/etc/systemd/system/hpc-datasci-firewall.service.j2"

RENDER_PLAYBOOK = """
- name: Render the firewall's unit
  hosts: localhost
  connection: local
  gather_facts: false
  vars_files: [%(root)s/roles/login_firewall/defaults/main.yml, %(root)s/roles/login_firewall/vars/main.yml]
  vars:
    ansible_python_interpreter: "%(python)s"
  tasks:
    - name: Write the unit as the role does
      ansible.builtin.template:
        src: "%(template)s"
        dest: "%(out)s/hpc-datasci-firewall.service"
        mode: "0600"
"""


@pytest.fixture(scope="module")
def unit(tmp_path_factory):
    """The rendered unit, {(section, key): [values]}."""
    directory = tmp_path_factory.mktemp("firewall_unit")
    playbook = directory / "render.yml"
    playbook.write_text(RENDER_PLAYBOOK % {"root": ROOT, "python": ROOT / ".venv" / "bin" / "python",
                                           "template": TEMPLATE, "out": directory}, encoding="utf-8")
    run_playbook(playbook, "-i", "localhost,")
    return unit_directives((directory / "hpc-datasci-firewall.service").read_text())


def test_the_unit_follows_nftables(unit):
    assert unit["Unit", "After"] == ["nftables.service"]
    assert unit["Unit", "PartOf"] == ["nftables.service"]
    assert unit["Unit", "ReloadPropagatedFrom"] == ["nftables.service"]


def test_the_unit_loads_the_table_on_start_and_reload(unit):
    assert unit["Service", "ExecStart"] == unit["Service", "ExecReload"] == ["/usr/sbin/nft -f /etc/hpc-datasci/firewall.nft"]
    assert unit["Service", "ExecStop"] == ["-/usr/sbin/nft delete table inet hpc_datasci"]
    assert unit["Service", "RemainAfterExit"] == ["true"]
