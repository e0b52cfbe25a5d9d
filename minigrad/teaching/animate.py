"""Animate the forward and backward sweeps over a recorded graph.

`sweep_frames(graph, mode)` turns a graph from `minigrad.teaching.graph.record` into a
list of `Frame`s (what each node and edge shows at each step; plain data, no
drawing). `draw_frame` draws one frame, `sweep_animation` makes a matplotlib
`FuncAnimation` of all of them, `sweep_html` renders it to self-contained
HTML/JS (play, pause and step buttons; works offline) and `sweep_strip` draws
all frames side by side as one static figure, for print and notebooks.

Forward mode (`mode="forward"`): the values are computed node by node, then
the tangents, seeded at the inputs. Reverse mode (`mode="reverse"`): the values
are stored, the output's adjoint is seeded with 1, and the nodes send their
adjoints back in reverse tape order; a node used twice shows its adjoint
accumulate (`+=`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .graph import Graph, _depth_axes, _fmt, _label_spot, layout, record

MODES = ("forward", "reverse")
# matplotlib's player draws its buttons with Font Awesome loaded from a CDN; plain
# characters instead keep the HTML self-contained and working offline.
_BUTTONS = {
    "fa-minus": "−",
    "fa-fast-backward": "|◀◀",
    "fa-step-backward": "|◀",
    "fa-play fa-flip-horizontal": "◀",
    "fa-pause": "‖",
    "fa-play": "▶",
    "fa-step-forward": "▶|",
    "fa-fast-forward": "▶▶|",
    "fa-plus": "+",
}


@dataclass
class Frame:
    """What one step of a sweep shows."""

    title: str
    text: dict[int, str]
    """Text in each node's box, by node index."""
    edge_labels: dict[int, str] = field(default_factory=dict)
    """Label on each edge, by position in `graph.edges` (edges without one are unlabelled)."""
    active: set[int] = field(default_factory=set)
    """Nodes computed (forward) or sending adjoints (reverse) in this step."""
    receiving: set[int] = field(default_factory=set)
    """Nodes whose adjoint grows in this step (reverse mode)."""
    hot_edges: set[int] = field(default_factory=set)
    """Edges that carry something in this step."""
    backward: bool = False
    """Draw arrows from outputs to inputs."""


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be 'forward' or 'reverse', got {mode!r}")


def _forward_frames(g: Graph) -> list[Frame]:
    if any(node.tangent is None for node in g.nodes):
        raise ValueError("forward frames need tangents: record(f, *args, tangents=...)")
    n = g.n_inputs
    into = {k: [i for i, e in enumerate(g.edges) if e.dst == k] for k in range(len(g.nodes))}
    known = set(range(n))

    def values() -> dict[int, str]:
        return {k: f"{v.label} = {_fmt(v.value) if k in known else '?'}" for k, v in enumerate(g.nodes)}

    seeds = ", ".join(_fmt(g.nodes[i].tangent) for i in range(n))
    frames = [Frame(f"forward sweep: values, starting from the {n} inputs", values())]
    for k in range(n, len(g.nodes)):
        known.add(k)
        frames.append(Frame(f"value of {_name(g.nodes[k])}", values(), active={k}, hot_edges=set(into[k])))
    known_t = set(range(n))
    labels: dict[int, str] = {}

    def tangents() -> dict[int, str]:
        return {
            k: f"{v.label} = {_fmt(v.value)}\ntangent {_fmt(v.tangent) if k in known_t else '?'}"
            for k, v in enumerate(g.nodes)
        }

    frames.append(Frame(f"forward sweep: tangents, seeded with ({seeds}) at the inputs", tangents()))
    for k in range(n, len(g.nodes)):
        known_t.add(k)
        labels.update({i: _fmt(g.edges[i].tangent) for i in into[k]})
        frames.append(
            Frame(
                f"tangent of {_name(g.nodes[k])}: sum of (input tangent) x (partial)",
                tangents(),
                dict(labels),
                active={k},
                hot_edges=set(into[k]),
            )
        )
    out = g.nodes[g.output]
    frames.append(
        Frame(
            f"done: output {_fmt(out.value)}, directional derivative {_fmt(out.tangent)}",
            tangents(),
            dict(labels),
            active={g.output},
        )
    )
    return frames


