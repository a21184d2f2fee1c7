"""Losses and the output delta dl/dz^L: one table of (output, loss) pairs.

Targets are integer class labels ``y`` of shape ``(N,)``; the one-hot vector of
label ``t`` has a 1 at position ``t`` and zeros elsewhere. We never build the
one-hot matrix: ``a - y_onehot`` is ``a`` with 1 subtracted at each label.

Every pair the network accepts is one entry of :data:`LOSSES`, keyed by
``(output, loss)``, which holds side by side the per-example loss ``value(z, a, y)``
(computed from the logits ``z`` where that is what keeps it finite), its gradient
``grad_a(a, y)`` with respect to the outputs, and the output delta ``delta(a, y)``
that backpropagation starts from. For the canonical pairs the delta is simply
``a - y`` (:func:`canonical_delta`); for the others it is ``grad_a`` pulled back
through the output function's Jacobian.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np

from .activations import OUTPUT_ACTIVATIONS, logsumexp

__all__ = [
    "LOSSES",
    "OutputLoss",
    "canonical_delta",
    "minus_one_hot",
    "one_hot",
    "per_example_loss",
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


def canonical_delta(a, y):
    """The output delta dl/dz^L = a - y of a canonical (output, loss) pair, shape ``(N, K)``."""
    # Each canonical output function is the *canonical link* of its loss: the loss is
    # the negative log-likelihood of an exponential-family distribution (categorical,
    # Bernoulli, Gaussian) whose natural parameter is z. For such a pair
    # l = A(z) - y.z + const, where A is the log-partition function, and A'(z) is
    # exactly the mean, i.e. the output a = F(z). So dl/dz = A'(z) - y = a - y: the
    # Jacobian of F and the 1/a of the log cancel, and no saturation can shrink the delta.
    return minus_one_hot(a, y)


# ------------------------------------------------------------ softmax + cross-entropy
def softmax_cross_entropy(z, a, y):
    """Per-example l = -log a_t = logsumexp(z) - z_t (finite for any z).

    With the softmax ``a`` of the forward pass at hand, -log a_t costs one gather and
    one log per example. It is as accurate as the logits' form while a_t is a normal
    float; where a_t has underflowed (a loss above about 87 in float32, 708 in
    float64) -log a_t would be inf or inexact, and those rows take the logits' form,
    :func:`~mlp_from_scratch.activations.logsumexp` of z minus z_t (also used when
    ``a`` is None).
    """
    if a is None:
        return logsumexp(z, axis=1) - label_logits(z, y)
    a_t = label_logits(a, y)
    tiny = np.finfo(a.dtype).tiny                   # the smallest normal float
    loss = -np.log(np.maximum(a_t, tiny))
    underflowed = a_t < tiny
    if underflowed.any():
        loss[underflowed] = logsumexp(z[underflowed], axis=1) - label_logits(z[underflowed], y[underflowed])
    return loss


def softmax_cross_entropy_grad_a(a, y):
    """dl/da = -y / a: only the true class's output appears in the loss."""
    g = np.zeros_like(a)
    rows = np.arange(len(y))
    g[rows, y] = -1.0 / a[rows, y]
    return g


# ------------------------------------------------------------ sigmoid + cross-entropy
def sigmoid_cross_entropy(z, a, y):
    """Binary cross-entropy summed over the units, from the logits.

    l = -sum_k [y_k log a_k + (1 - y_k) log(1 - a_k)] = sum_k log(1 + exp(z_k)) - z_t;
    taking logs of ``a`` instead would give -inf once a saturates to 0.
    """
    return np.sum(np.logaddexp(0, z), axis=1) - label_logits(z, y)


def sigmoid_cross_entropy_grad_a(a, y):
    """dl/da = (1 - y)/(1 - a) - y/a, one independent Bernoulli per unit."""
    g = 1.0 / (1.0 - a)
    rows = np.arange(len(y))
    g[rows, y] = -1.0 / a[rows, y]
    return g


# ------------------------------------------------------------------- squared error
def squared_error(z, a, y):
    """Per-example squared error l = 1/2 sum_k (a_k - y_k)^2."""
    r = minus_one_hot(a, y)
    return 0.5 * np.sum(r * r, axis=1)


def squared_error_grad_a(a, y):
    """dl/da = a - y, whatever the output function."""
    return minus_one_hot(a, y)


def _pulled_back(vjp, a, y):
    return vjp(a, squared_error_grad_a(a, y))


def squared_error_delta(output):
    """dl/dz^L of squared error after a non-canonical ``output``: J_F^T (a - y).

    The Jacobian adds the factor that vanishes when a unit saturates. (A
    ``functools.partial``, not a closure, so that networks can be pickled.)
    """
    return partial(_pulled_back, OUTPUT_ACTIVATIONS[output].vjp)


# ----------------------------------------------------------------------- the table
@dataclass(frozen=True)
class OutputLoss:
    """An (output function, loss) pair: the loss value and the output delta side by side.

    ``value(z, a, y)`` -> per-example loss, shape (N,); ``grad_a(a, y)`` -> dl/da and
    ``delta(a, y)`` -> dl/dz^L, both of shape (N, K).
    """

    value: Callable
    grad_a: Callable
    delta: Callable

    @property
    def canonical(self):
        """Whether the delta is ``a - y`` (the output is the loss's canonical link)."""
        return self.delta is canonical_delta


LOSSES = {
    ("softmax", "cross_entropy"): OutputLoss(softmax_cross_entropy, softmax_cross_entropy_grad_a,
                                             canonical_delta),
    ("sigmoid", "cross_entropy"): OutputLoss(sigmoid_cross_entropy, sigmoid_cross_entropy_grad_a,
                                             canonical_delta),
    ("identity", "mse"): OutputLoss(squared_error, squared_error_grad_a, canonical_delta),
    ("softmax", "mse"): OutputLoss(squared_error, squared_error_grad_a, squared_error_delta("softmax")),
    ("sigmoid", "mse"): OutputLoss(squared_error, squared_error_grad_a, squared_error_delta("sigmoid")),
}


def per_example_loss(z, a, y, output, loss):
    """Per-example data loss, shape ``(N,)``, from the logits ``z`` and the outputs ``a = F(z)``.

    Squared error needs ``a``; the two cross-entropies can work from ``z`` alone (``a=None``).
    """
    return LOSSES[output, loss].value(z, a, y)


def output_delta(a, y, output, loss):
    """The output delta dl/dz^L, shape ``(N, K)``: ``a - y`` for a canonical pair."""
    return LOSSES[output, loss].delta(a, y)
