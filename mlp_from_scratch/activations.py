"""Activation functions, their derivatives and the output (link) functions.

Every hidden activation is one entry of :data:`HIDDEN_ACTIVATIONS`: the function
``f`` and its derivative ``f'``, defined side by side. The derivative is written in
terms of the activation ``a = f(z)`` that the forward pass already stored, which is
cheaper than recomputing it from ``z`` (``sigmoid'(z) = a (1 - a)``).

Output functions ``F`` live in :data:`OUTPUT_ACTIVATIONS`. They also know how to
pull a gradient ``g = dl/da`` back to ``dl/dz`` (a Jacobian-transpose product),
which the squared-error loss needs; the cross-entropy losses never do, because
their output delta simplifies to ``a - y`` (see :mod:`mlp_from_scratch.losses`).

Shapes: ``z`` and ``a`` are ``(N, n)`` arrays (one row per example) or any shape
for the elementwise functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np

__all__ = [
    "sigmoid",
    "softmax",
    "log_softmax",
    "logsumexp",
    "softmax_jacobian",
    "HIDDEN_ACTIVATIONS",
    "OUTPUT_ACTIVATIONS",
    "Activation",
    "OutputActivation",
]


# ----------------------------------------------------------------------------
# Elementwise hidden activations, each as two functions side by side: f(z) and
# its derivative f'(z), written through a = f(z), which the forward pass has
# stored (cheaper than recomputing from z: sigmoid'(z) = a (1 - a)). Each
# returns a new array of z's dtype (float32 stays float32).
# ----------------------------------------------------------------------------


def identity(z):
    """f(z) = z."""
    return z


def identity_derivative(a):
    """f'(z) = 1."""
    return np.ones_like(a)


def sigmoid(z):
    """Logistic sigmoid 1 / (1 + exp(-z)), finite and in [0, 1] for any z.

    For very negative z (z < -88.7 in float32), exp(-z) overflows to inf, and
    1 / (1 + inf) is exactly 0, the right limit: the overflow is harmless, so its
    warning is silenced. No branch on the sign of z is needed, which keeps this
    function, run on every hidden layer of every step, at four passes over z.
    """
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


def sigmoid_derivative(a):
    """sigmoid'(z) = a (1 - a)."""
    return a * (1 - a)


def tanh(z):
    """Hyperbolic tangent."""
    return np.tanh(z)


def tanh_derivative(a):
    """tanh'(z) = 1 - a**2."""
    return 1 - a * a


def relu(z):
    """Rectified linear unit max(0, z)."""
    return np.maximum(z, 0)


def relu_derivative(a):
    """relu'(z) = 1 where z > 0, else 0 (we pick 0 at the kink z = 0).

    ``a > 0`` exactly when ``z > 0``, so the stored activation suffices.
    """
    return (a > 0).astype(a.dtype)


