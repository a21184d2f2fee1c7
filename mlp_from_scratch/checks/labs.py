"""What the labs share: a seed per student, their data, and the grader's helpers.

A lab (``labs/<chapter>.md`` in the book's repository) starts with
``STUDENT_ID = "..."`` and derives everything random from
``seed = student_seed(STUDENT_ID)``: its data subset, its sizes, the cases of its
checks. The autograder's tests use the same ``seed`` (the notebook's), so they work
for any student.

>>> student_seed("example") == student_seed(" Example ")
True
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from unittest import mock

import numpy as np

__all__ = ["student_seed", "lab_digits", "PackageCalled", "package_blocked", "attempt", "assert_check",
           "assert_other_seeds", "assert_own_code", "assert_same_training", "plot_curves"]


def student_seed(student_id):
    """The seed of a student's lab: a stable hash of their ID, an int in [0, 2**31).

    Stable across machines, Python versions and runs (SHA-256, not ``hash()``, which
    is salted per process); case and surrounding spaces do not matter.

    Parameters
    ----------
    student_id : str or int
        Any identifier (a student number, a login); not empty.

    Returns
    -------
    int
    """
    if not isinstance(student_id, (str, int)) or isinstance(student_id, bool) or not str(student_id).strip():
        raise ValueError(f"STUDENT_ID must be a non-empty string (your student number or login); "
                         f"got {student_id!r}")
    digest = hashlib.sha256(str(student_id).strip().lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") >> 1


def lab_digits(seed, n_train=600, n_test=300):
    """A seeded subset of scikit-learn's 8 x 8 digits, pixels scaled to [0, 1].

    Returns
    -------
    (X_train, y_train), (X_test, y_test)
        ``X`` (n, 64) float64, ``y`` (n,) int64 labels 0-9; disjoint, drawn from ``seed``.
    """
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    if n_train < 1 or n_test < 1 or n_train + n_test > len(X):
        raise ValueError(f"n_train and n_test must be positive with n_train + n_test <= {len(X)}; "
                         f"got {n_train} and {n_test}")
    order = np.random.default_rng(seed).permutation(len(X))
    train, test = order[:n_train], order[n_train:n_train + n_test]
    X = X / 16.0   # the digits' pixels are 0..16
    return (X[train], y[train].astype(np.int64)), (X[test], y[test].astype(np.int64))


class PackageCalled(AssertionError):
    """The student's function called the package's implementation of the piece it should implement."""


class _Blocked:
    """Stands in for a package object: calling it, or reading any attribute of it, raises PackageCalled."""

    def __init__(self, label):
        self._label = label

    def __call__(self, *args, **kwargs):
        raise PackageCalled(f"your code calls the package's {self._label}: write this piece yourself, "
                            "with NumPy")

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        self()


@contextmanager
def package_blocked(env, *targets):
    """Make the package's own implementations raise :class:`PackageCalled` for a while.

    Used by the hidden tests: a "solution" that only calls the package fails them.
    Each target is ``(owner, name)``: an attribute, e.g. ``(MLP, "forward_pass")``, or
    a key of a dict, e.g. ``(HIDDEN_ACTIVATIONS, "relu")``. It is replaced, and so is
    every global of the notebook ``env`` bound to the same object (``from
    mlp_from_scratch.activations import relu`` binds one).
    """
    patches = []
    for owner, name in targets:
        if isinstance(owner, dict):
            original, label = owner[name], f"{name!r} entry"
            blocked = _Blocked(label)
            patches.append(mock.patch.dict(owner, {name: blocked}))
        else:
            original, label = getattr(owner, name), f"{getattr(owner, '__name__', type(owner).__name__)}.{name}"
            blocked = _Blocked(label)
            patches.append(mock.patch.object(owner, name, blocked))
        patches += [mock.patch.dict(env, {key: blocked}) for key, value in list(env.items())
                    if value is original and not key.startswith("_")]
    for p in patches:
        p.start()
    try:
        yield
    finally:
        for p in reversed(patches):
            p.stop()


def attempt(function, *args, **kwargs):
    """Call the student's ``function``; an unfinished stub becomes a plain test failure.

    ``NotImplementedError`` becomes an ``AssertionError`` saying "not implemented yet",
    so that a grader reports every test of an untouched notebook that way.
    """
    try:
        return function(*args, **kwargs)
    except NotImplementedError:
        raise AssertionError("not implemented yet: replace `raise NotImplementedError` with your code") from None


def assert_check(result):
    """Fail with the check's verdict (its diagnosis) unless ``result`` passed."""
    if not result:
        raise AssertionError(str(result))


def assert_other_seeds(check, function, seed, offsets=(1, 2), **kwargs):
    """The check passes with seeds the notebook did not run (the hidden test of a task)."""
    for k in offsets:
        assert_check(check(function, seed=seed + k, **kwargs))


def _arrays(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def assert_own_code(env, function, args, expected, *targets):
    """``function(*args)`` equals ``expected`` while the package's ``targets`` are blocked.

    ``expected`` is computed by the test before, with the package. A solution that only
    calls the package's own implementation fails with :class:`PackageCalled`.
    """
    with package_blocked(env, *targets):
        got = attempt(function, *args)
    got, expected = _arrays(got), _arrays(expected)
    if len(got) != len(expected) or not all(np.shape(g) == np.shape(e) and np.allclose(g, e)
                                            for g, e in zip(got, expected)):
        raise AssertionError(f"{getattr(function, '__name__', 'your function')} gives another result than the "
                             f"package's on a new case")


def assert_same_training(env, student_run, package_run, pieces=None, block=(), rtol=1e-6):
    """The student's wiring trains exactly as the package: equal losses, epoch by epoch.

    ``package_run()`` and ``student_run()`` return the training losses of the package's
    network and of the student's class. During ``student_run`` the notebook's globals
    ``pieces`` (name -> a reference implementation with the student's signature) are
    put in place of the student's functions, so that this task is graded on its own,
    and each must be called; ``block`` lists package functions the student's class must
    not call (see :func:`package_blocked`).
    """
    expected = package_run()
    calls = {name: 0 for name in pieces or {}}

    def counted(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return wrapper
    with mock.patch.dict(env, {name: counted(name, f) for name, f in (pieces or {}).items()}), \
            package_blocked(env, *block):
        got = attempt(student_run)
    for name, n in calls.items():
        if not n:
            raise AssertionError(f"your class never calls `{name}`: plug your function in")
    if len(got) != len(expected) or not np.allclose(got, expected, rtol=rtol):
        raise AssertionError(f"your class's training losses {np.round(got, 4).tolist()} differ from the "
                             f"package's {np.round(expected, 4).tolist()}")


def plot_curves(histories, ax=None, metric="loss"):
    """Training curves of several runs, one line each: ``{label: History}``."""
    import matplotlib.pyplot as plt
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for (label, history), style in zip(histories.items(), ["-", "--", ":", "-."] * 3):
        values = getattr(history, metric)
        ax.plot(range(1, len(values) + 1), values, style, label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"training {metric}")
    ax.legend()
    return ax
