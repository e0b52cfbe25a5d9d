"""Whole Jacobians and Hessians, built from JVPs (columns) or VJPs (rows)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .core import Tracer, check_differentiable, shape_of
from .forward import jvp
from .primitives import reshape, stack
from .reverse import vjp


def basis(shape: tuple, k: int) -> Any:
    """The k-th unit vector of an array of `shape` (1.0 for shape ())."""
    if shape == ():
        return 1.0
    e = np.zeros(shape)
    e.flat[k] = 1.0
    return e


def _as_function_of(f: Callable, args: tuple, argnums: int) -> tuple[Callable, Any]:
    """`f` as a function of argument `argnums` alone, and that argument."""
    if not isinstance(argnums, int):
        raise TypeError(f"argnums must be one integer here, got {argnums!r}")
    x = check_differentiable(args[argnums], f"argument {argnums}")
    if not isinstance(x, (float, np.ndarray, Tracer)):
        raise TypeError(f"argument {argnums} must be a float or an array, not a {type(x).__name__}")

    def g(xi):
        return f(*args[:argnums], xi, *args[argnums + 1 :])

    return g, x


def _assemble(pieces: list, shape: tuple, axis: int) -> Any:
    """Stack Jacobian columns (axis=-1) or rows (axis=0) into `shape`."""
    if len(pieces) == 1 and shape_of(pieces[0]) == shape:
        return pieces[0]
    return reshape(stack(pieces, axis=axis), shape)


def _check_array_output(y: Any, name: str) -> tuple:
    if isinstance(y, (list, tuple, dict)):
        raise TypeError(f"{name} needs f to return one float or array, got a {type(y).__name__}")
    return shape_of(y)


def jacfwd(f: Callable, argnums: int = 0) -> Callable:
    """Jacobian of `f` by forward mode: one JVP per input element.

    The result has shape `f(x).shape + x.shape`, as in `jax.jacfwd`.
    """

    def jac(*args):
        g, x = _as_function_of(f, args, argnums)
        in_shape = shape_of(x)
        cols = [jvp(g, (x,), (basis(in_shape, k),))[1] for k in range(int(np.prod(in_shape)))]
        out_shape = _check_array_output(cols[0], "jacfwd")
        return _assemble(cols, out_shape + in_shape, axis=-1)

    return jac


def jacrev(f: Callable, argnums: int = 0) -> Callable:
    """Jacobian of `f` by reverse mode: one VJP per output element.

    The result has shape `f(x).shape + x.shape`, as in `jax.jacrev`.
    """

    def jac(*args):
        g, x = _as_function_of(f, args, argnums)
        y, pullback = vjp(g, x)
        out_shape = _check_array_output(y, "jacrev")
        rows = [pullback(basis(out_shape, k))[0] for k in range(int(np.prod(out_shape)))]
        return _assemble(rows, out_shape + shape_of(x), axis=0)

    return jac


def hessian(f: Callable, argnums: int = 0) -> Callable:
    """Hessian of a scalar function: forward mode over reverse mode."""
    return jacfwd(jacrev(f, argnums), argnums)
