"""The job's end as the server extension reads it: squeue's answer, cached,
SLURM_JOB_END_TIME without it, nothing outside a Slurm job."""

import asyncio
import datetime
import stat

from hpc_datasci_session.slurm_time import EndTime, parse_epoch, parse_squeue_end

END = datetime.datetime(2026, 12, 7, 19, 5, 0)


def fake_squeue(tmp_path, body):
    """A test stand-in for squeue: a shell script that logs its arguments and runs `body`."""
    script = tmp_path / "fake-squeue"
    script.write_text(f'#!/bin/sh\necho "$@ TIME_FORMAT=$SLURM_TIME_FORMAT" >>"{tmp_path}/calls"\n{body}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def calls(tmp_path):
    path = tmp_path / "calls"
    return path.read_text().splitlines() if path.exists() else []


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def get(end_time):
    return asyncio.run(end_time.get())


def test_squeue_end_times():
    assert parse_squeue_end("2026-12-07T19:05:00\n") == END.timestamp()
    for no_end in ("NONE", "Unknown", "N/A", "UNLIMITED", ""):
        assert parse_squeue_end(no_end) is None


def test_slurm_job_end_time():
    assert parse_epoch("1796670300") == 1796670300.0
    for no_end in (None, "", "0", "soon"):
        assert parse_epoch(no_end) is None


def test_outside_a_slurm_job_there_is_no_end(tmp_path):
    end_time = EndTime(environ={}, squeue=fake_squeue(tmp_path, "exit 1"))
    assert end_time.job_id is None
    assert get(end_time) is None
    assert calls(tmp_path) == []


def test_outside_a_slurm_job_slurm_job_end_time_counts(tmp_path):
    end_time = EndTime(environ={"SLURM_JOB_END_TIME": "1796670300"}, squeue=fake_squeue(tmp_path, "exit 1"))
    assert get(end_time) == 1796670300.0


def test_squeue_is_asked_for_the_job_in_its_standard_time_format(tmp_path):
    squeue = fake_squeue(tmp_path, "echo 2026-12-07T19:05:00")
    end_time = EndTime(environ={"SLURM_JOB_ID": "4711", "SLURM_TIME_FORMAT": "relative"}, squeue=squeue)
    assert get(end_time) == END.timestamp()
    assert calls(tmp_path) == ["--noheader --jobs 4711 --format %e TIME_FORMAT=standard"]


def test_the_answer_is_kept_for_the_refresh_time_and_an_extension_is_seen(tmp_path):
    answer = tmp_path / "end"
    answer.write_text("2026-12-07T19:05:00\n")
    clock = Clock()
    end_time = EndTime(environ={"SLURM_JOB_ID": "4711"}, squeue=fake_squeue(tmp_path, f"cat {answer}"),
                       refresh=30, clock=clock)
    assert get(end_time) == END.timestamp()
    # An administrator extends the job by an hour.
    answer.write_text("2026-12-07T20:05:00\n")
    clock.now += 29
    assert get(end_time) == END.timestamp()
    assert len(calls(tmp_path)) == 1
    clock.now += 1
    assert get(end_time) == END.timestamp() + 3600
    assert len(calls(tmp_path)) == 2


def test_a_failing_squeue_keeps_the_last_answer(tmp_path):
    answer = tmp_path / "end"
    answer.write_text("2026-12-07T19:05:00\n")
    clock = Clock()
    end_time = EndTime(environ={"SLURM_JOB_ID": "4711", "SLURM_JOB_END_TIME": "1"},
                       squeue=fake_squeue(tmp_path, f"cat {answer} || exit 1"), refresh=30, clock=clock)
    assert get(end_time) == END.timestamp()
    answer.unlink()
    clock.now += 60
    assert get(end_time) == END.timestamp()


def test_without_squeue_slurm_job_end_time_counts(tmp_path):
    environ = {"SLURM_JOB_ID": "4711", "SLURM_JOB_END_TIME": "1796670300"}
    assert get(EndTime(environ=environ, squeue=str(tmp_path / "no-squeue"))) == 1796670300.0
    assert get(EndTime(environ=environ, squeue=fake_squeue(tmp_path, "echo 'slurm_load_jobs error' >&2; exit 1"))) \
        == 1796670300.0
    assert get(EndTime(environ={"SLURM_JOB_ID": "4711"}, squeue=fake_squeue(tmp_path, "exit 1"))) is None


def test_a_job_without_a_time_limit_has_no_end(tmp_path):
    assert get(EndTime(environ={"SLURM_JOB_ID": "4711"}, squeue=fake_squeue(tmp_path, "echo NONE"))) is None


def test_a_hanging_squeue_is_given_up(tmp_path):
    end_time = EndTime(environ={"SLURM_JOB_ID": "4711", "SLURM_JOB_END_TIME": "1796670300"},
                       squeue=fake_squeue(tmp_path, "exec sleep 30"), timeout=0.5)
    assert get(end_time) == 1796670300.0
