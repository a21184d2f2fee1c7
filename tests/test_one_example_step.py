"""The fused one-example SGD step and its sparse-input trick (training.one_example_step).

It must be the step the general loop takes (forward_pass, backward, SGD.step on a
batch of one): rows of W^1 whose input is zero bit-identical (unchanged), the rest
equal to the dense step within rounding, and it must only be used where that holds.
"""

import numpy as np
import pytest

from mlp_from_scratch import MLP, SGD, LossRatio, Momentum
from mlp_from_scratch import optimizers, training
from mlp_from_scratch.training import one_example_step


def sparse_examples(n, n_in, seed, dtype, density=0.2):
    """Inputs in [0, 1] with about ``density`` of the entries non-zero, like MNIST pixels."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, n_in)) * (rng.random((n, n_in)) < density)
    return X.astype(dtype), rng.integers(0, 5, n)


def dense_step(net, x, y, eta):
    """The general loop's step on a batch of one: forward_pass, backward, SGD.step."""
    activations, _ = net.forward_pass(x[None], training=True)
    dW, db = net.backward(activations, y)
    SGD().step(net.parameters(), dW + db, eta)


def two_nets(dtype, sizes=(60, 20, 5), hidden="sigmoid", **kwargs):
    return [MLP(list(sizes), hidden=hidden, init=1.0, seed=4, dtype=dtype, **kwargs) for _ in range(2)]


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 4e-6), (np.float64, 1e-14)])
@pytest.mark.parametrize("output, loss", [("softmax", "cross_entropy"), ("sigmoid", "cross_entropy"),
                                          ("softmax", "mse"), ("identity", "mse")])
def test_every_output_and_loss(dtype, rtol, output, loss):
    """The softmax/cross-entropy shortcut and the general table give the dense step's numbers."""
    X, y = sparse_examples(1, 60, seed=8, dtype=dtype)
    fused, dense = two_nets(dtype, output=output, loss=loss)
    value, _ = one_example_step(fused, X[0], y[:1], 0.2)
    assert value == pytest.approx(dense.loss(X, y[:1]), rel=10 * rtol)
    dense_step(dense, X[0], y[:1], 0.2)
    for a, b in zip(fused.parameters(), dense.parameters()):
        assert np.abs(a - b).max() <= rtol * np.abs(b).max()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rows_of_zero_inputs_are_bit_identical(dtype):
    X, y = sparse_examples(1, 60, seed=0, dtype=dtype)
    fused, _ = two_nets(dtype)
    W1_before = fused.weights[0].copy()
    one_example_step(fused, X[0], y[:1], 0.5)
    zero = X[0] == 0
    assert 0 < zero.sum() < 60
    np.testing.assert_array_equal(fused.weights[0][zero], W1_before[zero])  # skipped: not a bit changed
    assert np.all(fused.weights[0][~zero] != W1_before[~zero])                # the others all moved


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 4e-6), (np.float64, 1e-14)])
@pytest.mark.parametrize("hidden", ["sigmoid", "relu", "tanh"])
def test_one_step_equals_the_dense_step(dtype, rtol, hidden):
    """The same numbers as the general step, up to the order of the forward sum's terms."""
    X, y = sparse_examples(1, 60, seed=1, dtype=dtype)
    fused, dense = two_nets(dtype, sizes=(60, 20, 15, 5), hidden=hidden)
    loss, predicted = one_example_step(fused, X[0], y[:1], 0.5)
    assert loss == pytest.approx(dense.loss(X, y[:1]), rel=10 * rtol)
    assert predicted[0] == dense.predict(X)[0]
    dense_step(dense, X[0], y[:1], 0.5)
    for a, b, p0 in zip(fused.parameters(), dense.parameters(),
                        MLP([60, 20, 15, 5], hidden=hidden, init=1.0, seed=4, dtype=dtype).weights + [0] * 3):
        scale = np.abs(b).max()
        assert np.abs(a - b).max() <= rtol * scale, (np.abs(a - b).max() / scale)
        assert not np.array_equal(a, p0)  # every array took the step


