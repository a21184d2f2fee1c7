"""scikit-learn's 8x8 digits, split into training and test sets reproducibly."""

from __future__ import annotations

import numpy as np

from ._registry import Split


def split_indices(y: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split: from each class, ``round(test_fraction * count)`` go to the test set.

    Returns sorted index arrays, so both parts keep the original order.
    """
    rng = np.random.default_rng(seed)
    test = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        n_test = round(test_fraction * len(members))
        test.append(rng.permutation(members)[:n_test])
    test = np.sort(np.concatenate(test))
    train = np.setdiff1d(np.arange(len(y)), test)
    return train, test


def load_digits(*, test_fraction: float = 0.2, seed: int = 0) -> tuple[Split, Split]:
    """Load scikit-learn's 1,797 handwritten digits (8x8 pixels), split reproducibly.

    The data ships with scikit-learn, so nothing is downloaded.

    Parameters
    ----------
    test_fraction : float, default 0.2
        Share of each class that goes to the test set (stratified split).
    seed : int, default 0
        Seed of the split; the same seed gives the same split.

    Returns
    -------
    (X_train, y_train), (X_test, y_test) : tuple of tuple of numpy.ndarray
        ``X``: ``uint8`` of shape ``(N, 64)`` with pixel values **0..16** (not
        0..255): scale with ``scale_zero_one(X, max_value=16)``.
        ``y``: ``int64`` digits 0-9. With the defaults, 1,438 training and 359
        test images, each part in the original order.

    Raises
    ------
    ImportError
        If scikit-learn is not installed.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, not {test_fraction}")
    try:
        from sklearn.datasets import load_digits as sklearn_load_digits
    except ImportError:
        raise ImportError("load_digits needs scikit-learn: pip install 'mlp-from-scratch[sklearn]'") from None
    bunch = sklearn_load_digits()
    pixels = bunch.data
    # sklearn stores the counts 0..16 as float64; they are exact integers.
    if not (np.array_equal(pixels, np.round(pixels)) and pixels.min() >= 0 and pixels.max() <= 16):
        raise ValueError("scikit-learn's digits are not integers 0..16 as expected")
    X = pixels.astype(np.uint8)
    y = bunch.target.astype(np.int64)
    train, test = split_indices(y, test_fraction, seed)
    return (X[train], y[train]), (X[test], y[test])
