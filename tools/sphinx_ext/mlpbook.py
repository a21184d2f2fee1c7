"""Sphinx extension of the book (loaded by _config.yml: ``sphinx.local_extensions``).

It keeps one source of truth for the facts the site shows, and serves MathJax locally:

- version: read from ``mlp_from_scratch/_version.py``; becomes Sphinx's
  ``version``/``release``, part of the page titles, and the ``{{ version }}``
  MyST substitution. Other substitutions: ``{{ repo_url }}``, ``{{ repo_link }}`` (a
  link to it), ``{{ release_tag }}``,
  ``{{ pip_requirement }}``, ``{{ date_released }}`` (from CITATION.cff).
- ``{book-install}`` directive: the ``pip install`` command of this release.
- ``{book-citation}`` directive: the BibTeX (``:format: bibtex``) or a plain-text
  citation (``:format: text``) built from CITATION.cff.
- "Cite this chapter": every chapter page (all pages of the toc but the root and
  ``mlpbook_cite_exclude``) ends with a section holding the BibTeX entry of that
  chapter of this release (``chapter_bibtex_entry``), added at read time by the
  ``CiteThisChapter`` transform, so it is in the page's contents, the site and the PDF.
- the PDF of the book (``tools/build_book.sh --pdf``): LaTeX settings
  (``on_config_inited_latex``: Sphinx's manual class instead of jupyterBook.cls, which
  needs texlive-fonts-extra), the preface's heading and the release date
  (``on_builder_inited_latex``); the site's numbering of chapters, parts, sections,
  equations, figures and exercises, the solutions at the chapter ends, and an
  environment the LaTeX build can reuse from the HTML build without executing anything
  again: ``tools/sphinx_ext/pdf_numbering.py`` (loaded by this extension); with
  ``MLPBOOK_PDF=1`` every page links the PDF ("Download PDF" at the foot of the left
  sidebar, "Book (PDF)" in the download menu).
- the footer (licences, version), with links built from ``repository.url``.
- MathJax: copies the npm package ``mathjax`` (``node_modules/mathjax/es5``, run
  ``npm ci`` first) into ``_build/html/_static/mathjax``; ``mathjax_path`` in
  _config.yml points there, so the site renders equations with no internet.
- execution: ``MLPBOOK_EXECUTION_CACHE=DIR`` (set by tools/build_book.sh, which has
  filled DIR with tools/execute_chapters.py, chapters in parallel) switches to myst-nb's
  cache mode on DIR, where every chapter must be a cache hit: a chapter that executes in
  the build after all fails it (``check_not_executed``). ``MLPBOOK_EXECUTION=cache``
  switches to a jupyter-cache whose folder name includes a hash of
  ``mlp_from_scratch/`` and of the build pins (myst-nb executes what it lacks), so
  that a change of the package re-executes every chapter. Without either, _config.yml's
  ``force``: myst-nb runs every chapter itself, one after the other.
- alt text from the data: in a code cell's ``mystnb: image: alt:``, the glue role
  ``{glue:text}`name``` (with an optional format, ``{glue:text}`name:.2f```) is replaced
  by the glued value (``glue_alt_text``), so that alt text can state computed numbers and
  be composed in code; an unknown name fails the build.
- learning objectives: a chapter's ``book: objectives:`` (front matter) shown in a
  "Learning objectives" box below its title (``LearningObjectives``, a read-time transform).
- the figure pack: every figure drawn by a code cell, as SVG and PDF, in
  ``_build/html/mlp-from-scratch-figures.zip`` with ``manifest.csv`` (``figure_pack``, at
  build-finished); ``{figure-pack}`text``` links it. The course map is
  ``tools/sphinx_ext/coursemap.py``.
- progress bars off in the built pages (``MLP_FROM_SCRATCH_PROGRESS=0``).
- accessibility fixes of the HTML of the theme and its extensions, for the browser
  test (tools/check_site.py, axe-core): templates of the search button, theme switch
  and home link (``templates/``), bibliography list roles, the accessible name of myst-nb's
  "Show code cell source" toggles (``on_html_page_context``); the CSS ones are in
  book/_static/custom.css.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.transforms import SphinxTransform
from sphinx.util import texescape
from sphinx.util.docutils import SphinxDirective

from tools import bookmeta

LOGGER = logging.getLogger(__name__)
MATHJAX_SRC = bookmeta.ROOT / "node_modules" / "mathjax" / "es5"
# What tex-mml-chtml.js loads: the combined file, TeX extensions loaded on demand
# (autoload), the CHTML fonts, the menu and its accessibility tools.
# myst-nb's toggle of hidden cells (myst_nb/sphinx_.py, visit_HideCellInput)
HIDDEN_CELL_SUMMARY = re.compile(r'<summary\s+aria-label="Toggle hidden content"\s*>')
MATHJAX_PARTS = ["tex-mml-chtml.js", "input", "output/chtml", "ui", "a11y", "sre", "adaptors"]


def pdf_name() -> str:
    """The file name of the book's PDF: ``latex.latex_documents.targetname`` of _config.yml."""
    target = bookmeta.config()["latex"]["latex_documents"]["targetname"]
    return str(Path(target).with_suffix(".pdf"))


