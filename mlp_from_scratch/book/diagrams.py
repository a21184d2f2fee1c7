"""Schematic diagrams of a network in the book's notation, drawn by code.

The figures of the book that are drawings rather than plots: a layered network
with its symbols (:func:`draw_network`), the small network of a worked example
with its numbers (:func:`draw_worked_example`), and the forward and backward flow
through one layer (:func:`draw_layer_flow`), and the computational graph of an
:mod:`~mlp_from_scratch.autodiff` tensor (:func:`plot_graph`). They are drawn from the same sizes
and arrays the chapters compute with, so a drawing cannot drift from the text.

The symbols are those of the notation page: layers ``l = 1..L``, ``a^0 = x``,
``z^l = (W^l)^T a^{l-1} + b^l``, ``a^l = f(z^l)``, output ``a^L = F(z^L)``, error
signal ``delta^l = dJ/dz^l``. Each function draws into an ``ax`` it is given, or
makes a new figure, and returns the Axes. Every drawn element carries a ``gid``
(``"unit"``, ``"edge"``, ``"forward"``, ``"backward"``, ``"reuse"``, ...), so that
what is drawn can be checked without looking at pixels.
"""

from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

__all__ = ["draw_network", "draw_worked_example", "draw_layer_flow", "plot_graph"]

_UNIT_RADIUS = 0.22
_FORWARD_COLOUR = "C0"
_BACKWARD_COLOUR = "C3"


def _check_layer_sizes(layer_sizes):
    sizes = list(layer_sizes) if np.ndim(layer_sizes) == 1 else None
    if sizes is None or len(sizes) < 2:
        raise ValueError(f"layer_sizes must list at least two layer sizes (n_0, ..., n_L); got {layer_sizes!r}")
    for n in sizes:
        if int(n) != n or n < 1:
            raise ValueError(f"layer_sizes must be positive integers; got {layer_sizes!r}")
    return [int(n) for n in sizes]


def _new_axes(ax, size):
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _unit_positions(layer_sizes, spacing=1.0, layer_gap=2.0):
    """Centre of every unit: one column per layer, each column centred on y = 0."""
    positions = []
    for l, n in enumerate(layer_sizes):
        ys = (np.arange(n)[::-1] - (n - 1) / 2) * spacing
        positions.append([(l * layer_gap, float(y)) for y in ys])
    return positions


def _draw_units_and_edges(ax, positions, radius=_UNIT_RADIUS):
    for l, column in enumerate(positions[1:], start=1):
        for i, (x0, y0) in enumerate(positions[l - 1]):
            for j, (x1, y1) in enumerate(column):
                (line,) = ax.plot([x0 + radius, x1 - radius], [y0, y1], color="0.55", lw=0.8, zorder=1)
                line.set_gid("edge")
    for l, column in enumerate(positions):
        colour = "0.92" if l == 0 else ("#fde0c5" if l == len(positions) - 1 else "#d6e6f5")
        for x, y in column:
            circle = Circle((x, y), radius, facecolor=colour, edgecolor="0.2", lw=1.0, zorder=2)
            circle.set_gid("unit")
            ax.add_patch(circle)


def _finish(ax, positions, margin=0.9, top=1.0, bottom=1.0):
    xs = [x for column in positions for x, _ in column]
    ys = [y for column in positions for _, y in column]
    ax.set_xlim(min(xs) - margin, max(xs) + margin)
    ax.set_ylim(min(ys) - bottom, max(ys) + top)
    ax.set_aspect("equal")
    ax.set_axis_off()


