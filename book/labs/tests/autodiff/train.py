from otter.test_files import test_case

OK_FORMAT = False

name = "train"
points = 4
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_train_with_rules(env, MyMLP, X_train, y_train, seed):
    import numpy as np
    from mlp_from_scratch import MLP, autodiff
    from mlp_from_scratch.checks.labs import assert_same_training

    def matmul_reference(A, B, grad_Z):
        A_, B_ = (autodiff.Tensor(A), autodiff.Tensor(B))
        (A_ @ B_).backward(grad_Z)
        return (A_.grad, B_.grad)

    def add_reference(grad_Z, shape_a, shape_b):
        a, b = (autodiff.Tensor(np.zeros(shape_a)), autodiff.Tensor(np.zeros(shape_b)))
        (a + b).backward(grad_Z)
        return (a.grad, b.grad)

    def run(Net):
        return Net([64, 16, 10], seed=seed).fit(X_train[:200], y_train[:200], epochs=3, learning_rate=0.5, batch_size=50).loss
    assert_same_training(env, lambda: run(MyMLP), lambda: run(MLP), pieces={'matmul_backward': matmul_reference, 'add_backward': add_reference}, block=[(MLP, 'backward'), (MLP, 'gradients')])

