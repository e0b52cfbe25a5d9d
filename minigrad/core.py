"""The tracing machinery: primitives, traces, tracers and `bind`.

This is the core the book builds in "From toy to minigrad", with the same names:

- a `Primitive` is one row of the rule table (`primitives.py`): an operation
  with its value rule (`impl`) and per-argument JVP and VJP rules;
- a `Trace` is one running transformation (forward mode, reverse mode, vmap),
  with a `level`: each new transformation gets the next level up (`new_trace`);
- a `Tracer` is a value followed by a trace;
- `bind(prim, args, params)` hands an operation to the highest-level trace among
  its arguments (lower-level tracers are constants to it), or evaluates it if no
  argument is traced. That ordering keeps nested derivatives apart (no
  perturbation confusion), as in JAX's autodidax.

What the package adds: an error for tracers used after their transformation
ended (`leaked`), one stack of traces per thread, IEEE arithmetic without
warnings inside a transformation, pytrees (nested containers of values), the
accepted input dtypes, and residual declarations (`Primitive.defresiduals`).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
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
    they can be differentiated again. A primitive that is linear in all its
    inputs can use `jvp=LINEAR` (or `p.defjvp(LINEAR)`): its JVP is the
    primitive itself applied to the tangents.

    A VJP rule must return a cotangent of its input's shape, or of a shape the
    input broadcasts to (it is then summed down); any other shape is an error
    that names the primitive.

    This class is also the hook for user-defined primitives::

        root = Primitive("root", impl=solve)
        root.defjvp(lambda t, y, x: t * dy_dx(x, y))
        root.defvjp(lambda g, y, x: g * dy_dx(x, y))
        root(x)  # differentiable in both modes, to any order

    `impl` only ever sees plain floats and numpy arrays. A runnable example,
    with the derivative rules of x**3:

    >>> cube = mg.Primitive("cube", lambda x: x**3)
    >>> cube.defjvp(lambda t, y, x: t * 3.0 * x**2)
    <primitive cube>
    >>> cube.defvjp(lambda g, y, x: g * 3.0 * x**2)
    <primitive cube>
    >>> mg.grad(cube)(2.0), mg.grad(mg.grad(cube))(2.0)
    (12.0, 12.0)

    Reverse mode keeps every input and the output of a primitive on its tape
    until the backward sweep, unless the primitive declares what its VJP rules
    read (`defresiduals`): then it keeps only that.
    """

    __slots__ = ("name", "impl", "jvp", "vjp", "residuals", "_plans")

    def __init__(self, name: str, impl: Callable, jvp: Any = None, vjp: Any = None):
        self.name = name
        self.impl = impl
        self.jvp = jvp
        self.vjp = vjp
        self.residuals: Any = None  # what each VJP rule reads; None: everything
        self._plans: dict[int, tuple[bool, int]] = {}

    def defjvp(self, *rules: Callable | None) -> Primitive:
        """Set the JVP rules, one per argument (None: not differentiable),
        or `defjvp(LINEAR)` for a primitive that is linear in its inputs."""
        self.jvp = LINEAR if rules == (LINEAR,) else rules
        return self

    def defvjp(self, *rules: Callable | None) -> Primitive:
        """Set the VJP rules, one per argument (None: not differentiable).
        Any residual declaration is dropped: new rules may read other values."""
        self.vjp = rules
        self.residuals, self._plans = None, {}
        return self

    def defresiduals(self, *reads: Any, each: Any = None) -> Primitive:
        """Declare what each argument's VJP rule reads, so that reverse mode keeps
        only that on its tape (the *residuals*) instead of every input and the output.

        One entry per argument: a tuple of `"ans"` (the output) and input positions
        (0, 1, ...), or one of those alone; `()` for a rule that reads only shapes
        (a value not kept is known by its shape). `each=` gives one entry for every
        argument, for primitives with any number of them. Without a declaration,
        or for an argument beyond it, everything is kept.

        >>> square = mg.Primitive("square", lambda x: x * x)
        >>> square.defvjp(lambda g, y, x: 2.0 * g * x).defresiduals(0)  # x, not y
        <primitive square>
        >>> mg.grad(square)(3.0), mg.grad(mg.grad(square))(3.0)
        (6.0, 2.0)
        """
        if (reads == ()) == (each is None):
            raise TypeError(f"residuals of '{self.name}': give one entry per argument, or each=")
        entries = [each] if reads == () else list(reads)
        for r in entries:
            for v in r if isinstance(r, tuple) else (r,):
                if v != "ans" and not (type(v) is int and v >= 0):
                    raise ValueError(
                        f"residuals of '{self.name}': {v!r} is neither 'ans' nor an input position"
                    )
        norm = lambda r: frozenset(r if isinstance(r, tuple) else (r,))  # noqa: E731
        self.residuals = norm(each) if reads == () else tuple(norm(r) for r in reads)
        self._plans = {}
        return self

    def kept(self, traced: int) -> tuple[bool, int]:
        """What the tape keeps when the arguments in bit mask `traced` are traced:
        (the output?, bit mask of the inputs), the union of what their VJP rules read."""
        plan = self._plans.get(traced)
        if plan is None:
            reads: set = set()
            everything = False
            for i in range(traced.bit_length()):
                if traced >> i & 1:
                    if isinstance(self.residuals, frozenset):
                        reads |= self.residuals
                    elif i < len(self.residuals):
                        reads |= self.residuals[i]
                    else:  # an argument without a declaration
                        everything = True
            ints = [v for v in reads if v != "ans"]
            plan = (True, -1) if everything else ("ans" in reads, sum(1 << v for v in ints))
            self._plans[traced] = plan
        return plan

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
    `EachArg(f)[i]` is the rule `f(i, ...)`.

    >>> total = mg.Primitive("total", lambda *xs: sum(xs), jvp=mg.LINEAR,
    ...                      vjp=mg.EachArg(lambda i, g, ans, *xs: g))
    >>> grad_total = mg.grad(total, argnums=(0, 1, 2))
    >>> grad_total(1.0, 2.0, 3.0)
    (1.0, 1.0, 1.0)
    """

    __slots__ = ("f",)

    def __init__(self, f: Callable):
        self.f = f

    def __getitem__(self, i: int) -> Callable:
        f = self.f
        return lambda g, ans, *args, **params: f(i, g, ans, *args, **params)


class UnexpectedTracerError(RuntimeError):
    """A traced value was used after the transformation that made it had ended."""


class Trace:
    """One running transformation; `level` orders nested transformations.
    `live` is True while its `new_trace` block runs. `subst` (see `substitute`)
    is what `bind` does with this trace's tracers while the trace is not live."""

    __slots__ = ("level", "live", "subst")

    def __init__(self, level: int):
        self.level = level
        self.live = False
        self.subst = None

    def process(self, prim: Primitive, args: tuple, params: dict) -> Any:
        raise NotImplementedError


