"""Command line: train a network on a dataset outside a notebook.

    python -m mlp_from_scratch train --dataset digits --hidden 50 --epochs 40 --lr 0.07

prints one line per epoch and the final test accuracy, and saves the learning
curves as a PNG (``--plot``, default ``learning_curve.png``; ``--no-plot`` to skip).
A tenth of the training set (``--validation``) is held out to draw the
validation curve; the test set is used once, at the end.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from .activations import HIDDEN_ACTIVATIONS
from .network import MLP
from .optimizers import OPTIMIZERS
from .schedules import StepDecay
from .validation import check_number
from .training import TrainingDivergedError, hold_out
from .training import train as fit

__all__ = ["build_parser", "load_dataset", "main", "DatasetUnavailableError"]

DATASETS = ("digits", "mnist", "fashion-mnist", "cifar10")
SCALES = {"unit": "[0, 1]", "symmetric": "[-1, 1]"}


# ------------------------------------------------------------------ arguments
def _number(kind, interval):
    """An argparse type: a number of ``kind`` (int or float) in ``interval`` (see :func:`check_number`)."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'an integer' if kind is int else 'a number'}, got {text!r}") from None
        try:
            return check_number("value", value, interval, integer=kind is int)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    parse.__name__ = kind.__name__
    return parse


positive_int = _number(int, "(0, inf)")
positive_float = _number(float, "(0, inf)")
non_negative_float = _number(float, "[0, inf)")
_fraction = _number(float, "[0, 1)")


def build_parser():
    """The argument parser of ``python -m mlp_from_scratch``."""
    parser = argparse.ArgumentParser(
        prog="python -m mlp_from_scratch",
        description="Train a NumPy multilayer perceptron from the book 'MLP from Scratch'.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train = commands.add_parser(
        "train", help="train a network and report its test accuracy",
        description="Train by minibatch gradient descent, print per-epoch progress and the final test "
                    "accuracy, and save the learning curves as a PNG.")
    train.add_argument("--dataset", choices=DATASETS, default="digits",
                       help="digits comes with scikit-learn (the book's split); the others are "
                            "found or downloaded by mlp_from_scratch.datasets (default: %(default)s)")
    train.add_argument("--hidden", type=positive_int, nargs="*", default=[50], metavar="UNITS",
                       help="units of each hidden layer, e.g. --hidden 100 50 (default: 50)")
    train.add_argument("--epochs", type=positive_int, default=40)
    train.add_argument("--lr", type=positive_float, default=0.07, help="learning rate (default: %(default)s)")
    train.add_argument("--decay", type=positive_float, default=1.0,
                       help="multiply the learning rate by this after each epoch (default: %(default)s)")
    train.add_argument("--batch-size", type=positive_int, default=100)
    train.add_argument("--optimizer", choices=list(OPTIMIZERS), default="sgd",
                       help="how a step uses the gradient, with the usual defaults (default: %(default)s)")
    train.add_argument("--dropout", type=_fraction, default=0.0, metavar="P",
                       help="dropout rate of every hidden layer, in [0, 1) (default: %(default)s)")
    train.add_argument("--patience", type=positive_int, default=None, metavar="EPOCHS",
                       help="early stopping: stop when the validation loss has not improved for "
                            "this many epochs and keep the best weights (needs --validation > 0)")
    train.add_argument("--activation", choices=list(HIDDEN_ACTIVATIONS), default="relu")
    train.add_argument("--l1", type=non_negative_float, default=0.0, help="L1 penalty coefficient")
    train.add_argument("--l2", type=non_negative_float, default=0.0, help="L2 penalty coefficient")
    train.add_argument("--seed", type=int, default=0, help="seeds the weights, shuffling and split")
    train.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    train.add_argument("--scale", choices=list(SCALES), default="unit",
                       help="pixel range: unit = [0, 1], symmetric = [-1, 1] (default: %(default)s)")
    train.add_argument("--validation", type=_fraction, default=0.1, metavar="FRACTION",
                       help="fraction of the training set held out for the validation "
                            "curve; 0 for none (default: %(default)s)")
    train.add_argument("--data-dir", default=None, metavar="DIR",
                       help="folder with the dataset files, searched first (not for digits)")
    train.add_argument("--no-download", action="store_true",
                       help="fail rather than download a missing dataset")
    train.add_argument("--limit", type=positive_int, default=None, metavar="N",
                       help="use only the first N training examples (quick runs)")
    train.add_argument("--plot", default="learning_curve.png", metavar="PNG",
                       help="where to save the learning curves (default: %(default)s)")
    train.add_argument("--no-plot", action="store_true", help="do not save a plot")
    return parser


# ------------------------------------------------------------------- datasets
class DatasetUnavailableError(RuntimeError):
    """A dataset that cannot be loaded: no loader, or no data (the message says which)."""


def _datasets():
    try:
        from . import datasets
    except ImportError as exc:
        raise DatasetUnavailableError(f"loading data needs mlp_from_scratch.datasets, which could not "
                                      f"be imported ({exc})") from None
    return datasets


