"""A scikit-learn classifier wrapping :class:`~mlp_from_scratch.network.MLP`.

``MLPClassifier`` speaks scikit-learn's language: any labels (integers, strings,
...) are mapped to 0..K-1 with a ``LabelEncoder``, inputs are checked with
``validate_data``, and every hyperparameter is a constructor argument, so that
``GridSearchCV``, ``cross_val_score`` and ``Pipeline`` work on it unchanged.

>>> from sklearn.datasets import load_digits
>>> from sklearn.model_selection import cross_val_score
>>> from mlp_from_scratch import MLPClassifier
>>> X, y = load_digits(return_X_y=True)
>>> clf = MLPClassifier(hidden_layer_sizes=(50,), learning_rate=0.05, epochs=10, random_state=0)
>>> scores = cross_val_score(clf, X / 16, y, cv=3)
"""

from __future__ import annotations

import copy
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .network import MLP
from .training import hold_out
from .validation import check_number

__all__ = ["MLPClassifier"]


def _seed_from_random_state(random_state):
    """An integer seed (or None) for :class:`MLP` from a scikit-learn ``random_state``.

    Integers and None pass through unchanged; a ``RandomState`` instance is asked
    for a fresh integer, as scikit-learn estimators do.
    """
    if random_state is None or (isinstance(random_state, numbers.Integral)
                                and not isinstance(random_state, bool)):
        return random_state
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _has_probabilities(estimator):
    """``predict_proba`` exists only for outputs that are probabilities."""
    return estimator.output in ("softmax", "sigmoid")


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """Multilayer perceptron classifier trained by minibatch gradient descent.

    The network has one input unit per feature, the hidden layers given by
    ``hidden_layer_sizes`` and one output unit per class, also for two classes
    (a two-unit softmax rather than a single logistic unit).

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
        Units of each hidden layer; ``()`` gives a linear (softmax regression) model.
    activation : {"relu", "sigmoid", "tanh", "identity"}, default "relu"
        Hidden activation f.
    output : {"softmax", "sigmoid", "identity"}, default "softmax"
        Output function F.
    loss : {"cross_entropy", "mse"}, default "cross_entropy"
        Per-example data loss.
    l1, l2 : float, default 0.0
        Penalty coefficients (objective: mean loss + l1 sum|W| + l2 sum W^2).
    learning_rate : float, default 0.1
        Step size eta (the initial one, when a schedule is given), for every optimiser.
    epochs : int, default 20
        Passes over the training data.
    batch_size : int, default 100
        Examples per SGD step.
    lr_schedule : None, Schedule or callable epoch -> rate, default None
        See :mod:`mlp_from_scratch.schedules`; copied before every fit.
    shuffle : bool, default True
        Visit the examples in a new random order every epoch.
    optimizer : None, str or Optimizer, default None
        None is plain SGD; or one of "sgd", "momentum", "nesterov", "rmsprop",
        "adam", "adamw" (see :mod:`mlp_from_scratch.optimizers`); an optimiser
        object is copied before every fit.
    dropout : float or tuple of float, default 0.0
        Dropout rate of the hidden layers (one for all, or one per hidden layer).
    early_stopping : None or int, default None
        Patience: hold out ``validation_fraction`` of the training data, stop when
        its loss has not improved for this many epochs, and keep the best weights.
    validation_fraction : float in (0, 1), default 0.1
        Share of the training data held out for early stopping (unused without it).
    init : "auto", "he", "glorot" or float, default "auto"
        Initial weights (see :class:`MLP`).
    dtype : np.float64, np.float32, "float64" or "float32", default np.float64
        Floating-point type of the network and of everything it computes.
    random_state : int, RandomState instance or None, default None
        Seeds the initial weights and the shuffling: equal integers give
        identical fits.
    verbose : bool, default False
        Show a progress bar while fitting.

    Attributes
    ----------
    classes_ : ndarray, shape (K,)
        The class labels; output unit k stands for ``classes_[k]``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names, when ``fit`` was given a DataFrame with string column names.
    net_ : MLP
        The trained network.
    history_ : History
        Per-epoch training loss and accuracy.
    n_iter_ : int
        Number of epochs run.
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", output="softmax",
                 loss="cross_entropy", l1=0.0, l2=0.0, learning_rate=0.1, epochs=20,
                 batch_size=100, lr_schedule=None, shuffle=True, optimizer=None, dropout=0.0,
                 early_stopping=None, validation_fraction=0.1, init="auto",
                 dtype=np.float64, random_state=None, verbose=False):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.output = output
        self.loss = loss
        self.l1 = l1
        self.l2 = l2
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr_schedule = lr_schedule
        self.shuffle = shuffle
        self.optimizer = optimizer
        self.dropout = dropout
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.init = init
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose

    # ----------------------------------------------------------------- helpers
    def _hidden_sizes(self):
        """``hidden_layer_sizes`` as a list, accepting a single int too."""
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            return [int(sizes)]
        try:
            return list(sizes)
        except TypeError:
            raise ValueError("hidden_layer_sizes must be a tuple of positive integers, e.g. "
                             f"(100,) or (64, 32); got {sizes!r}") from None

    def _check_X(self, X):
        """Validate ``X`` against what ``fit`` saw and cast it to the network's dtype."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        return X.astype(self.net_.dtype, copy=False)

    # --------------------------------------------------------------------- API
    def fit(self, X, y):
        """Train a fresh network on ``(X, y)``.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)
        y : array-like, shape (n_samples,)
            Class labels of any type scikit-learn accepts (ints, strings, ...).

        Returns
        -------
        self
        """
        dtype = np.dtype(self.dtype)
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32))
        check_classification_targets(y)
        encoder = LabelEncoder()
        y_index = encoder.fit_transform(y)
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                "MLPClassifier needs examples of at least 2 classes, but y contains only one "
                f"class: {self.classes_[0]}")
        layer_sizes = [X.shape[1], *self._hidden_sizes(), len(self.classes_)]
        seed = _seed_from_random_state(self.random_state)
        self.net_ = MLP(layer_sizes, hidden=self.activation, output=self.output, loss=self.loss,
                        l1=self.l1, l2=self.l2, seed=seed, dtype=dtype, init=self.init,
                        dropout=self.dropout)
        X = X.astype(dtype, copy=False)
        validation_data = None
        if self.early_stopping is not None:
            check_number("validation_fraction", self.validation_fraction, "(0, 1)")
            (X, y_index), validation_data = hold_out(X, y_index, self.validation_fraction, seed)
        self.history_ = self.net_.fit(
            X, y_index, epochs=self.epochs, learning_rate=self.learning_rate,
            batch_size=self.batch_size, lr_schedule=copy.deepcopy(self.lr_schedule),
            shuffle=self.shuffle, optimizer=copy.deepcopy(self.optimizer),
            validation_data=validation_data, early_stopping=self.early_stopping,
            progress=bool(self.verbose))
        self.n_iter_ = self.history_.epochs
        return self

    @available_if(_has_probabilities)
    def predict_proba(self, X):
        """Class probabilities, shape (n_samples, K), columns in the order of ``classes_``.

        Softmax outputs are probabilities already; sigmoid outputs (one
        independent probability per class) are divided by their row sum.
        """
        X = self._check_X(X)
        a = self.net_.forward(X)
        if self.output == "sigmoid":
            a = a / a.sum(axis=1, keepdims=True)
        return a

    @available_if(_has_probabilities)
    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predicted class labels, taken from ``classes_``: the most active output unit."""
        X = self._check_X(X)
        return self.classes_[np.argmax(self.net_.forward(X), axis=1)]
