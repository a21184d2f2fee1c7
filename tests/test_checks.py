"""The checks that teach (``mlp_from_scratch.checks``).

* The package's own functions, and a correct solution written here as a student
  would, pass every check, for several seeds.
* Every mistake of the catalogue, written here as a student would write it (plain
  NumPy, not the catalogue's variant), is named by exactly its diagnosis; the set of
  mistakes tested here is the catalogue, so a new entry needs its student.
* An unknown wrong answer gets the generic message with its case and index; a wrong
  shape, NaN, an exception, ``NotImplementedError``, ``None`` and a wrong dtype each
  get their own diagnosis; results are falsy exactly on failure.
"""

import numpy as np
import pytest

from mlp_from_scratch import activations as A
from mlp_from_scratch import regularization as R
from mlp_from_scratch.checks import CATALOGUE, CHECKS, MISTAKES, CheckResult
from mlp_from_scratch.checks.regularization import package_dropout
from mlp_from_scratch.losses import output_delta as package_output_delta
from mlp_from_scratch.losses import per_example_loss

SEEDS = [0, 1, 20261206]


def one_hot(y, K):
    return np.eye(K)[y]


def stable_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# ------------------------------------------------------------ correct solutions
def relu(z):
    return np.maximum(z, 0.0)


def relu_derivative(a):
    return (a > 0).astype(float)


def sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_derivative(a):
    return a * (1 - a)


def tanh_derivative(a):
    return 1 - a ** 2


def logsumexp(z):
    m = z.max(axis=1)
    return m + np.log(np.exp(z - m[:, None]).sum(axis=1))


def softmax_jacobian(z):
    F = stable_softmax(z)
    return np.diag(F) - np.outer(F, F)


def cross_entropy(z, y):
    return logsumexp(z) - z[np.arange(len(y)), y]


def output_delta(a, y):
    return a - one_hot(y, a.shape[1])


def forward_pass(X, weights, biases, f, F):
    activations = [X]
    for l, (W, b) in enumerate(zip(weights, biases), start=1):
        z = activations[-1] @ W + b
        activations.append(F(z) if l == len(weights) else f(z))
    return activations


def layer_backward(delta, a_prev, W, derivative):
    return a_prev.T @ delta, delta.sum(axis=0), (delta @ W.T) * derivative(a_prev)


def backward(activations, y, weights, derivative, mean=True, transpose=False, sum_db=True, f_prime=True):
    """Backpropagation, with switches for the mistakes below (each a student's slip)."""
    N = len(y)
    delta = activations[-1] - one_hot(y, activations[-1].shape[1])
    if mean:
        delta = delta / N
    dW, db = [], []
    for l in range(len(weights), 0, -1):
        dW.insert(0, delta.T @ activations[l - 1] if transpose else activations[l - 1].T @ delta)
        db.insert(0, delta.sum(axis=0) if sum_db else delta)
        delta = delta @ weights[l - 1].T
        if f_prime:
            delta = delta * derivative(activations[l - 1])
    return dW, db


def sgd_step(theta, g, learning_rate):
    return theta - learning_rate * g


def momentum_step(theta, g, m, learning_rate, beta):
    m = beta * m + g
    return theta - learning_rate * m, m


def nesterov_step(theta, g, m, learning_rate, beta):
    m = beta * m + g
    return theta - learning_rate * (g + beta * m), m


def rmsprop_step(theta, g, v, learning_rate, alpha, eps):
    v = alpha * v + (1 - alpha) * g ** 2
    return theta - learning_rate * g / (np.sqrt(v) + eps), v


def adam_step(theta, g, m, v, t, learning_rate, beta1, beta2, eps, bias_t=None):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    t = t if bias_t is None else bias_t
    m_hat = m / (1 - beta1 ** t) if t is not False else m
    v_hat = v / (1 - beta2 ** t) if t is not False else v
    return theta - learning_rate * m_hat / (np.sqrt(v_hat) + eps), m, v


def adamw_step(theta, g, m, v, t, learning_rate, beta1, beta2, eps, weight_decay):
    return adam_step(theta * (1 - learning_rate * weight_decay), g, m, v, t, learning_rate, beta1, beta2, eps)


def dropout_forward(a, p, rng):
    mask = (rng.random(a.shape) >= p) / (1 - p)
    return a * mask, mask


def dropout_backward(delta, mask):
    return delta * mask


