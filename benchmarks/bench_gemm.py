#!/usr/bin/env python
"""One matrix product, NumPy (OpenBLAS) against PyTorch (its own BLAS), float32, one thread.

Usage (from the repository root)::

    python -m benchmarks.bench_gemm

The ratios of ``bench_epoch`` to PyTorch depend on how fast each library multiplies
matrices on the machine at hand; this prints that, for the products of the
benchmark's workloads (forward, weight gradient, delta of the layer below), so that
a ratio from one machine is read with its yardstick. Medians of 7 interleaved
repetitions of 200 calls, both writing into arrays allocated once.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

try:
    from benchmarks.bench_epoch import limit_numpy_threads, numpy_blas_threads
except ImportError:  # run as a file: its folder is on sys.path
    from bench_epoch import limit_numpy_threads, numpy_blas_threads

SHAPES = [  # (m, k, n): an (m, k) by (k, n) product
    (100, 784, 50),    # W1's forward product
    (100, 784, 300),   # W2's forward product
    (784, 100, 300),   # W2's weight gradient a^T delta
    (1000, 784, 300),  # W4's forward product
]


def mean_us(function, calls=200):
    """Microseconds per call, the mean of ``calls`` calls in a row."""
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls * 1e6


def main():
    import torch

    limits = limit_numpy_threads(1)  # noqa: F841 (kept alive for the run)
    torch.set_num_threads(1)
    blas = [line.strip() for line in torch.__config__.show().splitlines() if "BLAS_INFO" in line or "CPU capability" in line]
    print(f"numpy {np.__version__}: {numpy_blas_threads()[1]}")
    print(f"torch {torch.__version__}: " + "; ".join(part.strip("- ") for line in blas for part in line.split(", ")
                                                  if "BLAS_INFO" in part or "CPU capability" in part))
    rng = np.random.default_rng(0)
    for m, k, n in SHAPES:
        a, b = rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)
        out, ta, tb = np.empty((m, n), np.float32), torch.from_numpy(a), torch.from_numpy(b)
        tout = torch.empty(m, n)
        contestants = {"numpy": lambda: np.matmul(a, b, out=out), "torch": lambda: torch.mm(ta, tb, out=tout)}
        for function in contestants.values():
            mean_us(function, calls=20)  # warm-up
        us = {name: [] for name in contestants}
        for rep in range(7):
            for name in (("numpy", "torch") if rep % 2 == 0 else ("torch", "numpy")):
                us[name].append(mean_us(contestants[name]))
        numpy_us, torch_us = statistics.median(us["numpy"]), statistics.median(us["torch"])
        print(f"({m} x {k}) @ ({k} x {n}): numpy {numpy_us:8.1f} us, torch {torch_us:8.1f} us, "
              f"torch / numpy {torch_us / numpy_us:.2f}")


if __name__ == "__main__":
    main()
