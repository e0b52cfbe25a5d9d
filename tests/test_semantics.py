"""Semantics that must match JAX beyond smooth inputs: IEEE edge points, dtypes,
pytrees, has_aux and keyword arguments, leaked tracers, threads, and the
custom-primitive hook."""

from __future__ import annotations

import dataclasses
import math
import threading
import warnings
from collections import OrderedDict, namedtuple

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from reference import close

import minigrad as mg
from minigrad.core import UnexpectedTracerError

# --- IEEE semantics on the Python-float fast path ------------------------------------------

# (minigrad function, JAX function, point): value and gradient at an edge point
EDGES = {
    "norm_at_0": (lambda m: lambda x: m.sqrt(m.sum(x * x)), np.zeros(3)),
    "sqrt_at_0": (lambda m: lambda x: m.sqrt(x), 0.0),
    "sqrt_neg": (lambda m: lambda x: m.sqrt(x), -1.0),
    "div_by_0": (lambda m: lambda x: x / 0.0, 1.0),
    "recip_at_0": (lambda m: lambda x: 1.0 / x, 0.0),
    "exp_overflow": (lambda m: lambda x: m.exp(x), 1000.0),
    "log_at_0": (lambda m: lambda x: m.log(x), 0.0),
    "log_neg": (lambda m: lambda x: m.log(x), -1.0),
    "zero_pow_y": (lambda m: lambda y: 0.0**y, 2.0),
    "zero_pow_neg_y": (lambda m: lambda y: 0.0**y, -1.5),
    "x_pow_half_at_0": (lambda m: lambda x: x**0.5, 0.0),
    "x_pow_neg_at_0": (lambda m: lambda x: x**-1, 0.0),
    "x_pow_neg2_at_neg0": (lambda m: lambda x: x**-2, -0.0),
    "x_pow_0_at_0": (lambda m: lambda x: x**0 + x, 0.0),
    "neg_base_int_pow": (lambda m: lambda x: x**3, -2.0),
    "neg_base_float_exponent": (lambda m: lambda x: x**2.0, -2.0),
    "neg_base_fractional": (lambda m: lambda x: x**0.5, -4.0),
    "square_overflow": (lambda m: lambda x: x**2, 1e200),
    "abs_at_0": (lambda m: lambda x: m.abs(x), 0.0),
    "abs_at_neg0": (lambda m: lambda x: m.abs(x), -0.0),
    "sin_inf": (lambda m: lambda x: m.sin(x), math.inf),
    "tanh_inf": (lambda m: lambda x: m.tanh(x), math.inf),
}


@pytest.mark.parametrize("name", EDGES)
@pytest.mark.parametrize("as_array", [False, True], ids=["float", "array1"])
def test_edge_points_match_jax_without_warnings(name, as_array):
    """Same inf/nan as JAX, for a float and a 1-element array, and silently."""
    make, x = EDGES[name]
    if as_array and np.ndim(x) == 0:
        x = np.array([x])
        f, jf = (lambda g: lambda v: make(mg)(v)[0])(make), (lambda v: make(jnp)(v)[0])
    else:
        f, jf = make(mg), make(jnp)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, g = mg.value_and_grad(f)(x)
        t = mg.jvp(f, (x,), (np.ones_like(x) if np.ndim(x) else 1.0,))[1]
    j_value, j_g = jax.value_and_grad(jf)(jnp.asarray(x))
    close(value, j_value)
    close(g, j_g)
    close(t, jax.jvp(jf, (jnp.asarray(x),), (jnp.ones_like(jnp.asarray(x)),))[1])


def test_plain_calls_on_floats_follow_ieee():
    assert mg.exp(1000.0) == math.inf and math.isnan(mg.log(-1.0)) and mg.log(0.0) == -math.inf
    assert math.isnan(mg.sqrt(-1.0)) and mg.power(0.0, -1) == math.inf and (0.0 ** mg.exp(0.0)) == 0.0


