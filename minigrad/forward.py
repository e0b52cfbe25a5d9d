"""Forward mode: values carry tangents (dual numbers) through the program."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .core import (
    LINEAR,
    Primitive,
    Trace,
    Tracer,
    bind,
    cast,
    check_differentiable,
    leaked,
    new_trace,
    output_dtype,
    shape_of,
    tree_flatten,
    tree_unflatten,
)
from .primitives import broadcast_to, broadcasts_to, zeros_like


class DualTracer(Tracer):
    """A primal value and its tangent: a dual number."""

    __slots__ = ("tangent",)

    def __init__(self, trace: Trace, primal: Any, tangent: Any):
        self.trace = trace
        self.primal = primal
        self.tangent = tangent


class JVPTrace(Trace):
    """Runs each primitive on primals and pushes tangents through its JVP rules."""

    __slots__ = ()

    def process(self, prim: Primitive, args: tuple, params: dict) -> DualTracer:
        primals = list(args)
        tangents = [None] * len(args)
        for i, a in enumerate(args):
            if isinstance(a, DualTracer) and a.trace is self:
                primals[i] = a.primal
                tangents[i] = a.tangent
        ans = bind(prim, tuple(primals), params)
        if prim.jvp is LINEAR:
            ts = tuple(zeros_like(p) if t is None else t for p, t in zip(primals, tangents))
            out = bind(prim, ts, params)
        else:
            out = None
            for i, t in enumerate(tangents):
                if t is not None:
                    dt = prim.rule("jvp", i)(t, ans, *primals, **params)
                    out = dt if out is None else out + dt
        if type(ans) is not float or type(out) is not float:
            if shape_of(out) != shape_of(ans):  # a tangent from a broadcast input
                out = fit_tangent(out, ans, prim)
        return DualTracer(self, ans, out)


def fit_tangent(t: Any, ans: Any, prim: Primitive) -> Any:
    """Broadcast tangent `t` to the shape of the output `ans`, or raise naming `prim`."""
    if not broadcasts_to(shape_of(t), shape_of(ans)):
        raise ValueError(
            f"the JVP rule of primitive '{prim.name}' gave a tangent of shape {shape_of(t)} "
            f"for an output of shape {shape_of(ans)}"
        )
    return broadcast_to(t, shape_of(ans))


def jvp(f: Callable, primals: Sequence, tangents: Sequence, has_aux: bool = False) -> tuple:
    """Evaluate `f(*primals)` and its directional derivative along `tangents`.

    Like `jax.jvp`: returns `(f(*primals), J @ tangents)`, or with `has_aux=True`
    (f returns `(output, aux)`) `(output, J @ tangents, aux)`.
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp expects primals and tangents as tuples, e.g. jvp(f, (x,), (v,))")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp got {len(primals)} primals but {len(tangents)} tangents")
    p_leaves, p_def = tree_flatten(list(primals))
    t_leaves, t_def = tree_flatten(list(tangents))
    if p_def != t_def:
        raise ValueError("jvp: tangents must have the same structure as primals")
    for p, t in zip(p_leaves, t_leaves):
        if shape_of(p) != shape_of(t):
            raise ValueError(f"jvp: tangent of shape {shape_of(t)} for a primal of shape {shape_of(p)}")
    dtype = output_dtype(p_leaves)
    with new_trace(JVPTrace) as trace:
        ins = [
            DualTracer(trace, check_differentiable(p, "primals"), check_differentiable(t, "tangents"))
            for p, t in zip(p_leaves, t_leaves)
        ]
        out = f(*tree_unflatten(p_def, ins))
    if has_aux:
        out, aux = split_aux(out, "jvp")
    o_leaves, o_def = tree_flatten(out)
    values, dots = [], []
    for o in o_leaves:
        if isinstance(o, DualTracer) and o.trace is trace:
            values.append(cast(o.primal, dtype))
            dots.append(cast(o.tangent, dtype))
        else:
            values.append(untraced(o, trace))
            dots.append(cast(zeros_like(o), dtype))
    result = tree_unflatten(o_def, values), tree_unflatten(o_def, dots)
    return (*result, tree_untraced(aux, trace)) if has_aux else result


def split_aux(out: Any, name: str) -> tuple[Any, Any]:
    """`(output, aux)` of a function called with `has_aux=True`."""
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"{name}(..., has_aux=True) needs f to return a pair (output, aux)")
    return out[0], out[1]


def untraced(x: Any, trace: Trace) -> Any:
    """An output leaf that is not `trace`'s own tracer: a constant, or a tracer
    of a live outer transformation. A tracer of an ended one has leaked."""
    if isinstance(x, Tracer):
        if x.trace is trace:
            return x.primal
        if not x.trace.live:
            raise leaked("the function's output")
    return x


def tree_untraced(tree: Any, trace: Trace) -> Any:
    leaves, treedef = tree_flatten(tree)
    return tree_unflatten(treedef, [untraced(x, trace) for x in leaves])
