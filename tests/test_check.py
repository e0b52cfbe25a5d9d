"""check_grads: it passes on correct derivatives (built-in and custom rules) and
rejects wrong rules, naming the mode, the order and the relative error."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

xs = st.floats(-2, 2, allow_nan=False, allow_subnormal=False)
vectors = hnp.arrays(np.float64, (3,), elements=xs)
matrices = hnp.arrays(np.float64, (2, 3), elements=xs)


def _model(w, b, x):
    return mg.sum(mg.sigmoid(x @ w + b) ** 2) + mg.logsumexp(w) * mg.prod(mg.tanh(b))


@settings(max_examples=10)
@given(x=xs, y=xs, w=vectors, m=matrices)
def test_passes_on_correct_functions(x, y, w, m):
    assert mg.check_grads(lambda a, b: mg.sin(a) * b + mg.exp(a * b / 4.0), (x, y), order=2) is None
    mg.check_grads(_model, (w, np.array([0.5, -0.2]), m), order=2)
    mg.check_grads(lambda t: {"u": t["a"] * mg.cos(t["b"]), "v": (t["b"] ** 3,)},
                   ({"a": w, "b": x},), order=2)
    mg.check_grads(lambda a: mg.vmap(lambda r: mg.sum(mg.sin(r) * r))(a), (m,), order=2)


def test_passes_on_correct_custom_rules():
    circle = mg.Primitive("circle", lambda x: float(np.sqrt(1.0 - x * x)))
    circle.defjvp(lambda t, y, x: t * (-x / y))  # implicit function theorem on x^2 + y^2 = 1
    circle.defvjp(lambda g, y, x: g * (-x / y))
    mg.check_grads(circle, (0.3,), order=3)

    @mg.custom_jvp
    def softplus(x):
        return mg.log1p(mg.exp(x))

    softplus.defjvp(lambda p, t: (softplus(*p), t[0] * mg.sigmoid(p[0])))
    mg.check_grads(softplus, (0.7,), order=3)
    mg.check_grads(mg.checkpoint(lambda v: mg.sum(mg.sin(mg.sin(v)))), (np.ones(3),), order=2, modes=("rev",))
    mg.check_grads(lambda v: mg.sum(v**2), (np.ones(3, dtype=np.float32),), order=1)  # float32 step/tolerance


def _wrong_jvp():
    p = mg.Primitive("sin_wrong_jvp", mg.sin)
    p.defjvp(lambda t, ans, x: t * mg.sin(x))  # should be cos
    p.defvjp(lambda g, ans, x: g * mg.cos(x))
    return p


def _wrong_vjp():
    p = mg.Primitive("sin_wrong_vjp", mg.sin)
    p.defjvp(lambda t, ans, x: t * mg.cos(x))
    p.defvjp(lambda g, ans, x: -g * mg.cos(x))  # a sign error
    return p


@settings(max_examples=10)
@given(x=st.floats(0.3, 1.2))
def test_rejects_a_wrong_jvp_and_a_wrong_vjp(x):
    with pytest.raises(AssertionError, match=r"JVP \(order 1\) differs .* relative error [0-9.e+-]+"):
        mg.check_grads(_wrong_jvp(), (x,), order=1)
    mg.check_grads(_wrong_jvp(), (x,), order=1, modes=("rev",))  # its VJP is right
    with pytest.raises(AssertionError, match=r"VJP \(order 1\) differs .* relative error [0-9.e+-]+"):
        mg.check_grads(_wrong_vjp(), (x,), order=1)
    mg.check_grads(_wrong_vjp(), (x,), order=1, modes=("fwd",))  # its JVP is right


def test_rejects_a_wrong_second_derivative_only_at_order_2():
    p = mg.Primitive("sin_flat_rule", mg.sin)
    p.defjvp(lambda t, ans, x: t * mg.cos(mg.stop_gradient(x)))  # right value, derivative of the rule lost
    p.defvjp(lambda g, ans, x: g * mg.cos(mg.stop_gradient(x)))
    mg.check_grads(p, (0.5,), order=1)
    with pytest.raises(AssertionError, match=r"JVP of JVP \(order 2\)"):
        mg.check_grads(p, (0.5,), order=2, modes=("fwd",))
    with pytest.raises(AssertionError, match=r"VJP of VJP \(order 2\)"):
        mg.check_grads(p, (0.5,), order=2, modes=("rev",))


@settings(max_examples=5)
@given(m=matrices, v=vectors)
def test_rejects_a_custom_vjp_that_forgets_a_transpose(m, v):
    @mg.custom_vjp
    def matvec(a, x):
        return a @ x

    def bwd(res, g):
        a, x = res
        return mg.reshape(g, (2, 1)) * x, mg.reshape(a, (3, 2)) @ g  # the bug: a reshape, not a.T @ g

    matvec.defvjp(lambda a, x: (a @ x, (a, x)), bwd)
    with pytest.raises(AssertionError, match="VJP"):
        mg.check_grads(matvec, (m + 10.0 * np.arange(6.0).reshape(2, 3), v), order=1, modes=("rev",))


def test_arguments():
    mg.check_grads(_wrong_jvp(), (0.5,), order=1, modes=("fwd",), atol=10.0)  # a loose tolerance lets it pass
    mg.check_grads(mg.sin, (0.5,), order=1, eps=1e-3, rtol=1e-4)
    with pytest.raises(ValueError, match="unknown mode 'bwd'"):
        mg.check_grads(mg.sin, (0.5,), modes=("bwd",))
    with pytest.raises(ValueError, match="positive integer"):
        mg.check_grads(mg.sin, (0.5,), order=0)
