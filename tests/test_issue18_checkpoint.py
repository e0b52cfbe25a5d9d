"""checkpoint of functions that close over traced values (issue 18): the same numbers
as without checkpoint, and as jax.checkpoint (x64), in every mode, order and under vmap."""

from __future__ import annotations

from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
from exact import same
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.core import new_trace
from minigrad.reverse import TapeTracer, VJPTrace

floats = st.floats(-2, 2, allow_nan=False, allow_subnormal=False)
vec3 = hnp.arrays(np.float64, (3,), elements=floats)
mat3 = hnp.arrays(np.float64, (3, 3), elements=st.floats(-1, 1))

MG = SimpleNamespace(sin=mg.sin, cos=mg.cos, tanh=mg.tanh, sum=mg.sum, exp=mg.exp, ckpt=mg.checkpoint)
JX = SimpleNamespace(sin=jnp.sin, cos=jnp.cos, tanh=jnp.tanh, sum=jnp.sum, exp=jnp.exp, ckpt=jax.checkpoint)
PLAIN = SimpleNamespace(**{**vars(MG), "ckpt": lambda f, **kw: f})  # minigrad without checkpoint


# Functions f(w, x) -> scalar in which checkpointed pieces close over w (or over values made from it).
def scale(m):
    return lambda w, x: m.sum(m.ckpt(lambda x: w * m.sin(x))(x))


def layers(m):
    def f(w, x):
        layer = m.ckpt(lambda h: m.tanh(w * h + 0.5))
        return m.sum(layer(layer(x)))

    return f


def intermediate(m):
    def f(w, x):
        v = m.sin(w)  # closed over: made from w outside the checkpoint
        return m.sum(m.ckpt(lambda x: v * m.exp(x) + w)(x))

    return f


def nested(m):
    def f(w, x):
        inner = m.ckpt(lambda y: m.cos(w * y))
        outer = m.ckpt(lambda y: inner(y) * m.sin(y + w))
        return m.sum(outer(x))

    return f


def pair(m):
    def f(w, x):
        a, b = m.ckpt(lambda x: (w * x, m.sin(w + x)))(x)  # several outputs
        return m.sum(a * b)

    return f


def returns_closure(m):
    def f(w, x):
        a, b = m.ckpt(lambda x: (w, x * x))(x)  # w returned as it is
        return m.sum(a * b)

    return f


def keyword(m):
    return lambda w, x: m.sum(m.ckpt(lambda x, c: c * m.sin(x * w))(x, c=w))


FUNCS = {f.__name__: f for f in (scale, layers, intermediate, nested, pair, returns_closure, keyword)}

TRANSFORMS = {  # name: (minigrad, jax) transformation of f(w, x)
    "grad": (lambda f: mg.grad(f, (0, 1)), lambda f: jax.grad(f, (0, 1))),
    "grad-grad": (
        lambda f: mg.grad(lambda w, x: mg.grad(f, 1)(w, x).sum(), (0, 1)),
        lambda f: jax.grad(lambda w, x: jax.grad(f, 1)(w, x).sum(), (0, 1)),
    ),
    "jacfwd-grad": (lambda f: mg.jacfwd(mg.grad(f, 1), 0), lambda f: jax.jacfwd(jax.grad(f, 1), 0)),
    "jvp": (
        lambda f: lambda w, x: mg.jvp(f, (w, x), (1.0, np.ones_like(x))),
        lambda f: lambda w, x: jax.jvp(f, (w, x), (1.0, jnp.ones_like(x))),
    ),
    "linearize": (
        lambda f: lambda w, x: mg.linearize(f, w, x)[1](0.5, np.ones_like(x)),
        lambda f: lambda w, x: jax.linearize(f, w, x)[1](0.5, jnp.ones_like(x)),
    ),
    "vmap-grad": (
        lambda f: lambda w, x: mg.vmap(mg.grad(f, (0, 1)), (0, None))(w * np.arange(1.0, 3.0), x),
        lambda f: lambda w, x: jax.vmap(jax.grad(f, (0, 1)), (0, None))(w * np.arange(1.0, 3.0), x),
    ),
    "grad-vmap": (
        lambda f: mg.grad(lambda w, x: mg.sum(mg.vmap(lambda v: f(w, v))(mg.stack([x, 2 * x]))), (0, 1)),
        lambda f: jax.grad(lambda w, x: jnp.sum(jax.vmap(lambda v: f(w, v))(jnp.stack([x, 2 * x]))), (0, 1)),
    ),
}


