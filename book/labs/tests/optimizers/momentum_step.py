from otter.test_files import test_case

OK_FORMAT = False

name = "momentum_step"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_momentum_step_check(momentum_step, seed):
    from mlp_from_scratch.checks import check_momentum_step
    from mlp_from_scratch.checks.labs import assert_check
    assert_check(check_momentum_step(momentum_step, seed=seed))

