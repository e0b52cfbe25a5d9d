"""vmap (minigrad.batching) against jax.vmap (x64): every primitive's batching
rule, in_axes/out_axes, nesting with itself and with grad/jvp, the fallbacks
(a loop over the batch), and clear errors."""

from __future__ import annotations

from types import SimpleNamespace

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from exact import compiled, same
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

B = 3  # batch size


# jnp with minigrad's names, so each case below is written once for both libraries
J = SimpleNamespace(**{n: getattr(jnp, n) for n in (
    "exp", "log", "sin", "cos", "tanh", "sqrt", "abs", "log1p", "expm1", "maximum", "minimum", "where", "sum",
    "mean", "max", "min", "prod", "reshape", "transpose", "broadcast_to", "stack", "concatenate", "dot")},
    sigmoid=jax.nn.sigmoid, logsumexp=jax.nn.logsumexp, stop_gradient=jax.lax.stop_gradient)


def _case(make, shapes, in_axes, lo=-2.0, hi=2.0):
    return (make(mg), make(J), shapes, in_axes, lo, hi)


# name: (minigrad f, jax f, per-example shapes, in_axes, value range)
CASES = {
    "exp": _case(lambda m: m.exp, [(2, 3)], 1),
    "log": _case(lambda m: m.log, [(3,)], 0, 0.1, 3.0),
    "sin_cos_tanh": _case(lambda m: lambda x: m.sin(x) * m.cos(x) + m.tanh(x), [()], 0),
    "sqrt_abs_neg": _case(lambda m: lambda x: m.sqrt(m.abs(x)) - x, [(3,)], 0, 0.1, 2.0),
    "log1p_expm1_sigmoid": _case(lambda m: lambda x: m.log1p(x) + m.expm1(x) * m.sigmoid(x),
                                 [(2,)], 0, -0.5, 2.0),
    "pow": _case(lambda m: lambda x, y: x**y + x**3, [(3,), ()], (0, None), 0.1, 2.0),
    "add_sub_broadcast": _case(lambda m: lambda x, y: x + y - 2.0 * x, [(2, 3), (3,)], (1, 0)),
    "mul_div_unbatched": _case(lambda m: lambda x, y: x * y / (1.0 + y * y), [(3,), (2, 3)], (None, 2)),
    "maximum_minimum": _case(lambda m: lambda x, y: m.maximum(x, y) + m.minimum(x, 0.5),
                             [(3,), (3,)], (0, 1)),
    "where_constant_condition": _case(lambda m: lambda x: m.where(np.array([True, False, True]), x, -x),
                                      [(3,)], 0),
    "stop_gradient": _case(lambda m: m.stop_gradient, [(2,)], 0),
    "sum_mean": _case(lambda m: lambda x: m.sum(x, axis=-1) + m.mean(x), [(2, 3)], 2),
    "max_min_keepdims": _case(lambda m: lambda x: m.max(x, axis=0, keepdims=True)
                              * m.min(x, axis=(0, 1), keepdims=True), [(2, 3)], 1),
    "logsumexp_prod": _case(lambda m: lambda x: m.logsumexp(x, axis=1) + m.prod(x, axis=0), [(3, 3)], 0),
    "reshape_transpose": _case(lambda m: lambda x: m.transpose(m.reshape(x, (3, 2)), (1, 0)) + x.T.T,
                               [(2, 3)], 1),
    "transpose_negative_axes": _case(lambda m: lambda x: m.transpose(x, (-1, 0, 1)), [(2, 1, 3)], 2),
    "broadcast_to": _case(lambda m: lambda x: m.broadcast_to(x, (2, 2, 3)), [(3,)], 0),
    "getitem_basic": _case(lambda m: lambda x: x[1, :2] + x[..., None, 0:2].sum() + x[::-1, 1], [(2, 3)], 1),
    "getitem_advanced": _case(lambda m: lambda x: x[np.array([0, 0, 2]), 1:], [(3, 2)], 0),
    "getitem_advanced_apart": _case(lambda m: lambda x: x[np.array([0, 1]), :, np.array([1, 0])],
                                    [(2, 3, 2)], 1),
    "stack_concatenate": _case(lambda m: lambda x, y: m.stack([x, y], -1) + m.concatenate([x, y])[:3, None],
                               [(3,), (3,)], (0, None)),
    "matmul_rows": _case(lambda m: lambda x, w: x @ w, [(2, 3), (3, 2)], (0, None)),
    "matmul_vec_mat": _case(lambda m: lambda x, w: x @ w, [(3,), (3, 2)], (1, None)),
    "matmul_columns": _case(lambda m: lambda w, x: w @ x, [(2, 3), (3, 2)], (None, 2)),
    "matmul_mat_vec": _case(lambda m: lambda w, x: w @ x, [(2, 3), (3,)], (None, 0)),
    "matmul_both": _case(lambda m: m.dot, [(2, 3), (3, 2)], (0, 1)),
    "matmul_vectors": _case(lambda m: lambda x, y: x @ y, [(3,), (3,)], (0, 0)),
    "matmul_3d": _case(lambda m: lambda x, y: x @ y, [(2, 2, 3), (3,)], (1, None)),
    "matmul_3d_both": _case(lambda m: lambda x, y: x @ y, [(2, 3), (2, 3, 2)], (0, 0)),
}


