"""The ``{course-map}`` directive (book/course-map.md): a term's plan, in YAML, per week:
``title``, ``chapters`` read, ``labs`` done (stems of book/labs/), ``needs`` (earlier
chapters). The build adds titles, objectives, and the labs' run times and autograded tasks
(labs.json of ``python -m tools.labs``; missing only if the toc has no lab pages).
"""

import json
from pathlib import Path

import yaml
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

from tools import bookmeta
from tools.sphinx_ext.mlpbook import LAB_TIMES, objectives_of


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
    """The plan as MyST Markdown, parsed like the page: links, objectives' math and code."""

    has_content = True

    def link(self, doc: str) -> str:   # a page this build leaves out (BOOK_TOC): its name
        return f"{{doc}}`/{doc}`" if doc in self.env.found_docs else f"`{doc}`"

    def lab_lines(self, stem: str, labs: dict | None) -> list[str]:
        if labs is None:
            return [f"  - Lab: {stem}"]
        lab, doc = labs[stem], f"book/labs/{stem}"
        name = self.link(doc) if doc in self.env.found_docs else lab["title"]
        seconds, points = lab["seconds"], sum(t["points"] for t in lab["tasks"])
        head = (f"  - {name}: the reference solution runs in {seconds:.{1 if seconds < 10 else 0}f} s; the "
                f"autograder grades {plural(len(lab['tasks']), 'task')}, {plural(points, 'point')}:")
        return [head] + [f"    - {t['name']} ({plural(t['points'], 'point')}): "
                         + (", ".join(t["checks"]) or "no named check") for t in lab["tasks"]]

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
        md = [] if labs is not None else [
            "```{note}", "The labs' run times and what their autograder covers are measured when the labs "
            "are built; this build has none yet.", "```"]
        for number, week in enumerate(weeks, start=1):
            md += ["", f"```{{rubric}} Week {number}: {week['title']}", ":class: course-map-week", "```"]
            md.append("- **Read**")
            for doc in week.get("chapters") or []:
                source = Path(self.env.srcdir) / f"{doc}.md"
                self.env.note_dependency(str(source))   # its objectives
                md += [f"  - {self.link(doc)}"] + [f"    - {o}" for o in objectives_of(source)]
            needs = ", ".join(map(self.link, week.get("needs") or [])) or "nothing earlier"
            md.append(f"- **Builds on** {needs}")
            md += ["- **Labs**"] * bool(week.get("labs")) + [
                line for stem in week.get("labs") or [] for line in self.lab_lines(stem, labs)]
        return self.parse_text_to_nodes("\n".join(md))


def setup(app):
    app.add_config_value("mlpbook_labs_json", str(LAB_TIMES), "env")
    app.add_directive("course-map", CourseMap)
    return {"version": bookmeta.version(), "parallel_read_safe": True, "parallel_write_safe": True}
