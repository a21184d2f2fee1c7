"""Execute the book's chapters in parallel, into the jupyter-cache the build then reads.

    python -m tools.execute_chapters --cache-dir DIR              # every chapter of _toc.yml
    python -m tools.execute_chapters --cache-dir DIR --jobs 1     # one at a time
    python -m tools.execute_chapters --cache-dir DIR --reuse      # keep DIR: run only misses
    python -m tools.execute_chapters --cache-dir DIR book/x.md    # chosen pages

``tools/build_book.sh`` runs this before ``jupyter-book build``, and the build runs in
myst-nb's ``cache`` mode on the same folder (``MLPBOOK_EXECUTION_CACHE``, read by
tools/sphinx_ext/mlpbook.py): every chapter is then a cache hit and the build executes
nothing (the extension fails the build if a chapter executes there after all).

Each chapter is executed as myst-nb would execute it in the build:

- the notebook is what myst-nb reads from the page: its own reader
  (``myst_nb.core.read.create_nb_reader``) with the parser settings of _config.yml
  (``jupyter_book.config.get_final_config``), the kernel-name aliases applied, so that
  jupyter-cache's hash (code cells, their metadata, ``kernelspec``) is the one the
  build looks up;
- the same executor (``jupyter_cache.executors.utils.single_nb_execution``), kernel
  (the page's ``kernelspec``), working directory (the page's folder: ``run_in_temp``
  is false), cell timeout (``execute.timeout`` of _config.yml, or the page's
  ``mystnb: execution_timeout``) and error setting (``allow_errors``); the kernel's
  environment is this process's, plus ``MLP_FROM_SCRATCH_PROGRESS=0`` as the book's
  Sphinx extension sets it;
- the executed notebook is stored as myst-nb stores it
  (``cache_notebook_bundle(..., check_validity=False, overwrite=True)``, with its
  ``execution_seconds``).

Scheduling: ``--jobs`` chapters at a time (default 2), each in its own process
(which starts the kernel), longest first: by the times of the previous run
(``execution-times.json`` of ``--times``) when there is one, else by ``STATIC_ORDER``
(the chapters CI measured as the longest), then in the order of the toc. The first
two chapters (fashion-mnist and learning-rates, which train two fits at a time
themselves) start together; with 2 cores the operating system shares the cores
between their processes, and the short chapters fill the tail. A page that reads the
results other pages save (``RUNS_AFTER``: the reproduction page reads the experiment
chapters' ``_build/results/*.json``) starts only after those pages have finished.

Freshness: without ``--reuse`` the cache folder is emptied first, so every chapter
runs at every build (jupyter-cache hashes only the notebook's code, not the package it
imports). ``--reuse`` (``build_book.sh --cache``, local use) keeps the folder, which is
then keyed by a hash of the package, and executes only the chapters it does not hold.

A failing cell (or a timeout) stops everything: the other chapters and their kernels
are terminated, the chapter's name and traceback are printed, and the exit status is 1.
At the end a table gives each chapter's execution time, and the wall time of the
whole pre-execution; the same goes to ``--times`` as JSON.

Notes
-----
Each chapter runs in a child forked from this process (``multiprocessing``'s ``fork``:
POSIX), which inherits the imports and the notebook and writes the executed notebook to
a temporary .ipynb; only this process writes to the cache's SQLite database. A child
runs in a session of its own; it is stopped by SIGTERM (its kernel is shut down) and,
if it is still there after a grace period, SIGKILL to its process group.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Longest first when no previous times are known (CI, seconds: 466, 345, 125, 106, 50).
STATIC_ORDER = (
    "book/experiments/learning-rates",
    "book/experiments/fashion-mnist",
    "book/experiments/mnist-logreg-bonus",
    "book/experiments/mnist-sigmoid-relu",
    "book/experiments/cifar10",
)
# Pages that read what other pages save (mlp_from_scratch.book.results: _build/results/):
# they start only when no page under these folders is waiting or running.
RUNS_AFTER = {"book/reproduction": ("book/experiments/",)}
DEFAULT_TIMES = ROOT / "_build" / "results" / "execution-times.json"
GRACE_SECONDS = 10


# --- what the build reads -------------------------------------------------------------

def parser_configs():
    """``(MdParserConfig, NbParserConfig)`` as the build makes them from _config.yml."""
    from jupyter_book.config import get_final_config
    from myst_nb.core.config import NbParserConfig
    from myst_parser.config.main import MdParserConfig

    conf, _ = get_final_config(user_yaml=ROOT / "_config.yml", sourcedir=ROOT,
                               cli_config={"latex_individualpages": False})
    md = {name: conf[f"myst_{name}"] for name, _, fld in MdParserConfig().as_triple()
          if "sphinx" not in fld.metadata.get("omit", []) and f"myst_{name}" in conf}
    nb = {name: conf[f"nb_{name}"] for name, _, fld in NbParserConfig().as_triple()
          if not fld.metadata.get("sphinx_exclude") and f"nb_{name}" in conf}
    return MdParserConfig(**md), NbParserConfig(**nb)


def read_notebook(path: Path, md_config, nb_config):
    """The notebook myst-nb makes of a page, and the page's settings; ``None`` for a page
    that is no notebook (no jupytext header).

    Returns
    -------
    (nbformat.NotebookNode, NbParserConfig) or None
        As in ``myst_nb.sphinx_.Parser.parse``: kernel aliases applied, and the
        configuration updated with the page's ``mystnb:`` metadata.
    """
    import re

    from myst_nb.core.read import create_nb_reader

    text = path.read_text(encoding="utf-8")
    reader = create_nb_reader(str(path), md_config, nb_config, text)
    if reader is None:
        return None
    notebook = reader.read(text)
    kernel = notebook.metadata.get("kernelspec", {}).get("name")
    if kernel is not None:
        for rgx, alias in (nb_config.kernel_rgx_aliases or {}).items():
            if re.fullmatch(rgx, kernel):
                notebook.metadata["kernelspec"]["name"] = alias
                break
    overrides = dict(notebook.metadata.get(nb_config.metadata_key, {}))
    overrides.pop("output_folder", None)
    if overrides:
        nb_config = nb_config.copy(**overrides)
    return notebook, nb_config


def toc_pages(toc: Path) -> list[str]:
    """The documents of a toc file (``_toc.yml`` format), in reading order."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    site = parse_toc_yaml(toc)
    pages: list[str] = []

    def walk(doc: str) -> None:
        pages.append(doc)
        for tree in site[doc].subtrees:
            for item in tree.items:
                if isinstance(item, str) and item in site:   # FileItem (not globs, urls)
                    walk(item)

    walk(site.root.docname)
    return pages


