"""The MLP class: construction, forward pass, loss, training, and bad input."""

import math
import warnings

import numpy as np
import pytest

from mlp_from_scratch import MLP, History, StepDecay, TrainingDivergedError

# ------------------------------------------------------------------ construction


def test_parameters_have_the_documented_shapes_and_dtype():
    for dtype in (np.float32, np.float64):
        net = MLP([5, 7, 4, 3], seed=0, dtype=dtype)
        assert [W.shape for W in net.weights] == [(5, 7), (7, 4), (4, 3)]
        assert [b.shape for b in net.biases] == [(7,), (4,), (3,)]
        assert {p.dtype for p in net.parameters()} == {np.dtype(dtype)}
        assert net.n_layers == 3
        assert net.n_parameters == 5 * 7 + 7 + 7 * 4 + 4 + 4 * 3 + 3
        assert all(np.all(b == 0) for b in net.biases)


@pytest.mark.parametrize("init, hidden, expected_std", [
    ("auto", "relu", math.sqrt(2 / 400)),       # He
    ("auto", "tanh", math.sqrt(2 / (400 + 300))),  # Glorot
    ("glorot", "relu", math.sqrt(2 / (400 + 300))),
    (0.01, "relu", 0.01),
])
def test_initial_weight_scale(init, hidden, expected_std):
    W = MLP([400, 300, 2], hidden=hidden, init=init, seed=0).weights[0]
    assert W.std() == pytest.approx(expected_std, rel=0.02)
    assert abs(W.mean()) < 0.05 * expected_std


def test_same_seed_same_weights_other_seed_other_weights():
    a, b, c = MLP([4, 6, 3], seed=7), MLP([4, 6, 3], seed=7), MLP([4, 6, 3], seed=8)
    for Wa, Wb, Wc in zip(a.weights, b.weights, c.weights):
        np.testing.assert_array_equal(Wa, Wb)
        assert not np.array_equal(Wa, Wc)


def test_repr_names_the_configuration():
    text = repr(MLP([3, 2], hidden="tanh", l2=0.5, dtype=np.float32))
    assert "[3, 2]" in text and "tanh" in text and "l2=0.5" in text and "float32" in text


# -------------------------------------------------------------------- forward


def manual_forward(net, X, f, F):
    """z = a @ W + b layer by layer, written independently of the class."""
    a = X
    for l, (W, b) in enumerate(zip(net.weights, net.biases)):
        z = a @ W + b
        a = f(z) if l < net.n_layers - 1 else F(z)
    return a


def test_forward_is_the_layer_equation():
    net = MLP([3, 4, 5, 2], hidden="tanh", seed=1)
    for b in net.biases:
        b[...] = np.linspace(-0.5, 0.5, b.size)
    X = np.random.default_rng(0).standard_normal((6, 3))

    def softmax(z):
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    np.testing.assert_allclose(net.forward(X), manual_forward(net, X, np.tanh, softmax), rtol=1e-13)


def test_predict_proba_predict_and_score():
    net = MLP([3, 5, 4], seed=2)
    X = np.random.default_rng(1).standard_normal((10, 3))
    P = net.predict_proba(X)
    assert P.shape == (10, 4)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_array_equal(net.predict(X), P.argmax(axis=1))
    y = net.predict(X).copy()
    y[:3] = (y[:3] + 1) % 4
    assert net.score(X, y) == pytest.approx(0.7)


def test_assigning_into_weights_changes_the_output():
    net = MLP([2, 2], output="identity", loss="mse")
    net.weights[0][...] = [[1.0, 2.0], [3.0, 4.0]]
    net.biases[0][...] = [0.5, -0.5]
    np.testing.assert_array_equal(net.forward([[1.0, 1.0]]), [[4.5, 5.5]])


def test_single_example_form_agrees_with_the_batch_form():
    """z^l = (W^l)^T a^{l-1} + b^l for one column vector equals row l of a @ W + b."""
    net = MLP([3, 4, 2], hidden="sigmoid", output="identity", loss="mse", seed=3)
    x = np.array([0.3, -1.2, 0.8])
    a = x
    for l, (W, b) in enumerate(zip(net.weights, net.biases)):
        z = W.T @ a + b
        a = 1 / (1 + np.exp(-z)) if l == 0 else z
    np.testing.assert_allclose(net.forward(x[None, :])[0], a, rtol=1e-14)


