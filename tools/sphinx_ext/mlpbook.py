"""Sphinx extension of the book (_config.yml: ``sphinx.local_extensions``): the facts the site
shows from their one source each (version, CITATION.cff, ``repository.url``), "Cite this chapter",
learning objectives, lab page headers, glued alt text, the figure pack, myst-nb's cache mode on
pre-executed chapters (``MLPBOOK_EXECUTION_CACHE``), the PDF's settings and links (``MLPBOOK_PDF``),
accessibility fixes of the theme's HTML (also templates/ and book/_static/custom.css).
"""

import hashlib
import json
import os
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from myst_parser.parsers.sphinx_ import MystParser
from sphinx import addnodes
from sphinx.errors import ExtensionError
from sphinx.transforms import SphinxTransform
from sphinx.util import logging, texescape
from sphinx.util.docutils import SphinxDirective, new_document
from sphinx.util.nodes import traverse_parent

from tools import bookmeta

LOGGER = logging.getLogger(__name__)
MATHJAX_SRC = bookmeta.ROOT / "node_modules" / "mathjax" / "es5"   # _config.yml: html_static_path
# myst-nb's toggle of hidden cells (myst_nb/sphinx_.py, visit_HideCellInput)
HIDDEN_CELL_SUMMARY = re.compile(r'<summary\s+aria-label="Toggle hidden content"\s*>')
LAB_TIMES = bookmeta.ROOT / "_build" / "results" / "labs.json"   # python -m tools.labs --run
# the book's PDF (latex_documents of _config.yml) and, beside it, the figure pack
PDF_NAME = Path(bookmeta.config()["latex"]["latex_documents"]["targetname"]).stem + ".pdf"
FIGURE_PACK = PDF_NAME.removesuffix(".pdf") + "-figures.zip"


def package_hash() -> str:
    """The key of ``tools/build_book.sh --cache``'s execution cache: the package and the pins."""
    root = bookmeta.ROOT
    pins = [root / "requirements.txt", root / "pyproject.toml"]
    files = [*sorted((root / "mlp_from_scratch").rglob("*.py")), *pins]
    data = b"".join(path.relative_to(root).as_posix().encode() + path.read_bytes() for path in files)
    return hashlib.sha256(data).hexdigest()[:16]


# ----------------------------------------------------------------- citation
CITE_SECTION_TITLE = "Cite this chapter"
BIBTEX_SPECIAL = str.maketrans({c: "\\" + c for c in "&%$#_"})


def _book_fields() -> dict:
    """What every citation of the book shares, from CITATION.cff."""
    cff = bookmeta.citation()
    pref = cff["preferred-citation"]
    names = [a.get("name") or f"{a['family-names']}, {a['given-names']}" for a in pref["authors"]]
    # an organisation's name in braces: BibTeX would split it into first and last names
    braced = ["{" + n + "}" if "name" in a else n for a, n in zip(pref["authors"], names)]
    return {"title": pref["title"], "names": names, "version": cff["version"], "author": " and ".join(braced),
            "year": str(pref["year"]), "url": pref["url"],
            "note": f"Release {bookmeta.release_tag()}, {cff['date-released']}; text CC BY 4.0, code MIT"}


def _bibtex(kind: str, slug: str, title: str, url: str, booktitle: str | None = None) -> str:
    book = _book_fields()
    fields = [("title", "{" + title + "}"), ("booktitle", booktitle and "{" + booktitle + "}"),
              ("author", book["author"]), ("year", book["year"]),
              ("edition", f"Version {book['version']}"), ("url", url), ("note", book["note"])]
    fields = [(k, v) for k, v in fields if v]
    width = max(9, 1 + max(len(k) for k, _ in fields))
    body = ",\n".join(f"  {k:<{width}}= {{{v}}}" for k, v in fields)
    return f"@{kind}{{mlpfromscratch{book['year']}{slug},\n{body}\n}}"


def bibtex_entry() -> str:
    """The BibTeX entry of the book (this release), from CITATION.cff."""
    book = _book_fields()
    return _bibtex("book", "", book["title"], book["url"])


def chapter_url(docname: str, anchor: str | None = None) -> str:
    """The chapter's page on the site (``html.baseurl``), else its source at this release's tag."""
    site = (bookmeta.config().get("html") or {}).get("baseurl")
    if site:
        return f"{site.rstrip('/')}/{docname}.html" + (f"#{anchor}" if anchor else "")
    return f"{bookmeta.repo_url()}/blob/{bookmeta.release_tag()}/{docname}.md"


