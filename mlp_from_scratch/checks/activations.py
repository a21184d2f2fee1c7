"""Checks of the activations, the softmax and its friends, the cross-entropy and the output delta.

Every check takes the student's function and a ``seed`` (the cases are drawn from
``np.random.default_rng(seed)``; any seed works) and returns a
:class:`~mlp_from_scratch.checks.CheckResult`. The reference is the package's own
code: :mod:`mlp_from_scratch.activations` and :func:`mlp_from_scratch.losses.output_delta`.
"""

from __future__ import annotations

import numpy as np

from .. import activations as reference_activations
from .. import losses as reference_losses
from ..activations import HIDDEN_ACTIVATIONS, sigmoid, softmax
from ..losses import LOSSES, canonical_delta
from ._core import Case, Mistake, run_check

__all__ = ["check_relu", "check_relu_derivative", "check_sigmoid", "check_sigmoid_derivative",
           "check_tanh", "check_tanh_derivative", "check_softmax", "check_logsumexp",
           "check_softmax_jacobian", "check_cross_entropy", "check_output_delta", "MISTAKES"]

RELU, SIGMOID, TANH = (HIDDEN_ACTIVATIONS[name] for name in ("relu", "sigmoid", "tanh"))


def _naive(formula):
    """A variant computing ``formula(z)`` as written, overflow and all (NaN where it overflows)."""
    def variant(case, reference):
        with np.errstate(all="ignore"):
            return {next(iter(reference)): formula(case.args[0])}
    return variant


def _of(transform):
    """A variant ``transform(x, reference value)`` of the single output."""
    def variant(case, reference):
        name, value = next(iter(reference.items()))
        return {name: transform(case.args[0], value)}
    return variant


# ------------------------------------------------------------------- the cases
def elementwise_cases(seed):
    """Pre-activations z: several shapes, exact zeros, and |z| large enough to overflow exp."""
    rng = np.random.default_rng(seed)
    with_zeros = rng.normal(0, 2, (8, 10))
    with_zeros[rng.random((8, 10)) < 0.2] = 0.0
    large = rng.choice([-1.0, 1.0], (3, 4)) * rng.uniform(710, 1000, (3, 4))  # exp(710) overflows float64
    return [Case("one entry", (rng.normal(0, 2, (1, 1)),)),
            Case("5 x 3 batch", (rng.normal(0, 2, (5, 3)),)),
            Case("8 x 10 batch with exact zeros", (with_zeros,)),
            Case("all zeros", (np.zeros((2, 3)),)),
            Case("large |z| (exp overflows)", (large,))]


def derivative_cases(activation, seed):
    """The stored activations a = f(z) of :func:`elementwise_cases`: what f' receives."""
    return [Case(f"a = {activation.name}(z), {case.label}", (activation.f(case.args[0]),))
            for case in elementwise_cases(seed)]


def logit_cases(seed):
    """Logits z of shape (N, K): several shapes, equal logits, and logits far beyond exp's range."""
    rng = np.random.default_rng(seed)
    large = rng.normal(0, 5, (3, 4)) + np.array([[1000.0], [-1000.0], [0.0]])
    return [Case("1 x 3", (rng.normal(0, 2, (1, 3)),)),
            Case("5 x 3 batch", (rng.normal(0, 2, (5, 3)),)),
            Case("6 x 10 batch", (rng.normal(0, 3, (6, 10)),)),
            Case("equal logits", (np.zeros((2, 5)),)),
            Case("large logits (+-1000)", (large,))]


# ----------------------------------------------------------------- activations
RELU_MISTAKES = [
    Mistake("relu_np_max", "np.max(z, 0) takes the largest entry along axis 0 (a reduction); relu is the "
            "elementwise maximum np.maximum(z, 0)", "f(z) = max(0, z) for every entry",
            _naive(lambda z: np.max(z, 0))),
    Mistake("relu_returns_step", "your relu returns the step [z > 0], which is relu's derivative, "
            "not relu", "f(z) = max(0, z)", _of(lambda z, a: RELU.derivative(a))),
]

