"""The reverse-mode autodiff: each operation against central differences, a whole MLP
against the hand-derived backpropagation (``MLP.gradients``) and against torch autograd."""

import numpy as np
import pytest

from mlp_from_scratch import MLP
from mlp_from_scratch.autodiff import (Tensor, graph_nbytes, mlp_objective, relu, sigmoid,
                                       softmax_cross_entropy, tanh, topological_order)
from mlp_from_scratch.gradcheck import numerical_gradient, relative_error

rng = np.random.default_rng(12)


def away_from_zero(shape):
    """Random values with |x| >= 0.1, so that no central difference straddles relu's kink."""
    x = rng.normal(size=shape)
    return np.where(np.abs(x) < 0.1, 0.1 + np.abs(x), x)


def check_op(build, *shapes, tol=1e-8):
    """Compare the autodiff gradient of J = sum(R * build(*inputs)) with central differences.

    R is a fixed random array, so that the adjoint reaching ``build``'s output is not all ones.
    """
    arrays = [away_from_zero(shape) for shape in shapes]
    out_shape = build(*[Tensor(a) for a in arrays]).shape
    R = rng.normal(size=out_shape)

    def J(*values):
        return float(np.sum(R * build(*[Tensor(v) for v in values]).value))

    leaves = [Tensor(a) for a in arrays]
    out = build(*leaves)
    (out * R).sum().backward()
    for leaf, array in zip(leaves, arrays):
        numeric = numerical_gradient(lambda _: J(*arrays), array)
        assert leaf.grad.shape == array.shape
        assert relative_error(leaf.grad, numeric) < tol


@pytest.mark.parametrize("build, shapes", [
    (lambda A, B: A @ B, [(4, 3), (3, 5)]),
    (lambda A, b: A + b, [(4, 3), (3,)]),              # a bias row added to every example
    (lambda b, A: b + A, [(3,), (4, 3)]),
    (lambda A, c: A + c, [(4, 3), (4, 1)]),            # a column broadcast along axis 1
    (lambda r, c: r + c, [(1, 3), (4, 1)]),            # both operands broadcast
    (lambda A, s: A + s, [(4, 3), ()]),                # a 0-d array
    (lambda A, B: A * B, [(4, 3), (4, 3)]),
    (lambda A, b: A * b, [(4, 3), (3,)]),
    (lambda A: relu(A), [(4, 3)]),
    (lambda A: sigmoid(A), [(4, 3)]),
    (lambda A: tanh(A), [(4, 3)]),
    (lambda A: A.sum(), [(4, 3)]),
    (lambda A: A.sum(axis=0), [(4, 3)]),
    (lambda A: A.sum(axis=1), [(4, 3)]),
    (lambda A: A.mean(), [(4, 3)]),
    (lambda A: A.mean(axis=0), [(4, 3)]),
    (lambda A: A.mean(axis=1), [(4, 3)]),
    (lambda A: 2.0 * A + 1.0, [(4, 3)]),              # constants on the left
    (lambda A, W, b: tanh(A @ W + b), [(5, 4), (4, 3), (3,)]),
], ids=["matmul", "add-bias", "add-bias-left", "add-column", "add-both", "add-scalar", "mul",
        "mul-broadcast", "relu", "sigmoid", "tanh", "sum", "sum-0", "sum-1", "mean", "mean-0",
        "mean-1", "constants", "layer"])
def test_operation_against_central_differences(build, shapes):
    check_op(build, *shapes)


def test_softmax_cross_entropy_against_central_differences_and_its_closed_form():
    Z = rng.normal(size=(6, 4))
    y = rng.integers(0, 4, size=6)
    logits = Tensor(Z)
    J = softmax_cross_entropy(logits, y)
    J.backward()
    numeric = numerical_gradient(lambda z: softmax_cross_entropy(Tensor(z), y).value, Z)
    assert relative_error(logits.grad, numeric) < 1e-8
    a = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    assert J.value == pytest.approx(-np.mean(np.log(a[np.arange(6), y])), rel=1e-12)
    a[np.arange(6), y] -= 1
    np.testing.assert_allclose(logits.grad, a / 6, rtol=1e-12)


def test_softmax_cross_entropy_is_finite_for_huge_logits():
    logits = Tensor(np.array([[1000.0, -1000.0, 0.0], [-800.0, 800.0, 1.0]]))
    J = softmax_cross_entropy(logits, np.array([1, 1]))
    J.backward()
    assert J.value == pytest.approx(1000.0)   # the first example: -log softmax = 2000 / 2
    assert np.all(np.isfinite(logits.grad))


def test_a_tensor_used_twice_receives_both_contributions():
    x = rng.normal(size=5)
    t = Tensor(x)
    (t * t).sum().backward()                  # d/dx sum x^2 = 2x: two paths, each giving x
    np.testing.assert_allclose(t.grad, 2 * x, rtol=1e-15)

    A, W = rng.normal(size=(3, 4)), rng.normal(size=(4, 4))
    a, w = Tensor(A), Tensor(W)
    (tanh(a @ w) + a).sum().backward()        # a residual connection: a is used twice
    numeric = numerical_gradient(lambda v: (np.tanh(v @ W) + v).sum(), A)
    assert relative_error(a.grad, numeric) < 1e-8


