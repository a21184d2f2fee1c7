"""Penalties, their gradients, and the MAP reading of the penalised objective.

The objective J = mean loss + l1 sum|W| + l2 sum W^2 is the negative log
posterior divided by N: a N(0, sigma^2) prior on every weight gives
l2 = 1 / (2 N sigma^2), a Laplace(0, b) prior l1 = 1 / (N b). The tests build
the negative log posterior from its definition (log-likelihood plus the log
density of the prior, here from scipy.stats) and compare with ``MLP``.
"""

import numpy as np
import pytest
from scipy import stats

from mlp_from_scratch import MLP
from mlp_from_scratch.gradcheck import numerical_gradient, relative_error
from mlp_from_scratch.regularization import (
    gaussian_log_prior, gaussian_log_prior_gradient, gaussian_prior_sigma, l1_from_laplace_prior,
    l1_penalty, l1_subgradient, l2_from_gaussian_prior, l2_gradient, l2_penalty,
    laplace_log_prior, laplace_log_prior_gradient, laplace_prior_scale)

W = np.array([[0.5, -1.5], [2.0, -0.25]])


def test_penalties_and_their_gradients():
    assert l1_penalty(W) == 4.25
    assert l2_penalty(W) == 0.25 + 2.25 + 4.0 + 0.0625
    np.testing.assert_array_equal(l1_subgradient(W), [[1, -1], [1, -1]])
    np.testing.assert_array_equal(l1_subgradient(np.zeros(2)), [0, 0])
    np.testing.assert_array_equal(l2_gradient(W), 2 * W)
    V = W.copy()
    np.testing.assert_allclose(numerical_gradient(l2_penalty, V), l2_gradient(W), rtol=1e-8)
    np.testing.assert_allclose(numerical_gradient(l1_penalty, V), l1_subgradient(W), rtol=1e-8)


def test_prior_conversions():
    assert l2_from_gaussian_prior(0.5, 100) == pytest.approx(1 / (2 * 100 * 0.25))
    assert l1_from_laplace_prior(0.2, 50) == pytest.approx(1 / (50 * 0.2))
    assert gaussian_prior_sigma(l2_from_gaussian_prior(0.3, 40), 40) == pytest.approx(0.3)
    assert laplace_prior_scale(l1_from_laplace_prior(0.7, 40), 40) == pytest.approx(0.7)
    # more data: the same prior weighs less in the mean-loss objective
    assert l2_from_gaussian_prior(1.0, 1000) < l2_from_gaussian_prior(1.0, 10)


@pytest.mark.parametrize("call", [lambda: l2_from_gaussian_prior(0, 10),
                                  lambda: l2_from_gaussian_prior(1.0, 0),
                                  lambda: l1_from_laplace_prior(-1.0, 10),
                                  lambda: gaussian_prior_sigma(0.0, 10),
                                  lambda: laplace_prior_scale(0.1, -3)])
def test_prior_conversions_reject_non_positive_arguments(call):
    with pytest.raises(ValueError, match="must be a positive number"):
        call()


def test_log_priors_are_the_densities_of_scipy():
    weights = [W, np.array([[0.1, -0.3, 0.2]])]
    flat = np.concatenate([w.ravel() for w in weights])
    assert gaussian_log_prior(weights, 0.7) == pytest.approx(stats.norm(0, 0.7).logpdf(flat).sum(), rel=1e-13)
    assert laplace_log_prior(weights, 0.4) == pytest.approx(stats.laplace(0, 0.4).logpdf(flat).sum(), rel=1e-13)


def test_log_prior_gradients_match_finite_differences():
    V = W.copy()
    numeric = numerical_gradient(lambda v: gaussian_log_prior([v], 0.8), V)
    np.testing.assert_allclose(gaussian_log_prior_gradient([W], 0.8)[0], numeric, rtol=1e-7)
    numeric = numerical_gradient(lambda v: laplace_log_prior([v], 0.8), V)
    np.testing.assert_allclose(laplace_log_prior_gradient([W], 0.8)[0], numeric, rtol=1e-7)


# --------------------------------------------------------------- MAP = penalised mean loss
N_EXAMPLES = 12


