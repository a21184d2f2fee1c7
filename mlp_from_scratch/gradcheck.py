"""Numerical gradient checks by central differences.

The central difference (f(x + h) - f(x - h)) / 2h has error O(h^2) from the
Taylor series and O(eps / h) from rounding, so in float64 (eps ~ 1e-16) a step
h ~ 1e-6 balances the two at about 1e-10. In float32 (eps ~ 1e-7) no h gets
anywhere near that: gradient checks belong in float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["numerical_gradient", "relative_error", "check_gradients", "GradientCheck"]


def numerical_gradient(f, x, h=1e-6):
    """Central-difference gradient of a scalar function ``f`` at the array ``x``.

    ``x`` is perturbed in place, one entry at a time, and restored, so ``f`` may
    read it through a closure (as when ``x`` is one of a network's weights).

    Parameters
    ----------
    f : callable () -> float or callable (x) -> float
        Called with ``x`` as its only argument.
    x : ndarray of floats, any shape
    h : float
        Step size.

    Returns
    -------
    ndarray, same shape as ``x``
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise ValueError("numerical_gradient needs a float ndarray to perturb in place")
    grad = np.zeros_like(x, dtype=np.float64)
    flat = x.reshape(-1)  # a view: writing to it perturbs x
    if not np.shares_memory(flat, x):
        raise ValueError("numerical_gradient needs a contiguous array")
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = float(f(x))
        flat[i] = old - h
        f_minus = float(f(x))
        flat[i] = old
        grad.reshape(-1)[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a, b, elementwise=False):
    """Relative error between two gradients.

    Normwise (default): ||a - b|| / max(||a|| + ||b||, tiny). With
    ``elementwise=True``: the largest |a_i - b_i| / max(|a_i| + |b_i|, 1e-8),
    the cs231n criterion. Both are 0 for identical inputs and at most 1.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare gradients of shapes {a.shape} and {b.shape}")
    if elementwise:
        if a.size == 0:
            return 0.0
        return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-8)))
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / max(denom, np.finfo(np.float64).tiny))


@dataclass
class GradientCheck:
    """Result of :func:`check_gradients`: one row per parameter array."""

    names: list
    shapes: list
    errors: list          # normwise relative errors
    max_abs_diffs: list

    @property
    def max_error(self):
        """The worst normwise relative error over all parameter arrays."""
        return max(self.errors)

    def rows(self):
        """The table as a list of dicts."""
        return [dict(parameter=n, shape=s, relative_error=e, max_abs_difference=d)
                for n, s, e, d in zip(self.names, self.shapes, self.errors, self.max_abs_diffs)]

    def __str__(self):
        lines = [f"{'parameter':<10} {'shape':<14} {'relative error':>15} {'max |diff|':>12}"]
        for n, s, e, d in zip(self.names, self.shapes, self.errors, self.max_abs_diffs):
            lines.append(f"{n:<10} {str(s):<14} {e:>15.2e} {d:>12.2e}")
        return "\n".join(lines)

    def _repr_html_(self):
        head = "<tr><th>parameter</th><th>shape</th><th>relative error</th><th>max |diff|</th></tr>"
        body = "".join(f"<tr><td>{n}</td><td>{s}</td><td>{e:.2e}</td><td>{d:.2e}</td></tr>"
                       for n, s, e, d in zip(self.names, self.shapes, self.errors, self.max_abs_diffs))
        return f"<table>{head}{body}</table>"


def check_gradients(net, X, y, h=1e-6):
    """Compare ``net.gradients(X, y)`` with central differences of ``net.loss``.

    Parameters
    ----------
    net : MLP
        Best in float64; its parameters are perturbed and restored.
    X, y : the data the objective is evaluated on (keep it small: the check
        costs two loss evaluations per parameter).
    h : float
        Finite-difference step.

    Returns
    -------
    GradientCheck
        The normwise relative error for each weight matrix ``W1, W2, ...`` and
        bias vector ``b1, b2, ...`` (numbered from 1, as in the book).
    """
    dW, db = net.gradients(X, y)
    names, shapes, errors, diffs = [], [], [], []
    for l in range(net.n_layers):
        for name, param, analytic in ((f"W{l + 1}", net.weights[l], dW[l]), (f"b{l + 1}", net.biases[l], db[l])):
            numeric = numerical_gradient(lambda _: net.loss(X, y), param, h)
            names.append(name)
            shapes.append(param.shape)
            errors.append(relative_error(analytic, numeric))
            diffs.append(float(np.max(np.abs(analytic - numeric))))
    return GradientCheck(names, shapes, errors, diffs)
