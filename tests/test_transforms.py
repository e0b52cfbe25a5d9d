"""grad, jvp, vjp, jacfwd, jacrev and hessian: worked examples, nesting,
control flow, structured inputs, clear errors and robustness."""

from __future__ import annotations

import gc
import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from reference import close

import minigrad as mg

# --- worked examples ---------------------------------------------------------


def f_example(x1, x2):
    return x1 * x2 + x2


def test_worked_example_jvp_and_vjp():
    assert mg.jvp(f_example, (2.0, 4.0), (1.0, 0.0)) == (12.0, 4.0)
    assert mg.jvp(f_example, (2.0, 4.0), (0.0, 1.0)) == (12.0, 3.0)
    z, f_vjp = mg.vjp(f_example, 2.0, 4.0)
    assert z == 12.0 and f_vjp(1.0) == (4.0, 3.0)


def test_derivatives_of_x_cubed_to_fourth_order():
    derivs, d = [], lambda x: x**3
    for _ in range(5):
        derivs.append(d(4.0))
        d = mg.grad(d)
    assert derivs == [64.0, 48.0, 24.0, 6.0, 0.0]  # 4**3, 3*4**2, 6*4, 6, 0


def branch(x):
    if x > 2:
        return x**2
    return x**3


@given(x=st.floats(-5, 5).filter(lambda v: abs(v - 2) > 1e-9))
def test_python_control_flow(x):
    expected = 2 * x if x > 2 else 3 * x**2
    assert math.isclose(mg.grad(branch)(x), expected, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(mg.jvp(branch, (x,), (1.0,))[1], expected, rel_tol=1e-12, abs_tol=1e-12)


def test_while_loop_newton_sqrt():
    def newton_sqrt(a):
        y = a
        while abs(y * y - a) > 1e-14:
            y = 0.5 * (y + a / y)
        return y

    assert math.isclose(mg.grad(newton_sqrt)(2.0), 0.5 / math.sqrt(2.0), rel_tol=1e-9)


# --- nesting and perturbation confusion ---------------------------------------


def d_grad(f):
    return mg.grad(f)


def d_jvp(f):
    return lambda x: mg.jvp(f, (x,), (1.0,))[1]


def d_jacfwd(f):
    return mg.jacfwd(f)


def d_jacrev(f):
    return mg.jacrev(f)


DERIVATIVES = [d_grad, d_jvp, d_jacfwd, d_jacrev]


@pytest.mark.parametrize("outer,inner", list(itertools.product(DERIVATIVES, repeat=2)))
def test_no_perturbation_confusion(outer, inner):
    """d/dx [x * d/dy (x + y) at y=1] = d/dx [x * 1] = 1 (a naive dual-number AD gets 2)."""
    assert outer(lambda x: x * inner(lambda y: x + y)(1.0))(1.0) == 1.0


@pytest.mark.parametrize("modes", list(itertools.product(DERIVATIVES, repeat=3)))
def test_third_derivative_in_every_combination(modes):
    f = lambda x: mg.sin(x) * x**2
    d = f
    for mode in modes:
        d = mode(d)
    x = 0.7
    exact = -math.cos(x) * x**2 - 6 * x * math.sin(x) + 6 * math.cos(x)
    assert math.isclose(d(x), exact, rel_tol=1e-12)


def test_hessian_of_array_function_matches_jax():
    A = np.array([[2.0, -1.0, 0.5], [0.3, 1.0, -2.0]])

    def f(m):
        return lambda x: m.sum(m.tanh(A @ x) ** 2) + m.sum(m.exp(0.1 * x) * x)

    x = np.array([0.3, -0.2, 0.9])
    close(mg.hessian(f(mg))(x), jax.hessian(f(jnp))(jnp.asarray(x)))
    close(mg.jacrev(mg.jacrev(f(mg)))(x), jax.hessian(f(jnp))(jnp.asarray(x)))


def test_jacobian_shapes_match_jax():
    def f(m):
        return lambda x: m.sin(x) * 2.0

    for x in (0.3, np.ones(3) * 0.2, np.ones((2, 2)) * 0.1):
        for ours, theirs in ((mg.jacfwd, jax.jacfwd), (mg.jacrev, jax.jacrev)):
            J, jJ = ours(f(mg))(x), theirs(f(jnp))(jnp.asarray(x))
            assert np.shape(J) == np.shape(jJ)
            close(J, jJ)


# --- structured arguments ----------------------------------------------------


def test_gradient_has_the_structure_of_the_argument():
    params = {"w": [np.array([1.0, 2.0]), 3.0], "b": 0.5}

    def loss(p):
        return mg.sum(p["w"][0] * p["w"][1]) + p["b"] ** 2

    g = mg.grad(loss)(params)
    assert set(g) == {"w", "b"} and isinstance(g["w"], list)
    close(g["w"][0], [3.0, 3.0])
    close(g["w"][1], 3.0)
    close(g["b"], 1.0)


def test_argnums_and_unused_arguments():
    f = lambda x, y, z: x * y
    assert mg.grad(f, argnums=(0, 1, 2))(2.0, 3.0, 4.0) == (3.0, 2.0, 0.0)
    assert mg.grad(f, argnums=1)(2.0, 3.0, 4.0) == 2.0
    assert mg.grad(lambda x: 5.0)(1.0) == 0.0
    close(mg.grad(lambda x: 5.0)(np.ones(3)), np.zeros(3))


def test_computing_a_gradient_twice_gives_the_same_answer():
    f = lambda x: mg.sum(mg.sin(x) * x)
    x = np.linspace(0.0, 1.0, 5)
    g1, g2 = mg.grad(f)(x), mg.grad(f)(x)
    np.testing.assert_array_equal(g1, g2)
    _, f_vjp = mg.vjp(f, x)
    np.testing.assert_array_equal(f_vjp(1.0)[0], f_vjp(1.0)[0])
    np.testing.assert_array_equal(f_vjp(1.0)[0], g1)


def test_inputs_are_not_modified():
    x = np.array([1.0, 2.0, 3.0])
    before = x.copy()
    mg.grad(lambda v: mg.sum(v * v))(x)
    mg.hessian(lambda v: mg.sum(v * v * v))(x)
    np.testing.assert_array_equal(x, before)
    c = np.array([0.5, -1.0, 2.0])  # constants closed over must survive the sweep too
    c_before = c.copy()
    g = mg.grad(lambda v: mg.sum(mg.exp(v * c) * c + mg.sin(c * v) + v / c))(x)
    np.testing.assert_array_equal(c, c_before)
    close(g, c * c * np.exp(x * c) + c * np.cos(c * x) + 1.0 / c)


# --- clear errors ------------------------------------------------------------


def test_grad_of_non_scalar_output_is_an_error():
    with pytest.raises(TypeError, match="scalar output.*shape \\(3,\\)"):
        mg.grad(lambda x: x * 2.0)(np.ones(3))
    with pytest.raises(TypeError, match="scalar output.*list"):
        mg.grad(lambda x: [x, x])(1.0)


def test_integer_inputs_are_an_error():
    with pytest.raises(TypeError, match="float.*int"):
        mg.grad(lambda x: x * x)(3)
    with pytest.raises(TypeError, match="dtype int64"):
        mg.grad(lambda x: mg.sum(x))(np.arange(3))
    with pytest.raises(TypeError, match="bool"):
        mg.jvp(lambda x: x, (True,), (1.0,))


def test_unsupported_types_are_an_error():
    with pytest.raises(TypeError, match="got str"):
        mg.grad(lambda x: x)("1.0")
    with pytest.raises(TypeError, match="got complex"):
        mg.grad(lambda x: x)(1.0 + 2.0j)


def test_leaving_minigrad_is_an_error_not_a_wrong_number():
    with pytest.raises(TypeError, match="drop its derivative"):
        mg.grad(lambda x: math.sin(x))(1.0)
    with pytest.raises(TypeError):
        mg.grad(lambda x: np.sum(np.sin(x)))(np.ones(2))


def test_missing_rule_is_named():
    double = mg.Primitive("double", lambda x: 2 * x).defjvp(lambda t, ans, x: 2 * t)
    assert mg.jvp(double, (1.0,), (1.0,)) == (2.0, 2.0)
    with pytest.raises(NotImplementedError, match="'double' has no VJP rule"):
        mg.grad(double)(1.0)


def test_mismatched_tangents_and_cotangents_are_errors():
    with pytest.raises(ValueError, match="shape"):
        mg.jvp(lambda x: x, (np.ones(3),), (np.ones(2),))
    _, f_vjp = mg.vjp(lambda x: x * 2.0, np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        f_vjp(np.ones(2))
    with pytest.raises(ValueError, match="argnums"):
        mg.grad(lambda x: x, argnums=1)(1.0)


# --- robustness --------------------------------------------------------------


def test_reverse_mode_over_a_chain_of_100000_operations():
    n, a = 100_000, 1.00001

    def chain(x):
        for _ in range(n):
            x = x * a
        return x

    value, g = mg.value_and_grad(chain)(1.0)
    assert math.isclose(g, a**n, rel_tol=1e-9)
    assert math.isclose(value, a**n, rel_tol=1e-9)


def test_recorded_graphs_are_freed_without_the_garbage_collector():
    """No reference cycles: gc finds no garbage after many nested derivatives."""
    f = lambda x: mg.sum(mg.tanh(x) * x) + mg.sum(x[1:] * x[:-1])
    x = np.linspace(-1.0, 1.0, 4)
    mg.hessian(f)(x)  # warm up caches (imports, numpy internals)
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            mg.grad(f)(x)
            mg.hessian(f)(x)
            mg.jvp(f, (x,), (x,))
            mg.grad(mg.grad(lambda s: s * mg.sin(s)))(0.5)
        garbage = gc.collect()
    finally:
        gc.enable()
    assert garbage == 0


def test_jax_and_numpy_scalars_and_arrays_as_constants():
    w = np.float64(2.0)
    assert mg.grad(lambda x: w * x + x * w)(1.0) == 4.0
    close(mg.grad(lambda x: mg.sum(np.ones((2, 3)) * x))(np.ones(3)), [2.0, 2.0, 2.0])
