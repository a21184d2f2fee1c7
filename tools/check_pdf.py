"""Check the PDF of the book (``bash tools/build_book.sh --pdf``) against the built site.

    python -m tools.check_pdf [PDF] [--min-pages N] [--html DIR] [--toc FILE]

PDF defaults to ``_build/html/<latex targetname>.pdf``; needs poppler-utils. Fails
(exit 1, a line per problem) unless the PDF has ``--min-pages`` pages, every toc page's
title and every cited chapter's ``@incollection`` entry, no ``??`` or ``[?]``, and
numbers as the site (``--html``) does: chapter headings ("CHAPTER ONE") and running
heads, unnumbered pages, sections, captions, and references to equations, exercises
and figures (each found in the PDF by the words around it on the site).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from bs4 import BeautifulSoup, NavigableString, Tag

from tools import bookmeta, myst

# The whole book is about 200 pages; a PDF with fewer than this lost chapters or outputs.
MIN_PAGES = 100
# Pages without a "Cite this chapter" section (mlpbook.py: the root and mlpbook_cite_exclude).
NOT_CITED = set(bookmeta.config()["sphinx"]["config"]["mlpbook_cite_exclude"])


def default_pdf() -> Path:
    target = bookmeta.config()["latex"]["latex_documents"]["targetname"]
    return bookmeta.ROOT / "_build" / "html" / Path(target).with_suffix(".pdf").name


def markup_free(title: str) -> str:
    """A MyST title as the PDF prints it: no backticks, emphasis or ``$`` of math."""
    return re.sub(r"[`*$]", "", title)


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    m = re.search(r"^Pages:\s+(\d+)", info, re.M)
    if not m:
        raise RuntimeError(f"pdfinfo gave no page count for {pdf}")
    return int(m.group(1))


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


# ------------------------------------------------------------------ numbering
# The site (built HTML) against the PDF (pdftotext). Both texts are compared as
# "compressed" tokens: words, numbers ("1.2") and parentheses, lower case, one space
# apart, so that hyphenation, punctuation and small caps do not count. The PDF's text
# keeps its line breaks between tokens: a section heading is a line of its own, and
# the patterns allow a space or a line break between two words.
SEP = "[ \n]"
NUMBER = r"(?<![^ \n])(\d+(?:\.\d+)*)(?![^ \n])"
TOKEN = re.compile(r"\d+(?:\.\d+)*|[^\W\d_]+|[()]")
# what a numbered reference looks like on the site: "(3)", "Exercise 1.2", "Fig. 1.1"
REFERENCE = re.compile(r"^(\(|Exercise |Fig\. |Table )(\d+(?:\.\d+)*)(\)?)$")
PREFIX = {"equation": "(", "exercise": "Exercise ", "figure": "Fig. ", "table": "Table "}
REFERENCE_KIND = {prefix: kind for kind, prefix in PREFIX.items()}
CAPTION = re.compile(r"^(Exercise|Fig\.|Table)\s+(\d+(?:\.\d+)*)\s*$")
CAPTION_KIND = {prefix.strip(): kind for kind, prefix in PREFIX.items()}
CONTEXT = 24          # characters of (compressed) words kept on each side of a reference
                      # (twice that of a caption)
MIN_CONTEXT = 16      # a reference with fewer plain words around it is not looked up
MATH = "\x00"         # stands for an equation in a paragraph: no words to match there
_UNITS = ("one two three four five six seven eight nine ten eleven twelve thirteen "
          "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "ten twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """How the chapter heading spells ``n`` (fncychap, Bjarne), compressed: 21 -> twenty one."""
    if not 1 <= n <= 99:
        raise ValueError(f"no chapter heading word for {n}")
    if n < 20:
        return _UNITS[n - 1]
    return _TENS[n // 10 - 1] + (" " + _UNITS[n % 10 - 1] if n % 10 else "")


HEADING_WORDS = {number_words(n): n for n in range(1, 100)}


def compress(text: str, lines: bool = False) -> str:
    """``"Fig. 1.1: A net-\\nwork"`` -> ``"fig 1.1 a network"``; with ``lines``, two
    tokens on different lines are separated by a line break instead of a space."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u00ad", "")
    # a word broken at the line end continues on the next line (a blank line ends a paragraph)
    text = re.sub(r"(?<=\w)-[^\S\n]*\n[^\S\n]*(?=\w)", "", text)
    text = re.sub(r"(?<=\w)-(?=\w)", "", text)                  # compound-word hyphens
    out, end = [], None
    for m in TOKEN.finditer(text):
        if end is not None:
            out.append("\n" if lines and "\n" in text[end:m.start()] else " ")
        out.append(m.group())
        end = m.end()
    return "".join(out)


