"""Facts about the book that several tools need, each read from its single source:
repository URL, branch, Colab URL (``_config.yml``), version (``mlp_from_scratch/_version.py``,
read as text), citation metadata (``CITATION.cff``), the toc (``_toc.yml``)."""

from __future__ import annotations

import re
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
    """``https://github.com/ORG/REPO`` without a trailing slash or ``.git``."""
    url = config()["repository"]["url"].rstrip("/")
    return url[:-4] if url.endswith(".git") else url


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
    text = VERSION_FILE.read_text(encoding="utf-8")
    m = re.search(r'^__version__\s*=\s*["\']([^"\']+)["\']', text, re.M)
    if not m:
        raise ValueError(f"no __version__ = '...' line in {VERSION_FILE}")
    return m.group(1)


def release_tag() -> str:
    return f"v{version()}"


def pip_requirement() -> str:
    """The PEP 508 requirement the Colab install cell uses: this release's tag on GitHub."""
    return f"{DIST_NAME}[{INSTALL_EXTRA}] @ git+{repo_url()}@{release_tag()}"


def colab_link(repo_path: str) -> str:
    """The link the site's Colab button gives for a file of the repository."""
    org, name = repo_org_name()
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
    from sphinx_external_toc.parsing import parse_toc_yaml

    docs = [PurePosixPath(doc) for doc in parse_toc_yaml(toc_path).keys()]
    return [str(d.with_suffix("") if d.suffix in (".md", ".ipynb") else d) for d in docs]


def repo_relative(path: Path) -> PurePosixPath:
    """``path`` relative to the repository; a file elsewhere (tests) counts as in book/."""
    path = Path(path).resolve()
    try:
        return PurePosixPath(path.relative_to(ROOT).as_posix())
    except ValueError:
        return PurePosixPath("book") / path.name


def front_matter(text: str) -> dict:
    """The YAML front matter of a page (``{}`` when there is none)."""
    if not text.startswith("---\n"):
        return {}
    end = text.find("\n---", 3)
    data = yaml.safe_load(text[4:end]) if end > 0 else None
    return data if isinstance(data, dict) else {}


def is_notebook_md(path: Path) -> bool:
    """A MyST Markdown *notebook* (jupytext header with a kernelspec): an executable chapter."""
    return "kernelspec" in front_matter(path.read_text(encoding="utf-8"))


def chapter_sources() -> list[Path]:
    """The executable chapters: every MyST notebook under book/ (templates excluded)."""
    return sorted(p for p in BOOK_DIR.rglob("*.md")
                  if not p.name.startswith("_") and "_build" not in p.parts and is_notebook_md(p))


def notebook_for(md: Path) -> Path:
    return md.with_suffix(".ipynb")
