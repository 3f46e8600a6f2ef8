#!/usr/bin/env python3
"""The sand benchmark (`make bench`): how fast short work starts on a full
machine, and what it costs the long work, under each configuration of the
bundle, measured on the bench container site (tests/bench/inventory).

For each configuration (tests/bench/configs/<name>.yml), applied with the
bundle's own playbooks/slurm.yml, and each run of it:
  1. idle machine: spawn a notebook through the hub, scale a Dask Gateway
     cluster to 4 workers from its kernel; time both;
  2. rocks: long batch jobs filling >= 95 % of the CPUs, then a pending
     backlog with wide jobs; the busy phase starts when the rocks run;
  3. sand: bursts of one-CPU jobs at fixed offsets; meanwhile the notebook
     and the Dask cluster again, on the busy machine;
  4. at the end of the window: sacct (every segment), the rocks' counters;
     then, the rocks still running, one user's burst jobs (Dask workers'
     shape) fill what the burst QOS allows and another user's notebook-shaped
     job is timed (tests/bench/notebook_reserve.py); then every job cancelled.
At the end the site is put back to its inventory's configuration. Prints a
table; writes JSON and a PNG under bench-results/. Never asserts a timing.
"""

import argparse
import datetime
import json
import os
import pathlib
import sys
import threading
import time
import traceback

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "collections"))
os.environ.setdefault("CONTAINER_SITE_PREFIX", "hpcds-bench")
os.environ.setdefault("CONTAINER_SITE_HTTPS_PORT", "18445")
# The bench site's facts are cached apart from the demo's (same host names).
os.environ.setdefault("ANSIBLE_CACHE_PLUGIN_CONNECTION", str(ROOT / ".cache" / "bench-facts"))

import bench_report  # noqa: E402
import bench_services  # noqa: E402
import bench_site  # noqa: E402
import notebook_reserve  # noqa: E402
import sand_metrics  # noqa: E402
import sand_workload  # noqa: E402
import yaml  # noqa: E402

CONFIGS = ("baseline", "tiers", "requeue", "suspend")
ROCK_USER, SAND_USER = "alice", "bob"
ROCK_TIME = "1-00:00:00"
SAND_TIME = "2:00"  # MM:SS
# The rock's work: count seconds into a file on the shared /home. A rock
# that is suspended stops counting; one that is requeued starts again at 0.
ROCK_SCRIPT = ('f={dir}/$SLURM_JOB_NAME.count; n=0; echo 0 > $f; '
               'while [ $n -lt {seconds} ]; do sleep 1; n=$((n+1)); echo $n > $f; done')
IDLE_BUDGET = 240


def log(message):
    print(f"[{datetime.datetime.now():%H:%M:%S}] {message}", flush=True)


def load_config(name):
    """(path, bench-only settings) of a configuration; bench_* keys are the
    driver's, every other key goes to the bundle."""
    path = HERE / "configs" / f"{name}.yml"
    settings = yaml.safe_load(path.read_text()) or {}
    return path, {k: v for k, v in settings.items() if k.startswith("bench_")}


class Services(threading.Thread):
    """measure() in the background, never raising: the run goes on."""

    def __init__(self, ca, budget):
        super().__init__(daemon=True)
        self.ca, self.budget = ca, budget
        self.result = {"spawn_s": None, "dask_s": None, "note": "not run"}

    def run(self):
        if self.ca is None:
            self.result["note"] = "skipped (--skip-services)"
            return
        try:
            self.result = bench_services.measure(self.ca, SAND_USER, self.budget)
        except Exception as err:  # noqa: BLE001 - reported in the JSON, the run goes on
            self.result = {"spawn_s": None, "dask_s": None, "note": f"{type(err).__name__}: {err}"[:500]}
            traceback.print_exc()


def measure_services(ca, budget):
    thread = Services(ca, budget)
    thread.run()
    return thread.result


