#!/usr/bin/env python
"""Plain-SGD epochs of the package as it is now against the package at an earlier commit, paired.

Usage (from the repository root)::

    python -m benchmarks.bench_vs_commit 0cdf0eb                       # W1-W4, 21 pairs each
    python -m benchmarks.bench_vs_commit 0cdf0eb --workloads W1 --pairs 41
    python -m benchmarks.bench_vs_commit HEAD --quick                   # smoke run (random data)

``git archive`` copies the commit's ``mlp_from_scratch/`` into a temporary folder
under another name (the package imports itself relatively, so the two versions live
side by side in one process). Both networks start from the same weights; each pair
is one epoch of ``fit`` (``bench_epoch``'s workloads and data, float32, one BLAS
thread) by each version, in alternating order, timed as thread CPU time, with the
noise probe before each epoch. The number to read is the median of the paired
ratios now ÷ then, with its quartiles: a pair shares the machine's state, so the
ratio is steadier than either time.
"""

from __future__ import annotations

import argparse
import importlib
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np

try:
    from benchmarks.bench_epoch import LEARNING_RATE, N_TRAIN, WORKLOADS, NoiseProbe, limit_numpy_threads, load_data
except ImportError:  # run as a file: its folder is on sys.path
    from bench_epoch import LEARNING_RATE, N_TRAIN, WORKLOADS, NoiseProbe, limit_numpy_threads, load_data
import mlp_from_scratch

ROOT = Path(__file__).resolve().parent.parent


def import_at_commit(commit, folder):
    """The package as it was at ``commit``, imported as ``mlp_at_<commit>`` from ``folder``."""
    name = "mlp_at_" + "".join(c for c in commit if c.isalnum())
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit, "mlp_from_scratch"],
                             check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    (Path(folder) / "mlp_from_scratch").rename(Path(folder) / name)
    sys.path.insert(0, str(folder))
    return importlib.import_module(name)


def quartiles(values):
    q = np.percentile(values, [25, 50, 75])
    return f"{q[1]:.3f} [{q[0]:.3f}, {q[2]:.3f}]"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commit", help="the earlier commit (anything git understands)")
    parser.add_argument("--workloads", default="W1,W2,W3,W4")
    parser.add_argument("--pairs", type=int, default=21, help="epochs per version and workload")
    parser.add_argument("--quick", action="store_true", help="smoke run: random data, 3,000 examples, 1 pair")
    args = parser.parse_args(argv)
    if args.quick:
        args.pairs = 1
    limits = limit_numpy_threads(1)  # noqa: F841 (kept alive for the run)
    X, y, _, _, note = load_data("random" if args.quick else "auto", None, 3000 if args.quick else N_TRAIN, 10, 0)
    X = X.astype(np.float32)
    print(note)
    with tempfile.TemporaryDirectory() as folder:
        versions = {"now": mlp_from_scratch, "then": import_at_commit(args.commit, folder)}
        print(f"now: {mlp_from_scratch.__file__}\nthen: {args.commit}, {versions['then'].__file__}")
        probe = NoiseProbe()
        for workload in args.workloads.split(","):
            sizes, hidden, batch, what = WORKLOADS[workload]
            nets = {}
            for key, package in versions.items():
                nets[key] = package.MLP(sizes, hidden=hidden, output="softmax", loss="cross_entropy", seed=0,
                                        dtype=np.float32)
                nets[key].fit(X[:2000], y[:2000], epochs=1, learning_rate=LEARNING_RATE, batch_size=batch, progress=False)
            for W_then, W_now in zip(nets["then"].weights + nets["then"].biases, nets["now"].weights + nets["now"].biases):
                W_then[...] = W_now  # the same start (each warm-up step moved its own copy)
            seconds, probes = {"now": [], "then": []}, []
            for pair in range(args.pairs):
                for key in ("now", "then") if pair % 2 == 0 else ("then", "now"):
                    probes.append(probe())
                    start = time.thread_time()
                    nets[key].fit(X, y, epochs=1, learning_rate=LEARNING_RATE, batch_size=batch, progress=False)
                    seconds[key].append(time.thread_time() - start)
            ratio = np.array(seconds["now"]) / np.array(seconds["then"])
            print(f"{workload} ({what}): now {statistics.median(seconds['now']):.3f} s, "
                  f"then {statistics.median(seconds['then']):.3f} s (medians of {args.pairs}); "
                  f"now / then {quartiles(ratio)} (median [quartiles]); "
                  f"probe {min(probes) * 1e6:.0f}-{max(probes) * 1e6:.0f} us", flush=True)


if __name__ == "__main__":
    main()