# ----------------------------------------------------------------------- loss


def test_loss_is_mean_cross_entropy_plus_both_penalties():
    net = MLP([3, 4, 3], l1=0.01, l2=0.02, seed=4)
    X = np.random.default_rng(2).standard_normal((8, 3))
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    P = net.forward(X)
    data = -np.mean(np.log(P[np.arange(8), y]))
    penalty = sum(0.01 * np.abs(W).sum() + 0.02 * (W ** 2).sum() for W in net.weights)
    assert net.loss(X, y) == pytest.approx(data + penalty, rel=1e-13)
    assert net.penalty() == pytest.approx(penalty, rel=1e-13)


def test_biases_are_not_penalised():
    net = MLP([2, 3, 2], l1=1.0, l2=1.0, seed=0)
    before = net.penalty()
    for b in net.biases:
        b += 10.0
    assert net.penalty() == before


def test_evaluate_returns_loss_and_accuracy(blobs):
    X, y = blobs
    net = MLP([4, 8, 3], seed=0)
    loss, accuracy = net.evaluate(X, y)
    assert loss == pytest.approx(net.loss(X, y), rel=1e-14)
    assert accuracy == net.score(X, y) == np.mean(net.predict(X) == y)


# ------------------------------------------------------------------------ fit


def test_one_full_batch_step_is_w_minus_eta_times_the_gradient(blobs):
    X, y = blobs
    net = MLP([4, 5, 3], l1=0.01, l2=0.01, seed=0)
    dW, db = net.gradients(X, y)
    expected_W = [W - 0.3 * g for W, g in zip(net.weights, dW)]
    expected_b = [b - 0.3 * g for b, g in zip(net.biases, db)]
    net.fit(X, y, epochs=1, learning_rate=0.3, batch_size=len(X), shuffle=False)
    for W, e in zip(net.parameters(), expected_W + expected_b):
        np.testing.assert_allclose(W, e, rtol=1e-12, atol=1e-15)


def test_running_training_loss_is_measured_before_each_step(blobs):
    """With one full batch per epoch, the epoch's running data loss is the one before the step.

    (The penalty is added at the end of the epoch, so it is the one after the step.)
    """
    X, y = blobs
    net = MLP([4, 5, 3], l2=0.01, seed=0)
    data_loss_before = net.loss(X, y) - net.penalty()
    history = net.fit(X, y, epochs=1, learning_rate=0.1, batch_size=len(X), shuffle=False)
    assert history.loss[0] == pytest.approx(data_loss_before + net.penalty(), rel=1e-12)
    assert history.loss[0] != pytest.approx(net.loss(X, y), rel=1e-4)


def test_training_reduces_the_loss_and_learns_the_blobs(blobs):
    X, y = blobs
    net = MLP([4, 16, 3], seed=0)
    initial = net.loss(X, y)
    history = net.fit(X, y, epochs=30, learning_rate=0.1, batch_size=10)
    assert history.loss[-1] < 0.5 * initial
    assert history.loss[-1] < history.loss[0]
    assert net.score(X, y) > 0.9


def test_fit_is_exactly_reproducible(blobs):
    X, y = blobs
    runs = []
    for _ in range(2):
        net = MLP([4, 6, 3], hidden="tanh", seed=11)
        history = net.fit(X, y, epochs=5, learning_rate=0.2, batch_size=7,
                          validation_data=(X[:10], y[:10]), record_steps=True)
        runs.append((net, history))
    (a, ha), (b, hb) = runs
    assert ha.as_dict() == hb.as_dict()
    for p, q in zip(a.parameters(), b.parameters()):
        assert p.tobytes() == q.tobytes()