def source_of(docname: str) -> Path:
    for suffix in (".md", ".ipynb"):
        path = ROOT / f"{docname}{suffix}"
        if path.exists():
            return path
    raise FileNotFoundError(f"no source file for {docname!r} (.md or .ipynb)")


def name_of(path: Path) -> str:
    """The docname of a page (its path without suffix, from the repository root)."""
    path = path.resolve()
    try:
        return path.relative_to(ROOT).with_suffix("").as_posix()
    except ValueError:
        return path.with_suffix("").as_posix()


def order(names: list[str], previous: dict[str, float] | None = None) -> list[str]:
    """Longest first: by previous times, else by ``STATIC_ORDER``, then in the given order.

    Pages with no previous time (new chapters) come first when previous times are
    known: they may be long.
    """
    rank = {name: i for i, name in enumerate(names)}
    if previous:
        return sorted(names, key=lambda n: (n in previous, -previous.get(n, 0.0), rank[n]))
    static = {name: i for i, name in enumerate(STATIC_ORDER)}
    return sorted(names, key=lambda n: (static.get(n, len(static)), rank[n]))


def ready(name: str, waiting: list[str]) -> bool:
    """Whether a page may start while the pages ``waiting`` (queued or running) are not done."""
    prefixes = RUNS_AFTER.get(name, ())
    return not any(other.startswith(prefixes) for other in waiting if other != name) \
        if prefixes else True


