"""The PDF numbers as the site does, where Sphinx's LaTeX writer would number every page as a
chapter (loaded by ``mlpbook.py``): a macro before every toc page and part sets LaTeX's counters
to the site's numbers (``env.toc_secnumbers``; a caption "Part <Roman>: <title>" numbers its
part); each chapter's solutions move to its end, the exercise saying on which page they are."""

import re

from docutils import nodes
from docutils.utils import roman
from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node, solution_node

# A toc caption that numbers its part: "Part II: Experiments, reproduced".
PART_CAPTION = re.compile(r"^\s*Part\s+([IVXLCDM]+)\s*[:.\u2013\u2014-]\s*(.+)$")


def _each(template: str) -> str:
    """``template`` for each counter (@C) an unnumbered page counts on from the previous one."""
    return "".join(template.replace("@C", c) for c in ("figure", "table", "literalblock"))


# In numbered chapters the figure-like counters are <chapter>.<n> (LaTeX resets them with
# the chapter); unnumbered pages keep their own count in mlpbook@<counter>, and their
# hyperref anchors a prefix u<k>. secnumdepth -2 typesets parts, chapters and sections
# without number or "Chapter". Equations: (n), reset on every page.
PREAMBLE = (r"""
% --- tools/sphinx_ext/pdf_numbering.py: the site's numbers ---
\makeatletter
\newcounter{mlpbookunnumbered}
""" + _each(r"\newcounter{mlpbook@@C}") + r"""
\newif\ifmlpbook@unnumbered
\AtBeginDocument{\edef\mlpbook@secnumdepth{\the\c@secnumdepth}\def\theequation{\arabic{equation}}}
\newcommand\mlpbook@store{\ifmlpbook@unnumbered """
            + _each(r"\setcounter{mlpbook@@C}{\value{@C}}") + r"""\fi}
\newcommand\mlpbookunnumbered{\mlpbook@store\mlpbook@unnumberedtrue\setcounter{secnumdepth}{-2}%
  """ + _each(r"\setcounter{@C}{\value{mlpbook@@C}}\def\the@C{\arabic{@C}}") + r"""%
  \def\theHchapter{u\arabic{mlpbookunnumbered}}}
\newcommand\mlpbooknumbered{\mlpbook@store\mlpbook@unnumberedfalse
  \setcounter{secnumdepth}{\mlpbook@secnumdepth}%
  """ + _each(r"\def\the@C{\thechapter.\arabic{@C}}") + r"""\def\theHchapter{\arabic{chapter}}}
\newcommand\mlpbookunnumberedchapter{\mlpbookunnumbered
  \stepcounter{mlpbookunnumbered}\setcounter{equation}{0}}
\makeatother
""")


def collect_solutions(chapter_file: addnodes.start_of_file) -> None:
    """Move the chapter's solutions to a section "Solutions" at its end."""
    chapter = chapter_file.next_node(nodes.section)
    solutions = list(chapter.findall(solution_node))
    exercises = {n.get("label"): n for n in chapter.findall(
        lambda n: isinstance(n, (exercise_node, exercise_enumerable_node)))}
    for solution in solutions:
        solution.parent.remove(solution)
        if solution.get("target_label") in exercises:
            # the \label sphinx-exercise writes for a solution (visit_solution_node)
            target = f"{chapter_file['docname']}:{solution['label']}"
            pointer = (rf"\par\noindent\textit{{Solution on \hyperref[{target}]"
                       rf"{{page~\pageref*{{{target}}}}}.}}")
            exercises[solution["target_label"]] += nodes.raw("", pointer + "\n", format="latex")
    # an unnumbered section, in the contents and running heads, before "Cite this chapter" (mlpbook.py)
    cite = next((i for i, c in enumerate(chapter.children) if "book-cite-chapter" in c.get("classes", [])),
                len(chapter.children))
    heading = (r"\phantomsection\section*{Solutions}\addcontentsline{toc}{section}{Solutions}"
               "\n\\markright{Solutions}\n")
    chapter[cite:cite] = [nodes.raw("", heading, format="latex"), *solutions] if solutions else []


class LatexBookNumbering(SphinxPostTransform):
    """After sphinx-jupyterbook-latex made the toc's captions parts (priority 700): a part is
    a ``start_of_file`` whose ``docname`` is its caption, a chapter one of a toc page."""

    default_priority = 750
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        if self.app.project.path2doc(self.document["source"]) != self.config.root_doc:
            return
        for file_node in list(self.document.findall(addnodes.start_of_file)):
            if file_node["docname"] in self.env.found_docs:
                number = ((self.env.toc_secnumbers.get(file_node["docname"]) or {}).get("") or [None])[0]
                # \chapter and \part step their counter to the site's number
                mark = rf"\mlpbooknumbered\setcounter{{chapter}}{{{number - 1}}}" if number else (
                    r"\mlpbookunnumberedchapter")
                collect_solutions(file_node)
            else:
                title = file_node.next_node(nodes.title)
                m = PART_CAPTION.match(title.astext())
                mark = r"\mlpbookunnumbered"
                if m:   # an invalid numeral ("Part IIII:") raises InvalidRomanNumeralError
                    mark = rf"\mlpbooknumbered\setcounter{{part}}{{{roman.fromRoman(m[1]) - 1}}}"
                    title.children = [nodes.Text(m.group(2).strip())]
            mark = nodes.raw("", mark + "\n", format="latex")
            file_node.parent.insert(file_node.parent.index(file_node), mark)


def on_builder_inited(app):
    """Put back the ``numfig_secnum_depth`` sphinx-jupyterbook-latex (priority 500) raises to 2:
    exercises would be numbered by section, and the pickled environment outdated (every chapter
    executed again). The book opens unnumbered (the root, then what precedes the first part)."""
    if app.builder.format == "latex":
        app.config.numfig_secnum_depth = app.pdf_numbering_secnum_depth
        app.builder.context["tableofcontents"] += "\n\\mlpbookunnumberedchapter\n"


def on_config_inited(app, config):
    # PREAMBLE numbers as numfig_secnum_depth = 1 and math_numfig = False do (_config.yml);
    # with other settings tools/check_pdf.py finds the site's numbers unlike the PDF's
    app.pdf_numbering_secnum_depth = config.numfig_secnum_depth   # see on_builder_inited
    config.latex_elements = {**(config.latex_elements or {}), "preamble": (
        (config.latex_elements or {}).get("preamble", "") + PREAMBLE)}


def setup(app):
    # after sphinx-jupyterbook-latex's config-inited (500), which appends to the preamble
    app.connect("config-inited", on_config_inited, priority=600)
    # before mlpbook.py's (900), which appends the root page's heading
    app.connect("builder-inited", on_builder_inited, priority=800)
    app.add_post_transform(LatexBookNumbering)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
