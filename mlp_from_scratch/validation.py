"""Input checks that turn bad input into a clear ``ValueError``.

Each message says what was wrong and what was expected, so that a reader never
has to decode a broadcasting error from deep inside NumPy.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["check_X", "check_y", "check_number", "check_choice"]


def check_choice(kind, value, table):
    """Look up ``value`` in ``table`` or list the valid names."""
    if value not in table:
        valid = ", ".join(repr(k) for k in table)
        raise ValueError(f"unknown {kind} {value!r}; valid choices are: {valid}")
    return table[value]


def check_number(name, value, interval="(0, inf)", integer=False):
    """``value`` if it is a real number (an integer, if ``integer``) in ``interval``.

    ``interval`` is written as in mathematics, e.g. ``"(0, 1)"``, ``"[0, 1)"``,
    ``"[0, inf)"``: a round bracket excludes its end, a square one includes it.
    Booleans, NaN and infinities are refused; the message quotes the interval.
    """
    low, high = (float(end) for end in interval[1:-1].split(","))
    kind = "an integer" if integer else "a number"
    ok = (isinstance(value, numbers.Integral if integer else numbers.Real) and not isinstance(value, bool)
          and math.isfinite(value)
          and (low <= value if interval[0] == "[" else low < value)
          and (value <= high if interval[-1] == "]" else value < high))
    if not ok:
        sign = {"(0, inf)": "positive", "[0, inf)": "non-negative"}.get(interval)
        expected = f"a {sign} {kind[kind.index(' ') + 1:]}" if sign else f"{kind} in {interval}"
        raise ValueError(f"{name} must be {expected}; got {value!r}")
    return value


def check_X(X, n_features, dtype, name="X"):
    """Return ``X`` as a C-contiguous ``(N, n_features)`` array of ``dtype``.

    Raises ``ValueError`` for non-numeric data, the wrong number of dimensions or
    features, an empty array, or NaN/inf values.
    """
    try:
        X = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name} could not be turned into an array: {exc}") from None
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers; got an array of dtype {X.dtype}")
    if X.ndim == 1 and n_features == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_examples, {n_features}); got shape {X.shape}"
        )
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {X.shape}); at least one example is needed")
    if X.shape[1] != n_features:
        raise ValueError(
            f"{name} has {X.shape[1]} features per example but the network's input layer "
            f"expects {n_features} (shape (n_examples, {n_features}); got {X.shape})"
        )
    X = np.ascontiguousarray(X, dtype=dtype)
    if not _all_finite(X):
        bad = int(np.size(X) - np.count_nonzero(np.isfinite(X)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); clean or impute them first")
    return X


def _all_finite(X):
    """Whether every entry of the C-contiguous float array ``X`` is finite, in one pass over it.

    If the sum of squares x . x is finite, so is every entry: NaN and inf propagate
    through it, and squares cannot cancel. BLAS's dot product reads X at memory speed,
    about twice as fast as ``X.sum()`` and with no boolean copy of X (this check runs on
    every ``fit`` and ``predict``). Only when the sum is not finite (a bad entry, or
    entries so large that their squares overflow) does the elementwise test decide.
    """
    flat = X.reshape(-1)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflowing sum: no warning, the test below decides
        total = np.dot(flat, flat)
    return bool(np.isfinite(total)) or bool(np.isfinite(X).all())


def check_y(y, n_examples, n_classes, name="y"):
    """Return integer labels ``y`` of shape ``(n_examples,)`` in ``[0, n_classes)``."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of integer class labels; got shape {y.shape}")
    if y.shape[0] != n_examples:
        raise ValueError(f"X has {n_examples} examples but {name} has {y.shape[0]} labels")
    if y.dtype.kind == "f":
        if not np.isfinite(y).all() or not np.all(y == np.round(y)):
            raise ValueError(f"{name} must hold integer class labels; got non-integer values")
    elif y.dtype.kind not in "biu":
        raise ValueError(f"{name} must hold integer class labels 0..{n_classes - 1}; got dtype {y.dtype}")
    y = y.astype(np.intp)
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(
            f"{name} has labels in [{y.min()}, {y.max()}] but the network has {n_classes} "
            f"outputs, so labels must lie in 0..{n_classes - 1}"
        )
    return y
