"""Small JSON files that carry an experiment's results to other pages.

The experiment chapters save their headline numbers with :func:`save_results`;
the page "Reproducing the published results" reads them back with
:func:`load_results`, so every number in its table comes from a run of the
code, never from typing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .display import plain

__all__ = ["results_dir", "save_results", "load_results"]


def results_dir(directory=None):
    """Where results live: ``directory``, else ``$MLP_RESULTS_DIR``, else
    ``_build/results`` beside the book's ``_config.yml`` (searched upwards from
    the working directory), else ``./results``."""
    if directory is not None:
        return Path(directory)
    if os.environ.get("MLP_RESULTS_DIR"):
        return Path(os.environ["MLP_RESULTS_DIR"])
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "_config.yml").is_file() and (folder / "_toc.yml").is_file():
            return folder / "_build" / "results"
    return here / "results"


def save_results(name, results, directory=None):
    """Write ``results`` (a dict) to ``<results_dir>/<name>.json`` atomically."""
    folder = results_dir(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(plain(results), indent=2, sort_keys=True))
    os.replace(tmp, path)
    return path


def load_results(name, directory=None):
    """Read the dict saved by :func:`save_results` under ``name``.

    Raises
    ------
    FileNotFoundError
        With a message naming the chapter to run first.
    """
    path = results_dir(directory) / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(
            f"no results at {path}: run the chapter that produces {name!r} first "
            "(the book build runs every chapter)")
    return json.loads(path.read_text())