@pytest.fixture
def problem():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((N_EXAMPLES, 3))
    y = rng.integers(0, 3, N_EXAMPLES)
    return X, y


def network(l1=0.0, l2=0.0):
    """A fixed float64 network with no weight near 0 (the L1 kink)."""
    net = MLP([3, 4, 3], hidden="tanh", l1=l1, l2=l2, seed=5)
    for W_ in net.weights:
        W_[...] = np.where(W_ >= 0, 1, -1) * np.maximum(np.abs(W_), 0.05)
    return net


def negative_log_likelihood(net, X, y):
    """-sum_n log p(y_n | x_n, W) = -sum_n log softmax(z_n)_{y_n}, from the outputs."""
    P = net.forward(X)
    return -np.sum(np.log(P[np.arange(len(y)), y]))


def map_objective_gradient(net, X, y, log_prior):
    """d/dW of (negative log likelihood - log prior(W)) / N, by central differences."""
    def objective(_):
        return (negative_log_likelihood(net, X, y) - log_prior(net.weights)) / len(y)
    return [numerical_gradient(objective, W_) for W_ in net.weights]


MAP_PRIORS = [  # (penalty argument from the prior's width, its log prior)
    pytest.param(lambda: {"l2": l2_from_gaussian_prior(0.6, N_EXAMPLES)},
                 lambda ws: gaussian_log_prior(ws, 0.6), id="gaussian-is-l2"),
    pytest.param(lambda: {"l1": l1_from_laplace_prior(0.3, N_EXAMPLES)},
                 lambda ws: laplace_log_prior(ws, 0.3), id="laplace-is-l1"),
]


@pytest.mark.parametrize("penalty, log_prior", MAP_PRIORS)
def test_map_gradient_is_the_penalised_gradient(problem, penalty, log_prior):
    X, y = problem
    net = network(**penalty())
    expected = map_objective_gradient(net, X, y, log_prior)
    dW, _ = net.gradients(X, y)
    for analytic, numeric in zip(dW, expected):
        assert relative_error(analytic, numeric) < 1e-7


def test_map_gradient_equals_data_gradient_minus_prior_gradient_over_n(problem):
    """The same identity with the analytic prior gradient, for both priors together."""
    X, y = problem
    sigma, scale = 0.9, 0.4
    data_dW, _ = network().gradients(X, y)
    penalised = network(l1=l1_from_laplace_prior(scale, N_EXAMPLES),
                        l2=l2_from_gaussian_prior(sigma, N_EXAMPLES))
    dW, _ = penalised.gradients(X, y)
    gauss = gaussian_log_prior_gradient(penalised.weights, sigma)
    laplace = laplace_log_prior_gradient(penalised.weights, scale)
    for g, d, a, b in zip(dW, data_dW, gauss, laplace):
        np.testing.assert_allclose(g, d - (a + b) / N_EXAMPLES, rtol=1e-12, atol=1e-15)


def test_map_objective_value_is_the_loss_up_to_a_constant(problem):
    """(NLL - log prior) / N and the MLP loss differ by the prior's normaliser / N only."""
    X, y = problem
    sigma = 0.6
    net = network(l2=l2_from_gaussian_prior(sigma, N_EXAMPLES))
    n_weights = sum(W_.size for W_ in net.weights)
    constant = 0.5 * n_weights * np.log(2 * np.pi * sigma ** 2) / N_EXAMPLES
    nlp = (negative_log_likelihood(net, X, y) - gaussian_log_prior(net.weights, sigma)) / N_EXAMPLES
    assert net.loss(X, y) == pytest.approx(nlp - constant, rel=1e-13)


def test_a_wrong_conversion_would_be_caught(problem):
    """l2 = 1 / (N sigma^2) (forgetting the 1/2) fails the MAP gradient identity."""
    X, y = problem
    sigma = 0.6
    net = network(l2=1 / (N_EXAMPLES * sigma ** 2))
    expected = map_objective_gradient(net, X, y, lambda ws: gaussian_log_prior(ws, sigma))
    assert max(relative_error(a, b) for a, b in zip(net.gradients(X, y)[0], expected)) > 1e-3