RELU_DERIVATIVE_MISTAKES = [
    Mistake("relu_derivative_one_at_zero", "your relu' is 1 where a = 0 too (a >= 0 holds for every "
            "a = relu(z)); the book takes relu'(z) = 0 for z <= 0, i.e. where a = 0",
            "f'(z) = 1 if a > 0 else 0", _of(lambda a, d: np.ones_like(a))),
    Mistake("relu_derivative_returns_a", "your relu' returns the activation a itself, not the slope",
            "f'(z) = 1 if a > 0 else 0", _of(lambda a, d: a)),
]

SIGMOID_MISTAKES = [
    Mistake("sigmoid_unstable", "your sigmoid overflows for large z: exp(z) / (1 + exp(z)) is inf / inf; "
            "write it as 1 / (1 + exp(-z)), which only overflows for very negative z, to the right limit 0",
            "sigma(z) = 1 / (1 + exp(-z))", _naive(lambda z: np.exp(z) / (1 + np.exp(z)))),
    Mistake("sigmoid_sign", "your sigmoid is sigma(-z) = 1 - sigma(z): the exponent is exp(-z)",
            "sigma(z) = 1 / (1 + exp(-z))", _of(lambda z, a: 1 - a)),
]

SIGMOID_DERIVATIVE_MISTAKES = [
    Mistake("sigmoid_derivative_of_a", "your sigmoid' applies the sigmoid again: it receives the stored "
            "activation a = sigma(z), not z", "sigma'(z) = a (1 - a)",
            _of(lambda a, d: SIGMOID.derivative(sigmoid(a)))),
    Mistake("sigmoid_derivative_is_tanhs", "1 - a^2 is the derivative of tanh, not of the sigmoid",
            "sigma'(z) = a (1 - a)", _of(lambda a, d: TANH.derivative(a))),
]

TANH_MISTAKES = [
    Mistake("tanh_unstable", "your tanh overflows for large |z|: (e^z - e^-z) / (e^z + e^-z) is inf / inf; "
            "use np.tanh", "tanh(z) = (e^z - e^-z) / (e^z + e^-z)",
            _naive(lambda z: (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)))),
    Mistake("tanh_half_argument", "2 sigma(z) - 1 is tanh(z / 2); the identity needs 2z inside the sigmoid",
            "tanh(z) = 2 sigma(2z) - 1", _of(lambda z, a: 2 * sigmoid(z) - 1)),
]

TANH_DERIVATIVE_MISTAKES = [
    Mistake("tanh_derivative_of_a", "your tanh' applies tanh again: it receives the stored activation "
            "a = tanh(z), not z", "tanh'(z) = 1 - a^2", _of(lambda a, d: TANH.derivative(np.tanh(a)))),
    Mistake("tanh_derivative_is_sigmoids", "a (1 - a) is the derivative of the sigmoid, not of tanh",
            "tanh'(z) = 1 - a^2", _of(lambda a, d: SIGMOID.derivative(a))),
    Mistake("tanh_derivative_no_square", "your tanh' forgets the square", "tanh'(z) = 1 - a^2",
            _of(lambda a, d: 1 - a)),
]


def _check_activation(name, equation, activation, student, cases, mistakes):
    return run_check(name, student, cases, lambda case: {"a": activation(case.args[0])}, mistakes,
                     ["a"], equation=equation)


def _check_derivative(name, equation, activation, student, seed, mistakes):
    return run_check(name, student, derivative_cases(activation, seed),
                     lambda case: {"f'(z)": activation.derivative(case.args[0])}, mistakes, ["f'(z)"],
                     equation=equation)


def check_relu(relu, seed=0):
    """Check ``relu(z) -> a``: max(0, z) elementwise, any shape, a new array (z unchanged)."""
    return _check_activation("relu", "f(z) = max(0, z)", RELU.f, relu, elementwise_cases(seed), RELU_MISTAKES)


def check_relu_derivative(relu_derivative, seed=0):
    """Check ``relu_derivative(a) -> f'(z)``: from the stored a = relu(z); 1 where a > 0, else 0 (floats)."""
    return _check_derivative("relu_derivative", "f'(z) = 1 if a > 0 else 0", RELU, relu_derivative, seed,
                             RELU_DERIVATIVE_MISTAKES)


def check_sigmoid(sigmoid, seed=0):
    """Check ``sigmoid(z) -> a``: 1 / (1 + exp(-z)) elementwise, finite for any z."""
    return _check_activation("sigmoid", "sigma(z) = 1 / (1 + exp(-z))", SIGMOID.f, sigmoid,
                             elementwise_cases(seed), SIGMOID_MISTAKES)


