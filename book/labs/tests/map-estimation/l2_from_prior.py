from otter.test_files import test_case

OK_FORMAT = False

name = "l2_from_prior"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_l2_from_prior(env, l2_from_gaussian_prior, seed):
    import numpy as np
    from mlp_from_scratch import regularization
    from mlp_from_scratch.checks.labs import attempt, package_blocked
    rng = np.random.default_rng(seed)
    for sigma, N in ((float(rng.uniform(0.1, 2)), int(rng.integers(50, 5000))), (1.0, 1)):
        want = regularization.l2_from_gaussian_prior(sigma, N)
        with package_blocked(env, (regularization, 'l2_from_gaussian_prior'), (regularization, 'gaussian_prior_sigma')):
            got = attempt(l2_from_gaussian_prior, sigma, N)
        assert np.ndim(got) == 0, f'l2_from_gaussian_prior must return a number; it returned {got!r}'
        if N > 1 and np.isclose(got, 1 / (2 * sigma ** 2)):
            raise AssertionError('your l2 misses the 1/N: the objective is the mean loss over the N examples, so the log prior is divided by N too: l2 = 1 / (2 N sigma^2)')
        if np.isclose(got, 1 / (N * sigma ** 2)):
            raise AssertionError("your l2 misses the 1/2 of the Gaussian's exponent -w^2 / (2 sigma^2): l2 = 1 / (2 N sigma^2)")
        assert np.isclose(got, want), f'for sigma = {sigma:.3g} and N = {N}, l2 is {want:.6g}; yours is {got:.6g}'

