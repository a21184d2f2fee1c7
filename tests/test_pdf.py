"""The PDF numbers as the site does (tools/sphinx_ext/pdf_numbering.py, tools/check_pdf.py).

The comparison of tools/check_pdf.py is tested on small texts, and the whole chain on a
book of five short pages built here with Sphinx (HTML, LaTeX) and xelatex: front
matter, two numbered parts, back matter (skipped without latexmk, xelatex, pdftotext).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import check_pdf
from tools.check_pdf import SPELLED, compress, numbering_problems, pattern
from tools.sphinx_ext.pdf_numbering import PREAMBLE

ROOT = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------- the comparison

def test_compress_ignores_line_breaks_hyphenation_and_punctuation():
    assert compress("Fig. 1.2: A net-\nwork, “well”\nseen.") == "fig 1.2 a network well seen"
    assert compress("the Jacobian-vector product") == compress("the Jacobian-\nvector product")
    assert compress("see (3).") == "see ( 3 )"
    # a hyphen at the end of a paragraph (code broken by LaTeX) joins nothing across the blank line
    assert compress("OUT-\n\n1.2 One example", lines=True) == "out\n1.2 one example"


def test_spelled_as_the_chapter_headings_spell_numbers():
    assert [SPELLED[w] for w in ("one", "thirteen", "twenty", "twenty one", "ninety nine")] == [
        "1", "13", "20", "21", "99"]
    assert len(SPELLED) == 99


ALPHA = ("1", "Alpha and omega", [
    ("chapters", "the chapter", "1", pattern("chapters", title="alpha and omega")),
    ("running heads", "the running head", "1", pattern("running heads", title="alpha and omega")),
    ("sections", "section 'Some words'", "1.1", pattern("sections", title="some words")),
    ("captions", "the exercise captioned", "1.1",
     pattern("numbers", prefix="exercise", after="( practice on alpha )")),
    ("equation", "a reference to equation 2", "2", pattern(
        "numbers", before="as the second equation", prefix="(", suffix=")", after="of alpha says")),
    ("exercise", "a reference to exercise 1.1", "1.1", pattern(
        "numbers", before="try", prefix="exercise", suffix="", after="before reading on"))])
START = (None, "Starting", [
    ("running heads", "the running head", None, pattern("running heads", title="starting")),
    ("equation", "a reference to equation 1", "1", pattern(
        "numbers", before="the first equation", prefix="(", suffix=")", after="of starting"))])


def pdf(chapter_word: str, section: str, equation: str, exercise: str) -> str:
    return ("CONTENTS\nStarting 3\n1 Alpha and omega 5\n"
            "STARTING\nBy the first equation (1) of Starting we see.\n"
            f"CHAPTER\n\n{chapter_word}\n\nALPHA AND OMEGA\n{section} Some words\n"
            f"As the second equation ({equation}) of Alpha says, and so on. Try "
            f"Exercise {exercise} before reading on.\nExercise {exercise} (Practice on Alpha)\n"
            f"6\nChapter {section.split('.')[0]}. Alpha and omega\n")


def test_numbering_problems_none_when_the_pdf_numbers_as_the_site():
    found, counts = numbering_problems(pdf("ONE", "1.1", "2", "1.1"), {"start": START, "alpha": ALPHA})
    assert found == []
    assert counts == {"chapters": 1, "running heads": 1, "sections": 1, "captions": 1, "equation": 2,
                      "exercise": 1, "figure": 0, "table": 0}


def test_numbering_problems_finds_every_number_that_differs():
    # the PDF of before: the front matter page counted as chapter 1, Alpha as chapter 2
    text = pdf("TWO", "2.1", "2.2", "1.1").replace(
        "STARTING\n", "CHAPTER\n\nONE\n\nSTARTING\n").replace("(1) of Starting", "(1.1) of Starting")
    found, _ = numbering_problems(text, {"start": START, "alpha": ALPHA})
    assert found == ["2 chapter headings in the PDF, 1 numbered on the site"]
    text = text.replace("CHAPTER\n\nONE\n\nSTARTING\n", "STARTING\nChapter 1. Starting\n")
    found, _ = numbering_problems(text, {"start": START, "alpha": ALPHA})
    assert found == [
        "start: the running head is 1 in the PDF, unnumbered on the site",
        "start: a reference to equation 1 is 1.1 in the PDF, 1 on the site",
        "alpha: the chapter is 2 in the PDF, 1 on the site",
        "alpha: the running head is 2 in the PDF, 1 on the site",
        "alpha: section 'Some words' is 2.1 in the PDF, 1.1 on the site",
        "alpha: a reference to equation 2 is 2.2 in the PDF, 2 on the site",
    ]
    # a renumbered exercise, in its caption and in the reference to it
    found, _ = numbering_problems(pdf("ONE", "1.1", "2", "1.2"), {"start": START, "alpha": ALPHA})
    assert found == ["alpha: the exercise captioned is 1.2 in the PDF, 1.1 on the site",
                     "alpha: a reference to exercise 1.1 is 1.2 in the PDF, 1.1 on the site"]


def test_numbering_problems_reads_headings_as_lines_and_skips_ambiguous_words():
    text = pdf("ONE", "1.1", "2", "1.1").replace(
        "1.1 Some words\n", "1.1 Some words\nFig. 1.3: Some words\nsee the 7 Some words\n")
    twice = (*ALPHA[:2], ALPHA[2] + [("equation", "a reference", "5", ALPHA[2][4][3])])
    found, counts = numbering_problems(text, {"start": START, "alpha": twice})
    assert found == []
    assert counts["sections"] == 1 and counts["equation"] == 1   # Starting's only


def test_numbering_problems_needs_the_chapter_heading_and_sections():
    found, counts = numbering_problems(pdf("ONE", "1.1", "2", "1.1").replace("CHAPTER", ""),
                                       {"start": START, "alpha": ALPHA})
    assert found == ["0 chapter headings in the PDF, 1 numbered on the site"]
    assert counts["chapters"] == 0
    found, _ = numbering_problems(pdf("ONE", "1.1", "2", "1.1").replace("1.1 Some", "Some"),
                                  {"start": START, "alpha": ALPHA})
    assert found == ["alpha: section 'Some words' (1.1) is not in the PDF"]


def test_a_shorter_title_does_not_take_a_longer_ones_heading():
    notation = (None, "Alpha", [("running heads", "the running head", None,
                                 pattern("running heads", title="alpha"))])
    found, counts = numbering_problems(pdf("ONE", "1.1", "2", "1.1"),
                                       {"alpha-short": notation, "start": START, "alpha": ALPHA})
    assert found == [] and counts["chapters"] == 1


def test_preamble_numbers_equations_per_page():
    assert r"\def\theequation{\arabic{equation}}" in PREAMBLE
    assert r"\def\thefigure{\thechapter.\arabic{figure}}" in PREAMBLE


# ----------------------------------------------------------------- a small book, built

CONF = '''
project = "Mini"
extensions = ["myst_parser", "sphinx_external_toc", "sphinx_multitoc_numbering",
              "sphinx_jupyterbook_latex", "sphinx_exercise", "tools.sphinx_ext.pdf_numbering"]
external_toc_path = "_toc.yml"
myst_enable_extensions = ["dollarmath", "amsmath"]
numfig = True
math_numfig = False
latex_engine = "xelatex"
latex_documents = [("intro", "mini.tex", "Mini", "Author", "manual")]


def _manual(app, config):
    config.latex_theme = "manual"   # as mlpbook.py: jupyterBook.cls needs texlive-fonts-extra


def setup(app):
    app.connect("config-inited", _manual, priority=700)
'''

TOC = '''
format: jb-book
root: intro
parts:
  - caption: Getting started
    chapters:
      - file: start
  - caption: "Part I: First"
    numbered: true
    chapters:
      - file: one
      - file: two
  - caption: "Part II: Second"
    numbered: true
    chapters:
      - file: three
  - caption: Back matter
    chapters:
      - file: back
'''


def page(name: str, title: str) -> str:
    return f'''# {title}

Opening words of {title}.

$$
a = b
$$ (eq-{name}-a)

$$
c = d
$$ (eq-{name}-c)

## Some words on {title}

As the second equation {{eq}}`eq-{name}-c` of {title} says, and {{numref}}`fig-{name}` shows
plainly for {title}.

```{{figure}} dot.png
:name: fig-{name}
:alt: A dot.

The dot figure that belongs to {title}.
```

## Exercises on {title}

````{{exercise}} Practice on {title}
:label: ex-{name}

Show the first claim of {title}.
````

````{{solution}} ex-{name}

The solution words of {title}.
````

The exercise {{numref}}`ex-{name}` belongs to {title} alone.
'''


@pytest.fixture(scope="module")
def mini_book(tmp_path_factory):
    for tool in ("latexmk", "xelatex", "pdftotext"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (TeX Live, poppler-utils)")
    src = tmp_path_factory.mktemp("minibook")
    (src / "conf.py").write_text(CONF)
    (src / "_toc.yml").write_text(TOC)
    (src / "intro.md").write_text("# Preface\n\nThe preface.\n")
    (src / "back.md").write_text("# Back\n\nClosing words.\n")
    for name, title in (("start", "Starting"), ("one", "Alpha"), ("two", "Beta"),
                        ("three", "Gamma")):
        (src / f"{name}.md").write_text(page(name, title))
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig = plt.figure(figsize=(1, 1))
    fig.savefig(src / "dot.png", dpi=20)
    plt.close(fig)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    build = src / "_build"
    for builder in ("html", "latex"):
        subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", builder, str(src),
                        str(build / builder)], check=True, env=env, capture_output=True)
    done = subprocess.run(["latexmk", "-pdf", "-dvi-", "-ps-", "-interaction=nonstopmode",
                           "-halt-on-error", "mini.tex"], cwd=build / "latex",
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout[-3000:]
    return build


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_small_book_pdf_numbers_as_its_site(mini_book):
    pages = {doc: check_pdf.site_page(mini_book / "html" / f"{doc}.html")
             for doc in ["start", "one", "two", "three", "back"]}
    assert [p[0] for p in pages.values()] == [None, "1", "2", "3", None]
    text = pdf_text(mini_book / "latex" / "mini.pdf")
    found, counts = numbering_problems(text, pages)
    assert found == []
    assert counts["chapters"] == 3
    assert counts["sections"] == 6
    assert counts["equation"] == counts["exercise"] == counts["figure"] == 4
    # parts as parts, numbered from their captions
    flat = compress(text)
    assert "part i first" in flat and "part ii second" in flat
    assert "part getting started" not in flat and "part back matter" not in flat
    # the same PDF renumbered: a section, the references to an exercise, an equation per chapter
    for old, new, wrong in (("\n2.1 Some words", "\n2.2 Some words", "2.2"),
                            ("Exercise 3.1", "Exercise 3.2", "3.2"), ("(2) of Beta", "(2.2) of Beta", "2.2")):
        assert old in text, old
        found, _ = numbering_problems(text.replace(old, new), pages)
        assert found and all(f"is {wrong} in the PDF" in line for line in found), (old, found)


def test_small_book_pdf_collects_solutions_at_the_chapter_end(mini_book):
    text = pdf_text(mini_book / "latex" / "mini.pdf")
    for title in ("Starting", "Alpha", "Beta", "Gamma"):
        body = text.index(f"Show the first claim of {title}.")
        solution = text.index(f"The solution words of {title}.")
        heading = text.rindex("Solutions", 0, solution)
        assert body < heading < solution, title
        # the exercise says where its solution is
        pointer = re.search(r"Solution on page (\d+)\.", text[body:heading])
        assert pointer, title
