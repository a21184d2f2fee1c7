"""Pictures of training: learning curves, first-layer weights, and image grids.

Every function draws into an ``ax``/``fig`` it is given, or makes a new one, and
returns it. (The book's schematic drawings are in :mod:`mlp_from_scratch.book.diagrams`.)

Images may come flat, one per row of ``X`` (or one per *column* of a first-layer
weight matrix ``W`` of shape ``(n_in, n_hidden)``). A flat vector of length
``h * w`` is shown as an ``h x w`` grey image; one of length ``h * w * 3`` as a
colour image. CIFAR-10 stores colour images *planar* (1024 red values, then
1024 green, then 1024 blue), which is the default ``layout``; pass
``layout="interleaved"`` for RGB triples.

:func:`plot_decision_regions` draws the classes a fitted model predicts over a plane
of two inputs; :func:`plot_layer_histograms` the distribution of a quantity
(activations, deltas) in every layer, and :func:`plot_trajectories` the paths of
optimisers on the contours of a function of two parameters.
"""

from __future__ import annotations

import math

import numpy as np
import matplotlib.pyplot as plt

__all__ = ["plot_history", "show_weight_images", "show_images", "plot_decision_regions",
           "plot_layer_histograms", "plot_trajectories"]

_METRICS = {"loss": ("loss", "val_loss", "loss (mean loss + penalty)"),
            "accuracy": ("accuracy", "val_accuracy", "accuracy")}


def _history_dict(history):
    """A History, or any mapping of metric names to per-epoch lists, as a dict."""
    if hasattr(history, "as_dict"):
        return history.as_dict()
    if isinstance(history, dict):
        return history
    raise ValueError(f"history must be a History (from MLP.fit) or a dict of lists; got {type(history).__name__}")