def test_backward_starts_afresh_each_call():
    t = Tensor(rng.normal(size=(3, 2)))
    J = (t * t).sum()
    J.backward()
    first = t.grad.copy()
    J.backward()
    np.testing.assert_array_equal(t.grad, first)


def test_topological_order_puts_parents_first_and_survives_deep_graphs():
    x = Tensor(np.ones(3))
    out = x
    for _ in range(5000):                     # far deeper than Python's recursion limit
        out = out + x
    order = topological_order(out)
    position = {id(node): i for i, node in enumerate(order)}
    assert order[-1] is out and len(order) == 5001
    assert all(position[id(p)] < position[id(node)] for node in order for p in node.parents)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full(3, 5001.0))


@pytest.mark.parametrize("hidden", ["relu", "sigmoid", "tanh", "identity"])
@pytest.mark.parametrize("l2", [0.0, 0.03])
def test_mlp_graph_equals_hand_backpropagation(hidden, l2):
    net = MLP([6, 8, 5, 4], hidden=hidden, l2=l2, seed=3)
    for b in net.biases:
        b[:] = rng.normal(size=b.shape)
    X, y = rng.normal(size=(20, 6)), rng.integers(0, 4, size=20)
    J, weights, biases = mlp_objective(net, X, y)
    J.backward()
    dW, db = net.gradients(X, y)
    assert J.value == pytest.approx(net.loss(X, y), rel=1e-13)
    for tensor, hand in zip(weights + biases, dW + db):
        assert tensor.value is not None and tensor.grad.shape == hand.shape
        assert relative_error(tensor.grad, hand) <= 1e-12


def test_float32_stays_float32():
    net = MLP([3, 4, 2], seed=0, dtype=np.float32)
    J, weights, _ = mlp_objective(net, np.ones((2, 3)), np.array([0, 1]))
    J.backward()
    assert J.value.dtype == np.float32 and weights[0].grad.dtype == np.float32


def test_graph_nbytes_counts_the_stored_arrays_of_one_layer():
    X, W, b = Tensor(np.zeros((10, 4))), Tensor(np.zeros((4, 3))), Tensor(np.zeros(3))
    J = softmax_cross_entropy(relu(X @ W + b), np.zeros(10, dtype=int))
    # matmul, add, relu: (10, 3) each; the loss: a scalar and the saved softmax (10, 3)
    assert graph_nbytes(J) == (5, 4 * 10 * 3 * 8 + 8)
    assert graph_nbytes(J, include_leaves=True) == (8, 4 * 10 * 3 * 8 + 8 + (40 + 12 + 3) * 8)


@pytest.mark.parametrize("make, message", [
    (lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3))), r"matmul: shapes \(2, 3\) and \(2, 3\)"),
    (lambda: Tensor(np.ones(3)) @ Tensor(np.ones((3, 2))), "matmul"),
    (lambda: Tensor(np.ones((2, 3))) + Tensor(np.ones(2)), r"add: shapes \(2, 3\) and \(2,\)"),
    (lambda: Tensor(np.ones((2, 3))) * np.ones((3, 3)), "mul"),
    (lambda: Tensor(np.ones((2, 3))).backward(), "scalar"),
    (lambda: Tensor(np.ones((2, 3))).backward(np.ones(3)), "shape"),
    (lambda: softmax_cross_entropy(Tensor(np.ones((2, 3))), [0, 3]), "labels"),
    (lambda: softmax_cross_entropy(Tensor(np.ones((2, 3))), [0.0, 1.0]), "integer"),
    (lambda: softmax_cross_entropy(Tensor(np.ones((2, 3))), [0]), "2 integer labels"),
    (lambda: softmax_cross_entropy(Tensor(np.ones(3)), [0]), "logits"),
    (lambda: mlp_objective(MLP([2, 2], loss="mse"), np.ones((1, 2)), [0]), "cross-entropy"),
    (lambda: mlp_objective(MLP([2, 2], l1=0.1), np.ones((1, 2)), [0]), "l1"),
])
def test_bad_input_gives_a_clear_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_ndarray_on_the_left_makes_a_tensor():
    t = Tensor(np.ones(3))
    out = np.arange(3.0) + t
    assert isinstance(out, Tensor)
    np.testing.assert_array_equal(out.value, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("hidden", ["relu", "sigmoid", "tanh"])
def test_mlp_graph_equals_torch_autograd(hidden):
    torch = pytest.importorskip("torch")
    net = MLP([7, 9, 6, 3], hidden=hidden, l2=0.01, seed=4)
    for b in net.biases:
        b[:] = rng.normal(size=b.shape)
    X, y = rng.normal(size=(15, 7)), rng.integers(0, 3, size=15)
    J, weights, biases = mlp_objective(net, X, y)
    J.backward()

    params = [torch.tensor(p, requires_grad=True) for p in net.parameters()]
    f = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[hidden]
    a = torch.tensor(X)
    for l in range(net.n_layers):
        a = a @ params[l] + params[net.n_layers + l]
        a = f(a) if l < net.n_layers - 1 else a
    loss = torch.nn.functional.cross_entropy(a, torch.tensor(y)) + 0.01 * sum(
        (W ** 2).sum() for W in params[:net.n_layers])
    loss.backward()
    assert J.value == pytest.approx(loss.item(), rel=1e-13)
    for tensor, p in zip(weights + biases, params):
        assert relative_error(tensor.grad, p.grad.numpy()) <= 1e-12
