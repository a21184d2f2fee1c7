"""What every check shares: run the student's function safely, compare, diagnose, report.

A check is a list of :class:`Case` (generated, seeded, float64 inputs), a reference
(the package's own code), a catalogue of :class:`Mistake` (deliberately wrong
variants of the reference, each with the sentence that explains it) and
:func:`run_check`, which puts them together into a :class:`CheckResult`.

The order of the verdict:

1. the student's function raised (``NotImplementedError``: not implemented yet);
2. it returned something that is not the expected arrays (``None``, a wrong count);
3. every output equals the reference on every case (within ``RTOL`` / ``ATOL``)
   and has its dtype: passed;
4. otherwise, for each output that differs, the first catalogue mistake that
   reproduces it on *every* case names it; failing that the output's shape, its
   NaN/inf, or its largest error and where it is.
"""

from __future__ import annotations

import html
import os
import re
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

__all__ = ["Case", "Mistake", "CheckResult", "run_check", "RTOL", "ATOL"]

RTOL = 1e-6   # float64 results of equivalent formulas agree to ~1e-15; the mistakes differ by far more
ATOL = 1e-9   # times max(1, largest |reference|): entries that should be (almost) zero

_CHECKS_DIR = os.path.dirname(os.path.abspath(__file__))
_NUMPY_DIR = os.path.dirname(os.path.abspath(np.__file__))


@dataclass(frozen=True)
class Case:
    """One set of inputs for the student's function, with a label a student can read."""

    label: str
    args: tuple   # the student's function is called with these (read-only copies of the arrays)
    extra: dict = field(default_factory=dict)   # what the reference needs besides the arguments


@dataclass(frozen=True)
class Mistake:
    """A known mistake: a stable name, the sentence that explains it and the equation to reread.

    ``variant(case, reference)`` returns the outputs the mistake produces on ``case``
    (a dict of output name -> array; outputs it leaves out, and every output when it
    returns None, are the reference's). ``predicate(case, reference, student)`` may
    replace it for mistakes that are a family of answers rather than one answer
    (true when the student's outputs on ``case`` belong to the family).
    """

    name: str
    explanation: str
    equation: str = ""
    variant: Optional[Callable] = None
    predicate: Optional[Callable] = None

    @property
    def message(self):
        """The explanation and the equation, as one sentence."""
        return f"{self.explanation}: {self.equation}" if self.equation else self.explanation


@dataclass(repr=False)
class CheckResult:
    """The verdict of one check: truthy only on a pass.

    Attributes
    ----------
    check : str
        The name of the piece checked (``"softmax"``, ``"layer_backward"``, ...).
    passed : bool
    diagnosis : str
        A stable identifier: ``"passed"``, ``"not_implemented"``, ``"exception"``,
        ``"wrong_output"``, ``"wrong_shape"``, ``"wrong_dtype"``, ``"not_finite"``,
        ``"mismatch"`` or the name of a catalogue mistake (see ``CATALOGUE``).
    message : str
        What went wrong, in plain sentences (empty on a pass).
    n_cases : int
        How many generated cases were run.
    case, output, index, max_error
        Where the first failure is: the case's label, the output's name, the index of
        the largest error in it and that error (None where they do not apply).
    diagnoses : tuple of str
        The diagnosis of every output that differs, in output order (the first is
        ``diagnosis``).
    """

    check: str
    passed: bool
    diagnosis: str
    message: str = ""
    n_cases: int = 0
    case: Optional[str] = None
    output: Optional[str] = None
    index: Optional[tuple] = None
    max_error: Optional[float] = None
    diagnoses: tuple = ()

    def __post_init__(self):
        if not self.diagnoses and not self.passed:
            self.diagnoses = (self.diagnosis,)

    def __bool__(self):
        return self.passed

    def __repr__(self):   # the plain line, also at a Python prompt
        return str(self)

    def __str__(self):
        if self.passed:
            return f"{self.check}: passed ({self.n_cases} cases)"
        return f"{self.check}: FAILED [{self.diagnosis}] {self.message}"

    def _repr_markdown_(self):
        if self.passed:
            return f"**✓ `{self.check}` passed** ({self.n_cases} cases)"
        return f"**✗ `{self.check}` failed** ({self.diagnosis}): {self.message}"

    def _repr_html_(self):
        colour, mark, verdict = (("#1a7f37", "✓", "passed") if self.passed else ("#cf222e", "✗", "failed"))
        message = re.sub(r"`([^`]*)`", r"<code>\1</code>", html.escape(self.message))   # `x` as in Markdown
        body = (f"{self.n_cases} cases" if self.passed
                else f"<code>{html.escape(self.diagnosis)}</code>: {message}")
        return (f'<div style="border-left: 4px solid {colour}; padding: 0.3em 0.8em;">'
                f'<strong style="color: {colour};">{mark} <code>{html.escape(self.check)}</code> '
                f"{verdict}</strong> &mdash; {body}</div>")


