"""scripts/run_scenarios.py: Molecule's steps found in its output and timed,
scenarios run side by side with their logs kept apart (a fake `molecule`)."""

import io
import os
import pathlib
import stat

from _modules import load_file

ROOT = pathlib.Path(__file__).resolve().parents[2]
run_scenarios = load_file("run_scenarios", ROOT / "scripts" / "run_scenarios.py")


def test_steps_are_found_in_both_spellings_and_through_colour():
    assert run_scenarios.step_of("INFO     managed_site ➜ converge: Executing") == "converge"
    assert run_scenarios.step_of("\x1b[32mINFO\x1b[0m     managed_site ➜ \x1b[33mverify\x1b[0m: Executing") == "verify"
    assert run_scenarios.step_of("INFO     Running managed_site > idempotence") == "idempotence"
    assert run_scenarios.step_of("INFO     [overlay_keeps_site_running > prepare] Executing") == "prepare"
    assert run_scenarios.step_of("INFO     [overlay_keeps_site_running > prepare] Executed: Successful") is None
    assert run_scenarios.step_of("INFO     managed_site ➜ converge: Executed: Successful") is None
    assert run_scenarios.step_of("TASK [hpc.datasci.slurm : Write slurm.conf]") is None


def test_each_step_lasts_until_the_next_and_the_last_until_the_end():
    stamped = [
        (0.0, "INFO     s ➜ destroy: Executing"),
        (3.0, "INFO     s ➜ create: Executing"),
        (10.5, "TASK [x]"),
        (20.0, "INFO     s ➜ converge: Executing"),
        (21.0, "INFO     [s > converge] Executing Testinfra tests found in tests/"),
        (120.0, "INFO     s ➜ destroy: Executing"),
        (130.0, "INFO     Molecule executed 1 scenario (1 successful)"),
    ]
    assert run_scenarios.step_times(stamped) == [
        ("destroy", 3.0), ("create", 17.0), ("converge", 100.0), ("destroy", 10.0)]


def test_no_step_no_times():
    assert run_scenarios.step_times([]) == []
    assert run_scenarios.step_times([(1.0, "CRITICAL something")]) == []


def _fake_molecule(tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "molecule"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        "echo \"INFO     $3 ➜ create: Executing\"\n"
        "echo \"TASK [$3 work]\"\n"
        "echo \"INFO     $3 ➜ verify: Executing\"\n"
        "[ \"$3\" = bad ] && exit 3\n"
        "exit 0\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")


def test_scenarios_run_side_by_side_each_log_whole_and_a_failure_fails(tmp_path, monkeypatch):
    _fake_molecule(tmp_path, monkeypatch)
    out = io.StringIO()
    rc = run_scenarios.run_all(["good", "bad", "other"], 2, tmp_path / "logs", out=out)
    text = out.getvalue()
    assert rc == 1
    assert "===== molecule good: ok" in text
    assert "===== molecule bad: FAILED (exit 3)" in text
    assert "===== molecule other: ok" in text
    # Each scenario's lines are printed together, never interleaved.
    block = text.split("===== molecule good: ok")[1].split("===== molecule good: steps")[0]
    assert "TASK [good work]" in block and "bad" not in block and "other" not in block
    assert (tmp_path / "logs" / "good.log").read_text().count("TASK [good work]") == 1
    assert "wall time, side by side" in text


def test_all_passing_is_zero(tmp_path, monkeypatch):
    _fake_molecule(tmp_path, monkeypatch)
    assert run_scenarios.run_all(["good"], 1, tmp_path / "logs", out=io.StringIO()) == 0
