"""The multilayer perceptron: its parameters, forward pass and backpropagation.

Notation (the book's, mirrored in the code). Layers are numbered l = 1..L; in the
lists below they are ``weights[l - 1]``. For one example (column vectors)

    z^l = (W^l)^T a^{l-1} + b^l,     a^l = f(z^l),     a^L = F(z^L),

with a^0 = x. For a minibatch the examples are the *rows* of ``a`` and the same
equation reads ``z = a @ W + b``; ``W`` has shape ``(n_in, n_out)``.

Backpropagation (mean loss over the N examples of a batch) returns the gradients:

    delta^L = dl/dz^L / N        (= (a^L - y) / N for a canonical output/loss pair)
    dW^l    = (a^{l-1})^T delta^l,    db^l = (delta^l)^T 1
    delta^{l-1} = (delta^l (W^l)^T) * f'(z^{l-1})

What to do with them is the business of the training loop and the optimisers
(:mod:`mlp_from_scratch.training`, :mod:`mlp_from_scratch.optimizers`).
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np

from .activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from .losses import LOSSES, output_delta, per_example_loss
from .regularization import l1_penalty, l1_subgradient, l2_gradient, l2_penalty
from .training import train
from .validation import check_choice, check_number, check_X, check_y

__all__ = ["MLP", "Cache"]

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class Cache(NamedTuple):
    """What :meth:`MLP.forward_pass` keeps for :meth:`MLP.backward`.

    activations : list of L + 1 arrays, ``activations[l]`` of shape (N, n_l)
        a^0 = X, ..., a^L. A hidden layer dropped in a training pass holds
        a~^l = r^l * a^l / (1 - p), the input the next layer saw.
    logits : ndarray, shape (N, n_L)
        z^L, from which the losses are computed stably.
    dropout : list of L + 1 entries
        ``dropout[l]`` is None, or for a dropped hidden layer the pair
        ``(mask, a)``: the scaled mask r^l / (1 - p) and a^l before dropout.
    """

    activations: list
    logits: np.ndarray
    dropout: list


def _dropout_rates(dropout, n_hidden):
    """One dropout rate per hidden layer, each in [0, 1)."""
    rates = [dropout] * n_hidden if np.ndim(dropout) == 0 else list(dropout)
    try:
        if np.ndim(dropout) > 1 or len(rates) != n_hidden:
            raise ValueError
        return [float(check_number("dropout", p, "[0, 1)")) for p in rates]
    except ValueError:
        raise ValueError(f"dropout must be a rate in [0, 1) or a sequence of {n_hidden} such rates "
                         f"(one per hidden layer); got {dropout!r}") from None


def _init_std(init, activation, n_in, n_out):
    """Standard deviation of the Gaussian initial weights of one layer."""
    if init == "auto":  # also Glorot for sigmoid units, whose scale the book does not derive
        init = "he" if activation == "relu" else "glorot"
    if init == "he":  # keeps the variance of relu pre-activations constant across layers
        return math.sqrt(2.0 / n_in)
    if init == "glorot":  # balances forward and backward variance for tanh units near z = 0;
        # for sigmoid units (slope <= 1/4) it gives backward gains <= 1/16 at equal widths
        return math.sqrt(2.0 / (n_in + n_out))
    if isinstance(init, numbers.Real) and not isinstance(init, bool) and init > 0:
        return float(init)
    raise ValueError(f"init must be 'auto', 'he', 'glorot' or a positive standard deviation; got {init!r}")


class MLP:
    """A fully connected feed-forward network, trained by minibatch gradient descent.

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, input first, e.g. ``[784, 50, 10]``; any depth >= 1 layer
        of weights.
    hidden : {"relu", "sigmoid", "tanh", "identity"}
        Activation f of every hidden layer.
    output : {"softmax", "sigmoid", "identity"}
        Output function F.
    loss : {"cross_entropy", "mse"}
        Per-example data loss: cross-entropy (for sigmoid outputs: binary
        cross-entropy summed over the units) or 1/2 sum_k (a_k - y_k)^2.
    l1, l2 : float
        Penalty coefficients: the objective is mean data loss
        + l1 * sum |W| + l2 * sum W**2 over all weight matrices (not biases).
    seed : int or None
        Seeds the initial weights, the shuffling of ``fit`` and the dropout masks
        (one generator, ``net.rng``): equal seeds give identical runs.
    dtype : numpy float dtype
        ``np.float64`` (gradient checks) or ``np.float32`` (speed). Every array
        the network creates has this dtype.
    init : "auto", "he", "glorot" or float
        Initial weights N(0, std^2): He for relu, Glorot otherwise ("auto"), or a
        given standard deviation. Biases start at zero. Glorot's scale is derived
        for tanh units; "auto" uses it for sigmoid units too, where it keeps the
        units unsaturated but makes the deltas shrink with depth (the book's
        initialisation chapter): it suits shallow sigmoid networks, not deep ones.
    dropout : float or sequence of float, each in [0, 1)
        Dropout rate p of the hidden layers (the probability of *dropping* a
        unit): one rate for every hidden layer or one per hidden layer. Inverted
        dropout, a~ = r * a / (1 - p) with r ~ Bernoulli(1 - p), applied only in
        training passes (``forward_pass(X, training=True)``, which ``fit`` uses);
        prediction, ``loss`` and ``gradients`` are deterministic. The masks are
        drawn from the network's seeded generator.

    Attributes
    ----------
    weights : list of ndarray, ``weights[l]`` of shape ``(layer_sizes[l], layer_sizes[l + 1])``
    biases : list of ndarray, ``biases[l]`` of shape ``(layer_sizes[l + 1],)``
    f : Activation
        The hidden activation: ``f(z)`` and ``f.derivative(a)``.
    F : OutputActivation
        The output function: ``F(z)``.
    """

    def __init__(self, layer_sizes, hidden="relu", output="softmax", loss="cross_entropy",
                 l1=0.0, l2=0.0, seed=None, dtype=np.float64, init="auto", dropout=0.0):
        try:
            if np.ndim(layer_sizes) != 1 or len(layer_sizes) < 2:
                raise ValueError
            self.layer_sizes = [int(check_number("a layer size", n, integer=True)) for n in layer_sizes]
        except ValueError:
            raise ValueError("layer_sizes must list at least two positive integers (inputs, ..., outputs), "
                             f"e.g. [784, 50, 10]; got {layer_sizes!r}") from None
        self.hidden = hidden
        self.output = output
        self.loss_name = loss
        self.f = check_choice("hidden activation", hidden, HIDDEN_ACTIVATIONS)
        self.F = check_choice("output", output, OUTPUT_ACTIVATIONS)
        check_choice("loss", loss, {name: None for _, name in LOSSES})
        if (output, loss) not in LOSSES:
            raise ValueError(
                f"loss {loss!r} cannot follow output {output!r}; it works with outputs "
                f"{', '.join(repr(o) for o, name in LOSSES if name == loss)}"
            )
        self.l1 = float(check_number("l1", l1, "[0, inf)"))
        self.l2 = float(check_number("l2", l2, "[0, inf)"))
        self.dtype = np.dtype(dtype)
        if self.dtype not in FLOAT_DTYPES:
            raise ValueError(f"dtype must be np.float32 or np.float64; got {dtype!r}")
        self.dropout = dropout
        self.dropout_rates = _dropout_rates(dropout, len(self.layer_sizes) - 2)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.weights, self.biases = [], []
        for n_in, n_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:]):
            std = _init_std(init, hidden, n_in, n_out)
            self.weights.append((std * self.rng.standard_normal((n_in, n_out))).astype(self.dtype))
            self.biases.append(np.zeros(n_out, dtype=self.dtype))

    # ------------------------------------------------------------------ basics

    @property
    def n_layers(self):
        """Number of weight layers L."""
        return len(self.weights)

    @property
    def n_parameters(self):
        """Total number of weights and biases."""
        return sum(p.size for p in self.parameters())

    def parameters(self):
        """Every parameter array, the weights W^1..W^L then the biases b^1..b^L.

        The arrays themselves, not copies: an optimiser moves them in place.
        Gradients come in the same order: ``dW + db`` from :meth:`backward`.
        """
        return self.weights + self.biases

    def __repr__(self):
        return (f"MLP({self.layer_sizes}, hidden={self.hidden!r}, output={self.output!r}, "
                f"loss={self.loss_name!r}, l1={self.l1}, l2={self.l2}, dtype={self.dtype.name}"
                + (f", dropout={self.dropout!r})" if any(self.dropout_rates) else ")"))

    def _check_parameters(self):
        """Catch weights replaced by arrays of the wrong shape or dtype."""
        for l, (W, b) in enumerate(zip(self.weights, self.biases)):
            shape = (self.layer_sizes[l], self.layer_sizes[l + 1])
            if W.shape != shape or b.shape != shape[1:]:
                raise ValueError(f"weights[{l}] must have shape {shape} and biases[{l}] shape "
                                 f"{shape[1:]}; got {W.shape} and {b.shape}")
            if W.dtype != self.dtype or b.dtype != self.dtype:
                raise ValueError(f"weights[{l}] and biases[{l}] must have dtype {self.dtype.name} "
                                 f"like the network; got {W.dtype} and {b.dtype} (assign with "
                                 f"net.weights[{l}][...] = W to keep the dtype)")

    def check_inputs(self, X, y=None):
        """``X`` (and ``y``) checked and converted for this network: see :mod:`~mlp_from_scratch.validation`."""
        self._check_parameters()
        X = check_X(X, self.layer_sizes[0], self.dtype)
        if y is None:
            return X
        return X, check_y(y, len(X), self.layer_sizes[-1])

    # ------------------------------------------------- forward and backward pass
    def forward_pass(self, X, training=False):
        """Run the network on a batch and keep what backpropagation needs.

        Parameters
        ----------
        X : ndarray, shape (N, n_0), already checked and of the network's dtype
        training : bool
            Apply dropout (if the network has any): a training pass.

        Returns
        -------
        Cache
            ``(activations, logits, dropout)``: a^0 = X, ..., a^L; the output
            logits z^L; the dropout masks of a training pass.
        """
        activations, dropout = [X], [None] * (self.n_layers + 1)
        a = X
        for l, (W, b) in enumerate(zip(self.weights, self.biases), start=1):
            z = a @ W + b                                   # z^l = a^{l-1} W^l + b^l, one row per example
            if l < self.n_layers:
                a = self.f(z)                               # a^l = f(z^l)
                p = self.dropout_rates[l - 1]
                if training and p:                          # inverted dropout: a~ = r * a / (1 - p)
                    mask = (self.rng.random(a.shape, dtype=self.dtype) >= p) * self.dtype.type(1 / (1 - p))
                    dropout[l] = (mask, a)
                    a = a * mask
            else:
                a = self.F(z)                               # a^L = F(z^L)
            activations.append(a)
        return Cache(activations, z, dropout)

    def backward(self, cache, y):
        """Backpropagation: the gradient of the mean loss plus the penalty on the batch of ``cache``.

        Parameters
        ----------
        cache : Cache from :meth:`forward_pass`
        y : ndarray of int, shape (N,)

        Returns
        -------
        dW, db : lists shaped like ``weights`` and ``biases``
        """
        activations = cache.activations
        dW, db = [None] * self.n_layers, [None] * self.n_layers
        delta = output_delta(activations[-1], y, self.output, self.loss_name) / len(y)  # delta^L, with the 1/N
        for l in range(self.n_layers, 0, -1):                           # l = L, ..., 1
            W, a = self.weights[l - 1], activations[l - 1]              # W^l and a^{l-1}
            dW[l - 1] = a.T @ delta                                     # (a^{l-1})^T delta^l
            db[l - 1] = delta.sum(axis=0)                               # (delta^l)^T 1
            if l > 1:                                                   # delta^{l-1}, through W^l then f'
                delta = delta @ W.T
                if cache.dropout[l - 1] is not None:                    # only the kept units pass
                    mask, a = cache.dropout[l - 1]
                    delta *= mask
                delta *= self.f.derivative(a)
        for W, g in zip(self.weights, dW):                              # the penalties' (sub)gradients
            if self.l1:
                g += self.l1 * l1_subgradient(W)
            if self.l2:
                g += self.l2 * l2_gradient(W)
        return dW, db

    # ------------------------------------------------------------- public API
    def forward(self, X):
        """Output activations a^L, shape (N, K)."""
        return self.forward_pass(self.check_inputs(X)).activations[-1]

    predict_proba = forward  # scikit-learn's name: for softmax outputs the rows are class probabilities

    def predict(self, X):
        """Predicted class labels, shape (N,): the arg max of the output."""
        return np.argmax(self.forward(X), axis=1)

    def penalty(self):
        """l1 * sum |W| + l2 * sum W**2 over all weight matrices."""
        total = 0.0
        for W in self.weights:
            if self.l1:
                total += self.l1 * l1_penalty(W)
            if self.l2:
                total += self.l2 * l2_penalty(W)
        return total

    def data_loss(self, cache, y):
        """The mean data loss of the batch of ``cache`` (a float), computed from its logits."""
        return float(per_example_loss(cache.logits, cache.activations[-1], y, self.output, self.loss_name).sum()) / len(y)

    def loss(self, X, y):
        """The objective: mean over examples of the data loss, plus the penalty."""
        return self.evaluate(X, y)[0]

    def evaluate(self, X, y):
        """Objective (:meth:`loss`) and accuracy (:meth:`score`) on ``(X, y)`` in one forward pass."""
        X, y = self.check_inputs(X, y)
        cache = self.forward_pass(X)
        accuracy = float(np.mean(np.argmax(cache.logits, axis=1) == y))
        return self.data_loss(cache, y) + self.penalty(), accuracy

    def score(self, X, y):
        """Accuracy: the fraction of examples whose predicted label is right."""
        return self.evaluate(X, y)[1]

    def gradients(self, X, y):
        """Exact gradient of :meth:`loss` (subgradient sign(W) for the L1 term).

        Returns
        -------
        dW, db : lists of arrays shaped like ``weights`` and ``biases``
        """
        X, y = self.check_inputs(X, y)
        return self.backward(self.forward_pass(X), y)

    # ----------------------------------------------------------------- training
    def fit(self, X, y, epochs, learning_rate, batch_size=100, validation_data=None,
            lr_schedule=None, shuffle=True, optimizer=None, early_stopping=None, callbacks=(),
            progress=None, train_metrics="running", record_steps=False, max_steps=None):
        """Train by minibatch gradient descent: :func:`mlp_from_scratch.training.train` on this network.

        Each step takes the next ``batch_size`` examples (of a new random order every
        epoch, or in order with ``shuffle=False``), runs :meth:`forward_pass` and
        :meth:`backward` on them, and lets the optimiser move the parameters; the
        default, plain SGD, is ``W -= learning_rate * dW``. The arguments are
        documented in :func:`~mlp_from_scratch.training.train`.

        Returns
        -------
        History
        """
        return train(self, X, y, epochs, learning_rate, batch_size=batch_size,
                     validation_data=validation_data, lr_schedule=lr_schedule, shuffle=shuffle,
                     optimizer=optimizer, early_stopping=early_stopping, callbacks=callbacks,
                     progress=progress, train_metrics=train_metrics, record_steps=record_steps,
                     max_steps=max_steps)
