"""minigrad.teaching.checkpointing: the binomial (revolve) schedule against a brute-force optimum
(dynamic programming over every split), run on a chain whose derivative is known in closed form."""

from functools import cache
from math import comb

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.teaching.checkpointing import (
    binomial_reach,
    peak_bytes,
    repetitions,
    revolve_advances,
    revolve_schedule,
)


@cache
def fewest_advances(n, c):
    """The optimum by trying every position m of the next checkpoint (no formula)."""
    if n == 1:
        return 0
    if c == 1:  # every step recomputed from the start
        return sum(range(n))
    return min(m + fewest_advances(n - m, c - 1) + fewest_advances(m, c) for m in range(1, n))


def run(actions, x0, coeffs):
    """Execute a schedule on the chain x -> sin(a_i x); return (gradient, checks)."""
    step = lambda i, x: mg.sin(coeffs[i] * x)
    live, slots, ct = (0, x0), {0: x0}, 1.0
    reversed_steps, most_slots = [], 1
    for action, i in actions:
        if action == "advance":
            assert live[0] == i, "advance from a state that is not live"
            live = (i + 1, step(i, live[1]))
        elif action == "store":
            assert live[0] == i and i not in slots
            slots[i] = live[1]
            most_slots = max(most_slots, len(slots))
        elif action == "reverse":
            assert live[0] == i, "reverse a step whose input is not live"
            _, pullback = mg.vjp(lambda x, i=i: step(i, x), live[1])
            (ct,) = pullback(ct)
            reversed_steps.append(i)
        elif action == "restore":
            live = (i, slots[i])
        elif action == "free":
            del slots[i]
        else:
            raise AssertionError(action)
    return ct, reversed_steps, most_slots


def chain_derivative(x0, coeffs):
    """d x_n / d x_0 by the chain rule written out (independent of minigrad)."""
    x, d = x0, 1.0
    for a in coeffs:
        d *= a * np.cos(a * x)
        x = np.sin(a * x)
    return d


@given(n=st.integers(1, 60), c=st.integers(1, 7))
@settings(max_examples=60, deadline=None)
def test_schedule_is_optimal_valid_and_right(n, c):
    actions = list(revolve_schedule(n, c))
    advances = sum(a == "advance" for a, _ in actions)
    assert advances == fewest_advances(n, c) == revolve_advances(n, c)
    coeffs = np.linspace(0.5, 1.5, n)
    grad, reversed_steps, most_slots = run(actions, 0.3, coeffs)
    assert reversed_steps == list(range(n - 1, -1, -1))
    assert most_slots <= c
    assert grad == pytest.approx(chain_derivative(0.3, coeffs), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("c", [1, 2, 3, 5])
def test_no_step_advanced_more_than_r_times(c):
    for n in range(1, 80):
        r = repetitions(n, c)
        counts = np.zeros(n, int)
        for action, i in revolve_schedule(n, c):
            counts[i] += action == "advance"
        assert counts.max(initial=0) <= r
        assert n <= binomial_reach(c, r) and (r == 0 or n > binomial_reach(c, r - 1))


def test_reach_is_pascal():
    for c in range(1, 6):
        for r in range(1, 6):
            assert binomial_reach(c, r) == binomial_reach(c - 1, r) + binomial_reach(c, r - 1)
            assert binomial_reach(c, r) == comb(c + r, r)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="checkpoint"):
        revolve_schedule(5, 0)
    with pytest.raises(ValueError, match="step"):
        revolve_advances(0, 3)
    with pytest.raises(ValueError, match="c >= 0"):
        binomial_reach(-1, 2)


def test_peak_bytes_sees_an_array_and_refuses_nesting():
    assert 8e6 <= peak_bytes(lambda: np.ones(1_000_000)) < 9e6
    with pytest.raises(RuntimeError, match="already tracing"):
        peak_bytes(lambda: peak_bytes(lambda: None))
