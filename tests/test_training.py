"""The training module: optimisers through fit, dropout, early stopping, callbacks."""

import numpy as np
import pytest
from conftest import make_classification

from mlp_from_scratch import MLP, Adam, EarlyStopping, History, Momentum, train
from mlp_from_scratch.gradcheck import numerical_gradient, relative_error
from mlp_from_scratch.optimizers import OPTIMIZERS
from mlp_from_scratch.training import Callback


@pytest.fixture
def blobs():
    return make_classification(n_examples=60, n_features=4, n_classes=3, seed=1)


# ------------------------------------------------------------------ optimisers
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_trains_through_fit(blobs, name):
    X, y = blobs
    net = MLP([4, 8, 3], seed=0)
    lr = 0.01 if name in ("rmsprop", "adam", "adamw") else 0.1
    history = net.fit(X, y, epochs=15, learning_rate=lr, batch_size=10, optimizer=name)
    assert history.loss[-1] < 0.5 * history.loss[0]


def test_fit_without_shuffling_is_the_manual_loop_in_order(blobs):
    """fit(shuffle=False) visits the examples in order: the same steps as a hand-written loop."""
    X, y = blobs
    fitted, manual = MLP([4, 6, 3], seed=3), MLP([4, 6, 3], seed=3)
    fitted.fit(X, y, epochs=2, learning_rate=0.01, batch_size=7, shuffle=False, optimizer=Adam())
    opt = Adam()
    for _ in range(2):
        for start in range(0, len(X), 7):
            dW, db = manual.gradients(X[start:start + 7], y[start:start + 7])
            opt.step(manual.parameters(), dW + db, 0.01)
    for a, b in zip(fitted.parameters(), manual.parameters()):
        np.testing.assert_array_equal(a, b)


def test_optimizer_state_carries_over_and_schedules_apply(blobs):
    X, y = blobs
    opt = Momentum(beta=0.5)
    net = MLP([4, 3], seed=0)
    history = net.fit(X, y, epochs=3, learning_rate=0.1, optimizer=opt, lr_schedule=lambda e: 0.1 / (e + 1))
    assert opt.t == 3 * 1  # one full batch per epoch (batch_size 100 > 60 examples)
    assert history.learning_rate == pytest.approx([0.1, 0.05, 0.1 / 3])


def test_unknown_optimizer_is_a_clear_error(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="unknown optimizer 'adagrad'.*'sgd', 'momentum'"):
        MLP([4, 3]).fit(X, y, epochs=1, learning_rate=0.1, optimizer="adagrad")


def test_train_function_and_fit_are_the_same(blobs):
    X, y = blobs
    a, b = MLP([4, 5, 3], seed=2), MLP([4, 5, 3], seed=2)
    ha = train(a, X, y, epochs=2, learning_rate=0.1, batch_size=9, optimizer="nesterov")
    hb = b.fit(X, y, epochs=2, learning_rate=0.1, batch_size=9, optimizer="nesterov")
    assert ha.as_dict() == hb.as_dict()
    for p, q in zip(a.weights, b.weights):
        np.testing.assert_array_equal(p, q)


# --------------------------------------------------------------------- dropout
def with_fixed_masks(net, state, fn):
    """Run ``fn`` with the network's generator reset: every training pass draws the same masks."""
    net.rng.bit_generator.state = state
    return fn()


@pytest.mark.parametrize("hidden", ["tanh", "sigmoid", "relu"])
def test_dropout_gradients_with_a_fixed_mask_match_central_differences(hidden):
    net = MLP([4, 6, 5, 3], hidden=hidden, dropout=[0.5, 0.3], l2=0.01, seed=4)
    rng = np.random.default_rng(0)
    for b in net.biases:
        b[...] = 0.1 * rng.standard_normal(b.shape)
    X = rng.standard_normal((5, 4))
    y = np.array([0, 2, 1, 1, 0])
    state = net.rng.bit_generator.state

    def objective():
        return net.data_loss(net.forward_pass(X, training=True), y) + net.penalty()

    cache = with_fixed_masks(net, state, lambda: net.forward_pass(X, training=True))
    assert [l for l, d in enumerate(cache.dropout) if d is not None] == [1, 2]  # both hidden layers
    for l in (1, 2):
        mask, a = cache.dropout[l]
        rate = net.dropout_rates[l - 1]
        assert set(np.unique(mask)) <= {0.0, np.float64(1 / (1 - rate))}
        np.testing.assert_array_equal(cache.activations[l], a * mask)
    dW, db = net.backward(cache, y)
    for g, p in zip(dW + db, net.parameters()):
        numeric = numerical_gradient(lambda _: with_fixed_masks(net, state, objective), p)
        assert relative_error(g, numeric) <= 1e-7


