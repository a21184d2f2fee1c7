from otter.test_files import test_case

OK_FORMAT = False

name = "forward_pass"
points = 4
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_forward_pass_check(forward_pass, seed):
    from mlp_from_scratch.checks import check_forward_pass
    from mlp_from_scratch.checks.labs import assert_check
    assert_check(check_forward_pass(forward_pass, seed=seed))

