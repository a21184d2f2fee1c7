"""The command line ``python -m mlp_from_scratch train ...``.

One real subprocess run (the way a reader calls it) and one for a bad argument;
the other cases call :func:`mlp_from_scratch.cli.main` in-process, which is
much faster.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

from mlp_from_scratch import cli  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_module(*args, cwd):
    env = dict(os.environ, MPLBACKEND="Agg", MLP_FROM_SCRATCH_PROGRESS="0")
    return subprocess.run([sys.executable, "-m", "mlp_from_scratch", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_train_on_digits_in_a_subprocess(tmp_path):
    result = run_module("train", "--dataset", "digits", "--hidden", "20", "--epochs", "2",
                        "--lr", "0.1", "--plot", "curve.png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("epoch 1/2") for line in lines)
    assert any(line.startswith("epoch 2/2") for line in lines)
    accuracy = float(next(line for line in lines if line.startswith("test accuracy:")).split()[2])
    assert 0.2 < accuracy <= 1.0  # two epochs already beat chance (0.1)
    assert (tmp_path / "curve.png").read_bytes().startswith(PNG_SIGNATURE)


def test_bad_argument_in_a_subprocess(tmp_path):
    result = run_module("train", "--epochs", "0", cwd=tmp_path)
    assert result.returncode == 2
    assert "argument --epochs: value must be a positive integer; got 0" in result.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("args, message", [
    (["train", "--lr", "-0.1"], "argument --lr: value must be a positive number; got -0.1"),
    (["train", "--lr", "fast"], "argument --lr: expected a number, got 'fast'"),
    (["train", "--batch-size", "0"], "argument --batch-size: value must be a positive integer"),
    (["train", "--hidden", "50", "x"], "argument --hidden: expected an integer, got 'x'"),
    (["train", "--l2", "-1"], "argument --l2: value must be a non-negative number"),
    (["train", "--validation", "1"], "argument --validation: value must be a number in [0, 1)"),
    (["train", "--dataset", "imagenet"], "argument --dataset: invalid choice: 'imagenet'"),
    (["train", "--activation", "swish"], "argument --activation: invalid choice: 'swish'"),
    (["train", "--dtype", "float16"], "argument --dtype: invalid choice: 'float16'"),
    (["train", "--optimizer", "adagrad"], "argument --optimizer: invalid choice: 'adagrad'"),
    (["train", "--dropout", "1"], "argument --dropout: value must be a number in [0, 1)"),
    (["train", "--patience", "0"], "argument --patience: value must be a positive integer"),
    (["train", "--patience", "3", "--validation", "0"], "--patience (early stopping) needs a validation set"),
    (["fit"], "invalid choice: 'fit'"),
    ([], "the following arguments are required: COMMAND"),
])
def test_bad_arguments_exit_2_with_a_message(capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_in_process_run_prints_progress_and_saves_the_plot(tmp_path, capsys):
    plot = tmp_path / "lc.png"
    code = cli.main(["train", "--hidden", "16", "8", "--epochs", "3", "--lr", "0.1", "--decay", "0.5",
                     "--dtype", "float64", "--scale", "symmetric", "--l2", "1e-4", "--seed", "1",
                     "--plot", str(plot)])
    assert code == 0
    out = capsys.readouterr().out
    assert "network [64, 16, 8, 10]" in out and "float64" in out and "[-1, 1]" in out
    assert "epoch 3/3  lr 0.025" in out  # 0.1 * 0.5 ** 2
    assert "val_acc" in out and "test accuracy:" in out
    assert plot.read_bytes().startswith(PNG_SIGNATURE)


def test_no_plot_and_no_validation(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "--epochs", "1", "--validation", "0", "--no-plot", "--limit", "200"]) == 0
    out = capsys.readouterr().out
    assert "200 training, 0 validation" in out
    assert "val_acc" not in out
    assert not list(tmp_path.iterdir())


def test_optimizer_dropout_and_early_stopping_options(capsys):
    code = cli.main(["train", "--epochs", "60", "--no-plot", "--limit", "200", "--hidden", "64",
                     "--optimizer", "adam", "--lr", "0.01", "--dropout", "0.2", "--patience", "2"])
    assert code == 0
    out = capsys.readouterr().out
    stopped = [line for line in out.splitlines() if line.startswith("early stopping after epoch")]
    assert len(stopped) == 1 and "kept the weights of epoch" in stopped[0]
    assert "epoch 60/60" not in out


def test_digits_split_is_the_books():
    """The CLI loads digits through mlp_from_scratch.datasets.load_digits: the book's split."""
    from mlp_from_scratch.datasets import load_digits
    (X_book, y_book), (X_book_test, y_book_test) = load_digits(seed=0)
    (X_train, y_train), (X_test, y_test) = cli.load_dataset("digits", scale="unit", seed=0)
    np.testing.assert_array_equal(y_train, y_book)
    np.testing.assert_array_equal(y_test, y_book_test)
    np.testing.assert_allclose(X_train * 16, X_book, rtol=1e-6)


