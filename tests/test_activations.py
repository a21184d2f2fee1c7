"""Activations, softmax and its Jacobian, losses and output deltas.

Stability tests run with overflow, invalid operations and division by zero
turned into errors and every warning turned into an error. Underflow stays
allowed: exp(-2e4) rounding to 0 is the correct double-precision answer, and
no stable formula avoids it.
"""

import contextlib
import warnings

import numpy as np
import pytest

from mlp_from_scratch.activations import (
    HIDDEN_ACTIVATIONS, log_softmax, logsumexp, sigmoid, softmax, softmax_jacobian)
from mlp_from_scratch.gradcheck import relative_error
from mlp_from_scratch.losses import minus_one_hot, one_hot, per_example_loss

HUGE = 1e4
LOGITS_HUGE = np.array([[HUGE, -HUGE, 0.0],
                        [-HUGE, -HUGE, HUGE],
                        [HUGE, HUGE, -HUGE],
                        [-HUGE, -HUGE, -HUGE]])


@contextlib.contextmanager
def strict_floating_point():
    """Overflow, invalid and divide-by-zero raise; any warning raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            yield


def finite_difference_jacobian(f, z, h=1e-6):
    """J[i, j] = d f_i / d z_j by central differences, for a vector function."""
    J = np.empty((f(z).size, z.size))
    for j in range(z.size):
        step = np.zeros_like(z)
        step[j] = h
        J[:, j] = (f(z + step) - f(z - step)) / (2 * h)
    return J


def closed_form_jacobian(z):
    """diag(F) - F F^T with F = exp(z) / sum exp(z), written out entry by entry."""
    F = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    K = len(z)
    return np.array([[F[i] * ((i == j) - F[j]) for j in range(K)] for i in range(K)])


# ---------------------------------------------------------------- softmax Jacobian
@pytest.mark.parametrize("seed", range(3))
def test_softmax_jacobian_matches_finite_differences(seed):
    z = np.random.default_rng(seed).normal(scale=2.0, size=5)
    J = softmax_jacobian(z)
    assert J.shape == (5, 5)
    assert relative_error(J, finite_difference_jacobian(softmax, z)) < 1e-8


@pytest.mark.parametrize("seed", range(3))
def test_softmax_jacobian_matches_closed_form(seed):
    z = np.random.default_rng(seed).normal(scale=3.0, size=4)
    np.testing.assert_allclose(softmax_jacobian(z), closed_form_jacobian(z), rtol=1e-12, atol=1e-15)


def test_softmax_jacobian_batch_is_the_stack_of_vector_jacobians():
    Z = np.random.default_rng(3).normal(size=(6, 4))
    J = softmax_jacobian(Z)
    assert J.shape == (6, 4, 4)
    for n in range(6):
        np.testing.assert_array_equal(J[n], softmax_jacobian(Z[n]))
        np.testing.assert_allclose(J[n], closed_form_jacobian(Z[n]), rtol=1e-12, atol=1e-15)


def test_softmax_jacobian_is_symmetric_with_rows_summing_to_zero():
    J = softmax_jacobian(np.random.default_rng(4).normal(size=(3, 5)))
    np.testing.assert_allclose(J, J.transpose(0, 2, 1), atol=0)
    np.testing.assert_allclose(J.sum(axis=2), 0, atol=1e-15)


def test_softmax_jacobian_is_stable_for_huge_logits():
    with strict_floating_point():
        J = softmax_jacobian(LOGITS_HUGE)
        j_vector = softmax_jacobian(np.array([HUGE, -HUGE]))
    assert np.isfinite(J).all()
    # a saturated softmax is locally constant ...
    np.testing.assert_array_equal(J[0], np.zeros((3, 3)))
    np.testing.assert_array_equal(j_vector, np.zeros((2, 2)))
    # ... except between tied winners: F = (1/2, 1/2, 0) gives [[1/4, -1/4], [-1/4, 1/4]]
    np.testing.assert_allclose(J[2, :2, :2], [[0.25, -0.25], [-0.25, 0.25]], atol=1e-15)
    # all logits equal: F = 1/3 everywhere, J = I/3 - 1/9
    np.testing.assert_allclose(J[3], np.eye(3) / 3 - 1 / 9, atol=1e-15)


@pytest.mark.parametrize("bad", [np.zeros((2, 2, 2)), np.float64(1.0), np.zeros((2, 0))])
def test_softmax_jacobian_rejects_bad_shapes(bad):
    with pytest.raises(ValueError, match="softmax_jacobian"):
        softmax_jacobian(bad)


# ---------------------------------------------------------------- stable functions
def test_softmax_is_stable_and_exact_at_huge_logits():
    with strict_floating_point():
        F = softmax(LOGITS_HUGE)
    expected = [[1, 0, 0], [0, 0, 1], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]]
    np.testing.assert_allclose(F, expected, atol=1e-15)


def test_log_softmax_is_stable_at_huge_logits():
    with strict_floating_point():
        L = log_softmax(LOGITS_HUGE)
    expected = [[0, -2 * HUGE, -HUGE],
                [-2 * HUGE, -2 * HUGE, 0],
                [-np.log(2), -np.log(2), -2 * HUGE - np.log(2)],
                [-np.log(3)] * 3]
    np.testing.assert_allclose(L, expected, rtol=1e-15, atol=1e-12)


def test_logsumexp_is_stable_at_huge_logits():
    with strict_floating_point():
        s = logsumexp(LOGITS_HUGE)
        column = logsumexp(LOGITS_HUGE, axis=0)
    np.testing.assert_allclose(s, [HUGE, HUGE, HUGE + np.log(2), -HUGE + np.log(3)], rtol=1e-15)
    assert column.shape == (3,)
    np.testing.assert_allclose(column[0], HUGE + np.log(2), rtol=1e-15)


def test_logsumexp_matches_the_naive_formula_for_moderate_logits():
    z = np.random.default_rng(5).normal(size=(4, 6))
    np.testing.assert_allclose(logsumexp(z), np.log(np.exp(z).sum(axis=1)), rtol=1e-14)
    np.testing.assert_allclose(softmax(z), np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), rtol=1e-14)


def test_sigmoid_is_stable_and_accurate():
    with strict_floating_point():
        a = sigmoid(np.array([-HUGE, -800.0, -40.0, 0.0, 40.0, 800.0, HUGE]))
    assert a[0] == 0.0 and a[-1] == 1.0 and a[3] == 0.5
    np.testing.assert_allclose(a[2], np.exp(-40.0) / (1 + np.exp(-40.0)), rtol=1e-15)  # no cancellation
    z = np.linspace(-20, 20, 41)
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14)


def test_softmax_rows_sum_to_one_and_ignore_shifts():
    z = np.random.default_rng(6).normal(scale=10, size=(5, 7))
    F = softmax(z)
    np.testing.assert_allclose(F.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(softmax(z + 123.0), F, rtol=1e-12)


# ------------------------------------------------------------- hidden activations
@pytest.mark.parametrize("name", list(HIDDEN_ACTIVATIONS))
def test_activation_derivative_matches_finite_differences(name):
    act = HIDDEN_ACTIVATIONS[name]
    z = np.array([-3.0, -0.7, -0.1, 0.2, 0.9, 2.5])  # no ReLU kink within h
    h = 1e-6
    numeric = (act.f(z + h) - act.f(z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(act.f(z)), numeric, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name, expected", [
    ("relu", [0.0, 0.0, 2.0]),
    ("identity", [-2.0, 0.0, 2.0]),
    ("tanh", np.tanh([-2.0, 0.0, 2.0])),
    ("sigmoid", [1 / (1 + np.exp(2.0)), 0.5, 1 / (1 + np.exp(-2.0))]),
])
def test_activation_values(name, expected):
    np.testing.assert_allclose(HIDDEN_ACTIVATIONS[name].f(np.array([-2.0, 0.0, 2.0])), expected, rtol=1e-15)


def test_relu_derivative_is_zero_at_the_kink():
    relu = HIDDEN_ACTIVATIONS["relu"]
    np.testing.assert_array_equal(relu.derivative(relu.f(np.array([-1.0, 0.0, 1.0]))), [0.0, 0.0, 1.0])


@pytest.mark.parametrize("name", list(HIDDEN_ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activations_keep_the_dtype(name, dtype):
    act = HIDDEN_ACTIVATIONS[name]
    z = np.linspace(-2, 2, 5, dtype=dtype)
    assert act.f(z).dtype == dtype
    assert act.derivative(act.f(z)).dtype == dtype


# ------------------------------------------------------------------------ losses
def test_cross_entropy_is_finite_and_exact_at_huge_logits():
    y = np.array([1, 0, 0, 2])
    with strict_floating_point():
        ce = per_example_loss(LOGITS_HUGE, softmax(LOGITS_HUGE), y, "softmax", "cross_entropy")
        bce = per_example_loss(LOGITS_HUGE, sigmoid(LOGITS_HUGE), y, "sigmoid", "cross_entropy")
    # -log softmax_t: a wrong confident answer costs the logit gap, a right one costs 0.
    # logsumexp(z) - z_t subtracts numbers near 1e4, so expect absolute errors ~ ulp(1e4) ~ 2e-12.
    np.testing.assert_allclose(ce, [2 * HUGE, 2 * HUGE, np.log(2), np.log(3)], rtol=1e-15, atol=1e-11)
    # binary: sum_k log(1 + e^{z_k}) - z_t, where log(1 + e^z) is z for z = 1e4 and 0 for z = -1e4
    np.testing.assert_allclose(bce, [2 * HUGE + np.log(2), 2 * HUGE, HUGE, HUGE], rtol=1e-15, atol=1e-11)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_near_underflow_takes_the_logits(dtype):
    # Losses on both sides of the smallest normal float: -log a_t would lose digits
    # (subnormal a_t) or be inf (a_t = 0); the loss must follow logsumexp(z) - z_t.
    bound = -np.log(np.finfo(dtype).tiny)
    gaps = np.array([bound - 5, bound - 0.5, bound + 0.5, bound + 5, 2 * bound])
    z = np.zeros((len(gaps), 3), dtype=dtype)
    z[:, 0] = gaps.astype(dtype)
    y = np.full(len(gaps), 1)
    expected = logsumexp(z.astype(np.float64), axis=1) - z[:, 1].astype(np.float64)
    with strict_floating_point():
        loss = per_example_loss(z, softmax(z), y, "softmax", "cross_entropy")
    np.testing.assert_allclose(loss, expected, rtol=8 * np.finfo(dtype).eps)


def test_cross_entropy_matches_minus_log_of_probabilities_for_moderate_logits():
    z = np.random.default_rng(7).normal(size=(5, 3))
    y = np.array([0, 1, 2, 1, 0])
    F = softmax(z)
    np.testing.assert_allclose(per_example_loss(z, F, y, "softmax", "cross_entropy"),
                               -np.log(F[np.arange(5), y]), rtol=1e-13)
    a = sigmoid(z)
    Y = one_hot(y, 3)
    bce = -np.sum(Y * np.log(a) + (1 - Y) * np.log(1 - a), axis=1)
    np.testing.assert_allclose(per_example_loss(z, a, y, "sigmoid", "cross_entropy"), bce, rtol=1e-12)


def test_squared_error_is_half_the_sum_of_squares():
    a = np.array([[0.1, 0.1, 0.8], [0.5, 0.2, 0.3]])
    np.testing.assert_allclose(per_example_loss(None, a, np.array([2, 0]), "softmax", "mse"),
                               [0.5 * 0.06, 0.5 * (0.25 + 0.04 + 0.09)], rtol=1e-14)


def test_one_hot_and_minus_one_hot():
    y = np.array([2, 0, 1])
    np.testing.assert_array_equal(one_hot(y, 3), [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    a = np.full((3, 3), 0.5)
    np.testing.assert_array_equal(minus_one_hot(a, y), a - one_hot(y, 3))
    assert np.all(a == 0.5), "minus_one_hot must not modify its input unless asked"
    minus_one_hot(a, y, out=a)
    np.testing.assert_array_equal(a, 0.5 - one_hot(y, 3))


def test_sigmoid_accepts_python_and_numpy_scalars():
    # chapters call sigmoid on single numbers; a 0-d input must not crash
    from mlp_from_scratch.activations import sigmoid

    assert sigmoid(0.0) == 0.5
    assert abs(sigmoid(np.float64(2.0)) - 1 / (1 + np.exp(-2.0))) < 1e-15
    assert sigmoid(np.float32(-1e4)) == 0.0
