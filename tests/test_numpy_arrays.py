"""Shape functions, statistics and contractions of issue 19 against JAX x64 in every
mode (value, JVP, VJP, second derivative, vmap of the function and of a gradient).

Hypothesis draws each case's parameters (axes, shifts, subscripts, ...) from a
small set and the values freely; each (case, parameters) pair is one JAX
function, compiled once."""

from __future__ import annotations

from functools import cache

import jax.numpy as jnp
import numpy as np
import pytest
from against_jax import check
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from reference import close

import minigrad as mg

# name: (function of (module, *arrays, **params), parameter sets, input shapes for a parameter set)
CASES = {
    # --- shapes
    "ravel": (lambda m, x: m.ravel(x), [{}], lambda p: [(2, 1, 3)]),
    "ravel_method": (lambda m, x: x.ravel() + x.flatten(), [{}], lambda p: [(2, 3)]),
    "squeeze": (
        lambda m, x, axis: m.squeeze(x, axis),
        [{"axis": a} for a in (None, 0, -1, (0, 2))],
        lambda p: [(1, 3, 1)],
    ),
    "squeeze_method": (lambda m, x: x.squeeze() * 1.0, [{}], lambda p: [(1, 3)]),
    "expand_dims": (
        lambda m, x, axis: m.expand_dims(x, axis),
        [{"axis": a} for a in (0, -1, (0, 3), 1)],
        lambda p: [(2, 3)],
    ),
    "atleast_1d": (lambda m, x: m.atleast_1d(x), [{}], lambda p: [()]),
    "atleast_2d": (lambda m, x: m.atleast_2d(x), [{"s": s} for s in ((), (3,))], lambda p: [p["s"]]),
    "atleast_3d": (lambda m, x: m.atleast_3d(x), [{"s": s} for s in ((3,), (2, 3))], lambda p: [p["s"]]),
    "vstack": (lambda m, x, y: m.vstack([x, y]), [{}], lambda p: [(3,), (2, 3)]),
    "hstack": (
        lambda m, x, y: m.hstack([x, y]),
        [{"s": s} for s in ((3,), (2, 3))],
        lambda p: [p["s"], p["s"]],
    ),
    "dstack": (lambda m, x, y: m.dstack([x, y]), [{}], lambda p: [(2, 3), (2, 3)]),
    "column_stack": (lambda m, x, y: m.column_stack([x, y]), [{}], lambda p: [(2,), (2, 3)]),
    "split": (
        lambda m, x, n, axis: m.split(x, n, axis),
        [{"n": 2, "axis": 0}, {"n": [1, 2], "axis": -1}],
        lambda p: [(4, 3)],
    ),
    "array_split": (lambda m, x, n: m.array_split(x, n), [{"n": 3}, {"n": [1, 3]}], lambda p: [(5, 2)]),
    "repeat": (
        lambda m, x, r, axis: m.repeat(x, r, axis),
        [{"r": 2, "axis": None}, {"r": 2, "axis": -1}, {"r": np.array([1, 0, 2]), "axis": 1}],
        lambda p: [(2, 3)],
    ),
    "tile": (
        lambda m, x, reps: m.tile(x, reps),
        [{"reps": r} for r in (2, (2, 1), (1, 2, 2))],
        lambda p: [(2, 3)],
    ),
    "roll": (
        lambda m, x, shift, axis: m.roll(x, shift, axis),
        [{"shift": 1, "axis": None}, {"shift": -1, "axis": 0}, {"shift": (1, 2), "axis": (0, 1)}],
        lambda p: [(2, 3)],
    ),
    "flip": (
        lambda m, x, axis: m.flip(x, axis),
        [{"axis": a} for a in (None, 0, (0, -1))],
        lambda p: [(2, 3)],
    ),
    "flipud_fliplr": (lambda m, x: m.flipud(x) * m.fliplr(x), [{}], lambda p: [(2, 2)]),
    "rot90": (
        lambda m, x, k, axes: m.rot90(x, k, axes),
        [{"k": k, "axes": a} for k in (1, 2, 3, -1) for a in ((0, 1), (2, 0))],
        lambda p: [(2, 3, 2)],
    ),
    "swapaxes": (lambda m, x: m.swapaxes(x, 0, -1) + x.swapaxes(-1, 0), [{}], lambda p: [(2, 3, 2)]),
    "moveaxis": (
        lambda m, x, src, d: m.moveaxis(x, src, d),
        [{"src": 0, "d": -1}, {"src": (0, 1), "d": (2, 0)}],
        lambda p: [(2, 3, 4)],
    ),
    "pad": (
        lambda m, x, w, c: m.pad(x, w, constant_values=c),
        [{"w": 1, "c": 0.0}, {"w": ((1, 0), (0, 2)), "c": 1.5}],
        lambda p: [(2, 3)],
    ),
    "diag": (
        lambda m, x, k: m.diag(x, k),
        [{"k": k, "s": s} for k in (0, 1, -2) for s in ((3,), (3, 4))],
        lambda p: [p["s"]],
    ),
    "diagonal": (
        lambda m, x, o, a1, a2: m.diagonal(x, o, a1, a2),
        [{"o": 0, "a1": 0, "a2": 1}, {"o": 1, "a1": 1, "a2": 2}, {"o": -1, "a1": 2, "a2": 0}],
        lambda p: [(3, 3, 4)],
    ),
    "triu_tril": (
        lambda m, x, k: m.triu(x, k) + 2.0 * m.tril(x, -k),
        [{"k": k} for k in (0, 1, -1)],
        lambda p: [(2, 3, 4)],
    ),
    "astype": (lambda m, x: x.astype(np.float64) * x.astype(int), [{}], lambda p: [(2, 3)]),
    # --- statistics and scans
    "var": (
        lambda m, x, axis, ddof, keepdims: m.var(x, axis=axis, ddof=ddof, keepdims=keepdims),
        [
            {"axis": a, "ddof": d, "keepdims": k}
            for a, d, k in ((None, 0, False), (0, 1, False), (-1, 0, True), ((0, 2), 1, False))
        ],
        lambda p: [(3, 2, 3)],
    ),
    "std": (
        lambda m, x, axis, ddof: m.std(x, axis=axis, ddof=ddof) + x.std() + x.var(axis=1),
        [{"axis": a, "ddof": d} for a, d in ((None, 0), (-1, 1))],
        lambda p: [(3, 4)],
    ),
    "cumsum": (
        lambda m, x, axis: m.cumsum(x, axis),
        [{"axis": a} for a in (None, 0, -1)],
        lambda p: [(3, 4)],
    ),
    "cumprod": (
        lambda m, x, axis: m.cumprod(x, axis),
        [{"axis": a} for a in (None, 0, -1)],
        lambda p: [(3, 5)],
    ),
    "diff": (
        lambda m, x, n, axis: m.diff(x, n, axis),
        [{"n": n, "axis": a} for n in (1, 2) for a in (0, -1)],
        lambda p: [(3, 4)],
    ),
    "diff_prepend": (lambda m, x: m.diff(x, prepend=0.5, append=x[..., :1]), [{}], lambda p: [(2, 3)]),
    "trace": (
        lambda m, x, o, a1, a2: m.trace(x, o, a1, a2),
        [{"o": 0, "a1": 0, "a2": 1}, {"o": 1, "a1": -1, "a2": 0}],
        lambda p: [(3, 3, 2)],
    ),
    "sort": (lambda m, x, axis: m.sort(x, axis), [{"axis": a} for a in (-1, 0, None)], lambda p: [(3, 4)]),
    "median": (
        lambda m, x, axis, keepdims: m.median(x, axis=axis, keepdims=keepdims),
        [{"axis": a, "keepdims": k} for a, k in ((None, False), (0, True), (-1, False), (None, True))],
        lambda p: [(3, 4)],
    ),
    "average": (
        lambda m, x, w, axis: m.average(x, axis=axis, weights=w),
        [{"axis": None, "ws": (2, 3)}, {"axis": 1, "ws": (3,)}, {"axis": (0, 1), "ws": (2, 3)}],
        lambda p: [(2, 3), p["ws"]],
    ),
    # --- contractions
    "einsum": (
        lambda m, *xs, spec: m.einsum(spec, *xs),
        [
            {"spec": "ij,jk->ik", "s": ((2, 3), (3, 4))},
            {"spec": "ii->", "s": ((3, 3),)},
            {"spec": "ii->i", "s": ((3, 3),)},
            {"spec": "iij->ji", "s": ((2, 2, 3),)},
            {"spec": "ij->", "s": ((2, 3),)},
            {"spec": "ij", "s": ((2, 3),)},
            {"spec": "ji", "s": ((2, 3),)},
            {"spec": "i,i", "s": ((3,), (3,))},
            {"spec": "i,j->ij", "s": ((2,), (3,))},
            {"spec": "...ij,...jk->...ik", "s": ((2, 2, 3), (3, 4))},
            {"spec": "bij,bjk", "s": ((2, 2, 3), (2, 3, 2))},
            {"spec": "ijk,kj->i", "s": ((2, 3, 4), (4, 3))},
            {"spec": "i...,i->...", "s": ((3, 2, 2), (3,))},
            {"spec": "ij,jk,kl->il", "s": ((2, 3), (3, 3), (3, 2))},
            {"spec": "ab,ab,ab->a", "s": ((2, 3),) * 3},
            {"spec": "...i,...i", "s": ((1, 3), (2, 3))},
        ],
        lambda p: list(p["s"]),
    ),
    "tensordot": (
        lambda m, x, y, axes: m.tensordot(x, y, axes),
        [
            {"axes": 1, "s": ((2, 3), (3, 4))},
            {"axes": 2, "s": ((2, 3, 4), (3, 4))},
            {"axes": ([0], [1]), "s": ((3, 2), (4, 3))},
            {"axes": ((0, 1), (1, 0)), "s": ((2, 3), (3, 2, 2))},
        ],
        lambda p: list(p["s"]),
    ),
    "inner": (
        lambda m, x, y: m.inner(x, y),
        [{"s": s} for s in (((3,), (3,)), ((2, 3), (4, 3)), ((), (2,)))],
        lambda p: list(p["s"]),
    ),
    "outer_vdot": (lambda m, x, y: m.outer(x, y) * m.vdot(x, x), [{}], lambda p: [(2, 2), (3,)]),
    "kron": (
        lambda m, x, y: m.kron(x, y),
        [{"s": s} for s in (((2,), (3,)), ((2, 2), (3, 2)), ((2,), (2, 3)))],
        lambda p: list(p["s"]),
    ),
    "cross": (
        lambda m, x, y, axis: m.cross(x, y, axis=axis),
        [{"axis": -1, "s": ((3,), (2, 3))}, {"axis": 0, "s": ((3, 2), (3, 2))}],
        lambda p: list(p["s"]),
    ),
    "cross_2d": (lambda m, x, y: m.cross(x, y), [{}], lambda p: [(2, 2), (2,)]),
}