def check_sigmoid_derivative(sigmoid_derivative, seed=0):
    """Check ``sigmoid_derivative(a) -> f'(z)``: a (1 - a), from the stored a = sigma(z)."""
    return _check_derivative("sigmoid_derivative", "sigma'(z) = a (1 - a)", SIGMOID, sigmoid_derivative, seed,
                             SIGMOID_DERIVATIVE_MISTAKES)


def check_tanh(tanh, seed=0):
    """Check ``tanh(z) -> a``: the hyperbolic tangent elementwise, finite for any z."""
    return _check_activation("tanh", "tanh(z) = (e^z - e^-z) / (e^z + e^-z)", TANH.f, tanh,
                             elementwise_cases(seed), TANH_MISTAKES)


def check_tanh_derivative(tanh_derivative, seed=0):
    """Check ``tanh_derivative(a) -> f'(z)``: 1 - a^2, from the stored a = tanh(z)."""
    return _check_derivative("tanh_derivative", "tanh'(z) = 1 - a^2", TANH, tanh_derivative, seed,
                             TANH_DERIVATIVE_MISTAKES)


# --------------------------------------------------------- softmax and friends
SOFTMAX_MISTAKES = [
    Mistake("softmax_unstable", "softmax overflows for large logits: subtract the row maximum first "
            "(it cancels)", "F(z)_k = exp(z_k - max z) / sum_j exp(z_j - max z)",
            _naive(lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True))),
    Mistake("softmax_columns", "your softmax normalises each column (over the examples); each row is one "
            "example, so sum over the classes", "F(z)_k = exp(z_k) / sum_j exp(z_j), np.sum(e, axis=1, keepdims=True)",
            _of(lambda z, a: softmax(z, axis=0))),
    Mistake("softmax_whole_batch", "your softmax divides by one sum over the whole batch; every row "
            "(example) needs its own max and sum", "np.max(z, axis=1, keepdims=True), np.sum(e, axis=1, keepdims=True)",
            _of(lambda z, a: softmax(z.reshape(-1)).reshape(z.shape))),
]

LOGSUMEXP_MISTAKES = [
    Mistake("logsumexp_unstable", "log(sum(exp(z))) overflows (or takes log 0) for large logits: "
            "subtract the row maximum m and add it back", "logsumexp(z) = m + log sum_k exp(z_k - m)",
            _naive(lambda z: np.log(np.exp(z).sum(axis=1)))),
    Mistake("logsumexp_max_not_added_back", "you subtract the row maximum m but do not add it back",
            "logsumexp(z) = m + log sum_k exp(z_k - m)", _of(lambda z, v: v - z.max(axis=1))),
    Mistake("logsumexp_columns", "your log-sum-exp runs over the examples (axis 0); it runs over the "
            "classes of each row", "logsumexp(z)_n = log sum_k exp(z_nk), axis=1",
            _of(lambda z, v: reference_activations.logsumexp(z, axis=0))),
]

JACOBIAN_MISTAKES = [
    Mistake("jacobian_diagonal_only", "your Jacobian keeps only the diagonal F_i (1 - F_i); every output "
            "depends on every logit, so the off-diagonal entries are -F_i F_j",
            "dF_i/dz_j = F_i (delta_ij - F_j)", _of(lambda z, J: np.diag(np.diag(J)))),
    Mistake("jacobian_missing_diagonal", "your Jacobian is -F F^T: the diagonal misses its + F_i",
            "dF_i/dz_j = F_i (delta_ij - F_j) = diag(F) - F F^T", _of(lambda z, J: J - np.diag(softmax(z)))),
    Mistake("jacobian_sign", "your Jacobian has the opposite sign", "dF_i/dz_j = F_i (delta_ij - F_j)",
            _of(lambda z, J: -J)),
]


def check_softmax(softmax, seed=0):
    """Check ``softmax(z) -> a``: z of shape (N, K), one example per row; a rows sum to one, finite for any z."""
    return run_check("softmax", softmax, logit_cases(seed), lambda case: {"a": reference_activations.softmax(case.args[0])},
                     SOFTMAX_MISTAKES, ["a"], equation="F(z)_k = exp(z_k - max z) / sum_j exp(z_j - max z)")


