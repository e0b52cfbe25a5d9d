"""Helpers that compare minigrad with JAX (float64) on the same inputs."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import minigrad as mg

RTOL, ATOL = 1e-9, 1e-9


def close(a, b, rtol: float = RTOL, atol: float = ATOL) -> None:
    """Assert two (nested) results agree in structure, shape, dtype and value
    (nan matches nan), with a readable message. `b` is the reference."""
    if isinstance(b, dict):
        assert isinstance(a, dict) and list(a) == list(b), (a, b)
        for k in b:
            close(a[k], b[k], rtol, atol)
        return
    if isinstance(a, (list, tuple)) and not isinstance(b, np.ndarray):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            close(x, y, rtol, atol)
        return
    a_arr, b_arr = np.asarray(a), np.asarray(b)
    assert a_arr.shape == b_arr.shape, f"shape {a_arr.shape} != reference shape {b_arr.shape}"
    if b_arr.dtype.kind == "f":
        assert a_arr.dtype == b_arr.dtype, f"dtype {a_arr.dtype} != reference dtype {b_arr.dtype}"
    np.testing.assert_allclose(a_arr, b_arr, rtol=rtol, atol=atol, equal_nan=True)


def to_jax(x):
    return jnp.asarray(x) if isinstance(x, np.ndarray) else x


def random_like(x, rng: np.random.Generator):
    """A random float or array of the same shape as `x`."""
    shape = np.shape(x)
    return float(rng.normal()) if shape == () else rng.normal(size=shape)


def check_jvp_vjp(mg_f, jax_f, args, seed: int = 0) -> None:
    """minigrad's value, JVP and VJP of `mg_f` at `args` match JAX's of `jax_f`."""
    rng = np.random.default_rng(seed)
    tangents = tuple(random_like(a, rng) for a in args)
    out, out_t = mg.jvp(mg_f, args, tangents)
    j_out, j_t = jax.jvp(jax_f, tuple(map(to_jax, args)), tuple(map(to_jax, tangents)))
    close(out, j_out)
    close(out_t, j_t)
    assert np.shape(out) == np.shape(j_out) and np.shape(out_t) == np.shape(j_t)

    ct = random_like(j_out, rng)
    out2, f_vjp = mg.vjp(mg_f, *args)
    j_out2, j_vjp = jax.vjp(jax_f, *map(to_jax, args))
    close(out2, j_out2)
    cts, j_cts = f_vjp(ct), j_vjp(to_jax(ct))
    close(cts, j_cts)
    for c, a in zip(cts, args):
        assert np.shape(c) == np.shape(a), "a cotangent has its primal's shape"
