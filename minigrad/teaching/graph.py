"""Record the computation graph of a function and draw it with matplotlib.

`record(f, *args)` runs `f` under minigrad's reverse-mode trace and turns the
tape into nodes (inputs and primitive applications, with their values) and
edges (which value feeds which operation). With `adjoints=True` it also stores
each node's adjoint (the derivative of the output with respect to that node)
and the cotangent each edge carries in the backward sweep. `draw(graph)` draws
the forward sweep (values) or the backward sweep (adjoints) in a layered layout.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core import LINEAR, concrete, new_trace, shape_of
from ..primitives import zeros_like
from ..reverse import TapeTracer, VJPTrace, backward


@dataclass
class Node:
    """One value of the program: an input (`op == "input"`) or the output of a primitive.

    >>> g = record(lambda x1, x2: x1 * x2 + x2, 2.0, 4.0)
    >>> [(n.label, n.value) for n in g.nodes]
    [('x1', 2.0), ('x2', 4.0), ('mul', 8.0), ('add', 12.0)]
    >>> g.nodes[3].parents  # add(mul, x2): nodes 2 and 1
    (2, 1)
    """

    index: int
    op: str
    value: Any
    parents: tuple[int, ...] = ()
    consts: dict[int, Any] = field(default_factory=dict)
    """Arguments of the primitive that are constants (not traced), by position."""
    label: str = ""
    depth: int = 0
    adjoint: Any = None
    tangent: Any = None


@dataclass
class Edge:
    """Value `src` feeds argument `arg` of node `dst`; `cotangent` is what flows back along it.

    >>> g = record(lambda x1, x2: x1 * x2 + x2, 2.0, 4.0)

    Node 1 (x2) feeds two operations, so two cotangents flow back to it:

    >>> [(e.src, e.dst, e.cotangent) for e in g.edges]
    [(0, 2, 4.0), (1, 2, 2.0), (2, 3, 1.0), (1, 3, 1.0)]
    """

    src: int
    dst: int
    arg: int
    cotangent: Any = None
    tangent: Any = None
    """What flows forward along the edge in a JVP: the source's tangent times the partial."""


@dataclass
class Graph:
    """A recorded program: nodes in execution order, the edges between them, the output node.

    >>> g = record(lambda x1, x2: x1 * x2 + x2, 2.0, 4.0)
    >>> g.n_inputs, g.output, g.nodes[g.output].value
    (2, 3, 12.0)
    >>> g.adjoint(0), g.adjoint(1)  # the gradient
    (4.0, 3.0)
    """

    nodes: list[Node]
    edges: list[Edge]
    output: int

    @property
    def n_inputs(self) -> int:
        return sum(n.op == "input" for n in self.nodes)

    def adjoint(self, index: int) -> Any:
        """The adjoint of node `index` (requires `record(..., adjoints=True)`)."""
        return self.nodes[index].adjoint


def _record_tape(f: Callable, args: tuple, keep_all: bool = True) -> tuple[list, Any, list]:
    """Run `f` under a fresh reverse-mode trace: (tape, output, input values).
    With `keep_all` the tape keeps every value (the drawings show them all),
    else only the residuals, as `grad` records."""
    xs = [float(a) if isinstance(a, (int, float)) else np.asarray(a, dtype=float) for a in args]
    with new_trace(VJPTrace, len(xs), keep_all) as trace:
        out = f(*(TapeTracer(trace, x, i) for i, x in enumerate(xs)))
    return trace.tape, out, xs


def tape_length(f: Callable, *args: Any) -> int:
    """Number of primitive applications `f(*args)` puts on minigrad's tape.

    >>> tape_length(lambda x1, x2: x1 * x2 + x2, 2.0, 4.0)  # mul, add
    2
    """
    return len(_record_tape(f, args)[0])


