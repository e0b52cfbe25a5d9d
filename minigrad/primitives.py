"""The table of primitives: each operation's value and its derivative rules.

Elementwise operations are given by their partial derivatives: forward mode
multiplies a tangent by them (JVP: t * df/dx), reverse mode multiplies a
cotangent by them (VJP: g * df/dx). Structural operations (sums, reshapes,
matrix products, indexing) give their JVP and VJP rules explicitly. All rules
use minigrad's own operations, so derivatives of derivatives work.

In a rule, `ans` is the primitive's output and `x`, `y` its inputs.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from .core import LINEAR, EachArg, Primitive, Tracer, bind, complex_error, concrete, shape_of

_FLOATS = (float, int)


def _ieee(array_fn, *args):
    """`array_fn` on Python numbers, with IEEE results (inf, nan) and no warnings:
    the fallback where Python's `math` raises (log(-1), exp(1000), 1/0, ...)."""
    with np.errstate(all="ignore"):
        return float(array_fn(*(np.float64(a) for a in args)))


def _on(scalar_fn, array_fn):
    """Value rule of one argument: Python `math` on floats (fast), numpy on arrays
    and on the rare float where `math` raises instead of returning inf or nan."""

    def impl(x):
        if type(x) is float:
            try:
                return scalar_fn(x)
            except (ArithmeticError, ValueError):
                return _ieee(array_fn, x)
        return array_fn(x)

    return impl


def _on2(scalar_fn, array_fn):
    """Value rule of two arguments, likewise."""

    def impl(x, y):
        if type(x) in _FLOATS and type(y) in _FLOATS:
            try:
                return scalar_fn(x, y)
            except (ArithmeticError, ValueError):
                return _ieee(array_fn, x, y)
        return array_fn(x, y)

    return impl


def divide(x, y):
    """`x / y` with IEEE semantics on floats too (1/0 = inf): use it in rules."""
    try:
        return x / y
    except ZeroDivisionError:
        return _ieee(np.divide, x, y)


def _integer_pow(x, n):
    try:
        return x**n
    except (ZeroDivisionError, OverflowError):
        return _ieee(np.power, x, float(n))


FLOAT_PARTIALS: dict = {}
"""The partial derivative `d` behind each rule `_rule(d)` makes (a float for d = +-1):
the backward sweep uses it to compute `g * d(ans, *xs)` for Python floats directly,
without the rule's checks for arrays (the hot path of scalar programs)."""


def _rule(d):
    """JVP/VJP rule `lambda t, ans, *xs: t * d(ans, *xs)`, simplified for d = +-1."""
    if d == 1:
        rule = lambda t, ans, *xs: t  # noqa: E731
    elif d == -1:
        rule = lambda t, ans, *xs: -t  # noqa: E731
    else:
        rule = lambda t, ans, *xs: _times(t, d(ans, *xs), ans, xs)  # noqa: E731
    FLOAT_PARTIALS[rule] = float(d) if d in (1, -1) else d
    return rule


def _times(t, dv, ans, xs):
    """`t * dv`, written into `dv`'s memory when `dv` is an array the partial
    derivative just made (not a view, not the output or an input held elsewhere)."""
    if (
        type(t) is np.ndarray and type(dv) is np.ndarray
        and dv.base is None and dv.flags.writeable and dv.shape == t.shape and dv.dtype == t.dtype
        and dv is not ans and dv is not t and all(dv is not x for x in xs)
    ):
        return np.multiply(t, dv, out=dv)
    return t * dv


def elementwise(name, impl, *partials):
    """A primitive given by its partial derivatives d(ans)/d(x_i): the JVP rule
    multiplies a tangent by them, the VJP rule a cotangent."""
    rules = tuple(_rule(d) for d in partials)
    return Primitive(name, impl, rules, rules)


def _max(x, y):
    """max of two Python numbers, as a float."""
    return float(x if x >= y else y)


def _scalar(v):
    """Turn numpy 0-d results into Python floats."""
    if np.ndim(v) == 0:
        if np.iscomplexobj(v):
            raise complex_error(v)
        return float(v)
    return v


# --- elementwise: d(op)/d(input) ---------------------------------------------
# name                 value rule                        partial derivative(s)
add = elementwise("add", operator.add,                  1, 1)
sub = elementwise("sub", operator.sub,                  1, -1)
mul = elementwise("mul", operator.mul,                  lambda a, x, y: y,
                                                        lambda a, x, y: x)
