"""Execute the book's chapters into the jupyter-cache that the build then reads.

jupyter-cache's executors run the pages (myst-nb's ``myst_nb_md`` reader) with ``execute:``
of _config.yml; tools/build_book.sh then builds in myst-nb's cache mode on DIR. Kept here:
one BLAS thread per process (``THREADS``: small matrices gain little from threads, and lose
a lot beside other processes); phases by CPU demand (``book: {cpus: all}`` pages start a
worker per core and run alone, then the rest one per core, last ``RUNS_AFTER``), longest
first; the times beside the timeout (for hangs only).
"""

import argparse
import json
import logging
import os
import shutil
import sys
import time
from pathlib import Path

from tools import bookmeta

# Read by OpenBLAS, OpenMP and MKL when a kernel imports NumPy.
THREADS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# Pages that read what other pages save (mlp_from_scratch's results: _build/results/).
RUNS_AFTER = {"book/reproduction"}


# The figure pack (tools/sphinx_ext/mlpbook.py) needs every figure also as SVG and PDF,
# drawn by the kernels through an IPython profile of the build.
def vector_figures(folder: Path = bookmeta.ROOT / "_build" / ".ipython") -> None:
    """Make the kernels started from now on output each figure as PNG, SVG and PDF."""
    config = folder / "profile_default" / "ipython_kernel_config.py"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("c.InlineBackend.figure_formats = {'png', 'svg', 'pdf'}\n")
    os.environ["IPYTHONDIR"] = str(folder)


def name_of(path: Path) -> str:
    return bookmeta.repo_relative(path).with_suffix("").as_posix()


def toc_pages(toc: Path) -> list[Path]:
    """The executable pages (MyST notebooks) of a toc file, in reading order."""
    paths = [bookmeta.ROOT / f"{name}.md" for name in bookmeta.toc_files(toc)]
    return [p for p in paths if p.exists() and bookmeta.is_notebook_md(p)]


def longest_first(paths: list[Path], times: Path) -> list[Path]:
    """By the previous run's times, new pages first; else the experiments (they train) first."""
    try:
        previous = json.loads(times.read_text())["pages"]
    except (OSError, ValueError, KeyError, TypeError):
        return sorted(paths, key=lambda p: "/experiments/" not in p.as_posix())
    return sorted(paths, key=lambda p: -previous.get(name_of(p), float("inf")))


def phases(paths: list[Path]) -> list[tuple[str, list[Path]]]:
    """``(executor, pages)`` in the order they run; the parallel pool has a process per CPU."""
    later = [p for p in paths if name_of(p) in RUNS_AFTER]
    meta = {p: bookmeta.front_matter(p.read_text(encoding="utf-8")).get("book") or {} for p in paths}
    alone = [p for p in paths if p not in later and str(meta[p].get("cpus")) == "all"]
    rest = [p for p in paths if p not in later and p not in alone]
    runs = [("local-serial", alone), ("local-parallel", rest), ("local-serial", later)]
    return [(executor, pages) for executor, pages in runs if pages]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pages", nargs="*", type=Path, help="pages to run (default: the toc's)")
    ap.add_argument("--toc", type=Path, default=bookmeta.TOC)
    ap.add_argument("--cache-dir", type=lambda d: Path(d).resolve(), required=True)
    ap.add_argument("--reuse", action="store_true", help="keep DIR (else emptied: it hashes code only)")
    ap.add_argument("--times", type=Path, default=bookmeta.ROOT / "_build/results/execution-times.json")
    args = ap.parse_args(argv)
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor
    # The kernels inherit this environment; no progress bars in a build that executes.
    os.environ.update(THREADS)
    os.environ.setdefault("MLP_FROM_SCRATCH_PROGRESS", "0")
    vector_figures()
    opts = {key: bookmeta.config()["execute"][key] for key in ("timeout", "allow_errors")}
    t0 = time.monotonic()
    paths = longest_first([p.resolve() for p in args.pages] or toc_pages(args.toc.resolve()), args.times)
    if not args.reuse:
        shutil.rmtree(args.cache_dir, ignore_errors=True)
    cache = get_cache(args.cache_dir)   # (records an aborted run left are reused, then removed)
    reader = {"name": "myst_nb_md", "type": "plugin"}
    pk = {p: cache.add_nb_to_project(str(p), read_data=reader).pk for p in paths}
    print(f"== executing {len(paths)} pages into {args.cache_dir} ({THREADS})", flush=True)
    logger = logging.getLogger("execute_chapters")   # jupyter-cache's progress lines
    logger.setLevel(logging.INFO)
    logger.addHandler(logging.StreamHandler(sys.stdout))
    try:
        for executor, pages in phases(paths):
            print(f"   {executor}: {', '.join(name_of(p) for p in pages)}", flush=True)
            result = load_executor(executor, cache, logger=logger).run_and_cache(
                filter_pks=[pk[p] for p in pages], **opts)
            for uri in result.excepted + result.errored:
                print(f"{cache.get_project_record(uri).traceback or ''}\n"
                      f"== FAILED: {name_of(Path(uri))} ({uri})", file=sys.stderr, flush=True)
            if result.excepted or result.errored:
                return 1
        rows = {name_of(p): cache.get_cached_project_nb(pk[p]).data["execution_seconds"] for p in paths}
    finally:
        for record in cache.list_project_records():
            cache.remove_nb_from_project(record.pk)
    wall = round(time.monotonic() - t0, 1)
    for name, seconds in sorted(rows.items(), key=lambda row: -row[1]):
        print(f"{seconds:8.1f} s  {name}")
    print(f"{sum(rows.values()):8.1f} s  sum of the pages\n{wall:8.1f} s  wall time\n"
          f"cell timeout: {opts['timeout']} s (a cell that runs longer is taken to hang)")
    times = {"wall_seconds": wall, "cache": str(args.cache_dir), "timeout": opts["timeout"],
             "threads": THREADS, "pages": {n: round(s, 1) for n, s in sorted(rows.items())}}
    args.times.parent.mkdir(parents=True, exist_ok=True)
    args.times.write_text(json.dumps(times, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
