"""Checks of the forward pass and of backpropagation, per layer and for the whole network.

The student's functions take plain arrays and functions (cs231n's style), so that
they do not depend on how :class:`~mlp_from_scratch.MLP` stores its state:

* ``forward_pass(X, weights, biases, f, F) -> activations``
* ``layer_backward(delta, a_prev, W, derivative) -> (dW, db, delta_prev)``
* ``backward(activations, y, weights, derivative) -> (dW, db)``

Shapes (rows are examples, the book's batch form ``z = a @ W + b``): ``X`` (N, n_0),
``weights[l - 1]`` = W^l of shape (n_{l-1}, n_l), ``biases[l - 1]`` = b^l of shape (n_l,).

The references are the package's: an :class:`~mlp_from_scratch.MLP` holding the same
weights (its forward pass and its gradient), and for one layer the backward rules
of :mod:`mlp_from_scratch.autodiff`, which the tests hold equal to ``MLP``'s.
"""

from __future__ import annotations

import numpy as np

from .. import autodiff
from ..activations import HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from ..losses import canonical_delta
from ..network import MLP
from ..validation import check_choice
from ._core import BadOutput, Case, Mistake, as_array, run_check

__all__ = ["check_forward_pass", "check_layer_backward", "check_backward", "MISTAKES"]

_AUTODIFF_ACTIVATION = {"relu": autodiff.relu, "sigmoid": autodiff.sigmoid, "tanh": autodiff.tanh,
                        "identity": lambda z: z}


# ---------------------------------------------------- the package as reference
def _network(weights, biases, hidden="relu", output="softmax"):
    """An MLP holding copies of ``weights`` and ``biases``."""
    loss = "cross_entropy" if output in ("softmax", "sigmoid") else "mse"
    sizes = [weights[0].shape[0]] + [W.shape[1] for W in weights]
    net = MLP(sizes, hidden=hidden, output=output, loss=loss, dtype=np.float64)
    for l, (W, b) in enumerate(zip(weights, biases)):
        net.weights[l][...] = W
        net.biases[l][...] = b
    return net


def package_activations(X, weights, biases, hidden="relu", output="softmax"):
    """[a^0, ..., a^L] of the package's forward pass.

    a^L is the output of the whole network; each hidden a^l is f of the logits of the
    network cut after layer l (its first l layers, with an identity output).
    """
    activations = [X]
    for l in range(1, len(weights)):
        z = _network(weights[:l], biases[:l], hidden, "identity").predict_proba(X)
        activations.append(HIDDEN_ACTIVATIONS[hidden].f(z))
    activations.append(_network(weights, biases, hidden, output).predict_proba(X))
    return activations


def _chain(X, weights, biases, f, F):
    """[a^0, ..., a^L] from one-layer networks (the package's layer z = a @ W + b), then f or F:
    the variants of the forward pass change f, F or b."""
    activations = [X]
    for l, (W, b) in enumerate(zip(weights, biases), start=1):
        z = _network([W], [b], output="identity").predict_proba(activations[-1])
        activations.append(F(z) if l == len(weights) else f(z))
    return activations


def package_layer_gradients(delta, a_prev, W, z_prev=None, hidden="relu"):
    """(dW, db, delta_prev) of the layer z = a_prev @ W + b, by the package's autodiff.

    With ``z_prev`` the graph starts from the previous layer's logits, a_prev = f(z_prev),
    so that delta_prev = dJ/dz^{l-1}; without it, from a_prev (delta_prev = dJ/da^{l-1}).
    """
    start = autodiff.Tensor(z_prev if z_prev is not None else a_prev)
    a = _AUTODIFF_ACTIVATION[hidden](start) if z_prev is not None else start
    W_, b_ = autodiff.Tensor(W), autodiff.Tensor(np.zeros(W.shape[1]))
    (a @ W_ + b_).backward(delta)
    return W_.grad, b_.grad, start.grad


