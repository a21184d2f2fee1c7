"""The labs: student notebooks, autograders and their grading, from one source each (labs/<stem>.md).

``python -m tools.labs [--check | --run | --grade | --instructor]``: ``otter assign`` each source into
_build/labs/<stem>/, then write its student notebook (behind the chapters' Colab install cell) and public
tests to book/labs/, or check them (current, no solution code, nor on the built site); time the reference
solutions (_build/results/labs.json); grade reference, stubs and the seeded mistakes (front matter ``lab:
mistakes``: catalogue mistakes of mlp_from_scratch.checks as student code); or put the solution notebooks
in book/labs/ (the instructor build).
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import jupytext
import nbclient
import nbformat
import yaml
from bs4 import BeautifulSoup

from . import bookmeta
from .make_notebooks import install_cell_source

ROOT = bookmeta.ROOT
LABS = sorted((ROOT / "labs").glob("*.md"))
STUDENT = ROOT / "book" / "labs"
OTTER_PIN = "otter-grader==7.0.0"
INSTRUCTOR_NOTE = "instructor edition: the reference solutions are shown"
SOLUTION = re.compile(r"\n([ \t]*)# BEGIN SOLUTION[^\n]*\n(.*?)\n[ \t]*# END SOLUTION", re.S)
# what otter leaves in the solution notebook: the solution markers and the stubs' prompts
MARKERS = re.compile(r'\n[ \t]*(# BEGIN SOLUTION NO PROMPT|# END SOLUTION)(?=\n)'
                     r'|\n[ \t]*""" # BEGIN PROMPT.*?""" # END PROMPT', re.S)


def questions(md: Path) -> dict[str, dict]:
    """Per task (by name): its points, the checks of mlp_from_scratch.checks it runs, its solution block."""
    found = {}
    for cell in jupytext.read(md).cells:
        if cell.cell_type == "raw" and cell.source.startswith("# BEGIN QUESTION"):
            q = dict(yaml.safe_load(cell.source.split("\n", 1)[1]), solution=None, checks=[])
            found[q["name"]] = q
        elif cell.cell_type == "code" and found:
            block = SOLUTION.search(cell.source)
            q["checks"] += [c for c in re.findall(r"\bcheck_(\w+)\(", cell.source) if c not in q["checks"]]
            if q["solution"] is None and block:
                q["solution"], q["indent"] = block.group(2), block.group(1)
    return found


def each_lab(function) -> dict:
    """``{md: function(md)}`` for every lab, a job per core (otter and the kernels are processes)."""
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        return dict(zip(LABS, pool.map(function, LABS)))


def assign(md: Path) -> Path:
    """``otter assign`` the source into _build/labs/<stem>/ (student/, autograder/: otter empties them)."""
    out = ROOT / "_build" / "labs" / md.stem
    out.mkdir(parents=True, exist_ok=True)
    nb = jupytext.read(md)
    nb.metadata.pop("lab")   # its mistakes would reach the student notebook
    nbformat.write(nb, out / f"{md.stem}.ipynb")
    otter = [sys.executable, "-m", "otter", "assign", "--no-run-tests", "--no-pdfs", f"{md.stem}.ipynb", "."]
    subprocess.run(otter, cwd=out, check=True, stdout=subprocess.DEVNULL)
    return out