@dataclass(frozen=True)
class Activation:
    """A hidden activation: the function and its derivative, side by side.

    Called, it is the function: ``f(z)``; ``f.derivative(a)`` is f'(z) given a = f(z).
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]  # f'(z) given a = f(z)

    def __call__(self, z):
        return self.f(z)


HIDDEN_ACTIVATIONS = {
    "identity": Activation("identity", identity, identity_derivative),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_derivative),
    "tanh": Activation("tanh", tanh, tanh_derivative),
    "relu": Activation("relu", relu, relu_derivative),
}


# ----------------------------------------------------------------------------
# Softmax and friends, computed stably
# ----------------------------------------------------------------------------


def _as_float(z):
    """``z`` as an array of floats (integers become float64), for the in-place exp below."""
    z = np.asarray(z)
    return z if z.dtype.kind in "fc" else z.astype(np.float64)


def logsumexp(z, axis=-1):
    """log(sum(exp(z))) along ``axis``, without overflow or underflow.

    Subtracting the maximum m first makes every exponent <= 0, so exp cannot
    overflow, and the largest term is exactly 1, so the sum cannot underflow
    to zero: log sum exp(z) = m + log sum exp(z - m).

    Parameters
    ----------
    z : ndarray, shape (..., K)
    axis : int

    Returns
    -------
    ndarray, shape (...)
    """
    z = _as_float(z)
    m = z.max(axis=axis, keepdims=True)
    e = z - m
    np.exp(e, out=e)  # in place, here and below: no further temporaries
    s = e.sum(axis=axis, keepdims=True)
    np.log(s, out=s)
    s += m
    return np.squeeze(s, axis=axis)


def log_softmax(z, axis=-1):
    """log softmax(z) = z - logsumexp(z), stable for any finite logits."""
    z = np.asarray(z)
    return z - np.expand_dims(logsumexp(z, axis=axis), axis)


def softmax(z, axis=-1):
    """Softmax exp(z_i) / sum_k exp(z_k) along ``axis`` (default: each row).

    Shifting every logit by the row maximum leaves the result unchanged
    (the factor exp(-m) cancels) and keeps exp from overflowing.

    For speed the work is done on a copy with the softmax axis first, ``e[k, n]``
    for class k of example n: each max and sum then combines K contiguous rows of
    N numbers, which NumPy vectorises, instead of N short rows of K numbers, which
    it reduces one row at a time (3-4 times slower for K = 10).

    Parameters
    ----------
    z : ndarray, shape (..., K)

    Returns
    -------
    ndarray, shape (..., K), C-contiguous
        Non-negative, summing to one along ``axis``.
    """
    e = _as_float(z).swapaxes(axis, 0).copy()  # the softmax axis first, contiguous
    e -= np.maximum.reduce(e, axis=0)  # e.max(axis=0) without the Python wrapper of the method
    np.exp(e, out=e)
    e /= np.add.reduce(e, axis=0)
    return np.ascontiguousarray(e.swapaxes(0, axis))


def softmax_jacobian(z):
    """Jacobian of the softmax, dF_i/dz_j = F_i (delta_ij - F_j).

    Parameters
    ----------
    z : ndarray, shape (K,) or (N, K)
        Logits of one example, or of a batch (one row per example).

    Returns
    -------
    ndarray, shape (K, K) or (N, K, K)
        ``J[..., i, j] = dF_i / dz_j``: symmetric, rows summing to zero.
    """
    z = np.asarray(z)
    if z.ndim not in (1, 2):
        raise ValueError(
            f"softmax_jacobian expects logits of shape (K,) or (N, K); got shape {z.shape}"
        )
    if z.shape[-1] == 0:
        raise ValueError("softmax_jacobian needs at least one logit")
    F = softmax(z)
    # diag(F) - F F^T, built for a single vector or a stack of them
    J = -F[..., :, None] * F[..., None, :]
    diagonal = np.einsum("...ii->...i", J)  # a writable view of the diagonals
    diagonal += F
    return J


# ----------------------------------------------------------------------------
# Output activations F(z^L)
# ----------------------------------------------------------------------------


def softmax_vjp(a, g):
    """Pull dl/da back through the softmax: J^T g = a * (g - sum_k a_k g_k)."""
    return a * (g - np.sum(a * g, axis=1, keepdims=True))


def _elementwise_vjp(derivative, a, g):
    return derivative(a) * g


def elementwise_vjp(derivative):
    """The Jacobian of an elementwise F is diagonal: J^T g = F'(z) * g.

    A ``functools.partial`` of a module-level function rather than a closure, so
    that networks holding it can be pickled (joblib, ``GridSearchCV(n_jobs=...)``).
    """
    return partial(_elementwise_vjp, derivative)


@dataclass(frozen=True)
class OutputActivation:
    """An output function F with its Jacobian-transpose product ``vjp(a, g)``; called, it is F(z)."""

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    vjp: Callable[[np.ndarray, np.ndarray], np.ndarray]

    def __call__(self, z):
        return self.f(z)


OUTPUT_ACTIVATIONS = {
    "softmax": OutputActivation("softmax", softmax, softmax_vjp),
    "sigmoid": OutputActivation("sigmoid", sigmoid, elementwise_vjp(sigmoid_derivative)),
    "identity": OutputActivation("identity", identity, elementwise_vjp(identity_derivative)),
}