class Tracer:
    """A value followed by a trace. Subclasses add what their trace needs.

    Operators (`+`, `*`, `@`, ...) are attached in `primitives.py`.
    Comparisons and `bool` look at the concrete value underneath, so Python
    control flow on traced values just works.

    >>> f = lambda x: x * x if x > 0 else -x  # `x > 0` reads the value
    >>> mg.grad(f)(3.0), mg.grad(f)(-3.0)
    (6.0, -1.0)
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

    # numpy's methods, `%` and `//` (issue 19); the functions live in the family modules.
    # (No `.trace()`: `trace` is the transformation a tracer belongs to; use minigrad.trace.)
    def __mod__(self, other):
        from .elementwise import mod
        return mod(self, other)

    def __rmod__(self, other):
        from .elementwise import mod
        return mod(other, self)

    def __floordiv__(self, other):
        from .elementwise import floor_divide
        return floor_divide(self, other)

    def __rfloordiv__(self, other):
        from .elementwise import floor_divide
        return floor_divide(other, self)

    def ravel(self):
        from .shapes import ravel
        return ravel(self)

    flatten = ravel

    def squeeze(self, axis=None):
        from .shapes import squeeze
        return squeeze(self, axis)

    def astype(self, dtype):
        from .shapes import astype
        return astype(self, dtype)

    def swapaxes(self, axis1, axis2):
        from .shapes import swapaxes
        return swapaxes(self, axis1, axis2)

    def repeat(self, repeats, axis=None):
        from .shapes import repeat
        return repeat(self, repeats, axis)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        from .shapes import diagonal
        return diagonal(self, offset, axis1, axis2)

    def cumsum(self, axis=None):
        from .reductions import cumsum
        return cumsum(self, axis)

    def cumprod(self, axis=None):
        from .reductions import cumprod
        return cumprod(self, axis)

    def var(self, axis=None, ddof=0, keepdims=False):
        from .reductions import var
        return var(self, axis, ddof, keepdims)

    def std(self, axis=None, ddof=0, keepdims=False):
        from .reductions import std
        return std(self, axis, ddof, keepdims)

    def clip(self, min=None, max=None):  # noqa: A002
        from .primitives import clip
        return clip(self, min, max)

    def round(self, decimals=0):
        from .elementwise import round
        return round(self, decimals)

    def __array_function__(self, func, types, args, kwargs):
        """numpy functions (np.sum, np.linalg.solve, ...) on a traced value: an
        error naming minigrad's function, never a value without its derivative.
        Functions of the shape and dtype only (np.shape, np.ndim, np.size,
        np.iscomplexobj, np.result_type, ...) answer."""
        if func.__name__ in _METADATA:  # np.shape(x), np.iscomplexobj(x), ...: no values needed
            return func(*(_stand_in(a) for a in args), **kwargs)
        raise TypeError(numpy_on_tracer(func.__module__, func.__name__))


_METADATA = {"shape", "ndim", "size", "iscomplexobj", "isrealobj", "result_type", "min_scalar_type"}


class ShapeOnly:
    """A stand-in that knows a value's shape and nothing else: any read of its
    values raises `refusal` (a tape entry's value no rule needs, a batched
    value seen as one example). Subclasses set `refusal`."""

    __slots__ = ("shape",)
    refusal: type[Exception] = Exception

    def __init__(self, shape: tuple):
        self.shape = shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def _read(self, *args: Any, **kwargs: Any) -> Any:
        raise self.refusal

    __array__ = __array_ufunc__ = __float__ = __int__ = __index__ = _read
    __bool__ = __len__ = __iter__ = __getitem__ = __lt__ = __le__ = __gt__ = __ge__ = _read
    __eq__ = __ne__ = __neg__ = __abs__ = __add__ = __radd__ = __sub__ = __rsub__ = _read
    __mul__ = __rmul__ = __truediv__ = __rtruediv__ = __pow__ = __rpow__ = _read
    __matmul__ = __rmatmul__ = _read
    __hash__ = None


def _stand_in(x: Any) -> Any:
    """An array of `x`'s shape and dtype without its values (a broadcast zero)."""
    return np.broadcast_to(np.zeros((), x.dtype), x.shape) if isinstance(x, Tracer) else x