def test_inverted_dropout_keeps_the_expected_activation():
    """E[a~] = a: the mean over M independent masks is within 5 standard errors of a,
    where one draw has standard deviation a sqrt(p / (1 - p))."""
    p, M = 0.4, 20000
    net = MLP([3, 50, 2], hidden="sigmoid", dropout=p, seed=5)
    x = np.random.default_rng(1).standard_normal((1, 3))
    X = np.repeat(x, M, axis=0)  # the same example M times: M independent masks in one pass
    dropped = net.forward_pass(X, training=True)[0][1]
    a = net.forward_pass(x)[0][1][0]
    standard_error = a * np.sqrt(p / (1 - p) / M)
    assert np.all(np.abs(dropped.mean(axis=0) - a) <= 5 * standard_error)
    kept = np.count_nonzero(dropped) / dropped.size  # and the drop rate is p
    assert abs(kept - (1 - p)) <= 5 * np.sqrt(p * (1 - p) / dropped.size)


def test_zero_dropout_is_bit_identical_to_no_dropout(blobs):
    X, y = blobs
    runs = []
    for kwargs in ({}, {"dropout": 0.0}, {"dropout": [0.0, 0.0]}):
        net = MLP([4, 6, 5, 3], seed=7, **kwargs)
        history = net.fit(X, y, epochs=3, learning_rate=0.1, batch_size=8)
        runs.append((history.loss, [W.copy() for W in net.parameters()]))
    for loss, params in runs[1:]:
        assert loss == runs[0][0]
        for p, q in zip(params, runs[0][1]):
            np.testing.assert_array_equal(p, q)


def test_inference_ignores_dropout(blobs):
    X, y = blobs
    dropped, plain = MLP([4, 6, 3], dropout=0.5, seed=1), MLP([4, 6, 3], seed=1)
    dropped.fit(X, y, epochs=3, learning_rate=0.1, batch_size=10)
    for W, V in zip(plain.parameters(), dropped.parameters()):
        W[...] = V
    np.testing.assert_array_equal(dropped.predict_proba(X), plain.predict_proba(X))
    np.testing.assert_array_equal(dropped.predict_proba(X), dropped.predict_proba(X))
    assert dropped.loss(X, y) == plain.loss(X, y)
    (dW, db), (dV, dc) = dropped.gradients(X, y), plain.gradients(X, y)
    for g, h in zip(dW + db, dV + dc):
        np.testing.assert_array_equal(g, h)


def test_dropout_is_seeded_and_only_where_asked(blobs):
    X, y = blobs
    a, b = (MLP([4, 6, 5, 3], dropout=[0.0, 0.5], seed=2) for _ in range(2))
    ha = a.fit(X, y, epochs=2, learning_rate=0.1, batch_size=10)
    hb = b.fit(X, y, epochs=2, learning_rate=0.1, batch_size=10)
    assert ha.loss == hb.loss
    cache = a.forward_pass(a.check_inputs(X), training=True)
    assert [l for l, d in enumerate(cache.dropout) if d is not None] == [2]
    assert "dropout=[0.0, 0.5]" in repr(a)


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5, float("nan"), "0.5", True, [0.5], [0.1, 0.2, 0.3], [[0.1, 0.2]]])
def test_bad_dropout_is_rejected(bad):
    with pytest.raises(ValueError, match="dropout"):
        MLP([4, 6, 5, 3], dropout=bad)


