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
``net.weights + net.biases`` and ``dW + db``; the optimisers work on any arrays,
so a chapter can run them on a quadratic: ``opt.step([w], [H @ w], learning_rate=eta)``.

**The gradient arrays are scratch space.** To cost no more than plain SGD always
did, :meth:`Optimizer.step` may overwrite the arrays of ``grads`` (SGD scales
them by eta in place and subtracts them). Pass a copy if you need them afterwards.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .validation import check_choice

__all__ = ["Optimizer", "SGD", "Momentum", "Nesterov", "RMSProp", "Adam", "AdamW",
           "OPTIMIZERS", "make_optimizer", "subtract_product", "subtract_column_sums"]


def _check_rate(name, value, low_open=True):
    """A number in (0, 1) (or [0, 1) when ``low_open`` is False)."""
    ok = (isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
          and (0 < value < 1 if low_open else 0 <= value < 1))
    if not ok:
        interval = "(0, 1)" if low_open else "[0, 1)"
        raise ValueError(f"{name} must be a number in {interval}; got {value!r}")
    return float(value)


def _check_eps(value):
    if not (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value) and value > 0):
        raise ValueError(f"eps must be a positive number; got {value!r}")
    return float(value)


_AXPY_MIN_SIZE = 4096  # smaller arrays: two NumPy passes are cheaper than calling BLAS


_BLAS = {}  # name -> {dtype: SciPy BLAS routine} (empty without SciPy), looked up at the first call


def _blas(name):
    """SciPy's single and double precision BLAS routine ``name`` ("axpy", "ger", "gemm", "gemv"), by dtype."""
    routines = _BLAS.get(name)
    if routines is None:
        try:
            from scipy.linalg import blas
        except ImportError:  # scipy is optional: NumPy then
            routines = {}
        else:
            routines = {np.dtype(np.float32): getattr(blas, "s" + name),
                        np.dtype(np.float64): getattr(blas, "d" + name)}
        _BLAS[name] = routines
    return routines


def subtract_scaled(theta, g, eta):
    """theta <- theta - eta g, in place; ``g`` may be overwritten.

    Large arrays: with SciPy, one pass of BLAS ``axpy`` over contiguous arrays (as
    fast as the plain ``theta -= g``). Otherwise, and for small arrays, where the
    call of ``axpy`` costs more than a pass, ``g *= eta`` then ``theta -= g``,
    which allocates nothing either.
    """
    if theta.size < _AXPY_MIN_SIZE or not _axpy_in_place(theta, g, eta):
        g *= eta
        theta -= g


def _axpy_in_place(theta, g, eta):
    """theta -= eta g by BLAS axpy; False (nothing done) where that is not possible."""
    axpy = _blas("axpy").get(theta.dtype)
    if axpy is None or g.dtype != theta.dtype or not (theta.flags.c_contiguous and g.flags.c_contiguous):
        return False
    out = axpy(g.reshape(-1), theta.reshape(-1), a=-eta)
    return np.may_share_memory(out, theta)  # updated in place, as expected


def subtract_outer(theta, eta, u, v):
    """theta <- theta - eta u v^T, in place: a one-example SGD step on a weight matrix.

    ``theta`` of shape ``(len(u), len(v))``. With SciPy, one pass of BLAS ``ger``
    over ``theta`` (BLAS is column-major, so it updates theta^T += -eta v u^T); the
    gradient u v^T is never stored. Without SciPy, NumPy builds it in one temporary.
    """
    ger = _blas("ger").get(theta.dtype)  # one call: cheaper than NumPy's three even for a 6 x 4 matrix (measured)
    if ger is not None and theta.flags.c_contiguous and u.dtype == v.dtype == theta.dtype:
        out = ger(-eta, v, u, a=theta.T, overwrite_a=True)
        if np.may_share_memory(out, theta):  # updated in place, as expected
            return
    g = np.multiply.outer(u, v)
    g *= eta
    theta -= g


# When SciPy's gemm pays: for short batches only. Its BLAS (OpenBLAS 0.3.30 in SciPy 1.17) is
# older than NumPy's (0.3.31) and slower per long product here, which the saved pass over W does
# not make up: in training (784-300-10 and 784-256-128-10, B = 100, the same minibatches, thread
# time) gemm into W cost +58 and +40 us a step more than NumPy's product and one pass. For short
# products NumPy's matmul costs more to set up (784 x 50, us, NumPy + pass vs gemm: 16 rows 36 vs
# 30, 1 row 77 vs 8).
_GEMM_MAX_ROWS = 32  # rows: gemm for every W up to this batch size


def subtract_product(theta, a, delta, keep=1.0):
    """theta <- keep theta - a^T delta, in place: a minibatch SGD step on a weight matrix.

    ``theta`` of shape ``(n_in, n_out)``, ``a`` of shape ``(N, n_in)``, ``delta``
    of shape ``(N, n_out)``, already multiplied by the learning rate; ``keep`` =
    1 - 2 eta l2 applies an L2 penalty. With SciPy, one BLAS ``gemm`` with
    beta = keep writes the product straight into theta (BLAS is column-major, so
    it computes theta^T <- keep theta^T - delta^T a on the transposed view, which
    is theta's own memory): the gradient is never stored, and theta is read and
    written once. This pays for a short batch (up to ``_GEMM_MAX_ROWS`` rows);
    for longer ones (or without SciPy) NumPy's product into a temporary and one
    pass of subtraction are faster here, since NumPy ships a newer BLAS than
    SciPy, with faster kernels for long products.
    """
    gemm = _blas("gemm").get(theta.dtype) if len(a) <= _GEMM_MAX_ROWS else None
    if gemm is not None and theta.flags.c_contiguous and a.dtype == delta.dtype == theta.dtype:
        out = gemm(-1.0, delta.T, a.T, keep, theta.T, trans_b=1, overwrite_c=1)
        if np.may_share_memory(out, theta):  # updated in place, as expected
            return
    g = a.T @ delta  # (theta is untouched if gemm worked on a copy)
    if keep != 1.0:
        theta *= keep
    theta -= g


