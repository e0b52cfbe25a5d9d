"""Run every workload on every engine in one process; print, save and plot the table.

    python -m benchmarks.run [--out DIR] [--repeats N] [--only TEXT]

Before timing, each engine's value and gradient are compared with minigrad's: a
fast wrong answer is reported as a failure, not timed. Then, with the garbage
collector on, each engine's call is timed together with a `gc.collect()` after it
(each engine pays for freeing its own reference cycles), minus the cost of an
empty collection measured in the same run (charged to no one). Engines take turns
in rounds; the ratios to minigrad are taken within each round, then their median.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
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
BATCH_FACTOR, MAX_CALLS = 5, 100  # see `_calls_per_batch`
NOISE_FACTOR = 3  # a net time below this many times the empty collection's scatter is not reported
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


def _timed(run: Runner, calls: int) -> tuple[float, float]:
    """Seconds for `calls` calls of `run`, and for the `gc.collect()` right after
    them that frees the reference cycles they left behind (micrograd's graph is
    made of them; a cycle left by one call may also be freed by an automatic
    collection during the next call of the same engine)."""
    t0 = time.perf_counter()
    for _ in range(calls):
        run()
    t1 = time.perf_counter()
    gc.collect()
    return t1 - t0, time.perf_counter() - t1


def _empty_collection() -> float:
    """Seconds for a `gc.collect()` that finds no garbage: the walk over the
    process's live objects, which every collection pays and no engine caused."""
    gc.collect()
    t0 = time.perf_counter()
    gc.collect()
    return time.perf_counter() - t0


def _calls_per_batch(run: Runner) -> int:
    """Calls timed together before one `gc.collect()`: enough that their time is
    BATCH_FACTOR times an empty collection's, so that subtracting the collection's
    cost (and its scatter, shared among the calls) leaves a resolved figure."""
    t0 = time.perf_counter()
    run()
    one = time.perf_counter() - t0
    return max(1, min(MAX_CALLS, math.ceil(BATCH_FACTOR * _empty_collection() / one)))


def measure(runners: dict[str, Runner], repeats: int) -> dict[str, dict[str, float]]:
    """Each engine's median net seconds per call, and its median time ratio to minigrad.

    The garbage collector stays on, as users run: automatic collections during a
    call are charged to it. Each call is followed by a `gc.collect()`, so each
    engine pays for freeing its own reference cycles and the next one starts clean.
    The cost of an empty collection (the walk over everything else alive in the
    process) is measured before and after each round and subtracted, so it is
    charged to no one. Engines run round-robin in a rotating order, and each
    round's ratios are taken side by side, so that a shared machine's slow spells
    fall on all alike. A fast engine is timed in batches of calls followed by one
    collection (`_calls_per_batch`). `noise_s` is the typical scatter of an empty
    collection per call: a net time below a few of it is not resolved.
    """
    names = list(runners)
    calls = {name: _calls_per_batch(run) for name, run in runners.items()}
    net: dict[str, list[float]] = {name: [] for name in names}
    cycles: dict[str, list[float]] = {name: [] for name in names}
    ratios: dict[str, list[float]] = {name: [] for name in names}
    empties = []
    gc.collect()
    for r in range(repeats):
        before = _empty_collection()
        order = names[r % len(names):] + names[: r % len(names)]
        times = {name: _timed(runners[name], calls[name]) for name in order}
        after = _empty_collection()
        empty = (before + after) / 2
        empties += [before, after]
        for name, (run_s, collect_s) in times.items():
            net[name].append((run_s + collect_s - empty) / calls[name])
            cycles[name].append((collect_s - empty) / calls[name])
        for name in names:
            ratios[name].append(net[REFERENCE][-1] / net[name][-1])
    empty = statistics.median(empties)
    noise = statistics.median(abs(e - empty) for e in empties)
    return {
        name: {
            "calls_per_batch": calls[name],
            "noise_s": noise / calls[name],
            "median_s": statistics.median(net[name]),
            "cycles_s": statistics.median(cycles[name]),
            "ratio": statistics.median(ratios[name]),
            "empty_collection_s": empty,
        }
        for name in names
    }


def bench_workload(w: Workload, repeats: int | None) -> list[dict]:
    """Rows of the table for one workload."""
    params, data = w.inputs()
    runners = {name: ENGINES[name](w.f, params, data) for name in w.engines}
    failures = check(runners)
    ok = {name: run for name, run in runners.items() if name not in failures}
    ok = {name: run for name, run in ok.items() if name != REFERENCE} | {REFERENCE: runners[REFERENCE]}
    for run in ok.values():  # a second warm-up call, now that every engine has compiled
        run()
    stats = measure(ok, repeats or w.repeats)
    rows = []
    for name in w.engines:
        st = stats.get(name, {})
        resolved = not st or st["median_s"] > NOISE_FACTOR * st["noise_s"]
        rows.append({
            "workload": w.name,
            "engine": name,
            "median_s": st.get("median_s"),
            "cycles_s": st.get("cycles_s"),
            "minigrad_over_engine": st.get("ratio") if resolved else None,
            "empty_collection_s": st.get("empty_collection_s"),
            "noise_s": st.get("noise_s"),
            "calls_per_batch": st.get("calls_per_batch"),
            "status": failures.get(name, "ok" if resolved else "below the noise of an empty gc.collect()"),
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
    lines = [
        "| workload | engine | median (ms) | of which freeing cycles (ms) | minigrad / engine | status |",
        "|---|---|---:|---:|---:|---|",
    ]
    for r in rows:
        t, c = ("" if r[k] is None else f"{1e3 * r[k]:.2f}" for k in ("median_s", "cycles_s"))
        ratio = "" if r["minigrad_over_engine"] is None else f"{r['minigrad_over_engine']:.2f}x"
        lines.append(f"| {r['workload']} | {r['engine']} | {t} | {c} | {ratio} | {r['status']} |")
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
                ax.text(i + (k - (len(engines) - 1) / 2) * width, 1.0, "n/a", rotation=90,
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
    print(f"\nmachine: {info['cpus']} CPUs, {info['cpu']}, Python {info['python']}")
    for w in dict.fromkeys(r["workload"] for r in rows):
        r = next(r for r in rows if r["workload"] == w and r["empty_collection_s"])
        print(f"empty gc.collect() during {w}: {1e3 * r['empty_collection_s']:.1f} ms, "
              f"scatter {1e3 * r['noise_s']:.1f} ms (subtracted from every engine)")
    print()
    print(format_table(rows, goals))
    print(f"\nwrote {out / 'bench.json'} and {out / 'bench.png'}")


if __name__ == "__main__":
    main()
