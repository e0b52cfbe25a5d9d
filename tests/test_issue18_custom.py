"""custom_jvp / custom_vjp as a JAX user uses them (issue 18), against JAX (x64): closures over
traced values are errors naming the value (never a zero), pytree outputs, defjvps,
nondiff_argnums, keyword arguments, and a user's rule that returns the wrong structure
or shape is an error naming the rule."""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from exact import same
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.custom import ClosedOverTracerError

xs = st.floats(-2, 2, allow_nan=False, allow_subnormal=False)


# --- closures over traced values: an error naming the value, in JAX too -------------------


def closing_vjp(lib, custom_vjp):
    def f(w, x):
        @custom_vjp
        def g(x):
            return w * lib.sin(x)

        g.defvjp(lambda x: (g(x), x), lambda x, gbar: (gbar * w * lib.cos(x),))
        return g(x)

    return f


def closing_jvp(lib, custom_jvp):
    def f(w, x):
        @custom_jvp
        def g(x):
            return w * lib.sin(x)

        g.defjvp(lambda p, t: (g(p[0]), w * lib.cos(p[0]) * t[0]))
        return g(x)

    return f


def test_custom_vjp_closing_over_a_traced_value_is_an_error_naming_it():
    with pytest.raises(Exception):  # noqa: B017  (JAX refuses too)
        jax.grad(closing_vjp(jnp, jax.custom_vjp), (0, 1))(2.0, 0.5)
    with pytest.raises(ClosedOverTracerError, match="'w'.*argument"):
        mg.grad(closing_vjp(mg, mg.custom_vjp), (0, 1))(2.0, 0.5)
    with pytest.raises(TypeError):  # ClosedOverTracerError is a TypeError
        mg.grad(closing_vjp(mg, mg.custom_vjp), (0, 1))(2.0, 0.5)
    # only w traced, x a constant: no custom rule applies, w's derivative is followed through g
    same(mg.grad(closing_vjp(mg, mg.custom_vjp), 0)(2.0, 0.5), np.sin(0.5))


def test_custom_jvp_closing_over_a_traced_value_is_an_error_naming_it():
    with pytest.raises(Exception):  # noqa: B017
        jax.jvp(closing_jvp(jnp, jax.custom_jvp), (2.0, 0.5), (1.0, 1.0))
    for run in (
        lambda f: mg.jvp(f, (2.0, 0.5), (1.0, 1.0)),
        lambda f: mg.grad(f, (0, 1))(2.0, 0.5),
        lambda f: mg.jacfwd(f, (0, 1))(2.0, 0.5),
        lambda f: mg.linearize(f, 2.0, 0.5)[1](1.0, 1.0),
    ):
        with pytest.raises(ClosedOverTracerError, match="'w'"):
            run(closing_jvp(mg, mg.custom_jvp))


@settings(max_examples=10)
@given(w=xs, x=xs)
def test_closures_over_values_not_being_differentiated_are_fine(w, x):
    """Closing over a constant, or differentiating only the explicit argument of a function
    that closes over a plain value: the rule is used, as in JAX."""
    for close, m_custom, j_custom in (
        (closing_vjp, mg.custom_vjp, jax.custom_vjp),
        (closing_jvp, mg.custom_jvp, jax.custom_jvp),
    ):
        f, jf = close(mg, m_custom), close(jnp, j_custom)
        same(mg.grad(lambda x: f(w, x))(x), jax.grad(lambda x: jf(w, x))(x))  # noqa: B023


def test_linearize_through_custom_vjp_is_an_error_as_in_jax():
    def make(lib, custom_vjp):
        @custom_vjp
        def g(x):
            return lib.sin(x)

        g.defvjp(lambda x: (lib.sin(x), x), lambda x, gbar: (gbar * lib.cos(x),))
        return g

    with pytest.raises(TypeError):
        jax.linearize(make(jnp, jax.custom_vjp), 0.5)[1](1.0)
    with pytest.raises(TypeError, match="custom_vjp function 'g'"):
        mg.linearize(make(mg, mg.custom_vjp), 0.5)[1](1.0)


# --- the API: pytree outputs, defjvps, nondiff_argnums, keyword arguments ---------------