def words(compressed: str) -> str:
    """A regular expression for compressed words, on one line or across lines."""
    return SEP.join(re.escape(w) for w in compressed.split())


HEADING_WORD = "(" + "|".join(words(w) for w in sorted(HEADING_WORDS, key=len, reverse=True)) + ")"


@dataclass
class SitePage:
    """What a page of the built site numbers (``site_page``)."""

    doc: str
    title: str
    number: str | None                       # "3", or None: an unnumbered page
    sections: list[tuple[str, str]] = field(default_factory=list)   # ("3.1", title)
    captions: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, "3.1", text)
    references: list[tuple[str, str, str, str]] = field(default_factory=list)
    # (kind, number, words before, words after), the words compressed


def _heading(tag: Tag) -> tuple[str | None, str, bool]:
    """A heading's number (without the final dot), title, and whether it holds math."""
    number = tag.find("span", class_="section-number")
    num = number.get_text().strip().rstrip(".") if number else None
    has_math = tag.find(class_="math") is not None
    parts = []
    for child in tag.children:
        if child is number or (isinstance(child, Tag) and "headerlink" in child.get("class", [])):
            continue
        parts.append(child.get_text() if isinstance(child, Tag) else str(child))
    return num, " ".join("".join(parts).split()), has_math


def _context(paragraph: Tag, link: Tag) -> tuple[str, str]:
    """The compressed whole words around ``link`` in its paragraph, up to an equation."""
    start, end = NavigableString("\x01"), NavigableString("\x02")
    link.insert_before(start), link.insert_after(end)
    text = paragraph.get_text()
    start.extract(), end.extract()
    before, after = text.split("\x01")[0], text.split("\x02")[1]
    before, after = compress(before.rsplit(MATH, 1)[-1]), compress(after.split(MATH, 1)[0])
    before = before[-CONTEXT:].split(" ", 1)[-1] if len(before) > CONTEXT else before
    after = after[:CONTEXT].rsplit(" ", 1)[0] if len(after) > CONTEXT else after
    return before, after


def site_page(html: Path, doc: str) -> SitePage:
    """Read the numbers of one built page of the site."""
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    main = soup.find("article") or soup
    h1 = main.find("h1")
    if h1 is None:
        raise ValueError(f"{html}: no <h1>")
    number, title, _ = _heading(h1)
    page = SitePage(doc, title, number)
    for h in main.find_all(["h2", "h3", "h4"]):
        num, text, has_math = _heading(h)
        if num and not has_math:
            page.sections.append((num, text))
    for math in main.select(".math"):       # from here on, an equation has no words to match
        math.replace_with(MATH)
    for span in main.find_all("span", class_="caption-number"):
        m = CAPTION.match(span.get_text())
        if not m:
            continue
        kind = CAPTION_KIND[m.group(1)]
        caption = "".join(s.get_text() if isinstance(s, Tag) else str(s) for s in span.next_siblings)
        text = compress(caption.split(MATH, 1)[0])
        text = text[:2 * CONTEXT].rsplit(" ", 1)[0] if len(text) > 2 * CONTEXT else text
        page.captions.append((kind, m.group(2), text))
    for link in main.find_all("a", class_="internal"):
        m = REFERENCE.match(link.get_text().strip())
        paragraph = link.find_parent("p")
        if not m or paragraph is None or "admonition-title" in paragraph.get("class", []):
            continue
        before, after = _context(paragraph, link)
        page.references.append((REFERENCE_KIND[m.group(1)], m.group(2), before, after))
    return page


def _pattern(before: str, prefix: str, suffix: str, after: str) -> re.Pattern:
    """``before prefix NUMBER suffix after``, compressed words one space apart."""
    left = " ".join(w for w in (before, compress(prefix)) if w)
    right = " ".join(w for w in (compress(suffix), after) if w)
    return re.compile((words(left) + SEP if left else "") + NUMBER
                      + (SEP + words(right) if right else ""))


def _ambiguous(keys: list, numbers: list[str]) -> set:
    """The keys (the words around a number) that go with more than one number."""
    seen: dict = {}
    for key, number in zip(keys, numbers):
        seen.setdefault(key, set()).add(number)
    return {key for key, values in seen.items() if len(values) > 1}


