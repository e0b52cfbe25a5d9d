"""The benchmark workloads, each written once against the operations it is given.

A workload is `f(ops, params, data) -> scalar`: `ops` is the engine's module of
operations (minigrad, autograd.numpy, jax.numpy, numpy), `params` the list of
values to differentiate, `data` constants. Every engine runs the same `f`, so
every engine differentiates the same computation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

SCALAR_SIZES = (2, 16, 16, 1)
ARRAY_SIZES = (64, 256, 256, 1)
CHAIN_ROUNDS = 10
DEEP_STEPS = 25_000  # four scalar operations a step: 100,000 operations


def scalar_mlp(ops: Any, params: Any, data: Any) -> Any:
    """A 2-16-16-1 MLP over 20 points, one scalar at a time (micrograd's demo shape),
    ReLU as Python control flow; mean squared error."""
    p = [params[i] for i in range(len(params))]
    xs, ys = data
    loss = 0.0
    for x, y in zip(xs, ys):
        h, k = x, 0
        for layer, (n_in, n_out) in enumerate(zip(SCALAR_SIZES, SCALAR_SIZES[1:])):
            last = layer == len(SCALAR_SIZES) - 2
            out = []
            for _ in range(n_out):
                act = p[k + n_in]  # the bias
                for i in range(n_in):
                    act = act + p[k + i] * h[i]
                k += n_in + 1
                out.append(act if last or act > 0 else 0.0 * act)
            h = out
        err = h[0] - y
        loss = loss + err * err
    return loss / len(xs)


def array_mlp(ops: Any, params: Any, data: Any) -> Any:
    """Batch 256x64 through tanh layers 64-256-256-1; mean squared error."""
    x, y = data
    w1, w2, w3 = params[0], params[1], params[2]
    h = ops.tanh(x @ w1)
    h = ops.tanh(h @ w2)
    err = h @ w3 - y
    return ops.mean(err * err)


def long_chain(ops: Any, params: Any, data: Any) -> Any:
    """Ten rounds of y = sin(y) exp(-0.1 y^2) + tanh(y) on a long vector, summed."""
    y = params[0]
    for _ in range(CHAIN_ROUNDS):
        y = ops.sin(y) * ops.exp(-0.1 * y * y) + ops.tanh(y)
    return ops.sum(y)


def deep_chain(ops: Any, params: Any, data: Any) -> Any:
    """100,000 sequential scalar operations: y <- 0.99999 y + 1e-5 y^2, 25,000 times."""
    y = params[0]
    for _ in range(DEEP_STEPS):
        y = y * 0.99999 + 1e-5 * y * y
    return y


def _scalar_mlp_inputs() -> tuple[list, Any]:
    rng = np.random.default_rng(0)
    sizes = list(zip(SCALAR_SIZES, SCALAR_SIZES[1:]))
    params = []
    for n_in, n_out in sizes:
        for _ in range(n_out):
            params += list(rng.normal(0, 1 / np.sqrt(n_in), n_in)) + [0.1]
    xs = [[float(v) for v in row] for row in rng.normal(size=(20, 2))]
    ys = [1.0 if x[0] * x[1] > 0 else -1.0 for x in xs]
    return [float(p) for p in params], (xs, ys)


def _array_mlp_inputs() -> tuple[list, Any]:
    rng = np.random.default_rng(1)
    params = [rng.normal(0, 1 / np.sqrt(n), (n, m)) for n, m in zip(ARRAY_SIZES, ARRAY_SIZES[1:])]
    x = rng.normal(size=(256, ARRAY_SIZES[0]))
    return params, (x, np.sin(x[:, :1]))


@dataclass(frozen=True)
class Workload:
    """A function to differentiate, how to make its inputs, and who runs it."""

    name: str
    f: Callable
    inputs: Callable[[], tuple[list, Any]]
    engines: tuple[str, ...]
    repeats: int


SCALAR_ENGINES = ("minigrad", "micrograd", "autograd", "plain (value only)")
ARRAY_ENGINES = ("minigrad", "autograd", "jax (eager)", "jax (jit)", "plain (value only)")

WORKLOADS = (
    Workload("scalar MLP (337 params, 20 points)", scalar_mlp, _scalar_mlp_inputs, SCALAR_ENGINES, 9),
    Workload("array MLP (256x64, 64-256-256-1)", array_mlp, _array_mlp_inputs, ARRAY_ENGINES, 15),
    Workload(
        "long elementwise chain (1e6 floats)",
        long_chain,
        lambda: ([np.linspace(-3.0, 3.0, 1_000_000)], None),
        ARRAY_ENGINES,
        9,
    ),
    Workload("deep scalar chain (100,000 ops)", deep_chain, lambda: ([0.5], None), SCALAR_ENGINES, 3),
)
