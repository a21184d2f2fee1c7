"""The one reader of the book's MyST Markdown (tools.make_notebooks, prose_numbers):
myst-parser's markdown-it parser and directive parser; :func:`walk` gives every token with its
page lines, and parses the body of each MyST directive that is Markdown (not :data:`VERBATIM`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from docutils.parsers.rst import Directive as _Directive
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.directives import parse_directive_text
from myst_parser.parsers.mdit import create_md_parser

from . import bookmeta

# Directives whose body is code, math or data, not MyST Markdown.
VERBATIM = {"code-cell", "code-block", "code", "sourcecode", "math", "raw", "bibliography",
            "book-citation", "book-install", "glue", "glue:any", "glue:figure", "glue:math",
            "glue:text", "glue:md"}
DIRECTIVE_INFO = re.compile(r"\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*)", re.S)


class AnyDirective(_Directive):
    """What myst-parser needs to split any directive into argument, options (YAML) and body."""
    option_spec = {"": str}
    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True


@lru_cache(None)
def parser():
    """myst-parser's parser with the extensions of _config.yml (as in the build, without
    ``dmath_double_inline``, which Jupyter Book does not pass on)."""
    extensions = set(bookmeta.config()["parse"]["myst_enable_extensions"])
    return create_md_parser(MdParserConfig(enable_extensions=extensions), RendererHTML)


@dataclass
class Directive:
    name: str
    arg: str
    options: dict
    body: list[str]
    body_start: int          # page line (0-based) of body[0]


@dataclass
class Block:
    """One markdown-it token with 0-based page lines and the directives around it."""
    token: Token
    start: int               # inline tokens: their block's lines
    end: int
    parents: tuple = ()      # names of the enclosing directives, outermost first
    directive: Directive | None = None

    def __post_init__(self):
        self.type = self.token.type


def directive_of(token: Token) -> Directive | None:
    """The directive a ``fence``/``colon_fence`` token opens, or None for a code block."""
    m = DIRECTIVE_INFO.fullmatch(token.info.strip()) if token.type in ("fence", "colon_fence") else None
    if not m:
        return None
    r = parse_directive_text(AnyDirective, m.group("arg"), token.content, validate_options=False)
    body_start = token.map[0] + 1 + r.body_offset
    return Directive(m.group("name"), " ".join(r.arguments), r.options, r.body, body_start)


def walk(text: str, offset: int = 0, parents: tuple = (), nested: bool = True) -> list[Block]:
    """Every token of ``text`` in document order, lines counted from ``offset``; with
    ``nested``, each MyST directive's body (not :data:`VERBATIM`) follows its block."""
    out = []
    for token in parser().parse(text):
        if token.map is None and token.type != "inline":
            continue
        start, end = token.map or (0, 0)
        d = directive_of(token)
        out.append(Block(token, start + offset, end + offset, parents, d))
        if nested and d is not None and d.name not in VERBATIM and d.body:
            out += walk("\n".join(d.body), d.body_start + offset, parents + (d.name,))
    return out


def inline_lines(block: Block):
    """``(line, child)`` for each child of an inline block, with its page line (markdown-it
    turns line breaks in a code span into spaces: those are counted in the source)."""
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
