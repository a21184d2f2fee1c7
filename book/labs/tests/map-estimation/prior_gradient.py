from otter.test_files import test_case

OK_FORMAT = False

name = "prior_gradient"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_prior_gradient(env, gaussian_log_prior_gradient, seed):
    import numpy as np
    from mlp_from_scratch import regularization
    from mlp_from_scratch.checks.labs import attempt, package_blocked
    rng = np.random.default_rng(seed)
    weights, sigma = ([rng.normal(0, 1, (4, 3)), rng.normal(0, 1, (3, 2))], float(rng.uniform(0.2, 0.9)))
    want = regularization.gaussian_log_prior_gradient(weights, sigma)
    with package_blocked(env, (regularization, 'gaussian_log_prior_gradient')):
        got = attempt(gaussian_log_prior_gradient, weights, sigma)
    assert isinstance(got, (list, tuple)) and len(got) == len(weights), f'return a list of {len(weights)} arrays, one per weight matrix'
    assert all((np.shape(g) == W.shape for g, W in zip(got, weights))), "each gradient has its matrix's shape"
    if all((np.allclose(g, -w) for g, w in zip(got, want))):
        raise AssertionError('your gradient has the wrong sign: the log prior falls away from 0, so its gradient is -W / sigma^2')
    if all((np.allclose(g, w * sigma) for g, w in zip(got, want))):
        raise AssertionError('your gradient divides by sigma, not sigma^2: d/dw (-w^2 / (2 sigma^2)) = -w / sigma^2')
    assert all((np.allclose(g, w) for g, w in zip(got, want))), 'your gradient differs from -W / sigma^2'

