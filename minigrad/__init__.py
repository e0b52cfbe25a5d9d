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
