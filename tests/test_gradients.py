"""Backpropagation against central differences, for every configuration.

Every hidden activation x (output, loss) pair: ``MLP.gradients`` must match the
numerical gradient of ``MLP.loss`` with a normwise relative error of at most 1e-7
per parameter array, in float64. The penalties are a separate term of the
objective, so they are tested separately: their gradient is checked against
central differences of ``MLP.penalty``, and adding a penalty must add exactly
that gradient to the data gradient (one full check per penalty as well).

Two kinks could spoil a central difference: ReLU at z = 0 and |w| (the L1
penalty) at w = 0. A step h = 1e-6 only crosses one if the point lies within h
of it, so the fixtures move every weight at least 0.05 away from 0 and assert
that every hidden pre-activation is at least 1e-3 away from 0.
"""

import itertools

import numpy as np
import pytest

from mlp_from_scratch import MLP
from mlp_from_scratch.activations import HIDDEN_ACTIVATIONS
from mlp_from_scratch.gradcheck import check_gradients, numerical_gradient, relative_error
from mlp_from_scratch.losses import LOSSES

TOLERANCE = 1e-7
LAYER_SIZES = [4, 5, 4, 3]  # two hidden layers, so deltas pass through f' twice
OUTPUT_LOSS_PAIRS = list(LOSSES)
PENALTIES = {"l1": (0.03, 0.0), "l2": (0.0, 0.04), "l1+l2": (0.02, 0.03)}
COMBINATIONS = list(itertools.product(HIDDEN_ACTIVATIONS, OUTPUT_LOSS_PAIRS))


def away_from_zero(W, margin=0.05):
    """W with every entry moved to at least ``margin`` from 0, keeping its sign."""
    return np.where(W >= 0, 1.0, -1.0) * np.maximum(np.abs(W), margin)


def hidden_preactivations(net, X):
    """The z of every hidden layer, recomputed independently of the network."""
    zs, a = [], X
    for W, b in zip(net.weights[:-1], net.biases[:-1]):
        z = a @ W + b
        zs.append(z)
        a = HIDDEN_ACTIVATIONS[net.hidden].f(z)
    return zs


def make_network(hidden, output, loss, l1, l2, seed=0):
    """A float64 network with non-zero biases and weights kept off the L1 kink."""
    net = MLP(LAYER_SIZES, hidden=hidden, output=output, loss=loss, l1=l1, l2=l2, seed=seed)
    rng = np.random.default_rng(seed + 100)
    for W, b in zip(net.weights, net.biases):
        W[...] = away_from_zero(W)
        b[...] = 0.1 * rng.standard_normal(b.shape)
    return net


def make_batch(seed=0, n_examples=7):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_examples, LAYER_SIZES[0]))
    y = rng.integers(0, LAYER_SIZES[-1], n_examples)
    return X, y


@pytest.mark.parametrize("hidden, output_loss", COMBINATIONS,
                         ids=[f"{h}-{o}-{l}" for h, (o, l) in COMBINATIONS])
def test_backprop_matches_central_differences(hidden, output_loss):
    output, loss = output_loss
    net = make_network(hidden, output, loss, 0.0, 0.0)
    X, y = make_batch()
    assert min(np.abs(z).min() for z in hidden_preactivations(net, X)) > 1e-3, "a ReLU kink is too close"
    result = check_gradients(net, X, y, h=1e-6)
    assert result.names == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert result.max_error <= TOLERANCE, f"\n{result}"


@pytest.mark.parametrize("penalty", PENALTIES)
def test_penalty_adds_its_own_gradient_term(penalty):
    """J = data loss + penalty: the penalty's gradient matches central differences of
    ``penalty()``, and adding the penalty adds exactly that term to the data gradient
    of the weights (and nothing to the biases)."""
    l1, l2 = PENALTIES[penalty]
    X, y = make_batch()
    plain = make_network("tanh", "softmax", "cross_entropy", 0.0, 0.0)
    penalised = make_network("tanh", "softmax", "cross_entropy", l1, l2)
    dW0, db0 = plain.gradients(X, y)
    dW, db = penalised.gradients(X, y)
    for l, W in enumerate(penalised.weights):
        term = l1 * np.sign(W) + 2 * l2 * W
        np.testing.assert_allclose(dW[l] - dW0[l], term, rtol=1e-12, atol=1e-15)
        numeric = numerical_gradient(lambda _: penalised.penalty(), W)
        assert relative_error(term, numeric) <= TOLERANCE
        np.testing.assert_array_equal(db[l], db0[l])
    # and the whole objective once more, end to end
    assert check_gradients(penalised, X, y, h=1e-6).max_error <= TOLERANCE


def test_gradients_have_the_shapes_and_dtype_of_the_parameters():
    for dtype in (np.float32, np.float64):
        net = MLP([3, 6, 2], seed=1, dtype=dtype)
        dW, db = net.gradients(np.ones((4, 3)), [0, 1, 1, 0])
        assert [g.shape for g in dW] == [W.shape for W in net.weights]
        assert [g.shape for g in db] == [b.shape for b in net.biases]
        assert {g.dtype for g in dW + db} == {np.dtype(dtype)}


