"""check_grads: compare minigrad's JVPs and VJPs with central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .core import tree_flatten, tree_unflatten
from .forward import jvp
from .reverse import vjp

_TOLERANCE = {np.dtype(np.float16): 1e-2, np.dtype(np.float32): 2e-3, np.dtype(np.float64): 1e-5}
"""Default atol and rtol per dtype (those of `jax.test_util.check_grads`)."""


def check_grads(
    f: Callable,
    args: Sequence,
    order: int = 2,
    modes: Sequence[str] = ("fwd", "rev"),
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
) -> None:
    """Check `f`'s derivatives at `args` against central differences, like
    `jax.test_util.check_grads`; return None, or raise an AssertionError that
    names the mode, the order and the relative error.

    In one random direction `v` (seeded), the JVP `J v` ("fwd") is compared with
    `(f(x + h v) - f(x - h v)) / (2 h)`, and the VJP ("rev") through the inner
    product `<u, J v>` for a random cotangent `u`. For `order` > 1 the same
    checks run on the JVP and VJP functions themselves (all mode combinations).
    The default step `h` is the cube root of the dtype's machine epsilon (which
    balances truncation and round-off error) times max(1, max |x|); default
    tolerances are JAX's (1e-5 in float64, 2e-3 in float32).

    >>> import minigrad as mg
    >>> mg.check_grads(lambda x, y: mg.sin(x) * y, (0.5, 2.0), order=2)
    >>> bad = mg.Primitive("bad_sin", mg.sin, jvp=(lambda t, ans, x: t * mg.sin(x),))
    >>> mg.check_grads(bad, (0.5,), order=1, modes=("fwd",))
    Traceback (most recent call last):
    ...
    AssertionError: check_grads: JVP (order 1) differs from central differences: ...
    """
    args = tuple(args)
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"check_grads: order must be a positive integer, got {order!r}")
    for m in modes:
        if m not in ("fwd", "rev"):
            raise ValueError(f"check_grads: unknown mode {m!r}; use 'fwd' and/or 'rev'")
    leaves = tree_flatten(list(args))[0]
    dtype = np.result_type(*[np.asarray(x).dtype for x in leaves]) if leaves else np.dtype(float)
    tol = _TOLERANCE.get(dtype, 1e-5)
    scale = max([1.0] + [float(np.max(np.abs(x))) for x in leaves if np.size(x)])
    h = eps if eps is not None else float(np.finfo(dtype).eps) ** (1 / 3) * scale
    tols = (tol if atol is None else atol, tol if rtol is None else rtol)
    rng = np.random.default_rng(0)

    def check(g: Callable, args: tuple, left: int, depth: int, name: str) -> None:
        if "fwd" in modes:
            what = f"JVP of {name}" if name else "JVP"
            _check_jvp(g, args, h, tols, rng, f"{what} (order {depth})")
            if left > 1:
                check(lambda p, t: jvp(g, p, t), (args, args), left - 1, depth + 1, what)
        if "rev" in modes:
            what = f"VJP of {name}" if name else "VJP"
            _check_vjp(g, args, h, tols, rng, f"{what} (order {depth})")
            if left > 1:

                def g_vjp(*a):
                    out, pullback = vjp(g, *a)
                    return pullback(out)

                check(g_vjp, args, left - 1, depth + 1, what)

    check(f, args, order, 1, "")


def _random_like(tree: Any, rng: np.random.Generator) -> Any:
    leaves, treedef = tree_flatten(tree)
    return tree_unflatten(treedef, [
        float(rng.normal()) if np.ndim(x) == 0 and not isinstance(x, np.ndarray)
        else rng.normal(size=np.shape(x)).astype(np.asarray(x).dtype)
        for x in leaves
    ])


def _numerical_jvp(f: Callable, args: tuple, tangents: tuple, h: float) -> list:
    """Leaves of (f(x + h v) - f(x - h v)) / (2 h)."""

    def at(sign):
        leaves, treedef = tree_flatten(list(args))
        moved = [x + sign * h * t for x, t in zip(leaves, tree_flatten(list(tangents))[0])]
        return tree_flatten(f(*tree_unflatten(treedef, moved)))[0]

    plus, minus = at(1), at(-1)
    return [(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)) / (2 * h) for a, b in zip(plus, minus)]


def _compare(ad: list, fd: list, tols: tuple, what: str) -> None:
    atol, rtol = tols
    for a, b in zip(ad, fd):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        if a.shape != b.shape:
            raise AssertionError(f"check_grads: {what} has shape {a.shape}, finite differences {b.shape}")
        err = np.abs(a - b)
        if not np.all(err <= atol + rtol * np.abs(b)):
            rel = float(np.max(err) / max(float(np.max(np.abs(b), initial=0.0)), atol))
            raise AssertionError(
                f"check_grads: {what} differs from central differences: relative error {rel:.3g} "
                f"(rtol {rtol:g}, atol {atol:g}); AD gives {a}, finite differences {b}"
            )


def _check_jvp(f: Callable, args: tuple, h: float, tols: tuple, rng, what: str) -> None:
    tangents = tuple(_random_like(list(args), rng))
    _, t_out = jvp(f, args, tangents)
    _compare(tree_flatten(t_out)[0], _numerical_jvp(f, args, tangents, h), tols, what)


def _check_vjp(f: Callable, args: tuple, h: float, tols: tuple, rng, what: str) -> None:
    tangents = tuple(_random_like(list(args), rng))
    out, pullback = vjp(f, *args)
    cotangent = _random_like(out, rng)
    cts = pullback(cotangent)
    ip = sum(float(np.sum(np.asarray(c) * np.asarray(t)))
             for c, t in zip(tree_flatten(list(cts))[0], tree_flatten(list(tangents))[0]))
    fd = _numerical_jvp(f, args, tangents, h)
    ip_fd = sum(float(np.sum(d * np.asarray(u))) for d, u in zip(fd, tree_flatten(cotangent)[0]))
    _compare([ip], [ip_fd], tols, what)
