"""Reproducible installs: the hub's, the gateway's and the notebook
environments are what their locks say, and another install from the same
lock (on another day, in a temporary directory of the login node) yields the
same packages, `pip freeze` for `pip freeze`.

The locks are the ones the roles put on the host: the hub's and the
gateway's next to their configuration, the notebook environment's inside its
live version (.curated-env-spec.txt). The role's lock compared with them is
the one of the host's Python (<name>.cp311.lock on Debian 12,
<name>.cp313.lock on Debian 13).
"""

import sys

import pytest
from helpers import ROOT

# The collection's lock reader, imported as the unit tests do.
sys.path.insert(0, str(ROOT / "collections"))
from ansible_collections.hpc.datasci.plugins.module_utils.requirements_lock import (  # noqa: E402
    canonical_name,
    lock_name,
    parse_lock,
)

LOGIN = "login1"
ENVS = "/opt/software/envs"
UV = f"{ENVS}/.tools/bin/uv"
# The environment the curated_envs role builds with (roles/curated_envs/vars).
# The role's own wheels (the JupyterLab extension), which the notebook lock
# pins by hash and the role installs with --find-links.
WHEELS = "/var/cache/curated-envs/wheels"
UV_ENV = "UV_SYSTEM_CERTS=1 UV_CACHE_DIR=/var/cache/curated-envs/uv UV_NO_PROGRESS=1"
SERVICES = {
    # name: (venv, lock on the host, the role's locks, the lock's input)
    "hub": ("/opt/jupyterhub", "/etc/jupyterhub/requirements.lock", "roles/jupyterhub/files/locks", "hub-pam"),
    "gateway": ("/opt/dask-gateway", "/etc/dask-gateway/requirements.lock", "roles/dask_gateway/files/locks",
                "gateway"),
}


def _role_lock(host, locks, stem):
    """The text of the role's lock of input `stem` for the host's /usr/bin/python3."""
    python = host.check_output("/usr/bin/python3 -c 'import sys; print(\"%d.%d\" % sys.version_info[:2])'")
    return (ROOT / locks / lock_name(stem, python)).read_text(encoding="utf-8")


def _freeze(text):
    """{canonical name: version} of `pip freeze` output."""
    pins = {}
    for line in text.splitlines():
        name, sep, version = line.strip().partition("==")
        if sep:
            pins[canonical_name(name)] = version
    return pins


def _lock_pins(text):
    return {name: pin.version for name, pin in parse_lock(text).pins.items()}


@pytest.fixture
def scratch(node):
    """A temporary directory on the login node, removed afterwards (under
    /var/tmp: the containers' /tmp is mounted noexec, as at many sites)."""
    host = node(LOGIN)
    path = host.check_output("mktemp -d /var/tmp/locktest.XXXXXX")
    yield path
    host.run(f"rm -rf {path}")


@pytest.mark.parametrize("service", SERVICES)
def test_service_venv_is_its_committed_lock(node, service):
    venv, lock, locks, stem = SERVICES[service]
    host = node(LOGIN)
    role_lock = _role_lock(host, locks, stem)
    assert host.file(lock).content_string == role_lock
    deployed = _freeze(host.check_output(f"{venv}/bin/pip freeze"))
    assert deployed == _lock_pins(role_lock)


@pytest.mark.parametrize("service", SERVICES)
def test_service_venv_rebuilt_from_its_lock_is_identical(node, scratch, service):
    venv, lock, _, _ = SERVICES[service]
    host = node(LOGIN)
    host.check_output(f"/usr/bin/python3 -m venv {scratch}/venv")
    install = host.run(f"{scratch}/venv/bin/pip install --quiet --require-hashes -r {lock}")
    assert install.rc == 0, install.stderr
    fresh = host.check_output(f"{scratch}/venv/bin/pip freeze")
    assert fresh.splitlines() == host.check_output(f"{venv}/bin/pip freeze").splitlines()


def test_hub_lock_with_a_wrong_hash_is_refused(node, scratch):
    """The hash-checking mode the roles use: a file that differs from the
    lock is never installed."""
    host = node(LOGIN)
    lock = SERVICES["hub"][1]
    pin = parse_lock(host.file(lock).content_string).pins["jupyterhub-idle-culler"]
    edits = " ".join(f"-e s/{digest}/sha256:{'0' * 64}/" for digest in pin.hashes)
    host.check_output(f"sed {edits} {lock} > {scratch}/tampered.lock")
    host.check_output(f"/usr/bin/python3 -m venv {scratch}/venv")
    install = host.run(f"{scratch}/venv/bin/pip install --quiet --no-cache-dir --require-hashes -r {scratch}/tampered.lock")
    assert install.rc != 0
    assert "DO NOT MATCH THE HASHES" in install.stderr
    assert "jupyterhub-idle-culler" in install.stderr


def _notebook_version(host):
    return host.check_output(f"readlink -f {ENVS}/notebook")


def test_notebook_environment_is_its_committed_lock(node):
    host = node(LOGIN)
    version = _notebook_version(host)
    role_lock = _role_lock(host, "roles/curated_envs/files/locks", "notebook")
    assert host.file(f"{version}/.curated-env-spec.txt").content_string.splitlines() == role_lock.splitlines()
    deployed = _freeze(host.check_output(f"{UV} pip freeze --python {version}/bin/python"))
    assert deployed == _lock_pins(role_lock)


def test_notebook_environment_rebuilt_from_its_lock_is_identical(node, scratch):
    host = node(LOGIN)
    version = _notebook_version(host)
    host.check_output(f"{UV_ENV} {UV} venv --quiet --python /usr/bin/python3 {scratch}/env")
    install = host.run(f"{UV_ENV} {UV} pip install --quiet --python {scratch}/env/bin/python --require-hashes"
                       f" --find-links {WHEELS} --requirement {version}/.curated-env-spec.txt")
    assert install.rc == 0, install.stderr
    fresh = host.check_output(f"{UV} pip freeze --python {scratch}/env/bin/python")
    assert fresh.splitlines() == host.check_output(f"{UV} pip freeze --python {version}/bin/python").splitlines()
