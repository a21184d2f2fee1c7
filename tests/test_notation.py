"""One notation in every chapter.

Two checks, on the Markdown of the pages (outside code cells, inline code, comments
and roles):

1. **The declared symbols** (``book/_data/symbols.yml``, from which the notation page
   renders its tables). A sentence of a page in the table of contents *defines* a
   symbol when it has one of the forms of ``DEFINITION_FORMS``: "where $X$ is the
   (a, an) ...", "$X$ denotes ...", "let $X$ be ...", "write $X$ for ...", "(we)
   call ... $X$" (not "the homework calls $X$": another text's names), "with $X$
   the ...", "with a ... $X$" and "$X := ...$", where $X$ is one symbol (with indices
   or an argument, not an expression) and, after "with", not a value ("with
   $h = 0.1$"). Such a sentence must define a declared symbol (else: *undeclared*),
   with its declared meaning, that is, it names one of the declaration's ``cues``
   (else: *another meaning*), on a page the declaration lists (else: *page not
   listed*). A symbol is its letter with accents, without bold face or indices
   (``symbol_key``); a letter with two declared uses tells them apart by how they are
   written (a ``form``, e.g. the Kronecker delta's two lower indices). A failure names
   the page, the line, the symbol, the declared meaning and the fix. The declarations
   are checked too: one meaning per symbol, the listed pages exist and write it.
2. **Old drifts** (``RULES``): the known ways a symbol has drifted before: the
   output written p or F instead of a^L, classes numbered 1..K instead of 0..K-1,
   eta for anything but the learning rate, A for anything but activations, Z for
   anything but pre-activations, b for anything but a bias, L for a loss, lambda for
   an eigenvalue, N for the minibatch size, t_n / x_n for an example, beta for anything
   but momentum. Each rule is a pattern and the symbol the notation page gives instead.

The labs are read too: a lab's page in the table of contents, ``book/labs/<stem>``, is
a notebook generated from ``labs/<stem>.md`` (``tools/labs.py``), so both checks read
that source (``page_source``), with the same rules; its raw cells (otter's
configuration) are skipped like code. In ``symbols.yml`` a lab is listed by its page,
``book/labs/<stem>``, and the exemptions of the old drifts follow the lab's chapter
(front matter ``lab: chapter:``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
NOTATION = BOOK / "notation.md"
SYMBOLS = BOOK / "_data" / "symbols.yml"
TOC = ROOT / "_toc.yml"
LABS = ROOT / "labs"

# (name, pattern, message). Patterns run on prose and math, one line at a time.
RULES = [
    ("output-p", r"\\mathbf\{p\}|\\mathbf\s+p\b|(?<![\w\\{])p_(?:[ijkyt]\b|\{[^}]*\})|(?<![\w\\])P\s*-\s*Y\b",
     "the network's output is a^L (or \\hat y), not p"),
    ("output-F", r"(?<![\w\\])F_(?:\w|\{[^}]*\})(?!\s*\()|(?<![\w\\])F\s*\^\s*\\top|\\operatorname\{diag\}\(F\)",
     "the output vector is a^L; F is the output function (F(z), F_i(z))"),
    ("classes-from-1", r"_\{\w\s*=\s*1\}\^\{?K\}?(?![-\w])|\b\w\s*=\s*1,\s*\\[lc]?dots,\s*K(?!\s*-)|\\\{1,\s*\\[lc]?dots,\s*K\\\}",
     "classes are numbered 0, ..., K-1 (sums over classes run from 0 to K-1)"),
    ("eta", r"\\boldsymbol\{\\eta\}|\\mathbf\{\\eta\}|\\eta\s*=\s*\\mathbf\{z\}",
     "eta is the learning rate only (the natural parameter is \\nu)"),
    ("A-function", r"(?<![\w\\{])A\s*\((?!\\mathbf\{1\})|\\nabla\s*A(?![\w^])",
     "A is the activation matrix only (the log-partition function is \\Psi)"),
    ("Z-normaliser", r"\\log\s*Z(?![\w^])|(?<![\w\\])Z\s*=\s*\\sum|\\frac\{[^{}]*\}\{Z(?:\^2)?\}|/\s*Z(?![\w^])",
     "Z is the pre-activation matrix only (the softmax normaliser is S)"),
    ("b-scale", r"\\frac\{1\}\{2b\}|\\log\s*\(2b\)|\{Nb\}|\(Nb\)|scale\s+\$b\b|\$b\s*=\s*\\sigma",
     "b is a bias only (the Laplace scale is \\tau)"),
    ("L-loss", r"\\bar\s*L(?![A-Za-z])|\\tilde\s*L(?![A-Za-z])|(?<![\w\\])L_\{\\text|\\mathcal\{L\}",
     "L is the number of layers only (a loss is \\ell, its mean \\bar\\ell, the objective J)"),
    ("lambda-eigen", r"\\lambda_\{?\\(?:max|min)|\\lambda\s*\(",
     "lambda is a penalty coefficient only (eigenvalues are \\mu, e.g. \\mu_{\\max})"),
    ("minibatch-N", r"[Mm]inibatch(?:es)? of \$N\b|batch size \$N\b|\$N\$ (?:is|as) the (?:mini)?batch size",
     "the minibatch size is B (N counts the examples of a data set or of one batch computation)"),
    ("example-subscript", r"(?<![\w\\])t_n\b|(?<![\w\\])t_\{n\}|\\mathbf\s*\{?x\}?_n\b|(?<![\w\\{])x_n\b",
     "example n is (x^{(n)}, y^{(n)}), not (x_n, t_n)"),
    ("beta", r"\\beta(?![\w])",
     "beta is the momentum coefficient (beta_1, beta_2 for Adam); a penalty coefficient is lambda"),
]

# pages where a rule does not apply, with the reason
EXEMPT = {
    # Part III introduces momentum: beta is its coefficient there
    "beta": lambda rel: rel.startswith("book/training/"),
}


def pages():
    """Every page but the notation page itself, which names the forms it rules out, and
    the lab sources (labs/<stem>.md)."""
    return sorted(p for p in BOOK.rglob("*.md")
                  if not p.name.startswith("_") and "_build" not in p.parts and p != NOTATION) \
        + sorted(LABS.glob("*.md"))


def page_source(page: str) -> Path:
    """The Markdown a page of the table of contents is made from: ``book/x.md``, or for a
    lab (``book/labs/<stem>``, a generated notebook) its source ``labs/<stem>.md``."""
    path = ROOT / f"{page}.md"
    if not path.exists() and page.startswith("book/labs/"):
        path = LABS / f"{page.removeprefix('book/labs/')}.md"
    return path


def chapter_of(path: Path) -> str:
    """The page whose rules apply: a lab source's chapter (front matter ``lab: chapter:``),
    else the page itself."""
    if path.parent == LABS:
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("\n---\n", 1)[0].removeprefix("---\n"))
        return front["lab"]["chapter"]
    return rel(path)


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def prose_and_math(text: str):
    """(line number, line) of the Markdown outside code cells and fenced code, with
    inline code, roles' contents, comments and HTML removed (raw cells, a lab's otter
    configuration, count as code)."""
    fence = None
    in_front_matter = text.startswith("---\n")
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if in_front_matter:
            if number > 1 and stripped == "---":
                in_front_matter = False
            continue
        if fence is not None:
            if stripped == fence:
                fence = None
            continue
        match = re.match(r"(`{3,}|~{3,})(.*)", stripped)
        if match:
            rest = match.group(2)
            if not rest.startswith("{") or rest.startswith(("{code-cell", "{code-block", "{raw-cell")):
                fence = match.group(1)
            continue
        if stripped.startswith("%") or stripped.startswith(":"):
            continue  # MyST comments (allow-numbers lines) and directive options
        line = re.sub(r"\{[\w:-]+\}`[^`]*`", " ", line)  # roles: {glue:text}`...`, {eq}`...`
        line = re.sub(r"``[^`]*``|`[^`]*`", " ", line)    # inline code
        line = re.sub(r"<[^>]+>", " ", line)              # HTML
        yield number, line


def violations(path: Path):
    found = []
    for number, line in prose_and_math(path.read_text(encoding="utf-8")):
        for name, pattern, message in RULES:
            if name in EXEMPT and EXEMPT[name](chapter_of(path)):
                continue
            for match in re.finditer(pattern, line):
                found.append(f"{rel(path)}, line {number}: `{match.group(0)}`: {message}")
    return found


@pytest.mark.parametrize("page", pages(), ids=rel)
def test_chapter_uses_the_notation_page_symbols(page):
    found = violations(page)
    assert not found, "symbols the notation page reserves for something else:\n" + "\n".join(found)


@pytest.mark.parametrize("name, bad, good", [
    ("output-p", r"the probabilities $p_j = q_j / S$", r"the probabilities $a_j = q_j / S$"),
    ("output-p", r"$\mathbf{p} - \mathbf{y}$", r"$\mathbf{a} - \mathbf{y}$"),
    ("output-F", r"$\mathcal{J} = \operatorname{diag}(F) - FF^\top$", r"$a_i = F_i(\mathbf{z})$"),
    ("classes-from-1", r"$\sum_{k=1}^{K} e^{z_k}$", r"$\sum_{k=0}^{K-1} e^{z_k}$"),
    ("classes-from-1", r"$(j = 1, \dots, K)$", r"$(j = 0, \dots, K-1)$"),
    ("eta", r"natural parameters $\boldsymbol{\eta}$", r"learning rate $\eta$"),
    ("A-function", r"log-partition $A(\mathbf{z})$ and $\nabla A$", r"activations $A^{l-1} W^l$"),
    ("Z-normaliser", r"$\log Z = \log \sum_k e^{z_k}$", r"$Z^l = A^{l-1} W^l$"),
    ("b-scale", r"with scale $b > 0$ has the density $\frac{1}{2b}$", r"bias $\mathbf{b}^l$"),
    ("L-loss", r"the window's mean loss $\bar L_j$", r"$L$ layers and a mean loss $\bar\ell$"),
    ("lambda-eigen", r"$\eta < 2/\lambda_{\max}$", r"$\eta < 2/\mu_{\max}$ and $\lambda_2 W$"),
    ("minibatch-N", r"a minibatch of $N$ examples", r"a minibatch of $B$ examples"),
    ("example-subscript", r"pairs $(\mathbf x_n, t_n)$", r"pairs $(\mathbf{x}^{(n)}, y^{(n)})$"),
    ("beta", r"$(-\beta, \beta)$", r"$\lambda_2$"),
])
def test_rules_catch_the_clashes_and_pass_the_notation(name, bad, good, tmp_path):
    """Each rule fails on the clash it was written for and passes the book's symbol."""
    pattern = dict((n, p) for n, p, _ in RULES)[name]
    assert re.search(pattern, bad), f"rule {name} misses {bad!r}"
    assert not re.search(pattern, good), f"rule {name} flags the correct {good!r}"


