"""minigrad.teaching.animate and record(tangents=...): frames of the sweeps against hand derivations, JAX."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.teaching.animate import _graph, sweep_animation, sweep_frames, sweep_html, sweep_strip
from minigrad.teaching.graph import record

matplotlib.use("Agg")
jax.config.update("jax_enable_x64", True)


def z(x1, x2):
    return x1 * x2 + x2


def f(x1, x2):
    return mg.log(x1) + x1 * x2 - mg.sin(x2)


def f_jax(x1, x2):
    return jnp.log(x1) + x1 * x2 - jnp.sin(x2)


def floats(lo: float, hi: float):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def test_forward_frames_of_z_by_hand():
    frames = sweep_frames(record(z, 2.0, 4.0, adjoints=False, tangents=(1.0, 0.0)), "forward")
    # values: start, mul, add; tangents: seed, mul, add; done
    assert len(frames) == 7
    assert frames[1].text[2] == "mul = 8" and frames[1].text[3] == "add = ?"
    assert frames[4].text[2].endswith("tangent 4") and frames[4].text[3].endswith("tangent ?")
    assert frames[-1].text[3].endswith("tangent 4")
    assert "directional derivative 4" in frames[-1].title


def test_names_label_inputs_and_intermediates():
    frames = sweep_frames(_graph(z, (2.0, 4.0), "reverse", None, ["x1", "x2", "v1", "y"]), "reverse")
    assert frames[1].text[3] == "y = 12\nadjoint 1" and frames[1].title.startswith("y (add) sends")
    with pytest.raises(ValueError, match="5 names for a graph of 4 nodes"):
        _graph(z, (2.0, 4.0), "reverse", None, ["a", "b", "c", "d", "e"])


def test_reverse_frames_show_accumulation_at_x2():
    frames = sweep_frames(record(z, 2.0, 4.0), "reverse")
    assert len(frames) == 4  # seed, add, mul, done
    assert frames[0].text[3].endswith("adjoint 1") and frames[0].text[1].endswith("adjoint 0")
    assert frames[1].text[1].endswith("adjoint 1")  # from add
    assert frames[2].text[1] == "x2 = 4\nadjoint 1\n+ 2 = 3"  # += from mul
    assert "x2 used again" in frames[2].title
    assert frames[2].receiving == {0, 1}
    assert "gradient (4, 3)" in frames[-1].title


@settings(max_examples=25, deadline=None)
@given(floats(0.2, 5.0), floats(-5.0, 5.0), floats(-2.0, 2.0), floats(-2.0, 2.0))
def test_recorded_tangents_and_adjoints_match_jax(x1, x2, t1, t2):
    g = record(f, x1, x2, tangents=(t1, t2))
    _, want_t = jax.jvp(f_jax, (x1, x2), (t1, t2))
    assert math.isclose(g.nodes[g.output].tangent, float(want_t), rel_tol=1e-12, abs_tol=1e-12)
    want_g = jax.grad(f_jax, argnums=(0, 1))(x1, x2)
    assert np.allclose([g.adjoint(0), g.adjoint(1)], want_g, rtol=1e-12, atol=1e-12)
    # each node's tangent is the sum of the tangents on its incoming edges
    for node in g.nodes[g.n_inputs :]:
        incoming = [e.tangent for e in g.edges if e.dst == node.index]
        assert math.isclose(node.tangent, sum(incoming), rel_tol=1e-12, abs_tol=1e-12)


def test_tangents_of_linear_and_broadcast_primitives_match_jvp():
    def h(a, b):
        return mg.sum(mg.broadcast_to(a, (3,)) * b)

    g = record(h, 2.0, np.array([1.0, 2.0, 3.0]), tangents=(0.5, np.array([1.0, 0.0, -1.0])))
    _, want = mg.jvp(h, (2.0, np.array([1.0, 2.0, 3.0])), (0.5, np.array([1.0, 0.0, -1.0])))
    assert np.isclose(g.nodes[g.output].tangent, want)


def test_animation_and_html_are_small_and_offline():
    html = sweep_html(z, (2.0, 4.0), "reverse", alt="reverse sweep of z")
    assert 'alt="reverse sweep of z"' in html and "next_frame" in html
    assert html.count("data:image/png;base64,") == 4  # one PNG per frame
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    # what tools/browser_test.py looks for to step the animation
    for part in (
        '<div class="animation">',
        'class="anim-slider"',
        'class="anim-buttons"',
        'title="Next frame"',
    ):
        assert part in html
    assert "fa fa-" not in html  # buttons drawn without Font Awesome
    assert len(html) < 400_000
    fig = sweep_strip(f, (2.0, 5.0), "forward", ncols=4)
    assert len([ax for ax in fig.axes if ax.axison]) == len(
        sweep_frames(record(f, 2.0, 5.0, tangents=(1.0, 0.0)))
    )


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match="mode must be"):
        sweep_animation(z, (2.0, 4.0), "sideways")
    with pytest.raises(ValueError, match="need tangents"):
        sweep_frames(record(z, 2.0, 4.0), "forward")
    with pytest.raises(ValueError, match="need adjoints"):
        sweep_frames(record(z, 2.0, 4.0, adjoints=False), "reverse")
    with pytest.raises(ValueError, match="2 inputs but 1 tangents"):
        record(z, 2.0, 4.0, tangents=(1.0,))