def pdf_enabled() -> bool:
    """``MLPBOOK_PDF=1`` (set by ``tools/build_book.sh --pdf``): the site links the PDF."""
    return os.environ.get("MLPBOOK_PDF", "").strip() not in ("", "0")


def package_hash() -> str:
    h = hashlib.sha256()
    for path in sorted((bookmeta.ROOT / "mlp_from_scratch").rglob("*.py")):
        h.update(path.relative_to(bookmeta.ROOT).as_posix().encode())
        h.update(path.read_bytes())
    for name in ("requirements.txt", "pyproject.toml"):
        path = bookmeta.ROOT / name
        if path.exists():
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _book_fields() -> dict:
    """What every BibTeX entry of the book shares, from CITATION.cff."""
    cff = bookmeta.citation()
    pref = cff.get("preferred-citation", cff)
    authors = " and ".join(
        "{" + a["name"] + "}" if "name" in a else f"{a['family-names']}, {a['given-names']}"
        for a in pref["authors"]
    )
    return {
        "title": pref["title"],
        "author": authors,
        "year": str(pref.get("year", str(cff["date-released"])[:4])),
        "edition": f"Version {cff['version']}",
        "url": pref.get("url", cff.get("url", bookmeta.repo_url())),
        "note": f"Release {bookmeta.release_tag()}, {cff['date-released']}; "
                "text CC BY 4.0, code MIT",
        "publisher": (pref.get("publisher") or {}).get("name"),
    }


def _bibtex(kind: str, key: str, fields: list[tuple[str, str]]) -> str:
    fields = [(k, v) for k, v in fields if v]
    width = max(9, 1 + max(len(k) for k, _ in fields))
    body = ",\n".join(f"  {k:<{width}}= {{{v}}}" for k, v in fields)
    return f"@{kind}{{{key},\n{body}\n}}"


def bibtex_entry() -> str:
    """The BibTeX entry of the book (this release), from CITATION.cff."""
    book = _book_fields()
    fields = [
        ("title", "{" + book["title"] + "}"),
        ("author", book["author"]),
        ("publisher", book["publisher"]),
        ("year", book["year"]),
        ("edition", book["edition"]),
        ("url", book["url"]),
        ("note", book["note"]),
    ]
    return _bibtex("book", "mlpfromscratch" + book["year"], fields)


# ----------------------------------------------------------------- "Cite this chapter"
# Every chapter page ends with a section holding the BibTeX entry of that chapter of
# this release (CiteThisChapter, below): the same CITATION.cff, version and repository
# URL as the entry of the whole book on the "How to cite" page.
CITE_SECTION_TITLE = "Cite this chapter"
BIBTEX_SPECIAL = str.maketrans({c: "\\" + c for c in "&%$#_"})


def site_url() -> str | None:
    """``html.baseurl`` of _config.yml (where the built site is published), if set."""
    url = (bookmeta.config().get("html") or {}).get("baseurl")
    return url.rstrip("/") + "/" if url else None


def chapter_url(docname: str, anchor: str | None = None) -> str:
    """Where a chapter of this release lives.

    With ``html.baseurl`` set in _config.yml: the chapter's page on the site, with the
    anchor of its title (``.../book/derivations/forward-pass.html#ch-forward-pass``).
    Without it (the book has no published site yet): the chapter's source in the
    repository at this release's tag, which never changes once tagged.
    """
    base = site_url()
    if base:
        return f"{base}{docname}.html" + (f"#{anchor}" if anchor else "")
    return f"{bookmeta.repo_url()}/blob/{bookmeta.release_tag()}/{docname}.md"