def draw_network(layer_sizes, ax=None):
    """A layered network labelled with the notation page's symbols.

    One column of circles per layer (the inputs on the left), one line per weight.
    Between layers ``l - 1`` and ``l`` the drawing names the parameters
    :math:`W^l` (shape :math:`n_{l-1} \\times n_l`) and :math:`\\mathbf{b}^l`; under
    each column it names what the layer holds: :math:`\\mathbf{a}^0 = \\mathbf{x}`,
    :math:`\\mathbf{z}^l` and :math:`\\mathbf{a}^l = f(\\mathbf{z}^l)` for a hidden
    layer, :math:`\\mathbf{z}^L` and :math:`\\mathbf{a}^L = F(\\mathbf{z}^L)` for the
    output.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``(n_0, n_1, ..., n_L)``, as given to :class:`~mlp_from_scratch.MLP`; at
        least two entries.
    ax : matplotlib Axes, optional
        Drawn into; a new figure is made when None.

    Returns
    -------
    matplotlib Axes
        With ``sum(layer_sizes)`` circles (gid ``"unit"``), one line per weight
        (gid ``"edge"``), one parameter label per weight layer (gid ``"parameters"``)
        and one label per layer (gid ``"layer"``).

    Raises
    ------
    ValueError
        If ``layer_sizes`` has fewer than two entries or one is not a positive integer.
    """
    sizes = _check_layer_sizes(layer_sizes)
    n_layers = len(sizes) - 1
    ax = _new_axes(ax, (2.2 * len(sizes), 0.9 * max(sizes) + 1.6))
    positions = _unit_positions(sizes)
    _draw_units_and_edges(ax, positions)
    top = max(y for column in positions for _, y in column)
    bottom = min(y for column in positions for _, y in column)
    for l in range(1, n_layers + 1):
        x = (positions[l - 1][0][0] + positions[l][0][0]) / 2
        label = ax.text(x, top + 0.55, rf"$W^{{{l}}}, \mathbf{{b}}^{{{l}}}$" + "\n"
                        + rf"${sizes[l - 1]} \times {sizes[l]}$",
                        ha="center", va="bottom", fontsize=10)
        label.set_gid("parameters")
    for l, column in enumerate(positions):
        if l == 0:
            text = r"$\mathbf{a}^0 = \mathbf{x}$"
        elif l < n_layers:
            text = rf"$\mathbf{{z}}^{{{l}}}$" + "\n" + rf"$\mathbf{{a}}^{{{l}}} = f(\mathbf{{z}}^{{{l}}})$"
        else:
            text = (rf"$\mathbf{{z}}^{{{l}}}$" + "\n"
                    + rf"$\mathbf{{a}}^{{{l}}} = F(\mathbf{{z}}^{{{l}}}) = \hat{{\mathbf{{y}}}}$")
        label = ax.text(column[0][0], bottom - 0.45, text, ha="center", va="top", fontsize=10)
        label.set_gid("layer")
    _finish(ax, positions, margin=1.1, top=1.5, bottom=1.5)
    return ax


def _as_vectors(arrays, name):
    try:
        vectors = [np.asarray(v, dtype=float) for v in arrays]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a list of 1-d arrays of numbers") from None
    if any(v.ndim != 1 for v in vectors):
        raise ValueError(f"{name} must be a list of 1-d arrays (one per layer); got shapes "
                         f"{[v.shape for v in vectors]}")
    return vectors


