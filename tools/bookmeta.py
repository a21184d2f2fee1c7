"""Facts about the book that several tools need, each from its single source (the version
from the file, not the import: the tools may run beside another checkout's package)."""

import re
import runpy
from functools import lru_cache
from pathlib import Path, PurePosixPath

import yaml

ROOT = Path(__file__).resolve().parent.parent
BOOK_DIR = ROOT / "book"
CONFIG = ROOT / "_config.yml"
TOC = ROOT / "_toc.yml"
VERSION_FILE = ROOT / "mlp_from_scratch" / "_version.py"
CITATION = ROOT / "CITATION.cff"
BIB = ROOT / "references.bib"
DIST_NAME = "mlp-from-scratch"      # the distribution name in pyproject.toml
INSTALL_EXTRA = "book"              # extra the Colab cell installs: scikit-learn, matplotlib, ...


@lru_cache(None)
def config() -> dict:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


def repo_url() -> str:
    return config()["repository"]["url"].rstrip("/").removesuffix(".git")


def repo_org_name() -> tuple[str, str]:
    m = re.fullmatch(r"https://github\.com/([^/]+)/([^/]+)", repo_url())
    if not m:
        raise ValueError(f"repository.url in _config.yml is not a GitHub URL: {repo_url()!r}")
    return m.group(1), m.group(2)


def branch() -> str:
    return config()["repository"].get("branch", "main")


def colab_url() -> str:
    return config()["launch_buttons"]["colab_url"].rstrip("/")


def version() -> str:
    return runpy.run_path(str(VERSION_FILE))["__version__"]


def release_tag() -> str:
    return f"v{version()}"


def pip_requirement() -> str:
    """The PEP 508 requirement the Colab install cell uses: this release's tag on GitHub."""
    return f"{DIST_NAME}[{INSTALL_EXTRA}] @ git+{repo_url()}@{release_tag()}"


def colab_link(repo_path: str) -> str:
    """The link the site's Colab button gives for a file of the repository."""
    org, name = repo_org_name()     # (a clear error for a repository not on GitHub)
    return f"{colab_url()}/github/{org}/{name}/blob/{branch()}/{repo_path}"


def blob_url(repo_path: str) -> str:
    return f"{repo_url()}/blob/{branch()}/{repo_path}"


def raw_url(repo_path: str) -> str:
    org, name = repo_org_name()
    return f"https://raw.githubusercontent.com/{org}/{name}/{branch()}/{repo_path}"


def citation() -> dict:
    return yaml.safe_load(CITATION.read_text(encoding="utf-8"))


def toc_files(toc_path: Path = TOC) -> list[str]:
    """The docnames of _toc.yml (or of another toc), root first, in book order."""
    from sphinx_external_toc.parsing import parse_toc_yaml   # (imported when needed: slow)
    return [doc.removesuffix(".md").removesuffix(".ipynb") for doc in parse_toc_yaml(toc_path)]


def repo_relative(path: Path) -> PurePosixPath:
    """``path`` relative to the repository; a file elsewhere (tests) counts as in book/."""
    path = Path(path).resolve()
    parts = path.relative_to(ROOT).parts if path.is_relative_to(ROOT) else ("book", path.name)
    return PurePosixPath(*parts)


def front_matter(text: str) -> dict:
    from myst_parser.config.main import read_topmatter
    return read_topmatter(text) or {}


def is_notebook_md(path: Path) -> bool:
    from myst_nb.core.read import is_myst_markdown_notebook
    return is_myst_markdown_notebook(path.read_text(encoding="utf-8"))


def chapter_sources() -> list[Path]:
    """The executable chapters: every MyST notebook under book/ (templates excluded)."""
    return sorted(p for p in BOOK_DIR.rglob("*.md")
                  if not p.name.startswith("_") and "_build" not in p.parts and is_notebook_md(p))


def notebook_for(md: Path) -> Path:
    return md.with_suffix(".ipynb")