@cache
def pair(name, i):
    """minigrad's and JAX's function for case `name` with parameter set `i` (one object each)."""
    f, params, _ = CASES[name]
    p = {k: v for k, v in params[i].items() if k not in ("s", "ws")}
    return (lambda *xs: f(mg, *xs, **p)), (lambda *xs: f(jnp, *xs, **p))


# few distinct values: ties (sort) and zeros (cumprod) are common
gridded = st.sampled_from([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0])
GRIDDED = {"sort", "cumprod", "median"}


def draw_values(data, name, shape):
    if name in GRIDDED:
        elements = gridded
    elif name == "average":
        elements = st.floats(0.5, 2.0)  # weights summing away from 0
    else:
        elements = st.floats(-2.0, 2.0, allow_subnormal=False)
    return data.draw(hnp.arrays(np.float64, shape, elements=elements))


@pytest.mark.parametrize("name", CASES)
@settings(max_examples=3)
@given(data=st.data())
def test_against_jax_in_every_mode(name, data):
    params = CASES[name][1]
    i = data.draw(st.integers(0, len(params) - 1))
    shapes = CASES[name][2](params[i])
    args = tuple(draw_values(data, name, s) for s in shapes)
    batch = tuple(draw_values(data, name, s) for s in shapes)
    mg_f, jax_f = pair(name, i)
    check(mg_f, jax_f, args, batch=batch, rtol=1e-9, atol=1e-9)


