"""The PDF numbers chapters, sections, equations, figures, tables and exercises as the site does.

Loaded by ``tools/sphinx_ext/mlpbook.py``; acts in the LaTeX build only.

How the site numbers (Sphinx, sphinx-multitoc-numbering, sphinx-exercise):

- a chapter is numbered when its toc part has ``numbered: true``; the numbers run on
  across parts (Part I's first chapter is 1); the "Getting started" pages, the preface
  and the back matter carry none, nor do their sections;
- figures, tables and exercises of a numbered chapter are ``<chapter>.<n>``; those of
  the unnumbered pages share one count, ``1, 2, ...``, across all of them;
- equations (``math_numfig: false``) are ``(1), (2), ...`` on every page; with
  ``math_numfig: true`` they would be numbered like figures.

What the LaTeX writer would do instead: number every page as a chapter (the notation
page became chapter 1), count equations per LaTeX chapter (``(3.1)``), and figures per
chapter without its number. Exercise numbers are text that sphinx-exercise writes from
the site's numbering, so they were right while the chapters around them were not.

So the post-transform ``LatexBookNumbering`` writes, before every chapter and part of
the assembled LaTeX document, a macro of ``numbering_preamble`` that sets LaTeX's
counters and formats to the site's: ``\\mlpbookchapter{n}`` with the chapter's number
on the site (``env.toc_secnumbers``), ``\\mlpbookunnumberedchapter`` for a page the
site leaves unnumbered, ``\\mlpbookpart{n}`` for a toc caption that reads
"Part <Roman numeral>: <title>" (the part is printed as "Part <n>" over "<title>"),
``\\mlpbookunnumberedpart`` for any other caption. (And ``on_builder_inited`` puts
back the ``numfig_secnum_depth`` that sphinx-jupyterbook-latex changes.)

It also collects the solutions of sphinx-exercise: in the PDF they leave their exercises
and go, in their order, to an unnumbered section "Solutions" at the end of their chapter
(before "Cite this chapter"), and every exercise says on which page its solution is.
The site keeps its dropdown solutions.
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
    """The LaTeX macros that ``LatexBookNumbering`` writes before chapters and parts.

    Counters like figures (``figure``, ``table``, Sphinx's ``literalblock``; also
    ``equation`` with ``math_numfig``) are ``<chapter>.<n>`` in numbered chapters and
    run on through all unnumbered ones; without ``math_numfig`` an equation is ``(n)``,
    counted per page. Hyperref's anchors get a prefix of their own in unnumbered pages
    (``u<k>``), so that no two pages share one.
    """
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
    """Move the chapter's solutions to a section "Solutions" at its end; return how many.

    Every exercise whose solution moved gets a line "Solution on page N." (a link).
    """
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
    """Give the assembled LaTeX book the site's numbering; collect the solutions.

    Runs on the whole book (the root document with every page inlined), after
    sphinx-jupyterbook-latex has turned the toc's captions into parts (its
    ``LatexRootDocPostTransforms``, priority 700): a part is a ``start_of_file`` whose
    ``docname`` is the caption, a chapter a ``start_of_file`` of a page of the toc.
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
    """After sphinx-jupyterbook-latex's builder-inited (priority 500).

    It raises ``numfig_secnum_depth`` to 2 when it turns the toc's captions into LaTeX
    parts. Put back the configured value: with 2, the exercises of the LaTeX build would
    be numbered by section ("Exercise 1.6.2" for the site's "Exercise 1.2"); and the
    setting is part of the pickled environment: the next build (HTML or LaTeX) would
    find the environment outdated and execute every chapter again. With it put back,
    the LaTeX build reuses the HTML build's environment, execution and numbers.

    The book opens with unnumbered pages: the root page (mlpbook.py gives it its heading
    after this), then whatever precedes the first numbered part.
    """
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
