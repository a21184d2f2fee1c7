"""Every chapter of the book has the same skeleton.

For each executable page listed in ``_toc.yml``:

- the jupytext front matter of ``book/_template.md`` (same ``jupytext`` and
  ``kernelspec`` blocks, and a ``book: ci_fresh_runtime`` flag);
- a label ``(ch-<name>)=`` right before its one ``# Title``;
- every label of the page prefixed with the chapter name (``eq-<name>-...``);
- the same section order: ``## Exercises`` then ``## Summary``, and nothing after
  the summary; every chapter of a numbered part has exercises.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "book" / "_template.md"


def front_matter(text: str):
    if not text.startswith("---\n"):
        return None
    end = text.index("\n---\n", 4)
    return yaml.safe_load(text[4:end])


def toc_pages():
    """(path, numbered) for every page of _toc.yml, in book order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = [(toc["root"], False)]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            pages.append((chapter["file"], bool(part.get("numbered"))))
    return [(ROOT / f"{file}.md", numbered) for file, numbered in pages]


# pages of a numbered part that are reports, not chapters to study
NO_EXERCISES = {"reproduction"}

CHAPTERS = [(path, numbered) for path, numbered in toc_pages()
            if front_matter(path.read_text(encoding="utf-8")) is not None]


def ids(item):
    return item[0].relative_to(ROOT).as_posix()


def prose_lines(text: str):
    """(line number, line) outside code cells and fenced code blocks."""
    fence = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip()
        if fence is None:
            match = re.match(r"(`{3,}|~{3,})", stripped)
            if match and not stripped.startswith(("````{", "```{")) or (
                    match and stripped.startswith(("```{code-cell", "````{code-cell", "```{code-block"))):
                fence = match.group(1)
                continue
            yield number, line
        elif stripped.startswith(fence) and stripped.strip() == fence:
            fence = None


def test_the_toc_has_chapters():
    assert len(CHAPTERS) >= 10, [ids(c) for c in CHAPTERS]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=ids)
def test_front_matter_is_the_templates(chapter):
    path, _ = chapter
    template = front_matter(TEMPLATE.read_text(encoding="utf-8"))
    header = front_matter(path.read_text(encoding="utf-8"))
    for key in ("jupytext", "kernelspec"):
        assert header.get(key) == template[key], (
            f"{ids(chapter)}: front matter `{key}` differs from book/_template.md's: {header.get(key)} != {template[key]}")
    assert isinstance(header.get("book", {}).get("ci_fresh_runtime"), bool), (
        f"{ids(chapter)}: front matter needs `book: ci_fresh_runtime: true|false` (see CONTRIBUTING.md)")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=ids)
def test_label_before_the_one_title(chapter):
    path, _ = chapter
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    titles = [number - 1 for number, line in prose_lines(text) if re.match(r"# \S", line)]
    assert len(titles) == 1, f"{ids(chapter)}: expected one `# Title` line, found lines {[i + 1 for i in titles]}"
    before = [line for line in lines[:titles[0]] if line.strip()]
    assert before and before[-1] == f"(ch-{path.stem})=", (
        f"{ids(chapter)}, line {titles[0] + 1}: the title must be preceded by the label `(ch-{path.stem})=`")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=ids)
def test_labels_are_prefixed_by_the_chapter_name(chapter):
    path, _ = chapter
    name = path.stem
    bad = []
    for number, line in prose_lines(path.read_text(encoding="utf-8")):
        for label in re.findall(r"^\(([\w-]+)\)=\s*$", line) + re.findall(r"^:label:\s*([\w-]+)", line) \
                + re.findall(r"^\$\$\s*\(([\w-]+)\)", line):
            if label == name and path.name == "notation.md":
                continue  # the notation page's historical label, kept for old links
            if not re.fullmatch(rf"(ch|eq|fig|ex|sec|tab)-{re.escape(name)}(-[\w-]+)?", label):
                bad.append(f"line {number}: {label}")
    assert not bad, f"{ids(chapter)}: labels must start with <kind>-{name}-: {bad}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=ids)
def test_section_order(chapter):
    path, numbered = chapter
    sections = [(number, line[3:].strip()) for number, line in prose_lines(path.read_text(encoding="utf-8"))
                if line.startswith("## ")]
    names = [title for _, title in sections]
    if numbered and path.stem not in NO_EXERCISES:
        assert "Exercises" in names, f"{ids(chapter)}: a chapter of a numbered part ends with `## Exercises`"
    if "Summary" in names:
        assert names[-1] == "Summary", (
            f"{ids(chapter)}, line {sections[-1][0]}: `## Summary` must be the last section, after the exercises")
    if "Exercises" in names:
        after = names[names.index("Exercises") + 1:]
        assert after in ([], ["Summary"]), (
            f"{ids(chapter)}: after `## Exercises` only `## Summary` may follow; found {after}")
