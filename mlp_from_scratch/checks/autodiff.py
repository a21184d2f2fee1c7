"""Checks of backward rules of :mod:`mlp_from_scratch.autodiff`'s operations.

The student writes an operation's backward rule as a function of its inputs and the
adjoint Z-bar = dJ/dZ of its output, returning the adjoints of the inputs:

* ``matmul_backward(A, B, grad_Z) -> (grad_A, grad_B)`` for Z = A @ B, A (N, n), B (n, m);
* ``add_backward(grad_Z, shape_a, shape_b) -> (grad_a, grad_b)`` for Z = a + b with NumPy
  broadcasting (e.g. a bias b of shape (m,) added to every row of a (N, m));
* ``mul_backward(A, B, grad_Z) -> (grad_A, grad_B)`` for the elementwise Z = A * B.

The reference is the package's :class:`~mlp_from_scratch.autodiff.Tensor`: the
operation on leaves, then ``backward(grad_Z)``.
"""

from __future__ import annotations

import numpy as np

from ..autodiff import Tensor
from ._core import Case, Mistake, run_check

__all__ = ["check_matmul_backward", "check_add_backward", "check_mul_backward", "MISTAKES"]

NAMES = ["grad_A", "grad_B"]


def _package_rule(op, a, b, grad):
    A, B = Tensor(a), Tensor(b)
    op(A, B).backward(grad)
    return dict(zip(NAMES, (A.grad, B.grad)))


MATMUL_MISTAKES = [
    Mistake("matmul_transposed", "your adjoint is transposed: an adjoint has the shape of its variable",
            "A-bar = Z-bar B^T (N x n), B-bar = A^T Z-bar (n x m)",
            lambda case, ref: {n: v.T for n, v in ref.items()}),
    Mistake("matmul_adjoints_swapped", "your two adjoints are swapped: A-bar multiplies Z-bar by B^T on the "
            "right, B-bar by A^T on the left", "A-bar = Z-bar B^T, B-bar = A^T Z-bar",
            lambda case, ref: {"grad_A": ref["grad_B"], "grad_B": ref["grad_A"]}),
]


def check_matmul_backward(matmul_backward, seed=0):
    """Check ``matmul_backward(A, B, grad_Z) -> (grad_A, grad_B)`` for Z = A @ B: Z-bar B^T and A^T Z-bar."""
    rng = np.random.default_rng(seed)
    cases = [Case(f"A {N} x {n}, B {n} x {m}", (rng.normal(0, 1, (N, n)), rng.normal(0, 1, (n, m)),
                                                 rng.normal(0, 1, (N, m))))
             for N, n, m in ((4, 3, 2), (1, 5, 3), (3, 3, 3), (6, 2, 7))]
    return run_check("matmul_backward", matmul_backward, cases,
                     lambda case: _package_rule(lambda A, B: A @ B, *case.args), MATMUL_MISTAKES, NAMES,
                     equation="A-bar = Z-bar B^T, B-bar = A^T Z-bar")


ADD_NAMES = ["grad_a", "grad_b"]


def _add_rule(case):
    grad, shape_a, shape_b = case.args
    a, b = Tensor(np.zeros(shape_a)), Tensor(np.zeros(shape_b))
    (a + b).backward(grad)
    return dict(zip(ADD_NAMES, (a.grad, b.grad)))


def _summed_copies(case, ref):
    # the mean over the copies: each entry of a broadcast operand was copied out.size / operand.size times
    grad = case.args[0]
    return {n: v * (v.size / grad.size) for n, v in ref.items()}


ADD_MISTAKES = [
    Mistake("add_not_unbroadcast", "your adjoint has the shape of Z, not of the operand: broadcasting copied "
            "the operand, so its adjoint sums Z-bar over the copied axes (a bias: over the rows)",
            "b-bar = sum_n Z-bar_n, np.sum(grad_Z, axis=0)",
            lambda case, ref: {n: case.args[0] for n in ADD_NAMES}),
    Mistake("add_mean_not_sum", "your adjoint averages over the broadcast axes; every copy of the operand "
            "adds its own contribution, so sum them", "b-bar = sum_n Z-bar_n", _summed_copies),
]


def check_add_backward(add_backward, seed=0):
    """Check ``add_backward(grad_Z, shape_a, shape_b) -> (grad_a, grad_b)`` for Z = a + b, broadcasting.

    ``grad_Z`` has the shape of Z; ``shape_a`` and ``shape_b`` are the operands' shapes
    (tuples); the adjoints have those shapes: Z-bar summed over the axes broadcasting added.
    """
    rng = np.random.default_rng(seed)
    cases = [Case(label, (rng.normal(0, 1, out), a, b)) for label, out, a, b in (
        ("a batch plus a bias row", (5, 3), (5, 3), (3,)),
        ("same shapes", (2, 4), (2, 4), (2, 4)),
        ("a column plus a row", (4, 3), (4, 1), (1, 3)),
        ("one example plus a bias", (1, 6), (1, 6), (6,)))]
    return run_check("add_backward", add_backward, cases, _add_rule, ADD_MISTAKES, ADD_NAMES,
                     equation="Z-bar summed over the axes each operand was broadcast along")


MUL_MISTAKES = [
    Mistake("mul_own_value", "your adjoint multiplies Z-bar by the variable itself; the product rule takes "
            "the other factor", "A-bar = Z-bar * B, B-bar = Z-bar * A",
            lambda case, ref: {"grad_A": case.args[2] * case.args[0], "grad_B": case.args[2] * case.args[1]}),
    Mistake("mul_forgets_upstream", "your adjoint forgets Z-bar, the adjoint arriving from the output: the "
            "chain rule multiplies the local derivative by it", "A-bar = Z-bar * B, B-bar = Z-bar * A",
            lambda case, ref: {"grad_A": case.args[1], "grad_B": case.args[0]}),
]


def check_mul_backward(mul_backward, seed=0):
    """Check ``mul_backward(A, B, grad_Z) -> (grad_A, grad_B)`` for the elementwise Z = A * B (same shapes)."""
    rng = np.random.default_rng(seed)
    cases = [Case(f"{shape[0]} x {shape[1]}", tuple(rng.normal(0, 1, shape) for _ in range(3)))
             for shape in ((3, 4), (1, 1), (5, 2))]
    return run_check("mul_backward", mul_backward, cases, lambda case: _package_rule(lambda A, B: A * B, *case.args),
                     MUL_MISTAKES, NAMES, equation="A-bar = Z-bar * B, B-bar = Z-bar * A")


MISTAKES = {"matmul_backward": MATMUL_MISTAKES, "add_backward": ADD_MISTAKES, "mul_backward": MUL_MISTAKES}
