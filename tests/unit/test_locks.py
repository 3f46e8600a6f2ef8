"""The committed locks of the roles' Python environments (make lock).

Every lock pins every package with hashes, was made from its input file as
it is now (the header's digest), and pins the versions the roles' variables
name: a version bump without a re-lock fails here.
"""

import re

import pytest
import yaml
from _lock_tool import ROOT, lock_tool
from ansible_collections.hpc.datasci.plugins.module_utils.requirements_lock import canonical_name, parse_lock

LOCKS = sorted(ROOT.glob("roles/*/files/locks/*.lock"))
HASH_RE = re.compile(r"^sha256:[0-9a-f]{64}$")


def _id(path):
    return f"{path.parts[-4]}/{path.name}"


def _role_yaml(role, kind):
    return yaml.safe_load((ROOT / "roles" / role / kind / "main.yml").read_text(encoding="utf-8"))


def _lock(role, name):
    return parse_lock((ROOT / "roles" / role / "files" / "locks" / name).read_text(encoding="utf-8"))


def _input_pins(source):
    """The == pins of an input file and the files it includes."""
    pins = {}
    for path in lock_tool.input_files(source):
        pins.update(parse_lock(path.read_text(encoding="utf-8")).pins)
    return pins


def test_every_role_input_has_its_lock():
    assert {p.with_suffix(".lock") for p in lock_tool.role_inputs()} == set(LOCKS)
    assert len(LOCKS) == 6


@pytest.mark.parametrize("path", LOCKS, ids=_id)
def test_every_pin_has_sha256_hashes(path):
    lock = parse_lock(path.read_text(encoding="utf-8"))
    assert lock.pins, path
    assert lock.unpinned == []
    assert lock.unhashed() == []
    bad = [(pin.name, h) for pin in lock.pins.values() for h in pin.hashes if not HASH_RE.match(h)]
    assert bad == []


@pytest.mark.parametrize("path", LOCKS, ids=_id)
def test_lock_was_made_from_its_input_as_it_is(path):
    header = parse_lock(path.read_text(encoding="utf-8")).header
    assert (header["python"], header["platform"]) == (lock_tool.PYTHON_VERSION, lock_tool.PLATFORM)
    digest = lock_tool.digest_of(path.with_suffix(".in"), header["python"], header["platform"])
    assert header["inputs-sha256"] == digest, f"{path.with_suffix('.in').name} changed since its lock: run make lock"


@pytest.mark.parametrize("path", LOCKS, ids=_id)
def test_lock_pins_its_inputs_versions(path):
    pins = parse_lock(path.read_text(encoding="utf-8")).pins
    wanted = {name: pin.version for name, pin in _input_pins(path.with_suffix(".in")).items()}
    assert {name: pins[name].version for name in wanted if name in pins} == wanted


HUB = _role_yaml("jupyterhub", "defaults")
GATEWAY = _role_yaml("dask_gateway", "defaults")
ENVS = _role_yaml("curated_envs", "defaults")

VERSION_PINS = [
    *[(f"hub-{auth}.lock", "jupyterhub", var, pkg)
      for auth in ("pam", "ldap", "oauth")
      for var, pkg in (("jupyterhub_version", "jupyterhub"),
                       ("jupyterhub_batchspawner_version", "batchspawner"),
                       ("jupyterhub_idle_culler_version", "jupyterhub-idle-culler"))],
    ("gateway.lock", "dask_gateway", "dask_gateway_version", "dask-gateway-server"),
    ("uv.lock", "curated_envs", "curated_envs_uv_version", "uv"),
    # The notebook environment runs the hub's single-user server, its
    # batchspawner and the gateway's client.
    ("notebook.lock", "curated_envs", "jupyterhub_version", "jupyterhub"),
    ("notebook.lock", "curated_envs", "jupyterhub_batchspawner_version", "batchspawner"),
    ("notebook.lock", "curated_envs", "dask_gateway_version", "dask-gateway"),
]
DEFAULTS = {**HUB, **GATEWAY, **ENVS}


@pytest.mark.parametrize("lock_name, role, variable, package", VERSION_PINS,
                         ids=[f"{r[0]}-{r[3]}" for r in VERSION_PINS])
def test_role_version_variables_equal_the_locks_pins(lock_name, role, variable, package):
    pins = _lock(role, lock_name).pins
    assert pins[canonical_name(package)].version == DEFAULTS[variable], (
        f"{variable} is {DEFAULTS[variable]}: change the .in beside {lock_name} and run make lock")


@pytest.mark.parametrize("authenticator", ["pam", "ldap", "oauth"])
def test_each_authenticators_lock_has_its_package(authenticator):
    required = _role_yaml("jupyterhub", "vars")["__jupyterhub_authenticator_packages"][authenticator]
    pins = _lock("jupyterhub", f"hub-{authenticator}.lock").pins
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


def test_default_notebook_environment_is_installed_from_its_lock():
    notebook = next(env for env in ENVS["curated_envs_list"] if env["name"] == "notebook")
    assert notebook["spec_file"] == "locks/notebook.lock"
    assert "packages" not in notebook
    assert (ROOT / "roles" / "curated_envs" / "files" / notebook["spec_file"]).is_file()
