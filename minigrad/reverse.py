"""Reverse mode: record the program on a tape, then sweep it backwards.

The tape is a list in execution order, so the backward sweep is a plain loop
over it in reverse (no recursive topological sort). Tape entries hold values,
never tracers, so a recorded program has no reference cycles.

An entry keeps only what the VJP rules of its traced arguments read, the
*residuals* each primitive declares (`Primitive.defresiduals`): `sin` keeps
its input, `exp` its output, a product its two factors, a sum nothing. Any
other value is replaced by a `NotKept` stand-in that knows only its shape, so
it can be freed as soon as the program no longer uses it. Readers that need
every value (`linearize`, the graph drawings) record with `keep_all=True`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .core import (
    Primitive,
    ShapeOnly,
    Trace,
    Tracer,
    bind,
    cast,
    check_differentiable,
    input_dtype,
    new_trace,
    output_dtype,
    shape_of,
    tree_flatten,
    tree_unflatten,
)
from .forward import split_aux, tree_untraced, untraced
from .primitives import FLOAT_PARTIALS, broadcasts_to, unbroadcast, zeros_like


class TapeTracer(Tracer):
    """A value and the index of its slot on the tape."""

    __slots__ = ("index",)

    def __init__(self, trace: Trace, primal: Any, index: int):
        self.trace = trace
        self.primal = primal
        self.index = index


class VJPTrace(Trace):
    """Runs each primitive and appends `(prim, inputs, params, output, parents)`
    to the tape, where `parents` pairs argument positions with tape slots.
    Inputs and output not among the primitive's residuals are `NotKept`,
    unless `keep_all` or all of them are Python floats."""

    __slots__ = ("tape", "n_inputs", "keep_all")

    def __init__(self, level: int, n_inputs: int, keep_all: bool = False):
        super().__init__(level)
        self.tape: list = []
        self.n_inputs = n_inputs
        self.keep_all = keep_all

    def process(self, prim: Primitive, args: tuple, params: dict) -> TapeTracer:
        """Unwrap this trace's tracers, evaluate (through `bind` only if a lower
        trace follows an input), record the entry, return a tracer of the output."""
        primals = [*args]
        parents = []
        floats = True  # are all inputs Python floats?
        nested = False  # does a lower-level trace follow any input?
        i = 0
        for a in args:
            if type(a) is TapeTracer and a.trace is self:
                parents.append((i, a.index))
                primals[i] = a = a.primal
            if type(a) is not float:  # floats first: the scalar hot path
                floats = False
                if isinstance(a, Tracer):
                    nested = True
            i += 1
        ans = bind(prim, primals, params) if nested else prim.impl(*primals, **params)
        tape = self.tape
        if (floats and type(ans) is float) or self.keep_all or prim.residuals is None:
            # Python floats are kept: dropping one saves 24 bytes and costs more time
            tape.append((prim, tuple(primals), params, ans, tuple(parents)))  # tuples: less for the gc
        else:
            tape.append(residuals_entry(prim, primals, params, ans, parents))
        return new_tape_tracer(self, ans, len(tape) - 1 + self.n_inputs)

    def record(self, prim: Primitive, args: Sequence, ans: Any) -> TapeTracer:
        """Put `prim` on the tape with its output `ans` computed by the caller
        (`checkpoint`, `custom_vjp`): outer transformations are not handed `prim`,
        since `ans` (computed from the values under this trace's tracers) already
        carries their derivatives."""
        primals, parents = [], []
        for i, a in enumerate(args):
            if type(a) is TapeTracer and a.trace is self:
                parents.append((i, a.index))
                a = a.primal
            primals.append(a)
        self.tape.append((prim, tuple(primals), {}, ans, tuple(parents)))
        return new_tape_tracer(self, ans, len(self.tape) - 1 + self.n_inputs)


def residuals_entry(prim: Primitive, primals: list, params: dict, ans: Any, parents: list) -> tuple:
    """The tape entry that keeps only the residuals of the traced arguments' VJP
    rules (so the program's other intermediates can be freed before the sweep)."""
    keep_ans, keep = prim.kept(sum(1 << i for i, _ in parents))
    for i in range(len(primals)):
        if not keep >> i & 1:
            primals[i] = not_kept(primals[i])
    return (prim, tuple(primals), params, ans if keep_ans else not_kept(ans), tuple(parents))


class ResidualNotKept(Exception):
    """Raised when a VJP rule reads a value its primitive's residuals do not keep."""


class NotKept(ShapeOnly):
    """What a tape entry holds in place of a value its VJP rules do not read:
    the value's shape, nothing else (reading more means a wrong residual declaration).

    >>> from minigrad.reverse import NotKept
    >>> x = NotKept((2, 3))
    >>> mg.shape_of(x), np.ndim(x), x
    ((2, 3), 2, <value not kept on the tape, shape (2, 3)>)
    """

    __slots__ = ()
    refusal = ResidualNotKept

    def __repr__(self) -> str:
        return f"<value not kept on the tape, shape {self.shape}>"


_SCALAR = NotKept(())  # one stand-in shared by every Python float not kept


def not_kept(x: Any) -> NotKept:
    """The stand-in for `x` on the tape (the shared one for a Python float)."""
    return _SCALAR if type(x) is float else NotKept(shape_of(x))


def new_tape_tracer(trace: VJPTrace, primal: Any, index: int) -> TapeTracer:
    """`TapeTracer(trace, primal, index)` without running `__init__` (one Python call
    less per recorded operation, the hot path of scalar programs)."""
    t = _new_object(TapeTracer)
    t.trace = trace
    t.primal = primal
    t.index = index
    return t


_new_object = object.__new__


def backward(tape: list, n_inputs: int, seeds: list[tuple[int, Any]], consume: bool = False) -> list:
    """Sweep `tape` backwards from the output cotangents `seeds` (slot, value);
    return the cotangents of the inputs (None where an input was not used).

    With `consume=True` the sweep empties `tape` as it goes, so each entry's
    residuals are freed once used (for a caller that sweeps its tape only once)."""
    adjoint: list = [None] * (n_inputs + len(tape))
    owned: set[int] = set()  # slots whose adjoint is an array this sweep made (see `accumulate`)
    for slot, g in seeds:
        accumulate(adjoint, owned, slot, g)
    for k in range(len(tape) - 1, -1, -1):
        entry = tape.pop() if consume else tape[k]
        slot = k + n_inputs
        g = adjoint[slot]
        if g is None:
            continue
        adjoint[slot] = None  # free it early: it is not needed again
        prim, primals, params, ans, parents = entry
        for i, j in parents:
            ct = cotangent(prim, i, g, ans, primals, params)
            if adjoint[j] is None:
                adjoint[j] = ct
            else:
                accumulate(adjoint, owned, j, ct)
    return adjoint[:n_inputs]


def cotangent(prim: Primitive, i: int, g: Any, ans: Any, primals: tuple, params: dict) -> Any:
    """Argument `i`'s cotangent from the output cotangent `g`: its VJP rule, summed
    down to the input's shape; on Python floats straight from the partial derivative
    (`FLOAT_PARTIALS`: two wrapper calls less, the hot path of scalar programs)."""
    try:
        rule = prim.vjp[i]
    except (TypeError, IndexError):
        rule = None
    if rule is None:
        rule = prim.rule("vjp", i)  # raises a clear error
    d = FLOAT_PARTIALS.get(rule) if type(g) is float else None
    try:
        if d is None:
            ct = rule(g, ans, *primals, **params)
        else:  # the same rule on Python floats, in one step: g * d(ans)/d(x_i)
            ct = g * d if type(d) is float else g * d(ans, *primals)
    except ResidualNotKept:
        raise ValueError(
            f"the VJP rule of primitive '{prim.name}' for argument {i} read a value that "
            f"its residuals do not keep; declare it with {prim.name}.defresiduals(...)"
        ) from None
    x = primals[i]
    if type(ct) is not float or (type(x) is not float and x is not _SCALAR):
        if shape_of(ct) != shape_of(x):  # an input that was broadcast
            ct = fit_cotangent(ct, x, prim, i)
    return ct


def accumulate(adjoint: list, owned: set, j: int, ct: Any) -> None:
    """Add cotangent `ct` to slot `j`'s adjoint; in place when that adjoint is an
    array this sweep made (`a + ct` below): one array allocation less per extra use."""
    a = adjoint[j]
    if a is None:
        adjoint[j] = ct
    elif type(ct) is np.ndarray and j in owned and ct.shape == a.shape and ct.dtype == a.dtype:
        a += ct
    else:
        a = adjoint[j] = a + ct
        if type(a) is np.ndarray:
            owned.add(j)


def fit_cotangent(ct: Any, x: Any, prim: Primitive, i: int) -> Any:
    """Sum cotangent `ct` down to the shape of input `x`, or raise naming `prim`:
    a cotangent of another shape is a bug in a VJP rule, never reshaped."""
    if not broadcasts_to(shape_of(x), shape_of(ct)):
        raise ValueError(
            f"the VJP rule of primitive '{prim.name}' for argument {i} gave a cotangent "
            f"of shape {shape_of(ct)} for an input of shape {shape_of(x)}"
        )
    return unbroadcast(ct, shape_of(x))


def vjp(f: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """Evaluate `f(*primals)`, recording it; return the output and a function
    that maps an output cotangent to the cotangents of the inputs.

    Like `jax.vjp`: `y, f_vjp = vjp(f, x); (x_bar,) = f_vjp(y_bar)`; with
    `has_aux=True` (f returns `(output, aux)`): `y, f_vjp, aux = vjp(f, x, has_aux=True)`.

    `f_vjp` takes a cotangent of the output's shape and returns a tuple with one
    cotangent per argument, each of that argument's shape (and structure: an
    argument may be a list, tuple or dict of arrays).

    >>> y, f_vjp = mg.vjp(lambda x1, x2: x1 * x2 + x2, 2.0, 4.0)
    >>> y, f_vjp(1.0)
    (12.0, (4.0, 3.0))
    >>> y, f_vjp = mg.vjp(lambda p: p["w"] * p["b"], {"w": 2.0, "b": 4.0})
    >>> f_vjp(1.0)
    ({'b': 2.0, 'w': 4.0},)
    """
    return _vjp(f, primals, has_aux, once=False)


def _vjp(f: Callable, primals: tuple, has_aux: bool, once: bool) -> tuple:
    """`vjp`; with `once=True` the returned `f_vjp` may be called only once and
    frees the tape as it sweeps it (grad's case: a lower peak of memory)."""
    leaves, in_def = tree_flatten(list(primals))
    dtypes = [input_dtype(x) for x in leaves]
    out_dtype = output_dtype(leaves)
    leaves = [check_differentiable(x, "differentiated inputs") for x in leaves]
    with new_trace(VJPTrace, len(leaves)) as trace:
        ins = [TapeTracer(trace, x, i) for i, x in enumerate(leaves)]
        out = f(*tree_unflatten(in_def, ins))
    if has_aux:
        out, aux = split_aux(out, "vjp")
    out_leaves, out_def = tree_flatten(out)
    slots = [o.index if type(o) is TapeTracer and o.trace is trace else None for o in out_leaves]
    values = [cast(untraced(o, trace), out_dtype) for o in out_leaves]
    tape, n = trace.tape, len(leaves)
    calls: list = []

    def f_vjp(cotangent: Any) -> tuple:
        ct_leaves, ct_def = tree_flatten(cotangent)
        if ct_def != out_def:
            raise ValueError("the cotangent must have the same structure as f's output")
        seeds = []
        for s, v, c in zip(slots, values, ct_leaves):
            if shape_of(c) != shape_of(v):
                raise ValueError(f"cotangent of shape {shape_of(c)} for an output of shape {shape_of(v)}")
            if s is not None:
                seeds.append((s, c))
        if once:
            if calls:
                raise RuntimeError("this f_vjp has freed its tape: it can be called only once")
            calls.append(1)
        with np.errstate(all="ignore"):  # IEEE inf/nan silently, as JAX
            cts = backward(tape, n, seeds, consume=once)
        cts = [cast(zeros_like(x) if c is None else c, d) for x, c, d in zip(leaves, cts, dtypes)]
        return tuple(tree_unflatten(in_def, cts))

    result = tree_unflatten(out_def, values), f_vjp
    return (*result, tree_untraced(aux, trace)) if has_aux else result


def argnums_tuple(argnums: Any, n_args: int) -> tuple[int, ...]:
    """`argnums` (an int or a sequence of ints, negative counting from the end) as
    non-negative positions."""
    nums = (argnums,) if isinstance(argnums, (int, np.integer)) else tuple(argnums)
    for i in nums:
        if not isinstance(i, (int, np.integer)) or isinstance(i, bool) or not -n_args <= i < n_args:
            raise ValueError(f"argnums {argnums!r} does not fit a function called with {n_args} arguments")
    return tuple(int(i) % n_args for i in nums)


def with_args(f: Callable, args: tuple, kwargs: dict, nums: tuple) -> Callable:
    """`f` as a function of the arguments at positions `nums`; the others (and the
    keyword arguments) are held fixed, not differentiated."""

    def f_of_diff_args(*diff_args):
        full = list(args)
        for i, a in zip(nums, diff_args):
            full[i] = a
        return f(*full, **kwargs)

    return f_of_diff_args


def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """Like `jax.value_and_grad`: `f`'s value and its gradient, in one reverse pass.

    Keyword arguments are passed to `f` and not differentiated. With `has_aux=True`,
    f returns `(value, aux)` and the result is `((value, aux), gradient)`.

    Returns `(f(*args), gradient)`: a scalar, and the shape of argument
    `argnums`.

    >>> x = np.array([1.0, 2.0])
    >>> mg.value_and_grad(lambda x: mg.sum(x * x))(x)
    (5.0, array([2., 4.]))
    >>> mg.value_and_grad(lambda x: (mg.sum(x * x), x[0]), has_aux=True)(x)
    ((5.0, 1.0), array([2., 4.]))
    """

    def value_and_grad_f(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        nums = argnums_tuple(argnums, len(args))
        diff_args = tuple(args[i] for i in nums)
        y, f_vjp, *aux = _vjp(with_args(f, args, kwargs, nums), diff_args, has_aux, once=True)
        _check_scalar(y)
        grads = f_vjp(cast(1.0, input_dtype(y)))
        g = grads[0] if isinstance(argnums, (int, np.integer)) else grads
        return ((y, aux[0]), g) if has_aux else (y, g)

    return value_and_grad_f


def _check_scalar(y: Any) -> None:
    leaves, treedef = tree_flatten(y)
    if treedef is not None or shape_of(y) != ():
        what = type(y).__name__ if treedef is not None else f"shape {shape_of(y)}"
        raise TypeError(
            f"grad requires a scalar output, got {what}; use jacrev/jacfwd for "
            "a Jacobian, or vjp for a vector-Jacobian product"
        )
    kind = np.result_type(y).kind
    if kind in "biu":
        raise TypeError(
            f"grad requires real-valued (float) outputs, got {np.result_type(y)} {y!r} (as in JAX); "
            "a bool or integer output has no derivative"
        )
    if np.iscomplexobj(y):
        raise TypeError(
            f"grad requires real-valued outputs, got {np.result_type(y)} (as in JAX); "
            "for complex outputs use vjp"
        )


def grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """Like `jax.grad`: the gradient of a scalar function, by reverse mode.

    Keyword arguments are passed to `f` and not differentiated. With `has_aux=True`,
    f returns `(value, aux)` and the result is `(gradient, aux)`.

    `f` must return a scalar; the gradient has the shape of argument `argnums`
    (a tuple of gradients when `argnums` is a tuple), the structure of a
    list, tuple or dict argument, and the dtype of a float32 argument.

    >>> f = lambda x1, x2: x1 * x2 + x2
    >>> mg.grad(f)(2.0, 4.0)
    4.0
    >>> mg.grad(f, argnums=(0, 1))(2.0, 4.0)
    (4.0, 3.0)
    >>> mg.grad(lambda p: p["w"] * p["b"])({"w": 2.0, "b": 4.0})
    {'b': 2.0, 'w': 4.0}
    >>> mg.grad(lambda x: (x * x, 2.0 * x), has_aux=True)(3.0)  # (g, aux)
    (6.0, 6.0)
    >>> mg.grad(lambda x: mg.sum(x * x))(np.ones(2, dtype=np.float32))
    array([2., 2.], dtype=float32)
    """
    vg = value_and_grad(f, argnums, has_aux)

    def grad_f(*args: Any, **kwargs: Any) -> Any:
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return grad_f
