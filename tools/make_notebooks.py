#!/usr/bin/env python
"""Generate the Colab notebook (``book/NAME.ipynb``) of every chapter (``book/NAME.md``).

    python -m tools.make_notebooks [CHAPTER.md ...]   # regenerate (default: every chapter)
    python -m tools.make_notebooks --check            # exit 1 if a notebook is stale (no build needed)
    python -m tools.make_notebooks --check-values     # after a build: the prose shows its values

jupytext reads the chapter; code cells keep their tags, after an install cell that runs only
in Colab. Markdown cells lose their MyST markup (CONTRIBUTING.md, "Allowed markup"; anything
else is an error): equations get ``\\tag{n}``, references numbers or titles, citations
"(Bishop, 2006)" (pybtex), ``{glue:text}`` the value of the build, formatted by myst-nb and
kept in the metadata; ``--check-values`` allows one unit in the last digit and any timing.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import posixpath
import re
import sys
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path, PurePosixPath

import jupytext
import nbformat

from . import bookmeta, myst

INSTALL_TAG = "colab-install"
# Glues whose values differ from run to run by nature: timings and the machine's cores.
# Their names say so (``..._seconds``, ``..._time_ratio``, ``..._us``, ``..._workers``).
MEASURED = re.compile(r"seconds|minutes|time|speedup|workers|(_ms|_us)(_|$)")
# Directives shown as a block quote under their name (``admonition``: under its argument only).
QUOTES = {"note", "tip", "warning", "exercise", "admonition"}
# A role, a code span (left as it is) or a link or image, in the text between blocks.
INLINE = re.compile(r"\{(?P<role>[A-Za-z][\w:+-]*)\}(?P<tick>`+)(?P<content>.+?)(?P=tick)"
                    r"|(?P<code>`+).+?(?P=code)"
                    r"|(?P<bang>!?)\[(?P<text>[^\]`]*)\]\((?P<target>[^()\s]+)\)", re.S)
MYST_ONLY = {"myst_role", "myst_target", "math_block_label", "colon_fence", "substitution_inline",
             "substitution_block"}
# Blocks the converter rewrites; the lines between them are text (roles, links, ...).
SPECIAL = {"fence", "colon_fence", "myst_target", "myst_line_comment", "math_block_label"}


class ConversionError(ValueError):
    """The chapter uses markup this tool cannot turn into plain Markdown."""


def install_cell_source() -> str:
    return ("# In Google Colab, install this book's package, pinned to the book's release.\n"
            "# Elsewhere this cell does nothing: install the package yourself (see the preface).\n"
            "import sys\n\n"
            'if "google.colab" in sys.modules:\n'
            f'    %pip install --quiet "{bookmeta.pip_requirement()}"')


def values_note() -> str:
    return (f"*The numbers in this notebook's text are those of the book's build (version "
            f"{bookmeta.version()}). Running the cells prints your own run's values, as "
            "`name = value`: they can differ in the last digits, and timings differ.*")


def last_build_cache() -> Path:
    """The jupyter-cache of the last build (tools/execute_chapters.py records it)."""
    times = bookmeta.ROOT / "_build" / "results" / "execution-times.json"
    if times.exists():
        return Path(json.loads(times.read_text())["cache"])
    return bookmeta.ROOT / "_build" / ".jupyter_cache" / "this-build"


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
    return {key: {m: out["data"][m] for m in ("text/plain", "text/markdown") if m in out["data"]}
            for cell in nb.cells if cell.cell_type == "code"
            for key, out in extract_glue_data_cell(cell)}


def committed_values(md_path: Path) -> dict:
    ipynb = bookmeta.notebook_for(md_path)
    return nbformat.read(ipynb, 4).metadata["mlp_from_scratch"]["glued"] if ipynb.exists() else {}


def close(committed: str, built: str) -> bool:
    """Equal, or numbers at most one unit apart in the last digit shown."""
    try:
        a, b = (Decimal(text.rstrip(" %").replace(",", "")) for text in (committed, built))
    except InvalidOperation:
        return committed == built
    finite = a.is_finite() and b.is_finite()
    return committed == built or finite and abs(a - b) <= Decimal(1).scaleb(a.as_tuple().exponent)


@lru_cache(None)
def bib_entries() -> dict:
    """citation key (lower case) -> (the authors or editors as the text names them, year)."""
    from pybtex.database import parse_file
    from pybtex.richtext import Text
    out = {}
    for key, entry in parse_file(str(bookmeta.BIB)).entries.items():
        persons = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [" ".join(p.prelast_names + p.last_names) for p in persons]
        names = names or [entry.fields.get("title", key)]
        names = [Text.from_latex(name).render_as("text") for name in names]
        who = " and ".join(names) if len(names) <= 2 else f"{names[0]} et al."
        out[key.lower()] = (who, entry.fields.get("year", "n.d."))
    return out


def collect_labels(nb) -> dict:
    """label -> (kind, text, cell index) of one chapter: ``eq`` (its number), ``fig`` (a code
    cell's figure), ``ex`` (the exercise's title), ``sec`` (the heading after a target, else the label)."""
    labels = {}
    for index, cell in enumerate(nb.cells):
        if fig := cell.metadata.get("mystnb", {}).get("figure", {}).get("name"):
            labels[fig] = ("fig", "", index)
        blocks = myst.walk(cell.source) if cell.cell_type == "markdown" else []
        for k, block in enumerate(blocks):
            d, content = block.directive, block.token.content
            name = d and (d.options.get("label") or d.options.get("name"))
            if block.type == "math_block_label":
                number = str(sum(kind == "eq" for kind, *_ in labels.values()) + 1)
                labels.setdefault(block.token.info, ("eq", number, index))
            elif block.type == "myst_target":
                heading = k + 2 < len(blocks) and blocks[k + 1].type == "heading_open"
                labels[content] = ("sec", blocks[k + 2].token.content if heading else content, index)
            elif name and d.name in ("figure", "exercise"):
                labels[name] = ("fig", "", index) if d.name == "figure" else ("ex", d.arg, index)
    return labels


@lru_cache(None)
def chapter_index() -> dict:
    """docname (``book/digits``) -> (title, labels) of every page under book/."""
    out = {}
    for md in sorted(p for p in bookmeta.BOOK_DIR.rglob("*.md") if "_build" not in p.parts):
        nb, doc = jupytext.read(md, fmt="md:myst"), bookmeta.repo_relative(md).with_suffix("").as_posix()
        blocks = [b for c in nb.cells if c.cell_type == "markdown" for b in myst.walk(c.source, nested=False)]
        title = next((blocks[k + 1].token.content.strip() for k, b in enumerate(blocks)
                      if b.token.tag == "h1"), doc)
        out[doc] = (title, collect_labels(nb))
    return out


def elsewhere(label: str, kind: str) -> tuple | None:
    """``(docname, title, text)`` of the first page of the book where ``label`` is a ``kind``."""
    return next(((doc, title, labels[label][1]) for doc, (title, labels) in chapter_index().items()
                 if labels.get(label, ("",))[0] == kind), None)


class Converter:
    def __init__(self, md_path: Path, nb, values: dict, shown: list | None = None):
        self.md_path = md_path
        self.values = values         # name -> {mime: data}: what the build glued
        self.shown = [] if shown is None else shown  # (name, text) of each value shown, in order
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
        path = self.repo_path(target.partition("#")[0])
        stem = str(PurePosixPath(path).with_suffix(""))
        if (bookmeta.ROOT / f"{stem}.md").exists() and bookmeta.is_notebook_md(bookmeta.ROOT / f"{stem}.md"):
            return bookmeta.colab_link(f"{stem}.ipynb")
        return bookmeta.blob_url(path if PurePosixPath(path).suffix else f"{path}.md")

    def role(self, name: str, content: str) -> str:
        explicit = re.fullmatch(r"(?P<text>.+?)\s*<(?P<target>[^<>]+)>", content, re.S)
        text, target = (explicit["text"], explicit["target"].strip()) if explicit else (None, content.strip())
        kind, value, cell = self.labels.get(target, ("", "", 0))
        if name in ("cite", "cite:p", "cite:t"):
            keys = [key.strip().lower() for key in content.split(",") if key.strip()]
            if missing := [key for key in keys if key not in bib_entries()]:
                self.fail(f"citation keys {missing} are not in references.bib")
            cited = "; ".join(("{} ({})" if name == "cite:t" else "{}, {}").format(*bib_entries()[key])
                              for key in keys)
            return cited if name == "cite:t" else f"({cited})"
        if name in ("glue:text", "glue:md"):
            from myst_nb.core.variables import format_plain_text
            key, _, spec = content.split("::")[-1].strip().partition(":")
            if key not in self.values:
                return f"`{key}`"
            data = self.values[key]
            shown = (data["text/markdown"] if name == "glue:md"
                     else format_plain_text(data["text/plain"], spec or "s"))
            self.shown.append((key, shown))
            return shown
        if name == "eq":
            _, title, number = ("", "", value) if kind == "eq" else elsewhere(target, "eq") or self.fail(
                f"{{eq}} label {target!r} is not defined in any chapter")
            return f"({number})" + (f" of the chapter *{title}*" if title else "")
        if name in ("ref", "numref") and kind == "fig":
            return "the figure " + ("below" if cell > self.cell_index else "above")
        if name in ("ref", "numref") and text:      # the text of a numref shows no number
            return re.sub(r"\s*%s|\s*\{number\}|\s*\{name\}", "", text)
        if name in ("ref", "numref") and kind in ("ex", "sec"):
            return f"“{value}”" if kind == "sec" else f"the exercise “{value}”" if value else "the exercise"
        if name in ("ref", "numref"):
            doc, title, value = elsewhere(target, "sec") or ("", "", "")
            return f"“{value}” in [{title}]({self.doc_link('/' + doc)})" if doc else target
        if name == "doc":
            doc = str(PurePosixPath(self.repo_path(target)).with_suffix(""))
            return f"[{text or chapter_index().get(doc, (target,))[0]}]({self.doc_link(target)})"
        self.fail(f"role {{{name}}} has no plain-Markdown form: extend tools/make_notebooks.py or avoid it")

    def inline(self, text: str) -> str:
        """Roles, links and images of a span of Markdown text."""

        def replace(m):
            target, shown = m["target"], m["text"]
            if m["code"] or target and re.match(r"[a-z][\w+.-]*:", target):   # http:, https:, mailto:
                return m[0]
            if target:
                return (f"![{shown}]({bookmeta.raw_url(self.repo_path(target))})" if m["bang"]
                        else shown if target.startswith("#") else f"[{shown}]({self.doc_link(target)})")
            out, before = self.role(m["role"], m["content"]), m.string[:m.start()]
            # a reference that starts a sentence or a paragraph starts with a capital
            if out[:1].islower() and (before.rstrip()[-1:] in ("", ".", "!", "?")
                                      or re.search(r"\n[ \t]*\n[ \t]*$", before)):
                out = out[0].upper() + out[1:]
            return out

        return INLINE.sub(replace, text)

    def markdown(self, source: str) -> str:
        lines, out, i = source.split("\n"), [], 0
        for block in myst.walk(source, nested=False):
            if block.type not in SPECIAL or block.start < i:
                continue
            out.append(self.inline("\n".join(lines[i:block.start])))
            i, d, token = block.end, block.directive, block.token
            if block.type == "math_block_label":
                body, tag = token.content.strip(), f" \\tag{{{self.labels[token.info][1]}}}"
                out.append(f"$$\n{body}{tag}\n$$" if "\n" in token.content else f"$${body}{tag}$$")
            elif d is not None:
                out.extend(self.directive(d))
            elif block.type in ("fence", "colon_fence"):   # a code block: untouched (a colon one fails below)
                out.extend(lines[block.start:block.end])
            elif block.type == "myst_target" and i < len(lines) and not lines[i].strip():
                i += 1
        out.append(self.inline("\n".join(lines[i:])))
        return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")

    def directive(self, d: myst.Directive) -> list[str]:
        inner = self.markdown("\n".join(d.body)) if d.body else ""
        if d.name in QUOTES:
            name = "" if d.name == "admonition" else d.name.capitalize()
            title = ": ".join(filter(None, (name, self.inline(d.arg))))
            lines = [f"> **{title}**"] + ([">"] if inner else []) if title else []
            quoted = [("> " + ln) if ln.strip() else ">" for ln in inner.split("\n") if inner]
            return [""] + lines + quoted + [""]
        if d.name == "solution":
            return ["", "<details>", "<summary>Solution</summary>", "", inner, "", "</details>", ""]
        if d.name == "solution-start":          # the gated form: code cells come before its end
            return ["", "**Solution**", ""]
        if d.name == "solution-end":
            return []
        if d.name == "figure" and d.options.get("alt"):
            image = f"![{d.options['alt']}]({bookmeta.raw_url(self.repo_path(d.arg))})"
            return ["", image] + (["", f"*{inner}*"] if inner else []) + [""]
        if d.name == "figure":
            self.fail(f"{{figure}} {d.arg} has no :alt: text")
        self.fail(f"directive {{{d.name}}} has no plain-Markdown form: extend tools/make_notebooks.py "
                  "or avoid it")


def check_no_myst_left(md_path: Path, text: str):
    """Fail if MyST-only markup survived the conversion (code is not looked at)."""
    for block in myst.walk(text):
        kinds = {block.type} | {c.type for c in block.token.children or []}
        if left := (kinds & MYST_ONLY) | ({"a directive"} if block.directive else set()):
            snippet = "\n".join(text.split("\n")[block.start:block.end])[:120].replace("\n", "\\n")
            raise ConversionError(f"{md_path}: MyST markup ({', '.join(sorted(left))}) is left: {snippet}")


def convert(md_path: Path, values: dict | None = None, shown: list | None = None) -> nbformat.NotebookNode:
    """The Colab notebook of a chapter, showing ``values`` (default: the committed ones);
    ``(name, text)`` of each value shown is added to ``shown``."""
    md_path = Path(md_path).resolve()
    nb = jupytext.read(md_path, fmt="md:myst")
    if "kernelspec" not in nb.metadata:
        raise ConversionError(f"{md_path}: no kernelspec in the jupytext header: not a chapter notebook")
    if not any(cell.cell_type == "code" for cell in nb.cells):
        raise ConversionError(f"{md_path}: a chapter notebook without a code cell")
    conv = Converter(md_path, nb, committed_values(md_path) if values is None else values, shown)
    cells = []
    for conv.cell_index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            source = conv.markdown(cell.source)
            check_no_myst_left(md_path, source)
            cells += [nbformat.v4.new_markdown_cell(source)] if source.strip() else []
        elif cell.cell_type == "code":
            tags = {"tags": list(cell.metadata["tags"])} if cell.metadata.get("tags") else {}
            cells.append(nbformat.v4.new_code_cell(cell.source, metadata=tags))
        else:
            cells.append(nbformat.v4.new_raw_cell(cell.source))
    first_code = next(i for i, c in enumerate(cells) if c.cell_type == "code")
    install = nbformat.v4.new_code_cell(install_cell_source(), metadata={"tags": [INSTALL_TAG]})
    cells.insert(first_code, install)
    if conv.shown:                  # before the install cell: the numbers are the build's
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
            "glued": {key: conv.values[key] for key in sorted({key for key, _ in conv.shown})},
        },
    }
    nbformat.validate(out)
    return out


def render(md_path: Path, values: dict | None = None) -> str:
    return nbformat.writes(convert(md_path, values), version=4) + "\n"


def stale_values(md_path: Path, cache_dir: Path) -> list[str]:
    """Where the committed notebook's prose shows other values than the build, beyond ``close``
    (and beyond anything for ``MEASURED`` glues); ``[]`` when current."""
    rel, built = bookmeta.repo_relative(md_path), built_values(md_path, cache_dir)
    if built is None:
        return [f"{rel} was not executed in the build at {cache_dir}"]
    old, new = [], []
    convert(md_path, committed_values(md_path), old)
    convert(md_path, built, new)
    keys = [[key for key, _ in shown] for shown in (old, new)]
    if keys[0] != keys[1]:
        return [f"{rel}: only one of the notebook and the build has {sorted(set(keys[0]) ^ set(keys[1]))}"]
    return [f"{rel}: {key} shows {a!r}, the build {b!r}" for (key, a), (_, b) in zip(old, new)
            if not (MEASURED.search(key) or close(a, b))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", type=Path, help="chapter .md files (default: every chapter)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a notebook is stale")
    parser.add_argument("--check-values", action="store_true",
                        help="write nothing; exit 1 if the values shown differ from the build's")
    parser.add_argument("--values-from", type=Path, help="the build's jupyter-cache (default: the last one)")
    args = parser.parse_args(argv)
    cache = args.values_from or last_build_cache()
    chapters = [p.resolve() for p in args.chapters] or bookmeta.chapter_sources()
    if args.check_values:
        problems = [p for md in chapters for p in stale_values(md, cache)]
        print("\n".join(problems) or f"{len(chapters)} notebook(s) show the build's values")
        if problems:
            print("stale values (after a build, run: python -m tools.make_notebooks)", file=sys.stderr)
        return 1 if problems else 0
    stale = []
    for md, target in ((md, bookmeta.notebook_for(md)) for md in chapters):
        values = None if args.check else built_values(md, cache)
        if values is None and not args.check:
            print(f"note: {bookmeta.repo_relative(md)} is not in the build at {cache}: "
                  "its committed values are kept (build the book to refresh them)")
        try:
            text = render(md, values)
        except ConversionError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        old = target.read_text(encoding="utf-8") if target.exists() else ""
        if old != text:
            stale.append(str(bookmeta.repo_relative(target)))
            if args.check:
                diff = difflib.unified_diff(old.splitlines(), text.splitlines(), stale[-1], "generated",
                                            lineterm="", n=1)
                print("\n".join(list(diff)[:40]), file=sys.stderr)
            else:
                target.write_text(text, encoding="utf-8")
                print(f"wrote {stale[-1]}")
    if args.check and stale:
        print(f"stale notebooks (run: python -m tools.make_notebooks): {', '.join(stale)}", file=sys.stderr)
        return 1
    if not stale:
        print(f"{len(chapters)} notebook(s) up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
