""""Cite this chapter": the BibTeX entry every chapter page ends with.

tools/sphinx_ext/mlpbook.py builds it from the same sources as the "How to cite" page
(CITATION.cff, mlp_from_scratch/_version.py, repository.url of _config.yml) and appends
it to each chapter at build time (the CiteThisChapter transform).
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("sphinx")
pybtex = pytest.importorskip("pybtex.database")
# The module the book's builds load (_config.yml: local_extensions tools.sphinx_ext.mlpbook),
# so that monkeypatches of it reach the Sphinx builds below.
from tools.sphinx_ext import mlpbook  # noqa: E402

bookmeta = mlpbook.bookmeta  # the facts module the extension itself reads

SAMPLE = "book/derivations/forward-pass"


def md_title(doc: str) -> str:
    """The ``# `` title of a page (front matter skipped; code cells hold no '# ' titles
    before the page's own)."""
    text = (ROOT / f"{doc}.md").read_text(encoding="utf-8")
    if text.startswith("---"):
        text = text[text.find("\n---", 3) + 4:]
    return next(line[2:].strip() for line in text.splitlines() if line.startswith("# "))


def parse(entry: str):
    entries = pybtex.parse_string(entry, "bibtex").entries
    assert len(entries) == 1, entry
    key, parsed = next(iter(entries.items()))
    return key, parsed


def test_sample_chapter_entry_names_chapter_book_release_and_url():
    title = md_title(SAMPLE)
    key, entry = parse(mlpbook.chapter_bibtex_entry(SAMPLE, title, "ch-forward-pass"))
    cff = bookmeta.citation()
    pref = cff["preferred-citation"]
    assert entry.type == "incollection"
    assert entry.fields["title"] == "{" + title + "}"          # case kept by the braces
    assert entry.fields["booktitle"] == "{" + pref["title"] + "}"
    assert entry.fields["edition"] == f"Version {bookmeta.version()}"
    assert entry.fields["year"] == str(pref["year"])
    assert [str(p) for p in entry.persons["author"]] == ["{" + a["name"] + "}" for a in pref["authors"]]
    # without a published site (no html.baseurl): the chapter's source at this release's tag
    assert entry.fields["url"] == f"{bookmeta.repo_url()}/blob/v{bookmeta.version()}/{SAMPLE}.md"
    assert (ROOT / f"{SAMPLE}.md").is_file()
    assert key == f"mlpfromscratch{pref['year']}:forward-pass"
    assert bookmeta.release_tag() in entry.fields["note"]


def test_chapter_url_on_a_published_site_has_the_anchor(monkeypatch):
    config = {**bookmeta.config(), "html": {"baseurl": "https://example.org/mlp"}}
    monkeypatch.setattr(bookmeta, "config", lambda: config)
    assert mlpbook.chapter_url(SAMPLE, "ch-forward-pass") == \
        "https://example.org/mlp/book/derivations/forward-pass.html#ch-forward-pass"
    _, entry = parse(mlpbook.chapter_bibtex_entry(SAMPLE, "T", "ch-forward-pass"))
    assert entry.fields["url"].endswith(".html#ch-forward-pass")


def test_bibtex_specials_in_a_title_are_escaped():
    _, entry = parse(mlpbook.chapter_bibtex_entry("book/x", "MNIST: the 2.5 % bonus & more_1"))
    assert entry.fields["title"] == r"{MNIST: the 2.5 \% bonus \& more\_1}"


def test_every_chapter_of_the_toc_gets_a_distinct_valid_entry():
    docs = [d for d in bookmeta.toc_files()[1:] if d not in bookmeta.config()["sphinx"]["config"]["mlpbook_cite_exclude"]]
    assert SAMPLE in docs
    keys = set()
    for doc in docs:
        key, entry = parse(mlpbook.chapter_bibtex_entry(doc, md_title(doc)))
        assert key not in keys, f"two chapters share the key {key}"
        keys.add(key)
        assert entry.fields["url"].endswith(f"/{doc}.md")


def test_the_book_entry_is_unchanged_by_the_chapter_entries():
    key, entry = parse(mlpbook.bibtex_entry())
    assert entry.type == "book" and key == f"mlpfromscratch{bookmeta.citation()['preferred-citation']['year']}"
    assert "booktitle" not in entry.fields


def test_build_appends_the_section_to_chapters_only(tmp_path):
    """A two-page Sphinx project with the extension: the chapter ends with the section,
    the root page (the preface) does not get one."""
    from sphinx.application import Sphinx

    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(textwrap.dedent("""\
        extensions = ["myst_parser", "tools.sphinx_ext.mlpbook"]
        root_doc = "index"
        html_theme_options = {}
    """))
    (src / "index.rst").write_text("Preface\n=======\n\n.. toctree::\n\n   chapter\n   cite\n")
    (src / "chapter.rst").write_text(
        ".. _ch-sample:\n\nA sample chapter: 2.5 % of it\n=============================\n\n"
        "Text.\n\nExercises\n---------\n\nMore text.\n")
    (src / "cite.rst").write_text("How to cite\n===========\n\nThe book.\n")
    out = tmp_path / "out"
    app = Sphinx(str(src), str(src), str(out), str(tmp_path / "doctrees"), "pseudoxml",
                 confoverrides={"mlpbook_cite_exclude": ["cite"], "mlpbook_cite_page": "cite"},
                 status=None, warning=None, freshenv=True)
    app.build()
    chapter = (out / "chapter.pseudoxml").read_text()
    # the last section of the chapter, after Exercises
    sections = re.findall(r"<title>\s*\n\s*(.+)", chapter)
    assert sections[-1] == mlpbook.CITE_SECTION_TITLE and "Exercises" in sections
    assert "@incollection{mlpfromscratch" in chapter and ":chapter," in chapter
    assert r"{{A sample chapter: 2.5 \% of it}}" in chapter
    assert f"Version {bookmeta.version()}" in chapter
    assert 'refuri="cite' in chapter                      # the link to "How to cite"
    # (the root's toctree lists the chapter's sections, the new one included)
    assert "@incollection" not in (out / "index.pseudoxml").read_text()
    assert mlpbook.CITE_SECTION_TITLE not in (out / "cite.pseudoxml").read_text()
    # it is in the page's table of contents, like any section
    toc = app.env.tocs["chapter"].astext()
    assert mlpbook.CITE_SECTION_TITLE in toc


def test_build_uses_the_chapter_label_as_anchor(tmp_path, monkeypatch):
    from sphinx.application import Sphinx

    config = {**bookmeta.config(), "html": {"baseurl": "https://example.org/book/"}}
    monkeypatch.setattr(bookmeta, "config", lambda: config)
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["myst_parser", "tools.sphinx_ext.mlpbook"]\nhtml_theme_options = {}\n')
    (src / "index.rst").write_text("Root\n====\n\n.. toctree::\n\n   chapter\n")
    # MyST, like the book: the label line before the title
    (src / "chapter.md").write_text("(ch-sample)=\n# Sample\n\nText.\n\n## Summary\n\nEnd.\n")
    out = tmp_path / "out"
    app = Sphinx(str(src), str(src), str(out), str(tmp_path / "doctrees"), "pseudoxml",
                 status=None, warning=None, freshenv=True)
    app.build()
    assert "https://example.org/book/chapter.html#ch-sample" in (out / "chapter.pseudoxml").read_text()
