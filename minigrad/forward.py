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
    check_differentiable,
    new_trace,
    shape_of,
    tree_flatten,
    tree_unflatten,
)
from .primitives import broadcast_to, zeros_like


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
        if type(ans) is not float and shape_of(out) != shape_of(ans):
            out = broadcast_to(out, shape_of(ans))
        return DualTracer(self, ans, out)


def jvp(f: Callable, primals: Sequence, tangents: Sequence) -> tuple[Any, Any]:
    """Evaluate `f(*primals)` and its directional derivative along `tangents`.

    Like `jax.jvp`: returns `(f(*primals), J @ tangents)`.
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
    with new_trace(JVPTrace) as trace:
        ins = [
            DualTracer(trace, check_differentiable(p, "primals"), check_differentiable(t, "tangents"))
            for p, t in zip(p_leaves, t_leaves)
        ]
        out = f(*tree_unflatten(p_def, ins))
    o_leaves, o_def = tree_flatten(out)
    values, dots = [], []
    for o in o_leaves:
        if isinstance(o, DualTracer) and o.trace is trace:
            values.append(o.primal)
            dots.append(o.tangent)
        else:
            values.append(o)
            dots.append(zeros_like(o))
    return tree_unflatten(o_def, values), tree_unflatten(o_def, dots)
