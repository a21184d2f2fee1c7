"""The labs: student notebooks, autograders and their grading, from one source each (labs/<stem>.md).

    python -m tools.labs                # regenerate book/labs/<stem>.ipynb (+ tests/) and _build/labs/
    python -m tools.labs --check        # fail if a committed student artifact is stale or holds solution code
    python -m tools.labs --run [LAB..]  # execute the reference solutions, timed: _build/results/labs.json
    python -m tools.labs --grade [LAB..]  # grade reference, stubs and seeded mistakes; print the table
    python -m tools.labs --instructor   # the solution notebooks as book/labs/<stem>.ipynb (instructor build)

A source is a MyST notebook in otter-grader's assign format (questions, solutions,
public and hidden tests); jupytext reads it and ``otter assign`` writes, under
``_build/labs/<stem>/``, the student notebook (``student/``) and the autograder zip and
solution notebook (``autograder/``). The student notebook is committed as
``book/labs/<stem>.ipynb`` with the Colab install cell of the chapters' notebooks in
front, and its public tests as ``book/labs/tests/<stem>/`` (Colab has no otter tests
otherwise). Front matter ``lab:`` holds ``chapter``, ``objectives`` and ``mistakes``:
per task, catalogue mistakes of ``mlp_from_scratch.checks`` written as student code,
which ``--grade`` puts in place of the task's solution.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import copy
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import yaml

from . import bookmeta
from .make_notebooks import install_cell_source

ROOT = bookmeta.ROOT
SOURCES, STUDENT, BUILD = ROOT / "labs", ROOT / "book" / "labs", ROOT / "_build" / "labs"
RESULTS = ROOT / "_build" / "results" / "labs.json"
OTTER_PIN = "otter-grader==7.0.0"
INSTRUCTOR_NOTE = "instructor edition: the reference solutions are shown"


ONLY: list[str] = []   # --grade/--run STEM ...: these labs only


def sources() -> list[Path]:
    return sorted(p for p in SOURCES.glob("*.md") if not ONLY or p.stem in ONLY)


def lab_meta(md: Path) -> dict:
    return jupytext.read(md, fmt="md:myst").metadata["lab"]


def questions(md: Path) -> list[dict]:
    """Per task: name, points and its solution block (the lines between the solution markers)."""
    nb, found, current = jupytext.read(md, fmt="md:myst"), [], None
    for cell in nb.cells:
        if cell.cell_type == "raw" and cell.source.startswith("# BEGIN QUESTION"):
            current = dict(yaml.safe_load(cell.source.split("\n", 1)[1]), solution=None, checks=[])
            found.append(current)
        if cell.cell_type == "code" and current:   # the checks of mlp_from_scratch.checks the task runs
            current["checks"] += [c for c in re.findall(r"\bcheck_(\w+)\(", cell.source) if c not in current["checks"]]
        if cell.cell_type == "code" and current and current["solution"] is None and "# BEGIN SOLUTION" in cell.source:
            block = re.search(r"\n([ \t]*)# BEGIN SOLUTION[^\n]*\n(.*?)\n[ \t]*# END SOLUTION", cell.source, re.S)
            current["solution"], current["indent"] = block.group(2), block.group(1)
    return found


# ------------------------------------------------------------------- generating
def assign(md: Path) -> Path:
    """``otter assign`` the source into _build/labs/<stem>/ (student/, autograder/)."""
    out = BUILD / md.stem
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    master = out / f"{md.stem}.ipynb"
    nb = jupytext.read(md, fmt="md:myst")
    nb.metadata.pop("lab")   # its mistakes would reach the student notebook
    nbformat.write(nb, master)
    subprocess.run([sys.executable, "-m", "otter", "assign", "--no-run-tests", "--no-pdfs", master.name, "."],
                   cwd=out, check=True, stdout=subprocess.DEVNULL)
    return out


def raw_test_url(stem: str) -> str:
    org, name = bookmeta.repo_org_name()
    return f"https://raw.githubusercontent.com/{org}/{name}/{bookmeta.branch()}/book/labs/tests/{stem}"


def colab_cell(stem: str, tests: list[str]) -> str:
    """The chapters' install cell, plus otter and the public tests (Colab cannot read them otherwise)."""
    base = install_cell_source()
    if "%pip install" not in base.splitlines()[-1]:   # it ends inside `if "google.colab" in sys.modules:`
        raise RuntimeError("tools/make_notebooks.py's install cell changed shape: adapt tools/labs.py's colab_cell")
    return (base + f' "{OTTER_PIN}"\n'
            "    import os, urllib.request\n"
            f"    os.makedirs('tests/{stem}', exist_ok=True)\n"
            f"    for name in {tests!r}:\n"
            f"        urllib.request.urlretrieve(f'{raw_test_url(stem)}/{{name}}.py', f'tests/{stem}/{{name}}.py')")


