#!/usr/bin/env python
"""Microseconds per one-example SGD step, 784-300-10 sigmoid float32 on MNIST (seed 002's protocol).

Usage (from the repository root)::

    python -m benchmarks.bench_one_example            # ~1 min
    python -m benchmarks.bench_one_example --quick    # smoke run on random data

Two contestants, interleaved, each ``--steps`` steps per repetition from the same
start (N(0, 1) weights, rate 0.03, shuffled MNIST, every step's loss recorded, as in
the learning-rates chapter):

* ``fit``: ``MLP.fit(..., batch_size=1)``, which takes the fused
  ``training.one_example_step`` with the sparse-input trick;
* ``general``: the same steps by ``forward_pass``, ``backward`` and ``SGD.step`` on a
  batch of one (the route every other batch size takes), inside the same loop.

The noise probe of ``bench_epoch`` runs before every cell; a repetition whose probe
is more than ``PROBE_LIMIT`` times the fastest is left out of the median. One thread.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

try:
    from benchmarks.bench_epoch import PROBE_LIMIT, NoiseProbe, limit_numpy_threads
except ImportError:  # run as a file (python benchmarks/bench_one_example.py): its folder is on sys.path
    from bench_epoch import PROBE_LIMIT, NoiseProbe, limit_numpy_threads
from mlp_from_scratch import MLP, training


def run(args):
    if args.quick:
        rng = np.random.default_rng(0)
        X = (rng.random((3000, 784)) * (rng.random((3000, 784)) < 0.19)).astype(np.float32)
        y = rng.integers(0, 10, 3000)
        data = "random sparse data (19 % non-zero)"
    else:
        from mlp_from_scratch.datasets import load_mnist, scale_zero_one
        (X, y), _ = load_mnist()
        X, y = scale_zero_one(X, dtype=np.float32)[:55_000], y[:55_000]
        data = "MNIST, first 55,000 training images in [0, 1]"
    applies = training._one_example_step_applies
    probe = NoiseProbe()
    probe()
    cells, probes = {"fit": [], "general": []}, [probe()]
    for rep in range(args.repeats):
        for name in (("fit", "general") if rep % 2 == 0 else ("general", "fit")):
            net = MLP([784, 300, 10], hidden="sigmoid", init=1.0, seed=rep, dtype=np.float32)
            if name == "general":  # the loop of every other batch size: forward_pass, backward, SGD.step
                training._one_example_step_applies = lambda *a: False
            try:
                start = time.perf_counter()
                net.fit(X, y, epochs=1, learning_rate=0.03, batch_size=1, max_steps=args.steps,
                        record_steps=True, progress=False)
                seconds = time.perf_counter() - start
            finally:
                training._one_example_step_applies = applies
            probes.append(probe())
            cells[name].append((1e6 * seconds / min(args.steps, len(X)), max(probes[-2:])))
    p_min = min(probes)
    print(f"{data}; {args.repeats} interleaved repetitions of {args.steps:,} steps; load average "
          f"{os.getloadavg()[0]:.1f}; noise probe min {1e6 * p_min:.0f} us, max {1e6 * max(probes):.0f} us")
    result = {}
    for name, reps in cells.items():
        steady = [t for t, p in reps if p <= PROBE_LIMIT * p_min]
        flag = "" if 2 * len(steady) >= len(reps) and steady else " (DISTURBED: machine busy, rerun)"
        times = steady if not flag else [t for t, _ in reps]
        result[name] = statistics.median(times)
        print(f"{name:8s} median {result[name]:6.1f} us/step, min {min(t for t, _ in reps):6.1f} "
              f"({len(steady)}/{len(reps)} steady){flag}")
    print(f"fit / general = {result['fit'] / result['general']:.2f}; target (issue 15): fit <= 60 us/step")
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="random data, 2,000 steps, 2 repetitions")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.repeats = min(args.steps, 2_000), min(args.repeats, 2)
    limit = limit_numpy_threads(1)
    try:
        return run(args)
    finally:
        if limit is not None:
            limit.restore_original_limits()


if __name__ == "__main__":
    main()
