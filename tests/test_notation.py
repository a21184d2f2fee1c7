"""One notation in every chapter: no chapter uses a symbol that the notation
page (book/notation.md) reserves for something else.

The check reads the Markdown of every page under ``book/`` (outside code cells, inline
code, comments and roles) and looks for the known ways a symbol has drifted: the
output written p or F instead of a^L, classes numbered 1..K instead of 0..K-1, eta for
anything but the learning rate, A for anything but activations, Z for anything but
pre-activations, b for anything but a bias, L for a loss, lambda for an eigenvalue, N
for the minibatch size, t_n / x_n for an example, beta for anything but momentum. Each
rule is a pattern and the symbol the notation page gives instead; a failure names the
chapter, the line and the fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
NOTATION = BOOK / "notation.md"

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
    """Every page but the notation page itself, which names the forms it rules out."""
    return sorted(p for p in BOOK.rglob("*.md")
                  if not p.name.startswith("_") and "_build" not in p.parts and p != NOTATION)


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def prose_and_math(text: str):
    """(line number, line) of the Markdown outside code cells and fenced code, with
    inline code, roles' contents, comments and HTML removed."""
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
            if not rest.startswith("{") or rest.startswith(("{code-cell", "{code-block")):
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
            if name in EXEMPT and EXEMPT[name](rel(path)):
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
    """The replacements the rules name are on the notation page."""
    text = NOTATION.read_text(encoding="utf-8")
    for symbol in [r"\mathbf{a}^L", r"\hat{\mathbf{y}}", r"K-1", r"\eta", r"\boldsymbol{\nu}", r"\Psi",
                   r"S", r"\tau", r"\bar\ell", r"\mu_{\max}", r"$B$", r"\beta", r"\beta_1", r"\beta_2",
                   r"\mathbf{g}_t", r"\mathbf{m}_t", r"\mathbf{v}_t", r"\varepsilon", r"\omega", r"\kappa",
                   r"\mathbf{r}^l", r"s_l", r"\bar{v}", r"\theta"]:
        assert symbol in text, f"book/notation.md does not list {symbol}"
