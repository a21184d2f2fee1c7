from otter.test_files import test_case

OK_FORMAT = False

name = "layer_backward"
points = 3
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_layer_backward_check(layer_backward, seed):
    from mlp_from_scratch.checks import check_layer_backward
    from mlp_from_scratch.checks.labs import assert_check
    assert_check(check_layer_backward(layer_backward, seed=seed))