def chapter_bibtex_entry(docname: str, title: str, anchor: str | None = None) -> str:
    """The ``@incollection`` of a chapter of this release; ``anchor``: the label of its title."""
    return _bibtex("incollection", ":" + docname.rsplit("/", 1)[-1], title.translate(BIBTEX_SPECIAL),
                   chapter_url(docname, anchor), _book_fields()["title"])


class CiteThisChapter(SphinxTransform):
    """Append "Cite this chapter" to every chapter: in the doctree, so in its contents and the PDF."""

    # after docutils moves ``(label)=`` targets onto sections (260), before Sphinx emits
    # doctree-read (DoctreeReadEvent, 880), where the page's table of contents is collected
    default_priority = 870

    def apply(self, **kwargs):
        env, doc = self.env, self.document
        chapter = next(iter(doc.findall(nodes.section)), None)   # its first child: the title
        if env.docname in [env.config.root_doc, *env.config.mlpbook_cite_exclude] or chapter is None:
            return
        # the anchor: the chapter's label, ``(ch-forward-pass)=``, an explicit target
        explicit = [doc.nameids.get(n) for n in chapter["names"] if doc.nametypes.get(n)]
        anchor = next((i for i in explicit + chapter["ids"] if i in chapter["ids"]), None)
        env.note_dependency(str(bookmeta.CITATION))
        env.note_dependency(str(bookmeta.VERSION_FILE))
        section = nodes.section("", nodes.title(CITE_SECTION_TITLE, CITE_SECTION_TITLE),
                                names=[nodes.fully_normalize_name(CITE_SECTION_TITLE)],
                                classes=["book-cite-chapter"])
        doc.note_implicit_target(section, section)
        para = nodes.paragraph("", f"To cite this chapter of version {bookmeta.version()} of the book, "
                               "use the BibTeX entry below")
        if env.config.mlpbook_cite_page in env.found_docs:
            xref = addnodes.pending_xref("", refdomain="std", reftype="doc", refexplicit=True, refwarn=True,
                                         reftarget="/" + env.config.mlpbook_cite_page, refdoc=env.docname)
            xref += nodes.inline("", "How to cite", classes=["xref", "std", "std-doc"])
            para += [nodes.Text("; for the whole book, see "), xref]
        para += nodes.Text(".")
        bib = chapter_bibtex_entry(env.docname, chapter[0].astext(), anchor)
        section += [para, nodes.literal_block(bib, bib, language="bibtex", classes=["book-citation-bibtex"])]
        chapter += section


class BookCitation(SphinxDirective):
    """``{book-citation}`` with ``:format: bibtex`` (default) or ``text``."""

    option_spec = {"format": lambda arg: directives.choice(arg, ("bibtex", "text"))}

    def run(self):
        self.env.note_dependency(str(bookmeta.CITATION))
        self.env.note_dependency(str(bookmeta.VERSION_FILE))
        if self.options.get("format", "bibtex") == "bibtex":
            text = bibtex_entry()
            return [nodes.literal_block(text, text, language="bibtex", classes=["book-citation-bibtex"])]
        book = _book_fields()
        para = self.parse_text_to_nodes(f"{', '.join(book['names'])} ({book['year']}). *{book['title']}*, "
                                        f"version {book['version']}. <{book['url']}>")
        para[0]["classes"].append("book-citation-text")
        return para


class BookInstall(SphinxDirective):
    """``{book-install}``: the shell command that installs this release of the package."""

    def run(self):
        self.env.note_dependency(str(bookmeta.VERSION_FILE))
        text = f'pip install "{bookmeta.pip_requirement()}"'
        return [nodes.literal_block(text, text, language="bash", classes=["book-install"])]


# ----------------------------------------------------------------- chapter heads
def objectives_of(path) -> list[str]:
    """The ``book: objectives:`` of a page's front matter (``[]`` when it has none)."""
    meta = bookmeta.front_matter(Path(path).read_text(encoding="utf-8")).get("book") or {}
    return [str(item) for item in meta.get("objectives") or []]


