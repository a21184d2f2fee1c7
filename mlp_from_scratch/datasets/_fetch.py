"""Prefetching and reporting: what the command line's ``fetch`` and ``info`` do."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from ._cifar import fetch_cifar, load_cifar10
from . import _locations
from ._locations import DATA_DIR_VARIABLE, describe_places, search_places
from ._mnist import load_idx_dataset, locate_idx_files
from ._registry import DATASETS, CifarDataset, canonical_name


def fetch(name: str, data_dir: str | Path | None = None) -> list[Path]:
    """Make sure a dataset is available and intact, downloading it if needed.

    Finds the files like the loader does (downloading missing ones into the
    cache), then loads them once, which verifies every hash.

    Parameters
    ----------
    name : str
        ``"mnist"``, ``"fashion-mnist"``, ``"cifar10"`` or ``"digits"``.
    data_dir : str or pathlib.Path, optional
        Folder searched first, as for the loaders.

    Returns
    -------
    list of pathlib.Path
        The verified files (for CIFAR-10 the batch folder or archive; for digits,
        which ships with scikit-learn, an empty list).
    """
    key = canonical_name(name)
    if key == "digits":
        from ._digits import load_digits

        load_digits()
        return []
    if key == "cifar10":
        _, location = fetch_cifar(data_dir)
        load_cifar10(data_dir)
        return [location]
    paths = locate_idx_files(key, data_dir)
    load_idx_dataset(key, data_dir, download=False)
    return list(paths.values())


def _wanted_names(spec) -> list[str]:
    if isinstance(spec, CifarDataset):
        return [spec.archive_name, spec.batch_dir]
    return [name for file in spec.files.values() for name in (file.name, file.name.removesuffix(".gz"))]


def info_lines(data_dir: str | Path | None = None) -> list[str]:
    """Describe where each dataset is looked for and what is there (no verification)."""
    installed = {module: importlib.util.find_spec(module) is not None for module in ("pooch", "tqdm", "sklearn")}
    lines = [
        f"{DATA_DIR_VARIABLE} = {os.environ.get(DATA_DIR_VARIABLE) or '(not set)'}",
        f"user cache = {_locations.user_cache_dir()}",
        "downloads: " + ("possible (pooch installed)" if installed["pooch"] else "impossible: pooch is not installed"),
        f"progress bars: {'yes' if installed['tqdm'] else 'no (tqdm not installed)'}",
        f"digits: {'bundled with scikit-learn' if installed['sklearn'] else 'unavailable: scikit-learn not installed'}",
    ]
    for key, spec in DATASETS.items():
        lines.append("")
        lines.append(f"{spec.title} ({key}), searched in this order:")
        places = search_places(spec.folder, spec.system_dirs, data_dir)
        lines += [f"  - {line}" for line in describe_places(places, _wanted_names(spec)) if not line.startswith("$")]
        mirrors = ", ".join(spec.mirrors)
        lines.append(f"  then download from: {mirrors}")
    return lines