class BadOutput(Exception):
    """The student's function returned something other than the expected arrays.

    ``diagnosis`` is ``"wrong_output"`` or the name of a catalogue mistake recognised
    by its structure alone (e.g. a list one array short).
    """

    def __init__(self, message, diagnosis="wrong_output"):
        super().__init__(message)
        self.diagnosis = diagnosis


# ---------------------------------------------------------------------- running
def _readonly_copy(x):
    """A copy the student's code cannot write into (so the check sees in-place edits of inputs)."""
    if isinstance(x, np.ndarray):
        x = x.copy()
        x.flags.writeable = False
    elif isinstance(x, list):
        x = [_readonly_copy(v) for v in x]
    return x


def _student_frame(error):
    """``(line number, function, code)`` of the deepest frame of the student's own code, or None."""
    frames = traceback.extract_tb(error.__traceback__)
    for frame in reversed(frames):
        path = os.path.abspath(frame.filename)
        if not (path.startswith(_CHECKS_DIR) or path.startswith(_NUMPY_DIR)):
            return frame.lineno, frame.name, (frame.line or "").strip()
    return None


def _hint(check, error):
    """A hint for the usual causes of an exception in this kind of code."""
    text = str(error)
    if "read-only" in text:
        return (" Your code writes into one of its inputs; the network still needs them, "
                "so compute a new array instead (e.g. np.maximum(z, 0), not z[z < 0] = 0).")
    if "broadcast" in text:
        return (" A row-wise max or sum keeps its axis for broadcasting: "
                "z.max(axis=1, keepdims=True) has shape (N, 1).")
    if isinstance(error, ZeroDivisionError) and check.startswith("adam"):
        return " A bias correction 1 - beta^t is zero only at t = 0: t counts the steps from 1."
    if "matmul" in text or "not aligned" in text:
        return " W^l has shape (n_{l-1}, n_l): for a batch of rows, z = a @ W + b and a^T delta has W's shape."
    return ""


def describe_exception(check, error, case):
    """The result for an exception the student's function raised on ``case``."""
    if isinstance(error, NotImplementedError):
        return CheckResult(check, False, "not_implemented",
                           "not implemented yet: replace `raise NotImplementedError` with your code.",
                           case=case.label, diagnoses=("not_implemented",))
    where = _student_frame(error)
    at = (f", line {where[0]} in {where[1]}" + (f": `{where[2]}`" if where[2] else "")) if where else ""
    return CheckResult(check, False, "exception", diagnoses=("exception",), message=
                       f"your function raised {type(error).__name__}{f': {error}' if str(error) else ''} "
                       f"(case '{case.label}'{at})."
                       + _hint(check, error), case=case.label)


def as_array(value, name):
    """``value`` as a numeric ndarray, or :class:`BadOutput` saying what it is instead."""
    if value is None:
        raise BadOutput(f"`{name}` is None: did your function forget to `return` it?")
    try:
        array = np.asarray(value)
    except Exception as error:  # e.g. a ragged list
        raise BadOutput(f"`{name}` is not an array ({type(value).__name__}): {error}") from None
    if array.dtype.kind not in "biuf":
        raise BadOutput(f"`{name}` is not an array of numbers (got {type(value).__name__} "
                         f"of dtype {array.dtype})")
    return array


def unpack(names):
    """An unpacker for a function returning ``len(names)`` arrays (one array if one name)."""
    def _unpack(value, case):
        if len(names) == 1:
            return {names[0]: as_array(value, names[0])}
        if not isinstance(value, (tuple, list)) or len(value) != len(names):
            got = ("None" if value is None else f"{len(value)} values" if isinstance(value, (tuple, list))
                   else f"one {type(value).__name__}")
            raise BadOutput(f"your function must return {len(names)} values, ({', '.join(names)}); "
                             f"it returned {got}")
        return {n: as_array(v, n) for n, v in zip(names, value)}
    return _unpack