def test_code_and_comments_are_not_checked(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("% allow-numbers: 1  # $\\log Z$\n\n```{code-cell} ipython3\np_j = q / Z\n```\n\n"
                    "The value `p_j` and {glue:text}`p_j` are code, $a_j$ is math.\n", encoding="utf-8")
    assert [line for _, line in prose_and_math(page.read_text()) if "p_j" in line or "Z" in line] == []


def test_notation_page_lists_the_symbols_the_rules_point_to():
    """The replacements the rules name are declared (and so on the notation page)."""
    text = "\n".join(entry["symbol"] + " " + entry["meaning"] for entry in declarations())
    for symbol in [r"\mathbf{a}^L", r"\hat{\mathbf{y}}", r"K-1", r"\eta", r"\boldsymbol{\nu}", r"\Psi",
                   r"S", r"\tau", r"\bar\ell", r"\mu_{\max}", r"B", r"\beta", r"\beta_1", r"\beta_2",
                   r"\mathbf{g}_t", r"\mathbf{m}_t", r"\mathbf{v}_t", r"\varepsilon", r"\omega", r"\kappa",
                   r"\mathbf{r}^l", r"s_l", r"\bar{v}", r"\theta"]:
        assert symbol in text, f"book/_data/symbols.yml does not declare {symbol}"


# --------------------------------------------------------------------------- declared symbols
TABLES = ("core", "chapter", "training")

_FONT = re.compile(r"\\(?:mathbf|boldsymbol|bm|mathit|mathrm)\b\s*\{?")
_ACCENT = re.compile(r"\\(hat|bar|tilde|widehat|widetilde|overline|check|dot)\b\s*\{?")
_BASE = re.compile(r"\\mathcal\s*\{?\s*([A-Za-z])\s*\}?|\\([A-Za-z]+)|([A-Za-z])")
_WORD_INDEX = re.compile(r"\}*\s*_\s*\{?\s*(?:\\(?:text|mathrm|operatorname)\s*\{\s*([A-Za-z]+)\s*\}|\\(max|min)\b)")
GREEK = set("""alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi
    pi rho varrho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon
    Phi Psi Omega ell""".split())


def symbol_key(tex: str):
    """The symbol a piece of math starts with, as the check identifies it: its letter with
    accents, without bold face, indices or exponents, but with a word index
    (``\\hat{\\mathbf{y}}^{(n)}`` -> ``\\hat y``, ``\\mu_{\\max}`` -> ``\\mu_max``,
    ``W^l`` -> ``W``); None when the math starts with no letter (a number, an operator)."""
    s, accents = tex.strip(), []
    while True:
        s = s.lstrip(" {")
        font, accent = _FONT.match(s), _ACCENT.match(s)
        if font:
            s = s[font.end():]
        elif accent:
            accents.append("\\" + accent.group(1))
            s = s[accent.end():]
        else:
            break
    base = _BASE.match(s)
    if not base:
        return None
    if base.group(1):
        letter = f"\\mathcal{{{base.group(1)}}}"
    elif base.group(2):
        if base.group(2) not in GREEK:
            return None
        letter = "\\" + base.group(2)
    else:
        letter = base.group(3)
    word = _WORD_INDEX.match(s[base.end():])
    index = "_" + (word.group(1) or word.group(2)) if word else ""
    return " ".join(accents + [letter]) + index


_INDEX = re.compile(r"\s*(?:[_^]\s*(?:\{(?:[^{}]|\{[^{}]*\})*\}|\\[A-Za-z]+\s*\{[^{}]*\}|\\[A-Za-z]+|\w)"
                    r"|'|\}|\((?:[^()]|\([^()]*\))*\))")


def is_one_symbol(tex: str) -> bool:
    """Whether the math is one symbol, with indices, exponents or an argument
    (``\\delta^l_j``, ``\\sigma(z)``), not an expression (``\\mathbf{a} \\boldsymbol\\delta``)."""
    s = tex.strip()
    while True:
        s = s.lstrip(" {")
        prefix = _FONT.match(s) or _ACCENT.match(s)
        if not prefix:
            break
        s = s[prefix.end():]
    base = _BASE.match(s)
    if not base:
        return False
    rest = s[base.end():]
    while True:
        index = _INDEX.match(rest)
        if not index or not index.group(0):
            break
        rest = rest[index.end():]
    return not rest.strip()


def split_symbols(tex: str):
    """The symbols of one piece of math: its parts between top-level commas, each up to
    an ``=`` (``"A^l, Z^l"`` -> both; ``"S = \\sum_k e^{z_k}"`` -> ``S``)."""
    parts, depth, current = [], 0, ""
    for char in tex:
        depth += char in "{([" and 1 or 0
        depth -= char in "})]" and 1 or 0
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    parts = [part.strip() for part in parts]
    for i, part in enumerate(parts):   # "k = 0, \dots, K-1": what follows a relation is no symbol of its own
        relation = re.search(r":=|\\coloneqq|=|\\in\b|\\sim\b|<|>|\\le\b|\\ge\b", part)
        if relation:
            parts = parts[:i] + [part[:relation.start()].strip()]
            break
    return [part for part in parts if part and not re.fullmatch(r"\\[lc]?dots", part)]


def declarations(path: Path = SYMBOLS):
    """The entries of the symbol file, each with ``keys``: the symbols it declares."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in entries:
        entry["keys"] = [k for k in map(symbol_key, split_symbols(entry["symbol"])) if k]
    return entries


def toc_pages():
    """The pages of the table of contents (_toc.yml), as repository paths without suffix."""
    toc = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(toc.get("parts", []))
    return found


INLINE_MATH = r"(?<!\$)\$(?!\$)[^$\n]+?(?<!\$)\$(?!\$)"
MATH_LIST = rf"{INLINE_MATH}(?:\s*,\s*{INLINE_MATH})*(?:,?\s+and\s+{INLINE_MATH})?"
# name -> pattern; group "math" holds the math that is being defined
DEFINITION_FORMS = {
    "where $X$ is the ...": rf"\b[Ww]here\s+(?P<math>{MATH_LIST})\s+(?:is|are|denotes?|stands? for)\s+"
                            rf"(?:a|an|the|its|their|one|what)\b",
    "$X$ denotes ...": rf"(?P<math>{MATH_LIST})\s+(?:denotes?|stands? for)\b",
    "let $X$ be ...": rf"\b[Ll]et\s+(?P<math>{MATH_LIST})\s+be\b",
    "write $X$ for ...": rf"\b[Ww]rit(?:e|ing)\s+(?P<math>{MATH_LIST})\s+for\b",
    # "we call it $X$", "(call that average $X$)", "is called $X$"; not "the homework calls ... $X$"
    "call ... $X$": rf"\b[Cc]all(?:ed)?\s+(?:[\w-]+\s+){{0,3}}?(?P<math>{MATH_LIST})",
    "with $X$ the ...": rf"\b[Ww]ith\s+(?P<math>{MATH_LIST})\s+the\b",
    # "with a velocity $X$": a new thing (not "with a smaller $X$", "with the same $X$")
    "with a ... $X$": rf"\b[Ww]ith\s+an?\s+(?!(?:smaller|larger|higher|lower|different|new)\b)"
                      rf"(?:[\w*-]+\s+){{1,3}}?(?P<math>{MATH_LIST})",
    "$X := ...$": r"(?<!\$)\$(?!\$)(?P<math>[^$\n]*?)\s*(?::=|\\coloneqq)",
}


def prose_text(text: str):
    """The page's prose and math as one string (code, comments, roles blanked, lines kept),
    and the same string with the inside of inline math masked, for finding sentences."""
    lines = dict(prose_and_math(text))
    joined = "\n".join(lines.get(number, "") for number in range(1, len(text.splitlines()) + 1))
    masked = re.sub(INLINE_MATH, lambda m: "$" + "x" * (len(m.group(0)) - 2) + "$", joined)
    return joined, masked


def sentence_around(joined: str, masked: str, start: int, end: int) -> str:
    """The sentence holding joined[start:end]: from the last sentence end before it to the
    next one after it (sentence ends: . ! ? : ; followed by a space, or a blank line)."""
    ends = [m.end() for m in re.finditer(r"[.!?;:](?=\s)|\n\s*\n", masked)]
    before = max([e for e in ends if e <= start], default=0)
    after = min([e for e in ends if e >= end], default=len(joined))
    return " ".join(joined[before:after].split())


def definitions(text: str):
    """(line, form, math, key, sentence) of each symbol the text defines."""
    joined, masked = prose_text(text)
    found = []
    for form, pattern in DEFINITION_FORMS.items():
        for match in re.finditer(pattern, joined):
            maths = re.findall(INLINE_MATH, match.group("math")) or [match.group("math")]
            maths = [m.strip("$") for m in maths]
            if form.startswith("with") and any("=" in m for m in maths):
                continue  # "with $h = 10^{-6}$ the ...": a value, not a definition
            line = joined.count("\n", 0, match.start()) + 1
            sentence = sentence_around(joined, masked, match.start(), match.end())
            for math in maths:
                for symbol in split_symbols(math):
                    key = symbol_key(symbol)
                    if key and is_one_symbol(symbol):
                        found.append((line, form, symbol, key, sentence))
    return sorted(found)


def entry_for(key: str, written: str, entries):
    """The declaration of a written symbol: among the entries of its key, the first whose
    ``form`` it matches, else the one without a form; None if undeclared."""
    candidates = [e for e in entries if key in e["keys"]]
    for entry in candidates:
        if entry.get("form") and re.search(entry["form"], written.strip()):
            return entry
    return next((e for e in candidates if not e.get("form")), None)


def check_definitions(text: str, page: str, entries, source: str | None = None):
    """Failure messages for the definitions of one page (``page``: book/... without suffix;
    ``source``: the file the text is from, if not ``page``.md)."""
    failures = []
    for line, form, written, key, sentence in definitions(text):
        where = f"{source or page + '.md'}, line {line}: ${written}$ (defined as in “{form}”)"
        entry = entry_for(key, written, entries)
        if entry is None:
            failures.append(f"{where} is not a declared symbol. Fix: declare it in book/_data/symbols.yml "
                            f"(symbol, meaning, pages, cues) once you are sure its letter has no other "
                            f"meaning in the book, or use a declared symbol. Sentence: “{sentence}”")
            continue
        declared = f"declared as “{entry['meaning']}”"
        if not any(cue in sentence.lower() for cue in entry.get("cues", [])):
            failures.append(f"{where} is {declared}, but this sentence gives it another meaning (it names "
                            f"none of {entry.get('cues', [])}). Fix: rename the symbol here (to a free "
                            f"letter, declared in book/_data/symbols.yml), or, if the meaning is the "
                            f"declared one, say so in the sentence. Sentence: “{sentence}”")
        elif entry["table"] != "core" and page not in entry.get("pages", []):
            failures.append(f"{where} is {declared}, but book/_data/symbols.yml does not list {page} "
                            f"among its pages. Fix: add the page to the entry's pages.")
    return failures


@pytest.mark.parametrize("page", toc_pages())
def test_pages_define_only_declared_symbols_with_their_meaning(page):
    path = page_source(page)
    failures = check_definitions(path.read_text(encoding="utf-8"), page, declarations(), rel(path))
    assert not failures, "symbols defined against book/_data/symbols.yml:\n" + "\n".join(failures)


def test_declarations_are_complete_and_one_meaning_per_symbol():
    entries, problems = declarations(), []
    toc = set(toc_pages())
    for entry in entries:
        name = entry.get("symbol")
        missing = [f for f in ("symbol", "meaning", "table") if not entry.get(f)]
        if missing:
            problems.append(f"{name}: no {', '.join(missing)}")
        if entry.get("table") not in TABLES:
            problems.append(f"{name}: table {entry.get('table')!r} is not one of {TABLES}")
        if entry["keys"] and not entry.get("cues"):
            problems.append(f"{name}: no cues (the words a sentence defining it names)")
        if any(cue != cue.lower() for cue in entry.get("cues", [])):
            problems.append(f"{name}: cues are matched in lower case: write them so")
        if entry.get("table") != "core" and not entry.get("pages"):
            problems.append(f"{name}: a symbol outside the core table lists the pages that use it")
        for page in entry.get("pages", []):
            if page not in toc:
                problems.append(f"{name}: page {page} is not in _toc.yml")
        if any("|" in str(entry.get(f, "")) for f in ("symbol", "meaning", "code")):
            problems.append(f"{name}: a | would split the notation page's table cell (write \\lvert, \\rVert)")
    keys = {}
    for entry in entries:
        for key in dict.fromkeys(entry["keys"]):
            keys.setdefault(key, []).append(entry)
    for key, group in keys.items():
        unformed = [e["symbol"] for e in group if not e.get("form")]
        if len(unformed) > 1:
            problems.append(f"${key}$ is declared {len(unformed)} times ({unformed}): one meaning per symbol "
                            f"(a second, declared use must be told apart by a `form`)")
    assert not problems, "book/_data/symbols.yml:\n" + "\n".join(problems)


def test_listed_pages_use_their_symbols():
    """The pages a declaration lists write the symbol in their math (the notation page
    does not claim a chapter that never uses it)."""
    math_keys = {}
    for page in toc_pages():
        joined, _ = prose_text(page_source(page).read_text(encoding="utf-8"))
        found = set()
        for match in re.finditer(r"\$\$(.+?)\$\$|\$([^$]+)\$", joined, re.S):
            body = match.group(1) or match.group(2)
            for start in re.finditer(r"(?:\\(?:mathbf|boldsymbol|hat|bar|tilde|mathcal)\s*\{?\s*)*"
                                     r"(?:\\[A-Za-z]+|[A-Za-z])", body):
                key = symbol_key(body[start.start():])
                if key:
                    found.add(key)
        math_keys[page] = found
    unused = [f"{entry['symbol']}: {page}" for entry in declarations() for page in entry.get("pages", [])
              if page in math_keys and not set(entry["keys"]) & math_keys[page]]
    assert not unused, "declared pages that never write the symbol:\n" + "\n".join(unused)


def test_notation_page_renders_the_declarations():
    """The notation page has no symbol table of its own: it renders book/_data/symbols.yml."""
    text = NOTATION.read_text(encoding="utf-8")
    typed_rows = [line for line in text.splitlines() if re.match(r"\s*\|\s*\$", line)]
    assert not typed_rows, f"book/notation.md types symbol rows; declare them in symbols.yml: {typed_rows[:3]}"
    for table in TABLES:
        assert f'symbol_table("{table}")' in text, f"book/notation.md does not render the {table} table"


@pytest.mark.parametrize("tex, key", [
    (r"\boldsymbol{\delta}^l", r"\delta"), (r"\delta^l_j", r"\delta"), (r"\hat{\mathbf{y}}^{(n)}", r"\hat y"),
    (r"\mu_{\max}", r"\mu_max"), (r"\mu_\text{min}", r"\mu_min"), (r"\varepsilon_\text{mach}", r"\varepsilon_mach"),
    (r"W^l", "W"), (r"w^l_{ij}", "w"), (r"\mathcal{J}_{ij}", r"\mathcal{J}"), (r"\bar\ell_j", r"\bar \ell"),
    (r"\tilde{\boldsymbol{\theta}}_t", r"\tilde \theta"), (r"\operatorname{Var}[z]", None), (r"2\lambda_2", None),
])
def test_symbol_key(tex, key):
    assert symbol_key(tex) == key


ENTRIES = [
    {"symbol": r"\eta", "meaning": "learning rate", "table": "core", "cues": ["learning rate"]},
    {"symbol": r"\boldsymbol{\nu}", "meaning": "natural parameters", "table": "chapter",
     "pages": ["book/a"], "cues": ["natural parameter"]},
    {"symbol": r"\mathbf{r}^l", "meaning": "dropout mask", "table": "training", "pages": ["book/a"],
     "cues": ["mask"]},
    {"symbol": r"\delta^l", "meaning": "delta", "table": "core", "cues": ["delta"]},
    {"symbol": r"\delta_{ij}", "meaning": "Kronecker delta", "table": "chapter", "pages": ["book/a"],
     "cues": ["kronecker"], "form": r"^\\delta_\{?[a-z][a-z]\}?$"},
]


def synthetic_entries():
    for entry in ENTRIES:
        entry["keys"] = [k for k in map(symbol_key, split_symbols(entry["symbol"])) if k]
    return ENTRIES


@pytest.mark.parametrize("text, what", [
    (r"Let $\eta$ be the natural parameter of the family.", "another meaning"),
    (r"In Sutskever's form, where $\boldsymbol{\nu}_t$ is the velocity, the step is taken.", "another meaning"),
    (r"Its solutions are $c_1 r_1^t$, with $r_1, r_2$ the roots of the characteristic equation.",
     "another meaning"),
    (r"The deltas, where $\delta_{kj}$ is the error of unit $k$, add up.", "another meaning"),
    (r"Write $\Omega$ for the set of dropped units.", "not a declared symbol"),
    (r"We call this set $\Omega$ from now on.", "not a declared symbol"),
    ("The rate, where $\\eta$\nis the step size of the learning rate schedule, is fixed.", "not list book/b"),
    (r"Here $\mathbf{h} := W^\top \mathbf{x}$ is the hidden layer.", "not a declared symbol"),
])
def test_definition_check_fails_on_clashes(text, what):
    page = "book/b" if "not list" in what else "book/a"
    entries = synthetic_entries()
    if "not list" in what:
        entries = [dict(entries[1], symbol=r"\eta", keys=[r"\eta"], cues=["learning rate"])]
    failures = check_definitions(text, page, entries)
    assert failures and all(what in f and "line 1" in f and "Fix:" in f for f in failures), failures


@pytest.mark.parametrize("text", [
    r"Let $\eta$ be the learning rate.",
    r"The logits are the natural parameters, where $\boldsymbol{\nu}$ is the vector of natural parameters.",
    r"Each unit is kept or dropped, with $\mathbf{r}^l$ the dropout mask of layer $l$.",
    r"where $\delta_{kj}$ is the Kronecker delta, and $\boldsymbol{\delta}^l$ denotes the delta of layer $l$.",
    r"With $\eta = 0.1$ the net trains.",                     # a value, not a definition
    r"The weights $W^l$ are where $\eta$ matters.",            # no definition form
    "```{code-cell} ipython3\n# let $\\Omega$ be anything: code is not read\n```\n",
])
def test_definition_check_passes_the_declared_meanings(text):
    assert check_definitions(text, "book/a", synthetic_entries()) == []


def test_a_definition_across_a_line_break_is_found():
    text = "The step of the method,\nwhere $\\Omega$\nis the set of units, is small.\n"
    (failure,) = check_definitions(text, "book/a", synthetic_entries())
    assert "line 2" in failure and "\\Omega" in failure


def test_lab_pages_are_read_from_their_sources():
    """The labs of the table of contents are checked on their sources, raw cells skipped."""
    labs = [page for page in toc_pages() if page.startswith("book/labs/")]
    assert labs and all(page_source(page).parent == LABS and page_source(page).exists() for page in labs)
    assert all(path in pages() for path in map(page_source, labs))
    text = "```{raw-cell}\n# BEGIN QUESTION\nname: let $\\Omega$ be the task\n```\n\nLet $\\eta$ be the learning rate.\n"
    assert [line for _, line in prose_and_math(text) if "Omega" in line] == []
    assert check_definitions(text, "book/labs/x", synthetic_entries(), "labs/x.md") == []
    (failure,) = check_definitions(text.replace("eta", "Omega"), "book/labs/x", synthetic_entries(), "labs/x.md")
    assert failure.startswith("labs/x.md, line 6")
