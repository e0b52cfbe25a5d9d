"""Run every workload on every engine in one process; print, save and plot the table.

    python -m benchmarks.run [--out DIR] [--repeats N] [--only TEXT]

Before timing, each engine's value and gradient are compared with minigrad's: a
fast wrong answer is reported as a failure, not timed. Times are medians over
repeated runs after a warm-up, taken round-robin across engines so that the
machine's noise falls on all of them alike.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from .engines import ENGINES, Runner, as_numpy, enable_jax_float64
from .workloads import WORKLOADS, Workload

REFERENCE = "minigrad"
BASELINE = "plain (value only)"
TARGETS = {  # (workload prefix, engine): the highest minigrad/engine time ratio aimed for
    ("scalar MLP", "micrograd"): 0.5,
    ("array MLP", "autograd"): 0.8,
    ("long elementwise chain", "autograd"): 0.8,
    ("long elementwise chain", BASELINE): 2.5,
}


def _agrees(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    scale = float(np.max(np.abs(b))) if b.size else 0.0
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=1e-9 * max(scale, 1.0)))


def check(runners: dict[str, Runner]) -> dict[str, str]:
    """Run each engine once (the warm-up); return the failures, by engine."""
    results, failures = {}, {}
    for name, run in runners.items():
        try:
            results[name] = as_numpy(run())
        except Exception as e:  # a failure to report, e.g. micrograd's RecursionError
            failures[name] = f"{type(e).__name__}: {str(e)[:60]}"
    ref = results[REFERENCE]
    for name, (value, grads) in results.items():
        if not _agrees(value, ref[0]):
            failures[name] = "wrong value"
        elif grads is not None and (
            len(grads) != len(ref[1]) or not all(_agrees(g, r) for g, r in zip(grads, ref[1]))
        ):
            failures[name] = "wrong gradient"
    return failures


def measure(runners: dict[str, Runner], repeats: int) -> dict[str, float]:
    """Median seconds per call of each runner, timed round-robin.

    A call's time includes freeing what it allocated: the `gc.collect()` inside the
    timed region frees reference cycles (micrograd's graph is made of them) that
    would otherwise be freed, untimed, before the next call. Objects that existed
    before timing are frozen, so that collection does not walk them.
    """
    times: dict[str, list[float]] = {name: [] for name in runners}
    gc.collect()
    gc.freeze()
    try:
        for _ in range(repeats):
            for name, run in runners.items():
                t0 = time.perf_counter()
                run()
                gc.collect()
                times[name].append(time.perf_counter() - t0)
    finally:
        gc.unfreeze()
    return {name: statistics.median(ts) for name, ts in times.items()}


def bench_workload(w: Workload, repeats: int | None) -> list[dict]:
    """Rows of the table for one workload."""
    params, data = w.inputs()
    runners = {name: ENGINES[name](w.f, params, data) for name in w.engines}
    failures = check(runners)
    ok = {name: run for name, run in runners.items() if name not in failures}
    ok = {name: run for name, run in ok.items() if name != REFERENCE} | {REFERENCE: runners[REFERENCE]}
    for run in ok.values():  # a second warm-up call, now that every engine has compiled
        run()
    medians = measure(ok, repeats or w.repeats)
    ref = medians[REFERENCE]
    rows = []
    for name in w.engines:
        t = medians.get(name)
        rows.append({
            "workload": w.name,
            "engine": name,
            "median_s": t,
            "minigrad_over_engine": None if t is None else ref / t,
            "status": failures.get(name, "ok"),
        })
    return rows


def targets(rows: list[dict]) -> list[dict]:
    """The ratio targets, with this run's figures."""
    out = []
    for (prefix, engine), limit in TARGETS.items():
        row = next((r for r in rows if r["workload"].startswith(prefix) and r["engine"] == engine), None)
        ratio = row and row["minigrad_over_engine"]
        out.append({"workload": prefix, "versus": engine, "target": limit, "ratio": ratio,
                    "met": ratio is not None and ratio <= limit})
    return out


def format_table(rows: list[dict], goals: list[dict]) -> str:
    """The table as Markdown."""
    lines = ["| workload | engine | median (ms) | minigrad / engine | status |", "|---|---|---:|---:|---|"]
    for r in rows:
        t = "" if r["median_s"] is None else f"{1e3 * r['median_s']:.2f}"
        ratio = "" if r["minigrad_over_engine"] is None else f"{r['minigrad_over_engine']:.2f}x"
        lines.append(f"| {r['workload']} | {r['engine']} | {t} | {ratio} | {r['status']} |")
    lines += ["", "| target | minigrad / engine | this run | met |", "|---|---:|---:|---|"]
    for g in goals:
        ratio = "n/a" if g["ratio"] is None else f"{g['ratio']:.2f}x"
        lines.append(f"| {g['workload']} vs {g['versus']} | <= {g['target']}x | {ratio} | "
                     f"{'yes' if g['met'] else 'no'} |")
    return "\n".join(lines)


def plot(rows: list[dict], path: Path) -> None:
    """Grouped bars: each engine's time relative to minigrad's, per workload."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workloads = list(dict.fromkeys(r["workload"] for r in rows))
    engines = list(dict.fromkeys(r["engine"] for r in rows))
    fig, ax = plt.subplots(figsize=(11, 5))
    width = 0.8 / len(engines)
    for k, engine in enumerate(engines):
        xs, hs = [], []
        for i, w in enumerate(workloads):
            r = next((r for r in rows if r["workload"] == w and r["engine"] == engine), None)
            if r is not None and r["minigrad_over_engine"]:
                xs.append(i + (k - (len(engines) - 1) / 2) * width)
                hs.append(1.0 / r["minigrad_over_engine"])
            elif r is not None:
                ax.text(i + (k - (len(engines) - 1) / 2) * width, 1.0, "failed", rotation=90,
                        ha="center", va="bottom", fontsize=8)
        ax.bar(xs, hs, width, label=engine)
    ax.set_yscale("log")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(workloads)), [w.replace(" (", "\n(") for w in workloads], fontsize=8)
    ax.set_ylabel("time relative to minigrad (log scale; lower is faster)")
    ax.set_xlabel("workload (value and gradient; 'plain' computes the value only)")
    ax.set_title("Median time of value and gradient, relative to minigrad, in one run")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def machine() -> dict:
    """What this run ran on."""
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "python": platform.python_version()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="_build/bench", help="directory for bench.json and bench.png")
    parser.add_argument("--repeats", type=int, help="timed runs per engine (default: per workload)")
    parser.add_argument("--only", help="run only workloads whose name contains this text")
    args = parser.parse_args()
    enable_jax_float64()
    rows = []
    for w in WORKLOADS:
        if args.only and args.only not in w.name:
            continue
        print(f"running {w.name} ...", flush=True)
        rows += bench_workload(w, args.repeats)
    goals = targets(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    info = machine()
    (out / "bench.json").write_text(json.dumps({"machine": info, "rows": rows, "targets": goals}, indent=2))
    plot(rows, out / "bench.png")
    print(f"\nmachine: {info['cpus']} CPUs, {info['cpu']}, Python {info['python']}\n")
    print(format_table(rows, goals))
    print(f"\nwrote {out / 'bench.json'} and {out / 'bench.png'}")


if __name__ == "__main__":
    main()
