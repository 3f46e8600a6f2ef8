"""Fixtures of the tests that run against a converged container site.

Molecule's testinfra verifier passes its inventory with --ansible-inventory
and the site's container prefix in CONTAINER_SITE_PREFIX; run by hand, the
tests use inventories/demo and its prefix.
"""

import json
import os
import pathlib
import subprocess
import tempfile

import pytest
import testinfra
from helpers import ROOT, run_playbook
from hub import log_in, spawn, stop


@pytest.fixture(scope="session")
def inventory(request):
    return request.config.getoption("ansible_inventory", None) or str(ROOT / "inventories" / "demo")


@pytest.fixture(scope="session")
def prefix():
    """Container names are <prefix>-<inventory host> (inventories/demo)."""
    return os.environ.get("CONTAINER_SITE_PREFIX", "hpcds")


@pytest.fixture(scope="session")
def ansible_args(inventory):
    """Arguments that point ansible-playbook at the same site as the tests
    (the prefix reaches the inventory through CONTAINER_SITE_PREFIX)."""
    return ["-i", inventory]


@pytest.fixture(scope="session")
def node(prefix):
    """node("ctl") -> a testinfra host of that inventory host's container (cached)."""
    hosts = {}

    def get(name):
        if name not in hosts:
            hosts[name] = testinfra.get_host(f"docker://{prefix}-{name}")
        return hosts[name]

    return get


@pytest.fixture(scope="session")
def effective(ansible_args):
    """The site's Slurm settings as Ansible renders them (inventory over the role defaults)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "effective.json"
        run_playbook(ansible_args, str(ROOT / "tests" / "integration" / "effective_vars.yml"),
                     "-e", f"effective_vars_out={out}", check=True)
        return json.loads(out.read_text())


@pytest.fixture(scope="module")
def ca_file(prefix, tmp_path_factory):
    """The hub's self-signed certificate (login1), to verify TLS against."""
    path = tmp_path_factory.mktemp("tls") / "hub.crt"
    subprocess.run(["docker", "cp", f"{prefix}-login1:/etc/jupyterhub/tls/selfsigned.crt", str(path)], check=True)
    return str(path)


@pytest.fixture(scope="module")
def alice(ca_file):
    """alice logged in to the hub with her notebook server running (the
    interactive profile), for the module; test_jupyterhub.py has its own."""
    session = log_in(ca_file, "alice")
    spawn(session, "alice", "interactive")
    yield session
    stop(session, "alice")


def pytest_configure(config):
    config.addinivalue_line("markers", "fault_drill: a fault drill (tests/integration/test_drills.py), run last")
    config.addinivalue_line("markers", "overlay: runs on the overlay site (Molecule scenario overlay_keeps_site_running)")
    config.addinivalue_line("markers", "upgrade: runs on the upgraded site (Molecule scenario upgrade_keeps_users_working)")
    config.addinivalue_line("markers", "fast: needs only a login node with the roles that need no Slurm "
                            "(Molecule scenario roles_without_slurm); runs on the whole site too")


def pytest_collection_modifyitems(items):
    """The fault drills after every other test: they restart daemons and
    stop a compute node."""
    items.sort(key=lambda item: item.get_closest_marker("fault_drill") is not None)