def chapter_bibtex_entry(docname: str, title: str, anchor: str | None = None) -> str:
    """The BibTeX entry (``@incollection``) of one chapter of this release of the book.

    ``docname`` is the chapter's path without suffix (``book/derivations/forward-pass``),
    ``title`` its title, ``anchor`` the label of its title (``ch-forward-pass``).
    """
    book = _book_fields()
    slug = docname.rsplit("/", 1)[-1]
    fields = [
        ("title", "{" + title.translate(BIBTEX_SPECIAL) + "}"),
        ("booktitle", "{" + book["title"] + "}"),
        ("author", book["author"]),
        ("publisher", book["publisher"]),
        ("year", book["year"]),
        ("edition", book["edition"]),
        ("url", chapter_url(docname, anchor)),
        ("note", book["note"]),
    ]
    return _bibtex("incollection", f"mlpfromscratch{book['year']}:{slug}", fields)


def cites_chapter(env, docname: str) -> bool:
    """Every page of the toc except the root (the preface) and ``mlpbook_cite_exclude``."""
    return docname != env.config.root_doc and docname not in env.config.mlpbook_cite_exclude


class CiteThisChapter(SphinxTransform):
    """Append a "Cite this chapter" section (the chapter's BibTeX) to every chapter page.

    A read-time transform: the section is in the doctree, so it reaches the page's
    table of contents, the HTML and the PDF alike, and no chapter can forget it.
    """

    # after docutils moves ``(label)=`` targets onto sections (260), before Sphinx emits
    # doctree-read (DoctreeReadEvent, 880), where the page's table of contents is collected
    default_priority = 870

    def apply(self, **kwargs):
        env = self.env
        if not cites_chapter(env, env.docname):
            return
        chapter = next((n for n in self.document.children if isinstance(n, nodes.section)), None)
        if chapter is None or not chapter.children or not isinstance(chapter[0], nodes.title):
            return
        title = chapter[0].astext()
        # the anchor: the chapter's label, ``(ch-forward-pass)=``, an explicit target
        labels = [self.document.nameids.get(n) for n in chapter["names"]
                  if self.document.nametypes.get(n)]
        labels = [i for i in labels if i in chapter["ids"]]
        anchor = labels[0] if labels else (chapter["ids"][0] if chapter["ids"] else None)
        env.note_dependency(str(bookmeta.CITATION))
        env.note_dependency(str(bookmeta.VERSION_FILE))

        section = nodes.section(classes=["book-cite-chapter"])
        section += nodes.title(CITE_SECTION_TITLE, CITE_SECTION_TITLE)
        section["names"].append(nodes.fully_normalize_name(CITE_SECTION_TITLE))
        self.document.note_implicit_target(section, section)
        para = nodes.paragraph()
        para += nodes.Text(f"To cite this chapter of version {bookmeta.version()} of the book, "
                           "use the BibTeX entry below")
        cite_doc = env.config.mlpbook_cite_page
        if cite_doc in env.found_docs:
            xref = addnodes.pending_xref("", refdomain="std", reftype="doc",
                                         reftarget="/" + cite_doc, refexplicit=True,
                                         refdoc=env.docname, refwarn=True)
            xref += nodes.inline("", "How to cite", classes=["xref", "std", "std-doc"])
            para += nodes.Text("; for the whole book, see ")
            para += xref
        para += nodes.Text(".")
        section += para
        text = chapter_bibtex_entry(env.docname, title, anchor)
        block = nodes.literal_block(text, text, language="bibtex")
        block["classes"].append("book-citation-bibtex")
        section += block
        chapter += section


# ----------------------------------------------------------------- learning objectives
# A chapter's front matter lists what its reader can do afterwards (``book: objectives:``,
# CONTRIBUTING.md); LearningObjectives puts them in a box below the chapter's title.
OBJECTIVES_TITLE = "Learning objectives"
OBJECTIVE_MARKUP = re.compile(r"\$(?P<math>[^$]+)\$|`(?P<code>[^`]+)`")


def objectives_of(path) -> list[str]:
    """The ``book: objectives:`` of a page's front matter (``[]`` when it has none)."""
    meta = bookmeta.front_matter(Path(path).read_text(encoding="utf-8")).get("book") or {}
    return [str(item) for item in meta.get("objectives") or []]


def objective_nodes(text: str) -> list[nodes.Node]:
    """An objective as inline nodes: ``$math$`` and ```code``` are the only markup."""
    out, at = [], 0
    for m in OBJECTIVE_MARKUP.finditer(text):
        out.append(nodes.Text(text[at:m.start()]))
        out.append(nodes.math(m.group(0), m["math"]) if m["math"] else nodes.literal(m["code"], m["code"]))
        at = m.end()
    return out + [nodes.Text(text[at:])]


