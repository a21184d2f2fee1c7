"""The PDF numbers chapters, sections, equations, figures, tables and exercises as the site does.

Loaded by ``tools/sphinx_ext/mlpbook.py``; acts in the LaTeX build only. The site
(sphinx-multitoc-numbering, sphinx-exercise) numbers only the chapters of ``numbered:``
toc parts, on across parts; their figures, tables and exercises are ``<chapter>.<n>``,
those of unnumbered pages share one count; equations are ``(n)`` per page. Sphinx's
LaTeX writer would number every page as a chapter and equations per chapter. So
``LatexBookNumbering`` writes before every chapter and part of the assembled document a
macro of ``numbering_preamble`` that sets LaTeX's counters to the site's numbers
(``env.toc_secnumbers``; a caption "Part <Roman>: <title>" numbers its part), and moves
each chapter's solutions to an unnumbered "Solutions" section at its end, the exercise
saying on which page its solution is (the site keeps its dropdowns).
"""

from __future__ import annotations

import re

from docutils import nodes
from docutils.utils import roman
from sphinx import addnodes
from sphinx.errors import ExtensionError
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)

# A toc caption that numbers its part: "Part II: Experiments, reproduced".
PART_CAPTION = re.compile(r"^\s*Part\s+([IVXLCDM]+)\s*[:.\u2013\u2014-]\s*(.+)$")
SOLUTIONS_TITLE = "Solutions"
CITE_SECTION_CLASS = "book-cite-chapter"   # the "Cite this chapter" section (mlpbook.py)


def numbering_preamble(math_numfig: bool) -> str:
    """The LaTeX macros ``LatexBookNumbering`` writes before chapters and parts: figure-like
    counters (and ``equation`` with ``math_numfig``) are ``<chapter>.<n>`` in numbered
    chapters and run on through unnumbered ones, whose hyperref anchors get a prefix
    ``u<k>``; without ``math_numfig`` equations are ``(n)`` per page."""
    shared = ["figure", "table", "literalblock"] + (["equation"] if math_numfig else [])
    store = "".join(rf"\setcounter{{mlpbook@{c}}}{{\value{{{c}}}}}" for c in shared)
    load = "".join(rf"\setcounter{{{c}}}{{\value{{mlpbook@{c}}}}}" for c in shared)
    plain = "".join(rf"\def\the{c}{{\arabic{{{c}}}}}" for c in shared)
    prefixed = "".join(rf"\def\the{c}{{\thechapter.\arabic{{{c}}}}}" for c in shared)
    per_page = "" if math_numfig else r"\setcounter{equation}{0}"
    return (r"""
% --- tools/sphinx_ext/pdf_numbering.py: the site's numbers ---
\makeatletter
\newcounter{mlpbookunnumbered}% unnumbered pages so far (their hyperref anchors)
""" + "".join(rf"\newcounter{{mlpbook@{c}}}" for c in shared) + r"""
\newif\ifmlpbook@unnumbered
\AtBeginDocument{\edef\mlpbook@secnumdepth{\the\c@secnumdepth}"""
            + ("" if math_numfig else r"\def\theequation{\arabic{equation}}") + r"""}
% leaving an unnumbered page: keep the count of its figures for the next one
\newcommand\mlpbook@store{\ifmlpbook@unnumbered """ + store + r"""\fi}
% secnumdepth -2: no number on parts, chapters or sections, no "Chapter" above them
\newcommand\mlpbookunnumbered{\mlpbook@store\mlpbook@unnumberedtrue
  \setcounter{secnumdepth}{-2}""" + load + plain + r"""%
  \def\theHchapter{u\arabic{mlpbookunnumbered}}}
\newcommand\mlpbooknumbered{\mlpbook@store\mlpbook@unnumberedfalse
  \setcounter{secnumdepth}{\mlpbook@secnumdepth}""" + prefixed + r"""%
  \def\theHchapter{\arabic{chapter}}}
% #1: the chapter's number on the site (\chapter steps the counter to it)
\newcommand\mlpbookchapter[1]{\mlpbooknumbered\setcounter{chapter}{\numexpr#1-1\relax}}
\newcommand\mlpbookunnumberedchapter{\mlpbookunnumbered
  \stepcounter{mlpbookunnumbered}""" + per_page + r"""}
\newcommand\mlpbookpart[1]{\mlpbooknumbered\setcounter{part}{\numexpr#1-1\relax}}
\newcommand\mlpbookunnumberedpart{\mlpbookunnumbered}
% an unnumbered section in any chapter (the solutions)
\newcommand\mlpbookbeginunnumberedsection{%
  \edef\mlpbook@sectiondepth{\the\c@secnumdepth}%
  \ifnum\c@secnumdepth>\z@\setcounter{secnumdepth}{0}\fi}
\newcommand\mlpbookendunnumberedsection{\setcounter{secnumdepth}{\mlpbook@sectiondepth}}
\makeatother
""")


def raw_latex(text: str) -> nodes.raw:
    return nodes.raw("", text + "\n", format="latex")


def site_chapter_number(env, docname: str) -> int | None:
    """The chapter number the site gives ``docname``, or None for an unnumbered page."""
    number = (env.toc_secnumbers.get(docname) or {}).get("")
    return number[0] if number else None


def part_number(caption: str) -> tuple[int, str] | None:
    """``"Part II: Experiments"`` -> ``(2, "Experiments")``; None for any other caption."""
    m = PART_CAPTION.match(caption)
    if not m:
        return None
    try:
        return roman.fromRoman(m.group(1)), m.group(2).strip()
    except roman.InvalidRomanNumeralError:
        return None