def test_clear_errors():
    with pytest.raises(ValueError, match="equal division"):
        mg.split(np.ones(5), 2)
    with pytest.raises(NotImplementedError, match="constant"):
        mg.pad(np.ones(2), 1, mode="reflect")
    with pytest.raises(ValueError, match="cannot squeeze"):
        mg.squeeze(np.ones((2, 1)), 0)
    with pytest.raises(ValueError, match="einsum"):
        mg.einsum("ij,j", np.ones((2, 2)))
    with pytest.raises(ValueError, match="cross"):
        mg.cross(np.ones(4), np.ones(4))


def test_argsort_and_integer_casts_are_constants():
    x = np.array([3.0, 1.0, 2.0, 1.0])
    close(mg.argsort(x), jnp.argsort(x))
    assert (mg.argmax(x), mg.argmin(x)) == (0, 1)  # the first of tied minima, as numpy
    close(mg.argmax(x.reshape(2, 2), axis=0), jnp.argmax(x.reshape(2, 2), axis=0))
    assert mg.grad(lambda v: mg.sum(v * mg.argsort(v)))(x).tolist() == [1.0, 3.0, 2.0, 0.0]
    close(mg.astype(1.0 + 2.0**-30, np.float32), 1.0)
    assert mg.jvp(lambda v: v.astype(np.float32), (1.5,), (2.0,)) == (1.5, 2.0)
    close(
        mg.average(np.ones((2, 3)), axis=0, returned=True),
        jnp.average(np.ones((2, 3)), axis=0, returned=True),
    )