div = elementwise("div", divide,                        lambda a, x, y: divide(1.0, y),
                                                        lambda a, x, y: -divide(a, y))
neg = elementwise("neg", operator.neg,                  -1)
exp = elementwise("exp", _on(math.exp, np.exp),         lambda a, x: a)
log = elementwise("log", _on(math.log, np.log),         lambda a, x: divide(1.0, x))
sin = elementwise("sin", _on(math.sin, np.sin),         lambda a, x: cos(x))
cos = elementwise("cos", _on(math.cos, np.cos),         lambda a, x: -sin(x))
tanh = elementwise("tanh", _on(math.tanh, np.tanh),     lambda a, x: 1.0 - tanh(x) ** 2)
sqrt = elementwise("sqrt", _on(math.sqrt, np.sqrt),     lambda a, x: divide(0.5, a))
abs = elementwise("abs", _on(math.fabs, np.abs),        lambda a, x: _sign(x))
pow = elementwise("pow", _on2(math.pow, np.power),       lambda a, x, y: y * pow(x, y - 1.0),
                                                        lambda a, x, y: log(_nonzero(x)) * a)
integer_pow = elementwise("integer_pow", _integer_pow,  lambda a, x, n: n * power(x, n - 1))
maximum = elementwise("maximum", _on2(_max, np.maximum),  lambda a, x, y: _split(x, y),
                                                        lambda a, x, y: _split(y, x))


def _split(x, y):
    """d max(x, y)/dx: 1 where x wins, 1/2 on ties (as JAX does), 0 elsewhere."""
    x, y = concrete(x), concrete(y)
    return _scalar(np.where(x > y, 1.0, np.where(x == y, 0.5, 0.0)))


def _sign(x):
    """d|x|/dx: +1 for x >= 0 (so 1 at 0, JAX's convention), -1 below."""
    return _scalar(np.where(concrete(x) >= 0, 1.0, -1.0))


def _nonzero(x):
    """`x` with zeros replaced by 1: d(x**y)/dy = log(x) x**y is taken as 0 at x = 0, as JAX does."""
    return where(concrete(x) == 0, 1.0, x)


# --- structural: value, JVP, VJP ---------------------------------------------
sum_p = Primitive(
    "sum",
    lambda x, axis=None, keepdims=False: _scalar(np.sum(x, axis=axis, keepdims=keepdims)),
    jvp=LINEAR,
    vjp=(lambda g, ans, x, axis=None, keepdims=False:
         broadcast_to(_keep_axes(g, shape_of(x), axis, keepdims), shape_of(x)),),
)
reshape_p = Primitive(
    "reshape",
    lambda x, shape: _scalar(np.reshape(x, shape)),
    jvp=LINEAR,
    vjp=(lambda g, ans, x, shape: reshape(g, shape_of(x)),),
)
transpose_p = Primitive(
    "transpose",
    lambda x, axes=None: np.transpose(x, axes),
    jvp=LINEAR,
    vjp=(lambda g, ans, x, axes=None: transpose(g, _inverse_permutation(axes, len(shape_of(x)))),),
)
broadcast_to_p = Primitive(
    "broadcast_to",
    lambda x, shape: np.broadcast_to(x, shape).copy(),
    jvp=LINEAR,
    vjp=(lambda g, ans, x, shape: unbroadcast(g, shape_of(x)),),
)
getitem_p = Primitive(
    "getitem",
    lambda x, index: _scalar(x[index]),
    jvp=LINEAR,
    vjp=(lambda g, ans, x, index: scatter_add(g, index=index, shape=shape_of(x)),),
)
scatter_add_p = Primitive(  # zeros(shape) with g added at index: the transpose of getitem
    "scatter_add",
    lambda g, index, shape: _scatter_add(g, index, shape),
    jvp=LINEAR,
    vjp=(lambda c, ans, g, index, shape: getitem_p(c, index=index),),
)
stack_p = Primitive(
    "stack",
    lambda *xs, axis=0: np.stack(xs, axis=axis),
    jvp=LINEAR,
    vjp=EachArg(lambda i, g, ans, *xs, axis=0: getitem_p(g, index=(slice(None),) * (axis % ans.ndim) + (i,))),
)
matmul = Primitive(
    "matmul",
    lambda x, y: _scalar(np.matmul(x, y)),
    jvp=(lambda t, ans, x, y: matmul(t, y),
         lambda t, ans, x, y: matmul(x, t)),
    vjp=(lambda g, ans, x, y: _matmul_vjp(g, x, y, 0),
         lambda g, ans, x, y: _matmul_vjp(g, x, y, 1)),
)
where_p = Primitive(
    "where",
    lambda c, x, y: _scalar(np.where(c, x, y)),
    jvp=(None, lambda t, ans, c, x, y: where_p(c, t, 0.0),
               lambda t, ans, c, x, y: where_p(c, 0.0, t)),
    vjp=(None, lambda g, ans, c, x, y: where_p(c, g, 0.0),
               lambda g, ans, c, x, y: where_p(c, 0.0, g)),
)