def numpy_on_tracer(module: str, name: str) -> str:
    """The error message for numpy's `module.name` called on a traced value."""
    import minigrad

    sub = "linalg." if module.endswith("linalg") else ""
    where = minigrad.linalg if sub else minigrad
    alt = f"minigrad.{sub}{name}" if hasattr(where, name) else "minigrad's operations (see the API page)"
    return (f"numpy's np.{sub}{name} cannot follow a traced value (it would drop the derivative); "
            f"use {alt} instead")


def concrete(x: Any) -> Any:
    """The plain value under any number of tracers.

    The value is a constant to every transformation: its derivative is
    not followed.

    >>> mg.grad(lambda x: x * mg.concrete(x))(3.0)  # concrete(x): constant
    3.0
    """
    while isinstance(x, Tracer):
        x = x.primal
    return x


def shape_of(x: Any) -> tuple:
    """Shape of a float, array or tracer.

    >>> mg.shape_of(2.0), mg.shape_of(np.ones((2, 3)))
    ((), (2, 3))
    """
    if type(x) is float:
        return ()
    if isinstance(x, Tracer):
        return shape_of(x.primal)
    return np.shape(x)


def bind(prim: Primitive, args: tuple, params: dict) -> Any:
    """Apply `prim`: evaluate it, or hand it to the highest trace among `args`
    (after checking that trace is still running: see `leaked`)."""
    top = None
    for a in args:
        if isinstance(a, Tracer):
            t = a.trace
            if top is None or t.level > top.level:
                top = t
        elif type(a) is not float and is_complex(a):
            raise complex_error(a, prim.name)
    if top is None:
        return prim.impl(*args, **params)
    if not top.live:
        sub = top.subst
        if sub is None:
            raise leaked(f"primitive '{prim.name}'")
        args = tuple(sub(a) if isinstance(a, Tracer) and a.trace is top else a for a in args)
        return bind(prim, args, params)
    return top.process(prim, args, params)


