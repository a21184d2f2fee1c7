"""Learning-rate schedules for :meth:`MLP.fit`.

A schedule is asked for the learning rate at the start of every epoch and is
told the loss of every minibatch, so both per-epoch rules (step decay) and
per-step rules (the loss-ratio rule) fit the same small interface.
"""

from __future__ import annotations

import numpy as np

from .validation import check_number

__all__ = ["Schedule", "Constant", "StepDecay", "LossRatio", "as_schedule"]


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
        "lr_schedule must be None, a Schedule (Constant, StepDecay, LossRatio) "
        f"or a function epoch -> learning rate; got {lr_schedule!r}"
    )
