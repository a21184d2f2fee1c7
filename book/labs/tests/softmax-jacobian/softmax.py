from otter.test_files import test_case

OK_FORMAT = False

name = "softmax"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_softmax_check(softmax, seed):
    from mlp_from_scratch.checks import check_softmax
    from mlp_from_scratch.checks.labs import assert_check
    assert_check(check_softmax(softmax, seed=seed))