def test_dropout_keeps_float32():
    net = MLP([4, 6, 3], dropout=0.3, dtype=np.float32, seed=0)
    cache = net.forward_pass(np.ones((5, 4), dtype=np.float32), training=True)
    assert cache.activations[1].dtype == np.float32 and cache.logits.dtype == np.float32
    assert cache.dropout[1][0].dtype == np.float32
    dW, db = net.backward(cache, np.array([0, 1, 2, 0, 1]))
    assert {g.dtype for g in dW + db} == {np.dtype(np.float32)}


# -------------------------------------------------------------- early stopping
def overfitting_problem():
    """Few training examples with random labels: the validation loss soon rises."""
    rng = np.random.default_rng(0)
    X_train, X_val = rng.standard_normal((30, 5)), rng.standard_normal((30, 5))
    return (X_train, rng.integers(0, 3, 30)), (X_val, rng.integers(0, 3, 30))


class Snapshots(Callback):
    def on_train_begin(self, net, history):
        self.parameters = []

    def on_epoch_end(self, net, epoch, history):
        self.parameters.append([p.copy() for p in net.parameters()])


def test_early_stopping_restores_exactly_the_best_weights():
    (X, y), validation = overfitting_problem()
    net = MLP([5, 40, 3], seed=0)
    snapshots = Snapshots()
    history = net.fit(X, y, epochs=200, learning_rate=0.2, batch_size=10, validation_data=validation,
                      callbacks=[snapshots], early_stopping=EarlyStopping(patience=3))
    best = int(np.argmin(history.val_loss)) + 1
    assert history.best_epoch == best
    assert history.stopped_epoch == best + 3 == history.epochs < 200
    for p, kept in zip(net.parameters(), snapshots.parameters[best - 1]):
        np.testing.assert_array_equal(p, kept)
    assert net.evaluate(*validation)[0] == history.val_loss[best - 1]
    assert f"best_epoch={best}" in repr(history)


def test_early_stopping_as_a_patience_and_when_it_never_triggers(blobs):
    X, y = blobs
    net = MLP([4, 3], seed=0)
    history = net.fit(X, y, epochs=5, learning_rate=0.05, validation_data=(X, y), early_stopping=10)
    assert history.stopped_epoch is None and history.epochs == 5
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1
    assert history.as_dict()["best_epoch"] == history.best_epoch


def test_min_delta_counts_small_improvements_as_none():
    (X, y), validation = overfitting_problem()
    history = MLP([5, 40, 3], seed=0).fit(X, y, epochs=200, learning_rate=0.2, batch_size=10,
                                          validation_data=validation,
                                          early_stopping=EarlyStopping(patience=2, min_delta=10.0))
    assert history.best_epoch == 1 and history.stopped_epoch == 3


@pytest.mark.parametrize("kwargs, message", [
    (dict(early_stopping=3), "early_stopping needs validation_data"),
    (dict(early_stopping=0, validation_data="v"), "patience must be a positive integer"),
    (dict(early_stopping=-2, validation_data="v"), "patience must be a positive integer"),
    (dict(early_stopping=2.5, validation_data="v"), "early_stopping must be None, a patience"),
    (dict(callbacks=[3]), "callbacks must hold"),
])
def test_bad_early_stopping_and_callbacks_are_rejected(blobs, kwargs, message):
    X, y = blobs
    if kwargs.get("validation_data") == "v":
        kwargs["validation_data"] = (X, y)
    with pytest.raises(ValueError, match=message):
        MLP([4, 3]).fit(X, y, epochs=2, learning_rate=0.1, **kwargs)


@pytest.mark.parametrize("bad", [0, -1, 1.5, None])
def test_early_stopping_rejects_bad_patience(bad):
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=bad)


def test_early_stopping_rejects_negative_min_delta():
    with pytest.raises(ValueError, match="min_delta"):
        EarlyStopping(min_delta=-0.1)


def test_a_function_callback_can_stop_training(blobs):
    X, y = blobs
    seen = []

    def stop_after_two(net, epoch, history):
        seen.append((epoch, history.epochs))
        return epoch == 2

    history = MLP([4, 3], seed=0).fit(X, y, epochs=10, learning_rate=0.1, callbacks=stop_after_two)
    assert seen == [(1, 1), (2, 2)] and history.epochs == 2 and isinstance(history, History)
