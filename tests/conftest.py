"""Shared fixtures and settings for the test suite.

* No progress bars and no windows: tests run headless.
* hypothesis: few examples, no deadline and a fixed seed ("fast" profile), so the
  property tests stay fast and reproducible; ``HYPOTHESIS_PROFILE=thorough`` draws
  500 random examples per test.
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("MLP_FROM_SCRATCH_PROGRESS", "0")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # hypothesis is only needed by test_properties.py
    pass
else:
    settings.register_profile("fast", max_examples=25, deadline=None, derandomize=True,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("thorough", max_examples=500, deadline=None)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))


def make_classification(n_examples=40, n_features=4, n_classes=3, seed=0, separation=3.0):
    """Gaussian blobs: one per class, ``separation`` standard deviations apart.

    Every class appears at least once (labels cycle 0, 1, ..., K-1), so fitted
    networks and estimators see all K classes.
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n_examples) % n_classes
    centres = separation * rng.standard_normal((n_classes, n_features))
    X = centres[y] + rng.standard_normal((n_examples, n_features))
    return X, y


@pytest.fixture
def blobs():
    """A small, easy 3-class problem: X of shape (60, 4) and its labels."""
    return make_classification(n_examples=60, n_features=4, n_classes=3, seed=1, separation=4.0)


@pytest.fixture
def data_factory():
    """The function :func:`make_classification`, for tests that need other sizes."""
    return make_classification
