"""Optimisers: how a step turns the gradient into a change of the parameters.

Notation (the book's Part III). t = 1, 2, ... counts steps, g_t is the (minibatch)
gradient at step t, theta a parameter array, eta the learning rate. Each optimiser
is a small class holding its state (velocities m, second moments v, the step
count t) and one method, :meth:`Optimizer.step`, that updates every array of
``params`` in place:

=========  ==================================================================
SGD        theta <- theta - eta g_t
Momentum   m_t = beta m_{t-1} + g_t;  theta <- theta - eta m_t
Nesterov   m_t = beta m_{t-1} + g_t;  theta <- theta - eta (g_t + beta m_t)
RMSProp    v_t = alpha v_{t-1} + (1 - alpha) g_t^2;  theta <- theta - eta g_t / (sqrt(v_t) + eps)
Adam       m_t = beta1 m_{t-1} + (1 - beta1) g_t;  v_t = beta2 v_{t-1} + (1 - beta2) g_t^2;
           theta <- theta - eta (m_t / (1 - beta1^t)) / (sqrt(v_t / (1 - beta2^t)) + eps)
AdamW      theta <- (1 - eta omega) theta, then the Adam step (decoupled weight decay omega)
=========  ==================================================================

with m_0 = v_0 = 0. The conventions are those of ``torch.optim`` (``SGD`` with
``dampening=0``, ``RMSprop``, ``Adam``, ``AdamW``), so that a run can be compared
step by step with PyTorch; ``tests/test_optimizers.py`` checks 20 steps in float64.

``params`` and ``grads`` are lists of same-shaped arrays. For a network they are
``net.parameters()`` and ``dW + db``; the optimisers work on any arrays, so a
chapter can run them on a quadratic: ``opt.step([w], [H @ w], learning_rate=eta)``.
A step moves the parameters in place and leaves the gradients as they were.
"""

from __future__ import annotations

import numpy as np

from .validation import check_choice, check_number

__all__ = ["Optimizer", "SGD", "Momentum", "Nesterov", "RMSProp", "Adam", "AdamW",
           "OPTIMIZERS", "make_optimizer"]


