from otter.test_files import test_case

OK_FORMAT = False

name = "train"
points = 4
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_train_with_sigmoid(env, MyMLP, X_train, y_train, seed):
    from mlp_from_scratch import MLP, activations
    from mlp_from_scratch.checks.labs import assert_same_training

    def run(make):
        return make([64, 16, 10], seed=seed).fit(X_train[:200], y_train[:200], epochs=3, learning_rate=0.5, batch_size=50).loss
    assert_same_training(env, lambda: run(MyMLP), lambda: run(lambda sizes, seed: MLP(sizes, hidden='sigmoid', seed=seed)), pieces={'sigmoid': activations.sigmoid, 'sigmoid_derivative': activations.sigmoid_derivative})