def check_logsumexp(logsumexp, seed=0):
    """Check ``logsumexp(z) -> s``: z of shape (N, K); s of shape (N,), s_n = log sum_k exp(z_nk), finite."""
    return run_check("logsumexp", logsumexp, logit_cases(seed),
                     lambda case: {"logsumexp": reference_activations.logsumexp(case.args[0], axis=1)},
                     LOGSUMEXP_MISTAKES, ["logsumexp"], equation="logsumexp(z) = m + log sum_k exp(z_k - m)")


def check_softmax_jacobian(softmax_jacobian, seed=0):
    """Check ``softmax_jacobian(z) -> J``: z of shape (K,) (one example); J[i, j] = dF_i/dz_j, shape (K, K)."""
    cases = [Case(case.label.replace("batch", "example"), (row,))
             for case in logit_cases(seed) for row in case.args[0][:1]]
    cases.append(Case("one class", (np.array([0.7]),)))
    return run_check("softmax_jacobian", softmax_jacobian, cases,
                     lambda case: {"J": reference_activations.softmax_jacobian(case.args[0])},
                     JACOBIAN_MISTAKES, ["J"], equation="dF_i/dz_j = F_i (delta_ij - F_j)")


# ------------------------------------------------------ the loss and the output delta
def _rows(z, y):
    return z[np.arange(len(y)), y]


CROSS_ENTROPY_MISTAKES = [
    Mistake("cross_entropy_unstable", "your loss overflows for large logits: exp(z) is inf; compute it from "
            "the logits with the log-sum-exp", "l = logsumexp(z) - z_y",
            lambda case, ref: {"loss": -np.log(_rows(np.exp(case.args[0]), case.args[1])
                                               / np.exp(case.args[0]).sum(axis=1))}),
    Mistake("cross_entropy_log_of_softmax", "your loss takes the log of the softmax, which underflows to 0 "
            "for a confidently wrong example (log 0 = -inf); compute it from the logits", "l = logsumexp(z) - z_y",
            lambda case, ref: {"loss": -np.log(_rows(softmax(case.args[0]), case.args[1]))}),
    Mistake("cross_entropy_sign", "your loss has the opposite sign: it is minus the log-probability of the "
            "label", "l = -log a_y = logsumexp(z) - z_y", lambda case, ref: {"loss": -ref["loss"]}),
    Mistake("cross_entropy_all_classes", "your loss adds -log a_k over every class; only the label's "
            "probability enters (y is one-hot)", "l = -sum_k y_k log a_k = -log a_y",
            lambda case, ref: {"loss": -reference_activations.log_softmax(case.args[0]).sum(axis=1)}),
    Mistake("cross_entropy_forgets_logsumexp", "your loss is -z_y: the log of the softmax also subtracts "
            "the log-sum-exp of the row", "l = -log softmax(z)_y = logsumexp(z) - z_y",
            lambda case, ref: {"loss": -_rows(*case.args)}),
    Mistake("cross_entropy_returns_mean", "you return the mean over the batch; the check asks for the loss "
            "of each example, shape (N,)", "l_n = logsumexp(z_n) - z_{n, y_n}",
            lambda case, ref: {"loss": np.mean(ref["loss"])}),
]


def check_cross_entropy(cross_entropy, seed=0):
    """Check ``cross_entropy(z, y) -> l``: the loss of each example of a softmax output, from the logits.

    ``z`` (N, K) the logits z^L, ``y`` (N,) the integer labels; ``l`` (N,) with
    l_n = -log softmax(z_n)_{y_n} = logsumexp(z_n) - z_{n, y_n}, finite for any finite logits.
    """
    rng = np.random.default_rng(seed)
    cases = [Case(case.label, (case.args[0], rng.integers(0, case.args[0].shape[1], len(case.args[0]))))
             for case in logit_cases(seed)]
    wrong = rng.normal(0, 1, (3, 4))
    wrong[:, 1] += 800.0                 # class 1 certain, the label another: its probability underflows
    cases.append(Case("confidently wrong (logit gap 800)", (wrong, np.array([0, 2, 3]))))
    return run_check("cross_entropy", cross_entropy, cases,
                     lambda case: {"loss": reference_losses.per_example_loss(
                         case.args[0], softmax(case.args[0]), case.args[1], "softmax", "cross_entropy")},
                     CROSS_ENTROPY_MISTAKES, ["loss"], equation="l_n = logsumexp(z_n) - z_{n, y_n}")