def matmul_backward(A, B, grad_Z):
    return grad_Z @ B.T, A.T @ grad_Z


def unbroadcast(grad, shape, reduce=np.sum):
    while grad.ndim > len(shape):
        grad = reduce(grad, axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and grad.shape[axis] != 1:
            grad = reduce(grad, axis=axis, keepdims=True)
    return grad


def add_backward(grad_Z, shape_a, shape_b):
    return unbroadcast(grad_Z, shape_a), unbroadcast(grad_Z, shape_b)


def mul_backward(A, B, grad_Z):
    return grad_Z * B, grad_Z * A


CORRECT = {
    "relu": relu, "relu_derivative": relu_derivative, "sigmoid": sigmoid, "sigmoid_derivative": sigmoid_derivative,
    "tanh": np.tanh, "tanh_derivative": tanh_derivative, "softmax": stable_softmax, "logsumexp": logsumexp,
    "softmax_jacobian": softmax_jacobian, "cross_entropy": cross_entropy, "output_delta": output_delta, "forward_pass": forward_pass,
    "layer_backward": layer_backward, "backward": backward, "sgd_step": sgd_step, "momentum_step": momentum_step,
    "nesterov_step": nesterov_step, "rmsprop_step": rmsprop_step, "adam_step": adam_step,
    "adamw_step": adamw_step, "l1_subgradient": np.sign, "l2_gradient": lambda W: W + W,
    "dropout_forward": dropout_forward, "dropout_backward": dropout_backward, "matmul_backward": matmul_backward,
    "add_backward": add_backward, "mul_backward": mul_backward,
}

# the package's own functions, where the student's signature is the package's
PACKAGE = {
    "relu": A.relu, "relu_derivative": A.relu_derivative, "sigmoid": A.sigmoid,
    "sigmoid_derivative": A.sigmoid_derivative, "tanh": A.tanh, "tanh_derivative": A.tanh_derivative,
    "softmax": A.softmax, "logsumexp": lambda z: A.logsumexp(z, axis=1), "softmax_jacobian": A.softmax_jacobian,
    "output_delta": lambda a, y: package_output_delta(a, y, "softmax", "cross_entropy"),
    "cross_entropy": lambda z, y: per_example_loss(z, A.softmax(z), y, "softmax", "cross_entropy"),
    "l1_subgradient": R.l1_subgradient, "l2_gradient": R.l2_gradient,
}


def test_there_is_a_correct_solution_for_every_check():
    assert set(CORRECT) == set(CHECKS) == set(MISTAKES)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(CORRECT))
def test_a_correct_solution_passes(name, seed):
    result = CHECKS[name](CORRECT[name], seed=seed)
    assert result, str(result)
    assert result.passed and result.diagnosis == "passed" and result.n_cases >= 3


@pytest.mark.parametrize("name", sorted(PACKAGE))
def test_the_package_itself_passes(name):
    assert CHECKS[name](PACKAGE[name]), str(CHECKS[name](PACKAGE[name]))


@pytest.mark.parametrize("hidden", ["relu", "sigmoid", "tanh", "identity"])
def test_network_checks_pass_for_every_hidden_activation(hidden):
    for name in ("forward_pass", "layer_backward", "backward"):
        result = CHECKS[name](CORRECT[name], hidden=hidden)
        assert result, str(result)


@pytest.mark.parametrize("output, loss", [("softmax", "cross_entropy"), ("sigmoid", "cross_entropy"),
                                          ("identity", "mse"), ("softmax", "mse"), ("sigmoid", "mse")])
def test_output_delta_check_knows_every_pair(output, loss):
    def delta(a, y):
        return package_output_delta(a, y, output, loss)
    assert CHECKS["output_delta"](delta, output=output, loss=loss)


@pytest.mark.parametrize("output", ["softmax", "sigmoid", "identity"])
def test_forward_pass_check_knows_every_output(output):
    assert CHECKS["forward_pass"](forward_pass, output=output)


# ------------------------------------------------------- mistakes, as students write them
def naive_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def forward_with(hidden_fn=None, output_fn=None, bias=True, keep_input=True):
    """A student's forward pass with one slip: a wrong function or a forgotten bias or input."""
    def student(X, weights, biases, f, F):
        activations = [X]
        for l, (W, b) in enumerate(zip(weights, biases), start=1):
            z = activations[-1] @ W + (b if bias else 0)
            last = l == len(weights)
            g = (output_fn or F) if last else (hidden_fn or f)
            activations.append(g(z) if g is not None else z)
        return activations if keep_input else activations[1:]
    return student