def test_same_seed_same_output(capsys):
    args = ["train", "--epochs", "2", "--no-plot", "--limit", "300", "--seed", "3"]

    def without_timings(text):
        return [line.rsplit("(", 1)[0] for line in text.splitlines()]

    cli.main(args)
    first = without_timings(capsys.readouterr().out)
    cli.main(args)
    assert without_timings(capsys.readouterr().out) == first


def test_a_diverging_run_exits_1_naming_the_epoch(capsys):
    code = cli.main(["train", "--activation", "identity", "--lr", "1e6", "--epochs", "3", "--no-plot"])
    assert code == 1
    err = capsys.readouterr().err
    assert "training diverged" in err and "in epoch 1 (step" in err and "smaller" in err


def test_missing_dataset_module_is_a_clear_error(capsys, monkeypatch):
    import mlp_from_scratch
    monkeypatch.delattr(mlp_from_scratch, "datasets", raising=False)  # as if never imported
    monkeypatch.setitem(sys.modules, "mlp_from_scratch.datasets", None)  # and importing fails
    assert cli.main(["train", "--dataset", "mnist", "--epochs", "1"]) == 1
    assert "needs mlp_from_scratch.datasets" in capsys.readouterr().err


def test_missing_data_is_a_clear_error(tmp_path, capsys, monkeypatch):
    pytest.importorskip("mlp_from_scratch.datasets")
    monkeypatch.setenv("MLP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    code = cli.main(["train", "--dataset", "cifar10", "--no-download", "--data-dir", str(tmp_path),
                     "--epochs", "1", "--no-plot"])
    assert code == 1
    assert "could not load 'cifar10'" in capsys.readouterr().err


def test_other_datasets_go_through_the_package_loaders(monkeypatch):
    """mnist etc. are loaded by mlp_from_scratch.datasets.load_<name>() and scaled from uint8."""
    import types
    fake = types.ModuleType("mlp_from_scratch.datasets")
    images = np.array([[0, 255], [51, 102]], dtype=np.uint8)
    fake.load_fashion_mnist = lambda: ((images.reshape(2, 1, 2), np.array([1, 0])),
                                       (images[:1], np.array([1])))
    from mlp_from_scratch.datasets import scale_minus_one_one, scale_zero_one
    fake.scale_zero_one, fake.scale_minus_one_one = scale_zero_one, scale_minus_one_one
    monkeypatch.setitem(sys.modules, "mlp_from_scratch.datasets", fake)
    monkeypatch.setattr("mlp_from_scratch.datasets", fake, raising=False)
    (X_train, y_train), (X_test, y_test) = cli.load_dataset("fashion-mnist", scale="unit")
    np.testing.assert_allclose(X_train, [[0, 1], [0.2, 0.4]], rtol=1e-6)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    (X_train, _), _ = cli.load_dataset("fashion-mnist", scale="symmetric")
    np.testing.assert_allclose(X_train, [[-1, 1], [-0.6, -0.2]], rtol=1e-6)


@pytest.mark.parametrize("scale, low, high", [("unit", 0.0, 1.0), ("symmetric", -1.0, 1.0)])
def test_digits_are_scaled(scale, low, high):
    (X_train, y_train), (X_test, y_test) = cli.load_dataset("digits", scale=scale, seed=0)
    assert X_train.shape[1] == X_test.shape[1] == 64
    assert len(X_train) + len(X_test) == 1797 and X_train.dtype == np.float32
    assert X_train.min() == low and X_train.max() == high
    assert set(np.unique(y_train)) == set(range(10))


def test_load_dataset_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown dataset 'svhn'; valid choices are: digits, mnist"):
        cli.load_dataset("svhn")
    with pytest.raises(ValueError, match="unknown scale 'z'"):
        cli.load_dataset("digits", scale="z")
