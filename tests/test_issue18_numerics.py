"""Issue 18's numerical and type cases against JAX (x64): stable logsumexp / softplus /
sigmoid derivatives at any magnitude, complex values and bool outputs are errors,
mg.dot follows numpy.dot, abs at 0."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from exact import same
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

magnitudes = st.sampled_from([0.0, 1.0, 30.0, 40.0, 800.0, 1e12, 1e300, -1.0, -40.0, -800.0, -1e12, -1e300])


@settings(max_examples=30)
@given(c=magnitudes, d=hnp.arrays(np.float64, (3,), elements=st.floats(-3, 3)))
def test_logsumexp_derivatives_from_shifted_inputs(c, d):
    """Near c + d with |c| up to 1e300: the derivatives depend on d only (softmax of d)."""
    x = c + d
    same(mg.logsumexp(x), jax.nn.logsumexp(x))
    same(mg.grad(mg.logsumexp)(x), jax.grad(jax.nn.logsumexp)(x), rtol=1e-12, atol=1e-15)
    same(mg.hessian(mg.logsumexp)(x), jax.hessian(jax.nn.logsumexp)(x), rtol=1e-12, atol=1e-15)
    X = np.stack([x, x[::-1]])
    same(
        mg.grad(lambda X: mg.sum(mg.logsumexp(X, axis=1) ** 2))(X),
        jax.grad(lambda X: jnp.sum(jax.nn.logsumexp(X, axis=1) ** 2))(X),
        rtol=1e-12,
        atol=1e-15,
    )
    same(mg.vmap(mg.grad(mg.logsumexp))(X), jax.vmap(jax.grad(jax.nn.logsumexp))(X), rtol=1e-12, atol=1e-15)


def test_issue_logsumexp_cases():
    for v in (1e12, 1e300):
        x = np.array([v, v])
        same(mg.grad(mg.logsumexp)(x), np.array([0.5, 0.5]), rtol=0, atol=0)
        same(mg.hessian(mg.logsumexp)(x), np.array([[0.25, -0.25], [-0.25, 0.25]]), rtol=0, atol=0)


def _exact_derivatives(x):
    """The first three derivatives of softplus and of sigmoid at x, in 60-digit arithmetic."""
    import mpmath

    with mpmath.workdps(60):
        X = mpmath.mpf(x)
        s, t = 1 / (1 + mpmath.exp(-X)), 1 / (1 + mpmath.exp(X))  # sigma(x), sigma(-x)
        st_ = s * t
        softplus = [s, st_, st_ * (t - s)]
        sigmoid = [st_, st_ * (t - s), st_ * ((t - s) ** 2 - 2 * st_)]
        return [float(v) for v in softplus], [float(v) for v in sigmoid]


@settings(max_examples=30)
@given(x=magnitudes)
def test_softplus_and_sigmoid_at_any_magnitude(x):
    """Values as JAX's; derivatives up to third order against 60-digit references
    (JAX's sigmoid derivative s (1 - s) loses digits for large x, and is 0 beyond x = 37)."""
    same(mg.softplus(x), float(jax.nn.softplus(x)))
    same(mg.sigmoid(x), float(jax.nn.sigmoid(x)))
    for m, exact in zip((mg.softplus, mg.sigmoid), _exact_derivatives(x)):
        f = m
        for order in range(3):
            f = mg.grad(f)
            np.testing.assert_allclose(f(x), exact[order], rtol=1e-12, atol=1e-300)
    xs = np.array([-1e300, -50.0, 0.0, 50.0, 1e300])
    same(mg.vmap(mg.grad(mg.softplus))(xs), jax.vmap(jax.grad(jax.nn.softplus))(xs))


def test_complex_values_are_errors():
    for run in (
        lambda: mg.sum(np.array([1 + 2j, 3j])),
        lambda: mg.sum([1 + 2j, 3j]),
        lambda: mg.exp(np.complex128(1j)),
        lambda: mg.grad(lambda x: mg.abs(mg.exp(1j * x)))(0.3),
        lambda: mg.jvp(lambda x: x * (1 + 1j), (1.0,), (1.0,)),
        lambda: mg.vmap(lambda x: x * 1j)(np.ones(2)),
        lambda: mg.grad(mg.sin)(np.array(1j)),
    ):
        with pytest.raises(TypeError, match="real-valued|real floating"):
            run()


def test_grad_of_bool_or_int_output_is_a_type_error():
    for f in (lambda x: x > 0, lambda x: 1):
        for m, j in ((mg.grad, jax.grad), (mg.jacrev, jax.jacrev), (mg.value_and_grad, jax.value_and_grad)):
            with pytest.raises(TypeError):
                j(f)(1.0)
            with pytest.raises(TypeError, match="real-valued"):
                m(f)(1.0)


@settings(max_examples=30)
@given(nx=st.integers(0, 3), ny=st.integers(0, 3), data=st.data())
def test_dot_follows_numpy_dot(nx, ny, data):
    k = data.draw(st.integers(1, 3))
    xs = tuple(data.draw(st.lists(st.integers(1, 3), min_size=max(nx - 1, 0), max_size=max(nx - 1, 0)))) + (
        k,
    )
    ys = tuple(data.draw(st.lists(st.integers(1, 3), min_size=max(ny - 2, 0), max_size=max(ny - 2, 0))))
    ys = ys + ((k,) if ny == 1 else (k, data.draw(st.integers(1, 3))) if ny >= 2 else ())
    xs = xs[-nx:] if nx else ()
    rng = np.random.default_rng(nx * 10 + ny)
    x, y = rng.normal(size=xs), rng.normal(size=ys)
    if nx == 0:
        x = float(x)
    if ny == 0:
        y = float(y)
    same(mg.dot(x, y), np.dot(x, y), rtol=1e-12, atol=1e-12)
    same(mg.dot(x, y), jnp.dot(x, y), rtol=1e-12, atol=1e-12)
    f = lambda lib: lambda x, y: lib.sum(lib.dot(x, y) ** 2)  # noqa: E731
    same(mg.grad(f(mg), (0, 1))(x, y), jax.grad(f(jnp), (0, 1))(x, y), rtol=1e-10, atol=1e-12)


def test_issue_dot_case():
    a, b = np.ones((2, 2, 3)), np.ones((2, 3, 4))
    assert mg.dot(a, b).shape == np.dot(a, b).shape == (2, 2, 2, 4)
    with pytest.raises(ValueError, match="not aligned"):
        mg.dot(np.ones((2, 2, 3)), np.ones((2, 4, 4)))


def test_abs_at_zero_is_jax_convention():
    same(mg.grad(mg.abs)(0.0), jax.grad(jnp.abs)(0.0))
    same(mg.grad(mg.abs)(-0.5), jax.grad(jnp.abs)(-0.5))
