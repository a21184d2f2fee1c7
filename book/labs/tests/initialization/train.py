from otter.test_files import test_case

OK_FORMAT = False

name = "train"
points = 4
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_train_with_scales(env, MyMLP, X_train, y_train, seed):
    from mlp_from_scratch import MLP
    from mlp_from_scratch.network import _init_std
    from mlp_from_scratch.checks.labs import assert_same_training

    def run(make, hidden):
        return make([64, 16, 10], hidden=hidden, seed=seed).fit(X_train[:200], y_train[:200], epochs=3, learning_rate=0.5, batch_size=50).loss
    pieces = {'he_std': lambda n_in: _init_std('he', 'relu', n_in, 1), 'glorot_std': lambda n_in, n_out: _init_std('glorot', 'tanh', n_in, n_out)}
    for hidden, piece in (('relu', 'he_std'), ('tanh', 'glorot_std')):
        assert_same_training(env, lambda: run(MyMLP, hidden), lambda: run(MLP, hidden), pieces={piece: pieces[piece]})

