"""Every primitive's value, JVP and VJP against JAX, and the scalar ones against sympy."""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from reference import check_jvp_vjp, close

import minigrad as mg


def floats(lo: float, hi: float):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def arrays(lo: float, hi: float, shape):
    return hnp.arrays(np.float64, shape, elements=floats(lo, hi))


def nonzero(lo: float, hi: float):
    return floats(lo, hi).filter(lambda v: abs(v) > 1e-3)


# name: (minigrad op, jax op, domain of the input)
UNARY = {
    "neg": (lambda x: -x, lambda x: -x, (-5, 5)),
    "exp": (mg.exp, jnp.exp, (-5, 5)),
    "log": (mg.log, jnp.log, (0.05, 20)),
    "sin": (mg.sin, jnp.sin, (-6, 6)),
    "cos": (mg.cos, jnp.cos, (-6, 6)),
    "tanh": (mg.tanh, jnp.tanh, (-4, 4)),
    "sqrt": (mg.sqrt, jnp.sqrt, (0.05, 20)),
    "abs": (mg.abs, jnp.abs, (-5, 5)),
    "square": (lambda x: x**2, lambda x: x**2, (-5, 5)),
    "cube": (lambda x: x**3, lambda x: x**3, (-5, 5)),
}

BINARY = {
    "add": (lambda x, y: x + y, lambda x, y: x + y, (-5, 5), (-5, 5)),
    "sub": (lambda x, y: x - y, lambda x, y: x - y, (-5, 5), (-5, 5)),
    "mul": (lambda x, y: x * y, lambda x, y: x * y, (-5, 5), (-5, 5)),
    "div": (lambda x, y: x / y, lambda x, y: x / y, (-5, 5), (0.2, 5)),
    "pow": (lambda x, y: x**y, lambda x, y: x**y, (0.1, 4), (-2, 2)),
    "maximum": (mg.maximum, jnp.maximum, (-5, 5), (-5, 5)),
}


@pytest.mark.parametrize("name", UNARY)
@given(data=st.data())
def test_unary_on_floats_and_arrays(name, data):
    f, jf, (lo, hi) = UNARY[name]
    edge = st.sampled_from(EDGE_POINTS.get(name, [float(lo)]))  # abs, sqrt at 0 included (JAX's inf/nan/1)
    x = data.draw(st.one_of(edge, floats(lo, hi)))
    xs = data.draw(st.sampled_from([(), (2, 3), (2, 1, 3)]).flatmap(
        lambda shape: hnp.arrays(np.float64, shape, elements=st.one_of(edge, floats(lo, hi)))))
    check_jvp_vjp(f, jf, (x,))
    check_jvp_vjp(f, jf, (xs,))


EDGE_POINTS = {"abs": [0.0, -0.0], "sqrt": [0.0], "log": [0.0], "square": [0.0], "cube": [0.0, -2.0]}


@settings(max_examples=15)
@given(x=st.one_of(st.just(0.0), floats(-3, 3)), n=st.integers(-3, 4))
def test_integer_powers_of_any_sign_and_base(x, n):
    """Negative bases, negative exponents and x = 0 (inf where JAX gives inf)."""
    check_jvp_vjp(lambda v: v**n, lambda v: v**n, (x,))
    check_jvp_vjp(lambda v: v**n, lambda v: v**n, (np.array([x, -x, 0.5]),))


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shapes", [((), ()), ((3,), (3,)), ((2, 3), ()), ((2, 1), (1, 3)), ((3,), (2, 3))])
@given(data=st.data())
def test_binary_with_broadcasting(name, shapes, data):
    f, jf, dx, dy = BINARY[name]
    args = []
    for shape, (lo, hi) in zip(shapes, (dx, dy)):
        args.append(data.draw(floats(lo, hi)) if shape == () else data.draw(arrays(lo, hi, shape)))
    if name == "maximum":  # away from ties, where the derivative jumps
        a, b = np.broadcast_arrays(*args)
        if np.any(np.abs(a - b) < 1e-6):
            return
    check_jvp_vjp(f, jf, tuple(args))


@given(x=arrays(-3, 3, (2, 3)), c=floats(-3, 3))
def test_binary_with_a_constant_on_either_side(x, c):
    for op in (lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / (b * b + 1.0)):
        check_jvp_vjp(lambda v, op=op: op(v, c), lambda v, op=op: op(v, c), (x,))
        check_jvp_vjp(lambda v, op=op: op(c, v), lambda v, op=op: op(c, v), (x,))
        check_jvp_vjp(lambda v, op=op: op(np.ones(3), v), lambda v, op=op: op(jnp.ones(3), v), (x,))


