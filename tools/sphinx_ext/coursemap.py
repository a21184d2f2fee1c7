"""The ``{course-map}`` directive: a term's plan of chapters and labs (book/course-map.md).

The body is the plan, in YAML: one entry per week, with the chapters read that week, the
labs done that week (by stem: ``forward-pass`` is ``book/labs/forward-pass``) and the
earlier chapters the week relies on::

    weeks:
      - title: The forward pass
        chapters: [book/digits, book/derivations/forward-pass]
        labs: [forward-pass]
        needs: []

Everything else comes from the build: chapter titles (links), each chapter's learning
objectives (front matter, ``book: objectives:``), and each lab's title, measured run time
and autograded tasks from ``_build/results/labs.json`` (written by the labs tool)::

    {"labs": {"<stem>": {"title": str, "chapter": "<docname>", "seconds": float,
                         "tasks": [{"name": str, "points": number, "checks": [str]}]}}}

Without labs.json the plan is shown without run times, unless the toc has lab pages:
then the build fails, since the labs were built and their record is missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from docutils import nodes
from sphinx import addnodes
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

from tools import bookmeta
from tools.sphinx_ext.mlpbook import objective_nodes, objectives_of

LABS_JSON = bookmeta.ROOT / "_build" / "results" / "labs.json"


def read_plan(text: str, srcdir: Path) -> list[dict]:
    """The weeks of the directive's body, checked: existing chapters, earlier prerequisites."""
    weeks = (yaml.safe_load(text) or {}).get("weeks") or []
    read = set()
    for number, week in enumerate(weeks, start=1):
        for doc in week.get("chapters") or []:
            if not (Path(srcdir) / f"{doc}.md").exists():
                raise ValueError(f"week {number}: there is no chapter {doc}")
        for doc in week.get("needs") or []:
            if doc not in read:
                raise ValueError(f"week {number}: prerequisite {doc} is not a chapter of an earlier week")
        read.update(week.get("chapters") or [])
    return weeks


def read_labs(path: Path, lab_pages: bool) -> dict | None:
    """The labs of labs.json by stem; ``None`` when it is missing and the toc has no labs."""
    if not path.exists():
        if lab_pages:
            raise ValueError(f"{path} is missing, but the toc has lab pages: the labs tool writes it "
                             "when it builds the labs (their run times and autograded tasks)")
        return None
    return json.loads(path.read_text(encoding="utf-8"))["labs"]


def check_labs(weeks: list[dict], labs: dict | None) -> None:
    """Every lab of labs.json in a week, at or after its chapter's; no unknown lab."""
    if labs is None:
        return
    planned, read = set(), set()
    for number, week in enumerate(weeks, start=1):
        read.update(week.get("chapters") or [])
        for stem in week.get("labs") or []:
            if stem not in labs:
                raise ValueError(f"week {number}: lab {stem} is not in labs.json")
            if labs[stem]["chapter"] not in read:
                raise ValueError(f"week {number}: lab {stem} comes before its chapter {labs[stem]['chapter']}")
            planned.add(stem)
    if set(labs) - planned:
        raise ValueError(f"labs in no week: {', '.join(sorted(set(labs) - planned))}")


def plural(count, word: str) -> str:
    return f"{count:g} {word}" + ("" if count == 1 else "s")


def seconds_text(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


class CourseMap(SphinxDirective):
    has_content = True

    def doc_link(self, doc: str) -> nodes.Node:
        """A link to a page, showing its title (resolved when the page is written); the
        name of a page this build leaves out (``BOOK_TOC``)."""
        if doc not in self.env.found_docs:
            return nodes.literal(doc, doc)
        xref = addnodes.pending_xref("", refdomain="std", reftype="doc", reftarget="/" + doc,
                                     refexplicit=False, refdoc=self.env.docname, refwarn=True)
        xref += nodes.inline("", doc, classes=["xref", "std", "std-doc"])
        return xref

    def item(self, label: str, *content) -> nodes.list_item:
        para = nodes.paragraph("", "", nodes.strong(label, label), nodes.Text(" "), *content)
        return nodes.list_item("", para)

    def lab_item(self, stem: str, labs: dict | None) -> nodes.list_item:
        doc = f"book/labs/{stem}"
        if labs is None:
            return nodes.list_item("", nodes.paragraph("", f"Lab: {stem}"))
        lab = labs[stem]
        head = [self.doc_link(doc) if doc in self.env.found_docs else nodes.Text(lab["title"]),
                nodes.Text(f": the reference solution runs in {seconds_text(lab['seconds'])}; "
                           f"the autograder grades {plural(len(lab['tasks']), 'task')}, "
                           f"{plural(sum(t['points'] for t in lab['tasks']), 'point')}:")]
        tasks = nodes.bullet_list("", bullet="-")
        for task in lab["tasks"]:
            checks = ", ".join(task["checks"]) or "no named check"
            tasks += nodes.list_item("", nodes.paragraph(
                "", f"{task['name']} ({plural(task['points'], 'point')}): {checks}"))
        return nodes.list_item("", nodes.paragraph("", "", *head), tasks)

    def run(self):
        self.labs_path = Path(self.env.config.mlpbook_labs_json)
        if self.labs_path.exists():   # (a missing dependency would re-read the page at every build)
            self.env.note_dependency(str(self.labs_path))
        lab_pages = any(d.startswith("book/labs/") for d in self.env.found_docs)
        try:
            weeks = read_plan("\n".join(self.content), Path(self.env.srcdir))
            labs = read_labs(self.labs_path, lab_pages)
            check_labs(weeks, labs)
        except ValueError as err:
            raise ExtensionError(f"{self.env.docname}: course map: {err}") from None
        out = []
        if labs is None:
            out.append(nodes.note("", nodes.paragraph(
                "", "The labs' run times and what their autograder covers are measured when the "
                "labs are built; this build has none yet.")))
        for number, week in enumerate(weeks, start=1):
            title = f"Week {number}: {week['title']}"
            out.append(nodes.rubric(title, title, classes=["course-map-week"]))
            rows = nodes.bullet_list("", bullet="-")
            chapters = nodes.bullet_list("", bullet="-")
            for doc in week.get("chapters") or []:
                source = Path(self.env.srcdir) / f"{doc}.md"
                self.env.note_dependency(str(source))   # its objectives
                goals = nodes.bullet_list("", *(nodes.list_item("", nodes.paragraph("", "", *objective_nodes(o)))
                                                for o in objectives_of(source)), bullet="-")
                chapters += nodes.list_item("", nodes.paragraph("", "", self.doc_link(doc)),
                                            *([goals] if goals.children else []))
            rows += nodes.list_item("", nodes.paragraph("", "", nodes.strong("Read", "Read")), chapters)
            needs = week.get("needs") or []
            links = [n for i, doc in enumerate(needs) for n in ([nodes.Text(", ")] if i else []) + [self.doc_link(doc)]]
            rows += self.item("Builds on", *(links or [nodes.Text("nothing earlier")]))
            stems = week.get("labs") or []
            if stems:
                rows += nodes.list_item("", nodes.paragraph("", "", nodes.strong("Labs", "Labs")),
                                        nodes.bullet_list("", *(self.lab_item(s, labs) for s in stems), bullet="-"))
            out.append(rows)
        return out


def setup(app):
    app.add_config_value("mlpbook_labs_json", str(LABS_JSON), "env")
    app.add_directive("course-map", CourseMap)
    return {"version": bookmeta.version(), "parallel_read_safe": True, "parallel_write_safe": True}