def test_gradient_check_catches_a_wrong_gradient(monkeypatch):
    """The check above can fail: a gradient off by 1 % is reported."""
    net = make_network("tanh", "softmax", "cross_entropy", 0.0, 0.0)
    X, y = make_batch()
    backward = net.backward

    def slightly_wrong(activations, y):
        dW, db = backward(activations, y)
        dW[1] = 1.01 * dW[1]
        return dW, db

    monkeypatch.setattr(net, "backward", slightly_wrong)
    result = check_gradients(net, X, y)
    assert result.errors[result.names.index("W2")] > 1e-3
    assert result.errors[result.names.index("W1")] <= TOLERANCE


def test_gradient_check_catches_a_missing_penalty_term(monkeypatch):
    """Dropping the L2 term from the gradient (a classic bug) is detected."""
    net = make_network("sigmoid", "softmax", "cross_entropy", 0.0, 0.05)
    X, y = make_batch()
    no_penalty = MLP(LAYER_SIZES, hidden="sigmoid", seed=0)
    for source, target in zip(net.parameters(), no_penalty.parameters()):
        target[...] = source
    monkeypatch.setattr(net, "backward", no_penalty.backward)
    assert check_gradients(net, X, y).max_error > 1e-2


def test_l1_gradient_at_zero_weights_is_the_zero_subgradient():
    """At w = 0 exactly the L1 term contributes sign(0) = 0 (the documented choice)."""
    net = MLP([3, 2], output="identity", loss="mse", l1=0.5, seed=0)
    net.weights[0][...] = 0.0
    X, y = np.ones((2, 3)), np.array([0, 1])
    with_l1 = net.gradients(X, y)[0][0]
    net.l1 = 0.0
    without = net.gradients(X, y)[0][0]
    np.testing.assert_array_equal(with_l1, without)


def test_numerical_gradient_of_a_known_function():
    """d/dx sum(x^3) = 3 x^2; the array is restored afterwards."""
    x = np.array([[0.5, -1.0], [2.0, 0.1]])
    original = x.copy()
    g = numerical_gradient(lambda v: np.sum(v ** 3), x, h=1e-5)
    np.testing.assert_allclose(g, 3 * original ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, original)


def test_relative_error():
    a = np.array([1.0, 2.0, 3.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    assert relative_error(a, a * (1 + 1e-6)) == pytest.approx(1e-6 / (2 + 1e-6), rel=1e-6)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error([1.0, 1e-12], [1.0, 2e-12], elementwise=True) == pytest.approx(1e-12 / (1e-8))
    with pytest.raises(ValueError, match="shapes"):
        relative_error(np.zeros(2), np.zeros(3))


def test_gradient_check_report_names_every_parameter():
    net = MLP([2, 3, 2], seed=0)
    report = check_gradients(net, np.ones((2, 2)), [0, 1])
    text = str(report)
    for name in ("W1", "b1", "W2", "b2"):
        assert name in text
    assert len(report.rows()) == 4
    assert "<table>" in report._repr_html_()


@pytest.mark.parametrize("output, loss", list(LOSSES))
def test_output_delta_is_the_derivative_of_the_loss_and_the_pullback_of_grad_a(output, loss):
    """For each entry of the table: grad_a is dl/da (central differences of the loss written
    in terms of a), value is that loss, delta is dl/dz (central differences of the loss of
    the logits) and equals grad_a pulled back through the output's Jacobian; for the
    canonical pairs delta is exactly a - y."""
    from mlp_from_scratch.activations import OUTPUT_ACTIVATIONS
    from mlp_from_scratch.losses import one_hot, output_delta, per_example_loss

    entry = LOSSES[output, loss]
    rng = np.random.default_rng(5)
    z = rng.standard_normal((4, 3))
    y = np.array([0, 2, 1, 2])
    F = OUTPUT_ACTIVATIONS[output]
    a = F.f(z)
    g = entry.grad_a(a, y)
    # dl/da by central differences of the loss written in terms of a
    Y = np.eye(3)[y]
    if loss == "mse":
        value = lambda A: 0.5 * np.sum((A - Y) ** 2, axis=1)
    elif output == "softmax":
        value = lambda A: -np.log(np.sum(A * Y, axis=1))
    else:
        value = lambda A: -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A), axis=1)
    h = 1e-6
    for i, j in itertools.product(range(4), range(3)):
        up, down = a.copy(), a.copy()
        up[i, j] += h
        down[i, j] -= h
        assert abs((value(up)[i] - value(down)[i]) / (2 * h) - g[i, j]) < 1e-6
    # the value in terms of a is the package's loss (computed from the logits)
    np.testing.assert_allclose(value(a), per_example_loss(z, a, y, output, loss), rtol=1e-12)
    # delta = dl/dz by central differences of the loss as a function of the logits
    numeric = numerical_gradient(lambda Z: per_example_loss(Z, F.f(Z), y, output, loss).sum(), z.copy())
    delta = output_delta(a, y, output, loss)
    assert relative_error(delta, numeric) < 1e-8
    # the Jacobian route gives the same delta; canonical pairs take the shortcut a - y
    np.testing.assert_allclose(F.vjp(a, g), delta, rtol=1e-9, atol=1e-12)
    assert entry.canonical == (loss == "cross_entropy" or output == "identity")
    if entry.canonical:
        np.testing.assert_array_equal(delta, a - one_hot(y, 3))
    # the batch sum (a faster route for softmax + cross-entropy) is the sum of the values