def _batched_shape(shape, axis):
    if axis is None:
        return shape
    s = list(shape)
    s.insert(axis, B)
    return tuple(s)


@pytest.mark.parametrize("name", CASES)
@settings(max_examples=3)
@given(data=st.data())
def test_vmap_of_every_primitive(name, data):
    f, jf, shapes, in_axes, lo, hi = CASES[name]
    axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(shapes)
    args = [data.draw(hnp.arrays(np.float64, _batched_shape(s, a), elements=st.floats(lo, hi)))
            for s, a in zip(shapes, axes)]
    ref = compiled(("vmap", name), lambda: jax.vmap(jf, in_axes=in_axes))
    same(mg.vmap(f, in_axes=in_axes)(*args), ref(*args))


def _relu_loss(w, x):
    return jnp.sum(jnp.maximum(x @ w, 0.0) ** 2) + jnp.sum(jnp.where(x > 0, jnp.abs(x), 0.0))


def _smooth_loss(w, x):
    return jnp.sum(jnp.tanh(x @ w) ** 2)


def mg_relu_loss(w, x):
    return mg.sum(mg.maximum(x @ w, 0.0) ** 2) + mg.sum(mg.where(x > 0, mg.abs(x), 0.0))


def mg_smooth_loss(w, x):
    return mg.sum(mg.tanh(x @ w) ** 2)


LOSSES = {"smooth": (mg_smooth_loss, _smooth_loss), "relu_where_abs": (mg_relu_loss, _relu_loss)}
points = hnp.arrays(np.float64, (B, 2, 3), elements=st.floats(-2, 2))
weights = hnp.arrays(np.float64, (3,), elements=st.floats(-2, 2))


@pytest.mark.parametrize("loss", LOSSES)
@settings(max_examples=5)
@given(w=weights, x=points)
def test_per_example_gradients_and_gradient_of_a_vmap(loss, w, x):
    f, jf = LOSSES[loss]
    ref = compiled(("vmap-grad", loss), lambda: jax.vmap(jax.grad(jf), in_axes=(None, 0)))
    same(mg.vmap(mg.grad(f), in_axes=(None, 0))(w, x), ref(w, x))
    batch_loss = lambda w: mg.sum(mg.vmap(f, in_axes=(None, 0))(w, x))  # noqa: E731
    jax_batch_loss = lambda w, x: jnp.sum(jax.vmap(jf, (None, 0))(w, x))  # noqa: E731
    same(mg.grad(batch_loss)(w), compiled(("grad-vmap", loss), lambda: jax.grad(jax_batch_loss))(w, x))
    same(mg.hessian(batch_loss)(w), compiled(("hess-vmap", loss), lambda: jax.hessian(jax_batch_loss))(w, x))


@settings(max_examples=5)
@given(w=weights, x=points, v=weights)
def test_jvp_of_vmap_and_vmap_of_jvp(w, x, v):
    f = lambda w: mg.vmap(mg_smooth_loss, in_axes=(None, 0))(w, x)  # noqa: E731
    ref = compiled("jvp-vmap", lambda: lambda w, x, v: jax.jvp(
        lambda w: jax.vmap(_smooth_loss, (None, 0))(w, x), (w,), (v,)))
    same(mg.jvp(f, (w,), (v,)), ref(w, x, v))
    vs = np.stack([v, 2 * v, -v])
    g = mg.vmap(lambda t: mg.jvp(lambda w: mg_smooth_loss(w, x[0]), (w,), (t,))[1])
    directional = lambda t, w, x: jax.jvp(lambda w: _smooth_loss(w, x), (w,), (t,))[1]  # noqa: E731
    ref = compiled("vmap-jvp", lambda: jax.vmap(directional, in_axes=(0, None, None)))
    same(g(vs), ref(vs, w, x[0]))


