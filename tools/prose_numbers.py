"""Find result-like numbers typed into the book's prose (CONTRIBUTING.md, "Numbers: glue,
never type"), read through ``tools.myst``'s tokens: captions and alt text too, never code,
roles or link targets; ``$710$`` reads as 710. Fixed facts are allowed per page
(``% allow-numbers: 0.07  # reason``) or in tools/prose_numbers_allowed.txt.

    python -m tools.prose_numbers [PAGE ...]      # default: every page; exit 1 on a find
"""

import argparse
import fnmatch
import re
import sys
from collections import namedtuple
from pathlib import Path

from . import bookmeta, myst

ALLOWED = Path(__file__).resolve().parent / "prose_numbers_allowed.txt"
ENFORCED = {"number", "math", "number-word"}

# "number": a decimal, a percentage, 1e-3, or (result_like) an integer of three or more digits
# or with a separator, except years; not section references
NUMBER = re.compile(r"(?<![\w.,])[-−]?(?P<num>(?:\d{1,3}(?:[,\u2009\u202f]\d{3})+|\d+)(?:\.\d+)?|\.\d+)"
                    r"(?P<exp>[eE][-+−]?\d+)?(?P<pct>\s?%)?(?!\w)")
SECTION_REF = re.compile(
    r"(?:§|\b(?:[Ss]ections?|[Cc]hapters?|ch\.|[Ff]ig(?:ure)?s?\.?|[Ee]q(?:uation)?s?\.?|[Tt]ables?|"
    r"[Pp]ages?|pp?\.|[Ee]xercises?|[Hh]omework|[Aa]ssignment|[Ll]ab|[Vv]olume|[Pp]art|"
    r"CC BY(?:-[A-Z]+)*|Attribution|[Vv]ersion|Python|NumPy|PyTorch))"
    r"\s*\d+(?:\.\d+)*(?:\s*[–-]\s*\d+(?:\.\d+)*)?")
MATH_DECIMAL = re.compile(r"(?<![\w.])\d*\.\d{3,}")      # "math": a decimal of 3+ digits in math

# Number words that state a measured ratio or count, and hedged numbers: each a
# result a reader would expect the code to have computed. Kept short on purpose.
_WORD = (r"(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
         r"forty|fifty|sixty|seventy|eighty|ninety|a hundred|hundred|a thousand|thousand|\d+(?:\.\d+)?)")
_HEDGE = (r"(?:(?:a little|just|slightly|well) (?:under|over|below|above|more than|less than)|"
          r"about|around|roughly|nearly|almost|approximately|close to)")
NUMBER_WORDS = [(re.compile(pattern, re.I), label) for label, pattern in {
    "N times (not 'three times a day')": rf"(?<![\w-]){_WORD}\s+times\b(?!\s+(?:a|per|each|every)\b)",
    "twice/half as ...": r"\b(?:twice|thrice|half)\s+as\s+\w+",
    "N-fold (not 'five-fold cross-validation')":
        rf"(?:(?<![\w-]){_WORD}[- ]?fold|\b(?:ten|hundred|thousand)fold)\b(?!\s+(?:cross|validation))",
    "hedged number": rf"\b{_HEDGE}\s+(?:\d[\d,.]*\d|\d|{_WORD})\b",
    "N per cent": rf"(?<![\w-]){_WORD}\s+per\s?cent\b",
    # not "within an order of magnitude" (a hedge)
    "N orders (of magnitude)": rf"(?<![\w-]){_WORD}\s+(?:orders\s+of\s+magnitude|orders\b|decades\b)",
}.items()]
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
RESULT_PLACE_WORDS = [(re.compile(pattern, re.I), label) for label, pattern in {
    "number word above ten": rf"(?<![\w-]){_BIG_WORD}(?:[- ]{_SMALL_WORD})?\b",
    # "two thirds of the weights", "half the runs" (not "outputs show one half": a fact)
    "fraction in words": rf"(?<![\w-])(?:{_SMALL_WORD}[- ])?{_FRACTION}\s+(?:of|the)\b",
    "N in M": rf"(?<![\w-]){_SMALL_WORD}\s+(?:in|out of)\s+(?:{_SMALL_WORD}|{_BIG_WORD})\b",
    "doubles/halves": r"\b(?:doubles|doubled|doubling|halves|halved|halving|triples|tripled)\b",
}.items()]
MATH_TOKENS = {"math_block", "math_block_label", "amsmath", "math_inline", "math_inline_double"}


# line: 1-based; token: the number or phrase; context: the line, shortened; kind: as in ENFORCED
Finding = namedtuple("Finding", "line token context kind")


def option_texts(d: myst.Directive) -> list[tuple[str, str]]:
    """``(key, text)`` of the options a reader sees: a figure's or image's ``:alt:``, a code
    cell's ``mystnb: figure: caption`` and ``image: alt``."""
    nb = d.options.get("mystnb") if d.name == "code-cell" else None
    texts = [("alt", d.options.get("alt"))] if d.name in ("figure", "image") else []
    for group, key in (("figure", "caption"), ("image", "alt")) if isinstance(nb, dict) else ():
        texts.append((key, (nb.get(group) or {}).get(key)))
    return [(key, str(text)) for key, text in texts if text]


