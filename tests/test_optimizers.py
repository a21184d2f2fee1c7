"""The optimisers against torch.optim, and their argument checks.

Each optimiser and its torch counterpart start from the same parameters and are fed
the same gradients (those of a fixed quadratic-plus-quartic function, computed in
NumPy from each side's current parameters) for 20 steps in float64; the parameters
must agree to 1e-12 relative. The torch side is skipped when torch is missing.
"""

import numpy as np
import pytest

from mlp_from_scratch.optimizers import (OPTIMIZERS, SGD, Adam, AdamW, Momentum, Nesterov, RMSProp,
                                         make_optimizer)

STEPS = 20
SHAPES = [(5, 3), (3,), (3, 2), (2,)]  # two weight matrices and two bias vectors
IS_WEIGHT = [True, False, True, False]


def initial_parameters():
    rng = np.random.default_rng(11)
    return [rng.standard_normal(shape) for shape in SHAPES]


def gradient(params):
    """Gradient of sum_i (c_i theta_i^2 / 2 + theta_i^4 / 4 - s_i theta_i): curved and anisotropic."""
    grads = []
    for k, theta in enumerate(params):
        c = np.linspace(0.5, 5.0, theta.size).reshape(theta.shape) * (k + 1)
        grads.append(c * theta + theta ** 3 - 0.3 * (k + 1))
    return grads


def torch_optimizer(name, torch, params, lr):
    weights = [p for p, w in zip(params, IS_WEIGHT) if w]
    biases = [p for p, w in zip(params, IS_WEIGHT) if not w]
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, dampening=0)
    if name == "nesterov":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, dampening=0, nesterov=True)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=0.99, eps=1e-8)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8)
    if name == "adamw":  # two groups: decay on the weights only, as the book's penalties
        return torch.optim.AdamW([{"params": weights}, {"params": biases, "weight_decay": 0.0}],
                                 lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    raise AssertionError(name)


LEARNING_RATES = {"sgd": 0.02, "momentum": 0.02, "nesterov": 0.02, "rmsprop": 0.01,
                  "adam": 0.05, "adamw": 0.05}


def run_numpy(name, lr):
    params = initial_parameters()
    opt = make_optimizer(name)
    for _ in range(STEPS):
        opt.step(params, gradient(params), lr, decay=IS_WEIGHT)
    return params


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_agrees_with_torch_optim(name):
    torch = pytest.importorskip("torch")
    lr = LEARNING_RATES[name]
    ours = run_numpy(name, lr)
    tparams = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in initial_parameters()]
    opt = torch_optimizer(name, torch, tparams, lr)
    for _ in range(STEPS):
        grads = gradient([p.detach().numpy() for p in tparams])
        for p, g in zip(tparams, grads):
            p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
    start = initial_parameters()
    for mine, theirs, theta0 in zip(ours, tparams, start):
        theirs = theirs.detach().numpy()
        assert np.max(np.abs(mine - theta0)) > 1e-3  # the parameters really moved
        rel = np.max(np.abs(mine - theirs)) / np.max(np.abs(theirs))
        assert rel <= 1e-12, (name, rel)


def test_adamw_decays_only_marked_arrays():
    # with zero gradients Adam does not move; AdamW shrinks exactly the marked arrays
    params = initial_parameters()
    before = [p.copy() for p in params]
    AdamW(weight_decay=0.1).step(params, [np.zeros_like(p) for p in params], 0.5, decay=IS_WEIGHT)
    for p, p0, decays in zip(params, before, IS_WEIGHT):
        np.testing.assert_array_equal(p, p0 * (1 - 0.05) if decays else p0)


def test_sgd_step_is_the_textbook_update():
    params = initial_parameters()
    grads = gradient(params)
    expected = [p - 0.1 * g for p, g in zip(params, grads)]
    SGD().step(params, gradient(params), 0.1)
    for p, e in zip(params, expected):
        np.testing.assert_allclose(p, e, rtol=1e-15, atol=0)


def test_first_momentum_step_equals_sgd_and_reset_forgets():
    a, b = initial_parameters(), initial_parameters()
    opt = Momentum(beta=0.5)
    opt.step(a, gradient(a), 0.1)
    SGD().step(b, gradient(b), 0.1)
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p, q)
    opt.step(a, gradient(a), 0.1)
    opt.reset()
    assert opt.t == 0 and opt.state == []


def test_works_on_a_single_array_of_float32():
    w = np.ones(4, dtype=np.float32)
    H = np.diag([1.0, 2.0, 3.0, 4.0]).astype(np.float32)
    opt = Adam()
    for _ in range(5):
        opt.step([w], [H @ w], learning_rate=0.1)
    assert w.dtype == np.float32 and np.all(w < 1)


def test_make_optimizer():
    assert type(make_optimizer(None)) is SGD
    for name, cls in OPTIMIZERS.items():
        assert type(make_optimizer(name)) is cls
    opt = Nesterov(beta=0.8)
    assert make_optimizer(opt) is opt
    assert make_optimizer("adamw").weight_decay == 0.01
    assert RMSProp().alpha == 0.99 and Momentum().beta == 0.9


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="optimizer 'adagrad'.*'sgd'.*'adamw'"):
        make_optimizer("adagrad")
    with pytest.raises(ValueError, match="optimizer must be"):
        make_optimizer(3)


@pytest.mark.parametrize("factory, name", [
    (lambda v: Momentum(beta=v), "beta"), (lambda v: Nesterov(beta=v), "beta"),
    (lambda v: RMSProp(alpha=v), "alpha"), (lambda v: Adam(beta1=v), "beta1"),
    (lambda v: Adam(beta2=v), "beta2"), (lambda v: AdamW(beta1=v), "beta1"),
])
@pytest.mark.parametrize("value", [0.0, -0.5, 1.0, float("nan"), "0.9"])
def test_bad_rates_are_rejected(factory, name, value):
    with pytest.raises(ValueError, match=name):
        factory(value)


@pytest.mark.parametrize("factory", [lambda v: RMSProp(eps=v), lambda v: Adam(eps=v), lambda v: AdamW(eps=v)])
@pytest.mark.parametrize("value", [0.0, -1e-8, float("inf")])
def test_bad_eps_is_rejected(factory, value):
    with pytest.raises(ValueError, match="eps"):
        factory(value)


@pytest.mark.parametrize("value", [-0.01, float("nan"), None])
def test_bad_weight_decay_is_rejected(value):
    with pytest.raises(ValueError, match="weight_decay"):
        AdamW(weight_decay=value)


def test_mismatched_arguments_are_rejected():
    opt = Adam()
    with pytest.raises(ValueError, match="same length"):
        opt.step([np.zeros(2)], [], 0.1)
    with pytest.raises(ValueError, match="shape"):
        opt.step([np.zeros(2)], [np.zeros(3)], 0.1)
    opt.step([np.zeros(2)], [np.ones(2)], 0.1)
    with pytest.raises(ValueError, match="reset"):
        opt.step([np.zeros(2), np.zeros(2)], [np.ones(2), np.ones(2)], 0.1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_updates_views_and_contiguous_arrays_alike(dtype):
    # the one-pass BLAS route needs contiguous arrays; views must still be updated in place
    base = np.arange(8192, dtype=dtype).reshape(64, 128)  # large enough for the BLAS route
    views = [base.copy(), base.copy().T, base.copy()[:, ::2], np.zeros(0, dtype=dtype)]
    expected = [v - dtype(0.5) * np.ones_like(v) for v in views]
    SGD().step(views, [np.ones_like(v) for v in views], 0.5)
    for v, e in zip(views, expected):
        np.testing.assert_array_equal(v, e)
