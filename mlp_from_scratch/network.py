"""The multilayer perceptron: its parameters, forward pass and backpropagation.

Notation (the book's, mirrored in the code). Layers are numbered l = 1..L; in the
lists below they are ``weights[l - 1]``. For one example (column vectors)

    z^l = (W^l)^T a^{l-1} + b^l,     a^l = f(z^l),     a^L = F(z^L),

with a^0 = x. For a minibatch the examples are the *rows* of ``a`` and the same
equation reads ``z = a @ W + b``; ``W`` has shape ``(n_in, n_out)``.

Backpropagation (mean loss over the N examples of a batch) returns the gradients:

    delta^L = dl/dz^L            (= a^L - y for a canonical output/loss pair)
    dW^l    = (a^{l-1})^T delta^l / N,    db^l = sum over rows of delta^l / N
    delta^{l-1} = (delta^l (W^l)^T) * f'(z^{l-1})

What to do with them is the business of the training loop and the optimisers
(:mod:`mlp_from_scratch.training`, :mod:`mlp_from_scratch.optimizers`).
"""

from __future__ import annotations

import math
import numbers
from types import MappingProxyType

import numpy as np

from .activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from .losses import LOSSES, output_delta, per_example_loss
from .optimizers import subtract_column_sums, subtract_product
from .training import History, TrainingDivergedError, train
from .validation import check_choice, check_X, check_y

__all__ = ["MLP", "Activations", "History", "TrainingDivergedError"]

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _dropout_rates(dropout, n_hidden):
    """One dropout rate per hidden layer, each in [0, 1)."""
    rates = [dropout] * n_hidden if np.ndim(dropout) == 0 else list(dropout)
    if np.ndim(dropout) > 1 or len(rates) != n_hidden or not all(
            isinstance(p, numbers.Real) and not isinstance(p, bool) and 0 <= p < 1 for p in rates):
        raise ValueError(f"dropout must be a rate in [0, 1) or a sequence of {n_hidden} such rates "
                         f"(one per hidden layer); got {dropout!r}")
    return [float(p) for p in rates]