def objectives_box(items: list[str]) -> nodes.admonition:
    """The "Learning objectives" admonition: an opening line and one item per objective."""
    box = nodes.admonition(classes=["book-objectives", "tip"])
    box += nodes.title(OBJECTIVES_TITLE, OBJECTIVES_TITLE)
    box += nodes.paragraph("", "After this chapter you can:")
    box += nodes.bullet_list("", *(nodes.list_item("", nodes.paragraph("", "", *objective_nodes(i)))
                                   for i in items), bullet="-")
    return box


class LearningObjectives(SphinxTransform):
    """Insert the chapter's objectives right below its title (HTML and PDF alike)."""

    default_priority = 870   # as CiteThisChapter: the labels sit on their sections by then

    def apply(self, **kwargs):
        items = objectives_of(self.env.doc2path(self.env.docname))
        chapter = next((n for n in self.document.children if isinstance(n, nodes.section)), None)
        if items and chapter is not None and chapter.children and isinstance(chapter[0], nodes.title):
            chapter.insert(1, objectives_box(items))


def text_citation() -> nodes.paragraph:
    """``Authors (year). *Title*, version X. URL`` as a paragraph with a link."""
    cff = bookmeta.citation()
    pref = cff.get("preferred-citation", cff)
    authors = ", ".join(a.get("name") or f"{a['family-names']}, {a['given-names']}"
                        for a in pref["authors"])
    year = pref.get("year", str(cff["date-released"])[:4])
    url = pref.get("url", bookmeta.repo_url())
    para = nodes.paragraph(classes=["book-citation-text"])
    para += nodes.Text(f"{authors} ({year}). ")
    para += nodes.emphasis(text=pref["title"])
    para += nodes.Text(f", version {cff['version']}. ")
    para += nodes.reference(url, url, refuri=url)
    return para


class BookCitation(SphinxDirective):
    """``{book-citation}`` with ``:format: bibtex`` (default) or ``text``."""

    has_content = False
    option_spec = {"format": lambda arg: directives.choice(arg, ("bibtex", "text"))}

    def run(self):
        self.env.note_dependency(str(bookmeta.CITATION))
        self.env.note_dependency(str(bookmeta.VERSION_FILE))
        fmt = self.options.get("format", "bibtex")
        if fmt == "bibtex":
            text = bibtex_entry()
            node = nodes.literal_block(text, text, language="bibtex")
            node["classes"].append("book-citation-bibtex")
            return [node]
        return [text_citation()]


class BookInstall(SphinxDirective):
    """``{book-install}``: the shell command that installs this release of the package."""

    has_content = False

    def run(self):
        self.env.note_dependency(str(bookmeta.VERSION_FILE))
        text = f'pip install "{bookmeta.pip_requirement()}"'
        node = nodes.literal_block(text, text, language="bash")
        node["classes"].append("book-install")
        return [node]


def on_config_inited(app, config):
    version = bookmeta.version()
    config.version = config.release = version
    config.html_title = f"{config.html_title} {version}"
    cff = bookmeta.citation()
    subs = dict(config.myst_substitutions or {})
    subs.update(
        version=version,
        release_tag=bookmeta.release_tag(),
        repo_url=bookmeta.repo_url(),
        repo_link=f"[{bookmeta.repo_url()}]({bookmeta.repo_url()})",
        pip_requirement=bookmeta.pip_requirement(),
        date_released=str(cff.get("date-released", "")),
    )
    config.myst_substitutions = subs

    lic = bookmeta.blob_url
    footer = (
        f'<p class="book-licence">Version {version}. Text and figures: '
        '<a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a> '
        f'(<a href="{lic("LICENSE-CONTENT")}">LICENSE-CONTENT</a>); '
        f'code: MIT (<a href="{lic("LICENSE")}">LICENSE</a>).</p>'
    )
    theme = config.html_theme_options
    theme["extra_footer"] = footer
    # "Download PDF" on every page (when the build makes the PDF: pdf_enabled): a link
    # at the foot of the left sidebar (templates/book-pdf-link.html) and an entry
    # "Book (PDF)" in the download menu of the page header (add_pdf_header_button).
    if pdf_enabled():
        config.html_context = {**(config.html_context or {}), "mlpbook_pdf": pdf_name()}
        theme["primary_sidebar_end"] = ["book-pdf-link.html"]
    # pydata-sphinx-theme writes localStorage.mode || default_mode: an empty default
    # logs "Got invalid theme mode" on a first visit. "auto" follows the system.
    config.html_context = {"default_mode": "auto", **(config.html_context or {})}
    # pydata-sphinx-theme 0.17 adds a second search box in a top bar unless this is
    # set; sphinx-book-theme already has one in the sidebar.
    theme.setdefault("navbar_persistent", [])
    theme.setdefault("logo", {}).update(text=config.html_title,
                                        alt_text=f"{config.html_title}: home page")

    mode = os.environ.get("MLPBOOK_EXECUTION", "").strip()
    preexecuted = os.environ.get("MLPBOOK_EXECUTION_CACHE", "").strip()
    if preexecuted:
        config.nb_execution_mode = "cache"
        config.nb_execution_cache_path = str(Path(preexecuted).resolve())
        LOGGER.info(f"[mlpbook] pre-executed chapters: {config.nb_execution_cache_path}")
    elif mode == "cache":
        config.nb_execution_mode = "cache"
        config.nb_execution_cache_path = str(
            Path(app.outdir).parent / ".jupyter_cache" / f"pkg-{package_hash()}")
        LOGGER.info(f"[mlpbook] execution cache: {config.nb_execution_cache_path}")
    elif mode:
        config.nb_execution_mode = mode

    # accessibility fixes of three theme components (see the templates' comments)
    config.templates_path = [str(Path(__file__).resolve().parent / "templates")] + list(config.templates_path)

    # no tqdm bars in the built pages (the kernels inherit this environment)
    os.environ.setdefault("MLP_FROM_SCRATCH_PROGRESS", "0")


