"""Where data is looked for, in order, and how to describe that search."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NamedTuple

DATA_DIR_VARIABLE = "MLP_DATA_DIR"
CACHE_PROJECT = "mlp_from_scratch"


class Place(NamedTuple):
    """A folder that may hold a dataset's files, and why it is searched."""

    path: Path
    origin: str  # e.g. "data_dir argument", "$MLP_DATA_DIR", "user cache", "system copy"


def user_cache_dir() -> Path:
    """Return the user cache folder for this package: pooch's ``os_cache("mlp_from_scratch")``.

    Computed without importing pooch (importing it costs time and it is optional):
    platformdirs, which pooch uses, if installed, else the same conventions by hand.
    """
    try:
        import platformdirs
    except ImportError:
        pass
    else:
        return Path(platformdirs.user_cache_dir(CACHE_PROJECT))
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA", str(Path.home() / "AppData" / "Local"))
        return Path(base) / CACHE_PROJECT / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / CACHE_PROJECT
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / CACHE_PROJECT


def dataset_cache_dir(folder: str) -> Path:
    """Return the cache sub-folder where downloads of one dataset go."""
    return user_cache_dir() / folder


def search_places(folder: str, system_dirs: tuple[str, ...], data_dir: str | Path | None = None) -> list[Place]:
    """List the folders to search for a dataset, in priority order.

    Parameters
    ----------
    folder : str
        The dataset's sub-folder name, e.g. ``"mnist"``.
    system_dirs : tuple of str
        Folders where an operating-system package installs the dataset.
    data_dir : str or pathlib.Path, optional
        The loader's ``data_dir=`` argument. Both the folder itself and its
        ``<folder>`` sub-folder are searched, so either may be passed.

    Returns
    -------
    list of Place
        ``data_dir`` (if given), each ``$MLP_DATA_DIR`` entry's ``<folder>``
        sub-folder (entries separated by :data:`os.pathsep`), the user cache, then
        the system folders.
    """
    places = []
    if data_dir is not None:
        data_dir = Path(data_dir).expanduser()
        places += [Place(data_dir, "data_dir argument"), Place(data_dir / folder, "data_dir argument")]
    for entry in os.environ.get(DATA_DIR_VARIABLE, "").split(os.pathsep):
        if entry.strip():
            places.append(Place(Path(entry).expanduser() / folder, f"${DATA_DIR_VARIABLE}"))
    places.append(Place(dataset_cache_dir(folder), "user cache"))
    places += [Place(Path(path), "system copy") for path in system_dirs]
    return places


def describe_places(places: list[Place], wanted: list[str]) -> list[str]:
    """One line per searched folder saying what it holds of the ``wanted`` file names."""
    lines = []
    if not os.environ.get(DATA_DIR_VARIABLE, "").strip():
        lines.append(f"${DATA_DIR_VARIABLE} (not set)")
    for place in places:
        if not place.path.is_dir():
            status = "no such folder"
        else:
            present = [name for name in wanted if (place.path / name).exists()]
            status = f"has {', '.join(present)}" if present else "folder exists, none of the files"
        lines.append(f"{place.path}  [{place.origin}]: {status}")
    return lines
