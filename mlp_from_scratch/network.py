"""The multilayer perceptron: forward pass, backpropagation and SGD training.

Notation (the book's, mirrored in the code). Layers are numbered l = 1..L; in the
lists below they are ``weights[l - 1]``. For one example (column vectors)

    z^l = (W^l)^T a^{l-1} + b^l,     a^l = f(z^l),     a^L = F(z^L),

with a^0 = x. For a minibatch the examples are the *rows* of ``a`` and the same
equation reads ``z = a @ W + b``; ``W`` has shape ``(n_in, n_out)``.

Backpropagation (mean loss over the N examples of a batch):

    delta^L = dl/dz^L            (= a^L - y for a canonical output/loss pair)
    dW^l    = (a^{l-1})^T delta^l / N,    db^l = sum over rows of delta^l / N
    delta^{l-1} = (delta^l (W^l)^T) * f'(z^{l-1})
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from .activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from .losses import LOSSES, output_delta, per_example_loss, summed_loss
from .progress import show_progress
from .schedules import as_schedule
from .validation import check_choice, check_positive, check_X, check_y

__all__ = ["MLP", "History", "TrainingDivergedError"]

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class TrainingDivergedError(FloatingPointError, ValueError):
    """The training loss became NaN or infinite."""


@dataclass
class History:
    """What :meth:`MLP.fit` measured, one entry per epoch.

    ``loss`` and ``accuracy`` are measured on the training data (see the
    ``train_metrics`` argument of ``fit``), ``val_loss`` and ``val_accuracy``
    on ``validation_data`` when given. Losses are the full objective: mean data
    loss plus the penalty. ``step_loss`` holds every minibatch's mean data loss
    when ``fit(record_steps=True)``.
    """

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    learning_rate: list = field(default_factory=list)
    step_loss: list = field(default_factory=list)

    @property
    def epochs(self):
        """Number of epochs recorded."""
        return len(self.loss)

    def as_dict(self):
        """The history as a dict of plain lists (handy for JSON and pandas)."""
        return {k: list(v) for k, v in vars(self).items()}

    def __repr__(self):
        last = ""
        if self.loss:
            last = f", last loss={self.loss[-1]:.4g}, accuracy={self.accuracy[-1]:.4f}"
            if self.val_accuracy:
                last += f", val_accuracy={self.val_accuracy[-1]:.4f}"
        return f"History(epochs={self.epochs}{last})"


def _init_std(init, activation, n_in, n_out):
    """Standard deviation of the Gaussian initial weights of one layer."""
    if init == "auto":
        init = "he" if activation == "relu" else "glorot"
    if init == "he":  # keeps the variance of relu pre-activations constant across layers
        return math.sqrt(2.0 / n_in)
    if init == "glorot":  # balances forward and backward variance for tanh/sigmoid units
        return math.sqrt(2.0 / (n_in + n_out))
    if isinstance(init, numbers.Real) and not isinstance(init, bool) and init > 0:
        return float(init)
    raise ValueError(f"init must be 'auto', 'he', 'glorot' or a positive standard deviation; got {init!r}")


class MLP:
    """A fully connected feed-forward network trained by minibatch SGD.

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
        Seeds the initial weights and the shuffling of ``fit``: equal seeds give
        identical runs.
    dtype : numpy float dtype
        ``np.float64`` (gradient checks) or ``np.float32`` (speed). Every array
        the network creates has this dtype.
    init : "auto", "he", "glorot" or float
        Initial weights N(0, std^2): He for relu, Glorot otherwise ("auto"), or a
        given standard deviation. Biases start at zero.

    Attributes
    ----------
    weights : list of ndarray, ``weights[l]`` of shape ``(layer_sizes[l], layer_sizes[l + 1])``
    biases : list of ndarray, ``biases[l]`` of shape ``(layer_sizes[l + 1],)``
    """

    def __init__(self, layer_sizes, hidden="relu", output="softmax", loss="cross_entropy",
                 l1=0.0, l2=0.0, seed=None, dtype=np.float64, init="auto"):
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
        if output not in check_choice("loss", loss, LOSSES).outputs:
            raise ValueError(
                f"loss {loss!r} cannot follow output {output!r}; it works with outputs "
                f"{', '.join(map(repr, LOSSES[loss].outputs))}"
            )
        for name, value in (("l1", l1), ("l2", l2)):
            if not (isinstance(value, numbers.Real) and np.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a non-negative number; got {value!r}")
        self.l1, self.l2 = float(l1), float(l2)
        self.dtype = np.dtype(dtype)
        if self.dtype not in FLOAT_DTYPES:
            raise ValueError(f"dtype must be np.float32 or np.float64; got {dtype!r}")
        self.seed = seed
        self._rng = np.random.default_rng(seed)
        self.weights, self.biases = [], []
        for n_in, n_out in zip(self.layer_sizes[:-1], self.layer_sizes[1:]):
            std = _init_std(init, hidden, n_in, n_out)
            self.weights.append((std * self._rng.standard_normal((n_in, n_out))).astype(self.dtype))
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
                f"loss={self.loss_name!r}, l1={self.l1}, l2={self.l2}, dtype={self.dtype.name})")

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

    def _inputs(self, X, y=None):
        self._check_parameters()
        X = check_X(X, self.layer_sizes[0], self.dtype)
        if y is None:
            return X
        return X, check_y(y, len(X), self.layer_sizes[-1])

    # ------------------------------------------------------------ forward pass
    def forward_pass(self, X):
        """Run the network and keep what backpropagation needs.

        Parameters
        ----------
        X : ndarray, shape (N, n_0), already checked and of the network's dtype

        Returns
        -------
        activations : list of L + 1 arrays, ``activations[l]`` of shape (N, n_l)
            a^0 = X, the hidden activations, and the output a^L.
        z_out : ndarray, shape (N, n_L)
            The output logits z^L (losses are computed from them, stably).
        """
        activations = [X]
        a = X
        for l, (W, b) in enumerate(zip(self.weights, self.biases)):
            z = a @ W
            z += b
            if l < self.n_layers - 1:
                a = self._f.f_inplace(z)  # a = f(z), written over z: backprop needs a, not z
            else:
                a = self._F.f(z)  # z^L is kept: the losses are computed from the logits
            activations.append(a)
        return activations, z

    def backward(self, activations, y, scale=1.0):
        """Backpropagation: the gradient of the objective, times ``scale``.

        Parameters
        ----------
        activations : list from :meth:`forward_pass`
        y : ndarray of int, shape (N,)
        scale : float
            1 for the gradient itself; ``fit`` passes the learning rate so that
            the results are the SGD steps (the delta is scaled once, up front).

        Returns
        -------
        dW, db : lists shaped like ``weights`` and ``biases``
        """
        N = len(y)
        delta = output_delta(activations[-1], y, self.output, self.loss_name)
        delta *= scale / N  # the 1/N of the mean loss, applied once to delta^L
        dW, db = [None] * self.n_layers, [None] * self.n_layers
        for l in reversed(range(self.n_layers)):
            if N == 1:  # one example: the outer product a delta^T, written as the same sum over
                # examples in index form; several times faster than a matrix product with inner dimension 1
                dW[l] = np.einsum("ni,nj->ij", activations[l], delta)
            else:
                dW[l] = activations[l].T @ delta
            db[l] = delta.sum(axis=0)
            if l > 0:  # delta of the layer below: back through W, then through f'
                delta = delta @ self.weights[l].T
                delta *= self._f.derivative(activations[l])
        if self.l1 or self.l2:
            for W, g in zip(self.weights, dW):
                if self.l1:
                    g += (scale * self.l1) * np.sign(W)  # a subgradient of |w|: 0 at w = 0
                if self.l2:
                    g += (scale * 2 * self.l2) * W
        return dW, db

    # ------------------------------------------------------------- public API
    def forward(self, X):
        """Output activations a^L, shape (N, K)."""
        return self.forward_pass(self._inputs(X))[0][-1]

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
        X, y = self._inputs(X, y)
        activations, z = self.forward_pass(X)
        data_loss = per_example_loss(z, activations[-1], y, self.output, self.loss_name)
        return float(np.mean(data_loss)) + self.penalty()

    def gradients(self, X, y):
        """Exact gradient of :meth:`loss` (subgradient sign(W) for the L1 term).

        Returns
        -------
        dW, db : lists of arrays shaped like ``weights`` and ``biases``
        """
        X, y = self._inputs(X, y)
        activations, _ = self.forward_pass(X)
        return self.backward(activations, y)

    def evaluate(self, X, y):
        """Objective and accuracy on ``(X, y)`` in one forward pass."""
        X, y = self._inputs(X, y)
        activations, z = self.forward_pass(X)
        data_loss = per_example_loss(z, activations[-1], y, self.output, self.loss_name)
        accuracy = float(np.mean(np.argmax(z, axis=1) == y))
        return float(np.mean(data_loss)) + self.penalty(), accuracy

    def score(self, X, y):
        """Accuracy: the fraction of examples whose predicted label is right."""
        return self.evaluate(X, y)[1]

    # ----------------------------------------------------------------- training
    def fit(self, X, y, epochs, learning_rate, batch_size=100, validation_data=None,
            lr_schedule=None, shuffle=True, progress=None, train_metrics="running",
            record_steps=False, max_steps=None):
        """Train by minibatch stochastic gradient descent.

        Each step takes the next ``batch_size`` examples of a shuffled order and
        moves every parameter against the gradient of the minibatch objective:
        ``W -= learning_rate * dW``.

        Parameters
        ----------
        X : array, shape (N, n_0); y : int array, shape (N,)
        epochs : int
            Passes over the training data.
        learning_rate : float
            Initial step size eta (a schedule may change it).
        batch_size : int
            Examples per step (1 is plain stochastic gradient descent).
        validation_data : (X_val, y_val), optional
            Evaluated at the end of every epoch.
        lr_schedule : None, Schedule or callable epoch -> rate
            See :mod:`mlp_from_scratch.schedules`.
        shuffle : bool
            Visit the examples in a new random order every epoch.
        progress : bool or None
            Show a tqdm progress bar; None shows one only in a terminal or live
            notebook (and never when ``MLP_FROM_SCRATCH_PROGRESS=0``).
        train_metrics : {"running", "full"}
            "running": training loss and accuracy averaged over the epoch's
            minibatches as they were trained (free); "full": one extra pass over
            the training set at the end of each epoch.
        record_steps : bool
            Keep every minibatch's loss in ``history.step_loss``.
        max_steps : int, optional
            Stop after this many steps, even within an epoch.

        Returns
        -------
        History
        """
        X, y = self._inputs(X, y)
        check_positive("epochs", epochs, integer=True)
        check_positive("learning_rate", learning_rate)
        check_positive("batch_size", batch_size, integer=True)
        if max_steps is not None:
            check_positive("max_steps", max_steps, integer=True)
        if train_metrics not in ("running", "full"):
            raise ValueError(f"train_metrics must be 'running' or 'full'; got {train_metrics!r}")
        if validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError("validation_data must be a pair (X_val, y_val)")
            X_val, y_val = self._inputs(*validation_data)
        schedule = as_schedule(lr_schedule)
        schedule.start(learning_rate)

        history = History()
        N = len(X)
        batch_size = min(batch_size, N)
        X_batch = np.empty((batch_size, X.shape[1]), dtype=self.dtype)  # reused every step
        bar = None
        if show_progress(progress):
            from tqdm.auto import tqdm
            bar = tqdm(total=epochs, unit="epoch", leave=False)
        steps = 0
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(epochs):
                lr = schedule.epoch_rate(epoch)
                history.learning_rate.append(lr)
                order = self._rng.permutation(N) if shuffle else np.arange(N)
                loss_sum, n_correct, n_seen = 0.0, 0, 0
                for start in range(0, N, batch_size):
                    idx = order[start:start + batch_size]
                    # X[idx] into the reused array; mode="clip" skips the bounds checks' extra
                    # copy (the indices come from a permutation of range(N), never out of range)
                    xb = X.take(idx, axis=0, out=X_batch[:len(idx)], mode="clip")
                    yb = y[idx]
                    activations, z = self.forward_pass(xb)
                    predicted = z.argmax(axis=1)
                    batch_loss = summed_loss(z, activations[-1], yb, self.output, self.loss_name, predicted)
                    if not math.isfinite(batch_loss):
                        raise TrainingDivergedError(
                            f"the training loss became {batch_loss} in epoch {epoch + 1} (step "
                            f"{steps + 1}); the learning rate {lr:g} is probably too large: try a "
                            "smaller one (e.g. a tenth), or standardise the inputs")
                    loss_sum += batch_loss
                    n_correct += int(np.count_nonzero(predicted == yb))
                    n_seen += len(idx)
                    dW, db = self.backward(activations, yb, scale=lr)
                    for W, b, gW, gb in zip(self.weights, self.biases, dW, db):
                        W -= gW
                        b -= gb
                    steps += 1
                    if schedule.needs_step_loss or record_steps:
                        if record_steps:
                            history.step_loss.append(batch_loss / len(idx))
                        lr = schedule.after_step(batch_loss / len(idx))
                    if max_steps is not None and steps >= max_steps:
                        break
                if train_metrics == "full":
                    train_loss, train_acc = self.evaluate(X, y)
                else:
                    train_loss, train_acc = loss_sum / n_seen + self.penalty(), n_correct / n_seen
                history.loss.append(train_loss)
                history.accuracy.append(train_acc)
                if not math.isfinite(train_loss):
                    raise TrainingDivergedError(
                        f"the training loss became {train_loss} in epoch {epoch + 1}; "
                        f"try a smaller learning rate than {lr:g}")
                if validation_data is not None:
                    val_loss, val_acc = self.evaluate(X_val, y_val)
                    history.val_loss.append(val_loss)
                    history.val_accuracy.append(val_acc)
                if bar is not None:
                    bar.update(1)
                    postfix = {"loss": f"{train_loss:.4f}", "acc": f"{train_acc:.4f}"}
                    if validation_data is not None:
                        postfix["val_acc"] = f"{history.val_accuracy[-1]:.4f}"
                    bar.set_postfix(postfix)
                if max_steps is not None and steps >= max_steps:
                    break
        if bar is not None:
            bar.close()
        return history
