"""Property tests: random depths, widths, batch sizes and configurations.

hypothesis draws the architecture and a seed; the arrays themselves come from
NumPy's generator with that seed (Gaussian inputs, which keep the examples
realistic). Settings (few examples, no deadline, derandomized) are in conftest.py.
"""

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import assume, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from mlp_from_scratch import MLP  # noqa: E402
from mlp_from_scratch.activations import HIDDEN_ACTIVATIONS, softmax  # noqa: E402
from mlp_from_scratch.gradcheck import check_gradients  # noqa: E402

OUTPUT_LOSS = [("softmax", "cross_entropy"), ("sigmoid", "cross_entropy"),
               ("softmax", "mse"), ("sigmoid", "mse"), ("identity", "mse")]


@st.composite
def networks(draw, dtype=np.float64):
    """An MLP of random shape and configuration, a batch for it, and the seed."""
    n_hidden = draw(st.integers(0, 3))
    sizes = ([draw(st.integers(1, 6))] + [draw(st.integers(1, 6)) for _ in range(n_hidden)]
             + [draw(st.integers(2, 5))])
    output, loss = draw(st.sampled_from(OUTPUT_LOSS))
    net = MLP(sizes, hidden=draw(st.sampled_from(list(HIDDEN_ACTIVATIONS))), output=output,
              loss=loss, l1=draw(st.sampled_from([0.0, 0.01])), l2=draw(st.sampled_from([0.0, 0.02])),
              seed=draw(st.integers(0, 2 ** 16)), dtype=dtype)
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    n_examples = draw(st.integers(1, 8))
    X = rng.standard_normal((n_examples, sizes[0])).astype(dtype)
    y = rng.integers(0, sizes[-1], n_examples)
    return net, X, y


def keep_away_from_kinks(net, X, margin=1e-4):
    """Move weights off 0 (the L1 kink) and reject draws with a hidden z near 0 (ReLU)."""
    for W in net.weights:
        W[...] = np.where(W >= 0, 1.0, -1.0) * np.maximum(np.abs(W), 0.05)
    a = X
    for W, b in zip(net.weights[:-1], net.biases[:-1]):
        z = a @ W + b
        assume(np.abs(z).min() > margin)
        a = HIDDEN_ACTIVATIONS[net.hidden].f(z)


@given(networks())
def test_backprop_matches_central_differences(case):
    net, X, y = case
    keep_away_from_kinks(net, X)
    dW, db = net.gradients(X, y)
    assume(max(np.abs(g).max() for g in dW + db) > 1e-6)  # else relative errors mean nothing
    result = check_gradients(net, X, y)
    # per array: relative error, or an absolute one for arrays whose gradient is ~0
    # (e.g. every unit of a tiny ReLU layer dead on this batch)
    for error, diff in zip(result.errors, result.max_abs_diffs):
        assert error <= 1e-7 or diff <= 1e-9, f"\n{result}"


@given(networks())
def test_shapes_and_dtypes(case):
    net, X, y = case
    N, K = len(X), net.layer_sizes[-1]
    assert net.forward(X).shape == (N, K)
    assert net.predict(X).shape == (N,)
    assert set(np.unique(net.predict(X))) <= set(range(K))
    dW, db = net.gradients(X, y)
    assert [g.shape for g in dW] == [W.shape for W in net.weights]
    assert [g.shape for g in db] == [b.shape for b in net.biases]
    assert np.isfinite(net.loss(X, y))


@given(networks(dtype=np.float32))
def test_float32_stays_float32(case):
    net, X, y = case
    dW, db = net.gradients(X, y)
    assert {a.dtype for a in dW + db + [net.forward(X)]} == {np.dtype(np.float32)}


@given(networks())
def test_softmax_outputs_are_distributions(case):
    net, X, y = case
    assume(net.output == "softmax")
    P = net.predict_proba(X)
    assert np.all(P >= 0)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=6),
                  elements=st.floats(-1e4, 1e4)))
def test_softmax_rows_sum_to_one_for_any_logits(z):
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        F = softmax(z)
    assert np.all((F >= 0) & (F <= 1))
    np.testing.assert_allclose(F.sum(axis=1), 1.0, rtol=1e-12)
    # the largest logit gets the largest probability
    np.testing.assert_array_equal(F[np.arange(len(z)), z.argmax(axis=1)], F.max(axis=1))


@given(networks(), st.integers(1, 5))
def test_training_is_deterministic(case, batch_size):
    net, X, y = case
    twin = MLP(net.layer_sizes, hidden=net.hidden, output=net.output, loss=net.loss_name,
               l1=net.l1, l2=net.l2, seed=net.seed)
    h1 = net.fit(X, y, epochs=2, learning_rate=0.05, batch_size=batch_size, record_steps=True)
    h2 = twin.fit(X, y, epochs=2, learning_rate=0.05, batch_size=batch_size, record_steps=True)
    assert h1.as_dict() == h2.as_dict()
    for p, q in zip(net.parameters(), twin.parameters()):
        assert p.tobytes() == q.tobytes()


@given(networks())
def test_rows_are_independent(case):
    """Each example's output depends on its own row only: a batch = its rows one by one."""
    net, X, y = case
    batch = net.forward(X)
    rows = np.vstack([net.forward(X[i:i + 1]) for i in range(len(X))])
    np.testing.assert_allclose(batch, rows, rtol=1e-12, atol=1e-14)


@given(networks())
def test_loss_is_the_mean_of_single_example_losses(case):
    net, X, y = case
    penalty = net.penalty()
    singles = [net.loss(X[i:i + 1], y[i:i + 1]) - penalty for i in range(len(X))]
    assert net.loss(X, y) == pytest.approx(np.mean(singles) + penalty, rel=1e-12, abs=1e-14)
