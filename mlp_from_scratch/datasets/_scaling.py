"""Explicit pixel scaling, so that each chapter shows its own preprocessing."""

from __future__ import annotations

import numpy as np

# sklearn's 8x8 digits count pixels 0..16; pass this as max_value for them.
DIGITS_MAX_VALUE = 16


def _scaled(X, max_value: int, dtype, transform) -> np.ndarray:
    """Apply ``transform`` (float64 -> float64) to pixels 0..max_value, result in ``dtype``.

    Integer pixels go through a lookup table computed in float64, so every value
    is the correctly rounded result in ``dtype`` and no float64 copy of a large
    array is ever made.
    """
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"dtype must be a floating-point type, not {dtype}")
    X = np.asarray(X)
    if X.dtype.kind in "ui":
        if X.size and (X.min() < 0 or X.max() > max_value):
            raise ValueError(
                f"pixel values must lie in 0..{max_value}, found {X.min()}..{X.max()}"
                + (" (sklearn digits? pass max_value=16)" if max_value == 255 else "")
                + (" (8-bit images? use the default max_value=255)" if max_value < 255 < X.max() else "")
            )
        table = transform(np.arange(max_value + 1, dtype=np.float64)).astype(dtype)
        return table[X]
    if X.dtype.kind == "f":
        return transform(X.astype(np.float64)).astype(dtype)
    raise ValueError(f"pixel arrays must hold integers or floats, not {X.dtype}")


_SCALE_DOC = """Scale raw pixels to {interval}: ``{formula}``.

    Parameters
    ----------
    X : array_like
        Raw pixels, e.g. the ``uint8`` arrays of :func:`load_mnist`.
    max_value : int, default 255
        The brightest pixel value: 255 for 8-bit images, 16 for
        :func:`load_digits` (:data:`DIGITS_MAX_VALUE`).
    dtype : numpy dtype, default numpy.float32
        Floating-point type of the result, e.g. ``numpy.float64``.

    Returns
    -------
    numpy.ndarray
        New array of the same shape as ``X``{ends}.

    Raises
    ------
    ValueError
        If integer pixels fall outside ``0 .. max_value`` or ``dtype`` is not a float type.

    Examples
    --------
    {example}
    """


def scale_zero_one(X, *, max_value: int = 255, dtype=np.float32) -> np.ndarray:
    return _scaled(X, max_value, dtype, lambda x: x / max_value)


def scale_minus_one_one(X, *, max_value: int = 255, dtype=np.float32) -> np.ndarray:
    return _scaled(X, max_value, dtype, lambda x: (x / max_value - 0.5) * 2)


scale_zero_one.__doc__ = _SCALE_DOC.format(
    interval="[0, 1]", formula="x / max_value", ends="",
    example=">>> scale_zero_one(np.array([0, 51, 255], dtype=np.uint8))\n    array([0. , 0.2, 1. ], dtype=float32)")
scale_minus_one_one.__doc__ = _SCALE_DOC.format(
    interval="[-1, 1]", formula="(x / max_value - 0.5) * 2", ends="; 0 maps to -1 and ``max_value`` to 1",
    example=">>> scale_minus_one_one(np.array([0, 255], dtype=np.uint8), dtype=np.float64)\n    array([-1.,  1.])")
