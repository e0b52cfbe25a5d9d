"""The elementwise functions of issue 19 against JAX x64: values, JVPs, VJPs,
second derivatives and vmap, with hypothesis drawing values (and ties for
fmax/fmin, integers for the piecewise-constant functions)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from against_jax import check
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from reference import close

import minigrad as mg


def floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_subnormal=False)


def arrays(lo, hi, shape, elements=None):
    return hnp.arrays(np.float64, shape, elements=floats(lo, hi) if elements is None else elements)


# name: value range (inside the domain, away from the poles)
UNARY = {
    "tan": (-1.2, 1.2),
    "sinh": (-3, 3),
    "cosh": (-3, 3),
    "arcsin": (-0.9, 0.9),
    "arccos": (-0.9, 0.9),
    "arctan": (-5, 5),
    "arcsinh": (-5, 5),
    "arccosh": (1.1, 5),
    "arctanh": (-0.9, 0.9),
    "log2": (0.1, 5),
    "log10": (0.1, 5),
    "exp2": (-3, 3),
    "square": (-3, 3),
    "reciprocal": (0.2, 3),
    "fabs": (0.1, 3),
    "sinc": (0.2, 3),
    "deg2rad": (-360, 360),
    "rad2deg": (-7, 7),
}
BINARY = {
    "arctan2": ((-3, 3), (0.1, 3)),
    "hypot": ((0.1, 3), (-3, -0.1)),
    "logaddexp": ((-5, 5), (-5, 5)),
    "logaddexp2": ((-5, 5), (-5, 5)),
    "mod": ((-5, 5), (0.3, 2)),
    "remainder": ((-5, 5), (-2, -0.3)),
}
JNP_NAMES = {"mod": "remainder"}


def _pair(name):
    return getattr(mg, name), getattr(jnp, JNP_NAMES.get(name, name))


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=4)
@given(data=st.data())
def test_unary(name, data):
    f, jf = _pair(name)
    lo, hi = UNARY[name]
    shape = data.draw(st.sampled_from([(3,), (2, 3)]))
    x, b = data.draw(arrays(lo, hi, shape)), data.draw(arrays(lo, hi, shape))
    check(f, jf, (x,), batch=(b,))
    s = data.draw(floats(lo, hi))
    close(f(s), jf(s))
    close(mg.grad(mg.grad(f))(s), jax.grad(jax.grad(jf))(s), 1e-8, 1e-8)


@pytest.mark.parametrize("name", BINARY)
@settings(max_examples=4)
@given(data=st.data())
def test_binary_with_broadcasting(name, data):
    f, jf = _pair(name)
    (lx, hx), (ly, hy) = BINARY[name]
    sx, sy = data.draw(st.sampled_from([((2, 3), (3,)), ((2, 1), (1, 3))]))
    x, y = data.draw(arrays(lx, hx, sx)), data.draw(arrays(ly, hy, sy))
    bx, by = data.draw(arrays(lx, hx, sx)), data.draw(arrays(ly, hy, sy))
    check(f, jf, (x, y), batch=(bx, by))
    s, u = data.draw(floats(lx, hx)), data.draw(floats(ly, hy))
    close(f(s, u), jf(s, u))
    close(
        mg.grad(mg.grad(f, argnums=1), argnums=(0, 1))(s, u),
        jax.grad(jax.grad(jf, argnums=1), argnums=(0, 1))(s, u),
    )


gridded = st.sampled_from([-2.0, -1.0, 0.0, 0.5, 1.0, 3.0])


@pytest.mark.parametrize("name", ["fmax", "fmin"])
@settings(max_examples=10)
@given(x=arrays(0, 0, (2, 3), gridded), y=arrays(0, 0, (3,), gridded))
def test_fmax_fmin_ties_go_as_in_jax(name, x, y):
    f, jf = _pair(name)
    check(f, jf, (x, y), batch=(y * np.ones((2, 3)), x[0]), order2=False)
    nan = np.array([np.nan, 1.0, np.nan])
    close(f(nan, np.array([2.0, np.nan, np.nan])), jf(nan, np.array([2.0, np.nan, np.nan])))
    close(
        mg.grad(lambda a: mg.sum(f(a, nan)))(np.ones(3)), jax.grad(lambda a: jnp.sum(jf(a, nan)))(np.ones(3))
    )


@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "round", "trunc"])
@settings(max_examples=8)
@given(x=arrays(-3, 3, (2, 3), st.one_of(floats(-3, 3), st.sampled_from([-1.5, -1.0, 0.0, 0.5, 2.5]))))
def test_piecewise_constant_functions_have_derivative_zero(name, x):
    f, jf = _pair(name)
    check(f, jf, (x,), batch=(-x,))
    assert mg.jvp(f, (1.3,), (np.inf,))[1] == 0.0  # exactly zero, not 0 * inf


@settings(max_examples=8)
@given(x=arrays(-5, 5, (2, 3)), y=arrays(0.3, 2, (3,)))
def test_floor_divide_and_its_operator(x, y):
    check(_floor_divide, _floor_divide, (x, y), batch=(-x, y + 0.5))
    check(mg.floor_divide, jnp.floor_divide, (x, -y), order2=False)
    close(mg.grad(lambda b: mg.sum(np.full(3, 7.5) // b))(y), np.zeros(3))  # ndarray // traced


def _floor_divide(a, b):
    return a // b


def test_round_with_decimals_and_halves_to_even():
    x = np.array([0.5, 1.5, 2.5, -0.5, 1.26, -2.345])
    close(mg.round(x), jnp.round(x))
    close(mg.round(x, 1), np.round(x, 1))
    close(x.round(1), mg.vmap(lambda v: v.round(1))(x))


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_sinc_derivatives_at_zero_and_near_it(k):
    f, jf = mg.sinc, jnp.sinc
    for _ in range(k):
        f, jf = mg.grad(f), jax.grad(jf)
    for x in (0.0, 0.3, -1.7):
        close(f(x), jf(x), 1e-8, 1e-8)


def _mod(a, b):
    return a % b


@settings(max_examples=10)
@given(x=arrays(-5, 5, (3,)), y=floats(0.3, 3))
def test_the_mod_operator(x, y):
    check(_mod, _mod, (x, y), batch=(-x, 2 * y))
    close(mg.grad(lambda b: mg.sum(x % b))(y), jax.grad(lambda b: jnp.sum(x % b))(y))  # array % traced
    close(mg.grad(lambda b: 7.5 % b)(y), jax.grad(lambda b: 7.5 % b)(y))


def test_numpy_functions_on_traced_values_name_minigrads():
    x = np.ones(3)
    cases = {
        "minigrad.sin": lambda v: np.sin(v),
        "minigrad.tan": lambda v: np.tan(v),
        "minigrad.sum": lambda v: np.sum(v),
        "minigrad.cumsum": lambda v: np.cumsum(v),
        "minigrad.einsum": lambda v: np.einsum("i,i", v, v),
        "minigrad.linalg.norm": lambda v: np.linalg.norm(v),
        "minigrad.concatenate": lambda v: np.concatenate([v, v]),
        "minigrad's operations": lambda v: np.nanmean(v),
    }
    for name, f in cases.items():
        with pytest.raises(TypeError, match=name.replace(".", r"\.")):
            mg.grad(lambda v, f=f: mg.sum(f(v)))(x)
    with pytest.raises(TypeError, match=r"minigrad\.linalg\.solve"):
        mg.grad(lambda a: mg.sum(np.linalg.solve(a, x)))(np.eye(3))
    close(mg.grad(lambda v: mg.sum(np.remainder(np.full(3, 5.0), v)))(x + 1.0), np.full(3, -2.0))  # runs mod
    seen = []
    mg.grad(lambda v: seen.append((np.shape(v), np.ndim(v), np.size(v), np.iscomplexobj(v))) or mg.sum(v))(x)
    assert seen == [((3,), 1, 3, False)]
