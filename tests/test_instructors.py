"""What instructors get: learning objectives, the course map, the figure pack.

- every chapter of the toc lists 3 to 5 learning objectives in its front matter, with no
  typed result numbers (tools/prose_numbers.py's patterns);
- a small book built here with Sphinx (myst-nb executes its one notebook page): the
  objectives box below the chapter's title, the course map from a fixture labs.json, and
  the figure pack's zip and manifest against the figures of the executed page;
- the course map without labs.json: a note when the toc has no lab pages, a failed build
  when it has.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from tools import bookmeta
from tools.prose_numbers import NUMBER, NUMBER_WORDS, result_like
from tools.sphinx_ext import coursemap
from tools.sphinx_ext.mlpbook import FIGURE_PACK, objectives_of

ROOT = bookmeta.ROOT
FIXTURE_LABS = Path(__file__).parent / "fixtures" / "labs.json"
# the chapters whose pages open with learning objectives
WITH_OBJECTIVES = re.compile(r"book/(derivations|experiments|training)/|book/(digits|reproduction)$")
CHAPTERS = [doc for doc in bookmeta.toc_files() if WITH_OBJECTIVES.match(doc)]


def test_the_toc_has_chapters_with_objectives():
    assert len(CHAPTERS) >= 10, CHAPTERS


@pytest.mark.parametrize("doc", CHAPTERS)
def test_every_chapter_lists_three_to_five_objectives(doc):
    items = objectives_of(ROOT / f"{doc}.md")
    assert 3 <= len(items) <= 5, f"{doc}.md: front matter needs `book: objectives:` (3 to 5), has {len(items)}"
    for item in items:
        prose = re.sub(r"\$[^$]*\$|`[^`]*`", " ", item)
        typed = [m.group(0) for m in NUMBER.finditer(prose) if result_like(m)]
        typed += [m.group(0) for pattern, _ in NUMBER_WORDS for m in pattern.finditer(prose)]
        assert not typed, f"{doc}.md: an objective states a number {typed}: {item!r}"
        assert item[:1].islower() and not item.endswith("."), (
            f"{doc}.md: an objective completes 'After this chapter you can:' ({item!r})")


def test_course_map_plan_is_checked(tmp_path):
    (tmp_path / "book").mkdir()
    for name in ("a", "b"):
        (tmp_path / "book" / f"{name}.md").write_text(f"# {name}\n")
    good = "weeks:\n  - {title: A, chapters: [book/a]}\n  - {title: B, chapters: [book/b], needs: [book/a]}\n"
    assert [w["title"] for w in coursemap.read_plan(good, tmp_path)] == ["A", "B"]
    with pytest.raises(ValueError, match="no chapter book/c"):
        coursemap.read_plan("weeks:\n  - {title: A, chapters: [book/c]}\n", tmp_path)
    with pytest.raises(ValueError, match="book/b is not a chapter of an earlier week"):
        coursemap.read_plan("weeks:\n  - {title: A, chapters: [book/a, book/b], needs: [book/b]}\n", tmp_path)


def test_course_map_labs_are_checked_against_the_plan():
    labs = json.loads(FIXTURE_LABS.read_text())["labs"]
    fp, sj = "book/derivations/forward-pass", "book/derivations/softmax-jacobian"

    def plan(*weeks):
        return coursemap.read_plan(json.dumps({"weeks": [{"title": "W", **w} for w in weeks]}), ROOT, labs)

    plan({"chapters": [fp], "labs": ["forward-pass"]}, {"chapters": [sj], "labs": ["softmax-jacobian"]})
    with pytest.raises(ValueError, match="labs in no week: softmax-jacobian"):
        plan({"chapters": [fp, sj], "labs": ["forward-pass"]})
    with pytest.raises(ValueError, match="week 1: lab softmax-jacobian comes before its chapter"):
        plan({"chapters": [fp], "labs": ["forward-pass", "softmax-jacobian"]}, {"chapters": [sj]})
    with pytest.raises(ValueError, match="week 1: lab autodiff is not in labs.json"):
        plan({"chapters": [fp], "labs": ["autodiff"]})


def test_the_book_course_map_covers_ten_weeks_and_every_lab_stem():
    text = (ROOT / "book" / "course-map.md").read_text(encoding="utf-8")
    body = re.search(r"```\{course-map\}\n(.*?)```", text, re.S).group(1)
    weeks = coursemap.read_plan(body, ROOT)
    assert len(weeks) == 10 and "ten weeks" in text
    stems = {s for w in weeks for s in w.get("labs") or []}
    assert stems == {"forward-pass", "logistic-regression", "softmax-jacobian", "cross-entropy-delta",
                     "backpropagation", "regularization", "map-estimation", "initialization",
                     "optimizers", "generalization", "autodiff"}
    for week in weeks:   # a lab is done in the week its chapter is read
        for stem in week.get("labs") or []:
            assert any(doc.endswith("/" + stem) for doc in week["chapters"]), (week["title"], stem)


# ----------------------------------------------------------------- a small book
CONF = '''
import json
from tools import bookmeta
from tools.execute_chapters import vector_figures
from tools.sphinx_ext.mlpbook import ChapterHead, figure_pack, figure_pack_links, figure_pack_role

project = "Mini"
extensions = ["myst_nb", "tools.sphinx_ext.coursemap"]
myst_enable_extensions = ["dollarmath"]
numfig = True
nb_execution_mode = "force"
nb_mime_priority_overrides = bookmeta.config()["sphinx"]["config"]["nb_mime_priority_overrides"]
mlpbook_labs_json = {labs!r}
exclude_patterns = ["_build"]
vector_figures()   # as the book's extension does, for the figure pack


def setup(app):
    app.add_transform(ChapterHead)
    app.add_role("figure-pack", figure_pack_role)
    app.connect("doctree-resolved", figure_pack_links)
    app.connect("build-finished", figure_pack)
'''

CHAPTER = '''---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
book:
  objectives:
    - 'derive $a - y$ for the output'
    - 'check `MLP.forward` numerically'
    - explain why two plots are drawn
---

# The chapter

Some words.

```{code-cell} ipython3
---
mystnb:
  figure:
    caption: A rising line.
    name: fig-chapter-line
  image:
    alt: A straight line from the lower left to the upper right.
---
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(2, 2))
ax.plot([0, 1], [0, 1])
plt.show()
```

```{code-cell} ipython3
fig, ax = plt.subplots(figsize=(2, 2))
ax.bar([0, 1], [2, 1])
plt.show()
```
'''

MAP = '''# Map

{figure-pack}`the figure pack`

```{course-map}
weeks:
  - title: Forward
    chapters: [book/derivations/forward-pass]
    labs: [forward-pass]
  - title: Softmax
    chapters: [book/derivations/softmax-jacobian]
    labs: [softmax-jacobian]
    needs: [book/derivations/forward-pass]
```
'''


def build_mini(src: Path, labs: Path, lab_page: bool, notebook: bool = True):
    (src / "book" / "derivations").mkdir(parents=True)
    (src / "conf.py").write_text(CONF.format(labs=str(labs)))
    docs = ["book/derivations/forward-pass", "book/derivations/softmax-jacobian", "book/course-map"]
    (src / "book" / "derivations" / "forward-pass.md").write_text(
        CHAPTER if notebook else "---\nbook:\n  objectives: [derive it]\n---\n# The chapter\n")
    (src / "book" / "derivations" / "softmax-jacobian.md").write_text(
        "---\nbook:\n  objectives: [derive the Jacobian]\n---\n# Softmax\n")
    (src / "book" / "course-map.md").write_text(MAP)
    if lab_page:
        (src / "book" / "labs").mkdir()
        (src / "book" / "labs" / "forward-pass.md").write_text("# Forward-pass lab\n")
        docs.append("book/labs/forward-pass")
    (src / "index.md").write_text("# Mini\n\n```{toctree}\n" + "\n".join(docs) + "\n```\n")
    # the kernel draws inline (conftest.py's MPLBACKEND=Agg would show no figure)
    env = {**{k: v for k, v in os.environ.items() if k != "MPLBACKEND"}, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "sphinx", "-q", "-W", "-b", "html", str(src),
                           str(src / "_build" / "html")], env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def mini_book(tmp_path_factory):
    src = tmp_path_factory.mktemp("instructors")
    done = build_mini(src, FIXTURE_LABS, lab_page=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return src / "_build" / "html"


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_objectives_box_below_the_title(mini_book):
    html = (mini_book / "book" / "derivations" / "forward-pass.html").read_text(encoding="utf-8")
    title, box = html.index("<h1"), html.index("book-objectives")
    assert title < box < html.index("Some words.")
    box = text_of(html[box:html.index("Some words.")])
    assert "Learning objectives After this chapter you can:" in box
    assert "derive \\(a - y\\) for the output check MLP.forward numerically explain why two plots" in box
    assert '<span class="pre">MLP.forward</span></code>' in html   # the objectives' markup: MyST's


def test_course_map_from_labs_json(mini_book):
    html = (mini_book / "book" / "course-map.html").read_text(encoding="utf-8")
    text = text_of(html)
    labs = json.loads(FIXTURE_LABS.read_text())["labs"]
    fp, sj = labs["forward-pass"], labs["softmax-jacobian"]
    assert "Week 1: Forward" in text and "Week 2: Softmax" in text
    assert f"the reference solution runs in {fp['seconds']:.0f} s; the autograder grades 3 tasks, 6.5 points" in text
    assert f"the reference solution runs in {sj['seconds']:.1f} s; the autograder grades 1 task, 1 point:" in text
    assert "Hidden activations (2 points): check_activation, check_activation_derivative" in text
    assert "Stable softmax (1 point): check_softmax" in text
    assert "Train on the digits (1.5 points): no named check" in text
    assert 'href="labs/forward-pass.html"' in html        # a lab page of the toc: linked
    assert "Lab: the softmax Jacobian:" in text            # no page: its title as text
    assert "Builds on The chapter" in text                 # the prerequisite's title
    assert "derive the Jacobian" in text                   # the chapter's objectives
    assert 'href="../' + FIGURE_PACK + '"' in html


def test_figure_pack_manifest_against_the_executed_page(mini_book):
    html = (mini_book / "book" / "derivations" / "forward-pass.html").read_text(encoding="utf-8")
    shown = re.findall(r'<img[^>]*src="([^"]+)"[^>]*>', html)
    assert len(shown) == 2 and all(src.endswith(".png") for src in shown)   # the page still shows PNGs
    with zipfile.ZipFile(mini_book / FIGURE_PACK) as pack:
        rows = list(csv.DictReader(io.StringIO(pack.read("manifest.csv").decode())))
        assert [(r["name"], r["caption"], r["figure"]) for r in rows] == [
            ("fig-chapter-line", "A rising line.", "1"), ("", "", "")]
        assert rows[0]["alt"] == "A straight line from the lower left to the upper right."
        assert [r["svg"] for r in rows] == ["derivations/forward-pass/fig-chapter-line.svg",
                                            "derivations/forward-pass/forward-pass-output-2.svg"]
        assert {r["chapter"] for r in rows} == {"book/derivations/forward-pass"}
        assert {r["chapter_title"] for r in rows} == {"The chapter"}
        for row in rows:
            assert ElementTree.fromstring(pack.read(row["svg"])).tag.endswith("svg")
            assert pack.read(row["pdf"]).startswith(b"%PDF")
        assert sorted(pack.namelist()) == sorted(
            ["manifest.csv", "README.txt"] + [r[f] for r in rows for f in ("svg", "pdf")])


def test_course_map_without_labs_json(tmp_path):
    missing = tmp_path / "nowhere" / "labs.json"
    done = build_mini(tmp_path / "nolabs", missing, lab_page=False, notebook=False)
    assert done.returncode == 0, done.stderr[-3000:]
    text = text_of((tmp_path / "nolabs" / "_build" / "html" / "book" / "course-map.html").read_text())
    assert "measured when the labs are built; this build has none yet" in text
    assert "Lab: forward-pass" in text and "runs in" not in text
    done = build_mini(tmp_path / "labpages", missing, lab_page=True, notebook=False)
    assert done.returncode != 0 and f"{missing} is missing, but the toc has lab pages" in done.stderr
