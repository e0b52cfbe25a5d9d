"""Wall-clock timing that holds up on a busy machine: medians of batched runs."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


def median_seconds(fn: Callable[[], object], repeat: int = 7, min_time: float = 2e-3) -> float:
    """Median over `repeat` samples of the seconds one call of `fn()` takes.

    Each sample runs `fn` in a loop long enough to last at least `min_time`
    seconds (the loop count is doubled until it does), so very fast functions
    are not lost in the clock's resolution and scheduling noise.

    >>> 0.0 < median_seconds(lambda: sum(range(100)), repeat=3) < 1.0
    True
    """
    if repeat < 1:
        raise ValueError(f"repeat must be positive, got {repeat}")
    loops = _loops_for(fn, min_time)
    return float(np.median([_per_call(fn, loops) for _ in range(repeat)]))


def median_ratio(fn: Callable[[], object], reference: Callable[[], object], repeat: int = 7,
                 min_time: float = 2e-3) -> float:
    """Median over `repeat` samples of (seconds of `fn()`) / (seconds of `reference()`).

    The two are timed back to back within each sample, so a change in the
    machine's load during the measurement affects both alike.

    How many times slower `fn` is (noisy, so nothing tighter is claimed here):

    >>> slow, fast = lambda: sum(range(1000)), lambda: sum(range(10))
    >>> median_ratio(slow, fast, repeat=3) > 0.0
    True
    """
    if repeat < 1:
        raise ValueError(f"repeat must be positive, got {repeat}")
    loops, ref_loops = _loops_for(fn, min_time), _loops_for(reference, min_time)
    ratios = [_per_call(fn, loops) / _per_call(reference, ref_loops) for _ in range(repeat)]
    return float(np.median(ratios))


def _loops_for(fn: Callable[[], object], min_time: float) -> int:
    """Smallest power of two of calls of `fn` that lasts at least `min_time` seconds."""
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        if time.perf_counter() - start >= min_time:
            return loops
        loops *= 2


def _per_call(fn: Callable[[], object], loops: int) -> float:
    """Seconds per call of `fn`, over `loops` calls."""
    start = time.perf_counter()
    for _ in range(loops):
        fn()
    return (time.perf_counter() - start) / loops