@pytest.mark.parametrize("n_out", [5, 40])
def test_softmax_with_few_and_many_classes(n_out):
    """Up to 32 logits the step computes softmax in Python floats, above that in NumPy: same step."""
    X, _ = sparse_examples(1, 60, seed=3, dtype=np.float64)
    y = np.array([n_out - 1])
    fused, dense = two_nets(np.float64, sizes=(60, 20, n_out))
    loss, _ = one_example_step(fused, X[0], y, 0.3)
    assert loss == pytest.approx(dense.loss(X, y), rel=1e-13)
    dense_step(dense, X[0], y, 0.3)
    for a, b in zip(fused.parameters(), dense.parameters()):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_dense_inputs_use_the_whole_matrix():
    """Without zeros in x the step takes W^1 whole (nothing to skip) and still equals the dense step."""
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, 60)
    y = np.array([3])
    fused, dense = two_nets(np.float64)
    one_example_step(fused, x, y, 0.1)
    dense_step(dense, x, y, 0.1)
    for a, b in zip(fused.parameters(), dense.parameters()):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-4), (np.float64, 1e-12)])
def test_fit_with_one_example_steps_equals_the_general_loop(dtype, rtol, monkeypatch):
    """A whole epoch of fit(batch_size=1) with a per-step schedule: the same run both ways."""
    X, y = sparse_examples(300, 60, seed=3, dtype=dtype)
    runs = []
    for fused in (True, False):
        if not fused:
            monkeypatch.setattr(training, "_one_example_step_applies", lambda *args: False)
        net = MLP([60, 20, 5], hidden="sigmoid", init=1.0, seed=5, dtype=dtype)
        history = net.fit(X, y, epochs=2, learning_rate=0.1, batch_size=1, lr_schedule=LossRatio(window=20),
                          record_steps=True)
        runs.append((net, history))
    (a, ha), (b, hb) = runs
    np.testing.assert_allclose(ha.step_loss, hb.step_loss, rtol=rtol)
    assert ha.accuracy == hb.accuracy
    for p, q in zip(a.parameters(), b.parameters()):
        assert np.abs(p - q).max() <= rtol * np.abs(q).max()


@pytest.mark.parametrize("kwargs, optimizer, batch_size", [
    ({}, None, 2),                   # a minibatch
    ({}, Momentum(0.9), 1),          # optimiser state
    ({"l2": 0.01}, None, 1),         # a penalty moves the rows of zero inputs too
    ({"l1": 0.01}, None, 1),
    ({"dropout": 0.2}, None, 1),     # masks drawn in forward_pass
])
def test_used_only_where_exact(kwargs, optimizer, batch_size):
    net = MLP([6, 4, 3], seed=0, **kwargs)
    assert not training._one_example_step_applies(net, optimizer or SGD(), batch_size)
    assert training._one_example_step_applies(MLP([6, 4, 3], seed=0), SGD(), 1)
    assert not training._one_example_step_applies(MLP([6, 4, 3], seed=0), type("MySGD", (SGD,), {})(), 1)


def test_a_diverged_step_changes_nothing():
    X, y = sparse_examples(1, 60, seed=6, dtype=np.float64)
    net, _ = two_nets(np.float64)
    net.weights[1][...] = np.inf
    before = [p.copy() for p in net.parameters()]
    loss, _ = one_example_step(net, X[0], y[:1], 0.1)
    assert not np.isfinite(loss)
    for p, q in zip(net.parameters(), before):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("shape", [(3, 4), (100, 80)])   # below and above the size where BLAS pays
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("blas", [True, False])
def test_subtract_outer(shape, dtype, blas, monkeypatch):
    if not blas:
        monkeypatch.setattr(optimizers, "_BLAS", {"ger": {}})
    rng = np.random.default_rng(7)
    theta = rng.standard_normal(shape).astype(dtype)
    u, v = rng.standard_normal(shape[0]).astype(dtype), rng.standard_normal(shape[1]).astype(dtype)
    expected = theta.astype(np.float64) - 0.3 * np.outer(u.astype(np.float64), v)
    view = theta
    optimizers.subtract_outer(theta, 0.3, u, v)
    assert view is theta
    np.testing.assert_allclose(theta, expected, rtol=2e-6 if dtype == np.float32 else 1e-14, atol=1e-6)
