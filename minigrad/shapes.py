"""Shape and construction functions (issue 19), as compositions of table rows.

Each function here moves, copies or masks elements, so it is built exactly from
the structural rows of `primitives.py` (reshape, transpose, broadcast_to,
getitem, scatter_add, concatenate, where): their JVP, VJP and batching rules
apply unchanged, to any order, and no new derivative rule is needed. The
comment on each line says which row carries the derivative.
"""

from __future__ import annotations

import numpy as np

from . import primitives as P
from .core import Primitive, concrete, shape_of
from .primitives import broadcast_to, concatenate, getitem_p, reshape, scatter_add, transpose, where


def _ndim(x):
    return len(shape_of(x))


def _axes(axis, ndim):
    """`axis` (None = all, an int or a sequence) as sorted non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of bounds for an array of {ndim} dimensions")
    return tuple(sorted(int(a) % ndim for a in axes))


def _at(axis, index):
    """An index that applies `index` along `axis` and keeps the other axes."""
    return (slice(None),) * axis + (index,)


def ravel(x):
    """The elements of `x` in a 1-D array (C order), like `np.ravel` (a reshape).

    >>> mg.ravel(np.ones((2, 3))).shape
    (6,)
    """
    return reshape(x, (int(np.prod(shape_of(x))),))


def squeeze(x, axis=None):
    """`x` without its axes of length 1 (or just those in `axis`), like `np.squeeze`.

    >>> mg.squeeze(np.ones((1, 3, 1))).shape, mg.squeeze(np.ones((1, 3, 1)), axis=0).shape
    ((3,), (3, 1))
    """
    shape = shape_of(x)
    axes = [i for i, n in enumerate(shape) if n == 1] if axis is None else _axes(axis, len(shape))
    for a in axes:
        if shape[a] != 1:
            raise ValueError(f"cannot squeeze axis {a} of length {shape[a]} (shape {shape})")
    return reshape(x, tuple(n for i, n in enumerate(shape) if i not in axes))


def expand_dims(x, axis):
    """`x` with new axes of length 1 at positions `axis`, like `np.expand_dims`.

    >>> mg.expand_dims(np.ones(3), (0, -1)).shape
    (1, 3, 1)
    """
    shape = shape_of(x)
    axes = _axes(axis, len(shape) + (1 if isinstance(axis, (int, np.integer)) else len(axis)))
    out, rest = [], iter(shape)
    for i in range(len(shape) + len(axes)):
        out.append(1 if i in axes else next(rest))
    return reshape(x, tuple(out))


def _atleast(x, n):
    shape = shape_of(x)
    if len(shape) >= n:
        return x
    if n == 3 and len(shape) == 2:
        return reshape(x, shape + (1,))
    if n == 3 and len(shape) == 1:
        return reshape(x, (1,) + shape + (1,))
    return reshape(x, (1,) * (n - len(shape)) + shape)


def _each(xs, n):
    out = [_atleast(x, n) for x in xs]
    return out[0] if len(out) == 1 else out


def atleast_1d(*xs):
    """Each input with at least one axis, like `np.atleast_1d`.

    >>> mg.atleast_1d(2.0)
    array([2.])
    """
    return _each(xs, 1)


def atleast_2d(*xs):
    """Each input with at least two axes (a vector becomes a row), like `np.atleast_2d`.

    >>> mg.atleast_2d(np.ones(3)).shape
    (1, 3)
    """
    return _each(xs, 2)


def atleast_3d(*xs):
    """Each input with at least three axes, like `np.atleast_3d`: (n,) becomes
    (1, n, 1) and (m, n) becomes (m, n, 1).

    >>> mg.atleast_3d(np.ones(3)).shape, mg.atleast_3d(np.ones((2, 3))).shape
    ((1, 3, 1), (2, 3, 1))
    """
    return _each(xs, 3)


def vstack(xs):
    """Stack arrays row-wise (vectors become rows), like `np.vstack`.

    >>> mg.vstack([np.zeros(2), np.ones(2)])
    array([[0., 0.],
           [1., 1.]])
    """
    return concatenate([_atleast(x, 2) for x in xs], axis=0)


def hstack(xs):
    """Stack arrays column-wise (vectors are joined end to end), like `np.hstack`.

    >>> mg.hstack([np.zeros(2), np.ones(1)])
    array([0., 0., 1.])
    """
    xs = [_atleast(x, 1) for x in xs]
    return concatenate(xs, axis=0 if _ndim(xs[0]) == 1 else 1)


def dstack(xs):
    """Stack arrays along a third axis, like `np.dstack`.

    >>> mg.dstack([np.zeros(2), np.ones(2)]).shape
    (1, 2, 2)
    """
    return concatenate([_atleast(x, 3) for x in xs], axis=2)


def column_stack(xs):
    """Vectors as the columns of a matrix (2-D arrays are joined as they are),
    like `np.column_stack`.

    >>> mg.column_stack([np.zeros(2), np.ones(2)])
    array([[0., 1.],
           [0., 1.]])
    """
    cols = [reshape(x, shape_of(x) + (1,)) if _ndim(x) < 2 else x for x in xs]
    return concatenate([_atleast(c, 2) for c in cols], axis=1)


def array_split(x, indices_or_sections, axis=0):
    """Split `x` along `axis` into pieces, like `np.array_split`: a number of
    sections (the first ones one longer if the length does not divide) or the
    indices where the pieces start.

    >>> [p.shape for p in mg.array_split(np.ones(5), 2)]
    [(3,), (2,)]
    """
    shape = shape_of(x)
    axis = _axes(axis, len(shape))[0]
    n = shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0:
            raise ValueError("the number of sections must be larger than 0")
        size, extra = divmod(n, k)
        bounds = [int(b) for b in np.cumsum([0] + [size + 1] * extra + [size] * (k - extra))]
    else:  # Python's slicing rules, as numpy
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    return [getitem_p(x, index=_at(axis, slice(a, b))) for a, b in zip(bounds[:-1], bounds[1:])]


def split(x, indices_or_sections, axis=0):
    """Split `x` along `axis` into equal sections or at indices, like `np.split`.

    >>> mg.split(np.arange(4.0), 2)
    [array([0., 1.]), array([2., 3.])]
    """
    if isinstance(indices_or_sections, (int, np.integer)):
        n = shape_of(x)[_axes(axis, _ndim(x))[0]]
        if indices_or_sections <= 0 or n % indices_or_sections:
            raise ValueError(f"array split does not result in an equal division: {n} into "
                             f"{indices_or_sections}")
    return array_split(x, indices_or_sections, axis)


def repeat(x, repeats, axis=None):
    """Repeat each element `repeats` times along `axis` (the flattened array by
    default), like `np.repeat` (an indexing row: the VJP sums the copies).

    >>> mg.repeat(np.array([1.0, 2.0]), 2)
    array([1., 1., 2., 2.])
    """
    if axis is None:
        x, axis = ravel(x), 0
    axis = _axes(axis, _ndim(x))[0]
    idx = np.repeat(np.arange(shape_of(x)[axis]), repeats)
    return getitem_p(x, index=_at(axis, idx))


def tile(x, reps):
    """`x` repeated `reps` times along each axis, like `np.tile` (a broadcast
    between interleaved axes: the VJP sums the copies).

    >>> mg.tile(np.array([1.0, 2.0]), 2)
    array([1., 2., 1., 2.])
    """
    reps = (int(reps),) if isinstance(reps, (int, np.integer)) else tuple(int(r) for r in reps)
    shape = shape_of(x)
    d = max(len(reps), len(shape))
    shape = (1,) * (d - len(shape)) + shape
    reps = (1,) * (d - len(reps)) + reps
    x = reshape(x, tuple(v for n in shape for v in (1, n)))
    x = broadcast_to(x, tuple(v for r, n in zip(reps, shape) for v in (r, n)))
    return reshape(x, tuple(r * n for r, n in zip(reps, shape)))


def roll(x, shift, axis=None):
    """Elements shifted cyclically by `shift` along `axis`, like `np.roll`.

    >>> mg.roll(np.arange(4.0), 1)
    array([3., 0., 1., 2.])
    """
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), shape_of(x))
    shifts, axes = np.broadcast_arrays(np.atleast_1d(shift), np.atleast_1d(axis))
    for s, a in zip(shifts, axes):
        a = _axes(int(a), _ndim(x))[0]
        n = shape_of(x)[a]
        if n:
            x = getitem_p(x, index=_at(a, (np.arange(n) - int(s)) % n))
    return x


def flip(x, axis=None):
    """`x` with the order of elements reversed along `axis` (all axes by
    default), like `np.flip`.

    >>> mg.flip(np.arange(3.0))
    array([2., 1., 0.])
    """
    axes = _axes(axis, _ndim(x))
    return getitem_p(x, index=tuple(slice(None, None, -1) if i in axes else slice(None)
                                    for i in range(_ndim(x))))


def flipud(x):
    """`x` upside down (axis 0 reversed), like `np.flipud`.

    >>> mg.flipud(np.array([[1.0], [2.0]]))
    array([[2.],
           [1.]])
    """
    return flip(x, 0)


def fliplr(x):
    """`x` left to right (axis 1 reversed), like `np.fliplr`.

    >>> mg.fliplr(np.array([[1.0, 2.0]]))
    array([[2., 1.]])
    """
    return flip(x, 1)


def swapaxes(x, axis1, axis2):
    """`x` with two axes exchanged, like `np.swapaxes` (a transpose).

    >>> mg.swapaxes(np.ones((2, 3, 4)), 0, -1).shape
    (4, 3, 2)
    """
    nd = _ndim(x)
    a, b = _axes(axis1, nd)[0], _axes(axis2, nd)[0]
    perm = list(range(nd))
    perm[a], perm[b] = b, a
    return transpose(x, perm)


def moveaxis(x, source, destination):
    """`x` with axes moved to new positions, like `np.moveaxis` (a transpose).

    >>> mg.moveaxis(np.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    nd = _ndim(x)
    src = [int(a) % nd for a in np.atleast_1d(source)]
    dst = [int(a) % nd for a in np.atleast_1d(destination)]
    perm = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        perm.insert(d, s)
    return transpose(x, perm)


def rot90(x, k=1, axes=(0, 1)):
    """`x` rotated by 90 degrees `k` times in the plane of `axes`, like
    `np.rot90` (flips and a transpose).

    >>> mg.rot90(np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[2., 4.],
           [1., 3.]])
    """
    k = int(k) % 4
    a, b = _axes(axes[0], _ndim(x))[0], _axes(axes[1], _ndim(x))[0]
    if k == 0:
        return x
    if k == 2:
        return flip(flip(x, a), b)
    if k == 1:
        return swapaxes(flip(x, b), a, b)
    return flip(swapaxes(x, a, b), b)


def pad(x, pad_width, mode="constant", constant_values=0.0):
    """`x` with `constant_values` added around it, like `np.pad` in its
    constant mode (`x` is scattered into the larger array: the VJP slices).

    >>> mg.pad(np.ones(2), 1)
    array([0., 1., 1., 0.])
    >>> mg.grad(lambda v: mg.sum(mg.pad(v, (1, 2)) ** 2))(np.ones(2))
    array([2., 2.])
    """
    if mode != "constant":
        raise NotImplementedError(f"minigrad.pad supports mode='constant' only, not {mode!r}")
    if np.ndim(constant_values) != 0:
        raise NotImplementedError("minigrad.pad takes one scalar constant_values")
    shape = shape_of(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (len(shape), 2))
    if (widths < 0).any():
        raise ValueError(f"pad widths must be non-negative, got {pad_width}")
    new = tuple(int(n + lo + hi) for n, (lo, hi) in zip(shape, widths))
    index = tuple(slice(int(lo), int(lo) + n) for n, (lo, _) in zip(shape, widths))
    out = scatter_add(x, index=index, shape=new)
    if constant_values != 0:
        border = np.full(new, float(constant_values))
        border[index] = 0.0
        out = out + border
    return out


def _diag_index(k, rows, cols):
    """Row and column indices of the `k`-th diagonal of a rows x cols matrix."""
    n = max(0, min(rows - max(-k, 0), cols - max(k, 0)))
    return np.arange(n) + max(-k, 0), np.arange(n) + max(k, 0)


def diag(v, k=0):
    """The `k`-th diagonal of a matrix, or a matrix with vector `v` on its
    `k`-th diagonal, like `np.diag`.

    >>> mg.diag(np.array([1.0, 2.0]))
    array([[1., 0.],
           [0., 2.]])
    >>> mg.diag(np.array([[1.0, 2.0], [3.0, 4.0]]), 1)
    array([2.])
    """
    shape, k = shape_of(v), int(k)
    if len(shape) == 1:
        n = shape[0] + abs(k)
        return scatter_add(v, index=_diag_index(k, n, n), shape=(n, n))
    if len(shape) == 2:
        return getitem_p(v, index=_diag_index(k, *shape))
    raise ValueError(f"minigrad.diag takes a 1-D or 2-D array, got shape {shape}")


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal of `x` in the plane of `axis1` and `axis2`, as the last axis
    of the result, like `np.diagonal`.

    >>> mg.diagonal(np.arange(8.0).reshape(2, 2, 2), axis1=1, axis2=2)
    array([[0., 3.],
           [4., 7.]])
    """
    nd = _ndim(x)
    a, b = _axes(axis1, nd)[0], _axes(axis2, nd)[0]
    if a == b:
        raise ValueError("axis1 and axis2 cannot be the same")
    x = transpose(x, [i for i in range(nd) if i not in (a, b)] + [a, b])
    rows, cols = shape_of(x)[-2:]
    return getitem_p(x, index=(Ellipsis, *_diag_index(int(offset), rows, cols)))


def _triangle(np_fn, x, k):
    shape = shape_of(x)
    if len(shape) < 2:
        raise ValueError(f"minigrad.{np_fn.__name__} takes an array of 2 or more dimensions, got {shape}")
    return where(np_fn(np.ones(shape[-2:], dtype=bool), k), x, 0.0)


def triu(x, k=0):
    """`x` with the elements below its `k`-th diagonal set to 0, like `np.triu`.

    >>> mg.triu(np.ones((2, 2)))
    array([[1., 1.],
           [0., 1.]])
    """
    return _triangle(np.triu, x, k)


def tril(x, k=0):
    """`x` with the elements above its `k`-th diagonal set to 0, like `np.tril`.

    >>> mg.tril(np.ones((2, 2)))
    array([[1., 0.],
           [1., 1.]])
    """
    return _triangle(np.tril, x, k)


def zeros_like(x):
    """Zeros of the shape of `x`: a constant (no derivative flows through it).

    >>> mg.zeros_like(np.ones(2)), mg.zeros_like(3.0)
    (array([0., 0.]), 0.0)
    """
    return P.zeros_like(x)


def ones_like(x):
    """Ones of the shape of `x`: a constant.

    >>> mg.ones_like(np.zeros(2))
    array([1., 1.])
    """
    return P.zeros_like(x) + 1.0


# --- casts -------------------------------------------------------------------------

rounded_to_p = Primitive(  # the value rounded to a lower precision; the derivative passes through
    "rounded_to",
    lambda x, dtype: P._scalar(np.asarray(x).astype(dtype).astype(np.float64)),
    jvp=(lambda t, ans, x, dtype: t,),
    vjp=(lambda g, ans, x, dtype: g,),
)


def astype(x, dtype):
    """`x` as `dtype`, like `x.astype(dtype)`.

    A float dtype keeps the derivative: float64 is `x` itself; a lower precision
    (float32, float16) rounds the value to it but, since minigrad computes in
    float64, the result stays float64 (derivative 1). An integer or bool dtype
    gives a constant, as in JAX: the derivative stops there.

    >>> mg.astype(1.0 + 2.0**-30, np.float32) == 1.0, mg.grad(lambda v: v.astype(float))(2.0)
    (True, 1.0)
    >>> mg.grad(lambda v: v * v.astype(int))(2.5)  # int(2.5) = 2 is a constant
    2.0
    """
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return x if dtype == np.float64 else rounded_to_p(x, dtype=dtype)
    if dtype.kind == "c":
        raise TypeError("minigrad differentiates real values only; no complex dtypes")
    out = np.asarray(concrete(x)).astype(dtype)
    return out.item() if out.ndim == 0 else out


def _register():
    from .batching import batch_rules, elementwise_rule

    batch_rules[rounded_to_p] = elementwise_rule(rounded_to_p)


_register()
