"""Checks of the penalties' (sub)gradients and of inverted dropout.

* ``l1_subgradient(W) -> G``: a subgradient of sum |w|, sign(W) (0 at w = 0, as the book);
* ``l2_gradient(W) -> G``: the gradient of sum w^2, 2 W;
* ``dropout_forward(a, p, rng) -> (a_tilde, mask)`` and ``dropout_backward(delta, mask) -> delta_prev``.

The references are :mod:`mlp_from_scratch.regularization`, the dropout of
:class:`~mlp_from_scratch.MLP`'s training pass, and the product rule of
:mod:`mlp_from_scratch.autodiff` (dropout multiplies by a fixed mask).
"""

from __future__ import annotations

import numpy as np

from .. import autodiff
from .. import regularization as reference
from ..network import MLP
from ._core import Case, Mistake, run_check

__all__ = ["check_l1_subgradient", "check_l2_gradient", "check_dropout_forward", "check_dropout_backward",
           "MISTAKES"]


def weight_cases(seed):
    """Weight matrices: several shapes, exact zeros (where |w| has its kink), large entries."""
    rng = np.random.default_rng(seed)
    with_zeros = rng.normal(0, 1, (5, 2))
    with_zeros[::2, 0] = 0.0
    return [Case("3 x 4", (rng.normal(0, 1, (3, 4)),)),
            Case("5 x 2 with exact zeros", (with_zeros,)),
            Case("1 x 1 zero", (np.zeros((1, 1)),)),
            Case("2 x 3, large entries", (rng.normal(0, 1e3, (2, 3)),))]


def _one(transform):
    return lambda case, ref: {"gradient": transform(case.args[0])}


L1_MISTAKES = [
    Mistake("l1_abs", "you return |W|, the penalty's entries; its (sub)gradient is their slope",
            "d|w|/dw = sign(w)", _one(np.abs)),
    Mistake("l1_divides_by_abs", "W / |W| is 0 / 0 = NaN at w = 0; np.sign(W) gives the subgradient 0 there",
            "d|w|/dw = sign(w), 0 at w = 0", _one(lambda W: W / np.abs(W))),
    Mistake("l1_one_at_zero", "your subgradient is 1 at w = 0: any value in [-1, 1] is a subgradient there, "
            "but the book (np.sign, and MLP) takes 0: the penalty does not push a weight that is exactly 0",
            "d|w|/dw = sign(w), 0 at w = 0", _one(lambda W: np.where(W >= 0, 1.0, -1.0))),
    Mistake("l1_returns_penalty", "you return the penalty sum |w|, a number; its gradient has W's shape",
            "d/dW sum |w| = sign(W)", _one(lambda W: np.float64(np.abs(W).sum()))),
]

L2_MISTAKES = [
    Mistake("l2_missing_factor_2", "your L2 gradient misses the factor 2 of d(w^2)/dw", "d/dW sum w^2 = 2 W",
            _one(lambda W: W)),
    Mistake("l2_squared", "you return the squares w^2, the penalty's entries; their derivative is 2 w",
            "d/dW sum w^2 = 2 W", _one(np.square)),
    Mistake("l2_returns_penalty", "you return the penalty sum w^2, a number; its gradient has W's shape",
            "d/dW sum w^2 = 2 W", _one(lambda W: np.float64(np.sum(W * W)))),
]


def check_l1_subgradient(l1_subgradient, seed=0):
    """Check ``l1_subgradient(W) -> G``: sign(W), of W's shape, 0 where w = 0."""
    return run_check("l1_subgradient", l1_subgradient, weight_cases(seed),
                     lambda case: {"gradient": reference.l1_subgradient(case.args[0])}, L1_MISTAKES, ["gradient"],
                     equation="d/dW sum |w| = sign(W)")


def check_l2_gradient(l2_gradient, seed=0):
    """Check ``l2_gradient(W) -> G``: 2 W, the gradient of sum w^2 (the coefficient l2 is applied outside)."""
    return run_check("l2_gradient", l2_gradient, weight_cases(seed),
                     lambda case: {"gradient": reference.l2_gradient(case.args[0])}, L2_MISTAKES, ["gradient"],
                     equation="d/dW sum w^2 = 2 W")


# ---------------------------------------------------------------------- dropout
def package_dropout(a, p, seed):
    """(a_tilde, mask) of the dropout ``MLP`` applies to a hidden layer, drawn from ``default_rng(seed)``.

    A network whose first layer is the identity (W = I, b = 0, f(z) = z) passes ``a`` to
    its hidden layer unchanged; its training pass drops units of it, and the same pass
    on ones, from the same generator, shows the mask.
    """
    n = a.shape[1]
    net = MLP([n, n, 1], hidden="identity", dropout=p, dtype=np.float64)
    net.weights[0][...] = np.eye(n)
    net.biases[0][...] = 0.0

    def dropped(x):
        net.rng = np.random.default_rng(seed)
        return net.forward_pass(x, training=True)[0][1]   # the activations a^0, a~^1, a^2; a~^1
    return dropped(a), dropped(np.ones_like(a))


