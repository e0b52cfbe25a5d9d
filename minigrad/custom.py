"""Custom derivative rules on Python functions (`custom_jvp`, `custom_vjp`) and `checkpoint`.

`Primitive` (in `minigrad.core`) is the low-level hook: a new operation with
per-argument rules, whose `impl` sees only plain values. The decorators here
are the JAX-style layer above it: the function stays an ordinary traceable
Python function, and only its derivative is replaced.

- `custom_jvp`: one JVP rule `(primals, tangents) -> (primal_out, tangent_out)`.
  Forward mode calls it; reverse mode transposes it (the VJP of the linear map
  tangents -> tangent_out, by reverse mode); the rule is itself traced by outer
  transformations, so derivatives of any order work, as in JAX.
- `custom_vjp`: `fwd(*args) -> (out, residuals)` and `bwd(residuals, g) -> cotangents`.
  Reverse mode only (forward mode is an error, as in JAX); `fwd` and `bwd` are
  traced by outer transformations, so `grad(grad(f))` and `hessian` work.
- `checkpoint`: reverse mode keeps one tape entry per output instead of the
  function's tape, and runs the function again in the backward sweep.

How a custom body meets a transformation that is already running: the body runs
on the values under that transformation's tracers, so any of its tracers the
body still meets is a value the function *closes over*. While the body runs,
`minigrad.core.substitute` hands such tracers to the custom layer:
`checkpoint` records them as extra inputs of its tape entry (and substitutes
the replay's tracers for them in the backward sweep), so closures are
differentiated exactly as without `checkpoint`; `custom_jvp` and `custom_vjp`
raise `ClosedOverTracerError` naming the value, as JAX does, since their rules
say nothing about it.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import primitives as P
from .batching import BatchTrace, BatchTracer
from .core import (
    EachArg,
    Primitive,
    Trace,
    Tracer,
    UnexpectedTracerError,
    active_substitutions,
    bind,
    concrete,
    leaked,
    resolve,
    shape_of,
    substitute,
    trace_stack,
    tree_flatten,
    tree_unflatten,
)
from .forward import JVPTrace, jvp
from .reverse import TapeTracer, VJPTrace, vjp


class ClosedOverTracerError(UnexpectedTracerError, TypeError):
    """A custom_jvp / custom_vjp function closes over a value that a running
    transformation differentiates: its rule does not say how to differentiate it."""


def _split(args: tuple, nondiff: tuple[int, ...]) -> tuple[tuple, list]:
    """(the non-differentiated arguments, the others)."""
    return tuple(args[i] for i in nondiff), [a for i, a in enumerate(args) if i not in nondiff]


def _merge(static: tuple, diff: Sequence, nondiff: tuple[int, ...]) -> list:
    """The full argument list from its two parts."""
    s, d = iter(static), iter(diff)
    return [next(s) if i in nondiff else next(d) for i in range(len(static) + len(diff))]


_SIGNATURES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # (does not keep `fun` alive)


def _signature(fun: Callable) -> inspect.Signature | None:
    try:
        return _SIGNATURES[fun]
    except (KeyError, TypeError):
        pass
    try:
        sig = inspect.signature(fun)
    except (TypeError, ValueError):  # a builtin without one
        sig = None
    try:
        _SIGNATURES[fun] = sig
    except TypeError:  # not weakly referenceable
        pass
    return sig


def _positional(fun: Callable, args: tuple, kwargs: dict, name: str) -> tuple:
    """`args` and `kwargs` as positional arguments of `fun` (defaults filled in), as JAX does."""
    sig = _signature(fun)
    if sig is None or not any(p.default is not p.empty for p in sig.parameters.values()) and not kwargs:
        if kwargs:
            raise TypeError(f"'{name}' called with keyword arguments, but its signature is unknown")
        return args
    try:
        bound = sig.bind(*args, **kwargs)
    except (TypeError, ValueError) as e:
        raise TypeError(f"'{name}' called with keyword arguments {sorted(kwargs)}: {e}") from None
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(f"'{name}': keyword-only arguments {sorted(bound.kwargs)} are not supported; "
                        "make them positional")
    return tuple(bound.args)


def _top_trace(leaves: list) -> Trace | None:
    """The trace `bind` would hand these values to."""
    top = None
    for x in leaves:
        if isinstance(x, Tracer) and (top is None or x.trace.level > top.level):
            top = x.trace
    return top


def _traces_in(values: Sequence) -> list[Trace]:
    """Every trace following one of `values` (tracers inside tracers included)."""
    found: list[Trace] = []
    for x in values:
        while isinstance(x, Tracer):
            if all(t is not x.trace for t in found):
                found.append(x.trace)
            x = x.val if isinstance(x, BatchTracer) else x.primal
    return found


def _describe(x: Tracer, funcs: Sequence[Callable]) -> str:
    """`x` by the name it has in the closures of `funcs`, if any, and its value."""
    for f in funcs:
        code, cells = getattr(f, "__code__", None), getattr(f, "__closure__", None) or ()
        for var, cell in zip(code.co_freevars if code else (), cells):
            try:
                if cell.cell_contents is x:
                    return f"'{var}' (a traced value of shape {x.shape})"
            except ValueError:  # an empty cell
                pass
    return f"a traced value of shape {x.shape} and value {concrete(x)!r}"


class _Escalate(Exception):
    """A custom body met a tracer of a live transformation above the ones its
    arguments belong to (a closure): the call is redone at that level."""

    def __init__(self, tracer: Tracer):
        self.tracer = tracer


def _closure_error(x: Tracer, kind: str, name: str, funcs: Sequence[Callable]) -> ClosedOverTracerError:
    return ClosedOverTracerError(
        f"the {kind} function '{name}' closes over {_describe(x, funcs)} that is being "
        f"differentiated; its custom rule cannot say how. Pass the value to '{name}' as an "
        "argument (and give its derivative in the rule) instead, as JAX requires"
    )


def _active() -> tuple:
    """The substitutions active now (see `core.substitute`), to re-enter when a
    rule made now runs later, e.g. in the backward sweep."""
    return tuple((s.trace, s.fn) for s in active_substitutions())


@contextlib.contextmanager
def _reentered(subs: tuple):
    with contextlib.ExitStack() as stack:
        for t, fn in subs:
            stack.enter_context(substitute(t, fn))
        yield


class _no_closures:
    """While a custom rule's body runs: a tracer of `traces` met by `bind` is a
    value the function closes over; raise an error that names it. A tracer of a
    live transformation above all of `above`, among those running when the custom
    function was called (`running`), raises `_Escalate`."""

    def __init__(self, traces: Sequence[Trace], kind: str, name: str, funcs: Sequence[Callable],
                 above: Sequence[Trace] = (), running: Sequence[Trace] | None = None, subs: tuple = ()):
        def refuse(x: Tracer) -> Any:
            raise _closure_error(x, kind, name, funcs)

        def escalate(x: Tracer) -> Any:
            raise _Escalate(x)

        self.guards = [substitute(t, fn) for t, fn in subs]
        self.guards += [substitute(t, refuse) for t in traces if t.subst is None or t.live]
        if above:
            low = min(t.level for t in above)
            self.guards += [substitute(t, escalate) for t in (trace_stack() if running is None else running)
                            if t.live and t.level > low and all(t is not a for a in above)]

    def __enter__(self):
        for g in self.guards:
            g.__enter__()

    def __exit__(self, *exc):
        for g in reversed(self.guards):
            g.__exit__(*exc)


# --- custom_jvp ---------------------------------------------------------------------


class custom_jvp:
    """A function with a custom JVP rule, like `jax.custom_jvp`.

    The rule takes `(primals, tangents)` (tuples, one entry per argument) and
    returns `(primal_out, tangent_out)`. It is used by forward and reverse mode
    (reverse mode transposes it) and differentiated again for higher orders.
    Arguments at `nondiff_argnums` are not differentiated and are passed to the
    rule first. The output may be a pytree (the tangent then has its structure);
    keyword arguments are passed by position, as in JAX. A function that closes
    over a value being differentiated raises `ClosedOverTracerError` (the rule
    says nothing about that value; pass it as an argument), as JAX does.

    >>> import minigrad as mg
    >>> @mg.custom_jvp
    ... def softplus(x):
    ...     return mg.log1p(mg.exp(x))
    >>> @softplus.defjvp
    ... def softplus_jvp(primals, tangents):
    ...     (x,), (t,) = primals, tangents
    ...     return softplus(x), t * mg.sigmoid(x)
    >>> mg.grad(softplus)(0.0), mg.grad(mg.grad(softplus))(0.0)
    (0.5, 0.25)
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.jvp: Callable | None = None
        self.name = name = getattr(fun, "__name__", "custom_jvp")
        self.prim = Primitive(name, self._impl, jvp=EachArg(self._jvp_rule), vjp=EachArg(self._vjp_rule))
        self._cache: tuple = ()
        self._last: tuple = ()

    def defjvp(self, jvp: Callable) -> Callable:
        """Set the JVP rule `jvp(*nondiff_args, primals, tangents) -> (primal_out, tangent_out)`.

        Returns `jvp`, so it works as a decorator. With `nondiff_argnums`,
        the rule gets those arguments first:

        >>> from functools import partial
        >>> @partial(mg.custom_jvp, nondiff_argnums=(0,))
        ... def scale(c, x):
        ...     return c * x
        >>> @scale.defjvp
        ... def scale_jvp(c, primals, tangents):
        ...     return scale(c, *primals), c * tangents[0]
        >>> mg.grad(lambda x: scale(3.0, x))(1.0)
        3.0
        """
        self.jvp = jvp
        return jvp

    def defjvps(self, *rules: Callable | None) -> None:
        """One rule per argument, `rule(t, primal_out, *primals) -> tangent_out`
        (None: that argument's tangent contributes nothing), like JAX's `defjvps`.

        >>> f = mg.custom_jvp(lambda x, y: x * y)
        >>> f.defjvps(lambda t, ans, x, y: t * y, lambda t, ans, x, y: t * x)
        >>> mg.grad(f, argnums=(0, 1))(2.0, 3.0)
        (3.0, 2.0)
        """

        def jvp(*rest):
            *static, primals, tangents = rest
            if len(rules) != len(primals):
                raise TypeError(f"defjvps of '{self.name}' got {len(rules)} rules "
                                f"for {len(primals)} arguments")
            ans = self(*_merge(tuple(static), primals, self.nondiff_argnums))
            out = None
            for rule, t in zip(rules, tangents):
                if rule is not None:
                    d = rule(t, ans, *primals)
                    out = d if out is None else _tree_add(out, d)
            return ans, (_tree_zeros(ans) if out is None else out)

        self.jvp = jvp

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.jvp is None:
            raise AttributeError(f"no JVP rule for custom_jvp function '{self.name}'; use defjvp")
        args = _positional(self.fun, args, kwargs, self.name)
        static, diff = _split(args, self.nondiff_argnums)
        leaves, treedef = tree_flatten(diff)
        leaves = [resolve(x) for x in leaves]
        traces = _traces_in(leaves)
        if not traces:
            return self.fun(*_merge(static, tree_unflatten(treedef, leaves), self.nondiff_argnums))
        info: dict = {}
        params = {"treedef": treedef, "static": static, "traces": tuple(traces), "info": info, "k": 0,
                  "mark": (tuple(trace_stack()), _active())}
        self._last = ()  # the outputs of `fun`, shared by the outputs' primitives of this call
        try:
            first = bind(self.prim, tuple(leaves), params)
            if "out_def" not in info or info["out_def"] is None:  # one output (or an empty batch)
                return first
            outs = [first] + [bind(self.prim, tuple(leaves), {**params, "k": k}) for k in range(1, info["n"])]
        except _Escalate as e:  # closes over a value of a transformation above its arguments'
            return _escalated(self, e, _merge(static, tree_unflatten(treedef, leaves), self.nondiff_argnums))
        finally:
            self._last = ()
        return tree_unflatten(info["out_def"], outs)

    def _guard(self, values: Sequence, traces: tuple, mark: tuple) -> _no_closures:
        """Closures over the traces that already took their tracers off `values` are errors."""
        present = _traces_in(values)
        mine = [t for t in traces if all(t is not p for p in present)]
        running, subs = mark
        return _no_closures(mine, "custom_jvp", self.name, (self.fun, self.jvp), traces, running, subs)

    def _impl(self, *leaves, treedef, static, traces, info, k, mark):
        last = self._last
        if last and len(last[0]) == len(leaves) and all(a is b for a, b in zip(last[0], leaves)):
            outs = last[1]
        else:
            with self._guard(leaves, traces, mark):
                out = self.fun(*_merge(static, tree_unflatten(treedef, list(leaves)), self.nondiff_argnums))
            outs, out_def = tree_flatten(out)
            info["out_def"], info["n"] = out_def, len(outs)
            self._last = (leaves, outs)
        return outs[k]

    def _tangent_out(self, leaves, tangents, treedef, static, traces, info, mark):
        primals = tuple(tree_unflatten(treedef, list(leaves)))
        with self._guard(leaves, traces, mark):
            out = self.jvp(*static, primals, tuple(tree_unflatten(treedef, list(tangents))))
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(f"the JVP rule of '{self.name}' must return (primal_out, tangent_out)")
        p_leaves, p_def = tree_flatten(out[0])
        t_leaves, t_def = tree_flatten(out[1])
        if t_def != p_def:
            raise TypeError(f"the JVP rule of custom_jvp function '{self.name}' returned a tangent_out "
                            f"whose structure differs from primal_out's")
        for p, t in zip(p_leaves, t_leaves):
            if shape_of(p) != shape_of(t):
                raise TypeError(f"the JVP rule of custom_jvp function '{self.name}' returned a tangent of "
                                f"shape {shape_of(t)} for a primal output of shape {shape_of(p)}")
        if "out_def" in info and info["out_def"] != p_def:
            raise TypeError(f"the JVP rule of custom_jvp function '{self.name}' returned a primal_out "
                            "whose structure differs from the function's output")
        return t_leaves

    def _jvp_rule(self, i, t, ans, *leaves, treedef, static, traces, info, k, mark):
        """Tangent of output `k` from the tangent of input `i` (the others zero)."""
        tangents = [t if j == i else P.zeros_like(x) for j, x in enumerate(leaves)]
        return self._tangent_out(leaves, tangents, treedef, static, traces, info, mark)[k]

    def _vjp_rule(self, i, g, ans, *leaves, treedef, static, traces, info, k, mark):
        """Cotangent of input `i`: the transpose of the (linear) JVP rule, by reverse mode."""
        c = self._cache
        if not (c and c[0] is g and c[1] == k and len(c[2]) == len(leaves)
                and all(a is b for a, b in zip(c[2], leaves))):
            def tangent_k(*ts):
                return self._tangent_out(leaves, ts, treedef, static, traces, info, mark)[k]

            _, pullback = vjp(tangent_k, *(P.zeros_like(x) for x in leaves))
            self._cache = c = (g, k, leaves, pullback(g))
        return c[3][i]


