from otter.test_files import test_case

OK_FORMAT = False

name = "train"
points = 4
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_train_by_map(env, MyMLP, X_train, y_train, seed):
    from mlp_from_scratch import MLP, regularization
    from mlp_from_scratch.checks.labs import assert_same_training
    sigma, N = (0.05, 200)

    def run(make):
        return make().fit(X_train[:N], y_train[:N], epochs=3, learning_rate=0.5, batch_size=50).loss
    assert_same_training(env, lambda: run(lambda: MyMLP([64, 16, 10], sigma, N, seed=seed)), lambda: run(lambda: MLP([64, 16, 10], seed=seed, l2=regularization.l2_from_gaussian_prior(sigma, N))), pieces={'gaussian_log_prior_gradient': regularization.gaussian_log_prior_gradient})

