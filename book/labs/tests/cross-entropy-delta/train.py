from otter.test_files import test_case

OK_FORMAT = False

name = "train"
points = 4
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_train_with_loss(env, MyMLP, X_train, y_train, seed):
    from mlp_from_scratch import MLP, activations, losses
    from mlp_from_scratch.checks.labs import assert_same_training

    def reference(z, y):
        return losses.per_example_loss(z, activations.softmax(z), y, 'softmax', 'cross_entropy')

    def run(Net):
        return Net([64, 16, 10], seed=seed).fit(X_train[:200], y_train[:200], epochs=3, learning_rate=0.5, batch_size=50).loss
    assert_same_training(env, lambda: run(MyMLP), lambda: run(MLP), pieces={'cross_entropy': reference}, block=[(MLP, 'data_loss')])

