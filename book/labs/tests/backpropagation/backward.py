from otter.test_files import test_case

OK_FORMAT = False

name = "backward"
points = 4
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_backward_check(backward, seed):
    from mlp_from_scratch.checks import check_backward
    from mlp_from_scratch.checks.labs import assert_check
    assert_check(check_backward(backward, seed=seed))