def draw_worked_example(weights, biases, activations, fmt="{:.2f}", ax=None):
    """A small network with its numbers: weights on the edges, activations in the units.

    Parameters
    ----------
    weights : list of ndarray
        ``[W^1, ..., W^L]``, ``W^l`` of shape ``(n_{l-1}, n_l)`` (the package's
        ``net.weights``).
    biases : list of ndarray
        ``[b^1, ..., b^L]``, ``b^l`` of shape ``(n_l,)``.
    activations : list of ndarray
        ``[a^0, ..., a^L]`` for one example, ``a^l`` of shape ``(n_l,)``, with
        ``a^0 = x``: the values written inside the units.
    fmt : str
        Format of every number, e.g. ``"{:.2f}"``.
    ax : matplotlib Axes, optional
        Drawn into; a new figure is made when None.

    Returns
    -------
    matplotlib Axes
        With one circle per unit (gid ``"unit"``), one line per weight (gid
        ``"edge"``), one number per weight (gid ``"weight"``), per unit (gid
        ``"activation"``) and per bias (gid ``"bias"``), and one symbol per layer
        (gid ``"layer"``).

    Raises
    ------
    ValueError
        If the shapes do not chain: ``len(activations) != len(weights) + 1``, or
        ``weights[l]`` is not ``(len(activations[l]), len(activations[l + 1]))``,
        or ``biases[l]`` not ``(len(activations[l + 1]),)``.
    """
    activations = _as_vectors(activations, "activations")
    biases = _as_vectors(biases, "biases")
    weights = [np.asarray(W, dtype=float) for W in weights]
    if len(activations) != len(weights) + 1 or len(biases) != len(weights) or not weights:
        raise ValueError(f"need L >= 1 weight matrices, L biases and L + 1 activations (a^0 = x first); got "
                         f"{len(weights)} weights, {len(biases)} biases, {len(activations)} activations")
    for l, (W, b) in enumerate(zip(weights, biases), start=1):
        expected = (activations[l - 1].size, activations[l].size)
        if W.shape != expected:
            raise ValueError(f"weights[{l - 1}] (W^{l}) must have shape {expected} to connect "
                             f"activations[{l - 1}] to activations[{l}]; got {W.shape}")
        if b.shape != (expected[1],):
            raise ValueError(f"biases[{l - 1}] (b^{l}) must have shape {(expected[1],)}; got {b.shape}")
    sizes = [a.size for a in activations]
    ax = _new_axes(ax, (2.6 * len(sizes), 1.2 * max(sizes) + 1.4))
    positions = _unit_positions(sizes, spacing=1.4, layer_gap=3.6)
    _draw_units_and_edges(ax, positions, radius=0.36)
    for l, W in enumerate(weights, start=1):
        for i, (x0, y0) in enumerate(positions[l - 1]):
            for j, (x1, y1) in enumerate(positions[l]):
                t = 0.22  # near the source unit, where the edges of one fan are apart
                text = ax.text(x0 + t * (x1 - x0), y0 + t * (y1 - y0), fmt.format(W[i, j]),
                               ha="center", va="center", fontsize=7, color="0.15", zorder=3,
                               bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.85))
                text.set_gid("weight")
    for l, column in enumerate(positions):
        for j, (x, y) in enumerate(column):
            text = ax.text(x, y, fmt.format(activations[l][j]), ha="center", va="center", fontsize=8, zorder=4)
            text.set_gid("activation")
            if l > 0:
                text = ax.text(x, y - 0.42, r"$b = $" + fmt.format(biases[l - 1][j]),
                               ha="center", va="top", fontsize=7, color="0.35", zorder=4)
                text.set_gid("bias")
    n_layers = len(weights)
    bottom = min(y for column in positions for _, y in column)
    for l, column in enumerate(positions):
        symbol = (r"$\mathbf{a}^0 = \mathbf{x}$" if l == 0 else
                  rf"$\mathbf{{a}}^{{{l}}} = F(\mathbf{{z}}^{{{l}}})$" if l == n_layers else
                  rf"$\mathbf{{a}}^{{{l}}} = f(\mathbf{{z}}^{{{l}}})$")
        text = ax.text(column[0][0], bottom - 0.7, symbol, ha="center", va="top", fontsize=10)
        text.set_gid("layer")
    _finish(ax, positions, margin=1.0, top=1.0, bottom=1.4)
    return ax


def _box(ax, xy, text, colour, gid, width=2.9):
    x, y = xy
    patch = FancyBboxPatch((x - width / 2, y - 0.32), width, 0.64, boxstyle="round,pad=0.05",
                           facecolor=colour, edgecolor="0.25", lw=1.0, zorder=2)
    patch.set_gid(gid)
    ax.add_patch(patch)
    label = ax.text(x, y, text, ha="center", va="center", fontsize=9.5, zorder=3)
    label.set_gid(gid + "-label")
    return patch


def _arrow(ax, start, end, colour, gid, style="-|>", linestyle="-", rad=0.0, label=None, label_offset=(0, 0)):
    arrow = FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12, color=colour, lw=1.4,
                            linestyle=linestyle, connectionstyle=f"arc3,rad={rad}", zorder=1)
    arrow.set_gid(gid)
    ax.add_patch(arrow)
    if label is not None:
        text = ax.text((start[0] + end[0]) / 2 + label_offset[0], (start[1] + end[1]) / 2 + label_offset[1],
                       label, ha="center", va="center", fontsize=8.5, color=colour)
        text.set_gid(gid + "-label")
    return arrow


