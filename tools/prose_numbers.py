#!/usr/bin/env python
"""Find result-like numbers typed by hand into the prose of the book's pages.

Every number the text states about a result must be computed and glued
(``{glue:text}`name:.3f```), so that the prose cannot disagree with the code. This
tool reads the Markdown of ``book/**/*.md`` *outside* code cells, code, math,
roles (``{glue:text}``, ``{eq}``, ``{cite}`` ...), directive options, links' targets
and HTML, and reports every number that looks like a result:

- a decimal (``0.97``, ``.5``), a percentage (``97 %``), scientific notation (``1e-3``);
- an integer of three or more digits, or written with a thousands separator
  (``1797``, ``60,000``), except years 1900-2099;
- inside math, a decimal with three or more digits after the point (``\\approx 0.973``).

Small integers (layer sizes, "8×8", "10 classes", "seeds 1 to 5") pass. So do section
references ("§6.5", "chapter 11"). Fixed facts that are not results may be allowed:

- on one page, by a MyST comment line in that page (invisible on the site, dropped
  from the Colab notebook), numbers separated by spaces, then ``#`` and the reason::

      % allow-numbers: 0.07 0.02  # the learning rates the homework prescribes

- on every page, in ``tools/prose_numbers_allowed.txt``: one number per line,
  optionally followed by the pages (globs) it is allowed on, then ``#`` and the reason.

    python tools/prose_numbers.py              # all pages; exit 1 if any number is found
    python tools/prose_numbers.py book/x.md    # some pages
"""

from __future__ import annotations

import fnmatch
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bookmeta  # noqa: E402

ROOT = bookmeta.ROOT
ALLOWED = Path(__file__).resolve().parent / "prose_numbers_allowed.txt"

NUMBER = re.compile(
    r"(?<![\w.,])(?:[-−])?"
    r"(?P<num>(?:\d{1,3}(?:[,\u2009\u202f]\d{3})+|\d+)(?:\.\d+)?|\.\d+)"
    r"(?P<exp>[eE][-+−]?\d+)?"
    r"(?P<pct>\s?%)?"
    r"(?![\w])"
)
SECTION_REF = re.compile(
    r"(?:§|\b(?:[Ss]ections?|[Cc]hapters?|ch\.|[Ff]ig(?:ure)?s?\.?|[Ee]q(?:uation)?s?\.?|[Tt]ables?|"
    r"[Pp]ages?|pp?\.|[Ee]xercises?|[Hh]omework|[Aa]ssignment|[Ll]ab|[Vv]olume|[Pp]art|"
    r"CC BY(?:-[A-Z]+)*|Attribution|[Vv]ersion|Python|NumPy|PyTorch))"
    r"\s*\d+(?:\.\d+)*(?:\s*[–-]\s*\d+(?:\.\d+)*)?"
)
MATH_DECIMAL = re.compile(r"(?<![\w.])\d*\.\d{3,}")


def allowed_numbers() -> list[tuple[str, list[str]]]:
    out = []
    if not ALLOWED.exists():
        return out
    for line in ALLOWED.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            number, *globs = line.split()
            out.append((number, globs or ["*"]))
    return out


def _blank(match: re.Match) -> str:
    """Replace a match by spaces and newlines, keeping line numbers."""
    return re.sub(r"[^\n]", " ", match.group(0))


