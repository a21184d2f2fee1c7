"""fit takes one route: forward_pass, backward, optimizer.step, for every optimiser and batch size.

A spy wraps ``MLP.forward_pass``, ``MLP.backward`` and ``Optimizer.step`` and counts
their calls during ``fit``: each must run exactly once per step (forward_pass also
once per evaluation, which the spy tells apart by ``training``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from mlp_from_scratch import MLP
from mlp_from_scratch.optimizers import OPTIMIZERS, Optimizer

N_EXAMPLES = 30
REGULARISATION = {"none": {}, "l1": {"l1": 1e-3}, "l2": {"l2": 1e-3}, "dropout": {"dropout": 0.2}}


@pytest.fixture
def spy(monkeypatch):
    calls = {"forward_pass": 0, "backward": 0, "step": 0}
    forward_pass, backward, step = MLP.forward_pass, MLP.backward, Optimizer.step

    def counted_forward_pass(self, X, training=False):
        calls["forward_pass"] += bool(training)
        return forward_pass(self, X, training)

    def counted_backward(self, cache, y):
        calls["backward"] += 1
        return backward(self, cache, y)

    def counted_step(self, params, grads, learning_rate, decay=None):
        calls["step"] += 1
        return step(self, params, grads, learning_rate, decay)

    monkeypatch.setattr(MLP, "forward_pass", counted_forward_pass)
    monkeypatch.setattr(MLP, "backward", counted_backward)
    monkeypatch.setattr(Optimizer, "step", counted_step)
    return calls


@pytest.mark.parametrize("regularisation", list(REGULARISATION))
@pytest.mark.parametrize("batch_size", [1, 7, 100])
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_fit_calls_backward_and_step_once_per_step(spy, optimizer, batch_size, regularisation):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((N_EXAMPLES, 4)), rng.integers(0, 3, N_EXAMPLES)
    net = MLP([4, 5, 3], seed=0, dtype=np.float32, **REGULARISATION[regularisation])
    before = [p.copy() for p in net.parameters()]
    epochs = 2
    net.fit(X, y, epochs=epochs, learning_rate=0.01, batch_size=batch_size, optimizer=optimizer,
            validation_data=(X, y))
    steps = epochs * math.ceil(N_EXAMPLES / min(batch_size, N_EXAMPLES))
    assert spy == {"forward_pass": steps, "backward": steps, "step": steps}
    assert all(not np.array_equal(p, q) for p, q in zip(net.weights, before))  # and the steps moved W


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_a_step_leaves_the_gradients_as_they_were(name):
    rng = np.random.default_rng(1)
    params = [rng.standard_normal((3, 2)), rng.standard_normal(2)]
    grads = [rng.standard_normal((3, 2)), rng.standard_normal(2)]
    copies = [g.copy() for g in grads]
    optimizer = OPTIMIZERS[name]()
    for _ in range(3):
        optimizer.step(params, grads, 0.1)
    for g, copy in zip(grads, copies):
        np.testing.assert_array_equal(g, copy)