class substitute:
    """Context manager: while it is active, `bind` hands every tracer of `trace`
    it meets to `fn` and uses what `fn` returns instead; the trace itself
    processes nothing.

    This is how a custom rule's body meets a transformation that is already
    running: `checkpoint` collects the traced values its function closes over
    (`fn` records them and returns their values) and, in the backward sweep,
    replaces them by the replay's own tracers; `custom_jvp` / `custom_vjp`
    raise an error naming the closed-over value."""

    __slots__ = ("trace", "fn", "saved")

    def __init__(self, trace: Trace, fn: Callable):
        self.trace, self.fn = trace, fn

    def __enter__(self) -> Trace:
        t = self.trace
        self.saved = (t.live, t.subst)
        t.live, t.subst = False, self.fn
        active_substitutions().append(self)
        return t

    def __exit__(self, *exc) -> None:
        self.trace.live, self.trace.subst = self.saved
        stack = active_substitutions()
        if stack and stack[-1] is self:
            stack.pop()
        else:
            stack.remove(self)


def active_substitutions() -> list[substitute]:
    """This thread's active `substitute` blocks, innermost last (a rule that runs
    later, such as checkpoint's replay, enters the ones active when it was made)."""
    try:
        return _state.substitutions
    except AttributeError:
        _state.substitutions = []
        return _state.substitutions


def resolve(x: Any) -> Any:
    """`x` after the substitutions `bind` would make (see `substitute`)."""
    while isinstance(x, Tracer) and not x.trace.live and x.trace.subst is not None:
        x = x.trace.subst(x)
    return x


def is_complex(a: Any) -> bool:
    """Is `a` a complex number or an array (or list) of them?"""
    if type(a) is np.ndarray:
        return a.dtype.kind == "c"
    return type(a) is complex or isinstance(a, np.complexfloating) or (
        isinstance(a, (list, tuple)) and np.iscomplexobj(a))


def complex_error(v: Any, where: str = "") -> TypeError:
    at = f" (an input of '{where}')" if where else ""
    return TypeError(
        f"minigrad differentiates real-valued functions only: got the complex value(s) {v!r}{at}; "
        "split them into real and imaginary parts (JAX supports complex numbers, minigrad does not)"
    )


def leaked(what: str) -> UnexpectedTracerError:
    return UnexpectedTracerError(
        f"{what} got a traced value whose transformation has already ended (a leaked "
        "tracer, e.g. stored in a global or a closure during grad/jvp/vjp and used "
        "afterwards); return the value from the differentiated function instead"
    )


_ENDED = float("inf")
"""The level of a trace whose transformation has ended."""

_state = threading.local()  # each thread nests its own transformations


def trace_stack() -> list[Trace]:
    """This thread's running transformations, innermost last."""
    try:
        return _state.stack
    except AttributeError:
        _state.stack = []
        return _state.stack


class new_trace:
    """Context manager that pushes a trace of class `cls` one level up (in this
    thread). Inside it numpy's floating-point warnings are off: minigrad follows
    IEEE arithmetic (inf, nan) silently, as JAX does."""

    __slots__ = ("trace", "errstate")

    def __init__(self, cls: type, *args: Any):
        self.trace = cls(len(trace_stack()), *args)
        self.errstate = np.errstate(all="ignore")

    def __enter__(self) -> Trace:
        trace_stack().append(self.trace)
        self.trace.live = True
        self.errstate.__enter__()
        return self.trace

    def __exit__(self, *exc) -> None:
        self.errstate.__exit__(*exc)
        self.trace.live = False
        self.trace.level = _ENDED  # its tracers now win `bind`'s choice of trace: a leak is reported
        stack = trace_stack()
        if stack and stack[-1] is self.trace:
            stack.pop()
        else:  # exited out of order (e.g. a generator): remove this trace only
            stack.remove(self.trace)


# --- pytrees: nested containers of values ------------------------------------
# Containers: list, tuple, namedtuple, dict (keys sorted, as JAX), OrderedDict
# (order kept), dataclass instances (their fields); None is an empty subtree.
# Everything else is a leaf. A treedef is None for a leaf.

