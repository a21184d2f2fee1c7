"""Learning-rate schedules for :meth:`MLP.fit`.

A schedule is asked for the learning rate at the start of every epoch and is
told the loss of every minibatch, so both per-epoch rules (step decay) and
per-step rules (the loss-ratio rule) fit the same small interface.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .validation import check_number

__all__ = ["Schedule", "Constant", "StepDecay", "Cosine", "Warmup", "LossRatio", "as_schedule"]


class Schedule:
    """Constant learning rate; the base class of all schedules.

    Subclasses override :meth:`epoch_rate` and/or :meth:`after_step`.
    """

    #: whether :meth:`after_step` needs the loss of each minibatch
    needs_step_loss = False

    def start(self, learning_rate):
        """Called once by ``fit`` with its ``learning_rate``."""
        self.initial_rate = float(learning_rate)
        self.rate = float(learning_rate)

    def epoch_rate(self, epoch):
        """Learning rate for epoch ``epoch`` (0-based)."""
        return self.rate

    def after_step(self, batch_loss):
        """Learning rate after a step whose minibatch loss was ``batch_loss``."""
        return self.rate

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.endswith("rate") and not k.startswith("_"))
        return f"{type(self).__name__}({args})"


Constant = Schedule


class StepDecay(Schedule):
    """Multiply the learning rate by ``factor`` after every ``every`` epochs.

    eta_e = eta_0 * factor ** (e // every), as in the CS145 workbook (seed 004),
    which decays by 0.95 once per epoch.
    """

    def __init__(self, factor, every=1):
        check_number("factor", factor)
        check_number("every", every, integer=True)
        self.factor = float(factor)
        self.every = every

    def epoch_rate(self, epoch):
        self.rate = self.initial_rate * self.factor ** (epoch // self.every)
        return self.rate


class Cosine(Schedule):
    """Cosine annealing from the initial rate eta_0 down to ``min_rate`` over ``epochs`` epochs.

    eta_e = min_rate + (eta_0 - min_rate) * (1 + cos(pi * e / epochs)) / 2 for epoch
    e = 0..epochs, and ``min_rate`` after that (Loshchilov and Hutter's SGDR without
    restarts; PyTorch's ``CosineAnnealingLR`` stepped once per epoch, up to e = epochs).
    Pass ``epochs`` equal to the number of epochs of ``fit`` to end near ``min_rate``.
    """

    def __init__(self, epochs, min_rate=0.0):
        check_number("epochs", epochs, integer=True)
        if not (isinstance(min_rate, numbers.Real) and not isinstance(min_rate, bool)
                and np.isfinite(min_rate) and min_rate >= 0):
            raise ValueError(f"min_rate must be a number >= 0; got {min_rate!r}")
        self.epochs = epochs
        self.min_rate = float(min_rate)

    def start(self, learning_rate):
        super().start(learning_rate)
        if self.min_rate > self.initial_rate:
            raise ValueError(f"min_rate ({self.min_rate}) must not exceed the learning rate ({learning_rate})")

    def epoch_rate(self, epoch):
        e = min(epoch, self.epochs)
        self.rate = self.min_rate + (self.initial_rate - self.min_rate) * (1 + math.cos(math.pi * e / self.epochs)) / 2
        return self.rate


class Warmup(Schedule):
    """Linear warm-up over the first ``epochs`` epochs, then another schedule.

    During epoch e < ``epochs`` the rate is eta_0 * (f + (1 - f) * e / epochs) with the
    ``start_factor`` f, rising in equal steps from f * eta_0 towards eta_0 (PyTorch's
    ``LinearLR``, stepped once per epoch). From epoch ``epochs`` on, ``then`` takes over
    as if training started there: its epoch 0 is the first epoch after the warm-up.
    ``then=None`` keeps eta_0 constant. A large initial rate is what warm-up is for: the
    first steps, from random weights, are taken at a fraction of it.
    """

    def __init__(self, epochs, start_factor=0.1, then=None):
        check_number("epochs", epochs, integer=True)
        check_number("start_factor", start_factor)
        if start_factor > 1:
            raise ValueError(f"start_factor must be in (0, 1]; got {start_factor!r}")
        if then is not None and not isinstance(then, Schedule):
            raise ValueError(f"then must be None or a Schedule; got {then!r}")
        if getattr(then, "needs_step_loss", False):
            raise ValueError("then must be a per-epoch schedule (not LossRatio)")
        self.epochs = epochs
        self.start_factor = float(start_factor)
        self.then = Schedule() if then is None else then

    def start(self, learning_rate):
        super().start(learning_rate)
        self.then.start(learning_rate)

    def epoch_rate(self, epoch):
        if epoch < self.epochs:
            self.rate = self.initial_rate * (self.start_factor + (1 - self.start_factor) * epoch / self.epochs)
        else:
            self.rate = self.then.epoch_rate(epoch - self.epochs)
        return self.rate


class LossRatio(Schedule):
    """The loss-ratio rule of seed 002: every ``window`` steps,
    eta <- eta * (mean loss of the last window) / (mean loss of the window before).

    The rate shrinks while the loss keeps falling and grows when it rises.
    """

    needs_step_loss = True

    def __init__(self, window=100):
        check_number("window", window, integer=True)
        self.window = window

    def start(self, learning_rate):
        super().start(learning_rate)
        self._current = []
        self._previous_mean = None

    def after_step(self, batch_loss):
        self._current.append(batch_loss)
        if len(self._current) == self.window:
            mean = float(np.mean(self._current))
            if self._previous_mean is not None and self._previous_mean > 0:
                self.rate *= mean / self._previous_mean
            self._previous_mean = mean
            self._current = []
        return self.rate


class _EpochFunction(Schedule):
    """Wraps a plain function ``epoch -> learning rate``."""

    def __init__(self, function):
        self.function = function

    def epoch_rate(self, epoch):
        self.rate = float(self.function(epoch))
        return self.rate


def as_schedule(lr_schedule):
    """Accept ``None`` (constant), a :class:`Schedule`, or a function of the epoch."""
    if lr_schedule is None:
        return Schedule()
    if isinstance(lr_schedule, Schedule):
        return lr_schedule
    if callable(lr_schedule):
        return _EpochFunction(lr_schedule)
    raise ValueError(
        "lr_schedule must be None, a Schedule (Constant, StepDecay, Cosine, Warmup, LossRatio) "
        f"or a function epoch -> learning rate; got {lr_schedule!r}"
    )
