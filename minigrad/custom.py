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
- `checkpoint`: a `custom_vjp` whose residuals are the inputs and whose `bwd`
  runs the function again: the tape keeps one entry instead of the function's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from . import primitives as P
from .batching import BatchTrace, BatchTracer
from .core import EachArg, Primitive, Trace, Tracer, bind, tree_flatten, tree_unflatten
from .forward import JVPTrace
from .reverse import TapeTracer, VJPTrace, vjp


def _split(args: tuple, nondiff: tuple[int, ...]) -> tuple[tuple, list]:
    """(the non-differentiated arguments, the others)."""
    return tuple(args[i] for i in nondiff), [a for i, a in enumerate(args) if i not in nondiff]


def _merge(static: tuple, diff: Sequence, nondiff: tuple[int, ...]) -> list:
    """The full argument list from its two parts."""
    s, d = iter(static), iter(diff)
    return [next(s) if i in nondiff else next(d) for i in range(len(static) + len(diff))]


def _one_output(out: Any, name: str) -> Any:
    if isinstance(out, (list, tuple, dict)):
        raise TypeError(
            f"custom_jvp function '{name}' must return one float or array, got a {type(out).__name__}"
        )
    return out


def _top_trace(leaves: list) -> Trace | None:
    """The trace `bind` would hand these values to."""
    top = None
    for x in leaves:
        if isinstance(x, Tracer) and (top is None or x.trace.level > top.level):
            top = x.trace
    return top


