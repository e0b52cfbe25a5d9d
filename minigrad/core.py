"""The tracing machinery: primitives, traces, tracers and `bind`.

A *primitive* is an operation whose derivative rules we know (see
`primitives.py`). A *trace* is one running transformation (forward mode or
reverse mode); it wraps the values it follows in *tracers*. Traces are nested:
each new transformation gets a higher level, and `bind` hands an operation to
the highest-level trace among its arguments. Lower-level tracers are constants
to it. That ordering is what keeps nested derivatives apart (no perturbation
confusion), as in JAX's autodidax.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

LINEAR = "linear"
"""Marker for a primitive's `jvp`: the primitive is linear in its inputs, so
its JVP applies the primitive itself to the tangents."""


class Primitive:
    """An operation with a value rule and per-argument derivative rules.

    `jvp[i](t, ans, *args, **params)` gives the output tangent caused by the
    tangent `t` of argument `i`; `vjp[i](g, ans, *args, **params)` gives the
    cotangent of argument `i` from the output cotangent `g`. `ans` is the
    primitive's output. Rules are written with minigrad's own operations, so
    they can be differentiated again. `jvp` may instead be `LINEAR`.

    This class is also the hook for user-defined primitives::

        root = Primitive("root", impl=solve)
        root.defjvp(lambda t, y, x: t * dy_dx(x, y))
        root.defvjp(lambda g, y, x: g * dy_dx(x, y))
        root(x)  # differentiable in both modes, to any order

    `impl` only ever sees plain floats and numpy arrays.
    """

    __slots__ = ("name", "impl", "jvp", "vjp")

    def __init__(self, name: str, impl: Callable, jvp: Any = None, vjp: Any = None):
        self.name = name
        self.impl = impl
        self.jvp = jvp
        self.vjp = vjp

    def defjvp(self, *rules: Callable | None) -> Primitive:
        """Set the JVP rules, one per argument (None: not differentiable)."""
        self.jvp = rules
        return self

    def defvjp(self, *rules: Callable | None) -> Primitive:
        """Set the VJP rules, one per argument (None: not differentiable)."""
        self.vjp = rules
        return self

    def rule(self, kind: str, i: int) -> Callable:
        """The `kind` ("jvp" or "vjp") rule for argument `i`, or a clear error."""
        rules = self.jvp if kind == "jvp" else self.vjp
        try:
            r = rules[i]
        except (TypeError, IndexError):
            r = None
        if r is None:
            raise NotImplementedError(
                f"primitive '{self.name}' has no {kind.upper()} rule for argument {i}; "
                f"define one with {self.name}.def{kind}(...)"
            )
        return r

    def __call__(self, *args: Any, **params: Any) -> Any:
        return bind(self, args, params)

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


class EachArg:
    """Per-argument rules for a primitive with any number of arguments:
    `EachArg(f)[i]` is the rule `f(i, ...)`."""

    __slots__ = ("f",)

    def __init__(self, f: Callable):
        self.f = f

    def __getitem__(self, i: int) -> Callable:
        f = self.f
        return lambda g, ans, *args, **params: f(i, g, ans, *args, **params)


class Trace:
    """One running transformation; `level` orders nested transformations."""

    __slots__ = ("level",)

    def __init__(self, level: int):
        self.level = level

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        raise NotImplementedError


class Tracer:
    """A value followed by a trace. Subclasses add what their trace needs.

    Operators (`+`, `*`, `@`, ...) are attached in `primitives.py`.
    Comparisons and `bool` look at the concrete value underneath, so Python
    control flow on traced values just works.
    """

    __slots__ = ("trace", "primal")
    __array_ufunc__ = None  # make numpy defer `ndarray * tracer` to the tracer
    __array_priority__ = 1000

    @property
    def shape(self) -> tuple:
        return shape_of(self.primal)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def dtype(self):
        return np.result_type(concrete(self))

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a scalar traced value")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self) -> bool:
        return bool(concrete(self))

    def __float__(self) -> float:
        raise TypeError(
            "float() of a traced value would drop its derivative; use minigrad's "
            "operations (minigrad.sin, minigrad.exp, ...) instead of math/numpy "
            "functions, or minigrad.concrete(x) to take the value on purpose"
        )

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "a traced value cannot become a numpy array without losing its "
            "derivative; use minigrad's operations (e.g. minigrad.stack) instead "
            "of numpy functions"
        )

    def __lt__(self, other):
        return concrete(self) < concrete(other)

    def __le__(self, other):
        return concrete(self) <= concrete(other)

    def __gt__(self, other):
        return concrete(self) > concrete(other)

    def __ge__(self, other):
        return concrete(self) >= concrete(other)

    def __eq__(self, other):
        return concrete(self) == concrete(other)

    def __ne__(self, other):
        return concrete(self) != concrete(other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({concrete(self)!r})"


def concrete(x: Any) -> Any:
    """The plain value under any number of tracers."""
    while isinstance(x, Tracer):
        x = x.primal
    return x


def shape_of(x: Any) -> tuple:
    """Shape of a float, array or tracer."""
    if type(x) is float:
        return ()
    if isinstance(x, Tracer):
        return shape_of(x.primal)
    return np.shape(x)


_trace_stack: list[Trace] = []


def bind(prim: Primitive, args: tuple, params: dict) -> Any:
    """Apply `prim`: evaluate it, or hand it to the highest trace among `args`."""
    top = None
    for a in args:
        if isinstance(a, Tracer):
            t = a.trace
            if top is None or t.level > top.level:
                top = t
    if top is None:
        return prim.impl(*args, **params)
    return top.process(prim, args, params)


class new_trace:
    """Context manager that pushes a trace of class `cls` one level up."""

    __slots__ = ("trace",)

    def __init__(self, cls: type, *args: Any):
        self.trace = cls(len(_trace_stack), *args)

    def __enter__(self) -> Trace:
        _trace_stack.append(self.trace)
        return self.trace

    def __exit__(self, *exc) -> None:
        _trace_stack.pop()


# --- pytrees: nested lists, tuples and dicts of values ----------------------


def tree_flatten(tree: Any) -> tuple[list, Any]:
    """Leaves of a nested list/tuple/dict, and a description to rebuild it."""
    if isinstance(tree, (list, tuple)):
        leaves, defs = [], []
        for item in tree:
            sub, d = tree_flatten(item)
            leaves.extend(sub)
            defs.append((d, len(sub)))
        return leaves, (type(tree), defs)
    if isinstance(tree, dict):
        keys = sorted(tree)
        leaves, d = tree_flatten([tree[k] for k in keys])
        return leaves, (dict, (keys, d))
    return [tree], None


def tree_unflatten(treedef: Any, leaves: list) -> Any:
    """Inverse of `tree_flatten`."""
    if treedef is None:
        return leaves[0]
    kind, defs = treedef
    if kind is dict:
        keys, d = defs
        return dict(zip(keys, tree_unflatten(d, leaves)))
    out, start = [], 0
    for d, n in defs:
        out.append(tree_unflatten(d, leaves[start : start + n]))
        start += n
    return kind(out)


def check_differentiable(x: Any, what: str) -> Any:
    """Return `x` as a float or float64 array, or raise a clear error."""
    if isinstance(x, Tracer):
        return x
    if isinstance(x, bool) or isinstance(x, (int, np.integer, np.bool_)):
        raise TypeError(
            f"{what} must be real floating point values, got {type(x).__name__} "
            f"{x!r}; write {float(x)!r} instead of {x!r}"
        )
    if isinstance(x, float):
        return float(x)
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "f":
            return float(x) if x.ndim == 0 else x.astype(np.float64, copy=False)
        raise TypeError(
            f"{what} must be real floating point values, got an array of dtype "
            f"{x.dtype}; convert it with x.astype(float)"
        )
    raise TypeError(
        f"{what} must be floats or float numpy arrays (or lists/tuples/dicts of "
        f"them), got {type(x).__name__}"
    )
