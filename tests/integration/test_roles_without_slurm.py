"""The roles that need no Slurm, as they left the login node and a compute
node (Molecule scenario roles_without_slurm; the whole site's scenario runs
them too): the shared Miniforge, the default curated environment and the
login node's firewall table. The scenarios of the whole site check much more of each
(test_software.py, test_hardening.py); these are the outcomes that show a
change to one of the three roles did what it should, in a few minutes."""

import json

import pytest

pytestmark = pytest.mark.fast

LOGIN, COMPUTE = "login1", "c1"
MINIFORGE = "/opt/software/miniforge3"
ENVS = "/opt/software/envs"
# The internal ports of the hub (8081) and the gateway (8010, 8786): the roles' defaults.
INTERNAL_PORTS = "8010, 8081, 8786"


def test_miniforge_is_installed_in_a_versioned_prefix_with_its_marker(node):
    host = node(LOGIN)
    link = host.file(MINIFORGE)
    assert link.is_symlink and link.linked_to.startswith(f"{MINIFORGE}-"), link.linked_to
    assert host.file(f"{link.linked_to}/.miniforge-installed").is_file
    assert "conda" in host.check_output(f"{MINIFORGE}/bin/conda --version 2>&1")


def test_miniforge_has_the_sites_condarc(node):
    lines = node(LOGIN).file(f"{MINIFORGE}/.condarc").content_string.splitlines()
    for line in ["channels:", "- conda-forge", "channel_priority: strict", "auto_activate_base: false",
                 "envs_dirs:", "- ~/.conda/envs", "pkgs_dirs:", "- ~/.conda/pkgs"]:
        assert line in lines, (line, lines)


@pytest.mark.parametrize("name", [LOGIN, COMPUTE])
def test_the_default_curated_environment_is_live_and_imports(node, name):
    host = node(name)
    link = host.file(f"{ENVS}/notebook")
    assert link.is_symlink and f"{ENVS}/notebook-" in link.linked_to, link.linked_to
    assert host.file(f"{link.linked_to}/.curated-env-complete").is_file
    host.check_output(f"{ENVS}/notebook/bin/python -c "
                      "'import jupyterlab, jupyterhub.singleuser, batchspawner, ipykernel, dask, distributed, dask_gateway'")
    spec = json.loads(host.file("/usr/local/share/jupyter/kernels/site-notebook/kernel.json").content_string)
    assert f'exec "$(readlink -f {ENVS}/notebook)/bin/python" -m ipykernel_launcher' in spec["argv"][2]


def test_the_firewall_table_is_loaded_and_keeps_the_internal_ports(node):
    host = node(LOGIN)
    assert host.service("hpc-datasci-firewall").is_enabled
    table = host.check_output("nft list table inet hpc_datasci")
    assert f"tcp dport {{ {INTERNAL_PORTS} }} ip saddr @internal_sources accept" in table, table
    assert f"tcp dport {{ {INTERNAL_PORTS} }} drop" in table, table
    # The site's hosts: the login node itself and the compute node.
    for name in (LOGIN, COMPUTE):
        address = node(name).check_output("hostname -I").split()[0]
        assert address in table, (name, address, table)
