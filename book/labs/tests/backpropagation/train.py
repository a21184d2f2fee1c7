from otter.test_files import test_case

OK_FORMAT = False

name = "train"
points = 4
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_train_with_backward(env, MyMLP, X_train, y_train, seed):
    from mlp_from_scratch import MLP
    from mlp_from_scratch.activations import Activation
    from mlp_from_scratch.network import Cache
    from mlp_from_scratch.checks.labs import assert_same_training
    package_backward = MLP.backward

    def reference(activations, y, weights, derivative):
        net = MLP([W.shape[0] for W in weights] + [weights[-1].shape[1]])
        net.weights, net.f = (list(weights), Activation('f', None, derivative))
        return package_backward(net, Cache(activations, None, [None] * len(activations)), y)

    def run(Net):
        return Net([64, 16, 10], seed=seed).fit(X_train[:200], y_train[:200], epochs=3, learning_rate=0.5, batch_size=50).loss
    assert_same_training(env, lambda: run(MyMLP), lambda: run(MLP), pieces={'backward': reference}, block=[(MLP, 'backward'), (MLP, 'gradients')])

