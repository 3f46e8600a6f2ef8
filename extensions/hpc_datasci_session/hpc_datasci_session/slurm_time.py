"""The end of the session's Slurm job, as the single-user server sees it.

The server runs inside the job (SLURM_JOB_ID in its environment). squeue
gives the job's end time, so a time limit an administrator extends is seen;
the answer is cached for a few seconds. Without squeue's answer the end is
SLURM_JOB_END_TIME when Slurm set it; outside a Slurm job there is no end.
"""

import asyncio
import datetime
import os
import time

# squeue's end time in its standard format ("2026-12-07T19:05:00", local
# time); a site's SLURM_TIME_FORMAT must not change what is parsed.
SQUEUE_ENV = {"SLURM_TIME_FORMAT": "standard"}


def parse_squeue_end(text):
    """Seconds since the epoch of squeue's %e, or None for no end (NONE, Unknown, N/A, UNLIMITED)."""
    text = text.strip()
    try:
        return datetime.datetime.fromisoformat(text).timestamp()
    except ValueError:
        return None


def parse_epoch(text):
    """Seconds since the epoch of SLURM_JOB_END_TIME, or None."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


class EndTime:
    """The job's end, asked of squeue at most once per `refresh` seconds."""

    def __init__(self, environ=None, squeue="squeue", refresh=30.0, timeout=10.0, clock=time.monotonic):
        self.environ = dict(os.environ if environ is None else environ)
        self.job_id = self.environ.get("SLURM_JOB_ID") or None
        self.squeue = squeue
        self.refresh = refresh
        self.timeout = timeout
        self.clock = clock
        self._value = None
        self._asked = None

    async def get(self):
        """The end in seconds since the epoch, or None: no end known."""
        if self.job_id is None:
            return parse_epoch(self.environ.get("SLURM_JOB_END_TIME"))
        if self._asked is None or self.clock() - self._asked >= self.refresh:
            self._asked = self.clock()
            answer = await self._ask_squeue()
            if answer is not None:
                self._value = answer
        if self._value is not None:
            return self._value
        return parse_epoch(self.environ.get("SLURM_JOB_END_TIME"))

    async def _ask_squeue(self):
        try:
            process = await asyncio.create_subprocess_exec(
                self.squeue, "--noheader", "--jobs", self.job_id, "--format", "%e",
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
                env={**self.environ, **SQUEUE_ENV},
            )
        except OSError:
            return None
        try:
            out, _ = await asyncio.wait_for(process.communicate(), self.timeout)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()
            return None
        if process.returncode != 0:
            return None
        lines = out.decode(errors="replace").split()
        return parse_squeue_end(lines[0]) if lines else None
