from otter.test_files import test_case

OK_FORMAT = False

name = "train"
points = 4
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_train_with_penalties(env, MyMLP, X_train, y_train, seed):
    from mlp_from_scratch import MLP, regularization
    from mlp_from_scratch.checks.labs import assert_same_training

    def run(Net):
        return Net([64, 16, 10], seed=seed, l1=0.001, l2=0.01).fit(X_train[:200], y_train[:200], epochs=3, learning_rate=0.5, batch_size=50).loss
    assert_same_training(env, lambda: run(MyMLP), lambda: run(MLP), pieces={'l1_subgradient': regularization.l1_subgradient, 'l2_gradient': regularization.l2_gradient})

