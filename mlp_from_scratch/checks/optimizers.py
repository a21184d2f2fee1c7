"""Checks of the optimisers' steps: SGD, momentum, Nesterov, RMSProp, Adam and AdamW.

The student writes each step as a function of the parameter, the gradient and the
optimiser's state, returning the new parameter and the new state (cs231n's
``optim.py``), in the book's notation (t = 1, 2, ... counts steps; m_0 = v_0 = 0):

* ``sgd_step(theta, g, learning_rate) -> theta``
* ``momentum_step(theta, g, m, learning_rate, beta) -> (theta, m)``
* ``nesterov_step(theta, g, m, learning_rate, beta) -> (theta, m)``
* ``rmsprop_step(theta, g, v, learning_rate, alpha, eps) -> (theta, v)``
* ``adam_step(theta, g, m, v, t, learning_rate, beta1, beta2, eps) -> (theta, m, v)``
* ``adamw_step(theta, g, m, v, t, learning_rate, beta1, beta2, eps, weight_decay) -> (theta, m, v)``

``theta``, ``g``, ``m`` and ``v`` are arrays of one shape (any). A check runs the
student's step for several steps from m_0 = v_0 = 0, feeding back the state it
returned, and compares the parameter after every step with the package's optimiser
(:mod:`mlp_from_scratch.optimizers`, torch's conventions) run on the same gradients.
"""

from __future__ import annotations

import numpy as np

from ..optimizers import SGD, Adam, AdamW, Momentum, Nesterov, RMSProp
from ._core import BadOutput, Case, Mistake, as_array, run_check

__all__ = ["check_sgd_step", "check_momentum_step", "check_nesterov_step", "check_rmsprop_step",
           "check_adam_step", "check_adamw_step", "MISTAKES"]

N_STEPS = 6


def optimizer_cases(seed, hyper):
    """Trajectories (theta_0, gradients g_1..g_T, learning rate, hyperparameters) of several shapes.

    ``hyper`` lists two settings of the optimiser's hyperparameters (default-like and
    not), so that a hard-coded constant shows.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for (label, shape, learning_rate, scale), h in zip(
            (("vector of 3", (3,), 0.1, 1.0), ("4 x 2 matrix", (4, 2), 0.05, 1.0),
             ("1 x 1, large gradients", (1, 1), 0.01, 1e3), ("2 x 3, zero gradients at first", (2, 3), 0.1, 1.0)),
            [hyper[0], hyper[1], hyper[0], hyper[1]]):
        grads = [scale * rng.normal(0, 1, shape) for _ in range(N_STEPS)]
        if label.endswith("at first"):
            grads[0][...] = 0.0      # v_1 = 0: only eps keeps g / sqrt(v) finite
            grads[1][0] = 0.0
        described = ", ".join(f"{k}={v}" for k, v in h.items())
        cases.append(Case(f"{label}, {N_STEPS} steps, learning_rate={learning_rate}, {described}",
                          (rng.normal(0, 1, shape), grads, learning_rate), extra=h))
    return cases


def _names():
    return [f"theta_{k}" for k in range(1, N_STEPS + 1)]


def package_trajectory(make, case, gradient=None, learning_rate=None, counter=None):
    """theta_1, ..., theta_T of the package's optimiser ``make()`` on ``case``.

    ``gradient(theta, g)`` may change the gradient each step (for variants),
    ``learning_rate`` replace the case's, ``counter`` set the optimiser's step count t
    before the first step.
    """
    theta0, grads, eta = case.args
    optimizer, theta = make(), theta0.copy()
    if counter is not None:
        optimizer.t = counter
    out = {}
    for name, g in zip(_names(), grads):
        g = gradient(theta, g) if gradient else g.copy()   # a copy: an optimiser may use it as scratch space
        optimizer.step([theta], [g], eta if learning_rate is None else learning_rate)
        out[name] = theta.copy()
    return out


def _caller(state_names, with_t, hyper_names):
    """Run the student's step through the case's gradients, feeding back the state it returns."""
    names = ["theta", *state_names]

    def call(step, case):
        theta0, grads, eta = case.args
        theta, state = theta0.copy(), [np.zeros_like(theta0) for _ in state_names]
        out = {}
        for t, (name, g) in enumerate(zip(_names(), grads), start=1):
            args = [theta.copy(), g.copy(), *[s.copy() for s in state]] + ([t] if with_t else []) + [eta]
            value = step(*args, *[case.extra[h] for h in hyper_names])
            if not state_names:
                theta = as_array(value, "theta")
            elif isinstance(value, (tuple, list)) and len(value) == len(names):
                theta, *state = [as_array(v, n) for v, n in zip(value, names)]
            else:
                raise BadOutput(f"your step must return ({', '.join(names)}) (step t = {t})")
            if theta.shape != theta0.shape:
                raise BadOutput(f"your step returned theta of shape {theta.shape}; expected {theta0.shape} "
                                f"(step t = {t})", "wrong_shape")
            out[name] = theta.copy()
        return out
    return call


def _run(name, step, cases, make, mistakes, state_names, with_t, hyper_names, equation):
    return run_check(name, step, cases, lambda case: package_trajectory(lambda: make(case.extra), case),
                     mistakes, call=_caller(state_names, with_t, hyper_names), unpacker=lambda value, case: value,
                     equation=equation)


def _variant(make, **kwargs):
    """The package's optimiser ``make(hyper)`` run with changed arguments (see :func:`package_trajectory`)."""
    def variant(case, reference):
        extra = {k: (v(case) if callable(v) else v) for k, v in kwargs.items()}
        return package_trajectory(lambda: make(case.extra), case, **extra)
    return variant