def test_abs_derivative_at_zero_is_one_as_in_jax():
    assert mg.grad(mg.abs)(0.0) == float(jax.grad(jnp.abs)(0.0)) == 1.0
    close(mg.grad(lambda x: mg.sum(mg.abs(x)))(np.array([-1.0, 0.0, 2.0])),
          jax.grad(lambda x: jnp.sum(jnp.abs(x)))(jnp.array([-1.0, 0.0, 2.0])))


# --- dtypes -----------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.float64])
def test_gradients_come_back_in_the_input_dtype(dtype):
    x = np.array([0.5, -1.0, 2.0], dtype=dtype)
    f = lambda m: lambda v: m.sum(m.sin(v) * v)
    g, jg = mg.grad(f(mg))(x), jax.grad(f(jnp))(jnp.asarray(x))
    close(g, jg, rtol=1e-2 if dtype == np.float16 else 1e-6, atol=1e-3)
    s = dtype(0.7)  # numpy scalar types
    close(mg.grad(f(mg))(s), jax.grad(f(jnp))(s), rtol=1e-2, atol=1e-3)
    y, t = mg.jvp(f(mg), (x,), (np.ones_like(x),))
    jy, jt = jax.jvp(f(jnp), (jnp.asarray(x),), (jnp.ones_like(jnp.asarray(x)),))
    close(y, jy, rtol=1e-2, atol=1e-3)
    close(t, jt, rtol=1e-2, atol=1e-3)
    J = mg.jacrev(f(mg))(x)
    assert J.dtype == jax.jacrev(f(jnp))(jnp.asarray(x)).dtype == dtype


def test_float64_dominates_mixed_inputs():
    g = mg.grad(lambda a, b: mg.sum(a * b), argnums=(0, 1))(np.ones(2, np.float32), np.ones(2))
    jg = jax.grad(lambda a, b: jnp.sum(a * b), argnums=(0, 1))(jnp.ones(2, jnp.float32), jnp.ones(2))
    close(g, jg)


def test_complex_output_of_grad_is_a_type_error():
    with pytest.raises(TypeError, match="real-valued"):
        mg.grad(lambda x: x * 1j)(1.0)


# --- pytrees ----------------------------------------------------------------

Point = namedtuple("Point", "x y")


@dataclasses.dataclass
class Params:
    w: np.ndarray
    b: float


def test_namedtuples_none_leaves_and_ordered_dicts():
    p = Point(2.0, np.array([1.0, 3.0]))
    g = mg.grad(lambda p: p.x * mg.sum(p.y))(p)
    assert type(g) is Point
    close(tuple(g), tuple(jax.grad(lambda p: p.x * jnp.sum(p.y))(Point(2.0, jnp.array([1.0, 3.0])))))
    g = mg.grad(lambda t: t[0] * 3.0)((2.0, None, [None]))
    assert g == (3.0, None, [None]) == jax.grad(lambda t: t[0] * 3.0)((2.0, None, [None]))
    od = OrderedDict([("z", 2.0), ("a", 5.0)])
    g = mg.grad(lambda d: d["z"] * d["a"])(od)
    assert type(g) is OrderedDict and list(g) == ["z", "a"] and dict(g) == {"z": 5.0, "a": 2.0}
    g = mg.grad(lambda d: d["z"] * d["a"])({"z": 2.0, "a": 5.0})  # plain dicts: sorted keys, as JAX
    assert list(g) == list(jax.grad(lambda d: d["z"] * d["a"])({"z": 2.0, "a": 5.0})) == ["a", "z"]


def test_dataclasses_are_containers():
    g = mg.grad(lambda p: mg.sum(p.w * p.w) + p.b)(Params(np.array([1.0, 2.0]), 0.5))
    assert type(g) is Params
    close(g.w, np.array([2.0, 4.0]))
    assert g.b == 1.0