def one_run(name, number, work, bench, ca, args):
    """Metrics and raw records of one run of a configuration."""
    run_id = f"{name}-{number}-{int(time.time())}"
    bench_site.cancel_all()
    log(f"{run_id}: idle machine: notebook spawn and Dask cluster")
    idle = measure_services(ca, IDLE_BUDGET)
    log(f"{run_id}: idle spawn {idle['spawn_s']} s, dask {idle['dask_s']} s {idle['note']}")

    directory = f"/home/{ROCK_USER}/bench/{run_id}"
    bench_site.dexec("login1", f"mkdir -p {directory}", user=ROCK_USER)

    def script(job):
        return ROCK_SCRIPT.format(dir=directory, seconds=job["seconds"])

    since = time.time()
    rock_qos = bench.get("bench_rock_qos", "normal")
    lines = bench_site.sbatch_lines(work["rocks"], ROCK_USER, "batch", rock_qos, ROCK_TIME, script, args.mem_per_cpu)
    lines += bench_site.sbatch_lines(work["backlog"], ROCK_USER, "batch", rock_qos, ROCK_TIME, script,
                                     args.mem_per_cpu)
    ids = bench_site.submit(lines)
    rock_ids = ids[:len(work["rocks"])]
    waited = bench_site.wait_running(rock_ids, 90)
    t0 = time.time()
    running = len(bench_site.running_jobs(rock_ids))
    log(f"{run_id}: busy phase: {running}/{len(rock_ids)} rocks running after {waited:.0f} s, "
        f"{len(work['backlog'])} pending behind them; window {work['window_s']} s")

    window = work["window_s"]
    services = Services(ca, window - work["services_at"] - 5)
    bursts = sorted({job["offset"] for job in work["sand"]})
    for offset in bursts:
        _sleep_until(t0 + offset, services, t0 + work["services_at"])
        jobs = [job for job in work["sand"] if job["offset"] == offset]
        bench_site.submit(bench_site.sbatch_lines(jobs, SAND_USER, "short", "burst", SAND_TIME,
                                                  lambda job: f"sleep {job['seconds']}", args.mem_per_cpu))
        log(f"{run_id}: +{offset} s: {len(jobs)} sand jobs submitted")
    _sleep_until(t0 + window, services, t0 + work["services_at"])
    t1 = time.time()
    services.join(timeout=120)
    busy = services.result
    log(f"{run_id}: busy spawn {busy['spawn_s']} s, dask {busy['dask_s']} s {busy['note']}")

    records = bench_site.sacct(since)
    counted = bench_site.counters(directory)
    log(f"{run_id}: notebook beside another user's burst jobs filling their allowance")
    reserve = notebook_reserve.measure()
    log(f"{run_id}: notebook wait {reserve['wait_s']} s beside {reserve['burst_running']} burst jobs "
        f"(the next held by {reserve['burst_held_by'] or '-'}) {reserve['note']}")
    bench_site.cancel_all()
    bench_site.dexec("login1", f"rm -rf {directory}", check=False)

    metrics = sand_metrics.run_metrics(records, t0, t1, work["total_cpus"])
    metrics.update({
        "spawn_idle_s": idle["spawn_s"], "spawn_busy_s": busy["spawn_s"],
        "spawn_ratio": sand_metrics.service_ratio(idle["spawn_s"], busy["spawn_s"]),
        "dask_idle_s": idle["dask_s"], "dask_busy_s": busy["dask_s"],
        "dask_ratio": sand_metrics.service_ratio(idle["dask_s"], busy["dask_s"]),
        "notebook_beside_burst_s": reserve["wait_s"],
    })
    sand = sorted(sand_metrics.sand_waits(records, t1))
    log(f"{run_id}: " + ", ".join(f"{k}={v}" for k, v in metrics.items()))
    return {"config": name, "run": number, "t0": t0, "t1": t1, "metrics": metrics,
            "sand_waits_s": [round(w, 1) for w, _ in sand], "sand_censored": [c for _, c in sand],
            "services": {"idle": idle, "busy": busy}, "notebook_reserve": reserve, "rock_counters": counted,
            "jobs": records}


