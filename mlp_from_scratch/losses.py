"""Loss functions and the output delta dl/dz^L.

Targets are integer class labels ``y`` of shape ``(N,)``; the one-hot vector of
label ``t`` has a 1 at position ``t`` and zeros elsewhere. We never build the
one-hot matrix: ``a - y_onehot`` is ``a`` with 1 subtracted at each label.

Each loss gives the per-example value (computed from the logits ``z`` where that
is what keeps it finite) and ``dl/da``. The output delta ``dl/dz^L`` is, in
general, ``dl/da`` pulled back through the output function's Jacobian; for the
canonical pairs it is simply ``a - y`` (see :func:`output_delta`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .activations import OUTPUT_ACTIVATIONS, logsumexp

__all__ = [
    "LOSSES",
    "Loss",
    "CANONICAL_PAIRS",
    "minus_one_hot",
    "one_hot",
    "per_example_loss",
    "summed_loss",
    "output_delta",
]


def one_hot(y, n_classes, dtype=np.float64):
    """The ``(N, K)`` matrix with a single 1 per row, at column ``y[n]``."""
    Y = np.zeros((len(y), n_classes), dtype=dtype)
    Y[np.arange(len(y)), y] = 1
    return Y


def minus_one_hot(a, y, out=None):
    """Return ``a - one_hot(y)`` without building the one-hot matrix.

    ``out`` may be ``a`` itself, to update in place.
    """
    if out is None:
        out = a.copy()
    elif out is not a:
        out[...] = a
    out[np.arange(len(y)), y] -= 1
    return out


def label_logits(z, y):
    """``z[n, y[n]]`` for every row n: the logit of the true class."""
    return z[np.arange(len(y)), y]


def cross_entropy(z, a, y, output):
    """Per-example cross-entropy, computed from the logits ``z``.

    * softmax outputs: l = -log a_t = logsumexp(z) - z_t.
    * sigmoid outputs (one independent Bernoulli per unit, the binary
      cross-entropy summed over units):
      l = -sum_k [y_k log a_k + (1 - y_k) log(1 - a_k)]
        = sum_k log(1 + exp(z_k)) - z_t.
    Taking logs of ``a`` instead would give -inf once a saturates to 0.
    """
    if output == "softmax":
        return logsumexp(z, axis=1) - label_logits(z, y)
    if output == "sigmoid":
        return np.sum(np.logaddexp(0, z), axis=1) - label_logits(z, y)
    raise ValueError(f"cross_entropy is defined for softmax or sigmoid outputs, not {output!r}")


def cross_entropy_grad_a(a, y, output="softmax"):
    """dl/da of the cross-entropy, shape ``(N, K)``.

    * softmax outputs: -y/a (only the true class's output appears in the loss);
    * sigmoid outputs (binary cross-entropy per unit): (1 - y)/(1 - a) - y/a.

    Never needed by the network: both pairs are canonical (see :func:`output_delta`).
    """
    if output == "softmax":
        g = np.zeros_like(a)
    elif output == "sigmoid":
        g = 1.0 / (1.0 - a)
    else:
        raise ValueError(f"cross_entropy is defined for softmax or sigmoid outputs, not {output!r}")
    rows = np.arange(len(y))
    g[rows, y] = -1.0 / a[rows, y]
    return g


def squared_error(z, a, y, output):
    """Per-example squared error l = 1/2 sum_k (a_k - y_k)^2."""
    r = minus_one_hot(a, y)
    return 0.5 * np.sum(r * r, axis=1)


def squared_error_grad_a(a, y, output=None):
    """dl/da = a - y, whatever the output function."""
    return minus_one_hot(a, y)


@dataclass(frozen=True)
class Loss:
    """A loss: its per-example value ``value(z, a, y, output)`` and ``grad_a(a, y, output)``."""

    name: str
    value: Callable
    grad_a: Callable
    outputs: tuple  # the output functions it may be combined with


LOSSES = {
    "cross_entropy": Loss("cross_entropy", cross_entropy, cross_entropy_grad_a, ("softmax", "sigmoid")),
    "mse": Loss("mse", squared_error, squared_error_grad_a, ("softmax", "sigmoid", "identity")),
}

# Each of these output functions is the *canonical link* of its loss: the loss is
# the negative log-likelihood of an exponential-family distribution (categorical,
# Bernoulli, Gaussian) whose natural parameter is z. For such a pair
# l = A(z) - y.z + const, where A is the log-partition function, and A'(z) is
# exactly the mean, i.e. the output a = F(z). So dl/dz = A'(z) - y = a - y: the
# Jacobian of F and the 1/a of the log cancel, and no saturation can shrink the delta.
CANONICAL_PAIRS = {("softmax", "cross_entropy"), ("sigmoid", "cross_entropy"), ("identity", "mse")}


def per_example_loss(z, a, y, output, loss):
    """Per-example data loss, shape ``(N,)``."""
    return LOSSES[loss].value(z, a, y, output)


def summed_loss(z, a, y, output, loss, predicted):
    """The data loss summed over a batch, as a float: what ``fit`` records every step.

    The same number as ``per_example_loss(z, a, y, output, loss).sum()``. For
    softmax + cross-entropy it reuses the softmax ``a`` the forward pass already
    computed instead of exponentiating the logits a second time: for any class k,
    logsumexp(z) = z_k - log a_k, and at the predicted class k (``predicted``, the
    arg max of each row) a_k >= 1/K, so the logarithm is safe and accurate. The
    loss l = logsumexp(z) - z_y then costs a few gathers and one log of N numbers.
    """
    if output == "softmax" and loss == "cross_entropy":
        rows = np.arange(len(y))
        z_k = z[rows, predicted]
        return float((z_k - np.log(a[rows, predicted])).sum() - z[rows, y].sum())
    return float(np.sum(per_example_loss(z, a, y, output, loss)))


def output_delta(a, y, output, loss, out=None):
    """The output delta dl/dz^L, shape ``(N, K)``.

    For a canonical pair it is ``a - y``. Otherwise (squared error after a
    softmax or sigmoid) dl/da = a - y is pulled back through F's Jacobian,
    which adds the factor that vanishes when a unit saturates.
    """
    if (output, loss) in CANONICAL_PAIRS:
        return minus_one_hot(a, y, out=out)
    g = LOSSES[loss].grad_a(a, y, output)
    delta = OUTPUT_ACTIVATIONS[output].vjp(a, g)
    if out is not None:
        out[...] = delta
        return out
    return delta