def output_delta_mistakes(pair):
    """The output delta's catalogue for the (output, loss) ``pair``."""
    canonical = LOSSES[pair].canonical
    equation = "delta^L = a^L - y (y one-hot)" if canonical else "delta^L = J_F^T (a^L - y) = F'(z^L) * (a^L - y)"
    return [
        Mistake("delta_sign", "your output delta has the opposite sign", equation,
                lambda case, ref: {"delta": -ref["delta"]}),
        Mistake("delta_label_not_one_hot", "you subtract the label y_n from every output of row n; subtract 1 "
                "at the label's position only (the one-hot vector)", "delta^L = a^L - onehot(y)",
                lambda case, ref: {"delta": case.args[0] - case.args[1][:, None]}),
        Mistake("delta_divided_by_N", "your output delta is divided by N: the 1/N of the mean loss belongs to "
                "the gradient, applied once in the backward pass, not to the per-example delta",
                equation, lambda case, ref: {"delta": ref["delta"] / len(case.args[1])}),
        Mistake("delta_times_output_derivative", "your output delta multiplies a - y by a (1 - a); for this "
                "(output, loss) pair the Jacobian of the output and the loss cancel", "delta^L = a^L - y",
                lambda case, ref: {"delta": ref["delta"] * SIGMOID.derivative(case.args[0])} if canonical else None),
        Mistake("delta_forgets_output_derivative", "your output delta forgets F'(z^L): a - y is the delta of "
                "a canonical pair only; after this output function, squared error pulls a - y back through "
                "the output's Jacobian", "delta^L = J_F^T (a^L - y)",
                lambda case, ref: {"delta": canonical_delta(*case.args)}),
        Mistake("delta_is_grad_a", "you return dl/da, the gradient with respect to the outputs; the delta is "
                "with respect to the logits z^L", "delta^L = J_F^T dl/da" + (" = a^L - y" if canonical else ""),
                lambda case, ref: {"delta": LOSSES[pair].grad_a(case.args[0], case.args[1])}),
    ]


def check_output_delta(output_delta, output="softmax", loss="cross_entropy", seed=0):
    """Check ``output_delta(a, y) -> delta``: dl/dz^L of one example per row, without the 1/N.

    ``a`` of shape (N, K) are the outputs F(z^L), ``y`` of shape (N,) the integer labels;
    ``delta`` has shape (N, K). ``output`` and ``loss`` name the pair (as ``MLP`` does).
    """
    pair = (output, loss)
    if pair not in LOSSES:
        raise ValueError(f"no (output, loss) pair {pair!r}; the pairs are {', '.join(map(repr, LOSSES))}")
    F = {"softmax": softmax, "sigmoid": sigmoid, "identity": lambda z: z}[output]
    rng = np.random.default_rng(seed)
    cases = []
    for case in logit_cases(seed):
        z = case.args[0]
        y = rng.integers(0, z.shape[1], len(z))
        cases.append(Case(case.label, (F(z), y)))
    return run_check("output_delta", output_delta, cases,
                     lambda case: {"delta": reference_losses.output_delta(*case.args, output, loss)},
                     output_delta_mistakes(pair), ["delta"],
                     equation="delta^L = a^L - y for a canonical pair, J_F^T (a^L - y) for squared error")


MISTAKES = {"relu": RELU_MISTAKES, "relu_derivative": RELU_DERIVATIVE_MISTAKES, "sigmoid": SIGMOID_MISTAKES,
            "sigmoid_derivative": SIGMOID_DERIVATIVE_MISTAKES, "tanh": TANH_MISTAKES,
            "tanh_derivative": TANH_DERIVATIVE_MISTAKES, "softmax": SOFTMAX_MISTAKES,
            "logsumexp": LOGSUMEXP_MISTAKES, "softmax_jacobian": JACOBIAN_MISTAKES,
            "cross_entropy": CROSS_ENTROPY_MISTAKES, "output_delta": output_delta_mistakes(("softmax", "cross_entropy"))}