def test_jvp_and_vjp_outputs_keep_their_structure():
    f = lambda x: Point(x * 2.0, {"s": mg.sin(x), "n": None})
    y, t = mg.jvp(f, (1.0,), (1.0,))
    assert type(y) is Point and type(t) is Point and t.y["n"] is None
    close(t.y["s"], math.cos(1.0))
    y, f_vjp = mg.vjp(f, 1.0)
    (ct,) = f_vjp(Point(1.0, {"s": 1.0, "n": None}))
    close(ct, 2.0 + math.cos(1.0))


# --- has_aux and keyword arguments ----------------------------------------------


def loss(m):
    def f(x, scale=1.0):
        y = m.sum(x * x) * scale
        return y, {"y": y, "x": x}

    return f


def test_has_aux_everywhere_as_jax():
    x, jx = np.array([1.0, -2.0]), jnp.array([1.0, -2.0])
    g, aux = mg.grad(loss(mg), has_aux=True)(x)
    jg, jaux = jax.grad(loss(jnp), has_aux=True)(jx)
    close(g, jg)
    close(aux, jaux)
    assert not isinstance(aux["y"], mg.Tracer)
    (v, aux), g = mg.value_and_grad(loss(mg), has_aux=True)(x)
    (jv, jaux), jg = jax.value_and_grad(loss(jnp), has_aux=True)(jx)
    close((v, aux, g), (jv, jaux, jg))
    y, f_vjp, aux = mg.vjp(loss(mg), x, has_aux=True)
    jy, j_vjp, jaux = jax.vjp(loss(jnp), jx, has_aux=True)
    close((y, aux, f_vjp(2.0)), (jy, jaux, j_vjp(2.0)))
    y, t, aux = mg.jvp(loss(mg), (x,), (x,), has_aux=True)
    close((y, t, aux), jax.jvp(loss(jnp), (jx,), (jx,), has_aux=True))
    for ours, theirs in ((mg.jacfwd, jax.jacfwd), (mg.jacrev, jax.jacrev), (mg.hessian, jax.hessian)):
        close(ours(loss(mg), has_aux=True)(x), theirs(loss(jnp), has_aux=True)(jx))


def test_keyword_arguments_pass_through_undifferentiated():
    x = np.array([1.0, -2.0])
    close(mg.grad(lambda x, scale: mg.sum(x) * scale)(x, scale=3.0), np.full(2, 3.0))
    close(mg.grad(loss(mg), has_aux=True)(x, scale=3.0)[0], 6.0 * x)
    close(mg.jacrev(lambda x, scale: x * scale)(x, scale=2.0), 2.0 * np.eye(2))
    close(mg.jacfwd(lambda x, scale: x * scale)(x, scale=2.0), 2.0 * np.eye(2))


# --- leaked tracers ---------------------------------------------------------------------


def test_a_leaked_tracer_is_an_error_not_a_gradient():
    leaked = []

    def f(x):
        leaked.append(x)
        return x * x

    assert mg.grad(f)(3.0) == 6.0
    mg.jvp(f, (3.0,), (1.0,))
    for t in leaked:
        with pytest.raises(UnexpectedTracerError, match="leaked"):
            mg.grad(lambda y, t=t: t * y)(2.0)  # would record onto a dead tape
        with pytest.raises(UnexpectedTracerError):
            mg.grad(lambda y, t=t: y * t)(2.0)
        with pytest.raises(UnexpectedTracerError):
            mg.grad(lambda y, t=t: t + 0.0 * y)(2.0)
        with pytest.raises(UnexpectedTracerError):
            mg.jvp(lambda y, t=t: t, (2.0,), (1.0,))  # returned as the output
        with pytest.raises(UnexpectedTracerError):
            mg.sin(t)


