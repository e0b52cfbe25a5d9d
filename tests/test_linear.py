"""minigrad.teaching.linear: matrices recovered from programs equal the matrices they apply."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.sparse
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.teaching.finite_diff import CallCounter
from minigrad.teaching.linear import (
    chain_mvp,
    chain_vmp,
    dense_mvp,
    dense_vmp,
    matrix_from_mvp,
    matrix_from_vmp,
    path_sum,
)

jax.config.update("jax_enable_x64", True)

dims = st.integers(1, 7)
seeds = st.integers(0, 2**32 - 1)


@given(dims, dims, seeds)
def test_columns_and_rows_recover_a_dense_matrix(m, n, seed):
    a = np.random.default_rng(seed).normal(size=(m, n))  # n inputs, m outputs
    mvp, vmp = CallCounter(lambda v: a @ v), CallCounter(lambda u: u @ a)
    np.testing.assert_array_equal(matrix_from_mvp(mvp, n), a)
    np.testing.assert_array_equal(matrix_from_vmp(vmp, m), a)
    assert (mvp.calls, vmp.calls) == (n, m)


def test_sparse_matrix_and_its_transpose():
    s = scipy.sparse.random(6, 9, density=0.3, format="csr", random_state=1)
    np.testing.assert_array_equal(matrix_from_mvp(lambda v: s @ v, 9), s.toarray())
    np.testing.assert_array_equal(matrix_from_vmp(lambda u: s.T @ u, 6), s.toarray())


def test_dense_and_sparse_programs_apply_the_matrix():
    a = np.arange(6.0).reshape(2, 3)
    v, u = np.array([1.0, -1.0, 2.0]), np.array([3.0, 0.5])
    np.testing.assert_array_equal(dense_mvp(a)(v), [0.0 - 1.0 + 4.0, 3.0 - 4.0 + 10.0])
    np.testing.assert_array_equal(dense_vmp(a)(u), [1.5, 3.0 + 2.0, 6.0 + 2.5])
    s = scipy.sparse.csr_array(a)
    np.testing.assert_array_equal(dense_vmp(s)(u), dense_vmp(a)(u))


def test_matrix_free_program_and_its_dual():
    def program(x):
        return [2.0 * x[0], x[1] + 3.0 * x[2]]

    def dual(z_bar):
        x_bar = np.zeros(3)
        x_bar[1] += z_bar[1]
        x_bar[2] += 3.0 * z_bar[1]
        x_bar[0] += 2.0 * z_bar[0]
        return x_bar

    expected = np.array([[2.0, 0.0, 0.0], [0.0, 1.0, 3.0]])
    np.testing.assert_array_equal(matrix_from_mvp(program, 3), expected)
    np.testing.assert_array_equal(matrix_from_vmp(dual, 2), expected)


def test_scalar_outputs_and_inputs_give_one_row_or_column():
    w = np.array([1.0, -2.0, 0.5])
    np.testing.assert_array_equal(matrix_from_mvp(lambda v: float(w @ v), 3), w[None, :])
    np.testing.assert_array_equal(matrix_from_vmp(lambda u: float(w @ u), 3), w[:, None])


def test_bad_arguments_raise():
    with pytest.raises(ValueError):
        matrix_from_mvp(lambda v: v, 0)
    with pytest.raises(ValueError):
        matrix_from_vmp(lambda u: u, 0)
    with pytest.raises(ValueError):
        matrix_from_mvp(lambda v: np.outer(v, v), 2)


def f_mg(x):
    return mg.stack([x[0] * mg.sin(x[1]), mg.exp(x[2]) + x[0] * x[1], x[2] ** 2])


def f_jax(x):
    return jnp.stack([x[0] * jnp.sin(x[1]), jnp.exp(x[2]) + x[0] * x[1], x[2] ** 2])


@given(seeds)
def test_jacobian_from_jvps_and_vjps_matches_jax(seed):
    x = np.random.default_rng(seed).normal(size=3)
    by_columns = matrix_from_mvp(lambda v: mg.jvp(f_mg, (x,), (v,))[1], 3)
    _, pullback = mg.vjp(f_mg, x)
    by_rows = matrix_from_vmp(lambda u: pullback(u)[0], 3)
    reference = np.asarray(jax.jacfwd(f_jax)(jnp.asarray(x)))
    np.testing.assert_allclose(by_columns, reference, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(by_rows, reference, rtol=1e-12, atol=1e-12)


@given(st.lists(dims, min_size=2, max_size=5), seeds)
def test_chains_propagate_forward_and_backward(widths, seed):
    rng = np.random.default_rng(seed)
    mats = [rng.normal(size=(widths[k + 1], widths[k])) for k in range(len(widths) - 1)]
    product = mats[0]
    for a in mats[1:]:
        product = a @ product
    v, u = rng.normal(size=widths[0]), rng.normal(size=widths[-1])
    mvps = [lambda x, a=a: a @ x for a in mats]
    vmps = [lambda y, a=a: y @ a for a in mats]
    np.testing.assert_allclose(chain_mvp(mvps, v), product @ v, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(chain_vmp(vmps, u), u @ product, rtol=1e-10, atol=1e-12)


@given(st.lists(dims, min_size=2, max_size=4), seeds)
def test_path_sums_of_a_layered_graph_are_the_matrix_product(widths, seed):
    rng = np.random.default_rng(seed)
    shapes = [(widths[k + 1], widths[k]) for k in range(len(widths) - 1)]
    mats = [rng.integers(-3, 4, size=shape).astype(float) for shape in shapes]
    edges = {
        (f"{k}:{j}", f"{k + 1}:{i}"): m[i, j]
        for k, m in enumerate(mats)
        for i in range(m.shape[0])
        for j in range(m.shape[1])
    }
    product = np.linalg.multi_dot(mats[::-1]) if len(mats) > 1 else mats[0]
    last = len(mats)
    sums = np.array([[path_sum(edges, f"0:{j}", f"{last}:{i}") for j in range(widths[0])]
                     for i in range(widths[-1])])
    np.testing.assert_allclose(sums, product)


def test_path_sum_with_an_edge_over_a_layer():
    # z = 2 x + y with y = 3 x: dz/dx = 2 + 3 = 5 along two paths; no path from z back to x.
    edges = {("x", "z"): 2.0, ("x", "y"): 3.0, ("y", "z"): 1.0}
    assert path_sum(edges, "x", "z") == 5.0
    assert path_sum(edges, "z", "x") == 0.0