def prose_and_math(text: str) -> tuple[str, str]:
    """(prose, math) of a MyST page, each with everything else blanked out."""
    text = re.sub(r"\A---\n.*?\n---[ \t]*\n", _blank, text, flags=re.S)           # front matter
    text = re.sub(r"^(`{3,})\{code-cell\}.*?^\1[ \t]*$", _blank, text, flags=re.M | re.S)
    text = re.sub(r"^(`{3,}|:{3,})\{(?:code-block|code|sourcecode|book-citation|book-install|"
                  r"bibliography|glue(?::\w+)?|raw)\}.*?^\1[ \t]*$", _blank, text, flags=re.M | re.S)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from make_notebooks import code_block_spans
    for start, end in reversed(code_block_spans(text)):
        text = text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]
    text = re.sub(r"^[ \t]*:[\w-]+:.*$", _blank, text, flags=re.M)                # directive options
    text = re.sub(r"^[ \t]*(`{3,}|:{3,})\{[^}]*\}.*$", _blank, text, flags=re.M)   # directive lines
    # closing fences: left alone, a bare ``` would open a "code span" that hides the prose
    # up to the next fence from this check
    text = re.sub(r"^[ \t]*(?:`{3,}|:{3,})[ \t]*$", _blank, text, flags=re.M)
    text = re.sub(r"^\([^()\s]+\)=[ \t]*$|^%.*$|^\+\+\+.*$", _blank, text, flags=re.M)
    math = list(re.sub(r"[^\n]", " ", text))

    def keep_math(m):
        math[m.start():m.end()] = m.group(0)
        return _blank(m)

    text = re.sub(r"\$\$.*?\$\$(?:[ \t]*\([^()\s]+\))?", keep_math, text, flags=re.S)
    text = re.sub(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", keep_math, text, flags=re.S)
    text = re.sub(r"\{math\}`[^`]*`", keep_math, text)
    text = re.sub(r"(?<![\\$])\$(?!\s)[^$\n]+?(?<![\s\\])\$", keep_math, text)
    text = re.sub(r"\{[\w:+-]+\}(`+).*?\1", _blank, text, flags=re.S)             # roles
    text = re.sub(r"(`+).*?\1", _blank, text, flags=re.S)                         # code spans
    text = re.sub(r"\]\([^)]*\)|<https?://[^>]*>|https?://\S+", _blank, text)      # link targets
    text = re.sub(r"<[^>\n]+>", _blank, text)                                       # HTML tags
    text = re.sub(r"\{\{[^}]*\}\}", _blank, text)                                   # substitutions
    text = SECTION_REF.sub(_blank, text)
    return text, "".join(math)


def result_like(match: re.Match) -> bool:
    num = match.group("num")
    if match.group("exp") or match.group("pct") or "." in num:
        return True
    if re.search(r"[,\u2009\u202f]", num):
        return True
    digits = num.lstrip("0") or "0"
    if len(digits) >= 3:
        return not (len(digits) == 4 and 1900 <= int(digits) <= 2099)
    return False


def typed_numbers(path: Path) -> list[tuple[int, str, str]]:
    """(line, number, context) of every result-like number typed into the page's prose."""
    try:
        rel = path.resolve().relative_to(ROOT).as_posix()
    except ValueError:  # a file outside the repository (tests)
        rel = path.name
    allowed = [n for n, globs in allowed_numbers() if any(fnmatch.fnmatch(rel, g) for g in globs)]
    text = path.read_text(encoding="utf-8")
    for m in re.finditer(r"^%\s*allow-numbers:\s*([^#\n]*)", text, re.M):
        allowed += m.group(1).split()
    prose, math = prose_and_math(text)
    found = []
    for m in NUMBER.finditer(prose):
        token = m.group(0).strip()
        if not result_like(m) or token in allowed or m.group("num") in allowed:
            continue
        line = prose.count("\n", 0, m.start()) + 1
        context = text.splitlines()[line - 1].strip()
        found.append((line, token, context[:120]))
    for m in MATH_DECIMAL.finditer(math):
        if m.group(0) not in allowed:
            line = math.count("\n", 0, m.start()) + 1
            found.append((line, m.group(0), "(in math) " + text.splitlines()[line - 1].strip()[:100]))
    return sorted(found)


def pages() -> list[Path]:
    return sorted(p for p in bookmeta.BOOK_DIR.rglob("*.md")
                  if not p.name.startswith("_") and "_build" not in p.parts)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    targets = [Path(a) for a in argv] or pages()
    total = 0
    for path in targets:
        for line, token, context in typed_numbers(path):
            total += 1
            where = f"{path}:{line}"
            print(f"{where}: typed number {token!r}: {context}")
    if total:
        print(f"\n{total} number(s) typed into the prose: glue them ({{glue:text}}`name:fmt`), "
              f"or, for a fixed fact, add them to {ALLOWED.relative_to(ROOT)} with the reason.")
        return 1
    print(f"{len(targets)} page(s): no result-like number typed into the prose")
    return 0


if __name__ == "__main__":
    sys.exit(main())
