from otter.test_files import test_case

OK_FORMAT = False

name = "train"
points = 4
all_or_nothing = True

@test_case(points=None, hidden=False)
def test_train_with_adam(env, MyAdam, X_train, y_train, seed):
    from mlp_from_scratch import MLP, optimizers
    from mlp_from_scratch.checks.labs import assert_same_training
    adam_update = optimizers.Adam._update

    def reference(theta, g, m, v, t, learning_rate, beta1, beta2, eps):
        opt, state, theta = (optimizers.Adam(beta1, beta2, eps), {'m': m.copy(), 'v': v.copy()}, theta.copy())
        opt.t = t
        adam_update(opt, theta, g, state, learning_rate, True)
        return (theta, state['m'], state['v'])

    def run(make):
        return MLP([64, 16, 10], seed=seed).fit(X_train[:200], y_train[:200], epochs=3, learning_rate=0.01, batch_size=50, optimizer=make()).loss
    assert_same_training(env, lambda: run(MyAdam), lambda: run(optimizers.Adam), pieces={'adam_step': reference}, block=[(optimizers.Adam, '_update')])