def adam_t_minus_1(theta, g, m, v, t, learning_rate, beta1, beta2, eps):
    return adam_step(theta, g, m, v, t, learning_rate, beta1, beta2, eps, bias_t=t - 1)


def adam_uncorrected(theta, g, m, v, t, learning_rate, beta1, beta2, eps):
    return adam_step(theta, g, m, v, t, learning_rate, beta1, beta2, eps, bias_t=False)


def adamw_then(adam):
    def student(theta, g, m, v, t, learning_rate, beta1, beta2, eps, weight_decay):
        return adam(theta * (1 - learning_rate * weight_decay), g, m, v, t, learning_rate, beta1, beta2, eps)
    return student


def lse_without_max(z):
    m = z.max(axis=1, keepdims=True)
    return np.log(np.exp(z - m).sum(axis=1))


def lse_columns(z):
    m = z.max(axis=0)
    return m + np.log(np.exp(z - m).sum(axis=0))


def jacobian_with(build):
    def student(z):
        e = np.exp(z - z.max())
        return build(e / e.sum())
    return student


def dropout_keep_p(a, p, rng):
    mask = (rng.random(a.shape) < p) / p
    return a * mask, mask


def dropout_other_draw(a, p, rng):
    mask = (rng.random(a.shape) < 1 - p) / (1 - p)
    return a * mask, mask


def dropout_unscaled(a, p, rng):
    keep = rng.random(a.shape) >= p
    return a * keep, keep.astype(float)


def add_mean(grad_Z, shape_a, shape_b):
    return unbroadcast(grad_Z, shape_a, np.mean), unbroadcast(grad_Z, shape_b, np.mean)


def sigmoid_delta(a, y):   # written for (sigmoid, mse): a - y, without the sigmoid's slope
    return a - one_hot(y, a.shape[1])


def momentum_stale(theta, g, m, learning_rate, beta):
    theta = theta - learning_rate * m
    return theta, beta * m + g


