#!/usr/bin/env python
"""Generate the Colab notebook (``book/NAME.ipynb``) of every chapter (``book/NAME.md``).

The ``.md`` (MyST Markdown notebook, jupytext ``md:myst``) is the only file authors
edit. The ``.ipynb`` beside it is what the site's "Open in Colab" button opens; it is
generated, committed without outputs, never built by Sphinx, and must stay equal to
what this tool writes (tests/test_book.py checks it):

    python tools/make_notebooks.py            # regenerate every chapter's .ipynb
    python tools/make_notebooks.py --check    # exit 1 if any .ipynb is stale
    python tools/make_notebooks.py book/digits.md   # just one

What it does to the chapter:

- inserts, before the first code cell, the install cell: it installs the package
  pinned to this release's tag (``mlp_from_scratch/_version.py``, repository URL from
  ``_config.yml``), and only inside Colab (``"google.colab" in sys.modules``);
- keeps code cells as they are (tags kept, outputs none, other metadata dropped);
- turns MyST-only markup of the Markdown cells into plain Markdown that Jupyter and
  Colab render: ``$$ ... $$ (label)`` gets ``\\tag{n}`` (the number the site shows),
  ``{eq}`` becomes ``(n)``, ``{cite:p}`` becomes "(Bishop, 2006)", ``{glue:text}``
  becomes the glued variable's name in code font (the notebook prints it: see
  ``mlp_from_scratch.display.glue``), ``(label)=`` targets and ``%`` comments go,
  admonitions and exercises become quotes, solutions ``<details>`` blocks, figures
  ``![alt](url)`` with their caption, links to other chapters go to Colab.

Markup it does not know is an error, so nothing MyST-only reaches a Colab reader.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath

import jupytext
import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bookmeta  # noqa: E402

ROOT = bookmeta.ROOT


class ConversionError(ValueError):
    """The chapter uses markup this tool cannot turn into plain Markdown."""


def repo_relative(path: Path) -> PurePosixPath:
    """``path`` relative to the repository; a file elsewhere (tests) counts as in book/."""
    path = Path(path).resolve()
    try:
        return PurePosixPath(path.relative_to(ROOT).as_posix())
    except ValueError:
        return PurePosixPath("book") / path.name


# --------------------------------------------------------------------------- install cell
INSTALL_TAG = "colab-install"


def install_cell_source() -> str:
    return (
        "# In Google Colab, install this book's package, pinned to the book's release.\n"
        "# Elsewhere this cell does nothing: install the package yourself (see the preface).\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet "{bookmeta.pip_requirement()}"'
    )


# --------------------------------------------------------------------------- bibliography
@lru_cache(None)
def bib_entries() -> dict:
    from pybtex.database import parse_file
    from pybtex.richtext import Text

    out = {}
    for key, entry in parse_file(str(bookmeta.BIB)).entries.items():
        persons = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [Text.from_latex(" ".join(p.prelast_names + p.last_names)).render_as("text")
                 for p in persons]
        if not names:
            names = [Text.from_latex(entry.fields.get("title", key)).render_as("text")]
        out[key.lower()] = (names, entry.fields.get("year", "n.d."))
    return out


def cite_authors(key: str) -> tuple[str, str]:
    try:
        names, year = bib_entries()[key.strip().lower()]
    except KeyError:
        raise ConversionError(f"citation key {key!r} is not in references.bib") from None
    if len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return who, year


def format_cite(role: str, content: str) -> str:
    keys = [k for k in content.split(",") if k.strip()]
    pairs = [cite_authors(k) for k in keys]
    if role in ("cite:t", "cite:ts", "cite:ct"):
        return "; ".join(f"{who} ({year})" for who, year in pairs)
    if role in ("cite:author", "cite:authors"):
        return "; ".join(who for who, _ in pairs)
    if role in ("cite:year", "cite:yearpar"):
        text = "; ".join(year for _, year in pairs)
        return f"({text})" if role == "cite:yearpar" else text
    return "(" + "; ".join(f"{who}, {year}" for who, year in pairs) + ")"


# --------------------------------------------------------------------------- labels
@dataclass
class Labels:
    """Cross-reference targets of one chapter (and the equations of all chapters)."""

    equations: dict = field(default_factory=dict)   # label -> number in its chapter
    titles: dict = field(default_factory=dict)      # label -> text to show for {ref}
    figures: dict = field(default_factory=dict)     # label -> index of its cell
    exercises: dict = field(default_factory=dict)   # label -> title


DOLLAR_LABEL = re.compile(r"\$\$(?P<body>[^`$]+?)\$\$[ \t]*\((?P<label>[^()\s]+)\)", re.S)
MATH_DIRECTIVE_LABEL = re.compile(r"^[ \t]*(`{3,}|:{3,})\{math\}[^\n]*\n(?:[ \t]*:[\w-]+:[^\n]*\n)*?"
                                  r"[ \t]*:label:[ \t]*(?P<label>\S+)", re.M)
TARGET = re.compile(r"^\((?P<label>[^()\s]+)\)=[ \t]*$", re.M)
HEADING = re.compile(r"^#{1,6}[ \t]+(?P<text>.+?)[ \t]*#*[ \t]*$", re.M)
DIRECTIVE_LABEL = re.compile(
    r"^[ \t]*(`{3,}|:{3,})\{(?P<name>exercise|exercise-start|figure|solution)\}[ \t]*(?P<arg>[^\n]*)\n"
    r"(?P<opts>(?:[ \t]*:[\w-]+:[^\n]*\n)*)", re.M)


def code_block_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the ordinary fenced code blocks of ``text``.

    A line scan with a stack: a fence whose info starts with ``{`` opens a directive
    (its content is scanned further), a bare fence line closes the innermost open
    fence of the same character and at least the same length, and any other fence
    opens a code block that runs, unscanned, to its own closing fence.
    """
    spans, stack, pos = [], [], 0
    lines = text.split("\n")
    offsets = []
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    i = 0
    while i < len(lines):
        m = re.match(r"^[ \t]*(`{3,}|~{3,}|:{3,})(.*)$", lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(1), m.group(2).strip()
        if not info and stack and stack[-1][0] == fence[0] and len(fence) >= stack[-1][1]:
            stack.pop()
            i += 1
            continue
        if info.startswith("{") or fence[0] == ":":
            stack.append((fence[0], len(fence)))
            i += 1
            continue
        # an ordinary code block: find its closing fence
        j = i + 1
        while j < len(lines) and not re.match(r"^[ \t]*%s{%d,}[ \t]*$" % (re.escape(fence[0]), len(fence)), lines[j]):
            j += 1
        end = offsets[j] + len(lines[j]) if j < len(lines) else len(text)
        spans.append((offsets[i], end))
        i = j + 1
    return spans


def strip_code_blocks(text: str) -> str:
    """Text without its ordinary fenced code blocks (directive fences are kept)."""
    for start, end in reversed(code_block_spans(text)):
        text = text[:start] + text[end:]
    return text


def collect_labels(nb) -> Labels:
    labels = Labels()
    text = "\n\n".join(strip_code_blocks(c.source) for c in nb.cells if c.cell_type == "markdown")
    eqs = [(m.start(), m.group("label")) for m in DOLLAR_LABEL.finditer(text)]
    eqs += [(m.start(), m.group("label")) for m in MATH_DIRECTIVE_LABEL.finditer(text)]
    for number, (_, label) in enumerate(sorted(eqs), start=1):
        labels.equations[label] = number
    for m in TARGET.finditer(text):
        rest = text[m.end():].lstrip("\n")
        h = HEADING.match(rest)
        labels.titles[m.group("label")] = h.group("text") if h else m.group("label")
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            for m in DIRECTIVE_LABEL.finditer(strip_code_blocks(cell.source)):
                opts = dict(re.findall(r":([\w-]+):[ \t]*([^\n]*)", m.group("opts")))
                name = opts.get("label") or opts.get("name")
                if name and m.group("name") == "figure":
                    labels.figures[name] = index
                elif name and m.group("name") in ("exercise", "exercise-start"):
                    labels.exercises[name] = m.group("arg").strip()
        fig = (cell.metadata.get("mystnb") or {}).get("figure") or {}
        if cell.cell_type == "code" and fig.get("name"):
            labels.figures[fig["name"]] = index
    return labels


@lru_cache(None)
def chapter_index() -> dict:
    """docname (``book/digits``) -> (title, equation labels) for every chapter."""
    out = {}
    for md in sorted(bookmeta.BOOK_DIR.rglob("*.md")):
        if "_build" in md.parts:
            continue
        doc = md.relative_to(ROOT).with_suffix("").as_posix()
        text = md.read_text(encoding="utf-8")
        h = re.search(r"^#[ \t]+(.+)$", text, re.M)
        title = h.group(1).strip() if h else doc
        try:
            nb = jupytext.reads(text, fmt="md:myst")
            labels = collect_labels(nb)
        except Exception:  # a plain page jupytext cannot read as a notebook
            labels = Labels()
        out[doc] = (title, labels)
    return out


# --------------------------------------------------------------------------- markdown
ADMONITIONS = {"note": "Note", "tip": "Tip", "hint": "Hint", "important": "Important",
               "warning": "Warning", "caution": "Caution", "attention": "Attention",
               "danger": "Danger", "error": "Error", "seealso": "See also"}
DROP_DIRECTIVES = {"bibliography", "tableofcontents", "toctree", "index"}
FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>.*)$")
ROLE_OR_CODE = re.compile(r"\{(?P<role>[A-Za-z][\w:+-]*)\}(?P<tick>`+)(?P<content>.+?)(?P=tick)"
                          r"|(?P<code>`+).+?(?P=code)", re.S)
