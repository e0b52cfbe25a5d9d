"""Random programs built by hypothesis: minigrad's value, gradient, JVP, VJP and
Hessian agree with JAX's, and forward mode agrees with reverse mode."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from reference import close

import minigrad as mg

# Operations that are defined (and smooth) for every real input, written once
# for both engines: `m` is the module that supplies sin, exp, ... (mg or jnp).
UNARY = {
    "sin": lambda m, u: m.sin(u),
    "cos": lambda m, u: m.cos(u),
    "tanh": lambda m, u: m.tanh(u),
    "neg": lambda m, u: -u,
    "exp_tanh": lambda m, u: m.exp(m.tanh(u)),
    "log1p_sq": lambda m, u: m.log(1.0 + u * u),
    "sqrt1p_sq": lambda m, u: m.sqrt(1.0 + u * u),
    "cube": lambda m, u: u**3,
    "scale": lambda m, u: 0.5 * u,
}
BINARY = {
    "add": lambda m, u, v: u + v,
    "sub": lambda m, u, v: u - v,
    "mul": lambda m, u, v: u * v,
    "safe_div": lambda m, u, v: u / (1.0 + v * v),
    "pow": lambda m, u, v: (1.0 + u * u) ** m.tanh(v),
}


def programs(n_vars: int):
    """Expression trees over variables 0..n_vars-1 and small constants."""
    leaves = st.one_of(
        st.integers(0, n_vars - 1).map(lambda i: ("var", i)),
        st.floats(-2, 2, allow_subnormal=False).map(lambda c: ("const", c)),
    )

    def extend(children):
        return st.one_of(
            st.tuples(st.sampled_from(sorted(UNARY)), children).map(lambda t: ("un",) + t),
            st.tuples(st.sampled_from(sorted(BINARY)), children, children).map(lambda t: ("bin",) + t),
        )

    return st.recursive(leaves, extend, max_leaves=12)


def run(tree, m, xs):
    """Evaluate an expression tree with the operations of module `m`."""
    kind = tree[0]
    if kind == "var":
        return xs[tree[1]]
    if kind == "const":
        return tree[1]
    if kind == "un":
        return UNARY[tree[1]](m, run(tree[2], m, xs))
    return BINARY[tree[1]](m, run(tree[2], m, xs), run(tree[3], m, xs))


def scalar_fn(tree, m):
    """The program as a function of a vector of 3 inputs, reduced to a scalar."""
    def f(x):
        xs = [x[0], x[1], x[2]]
        return run(tree, m, xs) + 0.0 * x[0]  # keep it a function of x even if constant
    return f


points = hnp.arrays(np.float64, 3, elements=st.floats(-2, 2, allow_subnormal=False))


@given(tree=programs(3), x=points)
def test_value_gradient_hessian_match_jax(tree, x):
    f, jf = scalar_fn(tree, mg), scalar_fn(tree, jnp)
    value, grad = mg.value_and_grad(f)(x)
    j_value, j_grad = jax.value_and_grad(jf)(jnp.asarray(x))
    close(value, j_value)
    close(grad, j_grad, rtol=1e-8, atol=1e-8)
    close(mg.hessian(f)(x), jax.hessian(jf)(jnp.asarray(x)), rtol=1e-7, atol=1e-7)
    close(mg.jacrev(mg.jacfwd(f))(x), jax.hessian(jf)(jnp.asarray(x)), rtol=1e-7, atol=1e-7)


@given(tree=programs(3), x=points, v=points)
def test_jvp_matches_jax(tree, x, v):
    f, jf = scalar_fn(tree, mg), scalar_fn(tree, jnp)
    out, t = mg.jvp(f, (x,), (v,))
    j_out, j_t = jax.jvp(jf, (jnp.asarray(x),), (jnp.asarray(v),))
    close(out, j_out)
    close(t, j_t, rtol=1e-8, atol=1e-8)


@given(trees=st.lists(programs(3), min_size=2, max_size=2), x=points, v=points,
       u=hnp.arrays(np.float64, 2, elements=st.floats(-2, 2)))
def test_forward_and_reverse_agree(trees, x, v, u):
    """u . (J v) == (u^T J) . v for a map R^3 -> R^2."""
    def f(x):
        return mg.stack([scalar_fn(t, mg)(x) for t in trees])

    _, jv = mg.jvp(f, (x,), (v,))
    _, f_vjp = mg.vjp(f, x)
    (uj,) = f_vjp(u)
    close(np.dot(u, jv), np.dot(uj, v), rtol=1e-8, atol=1e-8)
    close(mg.jacfwd(f)(x), mg.jacrev(f)(x), rtol=1e-8, atol=1e-8)


@given(tree=programs(2), x=hnp.arrays(np.float64, (4,), elements=st.floats(-2, 2, allow_subnormal=False)),
       s=st.floats(-2, 2, allow_subnormal=False))
def test_array_programs_with_broadcasting(tree, x, s):
    """The same trees on an array and a broadcast scalar, summed at the end."""
    def f(m):
        return lambda x, s: m.sum(run(tree, m, [x, s]) * x)

    g = mg.grad(f(mg), argnums=(0, 1))(x, s)
    jg = jax.grad(f(jnp), argnums=(0, 1))(jnp.asarray(x), s)
    close(g, jg, rtol=1e-8, atol=1e-8)
    assert np.shape(g[0]) == (4,) and np.shape(g[1]) == ()