class custom_jvp:
    """A function with a custom JVP rule, like `jax.custom_jvp`.

    The rule takes `(primals, tangents)` (tuples, one entry per argument) and
    returns `(primal_out, tangent_out)`. It is used by forward and reverse mode
    (reverse mode transposes it) and differentiated again for higher orders.
    Arguments at `nondiff_argnums` are not differentiated and are passed to the
    rule first. The function returns one float or array.

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
        name = getattr(fun, "__name__", "custom_jvp")
        self.prim = Primitive(name, self._impl, jvp=EachArg(self._jvp_rule), vjp=EachArg(self._vjp_rule))
        self._cache: tuple = ()

    def defjvp(self, jvp: Callable) -> Callable:
        """Set the JVP rule `jvp(*nondiff_args, primals, tangents) -> (primal_out, tangent_out)`."""
        self.jvp = jvp
        return jvp

    def __call__(self, *args: Any) -> Any:
        if self.jvp is None:
            raise AttributeError(f"no JVP rule for custom_jvp function '{self.prim.name}'; use defjvp")
        static, diff = _split(args, self.nondiff_argnums)
        leaves, treedef = tree_flatten(diff)
        return bind(self.prim, tuple(leaves), {"treedef": treedef, "static": static})

    def _impl(self, *leaves, treedef, static):
        diff = tree_unflatten(treedef, list(leaves))
        return _one_output(self.fun(*_merge(static, diff, self.nondiff_argnums)), self.prim.name)

    def _tangent_out(self, leaves, tangents, treedef, static):
        primals = tuple(tree_unflatten(treedef, list(leaves)))
        out = self.jvp(*static, primals, tuple(tree_unflatten(treedef, list(tangents))))
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(f"the JVP rule of '{self.prim.name}' must return (primal_out, tangent_out)")
        return out[1]

    def _jvp_rule(self, i, t, ans, *leaves, treedef, static):
        """Tangent of the output from the tangent of input `i` (the others zero)."""
        tangents = [t if j == i else P.zeros_like(x) for j, x in enumerate(leaves)]
        return self._tangent_out(leaves, tangents, treedef, static)

    def _vjp_rule(self, i, g, ans, *leaves, treedef, static):
        """Cotangent of input `i`: the transpose of the (linear) JVP rule, by reverse mode."""
        c = self._cache
        if not (c and c[0] is g and len(c[1]) == len(leaves) and all(a is b for a, b in zip(c[1], leaves))):
            _, pullback = vjp(lambda *ts: self._tangent_out(leaves, ts, treedef, static),
                              *(P.zeros_like(x) for x in leaves))
            self._cache = c = (g, leaves, pullback(g))
        return c[2][i]


class custom_vjp:
    """A function with a custom VJP, like `jax.custom_vjp`.

    `f.defvjp(fwd, bwd)`: `fwd(*args)` returns `(output, residuals)`;
    `bwd(residuals, g)` returns a tuple of cotangents, one per argument (None
    for zero). Arguments at `nondiff_argnums` are passed to `bwd` first.
    Forward mode (`jvp`) of a custom_vjp function is an error, as in JAX.

    >>> import minigrad as mg
    >>> @mg.custom_vjp
    ... def clip_gradient(x):
    ...     return x
    >>> clip_gradient.defvjp(lambda x: (x, None), lambda res, g: (mg.clip(g, -1.0, 1.0),))
    >>> mg.grad(lambda x: 3.0 * clip_gradient(x))(2.0)
    1.0
    """

    def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        """Set `fwd(*args) -> (output, residuals)` and `bwd(*nondiff_args, residuals, g) -> cotangents`."""
        self.fwd, self.bwd = fwd, bwd

    def __call__(self, *args: Any) -> Any:
        name = getattr(self.fun, "__name__", "custom_vjp")
        if self.fwd is None:
            raise AttributeError(f"no VJP rule for custom_vjp function '{name}'; set one with defvjp")
        static, diff = _split(args, self.nondiff_argnums)
        leaves, treedef = tree_flatten(diff)
        top = _top_trace(leaves)
        if top is None:
            return self.fun(*args)
        if isinstance(top, VJPTrace):
            return self._record(top, static, leaves, treedef, name)
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
        pair = self.fwd(*_merge(static, tree_unflatten(treedef, inner), self.nondiff_argnums))
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise TypeError(f"fwd of custom_vjp function '{name}' must return a pair (output, residuals)")
        out, res = pair
        outs, out_def = tree_flatten(out)
        cached: dict = {}

        def cotangents(k, g):
            """Input cotangents (leaves) for cotangent `g` of output `k`, from `bwd`."""
            if k not in cached or cached[k][0] is not g:
                g_leaves = [g if j == k else P.zeros_like(o) for j, o in enumerate(outs)]
                g_tree = tree_unflatten(out_def, g_leaves)
                cts = self.bwd(*static, res, g_tree)
                if not isinstance(cts, (tuple, list)) or len(cts) != len(tree_unflatten(treedef, inner)):
                    raise TypeError(
                        f"bwd of custom_vjp function '{name}' must return a tuple with one cotangent "
                        f"per differentiated argument ({len(tree_unflatten(treedef, inner))}), got {cts!r}"
                    )
                cts = [P.zeros_like(x) if c is None else c
                       for c, x in zip(tree_flatten(_nones(cts, treedef, inner))[0], inner)]
                cached[k] = (g, cts)
            return cached[k][1]

        def entry(k, o):
            # arg 0 is the output `fwd` computed (outer transformations already follow it);
            # the VJP towards the inputs applies only where that very value is the
            # argument, i.e. on `trace`'s own tape, not on the tapes of outer levels.
            def vjp_rule(i, g, ans, first, *xs):
                if i == 0:
                    return g
                return cotangents(k, g)[i - 1] if first is o else P.zeros_like(xs[i - 1])

            def jvp_rule(i, t, ans, first, *xs):
                return t if i == 0 else P.zeros_like(ans)

            p = Primitive(f"{name}_vjp", lambda first, *xs: first,
                          jvp=EachArg(jvp_rule), vjp=EachArg(vjp_rule))
            return bind(p, (o, *leaves), {})

        return tree_unflatten(out_def, [entry(k, o) for k, o in enumerate(outs)])


def _nones(cts: Sequence, treedef: Any, inner: list) -> list:
    """Cotangents with a None for a whole argument expanded to one None per leaf."""
    args = tree_unflatten(treedef, inner)
    return [tree_unflatten(tree_flatten(a)[1], [None] * len(tree_flatten(a)[0])) if c is None else c
            for c, a in zip(cts, args)]


def _per_example(fn: Callable, trace: BatchTrace, args: tuple) -> Any:
    """`fn` under vmap without a batching rule: one call per example, stacked."""
    leaves, treedef = tree_flatten(list(args))
    results = []
    for b in range(trace.size):
        ex = [P.getitem_p(x.val, index=(slice(None),) * x.bdim + (b,))
              if isinstance(x, BatchTracer) and x.trace is trace else x for x in leaves]
        results.append(fn(*tree_unflatten(treedef, ex)))
    outs, out_def = tree_flatten(results[0])
    columns = zip(*(tree_flatten(r)[0] for r in results))
    return tree_unflatten(out_def, [BatchTracer(trace, P.stack(col), 0) for col in columns])


def checkpoint(fun: Callable, static_argnums: Sequence[int] = ()) -> Callable:
    """`fun` whose forward pass is recomputed during the backward sweep, like
    `jax.checkpoint`: reverse mode stores one tape entry (and the inputs)
    instead of the tape of `fun`, at the cost of running `fun` twice.

    >>> import numpy as np, minigrad as mg
    >>> f = mg.checkpoint(lambda x: mg.sum(mg.sin(mg.sin(x))))
    >>> float(mg.grad(f)(np.zeros(3))[0])
    1.0
    """
    static_argnums = tuple(static_argnums)

    def run(*args):
        static, diff = _split(args, static_argnums)
        return fun(*_merge(static, diff, static_argnums))

    def fwd(*args):
        return run(*args), _split(args, static_argnums)[1]

    def bwd(*rest):
        *static, res, g = rest
        _, pullback = vjp(lambda *d: run(*_merge(tuple(static), d, static_argnums)), *res)
        return pullback(g)

    recomputed = custom_vjp(fun, nondiff_argnums=static_argnums)
    recomputed.defvjp(fwd, bwd)

    @functools.wraps(fun)
    def checkpointed(*args: Any) -> Any:
        top = _top_trace(tree_flatten(list(_split(args, static_argnums)[1]))[0])
        return recomputed(*args) if isinstance(top, VJPTrace) else fun(*args)

    return checkpointed


remat = checkpoint