class Activations(list):
    """The activations a^0, ..., a^L of a forward pass, as a list.

    A training pass with dropout also keeps, in ``dropped``, what backpropagation
    needs for each dropped hidden layer l: ``dropped[l] = (mask, a)`` with the
    scaled mask r^l / (1 - p) and the activation a^l before dropout; the list
    itself then holds a~^l = r^l * a^l / (1 - p), the input the next layer saw.
    """

    dropped = MappingProxyType({})  # read-only default: nothing dropped in this pass


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
    """

    def __init__(self, layer_sizes, hidden="relu", output="softmax", loss="cross_entropy",
                 l1=0.0, l2=0.0, seed=None, dtype=np.float64, init="auto", dropout=0.0):
        sizes = list(layer_sizes) if np.ndim(layer_sizes) == 1 else None
        if (sizes is None or len(sizes) < 2
                or not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 1 for n in sizes)):
            raise ValueError(
                "layer_sizes must list at least two positive integers (inputs, ..., outputs), "
                f"e.g. [784, 50, 10]; got {layer_sizes!r}"
            )
        self.layer_sizes = [int(n) for n in sizes]
        self.hidden = hidden
        self.output = output
        self.loss_name = loss
        self._f = check_choice("hidden activation", hidden, HIDDEN_ACTIVATIONS)
        self._F = check_choice("output", output, OUTPUT_ACTIVATIONS)
        check_choice("loss", loss, {name: None for _, name in LOSSES})
        if (output, loss) not in LOSSES:
            raise ValueError(
                f"loss {loss!r} cannot follow output {output!r}; it works with outputs "
                f"{', '.join(repr(o) for o, name in LOSSES if name == loss)}"
            )
        self._loss = LOSSES[output, loss]
        for name, value in (("l1", l1), ("l2", l2)):
            if not (isinstance(value, numbers.Real) and np.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a non-negative number; got {value!r}")
        self.l1, self.l2 = float(l1), float(l2)
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
        return sum(W.size + b.size for W, b in zip(self.weights, self.biases))

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

    # ------------------------------------------------------------ forward pass
    def forward_pass(self, X, training=False):
        """Run the network and keep what backpropagation needs.

        Parameters
        ----------
        X : ndarray, shape (N, n_0), already checked and of the network's dtype
        training : bool
            Apply dropout (if the network has any): a training pass.

        Returns
        -------
        activations : list of L + 1 arrays, ``activations[l]`` of shape (N, n_l)
            a^0 = X, the hidden activations, and the output a^L (an
            :class:`Activations` list, which also holds the dropout masks).
        z_out : ndarray, shape (N, n_L)
            The output logits z^L (losses are computed from them, stably).
        """
        activations = Activations([X])
        a = X
        for l, (W, b) in enumerate(zip(self.weights, self.biases)):
            z = a @ W
            z += b
            if l < self.n_layers - 1:
                a = self._f.f_inplace(z)  # a = f(z), written over z: backprop needs a, not z
                if training and self.dropout_rates[l]:
                    a = self._drop(a, l + 1, activations)
            else:
                a = self._F.f(z)  # z^L is kept: the losses are computed from the logits
            activations.append(a)
        return activations, z

    def _drop(self, a, l, activations):
        """Inverted dropout of hidden layer l: a~ = r * a / (1 - p), r ~ Bernoulli(1 - p)."""
        p = self.dropout_rates[l - 1]
        mask = (self.rng.random(a.shape, dtype=self.dtype) >= p).astype(self.dtype)
        mask *= 1 / (1 - p)
        activations.__dict__.setdefault("dropped", {})[l] = (mask, a)
        return a * mask

    def backprop(self, activations, y, scale=1.0):
        """The delta recursion of backpropagation, from the top layer down.

        Parameters
        ----------
        activations : list from :meth:`forward_pass`
        y : ndarray of int, shape (N,)
        scale : float
            A factor on every delta: 1 for the gradient; :meth:`sgd_step` passes the
            learning rate, so that the products below are the SGD steps themselves.

        Yields
        ------
        l, a, delta : int, ndarray of shape (N, n_l), ndarray of shape (N, n_{l+1})
            For l = L - 1, ..., 0 (the code counts weight layers from 0, so
            ``weights[l]`` is the book's W^{l+1}): the layer's input a^l and its delta
            D^{l+1}, the 1/N of the mean loss included, so that its weight gradient
            is ``a.T @ delta``. The delta of the layer below is computed, through
            ``weights[l]``, *before* the triple is yielded: the caller may then move
            ``weights[l]`` in place (:meth:`sgd_step` does).
        """
        N = len(y)
        delta = output_delta(activations[-1], y, self.output, self.loss_name)
        delta *= scale / N  # the 1/N of the mean loss (and the scale), applied once to delta^L
        dropped = getattr(activations, "dropped", {})  # dropout masks of a training pass
        for l in reversed(range(self.n_layers)):
            delta_below = None
            if l > 0:  # delta of the layer below: back through W, then through f'
                delta_below = delta @ self.weights[l].T
                a = activations[l]
                if l in dropped:  # back through dropout: only the kept units pass
                    mask, a = dropped[l]
                    delta_below *= mask
                delta_below *= self._f.derivative(a)
            yield l, activations[l], delta
            delta = delta_below

    def backward(self, activations, y):
        """Backpropagation: the gradient of the objective on the batch of ``activations``.

        Parameters
        ----------
        activations : list from :meth:`forward_pass`
        y : ndarray of int, shape (N,)

        Returns
        -------
        dW, db : lists shaped like ``weights`` and ``biases``
            Fresh arrays, which an optimiser may overwrite.
        """
        dW, db = [None] * self.n_layers, [None] * self.n_layers
        for l, a, delta in self.backprop(activations, y):
            if len(y) == 1:  # one example: the outer product a delta^T, written as the same sum over
                # examples in index form; several times faster than a matrix product with inner dimension 1
                dW[l] = np.einsum("ni,nj->ij", a, delta)
            else:
                dW[l] = a.T @ delta
            db[l] = delta.sum(axis=0)
        if self.l1 or self.l2:
            for W, g in zip(self.weights, dW):
                if self.l1:
                    g += self.l1 * np.sign(W)  # a subgradient of |w|: 0 at w = 0
                if self.l2:
                    g += (2 * self.l2) * W
        return dW, db

    def sgd_step(self, activations, y, learning_rate):
        """Backpropagation fused with a plain SGD step, written straight into W and b.

        The step of :meth:`backward` followed by ``SGD().step`` (equal up to
        rounding), without gradient arrays: the deltas of :meth:`backprop` carry the
        learning rate eta (``scale=eta``), so every layer's update is one matrix
        product subtracted from W, W <- (1 - 2 eta l2) W - a^T (eta D), and
        b <- b - (eta D)^T 1 (:func:`~mlp_from_scratch.optimizers.subtract_product`,
        :func:`~mlp_from_scratch.optimizers.subtract_column_sums`). Dropout masks
        apply as in :meth:`backward`: the recursion is the same. ``fit`` takes this
        route for plain SGD on a network without L1 penalty.

        Parameters
        ----------
        activations : list from :meth:`forward_pass`
        y : ndarray of int, shape (N,)
        learning_rate : float
            The step size eta.
        """
        if self.l1:
            raise ValueError("sgd_step does not apply the L1 penalty: use backward and an optimiser")
        eta = float(learning_rate)
        keep = 1.0 - 2.0 * eta * self.l2  # the L2 penalty's gradient 2 l2 W, as a factor on W
        for l, a, delta in self.backprop(activations, y, scale=eta):  # delta of the layer below: from the unmoved W
            subtract_product(self.weights[l], a, delta, keep)  # W <- keep W - a^T (eta D), one matrix product
            subtract_column_sums(self.biases[l], delta)  # b <- b - (eta D)^T 1

    # ------------------------------------------------------------- public API
    def forward(self, X):
        """Output activations a^L, shape (N, K)."""
        return self.forward_pass(self.check_inputs(X))[0][-1]

    def predict_proba(self, X):
        """Class probabilities, shape (N, K): the output activations.

        For softmax outputs the rows sum to one; for sigmoid outputs each column
        is the probability of its own class.
        """
        return self.forward(X)

    def predict(self, X):
        """Predicted class labels, shape (N,): the arg max of the output."""
        return np.argmax(self.forward(X), axis=1)

    def penalty(self):
        """l1 * sum |W| + l2 * sum W**2 over all weight matrices."""
        total = 0.0
        for W in self.weights:
            if self.l1:
                total += self.l1 * float(np.abs(W).sum())
            if self.l2:
                total += self.l2 * float(np.vdot(W, W))
        return total

    def loss(self, X, y):
        """The objective: mean over examples of the data loss, plus the penalty."""
        X, y = self.check_inputs(X, y)
        activations, z = self.forward_pass(X)
        data_loss = per_example_loss(z, activations[-1], y, self.output, self.loss_name)
        return float(np.mean(data_loss)) + self.penalty()

    def data_loss_sum(self, z, a, y, predicted):
        """The data loss summed over a batch (a float), from its logits and outputs.

        ``predicted`` is the arg max of each row of ``z``; the training loop records
        this number every step (see :meth:`mlp_from_scratch.losses.OutputLoss.sum`).
        """
        return self._loss.sum(z, a, y, predicted)

    def gradients(self, X, y):
        """Exact gradient of :meth:`loss` (subgradient sign(W) for the L1 term).

        Returns
        -------
        dW, db : lists of arrays shaped like ``weights`` and ``biases``
        """
        X, y = self.check_inputs(X, y)
        activations, _ = self.forward_pass(X)
        return self.backward(activations, y)

    def evaluate(self, X, y):
        """Objective and accuracy on ``(X, y)`` in one forward pass."""
        X, y = self.check_inputs(X, y)
        activations, z = self.forward_pass(X)
        data_loss = per_example_loss(z, activations[-1], y, self.output, self.loss_name)
        accuracy = float(np.mean(np.argmax(z, axis=1) == y))
        return float(np.mean(data_loss)) + self.penalty(), accuracy

    def score(self, X, y):
        """Accuracy: the fraction of examples whose predicted label is right."""
        return self.evaluate(X, y)[1]

    # ----------------------------------------------------------------- training
    def fit(self, X, y, epochs, learning_rate, batch_size=100, validation_data=None,
            lr_schedule=None, shuffle=True, optimizer=None, early_stopping=None, callbacks=(),
            progress=None, train_metrics="running", record_steps=False, max_steps=None):
        """Train by minibatch gradient descent: :func:`mlp_from_scratch.training.train` on this network.

        Each step takes the next ``batch_size`` examples (of a new random order every
        epoch, or in order with ``shuffle=False``), computes the gradient of the
        minibatch objective by :meth:`backward`, and lets the optimiser move the
        parameters; the default, plain SGD, is ``W -= learning_rate * dW``. The
        arguments are documented in :func:`~mlp_from_scratch.training.train`.

        Returns
        -------
        History
        """
        return train(self, X, y, epochs, learning_rate, batch_size=batch_size,
                     validation_data=validation_data, lr_schedule=lr_schedule, shuffle=shuffle,
                     optimizer=optimizer, early_stopping=early_stopping, callbacks=callbacks,
                     progress=progress, train_metrics=train_metrics, record_steps=record_steps,
                     max_steps=max_steps)