class ChapterHead(SphinxTransform):
    """Below the chapter's title: its "Learning objectives" box; on a lab page (a student
    notebook of tools/labs.py), the Colab link and how long its reference solution ran."""

    default_priority = 870   # as CiteThisChapter: the labels sit on their sections by then

    def apply(self, **kwargs):
        docname, chapter = self.env.docname, next(iter(self.document.findall(nodes.section)), None)
        goals = objectives_of(self.env.doc2path(docname))
        if chapter is not None and goals:   # MyST, as in the page: $math$ and `code` in the goals
            box = new_document(self.document["source"], self.document.settings)
            lines = ["```{admonition} Learning objectives", ":class: book-objectives tip",
                     "After this chapter you can:", "", *(f"- {goal}" for goal in goals), "```"]
            meta = dict(self.env.metadata[docname])   # (MyST's parse sets the page's word count)
            MystParser().parse("\n".join(lines), box)
            self.env.metadata[docname] = meta
            chapter.insert(1, box[0])
        if chapter is not None and docname.startswith("book/labs/"):
            try:
                lab = json.loads(LAB_TIMES.read_text(encoding="utf-8"))["labs"][docname[10:]]
                timing = f"runs in {lab['seconds']:.0f} s (measured in this build, on its machine)."
            except (OSError, KeyError, ValueError):
                timing = "was not timed in this build (python -m tools.labs --run)."
            colab = nodes.reference("", "Open this lab in Colab", classes=["mlpbook-lab-colab"],
                                    refuri=bookmeta.colab_link(f"{docname}.ipynb"))
            chapter.insert(1, nodes.paragraph("", "", nodes.strong("", "", colab),
                                              nodes.Text(" — The reference solution " + timing)))


# ----------------------------------------------------------------- executed chapters
def check_not_executed(app, doctree):
    """With ``MLPBOOK_EXECUTION_CACHE``, fail if the build executed this document: myst-nb's
    cache mode registers a notebook in the cache's project just before it executes it (a
    miss); tools/execute_chapters.py filled the cache and left no such record."""
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
    """Replace ``{glue:text}`name[:format]``` in images' alt text by the glued value, as
    that role formats it: myst-nb copies ``mystnb: image: alt:`` verbatim into the image."""
    from myst_nb.core.variables import format_plain_text
    from myst_nb.ext.glue.crossref import read_glue_cache

    images = [node for node in doctree.findall(nodes.image) if GLUE_IN_ALT.search(node.get("alt", ""))]
    if not images:
        return
    # (uncached: read_glue_cache keeps its last reads, and this page's file is new)
    glued = read_glue_cache.__wrapped__(app.env.mystnb_config.output_folder, app.env.docname)

    def value(match):
        key = match["key"].strip()
        if key not in glued:
            raise ExtensionError(f"{app.env.docname}: alt text glues {key!r}, which the page never glued")
        return format_plain_text(glued[key]["data"].get("text/plain", ""), match["spec"] or "")

    for node in images:
        node["alt"] = GLUE_IN_ALT.sub(value, node["alt"])


# ----------------------------------------------------------------- the figure pack
# Every figure drawn in code as SVG and PDF, with manifest.csv, in _build/html/<book>-figures.zip.
# The kernels draw each as PNG, SVG and PDF (tools/execute_chapters.py: vector_figures); myst-nb
# keeps all three in the doctree and shows the PNG (_config.yml: nb_mime_priority_overrides).
VECTOR_FORMATS = {"svg": "image/svg+xml", "pdf": "application/pdf"}
MANIFEST_FIELDS = ["svg", "pdf", "chapter", "chapter_title", "figure", "name", "caption", "alt"]


