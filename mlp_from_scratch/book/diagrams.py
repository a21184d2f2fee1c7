"""Schematic diagrams of a network in the book's notation, drawn by code.

The figures of the book that are drawings rather than plots: a layered network
with its symbols (:func:`draw_network`), the small network of a worked example
with its numbers (:func:`draw_worked_example`), and the forward and backward flow
through one layer (:func:`draw_layer_flow`); a network thinned by dropout
(:func:`draw_dropout`, described in words by :func:`describe_dropout`) and the
dropout mask in the forward and backward flow (:func:`draw_dropout_flow`); and two
pictures of regularisation: the L1 and L2 constraint regions with the contours of a
quadratic loss (:func:`draw_norm_ball`, with the constrained minimiser
:func:`norm_ball_minimum`), and a prior, a likelihood and their posterior on one
parameter (:func:`draw_prior_posterior`); and the computational graph of an
:mod:`~mlp_from_scratch.autodiff` tensor (:func:`plot_graph`). They are drawn from the
same sizes and arrays the chapters compute with, so a drawing cannot drift from the text.

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

__all__ = ["draw_network", "draw_worked_example", "draw_layer_flow", "draw_dropout", "describe_dropout",
           "draw_dropout_flow", "norm_ball_minimum", "draw_norm_ball", "draw_prior_posterior", "plot_graph"]

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


def _finish_flow(ax, xs, half, top, bottom, right):
    """Label the forward and backward rows of a flow diagram and frame its boxes."""
    ax.text(xs[0] - half, top + 0.55, "forward pass", color=_FORWARD_COLOUR, fontsize=9, ha="left")
    ax.text(xs[0] - half, bottom - 0.75, "backward pass", color=_BACKWARD_COLOUR, fontsize=9, ha="left")
    ax.set_xlim(xs[0] - half - 0.2, xs[2] + half + right)
    ax.set_ylim(bottom - 1.0, top + 0.9)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax


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
    return _finish_flow(ax, xs, half, top, bottom, right=1.5)


def _check_keep(layer_sizes, keep):
    """The masks of the hidden layers as boolean arrays, checked against the layer sizes."""
    sizes = _check_layer_sizes(layer_sizes)
    n_hidden = len(sizes) - 2
    if n_hidden < 1:
        raise ValueError(f"dropout needs a hidden layer: one mask per hidden layer, and layer_sizes "
                         f"{sizes} has none")
    try:
        masks = [np.asarray(r) for r in keep]
    except TypeError:
        raise ValueError("keep must be a list of 1-d arrays, one per hidden layer") from None
    if len(masks) != n_hidden:
        raise ValueError(f"keep must have one mask per hidden layer ({n_hidden} for layer_sizes "
                         f"{sizes}); got {len(masks)}")
    for l, r in enumerate(masks, start=1):
        if r.shape != (sizes[l],):
            raise ValueError(f"keep[{l - 1}] (the mask r^{l}) must have shape ({sizes[l]},); got {r.shape}")
        if not np.all((r == 0) | (r == 1)):
            raise ValueError(f"keep[{l - 1}] (the mask r^{l}) must hold only 0 (drop) and 1 (keep)")
    return sizes, [r.astype(bool) for r in masks]


def draw_dropout(layer_sizes, keep, ax=None):
    """A network thinned by dropout: the dropped hidden units and their weights greyed out.

    Dropout multiplies the activation of hidden layer ``l`` by a mask
    :math:`\\mathbf{r}^l` of zeros (drop) and ones (keep); a dropped unit takes no part
    in this step, forward or backward, and neither do the weights that enter or leave
    it. The drawing shows the sub-network that remains: kept units and the weights
    between them as in :func:`draw_network`, dropped units crossed out, their weights
    faint and dashed. The inputs and outputs are never dropped.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``(n_0, n_1, ..., n_L)``, at least three entries (one hidden layer).
    keep : list of array_like
        One mask per hidden layer, ``keep[l - 1]`` of shape ``(n_l,)``, with 1 (or
        True) for a kept unit and 0 for a dropped one: :math:`\\mathbf{r}^l`. The
        package's scaled masks :math:`\\mathbf{r}^l / (1 - p)` become this with
        ``mask > 0``.
    ax : matplotlib Axes, optional
        Drawn into; a new figure is made when None.

    Returns
    -------
    matplotlib Axes
        With one circle per kept unit (gid ``"unit"``) and per dropped unit (gid
        ``"dropped-unit"``, crossed by two lines of gid ``"cross"``), one line per
        weight between kept units (gid ``"edge"``) and per weight that touches a
        dropped unit (gid ``"dropped-edge"``), and one label per layer (gid ``"layer"``).

    Raises
    ------
    ValueError
        If the layer sizes are not valid, or ``keep`` does not hold one 0/1 mask of
        the right length per hidden layer.
    """
    sizes, masks = _check_keep(layer_sizes, keep)
    kept = [np.ones(sizes[0], bool)] + masks + [np.ones(sizes[-1], bool)]
    n_layers = len(sizes) - 1
    ax = _new_axes(ax, (2.6 * len(sizes), 0.9 * max(sizes) + 1.6))
    positions = _unit_positions(sizes, layer_gap=2.6)
    radius = _UNIT_RADIUS
    for l in range(1, len(sizes)):
        for i, (x0, y0) in enumerate(positions[l - 1]):
            for j, (x1, y1) in enumerate(positions[l]):
                on = kept[l - 1][i] and kept[l][j]
                (line,) = ax.plot([x0 + radius, x1 - radius], [y0, y1], zorder=1,
                                  color="0.45" if on else "0.85", lw=1.0 if on else 0.7,
                                  ls="-" if on else (0, (3, 3)))
                line.set_gid("edge" if on else "dropped-edge")
    for l, column in enumerate(positions):
        colour = "0.92" if l == 0 else ("#fde0c5" if l == n_layers else "#d6e6f5")
        for j, (x, y) in enumerate(column):
            if kept[l][j]:
                circle = Circle((x, y), radius, facecolor=colour, edgecolor="0.2", lw=1.0, zorder=2)
                circle.set_gid("unit")
            else:
                circle = Circle((x, y), radius, facecolor="white", edgecolor="0.7", lw=1.0, ls="--", zorder=2)
                circle.set_gid("dropped-unit")
                d = 0.7 * radius
                for sign in (1, -1):
                    (cross,) = ax.plot([x - d, x + d], [y - sign * d, y + sign * d], color=_BACKWARD_COLOUR,
                                       lw=1.4, zorder=3)
                    cross.set_gid("cross")
            ax.add_patch(circle)
    bottom = min(y for column in positions for _, y in column)
    for l, column in enumerate(positions):
        if l == 0:
            text = r"$\mathbf{a}^0 = \mathbf{x}$"
        elif l < n_layers:
            text = rf"$\tilde{{\mathbf{{a}}}}^{{{l}}}$" + "\n" + rf"mask $\mathbf{{r}}^{{{l}}}$"
        else:
            text = rf"$\mathbf{{a}}^{{{l}}}$"
        label = ax.text(column[0][0], bottom - 0.45, text, ha="center", va="top", fontsize=10)
        label.set_gid("layer")
    _finish(ax, positions, margin=1.1, top=0.6, bottom=1.2)
    return ax


def describe_dropout(layer_sizes, keep):
    """Words for :func:`draw_dropout`'s drawing, made from the same masks (its alt text).

    Parameters
    ----------
    layer_sizes, keep
        As for :func:`draw_dropout`.

    Returns
    -------
    str
        One sentence per hidden layer naming the dropped units (counted from 1, top
        to bottom, as drawn), and the number of weights that take part in the step.

    Raises
    ------
    ValueError
        As :func:`draw_dropout`.
    """
    sizes, masks = _check_keep(layer_sizes, keep)
    kept = [np.ones(sizes[0], bool)] + masks + [np.ones(sizes[-1], bool)]
    parts = [f"A network with layers of {', '.join(map(str, sizes[:-1]))} and {sizes[-1]} units, "
             "drawn as columns of circles from the inputs on the left to the outputs on the right."]
    for l, r in enumerate(masks, start=1):
        dropped = np.flatnonzero(~r) + 1
        if len(dropped) == 0:
            parts.append(f"In hidden layer {l} every unit is kept.")
        else:
            units = ", ".join(map(str, dropped[:-1])) + (" and " if len(dropped) > 1 else "") + str(dropped[-1])
            one = len(dropped) == 1
            parts.append(f"In hidden layer {l}, {len(dropped)} of {sizes[l]} units "
                         f"({'unit' if one else 'units'} {units} from the top) "
                         f"{'is' if one else 'are'} crossed out, with {'its' if one else 'their'} "
                         "weights drawn faint and dashed.")
    active = sum(int(kept[l - 1].sum() * kept[l].sum()) for l in range(1, len(sizes)))
    total = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    parts.append(f"{active} of the {total} weights join two kept units and take part in this step.")
    return " ".join(parts)


def draw_dropout_flow(ax=None):
    """Where the dropout mask enters the forward and the backward pass of hidden layer ``l``.

    The top row is the forward pass, left to right: :math:`\\mathbf{a}^l = f(\\mathbf{z}^l)`,
    the dropped-out activation :math:`\\tilde{\\mathbf{a}}^l = \\mathbf{r}^l \\odot
    \\mathbf{a}^l / (1 - p)`, and :math:`\\mathbf{z}^{l+1} = (W^{l+1})^\\top
    \\tilde{\\mathbf{a}}^l + \\mathbf{b}^{l+1}`. The bottom row is the backward pass, right
    to left: :math:`\\boldsymbol{\\delta}^{l+1}`, its image :math:`W^{l+1}
    \\boldsymbol{\\delta}^{l+1}` (the gradient with respect to :math:`\\tilde{\\mathbf{a}}^l`),
    and :math:`\\boldsymbol{\\delta}^l = f'(\\mathbf{z}^l) \\odot \\mathbf{r}^l \\odot
    W^{l+1} \\boldsymbol{\\delta}^{l+1} / (1 - p)`. In the middle, the mask
    :math:`\\mathbf{r}^l`, drawn once per step, with one arrow into each pass: the same
    mask multiplies both.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Drawn into; a new figure is made when None.

    Returns
    -------
    matplotlib Axes
        With boxes of gid ``"forward"`` (3), ``"backward"`` (3) and ``"mask"`` (1),
        arrows of gid ``"forward"`` (2), ``"backward"`` (2) and ``"mask"`` (2).
    """
    ax = _new_axes(ax, (13.0, 4.4))
    top, middle, bottom = 1.6, 0.0, -1.6
    xs = [0.0, 5.6, 11.2]
    forward = [r"$\mathbf{a}^l = f(\mathbf{z}^l)$",
               r"$\tilde{\mathbf{a}}^l = \mathbf{r}^l \odot \mathbf{a}^l / (1 - p)$",
               r"$\mathbf{z}^{l+1} = (W^{l+1})^\top \tilde{\mathbf{a}}^l + \mathbf{b}^{l+1}$"]
    backward = [r"$\boldsymbol{\delta}^l = f'(\mathbf{z}^l) \odot \mathbf{r}^l \odot"
                r" W^{l+1} \boldsymbol{\delta}^{l+1} / (1 - p)$",
                r"$W^{l+1} \boldsymbol{\delta}^{l+1}$",
                r"$\boldsymbol{\delta}^{l+1}$"]
    for x, text in zip(xs, forward):
        _box(ax, (x, top), text, "#d6e6f5", "forward", width=4.6)
    for x, text in zip(xs, backward):
        _box(ax, (x, bottom), text, "#f8d7d3", "backward", width=4.6)
    _box(ax, (xs[1], middle), r"mask $\mathbf{r}^l$: $r^l_j = 1$ with probability $1 - p$, else $0$",
         "#eeeeee", "mask", width=4.6)
    half = 2.35
    _arrow(ax, (xs[0] + half, top), (xs[1] - half, top), _FORWARD_COLOUR, "forward")
    _arrow(ax, (xs[1] + half, top), (xs[2] - half, top), _FORWARD_COLOUR, "forward",
           label=r"$W^{l+1}, \mathbf{b}^{l+1}$", label_offset=(0, 0.5))
    _arrow(ax, (xs[2] - half, bottom), (xs[1] + half, bottom), _BACKWARD_COLOUR, "backward",
           label=r"$W^{l+1}$", label_offset=(0, -0.5))
    _arrow(ax, (xs[1] - half, bottom), (xs[0] + half, bottom), _BACKWARD_COLOUR, "backward",
           label=r"$\mathbf{r}^l / (1 - p)$, $f'(\mathbf{z}^l)$", label_offset=(0, -0.5))
    _arrow(ax, (xs[1], middle + 0.37), (xs[1], top - 0.37), "0.3", "mask")
    _arrow(ax, (xs[1] - 1.2, middle - 0.37), (xs[0] + 1.2, bottom + 0.37), "0.3", "mask")
    return _finish_flow(ax, xs, half, top, bottom, right=0.2)


def _check_quadratic(w_star, H, radius, norm):
    w_star = np.asarray(w_star, dtype=float)
    H = np.asarray(H, dtype=float)
    if w_star.shape != (2,) or H.shape != (2, 2):
        raise ValueError(f"w_star must have shape (2,) and H shape (2, 2); got {w_star.shape} and {H.shape}")
    if not (np.all(np.isfinite(w_star)) and np.all(np.isfinite(H))):
        raise ValueError("w_star and H must be finite")
    if not np.allclose(H, H.T):
        raise ValueError("H must be symmetric")
    try:
        np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        raise ValueError("H must be positive definite: the loss needs a single minimiser w_star") from None
    if not (np.isfinite(radius) and radius > 0):
        raise ValueError(f"radius must be a positive number; got {radius!r}")
    if norm not in (1, 2):
        raise ValueError(f"norm must be 1 (the L1 ball) or 2 (the L2 ball); got {norm!r}")
    return w_star, H, float(radius)


def _quadratic(w, w_star, H):
    """The loss 1/2 (w - w*)^T H (w - w*) of every row of w, shape (M, 2) -> (M,)."""
    d = np.atleast_2d(w) - w_star
    return 0.5 * np.einsum("mi,ij,mj->m", d, H, d)


def norm_ball_minimum(w_star, H, radius, norm):
    r"""The minimiser of a quadratic loss over an L1 or L2 ball in the plane.

    Minimises :math:`\tfrac12 (\mathbf{w} - \mathbf{w}^\star)^\top H
    (\mathbf{w} - \mathbf{w}^\star)` subject to :math:`\lVert \mathbf{w} \rVert_1
    \le R` (``norm=1``) or :math:`\lVert \mathbf{w} \rVert_2 \le R`
    (``norm=2``), the constrained form of the L1 and L2 penalties. Both are solved
    exactly, so that a zero coordinate is exactly zero: the L1 ball's boundary is four
    segments, and on each the loss is a parabola whose minimiser is clipped to the
    segment (a corner of the ball when it clips); on the L2 circle the minimiser is
    :math:`(H + \gamma I)^{-1} H \mathbf{w}^\star` with the multiplier
    :math:`\gamma \ge 0` that puts it on the circle (SciPy's ``brentq``).

    Parameters
    ----------
    w_star : array_like, shape (2,)
        The unconstrained minimiser :math:`\mathbf{w}^\star`.
    H : array_like, shape (2, 2)
        The Hessian: symmetric positive definite.
    radius : float
        :math:`R > 0`.
    norm : {1, 2}

    Returns
    -------
    ndarray, shape (2,)
        ``w_star`` itself when it lies inside the ball.

    Raises
    ------
    ValueError
        On wrong shapes, a non-symmetric or non-positive-definite ``H``, a radius that
        is not positive, or a norm other than 1 or 2.
    """
    from scipy.optimize import brentq

    w_star, H, radius = _check_quadratic(w_star, H, radius, norm)
    if np.linalg.norm(w_star, ord=norm) <= radius:
        return w_star.copy()
    if norm == 2:
        target = H @ w_star

        def w_of(gamma):
            return np.linalg.solve(H + gamma * np.eye(2), target)

        # ||w(gamma)|| falls from ||w*|| > radius at gamma = 0 to below radius at gamma = 2 ||H w*|| / radius
        gamma = brentq(lambda g: np.linalg.norm(w_of(g)) - radius, 0.0, 2 * np.linalg.norm(target) / radius,
                    xtol=1e-14, rtol=1e-14)
        w = w_of(gamma)
        return w * (radius / np.linalg.norm(w))   # on the circle to rounding
    corners = radius * np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
    best, best_loss = None, np.inf
    for start, end in zip(corners, np.roll(corners, -1, axis=0)):
        direction = end - start
        # the loss along start + s * direction is a parabola in s; clip its vertex to [0, 1]
        s = -(start - w_star) @ H @ direction / (direction @ H @ direction)
        s = min(max(s, 0.0), 1.0)
        w = start if s == 0.0 else end if s == 1.0 else start + s * direction
        loss = _quadratic(w, w_star, H)[0]
        if loss < best_loss:
            best, best_loss = w.copy(), loss
    return best


def draw_norm_ball(w_star, H, radius, norm, ax=None, n_contours=3):
    r"""An L1 or L2 ball, the contours of a quadratic loss, and where they touch.

    Draws the ball :math:`\lVert \mathbf{w} \rVert_p \le R` (a diamond for
    ``norm=1``, a disc for ``norm=2``), the unconstrained minimiser
    :math:`\mathbf{w}^\star`, the constrained minimiser of
    :func:`norm_ball_minimum`, and ellipses on which the loss
    :math:`\tfrac12 (\mathbf{w} - \mathbf{w}^\star)^\top H
    (\mathbf{w} - \mathbf{w}^\star)` is constant: the first through the constrained
    minimiser (it touches the ball there), the others inside it, nearer to
    :math:`\mathbf{w}^\star`. Axes :math:`w_1`, :math:`w_2`, equal scales.

    Parameters
    ----------
    w_star, H, radius, norm
        As for :func:`norm_ball_minimum`.
    ax : matplotlib Axes, optional
        Drawn into; a new figure is made when None.
    n_contours : int
        Number of loss contours (at least 1).

    Returns
    -------
    matplotlib Axes
        With the ball (a patch, gid "ball"), ``n_contours`` lines of gid "contour" (the
        first through the minimiser), a marker of gid "w-star" at
        :math:`\mathbf{w}^\star` and one of gid "minimum" at the constrained minimiser.
    """
    from matplotlib.patches import Polygon

    w_star, H, radius = _check_quadratic(w_star, H, radius, norm)
    if int(n_contours) != n_contours or n_contours < 1:
        raise ValueError(f"n_contours must be a positive integer; got {n_contours!r}")
    w_min = norm_ball_minimum(w_star, H, radius, norm)
    ax = _new_axes(ax, (4.5, 4.5))
    if norm == 1:
        ball = Polygon(radius * np.array([[1, 0], [0, 1], [-1, 0], [0, -1]]), closed=True)
    else:
        ball = Circle((0.0, 0.0), radius)
    ball.set(facecolor="#d6e6f5", edgecolor=_FORWARD_COLOUR, lw=1.5, zorder=1, gid="ball")
    ax.add_patch(ball)
    # ellipse {w : 1/2 (w - w*)^T H (w - w*) = c} = w* + sqrt(2c) H^(-1/2) (cos t, sin t)
    mu, Q = np.linalg.eigh(H)
    H_inv_sqrt = Q @ np.diag(1 / np.sqrt(mu)) @ Q.T
    angle = np.linspace(0, 2 * np.pi, 361)
    circle = np.stack([np.cos(angle), np.sin(angle)])
    level = _quadratic(w_min, w_star, H)[0]
    for k in range(int(n_contours)):
        c = level * (1 - k / n_contours) ** 2     # smaller ellipses, evenly spaced in size
        points = w_star[:, None] + np.sqrt(2 * c) * (H_inv_sqrt @ circle)
        (line,) = ax.plot(points[0], points[1], color=_BACKWARD_COLOUR, lw=1.2 if k == 0 else 0.8,
                          alpha=1.0 if k == 0 else 0.6, zorder=2)
        line.set_gid("contour")
    (star,) = ax.plot(*w_star, "*", color=_BACKWARD_COLOUR, ms=11, zorder=3)
    star.set_gid("w-star")
    ax.annotate(r"$\mathbf{w}^*$", w_star, xytext=(6, 4), textcoords="offset points", fontsize=10)
    (minimum,) = ax.plot(*w_min, "o", color="black", ms=6, zorder=4)
    minimum.set_gid("minimum")
    ax.axhline(0, color="0.6", lw=0.6, zorder=0)
    ax.axvline(0, color="0.6", lw=0.6, zorder=0)
    reach = max(radius, *(np.abs(w_star) + np.sqrt(2 * level / mu.min()))) * 1.1
    ax.set_xlim(-reach, reach)
    ax.set_ylim(-reach, reach)
    ax.set_aspect("equal")
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(rf"$\|\mathbf{{w}}\|_{norm} \leq R$", fontsize=10)
    return ax


def draw_prior_posterior(theta, log_prior, log_likelihood, ax=None, symbol=r"\theta"):
    r"""A prior, a likelihood and their posterior on a grid of one parameter.

    Each is drawn as a density over the grid: ``exp`` of the log, normalised by the
    trapezoidal rule so that it integrates to one over ``theta`` (the likelihood too,
    so that the three share one scale). The posterior is
    :math:`p(\theta \mid \mathcal{D}) \propto p(\mathcal{D} \mid \theta)\, p(\theta)`;
    a vertical line marks its mode on the grid, the MAP estimate.

    Parameters
    ----------
    theta : ndarray, shape (M,)
        Increasing grid of parameter values, ``M >= 2``.
    log_prior, log_likelihood : ndarray, shape (M,)
        :math:`\log p(\theta)` and :math:`\log p(\mathcal{D} \mid \theta)` on the
        grid, each up to an additive constant.
    ax : matplotlib Axes, optional
        Drawn into; a new figure is made when None.
    symbol : str
        The parameter's symbol (LaTeX), for the labels.

    Returns
    -------
    matplotlib Axes
        With lines of gid "prior", "likelihood" and "posterior" (their y-data the
        normalised densities) and a vertical line of gid "mode" at the posterior's
        largest value on the grid.

    Raises
    ------
    ValueError
        If the arrays are not 1-d of one length ``M >= 2``, ``theta`` is not
        increasing, or a log density is NaN or has no finite value.
    """
    theta = np.asarray(theta, dtype=float)
    logs = {"log_prior": np.asarray(log_prior, dtype=float), "log_likelihood": np.asarray(log_likelihood, dtype=float)}
    if theta.ndim != 1 or theta.size < 2 or np.any(np.diff(theta) <= 0):
        raise ValueError(f"theta must be an increasing 1-d grid of at least 2 values; got shape {theta.shape}")
    for name, values in logs.items():
        if values.shape != theta.shape:
            raise ValueError(f"{name} must have the shape of theta, {theta.shape}; got {values.shape}")
        if np.isnan(values).any() or not np.isfinite(values).any():
            raise ValueError(f"{name} must be finite somewhere on the grid and never NaN")

    def density(log_p):
        p = np.exp(log_p - log_p[np.isfinite(log_p)].max())   # largest value 1: no overflow
        return p / np.trapezoid(p, theta)

    prior, likelihood = density(logs["log_prior"]), density(logs["log_likelihood"])
    posterior = density(logs["log_prior"] + logs["log_likelihood"])
    ax = _new_axes(ax, (5.5, 3.5))
    for values, gid, style, label in [
            (prior, "prior", dict(color="C0", ls="--"), rf"prior $p({symbol})$"),
            (likelihood, "likelihood", dict(color="0.45", ls=":"),
             rf"likelihood $p(\mathcal{{D}} \mid {symbol})$ (normalised)"),
            (posterior, "posterior", dict(color="C3", lw=2), rf"posterior $p({symbol} \mid \mathcal{{D}})$")]:
        (line,) = ax.plot(theta, values, label=label, **style)
        line.set_gid(gid)
    mode = theta[np.argmax(posterior)]
    line = ax.axvline(mode, color="C3", lw=0.8, ls="-.", label=rf"MAP: ${symbol} = {mode:.2f}$")
    line.set_gid("mode")
    ax.set_xlabel(rf"${symbol}$")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
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