STUDENTS = {  # (check, mistake) -> (the student's wrong function, keyword arguments of the check)
    ("relu", "relu_np_max"): lambda z: np.max(z, 0),
    ("relu", "relu_returns_step"): lambda z: np.where(z > 0, 1.0, 0.0),
    ("relu_derivative", "relu_derivative_one_at_zero"): lambda a: np.where(a >= 0, 1.0, 0.0),
    ("relu_derivative", "relu_derivative_returns_a"): lambda a: a.copy(),
    ("sigmoid", "sigmoid_unstable"): lambda z: np.exp(z) / (1 + np.exp(z)),
    ("sigmoid", "sigmoid_sign"): lambda z: 1 / (1 + np.exp(z)),
    ("sigmoid_derivative", "sigmoid_derivative_of_a"): lambda a: sigmoid(a) * (1 - sigmoid(a)),
    ("sigmoid_derivative", "sigmoid_derivative_is_tanhs"): lambda a: 1 - a * a,
    ("tanh", "tanh_unstable"): lambda z: (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)),
    ("tanh", "tanh_half_argument"): lambda z: 2 / (1 + np.exp(-z)) - 1,
    ("tanh_derivative", "tanh_derivative_of_a"): lambda a: 1 - np.tanh(a) ** 2,
    ("tanh_derivative", "tanh_derivative_is_sigmoids"): lambda a: a - a * a,
    ("tanh_derivative", "tanh_derivative_no_square"): lambda a: 1 - a,
    ("softmax", "softmax_unstable"): naive_softmax,
    ("softmax", "softmax_columns"): lambda z: np.exp(z - z.max(axis=0)) / np.exp(z - z.max(axis=0)).sum(axis=0),
    ("softmax", "softmax_whole_batch"): lambda z: np.exp(z - np.max(z)) / np.sum(np.exp(z - np.max(z))),
    ("logsumexp", "logsumexp_unstable"): lambda z: np.log(np.sum(np.exp(z), axis=1)),
    ("logsumexp", "logsumexp_max_not_added_back"): lse_without_max,
    ("logsumexp", "logsumexp_columns"): lse_columns,
    ("softmax_jacobian", "jacobian_diagonal_only"): jacobian_with(lambda F: np.diag(F * (1 - F))),
    ("softmax_jacobian", "jacobian_missing_diagonal"): jacobian_with(lambda F: -np.outer(F, F)),
    ("softmax_jacobian", "jacobian_sign"): jacobian_with(lambda F: np.outer(F, F) - np.diag(F)),
    ("cross_entropy", "cross_entropy_unstable"): lambda z, y: -np.log(
        np.exp(z)[np.arange(len(y)), y] / np.exp(z).sum(axis=1)),
    ("cross_entropy", "cross_entropy_log_of_softmax"): lambda z, y: -np.log(stable_softmax(z)[np.arange(len(y)), y]),
    ("cross_entropy", "cross_entropy_sign"): lambda z, y: z[np.arange(len(y)), y] - logsumexp(z),
    ("cross_entropy", "cross_entropy_all_classes"): lambda z, y: (logsumexp(z)[:, None] - z).sum(axis=1),
    ("cross_entropy", "cross_entropy_forgets_logsumexp"): lambda z, y: -z[np.arange(len(y)), y],
    ("cross_entropy", "cross_entropy_returns_mean"): lambda z, y: np.mean(cross_entropy(z, y)),
    ("output_delta", "delta_sign"): lambda a, y: one_hot(y, a.shape[1]) - a,
    ("output_delta", "delta_label_not_one_hot"): lambda a, y: a - y.reshape(-1, 1),
    ("output_delta", "delta_divided_by_N"): lambda a, y: (a - one_hot(y, a.shape[1])) / len(y),
    ("output_delta", "delta_times_output_derivative"): lambda a, y: (a - one_hot(y, a.shape[1])) * a * (1 - a),
    ("output_delta", "delta_forgets_output_derivative"): (sigmoid_delta, {"output": "sigmoid", "loss": "mse"}),
    ("output_delta", "delta_is_grad_a"): lambda a, y: -one_hot(y, a.shape[1]) / a,
    ("forward_pass", "forward_missing_input"): forward_with(keep_input=False),
    ("forward_pass", "forward_hidden_activation_on_output"): lambda X, Ws, bs, f, F: forward_pass(X, Ws, bs, f, f),
    ("forward_pass", "forward_no_output_function"): forward_with(output_fn=lambda z: z),
    ("forward_pass", "forward_no_hidden_activation"): forward_with(hidden_fn=lambda z: z),
    ("forward_pass", "forward_output_function_on_hidden"): lambda X, Ws, bs, f, F: forward_pass(X, Ws, bs, F, F),
    ("forward_pass", "forward_missing_bias"): forward_with(bias=False),
    ("layer_backward", "dW_transposed"): lambda d, a, W, df: (d.T @ a, d.sum(axis=0), (d @ W.T) * df(a)),
    ("layer_backward", "db_not_summed"): lambda d, a, W, df: (a.T @ d, d, (d @ W.T) * df(a)),
    ("layer_backward", "db_wrong_axis"): lambda d, a, W, df: (a.T @ d, d.sum(axis=1), (d @ W.T) * df(a)),
    ("layer_backward", "divides_by_N_again"): lambda d, a, W, df: (a.T @ d / len(d), d.mean(axis=0),
                                                                   (d @ W.T) * df(a)),
    ("layer_backward", "forgets_f_prime"): lambda d, a, W, df: (a.T @ d, d.sum(axis=0), d @ W.T),
    ("backward", "gradient_N_times_too_large"): lambda *args: backward(*args, mean=False),
    ("backward", "gradient_N_times_too_small"): lambda acts, y, Ws, df: tuple(
        [g / len(y) for g in grads] for grads in backward(acts, y, Ws, df)),
    ("backward", "dW_transposed"): lambda *args: backward(*args, transpose=True),
    ("backward", "db_not_summed"): lambda *args: backward(*args, sum_db=False),
    ("backward", "forgets_f_prime"): lambda *args: backward(*args, f_prime=False),
    ("sgd_step", "sgd_ascent"): lambda theta, g, lr: theta + lr * g,
    ("sgd_step", "sgd_no_learning_rate"): lambda theta, g, lr: theta - g,
    ("momentum_step", "momentum_dampening"): lambda theta, g, m, lr, beta: (
        theta - lr * (beta * m + (1 - beta) * g), beta * m + (1 - beta) * g),
    ("momentum_step", "momentum_no_velocity"): lambda theta, g, m, lr, beta: (theta - lr * g, m),
    ("momentum_step", "momentum_stale_velocity"): momentum_stale,
    ("nesterov_step", "nesterov_is_momentum"): momentum_step,
    ("nesterov_step", "momentum_no_velocity"): lambda theta, g, m, lr, beta: (theta - lr * g, beta * m + g),
    ("rmsprop_step", "rmsprop_alpha_swapped"): lambda theta, g, v, lr, alpha, eps: rmsprop_step(
        theta, g, v, lr, 1 - alpha, eps),
    ("adam_step", "adam_bias_correction_t_minus_1"): adam_t_minus_1,
    ("adam_step", "adam_no_bias_correction"): adam_uncorrected,
    ("adam_step", "adam_betas_swapped"): lambda theta, g, m, v, t, lr, b1, b2, eps: adam_step(
        theta, g, m, v, t, lr, b2, b1, eps),
    ("adamw_step", "adamw_coupled_decay"): lambda theta, g, m, v, t, lr, b1, b2, eps, wd: adam_step(
        theta, g + wd * theta, m, v, t, lr, b1, b2, eps),
    ("adamw_step", "adamw_decay_without_learning_rate"): lambda theta, g, m, v, t, lr, b1, b2, eps, wd: adam_step(
        theta * (1 - wd), g, m, v, t, lr, b1, b2, eps),
    ("adamw_step", "adamw_no_decay"): lambda theta, g, m, v, t, lr, b1, b2, eps, wd: adam_step(
        theta, g, m, v, t, lr, b1, b2, eps),
    ("adamw_step", "adam_bias_correction_t_minus_1"): adamw_then(adam_t_minus_1),
    ("adamw_step", "adam_no_bias_correction"): adamw_then(adam_uncorrected),
    ("adamw_step", "adam_betas_swapped"): lambda theta, g, m, v, t, lr, b1, b2, eps, wd: adamw_step(
        theta, g, m, v, t, lr, b2, b1, eps, wd),
    ("l1_subgradient", "l1_abs"): np.abs,
    ("l1_subgradient", "l1_divides_by_abs"): lambda W: W / np.abs(W),
    ("l1_subgradient", "l1_one_at_zero"): lambda W: np.where(W < 0, -1.0, 1.0),
    ("l1_subgradient", "l1_returns_penalty"): lambda W: np.abs(W).sum(),
    ("l2_gradient", "l2_missing_factor_2"): lambda W: W.copy(),
    ("l2_gradient", "l2_squared"): lambda W: W ** 2,
    ("l2_gradient", "l2_returns_penalty"): lambda W: (W ** 2).sum(),
    ("dropout_forward", "dropout_no_scaling"): dropout_unscaled,
    ("dropout_forward", "dropout_p_is_keep"): dropout_keep_p,
    ("dropout_forward", "dropout_other_draw"): dropout_other_draw,
    ("dropout_backward", "dropout_backward_ignores_mask"): lambda delta, mask: delta.copy(),
    ("dropout_backward", "dropout_backward_unscaled"): lambda delta, mask: np.where(mask > 0, delta, 0.0),
    ("matmul_backward", "matmul_transposed"): lambda A, B, G: (B @ G.T, G.T @ A),
    ("matmul_backward", "matmul_adjoints_swapped"): lambda A, B, G: (A.T @ G, G @ B.T),
    ("add_backward", "add_not_unbroadcast"): lambda G, shape_a, shape_b: (G, G),
    ("add_backward", "add_mean_not_sum"): add_mean,
    ("mul_backward", "mul_own_value"): lambda A, B, G: (G * A, G * B),
    ("mul_backward", "mul_forgets_upstream"): lambda A, B, G: (B, A),
}


