"""MLPClassifier: scikit-learn's estimator checks, model selection, and our additions."""

import pickle

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import mlp_from_scratch  # noqa: E402
from mlp_from_scratch import MLP, History, StepDecay  # noqa: E402
from mlp_from_scratch.estimator import MLPClassifier  # noqa: E402


def small(**kwargs):
    """A classifier small and quick enough for the test suite."""
    params = dict(hidden_layer_sizes=(10,), epochs=30, batch_size=32, learning_rate=0.1,
                  random_state=0)
    return MLPClassifier(**(params | kwargs))


@parametrize_with_checks([small(), small(dtype="float32", hidden_layer_sizes=(8, 6)),
                          small(optimizer="adam", learning_rate=0.01, dropout=0.1, early_stopping=3)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def digits():
    """A 600-example subset of the 8x8 digits, pixels scaled to [0, 1]."""
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


def test_exported_from_the_package():
    assert mlp_from_scratch.MLPClassifier is MLPClassifier


def test_default_parameters():
    params = MLPClassifier().get_params()
    assert params["hidden_layer_sizes"] == (100,)
    assert params["activation"] == "relu" and params["output"] == "softmax"
    assert params["loss"] == "cross_entropy"
    assert params["l1"] == params["l2"] == 0.0
    assert params["learning_rate"] == 0.1 and params["batch_size"] == 100


def test_fit_exposes_the_network_and_its_history(blobs):
    X, y = blobs
    clf = small(hidden_layer_sizes=(7, 5)).fit(X, y)
    assert isinstance(clf.net_, MLP)
    assert clf.net_.layer_sizes == [4, 7, 5, 3]
    assert isinstance(clf.history_, History) and clf.history_.epochs == 30 == clf.n_iter_
    assert clf.n_features_in_ == 4
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.history_.loss[-1] < clf.history_.loss[0]
    assert clf.score(X, y) > 0.9


def test_string_labels_come_back_as_strings(blobs):
    X, y = blobs
    names = np.array(["cat", "dog", "emu"])[y]
    clf = small().fit(X, names)
    np.testing.assert_array_equal(clf.classes_, ["cat", "dog", "emu"])
    predictions = clf.predict(X)
    assert set(predictions) <= {"cat", "dog", "emu"}
    assert np.mean(predictions == names) > 0.9
    # column k of predict_proba belongs to classes_[k]
    np.testing.assert_array_equal(clf.classes_[clf.predict_proba(X).argmax(axis=1)], predictions)


def test_arbitrary_integer_labels_are_encoded(blobs):
    X, y = blobs
    labels = np.array([-7, 3, 100])[y]
    clf = small().fit(X, labels)
    np.testing.assert_array_equal(clf.classes_, [-7, 3, 100])
    assert clf.net_.layer_sizes[-1] == 3
    assert np.mean(clf.predict(X) == labels) > 0.9


def test_binary_problems_use_two_softmax_outputs(blobs):
    X, y = blobs
    binary = (y == 1).astype(int)
    clf = small().fit(X, binary)
    assert clf.net_.layer_sizes[-1] == 2
    P = clf.predict_proba(X)
    assert P.shape == (len(X), 2)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), P, rtol=1e-12)


def test_a_single_class_is_an_error_naming_the_class(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match=r"at least 2 classes.*only one class: only$"):
        small().fit(X, ["only"] * len(X))


def test_integer_and_float32_inputs(blobs):
    X, y = blobs
    X_int = np.round(X * 10).astype(np.int64)
    clf = small().fit(X_int, y)
    assert clf.net_.dtype == np.float64
    assert clf.predict_proba(X_int).dtype == np.float64
    clf32 = small(dtype=np.float32).fit(X_int, y)
    assert clf32.net_.dtype == np.float32
    assert {W.dtype for W in clf32.net_.weights} == {np.dtype(np.float32)}
    assert clf32.predict_proba(X.astype(np.float64)).dtype == np.float32


def test_same_random_state_same_fit_other_state_other_fit(blobs):
    X, y = blobs
    a, b, c = small(random_state=3).fit(X, y), small(random_state=3).fit(X, y), small(random_state=4).fit(X, y)
    assert a.history_.as_dict() == b.history_.as_dict()
    assert a.net_.weights[0].tobytes() == b.net_.weights[0].tobytes()
    assert a.history_.loss != c.history_.loss


def test_random_state_instances_are_accepted(blobs):
    X, y = blobs
    a = small(random_state=np.random.RandomState(0)).fit(X, y)
    b = small(random_state=np.random.RandomState(0)).fit(X, y)
    assert a.history_.loss == b.history_.loss


def test_lr_schedule_is_used_but_not_modified(blobs):
    X, y = blobs
    schedule = StepDecay(0.5)
    clf = small(epochs=3, lr_schedule=schedule).fit(X, y)
    np.testing.assert_allclose(clf.history_.learning_rate, [0.1, 0.05, 0.025])
    assert not hasattr(schedule, "rate")  # fit worked on a copy


def test_sigmoid_outputs_give_normalised_probabilities(blobs):
    X, y = blobs
    clf = small(output="sigmoid").fit(X, y)
    P = clf.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(P.argmax(axis=1), clf.net_.forward(X).argmax(axis=1))


def test_identity_outputs_have_no_probabilities(blobs):
    X, y = blobs
    clf = small(output="identity", loss="mse", learning_rate=0.02).fit(X, y)
    assert not hasattr(clf, "predict_proba")
    assert clf.score(X, y) > 0.8


