from otter.test_files import test_case

OK_FORMAT = False

name = "sigmoid"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_sigmoid_check(sigmoid, seed):
    from mlp_from_scratch.checks import check_sigmoid
    from mlp_from_scratch.checks.labs import assert_check
    assert_check(check_sigmoid(sigmoid, seed=seed))