def dict_out(lib, custom_jvp):
    @custom_jvp
    def g(x, y):
        return {"a": lib.sin(x) * y, "b": (x * y, y)}

    @g.defjvp
    def g_jvp(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        return g(x, y), {"a": lib.cos(x) * y * tx + lib.sin(x) * ty, "b": (tx * y + x * ty, ty)}

    return g


@settings(max_examples=10)
@given(x=xs, y=xs)
def test_custom_jvp_pytree_outputs(x, y):
    g, jg = dict_out(mg, mg.custom_jvp), dict_out(jnp, jax.custom_jvp)
    scalar = lambda g: lambda x, y: g(x, y)["a"] * g(x, y)["b"][0] + g(x, y)["b"][1]  # noqa: E731
    same(mg.grad(scalar(g), (0, 1))(x, y), jax.grad(scalar(jg), (0, 1))(x, y))
    same(mg.hessian(scalar(g))(x, y), jax.hessian(scalar(jg))(x, y))
    out, tan = mg.jvp(g, (x, y), (1.0, 2.0))
    jout, jtan = jax.jvp(jg, (x, y), (1.0, 2.0))
    same([out["a"], *out["b"], tan["a"], *tan["b"]], [jout["a"], *jout["b"], jtan["a"], *jtan["b"]])
    v = np.array([x, y, 1.0])
    same(mg.vmap(lambda v: g(v, 2.0)["b"][0])(v), jax.vmap(lambda v: jg(v, 2.0)["b"][0])(v))


@settings(max_examples=10)
@given(x=xs, y=xs)
def test_defjvps_as_jax(x, y):
    def make(lib, custom_jvp):
        g = custom_jvp(lambda x, y: lib.sin(x) * y)
        g.defjvps(lambda t, ans, x, y: lib.cos(x) * y * t, lambda t, ans, x, y: lib.sin(x) * t)
        return g

    g, jg = make(mg, mg.custom_jvp), make(jnp, jax.custom_jvp)
    same(mg.grad(g, (0, 1))(x, y), jax.grad(jg, (0, 1))(x, y))
    same(mg.jvp(g, (x, y), (0.5, -1.0)), jax.jvp(jg, (x, y), (0.5, -1.0)))
    same(mg.hessian(g, (0, 1))(x, y), jax.hessian(jg, (0, 1))(x, y))
    h = mg.custom_jvp(lambda x, y: x * y)
    h.defjvps(None, lambda t, ans, x, y: x * t)  # None: no contribution from x
    same(mg.grad(h, (0, 1))(x, y), (0.0, x))


@settings(max_examples=10)
@given(x=xs, y=xs)
def test_keyword_arguments_and_nondiff_argnums(x, y):
    def make_vjp(lib, custom_vjp):
        @partial(custom_vjp, nondiff_argnums=(0,))
        def g(n, x, y=2.0):
            return x**n * y

        g.defvjp(
            lambda n, x, y=2.0: (g(n, x, y), (x, y)),
            lambda n, r, gb: (gb * n * r[0] ** (n - 1) * r[1], gb * r[0] ** n),
        )
        return g

    def make_jvp(lib, custom_jvp):
        @partial(custom_jvp, nondiff_argnums=(0,))
        def g(n, x, y=2.0):
            return x**n * y

        g.defjvp(lambda n, p, t: (g(n, *p), n * p[0] ** (n - 1) * p[1] * t[0] + p[0] ** n * t[1]))
        return g

    for make, cm, cj in (
        (make_vjp, mg.custom_vjp, jax.custom_vjp),
        (make_jvp, mg.custom_jvp, jax.custom_jvp),
    ):
        g, jg = make(mg, cm), make(jnp, cj)
        same(
            mg.grad(lambda x, y: g(3, x, y=y), (0, 1))(x, y),  # noqa: B023
            jax.grad(lambda x, y: jg(3, x, y=y), (0, 1))(x, y),  # noqa: B023
        )
        same(mg.grad(lambda x: g(3, x))(x), jax.grad(lambda x: jg(3, x))(x))  # noqa: B023  (the default y)
        same(mg.grad(lambda x: g(3, y=y, x=x))(x), jax.grad(lambda x: jg(3, y=y, x=x))(x))  # noqa: B023


def test_checkpoint_static_argnums_and_keywords():
    f = mg.checkpoint(lambda x, n, scale=1.0: scale * x**n, static_argnums=(1,))
    jf = jax.checkpoint(lambda x, n, scale=1.0: scale * x**n, static_argnums=(1,))
    same(mg.grad(lambda x: f(x, 3, scale=2.0))(1.5), jax.grad(lambda x: jf(x, 3, scale=2.0))(1.5))
    same(mg.grad(f, (0, 2))(1.5, 3, 2.0), jax.grad(jf, (0, 2))(1.5, 3, 2.0))


# --- a user's rule returning the wrong structure or shape: an error naming the rule -------


def test_wrong_tangent_shape_is_an_error():
    def make(lib, custom_jvp):
        @custom_jvp
        def spread(x):
            return x * lib.ones(3)

        spread.defjvp(lambda p, t: (spread(p[0]), t[0]))  # a scalar tangent for a (3,) output
        return spread

    with pytest.raises(TypeError):
        jax.jvp(make(jnp, jax.custom_jvp), (1.0,), (1.0,))
    for run in (lambda f: mg.jvp(f, (1.0,), (1.0,)), lambda f: mg.jacrev(f)(1.0)):
        with pytest.raises(TypeError, match="'spread'.*shape \\(\\) for a primal output of shape \\(3,\\)"):
            run(make(np, mg.custom_jvp))


def test_wrong_tangent_structure_is_an_error():
    g = mg.custom_jvp(lambda x: {"a": x, "b": x})
    g.defjvp(lambda p, t: (g(p[0]), {"a": t[0]}))
    with pytest.raises(TypeError, match="'<lambda>'.*structure"):
        mg.jvp(g, (1.0,), (1.0,))


def test_wrong_cotangent_structure_or_shape_is_an_error():
    def make(custom_vjp, bwd):
        @custom_vjp
        def prod(p):
            return p["a"] * p["b"]

        prod.defvjp(lambda p: (prod(p), p), bwd)
        return prod

    wrong_keys = lambda p, gb: ({"a": gb, "c": gb},)  # noqa: E731
    with pytest.raises(Exception):  # noqa: B017
        jax.grad(make(jax.custom_vjp, wrong_keys))({"a": 1.0, "b": 2.0})
    with pytest.raises(TypeError, match="'prod'.*structure"):
        mg.grad(make(mg.custom_vjp, wrong_keys))({"a": 1.0, "b": 2.0})

    @mg.custom_vjp
    def double(x):
        return 2.0 * x

    double.defvjp(lambda x: (double(x), None), lambda r, gb: (gb * np.ones(3),))
    with pytest.raises(ValueError, match="'double'.*shape \\(3,\\) for argument 0 of shape \\(\\)"):
        mg.grad(double)(1.0)


# --- closures over batched values (vmap): each example sees its own value, as in JAX ------


@settings(max_examples=5)
@given(x=xs)
def test_closures_over_batched_values(x):
    ws, xv = np.array([1.0, -2.0, 3.0]), np.array([0.1, 0.2, x])
    makers = [
        (closing_jvp(mg, mg.custom_jvp), closing_jvp(jnp, jax.custom_jvp)),
        (closing_vjp(mg, mg.custom_vjp), closing_vjp(jnp, jax.custom_vjp)),
        (
            lambda w, x: mg.checkpoint(lambda x: w * mg.sin(x))(x),
            lambda w, x: jax.checkpoint(lambda x: w * jnp.sin(x))(x),
        ),
    ]
    for f, jf in makers:
        same(mg.vmap(f)(ws, xv), jax.vmap(jf)(ws, xv))
        same(mg.vmap(f, (0, None))(ws, x), jax.vmap(jf, (0, None))(ws, x))
        same(mg.vmap(mg.grad(f, 1))(ws, xv), jax.vmap(jax.grad(jf, 1))(ws, xv))
        same(mg.vmap(mg.grad(f, 1), (0, None))(ws, x), jax.vmap(jax.grad(jf, 1), (0, None))(ws, x))
        # x shared by the examples and differentiated outside vmap (JAX refuses this for custom_vjp)
        got = mg.grad(lambda x: mg.sum(mg.vmap(f, (0, None))(ws, x)))(x)  # noqa: B023
        same(got, float(np.sum(ws * np.cos(x))))
    f, jf = makers[0]
    same(
        mg.vmap(lambda w, x: mg.jvp(lambda x: f(w, x), (x,), (1.0,)))(ws, xv),
        jax.vmap(lambda w, x: jax.jvp(lambda x: jf(w, x), (x,), (1.0,)))(ws, xv),
    )
    same(mg.vmap(f)(np.zeros(0), np.zeros(0)), jax.vmap(jf)(np.zeros(0), np.zeros(0)))
