"""minigrad.linalg against jax.numpy.linalg (x64) in every mode: value, JVP, VJP,
second derivative and vmap. Hypothesis draws the entries of a matrix M in
[-1, 1]; each case builds a well-conditioned matrix from it inside the function
(so the derivative flows through that construction too):

- general: M + 4 I (diagonally dominant: invertible, condition number < 7);
- positive definite: M M^T + I + 0.1 M (its symmetric part is positive definite);
- symmetric with well-separated eigenvalues: Q (D + 0.1 M) Q^T, D = diag(1, 2.5, 4),
  Q a fixed rotation (eigenvalue gaps > 0.9). Eigenvectors are defined up to sign,
  so they are compared with each column's first entry made positive.

cholesky and eigh read (A + A^T) / 2 in both libraries, so the non-symmetric parts
test that too."""

from __future__ import annotations

from functools import cache

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

N = 3
Q = np.linalg.qr(np.array([[2.0, 1.0, 1.0], [1.0, -2.0, 1.0], [1.0, 1.0, -3.0]]))[0]
D = np.diag([1.0, 2.5, 4.0])


def general(m):
    return m + 4.0 * np.eye(m.shape[-1])


def spd(m):
    return m @ m.swapaxes(-1, -2) + np.eye(m.shape[-1]) + 0.1 * m


def separated(m):
    return Q @ (D + 0.1 * m) @ Q.T


def signed(lib, v):
    """Eigenvectors with the first entry of each column positive."""
    return v * lib.sign(v[..., :1, :])


def _eigh(lib, m):
    w, v = lib.linalg.eigh(separated(m))
    return w, signed(lib, v)


CASES = {
    "inv": (lambda lib, m: lib.linalg.inv(general(m)), [(N, N), (2, N, N)]),
    "solve_vector": (lambda lib, m, b: lib.linalg.solve(general(m), b), [(N, N), (N,)]),
    "solve_matrix": (lambda lib, m, b: lib.linalg.solve(general(m), b), [(N, N), (N, 2)]),
    "solve_batched": (lambda lib, m, b: lib.linalg.solve(general(m), b), [(2, N, N), (2, N, 2)]),
    "det": (lambda lib, m: lib.linalg.det(general(m)), [(N, N), (2, N, N)]),
    "slogdet": (lambda lib, m: tuple(lib.linalg.slogdet(general(m) * np.array([1.0, -1.0, 1.0]))), [(N, N)]),
    "cholesky": (lambda lib, m: lib.linalg.cholesky(spd(m)), [(N, N), (2, N, N)]),
    "eigh": (_eigh, [(N, N)]),
    "matrix_power": (
        lambda lib, m: (
            lib.linalg.matrix_power(general(m) / 4.0, 5)
            + lib.linalg.matrix_power(general(m), -2)
            + lib.linalg.matrix_power(m, 0)
            + lib.linalg.matrix_power(m, 1)
        ),
        [(N, N)],
    ),
    "multi_dot": (lambda lib, m: lib.linalg.multi_dot([m[0], m, m.T, m]), [(N, N)]),
    "eigvalsh": (lambda lib, m: lib.linalg.eigvalsh(separated(m)), [(N, N)]),
    "norm_vector": (
        lambda lib, m: (
            lib.linalg.norm(m[0] + 2.0)
            + lib.linalg.norm(m + 2.0, axis=1)
            + lib.linalg.norm(m + 2.0, ord=1, axis=0)
            + lib.linalg.norm(m - 2.0, ord=np.inf, axis=-1)
            + lib.linalg.norm(m[1] + 2.0, ord=3)
        ),
        [(N, N)],
    ),
    "norm_matrix": (
        lambda lib, m: (
            lib.linalg.norm(general(m), "fro")
            + lib.linalg.norm(m + 2.0)
            + lib.linalg.norm(general(m), 1)
            + lib.linalg.norm(general(m), np.inf)
            + lib.linalg.norm(general(m), -1, keepdims=True)
        ),
        [(N, N)],
    ),
}


@cache
def pair(name, i):
    f = CASES[name][0]
    return (lambda *xs: f(mg, *xs)), (lambda *xs: f(jnp, *xs))


def shapes(name, i):
    s = CASES[name][1]
    if name.startswith("solve"):
        return s
    return [s[i]]