# LaTeX (the PDF of the book, ``tools/build_book.sh --pdf``). sphinx-jupyterbook-latex
# (loaded by jupyter-book) sets its own document class, ``jupyterBook.cls``, at
# config-inited; that class loads ``bbm`` (Debian: texlive-fonts-extra, ~500 MB) for a
# few blackboard macros the book never uses. We keep Sphinx's own ``manual`` class and
# define the two environments that sphinx-jupyterbook-latex writes around code cells.
LATEX_PREAMBLE = r"""
% --- tools/sphinx_ext/mlpbook.py: what jupyterBook.cls gave, without bbm ---
\usepackage[strict]{changepage}
% Characters of code and outputs that FreeMono lacks (xelatex would drop them: the log
% says "Missing character"; tools/build_book.sh --pdf lists any that remain).
\usepackage{newunicodechar}
\newunicodechar{ᵀ}{\textsuperscript{T}}
\newunicodechar{ᵗ}{\textsuperscript{t}}
\definecolor{CodeBlockInputBorderColor}{RGB}{204,204,204}
\definecolor{CodeBlockInputColor}{RGB}{247,247,247}
\definecolor{CodeBlockOutputBorderColor}{RGB}{230,230,230}
\definecolor{CodeBlockOutputColor}{RGB}{252,252,252}
\newenvironment{sphinxVerbatimInput}
  {\colorlet{VerbatimBorderColor}{CodeBlockInputBorderColor}%
   \colorlet{VerbatimColor}{CodeBlockInputColor}%
   \begin{adjustwidth}{5pt}{}}
  {\end{adjustwidth}}
\newenvironment{sphinxVerbatimOutput}
  {\colorlet{VerbatimBorderColor}{CodeBlockOutputBorderColor}%
   \colorlet{VerbatimColor}{CodeBlockOutputColor}%
   \begin{adjustwidth}{20pt}{}}
  {\end{adjustwidth}}
"""


def on_config_inited_latex(app, config):
    """After sphinx-jupyterbook-latex's config-inited (priority 500): see LATEX_PREAMBLE."""
    config.latex_theme = "manual"
    config.latex_use_xindy = False      # makeindex (texlive-binaries), not xindy
    config.latex_domain_indices = False  # no Python module index in a textbook
    elements = dict(config.latex_elements or {})
    elements["preamble"] = elements.get("preamble", "") + LATEX_PREAMBLE
    elements.setdefault("printindex", "")  # the book has no index entries
    config.latex_elements = elements


def on_builder_inited_latex(app):
    """After sphinx-jupyterbook-latex's builder-inited (priority 500): the title page
    and the preface's heading. (pdf_numbering.py has put back the ``numfig_secnum_depth``
    that sphinx-jupyterbook-latex raises, so that the LaTeX build reuses the HTML
    build's environment and execution.)
    """
    if app.builder.format != "latex":
        return
    # (The LaTeX builder has copied latex_elements into its context by now.)
    # The title page gives the release date (CITATION.cff), not the day of the build.
    app.builder.context["date"] = str(bookmeta.citation().get("date-released", ""))
    # sphinx-jupyterbook-latex prints the root page (the preface) after the table of
    # contents without its title: give it an unnumbered chapter heading, a line in the
    # table of contents and running heads.
    root = app.config.root_doc
    if root in app.env.titles:
        title = app.env.titles[root].astext()
    else:
        source = Path(app.srcdir) / f"{root}.md"
        heads = [ln[2:].strip() for ln in source.read_text(encoding="utf-8").splitlines()
                 if ln.startswith("# ")] if source.exists() else []
        title = heads[0] if heads else ""
    if title:
        tex = texescape.escape(title)
        app.builder.context["tableofcontents"] += (
            f"\n\\chapter*{{{tex}}}\\addcontentsline{{toc}}{{chapter}}{{{tex}}}"
            f"\\markboth{{{tex}}}{{{tex}}}\n")