def _tree_add(a, b):
    la, da = tree_flatten(a)
    lb, db = tree_flatten(b)
    if da != db:
        raise TypeError("defjvps: the rules return tangents of different structures")
    return tree_unflatten(da, [x + y for x, y in zip(la, lb)])


def _tree_zeros(a):
    leaves, d = tree_flatten(a)
    return tree_unflatten(d, [P.zeros_like(x) for x in leaves])


# --- custom_vjp ---------------------------------------------------------------------


class custom_vjp:
    """A function with a custom VJP, like `jax.custom_vjp`.

    `f.defvjp(fwd, bwd)`: `fwd(*args)` returns `(output, residuals)`;
    `bwd(residuals, g)` returns a tuple of cotangents, one per argument (None
    for zero), each of its argument's structure and shapes (anything else is an
    error naming `f`). Arguments at `nondiff_argnums` are passed to `bwd` first.
    Forward mode (`jvp`, `linearize`) of a custom_vjp function is an error, as in JAX,
    and so is closing over a value being differentiated (`ClosedOverTracerError`:
    pass the value as an argument and give its cotangent in `bwd`).

    >>> import minigrad as mg
    >>> @mg.custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> clip_gradient.defvjp(lambda x: (x, None),
    ...                      lambda res, g: (mg.clip(g, -1.0, 1.0),))
    >>> mg.grad(lambda x: 3.0 * clip_gradient(x))(2.0)
    1.0
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None
        self.name = getattr(fun, "__name__", "custom_vjp")

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        """Set `fwd(*args) -> (output, residuals)` and `bwd(*nondiff_args, residuals, g) -> cotangents`.

        `bwd` returns one cotangent per differentiated argument:

        >>> from functools import partial
        >>> @partial(mg.custom_vjp, nondiff_argnums=(0,))
        ... def scale(c, x):
        ...     return c * x
        >>> scale.defvjp(lambda c, x: (scale(c, x), None),
        ...              lambda c, res, g: (c * g,))
        >>> mg.grad(lambda x: scale(3.0, x))(1.0)
        3.0
        """
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        name = self.name
        if self.fwd is None:
            raise AttributeError(f"no VJP rule for custom_vjp function '{name}'; set one with defvjp")
        args = _positional(self.fun, args, kwargs, name)
        static, diff = _split(args, self.nondiff_argnums)
        leaves, treedef = tree_flatten(diff)
        leaves = [resolve(x) for x in leaves]
        args = tuple(_merge(static, tree_unflatten(treedef, leaves), self.nondiff_argnums))
        top = _top_trace(leaves)
        if top is None:
            return self.fun(*args)
        if isinstance(top, VJPTrace):
            try:
                return self._record(top, static, leaves, treedef, name)
            except _Escalate as e:  # closes over a value of a transformation above its arguments'
                return _escalated(self, e, args)
        if isinstance(top, BatchTrace):
            return _per_example(self, top, args)
        if isinstance(top, JVPTrace):
            raise TypeError(
                f"can't apply forward-mode autodiff (jvp) to the custom_vjp function '{name}' "
                "(as in JAX); use reverse mode (grad, vjp), or define it with custom_jvp"
            )
        raise TypeError(f"custom_vjp function '{name}' under an unknown transformation {type(top).__name__}")

    def _record(self, trace: VJPTrace, static, leaves, treedef, name):
        """Run `fwd` on the values under `trace`'s tracers (outer transformations
        follow it as usual), then put one tape entry per output whose VJP is `bwd`."""
        inner = [x.primal if isinstance(x, TapeTracer) and x.trace is trace else x for x in leaves]
        funcs = (self.fun, self.fwd, self.bwd)
        subs = _active()
        with _no_closures([trace], "custom_vjp", name, funcs, above=[trace]):
            pair = self.fwd(*_merge(static, tree_unflatten(treedef, inner), self.nondiff_argnums))
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise TypeError(f"fwd of custom_vjp function '{name}' must return a pair (output, residuals)")
        out, res = pair
        outs, out_def = tree_flatten(out)
        args = tree_unflatten(treedef, inner)
        cached: dict = {}

        def cotangents(k, g):
            """Input cotangents (leaves) for cotangent `g` of output `k`, from `bwd`."""
            if k not in cached or cached[k][0] is not g:
                g_leaves = [g if j == k else P.zeros_like(o) for j, o in enumerate(outs)]
                with _no_closures([trace], "custom_vjp", name, funcs, subs=subs):
                    cts = self.bwd(*static, res, tree_unflatten(out_def, g_leaves))
                if not isinstance(cts, (tuple, list)) or len(cts) != len(args):
                    raise TypeError(
                        f"bwd of custom_vjp function '{name}' must return a tuple with one cotangent "
                        f"per differentiated argument ({len(args)}), got {cts!r}"
                    )
                cached[k] = (g, _cotangent_leaves(cts, args, name))
            return cached[k][1]

        def entry(k, o):
            if isinstance(o, Tracer) and o.trace is trace:  # an input returned as it is
                return o

            def vjp_rule(i, g, ans, *xs):
                return cotangents(k, g)[i]

            def jvp_rule(i, t, ans, *xs):
                raise TypeError(
                    f"can't apply forward-mode autodiff (linearize) to the custom_vjp function '{name}' "
                    "(as in JAX); use reverse mode (grad, vjp), or define it with custom_jvp"
                )

            p = Primitive(f"{name}_vjp", None, jvp=EachArg(jvp_rule), vjp=EachArg(vjp_rule))
            return trace.record(p, leaves, o)

        return tree_unflatten(out_def, [entry(k, o) for k, o in enumerate(outs)])


def _cotangent_leaves(cts: Sequence, args: list, name: str) -> list:
    """The leaves of `bwd`'s cotangents, one per leaf of the arguments (None: zeros),
    each of its argument's structure and shape."""
    leaves = []
    for n, (c, a) in enumerate(zip(cts, args)):
        a_leaves, a_def = tree_flatten(a)
        if c is None:
            leaves += [P.zeros_like(x) for x in a_leaves]
            continue
        c_leaves, c_def = tree_flatten(c)
        if c_def != a_def:
            raise TypeError(f"bwd of custom_vjp function '{name}' returned a cotangent {c!r} for "
                            f"argument {n} whose structure does not match the argument's")
        for x, ct in zip(a_leaves, c_leaves):
            if ct is None:
                ct = P.zeros_like(x)
            if shape_of(ct) != shape_of(x):
                raise ValueError(f"bwd of custom_vjp function '{name}' returned a cotangent of shape "
                                 f"{shape_of(ct)} for argument {n} of shape {shape_of(x)}")
            leaves.append(ct)
    return leaves


