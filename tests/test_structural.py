"""Structural operations (transpose, batched matmul, indexing, reductions,
broadcasting) and block Jacobians/Hessians against JAX, including random
programs that chain them."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from reference import check_jvp_vjp, close

import minigrad as mg


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


# --- transpose ---------------------------------------------------------------------------


@pytest.mark.parametrize("axes", [None, (1, 0, 2), (-1, 0, 1), (2, -3, -2), (-1, -2, -3)])
def test_transpose_with_any_axes(axes):
    x = rand(2, 3, 4)
    check_jvp_vjp(lambda v: mg.transpose(v, axes), lambda v: jnp.transpose(v, axes), (x,))


def test_transpose_method_forms():
    x = rand(2, 3)
    for ours, theirs in (
        (lambda v: v.transpose(1, 0), lambda v: v.transpose(1, 0)),
        (lambda v: v.transpose((1, 0)), lambda v: v.transpose((1, 0))),
        (lambda v: v.transpose(), lambda v: v.transpose()),
        (lambda v: v.T * 1.0, lambda v: v.T * 1.0),
    ):
        check_jvp_vjp(ours, theirs, (x,))
    with pytest.raises(ValueError, match="permutation"):
        mg.grad(lambda v: mg.sum(mg.transpose(v, (0, 0))))(x)


# --- matmul with np.matmul's full semantics -----------------------------------------------

MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (5, 3, 4)), ((1, 2, 3), (5, 3, 2)), ((3,), (2, 5, 3, 4)), ((2, 5, 2, 3), (3,)),
]


@pytest.mark.parametrize("sx,sy", MATMUL_SHAPES)
def test_matmul_any_rank_and_broadcast_batch(sx, sy):
    x, y = rand(*sx, seed=1), rand(*sy, seed=2)
    check_jvp_vjp(lambda a, b: a @ b, lambda a, b: a @ b, (x, y))
    check_jvp_vjp(mg.matmul, jnp.matmul, (x, y))


@pytest.mark.parametrize("sx,sy", MATMUL_SHAPES[4:8])
def test_matmul_second_order(sx, sy):
    x, y = rand(*sx, seed=3), rand(*sy, seed=4)
    f = lambda m: lambda a, b: m.sum(m.tanh(a @ b) ** 2)
    hvp = mg.jvp(mg.grad(f(mg), argnums=(0, 1)), (x, y), (y.sum() * x, x.sum() * y))[1]
    j_hvp = jax.jvp(jax.grad(f(jnp), argnums=(0, 1)), (x, y), (y.sum() * x, x.sum() * y))[1]
    close(hvp, j_hvp)


# --- broadcasting, reductions, indexing --------------------------------------------------------


def test_broadcast_to_an_int_shape():
    check_jvp_vjp(lambda v: mg.broadcast_to(v, 3), lambda v: jnp.broadcast_to(v, 3), (1.5,))
    check_jvp_vjp(lambda v: mg.broadcast_to(v, (2, 3)), lambda v: jnp.broadcast_to(v, (2, 3)), (rand(3),))


def test_a_traced_scalar_meets_a_constant_array():
    """The tangent of a scalar input is broadcast to the shape of the output."""
    c = rand(2, 3)
    for op in (lambda s, c: s + c, lambda s, c: c - s, lambda s, c: s / (1.0 + c * c)):
        check_jvp_vjp(lambda s, op=op: op(s, c), lambda s, op=op: op(s, c), (1.5,))
    check_jvp_vjp(lambda s: mg.where(c > 0, s, 0.0), lambda s: jnp.where(c > 0, s, 0.0), (1.5,))


AXES = [None, 0, -1, (0, 2), (-1, -3), (1, -1)]


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_with_tuple_and_negative_axes(axis, keepdims):
    x = rand(2, 3, 4)
    for ours, theirs in ((mg.sum, jnp.sum), (mg.mean, jnp.mean)):
        check_jvp_vjp(lambda v, f=ours: f(v, axis=axis, keepdims=keepdims),
                      lambda v, f=theirs: f(v, axis=axis, keepdims=keepdims), (x,))


def test_zero_dimensional_arrays():
    x = np.array(0.7)
    check_jvp_vjp(lambda v: mg.sin(v) * v, lambda v: jnp.sin(v) * v, (x,))
    check_jvp_vjp(lambda v: mg.sum(v * 2.0), lambda v: jnp.sum(v * 2.0), (x,))


MASK = np.array([[True, False, True], [False, False, True]])
INDICES = {
    "int": (1,),
    "neg_int": (-1, -2),
    "slice_neg_step": (slice(None, None, -1), slice(2, 0, -1)),
    "none": (None, 0),
    "ellipsis": (Ellipsis, 1),
    "ellipsis_none": (Ellipsis, None, slice(None, None, -2)),
    "bool_mask": (MASK,),
    "repeated_int_array": (np.array([0, 0, 1, 0]),),
    "pairs": (np.array([1, 0, 1]), np.array([2, 2, 0])),
    "mixed": (slice(None), np.array([0, 2, 2])),
}


@pytest.mark.parametrize("name", INDICES)
def test_indexing(name):
    index = INDICES[name]
    x = rand(2, 3)
    check_jvp_vjp(lambda v: v[index] * 1.0, lambda v: v[index] * 1.0, (x,))


def test_stack_with_constant_arguments():
    x = rand(3)
    f = lambda m: lambda v: m.stack([v, np.ones(3), 2.0 * v], axis=-1)
    check_jvp_vjp(f(mg), f(jnp), (x,))


def test_two_outputs_on_one_tape_slot_add_their_seeds():
    x = rand(3)
    y, f_vjp = mg.vjp(lambda v: (mg.sin(v), mg.sin(v) * 1.0, v, v), x)
    close(f_vjp((np.ones(3), 2 * np.ones(3), 3 * np.ones(3), 4 * np.ones(3)))[0], 3 * np.cos(x) + 7)
    y, f_vjp = mg.vjp(lambda v: [v * 2.0] * 2, x)  # the same tracer twice
    close(f_vjp([np.ones(3), np.full(3, 5.0)])[0], np.full(3, 12.0))


# --- Jacobians and Hessians: argnums and pytrees, as JAX returns them ------------------------


def g2(m):
    def f(x, y):
        return {"u": m.sin(x) * m.sum(y["a"]) + y["b"] ** 2, "v": m.sum(x * x) * y["b"]}
    return f


def h2(m):
    def f(x, y, z):
        return m.sum(m.sin(x) * y[0]) * m.sum(y[1] * y[1]) + z * m.sum(x)
    return f


X, Y = rand(2, seed=5), {"a": rand(3, seed=6), "b": 0.7}
JX, JY = jnp.asarray(X), {"a": jnp.asarray(Y["a"]), "b": 0.7}


@pytest.mark.parametrize("argnums", [-1, (0, 1), (1, -2), np.int64(1)])
@pytest.mark.parametrize("mode", ["jacfwd", "jacrev"])
def test_block_jacobians(argnums, mode):
    ours, theirs = getattr(mg, mode), getattr(jax, mode)
    # jax.jacrev (not jacfwd or grad) takes a numpy integer for a sequence; minigrad for an int
    j_argnums = int(argnums) if isinstance(argnums, np.integer) else argnums
    close(ours(g2(mg), argnums=argnums)(X, Y), theirs(g2(jnp), argnums=j_argnums)(JX, JY))


@pytest.mark.parametrize("argnums", [(0, 1), (-3, -1)])
def test_block_hessians(argnums):
    args = (rand(2, seed=7), (rand(2, seed=8), rand(3, seed=9)), 0.3)
    jargs = (jnp.asarray(args[0]), tuple(map(jnp.asarray, args[1])), 0.3)
    close(mg.hessian(h2(mg), argnums=argnums)(*args), jax.hessian(h2(jnp), argnums=argnums)(*jargs))


def test_negative_argnums_differentiate_the_right_argument():
    f = lambda m: lambda a, x: m.sin(x) * a
    x = rand(3)
    close(mg.jacfwd(f(mg), argnums=-1)(2.0, x), jax.jacfwd(f(jnp), argnums=-1)(2.0, jnp.asarray(x)))
    close(mg.hessian(lambda a, x: mg.sum(f(mg)(a, x)), argnums=-1)(2.0, x),
          jax.hessian(lambda a, x: jnp.sum(f(jnp)(a, x)), argnums=-1)(2.0, jnp.asarray(x)))
    assert mg.grad(lambda a, b: a * b, argnums=np.int64(1))(2.0, 3.0) == 2.0


def test_jacobians_of_size_zero_inputs_and_outputs():
    pairs = ((lambda v: v * 2.0, lambda v: v * 2.0), (lambda v: mg.sum(v) + 1.0, lambda v: jnp.sum(v) + 1.0))
    for f, jf in pairs:
        for ours, theirs in ((mg.jacfwd, jax.jacfwd), (mg.jacrev, jax.jacrev)):
            close(ours(f)(np.zeros(0)), theirs(jf)(jnp.zeros(0)))
    close(mg.jacrev(lambda v: v[:0])(rand(3)), jax.jacrev(lambda v: v[:0])(jnp.asarray(rand(3))))


# --- random programs that chain structural operations ---------------------------------------
# Each op maps a value of any shape to a new value, in the syntax of module `m`
# (mg or jnp); ops that do not fit the current shape are skipped.


def _c(*shape):
    return np.cos(np.arange(int(np.prod(shape)), dtype=float)).reshape(shape)


OPS = {
    "sin": (0, lambda m, v: m.sin(v)),
    "tanh_sq": (0, lambda m, v: m.tanh(v) * v),
    "sum_last": (2, lambda m, v: m.sum(v, axis=-1)),
    "sum_tuple_keep": (2, lambda m, v: m.sum(v, axis=(0, -1), keepdims=True)),
    "mean_neg": (2, lambda m, v: m.mean(v, axis=-2)),
    "transpose_neg": (2, lambda m, v: m.transpose(v, tuple(-k - 1 for k in range(v.ndim)))),
    "matmul": (1, lambda m, v: v @ _c(v.shape[-1], 3)),
    "batched_matmul": (2, lambda m, v: _c(2, 1, 2, v.shape[-2]) @ v),
    "vec_matmul": (2, lambda m, v: _c(v.shape[-2]) @ v),
    "reverse": (1, lambda m, v: v[..., ::-1]),
    "newaxis": (0, lambda m, v: v[None] * 1.0),
    "take_repeated": (1, lambda m, v: v[..., np.array([0, 0, v.shape[-1] - 1])]),
    "mask": (1, lambda m, v: v[_c(*v.shape) > 0]),
    "broadcast_mul": (1, lambda m, v: v * _c(v.shape[-1])),
    "flatten": (1, lambda m, v: m.reshape(v, (-1,))),
    "stack": (0, lambda m, v: m.stack([v, 2.0 * v], axis=-1)),
    "square": (0, lambda m, v: v**2),
    # issue 19: shape functions, scans, contractions and linear algebra
    "ravel": (1, lambda m, v: m.ravel(v)),
    "flip_roll": (1, lambda m, v: m.roll(m.flip(v, -1), 1, axis=-1)),
    "swapaxes": (2, lambda m, v: m.swapaxes(v, 0, -1)),
    "cumsum": (1, lambda m, v: m.cumsum(v, axis=-1)),
    "triu": (2, lambda m, v: m.triu(v)),
    "diagonal": (2, lambda m, v: m.diagonal(v, axis1=-2, axis2=-1)),
    "einsum": (2, lambda m, v: m.einsum("...ij,jk->...ik", v, _c(v.shape[-1], 2))),
    "tensordot": (1, lambda m, v: m.tensordot(v, _c(v.shape[-1], 2), axes=1)),
    "pad": (1, lambda m, v: m.pad(v, 1)),
    "inv": (2, lambda m, v: m.linalg.inv(_well_conditioned(m, v)) if v.shape[-1] == v.shape[-2] else v),
    "solve": (2, lambda m, v: m.linalg.solve(_well_conditioned(m, _c(v.shape[-2], v.shape[-2])), v)),
    "det": (2, lambda m, v: m.linalg.det(_well_conditioned(m, v)) if v.shape[-1] == v.shape[-2] else v),
}


def _well_conditioned(m, v):
    """I + 0.1 tanh(v): rows diagonally dominant for up to 8 columns, so invertible."""
    return np.eye(v.shape[-1]) + 0.1 * m.tanh(v)


def run(program, m, v):
    for name in program:
        min_ndim, op = OPS[name]
        if v.ndim >= min_ndim and v.size <= 200 and (v.ndim == 0 or v.shape[-1] > 0):
            v = op(m, v)
    return v


@settings(max_examples=10)  # each example runs JAX eagerly, op by op: slow
@given(program=st.lists(st.sampled_from(sorted(OPS)), min_size=1, max_size=6),
       x=st.sampled_from([(3,), (2, 3), (2, 3, 2)]).flatmap(
           lambda s: hnp.arrays(np.float64, s, elements=st.floats(-2, 2, allow_subnormal=False))))
def test_random_structural_programs_match_jax(program, x):
    f, jf = (lambda v: run(program, mg, v)), (lambda v: run(program, jnp, v))
    check_jvp_vjp(f, jf, (x,))
    loss = lambda m, r: (lambda v: m.sum(m.sin(r(v))))
    g = mg.grad(loss(mg, f))(x)
    close(g, jax.grad(loss(jnp, jf))(jnp.asarray(x)), rtol=1e-8, atol=1e-8)
    hvp = mg.jvp(mg.grad(loss(mg, f)), (x,), (x,))[1]
    j_hvp = jax.jvp(jax.grad(loss(jnp, jf)), (jnp.asarray(x),), (jnp.asarray(x),))[1]
    close(hvp, j_hvp, rtol=1e-7, atol=1e-7)
