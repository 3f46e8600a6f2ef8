"""The role's own wheels (roles/curated_envs/files/wheels, the JupyterLab
extension hpc-datasci-session): a lock that pins one pins the sha256 of the
file the role ships, so that uv (given --find-links to the copied wheels)
installs exactly it."""

import hashlib
import re

import pytest
from _lock_tool import ROOT
from ansible_collections.hpc.datasci.plugins.module_utils.requirements_lock import canonical_name, parse_lock

WHEELS = sorted((ROOT / "roles" / "curated_envs" / "files" / "wheels").glob("*.whl"))
LOCKS = sorted((ROOT / "roles" / "curated_envs" / "files" / "locks").glob("*.lock"))


def wheel_pin(path):
    """(canonical name, version) of a wheel file's name."""
    name, version = path.name.split("-")[:2]
    return canonical_name(name), version


def test_the_role_ships_its_wheels():
    assert [path.name for path in WHEELS] == ["hpc_datasci_session-0.1.0-py3-none-any.whl"]


@pytest.mark.parametrize("lock", LOCKS, ids=lambda path: path.name)
def test_a_lock_pins_the_shipped_wheel_by_its_sha256(lock):
    pins = parse_lock(lock.read_text(encoding="utf-8")).pins
    for wheel in WHEELS:
        name, version = wheel_pin(wheel)
        if name not in pins:
            continue
        assert pins[name].version == version, f"{lock.name} pins {name}=={pins[name].version}, the role ships {wheel.name}"
        digest = "sha256:" + hashlib.sha256(wheel.read_bytes()).hexdigest()
        assert pins[name].hashes == [digest], (
            f"{lock.name} pins {name} with {pins[name].hashes}, not the shipped wheel's {digest}: run make lock")


def test_the_notebook_input_finds_the_role_wheels_if_it_names_one():
    text = (ROOT / "roles" / "curated_envs" / "files" / "locks" / "notebook.in").read_text(encoding="utf-8")
    names = {canonical_name(m[1]) for m in re.finditer(r"^([A-Za-z0-9._-]+)==", text, re.M)}
    if names & {wheel_pin(wheel)[0] for wheel in WHEELS}:
        assert re.search(r"^--find-links \.\./wheels$", text, re.M)
