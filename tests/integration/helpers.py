"""What the integration tests share: the bundle's root, the one runner of
ansible-playbook, the one wait-until and the one reader of squeue.

The hub's helpers (log in, spawn, stop, tokens) are in hub.py, a kernel of a
notebook server in kernel.py; the fixtures in conftest.py."""

import os
import pathlib
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Plain output: Molecule forces colour, which would start diff lines (and
# the messages the tests look for) with escapes.
PLAIN_OUTPUT = {"ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1"}


def run_playbook(ansible_args, *args, timeout=None, check=False):
    """ansible-playbook with ansible_args (the fixture: the tests' inventory)
    and args (playbooks relative to the bundle's root, options), run from the
    bundle's root; the finished process, its output as plain text."""
    return subprocess.run(["ansible-playbook", *ansible_args, *args], cwd=ROOT, capture_output=True, text=True,
                          check=check, timeout=timeout, env=dict(os.environ, **PLAIN_OUTPUT))


def wait_until(check, timeout, what, every=1.0, meanwhile=None):
    """Seconds until check() is true, asked every `every` seconds; fails
    after timeout seconds with the message `what` (or what(), read then, when
    it is a function). meanwhile(), when given, runs between two checks (a
    user at work in a notebook, say)."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, f"{what() if callable(what) else what} (after {timeout:.0f} s)"
        if meanwhile is not None:
            meanwhile()
        time.sleep(every)
    return time.monotonic() - started


def squeue(host, fields, *options):
    """The jobs squeue shows on host (a testinfra host): one list of fields
    per job, in the order of `fields` (squeue's format codes joined by "|",
    e.g. "%i|%j|%T"); options select the jobs ("--user=alice", "-j 12")."""
    out = host.check_output(" ".join(["squeue", "--noheader", f"--format='{fields}'", *options]))
    return [line.split("|") for line in out.splitlines() if line]


def journal(host, unit, lines=40):
    """The tail of a unit's journal, shown when a check of it fails."""
    return host.run(f"journalctl -u {unit} -n {lines} --no-pager").stdout
