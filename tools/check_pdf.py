"""Check the PDF of the book (``bash tools/build_book.sh --pdf``) against the built site.

    python -m tools.check_pdf [PDF]     # default: _build/html/<latex targetname>.pdf

Needs poppler-utils (pdftotext). Fails (exit 1, a line per problem) unless the PDF has
``MIN_PAGES`` pages, every page title of the site (``_build/html``), every cited chapter's
``@incollection`` entry, no ``??`` or ``[?]``, and numbers as the site does (``PATTERNS``).
"""

import argparse
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

from bs4 import BeautifulSoup

from tools import bookmeta

MIN_PAGES = 100   # the book has about 400 pages: with fewer, it lost chapters or outputs
# Pages without a "Cite this chapter" section (mlpbook.py: the root and mlpbook_cite_exclude).
NOT_CITED = set(bookmeta.config()["sphinx"]["config"]["mlpbook_cite_exclude"])
HTML = bookmeta.ROOT / "_build" / "html"
# The site (HTML) and the PDF (pdftotext) are compared as "compressed" tokens: words,
# numbers ("1.2") and parentheses, lower case, one space apart (or a line break, in the
# PDF), so that hyphenation, punctuation and small caps do not count.
TOKEN = re.compile(r"\d+(?:\.\d+)*|[^\W\d_]+|[()]")
SEP, NUM = "[ \n]", r"(?<![^ \n])(\d+(?:\.\d+)*)(?![^ \n])"
UNITS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
# How a chapter heading spells its number (fncychap's Bjarne): "CHAPTER TWENTY ONE".
SPELLED = {w: str(n) for n, w in enumerate(UNITS + [
    f"{t} {u}".strip() for t in "twenty thirty forty fifty sixty seventy eighty ninety".split()
    for u in ["", *UNITS[:9]]], 1)}
SPELLED_NUM = "(" + "|".join(SEP.join(w.split()) for w in sorted(SPELLED, key=len, reverse=True)) + ")"
# One pattern for each kind of number the PDF must print as the site does: its parts,
# joined by a space or a line break, each a regular expression or the name of the words
# the site has there. Where two numbers of a page have the same words, neither is looked up.
PATTERNS = {
    "chapters": ["chapter", SPELLED_NUM, "title"],    # the heading: "CHAPTER ONE / NOTATION"
    "running heads": ["chapter", NUM, "title"],
    "sections": [r"(?:^|\n)" + NUM, "line"],         # a line of its own (a caption is none)
    "captions": ["prefix", NUM, "text"],
    "references": ["before", "prefix", NUM, "suffix", "after"],
}
KINDS = {"(": "equation", "Exercise": "exercise", "Fig.": "figure", "Table": "table"}
CONTEXT, MIN_CONTEXT = 24, 16   # characters of words kept around a reference; fewer: not looked up
MATH = "\x00"                   # an equation in a paragraph: no words to match there


