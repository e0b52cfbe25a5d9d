"""Linear maps given as programs: recover their matrices and count what it costs.

A linear map A: R^n -> R^m (n inputs, m outputs, an m x n matrix) can be
known only through a program: a matrix-vector product (MVP) `v -> A v`, or its
dual, a vector-matrix product (VMP) `u -> u A`. Feeding basis vectors to the
MVP gives A's columns, one per call (n calls); feeding them to the VMP gives
its rows (m calls). Derivatives are such maps
(JVP = MVP, VJP = VMP), so these helpers work on them too. To count the
calls, wrap a program in `minigrad.teaching.finite_diff.CallCounter`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..jacobians import basis


def _as_vector(y: Any) -> np.ndarray:
    """A program's result as a 1-D float array (a float becomes length 1)."""
    y = np.asarray(y, dtype=float)
    if y.ndim > 1:
        raise ValueError(f"a linear-map program must return a vector, got shape {y.shape}")
    return np.atleast_1d(y)


def matrix_from_mvp(mvp: Callable[[np.ndarray], Any], n_in: int) -> np.ndarray:
    """The matrix of `mvp`: R^n_in -> R^n_out, column k = `mvp(e_k)`: n_in calls.

    Returns an array of shape (n_out, n_in).

    >>> matrix_from_mvp(lambda v: np.array([v[0] + v[1], 2.0 * v[1]]), 2)
    array([[1., 1.],
           [0., 2.]])
    """
    if n_in < 1:
        raise ValueError(f"n_in must be positive, got {n_in}")
    return np.stack([_as_vector(mvp(basis((n_in,), k))) for k in range(n_in)], axis=1)


def matrix_from_vmp(vmp: Callable[[np.ndarray], Any], n_out: int) -> np.ndarray:
    """The matrix whose dual program is `vmp`, row k = `vmp(e_k)`: n_out calls.

    Returns an array of shape (n_out, n_in); `vmp` maps (n_out,) to (n_in,).

    >>> A = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> matrix_from_vmp(dense_vmp(A), 2)
    array([[1., 2., 3.],
           [4., 5., 6.]])
    """
    if n_out < 1:
        raise ValueError(f"n_out must be positive, got {n_out}")
    return np.stack([_as_vector(vmp(basis((n_out,), k))) for k in range(n_out)], axis=0)


def dense_mvp(matrix: Any) -> Callable[[Any], Any]:
    """The MVP program `v -> matrix @ v` of a dense or sparse matrix.

    >>> dense_mvp(np.array([[1.0, 2.0], [3.0, 4.0]]))(np.array([1.0, 0.0]))
    array([1., 3.])
    """
    return lambda v: matrix @ v


def dense_vmp(matrix: Any) -> Callable[[Any], Any]:
    """The VMP program `u -> u @ matrix` (that is, `matrix.T @ u`).

    >>> dense_vmp(np.array([[1.0, 2.0], [3.0, 4.0]]))(np.array([1.0, 0.0]))
    array([1., 2.])
    """
    return lambda u: matrix.T @ u


def chain_mvp(layers: Sequence[Callable], v: Any) -> Any:
    """Forward propagation: push `v` through the MVPs `layers`, first layer first.

    With A of shape (1, 2) after B of shape (2, 1), this is A @ B @ v:

    >>> A, B = np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]])
    >>> chain_mvp([dense_mvp(B), dense_mvp(A)], np.array([1.0]))
    array([11.])
    """
    for mvp in layers:
        v = mvp(v)
    return v


def chain_vmp(layers: Sequence[Callable], u: Any) -> Any:
    """Backward propagation: pull `u` through the VMPs `layers`, last layer first.

    `layers[k]` is the dual of the k-th layer of `chain_mvp`, so
    `chain_vmp(duals, u) @ v == u @ chain_mvp(mvps, v)`.

    >>> A, B = np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]])
    >>> chain_vmp([dense_vmp(B), dense_vmp(A)], np.array([1.0]))  # u A B
    array([11.])
    """
    for vmp in reversed(layers):
        u = vmp(u)
    return u


def path_sum(edges: Mapping[tuple[str, str], float], source: str, target: str) -> float:
    """Sum over all paths `source -> target` of the product of the edge weights.

    `edges` maps `(from, to)` to a weight; the graph must be acyclic. This is
    the entry of a linear graph's matrix (or of a linearized program's Jacobian)
    for that input and output.

    The running example y = v1 + x2, v1 = x1 * x2 at (2, 4), with the local
    derivatives on the edges; dy/dx2 = 2 * 1 + 1:

    >>> edges = {("x1", "v1"): 4.0, ("x2", "v1"): 2.0,
    ...          ("v1", "y"): 1.0, ("x2", "y"): 1.0}
    >>> path_sum(edges, "x2", "y")
    3.0
    """
    if source == target:
        return 1.0
    return sum(w * path_sum(edges, t, target) for (s, t), w in edges.items() if s == source)
