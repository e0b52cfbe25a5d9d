"""One check of a function against JAX (float64) in every mode, for the functions
of issue 19: value, JVP, VJP, a second derivative (Hessian-vector product of a
scalar loss) and vmap (of the function and of its gradient).

The JAX references are jit-compiled once per function and input shape (the
compilation, not the arithmetic, is what costs), so tests draw shapes and axes
from small sets."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from reference import close

import minigrad as mg


def _rand(x, rng):
    return float(rng.normal()) if np.ndim(x) == 0 else rng.normal(size=np.shape(x))


def _loss(m, f):
    """A scalar function of f's outputs (a pytree of arrays), nonlinear in them."""

    def loss(*args):
        out = f(*args)
        leaves = out if isinstance(out, (tuple, list)) else (out,)
        total = 0.0
        for k, leaf in enumerate(leaves):
            total = total + m.sum(m.sin(leaf * (1.0 + 0.5 * k)))
        return total

    return loss


_COMPILED: dict = {}


def _jax(jax_f, order2, batched):
    """JAX's references for `jax_f`, in one function jit-compiled once per
    function (and input shape)."""
    key = (jax_f, order2, batched)
    if key not in _COMPILED:
        loss = _loss(jnp, jax_f)

        def everything(args, ts, ct, stacked):
            argnums = tuple(range(len(args)))
            out = {"jvp": jax.jvp(jax_f, args, ts), "vjp": jax.vjp(jax_f, *args)[1](ct)}
            if order2:
                out["hvp"] = jax.jvp(jax.grad(loss, argnums=argnums), args, ts)[1]
            if batched:
                out["vmap"] = jax.vmap(jax_f)(*stacked), jax.vmap(jax.grad(loss, argnums=argnums))(*stacked)
            return out

        _COMPILED[key] = jax.jit(everything)
    return _COMPILED[key]


def check(mg_f, jax_f, args, batch=None, seed=0, rtol=1e-9, atol=1e-9, order2=True):
    """minigrad's `mg_f` equals JAX's `jax_f` at `args` in every mode. `batch`: a
    second set of arguments; vmap runs over the pair (stacked on axis 0). Pass the
    same `jax_f` object for every example: its compilation is reused."""
    rng = np.random.default_rng(seed)
    ts = tuple(_rand(a, rng) for a in args)
    y, t = mg.jvp(mg_f, args, ts)
    ct = jax.tree_util.tree_map(lambda v: _rand(v, rng), y)
    stacked = None if batch is None else tuple(np.stack([a, b]) for a, b in zip(args, batch))
    ref = _jax(jax_f, order2, batch is not None)(args, ts, ct, stacked)
    jy, jt = ref["jvp"]
    close(y, jy, rtol, atol)
    close(t, jt, rtol, atol)
    y2, f_vjp = mg.vjp(mg_f, *args)
    close(y2, jy, rtol, atol)
    close(f_vjp(ct), ref["vjp"], rtol, atol)
    argnums = tuple(range(len(args)))
    if order2:
        hvp = mg.jvp(mg.grad(_loss(mg, mg_f), argnums=argnums), args, ts)[1]
        close(hvp, ref["hvp"], 100 * rtol, 100 * atol)
    if batch is not None:
        j_out, j_grads = ref["vmap"]
        close(mg.vmap(mg_f)(*stacked), j_out, rtol, atol)
        close(mg.vmap(mg.grad(_loss(mg, mg_f), argnums=argnums))(*stacked), j_grads, 100 * rtol, 100 * atol)