def test_every_catalogue_mistake_has_its_student():
    catalogue = {(check, name) for check, mistakes in CATALOGUE.items() for name in mistakes}
    assert set(STUDENTS) == catalogue
    assert len(catalogue) >= 30


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("check, mistake", sorted(STUDENTS))
def test_each_mistake_gets_its_diagnosis(check, mistake, seed):
    student = STUDENTS[check, mistake]
    student, kwargs = student if isinstance(student, tuple) else (student, {})
    result = CHECKS[check](student, seed=seed, **kwargs)
    assert not result
    assert result.diagnosis == mistake, str(result)
    assert CATALOGUE[check][mistake] in result.message
    assert set(result.diagnoses) == {mistake}   # no output left unexplained


def test_two_mistakes_in_two_outputs_are_both_named():
    result = CHECKS["layer_backward"](lambda d, a, W, df: (a.T @ d, d, d @ W.T))
    assert result.diagnoses == ("db_not_summed", "forgets_f_prime")
    assert CATALOGUE["layer_backward"]["db_not_summed"] in result.message
    assert CATALOGUE["layer_backward"]["forgets_f_prime"] in result.message


# -------------------------------------------------------- the generic verdicts
def bumped(name, where):
    """The correct solution with 0.5 added to one entry of its (first) output.

    ``where = (call, index)``: the entry ``index`` on the ``call``-th call (0-based), that is, one case.
    """
    calls = {"n": 0}
    call, index = where

    def student(*args):
        out = CORRECT[name](*args)
        first = out[0] if isinstance(out, tuple) else out
        if calls["n"] == call:
            first = np.array(first, dtype=float)
            first[index] += 0.5
        calls["n"] += 1
        return (first, *out[1:]) if isinstance(out, tuple) else first
    return student


