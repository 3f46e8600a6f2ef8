"""The committed locks of the roles' Python environments (make lock).

Every input has a lock for each target Python (scripts/lock.py's
PYTHON_VERSIONS), named for it (<name>.cp311.lock). Every lock pins every
package with hashes, was made from its input file as it is now (the header's
digest) for the target its name says, and pins the versions the roles'
variables name: a version bump without a re-lock fails here.
"""

import re

import pytest
import yaml
from _lock_tool import ROOT, lock_tool
from ansible_collections.hpc.datasci.plugins.module_utils.requirements_lock import (
    canonical_name,
    lock_name,
    parse_lock,
)

LOCKS = sorted(ROOT.glob("roles/*/files/locks/*.lock"))
HASH_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
TAGS = {lock_name("x", version).split(".")[1]: version for version in lock_tool.PYTHON_VERSIONS}


def _id(path):
    return f"{path.parts[-4]}/{path.name}"


def _role_yaml(role, kind):
    return yaml.safe_load((ROOT / "roles" / role / kind / "main.yml").read_text(encoding="utf-8"))


def _lock(role, name):
    return parse_lock((ROOT / "roles" / role / "files" / "locks" / name).read_text(encoding="utf-8"))


def _source(path):
    """The input of a lock: hub-pam.in of hub-pam.cp311.lock."""
    return path.with_name(path.name.split(".")[0] + ".in")


def _input_pins(source):
    """The == pins of an input file and the files it includes."""
    pins = {}
    for path in lock_tool.input_files(source):
        pins.update(parse_lock(path.read_text(encoding="utf-8")).pins)
    return pins


def test_the_targets_are_debian_12s_and_13s_python_on_x86_64():
    assert (lock_tool.PYTHON_VERSIONS, lock_tool.PLATFORM) == (("3.11", "3.13"), "x86_64-manylinux_2_28")
    assert TAGS == {"cp311": "3.11", "cp313": "3.13"}


def test_every_role_input_has_a_lock_for_each_target():
    assert {lock_tool.target_output(p, version) for p in lock_tool.role_inputs()
            for version in lock_tool.PYTHON_VERSIONS} == set(LOCKS)
    assert len(LOCKS) == 12


@pytest.mark.parametrize("path", LOCKS, ids=_id)
def test_every_pin_has_sha256_hashes(path):
    lock = parse_lock(path.read_text(encoding="utf-8"))
    assert lock.pins, path
    assert lock.unpinned == []
    assert lock.unhashed() == []
    bad = [(pin.name, h) for pin in lock.pins.values() for h in pin.hashes if not HASH_RE.match(h)]
    assert bad == []


@pytest.mark.parametrize("path", LOCKS, ids=_id)
def test_lock_was_made_from_its_input_as_it_is_for_the_target_of_its_name(path):
    header = parse_lock(path.read_text(encoding="utf-8")).header
    assert (header["python"], header["platform"]) == (TAGS[path.name.split(".")[1]], lock_tool.PLATFORM)
    digest = lock_tool.digest_of(_source(path), header["python"], header["platform"])
    assert header["inputs-sha256"] == digest, f"{_source(path).name} changed since its lock: run make lock"


@pytest.mark.parametrize("path", LOCKS, ids=_id)
def test_lock_pins_its_inputs_versions(path):
    pins = parse_lock(path.read_text(encoding="utf-8")).pins
    wanted = {name: pin.version for name, pin in _input_pins(_source(path)).items()}
    assert {name: pins[name].version for name in wanted if name in pins} == wanted


HUB = _role_yaml("jupyterhub", "defaults")
GATEWAY = _role_yaml("dask_gateway", "defaults")
ENVS = _role_yaml("curated_envs", "defaults")

VERSION_PINS = [
    (lock_name(stem, version), role, variable, package)
    for version in lock_tool.PYTHON_VERSIONS
    for stem, role, variable, package in [
        *[(f"hub-{auth}", "jupyterhub", var, pkg)
          for auth in ("pam", "ldap", "oauth")
          for var, pkg in (("jupyterhub_version", "jupyterhub"),
                           ("jupyterhub_batchspawner_version", "batchspawner"),
                           ("jupyterhub_idle_culler_version", "jupyterhub-idle-culler"))],
        ("gateway", "dask_gateway", "dask_gateway_version", "dask-gateway-server"),
        ("uv", "curated_envs", "curated_envs_uv_version", "uv"),
        # The notebook environment runs the hub's single-user server, its
        # batchspawner and the gateway's client.
        ("notebook", "curated_envs", "jupyterhub_version", "jupyterhub"),
        ("notebook", "curated_envs", "jupyterhub_batchspawner_version", "batchspawner"),
        ("notebook", "curated_envs", "dask_gateway_version", "dask-gateway"),
    ]
]
DEFAULTS = {**HUB, **GATEWAY, **ENVS}


@pytest.mark.parametrize("lock_name, role, variable, package", VERSION_PINS,
                         ids=[f"{r[0]}-{r[3]}" for r in VERSION_PINS])
def test_role_version_variables_equal_the_locks_pins(lock_name, role, variable, package):
    pins = _lock(role, lock_name).pins
    assert pins[canonical_name(package)].version == DEFAULTS[variable], (
        f"{variable} is {DEFAULTS[variable]}: change the .in beside {lock_name} and run make lock")


@pytest.mark.parametrize("version", lock_tool.PYTHON_VERSIONS)
@pytest.mark.parametrize("authenticator", ["pam", "ldap", "oauth"])
def test_each_authenticators_lock_has_its_package(authenticator, version):
    required = _role_yaml("jupyterhub", "vars")["__jupyterhub_authenticator_packages"][authenticator]
    pins = _lock("jupyterhub", lock_name(f"hub-{authenticator}", version)).pins
    assert [r["package"] for r in required if canonical_name(r["package"]) not in pins] == []


def test_role_variables_name_the_packages_of_their_versions():
    """The first play compares these lists with the lock in use."""
    hub = _role_yaml("jupyterhub", "vars")["__jupyterhub_packages"]
    gateway = _role_yaml("dask_gateway", "vars")["__dask_gateway_packages"]
    uv = _role_yaml("curated_envs", "vars")["__curated_envs_uv_packages"]
    assert [(r["variable"], r["package"]) for r in hub + gateway + uv] == [
        ("jupyterhub_version", "jupyterhub"),
        ("jupyterhub_batchspawner_version", "batchspawner"),
        ("jupyterhub_idle_culler_version", "jupyterhub-idle-culler"),
        ("dask_gateway_version", "dask-gateway-server"),
        ("curated_envs_uv_version", "uv"),
    ]
    for requirement in hub + gateway + uv:
        assert requirement["value"] == requirement["version"] == "{{ %s }}" % requirement["variable"]


@pytest.mark.parametrize("version", lock_tool.PYTHON_VERSIONS)
def test_default_notebook_environment_is_installed_from_its_lock(version):
    """locks/notebook.lock names the role's lock of the environment's Python
    (plugins/filter/lock_selection.py)."""
    notebook = next(env for env in ENVS["curated_envs_list"] if env["name"] == "notebook")
    assert notebook["spec_file"] == "locks/notebook.lock"
    assert "packages" not in notebook
    assert (ROOT / "roles" / "curated_envs" / "files" / "locks" / lock_name("notebook", version)).is_file()
