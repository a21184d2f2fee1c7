"""Plain SGD written straight into W (``MLP.sgd_step``) against the general route.

The general route is ``net.backward`` (gradients) followed by ``SGD().step``; the
in-place route multiplies the deltas by eta and subtracts every layer's product
a^T (eta delta) from W itself. They must take the same step up to rounding, for
every activation, dtype, batch size, with and without an L2 penalty or dropout,
with SciPy's BLAS or without it, and ``train`` must take the in-place route
exactly when it is the step of plain SGD.
"""

import numpy as np
import pytest

from mlp_from_scratch import MLP
from mlp_from_scratch import optimizers, training
from mlp_from_scratch.optimizers import SGD, Adam, Momentum, sgd_step_applies, subtract_product

ETA = 0.1
# float64: a few ulps of the step; float32: rounding of sums of up to 100 products
TOL = {np.float64: 1e-10, np.float32: 1e-4}


def _data(n, n_in, n_out, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n_in))
    X[rng.random(X.shape) < 0.5] = 0.0  # sparse like images, and exact zeros in a
    return X, rng.integers(0, n_out, n)


def _assert_same_step(before, general, in_place, dtype):
    """The changes theta_after - theta_before agree, relative to the largest change."""
    for p0, pg, pi in zip(before, general, in_place):
        step_g, step_i = pg.astype(np.float64) - p0, pi.astype(np.float64) - p0
        scale = np.abs(step_g).max()
        assert scale > 0, "the general route did not move this parameter"
        assert np.abs(step_i - step_g).max() <= TOL[dtype] * scale


