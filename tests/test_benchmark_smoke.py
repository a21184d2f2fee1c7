"""Smoke test of benchmarks/bench_epoch.py: it runs and writes its results.

Tiny random data, one repetition, no timing assertions: speed is measured by the
benchmark itself, never by tests.
"""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_epoch.py"
TINY = ["--data", "random", "--n-train", "200", "--n-test", "50", "--repeats", "1",
        "--no-warmup", "--forward-calls", "1", "--threads", "1"]


def load_benchmark():
    spec = importlib.util.spec_from_file_location("bench_epoch", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_command_line_run_writes_json_and_markdown(tmp_path):
    """The documented command works as a script (package contestants only, to stay fast)."""
    out = subprocess.run(
        [sys.executable, str(SCRIPT), *TINY, "--contestants", "numpy-f32,numpy-f64",
         "--output-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "RANDOM data" in out.stdout
    assert "| W1 | numpy-f32 |" in out.stdout
    [json_file] = tmp_path.glob("bench_epoch-*.json")
    result = json.loads(json_file.read_text())
    contestants = {r["contestant"] for r in result["rows"]}
    assert contestants == {"numpy-f32", "numpy-f64"}
    assert {r["workload"] for r in result["rows"]} == {"W1", "W2", "W3", "W4", "F1", "F2", "F3"}
    assert all(r["ratio"] is None for r in result["rows"])  # no PyTorch asked for: no ratios
    # the GEMM floor runs beside them, in both dtypes, and every contestant has its ratio to it
    assert {r["contestant"] for r in result["floor"]} == {"floor-f32", "floor-f64"}
    assert all(r["floor_ratio"] > 0 for r in result["rows"])
    assert len(result["probes"]) == 1 + 7 * 4  # one before the first cell, one after every cell
    assert len(list(tmp_path.glob("bench_epoch-*.md"))) == 1


def test_all_contestants_in_process(tmp_path):
    """Every installed contestant trains and predicts; ratios are taken to torch-f32."""
    bench = load_benchmark()
    result = bench.main([*TINY, "--workloads", "W1,F1", "--contestants", "numpy-f32,torch-f32,sklearn-f32",
                         "--output-dir", str(tmp_path)])
    rows = {(r["workload"], r["contestant"]): r for r in result["rows"]}
    for library in ("torch", "sklearn"):
        installed = importlib.util.find_spec(library) is not None
        assert (("W1", f"{library}-f32") in rows) == installed
    if ("W1", "torch-f32") in rows:
        assert rows[("W1", "torch-f32")]["ratio"] == pytest.approx(1.0)
        assert rows[("W1", "numpy-f32")]["ratio"] > 0
    assert all(r["min"] > 0 and r["min"] <= r["median"] for r in rows.values())
    # the same initial weights and algorithm: all learn something comparable (no timing here)
    assert {a["contestant"] for a in result["test_accuracy"]} == {c for _, c in rows}


def test_missing_library_is_skipped_with_a_note(tmp_path, monkeypatch, capsys):
    bench = load_benchmark()
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    result = bench.main([*TINY, "--workloads", "W1", "--contestants", "numpy-f32,torch-f32",
                         "--output-dir", str(tmp_path)])
    assert any("skipped torch-f32" in note for note in result["notes"])
    assert "skipped torch-f32" in capsys.readouterr().out
    assert [r["contestant"] for r in result["rows"]] == ["numpy-f32"]


def test_quick_mode_and_noise_flags(tmp_path):
    """--quick runs on its own; a cell whose probe is slow is left out of the median and flagged."""
    bench = load_benchmark()
    result = bench.main(["--quick", "--workloads", "W1", "--contestants", "numpy-f32",
                         "--output-dir", str(tmp_path)])
    assert result["repeats"] == 1 and result["n_train"] == 3_000
    assert result["machine"]["thread_pools"] is None or isinstance(result["machine"]["thread_pools"], list)
    # summarise: three repetitions, the second measured while the probe was 3x slower
    cells = {("W1", "numpy-f32"): [(1.0, 1e-4, 0.1), (9.0, 3e-4, 5.0), (1.1, 1e-4, 0.1)],
             ("W1", "floor-f32"): [(0.5, 1e-4, 0.1), (0.5, 1e-4, 0.1), (0.5, 1e-4, 0.1)]}
    [row, floor] = bench.summarise(cells, ["W1"], ["numpy-f32"], probe_min=1e-4)
    assert row["median"] == pytest.approx(1.05) and row["n_steady"] == 2 and row["flags"] == []
    assert row["floor_ratio"] == pytest.approx(2.1) and not row["floor_ratio_flagged"]
    cells[("W1", "numpy-f32")][0] = (1.0, 3e-4, 5.0)  # now two of three disturbed: the pair is flagged
    row = bench.summarise(cells, ["W1"], ["numpy-f32"], probe_min=1e-4)[0]
    assert "disturbed" in row["flags"] and row["floor_ratio_flagged"]
    assert "NOT JUDGED" in bench.format_targets([row])


def test_one_example_benchmark_quick():
    """python -m benchmarks.bench_one_example --quick runs both routes (no timing assertions)."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_one_example", "--quick", "--steps", "200"],
                         capture_output=True, text=True, timeout=300, cwd=SCRIPT.parent.parent)
    assert out.returncode == 0, out.stderr
    assert "fit " in out.stdout and "general " in out.stdout and "fit / general" in out.stdout


def test_commit_comparison_quick():
    """python -m benchmarks.bench_vs_commit HEAD --quick imports the commit's package beside this one."""
    if subprocess.run(["git", "-C", str(SCRIPT.parent.parent), "rev-parse", "HEAD"], capture_output=True).returncode:
        pytest.skip("not a git checkout")
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_vs_commit", "HEAD", "--quick", "--workloads", "W1"],
                         capture_output=True, text=True, timeout=300, cwd=SCRIPT.parent.parent)
    assert out.returncode == 0, out.stderr
    assert "mlp_at_HEAD" in out.stdout and "now / then" in out.stdout


@pytest.mark.parametrize("loop", ["Textbook", "Fused"])
@pytest.mark.parametrize("workload", ["W1", "W2", "W3"])
def test_textbook_and_fused_loops_take_the_package_step(workload, loop):
    """The textbook and hand-fused contestants are the same algorithm: on one full batch their step is the package's."""
    bench = load_benchmark()
    rng = np.random.default_rng(3)
    data = {"X": rng.uniform(-1, 1, (64, 784)), "y": rng.integers(0, 10, 64), "Xt": rng.uniform(-1, 1, (5, 784))}
    init = bench.initial_weights(workload)
    loop_contestant, package = getattr(bench, loop)(np.float64), bench.Package(np.float64)
    for contestant in (loop_contestant, package):
        contestant.prepare(data)
        contestant.setup(workload, init)
    loop_contestant.train_epoch(batch_size=64, seed=0)  # one batch: the order within it does not matter
    package.net.fit(data["X"], data["y"], epochs=1, learning_rate=bench.LEARNING_RATE, batch_size=64,
                    shuffle=False, progress=False)
    for theirs, ours in zip(loop_contestant.W + loop_contestant.b, package.net.weights + package.net.biases):
        np.testing.assert_allclose(theirs, ours, rtol=1e-10, atol=1e-12)
    assert any(not np.allclose(W, W0) for W, (W0, _) in zip(loop_contestant.W, init))  # it did move
    np.testing.assert_allclose(loop_contestant.predict_proba(), package.predict_proba(), rtol=1e-10, atol=1e-12)


def test_paired_ratios_pair_cells_of_one_repetition():
    """Ratios are taken within each repetition; a disturbed repetition is left out."""
    bench = load_benchmark()
    cells = {("W1", "numpy-f32"): [(1.0, 1e-4, None), (2.0, 1e-4, None), (5.0, 9e-4, None), (1.5, 1e-4, None)],
             ("W1", "torch-f32"): [(2.0, 1e-4, None), (4.0, 1e-4, None), (1.0, 1e-4, None), (2.0, 1e-4, None)]}
    median, q1, q3, n = bench.paired_ratios(cells, "W1", "numpy-f32", "torch-f32", probe_min=1e-4)
    assert n == 3  # the third repetition's probe was 9 x the minimum
    assert median == pytest.approx(0.5) and q1 == pytest.approx(0.5) and q3 == pytest.approx(0.625)
    assert bench.paired_ratios(cells, "W1", "numpy-f32", "textbook-f32", probe_min=1e-4) is None
    assert "paired within repetitions: 0.50 [0.50, 0.62]" in bench.format_paired(
        bench.all_paired_ratios(cells, ["W1"], 1e-4))
