"""minigrad.check_grads against jax.test_util.check_grads: same verdicts on right
and wrong rules, in both modes and to second order."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jax.test_util import check_grads as jax_check_grads

import minigrad as mg


def passes(check, *args, **kwargs) -> bool:
    try:
        check(*args, **kwargs)
        return True
    except AssertionError:
        return False


def smooth_mg(x, y):
    return mg.sin(x) * mg.exp(-0.1 * y * y) + mg.logsumexp(mg.stack([x, y]))


def smooth_jax(x, y):
    return jnp.sin(x) * jnp.exp(-0.1 * y * y) + jax.scipy.special.logsumexp(jnp.stack([x, y]))


points = st.floats(-3.0, 3.0, allow_nan=False)


@settings(max_examples=10)
@given(points, points)
def test_passes_on_correct_derivatives_like_jax(x, y):
    mg.check_grads(smooth_mg, (x, y), order=2, modes=("fwd", "rev"))
    jax_check_grads(smooth_jax, (x, y), order=2, modes=("fwd", "rev"))


def test_arrays_and_pytrees():
    x = np.linspace(-1.0, 1.0, 5)
    mg.check_grads(lambda p: mg.sum(mg.tanh(p["w"] * p["b"][0])), ({"w": x, "b": [0.7]},), order=2)
    mg.check_grads(lambda a: mg.matmul(a, a), (np.arange(4.0).reshape(2, 2) / 3,), order=1)


# sin with a wrong JVP rule (sign of the derivative flipped)
bad_sin = mg.Primitive("bad_sin", mg.sin, jvp=(lambda t, ans, x: -t * mg.cos(x),),
                       vjp=(lambda g, ans, x: -g * mg.cos(x),))


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_rejects_wrong_primitive_rule(mode):
    with pytest.raises(AssertionError, match="differs from central differences"):
        mg.check_grads(bad_sin, (0.5,), order=1, modes=(mode,))


# right first derivative, wrong second: the rule hides x from outer derivatives
frozen_sin = mg.Primitive("frozen_sin", mg.sin,
                          jvp=(lambda t, ans, x: t * mg.cos(mg.stop_gradient(x)),),
                          vjp=(lambda g, ans, x: g * mg.cos(mg.stop_gradient(x)),))


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_order_two_catches_a_wrong_second_derivative(mode):
    mg.check_grads(frozen_sin, (0.5,), order=1, modes=(mode,))
    with pytest.raises(AssertionError, match="order 2"):
        mg.check_grads(frozen_sin, (0.5,), order=2, modes=(mode,))


def _softplus_mg(x):
    return mg.log1p(mg.exp(x))


def _softplus_jax(x):
    return jnp.log1p(jnp.exp(x))


def _make_custom_vjps(sign):
    """softplus with a custom VJP g * sigmoid(sign * x): right for sign = +1."""
    f_mg = mg.custom_vjp(_softplus_mg)
    f_mg.defvjp(lambda x: (_softplus_mg(x), x), lambda x, g: (g * mg.sigmoid(sign * x),))
    f_jax = jax.custom_vjp(_softplus_jax)
    f_jax.defvjp(lambda x: (_softplus_jax(x), x), lambda x, g: (g * jax.nn.sigmoid(sign * x),))
    return f_mg, f_jax


@settings(max_examples=10)
@given(st.floats(0.3, 4.0))
def test_custom_vjp_verdicts_agree_with_jax(x):
    for sign in (1.0, -1.0):
        f_mg, f_jax = _make_custom_vjps(sign)
        ok_mg = passes(mg.check_grads, f_mg, (x,), order=1, modes=("rev",))
        ok_jax = passes(jax_check_grads, f_jax, (x,), order=1, modes=("rev",))
        assert ok_mg == ok_jax == (sign == 1.0)


def test_rule_that_ignores_the_cotangent_is_caught():
    """grad seeds g = 1, so a bwd that drops g looks right there; a random g does not."""
    f = mg.custom_vjp(lambda x: mg.logsumexp(x))  # (not logsumexp itself: its defaults are arguments too)
    f.defvjp(lambda x: (mg.logsumexp(x), mg.exp(x - mg.logsumexp(x))), lambda s, g: (s,))
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(mg.grad(f)(x), mg.grad(mg.logsumexp)(x), rtol=1e-14)
    with pytest.raises(AssertionError):
        mg.check_grads(f, (x,), order=1, modes=("rev",))


def test_custom_jvp_wrong_rule_is_caught():
    f = mg.custom_jvp(_softplus_mg)
    f.defjvp(lambda p, t: (f(p[0]), t[0] * mg.sigmoid(-p[0])))
    with pytest.raises(AssertionError):
        mg.check_grads(f, (1.5,), order=1)


def test_nan_gradient_behind_where_fails_in_reverse_only_like_jax():
    def f_mg(x):
        return mg.where(x > 0, mg.sqrt(x), 0.0)

    def f_jax(x):
        return jnp.where(x > 0, jnp.sqrt(x), 0.0)

    for mode, expected in [("fwd", True), ("rev", False)]:
        assert passes(mg.check_grads, f_mg, (-1.0,), order=1, modes=(mode,)) is expected
        assert passes(jax_check_grads, f_jax, (-1.0,), order=1, modes=(mode,)) is expected


def test_float32_defaults_and_explicit_tolerances():
    def f(x):
        return mg.sin(x) * mg.exp(-0.1 * x * x)

    x32 = np.float32(0.7)
    mg.check_grads(f, (x32,), order=1)  # float32 step and tolerance
    h64 = float(np.finfo(np.float64).eps) ** (1 / 3)
    mg.check_grads(f, (0.7,), order=1, eps=h64, atol=1e-5, rtol=1e-5)
    with pytest.raises(AssertionError):  # float64 step and tolerance on float32 values
        mg.check_grads(f, (x32,), order=1, eps=h64, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kwargs, message", [
    ({"order": 0}, "order must be a positive integer"),
    ({"modes": ("bwd",)}, "unknown mode"),
])
def test_bad_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mg.check_grads(mg.sin, (0.5,), **kwargs)