def previous_times(path: Path) -> dict[str, float] | None:
    try:
        return {k: float(v) for k, v in json.loads(path.read_text())["chapters"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


# --- one chapter, in a forked child ---------------------------------------------------

def run_one(notebook, cwd: str, timeout, allow_errors: bool, name: str,
            out: Path, log: Path) -> None:
    """Execute one notebook as myst-nb's executor does and write it to ``out``.

    Runs in a child forked by :func:`start`, which inherited the imports (no start-up
    cost) and the notebook; exit status 1 on a failing cell, with the traceback in ``log``.
    """
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    os.setsid()                       # a process group of its own: see stop_all
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)

    def stop(signum, frame):          # SIGTERM from the parent: shut the kernel down
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    result = single_nb_execution(notebook, cwd=cwd, timeout=timeout,
                                 allow_errors=allow_errors, meta_override=True)
    if result.err is not None:
        print(f"Executing {name} failed: {result.err.__class__.__name__}\n"
              f"{result.exc_string}", file=sys.stderr, flush=True)
        sys.exit(1)
    nbformat.write(notebook, out)
    Path(f"{out}.json").write_text(json.dumps({"seconds": result.time}))
    sys.exit(0)


# --- the parent: scheduling, cache, report --------------------------------------------

@dataclass
class Job:
    name: str
    path: Path
    notebook: object
    nb_config: object
    started: float = 0.0
    seconds: float = 0.0
    proc: object = None               # multiprocessing.Process
    files: dict = field(default_factory=dict)


def start(job: Job, tmp: Path) -> None:
    """Fork a child that executes ``job`` (the parent has imported everything it needs)."""
    import multiprocessing

    stem = job.name.replace("/", "__")
    job.files = {k: tmp / f"{stem}.{k}" for k in ("ipynb", "log")}
    cfg = job.nb_config
    job.proc = multiprocessing.get_context("fork").Process(
        target=run_one, name=job.name,
        args=(job.notebook, str(job.path.parent.resolve()), cfg.execution_timeout,
              cfg.execution_allow_errors, job.name, job.files["ipynb"], job.files["log"]))
    job.started = time.monotonic()
    job.proc.start()


def exit_code(job: Job) -> int | None:
    job.proc.join(0)
    return job.proc.exitcode


def stop_all(jobs: list[Job]) -> None:
    """SIGTERM to each running child (it shuts its kernel down), then SIGKILL to its group."""
    live = [j for j in jobs if j.proc is not None and exit_code(j) is None]
    for j in live:
        os.kill(j.proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_SECONDS
    for j in live:
        j.proc.join(max(0.1, deadline - time.monotonic()))
        try:
            os.killpg(j.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        j.proc.join()


def table(rows: list[tuple[str, float]], wall: float, jobs: int) -> str:
    width = max([len(n) for n, _ in rows] + [len("sum of the chapters"), 17])
    lines = [f"{'chapter':<{width}}  seconds", f"{'-' * width}  -------"]
    lines += [f"{n:<{width}}  {s:7.1f}" for n, s in sorted(rows, key=lambda r: -r[1])]
    total = sum(s for _, s in rows)
    lines += [f"{'-' * width}  -------", f"{'sum of the chapters':<{width}}  {total:7.1f}",
              f"{f'wall time ({jobs} jobs)':<{width}}  {wall:7.1f}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pages", nargs="*", type=Path, help="pages to run (default: the toc's)")
    ap.add_argument("--toc", type=Path, default=ROOT / "_toc.yml")
    ap.add_argument("--jobs", type=int, default=2, help="chapters at a time (default 2)")
    ap.add_argument("--cache-dir", type=Path,
                    default=os.environ.get("MLPBOOK_EXECUTION_CACHE") or None,
                    help="the jupyter-cache folder (default: $MLPBOOK_EXECUTION_CACHE)")
    ap.add_argument("--reuse", action="store_true",
                    help="keep the cache and run only the chapters it lacks (local use)")
    ap.add_argument("--times", type=Path, default=DEFAULT_TIMES,
                    help="JSON of the times: read for the order, then rewritten")
    args = ap.parse_args(argv)
    if args.cache_dir is None:
        ap.error("--cache-dir (or MLPBOOK_EXECUTION_CACHE) is needed")
    if args.jobs < 1:
        ap.error("--jobs must be at least 1")

    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.executors.utils import single_nb_execution  # noqa: F401 (children)

    def interrupted(signum, frame):   # CI cancelled: stop the children (see the except below)
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    # The kernels get the environment the build would give them: this process's, plus
    # what tools/sphinx_ext/mlpbook.py sets for them (no progress bars in the pages).
    os.environ.setdefault("MLP_FROM_SCRATCH_PROGRESS", "0")
    t0 = time.monotonic()
    toc = args.toc.resolve()
    md_config, nb_config = parser_configs()
    paths = ([p.resolve() for p in args.pages] if args.pages
             else [source_of(d) for d in toc_pages(toc)])
    cache_dir = args.cache_dir.resolve()
    if not args.reuse and cache_dir.exists():
        shutil.rmtree(cache_dir)
    cache = get_cache(cache_dir)
    # myst-nb registers a notebook in the cache's "project" just before it executes it:
    # tools/sphinx_ext/mlpbook.py fails the build on such a record; start with none.
    for record in cache.list_project_records():
        cache.remove_nb_from_project(record.pk)

    jobs, reused = [], []
    for path in paths:
        read = read_notebook(path, md_config, nb_config)
        if read is None:
            continue
        job = Job(name_of(path), path, *read)
        if args.reuse:
            try:
                cache.match_cache_notebook(job.notebook)
                reused.append(job.name)
                continue
            except KeyError:
                pass
        jobs.append(job)
    previous = previous_times(args.times)
    by_name = {j.name: j for j in jobs}
    queue = [by_name[n] for n in order(list(by_name), previous)]
    print(f"== executing {len(queue)} chapters, {args.jobs} at a time, into {cache_dir}"
          + (f" ({len(reused)} reused from the cache)" if reused else ""), flush=True)

    done: list[tuple[str, float]] = []
    running: list[Job] = []
    tmp = Path(tempfile.mkdtemp(prefix="execute-chapters-"))
    try:
        while queue or running:
            while len(running) < args.jobs:
                waiting = [j.name for j in queue + running]
                job = next((j for j in queue if ready(j.name, waiting)),
                           None if running else (queue[0] if queue else None))
                if job is None:
                    break
                queue.remove(job)
                start(job, tmp)
                running.append(job)
                print(f"   start  {job.name}", flush=True)
            time.sleep(0.2)
            for job in list(running):
                code = exit_code(job)
                if code is None:
                    continue
                running.remove(job)
                job.seconds = time.monotonic() - job.started
                if code != 0:
                    stop_all(running)
                    print(job.files["log"].read_text(errors="replace"), file=sys.stderr)
                    print(f"== FAILED: {job.name} ({job.path}) after {job.seconds:.1f} s; "
                          f"stopped: {', '.join(j.name for j in running) or 'nothing'}",
                          file=sys.stderr, flush=True)
                    return 1
                executed = nbformat.read(job.files["ipynb"], as_version=nbformat.NO_CONVERT)
                seconds = json.loads(Path(f"{job.files['ipynb']}.json").read_text())["seconds"]
                cache.cache_notebook_bundle(
                    CacheBundleIn(executed, str(job.path),
                                  data={"execution_seconds": seconds}),
                    check_validity=False, overwrite=True)
                done.append((job.name, job.seconds))
                print(f"   done   {job.name}  {job.seconds:.1f} s", flush=True)
    except KeyboardInterrupt as exc:
        stop_all(running)
        print(f"== interrupted ({exc}): stopped {', '.join(j.name for j in running)}",
              file=sys.stderr, flush=True)
        return 130
    except BaseException:
        stop_all(running)
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    wall = time.monotonic() - t0
    print(table(done, wall, args.jobs) if done else "(nothing to execute)", flush=True)
    times = {**(previous or {}), **dict(done)} if args.reuse else dict(done)
    args.times.parent.mkdir(parents=True, exist_ok=True)
    args.times.write_text(json.dumps({
        "jobs": args.jobs, "wall_seconds": round(wall, 1), "cache": str(cache_dir),
        "reused": reused, "chapters": {n: round(s, 1) for n, s in sorted(times.items())},
    }, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
