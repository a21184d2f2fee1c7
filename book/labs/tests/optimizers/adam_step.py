from otter.test_files import test_case

OK_FORMAT = False

name = "adam_step"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_adam_step_check(adam_step, seed):
    from mlp_from_scratch.checks import check_adam_step
    from mlp_from_scratch.checks.labs import assert_check
    assert_check(check_adam_step(adam_step, seed=seed))

