"""vmap follows numpy's indexing rules in full (issue 18), against jax.vmap (x64):
hypothesis draws index expressions (basic, advanced, mixed with separated advanced
indices, boolean masks, batched index arrays) and in_axes/out_axes; plus keyword
arguments, axis_size and empty batches."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from exact import same
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg


@st.composite
def index_cases(draw):
    """(per-example shape, index tuple) with every kind of numpy index."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    items, dim, used_ellipsis = [], 0, False
    while dim < len(shape) and draw(st.booleans() if items else st.just(True)):
        kind = draw(st.sampled_from(["int", "slice", "array", "array", "none", "ellipsis", "mask"]))
        n = shape[dim]
        if kind == "int":
            items.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            a = draw(st.none() | st.integers(-n, n))
            b = draw(st.none() | st.integers(-n, n))
            c = draw(st.sampled_from([None, 1, 2, -1]))
            items.append(slice(a, b, c))
        elif kind == "array":
            ishape = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
            vals = draw(
                st.lists(st.integers(-n, n - 1), min_size=int(np.prod(ishape)), max_size=int(np.prod(ishape)))
            )
            items.append(np.array(vals, dtype=int).reshape(ishape))
        elif kind == "none":
            items.append(None)
            continue
        elif kind == "ellipsis" and not used_ellipsis:
            items.append(Ellipsis)
            used_ellipsis = True
            continue
        else:  # a boolean mask over this axis
            items.append(np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))))
        dim += 1
    if used_ellipsis:  # keep it simple: at most as many consuming items as axes
        consuming = sum(1 for i in items if i is not None and i is not Ellipsis)
        if consuming > len(shape):
            items = [i for i in items if i is not Ellipsis]
    return shape, tuple(items)


def _valid(shape, index) -> bool:
    try:
        np.empty(shape)[index]
    except (IndexError, ValueError):
        return False
    n_adv = sum(isinstance(i, np.ndarray) for i in index)
    try:
        np.broadcast_shapes(
            *(
                np.shape(np.nonzero(i)[0]) if i.dtype == bool else i.shape
                for i in index
                if isinstance(i, np.ndarray)
            )
        )
    except ValueError:
        return False
    return n_adv == 0 or True


@settings(max_examples=30)
@given(
    case=index_cases(),
    in_axis=st.integers(0, 4),
    out_axis=st.integers(-1, 4),
    size=st.integers(1, 3),
    data=st.data(),
)
def test_vmap_indexing_matches_jax(case, in_axis, out_axis, size, data):
    shape, index = case
    if not _valid(shape, index):
        return
    rng = np.random.default_rng(0)
    x = rng.normal(size=(size, *shape))
    in_axis %= len(shape) + 1
    x = np.moveaxis(x, 0, in_axis)
    out_rank = np.empty(shape)[index].ndim
    out_axis = out_axis % (out_rank + 1)
    f = lambda x: x[index]  # noqa: E731
    got = mg.vmap(f, in_axis, out_axis)(x)
    same(got, jax.vmap(f, in_axis, out_axis)(x))
    grad_f = lambda lib: lambda x: lib.sum(x[index] ** 2)  # noqa: E731
    same(mg.vmap(mg.grad(grad_f(mg)), in_axis)(x), jax.vmap(jax.grad(grad_f(jnp)), in_axis)(x))


@settings(max_examples=25)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    where=st.integers(0, 2),
    ishape=st.lists(st.integers(1, 3), max_size=2),
    size=st.integers(1, 3),
    i_axis=st.integers(0, 2),
    x_batched=st.booleans(),
    data=st.data(),
)
def test_vmap_batched_index_arrays_match_jax(shape, where, ishape, size, i_axis, x_batched, data):
    """x[..., i, ...] with i batched (and x batched or not): JAX's gather."""
    shape = tuple(shape)
    where %= len(shape)
    n = shape[where]
    i_axis %= len(ishape) + 1
    idx = data.draw(
        st.lists(
            st.integers(-n, n - 1), min_size=size * int(np.prod(ishape)), max_size=size * int(np.prod(ishape))
        )
    )
    i = np.moveaxis(np.array(idx, dtype=int).reshape((size, *ishape)), 0, i_axis)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(size, *shape) if x_batched else shape)

    def f(x, i):
        return x[(slice(None),) * where + (i,)] * 2.0

    def g(lib):
        return lambda x, i: lib.sum(x[(slice(None),) * where + (i, Ellipsis)] ** 3)

    axes = (0 if x_batched else None, i_axis)
    # (an unbatched numpy x cannot be indexed by a traced i, in JAX neither: it is traced here by grad)
    same(mg.vmap(mg.grad(g(mg)), axes)(x, i), jax.vmap(jax.grad(g(jnp)), axes)(x, i))
    if not x_batched:
        return
    same(mg.vmap(f, axes)(x, i), jax.vmap(f, axes)(x, i))
    if where == 0 and len(shape) > 1:  # an integer next to the batched array: both advanced, kept in place
        h = lambda x, i: x[i, 0]  # noqa: E731
        same(mg.vmap(h, axes)(x, i), jax.vmap(h, axes)(x, i))
    if where == 2:  # separated by a slice: numpy moves the advanced axes first
        h = lambda x, i: x[0, :, i]  # noqa: E731
        same(mg.vmap(h, axes)(x, i), jax.vmap(h, axes)(x, i))


