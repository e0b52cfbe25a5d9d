"""Engine adapters: each turns a workload into a zero-argument callable that
computes its value and gradient (or only its value, for the plain baseline)."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import numpy as np

import minigrad as mg

Runner = Callable[[], tuple[Any, Any]]


def _minigrad(f: Callable, params: list, data: Any) -> Runner:
    vg = mg.value_and_grad(lambda p: f(mg, p, data))
    return lambda: vg(params)


def _autograd(f: Callable, params: list, data: Any) -> Runner:
    import autograd
    import autograd.numpy as anp

    vg = autograd.value_and_grad(lambda p: f(anp, p, data))
    return lambda: vg(params)


def _micrograd(f: Callable, params: list, data: Any) -> Runner:
    from micrograd.engine import Value

    # micrograd 0.1.0 has no comparisons; the ReLU written as `v if v > 0 else 0*v`
    # needs one, so give it minigrad's: compare the value underneath.
    Value.__gt__ = lambda self, other: self.data > getattr(other, "data", other)

    def run():
        ps = [Value(p) for p in params]
        loss = f(None, ps, data)
        loss.backward()
        return loss.data, [p.grad for p in ps]

    return run


def _jax(jit: bool) -> Callable[[Callable, list, Any], Runner]:
    def make(f: Callable, params: list, data: Any) -> Runner:
        import jax
        import jax.numpy as jnp

        vg = jax.value_and_grad(lambda p: f(jnp, p, data))
        if jit:
            vg = jax.jit(vg)
        jparams = [jnp.asarray(p) for p in params]
        return lambda: jax.block_until_ready(vg(jparams))

    return make


def _plain(f: Callable, params: list, data: Any) -> Runner:
    return lambda: (f(np, params, data), None)


ENGINES: dict[str, Callable[[Callable, list, Any], Runner]] = {
    "minigrad": _minigrad,
    "micrograd": _micrograd,
    "autograd": _autograd,
    "jax (eager)": _jax(jit=False),
    "jax (jit)": _jax(jit=True),
    "plain (value only)": _plain,
}


def enable_jax_float64() -> types.ModuleType | None:
    """Make JAX compute in float64 like the others (before any JAX array exists)."""
    try:
        import jax
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    return jax


def as_numpy(result: tuple[Any, Any]) -> tuple[np.ndarray, list[np.ndarray] | None]:
    """An engine's (value, gradient) as float64 numpy values, for comparison."""
    value, grads = result
    value = np.asarray(getattr(value, "data", value), dtype=np.float64)
    if grads is None:
        return value, None
    return value, [np.asarray(g, dtype=np.float64) for g in grads]
