"""User-defined primitives (mg.Primitive + defjvp/defvjp): the custom-rule hook.

The test case is y(x) on the upper unit circle, defined implicitly by
x**2 + y**2 = 1 and computed by a root finder; its rules come from the implicit
function theorem. References are the analytic derivatives of sqrt(1 - x**2).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

import minigrad as mg


def _solve(x: float) -> float:
    assert type(x) is float, "impl must only see plain floats"
    return brentq(lambda y: x * x + y * y - 1.0, 0.0, 10.0, xtol=1e-15)


def _slope(y, x):
    return -x / y  # implicit function theorem: -(dF/dx) / (dF/dy)


circle = mg.Primitive("circle", _solve)
circle.defjvp(lambda t, y, x: t * _slope(y, x))
circle.defvjp(lambda g, y, x: g * _slope(y, x))


def d1(x):
    return -x / math.sqrt(1.0 - x * x)


def d2(x):
    return -1.0 / (1.0 - x * x) ** 1.5


def d3(x):
    return -3.0 * x / (1.0 - x * x) ** 2.5


xs = st.floats(min_value=-0.95, max_value=0.95, allow_nan=False)
scales = st.floats(min_value=-5.0, max_value=5.0, allow_nan=False)


@settings(max_examples=30, deadline=None)
@given(xs, scales)
def test_first_derivative_both_modes(x, s):
    y, y_dot = mg.jvp(circle, (x,), (s,))
    assert y == pytest.approx(math.sqrt(1.0 - x * x), abs=1e-13)
    assert y_dot == pytest.approx(s * d1(x), rel=1e-9, abs=1e-12)
    _, pullback = mg.vjp(circle, x)
    (x_bar,) = pullback(s)
    assert x_bar == pytest.approx(s * d1(x), rel=1e-9, abs=1e-12)
    assert mg.grad(circle)(x) == pytest.approx(d1(x), rel=1e-9, abs=1e-12)


@settings(max_examples=20, deadline=None)
@given(xs)
def test_second_derivative_all_mode_combinations(x):
    for nested in (
        mg.grad(mg.grad(circle)),
        mg.jacfwd(mg.grad(circle)),
        mg.jacrev(mg.jacfwd(circle)),
        mg.jacfwd(mg.jacfwd(circle)),
    ):
        assert nested(x) == pytest.approx(d2(x), rel=1e-9)


def test_third_derivative():
    x = 0.3
    assert mg.grad(mg.grad(mg.grad(circle)))(x) == pytest.approx(d3(x), rel=1e-9)


def test_inside_a_larger_expression():
    # h(x) = sin(y(x)) * x**2; the reference is the chain rule by hand
    def h(x):
        return mg.sin(circle(x)) * x**2

    x = 0.6
    y = math.sqrt(1 - x * x)
    expected = math.cos(y) * d1(x) * x * x + 2 * x * math.sin(y)
    assert mg.grad(h)(x) == pytest.approx(expected, rel=1e-10)
    assert mg.jvp(h, (x,), (1.0,))[1] == pytest.approx(expected, rel=1e-10)


def test_agrees_with_finite_differences_on_arrays_of_calls():
    # used elementwise through mg.stack inside a vector function
    x = np.array([-0.5, 0.1, 0.7])

    def f(v):
        return mg.stack([circle(v[i]) for i in range(3)])

    jac = mg.jacrev(f)(x)
    eps = 1e-6
    fd = [(_solve(float(xi) + eps) - _solve(float(xi) - eps)) / (2 * eps) for xi in x]
    np.testing.assert_allclose(np.diag(jac), fd, rtol=1e-6)
    np.testing.assert_allclose(jac - np.diag(np.diag(jac)), 0.0)


def test_two_arguments_each_with_its_rule():
    # y(r, x) with x**2 + y**2 = r**2: dy/dr = r / y, dy/dx = -x / y
    def solve(r, x):
        return brentq(lambda y: x * x + y * y - r * r, 0.0, 10.0, xtol=1e-15)

    arc = mg.Primitive("arc", solve)
    arc.defjvp(lambda t, y, r, x: t * r / y, lambda t, y, r, x: -t * x / y)
    arc.defvjp(lambda g, y, r, x: g * r / y, lambda g, y, r, x: -g * x / y)
    r, x = 2.0, 1.2
    y = math.sqrt(r * r - x * x)
    d_r, d_x = mg.grad(arc, argnums=(0, 1))(r, x)
    assert d_r == pytest.approx(r / y) and d_x == pytest.approx(-x / y)
    assert mg.jvp(arc, (r, x), (1.0, 1.0))[1] == pytest.approx(r / y - x / y)


def test_missing_rules_raise_clear_errors():
    bare = mg.Primitive("bare_root", _solve)
    assert bare(0.6) == pytest.approx(0.8)  # evaluating needs no rule
    with pytest.raises(NotImplementedError, match="bare_root.*JVP.*defjvp"):
        mg.jvp(bare, (0.6,), (1.0,))
    with pytest.raises(NotImplementedError, match="bare_root.*VJP.*defvjp"):
        mg.grad(bare)(0.6)


def test_missing_rule_for_one_argument():
    half = mg.Primitive("half_rules", lambda a, b: a * b)
    half.defjvp(lambda t, ans, a, b: t * b, None)
    half.defvjp(lambda g, ans, a, b: g * b)
    assert mg.grad(half)(2.0, 3.0) == pytest.approx(3.0)
    with pytest.raises(NotImplementedError, match="half_rules.*argument 1"):
        mg.grad(half, argnums=1)(2.0, 3.0)
    with pytest.raises(NotImplementedError, match="half_rules.*argument 1"):
        mg.jvp(half, (2.0, 3.0), (0.0, 1.0))