def check_not_executed(app, doctree):
    """With ``MLPBOOK_EXECUTION_CACHE``: fail the build if it executed this document.

    myst-nb's cache mode registers a notebook in the cache's project just before it
    executes it (a cache miss); tools/execute_chapters.py filled the cache and left no
    such record. A record for this document means that the pre-executed notebook did
    not match what the build read, and that the chapter ran a second time.
    """
    folder = os.environ.get("MLPBOOK_EXECUTION_CACHE", "").strip()
    if not folder:
        return
    from jupyter_cache import get_cache

    source = str(Path(app.env.doc2path(app.env.docname)).absolute())
    if get_cache(Path(folder).resolve()).list_project_records(filter_uris=[source]):
        raise ExtensionError(
            f"{app.env.docname} was executed by the build: the cache {folder} holds no "
            "notebook that matches what myst-nb read (tools/execute_chapters.py fills it)")


GLUE_IN_ALT = re.compile(r"\{glue(?::text)?\}`(?P<key>[^`:]+)(?::(?P<spec>[^`]*))?`")


def glue_alt_text(app, doctree):
    """Replace ``{glue:text}`name[:format]``` in the alt text of images by the glued value.

    myst-nb copies a code cell's ``mystnb: image: alt:`` into the image verbatim; its
    glue roles work in the prose and in captions, not there. The values are read from
    the ``.glue.json`` myst-nb wrote next to the executed notebook, and formatted as
    the ``{glue:text}`` role does: ``format(value, spec)``, or the value itself.
    """
    images = [node for node in doctree.findall(nodes.image) if GLUE_IN_ALT.search(node.get("alt", ""))]
    if not images:
        return
    import ast
    import json

    config = getattr(app.env, "mystnb_config", None)
    path = Path(config.output_folder if config else "").joinpath(*app.env.docname.split("/"))
    path = path.with_name(path.name + ".glue.json")
    glued = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def value(match):
        key, spec = match.group("key").strip(), match.group("spec")
        if key not in glued:
            raise ExtensionError(f"{app.env.docname}: alt text glues {key!r}, which the page never glued")
        text = glued[key]["data"].get("text/plain", "")
        try:
            data = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            data = text
        return format(data, spec) if spec else str(data)

    for node in images:
        node["alt"] = GLUE_IN_ALT.sub(value, node["alt"])


# ----------------------------------------------------------------- the figure pack
# Every figure of the site as SVG and PDF in one zip, with a manifest (figure_pack, at
# build-finished). The kernels output each matplotlib figure as PNG, SVG and PDF
# (tools/execute_chapters.py: vector_figures); myst-nb keeps every format of an output in
# the doctree (a "mime bundle", each written to a file) and picks one per builder: the
# PNG, as before (_config.yml: nb_mime_priority_overrides). The pack takes the other two.
VECTOR_FORMATS = {"svg": "image/svg+xml", "pdf": "application/pdf"}
MANIFEST_FIELDS = ["svg", "pdf", "chapter", "chapter_title", "figure", "name", "caption", "alt"]


def on_config_inited_figures(app, config):
    """Kernels that myst-nb starts itself (``execute_notebooks: force``) draw vectors too."""
    from tools.execute_chapters import vector_figures

    vector_figures()


def figure_pack_name() -> str:
    """``mlp-from-scratch-figures.zip``: the PDF's name with ``-figures.zip``."""
    return Path(pdf_name()).stem + "-figures.zip"