def _escalated(fn: Any, e: _Escalate, args: Sequence) -> Any:
    """A custom function that closed over a value of a transformation above its
    arguments': under vmap, example by example; under differentiation, an error."""
    trace = e.tracer.trace
    if isinstance(trace, BatchTrace):
        return _per_example(fn, trace, tuple(args))
    raise _closure_error(e.tracer, type(fn).__name__, fn.name, (fn.fun,))


def _per_example(fn: Callable, trace: BatchTrace, args: tuple) -> Any:
    """A custom function under vmap: one call per example, stacked. Batched values
    the function closes over are replaced by the same example (`substitute`), so
    the rule sees one example of everything, as `jax.vmap` of it would."""
    leaves, treedef = tree_flatten(list(args))

    def example(x: Any, b: int) -> Any:
        return P.getitem_p(x.val, index=(slice(None),) * x.bdim + (b,))

    def call(b: int, ex: list) -> list:
        with substitute(trace, (lambda c: example(c, b)) if trace.size else (lambda c: np.zeros(c.shape))):
            out = fn(*tree_unflatten(treedef, ex))
            leaves_out, out_def = tree_flatten(out)
            return [resolve(o) for o in leaves_out], out_def

    mine = [isinstance(x, BatchTracer) and x.trace is trace for x in leaves]
    if trace.size == 0:  # the outputs' shapes from one example of zeros
        shapes = [np.zeros(tuple(n for j, n in enumerate(shape_of(x.val)) if j != x.bdim)) if m else x
                  for x, m in zip(leaves, mine)]
        outs, out_def = call(0, shapes)
        return tree_unflatten(out_def, [BatchTracer(trace, np.zeros((0, *shape_of(o))), 0) for o in outs])
    results = [call(b, [example(x, b) if m else x for x, m in zip(leaves, mine)]) for b in range(trace.size)]
    out_def = results[0][1]
    columns = zip(*(r[0] for r in results))
    return tree_unflatten(out_def, [BatchTracer(trace, P.stack(col), 0) for col in columns])