def finish(nb, md: Path, edition: str = "student") -> nbformat.NotebookNode:
    """The committed form of an assigned notebook: install cell, objectives, stable ids, no outputs."""
    meta, stem = lab_meta(md), md.stem
    nb = copy.deepcopy(nb)
    tests = [q["name"] for q in questions(md)]
    cells = [nbformat.v4.new_code_cell(colab_cell(stem, tests), metadata={"tags": ["colab-install"]})]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.source = re.sub(r'\n[ \t]*(# BEGIN SOLUTION NO PROMPT|# END SOLUTION)(?=\n)|\n[ \t]*""" # BEGIN PROMPT.*?""" # END PROMPT',
                                 "", cell.source, flags=re.S)   # the solution notebook's markers and stubs
        cell.metadata.pop("execution", None)
        # the public tests sit in tests/<stem>/ beside the notebook (book/labs/, or Colab's download)
        cell.source = cell.source.replace(f'otter.Notebook("{stem}.ipynb")', f'otter.Notebook("{stem}.ipynb", tests_dir="tests/{stem}")')
        cells.append(cell)
        if cell.cell_type == "markdown" and cell.source.startswith("# "):   # the title: objectives after it
            items = "\n".join(f"- {o}" for o in meta["objectives"])
            note = f"\n\n*This is the {INSTRUCTOR_NOTE}.*" if edition == "instructor" else ""
            cells.append(nbformat.v4.new_markdown_cell(f"**After this lab you can:**\n\n{items}{note}"))
    rel = f"labs/{md.name}"
    for index, cell in enumerate(cells):
        cell["id"] = f"c{index:03d}-{hashlib.sha1(f'{rel}:{index}:{cell.cell_type}'.encode()).hexdigest()[:8]}"
    nb.cells = cells
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "colab": {"provenance": [], "toc_visible": True},
        "mystnb": {"execution_mode": "off"},    # the stubs raise: the site shows the notebook unexecuted
        "otter": nb.metadata["otter"],           # the assignment's name: the autograder checks a submission's
        "mlp_from_scratch": {"generated_from": rel, "edition": edition,
                             "generated_by": "tools/labs.py (edit the source, then run python -m tools.labs)",
                             "chapter": meta["chapter"], "objectives": meta["objectives"]},
    }
    nbformat.validate(nb)
    return nb


def expected_files(md: Path, out: Path) -> dict[Path, str]:
    """The committed student artifacts of a lab and their contents."""
    student = nbformat.read(out / "student" / f"{md.stem}.ipynb", as_version=4)
    files = {STUDENT / f"{md.stem}.ipynb": nbformat.writes(finish(student, md)) + "\n"}
    for test in sorted((out / "student" / "tests").glob("*.py")):
        files[STUDENT / "tests" / md.stem / test.name] = test.read_text(encoding="utf-8")
    return files


