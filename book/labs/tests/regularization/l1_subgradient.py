from otter.test_files import test_case

OK_FORMAT = False

name = "l1_subgradient"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_l1_subgradient_check(l1_subgradient, seed):
    from mlp_from_scratch.checks import check_l1_subgradient
    from mlp_from_scratch.checks.labs import assert_check
    assert_check(check_l1_subgradient(l1_subgradient, seed=seed))

