"""The labs: their seeds, their helpers, and the committed student notebooks.

* ``student_seed`` is stable (a known value), ignores case and spaces, separates IDs
  and refuses empty ones.
* ``package_blocked`` makes the package's function raise, also under the names a
  notebook imported it as, and restores everything afterwards.
* ``python -m tools.labs --check``: the committed student notebooks are what the lab
  sources give, and no solution line reaches a student artifact; a leaked line is found.
"""

import subprocess
import sys

import jupytext
import numpy as np
import pytest

from mlp_from_scratch import activations
from mlp_from_scratch.checks import student_seed
from mlp_from_scratch.checks.labs import PackageCalled, attempt, lab_digits, package_blocked
from tools import labs


def lab_meta(md):
    return jupytext.read(md).metadata["lab"]


def test_student_seed_is_stable_and_normalised():
    # SHA-256 of "example": its first four bytes, shifted right once (a fixed value, not hash())
    import hashlib
    assert student_seed("example") == int(hashlib.sha256(b"example").hexdigest()[:8], 16) >> 1
    assert student_seed(" Example ") == student_seed("example")
    assert 0 <= student_seed("s1234567") < 2 ** 31
    assert len({student_seed(f"s{k}") for k in range(200)}) == 200


@pytest.mark.parametrize("bad", ["", "   ", None, True, 1.5])
def test_student_seed_refuses_empty_ids(bad):
    with pytest.raises(ValueError, match="STUDENT_ID"):
        student_seed(bad)


def test_lab_digits_depend_on_the_seed_and_are_disjoint():
    (X1, y1), (X2, y2) = lab_digits(1, n_train=50, n_test=20)
    (X3, _), _ = lab_digits(2, n_train=50, n_test=20)
    assert X1.shape == (50, 64) and X2.shape == (20, 64) and X1.max() <= 1.0
    assert not np.array_equal(X1, X3)
    assert not {row.tobytes() for row in X1} & {row.tobytes() for row in X2} or len(X1) == 0
    with pytest.raises(ValueError):
        lab_digits(0, n_train=2000)


def test_package_blocked_raises_and_restores():
    original = activations.relu
    env = {"relu": original, "mine": lambda z: z}
    with package_blocked(env, (activations, "relu"), (activations.HIDDEN_ACTIVATIONS, "sigmoid")):
        with pytest.raises(PackageCalled, match="relu"):
            activations.relu(np.zeros(2))
        with pytest.raises(PackageCalled):
            env["relu"](np.zeros(2))
        with pytest.raises(PackageCalled):
            activations.HIDDEN_ACTIVATIONS["sigmoid"].f(np.zeros(2))
        assert env["mine"](3) == 3
    assert activations.relu is original and env["relu"] is original
    assert activations.HIDDEN_ACTIVATIONS["sigmoid"].name == "sigmoid"


def test_attempt_turns_a_stub_into_a_plain_failure():
    def stub():
        raise NotImplementedError
    with pytest.raises(AssertionError, match="not implemented yet"):
        attempt(stub)


def test_leaked_solution_lines_are_found():
    md = labs.LABS[0]
    line = next(l.strip() for q in labs.questions(md).values() for l in q["solution"].splitlines()
                if len(l.strip()) >= 16)
    assert labs.leaked_solutions(md, ["x = 1\n", f"    {line}\n"]) == [line]
    assert labs.leaked_solutions(md, ["raise NotImplementedError"]) == []


def test_committed_student_notebooks_are_up_to_date_and_hold_no_solution():
    result = subprocess.run([sys.executable, "-m", "tools.labs", "--check"], cwd=labs.ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_assert_own_code_fails_a_solution_that_calls_the_package():
    from mlp_from_scratch.checks.labs import assert_own_code
    z = np.array([[-1.0, 2.0]])
    env = {"relu": activations.relu}
    targets = [(activations, "relu")]
    assert_own_code(env, lambda z: np.maximum(z, 0.0), (z,), activations.relu(z), *targets)
    with pytest.raises(PackageCalled):
        assert_own_code(env, lambda z: activations.relu(z), (z,), activations.relu(z), *targets)
    with pytest.raises(PackageCalled):   # imported into the notebook under the package's name
        assert_own_code(env, lambda z: env["relu"](z), (z,), activations.relu(z), *targets)
    with pytest.raises(AssertionError, match="another result"):
        assert_own_code(env, lambda z: np.abs(z), (z,), activations.relu(z), *targets)


def test_assert_same_training_needs_the_pieces_and_equal_losses():
    from mlp_from_scratch.checks.labs import assert_same_training
    env = {"piece": None}
    assert_same_training(env, lambda: [env["piece"](1.0), 0.5], lambda: [1.0, 0.5], pieces={"piece": lambda x: x})
    with pytest.raises(AssertionError, match="never calls `piece`"):
        assert_same_training(env, lambda: [1.0, 0.5], lambda: [1.0, 0.5], pieces={"piece": lambda x: x})
    with pytest.raises(AssertionError, match="differ"):
        assert_same_training(env, lambda: [env["piece"](1.0), 0.6], lambda: [1.0, 0.5], pieces={"piece": lambda x: x})
    assert env["piece"] is None   # the student's function is back


def test_every_lab_is_on_the_site_and_not_cited_as_a_chapter():
    from tools import bookmeta
    pages = {f"book/labs/{md.stem}" for md in labs.LABS}
    assert pages <= set(bookmeta.toc_files())
    assert pages <= set(bookmeta.config()["sphinx"]["config"]["mlpbook_cite_exclude"])
    assert {lab_meta(md)["chapter"] for md in labs.LABS} <= set(bookmeta.toc_files())


def test_the_seeded_mistakes_are_the_checks_catalogue():
    """Every mistake --grade injects names a catalogue entry of a check its task runs (or says its own diagnosis)."""
    from mlp_from_scratch.checks import CATALOGUE
    for md in labs.LABS:
        tasks = labs.questions(md)
        assert all(q["solution"] for q in tasks.values()), f"{md.name}: a task without a solution block"
        assert len(tasks) >= 2 and tasks[list(tasks)[-1]]["name"] == "train", f"{md.name}: end with the training task"
        for task, mistakes in lab_meta(md)["mistakes"].items():
            for m in mistakes:
                if "check" in m:
                    assert m["name"] in CATALOGUE[m["check"]] and m["check"] in tasks[task]["checks"], (md.name, m)
                else:
                    assert not tasks[task]["checks"] and m["message"], (md.name, m)
        assert set(lab_meta(md)["mistakes"]) == set(tasks) - {"train"}, f"{md.name}: a mistake per task"
