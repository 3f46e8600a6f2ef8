"""The wheel the role installs (roles/curated_envs/files/wheels) is the one
built from this source: after a change, `scripts/build-extension.sh --ship`
and `make lock` (docs/jupyterhub.md#the-sessions-time-limit)."""

import hashlib
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
BUILT = ROOT / "build" / "extension"
SHIPPED = ROOT / "roles" / "curated_envs" / "files" / "wheels"


def wheels(directory):
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in directory.glob("hpc_datasci_session-*.whl")}


def test_the_role_ships_the_wheel_built_from_this_source():
    built = wheels(BUILT)
    if not built:
        pytest.skip("no wheel in build/extension: run `make extension`")
    assert wheels(SHIPPED) == built, (
        "roles/curated_envs/files/wheels differs from the wheel built from extensions/hpc_datasci_session:"
        " run scripts/build-extension.sh --ship, then make lock")
