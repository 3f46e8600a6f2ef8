#!/usr/bin/env python3
"""Run Molecule scenarios side by side and say where their time went.

    scripts/run_scenarios.py [--jobs N] [--logs DIR] SCENARIO [SCENARIO ...]

Each scenario runs as `molecule test --scenario-name SCENARIO`, at most N at
once (default 2; each scenario has its own containers, subnet, ports and fact
cache, so they do not meet). Every line a scenario prints goes to
DIR/<scenario>.log (default artifacts/molecule), stamped with the seconds since
the scenario started. When a scenario ends, its whole log is printed at once
(never interleaved with another's), then the time of each Molecule step
(create, converge, idempotence, check, verify, ...). The run ends with one
table of every scenario's steps and the wall time, and exits non-zero when any
scenario failed.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

# Molecule 25+ announces each step as "<scenario> ➜ <step>: Executing" on a
# terminal and "[<scenario> > <step>] Executing" otherwise; older releases as
# "Running <scenario> > <step>".
STEP_LINE = re.compile(r"(?:[\w.-]+ ➜ (?P<a1>[\w-]+): Executing\b)"
                       r"|(?:\[[\w.-]+ > (?P<a2>[\w-]+)\] Executing\b)"
                       r"|(?:Running [\w.-]+ > (?P<a3>[\w-]+)\b)")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def step_of(line):
    """The Molecule step that `line` announces, or None."""
    match = STEP_LINE.search(ANSI.sub("", line))
    if not match:
        return None
    return match.group("a1") or match.group("a2") or match.group("a3")


def step_times(stamped):
    """[(step, seconds)] from (seconds since start, line) pairs, in order.

    A step lasts from its announcement to the next one (the last to the final
    stamp). The same step met again after another (destroy, first and last)
    is listed again; announced twice in a row, it is one step."""
    marks = []
    for t, line in stamped:
        step = step_of(line)
        # Molecule may announce a step twice in a row ("verify: Executing",
        # then "Executing Testinfra tests ..."): one step.
        if step and (not marks or marks[-1][1] != step):
            marks.append((t, step))
    if not marks:
        return []
    end = stamped[-1][0]
    return [(step, round((marks[i + 1][0] if i + 1 < len(marks) else end) - t, 1)) for i, (t, step) in enumerate(marks)]


class Scenario:
    def __init__(self, name, log_dir):
        self.name = name
        self.log = Path(log_dir) / f"{name}.log"
        self.stamped = []
        self.rc = None
        self.seconds = 0.0

    def run(self):
        start = time.monotonic()
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "w", encoding="utf-8") as log:
            proc = subprocess.Popen(["molecule", "test", "--scenario-name", self.name],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    text=True, errors="replace", bufsize=1)
            for line in proc.stdout:
                t = time.monotonic() - start
                self.stamped.append((t, line.rstrip("\n")))
                log.write(f"[{t:7.1f}s] {line}")
                log.flush()
            self.rc = proc.wait()
        self.seconds = time.monotonic() - start


def report(scenario, out):
    state = "ok" if scenario.rc == 0 else f"FAILED (exit {scenario.rc})"
    out.write(f"\n===== molecule {scenario.name}: {state} in {scenario.seconds:.0f} s (log: {scenario.log})\n")
    for _, line in scenario.stamped:
        out.write(line + "\n")
    out.write(f"===== molecule {scenario.name}: steps\n")
    for step, seconds in step_times(scenario.stamped):
        out.write(f"  {step:<14} {seconds:8.1f} s\n")
    out.flush()


def run_all(names, jobs, log_dir, out=sys.stdout):
    scenarios = [Scenario(n, log_dir) for n in names]
    pending = list(scenarios)
    running = []
    lock = threading.Lock()
    started = time.monotonic()
    out.write(f"run_scenarios: {', '.join(names)}, {jobs} at a time; logs in {log_dir}\n")
    out.flush()
    while pending or running:
        while pending and len(running) < jobs:
            scenario = pending.pop(0)
            thread = threading.Thread(target=scenario.run, daemon=True)
            thread.start()
            running.append((scenario, thread))
            out.write(f"run_scenarios: {scenario.name} started at {time.monotonic() - started:.0f} s\n")
            out.flush()
        for scenario, thread in list(running):
            if not thread.is_alive():
                running.remove((scenario, thread))
                with lock:
                    report(scenario, out)
        time.sleep(1)
    wall = time.monotonic() - started
    out.write("\n===== molecule scenarios: time of each step\n")
    out.write(f"{'scenario':<30} {'step':<14} {'seconds':>8}\n")
    for scenario in scenarios:
        for step, seconds in step_times(scenario.stamped):
            out.write(f"{scenario.name:<30} {step:<14} {seconds:8.1f}\n")
        state = "ok" if scenario.rc == 0 else f"FAILED (exit {scenario.rc})"
        out.write(f"{scenario.name:<30} {'(all)':<14} {scenario.seconds:8.1f}  {state}\n")
    out.write(f"{'wall time, side by side':<45} {wall:8.1f}\n")
    out.flush()
    return 0 if all(s.rc == 0 for s in scenarios) else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MOLECULE_JOBS", "2")),
                        help="scenarios at once (default: MOLECULE_JOBS or 2)")
    parser.add_argument("--logs", default="artifacts/molecule", help="directory of the scenarios' logs")
    parser.add_argument("scenarios", nargs="+")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    return run_all(args.scenarios, args.jobs, args.logs)


if __name__ == "__main__":
    sys.exit(main())