def leaked_solutions(md: Path, texts: list[str]) -> list[str]:
    """Solution lines of ``md`` found in any of ``texts`` (lines long enough to be telling)."""
    lines = {line.strip() for q in questions(md) for line in q["solution"].splitlines()
             if len(line.strip()) >= 16 and not line.strip().startswith("#")}
    return sorted(line for line in lines if any(line in text for text in texts))


def generate_all(check: bool = False) -> int:
    problems, wanted = [], {}
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        outs = dict(zip(sources(), pool.map(assign, sources())))
    for md, out in outs.items():
        wanted.update(expected_files(md, out))
    committed = set(STUDENT.rglob("*.ipynb")) | set((STUDENT / "tests").rglob("*.py"))
    for path, text in wanted.items():
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                problems.append(f"{path.relative_to(ROOT)} is stale: run python -m tools.labs")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for path in sorted(committed - set(wanted)):
        if check:
            problems.append(f"{path.relative_to(ROOT)} has no source in labs/")
        else:
            path.unlink()
    for md in sources():   # what a student receives, committed and as otter wrote it
        texts = [p.read_text(encoding="utf-8") for p in [STUDENT / f"{md.stem}.ipynb",
                 *(STUDENT / "tests" / md.stem).glob("*.py"), *(outs[md] / "student").rglob("*.*")] if p.exists()]
        problems += [f"{md.stem}: solution code in a student artifact: {line!r}" for line in leaked_solutions(md, texts)]
    site = ROOT / "_build" / "html" / "book" / "labs"   # the public site's lab pages
    for page in sorted(site.glob("*.html")) if check else []:
        if INSTRUCTOR_NOTE in html.unescape(page.read_text(encoding="utf-8")):
            continue   # an instructor build (build_book.sh --instructor): not for publishing
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))   # the page's text
        problems += [f"{page.relative_to(ROOT)}: solution code on the site: {line!r}"
                     for line in leaked_solutions(SOURCES / f"{page.stem}.md", [text])]
    print("\n".join(problems) or f"{len(outs)} labs {'up to date' if check else 'generated'}")
    return 1 if problems else 0


def instructor() -> int:
    """Put the solution notebooks in place of the student ones (python -m tools.labs puts these back)."""
    for md in sources():
        out = assign(md)
        solution = nbformat.read(out / "autograder" / f"{md.stem}.ipynb", as_version=4)
        (STUDENT / f"{md.stem}.ipynb").write_text(nbformat.writes(finish(solution, md, "instructor")) + "\n",
                                                   encoding="utf-8")
    return 0


# -------------------------------------------------------------- running, grading
def execute(path: Path) -> float:
    """Run a notebook top to bottom in a fresh python3 kernel (cwd: its folder); the seconds it took."""
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    started = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - started


def run_all() -> int:
    """Execute every reference solution (timed) and write _build/results/labs.json."""
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        outs = list(pool.map(assign, sources()))
        seconds = list(pool.map(execute, [out / "autograder" / f"{out.name}.ipynb" for out in outs]))
    labs = {}
    for md, sec in zip(sources(), seconds):
        meta, nb = lab_meta(md), jupytext.read(md, fmt="md:myst")
        title = next(c.source.split("\n")[0][2:] for c in nb.cells if c.cell_type == "markdown"
                     and c.source.startswith("# "))
        labs[md.stem] = {"title": title, "chapter": meta["chapter"], "seconds": round(sec, 2),
                         "tasks": [{"name": q["name"], "points": q["points"], "checks": q["checks"]}
                                   for q in questions(md)]}
        print(f"{md.stem:24s} reference solution {sec:6.1f} s")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if ONLY and RESULTS.exists():   # some labs only: keep the others' times
        labs = {**json.loads(RESULTS.read_text(encoding="utf-8"))["labs"], **labs}
    RESULTS.write_text(json.dumps({"labs": dict(sorted(labs.items()))}, indent=1) + "\n", encoding="utf-8")
    return 0