def finish(nb, md: Path, edition: str = "student") -> str:
    """The committed form of an assigned notebook: install cell, objectives, stable ids, no outputs."""
    meta, stem, rel = jupytext.read(md).metadata["lab"], md.stem, f"labs/{md.name}"
    install = install_cell_source()   # the chapters'; Colab also needs otter and the public tests
    if "%pip install" not in install.splitlines()[-1]:   # it ends inside `if "google.colab" in sys.modules:`
        raise RuntimeError("tools/make_notebooks.py's install cell changed shape: adapt tools/labs.py")
    url = bookmeta.raw_url(f"book/labs/tests/{stem}")
    install += (f' "{OTTER_PIN}"\n    import os, urllib.request\n'
                f"    os.makedirs('tests/{stem}', exist_ok=True)\n    for name in {list(questions(md))!r}:\n"
                f"        urllib.request.urlretrieve(f'{url}/{{name}}.py', f'tests/{stem}/{{name}}.py')")
    cells = [nbformat.v4.new_code_cell(install, metadata={"tags": ["colab-install"]})]
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.source = MARKERS.sub("", cell.source)
        # the public tests sit in tests/<stem>/ beside the notebook (book/labs/, or Colab's download)
        cell.source = cell.source.replace(f'otter.Notebook("{stem}.ipynb")',
                                          f'otter.Notebook("{stem}.ipynb", tests_dir="tests/{stem}")')
        cells.append(cell)
        if cell.cell_type == "markdown" and cell.source.startswith("# "):   # the title: objectives after it
            items = "\n".join(f"- {o}" for o in meta["objectives"])
            note = f"\n\n*This is the {INSTRUCTOR_NOTE}.*" if edition == "instructor" else ""
            cells.append(nbformat.v4.new_markdown_cell(f"**After this lab you can:**\n\n{items}{note}"))
    for index, cell in enumerate(cells):
        digest = hashlib.sha1(f"{rel}:{index}:{cell.cell_type}".encode()).hexdigest()
        cell["id"] = f"c{index:03d}-{digest[:8]}"
    nb.cells = cells
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "language_info": {"name": "python"}, "colab": {"provenance": [], "toc_visible": True},
                   "mystnb": {"execution_mode": "off"},   # the stubs raise: the site shows it unexecuted
                   "otter": nb.metadata["otter"],   # the assignment's name, which the autograder checks
                   "mlp_from_scratch": {"generated_from": rel, "edition": edition, "chapter": meta["chapter"],
                                        "objectives": meta["objectives"], "generated_by":
                                        "tools/labs.py (edit the source, then run python -m tools.labs)"}}
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def leaked_solutions(md: Path, texts: list[str]) -> list[str]:
    """Solution lines of ``md`` found in any of ``texts`` (lines long enough to be telling)."""
    lines = {line.strip() for q in questions(md).values() for line in q["solution"].splitlines()
             if len(line.strip()) >= 16 and not line.strip().startswith("#")}
    return sorted(line for line in lines if any(line in text for text in texts))