# ------------------------------------------------------------------- comparing
def _close(student, expected, equal_nan=False):
    """Same shape and, entry by entry, |s - e| <= ATOL max(1, max|e|) + RTOL |e|."""
    if student.shape != expected.shape:
        return False
    finite = expected[np.isfinite(expected)]
    scale = max(1.0, float(np.max(np.abs(finite)))) if finite.size else 1.0
    with np.errstate(all="ignore"):
        return bool(np.all(np.isclose(student.astype(np.float64), expected, rtol=RTOL,
                                      atol=ATOL * scale, equal_nan=equal_nan)))


def _generic(name, student, expected, label):
    """The diagnosis of one differing output that no catalogue mistake explains."""
    if student.shape != expected.shape:
        hint = (" (the transpose of the expected shape)" if student.ndim == 2 and student.shape == expected.shape[::-1]
                else "")
        return ("wrong_shape", f"`{name}` has shape {student.shape}; expected {expected.shape}{hint} "
                               f"(case '{label}').", None, None)
    s = student.astype(np.float64)
    bad = ~np.isfinite(s) & np.isfinite(expected)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        return ("not_finite", f"`{name}` is {s[index]} at index {index} where {expected[index]:.6g} was expected "
                              f"(case '{label}'): an overflow, a division by zero or a log of zero.",
                index, float("inf"))
    with np.errstate(all="ignore"):
        error = np.abs(s - expected)
    index = tuple(int(i) for i in np.unravel_index(np.argmax(error), error.shape)) if error.ndim else ()
    want, got = f"{expected[index]:.6g}", f"{s[index]:.6g}"
    if want == got:   # close values: all their digits
        want, got = repr(float(expected[index])), repr(float(s[index]))
    return ("mismatch", f"`{name}` differs from the expected values (case '{label}'): the largest error is "
                        f"{error[index]:.3g} at index {index} (expected {want}, got {got}).",
            index, float(error[index]))


def _severity(student, expected):
    """How plainly an output is wrong on one case: a wrong shape, then NaN/inf, then the relative error."""
    if student.shape != expected.shape:
        return (2, 0.0)
    s = student.astype(np.float64)
    if (~np.isfinite(s) & np.isfinite(expected)).any():
        return (1, 0.0)
    finite = expected[np.isfinite(expected)]
    scale = max(1.0, float(np.max(np.abs(finite)))) if finite.size else 1.0
    with np.errstate(all="ignore"):
        return (0, float(np.nanmax(np.abs(s - expected))) / scale if s.size else 0.0)


def _listing(names):
    """`a`, `b`, `c` or, for a long list, `a`, `b`, ..., `z`."""
    names = [f"`{n}`" for n in names]
    return ", ".join(names if len(names) <= 3 else names[:2] + ["...", names[-1]])


