"""Checkpointing schedules for reverse mode through a chain of steps, and a memory meter.

Reverse mode through a loop of `n` steps ``s_{i+1} = step_i(s_i)`` needs the
state before each step during the backward sweep, in reverse order. Storing
all of them costs memory proportional to `n`; checkpointing stores a few and
recomputes the others. This module holds the bookkeeping the book measures:

- `peak_bytes`: the peak memory a call allocates (tracemalloc);
- `binomial_reach`: how many steps `c` checkpoints and `r` repetitions cover;
- `revolve_schedule`: Griewank's binomial schedule as a list of actions;
- `revolve_advances`: the minimal number of recomputing steps, in closed form.

The schedule follows Griewank (1992) and Griewank and Walther's "Algorithm
799: revolve" (2000). Conventions: `c` counts the checkpoints held at once,
including the one holding the initial state; an "advance" is one step run
without recording (the first forward sweep included); every step is also run
once while being recorded, which is not counted.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from math import comb


def peak_bytes(run: Callable[[], object]) -> int:
    """Peak bytes allocated (as tracemalloc sees them) while `run()` runs.

    The result of `run()` is dropped before the measurement ends.

    >>> import numpy as np
    >>> peak_bytes(lambda: np.zeros(1_000_000)) >= 8_000_000
    True
    """
    if tracemalloc.is_tracing():
        raise RuntimeError("peak_bytes: tracemalloc is already tracing; measurements would mix")
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def binomial_reach(c: int, r: int) -> int:
    """beta(c, r) = binom(c + r, c): the most steps that `c` checkpoints can reverse
    when no step is advanced more than `r` times.

    >>> binomial_reach(1, 4), binomial_reach(3, 1), binomial_reach(3, 2)
    (5, 4, 10)
    """
    if c < 0 or r < 0:
        raise ValueError(f"binomial_reach needs c >= 0 and r >= 0, got c={c}, r={r}")
    return comb(c + r, c)


def repetitions(n: int, c: int) -> int:
    """The repetition number: the smallest r with binomial_reach(c, r) >= n.

    >>> repetitions(10, 3), repetitions(11, 3)
    (2, 3)
    """
    _check(n, c)
    r = 0
    while binomial_reach(c, r) < n:
        r += 1
    return r


def revolve_advances(n: int, c: int) -> int:
    """The fewest advances (unrecorded steps) that reverse `n` steps with `c`
    checkpoints: r n - binom(c + r, c + 1) for the repetition number r
    (Griewank 1992). With one checkpoint every step is recomputed from the
    start, n (n - 1) / 2 advances; with c >= n - 1, n - 1.

    >>> revolve_advances(10, 1), revolve_advances(10, 9), revolve_advances(10, 3)
    (45, 9, 15)
    """
    r = repetitions(n, c)
    return r * n - comb(c + r, c + 1)


def revolve_schedule(n: int, c: int) -> Iterator[tuple[str, int]]:
    """Griewank's binomial schedule for reversing `n` steps with `c` checkpoints.

    An iterator (the schedule is produced as it is used, in memory that grows
    with `c`, not with its length) of actions, in order, on a "live" state that
    starts as state 0, held in a checkpoint:

    - ("advance", i): run step i unrecorded (live state i -> i + 1);
    - ("store", i): copy the live state i into a checkpoint;
    - ("reverse", i): run step i recorded from the live state i and pull the
      cotangent back through it (the backward sweep, last step first);
    - ("restore", i): make checkpoint i the live state;
    - ("free", i): drop checkpoint i.

    >>> list(revolve_schedule(3, 2))
    [('advance', 0), ('store', 1), ('advance', 1), ('reverse', 2), ('restore', 1), \
('reverse', 1), ('free', 1), ('restore', 0), ('reverse', 0)]
    >>> actions = revolve_schedule(30, 4)
    >>> sum(a == "advance" for a, _ in actions) == revolve_advances(30, 4)
    True
    """
    _check(n, c)
    return _reverse(0, n, c)


def _reverse(i: int, j: int, c: int) -> Iterator[tuple[str, int]]:
    """Reverse steps i .. j - 1; state i is live and held in a checkpoint."""
    while j - i > 1:
        r = repetitions(j - i, c)
        # the right part [m, j) has one checkpoint fewer: at most beta(c - 1, r)
        # steps. The left part [i, m) is advanced once more here; it takes
        # at least beta(c, r - 2) steps, so that no repetition is wasted.
        left = binomial_reach(c, r - 2) if r >= 2 else 1
        m = max(i + left, j - binomial_reach(c - 1, r))
        for k in range(i, m):
            yield ("advance", k)
        if j - m > 1:
            yield ("store", m)
            yield from _reverse(m, j, c - 1)
            yield ("free", m)
        else:
            yield ("reverse", m)
        yield ("restore", i)
        j = m
    yield ("reverse", i)


def _check(n: int, c: int) -> None:
    if n < 1:
        raise ValueError(f"need at least one step, got n={n}")
    if c < 1:
        raise ValueError(f"need at least one checkpoint (the initial state), got c={c}")
