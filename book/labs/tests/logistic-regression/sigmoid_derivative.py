from otter.test_files import test_case

OK_FORMAT = False

name = "sigmoid_derivative"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_sigmoid_derivative_check(sigmoid_derivative, seed):
    from mlp_from_scratch.checks import check_sigmoid_derivative
    from mlp_from_scratch.checks.labs import assert_check
    assert_check(check_sigmoid_derivative(sigmoid_derivative, seed=seed))

