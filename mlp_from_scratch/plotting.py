"""Pictures of training: learning curves, first-layer weights, and image grids.

Every function draws into an ``ax``/``fig`` it is given, or makes a new one, and
returns it. (The book's schematic drawings are in :mod:`mlp_from_scratch.book.diagrams`.)

Images may come flat, one per row of ``X`` (or one per *column* of a first-layer
weight matrix ``W`` of shape ``(n_in, n_hidden)``). A flat vector of length
``h * w`` is shown as an ``h x w`` grey image; one of length ``h * w * 3`` as a
colour image. CIFAR-10 stores colour images *planar* (1024 red values, then
1024 green, then 1024 blue), which is the default ``layout``; pass
``layout="interleaved"`` for RGB triples.
"""

from __future__ import annotations

import math

import numpy as np
import matplotlib.pyplot as plt

__all__ = ["plot_history", "show_weight_images", "show_images"]

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