def test_different_seeds_shuffle_differently(blobs):
    X, y = blobs
    nets = [MLP([4, 6, 3], seed=0), MLP([4, 6, 3], seed=1)]
    for W, V in zip(nets[0].weights, nets[1].weights):
        V[...] = W  # same initial weights: only the order of the examples differs
    h0 = nets[0].fit(X, y, epochs=2, learning_rate=0.1, batch_size=7, record_steps=True)
    h1 = nets[1].fit(X, y, epochs=2, learning_rate=0.1, batch_size=7, record_steps=True)
    assert h0.step_loss != h1.step_loss
    unshuffled = [MLP([4, 6, 3], seed=s) for s in (0, 1)]
    for W, V in zip(unshuffled[0].weights, unshuffled[1].weights):
        V[...] = W
    h0, h1 = (net.fit(X, y, epochs=2, learning_rate=0.1, batch_size=7, shuffle=False, record_steps=True)
              for net in unshuffled)
    assert h0.step_loss == h1.step_loss


@pytest.mark.parametrize("input_dtype", [np.float64, np.float32, np.uint8])
def test_float32_end_to_end(blobs, input_dtype):
    X, y = blobs
    X = np.abs(X).astype(input_dtype)
    net = MLP([4, 8, 3], dtype=np.float32, seed=0)
    history = net.fit(X, y, epochs=3, learning_rate=0.05, batch_size=16,
                      validation_data=(X, y), lr_schedule=StepDecay(0.9))
    dW, db = net.gradients(X, y)
    arrays = net.parameters() + dW + db + [net.forward(X), net.predict_proba(X)]
    assert {a.dtype for a in arrays} == {np.dtype(np.float32)}
    assert all(math.isfinite(v) for v in history.loss + history.val_loss)


def test_history_lengths(blobs):
    X, y = blobs
    net = MLP([4, 5, 3], seed=0)
    history = net.fit(X, y, epochs=4, learning_rate=0.1, batch_size=25,
                      validation_data=(X[:20], y[:20]), record_steps=True)
    steps_per_epoch = math.ceil(len(X) / 25)
    assert isinstance(history, History)
    assert history.epochs == 4
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"):
        assert len(getattr(history, key)) == 4, key
    assert len(history.step_loss) == 4 * steps_per_epoch
    assert "epochs=4" in repr(history)
    assert set(history.as_dict()) == {"loss", "accuracy", "val_loss", "val_accuracy",
                                      "learning_rate", "step_loss", "best_epoch", "stopped_epoch"}


def test_no_validation_no_validation_history(blobs):
    X, y = blobs
    history = MLP([4, 3], seed=0).fit(X, y, epochs=2, learning_rate=0.1)
    assert history.val_loss == [] and history.val_accuracy == [] and history.step_loss == []


def test_max_steps_stops_within_an_epoch(blobs):
    X, y = blobs
    history = MLP([4, 5, 3], seed=0).fit(X, y, epochs=10, learning_rate=0.1, batch_size=10,
                                         max_steps=8, record_steps=True)
    assert len(history.step_loss) == 8
    assert history.epochs == 2  # 6 steps in epoch 1, 2 in epoch 2


def test_full_train_metrics_are_measured_after_each_epoch(blobs):
    X, y = blobs
    net = MLP([4, 5, 3], l2=0.01, seed=0)
    history = net.fit(X, y, epochs=2, learning_rate=0.1, batch_size=10, train_metrics="full")
    loss, accuracy = net.evaluate(X, y)
    assert history.loss[-1] == loss
    assert history.accuracy[-1] == accuracy


def test_validation_metrics_are_the_evaluation_after_the_epoch(blobs):
    X, y = blobs
    net = MLP([4, 5, 3], seed=0)
    history = net.fit(X, y, epochs=2, learning_rate=0.1, validation_data=(X[:15], y[:15]))
    assert (history.val_loss[-1], history.val_accuracy[-1]) == net.evaluate(X[:15], y[:15])


def test_batch_size_larger_than_the_data_is_one_full_batch(blobs):
    X, y = blobs
    a, b = MLP([4, 3], seed=0), MLP([4, 3], seed=0)
    a.fit(X, y, epochs=1, learning_rate=0.1, batch_size=1000, shuffle=False)
    b.fit(X, y, epochs=1, learning_rate=0.1, batch_size=len(X), shuffle=False)
    np.testing.assert_array_equal(a.weights[0], b.weights[0])