def page_figures(app, docname: str) -> list[dict]:
    """The figures a page draws in code, in page order: their manifest rows, with
    ``files``, the paths of the SVG and PDF files myst-nb wrote."""
    numbers = app.env.toc_fignumbers.get(docname, {}).get("figure", {})
    stem, found = docname.rsplit("/", 1)[-1], []
    for bundle in app.env.get_doctree(docname).findall(nodes.container):
        images = {c.get("mime_type"): c[0] for c in bundle.children
                  if isinstance(c, nodes.container) and c.children and isinstance(c[0], nodes.image)}
        if bundle.get("nb_element") != "mime_bundle" or "image/png" not in images:
            continue
        figure = bundle.parent
        while figure is not None and not isinstance(figure, (nodes.figure, nodes.section)):
            figure = figure.parent
        figure = figure if isinstance(figure, nodes.figure) else None
        caption = next(iter(figure.findall(nodes.caption)), None) if figure else None
        name = next((n for n in (figure["names"] if figure else []) if n.startswith("fig-")), "")
        number = next((numbers[i] for i in (figure["ids"] if figure else []) if i in numbers), ())
        missing = [f for f, mime in VECTOR_FORMATS.items() if mime not in images]
        if missing:
            raise ExtensionError(f"{docname}: figure {name or len(found) + 1} has no {', '.join(missing)} output: "
                                 "the kernels ran without tools/execute_chapters.py's vector_figures "
                                 "(an execution cache from before it? delete _build/.jupyter_cache)")
        # a folder per page, as under book/ (a lab and its chapter share a name)
        base = f"{docname.removeprefix('book/')}/{name or f'{stem}-output-{len(found) + 1}'}"
        found.append({"svg": f"{base}.svg", "pdf": f"{base}.pdf", "chapter": docname,
                      "chapter_title": app.env.titles[docname].astext(),
                      "figure": ".".join(map(str, number)), "name": name,
                      "caption": caption.astext() if caption else "",
                      "alt": images["image/png"].get("alt", ""),
                      "files": {f: Path(app.srcdir) / images[mime]["uri"] for f, mime in VECTOR_FORMATS.items()}})
    return found