# ----------------------------------------------------------------- forward pass
def _forward_names(case):
    return [f"a^{l}" for l in range(len(case.args[1]) + 1)]


def _unpack_forward(value, case):
    names = _forward_names(case)
    L = len(names) - 1
    if not isinstance(value, (list, tuple)):
        raise BadOutput(f"your forward_pass must return the list [a^0, ..., a^{L}]; it returned "
                        f"{'None' if value is None else type(value).__name__}")
    if len(value) == L:
        raise BadOutput(f"your list holds {L} arrays, a^1 ... a^{L}; {MISSING_INPUT.message}", MISSING_INPUT.name)
    if len(value) != L + 1:
        raise BadOutput(f"your forward_pass returned {len(value)} arrays; expected L + 1 = {L + 1}, "
                        f"[a^0, ..., a^{L}]")
    return {name: as_array(a, name) for name, a in zip(names, value)}


def _forward_variant(f=None, F=None, zero_bias=False, last_hidden=False):
    def variant(case, reference):
        X, weights, biases, f0, F0 = case.args
        hidden = f if f is not None else f0
        output = F if F is not None else (f0 if last_hidden else F0)
        biases = [np.zeros_like(b) for b in biases] if zero_bias else biases
        return dict(zip(_forward_names(case), _chain(X, weights, biases, hidden, output)))
    return variant


MISSING_INPUT = Mistake("forward_missing_input", "the list of activations starts with the input a^0 = X, "
                        "which the backward pass needs for dW^1", "[a^0, a^1, ..., a^L], dW^1 = (a^0)^T delta^1")

FORWARD_MISTAKES = [
    MISSING_INPUT,   # recognised by the length of the list (see _unpack_forward)
    Mistake("forward_hidden_activation_on_output", "your last layer applies the hidden activation f; the "
            "output layer applies the output function F", "a^L = F(z^L)", _forward_variant(last_hidden=True)),
    Mistake("forward_no_output_function", "your last layer returns the logits z^L: apply the output "
            "function F", "a^L = F(z^L)", _forward_variant(F=lambda z: z)),
    Mistake("forward_no_hidden_activation", "your hidden layers skip f, so the network is linear",
            "a^l = f(z^l) for l < L", _forward_variant(f=lambda z: z)),
    Mistake("forward_output_function_on_hidden", "your hidden layers apply the output function F; they "
            "apply the hidden activation f", "a^l = f(z^l) for l < L, a^L = F(z^L)",
            lambda case, reference: _forward_variant(f=case.args[4])(case, reference)),
    Mistake("forward_missing_bias", "your layers forget the bias", "z^l = a^{l-1} W^l + b^l",
            _forward_variant(zero_bias=True)),
]


