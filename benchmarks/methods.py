"""The scalar MLP's minigrad / micrograd time ratio under five timing methods, in one
process with the heap of `make bench`: why the method decides the figure.

    python -m benchmarks.methods [--rounds N]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from .engines import ENGINES, Runner, enable_jax_float64
from .run import _empty_collection
from .workloads import WORKLOADS

METHODS = {  # name: (freeze the heap, collect after each call, subtract an empty collection, GC off)
    "GC off, no collection (micrograd's cycles are never freed while timed)": (False, False, False, True),
    "GC on, no collection (cycles freed by whichever engine runs next)": (False, False, False, False),
    "GC on, collect after each call, empty collection charged to every call": (False, True, False, False),
    "old make bench: heap frozen, collect after each call": (True, True, False, False),
    "fair: GC on, collect after each call, empty collection subtracted": (False, True, True, False),
}


def ratio(
    runs: dict[str, Runner], rounds: int, freeze: bool, collect: bool, subtract: bool, off: bool
) -> float:
    """Median over rounds of minigrad's time over micrograd's, timed by one method."""
    gc.collect()
    if freeze:
        gc.freeze()
    if off:
        gc.disable()
    ratios = []
    try:
        for _ in range(rounds):
            empty = _empty_collection() if subtract else 0.0
            t = {}
            for name, run in runs.items():
                t0 = time.perf_counter()
                run()
                if collect:
                    gc.collect()
                t[name] = time.perf_counter() - t0 - empty
            ratios.append(t["minigrad"] / t["micrograd"])
    finally:
        gc.enable()
        gc.unfreeze()
        gc.collect()
    return statistics.median(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    jax = enable_jax_float64()
    import autograd  # noqa: F401  (the heap of `make bench`)
    import matplotlib.pyplot  # noqa: F401

    w = WORKLOADS[0]
    params, data = w.inputs()
    runs = {name: ENGINES[name](w.f, params, data) for name in ("minigrad", "micrograd")}
    for run in runs.values():
        run()
    print(f"{w.name}; {len(gc.get_objects())} live objects; jax {'loaded' if jax else 'absent'}")
    print("| method | minigrad / micrograd |\n|---|---:|")
    for name, how in METHODS.items():
        print(f"| {name} | {ratio(runs, args.rounds, *how):.2f}x |", flush=True)


if __name__ == "__main__":
    main()