_ONES = {}  # (dtype, N) -> a vector of N ones, for the column sums of subtract_column_sums


def subtract_column_sums(b, delta):
    """b <- b - delta^T 1, in place: the SGD step of a bias from ``delta`` (times eta).

    With SciPy one BLAS ``gemv`` (beta = 1, into ``b``) instead of NumPy's sum of
    the rows and a subtraction (measured: about a quarter of their time).
    """
    gemv = _blas("gemv").get(b.dtype)
    if gemv is not None and b.flags.c_contiguous and delta.dtype == b.dtype:
        ones = _ONES.get((b.dtype, len(delta)))
        if ones is None:
            ones = _ONES[b.dtype, len(delta)] = np.ones(len(delta), dtype=b.dtype)
            ones.flags.writeable = False  # shared by every call
        out = gemv(-1.0, delta.T, ones, 1.0, b, overwrite_y=1)
        if np.may_share_memory(out, b):  # updated in place, as expected
            return
    b -= delta.sum(axis=0)


def sgd_step_applies(net, optimizer):
    """Whether ``net.sgd_step`` takes exactly the step of ``optimizer`` after ``net.backward``.

    Only for plain :class:`SGD` itself (a subclass may change the step) and a
    network without L1 penalty (its subgradient takes the general route).
    """
    return type(optimizer) is SGD and hasattr(net, "sgd_step") and not getattr(net, "l1", 0)


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
            Gradients g_t, one per array of ``params`` and of the same shape. They
            may be overwritten (used as scratch space).
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

    As ``torch.optim.SGD(lr=eta)``. No state. A step allocates nothing: it is one
    BLAS ``axpy`` per array (see :func:`subtract_scaled`).
    """

    def step(self, params, grads, learning_rate, decay=None):
        # the base class's loop without per-array state (SGD has none to keep or check)
        if len(params) != len(grads):
            raise ValueError(f"params and grads must have the same length; got {len(params)} and {len(grads)}")
        self.t += 1
        eta = float(learning_rate)
        for theta, g in zip(params, grads):
            if theta.shape != g.shape:
                raise ValueError(f"a gradient of shape {g.shape} was given for a parameter of shape {theta.shape}")
            subtract_scaled(theta, g, eta)

    def _update(self, theta, g, state, eta, decay):
        subtract_scaled(theta, g, eta)


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
        self.beta = _check_rate("beta", beta)
        super().__init__()

    def _velocity(self, g, state):
        m = state.get("m")
        if m is None:
            m = state["m"] = g.copy()
        else:
            m *= self.beta
            m += g
        return m

    def _update(self, theta, g, state, eta, decay):
        m = self._velocity(g, state)
        np.multiply(m, eta, out=g)  # g is scratch from here on
        theta -= g


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
        m = self._velocity(g, state)
        g += self.beta * m  # g_t + beta m_t
        g *= eta
        theta -= g


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
        self.alpha = _check_rate("alpha", alpha)
        self.eps = _check_eps(eps)
        super().__init__()

    def _update(self, theta, g, state, eta, decay):
        v = state.get("v")
        if v is None:
            v = state["v"] = np.zeros_like(theta)
        v *= self.alpha
        v += (1 - self.alpha) * (g * g)
        denom = np.sqrt(v)
        denom += self.eps
        g *= eta
        g /= denom
        theta -= g


class Adam(Optimizer):
    """Adam with bias correction (Kingma & Ba, 2015).

    m_t = beta1 m_{t-1} + (1 - beta1) g_t,  v_t = beta2 v_{t-1} + (1 - beta2) g_t^2,
    theta <- theta - eta (m_t / (1 - beta1^t)) / (sqrt(v_t / (1 - beta2^t)) + eps).

    As ``torch.optim.Adam(lr=eta, betas=(beta1, beta2), eps=eps)``: eps is added
    after the bias-corrected square root (torch computes it as
    sqrt(v_t) / sqrt(1 - beta2^t) + eps, which we copy), m_0 = v_0 = 0.

    Parameters
    ----------
    beta1, beta2 : float in (0, 1)
        Decay rates of the first and second moment estimates.
    eps : float > 0
    """

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        self.beta1 = _check_rate("beta1", beta1)
        self.beta2 = _check_rate("beta2", beta2)
        self.eps = _check_eps(eps)
        super().__init__()

    def _update(self, theta, g, state, eta, decay):
        m, v = state.get("m"), state.get("v")
        if m is None:
            m = state["m"] = np.zeros_like(theta)
            v = state["v"] = np.zeros_like(theta)
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        g *= g
        g *= 1 - self.beta2
        v += g
        step_size = eta / (1 - self.beta1 ** self.t)
        denom = np.sqrt(v, out=g)  # g is scratch from here on
        denom /= math.sqrt(1 - self.beta2 ** self.t)
        denom += self.eps
        np.divide(m, denom, out=denom)
        denom *= step_size
        theta -= denom


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
        if not (isinstance(weight_decay, numbers.Real) and not isinstance(weight_decay, bool)
                and math.isfinite(weight_decay) and weight_decay >= 0):
            raise ValueError(f"weight_decay must be a non-negative number; got {weight_decay!r}")
        self.weight_decay = float(weight_decay)
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