def test_nested_vmap_and_axes():
    x, y = np.arange(3.0), np.arange(4.0) + 1.0
    outer = mg.vmap(mg.vmap(lambda a, b: a * b + mg.sin(a), (0, None)), (None, 0))
    same(outer(x, y), jax.vmap(jax.vmap(lambda a, b: a * b + jnp.sin(a), (0, None)), (None, 0))(x, y))
    m = np.arange(12.0).reshape(3, 4)
    m3 = m[..., None]
    same(mg.vmap(mg.vmap(mg.sum), in_axes=1)(m3), jax.vmap(jax.vmap(jnp.sum), in_axes=1)(m3))
    same(mg.vmap(lambda r: r * 2.0, in_axes=1, out_axes=1)(m), jax.vmap(lambda r: r * 2.0, 1, 1)(m))
    same(mg.vmap(lambda r: r, in_axes=0, out_axes=-1)(m), jax.vmap(lambda r: r, 0, -1)(m))
    same(mg.vmap(lambda r: 1.0)(x), jax.vmap(lambda r: 1.0)(x))  # an unbatched output is broadcast
    out = mg.vmap(lambda r, c: (r * c, c), in_axes=(0, None), out_axes=(0, None))(m, 2.0)
    same(out, jax.vmap(lambda r, c: (r * c, c), in_axes=(0, None), out_axes=(0, None))(m, 2.0))
    tree = {"a": m, "b": x}
    same(mg.vmap(lambda t: t["a"].sum() * t["b"], in_axes=({"a": 0, "b": 0},))(tree),
         jax.vmap(lambda t: t["a"].sum() * t["b"], in_axes=({"a": 0, "b": 0},))(tree))


def test_shape_inside_vmap_is_per_example():
    def f(x):
        assert x.shape == (4,) and x.ndim == 1 and len(x) == 4
        return x * 2.0

    same(mg.vmap(f)(np.ones((3, 4))), 2.0 * np.ones((3, 4)))


def test_fallbacks_loop_over_the_batch():
    cube = mg.Primitive("cube", lambda x: x**3)  # no batching rule: one call per example
    cube.defjvp(lambda t, ans, x: 3.0 * x**2 * t)
    cube.defvjp(lambda g, ans, x: 3.0 * x**2 * g)
    x = np.array([[1.0, 2.0], [-1.0, 0.5], [0.0, 3.0]])
    same(mg.vmap(cube)(x), x**3)
    same(mg.vmap(mg.grad(lambda v: mg.sum(cube(v))))(x), 3 * x**2)
    same(mg.grad(lambda v: mg.sum(mg.vmap(cube)(v)))(x), 3 * x**2)

    def branchy(v):  # Python control flow on a batched value
        return mg.sin(v) if v > 0 else v * v

    same(mg.vmap(branchy)(np.array([-1.0, 2.0])), np.array([1.0, np.sin(2.0)]))
    same(mg.grad(lambda v: mg.sum(mg.vmap(branchy)(v)))(np.array([-1.0, 2.0])), np.array([-2.0, np.cos(2.0)]))


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match="input 0 has size 3 along axis 0, input 1 has size 4 along axis 1"):
        mg.vmap(lambda a, b: a + b[0], in_axes=(0, 1))(np.ones(3), np.ones((2, 4)))
    with pytest.raises(ValueError, match="out of range for input 0 of shape \\(3,\\)"):
        mg.vmap(mg.sin, in_axes=1)(np.ones(3))
    with pytest.raises(ValueError, match="at least one mapped input"):
        mg.vmap(mg.sin, in_axes=None)(np.ones(3))
    with pytest.raises(ValueError, match="in_axes has 1 entries for 2 arguments"):
        mg.vmap(lambda a, b: a, in_axes=(0,))(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="out_axes is None"):
        mg.vmap(mg.sin, out_axes=None)(np.ones(3))
    with pytest.raises(ValueError, match="out of range for input 0 of shape \\(\\)"):
        mg.vmap(mg.sin)(1.0)


def test_batched_path_runs_f_once_and_fallback_once_per_example():
    calls = []

    def counted(f):
        def g(*a):
            calls.append(1)
            return f(*a)

        return g

    w, x = np.ones(3), np.ones((B, 2, 3))
    mg.vmap(counted(mg.grad(mg_smooth_loss)), in_axes=(None, 0))(w, x)
    assert len(calls) == 1  # one batched run, no loop
    calls.clear()
    mg.vmap(counted(mg.grad(mg_relu_loss)), in_axes=(None, 0))(w, x)
    assert len(calls) == 1 + B  # the batched attempt read values (where/abs rules), then one run per example


def _indexing_loss(m):
    i, j = np.array([0, 1]), np.array([1, 0])
    return lambda x: m.sum(x[np.array([0, 0, 2]), 1:] ** 2) + m.sum(x[i, :, j] ** 3)


@settings(max_examples=3)
@given(x=hnp.arrays(np.float64, (B, 3, 3, 2), elements=st.floats(-2, 2)))
def test_per_example_gradients_through_indexing(x):  # scatter_add, batched and in a loop
    ref = compiled("vmap-index", lambda: jax.vmap(jax.grad(_indexing_loss(J))))
    same(mg.vmap(mg.grad(_indexing_loss(mg)))(x), ref(x))


def test_every_builtin_primitive_has_a_batching_rule():
    from minigrad import batching, primitives

    missing = [name for name, p in vars(primitives).items()
               if isinstance(p, mg.Primitive) and p not in batching.batch_rules]
    assert not missing, f"primitives without a batching rule (they would run in a loop): {missing}"