def plot_history(history, ax=None, metric="loss", label=None):
    """Learning curves: a training metric (and its validation twin) per epoch.

    Parameters
    ----------
    history : History or dict
        What :meth:`MLP.fit` returned (or ``MLPClassifier.history_``).
    ax : matplotlib Axes, optional
        Drawn into; a new figure is made when None.
    metric : {"loss", "accuracy"}
    label : str, optional
        Prefix for the legend entries, to compare several runs on one axis.

    Returns
    -------
    matplotlib Axes
    """
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {', '.join(map(repr, _METRICS))}; got {metric!r}")
    train_key, val_key, ylabel = _METRICS[metric]
    h = _history_dict(history)
    if not h.get(train_key):
        raise ValueError(f"history has no {train_key!r} values to plot")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    prefix = f"{label}: " if label else ""
    epochs = np.arange(1, len(h[train_key]) + 1)
    ax.plot(epochs, h[train_key], marker=".", label=f"{prefix}training")
    if h.get(val_key):
        ax.plot(np.arange(1, len(h[val_key]) + 1), h[val_key], marker=".", label=f"{prefix}validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.legend()
    return ax


def _image_shape(n_values, image_shape):
    """The shape of one image: given, or guessed from its number of values."""
    if image_shape is not None:
        if math.prod(image_shape) != n_values:
            raise ValueError(f"image_shape {tuple(image_shape)} holds {math.prod(image_shape)} values "
                             f"but each image has {n_values}")
        return tuple(image_shape)
    side = math.isqrt(n_values)
    if side * side == n_values:
        return (side, side)
    side = math.isqrt(n_values // 3)
    if 3 * side * side == n_values:
        return (side, side, 3)
    raise ValueError(f"cannot guess the shape of images of {n_values} values; pass image_shape")


def _as_image(values, shape, layout):
    """One flat vector (or an array of ``shape``) as an array imshow can draw."""
    values = np.asarray(values, dtype=np.float64)
    if len(shape) == 3 and shape[2] == 3 and values.ndim == 1 and layout == "planar":
        return values.reshape(3, shape[0], shape[1]).transpose(1, 2, 0)
    return values.reshape(shape)


def _grid(n_images, n_cols, fig, cell=1.2):
    """A figure with one small axis per image, n_cols to a row."""
    n_cols = max(1, min(n_cols, n_images))
    n_rows = math.ceil(n_images / n_cols)
    if fig is None:
        fig = plt.figure(figsize=(cell * n_cols, cell * n_rows + 0.3))
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
    for ax in axes:
        ax.set_axis_off()
    return fig, axes


def _draw(ax, image, cmap, centred=False):
    """Draw one image: colour rescaled to [0, 1]; grey centred at 0 if asked."""
    if image.ndim == 3:
        lo, hi = image.min(), image.max()
        ax.imshow((image - lo) / (hi - lo if hi > lo else 1.0))
    elif centred:
        m = np.abs(image).max() or 1.0
        ax.imshow(image, cmap=cmap, vmin=-m, vmax=m)
    else:
        ax.imshow(image, cmap=cmap)


def _check_layout(layout):
    if layout not in ("planar", "interleaved"):
        raise ValueError(f"layout must be 'planar' or 'interleaved'; got {layout!r}")


def show_weight_images(W, image_shape=(28, 28), n_cols=10, titles=None, fig=None,
                       cmap="RdBu_r", layout="planar", max_images=100):
    """Show the incoming weights of each first-layer unit as an image.

    Column j of ``W`` (shape ``(n_in, n_hidden)``, the package's ``weights[0]``)
    holds the weights from every input pixel to hidden unit j. Grey images use a
    diverging colour map centred at 0 (red positive, blue negative); colour
    images are rescaled to [0, 1] one by one.

    Parameters
    ----------
    W : ndarray, shape (n_in, n_hidden)
    image_shape : tuple, default (28, 28)
        ``(h, w)`` or ``(h, w, 3)``; None guesses it from ``n_in``.
    n_cols : int
        Images per row.
    titles : list of str, optional
        One per shown unit (default: the unit's index).
    fig : matplotlib Figure, optional
    cmap : str
        Colour map for grey images.
    layout : {"planar", "interleaved"}
        How a colour vector is stored (see the module docstring).
    max_images : int
        Show at most this many units.

    Returns
    -------
    matplotlib Figure
    """
    _check_layout(layout)
    W = np.asarray(W)
    if W.ndim != 2:
        raise ValueError(f"W must be a 2-D weight matrix (n_in, n_hidden); got shape {W.shape}")
    shape = _image_shape(W.shape[0], image_shape)
    n = min(W.shape[1], max_images)
    fig, axes = _grid(n, n_cols, fig)
    for j in range(n):
        _draw(axes[j], _as_image(W[:, j], shape, layout), cmap, centred=True)
        axes[j].set_title(str(titles[j]) if titles is not None else str(j), fontsize=8)
    return fig


def show_images(X, labels=None, predictions=None, image_shape=None, n_cols=10,
                class_names=None, fig=None, cmap="gray_r", layout="planar", max_images=100):
    """A grid of images with their labels, and predictions when given.

    A wrong prediction is titled ``"pred (label)"`` in red; a right one ``"pred"``.

    Parameters
    ----------
    X : array, shape (n, n_pixels) or (n, h, w[, 3])
    labels : array of int, shape (n,), optional
    predictions : array of int, shape (n,), optional
    image_shape : tuple, optional
        Shape of one image; guessed for square grey or colour images.
    n_cols : int
    class_names : sequence of str, optional
        Names shown instead of the integer labels.
    fig : matplotlib Figure, optional
    cmap : str
        Colour map for grey images (default: dark ink on white paper).
    layout : {"planar", "interleaved"}
    max_images : int

    Returns
    -------
    matplotlib Figure
    """
    _check_layout(layout)
    X = np.asarray(X)
    n = min(len(X), max_images)
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values is not None and len(values) != len(X):
            raise ValueError(f"X has {len(X)} images but {name} has {len(values)} entries")
    shape = _image_shape(X[0].size, image_shape) if X.ndim == 2 else X.shape[1:]
    name = (lambda k: str(class_names[k])) if class_names is not None else str
    fig, axes = _grid(n, n_cols, fig)
    for i in range(n):
        _draw(axes[i], _as_image(X[i], shape, layout), cmap)
        if predictions is not None:
            wrong = labels is not None and predictions[i] != labels[i]
            title = f"{name(predictions[i])} ({name(labels[i])})" if wrong else name(predictions[i])
            axes[i].set_title(title, fontsize=8, color="red" if wrong else "black")
        elif labels is not None:
            axes[i].set_title(name(labels[i]), fontsize=8)
    return fig


def plot_decision_regions(model, X, y=None, ax=None, resolution=200, margin=0.5):
    """The class a fitted model predicts at every point of a plane of two inputs.

    The plane is a ``resolution x resolution`` grid over the range of ``X`` widened by
    ``margin``; each grid point is coloured by ``model.predict`` of it, and the
    examples are drawn on top, coloured by their label ``y`` (or, without labels, by
    the model's prediction). Any model with a ``predict`` method that maps an array of
    shape ``(N, 2)`` to ``N`` integer classes will do: an :class:`~mlp_from_scratch.MLP`
    with two inputs, an ``MLPClassifier``, or a scikit-learn classifier.

    Parameters
    ----------
    model : object with ``predict``
        Fitted on two input features.
    X : ndarray, shape (N, 2)
        The examples to draw; they also set the plotted range.
    y : ndarray of int, shape (N,), optional
        Their labels.
    ax : matplotlib Axes, optional
        Drawn into; a new figure is made when None.
    resolution : int
        Grid points along each axis (at least 2).
    margin : float
        Added to both ends of each input's range, in the inputs' units.

    Returns
    -------
    matplotlib Axes
        The regions are an image with gid "regions", whose array holds the predicted
        class of every grid point (row ``i`` is the ``i``-th value of the second input,
        from the bottom); the examples are one scatter per class, gid "examples".

    Raises
    ------
    ValueError
        If ``X`` is not of shape ``(N, 2)``, ``y`` does not have ``N`` entries, the
        model has no ``predict``, or ``resolution`` is below 2.
    """
    from matplotlib.colors import ListedColormap

    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(f"X must have shape (N, 2): one row per example, two inputs; got {X.shape}")
    if y is not None and len(y) != len(X):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)} labels")
    if not callable(getattr(model, "predict", None)):
        raise ValueError(f"model must have a predict method; got {type(model).__name__}")
    if int(resolution) != resolution or resolution < 2:
        raise ValueError(f"resolution must be an integer of at least 2; got {resolution!r}")
    resolution = int(resolution)
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    x1 = np.linspace(low[0], high[0], resolution)
    x2 = np.linspace(low[1], high[1], resolution)
    grid1, grid2 = np.meshgrid(x1, x2)           # row i: the i-th value of x2
    grid = np.column_stack([grid1.ravel(), grid2.ravel()])
    regions = np.asarray(model.predict(grid)).reshape(resolution, resolution)
    labels = np.asarray(y) if y is not None else np.asarray(model.predict(X))
    n_classes = int(max(regions.max(), labels.max())) + 1
    colours = [plt.get_cmap("tab10")(k % 10) for k in range(n_classes)]
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.5))
    ax.imshow(regions, origin="lower", extent=(low[0], high[0], low[1], high[1]), aspect="auto",
              cmap=ListedColormap(colours), vmin=-0.5, vmax=n_classes - 0.5, alpha=0.35,
              interpolation="nearest", gid="regions")
    markers = "osD^v<>ph*"
    for k in range(n_classes):
        mine = labels == k
        if mine.any():
            ax.scatter(X[mine, 0], X[mine, 1], s=18, color=colours[k], marker=markers[k % 10],
                       edgecolor="0.15", linewidth=0.5, label=f"class {k}", gid="examples")
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return ax