# ------------------------------------------------------------------------- SGD
SGD_MISTAKES = [
    Mistake("sgd_ascent", "your step goes uphill: gradient descent subtracts the gradient",
            "theta <- theta - eta g", _variant(lambda h: SGD(), learning_rate=lambda case: -case.args[2])),
    Mistake("sgd_no_learning_rate", "your step forgets the learning rate", "theta <- theta - eta g",
            _variant(lambda h: SGD(), learning_rate=1.0)),
]


def check_sgd_step(sgd_step, seed=0):
    """Check ``sgd_step(theta, g, learning_rate) -> theta``: theta - eta g."""
    return _run("sgd_step", sgd_step, optimizer_cases(seed, [{}, {}]), lambda h: SGD(), SGD_MISTAKES, (), False, (),
                "theta <- theta - eta g")


# -------------------------------------------------------------------- momentum
MOMENTUM_HYPER = [{"beta": 0.9}, {"beta": 0.5}]

MOMENTUM_MISTAKES = [
    Mistake("momentum_dampening", "your velocity is damped, m = beta m + (1 - beta) g (an average); "
            "momentum with dampening (torch uses none) takes steps 1 - beta times as long",
            "m_t = beta m_{t-1} + g_t", _variant(lambda h: Momentum(h["beta"]),
                                                 learning_rate=lambda c: c.args[2] * (1 - c.extra["beta"]))),
    Mistake("momentum_no_velocity", "your step ignores the velocity: that is plain SGD",
            "theta <- theta - eta m_t, m_t = beta m_{t-1} + g_t", _variant(lambda h: SGD())),
    Mistake("momentum_stale_velocity", "your step moves theta with the velocity of the step before, then "
            "updates it: update m first", "m_t = beta m_{t-1} + g_t, then theta <- theta - eta m_t",
            lambda case, ref: dict(zip(_names(), [case.args[0]] + [ref[n] for n in _names()[:-1]]))),
]


def check_momentum_step(momentum_step, seed=0):
    """Check ``momentum_step(theta, g, m, learning_rate, beta) -> (theta, m)``: heavy-ball momentum, torch's form.

    m = beta m + g (no dampening), then theta - eta m; m_0 = 0.
    """
    return _run("momentum_step", momentum_step, optimizer_cases(seed, MOMENTUM_HYPER),
                lambda h: Momentum(h["beta"]), MOMENTUM_MISTAKES, ("m",), False, ("beta",),
                "m_t = beta m_{t-1} + g_t, theta <- theta - eta m_t")


