"""Agreement with PyTorch autograd: the same network, loss and gradients.

Skipped when torch is not installed (CI installs the CPU wheel; torch is never
a dependency of the package). The torch side is written from the definitions,
using torch's own losses where they exist, and differentiated by autograd.
"""

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from mlp_from_scratch import MLP  # noqa: E402

ARCHITECTURES = [[4, 3], [5, 7, 3], [6, 8, 5, 4]]
HIDDEN = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "identity": lambda z: z}
OUTPUT_LOSS = [("softmax", "cross_entropy"), ("sigmoid", "cross_entropy"),
               ("softmax", "mse"), ("sigmoid", "mse"), ("identity", "mse")]
PENALTIES = [(0.0, 0.0), (0.01, 0.0), (0.0, 0.02), (0.015, 0.025)]

CASES = [(sizes, hidden, output, loss, l1, l2)
         for sizes, hidden, (output, loss), (l1, l2)
         in itertools.product(ARCHITECTURES, HIDDEN, OUTPUT_LOSS, PENALTIES)
         # every architecture x (output, loss) x penalty; hidden activations rotate
         # through the combinations so each is paired with every output and penalty
         if list(HIDDEN).index(hidden) == (ARCHITECTURES.index(sizes) + OUTPUT_LOSS.index((output, loss))
                                           + PENALTIES.index((l1, l2))) % len(HIDDEN)]


def torch_objective(weights, biases, X, y, hidden, output, loss, l1, l2):
    """The objective of the book, in torch: mean data loss + l1 sum|W| + l2 sum W^2."""
    a = X
    for l, (W, b) in enumerate(zip(weights, biases)):
        z = a @ W + b
        a = HIDDEN[hidden](z) if l < len(weights) - 1 else z
    z = a
    Y = F.one_hot(y, z.shape[1]).to(z.dtype)
    if (output, loss) == ("softmax", "cross_entropy"):
        data = F.cross_entropy(z, y)  # mean over the batch of -log softmax
    elif (output, loss) == ("sigmoid", "cross_entropy"):
        data = F.binary_cross_entropy_with_logits(z, Y, reduction="sum") / len(y)
    else:
        out = {"softmax": lambda v: torch.softmax(v, dim=1), "sigmoid": torch.sigmoid,
               "identity": lambda v: v}[output](z)
        data = 0.5 * ((out - Y) ** 2).sum(dim=1).mean()
    penalty = sum(l1 * W.abs().sum() + l2 * (W ** 2).sum() for W in weights)
    return data + penalty


@pytest.mark.parametrize("sizes, hidden, output, loss, l1, l2", CASES,
                         ids=[f"{'-'.join(map(str, c[0]))}-{c[1]}-{c[2]}-{c[3]}-l1={c[4]}-l2={c[5]}" for c in CASES])
def test_loss_and_gradients_agree_with_autograd(sizes, hidden, output, loss, l1, l2):
    net = MLP(sizes, hidden=hidden, output=output, loss=loss, l1=l1, l2=l2, seed=sum(sizes))
    rng = np.random.default_rng(len(sizes))
    for b in net.biases:
        b[...] = 0.1 * rng.standard_normal(b.shape)
    X = rng.standard_normal((9, sizes[0]))
    y = rng.integers(0, sizes[-1], 9)

    weights = [torch.tensor(W, requires_grad=True) for W in net.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in net.biases]
    objective = torch_objective(weights, biases, torch.tensor(X), torch.tensor(y), hidden, output, loss, l1, l2)
    objective.backward()

    assert net.loss(X, y) == pytest.approx(objective.item(), rel=1e-12, abs=1e-14)
    dW, db = net.gradients(X, y)
    for ours, theirs in zip(dW + db, weights + biases):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_every_configuration_is_covered():
    """The rotation above still pairs each hidden activation with each (output, loss) and penalty."""
    assert len(CASES) == len(ARCHITECTURES) * len(OUTPUT_LOSS) * len(PENALTIES)
    assert {(c[1], c[2], c[3]) for c in CASES} >= {(h, o, lo) for h in HIDDEN for o, lo in OUTPUT_LOSS}
    assert {(c[1], c[4], c[5]) for c in CASES} == {(h, a, b) for h in HIDDEN for a, b in PENALTIES}