def draw_layer_flow(objective="J", ax=None):
    """The forward and backward flow through one layer ``l``.

    The top row is the forward pass, left to right: :math:`\\mathbf{a}^{l-1}`,
    :math:`\\mathbf{z}^l = (W^l)^\\top \\mathbf{a}^{l-1} + \\mathbf{b}^l`,
    :math:`\\mathbf{a}^l = f(\\mathbf{z}^l)`, on to layer ``l + 1``. The bottom row is
    the backward pass, right to left: :math:`\\boldsymbol{\\delta}^{l+1}` from the
    layer above, :math:`\\boldsymbol{\\delta}^l = f'(\\mathbf{z}^l) \\odot
    W^{l+1}\\boldsymbol{\\delta}^{l+1}`, on to :math:`\\boldsymbol{\\delta}^{l-1}`. In
    the middle, the gradients :math:`\\nabla_{W^l} J = \\mathbf{a}^{l-1}
    (\\boldsymbol{\\delta}^l)^\\top` and :math:`\\nabla_{\\mathbf{b}^l} J =
    \\boldsymbol{\\delta}^l`; dashed arrows show which stored forward quantities the
    backward pass reuses.

    Parameters
    ----------
    objective : str
        The symbol (LaTeX) differentiated: ``"J"`` for the objective of a batch,
        ``"\\ell"`` for the loss of one example.
    ax : matplotlib Axes, optional
        Drawn into; a new figure is made when None.

    Returns
    -------
    matplotlib Axes
        With boxes of gid ``"forward"`` (3), ``"backward"`` (3) and ``"gradient"``
        (1), arrows of gid ``"forward"`` (3), ``"backward"`` (3) and ``"reuse"`` (3).
    """
    if not isinstance(objective, str) or not objective.strip():
        raise ValueError(f"objective must be a LaTeX symbol such as 'J' or r'\\ell'; got {objective!r}")
    ax = _new_axes(ax, (11.5, 4.4))
    top, middle, bottom = 1.6, 0.0, -1.6
    xs = [0.0, 4.6, 9.2]
    forward = [r"$\mathbf{a}^{l-1}$",
               r"$\mathbf{z}^l = (W^l)^\top \mathbf{a}^{l-1} + \mathbf{b}^l$",
               r"$\mathbf{a}^l = f(\mathbf{z}^l)$"]
    backward = [r"$\boldsymbol{\delta}^{l-1}$",
                r"$\boldsymbol{\delta}^l = f'(\mathbf{z}^l) \odot W^{l+1} \boldsymbol{\delta}^{l+1}$",
                r"$\boldsymbol{\delta}^{l+1}$"]
    for x, text in zip(xs, forward):
        _box(ax, (x, top), text, "#d6e6f5", "forward")
    for x, text in zip(xs, backward):
        _box(ax, (x, bottom), text, "#f8d7d3", "backward")
    _box(ax, (xs[0] + 1.9, middle),
         rf"$\nabla_{{W^l}} {objective} = \mathbf{{a}}^{{l-1}} (\boldsymbol{{\delta}}^l)^\top$" + "\n"
         + rf"$\nabla_{{\mathbf{{b}}^l}} {objective} = \boldsymbol{{\delta}}^l$", "#eeeeee", "gradient")
    half = 1.5
    _arrow(ax, (xs[0] + half, top), (xs[1] - half, top), _FORWARD_COLOUR, "forward", label=r"$W^l, \mathbf{b}^l$",
           label_offset=(0, 0.25))
    _arrow(ax, (xs[1] + half, top), (xs[2] - half, top), _FORWARD_COLOUR, "forward", label=r"$f$",
           label_offset=(0, 0.25))
    _arrow(ax, (xs[2] + half, top), (xs[2] + half + 1.0, top), _FORWARD_COLOUR, "forward",
           label=r"to layer $l+1$", label_offset=(0.2, 0.25))
    _arrow(ax, (xs[2] + half + 1.0, bottom), (xs[2] + half, bottom), _BACKWARD_COLOUR, "backward",
           label=r"from layer $l+1$", label_offset=(0.2, -0.25))
    _arrow(ax, (xs[2] - half, bottom), (xs[1] + half, bottom), _BACKWARD_COLOUR, "backward",
           label=r"$W^{l+1}, f'(\mathbf{z}^l)$", label_offset=(0, -0.45))
    _arrow(ax, (xs[1] - half, bottom), (xs[0] + half, bottom), _BACKWARD_COLOUR, "backward",
           label=r"$W^l, f'(\mathbf{z}^{l-1})$", label_offset=(0, -0.45))
    # what the backward pass reuses from the forward pass
    _arrow(ax, (xs[0], top - 0.35), (xs[0] + 1.2, middle + 0.4), "0.4", "reuse", linestyle="--")
    _arrow(ax, (xs[1] - 0.6, bottom + 0.35), (xs[0] + 2.6, middle - 0.4), "0.4", "reuse", linestyle="--")
    _arrow(ax, (xs[1] + 1.0, top - 0.35), (xs[1] + 1.0, bottom + 0.35), "0.4", "reuse", linestyle="--",
           label=r"$f'(\mathbf{z}^l)$", label_offset=(0.45, 0))
    ax.text(xs[0] - half, top + 0.55, "forward pass", color=_FORWARD_COLOUR, fontsize=9, ha="left")
    ax.text(xs[0] - half, bottom - 0.75, "backward pass", color=_BACKWARD_COLOUR, fontsize=9, ha="left")
    ax.set_xlim(xs[0] - half - 0.2, xs[2] + half + 1.5)
    ax.set_ylim(bottom - 1.0, top + 0.9)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax


