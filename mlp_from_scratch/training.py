"""The training loop: minibatches, an optimiser, metrics, early stopping.

:func:`train` runs minibatch gradient descent on a network (``MLP.fit`` calls it):
every step takes the next ``batch_size`` examples, runs a training forward pass
(with dropout, if the network has any), gets the gradient of the minibatch
objective from ``net.backward`` and hands it to an optimiser
(:mod:`mlp_from_scratch.optimizers`), which moves the parameters. Around that loop
it records a :class:`History`, stops on a NaN loss (:class:`TrainingDivergedError`),
follows a learning-rate schedule (:mod:`mlp_from_scratch.schedules`), draws a
progress bar where someone watches (:mod:`mlp_from_scratch.progress`), and calls
callbacks at the end of every epoch, of which :class:`EarlyStopping` is one.

The loop needs from the network only ``check_inputs``, ``forward_pass``,
``backward``, ``evaluate``, ``penalty``, ``data_loss_sum``, ``weights``,
``biases`` and ``rng`` (and, for plain SGD, ``sgd_step``, which writes the step
straight into the weights), so it imports nothing from :mod:`mlp_from_scratch.network`.

Deviations from the API contract (API-CONTRACT.md, issue 11):

* ``Optimizer.step`` has an optional fourth argument ``decay`` (which arrays
  AdamW's weight decay applies to; :func:`train` passes True for the weights and
  False for the biases), and it may overwrite the gradient arrays it is given.
* A callback is a :class:`Callback` or a plain function ``f(net, epoch, history)``
  called after every epoch (``epoch`` 1-based); a true return value stops training.

Additions the contract does not name: ``mlp_from_scratch.train`` is re-exported;
``MLP.check_inputs`` (formerly the private ``_inputs``), ``MLP.data_loss_sum`` and
``MLP.rng`` (formerly ``_rng``) are public because this module uses them;
``forward_pass`` returns an :class:`~mlp_from_scratch.network.Activations` list
whose ``dropped`` holds the dropout masks; ``losses.LOSSES`` is keyed by
``(output, loss)`` pairs.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from .losses import LOSSES
from .optimizers import SGD, make_optimizer, subtract_outer
from .optimizers import sgd_step_applies
from .progress import show_progress
from .schedules import as_schedule
from .validation import check_positive

__all__ = ["train", "History", "TrainingDivergedError", "Callback", "EarlyStopping", "one_example_step"]


class TrainingDivergedError(FloatingPointError, ValueError):
    """The training loss became NaN or infinite."""


@dataclass
class History:
    """What :func:`train` measured, one entry per epoch.

    ``loss`` and ``accuracy`` are measured on the training data (see the
    ``train_metrics`` argument of :func:`train`; the running values of a network
    with dropout are those of the dropped training passes), ``val_loss`` and
    ``val_accuracy`` on ``validation_data`` when given. Losses are the full
    objective: mean data loss plus the penalty. ``step_loss`` holds every
    minibatch's mean data loss when ``record_steps=True``.

    ``best_epoch`` is the epoch (1-based) whose weights early stopping restored,
    ``stopped_epoch`` the epoch after which it stopped training (None if it ran
    all epochs, or without early stopping).
    """

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    learning_rate: list = field(default_factory=list)
    step_loss: list = field(default_factory=list)
    best_epoch: int | None = None
    stopped_epoch: int | None = None

    @property
    def epochs(self):
        """Number of epochs recorded."""
        return len(self.loss)

    def as_dict(self):
        """The history as a dict of plain lists and ints (handy for JSON and pandas)."""
        return {k: list(v) if isinstance(v, list) else v for k, v in vars(self).items()}

    def __repr__(self):
        last = ""
        if self.loss:
            last = f", last loss={self.loss[-1]:.4g}, accuracy={self.accuracy[-1]:.4f}"
            if self.val_accuracy:
                last += f", val_accuracy={self.val_accuracy[-1]:.4f}"
        if self.best_epoch is not None:
            last += f", best_epoch={self.best_epoch}"
        return f"History(epochs={self.epochs}{last})"


class Callback:
    """Something :func:`train` calls around the epochs; override what you need."""

    def on_train_begin(self, net, history):
        """Before the first epoch."""

    def on_epoch_end(self, net, epoch, history):
        """After epoch ``epoch`` (1-based) has been recorded; return True to stop."""
        return False

    def on_train_end(self, net, history):
        """After the last epoch (also after an early stop or ``max_steps``)."""


class _FunctionCallback(Callback):
    def __init__(self, function):
        self.function = function

    def on_epoch_end(self, net, epoch, history):
        return bool(self.function(net, epoch, history))


class EarlyStopping(Callback):
    """Stop when the validation objective has not improved for ``patience`` epochs.

    After every epoch the validation loss (the objective J on the validation data)
    is compared with the best so far; an epoch improves on it if its loss is lower
    by more than ``min_delta``. The weights of the best epoch are copied, and when
    training ends (stopped or not) they are put back, so the network is exactly the
    one of ``history.best_epoch``.

    Parameters
    ----------
    patience : int > 0
        Epochs without improvement before stopping.
    min_delta : float >= 0
        The smallest decrease of the validation loss that counts as an improvement.
    """

    def __init__(self, patience=5, min_delta=0.0):
        check_positive("patience", patience, integer=True)
        if not (isinstance(min_delta, numbers.Real) and not isinstance(min_delta, bool)
                and math.isfinite(min_delta) and min_delta >= 0):
            raise ValueError(f"min_delta must be a non-negative number; got {min_delta!r}")
        self.patience = patience
        self.min_delta = float(min_delta)

    def on_train_begin(self, net, history):
        self.best_loss = math.inf
        self.best_epoch = None
        self.best_parameters = None
        self.waited = 0

    def on_epoch_end(self, net, epoch, history):
        val_loss = history.val_loss[-1]
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.waited = val_loss, epoch, 0
            self.best_parameters = [p.copy() for p in net.weights + net.biases]
            return False
        self.waited += 1
        if self.waited >= self.patience:
            history.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self, net, history):
        if self.best_parameters is not None:
            for p, best in zip(net.weights + net.biases, self.best_parameters):
                p[...] = best
            history.best_epoch = self.best_epoch

    def __repr__(self):
        return f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta})"


def _as_callbacks(callbacks, early_stopping, has_validation):
    if early_stopping is not None:
        if isinstance(early_stopping, EarlyStopping):
            pass
        elif isinstance(early_stopping, numbers.Integral) and not isinstance(early_stopping, bool):
            early_stopping = EarlyStopping(patience=early_stopping)
        else:
            raise ValueError("early_stopping must be None, a patience (a positive integer) or an "
                             f"EarlyStopping; got {early_stopping!r}")
        if not has_validation:
            raise ValueError("early_stopping needs validation_data: it watches the validation loss")
    if callable(callbacks) or isinstance(callbacks, Callback):
        callbacks = [callbacks]
    result = []
    for c in callbacks:
        if isinstance(c, Callback):
            result.append(c)
        elif callable(c):
            result.append(_FunctionCallback(c))
        else:
            raise ValueError(f"callbacks must hold Callback objects or functions (net, epoch, history); got {c!r}")
    if early_stopping is not None:
        result.append(early_stopping)
    return result


def one_example_step(net, x, y, learning_rate):
    """One step of plain SGD on one example, touching only the rows of W^1 its non-zero inputs meet.

    The same step as ``forward_pass``, ``backward`` and ``SGD.step`` on a batch of
    one, fused, for networks without penalties or dropout. For one example the
    first layer's weight gradient is the outer product x delta^T, whose row i is
    x_i delta^T: **zero in every row whose input x_i is zero** (about 81 % of an
    MNIST image's pixels). So the forward product z = (W^1)^T x may sum over the
    non-zero inputs only, and the update may skip the other rows; it is exact,
    since those rows would change by exactly zero, and the forward pass differs
    from the dense one only in the order of its sum (the backpropagation chapter
    says why). Below half non-zero inputs the step gathers those rows of W^1,
    updates them, and writes them back; otherwise it uses W^1 whole.

    Parameters
    ----------
    net : MLP (no l1/l2 penalty, no dropout)
    x : ndarray, shape (n_0,), of the network's dtype
    y : int ndarray, shape (1,): the label
    learning_rate : float

    Returns
    -------
    loss : float
        The example's data loss before the step.
    predicted : ndarray, shape (1,)
        The arg max of the output before the step.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # as in train()
        loss, predicted = _OneExampleSGD(net)(x, int(y[0]), learning_rate)
    return loss, np.array([predicted])


class _OneExampleSGD:
    """:func:`one_example_step` with the network's arrays and functions looked up once.

    train() makes one per epoch and calls it with the label and the prediction as
    ints: at about 150 µs a step, every NumPy call saved counts (each costs ~1 µs).
    """

    def __init__(self, net):
        self.W, self.b, self.f = net.weights, net.biases, net._f
        self.pair = LOSSES[net.output, net.loss_name]
        # softmax + cross-entropy on a few logits: Python floats, fewer calls than NumPy
        self.softmax_ce = (net.output, net.loss_name) == ("softmax", "cross_entropy") and net.weights[-1].shape[1] <= 32
        self.output = net._F

    def __call__(self, x, y, eta):
        W, b, f = self.W, self.b, self.f
        rows = x.nonzero()[0]
        sparse = 2 * len(rows) < len(x)  # sparse-input trick: only the rows of the non-zero inputs (exact)
        W1 = W[0].take(rows, axis=0) if sparse else W[0]  # a copy of those rows, written back at the end
        a = x.take(rows) if sparse else x
        activations = [a]  # a^0, ..., a^{L-1}, 1-D: every product is a matrix-vector product
        for l in range(len(W)):
            z = a @ (W[l] if l else W1)
            z += b[l]
            if l < len(W) - 1:
                a = f.f_inplace(z)
                activations.append(a)
        if self.softmax_ce:
            z_list = z.tolist()
            m = max(z_list)
            predicted = z_list.index(m)  # the first largest logit, as argmax
            e = [math.exp(v - m) for v in z_list]  # exponents <= 0: no overflow
            total = sum(e)
            loss = math.log(total) + m - z_list[y]  # logsumexp(z) - z_y
            scale = eta / total
            d = [v * scale for v in e]  # eta a^L
            d[y] -= eta
            delta = np.array(d, dtype=z.dtype)  # eta delta^L = eta (a^L - y)
        else:
            predicted = int(z.argmax())
            a_out, y_1 = self.output.f(z[None]), np.array([y])
            loss = self.pair.sum(z[None], a_out, y_1, np.array([predicted]))
            delta = self.pair.delta(a_out, y_1)[0]
            delta *= eta
        if not math.isfinite(loss):  # train() stops with TrainingDivergedError; the weights stay as they were
            return loss, predicted
        # eta rides on delta from here down: W^l -= a^{l-1} (eta delta^l)^T, b^l -= eta delta^l
        for l in reversed(range(len(W))):
            W_l = W[l] if l else W1
            if l:  # delta of the layer below, through W^l before W^l moves
                delta_below = W_l @ delta
                delta_below *= f.derivative(activations[l])
            subtract_outer(W_l, 1.0, activations[l], delta)
            b[l] -= delta
            if l:
                delta = delta_below
        if sparse:
            W[0][rows] = W1  # the updated rows back into W^1; the others did not change
        return loss, predicted


def _one_example_step_applies(net, optimizer, batch_size):
    """Whether :func:`one_example_step` is exactly the step train() would otherwise take."""
    return (batch_size == 1 and type(optimizer) is SGD and not net.l1 and not net.l2
            and not any(getattr(net, "dropout_rates", ())) and hasattr(net, "_F"))


def train(net, X, y, epochs, learning_rate, batch_size=100, optimizer=None, validation_data=None,
          lr_schedule=None, shuffle=True, early_stopping=None, callbacks=(), progress=None,
          train_metrics="running", record_steps=False, max_steps=None):
    """Train ``net`` by minibatch gradient descent with an optimiser.

    Parameters
    ----------
    net : MLP
    X : array, shape (N, n_0); y : int array, shape (N,)
    epochs : int
        Passes over the training data.
    learning_rate : float
        Initial step size eta (a schedule may change it), for every optimiser.
    batch_size : int
        Examples per step (1 is plain stochastic gradient descent).
    optimizer : None, str or Optimizer
        None is plain SGD; a name of :data:`~mlp_from_scratch.optimizers.OPTIMIZERS`
        (``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"rmsprop"``, ``"adam"``,
        ``"adamw"``) with its usual defaults; or an optimiser object (its state
        carries over between calls).
    validation_data : (X_val, y_val), optional
        Evaluated at the end of every epoch.
    lr_schedule : None, Schedule or callable epoch -> rate
        See :mod:`mlp_from_scratch.schedules`.
    shuffle : bool
        Visit the examples in a new random order every epoch (from ``net.rng``);
        False visits them in order, so a run can be compared step by step with
        another library.
    early_stopping : None, int or EarlyStopping
        Stop when the validation loss has not improved for this many epochs (an
        int is the patience) and restore the best weights; needs ``validation_data``.
    callbacks : sequence of Callback or functions ``f(net, epoch, history)``
        Called after every epoch; a true return value stops training.
    progress : bool or None
        Show a tqdm progress bar; None applies :func:`mlp_from_scratch.progress.show_progress`.
    train_metrics : {"running", "full"}
        "running": training loss and accuracy averaged over the epoch's
        minibatches as they were trained (free); "full": one extra pass over
        the training set at the end of each epoch.
    record_steps : bool
        Keep every minibatch's mean data loss in ``history.step_loss``.
    max_steps : int, optional
        Stop after this many steps, even within an epoch.

    Returns
    -------
    History
    """
    X, y = net.check_inputs(X, y)
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
        X_val, y_val = net.check_inputs(*validation_data)
    callbacks = _as_callbacks(callbacks, early_stopping, validation_data is not None)
    opt = make_optimizer(optimizer)
    schedule = as_schedule(lr_schedule)
    schedule.start(learning_rate)
    decay = [True] * len(net.weights) + [False] * len(net.biases)  # weight decay: weights only

    history = History()
    for c in callbacks:
        c.on_train_begin(net, history)
    N = len(X)
    batch_size = min(batch_size, N)
    X_batch = np.empty((batch_size, X.shape[1]), dtype=X.dtype)  # reused every step
    fused = _one_example_step_applies(net, opt, batch_size)  # plain SGD on one example: one_example_step
    in_place = sgd_step_applies(net, opt)  # plain SGD: net.sgd_step writes every step straight into W and b
    bar = None
    if show_progress(progress):
        from tqdm.auto import tqdm
        bar = tqdm(total=epochs, unit="epoch", leave=False)
    steps = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for epoch in range(1, epochs + 1):
            lr = schedule.epoch_rate(epoch - 1)
            history.learning_rate.append(lr)
            order = net.rng.permutation(N) if shuffle else np.arange(N)
            params = net.weights + net.biases  # updated in place by the optimiser
            one_example = _OneExampleSGD(net) if fused else None
            loss_sum, n_correct, n_seen = 0.0, 0, 0
            for start in range(0, N, batch_size):
                if fused:  # one example, plain SGD: forward, backward and update in one lean step
                    i = order[start]
                    yb = y[i]  # an int: one example
                    batch_loss, predicted = one_example(X[i], yb, lr)
                    n_batch, correct = 1, predicted == yb
                else:
                    idx = order[start:start + batch_size]
                    # X[idx] into the reused array; mode="clip" skips the bounds checks' extra
                    # copy (the indices come from a permutation of range(N), never out of range)
                    xb = X.take(idx, axis=0, out=X_batch[:len(idx)], mode="clip")
                    yb = y[idx]
                    activations, z = net.forward_pass(xb, training=True)
                    predicted = z.argmax(axis=1)
                    batch_loss = net.data_loss_sum(z, activations[-1], yb, predicted)
                    n_batch, correct = len(yb), np.count_nonzero(predicted == yb)
                if not math.isfinite(batch_loss):
                    raise TrainingDivergedError(
                        f"the training loss became {batch_loss} in epoch {epoch} (step "
                        f"{steps + 1}); the learning rate {lr:g} is probably too large: try a "
                        "smaller one (e.g. a tenth), or standardise the inputs")
                loss_sum += batch_loss
                n_correct += int(correct)
                n_seen += n_batch
                if fused:
                    opt.t += 1
                else:
                    if in_place:  # plain SGD: backpropagation fused with the update, no gradient arrays
                        net.sgd_step(activations, yb, lr)
                        opt.t += 1
                    else:
                        dW, db = net.backward(activations, yb)
                        opt.step(params, dW + db, lr, decay)
                steps += 1
                if schedule.needs_step_loss or record_steps:
                    if record_steps:
                        history.step_loss.append(batch_loss / n_batch)
                    lr = schedule.after_step(batch_loss / n_batch)
                if max_steps is not None and steps >= max_steps:
                    break
            if train_metrics == "full":
                train_loss, train_acc = net.evaluate(X, y)
            else:
                train_loss, train_acc = loss_sum / n_seen + net.penalty(), n_correct / n_seen
            history.loss.append(train_loss)
            history.accuracy.append(train_acc)
            if not math.isfinite(train_loss):
                raise TrainingDivergedError(
                    f"the training loss became {train_loss} in epoch {epoch}; "
                    f"try a smaller learning rate than {lr:g}")
            if validation_data is not None:
                val_loss, val_acc = net.evaluate(X_val, y_val)
                history.val_loss.append(val_loss)
                history.val_accuracy.append(val_acc)
            if bar is not None:
                bar.update(1)
                postfix = {"loss": f"{train_loss:.4f}", "acc": f"{train_acc:.4f}"}
                if validation_data is not None:
                    postfix["val_acc"] = f"{history.val_accuracy[-1]:.4f}"
                bar.set_postfix(postfix)
            stop = False
            for c in callbacks:
                stop = bool(c.on_epoch_end(net, epoch, history)) or stop
            if stop or (max_steps is not None and steps >= max_steps):
                break
    if bar is not None:
        bar.close()
    for c in callbacks:
        c.on_train_end(net, history)
    return history
