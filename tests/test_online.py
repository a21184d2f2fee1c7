"""Online SGD and its sparse-input trick (mlp_from_scratch.online).

``online.sgd_step`` must be the step of the general route (forward_pass, backward,
SGD().step on a batch of one): the rows of W^1 whose input is zero bit-identical
(untouched), everything else equal within float32 rounding. Only the order of the
forward sums differs (the zero terms are skipped), and the library's BLAS picks
its own order for the dense route's products too; so the tolerance is stated in
units in the last place (ulps) of each array's largest entry, far above what
rounding in a different order causes and far below what the step moves.
"""

import numpy as np
import pytest

from mlp_from_scratch import MLP, SGD, LossRatio, TrainingDivergedError, online

ULPS = 32  # units in the last place of each array's largest entry; the worst seen here is 7


def sparse_examples(n, n_in, seed, dtype, density=0.2):
    """Inputs in [0, 1] with about ``density`` of the entries non-zero, like MNIST pixels."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, n_in)) * (rng.random((n, n_in)) < density)
    return X.astype(dtype), rng.integers(0, 5, n)


def dense_step(net, x, y, eta):
    """The general route on a batch of one: forward_pass, backward, SGD().step."""
    dW, db = net.backward(net.forward_pass(x[None], training=True), np.array([y]))
    SGD().step(net.parameters(), dW + db, eta)


def two_nets(dtype, sizes=(60, 20, 5), hidden="sigmoid", **kwargs):
    return [MLP(list(sizes), hidden=hidden, seed=4, dtype=dtype, **kwargs) for _ in range(2)]


def assert_within_ulps(online_params, dense_params, before):
    for p, q, p0 in zip(online_params, dense_params, before):
        ulp = np.spacing(np.abs(q).max())
        assert np.abs(p - q).max() <= ULPS * ulp, np.abs(p - q).max() / ulp
        assert np.abs(q - p0).max() > 100 * ULPS * ulp  # the step moved the array far more


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("hidden", ["sigmoid", "relu", "tanh"])
@pytest.mark.parametrize("output, loss", [("softmax", "cross_entropy"), ("sigmoid", "cross_entropy"),
                                          ("softmax", "mse"), ("identity", "mse")])
def test_one_step_equals_the_general_route(dtype, hidden, output, loss):
    X, y = sparse_examples(1, 60, seed=1, dtype=dtype)
    fast, dense = two_nets(dtype, sizes=(60, 20, 15, 5), hidden=hidden, output=output, loss=loss)
    before = [p.copy() for p in dense.parameters()]
    value, predicted = online.sgd_step(fast, X[0], int(y[0]), 0.5)
    assert value == pytest.approx(dense.loss(X, y[:1]), rel=ULPS * float(np.finfo(dtype).eps))
    assert predicted == dense.predict(X)[0]
    dense_step(dense, X[0], int(y[0]), 0.5)
    assert_within_ulps(fast.parameters(), dense.parameters(), before)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rows_of_zero_inputs_are_bit_identical(dtype):
    X, y = sparse_examples(1, 60, seed=0, dtype=dtype)
    net, _ = two_nets(dtype)
    W1_before = net.weights[0].copy()
    online.sgd_step(net, X[0], int(y[0]), 0.5)
    zero = X[0] == 0
    assert 0 < zero.sum() < 60
    np.testing.assert_array_equal(net.weights[0][zero], W1_before[zero])  # skipped: not a bit changed
    assert np.all(net.weights[0][~zero] != W1_before[~zero])                # the others all moved


def test_dense_inputs_take_the_same_step():
    x = np.random.default_rng(2).uniform(-1, 1, 60)
    fast, dense = two_nets(np.float64)
    before = [p.copy() for p in dense.parameters()]
    online.sgd_step(fast, x, 3, 0.1)
    dense_step(dense, x, 3, 0.1)
    assert_within_ulps(fast.parameters(), dense.parameters(), before)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_train_is_fit_with_one_example_per_step(dtype):
    """Two epochs with a per-step schedule: the same examples, losses and weights as fit(batch_size=1)."""
    X, y = sparse_examples(300, 60, seed=3, dtype=dtype)
    fast, dense = two_nets(dtype)
    validation = (X[:50], y[:50])
    kwargs = dict(epochs=2, learning_rate=0.1, validation_data=validation, record_steps=True)
    h_fast = online.train(fast, X, y, lr_schedule=LossRatio(window=20), **kwargs)
    h_dense = dense.fit(X, y, batch_size=1, lr_schedule=LossRatio(window=20), **kwargs)
    rtol = 1e-4 if dtype == np.float32 else 1e-12  # 600 steps: rounding differences grow a little
    np.testing.assert_allclose(h_fast.step_loss, h_dense.step_loss, rtol=rtol)
    assert h_fast.accuracy == h_dense.accuracy
    np.testing.assert_allclose(h_fast.val_loss, h_dense.val_loss, rtol=rtol)
    for p, q in zip(fast.parameters(), dense.parameters()):
        assert np.abs(p - q).max() <= rtol * np.abs(q).max()


def test_max_steps_and_a_diverged_step():
    X, y = sparse_examples(40, 60, seed=6, dtype=np.float64)
    net, _ = two_nets(np.float64)
    assert len(online.train(net, X, y, epochs=3, learning_rate=0.1, record_steps=True, max_steps=25).step_loss) == 25
    net.weights[1][...] = np.inf
    before = [p.copy() for p in net.parameters()]
    with np.errstate(over="ignore", invalid="ignore"):   # inf - inf in the softmax: the divergence itself
        loss, _ = online.sgd_step(net, X[0], int(y[0]), 0.1)
    assert not np.isfinite(loss)
    for p, q in zip(net.parameters(), before):
        np.testing.assert_array_equal(p, q)  # a diverged step changes nothing
    with pytest.raises(TrainingDivergedError, match="smaller learning rate"):
        online.train(net, X, y, epochs=1, learning_rate=0.1)


@pytest.mark.parametrize("kwargs", [{"l2": 0.01}, {"l1": 0.01}, {"dropout": 0.2}])
def test_refuses_what_it_cannot_do_exactly(kwargs):
    X, y = sparse_examples(5, 6, seed=0, dtype=np.float64)
    net = MLP([6, 4, 3], seed=0, **kwargs)
    with pytest.raises(ValueError, match="plain SGD only"):
        online.train(net, X, y % 3, epochs=1, learning_rate=0.1)
    with pytest.raises(ValueError, match="plain SGD only"):
        online.sgd_step(net, X[0], 0, 0.1)