_GRAPH_COLOURS = {"leaf": "#cfe2f3", "op": "#fce5cd", "root": "#f4cccc"}


def _graph_layout(order):
    """Columns and rows of the nodes of a graph, given in topological order.

    An operation sits one column right of its right-most parent; a leaf one column
    left of its first user, so that inputs stand next to the operation that reads them.
    The nodes of a column are stacked from the top, in topological order.
    """
    column = {}
    for node in order:
        if node.parents:
            column[id(node)] = 1 + max(column.get(id(p), 0) for p in node.parents)
    for node in order:
        if not node.parents:
            users = [column[id(n)] for n in order if any(p is node for p in n.parents)]
            column[id(node)] = min(users) - 1 if users else 0
    shift = min(column.values())
    stacks = {}
    for node in order:
        stacks.setdefault(column[id(node)] - shift, []).append(node)
    position = {}
    for x, nodes in stacks.items():
        for i, node in enumerate(nodes):
            position[id(node)] = (x, (len(nodes) - 1) / 2 - i)
    return position


def plot_graph(root, ax=None, width=0.8, height=0.5):
    """Draw the computational graph of an autodiff tensor, inputs on the left.

    Leaves (inputs and parameters) are blue boxes labelled with their name, operations
    orange boxes labelled with what they compute, the output red; every box shows the
    shape of its value, and an arrow runs from each tensor to every operation using it.
    An arrow between neighbouring columns is straight; a longer one runs below the
    boxes, in a lane of its own, so that it crosses none of them.

    Parameters
    ----------
    root : mlp_from_scratch.autodiff.Tensor
        The output, e.g. the loss; the graph is everything it was computed from.
    ax : matplotlib Axes, optional
        Drawn into; a new figure is made when None.
    width, height : float
        Size of a box, in units of the distance between columns and rows.

    Returns
    -------
    matplotlib Axes
        The boxes are patches with gid "graph-node", the arrows patches with gid
        "graph-edge"; the labels are its texts.
    """
    from matplotlib.path import Path

    from ..autodiff import Tensor, topological_order

    if not isinstance(root, Tensor):
        raise ValueError(f"root must be an autodiff Tensor; got {type(root).__name__}")
    order = topological_order(root)
    position = _graph_layout(order)
    n_columns = 1 + max(x for x, _ in position.values())
    n_rows = max(sum(1 for x, _ in position.values() if x == c) for c in range(n_columns))
    if ax is None:
        _, ax = plt.subplots(figsize=(1.7 * n_columns, 0.5 + 0.9 * n_rows))
    gutter = (1 - width) / 2                  # from a box's side to the middle of the gap
    lane = -(n_rows - 1) / 2 - height / 2     # below the lowest box
    arrow = dict(gid="graph-edge", arrowstyle="-|>", mutation_scale=12, color="0.3",
                 shrinkA=0, shrinkB=0, zorder=1)
    for node in order:
        x, y = position[id(node)]
        kind = "root" if node is root else ("op" if node.parents else "leaf")
        ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, gid="graph-node",
                                    boxstyle="round,pad=0.02", fc=_GRAPH_COLOURS[kind], ec="0.3",
                                    zorder=2))
        shape = "scalar" if node.value.ndim == 0 else "(" + ", ".join(map(str, node.shape)) + ")"
        if node.parents or node.name:
            label = node.op if node.parents else node.name
        else:                                 # an unnamed leaf: a constant such as l2
            label = f"{node.value.item():g}" if node.value.size == 1 else "constant"
        ax.text(x, y, f"{label}\n{shape}", ha="center", va="center", fontsize=9, zorder=3)
        for parent in node.parents:
            px, py = position[id(parent)]
            start, end = (px + width / 2, py), (x - width / 2, y)
            if x - px == 1:
                ax.add_patch(FancyArrowPatch(start, end, **arrow))
                continue
            lane -= 0.3                       # out to the gap, down to a new lane, along, and up
            a, b = px + width / 2 + gutter, x - width / 2 - gutter
            corners = [start, (a, py), (a, lane), (b, lane), (b, y), end]
            ax.add_patch(FancyArrowPatch(path=Path(corners), **arrow))
    ax.set_xlim(-0.6, n_columns - 0.4)
    ax.set_ylim(min(lane, -n_rows / 2) - 0.1, n_rows / 2)
    ax.set_axis_off()
    return ax
