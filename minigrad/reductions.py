"""Statistics and scans (issue 19): two new rows and compositions of rows.

    cumsum(x)  JVP: cumsum(t)                VJP: reversed cumsum of g (its transpose)
    sort(x)    JVP: t in the sorted order     VJP: g put back in x's order (the inverse permutation)

`var`, `std`, `average`, `diff`, `trace` and `cumprod` are compositions of rows:
exact, to every order. `cumprod` is a scan of products, as in JAX, so its
derivative is right where elements are zero (a rule `cumsum(g * ans) / x`
would divide by zero there).
"""

from __future__ import annotations

import numpy as np

from .batching import batch_rules, reduction_rule
from .core import LINEAR, Primitive, concrete, shape_of
from .primitives import broadcast_to, concatenate, getitem_p, mean, reshape, sqrt, zeros_like
from .primitives import sum as _sum
from .shapes import _at, _axes, diagonal, flip, ravel

cumsum_p = Primitive(
    "cumsum",
    lambda x, axis: np.cumsum(x, axis=axis),
    jvp=LINEAR,
    vjp=(lambda g, ans, x, axis: flip(cumsum_p(flip(g, axis), axis=axis), axis),),
)


def _order(x, axis):
    """The permutation that sorts the values of `x` along `axis` (stable: ties keep their order)."""
    return np.argsort(concrete(x), axis=axis, kind="stable")


def _take_along(x, idx, axis):
    """`np.take_along_axis(x, idx, axis)` as one indexing row."""
    index = list(np.indices(idx.shape, sparse=True))
    index[axis] = idx
    return getitem_p(x, index=tuple(index))


sort_p = Primitive(
    "sort",
    lambda x, axis: np.sort(x, axis=axis, kind="stable"),
    jvp=(lambda t, ans, x, axis: _take_along(t, _order(x, axis), axis),),
    vjp=(lambda g, ans, x, axis: _take_along(g, np.argsort(_order(x, axis), axis=axis), axis),),
)
batch_rules[cumsum_p] = reduction_rule(cumsum_p)
batch_rules[sort_p] = reduction_rule(sort_p)


def _flat_axis(x, axis):
    """(x, axis) with axis=None meaning the flattened array, as numpy's scans."""
    if axis is None:
        return ravel(x), 0
    return x, _axes(axis, len(shape_of(x)))[0]


def cumsum(x, axis=None):
    """Cumulative sum along `axis` (of the flattened array by default), like `np.cumsum`.

    >>> mg.cumsum(np.array([1.0, 2.0, 3.0]))
    array([1., 3., 6.])
    >>> mg.grad(lambda v: mg.cumsum(v)[1])(np.ones(3))
    array([1., 1., 0.])
    """
    x, axis = _flat_axis(x, axis)
    return cumsum_p(x, axis=axis)


def cumprod(x, axis=None):
    """Cumulative product along `axis`, like `np.cumprod`: a scan of `mul`
    (log2(n) steps of pairwise products), exact also where elements are 0.

    >>> mg.cumprod(np.array([1.0, 2.0, 3.0]))
    array([1., 2., 6.])
    >>> mg.grad(lambda v: mg.cumprod(v)[2])(np.array([0.0, 2.0, 3.0]))
    array([6., 0., 0.])
    """
    x, axis = _flat_axis(x, axis)
    n, s = shape_of(x)[axis], 1
    while s < n:  # after this step, element i is the product of the (up to) 2s elements ending at i
        head = getitem_p(x, index=_at(axis, slice(0, s)))
        tail = getitem_p(x, index=_at(axis, slice(s, n))) * getitem_p(x, index=_at(axis, slice(0, n - s)))
        x = concatenate([head, tail], axis=axis)
        s *= 2
    return x


def sort(x, axis=-1):
    """`x` sorted along `axis`, like `np.sort`; the derivative follows the
    permutation (each element's derivative moves with it; ties keep their order).

    >>> mg.sort(np.array([3.0, 1.0, 2.0]))
    array([1., 2., 3.])
    >>> mg.grad(lambda v: mg.sort(v)[0])(np.array([3.0, 1.0, 2.0]))  # the smallest is v[1]
    array([0., 1., 0.])
    """
    x, axis = _flat_axis(x, axis)
    return sort_p(x, axis=axis)


def argsort(x, axis=-1):
    """The indices that sort `x` along `axis` (stable), like `np.argsort`: integers, a constant.

    >>> mg.argsort(np.array([3.0, 1.0, 2.0]))
    array([1, 2, 0])
    """
    return np.argsort(concrete(x), axis=axis, kind="stable")


def argmax(x, axis=None):
    """Index of the largest element (of the flattened array by default), like
    `np.argmax`: an integer, a constant.

    >>> mg.argmax(np.array([1.0, 3.0, 2.0]))
    1
    """
    return _integers(np.argmax(concrete(x), axis=axis))


def argmin(x, axis=None):
    """Index of the smallest element, like `np.argmin`: an integer, a constant.

    >>> mg.argmin(np.array([1.0, 3.0, 0.5]))
    2
    """
    return _integers(np.argmin(concrete(x), axis=axis))


def _integers(v):
    return int(v) if np.ndim(v) == 0 else v