def _reverse_frames(g: Graph) -> list[Frame]:
    if any(node.adjoint is None for node in g.nodes if node.index >= g.n_inputs):
        raise ValueError("reverse frames need adjoints: record(f, *args, adjoints=True)")
    n = g.n_inputs
    parts: dict[int, list] = {k: [] for k in range(len(g.nodes))}
    parts[g.output].append(1.0)

    def adjoints() -> dict[int, str]:
        text = {}
        for k, v in enumerate(g.nodes):
            got = parts[k]
            adj = _fmt(got[0]) if got else "0"
            if len(got) > 1:  # one line per +=, then the total
                adj += "".join(f"\n+ {_fmt(c)}" for c in got[1:]) + f" = {_fmt(sum(got))}"
            text[k] = f"{v.label} = {_fmt(v.value)}\nadjoint {adj}"
        return text

    frames = [
        Frame(
            "reverse sweep: values stored, output adjoint seeded with 1",
            adjoints(),
            active={g.output},
            backward=True,
        )
    ]
    labels: dict[int, str] = {}
    for k in range(len(g.nodes) - 1, n - 1, -1):
        out_edges = [i for i, e in enumerate(g.edges) if e.dst == k]
        receivers = set()
        for i in out_edges:
            e = g.edges[i]
            if e.cotangent is not None:
                parts[e.src].append(e.cotangent)
                labels[i] = _fmt(e.cotangent)
                receivers.add(e.src)
        twice = [g.nodes[j].label for j in sorted(receivers) if len(parts[j]) > 1]
        note = f"; {', '.join(twice)} used again: +=" if twice else ""
        frames.append(
            Frame(
                f"{_name(g.nodes[k])} sends its adjoint back{note}",
                adjoints(),
                dict(labels),
                active={k},
                receiving=receivers,
                hot_edges=set(out_edges),
                backward=True,
            )
        )
    grad = ", ".join(_fmt(sum(parts[i])) for i in range(n))
    frames.append(
        Frame(
            f"done: gradient ({grad}) in one backward sweep",
            adjoints(),
            dict(labels),
            active=set(range(n)),
            backward=True,
        )
    )
    return frames


def sweep_frames(graph: Graph, mode: str = "forward") -> list[Frame]:
    """The steps of the forward sweep (values, then tangents) or of the reverse sweep
    (adjoints, last node first) over `graph`, one `Frame` per step."""
    _check_mode(mode)
    return _forward_frames(graph) if mode == "forward" else _reverse_frames(graph)


def draw_frame(graph: Graph, frame: Frame, ax: Any, fontsize: float = 10) -> Any:
    """Draw one frame of a sweep on matplotlib axes `ax` (cleared first); return `ax`."""
    ax.clear()
    pos = layout(graph)
    spots: list = list(pos.values())
    label_at = {}
    for i, e in enumerate(graph.edges):
        label_at[i] = _label_spot(pos[e.src], pos[e.dst], spots)
        spots.append(label_at[i])
    hot_color = "#cc0000" if frame.backward else "#1f77b4"
    for i, e in enumerate(graph.edges):
        a, b = (pos[e.dst], pos[e.src]) if frame.backward else (pos[e.src], pos[e.dst])
        hot = i in frame.hot_edges
        ax.annotate(
            "",
            xy=b,
            xytext=a,
            zorder=2,
            arrowprops=dict(
                arrowstyle="-|>",
                color=hot_color if hot else "0.6",
                lw=2.2 if hot else 1.2,
                shrinkA=30,
                shrinkB=30,
            ),
        )
        if i in frame.edge_labels:
            ax.text(
                *label_at[i],
                frame.edge_labels[i],
                color=hot_color if hot else "0.4",
                fontsize=fontsize,
                ha="center",
                va="center",
                zorder=4,
                fontweight="bold" if hot else "normal",
                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.9),
            )
    for node in graph.nodes:
        if node.index in frame.active:
            fc = "#f9cb9c"
        elif node.index in frame.receiving:
            fc = "#b6d7a8"
        else:
            fc = "#cfe2f3" if node.op == "input" else "#eeeeee"
        ax.text(
            *pos[node.index],
            frame.text[node.index],
            ha="center",
            va="center",
            fontsize=fontsize,
            zorder=3,
            bbox=dict(boxstyle="round,pad=0.35", fc=fc, ec="0.3"),
        )
    _depth_axes(ax, pos, pad_y=0.75, fontsize=fontsize)
    ax.set_title(frame.title, fontsize=fontsize + 1)
    return ax


