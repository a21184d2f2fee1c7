"""Checks that teach: run a student's own implementation of a piece of the book and say what is wrong.

>>> import numpy as np
>>> from mlp_from_scratch.checks import check_softmax
>>> def softmax(z):
...     e = np.exp(z)
...     return e / e.sum(axis=1, keepdims=True)
>>> check_softmax(softmax)          # doctest: +SKIP
softmax: FAILED [softmax_unstable] `a`: softmax overflows for large logits: subtract the row maximum ...

Each ``check_<piece>(function, seed=0)`` runs the student's function on generated,
seeded float64 cases (several shapes, zeros, large logits, ...), compares it with
the package's own implementation and, where it differs, names the known mistake
that reproduces the answer (:data:`CATALOGUE`), or says where the largest error
is. It returns a :class:`CheckResult`: truthy only on a pass, shown as a verdict in
a notebook and as one line in a terminal, carrying the diagnosis's stable name for a
grader. The student's function's contract (its arguments, shapes and return values)
is the docstring of its check; a student's exception, NaN, wrong shape or dtype is
reported as such, and ``raise NotImplementedError`` as "not implemented yet".
"""

from ._core import CheckResult, Mistake
from .labs import student_seed
from .activations import (check_cross_entropy, check_logsumexp, check_output_delta, check_relu, check_relu_derivative,
                          check_sigmoid, check_sigmoid_derivative, check_softmax, check_softmax_jacobian,
                          check_tanh, check_tanh_derivative)
from .activations import MISTAKES as _ACTIVATION_MISTAKES
from .network import MISTAKES as _NETWORK_MISTAKES
from .network import check_backward, check_forward_pass, check_layer_backward
from .autodiff import MISTAKES as _AUTODIFF_MISTAKES
from .autodiff import check_add_backward, check_matmul_backward, check_mul_backward
from .optimizers import MISTAKES as _OPTIMIZER_MISTAKES
from .optimizers import (check_adam_step, check_adamw_step, check_momentum_step, check_nesterov_step,
                         check_rmsprop_step, check_sgd_step)
from .regularization import MISTAKES as _REGULARIZATION_MISTAKES
from .regularization import (check_dropout_backward, check_dropout_forward, check_l1_subgradient,
                             check_l2_gradient)

__all__ = ["CheckResult", "Mistake", "student_seed", "CHECKS", "MISTAKES", "CATALOGUE",
           "check_relu", "check_relu_derivative", "check_sigmoid", "check_sigmoid_derivative",
           "check_tanh", "check_tanh_derivative", "check_softmax", "check_logsumexp",
           "check_softmax_jacobian", "check_cross_entropy", "check_output_delta",
           "check_forward_pass", "check_layer_backward", "check_backward",
           "check_sgd_step", "check_momentum_step", "check_nesterov_step", "check_rmsprop_step",
           "check_adam_step", "check_adamw_step",
           "check_l1_subgradient", "check_l2_gradient", "check_dropout_forward", "check_dropout_backward",
           "check_matmul_backward", "check_add_backward", "check_mul_backward"]

CHECKS = {name[len("check_"):]: globals()[name] for name in __all__ if name.startswith("check_")}
"""piece name -> its check, e.g. ``CHECKS["softmax"] is check_softmax``."""

MISTAKES = {**_ACTIVATION_MISTAKES, **_NETWORK_MISTAKES, **_OPTIMIZER_MISTAKES, **_REGULARIZATION_MISTAKES,
            **_AUTODIFF_MISTAKES}
"""check name -> its catalogue, the list of :class:`Mistake` it recognises (most specific first)."""

CATALOGUE = {check: {m.name: m.message for m in mistakes} for check, mistakes in MISTAKES.items()}
"""check name -> {mistake name -> the sentence the check prints}: what a grader can rely on."""
