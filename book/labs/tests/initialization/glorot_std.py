from otter.test_files import test_case

OK_FORMAT = False

name = "glorot_std"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_glorot_std(env, glorot_std, seed):
    import numpy as np
    from mlp_from_scratch.network import _init_std
    from mlp_from_scratch.checks.labs import attempt
    rng = np.random.default_rng(seed)
    for n_in, n_out in ((int(rng.integers(2, 2000)), int(rng.integers(2, 500))), (1, 1)):
        got, want = (attempt(glorot_std, n_in, n_out), _init_std('glorot', 'tanh', n_in, n_out))
        assert np.ndim(got) == 0, f'glorot_std must return a number; it returned {got!r}'
        if np.isclose(got, np.sqrt(1 / (n_in + n_out))):
            raise AssertionError('your Glorot scale misses the factor 2 of Var(w) = 2 / (n_in + n_out), the mean of the forward 1 / n_in and the backward 1 / n_out')
        assert np.isclose(got, want), f'glorot_std({n_in}, {n_out}) is {want:.6g}; yours is {got:.6g}'