def test_a_diverging_run_stops_with_an_error_naming_the_epoch():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 3)), rng.integers(0, 2, 50)
    net = MLP([3, 4, 2], hidden="identity", output="identity", loss="mse", seed=0)
    with pytest.raises(TrainingDivergedError, match=r"epoch \d+.*learning rate 100.*smaller"):
        net.fit(X, y, epochs=50, learning_rate=100.0, batch_size=50)
    assert issubclass(TrainingDivergedError, ValueError)


def test_a_sane_learning_rate_does_not_diverge():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 3)), rng.integers(0, 2, 50)
    net = MLP([3, 4, 2], hidden="identity", output="identity", loss="mse", seed=0)
    history = net.fit(X, y, epochs=50, learning_rate=0.01, batch_size=50)
    assert math.isfinite(history.loss[-1])


# ----------------------------------------------------------------- bad input

@pytest.fixture
def net():
    return MLP([3, 4, 2], seed=0)


GOOD_X = np.ones((4, 3))
GOOD_Y = np.array([0, 1, 1, 0])


@pytest.mark.parametrize("X, message", [
    (np.ones((4, 5)), r"5 features.*expects 3"),
    (np.ones((4, 3, 1)), r"2-D array of shape \(n_examples, 3\).*\(4, 3, 1\)"),
    (np.ones(3), r"2-D array"),
    (np.ones((0, 3)), r"empty"),
    (np.array([["a", "b", "c"]] * 4), r"must hold numbers"),
    (np.where(np.eye(4, 3) > 0, np.nan, 1.0), r"NaN or infinite"),
    (np.where(np.eye(4, 3) > 0, np.inf, 1.0), r"NaN or infinite"),
    ([[1, 2, 3], [4, 5]], r"could not be turned into an array|2-D"),
])
def test_bad_X_is_rejected_clearly(net, X, message):
    with pytest.raises(ValueError, match=message):
        net.forward(X)
    with pytest.raises(ValueError, match=message):
        net.fit(X, GOOD_Y[: len(X)], epochs=1, learning_rate=0.1)


def test_huge_finite_inputs_whose_sum_overflows_are_accepted(net):
    """check_X's quick test (a finite sum of squares) falls back to the elementwise one on overflow."""
    X = np.full((4, 3), 3e38, dtype=np.float32)  # each entry finite, their float32 squares are inf
    with np.errstate(over="ignore"):
        assert not np.isfinite(np.dot(X.ravel(), X.ravel()))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no overflow warning reaches the user
        assert net.forward(X).shape == (4, 2)
    X[1, 2] = -np.inf  # ... and a genuinely infinite entry among them is still caught
    with pytest.raises(ValueError, match=r"1 NaN or infinite"):
        net.forward(X)


