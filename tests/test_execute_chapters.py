"""tools/execute_chapters.py: the order of the chapters, and a run on tiny MyST notebooks.

The subprocess tests start real kernels (a few seconds each): a page that runs is stored
in the cache under the hash of the notebook myst-nb reads from the page (what the build
looks up), and a failing cell makes the run exit non-zero with the page's name and the
traceback, stopping the page that runs beside it.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools import execute_chapters as ec

ROOT = Path(__file__).resolve().parent.parent
HEADER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
{extra}---

# {title}

```{{code-cell}} ipython3
{code}
```
"""


def page(folder, name, code, extra=""):
    path = folder / f"{name}.md"
    path.write_text(HEADER.format(title=name, code=code, extra=extra), encoding="utf-8")
    return path


def run(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("MLPBOOK_EXECUTION_CACHE", None)
    return subprocess.run([sys.executable, "-m", "tools.execute_chapters", *map(str, args)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_order_without_previous_times_puts_the_known_long_chapters_first():
    names = ["book/preface", "book/notation", "book/experiments/fashion-mnist",
             "book/derivations/forward-pass", "book/experiments/learning-rates"]
    assert ec.order(names) == ["book/experiments/learning-rates",
                               "book/experiments/fashion-mnist",
                               "book/preface", "book/notation", "book/derivations/forward-pass"]


def test_order_with_previous_times_is_longest_first_and_new_pages_first():
    previous = {"a": 5.0, "b": 50.0, "c": 20.0}
    assert ec.order(["a", "b", "c", "new"], previous) == ["new", "b", "c", "a"]


def test_reproduction_waits_for_every_experiment_chapter():
    assert not ec.ready("book/reproduction", ["book/reproduction", "book/experiments/cifar10"])
    assert ec.ready("book/reproduction", ["book/reproduction", "book/training/autodiff"])
    assert ec.ready("book/experiments/cifar10", ["book/experiments/fashion-mnist"])


def test_toc_pages_in_reading_order():
    pages = ec.toc_pages(ROOT / "_toc.yml")
    assert pages[0] == "book/preface"
    assert pages.index("book/notation") < pages.index("book/derivations/forward-pass") \
        < pages.index("book/experiments/fashion-mnist") < pages.index("book/reproduction")
    assert len(pages) == len(set(pages))


def test_page_settings_reach_the_executor(tmp_path):
    md, nb = ec.parser_configs()
    plain = ec.read_notebook(page(tmp_path, "plain", "1 + 1"), md, nb)
    slow = ec.read_notebook(page(tmp_path, "slow", "1 + 1",
                                 extra="mystnb:\n  execution_timeout: 3600\n"), md, nb)
    assert plain[1].execution_timeout == nb.execution_timeout != 3600
    assert slow[1].execution_timeout == 3600
    assert ec.read_notebook(ROOT / "book" / "bibliography.md", md, nb) is None  # no notebook


def test_a_page_that_runs_is_a_cache_hit_for_what_myst_nb_reads(tmp_path):
    from jupyter_cache import get_cache

    ok = page(tmp_path, "ok", "import os\nprint(os.getcwd())")
    times = tmp_path / "times.json"
    result = run("--cache-dir", tmp_path / "cache", "--times", times, ok)
    assert result.returncode == 0, result.stderr
    md, nb = ec.parser_configs()
    notebook, _ = ec.read_notebook(ok, md, nb)
    record = get_cache(tmp_path / "cache").match_cache_notebook(notebook)  # KeyError: a miss
    assert record.data["execution_seconds"] > 0
    _, merged = get_cache(tmp_path / "cache").merge_match_into_notebook(notebook)
    assert merged.cells[-1].outputs[0]["text"].strip() == str(tmp_path)   # cwd: its folder
    assert list(json.loads(times.read_text())["chapters"]) == [ec.name_of(ok)]


def test_a_failing_cell_fails_the_run_and_stops_the_other_page(tmp_path):
    sleeper = page(tmp_path, "sleeper", "import time\ntime.sleep(120)")
    failing = page(tmp_path, "failing", "import time\ntime.sleep(1)\n1 / 0")
    started = time.monotonic()
    result = run("--cache-dir", tmp_path / "cache", "--times", tmp_path / "t.json",
                 "--jobs", 2, sleeper, failing)
    assert result.returncode == 1
    assert "ZeroDivisionError" in result.stderr
    assert f"FAILED: {ec.name_of(failing)}" in result.stderr
    assert f"stopped: {ec.name_of(sleeper)}" in result.stderr
    assert time.monotonic() - started < 60          # the sleeper did not run to its end
    assert not (tmp_path / "t.json").exists()


@pytest.mark.parametrize("jobs", ["0", "x"])
def test_bad_jobs(tmp_path, jobs):
    result = run("--cache-dir", tmp_path / "cache", "--jobs", jobs)
    assert result.returncode == 2 and "--jobs" in result.stderr
