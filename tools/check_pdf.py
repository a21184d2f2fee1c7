"""Check the PDF of the book (made by ``bash tools/build_book.sh --pdf``; run by .ci/run).

    python -m tools.check_pdf [PDF] [--min-pages N]        # from the repository root

PDF defaults to ``_build/html/<name>.pdf`` (the copy the site links; the name is
``latex.latex_documents.targetname`` of _config.yml). Needs poppler-utils (``pdfinfo``,
``pdftotext``). Fails (exit 1, one line per problem) unless:

- the PDF has at least ``--min-pages`` pages;
- the title of every page of _toc.yml is in its text (the whole book is there);
- every chapter that has a "Cite this chapter" section on the site has its BibTeX
  entry (``@incollection``) in the PDF;
- no reference is unresolved: no ``??`` (a ``{ref}``/``{numref}``/``{eq}`` LaTeX could
  not resolve) and no ``[?]`` (a citation missing from the bibliography).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

from tools import bookmeta

# The whole book is about 200 pages; a PDF with fewer than this lost chapters or outputs.
MIN_PAGES = 100
# Pages that get no "Cite this chapter" section (tools/sphinx_ext/mlpbook.py:
# the root and mlpbook_cite_exclude).
NOT_CITED = {"book/cite", "book/bibliography"}


def default_pdf() -> Path:
    target = bookmeta.config()["latex"]["latex_documents"]["targetname"]
    return bookmeta.ROOT / "_build" / "html" / Path(target).with_suffix(".pdf").name


def page_title(path: Path) -> str:
    """The first ``# `` heading of a MyST page (front matter and code cells skipped)."""
    text = path.read_text(encoding="utf-8")
    if text.startswith("---"):
        text = text[text.find("\n---", 3) + 4:]
    fence = None
    for line in text.splitlines():
        m = re.match(r"^(`{3,}|~{3,})", line)
        if m:
            if fence is None:
                fence = m.group(1)
            elif line.startswith(fence) and not line[len(fence):].strip():
                fence = None
            continue
        if fence is None and line.startswith("# "):
            return line[2:].strip()
    raise ValueError(f"{path}: no '# title' line")


def normalise(text: str) -> str:
    """Case, ligatures (NFKC), quotes, dashes, spaces and line breaks do not count."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"',
                                         "\u201d": '"', "\u2013": "-", "\u2014": "-",
                                         "\u2212": "-", "\u00ad": ""}))
    text = re.sub(r"-\n", "-", text)          # a title broken at a hyphen
    return re.sub(r"\s+", " ", text).casefold()


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


def problems(pdf: Path, min_pages: int = MIN_PAGES) -> list[str]:
    found = []
    pages = pdf_pages(pdf)
    if pages < min_pages:
        found.append(f"{pages} pages, fewer than the minimum {min_pages}")
    text = pdf_text(pdf)
    flat = normalise(text)
    docs = bookmeta.toc_files()
    for doc in docs:
        title = markup_free(page_title(bookmeta.ROOT / f"{doc}.md"))
        if normalise(title) not in flat:
            found.append(f"the title of {doc}, {title!r}, is not in the PDF")
    cited = [d for d in docs[1:] if d not in NOT_CITED]
    n_entries = text.count("@incollection{")
    if n_entries < len(cited):
        found.append(f"{n_entries} chapter BibTeX entries (@incollection) for {len(cited)} chapters")
    for token, meaning in (("??", "an unresolved cross-reference"), ("[?]", "an unresolved citation")):
        for m in re.finditer(re.escape(token), text):
            context = " ".join(text[max(0, m.start() - 60):m.end() + 60].split())
            found.append(f"{token!r} ({meaning}) in: ...{context}...")
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdf", nargs="?", type=Path, default=None)
    parser.add_argument("--min-pages", type=int, default=MIN_PAGES)
    args = parser.parse_args(argv)
    pdf = args.pdf or default_pdf()
    if not pdf.is_file():
        print(f"no PDF at {pdf}: build it with `bash tools/build_book.sh --pdf`", file=sys.stderr)
        return 1
    found = problems(pdf, args.min_pages)
    for line in found:
        print(f"{pdf.name}: {line}", file=sys.stderr)
    if found:
        return 1
    print(f"{pdf}: {pdf_pages(pdf)} pages, every chapter title and chapter citation present, "
          "no unresolved reference")
    return 0


if __name__ == "__main__":
    sys.exit(main())
