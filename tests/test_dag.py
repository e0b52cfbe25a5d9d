"""minigrad.teaching.dag: the drawing places each node and arrow where it was asked to."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from minigrad.teaching.dag import draw_dag  # noqa: E402

POS = {"x1": (0.0, 1.0), "x2": (0.0, 0.0), "y": (2.0, 0.5)}
EDGES = [("x1", "y", "2"), ("x2", "y", "-1")]


def test_nodes_and_arrows_are_where_asked():
    fig, ax = plt.subplots()
    art = draw_dag(ax, POS, EDGES, colors={"y": "red"})
    assert set(art["nodes"]) == set(POS)
    for name, text in art["nodes"].items():
        assert text.get_position() == POS[name] and text.get_text() == name
    assert art["nodes"]["y"].get_bbox_patch().get_facecolor() == matplotlib.colors.to_rgba("red")
    for s, t, _ in EDGES:
        arrow = art["edges"][(s, t)]
        assert arrow.xy == POS[t] and arrow.xyann == POS[s]
    labels = {t.get_text(): t.get_position() for t in ax.texts if t.get_text() in {"2", "-1"}}
    assert labels == {"2": (1.0, 0.75), "-1": (1.0, 0.25)}
    plt.close(fig)


def test_bent_edge_label_sits_off_the_chord():
    fig, ax = plt.subplots()
    draw_dag(ax, {"a": (0.0, 0.0), "b": (2.0, 0.0)}, [("a", "b", "k")], bend={("a", "b"): 0.5})
    (label,) = [t for t in ax.texts if t.get_text() == "k"]
    # arc3 puts its control point rad * |chord| off the chord; the curve's middle is halfway there.
    assert label.get_position() == pytest.approx((1.0, -0.5))
    plt.close(fig)


def test_edge_to_unknown_node_raises():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="z"):
        draw_dag(ax, POS, [("x1", "z", "1")])
    plt.close(fig)


def test_label_position_along_a_straight_edge():
    fig, ax = plt.subplots()
    draw_dag(ax, {"a": (0.0, 0.0), "b": (4.0, 2.0)}, [("a", "b", "k")], label_pos=0.25)
    (label,) = [t for t in ax.texts if t.get_text() == "k"]
    assert label.get_position() == pytest.approx((1.0, 0.5))
    plt.close(fig)