class Optimizer:
    """Base class: per-array state and one :meth:`step`.

    Subclasses implement :meth:`_update` for a single array; the base class checks
    the arguments, counts the steps and keeps one state dict per array.
    """

    def __init__(self):
        self.reset()

    def reset(self):
        """Forget the state: velocities, moments and the step count t."""
        self.t = 0
        self.state = []

    def step(self, params, grads, learning_rate, decay=None):
        """One step: update every array of ``params`` in place.

        Parameters
        ----------
        params : list of ndarray
            The parameters theta, updated in place.
        grads : list of ndarray
            Gradients g_t, one per array of ``params`` and of the same shape (read only).
        learning_rate : float
            The step size eta of this step (a schedule may change it between steps).
        decay : list of bool, optional
            Which arrays weight decay applies to (only :class:`AdamW` uses it). None:
            all of them. A network passes True for its weights and False for its
            biases, like the penalties of the book, which skip the biases.
        """
        if len(params) != len(grads):
            raise ValueError(f"params and grads must have the same length; got {len(params)} and {len(grads)}")
        if not self.state:
            self.state = [{} for _ in params]
        elif len(self.state) != len(params):
            raise ValueError(f"this optimiser holds state for {len(self.state)} arrays but was given "
                             f"{len(params)}; call reset() before using it on other parameters")
        if decay is None:
            decay = [True] * len(params)
        self.t += 1
        eta = float(learning_rate)
        for theta, g, state, d in zip(params, grads, self.state, decay):
            if theta.shape != g.shape:
                raise ValueError(f"a gradient of shape {g.shape} was given for a parameter of shape {theta.shape}")
            self._update(theta, g, state, eta, d)

    def _update(self, theta, g, state, eta, decay):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k not in ("t", "state"))
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Plain (stochastic) gradient descent: theta <- theta - eta g_t.

    As ``torch.optim.SGD(lr=eta)``. No state.
    """

    def _update(self, theta, g, state, eta, decay):
        theta -= eta * g


class Momentum(Optimizer):
    """Heavy-ball momentum: m_t = beta m_{t-1} + g_t, theta <- theta - eta m_t.

    As ``torch.optim.SGD(lr=eta, momentum=beta, dampening=0)``: the gradient enters
    the velocity undamped (no factor 1 - beta), and m_1 = g_1 because m_0 = 0.

    Parameters
    ----------
    beta : float in (0, 1)
        The momentum coefficient.
    """

    def __init__(self, beta=0.9):
        self.beta = float(check_number("beta", beta, "(0, 1)"))
        super().__init__()

    def _update(self, theta, g, state, eta, decay):
        m = state["m"] = self.beta * state.get("m", 0.0) + g        # m_t = beta m_{t-1} + g_t
        theta -= eta * m


class Nesterov(Momentum):
    """Nesterov momentum in torch's form: m_t = beta m_{t-1} + g_t, theta <- theta - eta (g_t + beta m_t).

    As ``torch.optim.SGD(lr=eta, momentum=beta, dampening=0, nesterov=True)``. This is
    Nesterov's look-ahead gradient rewritten so that the gradient is taken at the
    current parameters (Sutskever et al., 2013): the step uses the velocity one step ahead.

    Parameters
    ----------
    beta : float in (0, 1)
        The momentum coefficient.
    """

    def _update(self, theta, g, state, eta, decay):
        m = state["m"] = self.beta * state.get("m", 0.0) + g        # m_t = beta m_{t-1} + g_t
        theta -= eta * (g + self.beta * m)


class RMSProp(Optimizer):
    """RMSProp: v_t = alpha v_{t-1} + (1 - alpha) g_t^2, theta <- theta - eta g_t / (sqrt(v_t) + eps).

    As ``torch.optim.RMSprop(lr=eta, alpha=alpha, eps=eps)``: eps is added *outside*
    the square root, v_0 = 0 and there is no bias correction. The book writes the
    decay rate alpha as beta_2.

    Parameters
    ----------
    alpha : float in (0, 1)
        Decay rate of the running mean of squared gradients.
    eps : float > 0
        Keeps the division finite where v_t is tiny.
    """

    def __init__(self, alpha=0.99, eps=1e-8):
        self.alpha = float(check_number("alpha", alpha, "(0, 1)"))
        self.eps = float(check_number("eps", eps))
        super().__init__()

    def _update(self, theta, g, state, eta, decay):
        v = state["v"] = self.alpha * state.get("v", 0.0) + (1 - self.alpha) * g * g
        theta -= eta * (g / (np.sqrt(v) + self.eps))


class Adam(Optimizer):
    """Adam with bias correction (Kingma & Ba, 2015).

    m_t = beta1 m_{t-1} + (1 - beta1) g_t,  v_t = beta2 v_{t-1} + (1 - beta2) g_t^2,
    theta <- theta - eta m^_t / (sqrt(v^_t) + eps), with the bias-corrected moments
    m^_t = m_t / (1 - beta1^t) and v^_t = v_t / (1 - beta2^t).

    As ``torch.optim.Adam(lr=eta, betas=(beta1, beta2), eps=eps)``: eps is added
    after the square root, m_0 = v_0 = 0.

    Parameters
    ----------
    beta1, beta2 : float in (0, 1)
        Decay rates of the first and second moment estimates.
    eps : float > 0
    """

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        self.beta1 = float(check_number("beta1", beta1, "(0, 1)"))
        self.beta2 = float(check_number("beta2", beta2, "(0, 1)"))
        self.eps = float(check_number("eps", eps))
        super().__init__()

    def _update(self, theta, g, state, eta, decay):
        m = state["m"] = self.beta1 * state.get("m", 0.0) + (1 - self.beta1) * g
        v = state["v"] = self.beta2 * state.get("v", 0.0) + (1 - self.beta2) * g * g
        m_hat = m / (1 - self.beta1 ** self.t)
        v_hat = v / (1 - self.beta2 ** self.t)
        theta -= eta * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    theta <- (1 - eta omega) theta first, then the :class:`Adam` step. The decay is
    not part of the gradient, so it is not rescaled by the second moments.

    As ``torch.optim.AdamW(lr=eta, betas=(beta1, beta2), eps=eps, weight_decay=omega)``.
    Only arrays marked in the ``decay`` argument of :meth:`step` decay: a network
    marks its weights and not its biases, as its L1/L2 penalties do; in torch this is
    two parameter groups, the biases with ``weight_decay=0`` (which is how the test
    compares them).

    Parameters
    ----------
    beta1, beta2 : float in (0, 1)
    eps : float > 0
    weight_decay : float >= 0
        The decay coefficient omega (torch's default 0.01).
    """

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
        self.weight_decay = float(check_number("weight_decay", weight_decay, "[0, inf)"))
        super().__init__(beta1, beta2, eps)

    def _update(self, theta, g, state, eta, decay):
        if decay and self.weight_decay:
            theta *= 1 - eta * self.weight_decay
        super()._update(theta, g, state, eta, decay)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "rmsprop": RMSProp,
              "adam": Adam, "adamw": AdamW}


def make_optimizer(spec):
    """An optimiser from ``None`` (plain SGD), a name of :data:`OPTIMIZERS` or an instance.

    Names get the usual defaults (beta = 0.9; RMSProp alpha = 0.99; Adam beta1 = 0.9,
    beta2 = 0.999, eps = 1e-8; AdamW weight decay 0.01). An instance is returned as it
    is, state included.
    """
    if spec is None:
        return SGD()
    if isinstance(spec, Optimizer):
        return spec
    if isinstance(spec, str):
        return check_choice("optimizer", spec.lower(), OPTIMIZERS)()
    raise ValueError(f"optimizer must be None, one of {', '.join(map(repr, OPTIMIZERS))} "
                     f"or an Optimizer instance; got {spec!r}")