def test_tracers_of_live_outer_transformations_are_fine():
    # the inner grad's output depends on the outer tracer x only: a constant to it
    assert mg.grad(lambda x: mg.grad(lambda y: x * x)(1.0) + x)(2.0) == 1.0


# --- threads --------------------------------------------------------------------------


def test_two_threads_differentiating_nested_functions_at_once():
    """d/dx [x * d/dy (x*y)] = 2x, with both threads inside their nesting at once."""
    barrier, results, errors = threading.Barrier(2), {}, []

    def work(name, x0):
        def inner(x):
            def g(y):
                barrier.wait(timeout=10)  # both threads are now inside two transformations
                return x * y
            return x * mg.grad(g)(1.0)

        try:
            results[name] = [mg.grad(inner)(x0 + k) for k in range(5)]
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n, x0)) for n, x0 in (("a", 2.0), ("b", 10.0))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert results == {"a": [4.0, 6.0, 8.0, 10.0, 12.0], "b": [20.0, 22.0, 24.0, 26.0, 28.0]}
    assert mg.core.trace_stack() == []


# --- the custom-primitive hook -----------------------------------------------------------


def test_linear_primitives_in_both_forms():
    twice = lambda x: 2.0 * x
    a = mg.Primitive("twice_a", twice, jvp=mg.LINEAR, vjp=(lambda g, ans, x: 2.0 * g,))
    b = mg.Primitive("twice_b", twice).defjvp(mg.LINEAR).defvjp(lambda g, ans, x: 2.0 * g)
    for p in (a, b):
        assert p.jvp is mg.LINEAR
        assert mg.jvp(lambda x, p=p: p(x * x), (3.0,), (1.0,)) == (18.0, 12.0)
        assert mg.grad(lambda x, p=p: p(x * x))(3.0) == 12.0
        assert mg.grad(mg.grad(lambda x, p=p: p(x * x * x)))(1.0) == 12.0


def test_a_vjp_rule_with_the_wrong_shape_is_an_error_naming_it():
    bad = mg.Primitive("forgets_transpose", lambda x: x.T)
    bad.defjvp(mg.LINEAR).defvjp(lambda g, ans, x: g)  # should be g.T
    with pytest.raises(ValueError, match="'forgets_transpose'.*shape \\(3, 2\\).*shape \\(2, 3\\)"):
        mg.grad(lambda x: mg.sum(bad(x) * np.arange(6.0).reshape(3, 2)))(np.ones((2, 3)))
    bad_jvp = mg.Primitive("bad_jvp", lambda x: x.T).defjvp(lambda t, ans, x: t)
    with pytest.raises(ValueError, match="'bad_jvp'"):
        mg.jvp(bad_jvp, (np.ones((2, 3)),), (np.ones((2, 3)),))


# --- clear messages for numpy and math functions on traced values --------------------------


def test_numpy_and_math_functions_on_tracers_point_to_minigrad():
    x = np.ones(3)
    with pytest.raises(TypeError, match="np.sum.*minigrad.sum"):
        mg.grad(lambda v: np.sum(v))(x)
    with pytest.raises(TypeError, match="np.mean.*minigrad.mean"):
        mg.grad(lambda v: np.mean(v))(x)
    with pytest.raises(TypeError, match="np.exp.*minigrad.exp"):
        mg.grad(lambda v: mg.sum(np.exp(v)))(x)
    with pytest.raises(TypeError, match="minigrad.sin"):
        mg.grad(lambda v: math.sin(v))(1.0)
    # numpy arithmetic with a tracer operand still runs minigrad's primitives
    c = np.array([1.0, 2.0, 3.0])
    close(mg.grad(lambda v: mg.sum(c * v + c / v - c**v + (c @ v)))(x),
          jax.grad(lambda v: jnp.sum(c * v + c / v - c**v + (c @ v)))(jnp.asarray(x)))
    assert mg.grad(lambda v: v * 2.0 if np.float64(1.0) < v else v)(2.0) == 2.0
