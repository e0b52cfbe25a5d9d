"""The tape keeps only residuals: each declaration against JAX, for every choice of
traced arguments (on arrays, where values are replaced by shapes); wrong
declarations are named; values no rule reads are freed before the sweep."""

from __future__ import annotations

import gc
import itertools
import weakref

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from reference import close

import minigrad as mg
from minigrad import primitives as P

jax.config.update("jax_enable_x64", True)

rng = np.random.default_rng(22)
A, B, C = rng.uniform(0.5, 2.0, (3, 4)), rng.uniform(0.5, 2.0, (3, 4)), rng.uniform(0.5, 2.0, (4, 2))
ROW = rng.uniform(0.5, 2.0, (4,))

# name: (minigrad function, JAX function, inputs); every primitive in the residuals table
CASES = {
    "add": (lambda x, y: x + y, lambda x, y: x + y, (A, ROW)),
    "sub": (lambda x, y: x - y, lambda x, y: x - y, (A, B)),
    "neg": (lambda x: -x, lambda x: -x, (A,)),
    "mul": (lambda x, y: x * y, lambda x, y: x * y, (A, ROW)),
    "div": (lambda x, y: x / y, lambda x, y: x / y, (A, B)),
    "exp": (mg.exp, jnp.exp, (A,)),
    "log": (mg.log, jnp.log, (A,)),
    "sin": (mg.sin, jnp.sin, (A,)),
    "cos": (mg.cos, jnp.cos, (A,)),
    "tanh": (mg.tanh, jnp.tanh, (A,)),
    "sqrt": (mg.sqrt, jnp.sqrt, (A,)),
    "pow": (lambda x, y: x**y, lambda x, y: x**y, (A, B)),
    "integer_pow": (lambda x: x**3, lambda x: x**3, (A,)),
    "maximum": (mg.maximum, jnp.maximum, (A, B)),
    "minimum": (mg.minimum, jnp.minimum, (A, B)),
    "log1p": (mg.log1p, jnp.log1p, (A,)),
    "expm1": (mg.expm1, jnp.expm1, (A,)),
    "sigmoid": (mg.sigmoid, jax.nn.sigmoid, (A,)),
    "sum": (lambda x: mg.sum(x, axis=0), lambda x: jnp.sum(x, axis=0), (A,)),
    "reshape": (lambda x: mg.reshape(x, (2, 6)), lambda x: jnp.reshape(x, (2, 6)), (A,)),
    "transpose": (lambda x: mg.transpose(x, (1, 0)), lambda x: jnp.transpose(x, (1, 0)), (A,)),
    "broadcast_to": (lambda x: mg.broadcast_to(x, (3, 4)), lambda x: jnp.broadcast_to(x, (3, 4)), (ROW,)),
    "getitem": (lambda x: x[1:, ::2], lambda x: x[1:, ::2], (A,)),
    "scatter_add": (lambda x: P.scatter_add(x, (slice(1, 3),), (4,)),
                    lambda x: jnp.zeros(4).at[1:3].add(x), (ROW[:2],)),
    "matmul": (mg.matmul, jnp.matmul, (A, C)),
    "where": (lambda x, y: mg.where(A > 1.0, x, y), lambda x, y: jnp.where(A > 1.0, x, y), (A, B)),
    "stack": (lambda x, y: mg.stack([x, y], axis=1), lambda x, y: jnp.stack([x, y], axis=1), (A, B)),
    "concatenate": (lambda x, y: mg.concatenate([x, y]), lambda x, y: jnp.concatenate([x, y]), (A, B)),
    "stop_gradient": (lambda x: x * mg.stop_gradient(x), lambda x: x * jax.lax.stop_gradient(x), (A,)),
}


def subsets(n: int):
    """Every non-empty choice of traced argument positions."""
    return [s for k in range(1, n + 1) for s in itertools.combinations(range(n), k)]


@pytest.mark.parametrize(
    "name,traced", [(name, s) for name, (_, _, xs) in CASES.items() for s in subsets(len(xs))]
)
def test_declared_residuals_give_jax_cotangents(name, traced):
    f, jf, xs = CASES[name]

    def of_traced(fn):
        def g(*ts):
            full = list(xs)
            for i, t in zip(traced, ts):
                full[i] = t
            return fn(*full)

        return g

    y, f_vjp = mg.vjp(of_traced(f), *(xs[i] for i in traced))
    ct = np.cos(np.arange(np.size(y))).reshape(np.shape(y))
    jy, j_vjp = jax.vjp(of_traced(jf), *(jnp.asarray(xs[i]) for i in traced))
    close(y, jy)
    for mine, ref in zip(f_vjp(ct), j_vjp(jnp.asarray(ct))):
        close(mine, ref)


def test_second_order_through_residual_tapes():
    # Hessian of a chain that keeps only residuals at both levels of reverse mode.
    f = lambda x: mg.sum(mg.sin(x) * mg.exp(-0.1 * x * x) + mg.tanh(x))  # noqa: E731
    jf = lambda x: jnp.sum(jnp.sin(x) * jnp.exp(-0.1 * x * x) + jnp.tanh(x))  # noqa: E731
    x = np.linspace(-2.0, 2.0, 5)
    close(mg.jacrev(mg.grad(f))(x), jax.hessian(jf)(x))


def test_vjp_can_be_called_again():
    # `vjp` keeps its tape (jacrev calls f_vjp once per output row); grad frees it.
    y, f_vjp = mg.vjp(lambda x: mg.exp(x) * x, A)
    first, again = f_vjp(np.ones_like(A))[0], f_vjp(np.ones_like(A))[0]
    close(first, np.exp(A) * (A + 1.0))
    close(again, first)


def test_wrong_declaration_is_named():
    square = mg.Primitive("square", lambda x: x * x)
    square.defvjp(lambda g, y, x: 2.0 * g * x).defresiduals("ans")  # the rule reads x, not ans
    with pytest.raises(ValueError, match=r"'square' for argument 0 .*square.defresiduals"):
        mg.grad(lambda x: mg.sum(square(x)))(A)


def test_declarations_are_checked():
    p = mg.Primitive("p", lambda x: x)
    with pytest.raises(ValueError, match="'x' is neither 'ans' nor an input position"):
        p.defresiduals("x")
    with pytest.raises(TypeError, match="one entry per argument, or each="):
        p.defresiduals()


def test_new_vjp_rules_drop_the_declaration():
    # New rules may read other values: the primitive keeps everything again.
    square = mg.Primitive("square", lambda x: x * x)
    square.defvjp(lambda g, y, x: g).defresiduals(())
    square.defvjp(lambda g, y, x: 2.0 * g * x)
    close(mg.grad(lambda x: mg.sum(square(x)))(A), 2.0 * A)


def test_values_no_rule_reads_are_freed_before_the_sweep():
    # sin's output feeds only a product with a constant, whose rule reads the
    # constant: the tape must not keep it alive. exp's rule reads exp's output.
    refs = {}

    def f(x):
        s = mg.sin(x)
        refs["sin"] = weakref.ref(s.primal)
        e = mg.exp(2.0 * s)
        refs["exp"] = weakref.ref(e.primal)
        return mg.sum(e)

    _, f_vjp = mg.vjp(f, A)
    gc.collect()
    assert refs["sin"]() is None  # not kept: only 2.0 * s's rule could need it, and it does not
    assert refs["exp"]() is not None  # kept: exp's rule reads its output
    (g,) = f_vjp(1.0)
    close(g, np.exp(2.0 * np.sin(A)) * 2.0 * np.cos(A))