def tape_nbytes(f: Callable, *args: Any, keep_all: bool = False) -> int:
    """Bytes of float data the tape of `f(*args)` keeps alive for the backward sweep
    (8 bytes per float64 number): the residuals, as `grad` records; with
    `keep_all=True`, every recorded input and output value instead.

    The tape of `sum(x * x)` keeps x (for the product's rule), 100 floats; keeping
    every value adds x * x and the sum:

    >>> tape_nbytes(lambda x: (x * x).sum(), np.ones(100))
    800
    >>> tape_nbytes(lambda x: (x * x).sum(), np.ones(100), keep_all=True)
    1608
    """
    return sum(n for _, n in _kept_bytes(f, args, keep_all))


def tape_policies(f: Callable, *args: Any) -> list[tuple[str, int, int]]:
    """What the tape of `f(*args)` keeps under the two designs, entry by entry:
    `(primitive, bytes if every value is kept, bytes if only residuals are kept)`.

    A value kept by several entries is counted at the first; an input of `f`
    at the first entry that keeps it. Python floats are kept whole under both
    designs (the residuals apply to arrays), so use arrays here. One step of `y = sin(y) exp(-0.1 y y)
    + tanh(y)` on 100 floats: `sin` keeps its input, `exp` its output, each
    product its factors (of `-0.1 * y`, the constant), `tanh` its input
    (already kept) and `add` nothing:

    >>> step = lambda y: mg.sin(y) * mg.exp(-0.1 * y * y) + mg.tanh(y)
    >>> for row in tape_policies(step, np.ones(100)):
    ...     print(row)
    ('sin', 1600, 800)
    ('mul', 808, 8)
    ('mul', 800, 800)
    ('exp', 800, 800)
    ('mul', 800, 800)
    ('tanh', 800, 0)
    ('add', 800, 0)
    """
    every = _kept_bytes(f, args, True)
    residuals = _kept_bytes(f, args, False)
    return [(name, a, b) for (name, a), (_, b) in zip(every, residuals)]


def _kept_bytes(f: Callable, args: tuple, keep_all: bool) -> list[tuple[str, int]]:
    """(primitive, bytes of float data first kept by this entry) for each entry."""
    tape, _, _ = _record_tape(f, args, keep_all)
    seen: set[int] = set()
    rows = []
    for prim, primals, _, ans, _ in tape:
        nbytes = 0
        for v in (*primals, ans):
            if isinstance(v, (float, np.ndarray)) and id(v) not in seen:
                seen.add(id(v))
                nbytes += 8 * int(np.prod(shape_of(v)))
        rows.append((prim.name, nbytes))
    return rows


def _fmt(v: Any) -> str:
    v = concrete(v)
    if v is None:
        return "–"
    if np.ndim(v) == 0:
        return f"{float(v):.4g}"
    return np.array2string(np.asarray(v), precision=3, separator=", ", threshold=6)


def record(
    f: Callable,
    *args: Any,
    names: list[str] | None = None,
    adjoints: bool = True,
    tangents: Sequence[Any] | None = None,
) -> Graph:
    """Record the graph of the scalar function `f` at `args`.

    Inputs become nodes 0..len(args)-1 (labelled with `names`; default x, or x1, x2, ...);
    each primitive application on the tape becomes one further node. With
    `adjoints=True` the backward sweep is run from the output (seed 1.0) and each
    node gets its adjoint and each edge the cotangent it carries. With `tangents`
    (one per input) the forward sweep of a JVP is run too: each node gets its
    tangent and each edge the tangent contribution it carries.

    >>> g = record(lambda x1, x2: x1 * x2 + x2, 2.0, 4.0)
    >>> [n.label for n in g.nodes], [n.adjoint for n in g.nodes]
    (['x1', 'x2', 'mul', 'add'], [4.0, 3.0, 1.0, 1.0])
    """
    tape, out, xs = _record_tape(f, args)
    n = len(xs)
    if not (isinstance(out, TapeTracer) and out.trace.tape is tape):
        raise ValueError("the output of f does not depend on its inputs")
    if shape_of(out) != ():
        raise ValueError(f"record needs a scalar output, got shape {shape_of(out)}")
    names = names or (["x"] if n == 1 else [f"x{i + 1}" for i in range(n)])
    nodes = [Node(i, "input", x, label=names[i]) for i, x in enumerate(xs)]
    edges = []
    for k, (prim, primals, params, ans, parents) in enumerate(tape):
        slot = n + k
        traced = dict(parents)
        consts = {i: p for i, p in enumerate(primals) if i not in traced}
        depth = 1 + max(nodes[j].depth for j in traced.values())
        shown = [_fmt(consts[i]) if i in consts else "·" for i in range(len(primals))]
        shown += [f"{key}={val}" for key, val in params.items()]
        label = prim.name if not consts and not params else f"{prim.name}({', '.join(shown)})"
        nodes.append(Node(slot, prim.name, ans, tuple(traced.values()), consts, label, depth))
        edges += [Edge(j, slot, i) for i, j in parents]
    graph = Graph(nodes, edges, out.index)
    if adjoints:
        _sweep(graph, tape, n)
    if tangents is not None:
        _forward_sweep(graph, tape, n, tangents)
    return graph


