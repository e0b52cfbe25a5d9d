"""Peak memory of value and gradient of the long elementwise chain, per engine.

    python -m benchmarks.memory [--n N] [--repeats R]

The workload is `long_chain` of `workloads.py` (ten rounds of
y = sin(y) exp(-0.1 y^2) + tanh(y), summed) at N = 2e5 floats. Each engine's
call runs under `tracemalloc`; the figure is the peak of traced memory during
the call minus what was traced before it (the input), in arrays of N float64
numbers (N * 8 bytes). numpy's value alone is the floor: two or three arrays
alive at once. A reverse-mode engine also holds what its backward sweep needs;
minigrad's tape is measured under both of its policies (every intermediate,
and only the residuals the VJP rules read).

tracemalloc counts numpy's array buffers (numpy reports them to it), so the
figure does not depend on the machine's load; the minimum over a few repeats
is shown (the first call of an engine may also allocate caches).
"""

from __future__ import annotations

import argparse
import gc
import tracemalloc
from collections.abc import Callable

import numpy as np

import minigrad as mg
from minigrad.core import new_trace
from minigrad.reverse import TapeTracer, VJPTrace, backward

from .workloads import long_chain


def peak_arrays(run: Callable[[], object], n: int, repeats: int = 3) -> float:
    """Least peak (over `repeats` calls) of memory traced during `run()`, in arrays of
    `n` float64 numbers, above what was traced before the call."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = run()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del result
        best = min(best, (peak - before) / (8 * n))
    return best


def runners(n: int) -> dict[str, Callable[[], object]]:
    """Value and gradient of the chain on `n` floats, by engine (autograd if installed)."""
    x = np.linspace(-3.0, 3.0, n)
    vg = mg.value_and_grad(lambda y: long_chain(mg, [y], None))

    def keep_all() -> object:
        """minigrad's value and gradient as before residuals: the tape keeps every
        value, and the sweep frees none of it."""
        with new_trace(VJPTrace, 1, True) as trace:
            out = long_chain(mg, [TapeTracer(trace, x, 0)], None)
        value = out.primal
        return value, backward(trace.tape, 1, [(out.index, 1.0)])[0]

    out = {
        "numpy (value only)": lambda: long_chain(np, [x], None),
        "minigrad (residuals)": lambda: vg(x),
        "minigrad (every value kept)": keep_all,  # the tape before issue 22
    }
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return out
    avg = autograd.value_and_grad(lambda y: long_chain(anp, [y], None))
    out["autograd"] = lambda: avg(x)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=2e5, help="floats in the chain's vector")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n = int(args.n)
    print(f"peak traced memory, value and gradient of the long chain, N = {n:.3g} floats")
    print(f"{'engine':<32} {'arrays of N floats':>20}")
    for name, run in runners(n).items():
        print(f"{name:<32} {peak_arrays(run, n, args.repeats):>20.1f}")


if __name__ == "__main__":
    main()