def page_figures(app, docname: str) -> list[dict]:
    """The manifest rows of a page's figures, with ``files``: the SVG and PDF myst-nb wrote."""
    numbers = app.env.toc_fignumbers.get(docname, {}).get("figure", {})
    found = []
    for bundle in app.env.get_doctree(docname).findall(nodes.container):
        # a mime bundle: an output in each format, a container (with mime_type) of one node each
        images = {c["mime_type"]: c[0] for c in bundle.children
                  if isinstance(c, nodes.container) and c.get("mime_type") and isinstance(c[0], nodes.image)}
        if "image/png" not in images:
            continue
        figure = next(traverse_parent(bundle, nodes.figure), None)
        names, ids = (figure["names"], figure["ids"]) if figure is not None else ([], [])
        name = next((n for n in names if n.startswith("fig-")), "")
        missing = [f for f, mime in VECTOR_FORMATS.items() if mime not in images]
        if missing:
            raise ExtensionError(f"{docname}: figure {name or len(found) + 1} has no {', '.join(missing)} "
                                 "output: the kernels ran without tools/execute_chapters.py's vector_figures "
                                 "(an execution cache from before it? delete _build/.jupyter_cache)")
        # a folder per page, as under book/ (a lab and its chapter share a name)
        base = docname.removeprefix("book/") + "/" + (name or f"{Path(docname).name}-output-{len(found) + 1}")
        caption = figure.next_node(nodes.caption) if figure is not None else None
        found.append({"svg": f"{base}.svg", "pdf": f"{base}.pdf", "chapter": docname,
                      "chapter_title": app.env.titles[docname].astext(),
                      "figure": ".".join(map(str, next((numbers[i] for i in ids if i in numbers), ()))),
                      "name": name, "caption": caption.astext() if caption else "",
                      "alt": images["image/png"].get("alt", ""),
                      "files": {f: Path(app.srcdir) / images[m]["uri"] for f, m in VECTOR_FORMATS.items()}})
    return found