def median(x, axis=None, keepdims=False):
    """Median along `axis`, like `np.median`: the middle of the sorted values
    (the mean of the two middle ones for an even count), so its derivative goes
    to the middle element(s).

    >>> mg.median(np.array([3.0, 1.0, 2.0, 10.0]))
    2.5
    >>> mg.grad(mg.median)(np.array([3.0, 1.0, 2.0, 10.0]))
    array([0.5, 0. , 0.5, 0. ])
    """
    shape = shape_of(x)
    xs, ax = _flat_axis(x, axis)
    s = sort_p(xs, axis=ax)
    n = shape_of(xs)[ax]
    lo = getitem_p(s, index=_at(ax, (n - 1) // 2))
    hi = getitem_p(s, index=_at(ax, n // 2))
    m = (lo + hi) * 0.5
    if keepdims:
        axes = _axes(axis, len(shape))
        m = reshape(m, tuple(1 if i in axes else k for i, k in enumerate(shape)))
    return m


def var(x, axis=None, ddof=0, keepdims=False):
    """Variance along `axis`, `sum((x - mean)**2) / (n - ddof)`, like `np.var`.

    >>> mg.var(np.array([1.0, 2.0, 3.0, 4.0])), mg.var(np.array([1.0, 2.0, 3.0, 4.0]), ddof=1)
    (1.25, 1.6666666666666667)
    >>> mg.grad(mg.var)(np.array([1.0, 3.0]))  # 2 (x - mean) / n
    array([-1.,  1.])
    """
    axis = tuple(axis) if isinstance(axis, list) else axis
    shape = shape_of(x)
    n = int(np.prod([shape[a] for a in _axes(axis, len(shape))]))
    d = x - mean(x, axis=axis, keepdims=True)
    return _sum(d * d, axis=axis, keepdims=keepdims) / float(n - ddof)


def std(x, axis=None, ddof=0, keepdims=False):
    """Standard deviation along `axis`, `sqrt(var)`, like `np.std`. Its derivative
    is nan where all elements are equal (a 0 / 0, as in JAX).

    >>> mg.std(np.array([1.0, 3.0])), mg.grad(mg.std)(np.array([1.0, 3.0]))
    (1.0, array([-0.5,  0.5]))
    """
    return sqrt(var(x, axis=axis, ddof=ddof, keepdims=keepdims))


def average(x, axis=None, weights=None, returned=False):
    """Weighted mean along `axis`, `sum(w x) / sum(w)`, like `np.average`
    (1-D weights are laid along `axis`); both `x` and `weights` are differentiable.
    With `returned=True`, also the sum of the weights.

    >>> mg.average(np.array([1.0, 3.0]), weights=np.array([3.0, 1.0]))
    1.5
    >>> mg.grad(mg.average, argnums=2)(np.array([1.0, 3.0]), None, np.array([3.0, 1.0]))
    array([-0.125,  0.375])
    """
    axis = tuple(axis) if isinstance(axis, list) else axis
    if weights is None:
        avg = mean(x, axis=axis)
        shape = shape_of(x)
        count = float(np.prod([shape[a] for a in _axes(axis, len(shape))]))
        return (avg, zeros_like(avg) + count) if returned else avg
    xs, ws = shape_of(x), shape_of(weights)
    if ws != xs:
        if axis is None or len(ws) != 1 or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"weights of shape {ws} differ from x's {xs}: give 1-D weights and an int axis")
        a = _axes(axis, len(xs))[0]
        if ws[0] != xs[a]:
            raise ValueError(f"weights of length {ws[0]} for an axis of length {xs[a]}")
        weights = reshape(weights, tuple(ws[0] if i == a else 1 for i in range(len(xs))))
    total = _sum(weights, axis=axis)
    avg = _sum(x * weights, axis=axis) / total
    return (avg, broadcast_to(total, shape_of(avg))) if returned else avg


def diff(x, n=1, axis=-1, prepend=None, append=None):
    """Differences of neighbouring elements along `axis`, `n` times, like `np.diff`.

    >>> mg.diff(np.array([1.0, 4.0, 9.0])), mg.diff(np.array([1.0, 4.0, 9.0]), n=2)
    (array([3., 5.]), array([2.]))
    """
    axis = _axes(axis, len(shape_of(x)))[0]
    parts = []
    for extra in (prepend, x, append):
        if extra is None:
            continue
        if extra is not x and len(shape_of(extra)) == 0:  # a scalar: one slice of x's shape
            extra = broadcast_to(extra, shape_of(x)[:axis] + (1,) + shape_of(x)[axis + 1:])
        parts.append(extra)
    if len(parts) > 1:
        x = concatenate(parts, axis=axis)
    for _ in range(n):
        m = shape_of(x)[axis]
        x = getitem_p(x, index=_at(axis, slice(1, m))) - getitem_p(x, index=_at(axis, slice(0, m - 1)))
    return x


def trace(x, offset=0, axis1=0, axis2=1):
    """Sum of the diagonal, like `np.trace` (a sum of `diagonal`).

    >>> mg.trace(np.array([[1.0, 2.0], [3.0, 4.0]])), mg.grad(mg.trace)(np.ones((2, 2)))
    (5.0, array([[1., 0.],
           [0., 1.]]))
    """
    return _sum(diagonal(x, offset, axis1, axis2), axis=-1)