_NONE = ("None",)


def tree_flatten(tree: Any) -> tuple[list, Any]:
    """Leaves of a pytree, and a description (treedef) to rebuild it."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree: Any, leaves: list) -> Any:
    t = type(tree)
    if t is list or t is tuple:
        return (t, tuple(_flatten(c, leaves) for c in tree))
    if tree is None:
        return _NONE
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):  # namedtuple
        return (t, tuple(_flatten(c, leaves) for c in tree))
    if isinstance(tree, dict):
        keys = list(tree) if isinstance(tree, OrderedDict) else _sorted(tree)
        return (t, tuple(keys), tuple(_flatten(tree[k], leaves) for k in keys))
    if dataclasses.is_dataclass(tree) and not isinstance(tree, type):
        names = tuple(f.name for f in dataclasses.fields(tree) if f.init)
        return (t, names, tuple(_flatten(getattr(tree, k), leaves) for k in names))
    leaves.append(tree)
    return None


def _sorted(d: dict) -> list:
    try:
        return sorted(d)
    except TypeError:
        raise TypeError(f"dict keys must be sortable to be a pytree, got {list(d)!r}") from None


def tree_unflatten(treedef: Any, leaves: list) -> Any:
    """Inverse of `tree_flatten`."""
    return _unflatten(treedef, iter(leaves))


def _unflatten(treedef: Any, it) -> Any:
    if treedef is None:
        return next(it)
    if treedef is _NONE:
        return None
    t = treedef[0]
    if len(treedef) == 2:
        items = [_unflatten(d, it) for d in treedef[1]]
        return t(items) if t is list or t is tuple else t(*items)
    keys, defs = treedef[1], treedef[2]
    values = [_unflatten(d, it) for d in defs]
    if issubclass(t, dict):
        return t(zip(keys, values))
    return t(**dict(zip(keys, values)))


def tree_map(f: Callable, tree: Any) -> Any:
    """`tree` with `f` applied to every leaf."""
    leaves, treedef = tree_flatten(tree)
    return tree_unflatten(treedef, [f(x) for x in leaves])


# --- accepted inputs and dtypes ---------------------------------------------


def check_differentiable(x: Any, what: str) -> Any:
    """Return `x` as a float or float64 array, or raise a clear error.

    float32/float16 arrays and numpy float scalars are accepted and computed
    in float64; `input_dtype` tells the caller to cast results back."""
    if isinstance(x, Tracer):
        return x
    if isinstance(x, float):
        return float(x)
    if isinstance(x, np.ndarray):
        if x.dtype.kind == "f":
            return float(x) if x.ndim == 0 else x.astype(np.float64, copy=False)
        raise TypeError(
            f"{what} must be real floating point values, got an array of dtype "
            f"{x.dtype}; convert it with x.astype(float)"
        )
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, bool) or isinstance(x, (int, np.integer, np.bool_)):
        raise TypeError(
            f"{what} must be real floating point values, got {type(x).__name__} "
            f"{x!r}; write {float(x)!r} instead of {x!r}"
        )
    raise TypeError(
        f"{what} must be floats or float numpy arrays (or lists/tuples/dicts of "
        f"them), got {type(x).__name__}"
    )


def input_dtype(x: Any) -> Any:
    """The dtype to give back results for input `x` in, or None for float64."""
    if isinstance(x, (np.ndarray, np.floating)) and x.dtype.kind == "f" and x.dtype != np.float64:
        return x.dtype
    return None


def cast(x: Any, dtype: Any) -> Any:
    """`x` (a float or array, not traced) in `dtype`; unchanged if dtype is None."""
    if dtype is None or isinstance(x, Tracer) or x is None:
        return x
    if isinstance(x, np.ndarray) and x.ndim:
        return x.astype(dtype, copy=False)
    return dtype.type(x)


def output_dtype(leaves: list) -> Any:
    """The dtype outputs come back in, given the original input leaves: the
    promoted low-precision dtype if every input is low precision or a Python
    float (weakly typed, as in JAX), else None (float64)."""
    low = None
    for x in leaves:
        d = input_dtype(x)
        if d is not None:
            low = d if low is None else np.result_type(low, d)
        elif type(x) is not float and not isinstance(x, Tracer):
            return None
    return low