def figure_pack(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    import csv
    import io
    import zipfile

    order = bookmeta.toc_files()   # the pages in the order of the book, others last
    docs = sorted((d for d in app.env.found_docs if d in app.env.titles),
                  key=lambda d: (order.index(d) if d in order else len(order), d))
    figures = [f for d in docs for f in page_figures(app, d)]
    manifest = io.StringIO()
    writer = csv.DictWriter(manifest, MANIFEST_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(figures)
    with zipfile.ZipFile(Path(app.outdir) / FIGURE_PACK, "w", zipfile.ZIP_DEFLATED) as pack:
        pack.writestr("manifest.csv", manifest.getvalue())
        pack.writestr("README.txt", f"{app.config.project} {bookmeta.version()}: every figure of the book "
                      "as SVG and PDF; manifest.csv gives each one's chapter, number, caption and alt text.\n"
                      "Licence: CC BY 4.0 (LICENSE-CONTENT of the repository).\n")
        for fig in figures:
            for fmt, path in fig["files"].items():
                pack.write(path, fig[fmt])
    LOGGER.info(f"[mlpbook] figure pack: {len(figures)} figures in {FIGURE_PACK}")


def figure_pack_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{figure-pack}`text```: a link to the figure pack (see figure_pack_links)."""
    return [nodes.reference(rawtext, text, refuri=FIGURE_PACK, classes=["book-figure-pack"])], []


def figure_pack_links(app, doctree, docname):
    """The pack sits beside the PDF, at the site's root: pages link it relative to their folder."""
    if app.builder.format == "html":
        for ref in doctree.findall(nodes.reference):
            if "book-figure-pack" in ref["classes"]:
                ref["refuri"] = "../" * docname.count("/") + FIGURE_PACK


# ----------------------------------------------------------------- configuration
def on_config_inited(app, config):
    version = bookmeta.version()
    config.version = config.release = version
    config.html_title = f"{config.html_title} {version}"
    config.myst_substitutions = {**(config.myst_substitutions or {}), "version": version,
                                 "release_tag": bookmeta.release_tag(),
                                 "repo_link": f"[{bookmeta.repo_url()}]({bookmeta.repo_url()})",
                                 "date_released": str(bookmeta.citation().get("date-released", ""))}
    theme = config.html_theme_options   # (the footer: templates/extra-footer.html)
    # "Download PDF" when the build makes the PDF: at the foot of the left sidebar
    # (templates/book-pdf-link.html) and "Book (PDF)" in the header's download menu
    if os.environ.get("MLPBOOK_PDF", "").strip() not in ("", "0"):
        config.html_context = {**config.html_context, "mlpbook_pdf": PDF_NAME}
        theme["primary_sidebar_end"] = ["book-pdf-link.html"]
    # pydata-sphinx-theme 0.17 adds a second search box in a top bar unless this is
    # set; sphinx-book-theme already has one in the sidebar.
    theme.setdefault("navbar_persistent", [])
    theme.setdefault("logo", {}).update(text=config.html_title, alt_text=f"{config.html_title}: home page")
    preexecuted = os.environ.get("MLPBOOK_EXECUTION_CACHE", "").strip()
    if preexecuted:   # (myst-nb logs the cache's path)
        config.nb_execution_mode = "cache"
        config.nb_execution_cache_path = str(Path(preexecuted).resolve())
    # no tqdm bars in the built pages (the kernels inherit this environment)
    os.environ.setdefault("MLP_FROM_SCRATCH_PROGRESS", "0")
    # kernels that myst-nb starts itself (``execute_notebooks: force``) draw vectors too
    from tools.execute_chapters import vector_figures

    vector_figures()
    # sphinx-jupyterbook-latex (priority 500) sets its jupyterBook.cls, which loads ``bbm``
    # (Debian: texlive-fonts-extra, ~500 MB): Sphinx's manual class, with templates/mlpbook.sty
    config.latex_theme = "manual"
    config.latex_elements["preamble"] = config.latex_elements.get("preamble", "") + "\n\\usepackage{mlpbook}"


def on_env_updated_latex(app, env):
    """The release date on the title page, not the build's; the root page (the preface), which
    sphinx-jupyterbook-latex prints without its title, gets a heading, a toc line, running heads."""
    if app.builder.format != "latex":
        return
    app.builder.context["date"] = str(bookmeta.citation().get("date-released", ""))
    tex = texescape.escape(env.titles[app.config.root_doc].astext())
    app.builder.context["tableofcontents"] += (
        f"\n\\chapter*{{{tex}}}\\addcontentsline{{toc}}{{chapter}}{{{tex}}}\\markboth{{{tex}}}{{{tex}}}\n")


# ----------------------------------------------------------------- the site's HTML
def on_builder_inited(app):
    if app.builder.format == "html" and not (MATHJAX_SRC / "tex-mml-chtml.js").exists():
        raise ExtensionError(f"MathJax not found at {MATHJAX_SRC}: run `npm ci` at the repository root "
                             "(package.json pins the npm package `mathjax`).")


def on_html_page_context(app, pagename, templatename, context, doctree):
    # sphinx-thebe adds its inline script after the HTML builder collected the scripts, so
    # Sphinx 7.4 emits it twice (filename "" and None, both inline): "Identifier
    # 'THEBE_JS_URL' has already been declared".
    unique = {}
    for script in context.get("script_files", []):
        attributes = tuple(sorted(getattr(script, "attributes", {}).items()))
        unique.setdefault((getattr(script, "filename", script) or "", attributes), script)
    context["script_files"] = list(unique.values())
    if context.get("body") is not None:
        # docutils' bibliography: role="list" with role="doc-biblioentry" children, invalid
        # ARIA (axe: aria-required-children). myst-nb's hidden-cell toggles: an aria-label
        # without the visible label (axe: label-content-name-mismatch, WCAG 2.5.3).
        body = context["body"].replace('role="doc-biblioentry"', 'role="listitem"')
        context["body"] = HIDDEN_CELL_SUMMARY.sub("<summary>", body)
    # the whole book's PDF in the header's download menu, beside the page's own files
    for group in context.get("header_buttons", []) if context.get("mlpbook_pdf") else []:
        if group.get("label") == "download-buttons":
            group["buttons"].append({"type": "link", "url": context["pathto"](context["mlpbook_pdf"], 1),
                                     "text": "Book (PDF)", "tooltip": "Download the whole book as a PDF",
                                     "icon": "fas fa-book", "label": "download-book-pdf-button"})


def setup(app):
    app.setup_extension("tools.sphinx_ext.pdf_numbering")
    app.add_config_value("mlpbook_cite_exclude", ["book/cite", "book/bibliography"], "env")
    app.add_config_value("mlpbook_cite_page", "book/cite", "env")
    app.connect("config-inited", on_config_inited, priority=600)
    app.connect("builder-inited", on_builder_inited)
    app.connect("env-updated", on_env_updated_latex)
    app.connect("doctree-read", check_not_executed)
    app.connect("doctree-read", glue_alt_text)
    app.connect("doctree-resolved", figure_pack_links)
    # after sphinx-book-theme's header buttons (priority 501)
    app.connect("html-page-context", on_html_page_context, priority=600)
    app.connect("build-finished", figure_pack)
    app.add_transform(CiteThisChapter)
    app.add_transform(ChapterHead)
    app.add_directive("book-citation", BookCitation)
    app.add_directive("book-install", BookInstall)
    app.add_role("figure-pack", figure_pack_role)
    return {"version": bookmeta.version(), "parallel_read_safe": True, "parallel_write_safe": True}
