"""Check the PDF of the book (``bash tools/build_book.sh --pdf``) against the built site:
``python -m tools.check_pdf [PDF]`` (default: _build/html/<latex targetname>.pdf) fails unless it
(read by poppler's pdftotext) has ``MIN_PAGES`` pages, every page title of the site and cited
chapter's ``@incollection`` entry, no ``??`` or ``[?]``, and numbers as the site does (``PATTERNS``)."""

import re
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

from bs4 import BeautifulSoup

from tools import bookmeta
from tools.sphinx_ext.mlpbook import PDF_NAME

MIN_PAGES = 100   # the book has about 400 pages: with fewer, it lost chapters or outputs
# Pages without a "Cite this chapter" section (mlpbook.py: the root and mlpbook_cite_exclude).
NOT_CITED = set(bookmeta.config()["sphinx"]["config"]["mlpbook_cite_exclude"])
HTML = bookmeta.ROOT / "_build" / "html"
# The site (HTML) and the PDF (pdftotext) are compared as "compressed" tokens: words,
# numbers ("1.2") and parentheses, lower case, one space (in the PDF, or line break)
# apart, so that hyphenation, punctuation and small caps do not count.
TOKEN = re.compile(r"\d+(?:\.\d+)*|[^\W\d_]+|[()]")
SEP, NUM = "[ \n]", r"(?<![^ \n])(\d+(?:\.\d+)*)(?![^ \n])"
UNITS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
# How a chapter heading spells its number (fncychap's Bjarne): "CHAPTER TWENTY ONE".
SPELLED = {w: str(n) for n, w in enumerate(UNITS + [
    f"{t} {u}".strip() for t in "twenty thirty forty fifty sixty seventy eighty ninety".split()
    for u in ["", *UNITS[:9]]], 1)}
# A chapter heading: "CHAPTER", its number spelled, each on a line of its own (longest first).
HEADING = r"(?:^|\n)chapter\n(" + "|".join(SEP.join(w.split()) for w in reversed(SPELLED)) + r")(?=\n)"
# How the PDF prints each kind of number: parts joined by a space or a line break, each a
# regular expression or the name of the words the site has there.
PATTERNS = {
    "chapters": [HEADING, "title"],
    "running heads": ["chapter", NUM, "line"],        # "Chapter 3. Backpropagation"
    "sections": [r"(?:^|\n)" + NUM, "line"],         # a line of its own (a caption is none)
    "numbers": ["before", "prefix", NUM, "suffix", "after"],   # a caption's or a reference's
}
KINDS = {"(": "equation", "Exercise": "exercise", "Fig.": "figure", "Table": "table"}
CONTEXT, MIN_CONTEXT = 4, 4     # words kept on each side of a reference; with fewer: not looked up
MATH = "\x00"                   # an equation in a paragraph: no words to match there