LINK = re.compile(r"(?P<bang>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^()\s]+)(?P<title>\s+\"[^\"]*\")?\)")
SUBST = re.compile(r"\{\{\s*(?P<name>[\w-]+)\s*\}\}")
LEFTOVER = [
    (re.compile(r"\{[A-Za-z][\w:+-]*\}`"), "a MyST role"),
    (re.compile(r"^[ \t]*(`{3,}|:{3,})\{", re.M), "a MyST directive"),
    (re.compile(r"^\([^()\s]+\)=[ \t]*$", re.M), "a MyST target"),
    (re.compile(r"\$\$[ \t]*\([^()\s]+\)"), "an equation label"),
]


class Converter:
    def __init__(self, md_path: Path, nb):
        self.md_path = md_path
        self.doc = repo_relative(md_path).with_suffix("").as_posix()
        self.labels = collect_labels(nb)
        self.cell_index = 0          # index (in the .md's cells) of the cell being converted

    # -- helpers ---------------------------------------------------------------
    def fail(self, message: str):
        raise ConversionError(f"{repo_relative(self.md_path)}: {message}")

    def repo_path(self, target: str) -> str:
        """A path relative to the chapter, as a path relative to the repository root."""
        base = PurePosixPath(self.doc).parent
        parts = []
        for part in (base / target).parts:
            if part == "..":
                parts.pop()
            elif part != ".":
                parts.append(part)
        return "/".join(parts)

    def doc_link(self, target: str) -> str:
        """Link for another page of the book: Colab for a chapter, GitHub otherwise."""
        target, _, _ = target.partition("#")
        path = self.repo_path(target)
        stem = str(PurePosixPath(path).with_suffix(""))
        md = ROOT / f"{stem}.md"
        if md.exists() and bookmeta.is_notebook_md(md):
            return bookmeta.colab_link(f"{stem}.ipynb")
        return bookmeta.blob_url(path if PurePosixPath(path).suffix else f"{path}.md")

    def equation_ref(self, label: str) -> str:
        if label in self.labels.equations:
            return f"({self.labels.equations[label]})"
        for doc, (title, labels) in chapter_index().items():
            if label in labels.equations:
                return f"({labels.equations[label]}) of the chapter *{title}*"
        self.fail(f"{{eq}} label {label!r} is not defined in any chapter")

    # -- roles -----------------------------------------------------------------
    def role(self, name: str, content: str) -> str:
        explicit = re.fullmatch(r"(?P<text>.+?)\s*<(?P<target>[^<>]+)>", content, re.S)
        text, target = (explicit.group("text"), explicit.group("target")) if explicit else (None, content)
        if name == "eq":
            return self.equation_ref(target.strip())
        if name == "math":
            return f"${content}$"
        if name.startswith("cite"):
            try:
                return format_cite(name, content)
            except ConversionError as exc:
                self.fail(str(exc))
        if name.startswith("glue"):
            key = content.split("::")[-1].split(":")[0].strip()
            return f"`{key}`"
        if name in ("ref", "numref", "numref:fig"):
            label = target.strip()
            if label in self.labels.figures:
                where = "below" if self.labels.figures[label] > self.cell_index else "above"
                return f"the figure {where}"
            if text:
                return re.sub(r"\s*%s|\s*\{number\}|\s*\{name\}", "", text)
            if label in self.labels.exercises:
                title = self.labels.exercises[label]
                return f"the exercise “{title}”" if title else "the exercise"
            if label in self.labels.titles:
                return f"“{self.labels.titles[label]}”"
            for doc, (title, labels) in chapter_index().items():
                if label in labels.titles:
                    return f"“{labels.titles[label]}” in [{title}]({self.doc_link('/' + doc)})"
            return label
        if name == "doc":
            path = target.strip()
            link = self.doc_link(path if not path.startswith("/") else "/" + path.lstrip("/"))
            if text is None:
                doc = self.repo_path(path) if not path.startswith("/") else path.lstrip("/")
                text = chapter_index().get(str(PurePosixPath(doc).with_suffix("")), (path,))[0]
            return f"[{text}]({link})"
        if name == "download":
            return f"[{text or target}]({bookmeta.blob_url(self.repo_path(target.strip()))})"
        if name in ("term", "abbr", "kbd", "code", "samp", "guilabel", "menuselection", "dfn", "file"):
            return re.sub(r"\s*\(.*\)$", "", text or content) if name == "abbr" else (text or content)
        if name in ("sub", "subscript"):
            return f"<sub>{content}</sub>"
        if name in ("sup", "superscript"):
            return f"<sup>{content}</sup>"
        if name == "index":
            return ""
        self.fail(f"role {{{name}}} has no plain-Markdown form: extend tools/make_notebooks.py or avoid it")

    def inline(self, text: str) -> str:
        """Roles, links, images and substitutions of a span of Markdown text."""

        def on_role_or_code(m):
            if m.group("code"):
                return m.group(0)
            out = self.role(m.group("role"), m.group("content"))
            before = m.string[:m.start()]
            stripped = before.rstrip()
            if out[:1].islower() and (not stripped or stripped.endswith((".", "!", "?"))
                                      or re.search(r"\n[ \t]*\n[ \t]*$", before)):
                out = out[0].upper() + out[1:]
            return out

        text = ROLE_OR_CODE.sub(on_role_or_code, text)

        def on_link(m):
            target = m.group("target")
            if re.match(r"[a-z][\w+.-]*:", target):      # http:, https:, mailto:
                return m.group(0)
            if m.group("bang"):
                return f"![{m.group('text')}]({bookmeta.raw_url(self.repo_path(target))})"
            if target.startswith("#"):
                return m.group("text")
            if re.search(r"\.(md|ipynb)(#.*)?$", target) or "/" not in target and "." not in target:
                return f"[{m.group('text')}]({self.doc_link(target)})"
            return f"[{m.group('text')}]({bookmeta.blob_url(self.repo_path(target))})"

        parts = re.split(r"(`+[^`]*`+)", text)        # leave code spans alone
        text = "".join(p if p.startswith("`") else LINK.sub(on_link, p) for p in parts)

        def on_subst(m):
            values = {"version": bookmeta.version(), "release_tag": bookmeta.release_tag(),
                      "repo_url": bookmeta.repo_url(), "pip_requirement": bookmeta.pip_requirement()}
            if m.group("name") not in values:
                self.fail(f"substitution {{{{ {m.group('name')} }}}} is unknown")
            return values[m.group("name")]

        return SUBST.sub(on_subst, text)

    # -- blocks ----------------------------------------------------------------
    def markdown(self, source: str) -> str:
        def on_labelled(m):
            body, number = m.group("body"), self.labels.equations[m.group("label")]
            if "\n" in body:
                return f"$$\n{body.strip()} \\tag{{{number}}}\n$$"
            return f"$${body.strip()} \\tag{{{number}}}$$"

        pieces, last = [], 0
        for start, end in code_block_spans(source):     # leave code blocks alone
            pieces.append(DOLLAR_LABEL.sub(on_labelled, source[last:start]))
            pieces.append(source[start:end])
            last = end
        pieces.append(DOLLAR_LABEL.sub(on_labelled, source[last:]))
        source = "".join(pieces)
        lines = source.split("\n")
        out: list[str] = []
        i = 0
        while i < len(lines):
            line = lines[i]
            m = FENCE_OPEN.match(line)
            if m:
                fence, info = m.group("fence"), m.group("info").strip()
                end = self.closing(lines, i, m.group("fence"))
                body = lines[i + 1:end]
                dm = re.fullmatch(r"\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*)", info)
                if dm:
                    out.extend(self.directive(dm.group("name"), dm.group("arg").strip(), body,
                                              m.group("indent")))
                elif fence.startswith(":"):
                    self.fail(f"colon fence without a directive: {line!r}")
                else:                                   # ordinary code block: untouched
                    out.extend(lines[i:end + 1])
                i = end + 1
                continue
            if TARGET.match(line) or re.match(r"^%( |$)", line):
                i += 1
                if TARGET.match(line) and i < len(lines) and not lines[i].strip():
                    i += 1
                continue
            # gather a paragraph-ish run of plain lines (roles may span lines)
            j = i
            while j < len(lines) and not FENCE_OPEN.match(lines[j]) and not TARGET.match(lines[j]) \
                    and not re.match(r"^%( |$)", lines[j]):
                j += 1
            out.append(self.inline("\n".join(lines[i:j])))
            i = j
        return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")

    def closing(self, lines, start, fence) -> int:
        char, n = fence[0], len(fence)
        depth = 0
        for k in range(start + 1, len(lines)):
            s = lines[k].strip()
            m = re.fullmatch(re.escape(char) + r"{%d,}(.*)" % n, s)
            if not m:
                continue
            if m.group(1).strip():      # a nested opening fence of the same kind
                if char == ":" or m.group(1).strip().startswith("{"):
                    depth += 1
                continue
            if depth == 0:
                return k
            depth -= 1
        self.fail(f"unclosed fence {fence!r} opened at line {start + 1} of a cell")

    @staticmethod
    def options(body: list[str]) -> tuple[dict, list[str]]:
        opts = {}
        k = 0
        if body and body[0].strip() == "---":              # YAML option block
            import yaml
            end = next((j for j in range(1, len(body)) if body[j].strip() == "---"), None)
            if end is not None:
                opts = yaml.safe_load("\n".join(body[1:end])) or {}
                k = end + 1
        while k < len(body):
            m = re.match(r"^[ \t]*:([\w-]+):[ \t]*(.*)$", body[k])
            if not m:
                break
            opts[m.group(1)] = m.group(2).strip()
            k += 1
        return opts, body[k:]

    def directive(self, name: str, arg: str, body: list[str], indent: str) -> list[str]:
        opts, content = self.options(body)
        inner = self.markdown("\n".join(content)) if content else ""

        def quote(title: str, text: str) -> list[str]:
            lines = [f"> **{title}**"] if title else []
            if text:
                if lines:
                    lines.append(">")
                lines += [("> " + ln) if ln.strip() else ">" for ln in text.split("\n")]
            return [""] + lines + [""]

        if name == "math":
            label = opts.get("label")
            tag = f" \\tag{{{self.labels.equations[label]}}}" if label else ""
            return ["", "$$", "\n".join(content).strip() + tag, "$$", ""]
        if name in ADMONITIONS:
            return quote(ADMONITIONS[name] + (f": {self.inline(arg)}" if arg else ""), inner)
        if name == "admonition":
            return quote(self.inline(arg), inner)
        if name == "exercise":
            return quote("Exercise" + (f": {self.inline(arg)}" if arg else ""), inner)
        if name == "solution":
            return ["", "<details>", "<summary>Solution</summary>", "", inner, "", "</details>", ""]
        # gated forms (sphinx-exercise), whose content spans cells: code cells in between
        if name == "exercise-start":
            return ["", "**Exercise" + (f": {self.inline(arg)}**" if arg else "**"), ""]
        if name == "solution-start":
            return ["", "**Solution**", ""]
        if name in ("exercise-end", "solution-end"):
            return []
        if name == "dropdown":
            return ["", "<details>", f"<summary>{self.inline(arg) or 'Details'}</summary>", "",
                    inner, "", "</details>", ""]
        if name in ("margin", "sidebar", "epigraph", "pull-quote", "highlights", "topic"):
            return quote(self.inline(arg), inner)
        if name in ("figure", "image"):
            alt = opts.get("alt")
            if not alt:
                self.fail(f"{{{name}}} {arg} has no :alt: text")
            lines = ["", f"![{alt}]({bookmeta.raw_url(self.repo_path(arg))})"]
            if inner:
                lines += ["", f"*{inner}*"]
            return lines + [""]
        if name in ("code-block", "code", "sourcecode"):
            return ["```" + arg] + content + ["```"]
        if name.startswith("glue"):
            key = arg.split("::")[-1].strip()
            text = f"*(Shown in the book by `{key}`, computed in the code above.)*"
            return ["", text + (f" *{inner}*" if inner else ""), ""]
        if name in DROP_DIRECTIVES:
            return []
        self.fail(f"directive {{{name}}} has no plain-Markdown form: extend tools/make_notebooks.py "
                  "or avoid it")


