"""Weight penalties, their (sub)gradients, and the priors they come from.

Under the book's objective, the *mean* loss over N examples plus a penalty,

    J(W) = (1/N) sum_n l_n(W) + l1 * sum |W| + l2 * sum W**2,

minimising J is maximum a posteriori (MAP) estimation: dividing the negative log
posterior -log p(W | data) = -sum_n log p(y_n | x_n, W) - log p(W) + const by N
turns a Gaussian prior N(0, sigma^2) on each weight into l2 = 1 / (2 N sigma^2)
and a Laplace prior with scale b, p(w) = exp(-|w| / b) / 2b, into l1 = 1 / (N b).
"""

from __future__ import annotations

import numpy as np

from .validation import check_number

__all__ = [
    "l1_penalty", "l1_subgradient", "l2_penalty", "l2_gradient",
    "l2_from_gaussian_prior", "l1_from_laplace_prior",
    "gaussian_prior_sigma", "laplace_prior_scale",
    "gaussian_log_prior", "gaussian_log_prior_gradient",
    "laplace_log_prior", "laplace_log_prior_gradient",
]


def l1_penalty(W):
    """sum |w| over the entries of W."""
    return float(np.abs(W).sum())


def l1_subgradient(W):
    """sign(W): a subgradient of sum |w|.

    Away from 0, |w| has the derivative sign(w). At w = 0 every value in [-1, 1]
    is a subgradient; we use 0, which is what np.sign gives.
    """
    return np.sign(W)


def l2_penalty(W):
    """sum w**2 over the entries of W."""
    return float(np.vdot(W, W))


def l2_gradient(W):
    """d/dW sum w**2 = 2 W."""
    return 2 * W


def l2_from_gaussian_prior(sigma, n_examples):
    """The l2 coefficient equivalent to a N(0, sigma^2) prior on each weight: 1 / (2 N sigma^2)."""
    check_number("sigma", sigma)
    check_number("n_examples", n_examples)
    return 1.0 / (2.0 * n_examples * sigma ** 2)


def gaussian_prior_sigma(l2, n_examples):
    """Inverse of :func:`l2_from_gaussian_prior`: sigma = 1 / sqrt(2 N l2)."""
    check_number("l2", l2)
    check_number("n_examples", n_examples)
    return 1.0 / np.sqrt(2.0 * n_examples * l2)


def l1_from_laplace_prior(scale, n_examples):
    """The l1 coefficient equivalent to a Laplace(0, b) prior on each weight: 1 / (N b)."""
    check_number("scale", scale)
    check_number("n_examples", n_examples)
    return 1.0 / (n_examples * scale)


def laplace_prior_scale(l1, n_examples):
    """Inverse of :func:`l1_from_laplace_prior`: b = 1 / (N l1)."""
    check_number("l1", l1)
    check_number("n_examples", n_examples)
    return 1.0 / (n_examples * l1)


def gaussian_log_prior(weights, sigma):
    """log p(W) for independent N(0, sigma^2) weights, summed over all matrices."""
    n = sum(W.size for W in weights)
    sq = sum(float(np.vdot(W, W)) for W in weights)
    return -0.5 * n * np.log(2 * np.pi * sigma ** 2) - sq / (2 * sigma ** 2)


def gaussian_log_prior_gradient(weights, sigma):
    """d log p(W) / dW = -W / sigma^2, for each matrix."""
    return [-W / sigma ** 2 for W in weights]


def laplace_log_prior(weights, scale):
    """log p(W) for independent Laplace(0, b) weights: sum(-log 2b - |w| / b)."""
    n = sum(W.size for W in weights)
    return -n * np.log(2 * scale) - sum(float(np.abs(W).sum()) for W in weights) / scale


def laplace_log_prior_gradient(weights, scale):
    """A (super)gradient of log p(W): -sign(W) / b."""
    return [-np.sign(W) / scale for W in weights]