def _keep_axes(g, shape, axis, keepdims):
    """Reshape a summed cotangent so it broadcasts back against `shape`."""
    if axis is None or keepdims:
        return g
    axes = (axis,) if isinstance(axis, int) else axis
    axes = {a % len(shape) for a in axes}
    return reshape(g, tuple(1 if i in axes else n for i, n in enumerate(shape)))


def _inverse_permutation(axes, ndim):
    if axes is None:
        return None
    return tuple(int(i) for i in np.argsort([a % ndim for a in axes]))


def _scatter_add(g, index, shape):
    """Zeros of `shape` plus `g` at `index`: any numpy index (slices with negative
    steps, None, Ellipsis, boolean masks, repeated integer arrays) via flat positions."""
    items = index if type(index) is tuple else (index,)
    if all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) for i in items):
        out = np.zeros(shape)  # basic indexing: a view, no position repeats
        out[index] += g
        return _scalar(out)
    size = int(np.prod(shape))
    flat = np.arange(size).reshape(shape)[index]
    g = np.broadcast_to(g, np.shape(flat))
    if flat.size == 0:  # nothing selected (np.bincount would give integers)
        return _scalar(np.zeros(shape))
    return _scalar(np.bincount(np.ravel(flat), weights=np.ravel(g), minlength=size).reshape(shape))


def _matmul_vjp(g, x, y, which):
    """Cotangent of `x @ y` w.r.t. x (which=0) or y (which=1), with np.matmul's
    rules: a 1-D operand gains a unit axis, leading (batch) axes broadcast."""
    xs, ys = shape_of(x), shape_of(y)
    x2 = reshape(x, (1,) + xs) if len(xs) == 1 else x
    y2 = reshape(y, ys + (1,)) if len(ys) == 1 else y
    xs2, ys2 = shape_of(x2), shape_of(y2)
    g2 = reshape(g, np.broadcast_shapes(xs2[:-2], ys2[:-2]) + (xs2[-2], ys2[-1]))
    if which == 0:
        return reshape(unbroadcast(matmul(g2, _swap_last(y2)), xs2), xs)
    return reshape(unbroadcast(matmul(_swap_last(x2), g2), ys2), ys)


def _swap_last(x):
    n = len(shape_of(x))
    return transpose(x, tuple(range(n - 2)) + (n - 1, n - 2))


# --- the functions users call -------------------------------------------------


