from otter.test_files import test_case

OK_FORMAT = False

name = "cross_entropy"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_cross_entropy_check(cross_entropy, seed):
    from mlp_from_scratch.checks import check_cross_entropy
    from mlp_from_scratch.checks.labs import assert_check
    assert_check(check_cross_entropy(cross_entropy, seed=seed))

