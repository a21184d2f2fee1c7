"""Smoke test of benchmarks/bench_epoch.py: it runs on tiny data and writes its results.

No timing assertions: speed is measured by the benchmark itself, never by tests.
"""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_epoch.py"
TINY = ["--data", "random", "--n-train", "200", "--repeats", "2", "--one-example-steps", "20"]


def load_benchmark():
    spec = importlib.util.spec_from_file_location("bench_epoch", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_documented_command_runs_and_writes_json(tmp_path):
    out = subprocess.run([sys.executable, str(SCRIPT), *TINY, "--output-dir", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "RANDOM data" in out.stdout and "| W4 |" in out.stdout and "us/step" in out.stdout
    [json_file] = tmp_path.glob("bench_epoch-*.json")
    result = json.loads(json_file.read_text())
    assert [row["workload"] for row in result["rows"]] == ["W1", "W2", "W3", "W4"]
    for row in result["rows"]:
        assert all(len(times) == 2 and min(times) > 0 for times in row["seconds"].values())
        assert row["package/textbook"] > 0
    assert result["one_example"]["microseconds_per_step"] > 0


def test_paired_ratios_are_taken_within_repetitions():
    bench = load_benchmark()
    assert bench.paired([1.0, 2.0, 9.0], [2.0, 4.0, 3.0]) == pytest.approx(0.5)


@pytest.mark.parametrize("workload", ["W1", "W2", "W3"])
def test_the_textbook_loop_takes_the_package_step(workload):
    """The same algorithm: on one full batch, in float64, the textbook's step is fit's."""
    bench = load_benchmark()
    sizes, hidden, _ = bench.WORKLOADS[workload]
    rng = np.random.default_rng(3)
    X, y = rng.uniform(-1, 1, (64, 784)), rng.integers(0, 10, 64)
    net = bench.MLP(sizes, hidden=hidden, seed=0)
    init = [p.copy() for p in net.parameters()]
    textbook = bench.Textbook()
    textbook.setup(X, y, sizes, hidden, init)
    textbook.epoch(batch_size=64, seed=0)  # one batch: the order within it does not matter
    net.fit(X, y, epochs=1, learning_rate=bench.LEARNING_RATE, batch_size=64, shuffle=False, progress=False)
    for theirs, ours in zip(textbook.W + textbook.b, net.parameters()):
        np.testing.assert_allclose(theirs, ours, rtol=1e-10, atol=1e-12)
    assert any(not np.allclose(W, W0) for W, W0 in zip(textbook.W, init))  # it did move
