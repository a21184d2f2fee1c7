"""Find result-like numbers typed by hand into the prose of the book's pages.

Every number the text states about a result must be glued, so that the prose cannot
disagree with the code (CONTRIBUTING.md, "Numbers: glue, never type"). Pages are read
through ``tools.myst`` (myst-parser's tokens): the text a reader sees (paragraphs,
headings, lists, tables, admonitions, exercises, solutions, directive titles, HTML, a
figure's ``:alt:``, a code cell's ``mystnb`` caption and alt text), never code, roles,
other options or link targets. Kinds: ``number`` (a decimal, a percentage, ``1e-3``, an
integer of three or more digits or with a separator, except years and section
references), ``math`` (a decimal of three or more digits in math), ``number-word``
(:data:`NUMBER_WORDS`; in captions, alt text and summary lists also
:data:`RESULT_PLACE_WORDS`). Fixed facts are allowed per page (``% allow-numbers: 0.07  #
reason``) or book-wide (``tools/prose_numbers_allowed.txt``: a number, page globs, # reason).

    python -m tools.prose_numbers [PAGE ...]      # default: every page; exit 1 on a find
"""

import argparse
import fnmatch
import re
import sys
from pathlib import Path
from typing import NamedTuple

from . import bookmeta, myst

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
    (re.compile(rf"(?:(?<![\w-]){_WORD}[- ]?fold|\b(?:tenfold|hundredfold|thousandfold))\b"
                r"(?!\s+(?:cross|validation))", re.I), "N-fold"),
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
MATH_TOKENS = {"math_block", "math_block_label", "amsmath", "math_inline", "math_inline_double"}


class Finding(NamedTuple):
    line: int          # 1-based line of the page
    token: str         # the number (or phrase) found
    context: str       # the line, shortened
    kind: str          # "number", "math" or "number-word"


def option_texts(d: myst.Directive) -> list[tuple[str, str]]:
    """``(key, text)`` of the options a reader sees: a figure's or image's ``:alt:``, a code
    cell's ``mystnb: figure: caption`` and ``image: alt``."""
    texts = [("alt", d.options.get("alt"))] if d.name in ("figure", "image") else []
    nb = d.options.get("mystnb") if d.name == "code-cell" else None
    if isinstance(nb, dict):
        texts += [(key, (nb.get(group) or {}).get(key)) for group, key in (("figure", "caption"), ("image", "alt"))]
    return [(key, str(text)) for key, text in texts if text]


def pieces(text: str) -> list[tuple[str, int, str]]:
    """``(kind, 0-based first line, text)`` of the page: ``prose``, ``math``, ``spoken`` (the
    prose with plain-number math written out: ``a little under $710$``) and ``place`` (the
    spoken text of captions, alt text and summary bullets, where results are stated)."""
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
        elif block.type in MATH_TOKENS:
            out.append(("math", block.start, "\n".join(lines[block.start:block.end])))
        elif block.type == "html_block":
            out.append(("prose", block.start, re.sub(r"<[^>\n]+>", " ", token.content)))
        elif d is not None and d.name == "math":
            out.append(("math", d.body_start, "\n".join(d.body)))
        elif d is not None:
            if d.name not in myst.VERBATIM and d.arg:
                out += [("prose", block.start, d.arg), ("spoken", block.start, d.arg)]
            for key, value in option_texts(d):
                # the line of the option's key, or the directive's first line
                at = next((k for k in range(block.start, block.end)
                           if re.match(rf"\s*:?{key}:", lines[k])), block.start)
                inner = [(kind, at, piece) for kind, _, piece in pieces(value)]
                out += inner + [("place", at, piece) for kind, _, piece in inner if kind == "spoken"]
        elif block.type == "inline":
            if heading is not None and SUMMARY_HEADING.search(token.content.strip()):
                summary = heading
            heading, parts, current = None, [("", "")], block.start
            for line, child in myst.inline_lines(block):
                parts.append(("\n" * (line - current),) * 2)     # keep the page's line breaks
                current = line
                if child.type in ("text", "image"):
                    words = child.content if child.type == "text" else "".join(c.content for c in child.children)
                    parts.append((words, words))
                elif child.type in MATH_TOKENS or (child.type == "myst_role" and child.meta.get("name") == "math"):
                    out.append(("math", line, child.content))
                    plain = re.fullmatch(r"\s*(\d[\d,.]*)\s*", child.content)
                    parts.append((" ", plain.group(1) if plain else " \u27e8math\u27e9 "))
                elif child.type not in ("softbreak", "hardbreak"):    # code, roles, HTML
                    parts.append((" ", " \u27e8x\u27e9 "))
            prose, spoken = ("".join(p) for p in zip(*parts))
            out += [("prose", block.start, prose), ("spoken", block.start, spoken)]
            if "figure" in block.parents or "image" in block.parents or (
                    summary is not None and block.start < list_end):
                out.append(("place", block.start, spoken))
    return out


def result_like(match: re.Match) -> bool:
    num = match.group("num")
    if match.group("exp") or match.group("pct") or re.search(r"[.,\u2009\u202f]", num):
        return True
    digits = num.lstrip("0") or "0"
    return len(digits) >= 3 and not (len(digits) == 4 and 1900 <= int(digits) <= 2099)


def allowed_numbers(rel: str) -> set[str]:
    """The numbers tools/prose_numbers_allowed.txt allows on the page ``rel``."""
    fields = [line.split("#", 1)[0].split() for line in ALLOWED.read_text(encoding="utf-8").splitlines()]
    return {f[0] for f in fields if f and any(fnmatch.fnmatch(rel, g) for g in f[1:] or ["*"])}


def typed_numbers(path: Path, kinds=ENFORCED) -> list[Finding]:
    """Every result-like number of the ``kinds`` asked for, typed into the page's prose."""
    text = Path(path).read_text(encoding="utf-8")
    allowed = allowed_numbers(bookmeta.repo_relative(path).as_posix())
    allowed.update(*(m.split() for m in re.findall(r"^%\s*allow-numbers:\s*([^#\n]*)", text, re.M)))
    checks = {"prose": [("number", NUMBER)], "math": [("math", MATH_DECIMAL)],
              "spoken": [("number-word", p) for p, _ in NUMBER_WORDS],
              "place": [("number-word", p) for p, _ in RESULT_PLACE_WORDS]}
    lines, found = text.split("\n"), set()
    for where, line, piece in pieces(text):
        if where == "prose":    # references ("Section 6.5", "Python 3.11"), not results
            piece = SECTION_REF.sub(lambda m: " " * len(m.group(0)), piece)
        for kind, pattern in checks[where]:
            for m in pattern.finditer(piece) if kind in kinds else ():
                words = kind == "number-word"
                names = set(re.split(r"[\s-]+", m.group(0))) if words else {m.group(0), m.groupdict().get("num")}
                if allowed & names or (kind == "number" and not result_like(m)):
                    continue
                at = line + piece.count("\n", 0, m.start())
                context = ("(in math) " if kind == "math" else "") + lines[at].strip()
                token = " ".join(m.group(0).split()) if words else m.group(0).strip()
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