def test_no_hidden_layer_is_softmax_regression(blobs):
    X, y = blobs
    clf = small(hidden_layer_sizes=()).fit(X, y)
    assert clf.net_.layer_sizes == [4, 3]


def test_hidden_layer_sizes_may_be_a_single_int(blobs):
    X, y = blobs
    assert small(hidden_layer_sizes=12).fit(X, y).net_.layer_sizes == [4, 12, 3]


@pytest.mark.parametrize("params, message", [
    (dict(activation="swish"), r"unknown hidden activation 'swish'; valid choices are"),
    (dict(learning_rate=0), r"learning_rate must be a positive number"),
    (dict(epochs=0), r"epochs must be a positive integer"),
    (dict(batch_size=-1), r"batch_size must be a positive integer"),
    (dict(hidden_layer_sizes=(0,)), r"layer_sizes must list"),
    (dict(hidden_layer_sizes=None), r"hidden_layer_sizes must be a tuple of positive integers"),
    (dict(dtype="int32"), r"dtype must be np.float32 or np.float64"),
    (dict(optimizer="adagrad"), r"unknown optimizer 'adagrad'; valid choices are: 'sgd'"),
    (dict(dropout=1.0), r"dropout must be a rate in \[0, 1\)"),
    (dict(early_stopping=0), r"patience must be a positive integer"),
    (dict(early_stopping=2, validation_fraction=1.0), r"validation_fraction must be a number in \(0, 1\)"),
])
def test_bad_parameters_fail_at_fit_with_clear_messages(blobs, params, message):
    X, y = blobs
    clf = small(**params)  # constructing never fails (scikit-learn convention)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)


def test_wrong_feature_count_after_fit(blobs):
    X, y = blobs
    clf = small().fit(X, y)
    with pytest.raises(ValueError, match=r"X has 3 features, but MLPClassifier is expecting 4"):
        clf.predict(X[:, :3])


def test_unfitted_predict_raises_not_fitted(blobs):
    with pytest.raises(NotFittedError):
        small().predict(blobs[0])


def test_pickle_and_clone(blobs):
    X, y = blobs
    clf = small(output="sigmoid").fit(X, y)
    copy = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    fresh = clone(clf)
    assert fresh.get_params() == clf.get_params()
    assert not hasattr(fresh, "net_")


def test_pipeline(blobs):
    X, y = blobs
    pipe = make_pipeline(StandardScaler(), small()).fit(X * 100 + 5, y)
    assert pipe.score(X * 100 + 5, y) > 0.9


def test_grid_search_over_the_seed_000_grid(digits):
    """The grid of seed 000: l1, l2 in {0, 1e-3}, learning rate in {0.01, 0.05}."""
    X, y = digits
    grid = {"l1": [0, 1e-3], "l2": [0, 1e-3], "learning_rate": [0.01, 0.05]}
    search = GridSearchCV(MLPClassifier(hidden_layer_sizes=(30,), epochs=10, batch_size=50,
                                        random_state=0), grid, cv=3)
    search.fit(X, y)
    results = search.cv_results_
    assert len(results["params"]) == 8
    assert set(search.best_params_) == {"l1", "l2", "learning_rate"}
    # in 10 short epochs the larger rate wins in every cell of the grid
    fast = [score for params, score in zip(results["params"], results["mean_test_score"])
            if params["learning_rate"] == 0.05]
    slow = [score for params, score in zip(results["params"], results["mean_test_score"])
            if params["learning_rate"] == 0.01]
    assert min(fast) > max(slow)
    assert search.best_score_ > 0.6  # chance is 0.1
    assert search.best_estimator_.score(X, y) > search.best_score_ - 0.1


def test_cross_val_score(digits):
    X, y = digits
    scores = cross_val_score(small(hidden_layer_sizes=(30,), learning_rate=0.1, epochs=10), X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.min() > 0.7


def test_optimizer_dropout_and_early_stopping_reach_the_network(blobs):
    X, y = blobs
    from mlp_from_scratch.optimizers import Adam
    opt = Adam()
    clf = small(optimizer=opt, dropout=(0.2,), early_stopping=2, validation_fraction=0.25,
                epochs=200).fit(X, y)
    assert opt.t == 0, "the estimator trains a copy of the optimiser, never the parameter itself"
    assert clf.net_.dropout_rates == [0.2]
    history = clf.history_
    assert len(history.val_loss) == history.epochs and history.best_epoch is not None
    assert history.stopped_epoch is None or history.stopped_epoch == history.best_epoch + 2
    assert clf.score(X, y) > 0.9


def test_grid_search_over_optimizer_dropout_and_early_stopping(digits):
    X, y = digits
    grid = {"optimizer": ["sgd", "adam"], "dropout": [0.0, 0.2], "early_stopping": [None, 3]}
    search = GridSearchCV(MLPClassifier(hidden_layer_sizes=(20,), epochs=5, batch_size=50,
                                        learning_rate=0.01, random_state=0), grid, cv=2)
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 8
    assert set(search.best_params_) == {"optimizer", "dropout", "early_stopping"}
    # with the small rate 0.01, Adam's normalised steps learn faster than SGD's in 5 epochs
    scores = dict(zip(map(lambda p: (p["optimizer"], p["dropout"], p["early_stopping"]),
                          search.cv_results_["params"]), search.cv_results_["mean_test_score"]))
    assert scores["adam", 0.0, None] > scores["sgd", 0.0, None]
