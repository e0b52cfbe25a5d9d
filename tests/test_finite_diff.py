"""minigrad.teaching.finite_diff against analytic derivatives and sympy."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from minigrad.teaching.finite_diff import (
    EPS,
    CallCounter,
    OpCounter,
    central_difference,
    complex_step,
    default_step,
    fd_gradient,
    forward_difference,
)

xs = st.floats(-3.0, 3.0, allow_nan=False)

# Scalar test functions, their derivatives written out by hand.
CASES = [
    (lambda x: x**3 + 30.0, lambda x: 3.0 * x**2),
    (np.sin, np.cos),
    (lambda x: np.exp(-x * x), lambda x: -2.0 * x * np.exp(-x * x)),
    (lambda x: np.cos(x**2), lambda x: -2.0 * x * np.sin(x**2)),
]


@settings(max_examples=50, deadline=None)
@given(x=xs, case=st.sampled_from(CASES))
def test_scalar_differences_match_analytic(x, case):
    f, df = case
    exact = df(x)
    scale = 1.0 + abs(exact)
    assert abs(forward_difference(f, x, 1e-7) - exact) < 1e-4 * (1 + abs(x)) ** 3 * scale
    assert abs(central_difference(f, x, 1e-5) - exact) < 1e-6 * (1 + abs(x)) ** 3 * scale
    assert abs(complex_step(f, x) - exact) <= 1e-14 * scale


def test_truncation_orders():
    # Halving h should halve the forward error and quarter the central error.
    f, x = np.exp, 0.5
    errs_fwd = [abs(forward_difference(f, x, h) - math.exp(x)) for h in (1e-2, 5e-3)]
    errs_cen = [abs(central_difference(f, x, h) - math.exp(x)) for h in (1e-2, 5e-3)]
    assert errs_fwd[0] / errs_fwd[1] == pytest.approx(2.0, rel=0.02)
    assert errs_cen[0] / errs_cen[1] == pytest.approx(4.0, rel=0.02)
    # Leading truncation terms: f''/2 h and f'''/6 h**2.
    assert forward_difference(f, x, 1e-3) - math.exp(x) == pytest.approx(math.exp(x) / 2 * 1e-3, rel=1e-2)
    assert central_difference(f, x, 1e-3) - math.exp(x) == pytest.approx(math.exp(x) / 6 * 1e-6, rel=1e-2)


def test_vectorized_on_arrays():
    x = np.linspace(-5, 5, 41)
    np.testing.assert_allclose(central_difference(lambda t: t**3 + 30, x, 1e-4), 3 * x**2, atol=1e-6)


def test_default_steps():
    assert default_step("forward") == pytest.approx(1.4901161193847656e-08)
    assert default_step("central") == pytest.approx(6.055454452393343e-06)
    with pytest.raises(ValueError):
        default_step("backward")
    with pytest.raises(ValueError):
        fd_gradient(np.sum, np.ones(2), h=1e-3, method="backward")


def _sympy_gradient(expr, symbols, point):
    return np.array([float(sp.diff(expr, s).subs(dict(zip(symbols, point, strict=True)))) for s in symbols])


@settings(max_examples=25, deadline=None)
@given(point=st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=3, max_size=3),
       method=st.sampled_from(["forward", "central"]))
def test_fd_gradient_matches_sympy(point, method):
    a, b, c = sp.symbols("a b c")
    expr = a**2 * b + sp.sin(c) * a + sp.exp(b * c)
    f = sp.lambdify([(a, b, c)], expr, "numpy")
    exact = _sympy_gradient(expr, (a, b, c), point)
    approx = fd_gradient(f, np.array(point), method=method)
    tol = 1e-5 if method == "forward" else 1e-8
    np.testing.assert_allclose(approx, exact, rtol=tol * 100, atol=tol * 100)


def test_fd_gradient_on_matrix_input():
    x = np.arange(6.0).reshape(2, 3) / 7
    g = fd_gradient(lambda m: np.sum(m**2), x, method="central")
    assert g.shape == (2, 3)
    np.testing.assert_allclose(g, 2 * x, atol=1e-8)


@pytest.mark.parametrize("n", [1, 2, 7, 30])
def test_call_counts(n):
    calls = []

    def f(x):
        calls.append(1)
        return float(np.sum(x**2))

    counted = CallCounter(f)
    fd_gradient(counted, np.ones(n), method="forward")
    assert counted.calls == len(calls) == n + 1
    counted.reset()
    calls.clear()
    fd_gradient(counted, np.ones(n), method="central")
    assert counted.calls == len(calls) == 2 * n
    assert "calls=" in repr(counted)


def test_counter_passes_arguments_through():
    c = CallCounter(lambda x, y=1.0: x * y)
    assert c(2.0, y=3.0) == 6.0
    assert c.calls == 1


def test_complex_step_beats_differences_at_tiny_step():
    # Subtractive cancellation ruins differences at h = 1e-20; the complex step has none.
    f, x = np.sin, 1.0
    assert forward_difference(f, x, 1e-20) == 0.0
    assert abs(complex_step(f, x, 1e-20) - math.cos(x)) <= EPS


@given(st.integers(0, 20), st.floats(-2.0, 2.0, allow_nan=False))
@settings(max_examples=30, deadline=None)
def test_op_counter_counts_each_operation(k, x):
    # k iterations of x -> x * 0.5 - 3 / (1 + x**2) do 5 operations each (by reading the code).
    def loop(x):
        for _ in range(k):
            x = x * 0.5 - 3 / (1 + x**2)
        return x

    counter = OpCounter()
    value = counter.run(loop, x)
    assert counter.ops == 5 * k
    assert value == loop(x)  # the same number as the uncounted run


def test_op_counter_unwraps_and_keeps_ints_exact():
    counter = OpCounter()
    out = counter.run(lambda a, b: (a * b, [-a, 2 - b]), 3**40, 5)
    assert out == (3**40 * 5, [-(3**40), -3]) and counter.ops == 3
    assert "ops=3" in repr(counter)
