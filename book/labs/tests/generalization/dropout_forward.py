from otter.test_files import test_case

OK_FORMAT = False

name = "dropout_forward"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_dropout_forward_check(dropout_forward, seed):
    from mlp_from_scratch.checks import check_dropout_forward
    from mlp_from_scratch.checks.labs import assert_check
    assert_check(check_dropout_forward(dropout_forward, seed=seed))