@settings(max_examples=4)
@given(w=floats, x=vec3)
def test_closures_under_checkpoint_agree_with_no_checkpoint_and_jax(w, x):
    for make in FUNCS.values():
        for mg_t, j_t in TRANSFORMS.values():
            got = mg_t(make(MG))(w, x)
            same(got, mg_t(make(PLAIN))(w, x), rtol=1e-12, atol=1e-12)
            same(got, j_t(make(JX))(w, x), rtol=1e-10, atol=1e-12)


def test_every_function_and_mode_at_one_point():
    """The same check at one point, without hypothesis (quick to fail: tools/mutants.py uses it)."""
    w, x = 0.7, np.array([0.1, -0.4, 1.3])
    for make in FUNCS.values():
        for mg_t, _ in TRANSFORMS.values():
            same(mg_t(make(MG))(w, x), mg_t(make(PLAIN))(w, x), rtol=1e-12, atol=1e-12)


def test_issue_cases():
    # grad of checkpoint(lambda x: w * sin(x))(x) w.r.t. (w, x): (sin x, w cos x), not (sin x, 0)
    g = mg.grad(lambda w, x: mg.checkpoint(lambda x: w * mg.sin(x))(x), (0, 1))(2.0, 0.5)
    same(g, (np.sin(0.5), 2.0 * np.cos(0.5)))
    # two checkpointed tanh layers closing over W: both gradients as JAX's
    W = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6], [0.3, 0.2, 0.1]])
    x = np.array([0.3, -0.2, 0.5])

    def two(m, mm):
        def f(W, x):
            layer = m.ckpt(lambda h: m.tanh(mm(W, h)))
            return m.sum(layer(layer(x)))

        return f

    same(mg.grad(two(MG, mg.matmul), (0, 1))(W, x), jax.grad(two(JX, jnp.matmul), (0, 1))(W, x))
    # linearize through checkpoint: cos(0.5), not 0
    same(mg.linearize(mg.checkpoint(mg.sin), 0.5)[1](1.0), np.cos(0.5))


@settings(max_examples=5)
@given(W=mat3, x=vec3)
def test_checkpoint_keeps_the_tape_short_with_closures(W, x):
    """The point of checkpoint: one tape entry for the layer, also when it closes over W."""

    def net(W, x):
        return mg.checkpoint(lambda h: mg.sum(mg.tanh(mg.tanh(W @ h) * 2.0)))(x)

    with new_trace(VJPTrace, 2) as trace:
        net(TapeTracer(trace, W, 0), TapeTracer(trace, x, 1))
    assert len(trace.tape) == 1
    j_net = lambda W, x: jnp.sum(jnp.tanh(jnp.tanh(W @ x) * 2.0))  # noqa: E731
    same(mg.grad(net, (0, 1))(W, x), jax.grad(j_net, (0, 1))(W, x))


def test_float32_through_checkpoint_and_linearize():
    x = np.array([0.5, 1.0], dtype=np.float32)
    y, f_jvp = mg.linearize(mg.checkpoint(lambda x: mg.sin(x) * 2.0), x)
    jy, jf = jax.linearize(lambda x: jnp.sin(x) * 2.0, x)
    same(y, jy)
    same(f_jvp(np.ones(2, np.float32)), jf(jnp.ones(2, jnp.float32)))
    assert f_jvp(np.ones(2, np.float32)).dtype == np.float32
    same(mg.grad(lambda x: mg.sum(mg.checkpoint(mg.sin)(x)))(x), jax.grad(lambda x: jnp.sum(jnp.sin(x)))(x))


def test_linearize_has_aux():
    y, f_jvp, aux = mg.linearize(lambda x: (mg.sin(x), {"c": mg.cos(x)}), 0.5, has_aux=True)
    jy, jf, jaux = jax.linearize(lambda x: (jnp.sin(x), {"c": jnp.cos(x)}), 0.5, has_aux=True)
    same((y, f_jvp(2.0), aux["c"]), (jy, jf(2.0), jaux["c"]))
