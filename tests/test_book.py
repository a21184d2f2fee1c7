"""Tests of the book machine: no build needed, a few seconds in all.

- the Colab notebooks are in sync with their chapters, have no outputs, and their
  first code cell installs this release, only inside Colab;
- one version string: package, CITATION.cff, notebooks' pin (and the site, through
  tools/check_site.py); one repository URL: _config.yml;
- CITATION.cff is valid CFF 1.2.0; the licences exist;
- no result-like number is typed into the prose (tools/prose_numbers.py);
- the notebook converter turns MyST-only markup into plain Markdown;
- the build configuration keeps its promises (execution forced, errors fatal, ...).

The book build itself, the browser test and the fresh-runtime test are separate
commands (see CONTRIBUTING.md).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")
jupytext = pytest.importorskip("jupytext")
nbformat = pytest.importorskip("nbformat")

from tools import bookmeta, make_notebooks, prose_numbers  # noqa: E402

ROOT = bookmeta.ROOT

CHAPTERS = bookmeta.chapter_sources()
PAGES = prose_numbers.pages()


def rel(path: Path) -> str:
    return bookmeta.repo_relative(path).as_posix()


def first_code_cell(nb):
    return next(c for c in nb.cells if c.cell_type == "code")


# --------------------------------------------------------------------------- Colab notebooks
@pytest.mark.parametrize("md", CHAPTERS, ids=rel)
def test_notebook_in_sync_with_chapter(md):
    """The committed .ipynb is exactly what tools/make_notebooks.py generates from the .md."""
    ipynb = bookmeta.notebook_for(md)
    assert ipynb.exists(), f"{rel(ipynb)} is missing: run `python -m tools.make_notebooks` and commit it"
    expected = make_notebooks.render(md)
    assert ipynb.read_text(encoding="utf-8") == expected, (
        f"{rel(ipynb)} is stale: run `python -m tools.make_notebooks` (never edit the .ipynb)")


@pytest.mark.parametrize("md", CHAPTERS, ids=rel)
def test_notebook_has_no_outputs_and_installs_release_in_colab_only(md):
    ipynb = bookmeta.notebook_for(md)
    if not ipynb.exists():
        pytest.skip("no notebook (test_notebook_in_sync_with_chapter fails)")
    nb = nbformat.read(ipynb, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{rel(ipynb)} has outputs"
    source = first_code_cell(nb).source
    assert 'if "google.colab" in sys.modules:' in source
    pins = re.findall(r'%pip install [^\n]*"([^"]+)"', source)
    assert pins == [bookmeta.pip_requirement()], pins
    # the pin is this release's tag, and the tag is the package's version
    import mlp_from_scratch

    assert pins[0].endswith(f"@v{mlp_from_scratch.__version__}")
    assert pins[0].startswith(f"{bookmeta.DIST_NAME}[")
    assert f"git+{bookmeta.repo_url()}@" in pins[0]


def test_every_executable_toc_chapter_has_a_notebook():
    toc = bookmeta.toc_files()
    for doc in toc:
        md = ROOT / f"{doc}.md"
        assert md.exists() or (ROOT / f"{doc}.ipynb").exists(), f"_toc.yml lists {doc}, which does not exist"
        if md.exists() and bookmeta.is_notebook_md(md):
            assert (ROOT / f"{doc}.ipynb").exists(), f"{doc}.md is executable but {doc}.ipynb is missing"


def test_toc_files_are_docnames_in_book_order(tmp_path):
    toc = tmp_path / "toc.yml"
    toc.write_text("format: jb-book\nroot: book/preface\nparts:\n  - caption: P\n    chapters:\n"
                   "      - file: book/notation.md\n      - file: book/digits\n        sections:\n"
                   "          - file: book/x.ipynb\n")
    assert bookmeta.toc_files(toc) == ["book/preface", "book/notation", "book/digits", "book/x"]


def test_notebooks_are_not_sphinx_sources():
    """The .ipynb twins must not be built (Sphinx would find two sources per page)."""
    from sphinx.util.matching import Matcher
    config = bookmeta.config()
    excluded = Matcher(config["exclude_patterns"])
    for md in bookmeta.chapter_sources():
        assert excluded(bookmeta.notebook_for(md).relative_to(ROOT).as_posix()), f"{rel(md)}'s .ipynb is not excluded"
    assert not excluded("book/labs/forward-pass.ipynb")   # the labs' pages are their notebooks (tools/labs.py)
    assert config.get("only_build_toc_files") is True


def test_no_orphan_notebooks():
    for ipynb in bookmeta.BOOK_DIR.rglob("*.ipynb"):
        if "_build" in ipynb.parts or ".ipynb_checkpoints" in ipynb.parts:
            continue
        if ipynb.parent == bookmeta.BOOK_DIR / "labs":   # generated from labs/*.md: tests/test_labs.py
            continue
        md = ipynb.with_suffix(".md")
        assert md.exists() and bookmeta.is_notebook_md(md), f"{rel(ipynb)} has no chapter {rel(md)}"


# --------------------------------------------------------------------------- one version, one URL
def test_one_version_everywhere():
    import mlp_from_scratch

    version = mlp_from_scratch.__version__
    assert bookmeta.version() == version
    cff = bookmeta.citation()
    assert str(cff["version"]) == version
    assert str(cff["preferred-citation"]["version"]) == version
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^dynamic\s*=\s*\[[^\]]*"version"', pyproject, re.M)
    assert 'attr = "mlp_from_scratch._version.__version__"' in pyproject


def test_version_is_not_typed_into_the_book():
    """The site gets the version from the package (tools/sphinx_ext/mlpbook.py)."""
    version = bookmeta.version()
    for path in [bookmeta.CONFIG, bookmeta.TOC, *PAGES]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(rf"(?<![\d.]){re.escape(version)}(?![\d.])", text), (
            f"{rel(path)} types the version {version}: use {{{{ version }}}} instead")


def test_repository_url_has_one_source():
    """The URL is written in _config.yml; files that cannot read it must agree with it."""
    url = bookmeta.repo_url()
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url), url
    cff = bookmeta.citation()
    assert cff["repository-code"] == url and cff["url"] == url
    assert cff["preferred-citation"]["url"] == url
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for found in re.findall(r'"(https://github\.com/[^"]+)"', pyproject):
        assert found.rstrip("/") == url
    # everything else reads it: no other tracked text file may spell it out
    allowed = {"_config.yml", "CITATION.cff", "pyproject.toml", "README.md"}
    if not (ROOT / ".git").exists() or not shutil.which("git"):
        pytest.skip("not a git checkout")
    files = subprocess.run(["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True).stdout.split()
    needle = url.split("://", 1)[1]
    offenders = []
    for name in files:
        path = ROOT / name
        if name in allowed or path.suffix == ".ipynb" or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if needle in text:
            offenders.append(name)
    assert not offenders, f"these files spell out the repository URL; read it from _config.yml: {offenders}"


# --------------------------------------------------------------------------- citation, licences
def test_citation_cff_is_valid_cff_1_2():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "tools" / "cff-schema-1.2.0.json").read_text(encoding="utf-8"))
    cff = bookmeta.citation()
    assert cff["cff-version"] == "1.2.0"

    def jsonable(obj):  # YAML dates -> strings, as in the CFF schema
        if isinstance(obj, dict):
            return {k: jsonable(v) for k, v in obj.items()}
        if isinstance(obj, list):
            return [jsonable(v) for v in obj]
        if isinstance(obj, (datetime.date, datetime.datetime)):
            return obj.isoformat()
        return obj

    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(jsonable(cff)), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    for key in ("title", "authors", "version", "date-released", "license", "repository-code",
                "preferred-citation", "message"):
        assert key in cff, key
    assert set(cff["license"]) == {"CC-BY-4.0", "MIT"}


def test_licences():
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    content = (ROOT / "LICENSE-CONTENT").read_text(encoding="utf-8")
    assert "Creative Commons Attribution 4.0 International" in content
    assert "Section 1" in content and "Section 8" in content  # the full legal code
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'license-files\s*=\s*\[\s*"LICENSE"\s*,\s*"LICENSE-CONTENT"\s*\]', pyproject)


def test_bibtex_from_citation_cff():
    pytest.importorskip("sphinx")
    from tools.sphinx_ext import mlpbook

    bib = mlpbook.bibtex_entry()
    assert bib.startswith("@book{") and f"Version {bookmeta.version()}" in bib
    assert bookmeta.repo_url() in bib
    pybtex = pytest.importorskip("pybtex.database")
    entry = next(iter(pybtex.parse_string(bib, "bibtex").entries.values()))
    assert entry.fields["title"].strip("{}") == bookmeta.citation()["title"]


# --------------------------------------------------------------------------- numbers in prose
@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_no_result_numbers_typed_into_prose(page):
    found = prose_numbers.typed_numbers(page)
    assert not found, "\n".join(
        f"{rel(page)}:{f.line}: {f.token!r} in: {f.context}" for f in found
    ) + "\nglue these numbers, or allow a fixed fact with `% allow-numbers: N  # reason`"


def test_no_number_words():
    """No number word states a measured ratio or count ("twenty times", "twice as fast",
    "a little under $710$"): such numbers are glued, or allowed as facts on their page."""
    found = [f"{rel(page)}:{f.line}: {f.token!r}" for page in PAGES
             for f in prose_numbers.typed_numbers(page, {"number-word"})]
    assert not found, "\n".join(found)


def typed(tmp_path, text, kinds=prose_numbers.ENFORCED):
    page = tmp_path / "page.md"
    page.write_text(textwrap.dedent(text), encoding="utf-8")
    return sorted(f.token for f in prose_numbers.typed_numbers(page, kinds))


def test_prose_number_checker_catches_and_allows(tmp_path):
    found = typed(tmp_path, """\
        # T
        % allow-numbers: 0.07  # the homework's learning rate
        Accuracy reached 97.3 % after 1,200 steps in 2016; loss 0.41 and 1e-3.
        Glued {glue:text}`acc:.1%`, code `x = 0.5`, math $\\eta = 0.1$, §6.5, 8×8 and 10 classes, rate 0.07.

        $$ a \\approx 0.9731 $$

        ```{code-cell} ipython3
        lr = 0.25
        ```

        ````{exercise} Title
        :label: ex-t

        Inside a directive: 12.5 %.
        ````

        Between two directives: 0.33.

        ```{note}
        After a bare closing fence: 4,321.
        ```
        """)
    assert found == sorted(["97.3 %", "1,200", "0.41", "1e-3", "0.9731", "12.5 %", "0.33", "4,321"])


def test_prose_number_checker_reads_solutions_lists_and_math(tmp_path):
    """Solutions (both fence kinds and the gated form), a colon fence inside a list, a
    role inside math, and a lone fence: the cases a regex scanner got wrong."""
    found = typed(tmp_path, """\
        ````{solution} ex-a
        :class: dropdown

        The accuracy is 0.93 after 1,234 steps.
        ````

        :::{solution} ex-a
        :class: dropdown
        Colon solution 0.77.
        :::

        ```{solution-start} ex-b
        ```
        Gated solution 0.21.
        ```{solution-end}
        ```

        - item one
          :::{note}
          In a list 0.55 here.
          :::
        - item two 0.66

        Math role {math}`a = 0.1234` and $x = {\\rm 0.5}$ then 0.44 and `0.88` in code.

        ```
        a lone fence: 0.11 is code
        ```

        After it 0.22, then a fence never closed:

        ```
        0.99 is code to the end of the page
        """)
    assert found == sorted(["0.93", "1,234", "0.77", "0.21", "0.55", "0.66", "0.1234", "0.44", "0.22"])


def test_number_words_are_found(tmp_path):
    found = typed(tmp_path, """\
        It is twenty times faster and twice as accurate, a tenfold gain, 5 times in all,
        a little under $710$, roughly 40 epochs, about five percent.
        Three times a day, five-fold cross-validation, forty-eight of them: not results.
        % allow-numbers: nearly  # a fixed fact
        nearly six million
        """, {"number-word"})
    assert found == sorted(["twenty times", "twice as accurate", "tenfold", "5 times", "a little under 710",
                            "roughly 40", "about five", "five percent"])


def test_prose_number_checker_reads_captions_and_alt_text(tmp_path):
    """The options a reader sees: a code cell's ``mystnb`` caption and alt text, a
    figure's ``:alt:`` and its caption; not the code, nor the other options."""
    text = """\
        ```{code-cell} ipython3
        ---
        mystnb:
          figure:
            caption: Accuracy 0.93 after {glue:text}`epochs` epochs, $\\eta = 0.5$, rising twenty times.
            name: fig-a-0.75
          image:
            alt: A chart spanning about forty orders of magnitude.
            width: 80.5%
        tags: [hide-input]
        ---
        lr = 0.25
        ```

        ```{code-cell} ipython3
        ---
        mystnb:
          figure:
            caption: Two panels of three curves each, over ten classes; {glue:text}`share:.1%` of them rise.
          image:
            alt: "{glue:text}`page_alt`"
        ---
        x = 1.5
        ```

        ```{figure} _static/x.png
        :alt: The loss falls to 0.41, by eight orders of magnitude.
        :width: 60.5%
        :name: fig-b

        The caption says 97 % and fifteen.
        ```
        """
    assert typed(tmp_path, text, {"number"}) == sorted(["0.93", "0.41", "97 %"])
    assert typed(tmp_path, text, {"number-word"}) == sorted(
        ["twenty times", "twenty", "about forty", "forty", "forty orders of magnitude",
         "eight orders of magnitude", "fifteen"])
    page = tmp_path / "page.md"
    lines = {f.token: f.line for f in prose_numbers.typed_numbers(page)}
    assert lines["0.93"] == 5 and lines["about forty"] == 8 and lines["0.41"] == 27 and lines["97 %"] == 31


def test_number_words_in_summary_lists_captions_and_alt_text(tmp_path):
    """In the places that state results in brief, number words above ten, fractions of
    something and "halves" are results; the same words in ordinary prose, and the small
    counts of ordinary prose anywhere, are not."""
    found = typed(tmp_path, """\
        # Page

        Ordinary prose: fifteen runs, half of the weights, nine in ten images, it halves.

        - a list outside a summary: fifteen runs, two thirds of them.

        ## Summary

        Two penalties, three runs and ten classes; a paragraph with fifteen is not a list.

        - L1 zeroes two thirds of the weights, and nine in ten images are right.
        - The gradient falls by fifteen orders; L2 halves the error over twelve epochs.
        - Two penalties, three runs, ten classes, one hidden layer, seeds one to five.

        ### Details inside the summary

        - still the summary: a hundred steps.

        ## Exercises

        - fifteen again, after the summary: ordinary.

        :::{figure} x.png
        :alt: Two panels, three curves.
        Twelve curves; the outputs show one half.
        :::
        """, {"number-word"})
    assert found == sorted(["two thirds of", "nine in ten", "fifteen", "fifteen orders", "halves", "twelve",
                            "hundred", "Twelve"])   # "fifteen orders": everywhere; "fifteen": a summary list


def test_number_word_rules_pass_ordinary_prose(tmp_path):
    prose = """\
        Two panels, three curves, ten classes, one hidden layer of sixty-four units (no: 64),
        a half-open interval, the first half, once or twice, one order of the terms, in the order of
        the layers, the twentieth century, agreement within an order of magnitude.
        """
    assert typed(tmp_path, prose, {"number-word"}) == []
    assert typed(tmp_path, "It is three orders of magnitude faster, over 2 decades.", {"number-word"}) == [
        "2 decades", "three orders of magnitude"]


# --------------------------------------------------------------------------- converter
def chapter_md(tmp_path, body: str) -> Path:
    """A chapter notebook ``chapter.md`` in ``tmp_path``: the jupytext header, then ``body``."""
    md = tmp_path / "chapter.md"
    md.write_text(textwrap.dedent("""\
        ---
        jupytext:
          text_representation: {extension: .md, format_name: myst}
        kernelspec: {display_name: Python 3, language: python, name: python3}
        ---
        """) + textwrap.dedent(body), encoding="utf-8")
    return md


@pytest.mark.parametrize("committed, built, ok", [
    ("84.5%", "84.6%", True), ("84.5%", "84.7%", False), ("1,234", "1,235", True),
    ("1.2e-05", "1.3e-05", True), ("1.2e-05", "1.4e-05", False), ("99", "100", True),
    ("0.060", "0.062", False), ("rises", "rises", True), ("rises", "falls", False)])
def test_values_are_close_within_one_unit_of_the_last_digit_shown(committed, built, ok):
    assert make_notebooks.close(committed, built) is ok


def test_colab_prose_shows_the_build_values_and_the_check_allows_only_noise(tmp_path, monkeypatch):
    md = chapter_md(tmp_path, """\
        # Title

        ```{code-cell} ipython3
        1
        ```

        Accuracy {glue:text}`acc:.1%` after {glue:text}`fit_seconds:.0f` seconds.
        """)
    build = {"acc": {"text/plain": "0.8452"}, "fit_seconds": {"text/plain": "12.3"}}
    monkeypatch.setattr(make_notebooks, "built_values", lambda md, cache=None: build)
    assert make_notebooks.main([str(md), "--values-from", str(tmp_path)]) == 0
    nb = nbformat.read(bookmeta.notebook_for(md), as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "Accuracy 84.5% after 12 seconds." in text and "book's build" in text
    assert nb.metadata["mlp_from_scratch"]["glued"] == build
    assert make_notebooks.main([str(md), "--check"]) == 0          # structure from the metadata
    assert make_notebooks.stale_values(md, tmp_path) == []
    build = {"acc": {"text/plain": "0.8461"}, "fit_seconds": {"text/plain": "30.0"}}  # noise, a timing
    assert make_notebooks.stale_values(md, tmp_path) == []
    build = {"acc": {"text/plain": "0.8490"}, "fit_seconds": {"text/plain": "12.3"}}
    [problem] = make_notebooks.stale_values(md, tmp_path)
    assert "acc shows '84.5%', the build '84.9%'" in problem


def convert_text(tmp_path, body: str):
    nb = make_notebooks.convert(chapter_md(tmp_path, body))
    return nb, "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_converter_turns_myst_into_plain_markdown(tmp_path):
    nb, text = convert_text(tmp_path, """\
        (sec-x)=
        # Title

        % a comment
        The loss {eq}`eq-loss` and {eq}`eq-other` follow {cite:p}`bishop2006,goodfellow2016`
        and {cite:t}`nielsen2015`. Accuracy {glue:text}`acc:.1%`; see {numref}`fig-a` and {ref}`sec-x`.

        $$
        J = \\frac{1}{N} \\sum_n \\ell_n
        $$ (eq-loss)

        $$ a = b $$ (eq-other)

        ```{code-cell} ipython3
        ---
        mystnb:
          figure: {caption: A caption., name: fig-a}
          image: {alt: An alt text.}
        ---
        x = 1
        ```

        ```{note}
        A *note*.
        ```

        ````{exercise} Title of it
        :label: ex-a

        Do $x^2$.
        ````

        ````{solution} ex-a
        :class: dropdown

        Done, see [the preface](preface.md) and ![img](_static/logo.svg).
        ````
        """)
    assert "\\tag{1}" in text and "\\tag{2}" in text
    assert "The loss (1) and (2) follow (Bishop, 2006; Goodfellow et al., 2016)" in text
    assert "Nielsen (2015)" in text and "Accuracy `acc`" in text
    assert "the figure below" in text and "“Title”" in text
    assert "> **Note**" in text and "> **Exercise: Title of it**" in text and "Do $x^2$." in text
    assert "<details>" in text and "<summary>Solution</summary>" in text
    assert bookmeta.blob_url("book/preface.md") in text
    assert bookmeta.raw_url("book/_static/logo.svg") in text
    for leftover in ("{eq}", "{cite", "{glue", "(eq-loss)", "(sec-x)=", "% a comment", "```{"):
        assert leftover not in text
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata["tags"] == [make_notebooks.INSTALL_TAG]
    assert code[1].source == "x = 1" and "mystnb" not in code[1].metadata


def test_converter_links_to_other_chapters_from_any_path(tmp_path):
    """A link relative to the chapter and one from the repository root (what ``{ref}`` to
    another chapter's section writes) both reach the chapter's Colab notebook."""
    conv = make_notebooks.Converter(ROOT / "book" / "experiments" / "x.md", nbformat.v4.new_notebook(), {})
    colab = bookmeta.colab_link("book/derivations/regularization.ipynb")
    assert conv.doc_link("../derivations/regularization.md") == colab
    assert conv.doc_link("/book/derivations/regularization") == colab
    assert conv.repo_path("../_static/a.png") == "book/_static/a.png"


def test_converter_rejects_unknown_markup(tmp_path):
    with pytest.raises(make_notebooks.ConversionError, match="role"):
        convert_text(tmp_path, "Some {unknownrole}`x`.\n\n```{code-cell} ipython3\n1\n```\n")
    with pytest.raises(make_notebooks.ConversionError, match="directive"):
        convert_text(tmp_path, "```{list-table}\n* - a\n```\n\n```{code-cell} ipython3\n1\n```\n")
    with pytest.raises(make_notebooks.ConversionError, match="alt"):
        convert_text(tmp_path, "```{figure} a.png\nCaption\n```\n\n```{code-cell} ipython3\n1\n```\n")
    with pytest.raises(make_notebooks.ConversionError, match="references.bib"):
        convert_text(tmp_path, "See {cite:p}`nosuchkey2099`.\n\n```{code-cell} ipython3\n1\n```\n")
    with pytest.raises(make_notebooks.ConversionError, match="colon_fence"):
        convert_text(tmp_path, ":::\nplain\n:::\n\n```{code-cell} ipython3\n1\n```\n")
    with pytest.raises(make_notebooks.ConversionError, match="substitution"):
        convert_text(tmp_path, "Version {{ version }}.\n\n```{code-cell} ipython3\n1\n```\n")


def test_template_converts_cleanly():
    template = ROOT / "book" / "_template.md"
    assert template.exists()
    nb = make_notebooks.convert(template)
    assert first_code_cell(nb).metadata["tags"] == [make_notebooks.INSTALL_TAG]


# --------------------------------------------------------------------------- config promises
def test_build_config_promises():
    config = bookmeta.config()
    execute = config["execute"]
    assert execute["execute_notebooks"] == "force"
    assert execute["allow_errors"] is False and execute["raise_on_error"] is True
    assert execute["timeout"] >= 600
    assert config["repository"]["branch"] == "main"
    assert config["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    sphinx = config["sphinx"]["config"]
    assert not sphinx["mathjax_path"].startswith(("http:", "https:", "//")), "MathJax must be local"
    assert "sphinx_exercise" in config["sphinx"]["extra_extensions"]
    assert config["bibtex_bibfiles"] == ["references.bib"]


def test_requirements_pin_the_build():
    lines = [ln.split("#")[0].strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()]
    pins = [ln for ln in lines if ln]
    assert "jupyter-book==1.0.4.post1" in pins
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+\-]+", p) for p in pins), pins
    assert not any(p.lower().startswith("torch==") for p in pins)


def test_package_json_pins_mathjax_and_axe():
    pkg = json.loads((ROOT / "package.json").read_text())
    deps = pkg["devDependencies"]
    assert deps["mathjax"].startswith("3.") and re.fullmatch(r"[\d.]+", deps["mathjax"])
    assert re.fullmatch(r"[\d.]+", deps["axe-core"])


def test_citation_keys_exist():
    keys = set(make_notebooks.bib_entries())
    missing = []
    for page in PAGES:
        for role, content in re.findall(r"\{(cite(?::\w+)?)\}`([^`]+)`", page.read_text(encoding="utf-8")):
            missing += [f"{rel(page)}: {k.strip()}" for k in content.split(",") if k.strip().lower() not in keys]
    assert not missing, f"citation keys missing from references.bib: {missing}"


def test_notation_names_exist_in_the_package():
    from mlp_from_scratch import MLP

    text = (ROOT / "book" / "notation.md").read_text(encoding="utf-8")
    for attr in set(re.findall(r"`net\.(\w+)", text)):
        assert hasattr(MLP, attr) or attr in ("weights", "biases", "layer_sizes"), attr
    for attr in set(re.findall(r"`MLP\.(\w+)`", text)):
        assert hasattr(MLP, attr), attr
    net = MLP([3, 2], seed=0)
    assert net.weights[0].shape == (3, 2) and net.biases[0].shape == (2,)


# --------------------------------------------------------------------------- display helpers
def test_show_source_is_the_installed_code():
    pytest.importorskip("IPython")
    from mlp_from_scratch import MLP
    from mlp_from_scratch.book.display import show_source

    code = show_source(MLP.predict)
    assert code.data.startswith("def predict(self, X):")
    assert "np.argmax" in code.data


def test_glue_returns_python_numbers_and_prints_without_myst_nb(capsys, monkeypatch):
    import numpy as np

    from mlp_from_scratch.book import display

    monkeypatch.setitem(sys.modules, "myst_nb", None)  # as in Colab: no myst-nb
    value = display.glue("test_accuracy", np.float64(0.5))
    assert value == 0.5 and type(value) is float
    assert capsys.readouterr().out.strip() == "test_accuracy = 0.5"
    assert type(display.plain(np.int64(3))) is int
    assert display.plain(np.array(2.5)) == 2.5


def test_results_round_trip_numpy_values_as_plain_python(tmp_path):
    import numpy as np

    from mlp_from_scratch.book.results import load_results, save_results

    saved = {"acc": np.float32(0.5), "n": np.int64(7), "curve": np.arange(3.0), 2: (np.bool_(True), "x")}
    save_results("probe", saved, tmp_path)
    assert load_results("probe", tmp_path) == {"acc": 0.5, "n": 7, "curve": [0.0, 1.0, 2.0], "2": [True, "x"]}


# --------------------------------------------------------------------------- site HTML fixes
def test_page_context_fixes_accessibility_of_theme_html():
    """tools/sphinx_ext/mlpbook.py: the hidden-cell toggle is named by its visible text
    (axe label-content-name-mismatch); bibliography entries are list items."""
    pytest.importorskip("sphinx")
    from tools.sphinx_ext import mlpbook

    body = ('<details class="admonition hide above-input">\n<summary aria-label="Toggle hidden content">\n'
            '<p class="collapsed admonition-title">Show code cell source</p>\n'
            '<p class="expanded admonition-title">Hide code cell source</p>\n</summary>\n</details>\n'
            '<div role="list"><div role="doc-biblioentry">B</div></div>')
    context = {"body": body, "script_files": []}
    mlpbook.on_html_page_context(None, "p", "page.html", context, None)
    assert "aria-label" not in context["body"] and "<summary>\n<p" in context["body"]
    assert 'role="listitem"' in context["body"] and "doc-biblioentry" not in context["body"]
    # the pattern is what myst-nb writes
    myst_nb = pytest.importorskip("myst_nb.sphinx_")
    import inspect

    assert mlpbook.HIDDEN_CELL_SUMMARY.search(inspect.getsource(myst_nb.visit_HideCellInput).replace("\\n", ""))


def test_site_assets_are_configured_and_exist():
    """custom.css and mlpbook.js (tab stops in opened hidden cells) reach every page."""
    sphinx = bookmeta.config()["sphinx"]["config"]
    static = [ROOT / d for d in sphinx["html_static_path"]]
    for key, name in (("html_css_files", "custom.css"), ("html_js_files", "mlpbook.js")):
        assert name in sphinx[key], key
        assert any((d / name).is_file() for d in static), name


def test_alt_text_glue_roles_are_replaced_by_the_glued_values(tmp_path):
    """tools/sphinx_ext/mlpbook.py: ``{glue:text}`name[:fmt]``` in an image's alt text
    becomes the value myst-nb stored for the page; an unknown name fails the build."""
    from types import SimpleNamespace

    from docutils import nodes
    from sphinx.errors import ExtensionError

    from tools.sphinx_ext import mlpbook

    (tmp_path / "part").mkdir()
    (tmp_path / "part" / "page.glue.json").write_text(json.dumps({
        "ratio": {"data": {"text/plain": "0.12345"}},
        "alt": {"data": {"text/plain": "'Two panels; 3 points.'"}}}))
    app = SimpleNamespace(env=SimpleNamespace(docname="part/page",
                                              mystnb_config=SimpleNamespace(output_folder=str(tmp_path))))
    doctree = nodes.document(None, None)
    whole, inline, plain = (nodes.image(alt="{glue:text}`alt`"), nodes.image(alt="ratio {glue:text}`ratio:.1%` here"),
                            nodes.image(alt="no role, 0.5"))
    doctree += [whole, inline, plain]
    mlpbook.glue_alt_text(app, doctree)
    assert whole["alt"] == "Two panels; 3 points."
    assert inline["alt"] == "ratio 12.3% here"
    assert plain["alt"] == "no role, 0.5"
    doctree += nodes.image(alt="{glue:text}`missing`")
    with pytest.raises(ExtensionError, match="missing"):
        mlpbook.glue_alt_text(app, doctree)
