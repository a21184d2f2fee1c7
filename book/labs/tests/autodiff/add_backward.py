from otter.test_files import test_case

OK_FORMAT = False

name = "add_backward"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_add_backward_check(add_backward, seed):
    from mlp_from_scratch.checks import check_add_backward
    from mlp_from_scratch.checks.labs import assert_check
    assert_check(check_add_backward(add_backward, seed=seed))

