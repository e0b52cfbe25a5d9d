"""minigrad: forward- and reverse-mode automatic differentiation, small enough to read.

The derivative rules live in one table (`minigrad.primitives`); forward mode
(`minigrad.forward`) and reverse mode (`minigrad.reverse`) are two small
interpreters over it. Names follow JAX.
"""

from .batching import vmap
from .check import check_grads
from .core import LINEAR, EachArg, Primitive, Tracer, concrete, shape_of
from .custom import checkpoint, custom_jvp, custom_vjp, remat
from .forward import jvp
from .jacobians import hessian, jacfwd, jacrev
from .linearize import linearize
from .primitives import (
    abs,
    amax,
    amin,
    broadcast_to,
    clip,
    concatenate,
    cos,
    dot,
    exp,
    expm1,
    log,
    log1p,
    logsumexp,
    matmul,
    maximum,
    mean,
    minimum,
    power,
    prod,
    reshape,
    sigmoid,
    sin,
    softplus,
    sqrt,
    stack,
    stop_gradient,
    sum,
    tanh,
    transpose,
    where,
)
from .reverse import grad, value_and_grad, vjp

max = amax  # noqa: A001  (jnp.max / jnp.min)
min = amin  # noqa: A001

__all__ = [
    "LINEAR", "EachArg", "Primitive", "Tracer", "concrete", "shape_of",
    "jvp", "vjp", "grad", "value_and_grad", "jacfwd", "jacrev", "hessian",
    "abs", "broadcast_to", "cos", "dot", "exp", "log", "matmul", "maximum", "mean",
    "power", "reshape", "sin", "sqrt", "stack", "sum", "tanh", "transpose", "where",
    "vmap", "linearize", "custom_jvp", "custom_vjp", "checkpoint", "remat", "check_grads",
    "stop_gradient", "minimum", "log1p", "expm1", "logsumexp", "max", "min", "amax", "amin", "prod",
    "concatenate", "clip", "sigmoid", "softplus",
]

# --- issue 19: the numpy readers reach for (one module per family) -----------------
from . import linalg  # noqa: E402
from . import primitives as _rows  # noqa: E402
from .contractions import cross, einsum, inner, kron, outer, tensordot, vdot  # noqa: E402
from .elementwise import (  # noqa: E402
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    ceil,
    cosh,
    deg2rad,
    exp2,
    fabs,
    floor,
    floor_divide,
    fmax,
    fmin,
    hypot,
    log2,
    log10,
    logaddexp,
    logaddexp2,
    mod,
    rad2deg,
    reciprocal,
    remainder,
    round,
    sign,
    sinc,
    sinh,
    square,
    tan,
    trunc,
)
from .reductions import (  # noqa: E402
    argmax,
    argmin,
    argsort,
    average,
    cumprod,
    cumsum,
    diff,
    median,
    sort,
    std,
    trace,
    var,
)
from .shapes import (  # noqa: E402
    array_split,
    astype,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    column_stack,
    diag,
    diagonal,
    dstack,
    expand_dims,
    flip,
    fliplr,
    flipud,
    hstack,
    moveaxis,
    ones_like,
    pad,
    ravel,
    repeat,
    roll,
    rot90,
    split,
    squeeze,
    swapaxes,
    tile,
    tril,
    triu,
    vstack,
    zeros_like,
)

# numpy's names for the rows behind the operators, and other names
add, subtract, multiply, divide, negative = _rows.add, _rows.sub, _rows.mul, _rows.div, _rows.neg
true_divide, absolute = divide, abs

__all__ += [
    "linalg",
    "tan", "sinh", "cosh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh", "arctan2",
    "hypot", "log2", "log10", "exp2", "square", "reciprocal", "sign", "floor", "ceil", "round", "trunc",
    "fabs", "sinc", "deg2rad", "rad2deg", "logaddexp", "logaddexp2", "fmax", "fmin", "mod", "remainder",
    "floor_divide",
    "var", "std", "cumsum", "cumprod", "diff", "trace", "sort", "argsort", "average", "median", "argmax",
    "argmin",
    "ravel", "squeeze", "expand_dims", "atleast_1d", "atleast_2d", "atleast_3d", "vstack", "hstack",
    "dstack", "column_stack", "split", "array_split", "repeat", "tile", "roll", "flip", "flipud",
    "fliplr", "rot90", "swapaxes", "moveaxis", "pad", "diag", "diagonal", "triu", "tril", "astype",
    "einsum", "tensordot", "inner", "outer", "vdot", "kron", "cross",
    "add", "subtract", "multiply", "divide", "true_divide", "negative", "absolute", "zeros_like", "ones_like",
]
