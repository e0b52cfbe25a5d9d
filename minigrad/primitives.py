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

from .core import LINEAR, EachArg, Primitive, Tracer, bind, concrete, shape_of

_FLOATS = (float, int)


def _on(scalar_fn, array_fn):
    """Value rule of one argument: Python `math` on floats (fast), numpy on arrays."""
    return lambda x: scalar_fn(x) if type(x) is float else array_fn(x)


def _on2(scalar_fn, array_fn):
    """Value rule of two arguments, likewise."""
    return lambda x, y: (
        scalar_fn(x, y) if type(x) in _FLOATS and type(y) in _FLOATS else array_fn(x, y)
    )


def _rule(d):
    """JVP/VJP rule `lambda t, ans, *xs: t * d(ans, *xs)`, simplified for d = +-1."""
    if d == 1:
        return lambda t, ans, *xs: t
    if d == -1:
        return lambda t, ans, *xs: -t
    return lambda t, ans, *xs: _times(t, d(ans, *xs), ans, xs)


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
    return float(v) if np.ndim(v) == 0 else v


# --- elementwise: d(op)/d(input) ---------------------------------------------
# name                 value rule                        partial derivative(s)
add = elementwise("add", operator.add,                  1, 1)
sub = elementwise("sub", operator.sub,                  1, -1)
mul = elementwise("mul", operator.mul,                  lambda a, x, y: y,
                                                        lambda a, x, y: x)
div = elementwise("div", operator.truediv,              lambda a, x, y: 1.0 / y,
                                                        lambda a, x, y: -a / y)
neg = elementwise("neg", operator.neg,                  -1)
exp = elementwise("exp", _on(math.exp, np.exp),         lambda a, x: a)
log = elementwise("log", _on(math.log, np.log),         lambda a, x: 1.0 / x)
sin = elementwise("sin", _on(math.sin, np.sin),         lambda a, x: cos(x))
cos = elementwise("cos", _on(math.cos, np.cos),         lambda a, x: -sin(x))
tanh = elementwise("tanh", _on(math.tanh, np.tanh),     lambda a, x: 1.0 - a * a)
sqrt = elementwise("sqrt", _on(math.sqrt, np.sqrt),     lambda a, x: 0.5 / a)
abs = elementwise("abs", _on(math.fabs, np.abs),        lambda a, x: _scalar(np.sign(concrete(x))))
pow = elementwise("pow", _on2(math.pow, np.power),       lambda a, x, y: y * x ** (y - 1.0),
                                                        lambda a, x, y: log(x) * a)
integer_pow = elementwise("integer_pow", lambda x, n: x**n, lambda a, x, n: n * x ** (n - 1))
maximum = elementwise("maximum", _on2(_max, np.maximum),  lambda a, x, y: _split(x, y),
                                                        lambda a, x, y: _split(y, x))


def _split(x, y):
    """d max(x, y)/dx: 1 where x wins, 1/2 on ties (as JAX does), 0 elsewhere."""
    x, y = concrete(x), concrete(y)
    return _scalar(np.where(x > y, 1.0, np.where(x == y, 0.5, 0.0)))


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
    vjp=(lambda g, ans, x, axes=None:
         transpose(g, None if axes is None else tuple(np.argsort(axes))),),
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


def _scatter_add(g, index, shape):
    out = np.zeros(shape)
    np.add.at(out, index, g)
    return _scalar(out)


def _matmul_vjp(g, x, y, which):
    """Cotangent of `x @ y` w.r.t. x (which=0) or y (which=1), for 1-D and 2-D."""
    x2 = reshape(x, (1, -1)) if len(shape_of(x)) == 1 else x
    y2 = reshape(y, (-1, 1)) if len(shape_of(y)) == 1 else y
    g2 = reshape(g, (shape_of(x2)[0], shape_of(y2)[1]))
    if which == 0:
        return reshape(matmul(g2, transpose(y2)), shape_of(x))
    return reshape(matmul(transpose(x2), g2), shape_of(y))


# --- the functions users call -------------------------------------------------


def sum(x, axis=None, keepdims=False):
    """Sum of elements, like `np.sum`."""
    return sum_p(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean of elements, like `np.mean`."""
    shape = shape_of(x)
    axes = range(len(shape)) if axis is None else ((axis,) if isinstance(axis, int) else axis)
    count = int(np.prod([shape[a] for a in axes]))
    return sum(x, axis=axis, keepdims=keepdims) / float(count)


def reshape(x, shape):
    """Array with the same values and a new shape."""
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    return reshape_p(x, shape=shape)


def transpose(x, axes=None):
    """Permute axes (reverse them by default)."""
    return transpose_p(x, axes=None if axes is None else tuple(axes))


def broadcast_to(x, shape):
    """Broadcast `x` to `shape`, like `np.broadcast_to`."""
    if shape_of(x) == tuple(shape):
        return x
    return broadcast_to_p(x, shape=tuple(shape))


def unbroadcast(g, shape):
    """Sum `g` down to `shape`: the transpose of broadcasting."""
    gshape = shape_of(g)
    if gshape == shape:
        return g
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
    """Join values along a new axis, like `np.stack`."""
    return stack_p(*xs, axis=axis)


def where(condition, x, y):
    """`x` where `condition` holds, else `y`; the condition is not differentiated."""
    return where_p(concrete(condition), x, y)


def dot(x, y):
    """Matrix or vector product (1-D and 2-D arrays)."""
    return matmul(x, y)


def zeros_like(x):
    """A zero of the same shape as `x` (a constant)."""
    x = concrete(x)
    return 0.0 if type(x) is float or np.ndim(x) == 0 else np.zeros(np.shape(x))


def power(x, y):
    """`x ** y`; an integer constant exponent uses the integer power rule."""
    if isinstance(y, (int, np.integer)) and not isinstance(y, bool):
        n = int(y)
        if n == 0:
            return zeros_like(x) + 1.0
        if n == 1:
            return x
        return integer_pow(x, n)
    return pow(x, y)


# --- operators on traced values ----------------------------------------------


def _getitem(x, index):
    if isinstance(index, Tracer):
        index = concrete(index)
    return getitem_p(x, index=index)


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
    "sum": sum, "mean": mean, "transpose": transpose, "dot": dot,
    "reshape": lambda x, *s: reshape(x, s[0] if len(s) == 1 else s),
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


# name                 value rule                        partial derivative(s)
minimum = elementwise("minimum", _on2(_min, np.minimum),  lambda a, x, y: _split(y, x),
                                                        lambda a, x, y: _split(x, y))
log1p = elementwise("log1p", _on(math.log1p, np.log1p), lambda a, x: div(1.0, 1.0 + x))
expm1 = elementwise("expm1", _on(math.expm1, np.expm1), lambda a, x: a + 1.0)
sigmoid = elementwise("sigmoid", _sigmoid,              lambda a, x: a * (1.0 - a))
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
    """d logsumexp/dx = exp(x - logsumexp(x)), written with minigrad's operations."""
    return exp(x - _keep_axes(ans, shape_of(x), axis, keepdims))


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

    >>> import numpy as np, minigrad as mg
    >>> mg.logsumexp(np.array([1000.0, 1000.0]))  # 1000 + log(2); exp(1000) overflows
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
    """Smallest element along `axis`, like `jnp.min` (ties share the derivative)."""
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