def compress(text: str, lines: bool = False) -> str:
    """``"Fig. 1.1: A net-\\nwork"`` -> ``"fig 1.1 a network"`` (with ``lines``, line breaks kept)."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u00ad", "")
    # a word broken at the line end continues on the next line (a blank line ends a paragraph)
    text = re.sub(r"(?<=\w)-[^\S\n]*\n[^\S\n]*(?=\w)|(?<=\w)-(?=\w)", "", text)
    tokens = [" ".join(TOKEN.findall(line)) for line in text.split("\n")]
    return ("\n" if lines else " ").join(t for t in tokens if t)


def pattern(kind: str, **around: str) -> re.Pattern:
    fields = {k: SEP.join(map(re.escape, compress(around.get(k, "")).split()))
              for k in ("title", "before", "prefix", "suffix", "after")}
    fields["line"] = fields["title"] + r"(?=\n|$)"
    return re.compile(SEP.join(p for p in (fields.get(p, p) for p in PATTERNS[kind]) if p))


def words_near(siblings, end: bool = False, n: int = CONTEXT) -> str:
    """The first (``end``: last) ``n`` compressed words of the text of ``siblings``, up to an equation."""
    text = "".join(s.get_text() for s in siblings)
    words = compress(text.rsplit(MATH, 1)[-1] if end else text.split(MATH, 1)[0]).split()
    return " ".join(words[-n:] if end else words[:n])


def site_page(html: Path) -> tuple:
    """A built page's chapter number (None: unnumbered), title, and the numbers it shows:
    (kind, what, number, the pattern that finds it in the PDF)."""
    # the book's theme puts a page in <article>, Sphinx's default theme does not
    main = (soup := BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")).find("article") or soup
    for tag in main.select(".math"):
        tag.replace_with(MATH)
    page, numbers = None, []
    for h in main.find_all(["h1", "h2", "h3", "h4"]):
        num = (n := h.find("span", class_="section-number")) and n.extract().get_text().strip().rstrip(".")
        title = " ".join(h.get_text().split()).rstrip("#¶")   # without its link
        if h.name == "h1" and not page:   # the first: the page's, then the theme's
            page, kinds = (num, title), ("chapters", "running heads")[not num:]   # unnumbered: no heading
        else:
            kinds = ("sections",) * bool(num and MATH not in title)
        numbers += [(kind, f"{kind[:-1]} {title!r}", num, pattern(kind, title=title)) for kind in kinds]
    for tag in main.select("span.caption-number, p:not(.admonition-title) > a.internal"):
        m = re.fullmatch(r"(\(|Exercise |Fig\. |Table )(\d+(?:\.\d+)*)\)?", tag.get_text().strip())
        caption = tag.name == "span"   # a caption's number, else a reference to a number
        before = "" if caption else words_near(reversed(list(tag.previous_siblings)), end=True)
        after = words_near(tag.next_siblings, n=CONTEXT * (1 + caption))
        if m and len(f"{before} {after}".split()) >= MIN_CONTEXT // (1 + caption):
            kind = KINDS[m[1].strip()]
            what = f"{'caption of' if caption else 'reference to'} {kind} {m[2]} (...{before}|{after}...)"
            numbers.append(("captions" if caption else kind, what, m[2], pattern(
                "numbers", before=before, prefix=m[1], suffix=")" * (kind == "equation"), after=after)))
    return *page, numbers


def numbering_problems(text: str, pages: dict[str, tuple]) -> tuple[list[str], dict]:
    """Where the PDF's numbers differ from the site's (``pages``: doc -> ``site_page``, in
    book order); and how many numbers of each kind were compared."""
    flat, found = compress(text, lines=True), []
    counts = dict.fromkeys(["chapters", "running heads", "sections", "captions", *KINDS.values()], 0)
    heads = [m.start() for m in re.finditer(HEADING, flat)]
    numbered = [doc for doc, (chapter, _, _) in pages.items() if chapter]
    if len(heads) != len(numbered):   # which heading is which chapter's?
        return [f"{len(heads)} chapter headings in the PDF, {len(numbered)} numbered on the site"], counts
    spans = {doc: [(start, end)] for doc, start, end in zip(numbered, heads, heads[1:] + [len(flat)])}
    # a chapter's numbers are looked for from its heading to the next one; an unnumbered
    # page's before the first chapter heading (front matter) or after the last (back matter)
    unnumbered = [(0, heads[0]), (heads[-1], len(flat))] if heads else [(0, len(flat))]
    for doc, (_, _, numbers) in pages.items():
        # the same words around two numbers of a page: which is which? Neither is looked up.
        ambiguous = Counter(p for p, _ in {(regex.pattern, want) for _, _, want, regex in numbers})
        for kind, what, want, regex in [n for n in numbers if ambiguous[n[3].pattern] == 1]:
            got = {SPELLED.get(" ".join(m[1].split()), m[1]) for lo, hi in spans.get(doc, unnumbered)
                   for m in regex.finditer(flat, lo, hi)}
            if got:
                counts[kind] += 1
            elif kind in ("chapters", "sections"):
                found.append(f"{doc}: {what} ({want}) is not in the PDF")
            found += [f"{doc}: {what} is {n} in the PDF, {want or 'unnumbered'} on the site"
                      for n in sorted(got - {want})]
    return found, counts


def main(argv: list[str]) -> int:
    pdf = Path(argv[0]) if argv else HTML / PDF_NAME
    if not pdf.is_file():
        print(f"no PDF at {pdf}: build it with `bash tools/build_book.sh --pdf`", file=sys.stderr)
        return 1
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    n_pages, flat, docs = text.count("\f"), compress(text), bookmeta.toc_files()   # \f ends a page
    pages = {doc: site_page(HTML / f"{doc}.html") for doc in docs}
    n_cited, n_entries = len(set(docs[1:]) - NOT_CITED), text.count("@incollection{")
    found = [f"{n_pages} pages, fewer than {MIN_PAGES}"] * (n_pages < MIN_PAGES)
    found += [f"{n_entries} @incollection entries for {n_cited} chapters cited"] * (n_entries < n_cited)
    found += [f"the title of {doc}, {title!r}, is not in the PDF"
              for doc, (_, title, _) in pages.items() if compress(title) not in flat]
    found += [f"{m[1]!r} (unresolved) in: ...{' '.join(m[0].split())}..."
              for m in re.finditer(r"(?s).{0,60}(\?\?|\[\?\]).{0,60}", text)]
    del pages[docs[0]]   # the root (preface) is no chapter of the site's numbering
    numbering, counts = numbering_problems(text, pages)
    # none compared: the site numbers none, or the patterns are wrong
    found += numbering + [f"not one {kind} number of the site is in the PDF"
                          for kind in ("chapters", "equation", "exercise") if not counts[kind]]
    for line in found:
        print(f"{pdf.name}: {line}", file=sys.stderr)
    if not found:
        print(f"{pdf}: every page title and chapter citation, no unresolved reference; numbered as the "
              f"site: {n_pages} pages, {', '.join(f'{n} {kind}' for kind, n in counts.items())}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
