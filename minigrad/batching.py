"""vmap: a third interpreter over the primitive table, which maps a function over a batch.

Forward mode follows tangents, reverse mode records a tape; batching follows a
*batch axis*. A `BatchTracer` holds the whole batch of values and the position
of its batch axis (`bdim`); `BatchTrace.process` hands each primitive to its
*batching rule* (the table `batch_rules`), which runs the primitive once on the
whole batch and says where the batch axis of the result is. Elementwise
primitives share one rule (move the batch axis to the front, line up the
per-example axes, broadcast); reductions shift their `axis`; matmul, indexing,
stacking and reshaping have their own.

Two fallbacks keep results right where a rule cannot:

- a primitive without a batching rule (e.g. your own `Primitive`) runs in a
  loop over the batch, one call per example, and the results are stacked;
- code that reads the *values* of a batched input (Python `if x > 0`, or a
  derivative rule that looks at concrete values, such as those of `abs`,
  `maximum` or `where` inside `vmap(grad(f))`) cannot be run once for the whole
  batch; `vmap` then calls `f` once per example and stacks the results.
  (JAX raises an error for Python control flow on batched values instead.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import primitives as P
from .core import (
    Primitive,
    ShapeOnly,
    Trace,
    Tracer,
    bind,
    concrete,
    new_trace,
    resolve,
    shape_of,
    substitute,
    tree_flatten,
    tree_unflatten,
)


class _BatchedValueRead(Exception):
    """Raised (and caught by vmap) when code reads the values of a batched input."""


class _PerExample(ShapeOnly):
    """What `minigrad.concrete` finds under a batched value: the shape and dtype
    of one example, and no values (they differ from example to example)."""

    __slots__ = ("dtype",)
    refusal = _BatchedValueRead

    def __init__(self, shape: tuple, dtype: Any):
        super().__init__(shape)
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"<batched value, shape {self.shape} per example>"

    def __array_function__(self, func, types, args, kwargs):
        if func is np.shape:
            return self.shape
        if func is np.ndim:
            return len(self.shape)
        raise _BatchedValueRead


class BatchTracer(Tracer):
    """A batch of values `val` whose batch axis is `bdim`. To the function being
    mapped it looks like one example: `shape` leaves out the batch axis.

    >>> seen = []
    >>> _ = mg.vmap(lambda x: seen.append(x.shape) or x)(np.ones((5, 3)))
    >>> seen
    [(3,)]
    """

    __slots__ = ("val", "bdim")

    def __init__(self, trace: Trace, val: Any, bdim: int):
        self.trace = trace
        self.val = val
        self.bdim = bdim
        shape = list(shape_of(val))
        del shape[bdim]
        self.primal = _PerExample(tuple(shape), getattr(concrete(val), "dtype", np.dtype(float)))

    @property
    def dtype(self):
        return self.primal.dtype


class BatchTrace(Trace):
    """Runs each primitive once on the whole batch, through its batching rule."""

    __slots__ = ("size",)

    def __init__(self, level: int, size: int):
        super().__init__(level)
        self.size = size

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        vals, dims = [], []
        for a in args:
            if isinstance(a, BatchTracer) and a.trace is self:
                vals.append(a.val)
                dims.append(a.bdim)
            else:
                vals.append(a)
                dims.append(None)
        rule = batch_rules.get(prim)
        if rule is None:
            out, d = self.per_example(prim, vals, dims, params)
        else:
            out, d = rule(self.size, vals, dims, **params)
        return out if d is None else BatchTracer(self, out, d)

    def per_example(self, prim: Primitive, vals: list, dims: list, params: dict) -> tuple[Any, int]:
        """`loop_rule`, with this trace's tracers that the primitive's code closes over
        (a custom rule's function, say) replaced by the same example (`substitute`)."""
        if self.size == 0:
            with substitute(self, lambda c: np.zeros(c.shape)):
                return loop_rule(prim, 0, vals, dims, **params)
        outs = []
        for b in range(self.size):
            with substitute(self, lambda c, b=b: _take(c.val, c.bdim, b)):
                outs.append(resolve(bind(prim, tuple(_take(v, d, b) for v, d in zip(vals, dims)), params)))
        return P.stack(outs), 0


# --- helpers: moving batch axes -------------------------------------------------


def moveaxis(x: Any, src: int, dst: int) -> Any:
    """`x` with axis `src` moved to position `dst` (a transpose primitive).

    >>> from minigrad.batching import moveaxis
    >>> moveaxis(np.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    nd = len(shape_of(x))
    src, dst = src % nd, dst % nd
    if src == dst:
        return x
    perm = [i for i in range(nd) if i != src]
    perm.insert(dst, src)
    return P.transpose(x, perm)


def _front(x: Any, d: int | None, size: int) -> Any:
    """`x` with its batch axis first; an unbatched `x` is broadcast along a new one."""
    if d is None:
        return P.broadcast_to(x, (size, *shape_of(x)))
    return moveaxis(x, d, 0)


def _rank(x: Any, d: int | None) -> int:
    """Number of axes of one example."""
    return len(shape_of(x)) - (d is not None)


def _take(x: Any, d: int | None, b: int) -> Any:
    """Example `b` of `x` (all of `x` when it is unbatched)."""
    return x if d is None else P.getitem_p(x, index=(slice(None),) * d + (b,))


def _shift(axis: Any, rank: int) -> Any:
    """A per-example `axis` (int, tuple or None = all) as an axis of the batch (batch first)."""
    if axis is None:
        return tuple(range(1, rank + 1))
    if isinstance(axis, (tuple, list)):
        return tuple(a % rank + 1 for a in axis)
    return axis % rank + 1


# --- the batching rules ---------------------------------------------------------
# A rule gets (batch size, values, batch axes (None: unbatched), **params) and
# returns (output, its batch axis).


def loop_rule(prim: Primitive, size: int, vals: list, dims: list, **params: Any) -> tuple[Any, int]:
    """Fallback for a primitive without a rule: one call per example, stacked.

    Two examples of `sin` batched along axis 1 of `x`:

    >>> from minigrad.batching import loop_rule
    >>> x = np.zeros((3, 2))
    >>> out, bdim = loop_rule(mg.sin, 2, [x], [1])
    >>> out.shape, bdim
    ((2, 3), 0)
    """
    if size == 0:  # the output's shape from one example of zeros
        ex = [v if d is None else np.zeros(tuple(n for j, n in enumerate(shape_of(v)) if j != d))
              for v, d in zip(vals, dims)]
        return np.zeros((0, *shape_of(bind(prim, tuple(ex), params)))), 0
    outs = [bind(prim, tuple(_take(v, d, b) for v, d in zip(vals, dims)), params) for b in range(size)]
    return P.stack(outs), 0


def elementwise_rule(prim: Primitive) -> Callable:
    """Batch axes to the front, per-example axes right-aligned, then broadcasting does the rest.

    A batch of 2 examples (batch axis 1) plus one unbatched vector:

    >>> from minigrad.batching import elementwise_rule
    >>> from minigrad.primitives import add
    >>> vals, dims = [np.ones((3, 2)), np.ones(3)], [1, None]
    >>> out, bdim = elementwise_rule(add)(2, vals, dims)
    >>> out.shape, bdim
    ((2, 3), 0)
    """

    def rule(size, vals, dims, **params):
        rank = max(_rank(v, d) for v, d in zip(vals, dims))
        args = []
        for v, d in zip(vals, dims):
            if d is not None:
                v = moveaxis(v, d, 0)
                pe = shape_of(v)[1:]
                if len(pe) < rank:
                    v = P.reshape(v, (size,) + (1,) * (rank - len(pe)) + pe)
            args.append(v)
        return bind(prim, tuple(args), params), 0

    return rule


def reduction_rule(prim: Primitive) -> Callable:
    """Reduce the same per-example axes, shifted past the batch axis.

    >>> from minigrad.batching import reduction_rule
    >>> from minigrad.primitives import sum_p
    >>> rule = reduction_rule(sum_p)
    >>> rule(2, [np.ones((3, 2))], [1], axis=None)  # 2 sums of 3 ones
    (array([3., 3.]), 0)
    """

    def rule(size, vals, dims, axis=None, **params):
        (x,), (d,) = vals, dims
        return prim(moveaxis(x, d, 0), axis=_shift(axis, _rank(x, d)), **params), 0

    return rule


def _reshape_rule(size, vals, dims, shape):
    return P.reshape_p(moveaxis(vals[0], dims[0], 0), shape=(size, *shape)), 0


def _transpose_rule(size, vals, dims, axes=None):
    rank = _rank(vals[0], dims[0])
    axes = tuple(range(rank - 1, -1, -1)) if axes is None else axes
    return P.transpose_p(moveaxis(vals[0], dims[0], 0), axes=(0, *(a % rank + 1 for a in axes))), 0


def _broadcast_to_rule(size, vals, dims, shape):
    x = moveaxis(vals[0], dims[0], 0)
    pe = shape_of(x)[1:]
    x = P.reshape(x, (size,) + (1,) * (len(shape) - len(pe)) + pe)
    return P.broadcast_to_p(x, shape=(size, *shape)), 0


def _advanced(items: tuple) -> list[int]:
    """Positions of numpy's advanced indices in an index tuple: the arrays, and the
    integers too when there is an array."""
    if not any(isinstance(ix, (list, np.ndarray)) for ix in items):
        return []
    return [k for k, ix in enumerate(items)
            if isinstance(ix, (list, np.ndarray, int, np.integer)) and not isinstance(ix, bool)]


def _index_shape(ix: Any) -> tuple:
    """The shape an advanced index contributes to the broadcast of all of them."""
    if isinstance(ix, (list, np.ndarray)) and np.asarray(ix).dtype == bool:
        return (int(np.count_nonzero(ix)),)
    return shape_of(ix)


def _batched_index(index: Any) -> tuple[tuple, int]:
    """`index` behind a full slice over the batch axis, and where numpy then puts
    the batch axis: after the advanced axes when advanced indices are separated
    (by a slice, None or Ellipsis), since numpy then moves their axes first."""
    items = index if isinstance(index, tuple) else (index,)
    adv = _advanced(items)
    new = (slice(None), *items)
    if adv and adv[-1] - adv[0] + 1 != len(adv):
        return new, len(np.broadcast_shapes(*(_index_shape(items[k]) for k in adv)))
    return new, 0


def _getitem_rule(size, vals, dims, index):
    new, bdim = _batched_index(index)
    return P.getitem_p(moveaxis(vals[0], dims[0], 0), index=new), bdim


def _scatter_add_rule(size, vals, dims, index, shape):
    new, bdim = _batched_index(index)
    g = _front(vals[0], dims[0], size)
    return P.scatter_add_p(moveaxis(g, 0, bdim), index=new, shape=(size, *shape)), 0


def _batched_gather(size: int, ix: list, dix: list, template: tuple, rank: int) -> tuple:
    """A gather whose index arrays are batched, as one numpy index over the batch:
    `arange(size)` (shaped to broadcast) indexes the batch axis, each batched index
    array gets its batch axis first. Returns (index arrays, template, permutation
    of the result's axes to the per-example layout, or None)."""
    slots = [k for k, t in enumerate(template) if t is P._SLOT]
    pe_shapes = [shape_of(a) if d is None else tuple(n for j, n in enumerate(shape_of(a)) if j != d)
                 for a, d in zip(ix, dix)]
    S = np.broadcast_shapes(*pe_shapes)
    arrays = [np.arange(size).reshape((size,) + (1,) * len(S))]
    for a, d, pe in zip(ix, dix, pe_shapes):
        pad = (1,) * (len(S) - len(pe))
        arrays.append(a if d is None else P.reshape(moveaxis(a, d, 0), (size, *pad, *pe)))
    adv = sorted(set(slots) | {k for k, t in enumerate(template)
                               if isinstance(t, (int, np.integer)) and not isinstance(t, bool)})
    perm = None
    if adv[-1] - adv[0] + 1 == len(adv) and adv[0] > 0:  # per example, numpy keeps them in place
        consumed = sum(1 for t in template if t is not None and t is not Ellipsis)
        pre = 0
        for t in template[:adv[0]]:
            pre += (rank - consumed) if t is Ellipsis else 1 if (t is None or isinstance(t, slice)) else 0
        ns = len(S)
        perm = [0, *range(1 + ns, 1 + ns + pre), *range(1, 1 + ns)]
    return arrays, (P._SLOT, *template), perm


def _complete(perm: list | None, ndim: int) -> tuple | None:
    return None if perm is None else (*perm, *range(len(perm), ndim))


def _gather_rule(size, vals, dims, template):
    (x, *ix), (dx, *dix) = vals, dims
    if all(d is None for d in dix):  # only x is batched: an ordinary index
        return _getitem_rule(size, [x], [dx], index=P._fill(template, ix))
    xb = _front(x, dx, size)
    arrays, tmpl, perm = _batched_gather(size, ix, dix, template, _rank(x, dx))
    out = P.gather_p(xb, *arrays, template=tmpl)
    perm = _complete(perm, len(shape_of(out)))
    return (out if perm is None else P.transpose(out, perm)), 0


def _scatter_rule(size, vals, dims, template, shape):
    (g, *ix), (dg, *dix) = vals, dims
    if all(d is None for d in dix):
        return _scatter_add_rule(size, [g], [dg], index=P._fill(template, ix), shape=shape)
    gb = _front(g, dg, size)
    arrays, tmpl, perm = _batched_gather(size, ix, dix, template, len(shape))
    perm = _complete(perm, len(shape_of(gb)))
    if perm is not None:
        gb = P.transpose(gb, tuple(int(i) for i in np.argsort(perm)))
    return P.scatter_p(gb, *arrays, template=tmpl, shape=(size, *shape)), 0


def joining_rule(prim: Primitive, new_axis: int) -> Callable:
    """stack (new_axis=1) and concatenate (0): every input batched at the front.

    Stacking a batch of 2 zeros with the unbatched 1.0:

    >>> from minigrad.batching import joining_rule
    >>> from minigrad.primitives import stack_p
    >>> rule = joining_rule(stack_p, 1)
    >>> out, bdim = rule(2, [np.zeros(2), 1.0], [0, None])
    >>> out
    array([[0., 1.],
           [0., 1.]])
    """

    def rule(size, vals, dims, axis=0):
        rank = next(_rank(v, d) for v, d in zip(vals, dims) if d is not None) + new_axis
        xs = [_front(v, d, size) for v, d in zip(vals, dims)]
        return prim(*xs, axis=axis % rank + 1), 0

    return rule


def _matmul_rule(size, vals, dims):
    (x, y), (dx, dy) = vals, dims
    sx, sy = list(shape_of(x)), list(shape_of(y))
    if dx is not None:
        del sx[dx]
    if dy is not None:
        del sy[dy]
    if dy is None and len(sx) <= 2 and len(sy) <= 2:  # a batch of rows: one 2-D product
        xv = moveaxis(x, dx, 0)
        out = P.matmul(P.reshape(xv, (-1, sx[-1])), y)
        return P.reshape(out, (size, *sx[:-1], *sy[1:])), 0
    if dx is None and len(sx) <= 2 and len(sy) <= 2:  # a batch of columns: one 2-D product
        yv = moveaxis(y, dy, len(sy))  # (k, [m,] B)
        out = P.matmul(x, P.reshape(yv, (sy[0], -1)))
        return P.reshape(out, (*sx[:-1], *sy[1:], size)), len(sx) - 1 + len(sy) - 1
    # general case: numpy's batched matmul, per-example axes lined up behind the batch axis
    xv = moveaxis(x, dx, 0) if dx is not None else P.reshape(x, (1, *sx))
    yv = moveaxis(y, dy, 0) if dy is not None else P.reshape(y, (1, *sy))
    if len(sx) == 1:
        xv = P.reshape(xv, (shape_of(xv)[0], 1, sx[0]))
    if len(sy) == 1:
        yv = P.reshape(yv, (shape_of(yv)[0], sy[0], 1))
    px, py = shape_of(xv)[1:], shape_of(yv)[1:]
    rank = max(len(px), len(py))
    xv = P.reshape(xv, (shape_of(xv)[0],) + (1,) * (rank - len(px)) + px)
    yv = P.reshape(yv, (shape_of(yv)[0],) + (1,) * (rank - len(py)) + py)
    batch = np.broadcast_shapes(tuple(sx[:-2]), tuple(sy[:-2]))
    out_shape = (*batch, *sx[-2:-1], *sy[-1:] * (len(sy) > 1))
    return P.reshape(P.matmul(xv, yv), (size, *out_shape)), 0


batch_rules: dict[Primitive, Callable] = {
    P.reshape_p: _reshape_rule,
    P.transpose_p: _transpose_rule,
    P.broadcast_to_p: _broadcast_to_rule,
    P.getitem_p: _getitem_rule,
    P.scatter_add_p: _scatter_add_rule,
    P.gather_p: _gather_rule,
    P.scatter_p: _scatter_rule,
    P.stack_p: joining_rule(P.stack_p, 1),
    P.concatenate_p: joining_rule(P.concatenate_p, 0),
    P.matmul: _matmul_rule,
}
"""One batching rule per primitive; primitives missing here run in a loop."""
for _p in (P.add, P.sub, P.mul, P.div, P.neg, P.exp, P.log, P.sin, P.cos, P.tanh, P.sqrt,
           P.abs, P.pow, P.integer_pow, P.maximum, P.minimum, P.log1p, P.expm1, P.sigmoid, P.softplus,
           P.stop_gradient_p, P.where_p):
    batch_rules[_p] = elementwise_rule(_p)
for _p in (P.sum_p, P.logsumexp_p, P.max_p, P.min_p):
    batch_rules[_p] = reduction_rule(_p)


# --- vmap -----------------------------------------------------------------------


def _per_leaf(axes: Any, tree: Any, what: str) -> list:
    """Broadcast an axes prefix tree (int/None at any level) to `tree`'s leaves."""
    if axes is None or isinstance(axes, (int, np.integer)):
        return [None if axes is None else int(axes)] * len(tree_flatten(tree)[0])
    if isinstance(axes, (tuple, list)) and isinstance(tree, (tuple, list)) and len(axes) == len(tree):
        return [a for ax, t in zip(axes, tree) for a in _per_leaf(ax, t, what)]
    if isinstance(axes, dict) and isinstance(tree, dict) and set(axes) == set(tree):
        leaves = []
        for k in sorted(tree):
            leaves += _per_leaf(axes[k], tree[k], what)
        return leaves
    raise ValueError(f"vmap: {what} {axes!r} does not match the structure of {type(tree).__name__} {tree!r}")


def _check_sizes(leaves: list, axes: list, axis_size: int | None = None) -> int:
    """The common batch size of the mapped inputs, or an error naming the sizes."""
    sizes = []
    for i, (x, ax) in enumerate(zip(leaves, axes)):
        if ax is None:
            continue
        shape = shape_of(x)
        if not -len(shape) <= ax < len(shape):
            raise ValueError(f"vmap: in_axes {ax} is out of range for input {i} of shape {shape}")
        sizes.append((i, ax, shape[ax]))
    if axis_size is not None:
        if any(s != axis_size for _, _, s in sizes):
            detail = ", ".join(f"input {i} has size {s} along axis {ax}" for i, ax, s in sizes)
            raise ValueError(f"vmap got axis_size={axis_size} but {detail}")
        return int(axis_size)
    if not sizes:
        raise ValueError("vmap needs at least one mapped input (in_axes is None for every input) "
                         "or axis_size")
    if len({s for _, _, s in sizes}) > 1:
        detail = ", ".join(f"input {i} has size {s} along axis {ax}" for i, ax, s in sizes)
        raise ValueError(f"vmap got inconsistent batch sizes: {detail}")
    return sizes[0][2]


def _place(x: Any, trace: BatchTrace, ax: int | None, size: int) -> Any:
    """An output leaf with its batch axis at `ax` (broadcast if it is unbatched)."""
    if isinstance(x, BatchTracer) and x.trace is trace:
        if ax is None:
            raise ValueError("vmap: out_axes is None for an output that depends on the mapped inputs")
        return moveaxis(x.val, x.bdim, ax)
    if ax is None:
        return x
    return moveaxis(P.broadcast_to(x, (size, *shape_of(x))), 0, ax)


def vmap(f: Callable, in_axes: Any = 0, out_axes: Any = 0, axis_size: int | None = None) -> Callable:
    """Vectorize `f` over an axis of its inputs, like `jax.vmap`.

    `in_axes` gives the mapped axis of each positional argument (an int, None for
    an argument shared by all examples, or a tuple with one entry per argument,
    nested like the argument); keyword arguments are mapped over axis 0, as in
    JAX. `out_axes` places the batch axis in the outputs. `axis_size` gives the
    batch size when no argument is mapped. It nests with `grad`, `jvp`, `vjp`
    and itself in any order.

    >>> import numpy as np, minigrad as mg
    >>> mg.vmap(lambda x: mg.sum(x * x))(np.arange(6.0).reshape(2, 3))
    array([ 5., 50.])
    >>> dsin_dw = mg.grad(lambda w, x: mg.sin(w * x))  # x cos(w x)
    >>> mg.vmap(dsin_dw, in_axes=(None, 0))(0.0, np.array([1.0, 2.0]))
    array([1., 2.])
    >>> mg.vmap(lambda x: 2.0 * x, in_axes=None, axis_size=3)(1.5)
    array([3., 3., 3.])
    """

    def batched(*args: Any, **kwargs: Any) -> Any:
        if isinstance(in_axes, (tuple, list)) and len(in_axes) != len(args):
            raise ValueError(f"vmap: in_axes has {len(in_axes)} entries for {len(args)} arguments")
        axes = _per_leaf(tuple(in_axes) if isinstance(in_axes, list) else in_axes, args, "in_axes")
        leaves, treedef = tree_flatten((args, kwargs))
        axes += [0] * (len(leaves) - len(axes))  # keyword arguments: axis 0
        size = _check_sizes(leaves, axes, axis_size)
        axes = [None if ax is None else ax % len(shape_of(x)) for x, ax in zip(leaves, axes)]

        def call(ins):
            a, kw = tree_unflatten(treedef, ins)
            return f(*a, **kw)

        if size == 0:
            return _empty(call, leaves, axes)
        try:
            with new_trace(BatchTrace, size) as trace:
                out = call([x if ax is None else BatchTracer(trace, x, ax) for x, ax in zip(leaves, axes)])
            outs, out_def = tree_flatten(out)
            oaxes = _out_axes(out_axes, out, outs)
            return tree_unflatten(out_def, [_place(o, trace, ax, size) for o, ax in zip(outs, oaxes)])
        except _BatchedValueRead:  # f looked at batched values: run it example by example
            results = [call([_take(x, ax, b) for x, ax in zip(leaves, axes)]) for b in range(size)]
            outs, out_def = tree_flatten(results[0])
            columns = zip(*(tree_flatten(r)[0] for r in results))
            oaxes = _out_axes(out_axes, results[0], outs)
            return tree_unflatten(out_def, [
                col[0] if ax is None else P.stack(col, axis=ax) for col, ax in zip(columns, oaxes)
            ])

    def _empty(call, leaves, axes):
        """An empty batch: `f` on one example of zeros tells the outputs' shapes."""
        example = [x if ax is None else np.zeros(tuple(n for j, n in enumerate(shape_of(x)) if j != ax))
                   for x, ax in zip(leaves, axes)]
        out = call(example)
        outs, out_def = tree_flatten(out)
        oaxes = _out_axes(out_axes, out, outs)
        return tree_unflatten(out_def, [
            o if ax is None else np.moveaxis(np.zeros((0, *shape_of(o))), 0, ax) for o, ax in zip(outs, oaxes)
        ])

    return batched


def _out_axes(out_axes: Any, out: Any, outs: list) -> list:
    """`out_axes` for each output leaf, normalized against the output's rank."""
    oaxes = _per_leaf(out_axes, out, "out_axes")
    return [None if ax is None else ax % (len(shape_of(o)) + 1) for o, ax in zip(outs, oaxes)]
