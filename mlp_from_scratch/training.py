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
A callback is a :class:`Callback` or a plain function ``f(net, epoch, history)``
called after every epoch (``epoch`` 1-based); a true return value stops training.

The loop needs from the network only ``check_inputs``, ``forward_pass``,
``backward``, ``data_loss``, ``evaluate``, ``penalty``, ``parameters`` and ``rng``,
so it imports nothing from :mod:`mlp_from_scratch.network`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from .optimizers import make_optimizer
from .progress import show_progress
from .schedules import as_schedule
from .validation import check_choice, check_number

__all__ = ["train", "hold_out", "History", "TrainingDivergedError", "Callback", "EarlyStopping"]


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
        self.patience = check_number("patience", patience, integer=True)
        check_number("min_delta", min_delta, "[0, inf)")
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
            self.best_parameters = [p.copy() for p in net.parameters()]
            return False
        self.waited += 1
        if self.waited >= self.patience:
            history.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self, net, history):
        if self.best_parameters is not None:
            for p, best in zip(net.parameters(), self.best_parameters):
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


def hold_out(X, y, fraction, seed):
    """Split (X, y) at random into a training part and ``fraction`` of it held out for validation.

    One split for everything that holds data out (the estimator's early stopping,
    the command line's validation curve): at least one example on each side.

    Parameters
    ----------
    X : array, shape (N, ...); y : array, shape (N,)
    fraction : float in (0, 1)
    seed : int or None
        Seeds the random order (``numpy.random.default_rng``).

    Returns
    -------
    (X_train, y_train), (X_val, y_val)
    """
    check_number("fraction", fraction, "(0, 1)")
    if len(X) < 2:
        raise ValueError("holding out a validation set needs at least 2 examples (one for each side)")
    n_val = min(len(X) - 1, max(1, round(fraction * len(X))))
    order = np.random.default_rng(seed).permutation(len(X))
    val, train = order[:n_val], order[n_val:]
    return (X[train], y[train]), (X[val], y[val])


def _diverged(loss, epoch, step, lr):
    return TrainingDivergedError(
        f"the training loss became {loss} in epoch {epoch} (step {step}); the learning rate "
        f"{lr:g} is probably too large: try a smaller one (e.g. a tenth), or standardise the inputs")


def train(net, X, y, epochs, learning_rate, batch_size=100, optimizer=None, validation_data=None,
          lr_schedule=None, shuffle=True, early_stopping=None, callbacks=(), progress=None,
          train_metrics="running", record_steps=False, max_steps=None):
    """Train ``net`` by minibatch gradient descent with an optimiser.

    Every step, whatever the optimiser and the batch size, is the same three calls:
    ``cache = net.forward_pass(X_batch, training=True)``, ``dW, db =
    net.backward(cache, y_batch)``, ``optimizer.step(net.parameters(), dW + db, eta)``.

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

    Raises
    ------
    TrainingDivergedError
        When a minibatch's loss is not finite (the parameters then hold the last step).
    """
    X, y = net.check_inputs(X, y)
    check_number("epochs", epochs, integer=True)
    check_number("batch_size", batch_size, integer=True)
    if max_steps is not None:
        check_number("max_steps", max_steps, integer=True)
    check_number("learning_rate", learning_rate)
    check_choice("train_metrics", train_metrics, {"running": None, "full": None})
    if validation_data is not None:
        if len(validation_data) != 2:
            raise ValueError("validation_data must be a pair (X_val, y_val)")
        validation_data = net.check_inputs(*validation_data)
    callbacks = _as_callbacks(callbacks, early_stopping, validation_data is not None)
    optimizer = make_optimizer(optimizer)
    schedule = as_schedule(lr_schedule)
    schedule.start(learning_rate)
    params = net.parameters()
    decay = [True] * len(net.weights) + [False] * len(net.biases)  # AdamW's weight decay: weights only
    history, steps = History(), 0
    for c in callbacks:
        c.on_train_begin(net, history)
    bar = _progress_bar(progress, epochs)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # a diverging run is caught below
        for epoch in range(1, epochs + 1):
            lr = schedule.epoch_rate(epoch - 1)
            history.learning_rate.append(lr)
            order = net.rng.permutation(len(X)) if shuffle else np.arange(len(X))
            loss_sum, n_correct, n_seen = 0.0, 0, 0
            for start in range(0, len(X), batch_size):
                idx = order[start:start + batch_size]
                X_batch, y_batch = X.take(idx, axis=0), y.take(idx)  # X[idx], by NumPy's faster row gather
                cache = net.forward_pass(X_batch, training=True)
                batch_loss = net.data_loss(cache, y_batch)
                if not math.isfinite(batch_loss):
                    raise _diverged(batch_loss, epoch, steps + 1, lr)
                dW, db = net.backward(cache, y_batch)
                optimizer.step(params, dW + db, lr, decay)
                steps += 1
                loss_sum += batch_loss * len(idx)
                n_correct += int(np.count_nonzero(cache.logits.argmax(axis=1) == y_batch))
                n_seen += len(idx)
                if record_steps:
                    history.step_loss.append(batch_loss)
                if schedule.needs_step_loss:
                    lr = schedule.after_step(batch_loss)
                if max_steps is not None and steps >= max_steps:
                    break
            if train_metrics == "full":
                train_loss, train_acc = net.evaluate(X, y)
            else:
                train_loss, train_acc = loss_sum / n_seen + net.penalty(), n_correct / n_seen
            history.loss.append(train_loss)
            history.accuracy.append(train_acc)
            if validation_data is not None:
                val_loss, val_acc = net.evaluate(*validation_data)
                history.val_loss.append(val_loss)
                history.val_accuracy.append(val_acc)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{train_loss:.4f}", acc=f"{train_acc:.4f}")
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


def _progress_bar(progress, epochs):
    """A tqdm bar over the epochs where someone watches (see :mod:`mlp_from_scratch.progress`), else None."""
    if not show_progress(progress):
        return None
    from tqdm.auto import tqdm
    return tqdm(total=epochs, unit="epoch", leave=False)