def plot_layer_histograms(values, ax=None, bins=40, value_range=None, log_abs=False, first_layer=1,
                          color="C0", height=0.85):
    """Histograms of one quantity per layer, stacked one above the other (a ridge plot).

    Layer ``first_layer`` is at the bottom, the next one above it, and so on; each
    histogram is scaled so that its tallest bin has ``height`` (in units of the gap
    between layers), so the picture shows the *shape and position* of each layer's
    distribution, not how many values it has. With ``log_abs=True`` the histogram is
    that of log10|x|: the natural axis for deltas that shrink or grow by orders of
    magnitude from layer to layer. Exact zeros (a ReLU's inactive units) have no
    logarithm and are left out.

    Parameters
    ----------
    values : sequence of array_like
        One array per layer, any shape (flattened), e.g. the activations a^l of
        a batch, or the deltas delta^l.
    ax : matplotlib Axes, optional
        Drawn into; a new figure is made when None.
    bins : int
        Number of bins, shared by all layers.
    value_range : (float, float), optional
        Range of the bins (of log10|x| if ``log_abs``); default: from the smallest
        to the largest value over all layers.
    log_abs : bool
        Histogram log10|x| instead of x.
    first_layer : int
        Number of the first layer, for the tick labels.

    Returns
    -------
    matplotlib Axes
        One filled patch per layer (gid "layer-histogram"), in layer order; the
        y tick labels are the layer numbers.
    """
    arrays = [np.asarray(v, dtype=np.float64).ravel() for v in values]
    if not arrays:
        raise ValueError("values must hold one array per layer; got none")
    for l, x in enumerate(arrays, start=first_layer):
        if not np.all(np.isfinite(x)):
            raise ValueError(f"the values of layer {l} must be finite")
        if log_abs:
            arrays[l - first_layer] = np.log10(np.abs(x[x != 0]))
        if arrays[l - first_layer].size == 0:
            raise ValueError(f"layer {l} has no values to show" + (" (all are zero)" if log_abs else ""))
    if value_range is None:
        value_range = (min(x.min() for x in arrays), max(x.max() for x in arrays))
        if value_range[0] == value_range[1]:
            value_range = (value_range[0] - 0.5, value_range[1] + 0.5)
    edges = np.linspace(*value_range, bins + 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 0.45 * len(arrays) + 1))
    for i, x in enumerate(arrays):
        counts, _ = np.histogram(np.clip(x, edges[0], edges[-1]), bins=edges)
        top = height * counts / counts.max()
        xs = np.repeat(edges, 2)[1:-1]
        ys = i + np.repeat(top, 2)
        ax.fill_between(xs, i, ys, color=color, alpha=0.6, lw=0, gid="layer-histogram", zorder=2 * (len(arrays) - i))
        ax.plot(xs, ys, color=color, lw=0.8, zorder=2 * (len(arrays) - i) + 1)
    ax.set_yticks(range(len(arrays)), [str(l) for l in range(first_layer, first_layer + len(arrays))])
    ax.set_ylim(-0.15, len(arrays) - 1 + height + 0.15)
    ax.set_xlim(*value_range)
    ax.set_xlabel("$\\log_{10} |x|$" if log_abs else "value")
    ax.set_ylabel("layer")
    return ax