def pieces(text: str, place: bool = False) -> list[tuple[str, int, str]]:
    """``(kind, 0-based first line, text)`` of the page: ``text`` (what a reader sees, math
    as ``⟨math⟩`` unless it is a plain number), ``math``, and ``place`` (the text of captions,
    alt text and summary bullets: where results are stated; all of ``text`` with ``place``)."""
    out, lines = [], text.split("\n")
    summary, heading, list_end = None, None, -1   # levels of the summary and the next heading
    for block in myst.walk(text):
        token, d = block.token, block.directive
        if myst.VERBATIM & set(block.parents):
            continue
        if block.type == "heading_open":
            heading = int(token.tag[1])
            summary = None if summary is not None and heading <= summary else summary
        elif block.type in ("bullet_list_open", "ordered_list_open"):
            list_end = max(list_end, block.end)     # closing tokens carry no lines
        elif block.type in MATH_TOKENS or d is not None and d.name == "math":
            out.append(("math", block.start, "\n".join(lines[block.start:block.end])))
        elif block.type == "html_block":
            out.append(("text", block.start, re.sub(r"<[^>\n]+>", " ", token.content)))
        elif d is not None:
            if d.name not in myst.VERBATIM and d.arg:
                out.append(("text", block.start, d.arg))
            for key, value in option_texts(d):
                # the line of the option's key, or the directive's first line
                at = next((k for k in range(block.start, block.end)
                           if re.match(rf"\s*:?{key}:", lines[k])), block.start)
                out += [(kind, at, piece) for kind, _, piece in pieces(value, place=True)]
        elif block.type == "inline":
            if heading is not None and SUMMARY_HEADING.search(token.content.strip()):
                summary = heading
            heading, said, current = None, "", block.start
            for line, child in myst.inline_lines(block):
                said += "\n" * (line - current)     # keep the page's line breaks
                current = line
                if child.type in ("text", "image"):     # an image: its alt text
                    said += child.content
                elif child.type in MATH_TOKENS or child.type == "myst_role" and child.meta["name"] == "math":
                    out.append(("math", line, child.content))
                    plain = re.fullmatch(r"\s*(\d[\d,.]*)\s*", child.content)   # $710$ reads as 710
                    said += plain.group(1) if plain else " \u27e8math\u27e9 "
                elif child.type not in ("softbreak", "hardbreak"):    # code, roles, HTML
                    said += " \u27e8x\u27e9 "
            out.append(("text", block.start, said))
            if place or "figure" in block.parents or "image" in block.parents or (
                    summary is not None and block.start < list_end):
                out.append(("place", block.start, said))
    return out


def result_like(match: re.Match) -> bool:
    num = match.group("num").lstrip("0")
    if match.group("exp") or match.group("pct") or re.search(r"[.,\u2009\u202f]", num):
        return True
    return len(num) >= 3 and not (len(num) == 4 and 1900 <= int(num) <= 2099)   # not a year


def typed_numbers(path: Path, kinds=ENFORCED) -> list[Finding]:
    """Every result-like number of the ``kinds`` asked for, typed into the page's prose."""
    text = Path(path).read_text(encoding="utf-8")
    rel = bookmeta.repo_relative(path).as_posix()    # allowed: NUMBER [PAGE-GLOB ...] per line
    fields = [line.split("#", 1)[0].split() for line in ALLOWED.read_text(encoding="utf-8").splitlines()]
    allowed = {f[0] for f in fields if f and any(fnmatch.fnmatch(rel, g) for g in f[1:] or ["*"])}
    allowed.update(*(m.split() for m in re.findall(r"^%\s*allow-numbers:\s*([^#\n]*)", text, re.M)))
    checks = {"text": [("number", NUMBER)] + [("number-word", p) for p, _ in NUMBER_WORDS],
              "math": [("math", MATH_DECIMAL)],
              "place": [("number-word", p) for p, _ in RESULT_PLACE_WORDS]}
    lines, found = text.split("\n"), set()
    for where, line, piece in pieces(text):
        if where == "text":    # references ("Section 6.5", "Python 3.11"), not results
            piece = SECTION_REF.sub(lambda m: " " * len(m.group(0)), piece)
        for kind, pattern in checks[where]:
            for m in pattern.finditer(piece) if kind in kinds else ():
                words = kind == "number-word"
                token = " ".join(m.group(0).split()) if words else m.group(0).strip()
                names = set(re.split(r"[\s-]+", token)) if words else {token, m.groupdict().get("num")}
                if allowed & names or (kind == "number" and not result_like(m)):
                    continue
                at = line + piece.count("\n", 0, m.start())
                context = ("(in math) " if kind == "math" else "") + lines[at].strip()
                found.add(Finding(at + 1, token, context[:120], kind))
    return sorted(found)


def pages() -> list[Path]:
    return sorted(p for p in bookmeta.BOOK_DIR.rglob("*.md")
                  if not p.name.startswith("_") and "_build" not in p.parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", type=Path, help="pages (default: every page of book/)")
    targets = parser.parse_args(argv).pages or pages()
    found = [(path, finding) for path in targets for finding in typed_numbers(path)]
    for path, (line, token, context, kind) in found:
        print(f"{path}:{line}: typed {kind} {token!r}: {context}")
    if found:
        print(f"\n{len(found)} number(s) typed into the prose: glue them ({{glue:text}}`name:fmt`), "
              f"or, for a fixed fact, add them to {ALLOWED.relative_to(bookmeta.ROOT)} with the reason.")
        return 1
    print(f"{len(targets)} page(s): no result-like number typed into the prose")
    return 0


if __name__ == "__main__":
    sys.exit(main())
