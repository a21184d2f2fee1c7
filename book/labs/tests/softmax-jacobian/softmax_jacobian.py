from otter.test_files import test_case

OK_FORMAT = False

name = "softmax_jacobian"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_softmax_jacobian_check(softmax_jacobian, seed):
    from mlp_from_scratch.checks import check_softmax_jacobian
    from mlp_from_scratch.checks.labs import assert_check
    assert_check(check_softmax_jacobian(softmax_jacobian, seed=seed))