def test_finite_check_finds_every_kind_of_bad_entry():
    """The quick test (a dot product) sees NaN, +inf and -inf anywhere, in both dtypes, and any length."""
    from mlp_from_scratch.validation import _all_finite
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        for n in (1, 7, 1000, 4099):  # odd lengths: BLAS kernels unroll, and leave a tail
            X = rng.standard_normal((n, 3)).astype(dtype)
            assert _all_finite(X)
            for bad in (np.nan, np.inf, -np.inf):
                for where in (0, n // 2, n - 1):
                    Y = X.copy()
                    Y[where, 2] = bad
                    flat = Y.reshape(-1)
                    with np.errstate(invalid="ignore", over="ignore"):
                        assert not np.isfinite(np.dot(flat, flat)), (dtype, n, bad, where)  # the quick path sees it
                    assert not _all_finite(Y), (dtype, n, bad, where)


@pytest.mark.parametrize("hidden", ["sigmoid", "relu", "tanh"])
def test_one_example_gradients_match_the_batch_formula(hidden):
    """backward's N = 1 path (an outer product) gives what the batch code gives for N = 2
    when both rows are that example."""
    net = MLP([5, 4, 3, 3], hidden=hidden, l1=1e-3, l2=1e-3, seed=1)
    x = np.random.default_rng(2).standard_normal((1, 5))
    dW1, db1 = net.gradients(x, [2])
    dW2, db2 = net.gradients(np.vstack([x, x]), [2, 2])
    for g1, g2 in zip(dW1 + db1, dW2 + db2):
        np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("y, message", [
    (np.array([0, 1, 0]), r"X has 4 examples but y has 3 labels"),
    (np.array([0, 1, 2, 0]), r"labels in \[0, 2\].*2 outputs.*0\.\.1"),
    (np.array([0, -1, 1, 0]), r"labels in \[-1, 1\]"),
    (np.array([0.0, 0.5, 1.0, 0.0]), r"integer class labels"),
    (np.array(["a", "b", "a", "b"]), r"integer class labels"),
    (np.zeros((4, 2), dtype=int), r"1-D array"),
])
def test_bad_y_is_rejected_clearly(net, y, message):
    with pytest.raises(ValueError, match=message):
        net.loss(GOOD_X, y)
    with pytest.raises(ValueError, match=message):
        net.fit(GOOD_X, y, epochs=1, learning_rate=0.1)


def test_float_labels_with_integer_values_are_accepted(net):
    assert net.loss(GOOD_X, GOOD_Y.astype(float)) == net.loss(GOOD_X, GOOD_Y)


@pytest.mark.parametrize("kwargs, message", [
    (dict(epochs=0), r"epochs must be a positive integer"),
    (dict(epochs=2.5), r"epochs must be a positive integer"),
    (dict(learning_rate=0.0), r"learning_rate must be a positive number"),
    (dict(learning_rate=-0.1), r"learning_rate must be a positive number"),
    (dict(learning_rate=float("nan")), r"learning_rate must be a positive number"),
    (dict(batch_size=0), r"batch_size must be a positive integer"),
    (dict(batch_size=-5), r"batch_size must be a positive integer"),
    (dict(max_steps=0), r"max_steps must be a positive integer"),
    (dict(train_metrics="all"), r"unknown train_metrics 'all'; valid choices are: 'running', 'full'"),
    (dict(validation_data=(GOOD_X,)), r"validation_data must be a pair"),
    (dict(validation_data=(np.ones((2, 5)), [0, 1])), r"5 features"),
    (dict(lr_schedule="fast"), r"lr_schedule must be None, a Schedule"),
])
def test_bad_training_arguments_are_rejected_clearly(net, kwargs, message):
    arguments = dict(epochs=1, learning_rate=0.1) | kwargs
    with pytest.raises(ValueError, match=message):
        net.fit(GOOD_X, GOOD_Y, **arguments)


@pytest.mark.parametrize("layer_sizes", [[3], [], [3, 0, 2], [3, -1], [3, 2.5], [3, True], "32",
                                         [[3, 2]], 5])
def test_invalid_layer_sizes(layer_sizes):
    with pytest.raises(ValueError, match=r"layer_sizes must list at least two positive integers"):
        MLP(layer_sizes)


@pytest.mark.parametrize("kwargs, message", [
    (dict(hidden="softplus"), r"unknown hidden activation 'softplus'; valid choices are: "
                              r"'identity', 'sigmoid', 'tanh', 'relu'"),
    (dict(output="tanh"), r"unknown output 'tanh'; valid choices are: 'softmax', 'sigmoid', 'identity'"),
    (dict(loss="hinge"), r"unknown loss 'hinge'; valid choices are: 'cross_entropy', 'mse'"),
    (dict(output="identity", loss="cross_entropy"), r"cannot follow output 'identity'.*'softmax', 'sigmoid'"),
    (dict(l1=-0.1), r"l1 must be a non-negative number"),
    (dict(l2=float("inf")), r"l2 must be a non-negative number"),
    (dict(dtype=np.int32), r"dtype must be np.float32 or np.float64"),
    (dict(dtype=np.float16), r"dtype must be np.float32 or np.float64"),
    (dict(init="lecun"), r"init must be 'auto', 'he', 'glorot' or a positive standard deviation"),
    (dict(init=-1.0), r"init must be"),
])
def test_invalid_configuration(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MLP([3, 4, 2], **kwargs)


def test_replaced_weights_of_the_wrong_shape_or_dtype(net):
    net.weights[0] = np.ones((4, 3))
    with pytest.raises(ValueError, match=r"weights\[0\] must have shape \(3, 4\)"):
        net.forward(GOOD_X)
    net.weights[0] = np.ones((3, 4), dtype=np.float32)
    with pytest.raises(ValueError, match=r"dtype float64.*net.weights\[0\]\[\.\.\.\] = W"):
        net.forward(GOOD_X)
