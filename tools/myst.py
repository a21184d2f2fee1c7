"""The one reader of the book's MyST Markdown, on markdown-it-py / myst-parser tokens.

Both the Colab notebook generator (``tools.make_notebooks``) and the typed-number check
(``tools.prose_numbers``) read pages through :func:`walk`: myst-parser's own
markdown-it parser, configured with the extensions of ``_config.yml``, gives every
block (fence, directive, math, target, comment, paragraph, ...) with its line range.
A directive's body is not parsed by markdown-it (it is the raw content of a fence),
so :func:`walk` parses it again, unless it is code or math (:data:`VERBATIM`), and
gives its tokens with line numbers of the page and the names of the directives
around them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import yaml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

from . import bookmeta

# Directives whose body is code, math or data, not MyST Markdown.
VERBATIM = {"code-cell", "code-block", "code", "sourcecode", "math", "raw", "bibliography",
            "book-citation", "book-install", "glue", "glue:any", "glue:figure", "glue:math",
            "glue:text", "glue:md"}
DIRECTIVE_INFO = re.compile(r"\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*)", re.S)
OPTION = re.compile(r"^[ \t]*:([\w-]+):[ \t]*(.*)$")


@lru_cache(None)
def parser():
    """myst-parser's markdown-it parser with the extensions the book enables (``parse:`` of
    _config.yml; like the build, without ``dmath_double_inline``, which Jupyter Book does
    not pass on to myst-parser)."""
    extensions = set(bookmeta.config().get("parse", {}).get("myst_enable_extensions", ()))
    config = MdParserConfig(enable_extensions=extensions | {"colon_fence", "dollarmath", "amsmath"})
    return create_md_parser(config, RendererHTML)


@dataclass
class Directive:
    """A ``{name}`` fence: its argument, options and where its body starts (page lines)."""

    name: str
    arg: str
    options: dict
    body: list[str]          # the content lines after the options
    body_start: int          # page line (0-based) of body[0]


@dataclass
class Block:
    """One markdown-it token with page line numbers and the directives around it."""

    token: Token
    start: int               # 0-based first line (inline tokens: their block's)
    end: int                 # one past the last line
    parents: tuple = ()      # names of the enclosing directives, outermost first
    directive: Directive | None = None
    extra: dict = field(default_factory=dict)

    @property
    def type(self) -> str:
        return self.token.type


def split_options(lines: list[str]) -> tuple[dict, int]:
    """Options at the top of a directive body (a ``---`` YAML block or ``:key: value``
    lines) and how many lines they take."""
    options, k = {}, 0
    if lines and lines[0].strip() == "---":
        end = next((j for j in range(1, len(lines)) if lines[j].strip() == "---"), None)
        if end is not None:
            options = yaml.safe_load("\n".join(lines[1:end])) or {}
            k = end + 1
    while k < len(lines):
        m = OPTION.match(lines[k])
        if not m:
            break
        options[m.group(1)] = m.group(2).strip()
        k += 1
    return options, k


def directive_of(token: Token) -> Directive | None:
    """The directive a ``fence``/``colon_fence`` token opens, or None for a code block."""
    if token.type not in ("fence", "colon_fence"):
        return None
    m = DIRECTIVE_INFO.fullmatch(token.info.strip())
    if not m:
        return None
    lines = token.content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    options, k = split_options(lines)
    return Directive(m.group("name"), m.group("arg").strip(), options, lines[k:], token.map[0] + 1 + k)


def walk(text: str, offset: int = 0, parents: tuple = (), nested: bool = True) -> list[Block]:
    """Every token of ``text`` in document order, line numbers counted from ``offset``.

    With ``nested``, the body of each MyST directive (not :data:`VERBATIM`) follows the
    directive's own block, parsed in turn.
    """
    out = []
    for token in parser().parse(text):
        if token.map is None and token.type != "inline":
            continue
        start, end = (token.map or (0, 0))
        block = Block(token, start + offset, end + offset, parents)
        block.directive = directive_of(token)
        out.append(block)
        d = block.directive
        if nested and d is not None and d.name not in VERBATIM and d.body:
            out += walk("\n".join(d.body), d.body_start + offset, parents + (d.name,))
    return out


def title(text: str) -> str | None:
    """The first level-1 heading of a page."""
    tokens = parser().parse(text)
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            return tokens[i + 1].content.strip()
    return None


def inline_lines(block: Block):
    """``(line, child)`` for each child of an inline block, with its page line.

    markdown-it turns the line breaks inside a code span into spaces: the code span's
    lines are counted in the block's source instead.
    """
    line, raw, cursor = block.start, block.token.content, 0
    for child in block.token.children or []:
        yield line, child
        if child.type in ("softbreak", "hardbreak"):
            line += 1
        elif child.type == "code_inline":
            tick = re.escape(child.markup)
            m = re.compile(rf"(?<!`){tick}(?!`).*?(?<!`){tick}(?!`)", re.S).search(raw, cursor)
            if m:
                line += m.group(0).count("\n")
                cursor = m.end()
        else:
            line += child.content.count("\n")
