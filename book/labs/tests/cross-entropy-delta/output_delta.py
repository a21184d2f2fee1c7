from otter.test_files import test_case

OK_FORMAT = False

name = "output_delta"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_output_delta_check(output_delta, seed):
    from mlp_from_scratch.checks import check_output_delta
    from mlp_from_scratch.checks.labs import assert_check
    assert_check(check_output_delta(output_delta, seed=seed))

