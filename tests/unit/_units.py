"""Rendering and reading systemd units (and other role templates) in the
unit tests: ansible-playbook from the repo's venv, with this checkout's
ansible.cfg and none of the caller's ANSIBLE_* settings."""

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = ROOT / ".venv" / "bin" / "ansible-playbook"


def run_playbook(playbook, *args, **env):
    """Runs playbook with args (skips the test without the venv); fails with
    its output unless it succeeds. env: extra environment variables."""
    if not ANSIBLE_PLAYBOOK.exists():
        pytest.skip(f"{ANSIBLE_PLAYBOOK} is missing: create the venv from requirements.txt")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    clean.update(ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), **env)
    result = subprocess.run([str(ANSIBLE_PLAYBOOK), str(playbook), *args], cwd=ROOT, env=clean,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def unit_directives(text):
    """Every setting of a unit's text: {(section, key): [values]},
    continuation lines joined, comments skipped."""
    settings = {}
    section = None
    for line in text.replace("\\\n", " ").splitlines():
        if line.startswith("["):
            section = line.strip().strip("[]")
        elif section and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.setdefault((section, key), []).append(value)
    return settings


def service_directives(text):
    """The [Service] settings of a unit's text: {key: [values]}."""
    return {key: values for (section, key), values in unit_directives(text).items() if section == "Service"}