def _mask_family(case, reference, student):
    """The student's mask is an inverted-dropout mask (0 or 1/(1 - p)) and a_tilde = a * mask."""
    a, p = case.args[:2]
    mask, a_tilde = student["mask"], student["a_tilde"]
    if mask.shape != a.shape or a_tilde.shape != a.shape:
        return False
    with np.errstate(all="ignore"):
        return bool(np.all(np.isclose(mask, 0) | np.isclose(mask, 1 / (1 - p)))
                    and np.allclose(a_tilde, a * mask))


def _scaled(factor):
    return lambda case, ref: {n: v * factor(case.args[1]) for n, v in ref.items()}


def _keep_p(case, ref):
    a, p = case.args[:2]
    with np.errstate(all="ignore"):
        mask = (ref["mask"] == 0) / p     # keeps the units the book drops, scaled as if p were kept
        return {"a_tilde": a * mask, "mask": mask}


DROPOUT_FORWARD_MISTAKES = [
    Mistake("dropout_no_scaling", "dropout without the 1/(1 - p) scaling: inverted dropout scales the kept "
            "units so that the expected activation is unchanged", "a_tilde = r * a / (1 - p), r ~ Bernoulli(1 - p)",
            _scaled(lambda p: 1 - p)),
    Mistake("dropout_p_is_keep", "your code treats p as the probability of keeping a unit; p is the "
            "probability of dropping one (as torch.nn.Dropout): keep where u >= p, scale by 1/(1 - p)",
            "a_tilde = r * a / (1 - p), r ~ Bernoulli(1 - p)", _keep_p),
    Mistake("dropout_other_draw", "your mask is a valid inverted-dropout mask but not the draw the check "
            "expects: draw u = rng.random(a.shape) once and keep the units where u >= p",
            "r = (u >= p), mask = r / (1 - p)", predicate=_mask_family),
]


def check_dropout_forward(dropout_forward, seed=0):
    """Check ``dropout_forward(a, p, rng) -> (a_tilde, mask)``: inverted dropout of a hidden layer.

    ``a`` (N, n) the layer's activations, ``p`` in [0, 1) the probability of dropping a
    unit, ``rng`` a ``numpy.random.Generator``. Draw ``u = rng.random(a.shape)`` once;
    ``mask = (u >= p) / (1 - p)`` (N, n) and ``a_tilde = a * mask`` (N, n).
    """
    rng = np.random.default_rng(seed)
    cases = []
    for label, shape, p in (("4 x 5, p = 0.5", (4, 5), 0.5), ("10 x 8, p = 0.2", (10, 8), 0.2),
                            ("1 x 3, p = 0.9", (1, 3), 0.9), ("3 x 4, p = 0 (no dropout)", (3, 4), 0.0),
                            ("zero activations, p = 0.5", (2, 6), 0.5)):
        a = np.zeros(shape) if label.startswith("zero") else np.abs(rng.normal(0, 1, shape))
        cases.append(Case(label, (a, p), extra={"seed": int(rng.integers(2 ** 32))}))
    return run_check("dropout_forward", dropout_forward, cases,
                     lambda case: dict(zip(("a_tilde", "mask"), package_dropout(*case.args, case.extra["seed"]))),
                     DROPOUT_FORWARD_MISTAKES, ["a_tilde", "mask"],
                     call=lambda f, case: f(*case.args, np.random.default_rng(case.extra["seed"])),
                     equation="mask = (u >= p) / (1 - p), a_tilde = a * mask")


DROPOUT_BACKWARD_MISTAKES = [
    Mistake("dropout_backward_ignores_mask", "your backward pass lets the gradient through the dropped units: "
            "only the kept units pass it back, scaled like the forward pass", "delta_prev = delta * mask",
            lambda case, ref: {"delta_prev": case.args[0]}),
    Mistake("dropout_backward_unscaled", "your backward pass forgets the 1/(1 - p) of the mask: multiply by "
            "the mask the forward pass applied", "delta_prev = delta * mask, mask = r / (1 - p)",
            lambda case, ref: {"delta_prev": case.args[0] * (case.args[1] > 0)}),
]


def check_dropout_backward(dropout_backward, seed=0):
    """Check ``dropout_backward(delta, mask) -> delta_prev``: the gradient through inverted dropout.

    ``delta`` (N, n) the gradient with respect to a_tilde, ``mask`` (N, n) the scaled
    mask of the forward pass; returns the gradient with respect to a, (N, n).
    """
    rng = np.random.default_rng(seed)
    cases = []
    for label, shape, p in (("4 x 5, p = 0.5", (4, 5), 0.5), ("1 x 3, p = 0.9", (1, 3), 0.9),
                            ("6 x 2, p = 0.25", (6, 2), 0.25)):
        mask = package_dropout(np.ones(shape), p, int(rng.integers(2 ** 32)))[1]
        cases.append(Case(label, (rng.normal(0, 1, shape), mask)))

    def backward(case):
        delta, mask = case.args
        a = autodiff.Tensor(np.ones_like(mask))
        (a * mask).backward(delta)     # dropout multiplies by a fixed mask: the product rule
        return {"delta_prev": a.grad}
    return run_check("dropout_backward", dropout_backward, cases, backward, DROPOUT_BACKWARD_MISTAKES,
                     ["delta_prev"], equation="delta_prev = delta * mask")


MISTAKES = {"l1_subgradient": L1_MISTAKES, "l2_gradient": L2_MISTAKES, "dropout_forward": DROPOUT_FORWARD_MISTAKES,
            "dropout_backward": DROPOUT_BACKWARD_MISTAKES}