@pytest.mark.parametrize("name", CASES)
@settings(max_examples=3)
@given(data=st.data())
def test_against_jax_in_every_mode(name, data):
    n_shapes = 1 if name.startswith("solve") else len(CASES[name][1])
    i = data.draw(st.integers(0, n_shapes - 1))
    entries = st.floats(-1.0, 1.0, allow_subnormal=False)
    args = tuple(data.draw(hnp.arrays(np.float64, s, elements=entries)) for s in shapes(name, i))
    batch = tuple(data.draw(hnp.arrays(np.float64, s, elements=entries)) for s in shapes(name, i))
    mg_f, jax_f = pair(name, i)
    check(mg_f, jax_f, args, batch=batch, rtol=1e-8, atol=1e-8)


def test_checks_against_the_formulas():
    """Independent of JAX: Giles's d det = det tr(A^-1 dA) and Murray's L L^T = A."""
    a = general(np.random.default_rng(0).uniform(-1, 1, (N, N)))
    close(mg.grad(mg.linalg.det)(a), np.linalg.det(a) * np.linalg.inv(a).T)
    s = spd(np.random.default_rng(1).uniform(-1, 1, (N, N)))
    L = mg.linalg.cholesky(s)
    close(L @ L.T, (s + s.T) / 2)
    dL = mg.jvp(mg.linalg.cholesky, (s,), (np.eye(N),))[1]
    close(dL @ L.T + L @ dL.T, np.eye(N))  # the derivative of L L^T = A along A' = I
    assert np.allclose(np.triu(dL, 1), 0.0)


def test_repeated_eigenvalues_give_nan_or_inf_eigenvector_derivatives_as_jax():
    a = np.diag([1.0, 1.0, 2.0])
    w_grad = mg.grad(lambda m: mg.sum(mg.linalg.eigh(m)[0] * np.arange(3.0)))(a)
    assert np.all(np.isfinite(w_grad))
    v_grad = mg.grad(lambda m: mg.sum(mg.linalg.eigh(m)[1] * np.arange(9.0).reshape(3, 3)))(a)
    j_grad = jax.grad(lambda m: jnp.sum(jnp.linalg.eigh(m)[1] * np.arange(9.0).reshape(3, 3)))(a)
    assert not np.all(np.isfinite(v_grad)) and not np.all(np.isfinite(j_grad))


def test_the_euclidean_norm_at_zero_has_a_nan_derivative_as_jax():
    ours, theirs = mg.grad(mg.linalg.norm)(np.zeros(3)), jax.grad(jnp.linalg.norm)(np.zeros(3))
    assert np.isnan(ours).all() and np.isnan(theirs).all()


def test_clear_errors():
    with pytest.raises(ValueError, match="square"):
        mg.linalg.inv(np.ones((2, 3)))
    with pytest.raises(NotImplementedError, match="nuc"):
        mg.linalg.norm(np.eye(2), "nuc")
    with pytest.raises(TypeError, match=r"minigrad\.linalg\.det"):
        mg.grad(lambda a: np.linalg.det(a))(np.eye(2))


BATCHED = {
    "tan": mg.tan,
    "sinc": mg.sinc,
    "mod": lambda v: v % 1.5,
    "floor": mg.floor,
    "cumsum": mg.cumsum,
    "cumprod": mg.cumprod,
    "sort": mg.sort,
    "median": mg.median,
    "roll": lambda v: mg.roll(v, 1),
    "pad": lambda v: mg.pad(v, 1),
    "diag": mg.diag,
    "einsum": lambda v: mg.einsum("i,j->ij", v, v),
    "cross": lambda v: mg.cross(v, v[::-1]),
    "inv": lambda v: mg.linalg.inv(general(mg.outer(v, v))),
    "solve": lambda v: mg.linalg.solve(general(mg.outer(v, v)), v),
    "slogdet": lambda v: mg.linalg.slogdet(general(mg.outer(v, v)))[1],
    "cholesky": lambda v: mg.linalg.cholesky(spd(mg.outer(v, v))),
    "eigh": lambda v: mg.linalg.eigh(separated(mg.outer(v, v)))[0],
    "norm": mg.linalg.norm,
}


@pytest.mark.parametrize("name", BATCHED)
def test_vmap_runs_the_batching_rules_not_a_loop(name, monkeypatch):
    """The new rows have batching rules: vmap calls each once for the whole batch
    (no per-example loop, which is vmap's fallback for primitives without a rule)."""
    import minigrad.batching as batching

    def no_loop(*args):
        raise AssertionError("vmap fell back to a loop over the batch")

    monkeypatch.setattr(batching, "_take", no_loop)
    x = np.random.default_rng(0).uniform(-0.5, 0.5, (4, N))
    out = mg.vmap(BATCHED[name])(x)
    monkeypatch.undo()
    close(out, np.stack([BATCHED[name](v) for v in x]))