def test_float32_agrees_with_torch_float32():
    net = MLP([5, 6, 3], hidden="tanh", l2=0.01, seed=1, dtype=np.float32)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 5)).astype(np.float32)
    y = rng.integers(0, 3, 8)
    weights = [torch.tensor(W, requires_grad=True) for W in net.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in net.biases]
    objective = torch_objective(weights, biases, torch.tensor(X), torch.tensor(y),
                                "tanh", "softmax", "cross_entropy", 0.0, 0.01)
    objective.backward()
    assert net.loss(X, y) == pytest.approx(objective.item(), rel=1e-5)
    dW, db = net.gradients(X, y)
    for ours, theirs in zip(dW + db, weights + biases):
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_one_sgd_step_agrees_with_a_step_along_the_torch_gradient():
    """fit with one full batch = one plain SGD step, p <- p - eta * grad, in torch.

    (Written out rather than through torch.optim, whose import alone takes seconds.)
    """
    net = MLP([4, 5, 3], hidden="relu", l1=0.01, l2=0.01, seed=2)
    rng = np.random.default_rng(1)
    X = rng.standard_normal((10, 4))
    y = rng.integers(0, 3, 10)
    weights = [torch.tensor(W, requires_grad=True) for W in net.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in net.biases]
    torch_objective(weights, biases, torch.tensor(X), torch.tensor(y),
                    "relu", "softmax", "cross_entropy", 0.01, 0.01).backward()
    with torch.no_grad():
        for p in weights + biases:
            p -= 0.5 * p.grad
    net.fit(X, y, epochs=1, learning_rate=0.5, batch_size=10, shuffle=False)
    for ours, theirs in zip(net.parameters(), weights + biases):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-12, atol=1e-14)


TORCH_OPTIMIZERS = {
    "sgd": lambda W, b, lr: torch.optim.SGD(W + b, lr=lr),
    "momentum": lambda W, b, lr: torch.optim.SGD(W + b, lr=lr, momentum=0.9),
    "nesterov": lambda W, b, lr: torch.optim.SGD(W + b, lr=lr, momentum=0.9, nesterov=True),
    "rmsprop": lambda W, b, lr: torch.optim.RMSprop(W + b, lr=lr, alpha=0.99, eps=1e-8),
    "adam": lambda W, b, lr: torch.optim.Adam(W + b, lr=lr),
    # decoupled weight decay on the weights only: two parameter groups
    "adamw": lambda W, b, lr: torch.optim.AdamW([{"params": W}, {"params": b, "weight_decay": 0.0}],
                                                lr=lr, weight_decay=0.01),
}


@pytest.mark.parametrize("name", list(TORCH_OPTIMIZERS))
def test_training_with_each_optimizer_agrees_with_torch_optim(name):
    """fit(optimizer=name, shuffle=False): two epochs of minibatches in order, step by step
    as a torch.optim loop on the same objective (float64)."""
    net = MLP([4, 6, 3], hidden="tanh", l2=0.005, seed=3)
    rng = np.random.default_rng(2)
    X = rng.standard_normal((24, 4))
    y = rng.integers(0, 3, 24)
    weights = [torch.tensor(W, requires_grad=True) for W in net.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in net.biases]
    lr = 0.01 if name in ("rmsprop", "adam", "adamw") else 0.1
    opt = TORCH_OPTIMIZERS[name](weights, biases, lr)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    for _ in range(2):
        for start in range(0, 24, 8):
            opt.zero_grad()
            torch_objective(weights, biases, Xt[start:start + 8], yt[start:start + 8],
                            "tanh", "softmax", "cross_entropy", 0.0, 0.005).backward()
            opt.step()
    start_weights = [W.copy() for W in net.weights]
    net.fit(X, y, epochs=2, learning_rate=lr, batch_size=8, shuffle=False, optimizer=name)
    for ours, theirs in zip(net.parameters(), weights + biases):
        theirs = theirs.detach().numpy()
        assert np.max(np.abs(ours - theirs)) <= 1e-12 * np.max(np.abs(theirs))
    assert max(np.max(np.abs(W - W0)) for W, W0 in zip(net.weights, start_weights)) > 1e-3
