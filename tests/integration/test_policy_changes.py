"""A change of one QOS attribute in the inventory, written in one line
(`slurm_qos: {burst: {MaxWall: "45:00"}}`): previewed with --check --diff
without touching accounting, then applied to that attribute only."""

import json
import pathlib

import pytest
from helpers import run_playbook

CONTROLLER = "ctl"
FIELDS = "Name,Priority,MaxWall,MaxJobsPU,MaxSubmitPU,MaxTRESPU,UsageFactor,Flags"


def _burst(node):
    out = node(CONTROLLER).check_output(f"sacctmgr --noheader --parsable2 show qos where name=burst format={FIELDS}")
    return dict(zip(FIELDS.split(","), out.split("|")))


def _apply(ansible_args, qos, tmp_path, *extra):
    vars_file = pathlib.Path(tmp_path) / "qos.json"
    vars_file.write_text(json.dumps({"slurm_qos": qos}))
    return run_playbook(ansible_args, "playbooks/slurm.yml", "--limit", CONTROLLER,
                        "--tags", "slurm_controller", "-e", f"@{vars_file}", *extra)


@pytest.fixture
def shorter_burst():
    """One attribute of one preset QOS, merged over the preset."""
    return {"burst": {"MaxWall": "45:00"}}


def test_one_qos_attribute_previewed_then_applied_alone(node, ansible_args, effective, shorter_burst, tmp_path):
    before = _burst(node)
    assert before["MaxWall"] == "01:00:00"
    try:
        preview = _apply(ansible_args, shorter_burst, tmp_path, "--check", "--diff")
        assert preview.returncode == 0, preview.stdout[-3000:]
        assert "MaxWall" in preview.stdout and "00:45:00" in preview.stdout, preview.stdout[-3000:]
        assert _burst(node) == before, "--check changed the accounting database"

        applied = _apply(ansible_args, shorter_burst, tmp_path)
        assert applied.returncode == 0, applied.stdout[-3000:]
        after = _burst(node)
        assert after["MaxWall"] == "00:45:00"
        assert {k: v for k, v in after.items() if k != "MaxWall"} == {k: v for k, v in before.items() if k != "MaxWall"}
    finally:
        restored = _apply(ansible_args, effective["qos"], tmp_path)
        assert restored.returncode == 0, restored.stdout[-3000:]
    assert _burst(node) == before
