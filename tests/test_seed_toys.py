"""The two published toy networks of the seeds, reproduced exactly.

* Seed 002: a 2-3-2 network (sigmoid hidden, softmax output) and its printed
  one-example gradients ``v_d`` (hidden -> output weights), ``b2_d``, ``w_d``
  (input -> hidden weights) and ``b1_d``.
* Seed 004 (the CS145 two-layer-net workbook): a 4-10-3 ReLU network with
  linear scores, its printed scores and its MSE + L2 loss.
"""

import numpy as np
import pytest

from mlp_from_scratch import MLP
from mlp_from_scratch.gradcheck import check_gradients

# ------------------------------------------------------------------- seed 002
SEED002_X = np.array([[1.0, -1.0]])
SEED002_W1 = np.array([[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]])  # input x hidden
SEED002_W2 = np.array([[1.0, 1.0], [-1.0, -1.0], [-1.0, -1.0]])  # hidden x output
SEED002_CLASS = np.array([0])
# as printed in the seed (4 decimals)
SEED002_V_D = np.array([[-0.4404, 0.4404]] * 3)
SEED002_B2_D = np.array([-0.5, 0.5])
SEED002_W_D = np.zeros((2, 3))
SEED002_B1_D = np.zeros(3)


@pytest.fixture
def seed002_net():
    net = MLP([2, 3, 2], hidden="sigmoid", output="softmax", loss="cross_entropy")
    net.weights[0][...] = SEED002_W1
    net.weights[1][...] = SEED002_W2
    net.biases[0][...] = 0.0
    net.biases[1][...] = 0.0
    return net


def seed002_by_hand():
    """The gradients from first principles, one step at a time.

    Every hidden unit gets z = 1 * 1 + (-1) * (-1) = 2, so h = sigmoid(2).
    Both outputs get o = h - h - h = -h: equal logits, softmax (1/2, 1/2).
    The output delta is softmax(o) - e_0 = (-1/2, 1/2); v_d = h (outer) delta,
    b2_d = delta. Pulled back, W2 delta = (-1/2 + 1/2, 1/2 - 1/2, ...) = 0, so the
    first layer's gradients vanish.
    """
    h = np.full(3, 1.0 / (1.0 + np.exp(-2.0)))
    o = np.full(2, -h[0])
    y = np.exp(o) / np.exp(o).sum()
    delta_out = y - np.array([1.0, 0.0])
    v_d = np.outer(h, delta_out)
    b2_d = delta_out
    delta_hidden = (SEED002_W2 @ delta_out) * h * (1 - h)
    w_d = np.outer(SEED002_X[0], delta_hidden)
    return v_d, b2_d, w_d, delta_hidden


def test_seed002_hand_computation_agrees_with_the_printed_values():
    v_d, b2_d, w_d, b1_d = seed002_by_hand()
    np.testing.assert_array_equal(np.round(v_d, 4), SEED002_V_D)
    np.testing.assert_array_equal(b2_d, SEED002_B2_D)
    np.testing.assert_array_equal(w_d, SEED002_W_D)
    np.testing.assert_array_equal(b1_d, SEED002_B1_D)


def test_seed002_gradients_match_the_printed_values(seed002_net):
    (w_d, v_d), (b1_d, b2_d) = seed002_net.gradients(SEED002_X, SEED002_CLASS)
    np.testing.assert_array_equal(np.round(v_d, 4), SEED002_V_D)
    np.testing.assert_array_equal(np.round(b2_d, 4), SEED002_B2_D)
    np.testing.assert_array_equal(np.round(w_d, 4), SEED002_W_D)
    np.testing.assert_array_equal(np.round(b1_d, 4), SEED002_B1_D)


def test_seed002_gradients_match_the_hand_computation(seed002_net):
    (w_d, v_d), (b1_d, b2_d) = seed002_net.gradients(SEED002_X, SEED002_CLASS)
    hand_v_d, hand_b2_d, hand_w_d, hand_b1_d = seed002_by_hand()
    np.testing.assert_allclose(v_d, hand_v_d, rtol=1e-15)
    np.testing.assert_allclose(b2_d, hand_b2_d, rtol=1e-15)
    np.testing.assert_allclose(w_d, hand_w_d, atol=1e-16)
    np.testing.assert_allclose(b1_d, hand_b1_d, atol=1e-16)
    # v_d = -sigmoid(2) / 2 in the first column, to full precision
    np.testing.assert_allclose(v_d[:, 0], -0.5 / (1 + np.exp(-2.0)), rtol=1e-15)


def test_seed002_forward_pass_and_loss(seed002_net):
    np.testing.assert_allclose(seed002_net.forward(SEED002_X), [[0.5, 0.5]], rtol=1e-15)
    assert seed002_net.loss(SEED002_X, SEED002_CLASS) == pytest.approx(np.log(2), rel=1e-15)


def test_seed002_gradients_are_not_an_artefact_of_symmetry(seed002_net):
    """Perturb the toy so the first-layer gradient no longer vanishes: still exact."""
    seed002_net.weights[1][0, 0] = 2.0
    assert np.abs(seed002_net.gradients(SEED002_X, SEED002_CLASS)[0][0]).max() > 1e-3
    assert check_gradients(seed002_net, SEED002_X, SEED002_CLASS).max_error < 1e-8


# ------------------------------------------------------------------- seed 004
SEED004_SCORES = np.array([
    [-1.07260209, 0.05083871, -0.87253915],
    [-2.02778743, -0.10832494, -1.52641362],
    [-0.74225908, 0.15259725, -0.39578548],
    [-0.38172726, 0.10835902, -0.17328274],
    [-0.64417314, -0.18886813, -0.41106892]])
SEED004_LOSS = 1.8973332763705641  # MSE + (0.05 / 2) * (|W1|^2 + |W2|^2)


@pytest.fixture
def seed004():
    """The workbook's net and data, initialised exactly as its init_toy_model/init_toy_data."""
    np.random.seed(0)
    W1 = 1e-1 * np.random.randn(10, 4)  # hidden x input, used transposed
    W2 = 1e-1 * np.random.randn(3, 10)
    np.random.seed(1)
    X = 10 * np.random.randn(5, 4)
    y = np.array([0, 1, 2, 2, 1])
    net = MLP([4, 10, 3], hidden="relu", output="identity", loss="mse", l2=0.025)
    net.weights[0][...] = W1.T
    net.weights[1][...] = W2.T
    net.biases[0][...] = 0.0
    net.biases[1][...] = 0.0
    return net, X, y


def test_seed004_scores(seed004):
    net, X, _ = seed004
    scores = net.forward(X)
    assert scores.shape == (5, 3)
    assert np.sum(np.abs(scores - SEED004_SCORES)) < 1e-7


def test_seed004_loss(seed004):
    net, X, y = seed004
    assert abs(net.loss(X, y) - SEED004_LOSS) < 1e-12


def test_seed004_loss_needs_the_penalty(seed004):
    """Without the L2 term the loss is visibly different: the check above is not vacuous."""
    net, X, y = seed004
    net.l2 = 0.0
    assert abs(net.loss(X, y) - SEED004_LOSS) > 1e-3


def test_seed004_gradients_pass_the_check(seed004):
    """The workbook checks its gradients to 1e-8; ours pass the same check."""
    net, X, y = seed004
    assert check_gradients(net, X, y).max_error < 1e-8
