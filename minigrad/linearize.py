"""linearize: evaluate `f` once, then push any number of tangents through its JVP rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .core import (
    LINEAR,
    bind,
    cast,
    check_differentiable,
    new_trace,
    output_dtype,
    shape_of,
    tree_flatten,
    tree_unflatten,
)
from .forward import fit_tangent, split_aux, tree_untraced, untraced
from .primitives import zeros_like
from .reverse import TapeTracer, VJPTrace


def linearize(f: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """`f(*primals)` and the linear map `f_jvp(*tangents)` = J @ tangents, like `jax.linearize`.

    `f` runs once: its primitives are recorded on a tape (the one reverse mode
    uses, keeping every value: JVP rules may read any), and each call of
    `f_jvp` replays only their JVP rules, in program order (forward mode), on
    the new tangents.

    >>> import minigrad as mg
    >>> y, f_jvp = mg.linearize(lambda x1, x2: x1 * x2 + x2, 2.0, 4.0)
    >>> y, f_jvp(1.0, 0.0), f_jvp(0.0, 1.0)
    (12.0, 4.0, 3.0)

    With `has_aux=True`, f returns `(output, aux)` and linearize returns
    `(output, f_jvp, aux)`. Float32 inputs give float32 outputs and tangents.
    """
    originals, in_def = tree_flatten(list(primals))
    dtype = output_dtype(originals)
    leaves = [check_differentiable(x, "primals") for x in originals]
    n = len(leaves)
    with new_trace(VJPTrace, n, True) as trace:  # keep_all: JVP rules may read any value
        out = f(*tree_unflatten(in_def, [TapeTracer(trace, x, i) for i, x in enumerate(leaves)]))
    if has_aux:
        out, aux = split_aux(out, "linearize")
    outs, out_def = tree_flatten(out)
    slots = [o.index if isinstance(o, TapeTracer) and o.trace is trace else None for o in outs]
    values = [cast(untraced(o, trace), dtype) for o in outs]
    tape = trace.tape

    def f_jvp(*tangents: Any) -> Any:
        t_leaves, t_def = tree_flatten(list(tangents))
        if t_def != in_def:
            raise ValueError("linearize: the tangents must have the same structure as the primals")
        for x, t in zip(leaves, t_leaves):
            if shape_of(x) != shape_of(t):
                raise ValueError(f"linearize: tangent of shape {shape_of(t)} for a primal of {shape_of(x)}")
        dots: list = [check_differentiable(t, "tangents") for t in t_leaves] + [None] * len(tape)
        for k, (prim, xs, params, ans, parents) in enumerate(tape):
            ts = {i: dots[j] for i, j in parents if dots[j] is not None}
            if not ts:
                continue
            if prim.jvp is LINEAR:
                dot = bind(prim, tuple(ts.get(i, zeros_like(x)) for i, x in enumerate(xs)), params)
            else:
                dot = None
                for i, t in ts.items():
                    d = prim.rule("jvp", i)(t, ans, *xs, **params)
                    dot = d if dot is None else dot + d
            if shape_of(dot) != shape_of(ans):
                dot = fit_tangent(dot, ans, prim)
            dots[n + k] = dot
        return tree_unflatten(out_def, [
            cast(zeros_like(v) if s is None or dots[s] is None
                 else dots[s], dtype) for v, s in zip(values, slots)
        ])

    result = tree_unflatten(out_def, values), f_jvp
    return (*result, tree_untraced(aux, trace)) if has_aux else result