def _graph(
    f: Callable, args: Sequence, mode: str, tangents: Sequence | None, names: list[str] | None
) -> Graph:
    _check_mode(mode)
    if mode == "forward" and tangents is None:
        tangents = [1.0] + [0.0] * (len(args) - 1)  # the derivative along the first input
    n = len(args)
    graph = record(
        f,
        *args,
        names=list(names[:n]) if names else None,
        adjoints=mode == "reverse",
        tangents=tangents if mode == "forward" else None,
    )
    if names and len(names) > len(graph.nodes):
        raise ValueError(f"{len(names)} names for a graph of {len(graph.nodes)} nodes")
    for node, name in zip(graph.nodes[n:], (names or [])[n:]):
        node.label = name
    return graph


def _name(node: Any) -> str:
    return node.label if node.label == node.op else f"{node.label} ({node.op})"


def sweep_animation(
    f: Callable,
    args: Sequence,
    mode: str = "forward",
    *,
    tangents: Sequence | None = None,
    names: list[str] | None = None,
    figsize: tuple[float, float] = (7.5, 3.8),
    interval: int = 1500,
) -> Any:
    """A `matplotlib.animation.FuncAnimation` of the sweep of scalar `f` at `args`.

    `names` labels the nodes in tape order: the inputs first (default x1, x2, ...),
    then, optionally, the primitive applications (default: the primitive's name).
    `mode="forward"`: values, then tangents seeded with `tangents` (default: along
    the first input). `mode="reverse"`: adjoints from the output back to the inputs.
    One frame per step, `interval` ms apart. Render it with `to_jshtml()` (or use
    `sweep_html`); close the figure afterwards (`plt.close(anim._fig)`).
    """
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    graph = _graph(f, args, mode, tangents, names)
    frames = sweep_frames(graph, mode)
    fig, ax = plt.subplots(figsize=figsize)
    fig.subplots_adjust(left=0.03, right=0.97, top=0.9, bottom=0.14)
    return FuncAnimation(
        fig, lambda i: draw_frame(graph, frames[i], ax), frames=len(frames), interval=interval, repeat=False
    )


def sweep_html(
    f: Callable,
    args: Sequence,
    mode: str = "forward",
    *,
    alt: str | None = None,
    dpi: int = 80,
    **kwargs: Any,
) -> str:
    """Self-contained HTML/JS of `sweep_animation(f, args, mode, **kwargs)`:
    PNG frames at `dpi` with play, pause and step buttons. `alt` is the image's
    alternative text. Display it in a notebook with `IPython.display.HTML`."""
    import matplotlib.pyplot as plt

    anim = sweep_animation(f, args, mode, **kwargs)
    fig = anim._fig
    fig.set_dpi(dpi)
    html = anim.to_jshtml(default_mode="once")
    plt.close(fig)
    html = re.sub(r"<link[^>]*font-awesome[^>]*>", "", html)
    html = re.sub(r'<i class="fa ([a-z -]+)"></i>', lambda m: _BUTTONS[m.group(1)], html)
    alt = alt or f"animation of the {mode} sweep over the computational graph, one step per frame"
    return html.replace("<img id=", f'<img alt="{alt}" id=', 1)


def sweep_strip(
    f: Callable,
    args: Sequence,
    mode: str = "forward",
    *,
    ncols: int = 3,
    panel: tuple[float, float] = (4.6, 2.6),
    **kwargs: Any,
) -> Any:
    """All frames of the sweep side by side, `ncols` per row: the static version
    of `sweep_animation`, for print. Returns the matplotlib figure."""
    import math

    import matplotlib.pyplot as plt

    graph = _graph(f, args, mode, kwargs.pop("tangents", None), kwargs.pop("names", None))
    frames = sweep_frames(graph, mode)
    kwargs.setdefault("fontsize", 8)
    nrows = math.ceil(len(frames) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel[0] * ncols, panel[1] * nrows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k < len(frames):
            draw_frame(graph, frames[k], ax, **kwargs)
            ax.set_title(f"{k + 1}. {frames[k].title}", fontsize=kwargs["fontsize"] + 1)
            ax.set_xlabel("")
            ax.set_xticks([])  # depth is the same in every panel
        else:
            ax.axis("off")
    fig.tight_layout()
    return fig
