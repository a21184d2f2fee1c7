"""tools/execute_chapters.py: the phases of the chapters, and runs on tiny MyST notebooks.

The subprocess tests start real kernels (a few seconds each): a page that runs is stored
in the cache under the hash of the notebook myst-nb reads from the page (what the build
looks up), with one BLAS thread in its kernel; a failing cell, or one stuck past the
timeout, makes the run exit non-zero with the page's name and the traceback.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

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
    for name in ec.THREADS:        # the run must set them itself
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "tools.execute_chapters", *map(str, args)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def book_notebook(path):
    """The notebook the build reads from a page: myst-nb's reader with _config.yml's settings."""
    from jupyter_book.config import get_final_config
    from myst_nb.core.read import read_myst_markdown_notebook
    from myst_parser.config.main import MdParserConfig

    conf, _ = get_final_config(user_yaml=ROOT / "_config.yml", sourcedir=ROOT,
                               cli_config={"latex_individualpages": False})
    md = {name: conf[f"myst_{name}"] for name, _, fld in MdParserConfig().as_triple()
          if "sphinx" not in fld.metadata.get("omit", []) and f"myst_{name}" in conf}
    return read_myst_markdown_notebook(path.read_text(encoding="utf-8"), MdParserConfig(**md))


def test_toc_pages_are_the_notebooks_in_reading_order():
    pages = [ec.name_of(p) for p in ec.toc_pages(ROOT / "_toc.yml")]
    assert "book/preface" not in pages and "book/bibliography" not in pages   # no code
    assert pages.index("book/notation") < pages.index("book/derivations/forward-pass") \
        < pages.index("book/experiments/fashion-mnist") < pages.index("book/reproduction")
    assert len(pages) == len(set(pages))


def test_chapters_with_their_own_workers_run_alone_first_and_readers_last():
    phases = ec.phases(ec.toc_pages(ROOT / "_toc.yml"))
    alone = {ec.name_of(p) for p in phases[0][1]}
    assert phases[0][0] == "local-serial"
    assert alone == {"book/experiments/fashion-mnist", "book/experiments/learning-rates"}
    assert [ec.name_of(p) for p in phases[-1][1]] == ["book/reproduction"]
    middle = {ec.name_of(p) for p in phases[1][1]}
    assert "book/training/autodiff" in middle and not middle & alone


def test_a_page_that_runs_is_a_cache_hit_for_what_myst_nb_reads(tmp_path):
    from jupyter_cache import get_cache

    ok = page(tmp_path, "ok", "import os\nprint(os.getcwd(), os.environ['OPENBLAS_NUM_THREADS'])")
    times = tmp_path / "times.json"
    result = run("--cache-dir", tmp_path / "cache", "--times", times, ok)
    assert result.returncode == 0, result.stderr
    cache = get_cache(tmp_path / "cache")
    record = cache.match_cache_notebook(book_notebook(ok))   # KeyError: a miss
    assert record.data["execution_seconds"] > 0
    _, merged = cache.merge_match_into_notebook(book_notebook(ok))
    assert merged.cells[-1].outputs[0]["text"].split() == [str(tmp_path), "1"]  # cwd, threads
    assert not cache.list_project_records()      # the build takes a record for an execution
    assert list(json.loads(times.read_text())["pages"]) == [ec.name_of(ok)]
    assert "cell timeout" in result.stdout


def test_a_failing_cell_fails_the_run_with_the_page_and_its_traceback(tmp_path):
    fine = page(tmp_path, "fine", "1 + 1")
    failing = page(tmp_path, "failing", "1 / 0")
    result = run("--cache-dir", tmp_path / "cache", "--times", tmp_path / "t.json", fine, failing)
    assert result.returncode == 1
    assert "ZeroDivisionError" in result.stderr
    assert f"FAILED: {ec.name_of(failing)}" in result.stderr
    assert f"FAILED: {ec.name_of(fine)}" not in result.stderr
    assert not (tmp_path / "t.json").exists()


def test_a_cell_past_the_timeout_fails_with_the_page_name(tmp_path):
    stuck = page(tmp_path, "stuck", "import time\ntime.sleep(60)",
                 extra="execution:\n  timeout: 2\n")     # nbclient's per-notebook override
    result = run("--cache-dir", tmp_path / "cache", "--times", tmp_path / "t.json", stuck)
    assert result.returncode == 1
    assert "CellTimeoutError" in result.stderr or "TimeoutError" in result.stderr
    assert f"FAILED: {ec.name_of(stuck)}" in result.stderr


def test_longest_pages_first_by_the_previous_run_else_the_experiments(tmp_path):
    a, b, new = (ROOT / "book" / f"{n}.md" for n in ("a", "b", "new"))
    times = tmp_path / "times.json"
    times.write_text(json.dumps({"pages": {"book/a": 5.0, "book/b": 50.0}}))
    assert ec.longest_first([a, b, new], times) == [new, b, a]
    experiment = ROOT / "book" / "experiments" / "x.md"
    assert ec.longest_first([a, experiment], tmp_path / "none.json") == [experiment, a]