def numbering_problems(text: str, pages: list[SitePage]) -> tuple[list[str], dict]:
    """Where the PDF's numbers differ from the site's; and how many were compared.

    ``text`` is the PDF's text (pdftotext), ``pages`` the site's pages in book order.
    """
    flat = compress(text, lines=True)
    found: list[str] = []
    counts = dict.fromkeys(("chapters", "sections", "captions", "equation", "exercise",
                            "figure", "table"), 0)
    titles = sorted({compress(markup_free(p.title)) for p in pages}, key=len, reverse=True)

    def longer_title_at(pos: int, title: str) -> bool:
        return any(len(t) > len(title) and re.compile(words(t)).match(flat, pos) for t in titles)

    # chapter headings ("CHAPTER ONE / NOTATION AND ...") and running heads ("Chapter 1.")
    starts: dict[str, int] = {}
    for page in pages:
        title = compress(markup_free(page.title))
        heads = [(HEADING_WORDS[" ".join(m.group(1).split())], m.start(), m.end(1) + 1)
                 for m in re.finditer(f"chapter{SEP}{HEADING_WORD}{SEP}{words(title)}", flat)
                 if not longer_title_at(m.end(1) + 1, title)]
        running = [(int(m.group(1)), m.end(1) + 1)
                   for m in re.finditer(rf"chapter{SEP}(\d+){SEP}{words(title)}", flat)
                   if not longer_title_at(m.end(1) + 1, title)]
        if page.number is None:
            for n, _, _ in heads:
                found.append(f"{page.doc}: unnumbered on the site, but chapter {n} in the PDF")
            for n in sorted({n for n, _ in running}):
                found.append(f"{page.doc}: unnumbered on the site, but running heads "
                             f"'Chapter {n}.' in the PDF")
            continue
        counts["chapters"] += 1
        want = int(page.number)
        if not heads:
            found.append(f"{page.doc}: no chapter heading 'CHAPTER {number_words(want).upper()}' "
                         f"over {page.title!r} in the PDF (site: chapter {want})")
        for n, start, _ in heads:
            if n != want:
                found.append(f"{page.doc}: chapter {n} in the PDF, {want} on the site")
        for n in sorted({n for n, _ in running if n != want}):
            found.append(f"{page.doc}: running heads 'Chapter {n}.' in the PDF, chapter {want} on the site")
        if heads:
            starts[page.doc] = heads[0][1]

    # Where a page's numbers are looked for: a numbered chapter's pages run from its
    # heading to the next one (the last to the end); an unnumbered page's are before the
    # first numbered chapter (front matter) or after the last one's heading (back matter).
    order = sorted(starts.values())
    spans = {doc: [(s, next((o for o in order if o > s), len(flat)))] for doc, s in starts.items()}
    unnumbered = [(0, order[0]), (order[-1], len(flat))] if order else [(0, len(flat))]

    def check(page: SitePage, what: str, pattern: re.Pattern, want: str, count: str) -> None:
        numbers = [m.group(1) for lo, hi in spans.get(page.doc, unnumbered)
                   for m in pattern.finditer(flat, lo, hi)]
        if not numbers:
            return
        counts[count] += 1
        for n in sorted(set(numbers) - {want}):
            found.append(f"{page.doc}: {what} is {n} in the PDF, {want} on the site")

    for page in pages:
        if page.number is not None and page.doc not in spans:
            continue   # its heading is missing: reported above
        if page.number is not None:
            repeated = {t for t in (t for _, t in page.sections)
                        if sum(t == u for _, u in page.sections) > 1}
            for num, title in page.sections:
                if title in repeated:
                    continue   # "The check" in two sections: which is which?
                # a heading: a line of its own (a caption "Fig. 3.2: <title>" is none)
                pattern = re.compile(r"(?:^|\n)" + NUMBER + SEP
                                     + words(compress(markup_free(title))) + r"(?=\n|$)")
                before = counts["sections"]
                check(page, f"section {title!r}", pattern, num, "sections")
                if counts["sections"] == before:
                    found.append(f"{page.doc}: section {num} {title!r} not found in the PDF")
        # the same words before two different numbers on a page: which is which?
        ambiguous = _ambiguous([(c[0], c[2]) for c in page.captions], [c[1] for c in page.captions])
        for kind, num, text in page.captions:
            if len(text) >= MIN_CONTEXT // 2 and (kind, text) not in ambiguous:
                check(page, f"the {kind} captioned {text!r}",
                      _pattern("", PREFIX[kind], "", text), num, "captions")
        ambiguous = _ambiguous([(r[0], r[2], r[3]) for r in page.references],
                               [r[1] for r in page.references])
        for kind, num, before, after in page.references:
            if len(before) + len(after) < MIN_CONTEXT or (kind, before, after) in ambiguous:
                continue
            check(page, f"a reference to {kind} {num} (...{before}|{after}...)",
                  _pattern(before, PREFIX[kind], ")" if kind == "equation" else "", after),
                  num, kind)
    return found, counts