def _network_case(rng, label, sizes, N, bias_scale=0.5):
    X = rng.normal(0, 1, (N, sizes[0]))
    weights = [rng.normal(0, 1 / np.sqrt(n_in), (n_in, n_out)) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    biases = [rng.normal(0, bias_scale, n_out) for n_out in sizes[1:]]
    return label, X, weights, biases


def network_cases(seed):
    """Small networks (label, X, weights, biases): one and several hidden layers, one example, zero inputs."""
    rng = np.random.default_rng(seed)
    cases = [_network_case(rng, "3-4-2 network, 5 examples", [3, 4, 2], 5),
             _network_case(rng, "4-6-5-3 network, 7 examples", [4, 6, 5, 3], 7),
             _network_case(rng, "2-3-2 network, one example", [2, 3, 2], 1),
             _network_case(rng, "5-3 network (no hidden layer), 4 examples", [5, 3], 4)]
    label, X, weights, biases = _network_case(rng, "zero inputs", [3, 4, 3], 3)
    cases.append((label, np.zeros_like(X), weights, biases))
    return cases


def check_forward_pass(forward_pass, hidden="relu", output="softmax", seed=0):
    """Check the student's forward pass, ``forward_pass(X, weights, biases, f, F) -> activations``.

    Parameters
    ----------
    forward_pass : callable
        The student's function. ``X`` (N, n_0); ``weights`` the list of the L matrices
        W^l, each (n_{l-1}, n_l); ``biases`` the list of the L vectors b^l, each (n_l,);
        ``f`` the hidden activation and ``F`` the output function (functions of z).
        Returns the list [a^0, ..., a^L] of L + 1 arrays: a^0 = X, a^l of shape (N, n_l),
        z^l = a^{l-1} @ W^l + b^l, a^l = f(z^l) for l < L, a^L = F(z^L).
    hidden, output : str
        Which of the package's functions the check passes as ``f`` and ``F`` (names as in ``MLP``).
    seed : int
        Seeds the generated networks and inputs (any seed works).

    Returns
    -------
    CheckResult
    """
    f = check_choice("hidden activation", hidden, HIDDEN_ACTIVATIONS).f
    F = check_choice("output", output, OUTPUT_ACTIVATIONS).f
    cases = [Case(label, (X, weights, biases, f, F)) for label, X, weights, biases in network_cases(seed)]
    return run_check("forward_pass", forward_pass, cases,
                     lambda case: dict(zip(_forward_names(case),
                                           package_activations(*case.args[:3], hidden, output))),
                     FORWARD_MISTAKES, unpacker=_unpack_forward,
                     equation="z^l = a^{l-1} W^l + b^l, a^l = f(z^l), a^L = F(z^L)")


# ---------------------------------------------------------------- layer backward
def _layer_variant(transform):
    """A variant of one layer's outputs: ``transform(delta, a_prev, W, reference) -> dict``."""
    return lambda case, reference: transform(*case.args[:3], reference)


LAYER_BACKWARD_MISTAKES = [
    Mistake("dW_transposed", "your dW is the transpose of the gradient: W has shape n_{l-1} x n_l",
            "dW^l = (a^{l-1})^T delta^l", _layer_variant(lambda d, a, W, ref: {"dW": ref["dW"].T})),
    Mistake("db_not_summed", "your db keeps one row per example: b is shared by the N examples, so its "
            "gradient sums delta over the rows", "db^l = (delta^l)^T 1 = delta^l.sum(axis=0)",
            _layer_variant(lambda d, a, W, ref: {"db": d})),
    Mistake("db_wrong_axis", "your db sums over the units of each example (axis 1); it sums over the "
            "examples (axis 0)", "db^l = (delta^l)^T 1 = delta^l.sum(axis=0)",
            _layer_variant(lambda d, a, W, ref: {"db": d.sum(axis=1)})),
    Mistake("divides_by_N_again", "your gradient is N times too small: delta already carries the 1/N of "
            "the mean loss, so dW and db sum over the examples", "dW^l = (a^{l-1})^T delta^l",
            _layer_variant(lambda d, a, W, ref: {"dW": ref["dW"] / len(d), "db": ref["db"] / len(d)})),
    Mistake("forgets_f_prime", "your backward pass forgets f'(z^{l-1}): the delta of the layer below goes "
            "back through W and then through the activation", "delta^{l-1} = (delta^l (W^l)^T) * f'(z^{l-1})",
            _layer_variant(lambda d, a, W, ref: {"delta_prev": package_layer_gradients(d, a, W)[2]})),
]


def layer_cases(hidden, seed):
    """One layer's backward inputs (delta, a_prev, W), with the z_prev behind a_prev = f(z_prev)."""
    rng = np.random.default_rng(seed)
    cases = []
    for label, N, n_prev, n in (("5 examples, 4 -> 3 units", 5, 4, 3), ("one example, 3 -> 2 units", 1, 3, 2),
                                ("8 examples, 6 -> 10 units", 8, 6, 10), ("zero pre-activations", 4, 3, 5)):
        z_prev = np.zeros((N, n_prev)) if label.startswith("zero") else rng.normal(0, 1.5, (N, n_prev))
        a_prev = HIDDEN_ACTIVATIONS[hidden].f(z_prev)
        delta = rng.normal(0, 1, (N, n)) / N   # the deltas of a mean loss carry its 1/N
        W = rng.normal(0, 1, (n_prev, n))
        cases.append(Case(label, (delta, a_prev, W, HIDDEN_ACTIVATIONS[hidden].derivative),
                          extra={"z_prev": z_prev}))
    return cases


def check_layer_backward(layer_backward, hidden="relu", seed=0):
    """Check the student's backward step through one layer, ``layer_backward(delta, a_prev, W, derivative)``.

    Parameters
    ----------
    layer_backward : callable
        The student's function, for the layer z^l = a^{l-1} @ W^l + b^l of a batch of N
        examples. ``delta`` (N, n_l) is D^l = dJ/dz^l of the mean loss J (it already
        carries the 1/N); ``a_prev`` (N, n_{l-1}) the layer's input a^{l-1} = f(z^{l-1});
        ``W`` (n_{l-1}, n_l); ``derivative`` the function giving f'(z^{l-1}) from a^{l-1}.
        Returns ``(dW, db, delta_prev)``: dW (n_{l-1}, n_l) = (a^{l-1})^T D^l,
        db (n_l,) = (D^l)^T 1 and delta_prev (N, n_{l-1}) = (D^l (W^l)^T) * f'(z^{l-1}).
    hidden : str
        The hidden activation behind ``a_prev`` and ``derivative`` (names as in ``MLP``).
    seed : int
        Seeds the generated cases (any seed works).

    Returns
    -------
    CheckResult
    """
    check_choice("hidden activation", hidden, HIDDEN_ACTIVATIONS)
    return run_check("layer_backward", layer_backward, layer_cases(hidden, seed),
                     lambda case: dict(zip(("dW", "db", "delta_prev"),
                                           package_layer_gradients(*case.args[:3], case.extra["z_prev"],
                                                                   hidden))),
                     LAYER_BACKWARD_MISTAKES, ["dW", "db", "delta_prev"], equation="dW = (a^{l-1})^T delta, db = delta^T 1, delta^{l-1} = (delta W^T) * f'(z^{l-1})")


# ------------------------------------------------------------ the whole backward
def _backward_names(case):
    L = len(case.args[2])
    return [f"dW{l}" for l in range(1, L + 1)] + [f"db{l}" for l in range(1, L + 1)]


def _unpack_backward(value, case):
    L = len(case.args[2])
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise BadOutput(f"your backward must return two lists, (dW, db), of {L} arrays each")
    dW, db = value
    for name, arrays in (("dW", dW), ("db", db)):
        if not isinstance(arrays, (tuple, list)) or len(arrays) != L:
            got = f"{len(arrays)} arrays" if isinstance(arrays, (tuple, list)) else type(arrays).__name__
            raise BadOutput(f"your {name} must be a list of L = {L} arrays, one per layer; it is {got}")
    return {name: as_array(a, name) for name, a in zip(_backward_names(case), list(dW) + list(db))}


def _chained(case, f_prime=True):
    """dW^l, db^l and the batch deltas D^l (N, n_l) of every layer, chained through one-layer steps
    of the package's autodiff from D^L = (a^L - y) / N; without f' if ``f_prime`` is False."""
    activations, y, weights = case.args[:3]
    delta = canonical_delta(activations[-1], y) / len(y)
    out = {}
    for l in range(len(weights), 0, -1):
        z_prev = case.extra["z"][l - 1] if f_prime and l > 1 else None
        dW, db, delta_prev = package_layer_gradients(delta, activations[l - 1], weights[l - 1], z_prev,
                                                     case.extra["hidden"])
        out[f"dW{l}"], out[f"db{l}"], out[f"D{l}"] = dW, db, delta
        delta = delta_prev
    return out


def _scaled(factor):
    return lambda case, ref: {n: v * factor(len(case.args[1])) for n, v in ref.items()}


BACKWARD_MISTAKES = [
    Mistake("gradient_N_times_too_large", "your gradient is N times too large: the mean loss has a 1/N",
            "delta^L = (a^L - y) / N", _scaled(lambda N: N)),
    Mistake("gradient_N_times_too_small", "your gradient is N times too small: divide by N once, in delta^L "
            "(or in dW and db), not twice", "delta^L = (a^L - y) / N", _scaled(lambda N: 1 / N)),
    Mistake("dW_transposed", "your dW is the transpose of the gradient: W has shape n_{l-1} x n_l",
            "dW^l = (a^{l-1})^T delta^l", lambda case, ref: {n: v.T for n, v in ref.items() if n.startswith("dW")}),
    Mistake("db_not_summed", "your db keeps one row per example: b is shared by the N examples, so its "
            "gradient sums delta over the rows", "db^l = (delta^l)^T 1 = delta^l.sum(axis=0)",
            lambda case, ref: {f"db{n[1:]}": v for n, v in _chained(case).items() if n.startswith("D")}),
    Mistake("forgets_f_prime", "your backward pass forgets f'(z): the delta of the layer below goes back "
            "through W and then through the activation", "delta^{l-1} = (delta^l (W^l)^T) * f'(z^{l-1})",
            lambda case, ref: {n: v for n, v in _chained(case, f_prime=False).items() if not n.startswith("D")}),
]


def check_backward(backward, hidden="relu", seed=0):
    """Check the student's backpropagation, ``backward(activations, y, weights, derivative) -> (dW, db)``.

    Parameters
    ----------
    backward : callable
        The student's function, for a network with hidden activation f, softmax outputs
        and the mean cross-entropy J = (1/N) sum_n l_n (no penalty). ``activations`` is
        the list [a^0, ..., a^L] of the forward pass, a^l of shape (N, n_l); ``y`` (N,) the
        integer labels; ``weights`` the list of the W^l, each (n_{l-1}, n_l); ``derivative``
        the function giving f'(z^l) from a^l. Returns the gradient of J as two lists,
        ``dW`` (dW^l of W^l's shape) and ``db`` (db^l of shape (n_l,)).
    hidden : str
        The hidden activation of the generated networks (names as in ``MLP``).
    seed : int
        Seeds the generated networks, inputs and labels (any seed works).

    Returns
    -------
    CheckResult
    """
    derivative = check_choice("hidden activation", hidden, HIDDEN_ACTIVATIONS).derivative
    cases = []
    rng = np.random.default_rng(seed)
    for label, X, weights, biases in network_cases(seed):
        activations = package_activations(X, weights, biases, hidden, "softmax")
        z = [None] + [_network(weights[:l], biases[:l], hidden, "identity").predict_proba(X)
                      for l in range(1, len(weights))]
        y = rng.integers(0, weights[-1].shape[1], len(X))
        cases.append(Case(label, (activations, y, weights, derivative),
                          extra={"biases": biases, "z": z, "hidden": hidden}))

    def reference(case):
        activations, y, weights = case.args[:3]
        dW, db = _network(weights, case.extra["biases"], hidden).gradients(activations[0], y)
        return dict(zip(_backward_names(case), dW + db))

    return run_check("backward", backward, cases, reference, BACKWARD_MISTAKES, unpacker=_unpack_backward,
                     equation="delta^L = (a^L - y) / N, dW^l = (a^{l-1})^T delta^l, db^l = (delta^l)^T 1, "
                              "delta^{l-1} = (delta^l (W^l)^T) * f'(z^{l-1})")


MISTAKES = {"forward_pass": FORWARD_MISTAKES, "layer_backward": LAYER_BACKWARD_MISTAKES,
            "backward": BACKWARD_MISTAKES}
