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
    """
    if repeat < 1:
        raise ValueError(f"repeat must be positive, got {repeat}")
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        if time.perf_counter() - start >= min_time:
            break
        loops *= 2
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        samples.append((time.perf_counter() - start) / loops)
    return float(np.median(samples))
