"""The primitives added for issue 9 against JAX x64: values, JVPs, VJPs, second
derivatives, ties and zeros (the conventions JAX uses), shapes and dtypes exactly.
Shapes and axes come from small fixed sets (each new one costs a JAX compilation);
hypothesis draws the values."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from exact import all_modes, compiled, same
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg


def floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_subnormal=False)


def values(lo, hi, shape, elements=None):
    return hnp.arrays(np.float64, shape, elements=floats(lo, hi) if elements is None else elements)


# few distinct values, so ties (max, min, minimum, clip) and zeros (prod) are common
gridded = st.sampled_from([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0])

UNARY = {
    "log1p": (mg.log1p, jnp.log1p, (-0.9, 5.0)),
    "expm1": (mg.expm1, jnp.expm1, (-5.0, 5.0)),
    "sigmoid": (mg.sigmoid, jax.nn.sigmoid, (-30.0, 30.0)),
}


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=10)
@given(data=st.data())
def test_unary(name, data):
    f, jf, (lo, hi) = UNARY[name]
    all_modes(f, jf, (data.draw(floats(lo, hi)),))
    all_modes(f, jf, (data.draw(values(lo, hi, (2, 3))),))
    x = data.draw(floats(lo, hi))
    same(mg.grad(mg.grad(f))(x), compiled(("d2", name), lambda: jax.grad(jax.grad(jf)))(x))


def test_sigmoid_does_not_overflow():
    x = np.array([-800.0, 0.0, 800.0])
    same(mg.sigmoid(x), jax.nn.sigmoid(x))
    same(mg.sigmoid(-800.0), jax.nn.sigmoid(-800.0))
    same(mg.vjp(mg.sigmoid, x)[1](np.ones(3)), jax.vjp(jax.nn.sigmoid, x)[1](np.ones(3)))


@settings(max_examples=15)
@given(x=values(0, 0, (2, 3), gridded), y=st.one_of(values(0, 0, (3,), gridded), st.none()))
def test_minimum_with_broadcasting_and_ties(x, y):
    all_modes(mg.minimum, jnp.minimum, (x, x.copy() if y is None else y))  # None: all ties


REDUCTIONS = {"logsumexp": (mg.logsumexp, jax.nn.logsumexp), "max": (mg.max, jnp.max),
              "min": (mg.min, jnp.min), "prod": (mg.prod, jnp.prod)}
CASES = [((2, 3), None, False), ((2, 1, 3), (0, -1), True), ((2, 3), -1, False)]
JAX_REDUCTIONS = {(name, i): partial(jf, axis=axis, keepdims=keep)
                  for name, (_, jf) in REDUCTIONS.items() for i, (_, axis, keep) in enumerate(CASES)}


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("case", range(len(CASES)))
@settings(max_examples=8)
@given(data=st.data())
def test_reductions_with_axes_ties_and_zeros(name, case, data):
    f = REDUCTIONS[name][0]
    shape, axis, keepdims = CASES[case]
    x = data.draw(values(-3, 3, shape, None if name == "logsumexp" else gridded))
    all_modes(lambda v: f(v, axis=axis, keepdims=keepdims), JAX_REDUCTIONS[name, case], (x,))


@pytest.mark.parametrize("name", ["logsumexp", "prod"])
@settings(max_examples=5)
@given(x=values(0, 0, (2, 3), gridded))
def test_reduction_hessians(name, x):
    f, jf = REDUCTIONS[name]
    ref = compiled(("hessian", name), lambda: jax.hessian(lambda v: jnp.sum(jf(v, axis=0))))
    same(mg.hessian(lambda v: mg.sum(f(v, axis=0)))(x), ref(x))


def test_ties_split_the_derivative_as_jax():
    x = np.array([1.0, 3.0, 3.0, 2.0])
    same(mg.grad(mg.max)(x), jax.jit(jax.grad(jnp.max))(x))  # [0, 1/2, 1/2, 0]
    same(mg.grad(mg.min)(x), jax.jit(jax.grad(jnp.min))(x))
    same(mg.grad(mg.minimum, argnums=(0, 1))(2.0, 2.0), jax.grad(jnp.minimum, argnums=(0, 1))(2.0, 2.0))


def test_prod_at_zeros_and_of_an_empty_axis():
    x = np.array([0.0, 2.0, 3.0])
    same(mg.grad(mg.prod)(x), jax.jit(jax.grad(jnp.prod))(x))  # [6, 0, 0]: not prod / x
    same(mg.hessian(mg.prod)(x), jax.jit(jax.hessian(jnp.prod))(x))
    same(mg.prod(np.zeros((2, 0)), axis=1), jnp.prod(np.zeros((2, 0)), axis=1))
    same(mg.prod(2.5), jnp.prod(2.5))


def test_logsumexp_is_stable():
    x = np.array([1000.0, 1000.0, -np.inf])
    same(mg.logsumexp(x), jax.nn.logsumexp(x))
    same(mg.grad(mg.logsumexp)(x), jax.jit(jax.grad(jax.nn.logsumexp))(x))
    same(mg.logsumexp(np.full(2, -np.inf)), jax.nn.logsumexp(np.full(2, -np.inf)))
    same(mg.logsumexp(2.0), jax.nn.logsumexp(2.0))


def _jax_concatenate(axis):
    return lambda *xs: jnp.concatenate(xs, axis=axis)


CONCAT = {axis: _jax_concatenate(axis) for axis in (0, -1, 1)}


@pytest.mark.parametrize("axis", CONCAT)
@settings(max_examples=5)
@given(data=st.data())
def test_concatenate(axis, data):
    xs = tuple(data.draw(values(-3, 3, (1, 3, 2) if axis == 0 else (2, n, 2) if axis == 1 else (2, 3, n)))
               for n in (1, 2, 3))
    all_modes(lambda *a: mg.concatenate(a, axis=axis), CONCAT[axis], xs)
    with pytest.raises(ValueError):
        mg.concatenate([1.0, 2.0])


def _jax_clip(x, lo, hi):
    return jnp.clip(x, lo, hi)


@settings(max_examples=15)
@given(x=values(-3, 3, (5,)), lo=floats(-2, 0), hi=floats(0, 2))
def test_clip(x, lo, hi):
    x[0], x[1] = lo, hi  # points exactly on the bounds: derivative 1/2, as JAX
    all_modes(mg.clip, _jax_clip, (x, lo, hi))
    same(mg.clip(x, max=hi), jnp.clip(x, max=hi))
    same(mg.clip(x, min=lo), jnp.clip(x, min=lo))


def _sg_cube(a):
    return a * jax.lax.stop_gradient(a) ** 2


@settings(max_examples=15)
@given(x=floats(-3, 3), v=values(-3, 3, (3,)))
def test_stop_gradient(x, v):
    same(mg.stop_gradient(x), jax.lax.stop_gradient(x))
    same(mg.jvp(mg.stop_gradient, (v,), (np.ones(3),)), jax.jvp(jax.lax.stop_gradient, (v,), (np.ones(3),)))
    assert mg.jvp(mg.stop_gradient, (x,), (np.inf,))[1] == 0.0  # exactly zero, not 0 * inf
    f = lambda a: a * mg.stop_gradient(a) ** 2  # noqa: E731
    all_modes(f, _sg_cube, (x,))
    same(mg.grad(mg.grad(f))(x), compiled("sg2", lambda: jax.grad(jax.grad(_sg_cube)))(x))
    tree = mg.stop_gradient({"a": x, "b": (v,)})
    assert tree["a"] == x and tree["b"][0] is v


def _methods(v):
    return v.max() + v.min(axis=0).sum() + v.prod()


@settings(max_examples=10)
@given(x=values(0, 0, (2, 3), gridded))
def test_methods_on_traced_values(x):
    same(mg.grad(_methods)(x), compiled("methods", lambda: jax.grad(_methods))(x))
