"""Whole Jacobians and Hessians, built from JVPs (columns) or VJPs (rows).

As in JAX, `argnums` may be an int or a tuple of ints (negative ones count from
the end), the differentiated arguments and `f`'s output may be pytrees, and the
result is a block Jacobian: for every output leaf, the structure of the
differentiated arguments, with blocks of shape `out.shape + in.shape`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .core import (
    cast,
    check_differentiable,
    input_dtype,
    output_dtype,
    shape_of,
    tree_flatten,
    tree_unflatten,
)
from .forward import jvp
from .primitives import reshape, stack, zeros_like
from .reverse import argnums_tuple, vjp, with_args


def basis(shape: tuple, k: int) -> Any:
    """The k-th unit vector of an array of `shape` (1.0 for shape ())."""
    if shape == ():
        return 1.0
    e = np.zeros(shape)
    e.flat[k] = 1.0
    return e


def _size(shape: tuple) -> int:
    return int(np.prod(shape, dtype=int))


def _assemble(pieces: list, shape: tuple, axis: int) -> Any:
    """Stack Jacobian columns (axis=-1) or rows (axis=0) into `shape`."""
    if not pieces:
        return np.zeros(shape)
    if len(pieces) == 1 and shape_of(pieces[0]) == shape:
        return pieces[0]
    return reshape(stack(pieces, axis=axis), shape)


class _Setup:
    """The differentiated arguments of one call, flattened to leaves."""

    def __init__(self, f: Callable, args: tuple, kwargs: dict, argnums: Any):
        nums = argnums_tuple(argnums, len(args))
        self.single = isinstance(argnums, (int, np.integer))
        originals, self.in_def = tree_flatten([args[i] for i in nums])
        self.dtypes = [input_dtype(x) for x in originals]
        self.out_dtype = output_dtype(originals)
        self.leaves = [check_differentiable(x, f"argument {argnums}") for x in originals]
        self.shapes = [shape_of(x) for x in self.leaves]
        g, in_def = with_args(f, args, kwargs, nums), self.in_def  # no cycle through self
        self.g = lambda *leaves: g(*tree_unflatten(in_def, list(leaves)))

    def result(self, blocks_per_out: list, out_def: Any) -> Any:
        """The block Jacobian: output structure outside, argument structure inside."""
        per_out = []
        for blocks in blocks_per_out:
            inner = tree_unflatten(self.in_def, blocks)  # a list, one entry per argnum
            per_out.append(inner[0] if self.single else tuple(inner))
        return tree_unflatten(out_def, per_out)


def jacfwd(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """Jacobian of `f` by forward mode: one JVP per input element.

    A block has shape `out.shape + in.shape`, as in `jax.jacfwd`; with
    `has_aux=True` (f returns `(output, aux)`) the result is `(jacobian, aux)`.

    >>> A = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> mg.jacfwd(lambda x: A @ x)(np.ones(3))  # shape (2, 3): m x n
    array([[1., 2., 3.],
           [4., 5., 6.]])
    >>> mg.jacfwd(lambda x, y: x * y, argnums=(0, 1))(2.0, 4.0)
    (4.0, 2.0)
    """

    def jac(*args, **kwargs):
        s = _Setup(f, args, kwargs, argnums)
        zeros = [zeros_like(x) for x in s.leaves]
        cols = []  # cols[j][k]: output tangent leaves for element k of input leaf j
        res = None
        for j, shape in enumerate(s.shapes):
            cols.append([])
            for k in range(_size(shape)):
                t = list(zeros)
                t[j] = basis(shape, k)
                res = jvp(s.g, s.leaves, t, has_aux=has_aux)
                cols[j].append(tree_flatten(res[1])[0])
        if res is None:  # no input elements at all: one JVP for the output's structure
            res = jvp(s.g, s.leaves, zeros, has_aux=has_aux)
        y_leaves, out_def = tree_flatten(res[0])
        blocks = [
            [cast(_assemble([c[o] for c in cols[j]], shape_of(y) + s.shapes[j], axis=-1), s.out_dtype)
             for j in range(len(s.leaves))]
            for o, y in enumerate(y_leaves)
        ]
        out = s.result(blocks, out_def)
        return (out, res[2]) if has_aux else out

    return jac


def jacrev(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """Jacobian of `f` by reverse mode: one VJP per output element.

    A block has shape `out.shape + in.shape`, as in `jax.jacrev`; with
    `has_aux=True` (f returns `(output, aux)`) the result is `(jacobian, aux)`.

    >>> mg.jacrev(lambda x: x * x)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])

    A dict output gives a dict of blocks:

    >>> jac = mg.jacrev(lambda x: {"sq": x * x, "total": mg.sum(x)})
    >>> jac(np.array([1.0, 2.0]))["total"]
    array([1., 1.])
    """

    def jac(*args, **kwargs):
        s = _Setup(f, args, kwargs, argnums)
        y, pullback, *aux = vjp(s.g, *s.leaves, has_aux=has_aux)
        y_leaves, out_def = tree_flatten(y)
        for v in y_leaves:
            dtype = np.dtype(v.dtype if hasattr(v, "dtype") else np.result_type(v))
            if dtype.kind != "f":
                raise TypeError(f"jacrev requires real-valued (float) outputs, got {dtype} (as in JAX)")
        zeros = [zeros_like(v) for v in y_leaves]
        blocks = []
        for o, v in enumerate(y_leaves):
            rows = []
            for k in range(_size(shape_of(v))):
                ct = list(zeros)
                ct[o] = basis(shape_of(v), k)
                rows.append(pullback(tree_unflatten(out_def, ct)))
            blocks.append([
                cast(_assemble([r[j] for r in rows], shape_of(v) + s.shapes[j], axis=0), s.dtypes[j])
                for j in range(len(s.leaves))
            ])
        out = s.result(blocks, out_def)
        return (out, aux[0]) if has_aux else out

    return jac


def hessian(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """Hessian of a scalar function: forward mode over reverse mode (as `jax.hessian`).

    The result has shape `x.shape + x.shape`.

    >>> mg.hessian(lambda x: x[0] ** 2 * x[1])(np.array([1.0, 2.0]))
    array([[4., 2.],
           [2., 0.]])
    """
    return jacfwd(jacrev(f, argnums, has_aux=has_aux), argnums, has_aux=has_aux)
