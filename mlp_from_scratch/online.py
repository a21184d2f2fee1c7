"""Online SGD: one example per step, touching only the rows of W^1 its non-zero inputs meet.

For one example x the first layer's weight gradient is the outer product
x (delta^1)^T, whose row i is x_i (delta^1)^T: **zero in every row whose input x_i
is zero** (about 81 % of an MNIST image's pixels). The plain SGD step
W^1 <- W^1 - eta x (delta^1)^T leaves those rows as they were, to the last bit, and
the forward product z^1 = (W^1)^T x + b^1 needs them neither, since their terms
are zero. So a one-example step may gather the rows of the non-zero inputs, run
the forward pass, backpropagation and the update on them alone, and write them
back. The result is that of ``forward_pass``, ``backward`` and ``SGD().step`` on a
batch of one, except that the forward sum adds its terms in another order, which
changes only the rounding.

The trick is exact only for plain SGD without penalties or dropout: an L2 penalty
adds 2 l2 W^1 to every row, zero input or not, momentum keeps moving a row whose
gradient has become zero, and dropout draws masks the step would have to share.
It is opt-in: :meth:`MLP.fit <mlp_from_scratch.network.MLP.fit>` never takes it;
call :func:`sgd_step` for one step or :func:`train` for whole epochs.
"""

from __future__ import annotations

import math

import numpy as np

from .losses import output_delta, per_example_loss
from .schedules import as_schedule
from .training import History, TrainingDivergedError
from .validation import check_number

__all__ = ["sgd_step", "train"]


def _check_plain_sgd(net):
    if net.l1 or net.l2 or any(net.dropout_rates):
        raise ValueError("online SGD is plain SGD only: the network must have no l1/l2 penalty and no "
                         "dropout (use net.fit(..., batch_size=1) for those)")


def sgd_step(net, x, y, learning_rate):
    """One step of plain SGD on the example (x, y), skipping the rows of W^1 where x is zero.

    Parameters
    ----------
    net : MLP
        Without l1/l2 penalties or dropout; its parameters move in place.
    x : ndarray, shape (n_0,), of the network's dtype
    y : int
        The example's label.
    learning_rate : float

    Returns
    -------
    loss : float
        The example's data loss before the step; if it is not finite, nothing moved.
    predicted : int
        The arg max of the output before the step.
    """
    _check_plain_sgd(net)
    W, b, L = net.weights, net.biases, net.n_layers
    rows = x.nonzero()[0]                         # the inputs that are not zero
    W1 = W[0].take(rows, axis=0)                  # their rows of W^1: a copy, written back at the end
    a, activations = x[rows], []
    for l in range(1, L + 1):                     # the forward pass, one example as a 1-D vector
        activations.append(a)                     # a^{l-1}
        z = a @ (W1 if l == 1 else W[l - 1]) + b[l - 1]
        a = net.f(z) if l < L else net.F(z)
    y = np.array([y])
    loss = float(per_example_loss(z[None], a[None], y, net.output, net.loss_name)[0])
    predicted = int(z.argmax())
    if not math.isfinite(loss):
        return loss, predicted
    delta = output_delta(a[None], y, net.output, net.loss_name)[0]     # delta^L (N = 1)
    for l in range(L, 0, -1):
        W_l, a = (W1 if l == 1 else W[l - 1]), activations[l - 1]
        step = learning_rate * delta              # eta delta^l, for W^l and b^l
        if l > 1:                                 # delta^{l-1}, through W^l before it moves
            delta = (W_l @ delta) * net.f.derivative(a)
        W_l -= a[:, None] * step                  # W^l <- W^l - eta a^{l-1} (delta^l)^T
        b[l - 1] -= step
    W[0][rows] = W1                               # the moved rows back; the others did not change
    return loss, predicted


def train(net, X, y, epochs, learning_rate, lr_schedule=None, shuffle=True, validation_data=None,
          record_steps=False, max_steps=None):
    """Online SGD with :func:`sgd_step`: ``net.fit(..., batch_size=1)`` up to rounding, faster on sparse inputs.

    The same examples in the same order as ``fit`` (a permutation from ``net.rng``
    every epoch), the same schedules and the same :class:`~mlp_from_scratch.training.History`:
    running training loss and accuracy (measured before each step), validation loss
    and accuracy after each epoch, and with ``record_steps`` every step's loss.
    The arguments are those of :func:`mlp_from_scratch.training.train`.

    Returns
    -------
    History
    """
    _check_plain_sgd(net)
    X, y = net.check_inputs(X, y)
    check_number("epochs", epochs, integer=True)
    check_number("learning_rate", learning_rate)
    schedule = as_schedule(lr_schedule)
    schedule.start(learning_rate)
    history, steps = History(), 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # a diverging run is caught below
        for epoch in range(1, epochs + 1):
            lr = schedule.epoch_rate(epoch - 1)
            history.learning_rate.append(lr)
            order = net.rng.permutation(len(X)) if shuffle else np.arange(len(X))
            loss_sum, n_correct, n_seen = 0.0, 0, 0
            for i in order:
                loss, predicted = sgd_step(net, X[i], y[i], lr)
                if not math.isfinite(loss):
                    raise TrainingDivergedError(f"the training loss became {loss} in epoch {epoch} (step "
                                                f"{steps + 1}); try a smaller learning rate than {lr:g}")
                steps += 1
                loss_sum += loss
                n_correct += int(predicted == y[i])
                n_seen += 1
                if record_steps:
                    history.step_loss.append(loss)
                if schedule.needs_step_loss:
                    lr = schedule.after_step(loss)
                if max_steps is not None and steps >= max_steps:
                    break
            history.loss.append(loss_sum / n_seen)
            history.accuracy.append(n_correct / n_seen)
            if validation_data is not None:
                val_loss, val_acc = net.evaluate(*validation_data)
                history.val_loss.append(val_loss)
                history.val_accuracy.append(val_acc)
            if max_steps is not None and steps >= max_steps:
                break
    return history
