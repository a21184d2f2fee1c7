"""Learning-rate schedules, alone and inside ``fit``."""

import numpy as np
import pytest

from mlp_from_scratch import MLP, Constant, Cosine, LossRatio, StepDecay, Warmup
from mlp_from_scratch.schedules import as_schedule


def test_constant_rate():
    schedule = Constant()
    schedule.start(0.3)
    assert [schedule.epoch_rate(e) for e in range(4)] == [0.3] * 4
    assert schedule.after_step(5.0) == 0.3


def test_step_decay_multiplies_once_per_epoch():
    schedule = StepDecay(0.95)
    schedule.start(0.1)
    rates = [schedule.epoch_rate(e) for e in range(5)]
    np.testing.assert_allclose(rates, [0.1, 0.095, 0.09025, 0.0857375, 0.081450625], rtol=1e-14)


def test_step_decay_every_k_epochs():
    schedule = StepDecay(0.5, every=3)
    schedule.start(1.0)
    assert [schedule.epoch_rate(e) for e in range(7)] == [1, 1, 1, 0.5, 0.5, 0.5, 0.25]


def test_loss_ratio_rule_on_a_known_loss_sequence():
    """Every `window` steps: rate <- rate * mean(last window) / mean(window before)."""
    schedule = LossRatio(window=2)
    schedule.start(1.0)
    losses = [4.0, 4.0,   # first window: mean 4, nothing to compare with yet
              3.0, 1.0,   # mean 2: rate * 2 / 4 = 0.5
              3.0, 3.0,   # mean 3: rate * 3 / 2 = 0.75 (the loss rose, the rate grows)
              3.0]        # window incomplete: unchanged
    rates = [schedule.after_step(loss) for loss in losses]
    assert rates == [1.0, 1.0, 1.0, 0.5, 0.5, 0.75, 0.75]
    assert schedule.epoch_rate(1) == 0.75  # carried across epochs


def test_loss_ratio_restarts_with_each_fit():
    schedule = LossRatio(window=1)
    schedule.start(1.0)
    schedule.after_step(2.0)
    schedule.after_step(1.0)
    schedule.start(1.0)
    assert schedule.after_step(8.0) == 1.0  # no memory of the earlier run


def test_loss_ratio_inside_fit_follows_the_recorded_step_losses(blobs):
    """Replaying the rule on history.step_loss gives the rate fit used in each epoch."""
    X, y = blobs
    net = MLP([4, 6, 3], seed=0)
    history = net.fit(X, y, epochs=4, learning_rate=0.2, batch_size=10,
                      lr_schedule=LossRatio(window=4), record_steps=True)
    steps_per_epoch = 6
    rate, window, previous = 0.2, [], None
    expected = []
    for step, loss in enumerate(history.step_loss):
        if step % steps_per_epoch == 0:
            expected.append(rate)
        window.append(loss)
        if len(window) == 4:
            mean = np.mean(window)
            if previous is not None:
                rate *= mean / previous
            previous, window = mean, []
    np.testing.assert_allclose(history.learning_rate, expected, rtol=1e-12)
    assert len(set(history.learning_rate)) > 1  # the rule did change the rate


def test_step_decay_inside_fit(blobs):
    X, y = blobs
    history = MLP([4, 3], seed=0).fit(X, y, epochs=4, learning_rate=0.2,
                                      lr_schedule=StepDecay(0.5))
    np.testing.assert_allclose(history.learning_rate, [0.2, 0.1, 0.05, 0.025], rtol=1e-15)


def test_callable_schedule(blobs):
    X, y = blobs
    history = MLP([4, 3], seed=0).fit(X, y, epochs=3, learning_rate=0.2,
                                      lr_schedule=lambda epoch: 0.1 / (1 + epoch))
    np.testing.assert_allclose(history.learning_rate, [0.1, 0.05, 0.1 / 3], rtol=1e-15)


def test_the_schedule_changes_the_steps_taken(blobs):
    """A decayed rate moves the weights less than a constant one."""
    X, y = blobs
    constant, decayed = MLP([4, 3], seed=0), MLP([4, 3], seed=0)
    start = constant.weights[0].copy()
    constant.fit(X, y, epochs=3, learning_rate=0.2, shuffle=False)
    decayed.fit(X, y, epochs=3, learning_rate=0.2, shuffle=False, lr_schedule=StepDecay(0.1))
    assert np.abs(decayed.weights[0] - start).sum() < np.abs(constant.weights[0] - start).sum()


