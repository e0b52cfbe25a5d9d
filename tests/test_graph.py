"""minigrad.teaching.graph: recorded nodes, edges, values and adjoints against hand derivations and JAX."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.text import Text

import minigrad as mg
from minigrad.teaching.graph import draw, layout, record, tape_length, tape_nbytes, tape_policies

matplotlib.use("Agg")


def floats(lo: float, hi: float):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def test_z_graph_by_hand():
    # z = x1 * x2 + x2 at (2, 4): a = x1 x2 = 8, z = a + x2 = 12.
    g = record(lambda x1, x2: x1 * x2 + x2, 2.0, 4.0)
    assert [n.op for n in g.nodes] == ["input", "input", "mul", "add"]
    assert [n.label for n in g.nodes] == ["x1", "x2", "mul", "add"]
    assert [n.value for n in g.nodes] == [2.0, 4.0, 8.0, 12.0]
    assert [n.depth for n in g.nodes] == [0, 0, 1, 2]
    assert g.output == 3 and g.n_inputs == 2
    assert {(e.src, e.dst) for e in g.edges} == {(0, 2), (1, 2), (2, 3), (1, 3)}
    # Adjoints: z̄ = 1, ā = 1, x̄1 = x2 ā = 4, x̄2 = x1 ā + z̄ = 2 + 1 = 3.
    assert [n.adjoint for n in g.nodes] == [4.0, 3.0, 1.0, 1.0]
    carried = {(e.src, e.dst): e.cotangent for e in g.edges}
    assert carried == {(0, 2): 4.0, (1, 2): 2.0, (2, 3): 1.0, (1, 3): 1.0}


@given(floats(0.1, 5.0), floats(-5.0, 5.0))
def test_adjoints_match_analytic_derivatives(x1, x2):
    # f = log(x1) + x1 x2 - sin(x2); every intermediate's adjoint is known in closed form.
    g = record(lambda a, b: mg.log(a) + a * b - mg.sin(b), x1, x2)
    by_op = {n.op: n for n in g.nodes}
    assert g.nodes[g.output].adjoint == 1.0
    assert by_op["log"].value == pytest.approx(math.log(x1))
    assert by_op["sin"].adjoint == -1.0  # enters with a minus sign
    assert by_op["mul"].adjoint == 1.0
    assert g.nodes[0].adjoint == pytest.approx(1 / x1 + x2, rel=1e-12)
    assert g.nodes[1].adjoint == pytest.approx(x1 - math.cos(x2), rel=1e-12, abs=1e-12)


@given(floats(-2.0, 2.0), floats(-2.0, 2.0))
def test_input_adjoints_match_jax(x1, x2):
    def f(a, b, np_=mg):
        return np_.sin(a) * b + np_.exp(a * b) + 2.0 * a**3

    g = record(f, x1, x2)
    want = jax.grad(lambda a, b: f(a, b, jnp), argnums=(0, 1))(x1, x2)
    np.testing.assert_allclose([g.nodes[0].adjoint, g.nodes[1].adjoint], want, rtol=1e-10, atol=1e-12)
    assert g.nodes[g.output].value == pytest.approx(float(f(x1, x2, jnp)), rel=1e-12)
    const = [n for n in g.nodes if n.consts]
    assert sorted(n.label for n in const) == ["integer_pow(·, 3)", "mul(2, ·)"]


def test_adjoint_sums_the_edges_leaving_a_node():
    # x is used three times: its adjoint is the sum of the three cotangents flowing back to it.
    g = record(lambda x: x * x * x, 1.5)
    into_x = [e.cotangent for e in g.edges if e.src == 0]
    assert len(into_x) == 3
    assert sum(into_x) == pytest.approx(3 * 1.5**2)
    assert g.nodes[0].adjoint == pytest.approx(3 * 1.5**2)


def test_unused_value_has_no_adjoint():
    g = record(lambda x: (mg.sin(x), x * 3.0)[1], 1.0)
    sin_node = next(n for n in g.nodes if n.op == "sin")
    assert sin_node.adjoint is None
    assert g.nodes[0].adjoint == 3.0


def test_record_without_adjoints_and_errors():
    g = record(lambda x: mg.exp(x), 0.0, adjoints=False)
    assert all(n.adjoint is None for n in g.nodes)
    with pytest.raises(ValueError, match="does not depend"):
        record(lambda x: 1.0, 2.0)
    with pytest.raises(ValueError, match="scalar output"):
        record(lambda x: x * 2.0, np.ones(3))


@pytest.mark.parametrize("n", [0, 1, 7, 30])
def test_tape_length_counts_primitives(n):
    def loop(x):
        for _ in range(n):
            x = mg.sin(x) * 2.0  # two primitives per step
        return x + 1.0

    assert tape_length(loop, 0.3) == 2 * n + 1


def test_tape_nbytes_counts_stored_arrays():
    # sum(x * x) for x of 100 floats: the product's rule reads x (800 B), the sum's
    # only a shape; keeping every value adds x*x (800 B) and the sum (8 B).
    f = lambda x: mg.sum(x * x)  # noqa: E731
    assert tape_nbytes(f, np.ones(100)) == 800
    assert tape_nbytes(f, np.ones(100), keep_all=True) == 800 + 800 + 8


def test_tape_policies_by_entry():
    # exp(2 x) + x on 10 floats: mul(2, x) keeps the constant 2.0 (8 B) and, keeping
    # everything, x and 2x; exp keeps its output (80 B); add keeps nothing.
    rows = tape_policies(lambda x: mg.exp(2.0 * x) + x, np.ones(10))
    assert rows == [("mul", 8 + 80 + 80, 8), ("exp", 80, 80), ("add", 80, 0)]


def test_layout_and_draw():
    g = record(lambda x1, x2: mg.log(x1) + x1 * x2 - mg.sin(x2), 2.0, 5.0)
    pos = layout(g)
    assert {p[0] for p in pos.values()} == {0.0, 1.0, 2.0, 3.0}
    assert len(set(pos.values())) == len(g.nodes)  # no two nodes on top of each other
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2)
    draw(g, a)
    draw(g, b, sweep="backward")
    boxes = [[t for t in ax.texts if type(t) is Text] for ax in (a, b)]  # not the arrows
    assert len(boxes[0]) == len(g.nodes)
    assert len(boxes[1]) == len(g.nodes) + len(g.edges)  # adjoint boxes and edge labels
    assert "x1\nadj = 5.5" in [t.get_text() for t in boxes[1]]  # 1/x1 + x2 at (2, 5)
    with pytest.raises(ValueError):
        draw(g, a, sweep="sideways")
    plt.close(fig)