def generate_all(check: bool) -> int:
    """Write (or with ``check`` compare) the student artifacts; none may hold solution code."""
    wanted, problems = {}, []
    for md, out in each_lab(assign).items():
        student = nbformat.read(out / "student" / f"{md.stem}.ipynb", as_version=4)
        files = {STUDENT / f"{md.stem}.ipynb": finish(student, md)}
        files |= {STUDENT / "tests" / md.stem / test.name: test.read_text(encoding="utf-8")
                  for test in sorted((out / "student" / "tests").glob("*.py"))}
        problems += [f"{md.stem}: solution code in a student artifact: {line!r}"
                     for line in leaked_solutions(md, list(files.values()))]
        wanted |= files
    orphans = sorted({*STUDENT.rglob("*.ipynb"), *(STUDENT / "tests").rglob("*.py")} - set(wanted))
    for path, text in wanted.items() if not check else []:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for path in orphans if not check else []:
        path.unlink()
    problems += [f"{path.relative_to(ROOT)} is stale: run python -m tools.labs" for path, text in
                 wanted.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    problems += [f"{path.relative_to(ROOT)} has no source in labs/" for path in orphans if path.exists()]
    for page in sorted((ROOT / "_build" / "html" / "book" / "labs").glob("*.html")) if check else []:
        text = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").get_text()   # the site's page
        if INSTRUCTOR_NOTE not in text:   # an instructor build (build_book.sh --instructor): not to publish
            problems += [f"{page.relative_to(ROOT)}: solution code on the site: {line!r}"
                         for line in leaked_solutions(ROOT / "labs" / f"{page.stem}.md", [text])]
    print("\n".join(problems) or f"{len(LABS)} labs {'up to date' if check else 'generated'}")
    return 1 if problems else 0


def instructor() -> int:
    """Put the solution notebooks in place of the student ones (python -m tools.labs puts these back)."""
    for md, out in each_lab(assign).items():
        solution = nbformat.read(out / "autograder" / f"{md.stem}.ipynb", as_version=4)
        (STUDENT / f"{md.stem}.ipynb").write_text(finish(solution, md, "instructor"), encoding="utf-8")
    return 0


def run_all() -> int:
    """Time every reference solution in a fresh kernel (cwd: its folder): _build/results/labs.json."""
    outs = each_lab(assign)   # all first: otter beside a kernel would slow it

    def seconds(md: Path) -> float:
        path = outs[md] / "autograder" / f"{md.stem}.ipynb"
        nb = nbformat.read(path, as_version=4)
        started = time.perf_counter()
        nbclient.execute(nb, cwd=str(path.parent), timeout=600, kernel_name="python3")
        return time.perf_counter() - started

    labs = {}
    for md, sec in each_lab(seconds).items():
        nb, qs = jupytext.read(md), questions(md).values()
        title = next(c.source.split("\n")[0][2:] for c in nb.cells
                     if c.cell_type == "markdown" and c.source.startswith("# "))
        labs[md.stem] = {"title": title, "chapter": nb.metadata["lab"]["chapter"], "seconds": round(sec, 2),
                         "tasks": [{k: q[k] for k in ("name", "points", "checks")} for q in qs]}
        print(f"{md.stem:24s} reference solution {sec:6.1f} s")
    results = ROOT / "_build" / "results" / "labs.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps({"labs": labs}, indent=1) + "\n", encoding="utf-8")
    return 0


def _grade(job: tuple) -> tuple[bool, str]:
    """Grade a notebook with otter: whether it scores as expected, and its row of the table."""
    from otter.api import grade_submission
    stem, variant, path, zip_path, want, diagnoses, task = job
    results = grade_submission(str(path), str(zip_path), quiet=True)
    cases = {q: [r.message for r in results.get_result(q).test_case_results] for q in results.test_files}
    feedback = {q: "\n".join(messages) for q, messages in cases.items()}
    ok = abs(results.total - want) < 1e-9 and all(d in feedback.get(q, "") for q, d in diagnoses.items())
    if variant == "stubs":   # every test case of every task says so, none crashes
        ok = ok and all("not implemented" in m for messages in cases.values() for m in messages)
    shown = [f"{q}: {feedback[q][:300]}" for q in cases if results.get_score(q) < 1e-9 or q == task]
    return ok, (f"{stem:22s} {variant:40s} {results.total:5g} / {results.possible:<4g} expected {want:5g}"
                + ("" if ok else "   MISMATCH: " + " | ".join(shown)))


def grade_all() -> int:
    """Grade every lab's reference, untouched stubs and seeded mistakes; fail on any unexpected score."""
    from mlp_from_scratch.checks import CATALOGUE
    started, jobs = time.perf_counter(), []   # (lab, variant, notebook, autograder, score, diagnoses, task)
    for md, out in each_lab(assign).items():
        qs = questions(md)
        total = sum(q["points"] for q in qs.values())
        zip_path = next((out / "autograder").glob("*.zip"))
        solution = out / "autograder" / f"{md.stem}.ipynb"
        jobs += [(md.stem, "reference", solution, zip_path, total, {}, None),
                 (md.stem, "stubs", STUDENT / solution.name, zip_path, 0, {}, None)]   # as committed
        (out / "mistakes").mkdir(exist_ok=True)
        mistakes = jupytext.read(md).metadata["lab"]["mistakes"]
        for task, m in [(task, m) for task, ms in mistakes.items() for m in ms]:   # each as the task's code
            nb, q, path = nbformat.read(solution, 4), qs[task], out / "mistakes" / f"{m['name']}.ipynb"
            cells = [c for c in nb.cells if c.cell_type == "code" and q["solution"] in c.source]
            assert len(cells) == 1, f"{md.stem}: the solution of {task} is not in one cell of the notebook"
            code = textwrap.indent(m["code"].rstrip(), q["indent"])
            cells[0].source = cells[0].source.replace(q["solution"], code)
            nbformat.write(nb, path)
            # what the check says of this mistake (a task without a check: the mistake's own message)
            diagnoses = {task: CATALOGUE[m["check"]][m["name"]] if "check" in m else m["message"]}
            jobs.append((md.stem, m["name"], path, zip_path, total - q["points"], diagnoses, task))
    with concurrent.futures.ProcessPoolExecutor(os.cpu_count()) as pool:   # otter grades in a changed cwd
        graded = list(pool.map(_grade, jobs))
    failures = sum(not ok for ok, _ in graded)
    print("\n".join(row for _, row in graded))
    print(f"{len(graded)} gradings, {failures} mismatches, {time.perf_counter() - started:.0f} s")
    return 1 if failures else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = ap.add_mutually_exclusive_group()
    for flag in ("--check", "--run", "--grade", "--instructor"):
        group.add_argument(flag, dest="action", action="store_const", const=flag[2:])
    action = ap.parse_args(argv).action
    actions = {"run": run_all, "grade": grade_all, "instructor": instructor}
    return actions[action]() if action in actions else generate_all(check=action == "check")


if __name__ == "__main__":
    sys.exit(main())
