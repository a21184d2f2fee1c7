from otter.test_files import test_case

OK_FORMAT = False

name = "train"
points = 4
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_train_with_dropout(env, MyMLP, X_train, y_train, seed):
    import numpy as np
    from mlp_from_scratch import MLP
    from mlp_from_scratch.checks.labs import assert_same_training
    package_forward = MLP.forward_pass

    def reference(a, p, rng):
        n = a.shape[1]
        net = MLP([n, n, 1], hidden='identity', dropout=p)
        net.weights[0][...], net.rng = (np.eye(n), rng)
        cache = package_forward(net, a, training=True)
        return (cache.activations[1], cache.dropout[1][0])

    def run(Net):
        return Net([64, 16, 10], seed=seed, dropout=0.2).fit(X_train[:200], y_train[:200], epochs=3, learning_rate=0.5, batch_size=50).loss
    assert_same_training(env, lambda: run(MyMLP), lambda: run(MLP), pieces={'dropout_forward': reference}, block=[(MLP, 'forward_pass')])