def plot_trajectories(J, paths, ax=None, xlim=None, ylim=None, levels=12, markers=True):
    """Paths of optimisers over the contour lines of a function of two parameters.

    Parameters
    ----------
    J : callable
        ``J(w1, w2)``, evaluated on a grid: arrays of equal shape in, an array of
        that shape out (e.g. a quadratic written with NumPy operations).
    paths : dict of str to array_like of shape (T + 1, 2)
        For each label, the points w_0, ..., w_T an optimiser visited.
    ax : matplotlib Axes, optional
        Drawn into; a new figure is made when None.
    xlim, ylim : (float, float), optional
        The window; default: the paths' extent with a margin.
    levels : int or sequence of float
        Contour levels: a number of levels spaced evenly in log(J - min J) over
        the window (the right spacing for a bowl), or the levels themselves.
    markers : bool
        Mark every point of a path.

    Returns
    -------
    matplotlib Axes
        One line per path, in the order of ``paths``, labelled with its key; a start
        marker (gid "trajectory-start") at the common start if the paths share it.
    """
    if not paths:
        raise ValueError("paths must hold at least one path")
    arrays = {}
    for label, path in paths.items():
        path = np.asarray(path, dtype=np.float64)
        if path.ndim != 2 or path.shape[1] != 2 or len(path) < 1:
            raise ValueError(f"the path {label!r} must have shape (T + 1, 2); got {path.shape}")
        if not np.all(np.isfinite(path)):
            raise ValueError(f"the path {label!r} must be finite")
        arrays[label] = path
    points = np.vstack(list(arrays.values()))
    if xlim is None or ylim is None:
        low, high = points.min(axis=0), points.max(axis=0)
        margin = 0.1 * np.maximum(high - low, 1e-12)
        xlim = xlim or (low[0] - margin[0], high[0] + margin[0])
        ylim = ylim or (low[1] - margin[1], high[1] + margin[1])
    g1, g2 = np.meshgrid(np.linspace(*xlim, 200), np.linspace(*ylim, 200))
    values = np.asarray(J(g1, g2), dtype=np.float64)
    if values.shape != g1.shape:
        raise ValueError(f"J(w1, w2) must return an array of the grid's shape {g1.shape}; got {values.shape}")
    if np.ndim(levels) == 0:
        low = values.min()
        span = values - low
        positive = span[span > 0]
        levels = low + np.geomspace(np.quantile(positive, 0.002), positive.max(), int(levels))
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    ax.contour(g1, g2, values, levels=levels, colors="0.75", linewidths=0.8)
    for i, (label, path) in enumerate(arrays.items()):
        ax.plot(path[:, 0], path[:, 1], "-o" if markers else "-", ms=2.5, lw=1.3, color=f"C{i}", label=label)
    starts = np.array([p[0] for p in arrays.values()])
    if np.all(starts == starts[0]):
        ax.plot(*starts[0], "k*", ms=9, gid="trajectory-start", label="_start")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    return ax
