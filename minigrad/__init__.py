"""minigrad: forward- and reverse-mode automatic differentiation, small enough to read.

The derivative rules live in one table (`minigrad.primitives`); forward mode
(`minigrad.forward`) and reverse mode (`minigrad.reverse`) are two small
interpreters over it. Names follow JAX.
"""

from .core import LINEAR, EachArg, Primitive, Tracer, concrete, shape_of
from .forward import jvp
from .jacobians import hessian, jacfwd, jacrev
from .primitives import (
    abs,
    broadcast_to,
    cos,
    dot,
    exp,
    log,
    matmul,
    maximum,
    mean,
    power,
    reshape,
    sin,
    sqrt,
    stack,
    sum,
    tanh,
    transpose,
    where,
)
from .reverse import grad, value_and_grad, vjp

__all__ = [
    "LINEAR", "EachArg", "Primitive", "Tracer", "concrete", "shape_of",
    "jvp", "vjp", "grad", "value_and_grad", "jacfwd", "jacrev", "hessian",
    "abs", "broadcast_to", "cos", "dot", "exp", "log", "matmul", "maximum", "mean",
    "power", "reshape", "sin", "sqrt", "stack", "sum", "tanh", "transpose", "where",
]