@pytest.mark.parametrize("make, message", [
    (lambda: StepDecay(0), r"factor must be a positive number"),
    (lambda: StepDecay(0.5, every=0), r"every must be a positive integer"),
    (lambda: LossRatio(window=0), r"window must be a positive integer"),
    (lambda: as_schedule(0.1), r"lr_schedule must be None, a Schedule"),
    (lambda: Cosine(0), r"epochs must be a positive integer"),
    (lambda: Cosine(5, min_rate=-0.1), r"min_rate must be a number >= 0"),
    (lambda: Cosine(5, min_rate=1.0).start(0.1), r"min_rate \(1.0\) must not exceed"),
    (lambda: Warmup(0), r"epochs must be a positive integer"),
    (lambda: Warmup(2, start_factor=1.5), r"start_factor must be in \(0, 1\]"),
    (lambda: Warmup(2, start_factor=0), r"start_factor must be a positive number"),
    (lambda: Warmup(2, then=0.5), r"then must be None or a Schedule"),
    (lambda: Warmup(2, then=LossRatio()), r"then must be a per-epoch schedule"),
])
def test_bad_schedules(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_as_schedule_accepts_none_schedules_and_functions():
    assert type(as_schedule(None)) is Constant
    decay = StepDecay(0.9)
    assert as_schedule(decay) is decay
    wrapped = as_schedule(lambda e: 1.0 / (e + 1))
    wrapped.start(99.0)
    assert wrapped.epoch_rate(3) == 0.25


def test_cosine_known_values():
    """eta_0 at the start, the mean of eta_0 and min_rate half-way, min_rate at the end and after."""
    schedule = Cosine(4, min_rate=0.1)
    schedule.start(0.5)
    rates = [schedule.epoch_rate(e) for e in range(7)]
    half_down = 0.1 + 0.4 * (1 + np.sqrt(0.5)) / 2       # cos(pi / 4) = sqrt(1/2)
    np.testing.assert_allclose(rates, [0.5, half_down, 0.3, 0.6 - half_down, 0.1, 0.1, 0.1], rtol=1e-14)


def test_warmup_rises_linearly_then_hands_over():
    schedule = Warmup(4, start_factor=0.2, then=StepDecay(0.5))
    schedule.start(1.0)
    rates = [schedule.epoch_rate(e) for e in range(7)]
    np.testing.assert_allclose(rates, [0.2, 0.4, 0.6, 0.8, 1.0, 0.5, 0.25], rtol=1e-14)
    plain = Warmup(1)
    plain.start(0.3)
    np.testing.assert_allclose([plain.epoch_rate(e) for e in range(3)], [0.03, 0.3, 0.3], rtol=1e-14)


def test_cosine_and_warmup_match_torch():
    """The same rates as PyTorch's CosineAnnealingLR and LinearLR, stepped once per epoch."""
    torch = pytest.importorskip("torch")
    param = [torch.zeros(1, requires_grad=True)]
    for ours, make in [(Cosine(6, min_rate=0.01),
                        lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6, eta_min=0.01)),
                       (Warmup(3, start_factor=0.25),
                        lambda opt: torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=3))]:
        opt = torch.optim.SGD(param, lr=0.2)
        theirs = make(opt)
        ours.start(0.2)
        expected = []
        for _ in range(7):
            expected.append(opt.param_groups[0]["lr"])
            opt.step()
            theirs.step()
        np.testing.assert_allclose([ours.epoch_rate(e) for e in range(7)], expected, rtol=1e-12)


def test_warmup_and_cosine_inside_fit(blobs):
    X, y = blobs
    history = MLP([4, 3], seed=0).fit(X, y, epochs=4, learning_rate=0.2,
                                      lr_schedule=Warmup(2, start_factor=0.5, then=Cosine(2)))
    np.testing.assert_allclose(history.learning_rate, [0.1, 0.15, 0.2, 0.1], rtol=1e-14)