def _forward_sweep(graph: Graph, tape: list, n: int, tangents: Sequence[Any]) -> None:
    """Fill in tangents of nodes and edges with minigrad's JVP rules, in tape order."""
    if len(tangents) != n:
        raise ValueError(f"record got {n} inputs but {len(tangents)} tangents")
    for node, t in zip(graph.nodes, tangents):
        node.tangent = float(t) if isinstance(t, (int, float)) else np.asarray(t, dtype=float)
    into: dict[int, list[Edge]] = {}
    for e in graph.edges:
        into.setdefault(e.dst, []).append(e)
    for k, (prim, primals, params, ans, _) in enumerate(tape):
        node = graph.nodes[n + k]
        if prim.jvp is LINEAR:  # a linear primitive is its own JVP rule
            ts = [zeros_like(p) for p in primals]
            for e in into[node.index]:
                ts[e.arg] = graph.nodes[e.src].tangent
            node.tangent = prim.impl(*ts, **params)
            for e in into[node.index]:
                only = [t if i == e.arg else zeros_like(t) for i, t in enumerate(ts)]
                e.tangent = prim.impl(*only, **params)
            continue
        for e in into[node.index]:
            e.tangent = prim.rule("jvp", e.arg)(graph.nodes[e.src].tangent, ans, *primals, **params)
            node.tangent = e.tangent if node.tangent is None else node.tangent + e.tangent
        if shape_of(node.tangent) != shape_of(ans):  # a scalar tangent into an array op
            node.tangent = np.broadcast_to(node.tangent, shape_of(ans)).copy()


def _sweep(graph: Graph, tape: list, n: int) -> None:
    """Fill in adjoints and edge cotangents, reusing minigrad's `backward`.

    Sweeping only the tape entries after node k leaves node k's adjoint complete
    (every use of a value comes later on the tape), so one call per node gives all
    adjoints; quadratic in the tape length, which is fine for the small graphs drawn.
    """
    seed = [(graph.output, 1.0)]
    for node in graph.nodes:
        k = max(node.index - n + 1, 0)  # tape entries from k on may use node's value
        node.adjoint = backward(tape[k:], n + k, seed)[node.index]
    for e in graph.edges:
        prim, primals, params, ans, _ = tape[e.dst - n]
        g = graph.nodes[e.dst].adjoint
        e.cotangent = None if g is None else prim.rule("vjp", e.arg)(g, ans, *primals, **params)


def layout(graph: Graph) -> dict[int, tuple[float, float]]:
    """Positions of the nodes: one column per depth, nodes spread evenly in each
    column and ordered by the mean height of their parents (fewer crossing edges).

    Returns `{node index: (x, y)}`, x being the node's depth.

    >>> layout(record(lambda x1, x2: x1 * x2 + x2, 2.0, 4.0))
    {0: (0.0, 0.5), 1: (0.0, -0.5), 2: (1.0, 0.0), 3: (2.0, 0.0)}
    """
    columns: dict[int, list[int]] = {}
    for node in graph.nodes:
        columns.setdefault(node.depth, []).append(node.index)
    pos: dict[int, tuple[float, float]] = {}
    for depth in sorted(columns):
        members = columns[depth]
        if depth > 0:
            members.sort(key=lambda i: -np.mean([pos[j][1] for j in graph.nodes[i].parents]))
        for r, i in enumerate(members):
            pos[i] = (float(depth), (len(members) - 1) / 2 - r)
    return pos


