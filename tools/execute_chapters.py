"""Execute the book's chapters into the jupyter-cache that the build then reads.

    python -m tools.execute_chapters --cache-dir DIR              # every page of _toc.yml
    python -m tools.execute_chapters --cache-dir DIR --reuse      # keep DIR: run only misses
    python -m tools.execute_chapters --cache-dir DIR book/x.md    # chosen pages

``tools/build_book.sh`` runs this before ``jupyter-book build``, and the build runs in
myst-nb's ``cache`` mode on the same folder (``MLPBOOK_EXECUTION_CACHE``, read by
tools/sphinx_ext/mlpbook.py): every chapter is then a cache hit, and the build fails if
one would execute again.

The execution is jupyter-cache's own: each page joins the cache's project read by
myst-nb's reader plugin (``myst_nb_md``, the notebook the build reads from the page), and
jupyter-cache's executors run it in the page's folder with the cell timeout and error
setting of ``execute:`` in _config.yml, and store it with its ``execution_seconds``.
This module keeps only what those tools do not know about this book:

- **Threads.** The chapters multiply small matrices, where BLAS threads gain little and,
  beside other processes, cost a lot: every kernel and every worker process it starts
  gets one BLAS/OpenMP thread (``THREADS``, in the environment the kernels inherit), and
  the scheduler below counts one core per process.
- **Order by CPU demand.** A page whose front matter says ``book: {cpus: all}`` starts one
  worker process per core itself; such pages run alone, one after the other
  (``local-serial``). Then the other pages run one per core (``local-parallel``: a pool of
  one process per CPU), and last the pages that read what others saved (``RUNS_AFTER``).
  Within each phase the longest pages start first (``longest_first``), so that no long
  page runs alone at the end.
- **Timeouts that catch hangs only.** The cell timeout is far above every measured time
  (a slower machine takes longer, it does not fail); each page's time is printed beside
  the timeout, and goes to ``--times`` as JSON.

A failing page (a cell's exception, or a cell stuck past the timeout) makes the run exit
1 with the page's name and traceback, after the pages of its phase have finished.
Without ``--reuse`` the cache folder is emptied first, so every page runs at every build
(jupyter-cache hashes only the notebook's code, not the package it imports). The
project records are removed at the end: the build takes a record for a page it executed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
from pathlib import Path

from tools import bookmeta

ROOT = bookmeta.ROOT
# One thread per process: read by OpenBLAS, OpenMP and MKL when a kernel imports NumPy.
THREADS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# Pages that read what other pages save (mlp_from_scratch's results: _build/results/).
RUNS_AFTER = {"book/reproduction": ("book/experiments/",)}
MYST_READER = {"name": "myst_nb_md", "type": "plugin"}
DEFAULT_TIMES = ROOT / "_build" / "results" / "execution-times.json"
# The figure pack (tools/sphinx_ext/mlpbook.py): the kernels draw every matplotlib figure
# also as SVG and PDF, through an IPython profile of the build; the pages still show the
# PNG (_config.yml: nb_mime_priority_overrides).
IPYTHON_DIR = ROOT / "_build" / ".ipython"


def vector_figures(folder: Path = IPYTHON_DIR) -> None:
    """Make the kernels started from now on output each figure as PNG, SVG and PDF."""
    config = folder / "profile_default" / "ipython_kernel_config.py"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("c.InlineBackend.figure_formats = {'png', 'svg', 'pdf'}\n")
    os.environ["IPYTHONDIR"] = str(folder)


def name_of(path: Path) -> str:
    """The docname of a page (its path without suffix, from the repository root)."""
    path = path.resolve()
    try:
        return path.relative_to(ROOT).with_suffix("").as_posix()
    except ValueError:
        return path.with_suffix("").as_posix()


def toc_pages(toc: Path) -> list[Path]:
    """The executable pages (MyST notebooks) of a toc file, in reading order."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    site = parse_toc_yaml(toc)
    names: list[str] = []

    def walk(doc: str) -> None:
        names.append(doc)
        for tree in site[doc].subtrees:
            for item in tree.items:
                if isinstance(item, str) and item in site:   # files (not globs, urls)
                    walk(item)

    walk(site.root.docname)
    paths = [ROOT / f"{n}.md" for n in names]
    return [p for p in paths if p.exists() and bookmeta.is_notebook_md(p)]


def runs_alone(path: Path) -> bool:
    """Whether the page starts a worker process per core itself (``book: {cpus: all}``)."""
    meta = bookmeta.front_matter(path.read_text(encoding="utf-8")).get("book") or {}
    return str(meta.get("cpus", 1)) == "all"


def longest_first(paths: list[Path], times: Path) -> list[Path]:
    """By the times of the previous run (``--times``), longest first, new pages before
    them; without one, the experiment chapters (they train networks) first."""
    try:
        previous = json.loads(times.read_text())["pages"]
    except (OSError, ValueError, KeyError, TypeError):
        previous = {}
    if previous:
        return sorted(paths, key=lambda p: -previous.get(name_of(p), float("inf")))
    return sorted(paths, key=lambda p: "/experiments/" not in p.as_posix())