# --- checkpoint ---------------------------------------------------------------------


def checkpoint(fun: Callable, static_argnums: Sequence[int] = (), **jax_options: Any) -> Callable:
    """`fun` whose forward pass is recomputed during the backward sweep, like
    `jax.checkpoint`: reverse mode stores one tape entry per output (and the
    inputs) instead of the tape of `fun`, at the cost of running `fun` twice.
    Values `fun` closes over are differentiated as without `checkpoint`, in
    every mode and order. JAX's `prevent_cse` and `policy` are accepted (one
    policy here: save only the inputs).

    >>> import numpy as np, minigrad as mg
    >>> f = mg.checkpoint(lambda x: mg.sum(mg.sin(mg.sin(x))))
    >>> float(mg.grad(f)(np.zeros(3))[0])
    1.0
    >>> w = 2.0
    >>> mg.grad(lambda w: mg.checkpoint(lambda x: w * mg.sin(x))(0.5))(w)  # sin(0.5)
    0.479425538604203
    """
    unknown = set(jax_options) - {"prevent_cse", "policy"}
    if unknown:
        raise TypeError(f"checkpoint got unexpected keyword arguments {sorted(unknown)}")
    nums = tuple(static_argnums)
    name = getattr(fun, "__name__", "checkpoint")

    @functools.wraps(fun)
    def checkpointed(*args: Any, **kwargs: Any) -> Any:
        args = _positional(fun, args, kwargs, name)
        static, diff = _split(args, nums)
        leaves, treedef = tree_flatten(diff)
        leaves = [resolve(x) for x in leaves]
        top = _top_trace(leaves)
        if not isinstance(top, VJPTrace):  # no tape to shorten: run fun as it is
            return fun(*_merge(static, tree_unflatten(treedef, leaves), nums))
        return _checkpoint_record(fun, name, top, static, leaves, treedef, nums)

    return checkpointed


