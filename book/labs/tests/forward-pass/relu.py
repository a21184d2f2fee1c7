from otter.test_files import test_case

OK_FORMAT = False

name = "relu"
points = 2
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_relu_check(relu, seed):
    from mlp_from_scratch.checks import check_relu
    from mlp_from_scratch.checks.labs import assert_check
    assert_check(check_relu(relu, seed=seed))