def sum(x, axis=None, keepdims=False):
    """Sum of elements, like `np.sum`.

    >>> x = np.arange(6.0).reshape(2, 3)
    >>> mg.sum(x, axis=0), mg.sum(x)
    (array([3., 5., 7.]), 15.0)
    """
    return sum_p(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean of elements, like `np.mean`.

    >>> x = np.arange(6.0).reshape(2, 3)
    >>> mg.mean(x), mg.mean(x, axis=1)
    (2.5, array([1., 4.]))
    """
    shape = shape_of(x)
    axes = range(len(shape)) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    count = int(np.prod([shape[a] for a in axes]))
    return sum(x, axis=axis, keepdims=keepdims) / float(count)


def reshape(x, shape):
    """Array with the same values and a new shape.

    >>> mg.reshape(np.arange(6.0), (3, 2)).shape
    (3, 2)
    """
    shape = tuple(int(n) for n in shape) if isinstance(shape, (tuple, list)) else (int(shape),)
    if shape_of(x) == shape:
        return x
    return reshape_p(x, shape=shape)


def transpose(x, axes=None):
    """Permute axes (reverse them by default); negative axes count from the end.

    >>> x = np.ones((2, 3, 4))
    >>> mg.transpose(x).shape, mg.transpose(x, (1, 0, -1)).shape
    ((4, 3, 2), (3, 2, 4))
    """
    if axes is None:
        return transpose_p(x, axes=None)
    ndim = len(shape_of(x))
    axes = tuple(int(a) for a in axes)
    if sorted(a % ndim if -ndim <= a < ndim else a for a in axes) != list(range(ndim)):
        raise ValueError(f"axes {axes} are not a permutation of the {ndim} axes of the array")
    return transpose_p(x, axes=tuple(a % ndim for a in axes))


def broadcast_to(x, shape):
    """Broadcast `x` to `shape` (a tuple or an int), like `np.broadcast_to`.

    Its VJP sums the cotangent back down to the shape of `x`:

    >>> mg.broadcast_to(1.0, (2,))
    array([1., 1.])
    >>> mg.grad(lambda x: mg.sum(mg.broadcast_to(x, 3)))(2.0)
    3.0
    """
    shape = tuple(int(n) for n in shape) if isinstance(shape, (tuple, list)) else (int(shape),)
    if shape_of(x) == shape:
        return x
    return broadcast_to_p(x, shape=shape)


def broadcasts_to(shape, target):
    """Whether an array of `shape` broadcasts to `target` (np.broadcast_to's rule)."""
    lead = len(target) - len(shape)
    return lead >= 0 and all(n == 1 or n == m for n, m in zip(shape, target[lead:]))


def unbroadcast(g, shape):
    """Sum `g` down to `shape`: the transpose of broadcasting."""
    gshape = shape_of(g)
    if gshape == shape:
        return g
    if not broadcasts_to(shape, gshape):
        raise ValueError(f"cannot sum a value of shape {gshape} down to shape {shape}")
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1
    )
    g = sum(g, axis=axes)
    return g if shape_of(g) == shape else reshape(g, shape)


def scatter_add(g, index, shape):
    """Zeros of `shape` with `g` added at `index`."""
    return scatter_add_p(g, index=index, shape=tuple(shape))


def stack(xs, axis=0):
    """Join values along a new axis, like `np.stack`.

    >>> mg.stack([1.0, 2.0])
    array([1., 2.])
    >>> mg.jacrev(lambda x: mg.stack([x, 2.0 * x]))(1.0)
    array([1., 2.])
    """
    return stack_p(*xs, axis=axis)


def where(condition, x, y):
    """`x` where `condition` holds, else `y`; the condition is not differentiated.

    >>> relu_sum = lambda x: mg.sum(mg.where(x > 0, x, 0.0))
    >>> mg.grad(relu_sum)(np.array([-1.0, 2.0]))
    array([0., 1.])
    """
    return where_p(concrete(condition), x, y)


def dot(x, y):
    """`numpy.dot`: a product with a scalar, the matrix or vector product of
    1-D and 2-D arrays, and for N-D arrays the sum over the last axis of `x` and
    the second-to-last of `y` (`dot(x, y)[i, j, k, m] = sum(x[i, j, :] * y[k, :, m])`).

    >>> mg.dot(np.ones(2), np.array([3.0, 4.0]))
    7.0
    >>> mg.dot(np.ones((2, 2, 3)), np.ones((2, 3, 4))).shape  # not matmul's (2, 2, 4)
    (2, 2, 2, 4)
    """
    xs, ys = shape_of(x), shape_of(y)
    if not xs or not ys:
        return x * y
    if len(xs) <= 2 and len(ys) <= 2 or len(ys) == 1:
        return matmul(x, y)
    if xs[-1] != ys[-2]:
        raise ValueError(f"dot: shapes {xs} and {ys} are not aligned ({xs[-1]} != {ys[-2]})")
    n = len(ys)
    y2 = reshape(transpose(y, (n - 2, *range(n - 2), n - 1)), (ys[-2], -1))
    out = matmul(reshape(x, (-1, xs[-1])), y2)
    return reshape(out, xs[:-1] + ys[:-2] + ys[-1:])


def zeros_like(x):
    """A zero of the same shape as `x` (a constant)."""
    x = concrete(x)
    return 0.0 if type(x) is float or np.ndim(x) == 0 else np.zeros(np.shape(x))


def power(x, y):
    """`x ** y`; an integer constant exponent uses the integer power rule.

    >>> mg.grad(lambda x: mg.power(x, 3))(2.0)  # 3 x**2
    12.0
    >>> mg.grad(lambda y: mg.power(2.0, y))(3.0)  # 2**y log(2)
    5.545177444479562
    """
    if isinstance(y, (int, np.integer)) and not isinstance(y, bool):
        n = int(y)
        if n == 0:
            return zeros_like(x) + 1.0
        if n == 1:
            return x
        return integer_pow(x, n)
    return pow(x, y)


# --- numpy's protocols on traced values ---------------------------------------


def _axes_arg(axes):
    """`x.transpose()`, `x.transpose(1, 0)` and `x.transpose((1, 0))`, as numpy."""
    if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
        return axes[0]
    return axes or None


def _method(fn, x, axis, keepdims, np_kw):
    if np_kw:  # np.sum(x) and np.mean(x) call x.sum(axis=..., out=None, ...)
        raise TypeError(
            f"numpy's np.{fn.__name__} cannot follow a traced value; use minigrad.{fn.__name__}(x) "
            f"or x.{fn.__name__}()"
        )
    return fn(x, axis=axis, keepdims=keepdims)


# numpy ufuncs that an `ndarray (op) tracer` expression calls: handed back to minigrad
_UFUNC_OPS = {
    np.add: add, np.subtract: sub, np.multiply: mul, np.true_divide: div,
    np.power: power, np.matmul: matmul, np.negative: neg,
}
_UFUNC_COMPARISONS = (np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal)


def _ufunc(ufunc, method, inputs, kw):
    """`Tracer.__array_ufunc__`: numpy arithmetic with a tracer operand (e.g.
    `array * x`) runs minigrad's primitive; comparisons look at the values; other
    numpy functions (np.exp, np.sin, ...) raise an error naming minigrad's function."""
    if method == "__call__" and not kw:
        if ufunc in _UFUNC_OPS:
            return _UFUNC_OPS[ufunc](*inputs)
        if ufunc in _UFUNC_COMPARISONS:
            return ufunc(*(concrete(a) for a in inputs))
    name = ufunc.__name__
    alt = f"minigrad.{name}" if name in _USER_FUNCTIONS else "minigrad's operations"
    raise TypeError(
        f"numpy's np.{name} cannot follow a traced value (it would drop the derivative); use {alt} instead"
    )


_USER_FUNCTIONS = {"exp", "log", "sin", "cos", "tanh", "sqrt", "abs", "maximum", "power", "matmul"}


# --- operators on traced values ----------------------------------------------


def _getitem(x, index):
    items = index if type(index) is tuple else (index,)
    if any(isinstance(i, Tracer) and _no_values(i) for i in items):  # an index batched by vmap
        return gather(x, index)
    if isinstance(index, Tracer):
        index = concrete(index)
    elif type(index) is tuple and any(isinstance(i, Tracer) for i in index):
        index = tuple(concrete(i) for i in index)
    return getitem_p(x, index=index)


def _no_values(x):
    """Is `x` a value whose concrete values are not at hand (a batch under vmap)?"""
    return not isinstance(concrete(x), (float, int, np.ndarray, np.generic, list))


class _Slot:
    """Where an index array goes in a `gather` template."""

    __slots__ = ()

    def __repr__(self):
        return "<index argument>"


_SLOT = _Slot()


def _template(index):
    """(template, index arrays): the index with each array (or traced index) taken out."""
    items = index if type(index) is tuple else (index,)
    template, arrays = [], []
    for i in items:
        if isinstance(i, Tracer) or isinstance(i, (list, np.ndarray)) and np.ndim(i) > 0:
            if isinstance(i, Tracer) and np.dtype(i.dtype) == bool:
                raise IndexError(
                    "a boolean mask that differs from example to example (batched by vmap) selects a "
                    "different number of elements in each, so the result has no shape (JAX raises too); "
                    "use minigrad.where(mask, x, 0.0) instead"
                )
            if not isinstance(i, Tracer) and np.asarray(i).dtype == bool:
                nz = np.nonzero(i)
                template += [_SLOT] * len(nz)
                arrays += list(nz)
                continue
            template.append(_SLOT)
            arrays.append(i if isinstance(i, Tracer) else np.asarray(i))
        else:
            template.append(i)
    return tuple(template), arrays


def _fill(template, arrays):
    it = iter(arrays)
    return tuple(next(it) if t is _SLOT else t for t in template)


def gather(x, index):
    """`x[index]` where index arrays are arguments (they may be batched by vmap)."""
    template, arrays = _template(index)
    return gather_p(x, *arrays, template=template)


class _FirstOnly:
    """Rules for argument 0 only (the index arguments have no derivative)."""

    __slots__ = ("rule",)

    def __init__(self, rule):
        self.rule = rule

    def __getitem__(self, i):
        return self.rule if i == 0 else None


gather_p = Primitive(
    "gather",
    lambda x, *ix, template: _scalar(np.asarray(x)[_fill(template, ix)]),
    jvp=_FirstOnly(lambda t, ans, x, *ix, template: gather_p(t, *ix, template=template)),
    vjp=_FirstOnly(lambda g, ans, x, *ix, template:
                   scatter_p(g, *ix, template=template, shape=shape_of(x))),
)
scatter_p = Primitive(  # zeros(shape) with g added at the index: the transpose of gather
    "scatter",
    lambda g, *ix, template, shape: _scatter_add(g, _fill(template, ix), shape),
    jvp=_FirstOnly(lambda t, ans, g, *ix, template, shape: scatter_p(t, *ix, template=template, shape=shape)),
    vjp=_FirstOnly(lambda c, ans, g, *ix, template, shape: gather_p(c, *ix, template=template)),
)


_NO_PARAMS: dict = {}


def _binary(p):
    return lambda x, y: bind(p, (x, y), _NO_PARAMS)


def _reflected(p):
    return lambda x, y: bind(p, (y, x), _NO_PARAMS)


for _name, _fn in {
    "__add__": _binary(add), "__radd__": _reflected(add),
    "__sub__": _binary(sub), "__rsub__": _reflected(sub),
    "__mul__": _binary(mul), "__rmul__": _reflected(mul),
    "__truediv__": _binary(div), "__rtruediv__": _reflected(div),
    "__pow__": power, "__rpow__": _reflected(pow),
    "__matmul__": _binary(matmul), "__rmatmul__": _reflected(matmul),
    "__neg__": lambda x: neg(x), "__pos__": lambda x: x, "__abs__": lambda x: abs(x),
    "__getitem__": _getitem,
    "sum": lambda x, axis=None, keepdims=False, **np_kw: _method(sum, x, axis, keepdims, np_kw),
    "mean": lambda x, axis=None, keepdims=False, **np_kw: _method(mean, x, axis, keepdims, np_kw),
    "transpose": lambda x, *axes: transpose(x, _axes_arg(axes)),
    "dot": dot,
    "reshape": lambda x, *s: reshape(x, s[0] if len(s) == 1 else s),
    "__array_ufunc__": lambda x, ufunc, method, *inputs, **kw: _ufunc(ufunc, method, inputs, kw),
}.items():
    setattr(Tracer, _name, _fn)
Tracer.T = property(transpose)


# --- more primitives (issue 9): the same table, continued ---------------------


def _min(x, y):
    """min of two Python numbers, as a float."""
    return float(x if x <= y else y)


def _sigmoid(x):
    """1 / (1 + exp(-x)) without overflow: exp of a non-positive number only."""
    if type(x) is float:
        if x >= 0.0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _softplus(x):
    """log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)), without overflow (numpy's logaddexp(x, 0))."""
    if type(x) is float:
        return (x if x > 0.0 else 0.0) + math.log1p(math.exp(-math.fabs(x))) if x == x else x
    return np.logaddexp(x, 0.0)


# name                 value rule                        partial derivative(s)
minimum = elementwise("minimum", _on2(_min, np.minimum),  lambda a, x, y: _split(y, x),
                                                        lambda a, x, y: _split(x, y))
log1p = elementwise("log1p", _on(math.log1p, np.log1p), lambda a, x: div(1.0, 1.0 + x))
expm1 = elementwise("expm1", _on(math.expm1, np.expm1), lambda a, x: a + 1.0)
sigmoid = elementwise("sigmoid", _sigmoid,              lambda a, x: a * sigmoid(-x))  # 1 - a: 0 at x > 37
softplus = elementwise("softplus", _softplus,           lambda a, x: sigmoid(x))
stop_gradient_p = Primitive("stop_gradient", lambda x: x,
                            jvp=(lambda t, ans, x: zeros_like(ans),),   # exactly 0, even for t = inf
                            vjp=(lambda g, ans, x: zeros_like(x),))


def _lse(x, axis=None, keepdims=False):
    """log(sum(exp(x))) computed as m + log(sum(exp(x - m))), m the (finite) max."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return _scalar(out if keepdims else np.squeeze(out, axis=axis))


def _tie_weights(x, ans, axis, keepdims):
    """d max/dx (or min): 1 at the extreme, split evenly between ties (as JAX)."""
    x = concrete(x)
    hit = x == np.asarray(_keep_axes(concrete(ans), np.shape(x), axis, keepdims))
    return hit / np.sum(hit, axis=axis, keepdims=True)


def _softmax(x, ans, axis, keepdims):
    """d logsumexp/dx = exp(x - m) / sum(exp(x - m)), m the max of x (held constant):
    from the shifted inputs, not from the rounded output (exp(x - ans) is 0.500016
    instead of 1/2 at x = [1e12, 1e12], and 1 at [1e300, 1e300])."""
    v = concrete(x)
    if isinstance(v, (float, np.ndarray, np.generic)):
        m = np.max(v, axis=axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0.0)
    else:  # under vmap: no values to look at here, the max as a (constant) operation
        m = stop_gradient_p(max_p(x, axis=axis, keepdims=True))
    e = exp(x - m)
    return e / sum(e, axis=axis, keepdims=True)


def _reduction(name, impl, weights):
    """A reduction whose derivative is `weights(x, ans, axis, keepdims)` along `axis`."""
    return Primitive(
        name, impl,
        jvp=(lambda t, ans, x, axis=None, keepdims=False:
             sum(t * weights(x, ans, axis, keepdims), axis=axis, keepdims=keepdims),),
        vjp=(lambda g, ans, x, axis=None, keepdims=False:
             _keep_axes(g, shape_of(x), axis, keepdims) * weights(x, ans, axis, keepdims),),
    )


# name                           value rule                                  d(ans)/dx
logsumexp_p = _reduction("logsumexp", _lse,                                   _softmax)
max_p = _reduction("max", lambda x, axis=None, keepdims=False:
                   _scalar(np.max(x, axis=axis, keepdims=keepdims)),          _tie_weights)
min_p = _reduction("min", lambda x, axis=None, keepdims=False:
                   _scalar(np.min(x, axis=axis, keepdims=keepdims)),          _tie_weights)
concatenate_p = Primitive(
    "concatenate",
    lambda *xs, axis=0: np.concatenate(xs, axis=axis),
    jvp=LINEAR,
    vjp=EachArg(lambda i, g, ans, *xs, axis=0: getitem_p(g, index=_part(xs, i, axis))),
)


def _part(xs, i, axis):
    """The index of input `i`'s block in the concatenation of `xs` along `axis`."""
    axis = axis % len(shape_of(xs[0]))
    start = int(np.sum([shape_of(x)[axis] for x in xs[:i]]))
    return (slice(None),) * axis + (slice(start, start + shape_of(xs[i])[axis]),)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) along `axis`, without overflow, like `jax.nn.logsumexp`.

    Here 1000 + log(2), although exp(1000) overflows:

    >>> import numpy as np, minigrad as mg
    >>> mg.logsumexp(np.array([1000.0, 1000.0]))
    1000.6931471805599
    """
    return logsumexp_p(x, axis=_axis(axis), keepdims=keepdims)


def amax(x, axis=None, keepdims=False):
    """Largest element along `axis`, like `jnp.max` (ties share the derivative).

    >>> import numpy as np, minigrad as mg
    >>> mg.grad(mg.max)(np.array([1.0, 3.0, 3.0]))
    array([0. , 0.5, 0.5])
    """
    return max_p(x, axis=_axis(axis), keepdims=keepdims)


def amin(x, axis=None, keepdims=False):
    """Smallest element along `axis`, like `jnp.min` (ties share the derivative).

    >>> mg.grad(mg.min)(np.array([1.0, 3.0, 1.0]))
    array([0.5, 0. , 0.5])
    """
    return min_p(x, axis=_axis(axis), keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    """Product of elements along `axis`, like `jnp.prod`.

    Built from `mul` by pairwise products, so every derivative is exact,
    also where elements are zero (as JAX's rule).

    >>> import numpy as np, minigrad as mg
    >>> mg.grad(mg.prod)(np.array([0.0, 2.0, 3.0]))
    array([6., 0., 0.])
    """
    shape = shape_of(x)
    nd = len(shape)
    axes = tuple(range(nd)) if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(sorted(a % nd for a in axes)) if nd else ()
    keep = [d for d in range(nd) if d not in axes]
    n = int(np.prod([shape[a] for a in axes]))
    y = reshape(transpose(x, axes + tuple(keep)), (n, *(shape[d] for d in keep))) if nd else reshape(x, (1,))
    if n == 0:  # the empty product
        y = np.ones((1,) + shape_of(y)[1:])
    while shape_of(y)[0] > 1:
        n, h = shape_of(y)[0], shape_of(y)[0] // 2
        pairs = getitem_p(y, index=(slice(0, h),)) * getitem_p(y, index=(slice(h, 2 * h),))
        y = pairs if n == 2 * h else concatenate([pairs, getitem_p(y, index=(slice(2 * h, n),))])
    y = getitem_p(y, index=0)
    if keepdims:
        y = reshape(y, tuple(1 if d in axes else shape[d] for d in range(nd)))
    return y


def concatenate(xs, axis=0):
    """Join arrays along an existing axis, like `jnp.concatenate`.

    >>> import numpy as np, minigrad as mg
    >>> mg.concatenate([np.zeros(2), np.ones(1)])
    array([0., 0., 1.])
    """
    return concatenate_p(*xs, axis=axis)


def clip(x, min=None, max=None):
    """`x` limited to [min, max], like `jnp.clip`: maximum, then minimum
    (so at a bound the derivative is split 1/2, as JAX's).

    >>> import minigrad as mg
    >>> mg.clip(3.0, 0.0, 1.0), mg.grad(lambda x: mg.clip(x, 0.0, 1.0))(1.0)
    (1.0, 0.5)
    """
    if min is not None:
        x = maximum(min, x)
    if max is not None:
        x = minimum(max, x)
    return x


def stop_gradient(x):
    """`x` unchanged, with derivative zero in every mode, like `jax.lax.stop_gradient`
    (lists, tuples and dicts of values too).

    >>> import minigrad as mg
    >>> mg.grad(lambda x: x * mg.stop_gradient(x))(3.0)
    3.0
    """
    from .core import tree_flatten, tree_unflatten

    leaves, treedef = tree_flatten(x)
    return tree_unflatten(treedef, [stop_gradient_p(v) for v in leaves])


Tracer.max = amax
Tracer.min = amin
Tracer.prod = prod


# --- residuals: what each argument's VJP rule reads ------------------------------
# Reverse mode keeps only these on its tape; any other input or output is freed
# once the program is done with it (the tape keeps its shape). Per argument:
# "ans" (the output) and input positions; () for a rule that needs only shapes.
# A primitive not listed here keeps all its inputs and its output. tanh's rule reads
# its input (as autograd's), often kept anyway, not its output: less memory.
for _p, _reads in {
    add: ((), ()),              sub: ((), ()),              neg: ((),),
    mul: (1, 0),                div: (1, ("ans", 1)),       # x*y: y for x, x for y
    exp: ("ans",),              log: (0,),                  sin: (0,),
    cos: (0,),                  tanh: (0,),                 sqrt: ("ans",),
    pow: ((0, 1), (0, "ans")),  integer_pow: ((0, 1),),     # (x, n): reads n too
    maximum: ((0, 1), (0, 1)),  minimum: ((0, 1), (0, 1)),
    log1p: (0,),                expm1: ("ans",),            sigmoid: (("ans", 0),),
    sum_p: ((),),               reshape_p: ((),),           transpose_p: ((),),
    broadcast_to_p: ((),),      getitem_p: ((),),           scatter_add_p: ((),),
    matmul: ((0, 1), (0, 1)),   where_p: ((), 0, 0),        stop_gradient_p: ((),),
}.items():
    _p.defresiduals(*_reads)
stack_p.defresiduals(each=())
concatenate_p.defresiduals(each=())
