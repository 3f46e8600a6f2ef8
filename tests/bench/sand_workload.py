"""The benchmark's workload, drawn from one seed: the same jobs, sizes,
durations and arrival offsets for every configuration (pure Python).

- rocks: long batch jobs of 1-8 CPUs placed first, together filling at least
  95 % of the CPUs; each counts its seconds of work into a file and ends
  after `seconds` of work (about a quarter during the window);
- backlog: batch jobs submitted right after the rocks, pending, among them
  wide jobs (16 and 32 CPUs) that the scheduler plans for;
- sand: bursts of one-CPU jobs (15-40 s of sleep) at fixed offsets from the
  start of the busy phase;
- services: when, in the busy phase, the notebook is spawned through the hub
  (then the Dask cluster from its kernel).
"""

import random

# Shapes of a full and a quick run: the busy window, the burst offsets and
# the jobs per burst. A quick run is one run per configuration.
SHAPES = {
    False: {"window_s": 240, "bursts": (10, 60, 110, 160), "per_burst": 8, "services_at": 25},
    True: {"window_s": 150, "bursts": (10, 55, 100), "per_burst": 6, "services_at": 20},
}
ROCK_CPUS = (1, 8)
WIDE_CPUS = (16, 32)
SAND_SECONDS = (15, 40)
# Rocks' work: from 20 % of the window to 3 windows, so about a quarter of
# them end while sand arrives (and the backlog competes with sand for their
# CPUs): without that, tiers and baseline both leave all sand waiting.
ROCK_WORK = (0.2, 3.0)


def _rocks(rng, total_cpus, window):
    """Rocks whose CPUs add up to the machine (>= 95 % of it)."""
    rocks, used = [], 0
    while used < 0.95 * total_cpus:
        cpus = min(rng.randint(*ROCK_CPUS), total_cpus - used)
        rocks.append({"cpus": cpus, "seconds": int(window * rng.uniform(*ROCK_WORK))})
        used += cpus
    return rocks


def _backlog(rng, window):
    """Pending batch jobs: the wide ones and a few ordinary ones, shuffled."""
    jobs = [{"cpus": cpus, "seconds": int(window * rng.uniform(*ROCK_WORK))} for cpus in WIDE_CPUS]
    jobs += [{"cpus": rng.randint(*ROCK_CPUS), "seconds": int(window * rng.uniform(*ROCK_WORK))}
             for _ in range(4)]
    rng.shuffle(jobs)
    return jobs


def make_workload(seed, total_cpus, quick=False):
    """The workload of a run as plain data (JSON-ready)."""
    shape = SHAPES[bool(quick)]
    rng = random.Random(seed)
    window = shape["window_s"]
    rocks = _rocks(rng, total_cpus, window)
    backlog = _backlog(rng, window)
    sand = [{"cpus": 1, "seconds": rng.randint(*SAND_SECONDS), "offset": offset}
            for offset in shape["bursts"] for _ in range(shape["per_burst"])]
    for kind, items in (("rock", rocks), ("back", backlog), ("sand", sand)):
        for number, job in enumerate(items):
            job["name"] = f"bench-{kind}-{number}"
    return {"seed": seed, "total_cpus": total_cpus, "quick": bool(quick), "window_s": window,
            "services_at": shape["services_at"], "rocks": rocks, "backlog": backlog, "sand": sand}