NESTEROV_MISTAKES = [
    Mistake("nesterov_is_momentum", "your Nesterov step is heavy-ball momentum: it steps along g_t + beta m_t, "
            "the velocity one step ahead", "theta <- theta - eta (g_t + beta m_t)",
            _variant(lambda h: Momentum(h["beta"]))),
    Mistake("momentum_no_velocity", "your step ignores the velocity: that is plain SGD",
            "theta <- theta - eta (g_t + beta m_t), m_t = beta m_{t-1} + g_t", _variant(lambda h: SGD())),
]


def check_nesterov_step(nesterov_step, seed=0):
    """Check ``nesterov_step(theta, g, m, learning_rate, beta) -> (theta, m)``: Nesterov momentum, torch's form.

    m = beta m + g, then theta - eta (g + beta m); m_0 = 0.
    """
    return _run("nesterov_step", nesterov_step, optimizer_cases(seed, MOMENTUM_HYPER),
                lambda h: Nesterov(h["beta"]), NESTEROV_MISTAKES, ("m",), False, ("beta",),
                "m_t = beta m_{t-1} + g_t, theta <- theta - eta (g_t + beta m_t)")


# --------------------------------------------------------------------- RMSProp
RMSPROP_HYPER = [{"alpha": 0.99, "eps": 1e-8}, {"alpha": 0.9, "eps": 1e-6}]

RMSPROP_MISTAKES = [
    Mistake("rmsprop_alpha_swapped", "your running mean weighs the new g^2 by alpha and the old mean by "
            "1 - alpha: alpha is the decay of the old mean", "v_t = alpha v_{t-1} + (1 - alpha) g_t^2",
            _variant(lambda h: RMSProp(1 - h["alpha"], h["eps"]))),
]


def check_rmsprop_step(rmsprop_step, seed=0):
    """Check ``rmsprop_step(theta, g, v, learning_rate, alpha, eps) -> (theta, v)``: torch's RMSprop.

    v = alpha v + (1 - alpha) g^2, then theta - eta g / (sqrt(v) + eps); v_0 = 0.
    """
    return _run("rmsprop_step", rmsprop_step, optimizer_cases(seed, RMSPROP_HYPER),
                lambda h: RMSProp(h["alpha"], h["eps"]), RMSPROP_MISTAKES, ("v",), False, ("alpha", "eps"),
                "v_t = alpha v_{t-1} + (1 - alpha) g_t^2, theta <- theta - eta g_t / (sqrt(v_t) + eps)")