# --------------------------------------------------------------------------- notebook
def check_no_myst_left(md_path: Path, text: str):
    """Fail if MyST-only markup survived the conversion (code is not looked at)."""
    for start, end in reversed(code_block_spans(text)):
        text = text[:start] + text[end:]
    roles = [m for m in ROLE_OR_CODE.finditer(text) if m.group("role")]
    text = ROLE_OR_CODE.sub(lambda m: "{role}`" if m.group("role") else "", text)
    if roles:
        m = roles[0]
        raise ConversionError(f"{md_path}: a MyST role is left after conversion: {m.group(0)[:80]}")
    for pattern, what in LEFTOVER:
        m = pattern.search(text)
        if m:
            snippet = text[max(0, m.start() - 40): m.end() + 40].replace("\n", "\\n")
            raise ConversionError(f"{md_path}: {what} is left after conversion: ...{snippet}...")


def convert(md_path: Path) -> nbformat.NotebookNode:
    md_path = Path(md_path).resolve()
    nb = jupytext.read(md_path, fmt="md:myst")
    if "kernelspec" not in nb.metadata:
        raise ConversionError(f"{md_path}: no kernelspec in the jupytext header: not a chapter notebook")
    conv = Converter(md_path, nb)
    cells = []
    installed = False
    for index, cell in enumerate(nb.cells):
        conv.cell_index = index
        if cell.cell_type == "markdown":
            source = conv.markdown(cell.source)
            check_no_myst_left(md_path, source)
            if source.strip():
                cells.append(nbformat.v4.new_markdown_cell(source))
        elif cell.cell_type == "code":
            if not installed:
                cells.append(nbformat.v4.new_code_cell(install_cell_source(),
                                                       metadata={"tags": [INSTALL_TAG]}))
                installed = True
            meta = {}
            if cell.metadata.get("tags"):
                meta["tags"] = list(cell.metadata["tags"])
            cells.append(nbformat.v4.new_code_cell(cell.source, metadata=meta))
        else:  # raw cells: keep as Markdown-free raw
            cells.append(nbformat.v4.new_raw_cell(cell.source))
    if not installed:
        raise ConversionError(f"{md_path}: a chapter notebook without a code cell")
    rel = repo_relative(md_path).as_posix()
    for index, cell in enumerate(cells):        # stable ids: regenerating changes nothing
        digest = hashlib.sha1(f"{rel}:{index}:{cell.cell_type}".encode()).hexdigest()[:8]
        cell["id"] = f"c{index:03d}-{digest}"
    out = nbformat.v4.new_notebook(cells=cells)
    out.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "colab": {"provenance": [], "toc_visible": True},
        "mlp_from_scratch": {
            "generated_from": rel,
            "generated_by": "tools/make_notebooks.py (edit the .md, then run this tool)",
            "version": bookmeta.version(),
        },
    }
    nbformat.validate(out)
    return out


def render(md_path: Path) -> str:
    return nbformat.writes(convert(md_path), version=4) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", type=Path,
                        help="chapter .md files (default: every executable chapter under book/)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a notebook is missing or stale")
    args = parser.parse_args(argv)
    chapters = [p.resolve() for p in args.chapters] or bookmeta.chapter_sources()
    stale = []
    for md in chapters:
        target = bookmeta.notebook_for(md)
        try:
            text = render(md)
        except ConversionError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        old = target.read_text(encoding="utf-8") if target.exists() else None
        if old == text:
            continue
        stale.append(target)
        if args.check:
            diff = difflib.unified_diff((old or "").splitlines(), text.splitlines(),
                                        str(target), "generated", lineterm="", n=1)
            print("\n".join(list(diff)[:40]), file=sys.stderr)
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(ROOT)}")
    if args.check and stale:
        print("stale notebooks (run: python tools/make_notebooks.py): "
              + ", ".join(str(p.relative_to(ROOT)) for p in stale), file=sys.stderr)
        return 1
    if not stale:
        print(f"{len(chapters)} notebook(s) up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
