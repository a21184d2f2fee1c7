#!/usr/bin/env python
"""Generate the Colab notebook (``book/NAME.ipynb``) of every chapter (``book/NAME.md``).

    python -m tools.make_notebooks [CHAPTER.md ...]   # regenerate (default: every chapter)
    python -m tools.make_notebooks --check            # exit 1 if a notebook is stale (no build needed)
    python -m tools.make_notebooks --check-values     # after a build: the prose shows its values

jupytext reads the chapter; code cells are kept (tags only, no outputs) after a generated
install cell (the package at this release's tag, only in Colab); Markdown cells lose their
MyST-only markup: equations get ``\\tag{n}``, ``{eq}`` becomes "(n)", citations
"(Bishop, 2006)" (pybtex), ``{glue:text}`` the value the build glued, formatted by myst-nb
(from the build's jupyter-cache, ``--values-from``; kept in the notebook's metadata with a
note that a run prints its own), admonitions and exercises quotes, solutions ``<details>``,
figures ``![alt](url)``, links to chapters Colab links. Unknown markup is an error.
``--check-values`` allows one unit in the last digit shown and any ``MEASURED`` value.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import posixpath
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath

import jupytext
import nbformat

from . import bookmeta, myst

ROOT = bookmeta.ROOT


class ConversionError(ValueError):
    """The chapter uses markup this tool cannot turn into plain Markdown."""

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


def values_note() -> str:
    return (f"*The numbers in this notebook's text are those of the book's build (version "
            f"{bookmeta.version()}). Running the cells prints your own run's values, as "
            "`name = value`: they can differ in the last digits, and timings differ.*")


def last_build_cache() -> Path:
    """The jupyter-cache of the last build (tools/execute_chapters.py records it)."""
    try:
        times = json.loads((ROOT / "_build" / "results" / "execution-times.json").read_text())
        return Path(times["cache"])
    except (OSError, ValueError, KeyError):
        return ROOT / "_build" / ".jupyter_cache" / "this-build"


GLUE_MIME = ("text/plain", "text/markdown")
# Glues whose values differ from run to run by nature: timings and the machine's cores.
# Their names say so (``..._seconds``, ``..._time_ratio``, ``..._us``, ``..._workers``).
MEASURED = re.compile(r"seconds|minutes|time|speedup|workers|(_ms|_us)(_|$)")
MARK = re.compile("\x00(?P<key>[^\x01]*)\x01(?P<text>[^\x02]*)\x02")


def built_values(md_path: Path, cache_dir: Path) -> dict | None:
    """``{name: {mime: data}}`` that the chapter glued in the build whose jupyter-cache is
    ``cache_dir``, or None when the cache holds no run of this version of the chapter."""
    from jupyter_cache import get_cache
    from myst_nb.core.read import myst_nb_reader_plugin
    from myst_nb.ext.glue import extract_glue_data_cell

    if not Path(cache_dir).is_dir():
        return None
    try:
        _, nb = get_cache(cache_dir).merge_match_into_notebook(myst_nb_reader_plugin(str(md_path)))
    except KeyError:
        return None
    return {key: {m: out["data"][m] for m in GLUE_MIME if m in out["data"]}
            for cell in nb.cells if cell.cell_type == "code"
            for key, out in extract_glue_data_cell(cell)}


def committed_values(md_path: Path) -> dict:
    ipynb = bookmeta.notebook_for(md_path)
    if not ipynb.exists():
        return {}
    meta = json.loads(ipynb.read_text(encoding="utf-8")).get("metadata", {})
    return meta.get("mlp_from_scratch", {}).get("glued", {})


def close(committed: str, built: str) -> bool:
    """Equal, or numbers at most one unit apart in the last digit shown."""
    if committed == built:
        return True
    number = re.compile(r"-?\d[\d,]*(\.\d+)?(e[-+]?\d+)?")
    a, b = number.fullmatch(committed.rstrip(" %")), number.fullmatch(built.rstrip(" %"))
    if not (a and b):
        return False
    decimals = len(a.group(1) or ".") - 1
    exponent = int(a.group(2)[1:]) if a.group(2) else 0
    unit = 10.0 ** (exponent - decimals)
    value = lambda m: float(m.group(0).replace(",", ""))  # noqa: E731
    return abs(value(a) - value(b)) <= 1.000001 * unit


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
    return (" and ".join(names) if len(names) <= 2 else f"{names[0]} et al."), year


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


@dataclass
class Labels:
    """Cross-reference targets of one chapter (and the equations of all chapters)."""

    equations: dict = field(default_factory=dict)   # label -> number in its chapter
    titles: dict = field(default_factory=dict)      # label -> text to show for {ref}
    figures: dict = field(default_factory=dict)     # label -> index of its cell
    exercises: dict = field(default_factory=dict)   # label -> title


def collect_labels(nb) -> Labels:
    labels = Labels()
    for index, cell in enumerate(nb.cells):
        fig = (cell.metadata.get("mystnb") or {}).get("figure") or {}
        if cell.cell_type == "code" and fig.get("name"):
            labels.figures[fig["name"]] = index
        if cell.cell_type != "markdown":
            continue
        blocks = myst.walk(cell.source)
        for k, block in enumerate(blocks):
            d = block.directive
            if block.type == "math_block_label":
                labels.equations.setdefault(block.token.info, len(labels.equations) + 1)
            elif d and d.name == "math" and d.options.get("label"):
                labels.equations.setdefault(d.options["label"], len(labels.equations) + 1)
            elif block.type == "myst_target":
                nxt = blocks[k + 1:k + 3]
                heading = len(nxt) == 2 and nxt[0].type == "heading_open"
                labels.titles[block.token.content] = nxt[1].token.content if heading else block.token.content
            elif d and (d.options.get("label") or d.options.get("name")):
                name = d.options.get("label") or d.options.get("name")
                if d.name == "figure":
                    labels.figures[name] = index
                elif d.name in ("exercise", "exercise-start"):
                    labels.exercises[name] = d.arg
    return labels


@lru_cache(None)
def chapter_index() -> dict:
    """docname (``book/digits``) -> (title, equation labels) for every chapter."""
    out = {}
    for md in sorted(bookmeta.BOOK_DIR.rglob("*.md")):
        if "_build" in md.parts:
            continue
        doc = bookmeta.repo_relative(md).with_suffix("").as_posix()
        text = md.read_text(encoding="utf-8")
        try:
            nb = jupytext.reads(text, fmt="md:myst")
            labels = collect_labels(nb)
        except Exception:  # a plain page jupytext cannot read as a notebook
            labels = Labels()
        out[doc] = (myst.title(text) or doc, labels)
    return out


ADMONITIONS = {"note": "Note", "tip": "Tip", "hint": "Hint", "important": "Important",
               "warning": "Warning", "caution": "Caution", "attention": "Attention",
               "danger": "Danger", "error": "Error", "seealso": "See also"}
DROP_DIRECTIVES = {"bibliography", "tableofcontents", "toctree", "index"}
ROLE_OR_CODE = re.compile(r"\{(?P<role>[A-Za-z][\w:+-]*)\}(?P<tick>`+)(?P<content>.+?)(?P=tick)"
                          r"|(?P<code>`+).+?(?P=code)", re.S)
LINK = re.compile(r"(?P<bang>!?)\[(?P<text>[^\]]*)\]\((?P<target>[^()\s]+)(?P<title>\s+\"[^\"]*\")?\)")
SUBST = re.compile(r"\{\{\s*(?P<name>[\w-]+)\s*\}\}")
# Blocks the converter rewrites; the lines between them are text (roles, links, ...).
SPECIAL = {"fence", "colon_fence", "myst_target", "myst_line_comment", "math_block_label"}


class Converter:
    def __init__(self, md_path: Path, nb, values: dict, mark: bool = False):
        self.md_path = md_path
        self.values = values         # name -> {mime: data}: what the build glued
        self.used: dict = {}         # the values the prose shows
        self.mark = mark             # wrap each shown value in MARK's delimiters
        self.doc = bookmeta.repo_relative(md_path).with_suffix("").as_posix()
        self.labels = collect_labels(nb)
        self.cell_index = 0          # index (in the .md's cells) of the cell being converted

    def fail(self, message: str):
        raise ConversionError(f"{bookmeta.repo_relative(self.md_path)}: {message}")

    def repo_path(self, target: str) -> str:
        """A path relative to the chapter (or, from ``/``, to the repository), from the repository root."""
        return posixpath.normpath(posixpath.join(posixpath.dirname(self.doc), target)).lstrip("/")

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
            from myst_nb.core.variables import format_plain_text

            key, _, spec = content.split("::")[-1].strip().partition(":")
            data = self.values.get(key)
            if data is None:
                return f"`{key}`"
            self.used[key] = data
            text = (data["text/markdown"] if name == "glue:md"
                    else format_plain_text(data["text/plain"], spec or "s"))
            return f"\x00{key}\x01{text}\x02" if self.mark else text
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

    def markdown(self, source: str) -> str:
        lines = source.split("\n")
        out: list[str] = []
        i = 0
        for block in myst.walk(source, nested=False):
            if block.type not in SPECIAL or block.start < i:
                continue
            out.append(self.inline("\n".join(lines[i:block.start])))
            i = block.end
            d, token = block.directive, block.token
            if block.type == "math_block_label":
                body, number = token.content, self.labels.equations[token.info]
                if "\n" in body:
                    out.append(f"$$\n{body.strip()} \\tag{{{number}}}\n$$")
                else:
                    out.append(f"$${body.strip()} \\tag{{{number}}}$$")
            elif d is not None:
                out.extend(self.directive(d))
            elif block.type == "colon_fence":
                self.fail(f"colon fence without a directive: {lines[block.start]!r}")
            elif block.type == "fence":                 # ordinary code block: untouched
                out.extend(lines[block.start:block.end])
            elif block.type == "myst_target" and i < len(lines) and not lines[i].strip():
                i += 1
        out.append(self.inline("\n".join(lines[i:])))
        return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")

    def directive(self, d: myst.Directive) -> list[str]:
        name, arg, opts, content = d.name, d.arg, d.options, d.body
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


def check_no_myst_left(md_path: Path, text: str):
    """Fail if MyST-only markup survived the conversion (code is not looked at)."""
    for block in myst.walk(text):
        roles = [c for c in block.token.children or [] if c.type == "myst_role"]
        what = ("a MyST role" if roles else "a MyST directive" if block.directive else
                {"myst_target": "a MyST target", "math_block_label": "an equation label"}.get(block.type))
        if what:
            snippet = "\n".join(text.split("\n")[block.start:block.end])[:120].replace("\n", "\\n")
            raise ConversionError(f"{md_path}: {what} is left after conversion: {snippet}")


def convert(md_path: Path, values: dict | None = None, mark: bool = False) -> nbformat.NotebookNode:
    """The Colab notebook of a chapter, showing ``values`` (default: the committed ones)."""
    md_path = Path(md_path).resolve()
    nb = jupytext.read(md_path, fmt="md:myst")
    if "kernelspec" not in nb.metadata:
        raise ConversionError(f"{md_path}: no kernelspec in the jupytext header: not a chapter notebook")
    conv = Converter(md_path, nb, committed_values(md_path) if values is None else values, mark)
    cells, installed = [], False
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
            meta = {"tags": list(cell.metadata["tags"])} if cell.metadata.get("tags") else {}
            cells.append(nbformat.v4.new_code_cell(cell.source, metadata=meta))
        else:  # raw cells: keep as Markdown-free raw
            cells.append(nbformat.v4.new_raw_cell(cell.source))
    if not installed:
        raise ConversionError(f"{md_path}: a chapter notebook without a code cell")
    if conv.used:                   # before the install cell: the numbers are the build's
        first_code = next(i for i, c in enumerate(cells) if c.cell_type == "code")
        cells.insert(first_code, nbformat.v4.new_markdown_cell(values_note()))
    rel = bookmeta.repo_relative(md_path).as_posix()
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
            "glued": dict(sorted(conv.used.items())),
        },
    }
    nbformat.validate(out)
    return out


def render(md_path: Path, values: dict | None = None) -> str:
    return nbformat.writes(convert(md_path, values), version=4) + "\n"


def stale_values(md_path: Path, cache_dir: Path) -> list[str]:
    """Where the committed notebook's prose differs from what the build shows, beyond
    ``close`` (and beyond anything for ``MEASURED`` glues); ``[]`` when current."""
    built = built_values(md_path, cache_dir)
    if built is None:
        return [f"{bookmeta.repo_relative(md_path)} was not executed in the build at {cache_dir}"]
    prose = [[c.source for c in convert(md_path, v, mark=True).cells if c.cell_type == "markdown"]
             for v in (committed_values(md_path), built)]
    problems = []
    for old, new in zip(*prose):
        olds, news = list(MARK.finditer(old)), list(MARK.finditer(new))
        if MARK.sub("", old) != MARK.sub("", new) or len(olds) != len(news):
            problems.append(f"{bookmeta.repo_relative(md_path)}: the text differs around: "
                            f"{MARK.sub(lambda m: m['text'], old)[:200]!r}")
            continue
        for a, b in zip(olds, news):
            if not (MEASURED.search(a["key"]) or close(a["text"], b["text"])):
                problems.append(f"{bookmeta.repo_relative(md_path)}: {a['key']} shows "
                                f"{a['text']!r}, the build {b['text']!r}")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", type=Path,
                        help="chapter .md files (default: every executable chapter under book/)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a notebook is missing or stale")
    parser.add_argument("--check-values", action="store_true",
                        help="write nothing; exit 1 if the values shown differ from the build's")
    parser.add_argument("--values-from", type=Path, default=None,
                        help="the build's jupyter-cache (default: the last build's)")
    args = parser.parse_args(argv)
    args.values_from = args.values_from or last_build_cache()
    chapters = [p.resolve() for p in args.chapters] or bookmeta.chapter_sources()
    if args.check_values:
        problems = [p for md in chapters for p in stale_values(md, args.values_from)]
        print("\n".join(problems) or f"{len(chapters)} notebook(s) show the build's values")
        if problems:
            print("stale values (after a build, run: python -m tools.make_notebooks)", file=sys.stderr)
        return 1 if problems else 0
    stale = []
    for md in chapters:
        target = bookmeta.notebook_for(md)
        values = None if args.check else built_values(md, args.values_from)
        if values is None and not args.check:
            print(f"note: {bookmeta.repo_relative(md)} is not in the build at {args.values_from}: "
                  "its committed values are kept (build the book to refresh them)")
        try:
            text = render(md, values)
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
            print(f"wrote {bookmeta.repo_relative(target)}")
    if args.check and stale:
        print("stale notebooks (run: python -m tools.make_notebooks): "
              + ", ".join(str(bookmeta.repo_relative(p)) for p in stale), file=sys.stderr)
        return 1
    if not stale:
        print(f"{len(chapters)} notebook(s) up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