# ------------------------------------------------------------------ Adam, AdamW
ADAM_HYPER = [{"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}, {"beta1": 0.8, "beta2": 0.99, "eps": 1e-6}]
ADAMW_HYPER = [dict(ADAM_HYPER[0], weight_decay=0.1), dict(ADAM_HYPER[1], weight_decay=0.5)]
ADAM_EQUATION = ("m_t = beta1 m_{t-1} + (1 - beta1) g_t, v_t = beta2 v_{t-1} + (1 - beta2) g_t^2, "
                 "theta <- theta - eta (m_t / (1 - beta1^t)) / (sqrt(v_t / (1 - beta2^t)) + eps)")


def _adam(h, **changes):
    h = dict(h, **changes)
    return Adam(h["beta1"], h["beta2"], h["eps"])


def _all_nan(case, reference):
    # the first step divides by 1 - beta^0 = 0: inf / inf, and NaN from then on
    return {name: np.full_like(value, np.nan) for name, value in reference.items()}


def adam_mistakes(make):
    """Adam's catalogue (``make(hyper)`` builds the optimiser: Adam, or AdamW for its own check)."""
    return [
        Mistake("adam_bias_correction_t_minus_1", "Adam's bias correction uses t - 1: at the first step "
                "1 - beta^0 = 0 and theta becomes NaN; t counts the steps from 1",
                "m_hat = m_t / (1 - beta1^t), v_hat = v_t / (1 - beta2^t)", _all_nan),
        Mistake("adam_no_bias_correction", "your Adam has no bias correction: m and v start at 0, so their "
                "first values are biased toward 0 until divided by 1 - beta^t",
                "m_hat = m_t / (1 - beta1^t), v_hat = v_t / (1 - beta2^t)",
                _variant(make, counter=10 ** 6)),   # at t = 10^6, 1 - beta^t is 1 in float64
        Mistake("adam_betas_swapped", "your Adam swaps beta1 and beta2: beta1 averages the gradients, beta2 "
                "their squares", "m_t = beta1 m_{t-1} + (1 - beta1) g_t, v_t = beta2 v_{t-1} + (1 - beta2) g_t^2",
                _variant(lambda h: make(dict(h, beta1=h["beta2"], beta2=h["beta1"])))),
    ]


def check_adam_step(adam_step, seed=0):
    """Check ``adam_step(theta, g, m, v, t, learning_rate, beta1, beta2, eps) -> (theta, m, v)``: torch's Adam.

    m and v are the moment estimates before the step (m_0 = v_0 = 0); t = 1, 2, ... is
    the number of this step; eps is added after the square root of the corrected v.
    """
    return _run("adam_step", adam_step, optimizer_cases(seed, ADAM_HYPER), _adam, adam_mistakes(_adam), ("m", "v"),
                True, ("beta1", "beta2", "eps"), ADAM_EQUATION)


def _adamw(h, **changes):
    h = dict(h, **changes)
    return AdamW(h["beta1"], h["beta2"], h["eps"], h["weight_decay"])


ADAMW_MISTAKES = [
    Mistake("adamw_coupled_decay", "your weight decay goes into the gradient (Adam with an L2 penalty), "
            "so Adam rescales it; AdamW shrinks theta directly, decoupled from the gradient",
            "theta <- (1 - eta omega) theta, then the Adam step",
            lambda case, ref: package_trajectory(lambda: _adam(case.extra), case,
                                                 gradient=lambda theta, g: g + case.extra["weight_decay"] * theta)),
    Mistake("adamw_decay_without_learning_rate", "your weight decay forgets the learning rate: theta shrinks "
            "by the factor 1 - eta omega", "theta <- (1 - eta omega) theta",
            lambda case, ref: package_trajectory(
                lambda: _adamw(case.extra, weight_decay=case.extra["weight_decay"] / case.args[2]), case)),
    Mistake("adamw_no_decay", "your AdamW does not decay the weights: that is Adam",
            "theta <- (1 - eta omega) theta, then the Adam step",
            lambda case, ref: package_trajectory(lambda: _adam(case.extra), case)),
] + adam_mistakes(_adamw)


def check_adamw_step(adamw_step, seed=0):
    """Check ``adamw_step(theta, g, m, v, t, learning_rate, beta1, beta2, eps, weight_decay) -> (theta, m, v)``.

    torch's AdamW: theta <- (1 - eta omega) theta (omega = ``weight_decay``), then the
    Adam step; m_0 = v_0 = 0, t = 1, 2, ...
    """
    return _run("adamw_step", adamw_step, optimizer_cases(seed, ADAMW_HYPER), _adamw, ADAMW_MISTAKES, ("m", "v"), True,
                ("beta1", "beta2", "eps", "weight_decay"), "theta <- (1 - eta omega) theta, then " + ADAM_EQUATION)


MISTAKES = {"sgd_step": SGD_MISTAKES, "momentum_step": MOMENTUM_MISTAKES, "nesterov_step": NESTEROV_MISTAKES,
            "rmsprop_step": RMSPROP_MISTAKES, "adam_step": adam_mistakes(_adam), "adamw_step": ADAMW_MISTAKES}
