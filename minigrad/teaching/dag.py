"""Draw small computational graphs (DAGs) with plain matplotlib, no graphviz.

Only methods of the `ax` you pass are used, so minigrad itself does not
depend on matplotlib.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def draw_dag(
    ax: Any,
    positions: Mapping[str, tuple[float, float]],
    edges: Sequence[tuple[str, str, str]],
    *,
    colors: Mapping[str, str] | None = None,
    bend: Mapping[tuple[str, str], float] | None = None,
    fontsize: float = 13,
    label_pos: float = 0.5,
) -> dict[str, dict]:
    """Draw nodes at `positions` and arrows `(source, target, label)` on `ax`.

    `colors` maps node names to fill colours (default light grey); `bend`
    maps an edge `(source, target)` to a curvature (0 is straight), to route an
    edge around the nodes it would cross. Edge labels sit at `label_pos` along
    the edge (0 at the source, 1 at the target). Returns the artists:
    `{"nodes": {name: Text}, "edges": {(source, target): Annotation}}`.

    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> pos = {"x": (0, 0), "y": (1, 0)}
    >>> artists = draw_dag(ax, pos, [("x", "y", "dy/dx")])
    >>> list(artists["nodes"]), list(artists["edges"])
    (['x', 'y'], [('x', 'y')])
    """
    colors = colors or {}
    bend = bend or {}
    for s, t, _ in edges:
        for name in (s, t):
            if name not in positions:
                raise ValueError(f"edge {s!r} -> {t!r} names a node {name!r} without a position")
    nodes = {}
    for name, (x, y) in positions.items():
        nodes[name] = ax.text(
            x, y, name, ha="center", va="center", fontsize=fontsize, zorder=3,
            bbox=dict(boxstyle="circle,pad=0.35", fc=colors.get(name, "0.9"), ec="0.2"),
        )
    arrows = {}
    for s, t, label in edges:
        (x1, y1), (x2, y2) = positions[s], positions[t]
        rad = bend.get((s, t), 0.0)
        arrows[(s, t)] = ax.annotate(
            "", xy=(x2, y2), xytext=(x1, y1), zorder=2,
            arrowprops=dict(arrowstyle="-|>", color="0.3", lw=1.4, shrinkA=17, shrinkB=17,
                            mutation_scale=14, connectionstyle=f"arc3,rad={rad}"),
        )
        # arc3 is a quadratic Bezier curve whose control point lies rad * chord off the chord.
        cx, cy = (x1 + x2) / 2 + rad * (y2 - y1), (y1 + y2) / 2 - rad * (x2 - x1)
        t = label_pos
        mx = (1 - t) ** 2 * x1 + 2 * t * (1 - t) * cx + t**2 * x2
        my = (1 - t) ** 2 * y1 + 2 * t * (1 - t) * cy + t**2 * y2
        ax.text(mx, my, label, ha="center", va="center", fontsize=fontsize - 2, zorder=4,
                color="C3", bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    return {"nodes": nodes, "edges": arrows}