def _depth_axes(ax: Any, pos: dict, pad_y: float = 0.7, fontsize: float | None = None) -> None:
    """Frame a drawn graph: x is the depth of each node (ticks), no y axis."""
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - pad_y, max(ys) + pad_y)
    ax.set_xticks(sorted(set(xs)))
    ax.set_yticks([])
    ax.set_xlabel("depth (primitive applications from the inputs)", fontsize=fontsize)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _label_spot(p: tuple[float, float], q: tuple[float, float], placed: list) -> tuple[float, float]:
    """Where to label the edge p -> q: the middle of one of the gaps between columns
    it crosses, the one farthest from the spots already taken."""
    (x0, y0), (x1, y1) = p, q
    dx = x1 - x0
    spots = [(x0 + t * dx, y0 + t * (y1 - y0)) for t in ((k + 0.5) / dx for k in range(int(dx)))]
    return max(spots, key=lambda s: min((s[0] - u) ** 2 + (2 * (s[1] - v)) ** 2 for u, v in placed))


def draw(graph: Graph, ax=None, sweep: str = "forward", edge_labels: bool = True, title: str | None = None):
    """Draw `graph` on matplotlib axes `ax`.

    `sweep="forward"`: each node shows its operation and value, arrows point
    from inputs to outputs. `sweep="backward"`: each node shows its adjoint
    (ȳ), arrows point backwards and are labelled with the cotangents they carry.
    Returns the axes (new ones from `matplotlib.pyplot` when `ax` is None).

    >>> from matplotlib.figure import Figure
    >>> g = record(lambda x1, x2: x1 * x2 + x2, 2.0, 4.0)
    >>> draw(g, Figure().subplots(), sweep="backward").get_title()
    'backward sweep: adjoints'
    """
    import matplotlib.pyplot as plt

    if sweep not in ("forward", "backward"):
        raise ValueError(f"sweep must be 'forward' or 'backward', got {sweep!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    pos = layout(graph)
    colors = {"input": "#cfe2f3", "output": "#f9cb9c", "op": "#eeeeee"}
    for node in graph.nodes:
        kind = "input" if node.op == "input" else ("output" if node.index == graph.output else "op")
        if sweep == "forward":
            text = f"{node.label}\n= {_fmt(node.value)}"
        else:
            text = f"{node.label}\nadj = {_fmt(node.adjoint)}"
        ax.text(*pos[node.index], text, ha="center", va="center", fontsize=11, zorder=3,
                bbox=dict(boxstyle="round,pad=0.4", fc=colors[kind], ec="0.3"))
    placed = list(pos.values())  # label spots taken so far (nodes count as taken)
    for e in graph.edges:
        a, b = (e.src, e.dst) if sweep == "forward" else (e.dst, e.src)
        color = "0.35" if sweep == "forward" else "#cc0000"
        ax.annotate("", xy=pos[b], xytext=pos[a], zorder=2,
                    arrowprops=dict(arrowstyle="-|>", color=color, lw=1.4, shrinkA=28, shrinkB=28))
        if sweep == "backward" and edge_labels and e.cotangent is not None:
            x, y = _label_spot(pos[e.src], pos[e.dst], placed)
            placed.append((x, y))
            ax.text(x, y, _fmt(e.cotangent), color=color, fontsize=10, ha="center", va="center", zorder=4,
                    bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.85))
    _depth_axes(ax, pos, pad_y=0.7)
    ax.set_title(title or ("forward sweep: values" if sweep == "forward" else "backward sweep: adjoints"))
    return ax