def _checkpoint_record(fun, name, trace: VJPTrace, static, leaves, treedef, nums):
    """Run `fun` on the values under `trace`'s tracers, collecting the tracers
    of `trace` it closes over; put one tape entry per output, whose rules run
    `fun` again (the replay) with its inputs and those closed-over values."""
    inner = [x.primal if isinstance(x, TapeTracer) and x.trace is trace else x for x in leaves]
    captured: list = []
    seen: dict = {}

    def capture(c: Tracer) -> Any:
        if id(c) not in seen:
            seen[id(c)] = len(captured)
            captured.append(c)
        return c.primal

    outer = _active()  # e.g. the replay of an enclosing checkpoint
    try:
        with substitute(trace, capture), _no_closures([], "checkpoint", name, (fun,), above=[trace]):
            out = fun(*_merge(static, tree_unflatten(treedef, inner), nums))
    except _Escalate:  # closes over a value of a transformation above this one: no shortcut, run fun
        return fun(*_merge(static, tree_unflatten(treedef, leaves), nums))
    outs, out_def = tree_flatten(out)
    args = [*leaves, *captured]
    primals = [*inner, *(c.primal for c in captured)]
    n = len(leaves)

    def replay(*vals):
        table = {id(c): v for c, v in zip(captured, vals[n:])}

        def swap(c: Tracer) -> Any:
            try:
                return table[id(c)]
            except KeyError:
                raise leaked(f"checkpoint of '{name}'") from None

        with _reentered(outer), substitute(trace, swap):
            res = fun(*_merge(static, tree_unflatten(treedef, list(vals[:n])), nums))
        # an output that is a closed-over value returned as it is: not on this entry (see `entry`)
        return [table.get(id(o), o.primal) if isinstance(o, Tracer) and o.trace is trace else o
                for o in tree_flatten(res)[0]]

    cache: list = [None, None]  # (g, cotangents) of the last backward step

    def vjp_rule(k, i, g, ans, *xs):
        if cache[0] is not g or cache[1] is None or cache[1][0] != k:
            _, pullback = vjp(replay, *primals)
            cts = pullback([g if j == k else P.zeros_like(o) for j, o in enumerate(outs)])
            cache[:] = g, (k, cts)
        return cache[1][1][i]

    def jvp_rule(k, i, t, ans, *xs):
        tangents = [t if j == i else P.zeros_like(x) for j, x in enumerate(primals)]
        return jvp(replay, primals, tangents)[1][k]

    def entry(k, o):
        if isinstance(o, Tracer) and o.trace is trace:  # a closed-over value returned as it is
            return o
        jvp_k, vjp_k = functools.partial(jvp_rule, k), functools.partial(vjp_rule, k)
        p = Primitive(f"checkpoint({name})", None, jvp=EachArg(jvp_k), vjp=EachArg(vjp_k))
        return trace.record(p, args, o)

    return tree_unflatten(out_def, [entry(k, o) for k, o in enumerate(outs)])


remat = checkpoint