def _own(node: nodes.Element, cls):
    """The nodes of type ``cls`` in ``node``, not in a page included in it."""
    found = []

    def walk(n):
        for child in n.children:
            if isinstance(child, addnodes.start_of_file):
                continue
            if isinstance(child, cls):
                found.append(child)
            if isinstance(child, nodes.Element):
                walk(child)

    walk(node)
    return found


def collect_solutions(chapter_file: addnodes.start_of_file) -> int:
    """Move the chapter's solutions to a section "Solutions" at its end (each exercise
    says "Solution on page N."); return how many."""
    from sphinx_exercise.nodes import (exercise_enumerable_node, exercise_node,
                                       solution_node)

    chapter = next((c for c in chapter_file.children if isinstance(c, nodes.section)), None)
    if chapter is None:
        return 0
    solutions = _own(chapter, solution_node)
    if not solutions:
        return 0
    docname = chapter_file["docname"]
    exercises = {n.get("label"): n for n in _own(chapter, (exercise_node, exercise_enumerable_node))}
    section = nodes.section(classes=["book-solutions"])
    section += nodes.title(SOLUTIONS_TITLE, SOLUTIONS_TITLE)
    for solution in solutions:
        solution.parent.remove(solution)
        section += solution
        exercise = exercises.get(solution.get("target_label"))
        if exercise is not None:
            # the \label sphinx-exercise writes for a solution (visit_solution_node)
            target = f"{docname}:{solution['label']}"
            exercise += raw_latex(
                rf"\par\noindent\textit{{Solution on \hyperref[{target}]"
                rf"{{page~\pageref*{{{target}}}}}.}}")
    cite = next((i for i, c in enumerate(chapter.children)
                 if isinstance(c, nodes.section) and CITE_SECTION_CLASS in c["classes"]),
                len(chapter.children))
    chapter[cite:cite] = [raw_latex(r"\mlpbookbeginunnumberedsection"), section,
                          raw_latex(r"\mlpbookendunnumberedsection")]
    return len(solutions)


class LatexBookNumbering(SphinxPostTransform):
    """The site's numbering and the collected solutions in the assembled LaTeX book.

    After sphinx-jupyterbook-latex made the toc's captions parts (priority 700): a part is
    a ``start_of_file`` whose ``docname`` is its caption, a chapter one of a toc page.
    """

    default_priority = 750
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        env = self.env
        if self.app.project.path2doc(self.document["source"]) != self.config.root_doc:
            return
        chapters = numbered = parts = solutions = 0
        for file_node in list(self.document.findall(addnodes.start_of_file)):
            docname = file_node["docname"]
            if docname in env.found_docs:
                outer = file_node.parent
                while outer is not None and not isinstance(outer, addnodes.start_of_file):
                    outer = outer.parent
                if outer is not None and outer["docname"] in env.found_docs:
                    continue   # a page included in a chapter: its sections are the chapter's
                number = site_chapter_number(env, docname)
                chapters += 1
                numbered += number is not None
                mark = rf"\mlpbookchapter{{{number}}}" if number else r"\mlpbookunnumberedchapter"
                solutions += collect_solutions(file_node)
            else:
                section = next((c for c in file_node.children if isinstance(c, nodes.section)), None)
                title = section[0] if section is not None and section.children else None
                if not isinstance(title, nodes.title):
                    raise ExtensionError(f"[pdf_numbering] a part without a title: {docname!r}")
                parsed = part_number(title.astext())
                if parsed:
                    number, text = parsed
                    title.children = [nodes.Text(text)]
                    mark = rf"\mlpbookpart{{{number}}}"
                    parts += 1
                else:
                    mark = r"\mlpbookunnumberedpart"
            parent = file_node.parent
            parent.insert(parent.index(file_node), raw_latex(mark))
        LOGGER.info(f"[pdf_numbering] {chapters} chapters ({numbered} numbered as on the site), "
                    f"{parts} numbered parts, {solutions} solutions collected at chapter ends")


def on_builder_inited(app):
    """Put back the ``numfig_secnum_depth`` that sphinx-jupyterbook-latex (priority 500)
    raises to 2: exercises would be numbered by section, and the changed setting would
    outdate the pickled environment (every chapter executed again). The book opens
    unnumbered (the root page, then what precedes the first numbered part)."""
    if app.builder.format != "latex":
        return
    app.config.numfig_secnum_depth = app.pdf_numbering_secnum_depth
    app.builder.context["tableofcontents"] += "\n\\mlpbookunnumberedchapter\n"


def on_config_inited(app, config):
    app.pdf_numbering_secnum_depth = config.numfig_secnum_depth   # see on_builder_inited
    if config.numfig_secnum_depth != 1:
        # the LaTeX macros prefix figures with the chapter only, as depth 1 does
        raise ExtensionError("[pdf_numbering] the PDF numbers figures as numfig_secnum_depth = 1 "
                             f"does; _config.yml sets {config.numfig_secnum_depth}")
    elements = dict(config.latex_elements or {})
    elements["preamble"] = elements.get("preamble", "") + numbering_preamble(bool(config.math_numfig))
    config.latex_elements = elements


def setup(app):
    # after sphinx-jupyterbook-latex's config-inited (500), which appends to the preamble
    app.connect("config-inited", on_config_inited, priority=600)
    # before mlpbook.py's (900), which appends the root page's heading
    app.connect("builder-inited", on_builder_inited, priority=800)
    app.add_post_transform(LatexBookNumbering)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
