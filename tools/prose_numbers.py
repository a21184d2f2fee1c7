#!/usr/bin/env python
"""Find result-like numbers typed by hand into the prose of the book's pages.

Every number the text states about a result must be computed and glued, so that the
prose cannot disagree with the code (CONTRIBUTING.md, "Numbers: glue, never type").
The pages are read through ``tools.myst`` (myst-parser's tokens): the text of
paragraphs, headings, lists, tables, admonitions, exercises, solutions, directive
titles, HTML blocks, and the options a reader sees (a figure's ``:alt:``, a code cell's
``mystnb`` caption and alt text); never code, roles, other options or link targets.
Kinds found: ``number`` (a decimal, a percentage, ``1e-3``, an integer of three or more
digits or with a thousands separator, except years and section references), ``math``
(a decimal with three or more digits inside math) and ``number-word`` (:data:`NUMBER_WORDS`:
"twenty times", "twice as fast", "a little under $710$"; and in captions, alt text and
summary bullet lists, :data:`RESULT_PLACE_WORDS`: "fifteen", "two thirds of", "halves").
Fixed facts are allowed per page (``% allow-numbers: 0.07  # reason``) or book-wide
(``tools/prose_numbers_allowed.txt``: a number, optional page globs, ``# reason``).

    python -m tools.prose_numbers [PAGE ...]      # default: every page; exit 1 on a find
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import sys
from pathlib import Path
from typing import NamedTuple

from . import bookmeta, myst

ROOT = bookmeta.ROOT
ALLOWED = Path(__file__).resolve().parent / "prose_numbers_allowed.txt"
ENFORCED = {"number", "math", "number-word"}

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

# Number words that state a measured ratio or count, and hedged numbers: each a
# result a reader would expect the code to have computed. Kept short on purpose.
_WORD = (r"(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
         r"forty|fifty|sixty|seventy|eighty|ninety|a hundred|hundred|a thousand|thousand|\d+(?:\.\d+)?)")
_HEDGE = (r"(?:(?:a little|just|slightly|well) (?:under|over|below|above|more than|less than)|"
          r"about|around|roughly|nearly|almost|approximately|close to)")
NUMBER_WORDS = [
    # "twenty times", "five times as many", "10 times faster" (not "one time", "three times a day")
    (re.compile(rf"(?<![\w-]){_WORD}\s+times\b(?!\s+(?:a|per|each|every)\b)", re.I), "N times"),
    (re.compile(r"\b(?:twice|thrice|half)\s+as\s+\w+", re.I), "twice/half as ..."),
    (re.compile(rf"(?:(?<![\w-]){_WORD}[- ]?fold|\b(?:tenfold|hundredfold|thousandfold))\b(?!\s+(?:cross|validation))", re.I),
     "N-fold"),
    (re.compile(rf"\b{_HEDGE}\s+(?:\d[\d,.]*\d|\d|{_WORD})\b", re.I), "hedged number"),
    (re.compile(rf"(?<![\w-]){_WORD}\s+per\s?cent\b", re.I), "N per cent"),
    # "eight orders of magnitude", "five decades" (not "within an order of magnitude", a hedge)
    (re.compile(rf"(?<![\w-]){_WORD}\s+(?:orders\s+of\s+magnitude|orders\b|decades\b)", re.I),
     "N orders of magnitude"),
]
# Where a page sums its results up: sections with these headings (their bullet lists),
# and the captions and alt text of its figures.
SUMMARY_HEADING = re.compile(r"^(?:summary|in short|in brief|key points|takeaways|recap)\b", re.I)
_BIG_WORD = (r"(?:eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|"
             r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|"
             r"dozens?)")
_SMALL_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|a)"
_FRACTION = r"(?:half|thirds?|quarters?|fifths?|sixths?|sevenths?|eighths?|ninths?|tenths?|hundredths?)"
# Number words that state a result when a caption, an alt text or a summary bullet uses
# them; in ordinary prose they pass ("in the twentieth century", "a half-open interval").
RESULT_PLACE_WORDS = [
    (re.compile(rf"(?<![\w-]){_BIG_WORD}(?:[- ]{_SMALL_WORD})?\b", re.I), "number word above ten"),
    # "two thirds of the weights", "half the runs" (not "outputs show one half": a fact)
    (re.compile(rf"(?<![\w-])(?:{_SMALL_WORD}[- ])?{_FRACTION}\s+(?:of|the)\b", re.I), "fraction in words"),
    (re.compile(rf"(?<![\w-]){_SMALL_WORD}\s+(?:in|out of)\s+(?:{_SMALL_WORD}|{_BIG_WORD})\b", re.I),
     "N in M"),
    (re.compile(r"\b(?:doubles|doubled|doubling|halves|halved|halving|triples|tripled)\b", re.I),
     "doubles/halves"),
]
# Directive bodies that are not prose of the page.
SKIPPED_DIRECTIVES = myst.VERBATIM
MATH_TOKENS = {"math_block", "math_block_label", "amsmath", "math_inline", "math_inline_double"}


class Finding(NamedTuple):
    line: int          # 1-based line of the page
    token: str         # the number (or phrase) found
    context: str       # the line, shortened
    kind: str          # "number", "math" or "number-word"


def allowed_numbers() -> list[tuple[str, list[str]]]:
    lines = ALLOWED.read_text(encoding="utf-8").splitlines() if ALLOWED.exists() else []
    fields = [ln.split("#", 1)[0].split() for ln in lines]
    return [(f[0], f[1:] or ["*"]) for f in fields if f]


def option_texts(directive) -> list[tuple[str, str]]:
    """``(key, text)`` of the options of a directive that a reader sees: a figure's or
    image's ``:alt:``, and a code cell's ``mystnb: figure: caption`` and ``image: alt``."""
    out = []
    opts = directive.options if isinstance(directive.options, dict) else {}
    if directive.name in ("figure", "image") and opts.get("alt"):
        out.append(("alt", str(opts["alt"])))
    nb = opts.get("mystnb") if directive.name == "code-cell" else None
    if isinstance(nb, dict):
        for group, key in (("figure", "caption"), ("image", "alt")):
            section = nb.get(group)
            if isinstance(section, dict) and section.get(key):
                out.append((key, str(section[key])))
    return out


def pieces(text: str) -> dict[str, list[tuple[int, str]]]:
    """The page's ``prose``, its ``math``, its prose with plain-number math written out
    (``spoken``: ``a little under $710$``), and the spoken text of its result places
    (``places``: captions, alt text, summary bullets), each as a list of
    ``(0-based first line, text)``."""
    out = {"prose": [], "math": [], "spoken": [], "places": []}
    lines = text.split("\n")
    summary_level = None       # heading level of the summary section we are in
    pending_heading = None     # level of a heading whose text comes next
    list_end = -1              # one past the last line of the lists seen so far
    for block in myst.walk(text):
        if SKIPPED_DIRECTIVES & set(block.parents):
            continue
        token, d = block.token, block.directive
        in_figure = bool({"figure", "image"} & set(block.parents))
        if block.type == "heading_open":
            pending_heading = int(token.tag[1])
            if summary_level is not None and pending_heading <= summary_level:
                summary_level = None
        elif block.type in ("bullet_list_open", "ordered_list_open"):
            list_end = max(list_end, block.end)     # closing tokens carry no lines
        if d is not None:
            if d.name == "math":
                out["math"].append((d.body_start, "\n".join(d.body)))
            elif d.name not in SKIPPED_DIRECTIVES and d.arg:
                out["prose"].append((block.start, d.arg))
                out["spoken"].append((block.start, d.arg))
            for key, value in option_texts(d):
                # the line of the option's key, or the directive's first line
                at = next((k for k in range(block.start, min(block.end, len(lines)))
                           if re.match(rf"\s*:?{key}:", lines[k])), block.start)
                inner = pieces(value)
                for kind in ("prose", "math", "spoken"):
                    out[kind] += [(at, t) for _, t in inner[kind]]
                out["places"] += [(at, t) for _, t in inner["spoken"]]
        elif block.type in MATH_TOKENS:
            out["math"].append((block.start, "\n".join(lines[block.start:block.end])))
        elif block.type == "html_block":
            out["prose"].append((block.start, re.sub(r"<[^>\n]+>", " ", token.content)))
        elif block.type == "inline":
            if pending_heading is not None:
                if SUMMARY_HEADING.search(token.content.strip()):
                    summary_level = pending_heading
                pending_heading = None
            words, said, current = [], [], block.start
            for line, child in myst.inline_lines(block):
                if line > current:                   # keep the page's line breaks
                    words.append("\n" * (line - current)), said.append("\n" * (line - current))
                    current = line
                if child.type in ("softbreak", "hardbreak"):
                    continue
                if child.type in ("text", "image"):
                    piece = child.content if child.type == "text" else "".join(c.content for c in child.children)
                    words.append(piece), said.append(piece)
                elif child.type in MATH_TOKENS or (child.type == "myst_role" and child.meta.get("name") == "math"):
                    out["math"].append((line, child.content))
                    plain = re.fullmatch(r"\s*(\d[\d,.]*)\s*", child.content)
                    words.append(" "), said.append(plain.group(1) if plain else " \u27e8math\u27e9 ")
                else:                            # code, roles, HTML, substitutions
                    words.append(" "), said.append(" \u27e8x\u27e9 ")
            out["prose"].append((block.start, "".join(words)))
            out["spoken"].append((block.start, "".join(said)))
            if in_figure or (summary_level is not None and block.start < list_end):
                out["places"].append((block.start, "".join(said)))
    return out


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


def typed_numbers(path: Path, kinds=ENFORCED) -> list[Finding]:
    """Every result-like number of the ``kinds`` asked for, typed into the page's prose."""
    rel = bookmeta.repo_relative(path).as_posix()
    allowed = [n for n, globs in allowed_numbers() if any(fnmatch.fnmatch(rel, g) for g in globs)]
    text = Path(path).read_text(encoding="utf-8")
    for m in re.finditer(r"^%\s*allow-numbers:\s*([^#\n]*)", text, re.M):
        allowed += m.group(1).split()
    page = text.split("\n")
    found_pieces = pieces(text)
    prose, math, spoken, places = (found_pieces[k] for k in ("prose", "math", "spoken", "places"))

    def context(line, prefix=""):
        return prefix + page[line].strip()[:120 - len(prefix)]

    found = []
    for line, piece in prose if "number" in kinds else []:
        piece = SECTION_REF.sub(lambda m: " " * len(m.group(0)), piece)
        for m in NUMBER.finditer(piece):
            token = m.group(0).strip()
            if result_like(m) and token not in allowed and m.group("num") not in allowed:
                at = line + piece.count("\n", 0, m.start())
                found.append(Finding(at + 1, token, context(at), "number"))
    for line, piece in math if "math" in kinds else []:
        for m in MATH_DECIMAL.finditer(piece):
            if m.group(0) not in allowed:
                at = line + piece.count("\n", 0, m.start())
                found.append(Finding(at + 1, m.group(0), context(at, "(in math) "), "math"))
    words = [(spoken, NUMBER_WORDS), (places, RESULT_PLACE_WORDS)] if "number-word" in kinds else []
    for where, patterns in words:
        for line, piece in where:
            for pattern, _ in patterns:
                for m in pattern.finditer(piece):
                    if not any(word in allowed for word in re.split(r"[\s-]+", m.group(0))):
                        at = line + piece.count("\n", 0, m.start())
                        found.append(Finding(at + 1, " ".join(m.group(0).split()), context(at), "number-word"))
    return sorted(set(found))


def pages() -> list[Path]:
    return sorted(p for p in bookmeta.BOOK_DIR.rglob("*.md")
                  if not p.name.startswith("_") and "_build" not in p.parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", type=Path, help="pages (default: every page of book/)")
    args = parser.parse_args(argv)
    targets = args.pages or pages()
    total = 0
    for path in targets:
        for line, token, context, kind in typed_numbers(path):
            total += 1
            print(f"{path}:{line}: typed {kind} {token!r}: {context}")
    if total:
        print(f"\n{total} number(s) typed into the prose: glue them ({{glue:text}}`name:fmt`), "
              f"or, for a fixed fact, add them to {ALLOWED.relative_to(ROOT)} with the reason.")
        return 1
    print(f"{len(targets)} page(s): no result-like number typed into the prose")
    return 0


if __name__ == "__main__":
    sys.exit(main())