@pytest.mark.parametrize("name, where, output", [
    ("softmax", (1, (2, 1)), "a"), ("relu", (2, (3, 4)), "a"), ("l2_gradient", (0, (1, 2)), "gradient"),
    ("layer_backward", (0, (3, 1)), "dW"), ("matmul_backward", (3, (5, 0)), "grad_A"),
    ("tanh_derivative", (1, (0, 2)), "f'(z)")])
def test_an_unknown_mistake_gets_the_largest_error_and_where_it_is(name, where, output):
    result = CHECKS[name](bumped(name, where))
    assert not result and result.diagnosis == "mismatch"
    assert result.output == output and result.index == where[1]
    assert result.max_error == pytest.approx(0.5)
    assert f"index {where[1]}" in result.message and result.case in result.message


def test_random_wrong_answers_get_the_generic_message():
    rng = np.random.default_rng(5)
    result = CHECKS["sigmoid"](lambda z: rng.random(z.shape))
    assert not result and result.diagnosis == "mismatch" and "largest error" in result.message


def test_wrong_shape():
    result = CHECKS["softmax"](lambda z: stable_softmax(z)[:, :-1])
    assert not result and result.diagnosis == "wrong_shape"
    assert "has shape" in result.message and "expected" in result.message


def test_transposed_shape_is_pointed_out():
    result = CHECKS["softmax"](lambda z: stable_softmax(z).T.copy())
    assert result.diagnosis == "wrong_shape" and "transpose" in result.message


def test_nan_and_inf_are_reported_as_such():
    def softmax_with_nan(z):
        a = stable_softmax(z)
        a[0, 0] = np.nan
        return a
    result = CHECKS["softmax"](softmax_with_nan)
    assert not result and result.diagnosis == "not_finite"
    assert "nan" in result.message and result.index == (0, 0)
    result = CHECKS["l2_gradient"](lambda W: np.where(W == 0, np.inf, 2 * W))
    assert result.diagnosis == "not_finite" and "inf" in result.message


def test_an_exception_is_reported_with_the_students_line():
    def softmax(z):
        m = z.max(axis=1)
        return np.exp(z - m) / np.exp(z - m).sum(axis=1)   # shapes (N, K) and (N,) do not broadcast
    result = CHECKS["softmax"](softmax)
    assert not result and result.diagnosis == "exception"
    assert "ValueError" in result.message and "in softmax" in result.message
    assert "keepdims=True" in result.message
    assert "Traceback" not in result.message


def test_writing_into_an_input_is_reported():
    def relu(z):
        z[z < 0] = 0
        return z
    result = CHECKS["relu"](relu)
    assert result.diagnosis == "exception" and "writes into one of its inputs" in result.message


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_not_implemented_yet(name):
    def stub(*args):
        raise NotImplementedError
    result = CHECKS[name](stub)
    assert not result and result.diagnosis == "not_implemented" and "not implemented yet" in result.message


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_forgetting_to_return(name):
    result = CHECKS[name](lambda *args: None)
    assert not result and result.diagnosis == "wrong_output"