def load_dataset(name, scale="unit", seed=0, data_dir=None, download=True):
    """Training and test sets of a dataset, pixels scaled to ``scale``, through :mod:`mlp_from_scratch.datasets`.

    ``digits`` is the book's split of scikit-learn's digits
    (``mlp_from_scratch.datasets.load_digits(seed=seed)``); the others are searched
    in ``data_dir`` first and downloaded when missing unless ``download=False``.

    Returns
    -------
    (X_train, y_train), (X_test, y_test)
        ``X`` float32 of shape (N, n_pixels), ``y`` int64 labels.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; valid choices are: {', '.join(DATASETS)}")
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; valid choices are: {', '.join(SCALES)}")
    datasets = _datasets()
    if name == "digits":
        loader, options, max_value = datasets.load_digits, {"seed": seed}, datasets.DIGITS_MAX_VALUE
    else:
        loader = getattr(datasets, "load_" + name.replace("-", "_"), None)
        if loader is None:
            raise DatasetUnavailableError(f"mlp_from_scratch.datasets has no loader for {name!r}")
        options = {} if data_dir is None and download else {"data_dir": data_dir, "download": download}
        max_value = 255
    try:
        parts = loader(**options)
    except (OSError, ValueError) as exc:  # not found, download failed, or a damaged file
        raise DatasetUnavailableError(f"could not load {name!r}: {exc}") from exc
    scaler = datasets.scale_zero_one if scale == "unit" else datasets.scale_minus_one_one
    return tuple((scaler(np.asarray(X).reshape(len(X), -1), max_value=max_value),
                  np.asarray(y, dtype=np.int64)) for X, y in parts)


# ------------------------------------------------------------------- training
def _epoch_line(epoch, epochs, history, lr, seconds):
    line = (f"epoch {epoch:>{len(str(epochs))}}/{epochs}  lr {lr:.4g}  "
            f"loss {history.loss[-1]:.4f}  acc {history.accuracy[-1]:.4f}")
    if history.val_loss:
        line += f"  val_loss {history.val_loss[-1]:.4f}  val_acc {history.val_accuracy[-1]:.4f}"
    return line + f"  ({seconds:.2f} s)"


def train(args, out=None):
    """Run the ``train`` command; returns (network, history, test accuracy)."""
    out = sys.stdout if out is None else out  # looked up now: notebooks and pytest replace it

    (X_train, y_train), (X_test, y_test) = load_dataset(
        args.dataset, args.scale, args.seed, data_dir=args.data_dir, download=not args.no_download)
    if args.limit is not None:
        X_train, y_train = X_train[:args.limit], y_train[:args.limit]
    (X_fit, y_fit), validation = (X_train, y_train), None
    if args.validation > 0:
        (X_fit, y_fit), validation = hold_out(X_train, y_train, args.validation, args.seed)
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    net = MLP([X_fit.shape[1], *args.hidden, n_classes], hidden=args.activation,
              l1=args.l1, l2=args.l2, seed=args.seed, dtype=np.dtype(args.dtype), dropout=args.dropout)
    print(f"{args.dataset}: {len(X_fit)} training, {len(validation[0]) if validation else 0} "
          f"validation, {len(X_test)} test examples; pixels in {SCALES[args.scale]}", file=out)
    print(f"network {net.layer_sizes}, {net.n_parameters} parameters, {args.activation} hidden "
          f"units, {args.dtype}", file=out)
    clock = [time.perf_counter()]

    def report(net, epoch, history):  # one line per epoch, as training goes
        now = time.perf_counter()
        print(_epoch_line(epoch, args.epochs, history, history.learning_rate[-1], now - clock[0]),
              file=out, flush=True)
        clock[0] = now

    history = fit(net, X_fit, y_fit, epochs=args.epochs, learning_rate=args.lr,
                  batch_size=args.batch_size, validation_data=validation,
                  lr_schedule=StepDecay(args.decay), optimizer=args.optimizer,
                  early_stopping=args.patience, callbacks=[report], progress=False)
    if history.stopped_epoch is not None:
        print(f"early stopping after epoch {history.stopped_epoch}: kept the weights of epoch "
              f"{history.best_epoch}", file=out)
    test_accuracy = net.score(X_test, y_test)
    print(f"test accuracy: {test_accuracy:.4f} ({round(test_accuracy * len(X_test))}/{len(X_test)})",
          file=out)
    return net, history, test_accuracy


def save_learning_curves(history, path, title=""):
    """Loss and accuracy side by side, saved as a PNG at ``path``."""
    from matplotlib.figure import Figure  # no pyplot: works without a display

    from .plotting import plot_history

    fig = Figure(figsize=(10, 4), layout="constrained")
    loss_ax, accuracy_ax = fig.subplots(1, 2)
    plot_history(history, ax=loss_ax, metric="loss")
    plot_history(history, ax=accuracy_ax, metric="accuracy")
    if title:
        fig.suptitle(title)
    fig.savefig(path, dpi=100)


def main(argv=None):
    """Entry point of ``python -m mlp_from_scratch`` and ``mlp-from-scratch``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.patience is not None and args.validation == 0:
        parser.error("--patience (early stopping) needs a validation set: --validation > 0")
    try:
        _, history, _ = train(args)
    except TrainingDivergedError as exc:
        print(f"error: training diverged: {exc}", file=sys.stderr)
        return 1
    except DatasetUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not args.no_plot:
        save_learning_curves(history, args.plot, title=f"{args.dataset}, hidden {args.hidden}, "
                                                       f"lr {args.lr:g}")
        print(f"learning curves saved to {args.plot}")
    return 0
