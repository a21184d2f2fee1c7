#!/usr/bin/env python
"""Time one training epoch of mlp_from_scratch against a textbook NumPy loop and PyTorch.

Usage (from the repository root)::

    python benchmarks/bench_epoch.py             # the full run, float32, one thread: a few minutes
    python benchmarks/bench_epoch.py --help      # options

Three contestants train the same network from the same initial weights with the same
algorithm, plain minibatch SGD (learning rate 0.05) on a fresh shuffle of the first
56,000 Fashion-MNIST training images scaled to [-1, 1], softmax and cross-entropy,
all in float32:

* ``package``: ``MLP(...).fit(X, y, epochs=1, learning_rate=0.05, batch_size=B)``,
  input checks and the running loss and accuracy included;
* ``textbook``: the loop a course writes by hand (``X[idx]``, ``a @ W + b``, a stable
  softmax, ``W -= lr * dW``); the package must not be slower than it;
* ``torch``: the leanest idiomatic PyTorch loop (``randperm``, ``zero_grad``,
  ``cross_entropy``, ``backward``, ``SGD.step``), no metrics.

The runs are interleaved: every repetition times every contestant on a workload in a
rotating order, so that a busy phase of the machine hits them alike. The table gives
each contestant's median epoch and the *paired* ratios of the package to the others:
the ratio within each repetition, then the median of those ratios. PyTorch's own
median stands beside them, so that a ratio can be read against the time it divides.
A last line times the one-example step of :mod:`mlp_from_scratch.online` (784-300-10
sigmoid, microseconds per step). Results also go to ``--output-dir`` as JSON.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from mlp_from_scratch import MLP, online
from mlp_from_scratch.datasets import load_fashion_mnist, load_mnist, scale_minus_one_one, scale_zero_one

LEARNING_RATE = 0.05
WORKLOADS = {  # name: (layer sizes, hidden activation, batch size)
    "W1": ([784, 50, 10], "relu", 100),
    "W2": ([784, 300, 10], "sigmoid", 100),
    "W3": ([784, 256, 128, 10], "relu", 100),
    "W4": ([784, 300, 10], "sigmoid", 1000),
}
CONTESTANTS = ("package", "textbook", "torch")


class Package:
    def setup(self, X, y, sizes, hidden, init):
        self.X, self.y = X, y
        self.net = MLP(sizes, hidden=hidden, seed=0, dtype=np.float32)
        for p, p0 in zip(self.net.parameters(), init):
            p[...] = p0

    def epoch(self, batch_size, seed):
        self.net.fit(self.X, self.y, epochs=1, learning_rate=LEARNING_RATE, batch_size=batch_size, progress=False)


class Textbook:
    """Per minibatch: forward layer by layer, stable softmax, delta = (p - Y) / N, then W -= lr * dW."""

    def setup(self, X, y, sizes, hidden, init):
        self.X, self.y, self.relu = X, y, hidden == "relu"
        n = len(sizes) - 1
        self.W, self.b = [p.copy() for p in init[:n]], [p.copy() for p in init[n:]]

    def f(self, z):
        return np.maximum(z, 0) if self.relu else 1 / (1 + np.exp(-z))

    def f_prime(self, a):
        return (a > 0).astype(a.dtype) if self.relu else a * (1 - a)

    def epoch(self, batch_size, seed):
        W, b, lr = self.W, self.b, LEARNING_RATE
        order = np.random.default_rng(seed).permutation(len(self.X))
        with np.errstate(over="ignore"):  # exp(-z) of a saturated sigmoid
            for start in range(0, len(order), batch_size):
                idx = order[start:start + batch_size]
                x, y, n = self.X[idx], self.y[idx], len(idx)
                acts = [x]
                for l in range(len(W) - 1):
                    acts.append(self.f(acts[-1] @ W[l] + b[l]))
                z = acts[-1] @ W[-1] + b[-1]
                p = np.exp(z - z.max(axis=1, keepdims=True))
                p /= p.sum(axis=1, keepdims=True)
                self.loss = -np.mean(np.log(p[np.arange(n), y]))  # a loop that prints its loss
                delta = p
                delta[np.arange(n), y] -= 1
                delta /= n
                for l in reversed(range(len(W))):
                    dW, db = acts[l].T @ delta, delta.sum(axis=0)
                    if l > 0:
                        delta = (delta @ W[l].T) * self.f_prime(acts[l])
                    W[l] -= lr * dW
                    b[l] -= lr * db


class Torch:
    def __init__(self):
        import torch  # optional: without it the run has no torch column

        self.torch = torch

    def setup(self, X, y, sizes, hidden, init):
        t = self.torch
        self.X, self.y = t.from_numpy(X), t.from_numpy(y)
        layers = []
        for l, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(t.nn.Linear(n_in, n_out))
            if l < len(sizes) - 2:
                layers.append(t.nn.ReLU() if hidden == "relu" else t.nn.Sigmoid())
        self.model = t.nn.Sequential(*layers)
        n = len(sizes) - 1
        with t.no_grad():
            for linear, W0, b0 in zip(self.model[::2], init[:n], init[n:]):
                linear.weight.copy_(t.from_numpy(W0.T.copy()))  # torch stores W^T
                linear.bias.copy_(t.from_numpy(b0))
        self.optimizer = t.optim.SGD(self.model.parameters(), lr=LEARNING_RATE)

    def epoch(self, batch_size, seed):
        t = self.torch
        order = t.randperm(len(self.X), generator=t.Generator().manual_seed(seed))
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            self.optimizer.zero_grad(set_to_none=True)
            t.nn.functional.cross_entropy(self.model(self.X[idx]), self.y[idx]).backward()
            self.optimizer.step()


def load(source, n_train):
    """float32 pixels in [-1, 1] and int64 labels: Fashion-MNIST where it is found, else random."""
    if source != "random":
        try:
            (X, y), _ = load_fashion_mnist(download=False)
            return scale_minus_one_one(X[:n_train]), y[:n_train].astype(np.int64), "Fashion-MNIST"
        except (OSError, ValueError) as exc:
            if source == "fashion-mnist":
                raise SystemExit(f"Fashion-MNIST not found: {exc}")
    rng = np.random.default_rng(0)
    return (rng.uniform(-1, 1, (n_train, 784)).astype(np.float32), rng.integers(0, 10, n_train),
            "RANDOM data of Fashion-MNIST's shape")


def time_workload(name, X, y, runners, repeats):
    """Seconds of one epoch, {contestant: [one per repetition]}, interleaved in rotating order."""
    sizes, hidden, batch_size = WORKLOADS[name]
    init = MLP(sizes, hidden=hidden, seed=0, dtype=np.float32).parameters()
    names = list(runners)
    seconds = {c: [] for c in names}
    for rep in range(repeats + 1):  # repetition 0 warms up (caches, allocator, torch's kernels)
        for c in names[rep % len(names):] + names[:rep % len(names)]:
            runners[c].setup(X, y, sizes, hidden, init)
            tic = time.perf_counter()
            runners[c].epoch(batch_size, seed=rep)
            if rep:
                seconds[c].append(time.perf_counter() - tic)
    return seconds


def paired(a, b):
    """Median over repetitions of a[i] / b[i]: ratios taken within one repetition."""
    return statistics.median(x / y for x, y in zip(a, b))


def one_example_us(steps, repeats):
    """Microseconds per step of online.sgd_step, 784-300-10 sigmoid on MNIST digits (random sparse inputs without them)."""
    try:
        (X, y), _ = load_mnist(download=False)
        X, y, what = scale_zero_one(X[:steps]), y[:steps], "MNIST"
    except (OSError, ValueError):
        rng = np.random.default_rng(1)
        X = (rng.random((steps, 784)) * (rng.random((steps, 784)) < 0.19)).astype(np.float32)
        y, what = rng.integers(0, 10, steps), "random sparse inputs (19 % non-zero)"
    times = []
    for _ in range(repeats):
        net = MLP([784, 300, 10], hidden="sigmoid", init=1.0, seed=0, dtype=np.float32)
        tic = time.perf_counter()
        for x, label in zip(X, y):
            online.sgd_step(net, x, int(label), 0.03)
        times.append(1e6 * (time.perf_counter() - tic) / len(X))
    return statistics.median(times), what


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed repetitions per workload (default 7)")
    parser.add_argument("--workloads", default="W1,W2,W3,W4")
    parser.add_argument("--contestants", default=",".join(CONTESTANTS))
    parser.add_argument("--n-train", type=int, default=56_000)
    parser.add_argument("--data", choices=("auto", "fashion-mnist", "random"), default="auto")
    parser.add_argument("--threads", type=int, default=1, help="BLAS and PyTorch threads (default 1)")
    parser.add_argument("--one-example-steps", type=int, default=2000, help="0 skips the one-example timing")
    parser.add_argument("--output-dir", default=str(Path(__file__).resolve().parent / "results"))
    args = parser.parse_args(argv)

    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:  # then OPENBLAS_NUM_THREADS (set before Python starts) decides
        threadpool_info, pools = (lambda: None), None
    else:
        pools = threadpool_limits(args.threads)  # noqa: F841 - the limit holds while the object lives
    X, y, data = load(args.data, args.n_train)
    runners = {}
    notes = [f"data: {data}, {len(X):,} examples; float32; {args.threads} thread(s); "
             f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}"]
    for name in args.contestants.split(","):
        try:
            runners[name] = {"package": Package, "textbook": Textbook, "torch": Torch}[name]()
        except ImportError as exc:
            notes.append(f"skipped {name}: {exc}")
    if "torch" in runners:
        runners["torch"].torch.set_num_threads(args.threads)
    print("\n".join(notes))
    names = list(runners)
    rows = []
    print("| workload | " + " | ".join(f"{c} median (s)" for c in names)
          + " | package / textbook | package / torch |")
    print("|---" * (len(names) + 3) + "|")
    for w in args.workloads.split(","):
        s = time_workload(w, X, y, runners, args.repeats)
        row = {"workload": w, "sizes": WORKLOADS[w][0], "batch_size": WORKLOADS[w][2], "seconds": s,
               "median": {c: statistics.median(v) for c, v in s.items()}}
        for other in ("textbook", "torch"):
            if "package" in s and other in s:
                row[f"package/{other}"] = paired(s["package"], s[other])
        rows.append(row)
        ratio = {k: f"{row[k]:.2f}" if k in row else "-" for k in ("package/textbook", "package/torch")}
        print(f"| {w} | " + " | ".join(f"{row['median'][c]:.3f}" for c in names)
              + f" | {ratio['package/textbook']} | {ratio['package/torch']} |", flush=True)
    result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "machine": {"python": platform.python_version(), "numpy": np.__version__,
                          "processor": platform.processor() or platform.machine(),
                          "thread_pools": threadpool_info()},
              "notes": notes, "repeats": args.repeats, "rows": rows}
    if args.one_example_steps:
        us, what = one_example_us(args.one_example_steps, max(1, min(args.repeats, 5)))
        result["one_example"] = {"microseconds_per_step": us, "steps": args.one_example_steps, "data": what}
        print(f"one-example step (online.sgd_step, 784-300-10 sigmoid, {what}): {us:.1f} us/step")
    out = Path(args.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench_epoch-{result['date'][:19].replace(':', '')}.json"
    path.write_text(json.dumps(result, indent=1))
    print(f"results: {path}")
    return result


if __name__ == "__main__":
    main()