def _grade(job):
    stem, variant, path, zip_path = job
    from otter.api import grade_submission
    results = grade_submission(str(path), str(zip_path), quiet=True)
    cases = {q: [r.message for r in results.get_result(q).test_case_results] for q in results.test_files}
    return (stem, variant, results.total, results.possible, {q: results.get_score(q) for q in results.test_files},
            {q: "\n".join(messages) for q, messages in cases.items()}, cases)


def grade_all() -> int:
    """Grade every lab's reference, untouched stubs and seeded mistakes; fail on any unexpected score."""
    from mlp_from_scratch.checks import CATALOGUE
    started, jobs, expected = time.perf_counter(), [], {}
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        outs = dict(zip(sources(), pool.map(assign, sources())))
    for md, out in outs.items():
        qs = {q["name"]: q for q in questions(md)}
        total = sum(q["points"] for q in qs.values())
        zip_path = next((out / "autograder").glob("*.zip"))
        solution = out / "autograder" / f"{md.stem}.ipynb"
        jobs += [(md.stem, "reference", solution, zip_path), (md.stem, "stubs", STUDENT / solution.name, zip_path)]  # as committed
        expected[md.stem, "reference"] = (total, {}, None)
        expected[md.stem, "stubs"] = (0, {}, None)
        text = solution.read_text(encoding="utf-8")
        for task, mistakes in lab_meta(md).get("mistakes", {}).items():
            q = qs[task]
            for m in mistakes:
                code = "\n".join(q["indent"] + line if line else line for line in m["code"].rstrip().split("\n"))
                nb = nbformat.reads(text, as_version=4)
                cells = [c for c in nb.cells if c.cell_type == "code" and q["solution"] in c.source]
                assert len(cells) == 1, f"{md.stem}: the solution of {task} is not in one cell of the notebook"
                cells[0].source = cells[0].source.replace(q["solution"], code)
                path = out / "mistakes" / f"{m['name']}.ipynb"
                path.parent.mkdir(exist_ok=True)
                nbformat.write(nb, path)
                jobs.append((md.stem, m["name"], path, zip_path))
                diagnosis = CATALOGUE[m["check"]][m["name"]] if "check" in m else m["message"]   # a task without a check
                expected[md.stem, m["name"]] = (total - q["points"], {task: diagnosis}, task)
    failures, rows = 0, []
    with concurrent.futures.ProcessPoolExecutor(os.cpu_count()) as pool:
        for stem, variant, score, possible, scores, feedback, cases in pool.map(_grade, jobs):
            want, messages, task = expected[stem, variant]
            ok = abs(score - want) < 1e-9 and all(m in feedback.get(q, "") for q, m in messages.items())
            if variant == "stubs":   # every test case of every task says so, none crashes
                ok = ok and all("not implemented" in m for q in cases for m in cases[q])
            failures += not ok
            rows.append(f"{stem:22s} {variant:40s} {score:5g} / {possible:<4g} expected {want:5g}"
                        + ("" if ok else "   MISMATCH: " + " | ".join(f"{q}: {feedback[q][:300]}" for q in feedback
                                                                      if scores[q] < 1e-9 or q == task)))
    print("\n".join(rows))
    print(f"{len(rows)} gradings, {failures} mismatches, {time.perf_counter() - started:.0f} s")
    return 1 if failures else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = ap.add_mutually_exclusive_group()
    for flag in ("--check", "--run", "--grade", "--instructor"):
        group.add_argument(flag, action="store_true")
    ap.add_argument("labs", nargs="*", help="with --run or --grade: these labs only (stems)")
    args = ap.parse_args(argv)
    ONLY[:] = args.labs if args.run or args.grade else []
    if args.run:
        return run_all()
    if args.grade:
        return grade_all()
    if args.instructor:
        return instructor()
    return generate_all(check=args.check)


if __name__ == "__main__":
    sys.exit(main())