def test_issue_indexing_cases():
    x = np.arange(3 * 4 * 5 * 6.0).reshape(3, 4, 5, 6)
    for f in (lambda x: x[0, :, np.array([0, 1])], lambda x: x[np.array([0, 1]), :, 0]):
        same(mg.vmap(f)(x), jax.vmap(f)(x))
        same(mg.vmap(f)(x[:2]), jax.vmap(f)(x[:2]))  # batch 2 = index length: values, not only shapes
    xv, iv = np.arange(12.0).reshape(3, 4), np.array([2, 0, 1])
    same(mg.vmap(lambda x, i: x[i])(xv, iv), jax.vmap(lambda x, i: x[i])(xv, iv))
    same(mg.vmap(mg.grad(lambda x, i: x[i] ** 2))(xv, iv), jax.vmap(jax.grad(lambda x, i: x[i] ** 2))(xv, iv))


@settings(max_examples=30)
@given(
    in_axes=st.tuples(st.sampled_from([0, 1, -1, None]), st.sampled_from([0, 1, None])),
    out_axes=st.sampled_from([0, 1, -1, (0, 1), (1, -1)]),
    size=st.integers(1, 3),
)
def test_in_axes_out_axes_match_jax(in_axes, out_axes, size):
    if in_axes == (None, None):
        return
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3))
    y = rng.normal(size=(4,))
    x = np.moveaxis(np.stack([x] * size), 0, in_axes[0]) if in_axes[0] is not None else x
    y = (
        np.moveaxis(np.stack([y] * size) * np.arange(1, size + 1)[:, None], 0, in_axes[1])
        if in_axes[1] is not None
        else y
    )

    def f(lib):
        return lambda x, y: (lib.sum(x, axis=0)[:, None] * y[None, :2], lib.sin(x))

    if isinstance(out_axes, tuple):
        oa = out_axes
    else:
        oa = out_axes
    same(mg.vmap(f(mg), in_axes, oa)(x, y), jax.vmap(f(jnp), in_axes, oa)(x, y))


def test_keyword_arguments_axis_size_and_empty_batches():
    x, y = np.ones(3), np.arange(3.0)
    same(mg.vmap(lambda x, y: x * y)(x, y=y), jax.vmap(lambda x, y: x * y)(x, y=y))
    same(
        mg.vmap(lambda x, y: x * y, in_axes=(None,))(2.0, y=y),
        jax.vmap(lambda x, y: x * y, in_axes=(None,))(2.0, y=y),
    )
    same(
        mg.vmap(lambda x: 2.0 * x, in_axes=None, axis_size=3)(1.5),
        jax.vmap(lambda x: 2.0 * x, in_axes=None, axis_size=3)(1.5),
    )
    with pytest.raises(ValueError, match="axis_size"):
        mg.vmap(lambda x: x, axis_size=2)(np.ones(3))
    empty = np.zeros((0, 3))
    relu = lambda lib: lambda x: lib.sum(lib.maximum(x, 0.0))  # noqa: E731
    same(mg.vmap(mg.grad(relu(mg)))(empty), jax.vmap(jax.grad(relu(jnp)))(empty))
    same(mg.vmap(lambda x: mg.sum(x * x))(empty), jax.vmap(lambda x: jnp.sum(x * x))(empty))
    same(
        mg.vmap(lambda x: x[np.array([0, 2])], out_axes=1)(empty),
        jax.vmap(lambda x: x[np.array([0, 2])], out_axes=1)(empty),
    )