def site_pages(html_dir: Path, docs: list[str]) -> list[SitePage]:
    pages = []
    for doc in docs:
        path = html_dir / f"{doc}.html"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: the site is not built (tools/build_book.sh)")
        pages.append(site_page(path, doc))
    return pages


def page_source(doc: str) -> str:
    """The Markdown of a toc page: its MyST file, or the Markdown cells of a notebook (the labs)."""
    md = bookmeta.ROOT / f"{doc}.md"
    if md.exists():
        return md.read_text(encoding="utf-8")
    notebook = nbformat.read(bookmeta.ROOT / f"{doc}.ipynb", as_version=4)
    return "\n\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def problems(pdf: Path, min_pages: int = MIN_PAGES, toc: Path = bookmeta.TOC,
             html_dir: Path | None = None) -> tuple[list[str], dict]:
    """What is wrong with the PDF; and how many numbers were compared with the site's."""
    found = []
    pages = pdf_pages(pdf)
    if pages < min_pages:
        found.append(f"{pages} pages, fewer than the minimum {min_pages}")
    text = pdf_text(pdf)
    flat = compress(text)
    docs = bookmeta.toc_files(toc)
    for doc in docs:
        title = markup_free(myst.title(page_source(doc)) or doc)
        if compress(title) not in flat:
            found.append(f"the title of {doc}, {title!r}, is not in the PDF")
    cited = [d for d in docs[1:] if d not in NOT_CITED]
    n_entries = text.count("@incollection{")
    if n_entries < len(cited):
        found.append(f"{n_entries} chapter BibTeX entries (@incollection) for {len(cited)} chapters")
    for token, meaning in (("??", "an unresolved cross-reference"), ("[?]", "an unresolved citation")):
        for m in re.finditer(re.escape(token), text):
            context = " ".join(text[max(0, m.start() - 60):m.end() + 60].split())
            found.append(f"{token!r} ({meaning}) in: ...{context}...")
    # the root (preface) is no chapter of the site's numbering
    site = site_pages(html_dir or bookmeta.ROOT / "_build" / "html", docs[1:])
    numbering, counts = numbering_problems(text, site)
    found += numbering
    if not counts["chapters"]:
        found.append("no numbered chapter on the site: nothing to compare the PDF's numbers with")
    for kind in ("equation", "exercise"):
        wanted = sum(1 for p in site for r in p.references if r[0] == kind)
        if wanted and not counts[kind]:
            found.append(f"none of the site's {wanted} references to {kind}s found in the PDF")
    return found, counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", nargs="?", type=Path, default=None)
    parser.add_argument("--min-pages", type=int, default=MIN_PAGES)
    parser.add_argument("--toc", type=Path, default=bookmeta.TOC,
                        help="the toc of the build (default: _toc.yml)")
    parser.add_argument("--html", type=Path, default=None,
                        help="the built site (default: _build/html)")
    args = parser.parse_args(argv)
    pdf = args.pdf or default_pdf()
    if not pdf.is_file():
        print(f"no PDF at {pdf}: build it with `bash tools/build_book.sh --pdf`", file=sys.stderr)
        return 1
    found, counts = problems(pdf, args.min_pages, args.toc, args.html)
    for line in found:
        print(f"{pdf.name}: {line}", file=sys.stderr)
    if found:
        return 1
    print(f"{pdf}: {pdf_pages(pdf)} pages, every chapter title and chapter citation present, "
          "no unresolved reference; numbered as the site: "
          f"{counts['chapters']} chapters, {counts['sections']} sections, "
          f"{counts['captions']} captions, references to {counts['equation']} equations, "
          f"{counts['exercise']} exercises, {counts['figure']} figures, {counts['table']} tables")
    return 0


if __name__ == "__main__":
    sys.exit(main())