def _both_routes(net_kwargs, X, y, eta=ETA):
    """One step each way from identical networks and identical activations."""
    general, in_place = MLP(**net_kwargs), MLP(**net_kwargs)
    before = [p.astype(np.float64) for p in general.weights + general.biases]
    Xc = X.astype(general.dtype)
    activations, _ = in_place.forward_pass(Xc, training=True)  # the same masks for both routes
    dW, db = general.backward(activations, y)
    SGD().step(general.weights + general.biases, dW + db, eta)
    in_place.sgd_step(activations, y, eta)
    return before, general.weights + general.biases, in_place.weights + in_place.biases


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("hidden", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("l2", [0.0, 0.05])
@pytest.mark.parametrize("batch", [1, 2, 37, 100])
@pytest.mark.parametrize("blas_max_rows", [10**9, None])  # 10**9: every batch by BLAS gemm; None: the default
def test_one_step_equals_backward_then_sgd(dtype, hidden, l2, batch, blas_max_rows, monkeypatch):
    if blas_max_rows is not None:
        monkeypatch.setattr(optimizers, "_GEMM_MAX_ROWS", blas_max_rows)
    X, y = _data(batch, 12, 4, seed=batch)
    kwargs = dict(layer_sizes=[12, 9, 7, 4], hidden=hidden, l2=l2, seed=3, dtype=dtype)
    _assert_same_step(*_both_routes(kwargs, X, y), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_large_layer_takes_the_gemm_and_equals_the_general_route(dtype, monkeypatch):
    monkeypatch.setattr(optimizers, "_GEMM_MAX_ROWS", 10**9)  # a batch of 30 would take it anyway
    X, y = _data(30, 400, 10)
    kwargs = dict(layer_sizes=[400, 300, 10], hidden="sigmoid", l2=0.01, seed=1, dtype=dtype)
    _assert_same_step(*_both_routes(kwargs, X, y), dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dropout_masks_apply_in_place_too(dtype):
    X, y = _data(50, 12, 4)
    kwargs = dict(layer_sizes=[12, 20, 16, 4], hidden="relu", dropout=[0.5, 0.3], seed=5, dtype=dtype)
    before, general, in_place = _both_routes(kwargs, X, y)
    _assert_same_step(before, general, in_place, dtype)
    # and the masks matter: without them the step is a different one
    plain = MLP(**{**kwargs, "dropout": 0.0})
    activations, _ = plain.forward_pass(X.astype(dtype))
    plain.sgd_step(activations, y, ETA)
    assert not np.allclose(plain.weights[0], in_place[0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_without_scipy_numpy_takes_the_same_step(dtype, monkeypatch):
    monkeypatch.setattr(optimizers, "_BLAS", {"gemm": {}, "gemv": {}})  # as if SciPy were missing
    monkeypatch.setattr(optimizers, "_GEMM_MAX_ROWS", 10**9)
    X, y = _data(20, 12, 4)
    kwargs = dict(layer_sizes=[12, 9, 4], hidden="tanh", l2=0.05, seed=3, dtype=dtype)
    _assert_same_step(*_both_routes(kwargs, X, y), dtype)


def test_subtract_product_falls_back_when_blas_did_not_write_in_place(monkeypatch):
    def gemm_on_a_copy(alpha, a, b, beta, c, trans_b=0, overwrite_c=0):
        return beta * c.copy() + alpha * a @ b.T  # right numbers, but not in c's memory

    monkeypatch.setattr(optimizers, "_BLAS", {"gemm": {np.dtype(np.float64): gemm_on_a_copy}})
    monkeypatch.setattr(optimizers, "_GEMM_MAX_ROWS", 10**9)
    rng = np.random.default_rng(0)
    theta, a, delta = rng.standard_normal((5, 3)), rng.standard_normal((4, 5)), rng.standard_normal((4, 3))
    expected = 0.9 * theta - a.T @ delta
    subtract_product(theta, a, delta, keep=0.9)
    np.testing.assert_allclose(theta, expected, rtol=1e-13)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("l2", [0.0, 0.01])
def test_a_whole_fit_equals_the_general_route(dtype, l2, monkeypatch):
    X, y = _data(230, 12, 4)  # batch_size 32: seven full batches and a last one of 6
    kwargs = dict(layer_sizes=[12, 9, 4], hidden="sigmoid", l2=l2, seed=4, dtype=dtype)
    in_place = MLP(**kwargs)
    h_in_place = in_place.fit(X, y, epochs=2, learning_rate=0.2, batch_size=32)
    monkeypatch.setattr(training, "sgd_step_applies", lambda net, opt: False)
    general = MLP(**kwargs)
    h_general = general.fit(X, y, epochs=2, learning_rate=0.2, batch_size=32)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    for p, q, p0 in zip(in_place.weights + in_place.biases, general.weights + general.biases,
                        MLP(**kwargs).weights + MLP(**kwargs).biases):
        assert not np.allclose(q, p0)  # training moved it
        np.testing.assert_allclose(p, q, rtol=tol, atol=tol * np.abs(q).max())
    np.testing.assert_allclose(h_in_place.loss, h_general.loss, rtol=tol)


@pytest.mark.parametrize("optimizer, net_kwargs, expected", [
    (SGD(), {}, True),
    (SGD(), {"dropout": 0.2}, True),  # the masks are applied by the shared recursion
    (SGD(), {"l2": 0.01}, True),  # folded into the product as the factor 1 - 2 eta l2
    (SGD(), {"l1": 0.01}, False),  # its subgradient takes the general route
    (Momentum(), {}, False),
    (Adam(), {}, False),
    (type("MySGD", (SGD,), {})(), {}, False),  # a subclass may change the step
])
def test_train_takes_the_in_place_route_exactly_for_plain_sgd(optimizer, net_kwargs, expected, monkeypatch):
    calls = []
    original = MLP.sgd_step

    def spy(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MLP, "sgd_step", spy)
    net = MLP([6, 5, 3], seed=0, **net_kwargs)
    assert sgd_step_applies(net, optimizer) is expected
    X, y = _data(40, 6, 3)
    net.fit(X, y, epochs=1, learning_rate=0.1, batch_size=10, optimizer=optimizer)
    assert len(calls) == (4 if expected else 0)


def test_sgd_step_refuses_l1():
    net = MLP([4, 3, 2], l1=0.1, seed=0)
    activations, _ = net.forward_pass(np.ones((2, 4)))
    with pytest.raises(ValueError, match="L1"):
        net.sgd_step(activations, np.array([0, 1]), ETA)


@pytest.mark.parametrize("n_in, batch, expected", [(400, 100, False), (400, 32, True), (40, 100, False),
                                                    (40, 30, True), (40, 1, True)])
def test_gemm_is_used_for_a_short_batch(n_in, batch, expected, monkeypatch):
    gemm = optimizers._blas("gemm")[np.dtype(np.float64)]
    calls = []

    def spy(*args, **kwargs):
        calls.append(1)
        return gemm(*args, **kwargs)

    monkeypatch.setattr(optimizers, "_BLAS", {**optimizers._BLAS, "gemm": {np.dtype(np.float64): spy}})
    rng = np.random.default_rng(0)
    theta, a, delta = rng.standard_normal((n_in, 300)), rng.standard_normal((batch, n_in)), rng.standard_normal((batch, 300))
    expected_theta = theta - a.T @ delta
    subtract_product(theta, a, delta)
    assert bool(calls) is expected
    np.testing.assert_allclose(theta, expected_theta, rtol=1e-12, atol=1e-12)
