from otter.test_files import test_case

OK_FORMAT = False

name = "he_std"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_he_std(env, he_std, seed):
    import numpy as np
    from mlp_from_scratch.network import _init_std
    from mlp_from_scratch.checks.labs import attempt
    for n_in in (int(np.random.default_rng(seed).integers(2, 2000)), 1):
        got, want = (attempt(he_std, n_in), _init_std('he', 'relu', n_in, 1))
        assert np.ndim(got) == 0, f'he_std must return a number; it returned {got!r}'
        if np.isclose(got, np.sqrt(1 / n_in)) and n_in > 1:
            raise AssertionError('your He scale misses the factor 2: relu zeroes half of the pre-activations, so Var(w) = 2 / n_in keeps their variance from layer to layer')
        assert np.isclose(got, want), f'he_std({n_in}) is {want:.6g}; yours is {got:.6g}'

