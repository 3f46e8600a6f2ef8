"""What the benchmark hands back: the table on the terminal, the JSON and the
PNG of sand wait-time CDFs (docs/performance.md describes all three)."""

import json

import sand_metrics

# Table rows: (label, metric key, unit). Each cell is min-max over the runs.
ROWS = (
    ("sand wait p50", "sand_wait_p50_s", "s"),
    ("sand wait p95", "sand_wait_p95_s", "s"),
    ("sand wait max", "sand_wait_max_s", "s"),
    ("sand never started", "sand_never_started", ""),
    ("rock wait p50", "rock_wait_p50_s", "s"),
    ("rock wait max", "rock_wait_max_s", "s"),
    ("rock work lost", "rock_work_lost_cpu_s", "CPU-s"),
    ("rocks preempted", "rocks_preempted", ""),
    ("rock delay (suspended)", "rock_suspended_cpu_s", "CPU-s"),
    ("allocated", "allocated_fraction", "%"),
    ("useful utilization", "useful_utilization", "%"),
    ("notebook spawn idle", "spawn_idle_s", "s"),
    ("notebook spawn busy", "spawn_busy_s", "s"),
    ("notebook busy/idle", "spawn_ratio", "x"),
    ("dask 4 workers idle", "dask_idle_s", "s"),
    ("dask 4 workers busy", "dask_busy_s", "s"),
    ("dask busy/idle", "dask_ratio", "x"),
    ("notebook wait while another user's Dask cluster fills the share", "notebook_beside_burst_s", "s"),
)


def _fmt(value, unit):
    if unit == "%":
        return f"{value * 100:.1f}"
    if unit == "x":
        return f"{value:.2f}"
    return f"{value:g}"


def cell(runs, key, unit):
    """min-max (or the one value) of a metric over runs; '-' when missing.
    A sand wait of a run where some sand never started is a lower bound: '>='
    (a never-started job counts as its wait so far)."""
    bounds = sand_metrics.spread([run["metrics"].get(key) for run in runs])
    if bounds is None:
        return "-"
    low, high = (_fmt(v, unit) for v in bounds)
    text = low if low == high else f"{low}-{high}"
    censored = key.startswith("sand_wait") and any(run["metrics"]["sand_never_started"] for run in runs)
    if censored:
        text = ">=" + text
    return text


def table(results):
    """The comparison table of every configuration (min-max over its runs)."""
    names = list(results)
    header = ["metric"] + names
    rows = [header]
    for label, key, unit in ROWS:
        rows.append([f"{label} ({unit})" if unit else label] + [cell(results[n], key, unit) for n in names])
    rows.append(["runs"] + [str(len(results[n])) for n in names])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(value.ljust(widths[i]) for i, value in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(path, document):
    path.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def write_png(path, results, title):
    """Sand wait-time CDFs of every configuration on one chart: all runs of a
    configuration pooled, the share of ALL its sand jobs started within x
    seconds; a curve that stays below 1 at the right edge (the end of the
    window) is the share that never started, which the legend counts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    right = max((run["metrics"]["window_s"] for runs in results.values() for run in runs), default=1)
    for name, runs in results.items():
        total = sum(run["metrics"]["sand_jobs"] for run in runs)
        if not total:
            continue
        started = sorted(w for run in runs for w, c in _sand_waits(run) if not c)
        xs = [0.0] + started + [right]
        ys = [0.0] + [(i + 1) / total for i in range(len(started))] + [len(started) / total]
        never = total - len(started)
        label = f"{name} ({len(runs)} run{'s' if len(runs) > 1 else ''}" + (f", {never} never started)" if never else ")")
        ax.step(xs, ys, where="post", label=label)
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlim(0, right)
    ax.set_xlabel("sand wait: submit to start (s); linear to 10 s, logarithmic beyond")
    ax.set_ylabel("share of sand jobs started")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, which="both", alpha=0.3)
    ax.set_title(title)
    ax.legend(loc="center right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _sand_waits(run):
    """(wait, censored) of each sand job of a run (censored: never started)."""
    return [(w, c) for w, c in zip(run["sand_waits_s"], run["sand_censored"])]
