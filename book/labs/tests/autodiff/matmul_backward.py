from otter.test_files import test_case

OK_FORMAT = False

name = "matmul_backward"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_matmul_backward_check(matmul_backward, seed):
    from mlp_from_scratch.checks import check_matmul_backward
    from mlp_from_scratch.checks.labs import assert_check
    assert_check(check_matmul_backward(matmul_backward, seed=seed))

