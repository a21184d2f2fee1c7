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
- the footer (licences, version), with links built from ``repository.url``.
- MathJax: copies the npm package ``mathjax`` (``node_modules/mathjax/es5``, run
  ``npm ci`` first) into ``_build/html/_static/mathjax``; ``mathjax_path`` in
  _config.yml points there, so the site renders equations with no internet.
- execution: ``MLPBOOK_EXECUTION=cache`` switches to a jupyter-cache whose folder
  name includes a hash of ``mlp_from_scratch/`` and of the build pins, so that a
  change of the package re-executes every chapter. The default (and CI) is
  ``force``: every chapter runs at every build.
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
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from tools import bookmeta

LOGGER = logging.getLogger(__name__)
MATHJAX_SRC = bookmeta.ROOT / "node_modules" / "mathjax" / "es5"
# What tex-mml-chtml.js loads: the combined file, TeX extensions loaded on demand
# (autoload), the CHTML fonts, the menu and its accessibility tools.
# myst-nb's toggle of hidden cells (myst_nb/sphinx_.py, visit_HideCellInput)
HIDDEN_CELL_SUMMARY = re.compile(r'<summary\s+aria-label="Toggle hidden content"\s*>')
MATHJAX_PARTS = ["tex-mml-chtml.js", "input", "output/chtml", "ui", "a11y", "sre", "adaptors"]


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


def bibtex_entry() -> str:
    cff = bookmeta.citation()
    pref = cff.get("preferred-citation", cff)
    authors = " and ".join(
        "{" + a["name"] + "}" if "name" in a else f"{a['family-names']}, {a['given-names']}"
        for a in pref["authors"]
    )
    year = str(pref.get("year", str(cff["date-released"])[:4]))
    key = "mlpfromscratch" + year
    fields = [
        ("title", "{" + pref["title"] + "}"),
        ("author", authors),
        ("year", year),
        ("edition", f"Version {cff['version']}"),
        ("url", pref.get("url", cff.get("url", bookmeta.repo_url()))),
        ("note", f"Release {bookmeta.release_tag()}, {cff['date-released']}; "
                 "text CC BY 4.0, code MIT"),
    ]
    if pref.get("publisher"):
        fields.insert(2, ("publisher", pref["publisher"]["name"]))
    body = ",\n".join(f"  {k:<9}= {{{v}}}" for k, v in fields)
    return f"@book{{{key},\n{body}\n}}"


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
    # pydata-sphinx-theme writes localStorage.mode || default_mode: an empty default
    # logs "Got invalid theme mode" on a first visit. "auto" follows the system.
    config.html_context = {"default_mode": "auto", **(config.html_context or {})}
    # pydata-sphinx-theme 0.17 adds a second search box in a top bar unless this is
    # set; sphinx-book-theme already has one in the sidebar.
    theme.setdefault("navbar_persistent", [])
    theme.setdefault("logo", {}).update(text=config.html_title,
                                        alt_text=f"{config.html_title}: home page")

    mode = os.environ.get("MLPBOOK_EXECUTION", "").strip()
    if mode == "cache":
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


def setup(app):
    app.connect("config-inited", on_config_inited)
    app.connect("builder-inited", on_builder_inited)
    app.connect("build-finished", on_build_finished)
    app.connect("html-page-context", on_html_page_context)
    app.add_directive("book-citation", BookCitation)
    app.add_directive("book-install", BookInstall)
    return {"version": bookmeta.version(), "parallel_read_safe": True, "parallel_write_safe": True}
