"""The gateway's systemd unit as the role renders it for the demo's gateway
host (roles/dask_gateway/templates/etc/systemd/system/dask-gateway.service.j2):
what its sandbox lets the gateway, sudo and the launcher write."""

import json

import pytest
from _units import ROOT, run_playbook, service_directives

DEMO = ROOT / "inventories" / "demo"

# Renders the unit for the demo's gateway host with its role's variables, on
# the control machine; touches no host.
RENDER_PLAYBOOK = """
- name: Render the gateway's unit
  hosts: login[0]
  gather_facts: false
  tasks:
    - name: Read the gateway's values
      ansible.builtin.include_role: {name: hpc.datasci.dask_gateway, tasks_from: wiring, public: true}
    - name: Write the unit as the role does
      ansible.builtin.template:
        src: "%s/roles/dask_gateway/templates/etc/systemd/system/dask-gateway.service.j2"
        dest: "{{ out }}/dask-gateway.service"
        mode: "0600"
      delegate_to: localhost
      vars:
        ansible_python_interpreter: "%s"
"""


@pytest.fixture(scope="module")
def unit(tmp_path_factory):
    """The [Service] settings of the rendered unit, {key: [values]}."""
    directory = tmp_path_factory.mktemp("gateway_unit")
    playbook = directory / "render.yml"
    playbook.write_text(RENDER_PLAYBOOK % (ROOT, ROOT / ".venv" / "bin" / "python"), encoding="utf-8")
    extra = json.dumps({"out": str(directory), "dask_gateway_home_dirs": ["/home", "/data/home/"]})
    run_playbook(playbook, "-i", str(DEMO), "-e", extra)
    return service_directives((directory / "dask-gateway.service").read_text())


def test_the_unit_writes_only_state_homes_and_sudos_paths(unit):
    assert unit["ProtectSystem"] == ["strict"]
    # "-": a listed home directory or sudo log absent on the host is skipped,
    # not a failure of the unit (226/NAMESPACE).
    assert unit["ReadWritePaths"] == ["/var/lib/dask-gateway", "-/home -/data/home/",
                                      "-/run/sudo -/var/log/sudo-io -/var/log/sudo.log"]
