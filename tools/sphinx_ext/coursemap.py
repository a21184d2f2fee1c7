"""The ``{course-map}`` directive (book/course-map.md): a term's plan, in YAML, per week:
``title``, ``chapters`` read, ``labs`` done (stems of book/labs/), ``needs`` (earlier
chapters). The build adds titles, objectives, and the labs' run times and autograded tasks
(labs.json of ``python -m tools.labs``; missing only if the toc has no lab pages).
"""

import json
from pathlib import Path

import yaml
from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

from tools import bookmeta
from tools.sphinx_ext.mlpbook import LAB_TIMES, bullets, doc_xref, item, objectives_list, objectives_of


def read_plan(text: str, srcdir: Path, labs: dict | None = None) -> list[dict]:
    """The checked weeks: chapters exist, needs come earlier, every lab of ``labs`` after its chapter."""
    weeks = (yaml.safe_load(text) or {}).get("weeks") or []
    read, planned = set(), set()
    for n, week in enumerate(weeks, start=1):   # n: the week's number
        for doc in week.get("chapters") or []:
            if not (Path(srcdir) / f"{doc}.md").exists():
                raise ValueError(f"week {n}: there is no chapter {doc}")
        for doc in week.get("needs") or []:
            if doc not in read:
                raise ValueError(f"week {n}: prerequisite {doc} is not a chapter of an earlier week")
        read.update(week.get("chapters") or [])
        for stem in (week.get("labs") or []) if labs is not None else []:
            if stem not in labs:
                raise ValueError(f"week {n}: lab {stem} is not in labs.json")
            if labs[stem]["chapter"] not in read:
                raise ValueError(f"week {n}: lab {stem} comes before its chapter {labs[stem]['chapter']}")
            planned.add(stem)
    if set(labs or ()) - planned:
        raise ValueError(f"labs in no week: {', '.join(sorted(set(labs) - planned))}")
    return weeks


def plural(count, word: str) -> str:
    return f"{count:g} {word}" + ("" if count == 1 else "s")


class CourseMap(SphinxDirective):
    has_content = True

    def link(self, doc: str) -> nodes.Node:   # a page this build leaves out (BOOK_TOC): its name
        return doc_xref(self.env, doc) if doc in self.env.found_docs else nodes.literal(doc, doc)

    def lab_item(self, stem: str, labs: dict | None) -> nodes.list_item:
        if labs is None:
            return item(nodes.Text(f"Lab: {stem}"))
        lab, doc = labs[stem], f"book/labs/{stem}"
        seconds, points = lab["seconds"], sum(t["points"] for t in lab["tasks"])
        tasks = [item(nodes.Text(f"{t['name']} ({plural(t['points'], 'point')}): "
                                 + (", ".join(t["checks"]) or "no named check"))) for t in lab["tasks"]]
        return item(self.link(doc) if doc in self.env.found_docs else nodes.Text(lab["title"]),
                    nodes.Text(f": the reference solution runs in {seconds:.{1 if seconds < 10 else 0}f} s; "
                               f"the autograder grades {plural(len(tasks), 'task')}, "
                               f"{plural(points, 'point')}:"), sub=bullets(tasks))

    def run(self):
        labs_path = Path(self.config.mlpbook_labs_json)
        if labs_path.exists():   # (a missing dependency would re-read the page at every build)
            self.env.note_dependency(str(labs_path))
        labs = json.loads(labs_path.read_text(encoding="utf-8"))["labs"] if labs_path.exists() else None
        try:
            if labs is None and any(d.startswith("book/labs/") for d in self.env.found_docs):
                raise ValueError(f"{labs_path} is missing, but the toc has lab pages: the labs tool "
                                 "writes it when it builds the labs (their run times and autograded tasks)")
            weeks = read_plan("\n".join(self.content), Path(self.env.srcdir), labs)
        except ValueError as err:
            raise ExtensionError(f"{self.env.docname}: course map: {err}") from None
        out = [] if labs is not None else [nodes.note("", nodes.paragraph(
            "", "The labs' run times and what their autograder covers are measured when the "
            "labs are built; this build has none yet."))]
        for number, week in enumerate(weeks, start=1):
            title, chapters = f"Week {number}: {week['title']}", []
            for doc in week.get("chapters") or []:
                source = Path(self.env.srcdir) / f"{doc}.md"
                self.env.note_dependency(str(source))   # its objectives
                chapters.append(item(self.link(doc), sub=objectives_list(objectives_of(source))))
            needs = [n for doc in week.get("needs") or [] for n in (nodes.Text(", "), self.link(doc))][1:]
            needs = needs or [nodes.Text("nothing earlier")]
            rows = [item(nodes.strong("Read", "Read"), sub=bullets(chapters)),
                    item(nodes.strong("Builds on", "Builds on"), nodes.Text(" "), *needs)]
            if week.get("labs"):
                labs_done = bullets(self.lab_item(s, labs) for s in week["labs"])
                rows.append(item(nodes.strong("Labs", "Labs"), sub=labs_done))
            out += [nodes.rubric("", title, classes=["course-map-week"]), bullets(rows)]
        return out


def setup(app):
    app.add_config_value("mlpbook_labs_json", str(LAB_TIMES), "env")
    app.add_directive("course-map", CourseMap)
    return {"version": bookmeta.version(), "parallel_read_safe": True, "parallel_write_safe": True}