def compress(text: str, lines: bool = False) -> str:
    """``"Fig. 1.1: A net-\\nwork"`` -> ``"fig 1.1 a network"``; with ``lines``, two
    tokens on different lines are separated by a line break instead of a space."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u00ad", "")
    # a word broken at the line end continues on the next line (a blank line ends a paragraph)
    text = re.sub(r"(?<=\w)-[^\S\n]*\n[^\S\n]*(?=\w)|(?<=\w)-(?=\w)", "", text)
    tokens = list(TOKEN.finditer(text))
    return "".join(("\n" if lines and "\n" in text[a.end():b.start()] else " ") * (i > 0) + b.group()
                   for i, (a, b) in enumerate(zip(tokens[:1] + tokens, tokens)))


def pattern(kind: str, **around: str) -> re.Pattern:
    """``PATTERNS[kind]`` with the compressed words ``around`` the number."""
    fields = {k: SEP.join(map(re.escape, v.split())) for k, v in around.items()}
    fields["line"] = fields.get("title", "") + r"(?=\n|$)"
    return re.compile(SEP.join(p for p in (fields.get(p, p) for p in PATTERNS[kind]) if p))


def words_near(siblings, end: bool = False, n: int = CONTEXT) -> str:
    """The compressed whole words of ``siblings`` in their first (``end``: last) ``n``
    characters, up to an equation."""
    text = "".join(s.get_text() for s in siblings)
    text = compress(text.rsplit(MATH, 1)[-1] if end else text.split(MATH, 1)[0])
    if len(text) <= n:
        return text
    return text[-n:].split(" ", 1)[-1] if end else text[:n].rsplit(" ", 1)[0]


def site_page(html: Path) -> tuple:
    """A built page's chapter number (None: unnumbered), its title, and the numbers it
    shows: (kind, what, number, the pattern of ``PATTERNS`` that finds it in the PDF)."""
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    main = soup.find("article") or soup   # the book's theme or Sphinx's default
    for tag in main.select("a.headerlink"):
        tag.decompose()
    for tag in main.select(".math"):
        tag.replace_with(MATH)
    page, numbers = None, []
    for h in main.find_all(["h1", "h2", "h3", "h4"]):
        num = h.find("span", class_="section-number")
        num = num.extract().get_text().strip().rstrip(".") if num else None
        title = " ".join(h.get_text().split())
        if h.name == "h1":
            page = page or (num, title)   # the first: the page's, then the theme's
        elif num and MATH not in title:
            numbers.append(("sections", f"section {title!r}", num, pattern("sections", title=compress(title))))
    for span in main.select("span.caption-number"):
        prefix, _, num = span.get_text().strip().rpartition(" ")
        text = words_near(span.next_siblings, n=2 * CONTEXT)
        if prefix in KINDS and len(text) >= MIN_CONTEXT // 2:
            numbers.append(("captions", f"the {KINDS[prefix]} captioned {text!r}", num,
                            pattern("captions", prefix=compress(prefix), text=text)))
    for link in main.select("p:not(.admonition-title) > a.internal"):
        m = re.fullmatch(r"(\(|Exercise |Fig\. |Table )(\d+(?:\.\d+)*)\)?", link.get_text().strip())
        before, after = words_near(reversed(list(link.previous_siblings)), end=True), words_near(link.next_siblings)
        if m and len(before) + len(after) >= MIN_CONTEXT:
            kind = KINDS[m[1].strip()]
            numbers.append((kind, f"a reference to {kind} {m[2]} (...{before}|{after}...)", m[2], pattern(
                "references", before=before, prefix=compress(m[1]), suffix=")" * (kind == "equation"), after=after)))
    return *page, numbers


def numbering_problems(text: str, pages: dict[str, tuple]) -> tuple[list[str], dict]:
    """Where the PDF's numbers differ from the site's (``pages``: doc -> ``site_page``, in
    book order); and how many numbers of each kind were compared."""
    flat = compress(text, lines=True)
    found, counts = [], dict.fromkeys(["chapters", "sections", "captions", *KINDS.values()], 0)
    heads: dict = {}   # (kind, position) -> (title length, doc, number): the longest title there
    for doc, (chapter, title, _) in pages.items():
        for kind in ("chapters", "running heads"):
            for m in pattern(kind, title=compress(title)).finditer(flat):
                number = SPELLED.get(" ".join(m[1].split()), m[1])
                heads[kind, m.start()] = max(heads.get((kind, m.start()), (0,)), (len(title), doc, number))
    first = {doc: at for (kind, at), (_, doc, _) in sorted(heads.items(), reverse=True) if kind == "chapters"}
    starts = sorted(at for doc, at in first.items() if pages[doc][0])
    for doc, (chapter, title, numbers) in pages.items():
        for kind, n in sorted({(k, n) for (k, _), (_, d, n) in heads.items() if d == doc and n != chapter}):
            found.append(f"{doc}: the {kind[:-1]} over {title!r} is {n} in the PDF, "
                         f"{chapter or 'unnumbered'} on the site")
        # a chapter's numbers are looked for from its heading to the next one; an unnumbered
        # page's before the first chapter heading (front matter) or after the last (back matter)
        if chapter is None:
            spans = [(0, starts[0]), (starts[-1], len(flat))] if starts else [(0, len(flat))]
        elif doc not in first:
            found.append(f"{doc}: no chapter heading over {title!r} in the PDF (site: chapter {chapter})")
            continue
        else:
            counts["chapters"] += 1
            spans = [(first[doc], next((s for s in starts if s > first[doc]), len(flat)))]
        wants: dict = {}
        for _, _, want, regex in numbers:
            wants.setdefault(regex.pattern, set()).add(want)
        for kind, what, want, regex in numbers:
            got = {m[1] for lo, hi in spans for m in regex.finditer(flat, lo, hi)}
            if len(wants[regex.pattern]) > 1 or not got:   # the same words, two numbers: which?
                found += [f"{doc}: {what} ({want}) is not in the PDF"] * (kind == "sections" and not got)
                continue
            counts[kind] += 1
            found += [f"{doc}: {what} is {n} in the PDF, {want} on the site" for n in sorted(got - {want})]
    return found, counts


def problems(pdf: Path, html: Path = HTML) -> tuple[list[str], dict]:
    """What is wrong with the PDF; and how many numbers were compared with the site's."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    n_pages, flat, docs = text.count("\f"), compress(text), bookmeta.toc_files()   # \f ends a page
    pages = {doc: site_page(html / f"{doc}.html") for doc in docs}
    n_cited, n_entries = len(set(docs[1:]) - NOT_CITED), text.count("@incollection{")
    found = [f"{n_pages} pages, fewer than {MIN_PAGES}"] * (n_pages < MIN_PAGES)
    found += [f"{n_entries} chapter BibTeX entries (@incollection) for {n_cited} chapters"] * (n_entries < n_cited)
    found += [f"the title of {doc}, {title!r}, is not in the PDF"
              for doc, (_, title, _) in pages.items() if compress(title) not in flat]
    found += [f"{m[0]!r} (unresolved) in: ...{' '.join(text[m.start() - 60:m.end() + 60].split())}..."
              for m in re.finditer(r"\?\?|\[\?\]", text)]
    del pages[docs[0]]   # the root (preface) is no chapter of the site's numbering
    numbering, counts = numbering_problems(text, pages)
    found += numbering + ["no numbered chapter on the site to compare the PDF with"] * (not counts["chapters"])
    for kind in ("equation", "exercise"):
        wanted = sum(k == kind for _, _, numbers in pages.values() for k, *_ in numbers)
        found += [f"none of the site's {wanted} references to {kind}s is in the PDF"] * (wanted and not counts[kind])
    return found, {"pages": n_pages, **counts}


def main(argv=None) -> int:
    target = Path(bookmeta.config()["latex"]["latex_documents"]["targetname"]).with_suffix(".pdf").name
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    pdf = parser.add_argument("pdf", nargs="?", type=Path, default=HTML / target) and parser.parse_args(argv).pdf
    if not pdf.is_file():
        print(f"no PDF at {pdf}: build it with `bash tools/build_book.sh --pdf`", file=sys.stderr)
        return 1
    found, counts = problems(pdf)
    print("\n".join(f"{pdf.name}: {line}" for line in found) or f"{pdf}: page titles, chapter citations, no "
          f"unresolved reference; numbered as the site: {', '.join(f'{n} {k}' for k, n in counts.items())}",
          file=sys.stderr if found else sys.stdout)
    return int(bool(found))


if __name__ == "__main__":
    sys.exit(main())