STRUCTURAL = {
    "sum": (lambda x: mg.sum(x), jnp.sum),
    "sum_axis0": (lambda x: mg.sum(x, axis=0), lambda x: jnp.sum(x, axis=0)),
    "sum_keepdims": (lambda x: mg.sum(x, axis=1, keepdims=True), lambda x: jnp.sum(x, 1, keepdims=True)),
    "mean": (mg.mean, jnp.mean),
    "mean_axis": (lambda x: mg.mean(x, axis=-1), lambda x: jnp.mean(x, axis=-1)),
    "reshape": (lambda x: mg.reshape(x, (3, 2)), lambda x: jnp.reshape(x, (3, 2))),
    "reshape_method": (lambda x: x.reshape(6), lambda x: x.reshape(6)),
    "transpose": (mg.transpose, jnp.transpose),
    "T": (lambda x: x.T, lambda x: x.T),
    "index_int": (lambda x: x[1], lambda x: x[1]),
    "index_scalar": (lambda x: x[1, 2], lambda x: x[1, 2]),
    "index_slice": (lambda x: x[:, 1:], lambda x: x[:, 1:]),
    "index_fancy": (lambda x: x[:, [0, 2, 0]], lambda x: x[:, jnp.array([0, 2, 0])]),
    "broadcast_to": (lambda x: mg.broadcast_to(x, (4, 2, 3)), lambda x: jnp.broadcast_to(x, (4, 2, 3))),
    "stack": (lambda x: mg.stack([x, 2.0 * x, x * x]), lambda x: jnp.stack([x, 2.0 * x, x * x])),
    "stack_axis": (lambda x: mg.stack([x, x * x], axis=-1), lambda x: jnp.stack([x, x * x], axis=-1)),
    "where": (lambda x: mg.where(x > 0, x * x, -x), lambda x: jnp.where(x > 0, x * x, -x)),
    "matvec": (lambda x: x @ np.arange(3.0), lambda x: x @ jnp.arange(3.0)),
    "vecmat": (lambda x: np.arange(2.0) @ x, lambda x: jnp.arange(2.0) @ x),
    "matmat": (lambda x: mg.dot(x, x.T), lambda x: jnp.dot(x, x.T)),
    "vecvec": (lambda x: x[0] @ x[1], lambda x: x[0] @ x[1]),
}


@pytest.mark.parametrize("name", STRUCTURAL)
@given(x=arrays(-3, 3, (2, 3)))
def test_structural(name, x):
    f, jf = STRUCTURAL[name]
    check_jvp_vjp(f, jf, (x,))


@given(a=arrays(-2, 2, (4, 3)), b=arrays(-2, 2, (3, 2)))
def test_matmul_both_arguments(a, b):
    check_jvp_vjp(lambda x, y: x @ y, lambda x, y: x @ y, (a, b))
    check_jvp_vjp(lambda x, y: mg.matmul(x, y[:, 0]), lambda x, y: x @ y[:, 0], (a, b))


@given(x=floats(-3, 3), y=floats(-3, 3))
def test_maximum_splits_ties_like_jax(x, y):
    check_jvp_vjp(mg.maximum, jnp.maximum, (x, x))
    check_jvp_vjp(lambda a: mg.maximum(a, y), lambda a: jnp.maximum(a, y), (x,)) if x != y else None


# --- scalar primitives against sympy: first and second derivatives -----------

X = sympy.Symbol("x", real=True)
SYMPY = {
    "exp": (mg.exp, sympy.exp(X), (-3, 3)),
    "log": (mg.log, sympy.log(X), (0.1, 10)),
    "sin": (mg.sin, sympy.sin(X), (-6, 6)),
    "cos": (mg.cos, sympy.cos(X), (-6, 6)),
    "tanh": (mg.tanh, sympy.tanh(X), (-3, 3)),
    "sqrt": (mg.sqrt, sympy.sqrt(X), (0.1, 10)),
    "abs": (mg.abs, sympy.Abs(X), (0.1, 10)),
    "pow": (lambda x: x**2.5, X**2.5, (0.1, 5)),
    "rpow": (lambda x: 2.0**x, 2**X, (-3, 3)),
    "recip": (lambda x: 1.0 / x, 1 / X, (0.2, 5)),
    "x^4": (lambda x: x**4, X**4, (-3, 3)),
}


@pytest.mark.parametrize("name", SYMPY)
@given(data=st.data())
def test_scalar_derivatives_match_sympy(name, data):
    f, expr, (lo, hi) = SYMPY[name]
    x = data.draw(floats(lo, hi))
    d1 = float(sympy.diff(expr, X).subs(X, x))
    d2 = float(sympy.diff(expr, X, 2).subs(X, x))
    close(mg.grad(f)(x), d1, rtol=1e-9)
    close(mg.grad(mg.grad(f))(x), d2, rtol=1e-9)
    close(mg.jvp(f, (x,), (1.0,))[1], d1, rtol=1e-9)
    close(mg.jacfwd(mg.jacrev(f))(x), d2, rtol=1e-9)
    assert math.isclose(f(x), float(expr.subs(X, x)), rel_tol=1e-12)
