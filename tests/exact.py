"""Exact comparison with JAX (float64): structure, shape, dtype and value.

JAX compiles each function once per input shape, and that compilation, not the
arithmetic, is what the tests spend their time on. So the JAX references are
jit-compiled once per (function, shape) and cached here; tests pass the same
module-level JAX function for every example they draw.
"""

from __future__ import annotations

import jax
import numpy as np

import minigrad as mg

TOL = 1e-9
_COMPILED: dict = {}


def same(a, b, rtol: float = TOL, atol: float = TOL) -> None:
    """minigrad's `a` and JAX's `b` agree in structure, shape, dtype and value."""
    if isinstance(b, (list, tuple)):
        assert isinstance(a, (list, tuple)) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            same(x, y, rtol, atol)
        return
    a_arr, b_arr = np.asarray(a), np.asarray(b)
    assert a_arr.shape == b_arr.shape, f"shape {a_arr.shape} != JAX's {b_arr.shape}"
    assert a_arr.dtype == b_arr.dtype, f"dtype {a_arr.dtype} != JAX's {b_arr.dtype}"
    np.testing.assert_allclose(a_arr, b_arr, rtol=rtol, atol=atol)


def compiled(key, make):
    """`make()` jit-compiled, cached under `key`."""
    if key not in _COMPILED:
        _COMPILED[key] = jax.jit(make())
    return _COMPILED[key]


def rand_like(x, rng: np.random.Generator):
    return float(rng.normal()) if np.ndim(x) == 0 else rng.normal(size=np.shape(x))


def _modes(jax_f):
    def modes(args, tangents, cotangent):
        y, t = jax.jvp(jax_f, args, tangents)
        return y, t, jax.vjp(jax_f, *args)[1](cotangent)

    return modes


def all_modes(mg_f, jax_f, args: tuple, seed: int = 0, rtol: float = TOL, atol: float = TOL) -> None:
    """Value, JVP and VJP of `mg_f` at `args` equal JAX's of `jax_f` (a module-level
    function, so its compilation is reused)."""
    rng = np.random.default_rng(seed)
    y = mg_f(*args)
    ts = tuple(rand_like(a, rng) for a in args)
    ct = rand_like(y, rng)
    jy, jt, jcts = compiled(("modes", jax_f), lambda: _modes(jax_f))(args, ts, ct)
    same(y, jy, rtol, atol)
    same(mg.jvp(mg_f, args, ts), (jy, jt), rtol, atol)
    same(mg.vjp(mg_f, *args)[1](ct), jcts, rtol, atol)