def _sleep_until(moment, services, services_at):
    """Sleep until moment, starting the services thread when its time comes."""
    while True:
        now = time.time()
        if services.ident is None and now >= services_at:
            services.start()
        if now >= moment:
            return
        time.sleep(min(0.5, moment - now))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one run per configuration, a shorter workload")
    parser.add_argument("--runs", type=int, help="runs per configuration (default 2, quick 1)")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated, of tests/bench/configs/")
    parser.add_argument("--seed", type=int, default=20240610)
    parser.add_argument("--out", default=str(ROOT / "bench-results"))
    parser.add_argument("--mem-per-cpu", help="give every rock and sand job this --mem-per-cpu "
                        "(default: none, the bundle's DefMemPerCPU applies)")
    parser.add_argument("--skip-services", action="store_true",
                        help="no notebook or Dask timing (iteration, or a site without the hub)")
    parser.add_argument("--no-restore", action="store_true",
                        help="leave the last configuration applied (iteration only)")
    args = parser.parse_args(argv)
    args.runs = args.runs or (1 if args.quick else 2)
    return args


def main(argv=None):
    args = parse_args(argv)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    ansible_log = out / f"sand-bench-{stamp}.ansible.log"
    started = time.monotonic()
    names = [n for n in args.configs.split(",") if n]
    ca = None if args.skip_services else bench_services.ca_file(bench_site.PREFIX)
    work = sand_workload.make_workload(args.seed, bench_site.total_cpus(), quick=args.quick)
    document = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "machine": bench_site.machine(), "quick": args.quick, "seed": args.seed,
                "workload": work, "configs": {}, "runs": []}
    results = {}
    try:
        for name in names:
            path, bench = load_config(name)
            log(f"{name}: applying {path.relative_to(ROOT)} with playbooks/slurm.yml")
            bench_site.cancel_all()
            seconds = bench_site.playbook(ansible_log, path)
            restarted = bench_site.ensure_effective()
            if restarted:
                log(f"{name}: the playbook left {restarted} unapplied; slurmctld restarted by the driver")
            document["configs"][name] = {"file": str(path.relative_to(ROOT)), "settings": yaml.safe_load(path.read_text()),
                                         "apply_s": round(seconds, 1), "restarted_by_driver": restarted,
                                         "slurm": bench_site.slurm_config_summary()}
            for number in range(1, args.runs + 1):
                run = one_run(name, number, work, bench, ca, args)
                results.setdefault(name, []).append(run)
                document["runs"].append(run)
                _write(out, stamp, document, results)
    finally:
        bench_site.cancel_all()
        if not args.no_restore:
            log("restoring the inventory's configuration (playbooks/slurm.yml, no extra vars)")
            bench_site.playbook(ansible_log)
            bench_site.ensure_effective()
    document["duration_s"] = round(time.monotonic() - started)
    json_path, png_path = _write(out, stamp, document, results)
    print()
    print(bench_report.table(results))
    print(f"\n{json_path}\n{png_path}\n(total {document['duration_s']} s)")
    return 0


def _write(out, stamp, document, results):
    json_path, png_path = out / f"sand-bench-{stamp}.json", out / f"sand-bench-{stamp}.png"
    bench_report.write_json(json_path, document)
    if results:
        machine = document["machine"]
        title = (f"Sand wait on a full {document['workload']['total_cpus']}-CPU site, "
                 f"{machine.get('slurm_version', '')}, {document['date'][:10]}")
        bench_report.write_png(png_path, results, title)
    (out / "latest.json").write_text(json.dumps({"json": json_path.name, "png": png_path.name}) + "\n")
    return json_path, png_path


if __name__ == "__main__":
    sys.exit(main())