def run_check(check, student, cases, reference, mistakes=(), names=None, call=None, unpacker=None,
              equation=""):
    """Run ``student`` on every case and diagnose what differs from ``reference``.

    Parameters
    ----------
    check : str
        The piece's name, for the messages.
    student : callable
        The student's function.
    cases : list of Case
    reference : callable (case) -> dict of output name -> ndarray
        The package's answer on a case.
    mistakes : sequence of Mistake
        The catalogue, most specific first.
    names : list of str
        The names of the outputs the student's function returns (one name: a single array).
    call : callable (student, case) -> value, optional
        How to call the student's function; default ``student(*case.args)`` on
        read-only copies of the case's arrays.
    unpacker : callable (value, case) -> dict, optional
        How to read what ``call`` returned; default :func:`unpack` of ``names``.
    equation : str
        The equation of the piece, quoted in the generic messages.
    """
    if not callable(student):
        raise TypeError(f"check_{check} takes your function itself, e.g. check_{check}({check}); "
                        f"got {type(student).__name__}")
    call = call or (lambda f, case: f(*[_readonly_copy(a) for a in case.args]))
    unpacker = unpacker or unpack(names)
    n = len(cases)
    answers = []
    for case in cases:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")   # overflow shows as inf/NaN in the diagnosis instead
                value = call(student, case)
        except BadOutput as error:   # found by a ``call`` that reads answers step by step
            return CheckResult(check, False, error.diagnosis, f"{error} (case '{case.label}').", n, case.label)
        except Exception as error:  # the student's code may raise anything: report it, never re-raise
            result = describe_exception(check, error, case)
            result.n_cases = n
            return result
        try:
            answers.append(unpacker(value, case))
        except BadOutput as error:
            return CheckResult(check, False, error.diagnosis, f"{error} (case '{case.label}').", n, case.label,
                               diagnoses=(error.diagnosis,))

    with np.errstate(all="ignore"):   # the reference and the variants may overflow on purpose
        expected = [reference(case) for case in cases]
    for case, got, want in zip(cases, answers, expected):
        if set(got) != set(want):  # e.g. a list of the wrong length
            return CheckResult(check, False, "wrong_output",
                               f"your function returned {len(got)} arrays; expected {len(want)} "
                               f"({', '.join(want)}) (case '{case.label}').", n, case.label)
    # the outputs of the case with the most first (cases may differ in depth): dW1, dW2, dW3, db1, ...
    order = list(dict.fromkeys(name for want in sorted(expected, key=len, reverse=True) for name in want))

    def pairs(name):
        """(index, student's, expected) of ``name`` on every case that has this output."""
        return [(k, got[name], want[name]) for k, (got, want) in enumerate(zip(answers, expected)) if name in want]

    failing = [name for name in order if not all(_close(got, want) for _, got, want in pairs(name))]
    if not failing:
        for case, got, want in zip(cases, answers, expected):
            for name in want:
                if got[name].dtype != want[name].dtype:
                    return CheckResult(check, False, "wrong_dtype",
                                       f"the values are right but `{name}` has dtype {got[name].dtype}; "
                                       f"expected {want[name].dtype} (case '{case.label}'): the network "
                                       f"computes in {want[name].dtype}, so return floats of that type.",
                                       n, case.label, name)
        return CheckResult(check, True, "passed", "", n)

    variants = {}  # mistake name -> [dict per case], computed once

    def explains(mistake, name):
        """Whether ``mistake`` reproduces the student's ``name`` on every case."""
        if mistake.variant is None and mistake.predicate is None:
            return False   # recognised by the unpacker, from the structure of the answer
        if mistake.predicate is not None:
            return all(mistake.predicate(cases[k], expected[k], answers[k]) for k, _, _ in pairs(name))
        if mistake.name not in variants:
            with np.errstate(all="ignore"):
                variants[mistake.name] = [mistake.variant(case, want) or {} for case, want in zip(cases, expected)]
        return all(_close(got, np.asarray(variants[mistake.name][k].get(name, want)), equal_nan=True)
                   for k, got, want in pairs(name))

    # one mistake that explains every differing output; failing that, one per output
    whole = next((m for m in mistakes if all(explains(m, name) for name in failing)), None)
    diagnoses, groups, first, unexplained = [], {}, None, []   # groups: mistake (or message) -> outputs
    for name in failing:
        found = whole or next((m for m in mistakes if explains(m, name)), None)
        if found is not None:
            diagnosis, where = found.name, (None, name, None, None)
            groups.setdefault(found, []).append(name)   # one sentence for every output it explains
        else:
            k = max((k for k, got, want in pairs(name) if not _close(got, want)),
                    key=lambda k: _severity(answers[k][name], expected[k][name]))   # the plainest case
            diagnosis, message, index, error = _generic(name, answers[k][name], expected[k][name], cases[k].label)
            where = (cases[k].label, name, index, error)
            unexplained.append(name)
            if len(unexplained) == 1:
                groups[message] = None   # the details of the first unexplained output only
        first = first or where
        diagnoses.append(diagnosis)
    messages = [key if outputs is None else f"{_listing(outputs)}: {key.message}."
                for key, outputs in groups.items()]
    if len(unexplained) > 1:
        messages.append(f"{_listing(unexplained[1:])} differ{'s' if len(unexplained) == 2 else ''} "
                        f"from the expected values too.")
    if unexplained and equation:
        messages.append(f"Look again at {equation}.")
    return CheckResult(check, False, diagnoses[0], " ".join(messages), n, first[0], first[1], first[2], first[3],
                       tuple(diagnoses))