def figure_pack(app, exception):
    """Write ``_build/html/<book>-figures.zip``: each figure's SVG and PDF, manifest.csv."""
    if exception is not None or app.builder.format != "html":
        return
    import csv
    import io
    import zipfile

    docs = [d for d in app.env.found_docs if d in app.env.titles]
    figures = [f for d in sorted(docs, key=_reading_order(app)) for f in page_figures(app, d)]
    manifest = io.StringIO()
    writer = csv.DictWriter(manifest, MANIFEST_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(figures)
    with zipfile.ZipFile(Path(app.outdir) / figure_pack_name(), "w", zipfile.ZIP_DEFLATED) as pack:
        pack.writestr("manifest.csv", manifest.getvalue())
        pack.writestr("README.txt", f"{app.config.project} {bookmeta.version()}: every figure of the book "
                      "as SVG and PDF; manifest.csv gives each one's chapter, number, caption and alt text.\n"
                      "Licence: CC BY 4.0 (LICENSE-CONTENT of the repository).\n")
        for fig in figures:
            for fmt, path in fig["files"].items():
                pack.write(path, fig[fmt])
    LOGGER.info(f"[mlpbook] figure pack: {len(figures)} figures in {figure_pack_name()}")


def _reading_order(app):
    """A sort key: the pages in the order of the book (the toc), unknown pages last."""
    order = {}

    def walk(doc):
        if doc not in order:
            order[doc] = len(order)
            for child in app.env.toctree_includes.get(doc, []):
                walk(child)

    walk(app.config.root_doc)
    return lambda doc: (order.get(doc, len(order)), doc)


def figure_pack_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{figure-pack}`text```: a link to the figure pack (see figure_pack_links)."""
    return [nodes.reference(rawtext, text, refuri=figure_pack_name(), classes=["book-figure-pack"])], []


def figure_pack_links(app, doctree, docname):
    """The pack sits at the site's root, beside the book's PDF: the site's pages link it
    relative to their folder, the PDF by its name."""
    if app.builder.format == "html":
        for ref in doctree.findall(nodes.reference):
            if "book-figure-pack" in ref["classes"]:
                ref["refuri"] = "../" * docname.count("/") + figure_pack_name()


def on_builder_inited(app):
    if app.builder.format == "html" and not (MATHJAX_SRC / "tex-mml-chtml.js").exists():
        raise ExtensionError(
            f"MathJax not found at {MATHJAX_SRC}: run `npm ci` at the repository root "
            "(package.json pins the npm package `mathjax`)."
        )


def on_build_finished(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    dest = Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        src = MATHJAX_SRC / part
        target = dest / part
        if src.is_dir():
            shutil.copytree(src, target, dirs_exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)


def on_html_page_context(app, pagename, templatename, context, doctree):
    # sphinx-thebe adds its inline config script from an event that runs after the
    # HTML builder has collected the scripts, so Sphinx 7.4 emits it twice and the
    # second copy (filename "" instead of None) throws "Identifier 'THEBE_JS_URL' has already been declared".
    seen, scripts = set(), []
    for script in context.get("script_files", []):
        key = (getattr(script, "filename", script) or "",  # None and "" both mean inline
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            scripts.append(script)
    context["script_files"] = scripts
    # Bibliography lists: docutils writes role="list" with role="doc-biblioentry"
    # children, an ARIA pattern that is invalid (axe: aria-required-children).
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        body = body.replace('role="doc-biblioentry"', 'role="listitem"')
    # myst-nb's hide-input/-output toggles are <summary aria-label="Toggle hidden content">
    # around the visible "Show code cell source": an accessible name that does not
    # contain the visible label (axe: label-content-name-mismatch, WCAG 2.5.3). Without
    # the aria-label the name is the visible text ("Show/Hide code cell source").
    if body and HIDDEN_CELL_SUMMARY.search(body):
        body = HIDDEN_CELL_SUMMARY.sub("<summary>", body)
    if body is not None:
        context["body"] = body


def add_pdf_header_button(app, pagename, templatename, context, doctree):
    """The whole book's PDF in the header's download menu, beside the page's own files."""
    pdf = context.get("mlpbook_pdf")
    if pdf and "pathto" in context:
        for group in context.get("header_buttons", []):
            if group.get("label") == "download-buttons":
                group["buttons"].append({
                    "type": "link",
                    "url": context["pathto"](pdf, 1),
                    "text": "Book (PDF)",
                    "tooltip": "Download the whole book as a PDF",
                    "icon": "fas fa-book",
                    "label": "download-book-pdf-button",
                })


def setup(app):
    app.setup_extension("tools.sphinx_ext.pdf_numbering")
    app.connect("config-inited", on_config_inited)
    app.connect("config-inited", on_config_inited_latex, priority=600)
    app.connect("config-inited", on_config_inited_figures)
    app.connect("builder-inited", on_builder_inited)
    app.connect("builder-inited", on_builder_inited_latex, priority=900)
    app.connect("build-finished", on_build_finished)
    app.connect("build-finished", figure_pack)
    app.connect("doctree-resolved", figure_pack_links)
    app.connect("doctree-read", check_not_executed)
    app.connect("doctree-read", glue_alt_text)
    app.connect("html-page-context", on_html_page_context)
    # after sphinx-book-theme's header buttons (priority 501)
    app.connect("html-page-context", add_pdf_header_button, priority=600)
    app.add_directive("book-citation", BookCitation)
    app.add_config_value("mlpbook_cite_exclude", ["book/cite", "book/bibliography"], "env")
    app.add_config_value("mlpbook_cite_page", "book/cite", "env")
    app.add_transform(CiteThisChapter)
    app.add_transform(LearningObjectives)
    app.add_directive("book-install", BookInstall)
    app.add_role("figure-pack", figure_pack_role)
    return {"version": bookmeta.version(), "parallel_read_safe": True, "parallel_write_safe": True}


# ------------------------------------------------------------------------------ labs
# A lab page (book/labs/<stem>, a student notebook of tools/labs.py) gets, under its title,
# the link to open it in Colab and the time its reference solution took in this build
# (_build/results/labs.json, written by `python -m tools.labs --run` before Sphinx runs).
import json  # noqa: E402

LAB_TIMES = bookmeta.ROOT / "_build" / "results" / "labs.json"


def lab_page_header(app, doctree):
    docname = app.env.docname
    if not docname.startswith("book/labs/"):
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    stem = docname.rsplit("/", 1)[1]
    try:
        seconds = json.loads(LAB_TIMES.read_text(encoding="utf-8"))["labs"][stem]["seconds"]
        timing = f"The reference solution runs in {seconds:.0f} s (measured in this build, on its machine)."
    except (OSError, KeyError, ValueError):
        timing = "The reference solution was not timed in this build (python -m tools.labs --run)."
    link = nodes.reference("", "Open this lab in Colab", refuri=bookmeta.colab_link(f"{docname}.ipynb"),
                           classes=["mlpbook-lab-colab"])
    para = nodes.paragraph("", "", nodes.strong("", "", link), nodes.Text(" — " + timing))
    section.insert(1, para)


_setup_without_labs = setup


def setup(app):  # noqa: F811 - the extension's setup, plus the labs' hook
    metadata = _setup_without_labs(app)
    app.connect("doctree-read", lab_page_header)
    return metadata
