"""Timing that holds up on a busy machine: medians of batched runs.

Every function takes a `clock`: `time.perf_counter` (wall-clock time, the
default) or `time.process_time` (CPU time of this process, which does not count
the time the machine spends on other processes; on a shared machine it is the
steadier measure of how much work a computation does).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

Clock = Callable[[], float]


def median_seconds(fn: Callable[[], object], repeat: int = 7, min_time: float = 2e-3,
                   clock: Clock = time.perf_counter) -> float:
    """Median over `repeat` samples of the seconds one call of `fn()` takes.

    Each sample runs `fn` in a loop long enough to last at least `min_time`
    seconds (the loop count is doubled until it does), so very fast functions
    are not lost in the clock's resolution and scheduling noise.

    >>> 0.0 < median_seconds(lambda: sum(range(100)), repeat=3) < 1.0
    True
    """
    if repeat < 1:
        raise ValueError(f"repeat must be positive, got {repeat}")
    loops = _loops_for(fn, min_time, clock)
    return float(np.median([_per_call(fn, loops, clock) for _ in range(repeat)]))


def median_ratio(fn: Callable[[], object], reference: Callable[[], object], repeat: int = 7,
                 min_time: float = 2e-3, clock: Clock = time.perf_counter) -> float:
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
    loops, ref_loops = _loops_for(fn, min_time, clock), _loops_for(reference, min_time, clock)
    ratios = [_per_call(fn, loops, clock) / _per_call(reference, ref_loops, clock)
              for _ in range(repeat)]
    return float(np.median(ratios))


def _loops_for(fn: Callable[[], object], min_time: float, clock: Clock) -> int:
    """Smallest power of two of calls of `fn` that lasts at least `min_time` seconds."""
    loops = 1
    while True:
        start = clock()
        for _ in range(loops):
            fn()
        if clock() - start >= min_time:
            return loops
        loops *= 2


def _per_call(fn: Callable[[], object], loops: int, clock: Clock) -> float:
    """Seconds per call of `fn`, over `loops` calls."""
    start = clock()
    for _ in range(loops):
        fn()
    return (clock() - start) / loops
