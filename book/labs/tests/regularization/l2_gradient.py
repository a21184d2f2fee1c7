from otter.test_files import test_case

OK_FORMAT = False

name = "l2_gradient"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_l2_gradient_check(l2_gradient, seed):
    from mlp_from_scratch.checks import check_l2_gradient
    from mlp_from_scratch.checks.labs import assert_check
    assert_check(check_l2_gradient(l2_gradient, seed=seed))