def phases(paths: list[Path]) -> list[tuple[str, list[Path]]]:
    """``(executor, pages)`` in the order they run: alone, one per core, then readers."""
    later = [p for p in paths if name_of(p) in RUNS_AFTER]
    alone = [p for p in paths if p not in later and runs_alone(p)]
    rest = [p for p in paths if p not in later and p not in alone]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [(executor, pages) for executor, pages in (
        ("local-serial", alone),
        ("local-parallel" if (cores or 1) > 1 else "local-serial", rest),
        ("local-serial", later)) if pages]


def report(rows: dict[str, float], wall: float, timeout) -> str:
    width = max([len(n) for n in rows] + [len("sum of the pages")])
    lines = [f"{'page':<{width}}  seconds", f"{'-' * width}  -------"]
    lines += [f"{n:<{width}}  {s:7.1f}" for n, s in sorted(rows.items(), key=lambda r: -r[1])]
    lines += [f"{'-' * width}  -------", f"{'sum of the pages':<{width}}  {sum(rows.values()):7.1f}",
              f"{'wall time':<{width}}  {wall:7.1f}",
              f"cell timeout: {timeout} s (a cell that runs longer is taken to hang)"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pages", nargs="*", type=Path, help="pages to run (default: the toc's)")
    ap.add_argument("--toc", type=Path, default=bookmeta.TOC)
    ap.add_argument("--cache-dir", type=Path,
                    default=os.environ.get("MLPBOOK_EXECUTION_CACHE") or None,
                    help="the jupyter-cache folder (default: $MLPBOOK_EXECUTION_CACHE)")
    ap.add_argument("--reuse", action="store_true",
                    help="keep the cache and run only the pages it lacks (local use)")
    ap.add_argument("--times", type=Path, default=DEFAULT_TIMES,
                    help="where to write the pages' times (JSON)")
    args = ap.parse_args(argv)
    if args.cache_dir is None:
        ap.error("--cache-dir (or MLPBOOK_EXECUTION_CACHE) is needed")

    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor

    # The kernels inherit this environment: one thread per process, and what
    # tools/sphinx_ext/mlpbook.py sets for a build that executes (no progress bars).
    os.environ.update(THREADS)
    os.environ.setdefault("MLP_FROM_SCRATCH_PROGRESS", "0")
    vector_figures()
    settings = bookmeta.config().get("execute", {})
    timeout, allow_errors = settings.get("timeout", 30), settings.get("allow_errors", False)
    t0 = time.monotonic()
    paths = longest_first([p.resolve() for p in args.pages] or toc_pages(args.toc.resolve()), args.times)
    cache_dir = args.cache_dir.resolve()
    if not args.reuse and cache_dir.exists():
        shutil.rmtree(cache_dir)
    cache = get_cache(cache_dir)
    for record in cache.list_project_records():
        cache.remove_nb_from_project(record.pk)
    pk = {p: cache.add_nb_to_project(str(p), read_data=MYST_READER).pk for p in paths}
    print(f"== executing {len(paths)} pages into {cache_dir} "
          f"({', '.join(f'{k}={v}' for k, v in THREADS.items())})", flush=True)

    logger = logging.getLogger("execute_chapters")   # jupyter-cache's progress lines
    logger.setLevel(logging.INFO)
    logger.addHandler(logging.StreamHandler(sys.stdout))
    failed = []
    try:
        for executor, pages in phases(paths):
            print(f"   {executor}: {', '.join(name_of(p) for p in pages)}", flush=True)
            result = load_executor(executor, cache, logger=logger).run_and_cache(
                filter_pks=[pk[p] for p in pages], timeout=timeout, allow_errors=allow_errors)
            for uri in result.excepted + result.errored:
                record = cache.get_project_record(uri)
                failed.append(uri)
                print(f"{record.traceback or ''}\n== FAILED: {name_of(Path(uri))} ({uri})",
                      file=sys.stderr, flush=True)
            if failed:
                return 1
        rows = {}
        for path in paths:
            record = cache.get_cached_project_nb(pk[path])
            rows[name_of(path)] = record.data.get("execution_seconds", 0.0)
    finally:
        for record in cache.list_project_records():
            cache.remove_nb_from_project(record.pk)

    wall = time.monotonic() - t0
    print(report(rows, wall, timeout), flush=True)
    args.times.parent.mkdir(parents=True, exist_ok=True)
    args.times.write_text(json.dumps({
        "wall_seconds": round(wall, 1), "cache": str(cache_dir), "timeout": timeout,
        "threads": THREADS,
        "pages": {n: round(s, 1) for n, s in sorted(rows.items())},
    }, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
