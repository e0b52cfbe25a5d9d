"""custom_jvp, custom_vjp, linearize and checkpoint against their JAX counterparts (x64)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from exact import compiled, same
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.core import new_trace
from minigrad.reverse import TapeTracer, VJPTrace

xs = st.floats(-3, 3, allow_nan=False, allow_subnormal=False)
vectors = hnp.arrays(np.float64, (3,), elements=st.floats(-2, 2))


# --- custom_jvp: log(1 + exp(x)), whose plain gradient is nan at x = 1000 -----------


def _log1pexp_rule(lib, f):
    def rule(primals, tangents):
        (x,), (t,) = primals, tangents
        return f(x), t * (1.0 - 1.0 / (1.0 + lib.exp(x)))

    return rule


@mg.custom_jvp
def log1pexp(x):
    return mg.log(1.0 + mg.exp(x))


log1pexp.defjvp(_log1pexp_rule(mg, log1pexp))


@jax.custom_jvp
def j_log1pexp(x):
    return jnp.log(1.0 + jnp.exp(x))


j_log1pexp.defjvp(_log1pexp_rule(jnp, j_log1pexp))


@settings(max_examples=15)
@given(x=xs, v=vectors)
def test_custom_jvp_every_mode_and_order(x, v):
    for name, mg_t, j_t in [
        ("grad", mg.grad, jax.grad),
        ("grad2", lambda f: mg.grad(mg.grad(f)), lambda f: jax.grad(jax.grad(f))),
        ("fwd-rev", lambda f: mg.jacfwd(mg.grad(f)), lambda f: jax.jacfwd(jax.grad(f))),
        ("rev-fwd", lambda f: mg.jacrev(mg.jacfwd(f)), lambda f: jax.jacrev(jax.jacfwd(f))),
        ("grad3", lambda f: mg.grad(mg.grad(mg.grad(f))), lambda f: jax.grad(jax.grad(jax.grad(f)))),
    ]:
        same(mg_t(log1pexp)(x), compiled(("cjvp", name), lambda j_t=j_t: j_t(j_log1pexp))(x))
    f = lambda u: mg.sum(log1pexp(u) * u)  # noqa: E731
    j_f = lambda u: jnp.sum(j_log1pexp(u) * u)  # noqa: E731
    same(mg.hessian(f)(v), compiled("cjvp-hess", lambda: jax.hessian(j_f))(v))
    j_jvp = lambda a: jax.jvp(j_log1pexp, (a,), (a,))  # noqa: E731
    same(mg.jvp(log1pexp, (v,), (v,)), compiled("cjvp-jvp", lambda: j_jvp)(v))


def test_custom_jvp_rule_is_used():
    x = np.array([1000.0])  # an array: numpy's inf/nan (Python floats raise OverflowError on main)
    with np.errstate(all="ignore"):
        assert np.isnan(mg.grad(lambda x: mg.sum(mg.log(1.0 + mg.exp(x))))(x))  # the plain rule: inf / inf
        same(mg.grad(lambda x: mg.sum(log1pexp(x)))(x), jax.grad(lambda x: jnp.sum(j_log1pexp(x)))(x))  # 1.0


def test_custom_jvp_nondiff_argnums_pytrees_and_vmap():
    @mg.custom_jvp
    def norm2(tree):
        return tree["a"] @ tree["a"] + tree["b"] ** 2

    @norm2.defjvp
    def norm2_jvp(primals, tangents):
        (p,), (t,) = primals, tangents
        return norm2(p), 2.0 * (p["a"] @ t["a"] + p["b"] * t["b"])

    tree = {"a": np.array([1.0, 2.0]), "b": 3.0}
    g = mg.grad(norm2)(tree)
    same(g["a"], np.array([2.0, 4.0]))
    same(g["b"], 6.0)

    pw = mg.custom_jvp(lambda n, x: x**n, nondiff_argnums=(0,))
    pw.defjvp(lambda n, primals, tangents: (primals[0] ** n, n * primals[0] ** (n - 1) * tangents[0]))
    same(mg.grad(pw, argnums=1)(3, 2.0), 12.0)
    same(mg.grad(mg.grad(pw, argnums=1), argnums=1)(3, 2.0), 12.0)

    x = np.array([-1.0, 0.5, 2.0])
    same(mg.vmap(log1pexp)(x), jax.vmap(j_log1pexp)(x))
    same(mg.vmap(mg.grad(log1pexp))(x), jax.vmap(jax.grad(j_log1pexp))(x))


def test_custom_jvp_errors():
    f = mg.custom_jvp(lambda x: x)
    with pytest.raises(AttributeError, match="defjvp"):
        f(1.0)
    f.defjvp(lambda p, t: t[0])
    with pytest.raises(TypeError, match="primal_out, tangent_out"):
        mg.jvp(f, (1.0,), (1.0,))
    g = mg.custom_jvp(lambda x: (x, x))  # pytree outputs are fine (tests/test_issue18_custom.py) ...
    g.defjvp(lambda p, t: (g(*p), t))  # ... but this tangent (a 1-tuple) has the wrong structure
    with pytest.raises(TypeError, match="structure"):
        mg.jvp(g, (1.0,), (1.0,))


# --- custom_vjp -------------------------------------------------------------------


def _make_custom_vjp(lib, decorator):
    @decorator
    def f(x, y):
        return lib.sin(x) * y

    def f_fwd(x, y):  # not f(x, y): forward-over-reverse would apply jvp to f (an error, in JAX too)
        return lib.sin(x) * y, (lib.cos(x), lib.sin(x), y)

    def f_bwd(res, g):
        cos_x, sin_x, y = res
        return (cos_x * g * y, sin_x * g)

    f.defvjp(f_fwd, f_bwd)
    return f


mg_sin_y = _make_custom_vjp(mg, mg.custom_vjp)
j_sin_y = _make_custom_vjp(jnp, jax.custom_vjp)


@settings(max_examples=15)
@given(x=xs, y=xs, v=vectors)
def test_custom_vjp_reverse_modes_and_orders(x, y, v):
    for name, mg_t, j_t in [
        ("grad", lambda f: mg.grad(f, (0, 1)), lambda f: jax.grad(f, (0, 1))),
        ("grad2", lambda f: mg.grad(mg.grad(f), (0, 1)), lambda f: jax.grad(jax.grad(f), (0, 1))),
        ("fwd-rev", lambda f: mg.jacfwd(mg.grad(f)), lambda f: jax.jacfwd(jax.grad(f))),
        ("hessian", mg.hessian, jax.hessian),
    ]:
        same(mg_t(mg_sin_y)(x, y), compiled(("cvjp", name), lambda j_t=j_t: j_t(j_sin_y))(x, y))
    ref = compiled("cvjp-vec", lambda: jax.grad(lambda u: jnp.sum(j_sin_y(u, u * u))))
    same(mg.grad(lambda u: mg.sum(mg_sin_y(u, u * u)))(v), ref(v))


def test_custom_vjp_rule_is_used_and_forward_mode_is_an_error():
    @mg.custom_vjp
    def clip_gradient(x):
        return x

    clip_gradient.defvjp(lambda x: (x, None), lambda res, g: (mg.clip(g, -1.0, 1.0),))
    same(mg.grad(lambda x: 3.0 * clip_gradient(x))(2.0), 1.0)
    with pytest.raises(TypeError, match="forward-mode"):
        mg.jvp(clip_gradient, (1.0,), (1.0,))
    with pytest.raises(TypeError, match="forward-mode"):
        mg.jvp(mg_sin_y, (1.0, 2.0), (1.0, 0.0))
    with pytest.raises(TypeError, match="forward-mode"):
        jax.jvp(j_sin_y, (1.0, 2.0), (1.0, 0.0))  # the same rule as JAX


def test_custom_vjp_several_outputs_none_cotangents_nondiff_and_vmap():
    @mg.custom_vjp
    def polar(r, t):
        return (r * mg.cos(t), r * mg.sin(t))

    polar.defvjp(lambda r, t: (polar(r, t), (r, t)),
                 lambda res, g: (g[0] * mg.cos(res[1]) + g[1] * mg.sin(res[1]),
                                 res[0] * (g[1] * mg.cos(res[1]) - g[0] * mg.sin(res[1]))))

    def j_polar(r, t):
        return (r * jnp.cos(t), r * jnp.sin(t))

    out, pullback = mg.vjp(polar, 2.0, 0.5)
    j_out, j_pullback = jax.vjp(j_polar, 2.0, 0.5)
    same(out, j_out)
    same(pullback((1.0, -2.0)), j_pullback((1.0, -2.0)))

    @mg.custom_vjp
    def scale(x, c):
        return x * c

    scale.defvjp(lambda x, c: (x * c, c), lambda c, g: (g * c, None))  # no cotangent for c
    same(mg.grad(scale, (0, 1))(2.0, 3.0), (3.0, 0.0))

    shift = mg.custom_vjp(lambda n, x: x + n, nondiff_argnums=(0,))
    shift.defvjp(lambda n, x: (x + n, None), lambda n, res, g: (g * n,))
    same(mg.grad(shift, argnums=1)(4, 1.0), 4.0)  # the custom rule, not 1

    sin = mg.custom_vjp(mg.sin)
    sin.defvjp(lambda x: (sin(x), x), lambda x, g: (mg.cos(x) * g,))  # fwd calls the function itself
    same(mg.grad(mg.grad(sin))(0.3), -np.sin(0.3))  # reverse over reverse: fine, as in JAX

    x = np.array([0.1, 0.7, 2.0])
    same(mg.vmap(mg_sin_y, (0, None))(x, 2.0), jax.vmap(j_sin_y, (0, None))(x, 2.0))
    same(mg.vmap(mg.grad(mg_sin_y), (0, None))(x, 2.0), jax.vmap(jax.grad(j_sin_y), (0, None))(x, 2.0))
    same(mg.grad(lambda u: mg.sum(mg.vmap(mg_sin_y, (0, None))(u, 2.0)))(x),
         jax.grad(lambda u: jnp.sum(jax.vmap(j_sin_y, (0, None))(u, 2.0)))(x))


def test_custom_vjp_errors():
    f = mg.custom_vjp(lambda x: x)
    with pytest.raises(AttributeError, match="defvjp"):
        f(1.0)
    f.defvjp(lambda x: x, lambda res, g: (g,))
    with pytest.raises(TypeError, match="pair"):
        mg.grad(f)(1.0)
    f.defvjp(lambda x: (x, None), lambda res, g: (g, g))
    with pytest.raises(TypeError, match="one cotangent per differentiated argument"):
        mg.grad(f)(1.0)


# --- linearize ----------------------------------------------------------------------


def _lin_f(x, y):
    return jnp.sin(x) * y + jnp.sum(x**2)


@settings(max_examples=10)
@given(x=vectors, y=xs, v=vectors, s=xs)
def test_linearize_matches_jax_and_runs_f_once(x, y, v, s):
    calls = []

    def f(x, y):
        calls.append(1)
        return mg.sin(x) * y + mg.sum(x**2)

    out, f_jvp = mg.linearize(f, x, y)
    ref = compiled("linearize", lambda: lambda x, y, v, s: jax.linearize(_lin_f, x, y)[1](v, s))
    same(out, _lin_f(x, y))
    same(f_jvp(v, s), ref(x, y, v, s))
    same(f_jvp(v, 0.0), mg.jvp(f, (x, y), (v, 0.0))[1])
    same(f_jvp(np.zeros(3), 1.0), np.sin(x))
    assert len(calls) == 2  # once for linearize; once more only for the mg.jvp comparison


def test_linearize_pytrees_and_errors():
    out, f_jvp = mg.linearize(lambda d: {"s": d["a"] * d["b"], "c": 2.0}, {"a": 2.0, "b": 3.0})
    assert out == {"c": 2.0, "s": 6.0}
    assert f_jvp({"a": 1.0, "b": 0.0}) == {"c": 0.0, "s": 3.0}
    with pytest.raises(ValueError, match="same structure"):
        f_jvp(1.0)
    with pytest.raises(ValueError, match="tangent of shape"):
        mg.linearize(mg.sin, np.ones(2))[1](np.ones(3))


# --- checkpoint ---------------------------------------------------------------------


def _chain(x):
    for _ in range(10):
        x = jnp.sin(x) * 1.1
    return jnp.sum(x)


def mg_chain(x):
    for _ in range(10):
        x = mg.sin(x) * 1.1
    return mg.sum(x)


def tape_length(f, x) -> int:
    """Entries reverse mode records for f(x)."""
    with new_trace(VJPTrace, 1) as trace:
        f(TapeTracer(trace, x, 0))
    return len(trace.tape)


@settings(max_examples=10)
@given(x=vectors)
def test_checkpoint_same_gradients_shorter_tape(x):
    cp = mg.checkpoint(mg_chain)
    assert tape_length(mg_chain, x) == 21 and tape_length(cp, x) == 1
    same(mg.grad(cp)(x), compiled("cp-grad", lambda: jax.grad(jax.checkpoint(_chain)))(x))
    same(mg.grad(cp)(x), mg.grad(mg_chain)(x))
    same(mg.hessian(cp)(x), compiled("cp-hess", lambda: jax.hessian(jax.checkpoint(_chain)))(x))
    same(mg.jvp(cp, (x,), (x,)), mg.jvp(mg_chain, (x,), (x,)))
    same(mg.vmap(cp)(x[:, None]), jax.vmap(_chain)(x[:, None]))


def test_checkpoint_recomputes_and_static_argnums():
    calls = []

    def f(x, n):
        calls.append(n)
        return x**n

    cp = mg.checkpoint(f, static_argnums=(1,))
    same(mg.grad(cp)(2.0, 3), 12.0)
    assert calls == [3, 3]  # forward pass, and again during the backward sweep
    same(mg.grad(mg.grad(cp))(2.0, 3), 12.0)
    assert mg.remat is mg.checkpoint