def test_wrong_number_of_outputs():
    result = CHECKS["layer_backward"](lambda d, a, W, df: (a.T @ d, d.sum(axis=0)))
    assert result.diagnosis == "wrong_output" and "3 values" in result.message
    result = CHECKS["backward"](lambda acts, y, Ws, df: backward(acts, y, Ws, df)[0])
    assert result.diagnosis == "wrong_output"
    result = CHECKS["forward_pass"](lambda *args: forward_pass(*args) + [None])
    assert result.diagnosis == "wrong_output"


def test_wrong_dtype():
    result = CHECKS["relu_derivative"](lambda a: a > 0)
    assert not result and result.diagnosis == "wrong_dtype" and "bool" in result.message
    result = CHECKS["softmax"](lambda z: stable_softmax(z).astype(np.float32))
    assert result.diagnosis == "wrong_dtype" and "float32" in result.message


def test_an_optimizer_step_returning_a_wrong_shape():
    result = CHECKS["sgd_step"](lambda theta, g, lr: (theta - lr * g).ravel()[:1])
    assert not result and result.diagnosis == "wrong_shape"


def test_a_missing_eps_shows_as_nan_where_the_gradient_is_zero():
    result = CHECKS["rmsprop_step"](lambda theta, g, v, lr, alpha, eps: rmsprop_step(theta, g, v, lr, alpha, 0.0))
    assert result.diagnosis == "not_finite" and "zero gradients" in result.case


# ------------------------------------------------------------------ the result
def test_result_is_truthy_only_on_a_pass_and_shows_its_verdict():
    passed, failed = CHECKS["softmax"](stable_softmax), CHECKS["softmax"](naive_softmax)
    assert bool(passed) and not bool(failed)
    assert str(passed) == f"softmax: passed ({passed.n_cases} cases)"
    assert "\n" not in str(failed) and str(failed).startswith("softmax: FAILED [softmax_unstable]")
    assert "passed" in passed._repr_html_() and "failed" in failed._repr_html_()
    assert "softmax_unstable" in failed._repr_html_() and "softmax_unstable" in failed._repr_markdown_()
    assert "✓" in passed._repr_markdown_() and "✗" in failed._repr_markdown_()


def test_html_is_escaped():
    result = CheckResult("x<y>", False, "exception", "a <b> & c")
    assert "<b>" not in result._repr_html_() and "&lt;b&gt;" in result._repr_html_()
    assert "<code>a</code>" in CheckResult("softmax", False, "mismatch", "`a` differs")._repr_html_()


def test_the_cases_depend_on_the_seed_and_are_reproducible():
    seen = []

    def spy(z):
        seen.append(z.copy())
        return stable_softmax(z)
    for seed in (3, 3, 4):
        CHECKS["softmax"](spy, seed=seed)
    n = len(seen) // 3
    assert all(np.array_equal(a, b) for a, b in zip(seen[:n], seen[n:2 * n]))
    assert not np.array_equal(seen[0], seen[2 * n])
    assert all(z.dtype == np.float64 for z in seen)


def test_the_dropout_reference_is_the_networks_mask():
    a = np.abs(np.random.default_rng(1).normal(size=(6, 7))) + 0.1
    a_tilde, mask = package_dropout(a, 0.3, seed=8)
    expected = (np.random.default_rng(8).random(a.shape) >= 0.3) / 0.7
    np.testing.assert_array_equal(mask, expected)
    np.testing.assert_allclose(a_tilde, a * expected, rtol=1e-15)


def test_bad_use_of_a_check_is_a_clear_error():
    with pytest.raises(TypeError, match="takes your function itself"):
        CHECKS["softmax"](np.zeros(3))
    with pytest.raises(ValueError, match="no \\(output, loss\\) pair"):
        CHECKS["output_delta"](output_delta, output="softmax", loss="hinge")
    for name in ("forward_pass", "layer_backward", "backward"):
        with pytest.raises(ValueError, match="unknown hidden activation 'softplus'"):
            CHECKS[name](CORRECT[name], hidden="softplus")
    with pytest.raises(ValueError, match="unknown output 'softmin'"):
        CHECKS["forward_pass"](forward_pass, output="softmin")


def test_a_notebook_shows_the_verdict():
    formatters = pytest.importorskip("IPython.core.formatters")
    data, _ = formatters.DisplayFormatter().format(CHECKS["softmax"](naive_softmax))   # what Jupyter sends
    assert "softmax_unstable" in data["text/html"] and "failed" in data["text/html"]
    assert data["text/plain"].startswith("softmax: FAILED [softmax_unstable]")
