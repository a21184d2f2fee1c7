"""Finding a dataset's files: local copies first, then a download into the cache."""

from __future__ import annotations

from pathlib import Path

from . import _locations
from ._download import DownloadFailed, download
from ._errors import DatasetNotFoundError
from ._locations import DATA_DIR_VARIABLE, Place, describe_places

FETCH_COMMAND = "python -m mlp_from_scratch.datasets fetch {key}"
INFO_COMMAND = "python -m mlp_from_scratch.datasets info"


def bad_file_advice(path: Path, key: str) -> str:
    """What to do about a bad file, depending on whether it is in our cache."""
    fetch = FETCH_COMMAND.format(key=key)
    if _locations.user_cache_dir() in Path(path).absolute().parents:
        return f"Delete it; the next load (or `{fetch}`) downloads a fresh copy."
    return (
        "Replace it with the official file, or remove it so that the loader looks elsewhere "
        f"(`{INFO_COMMAND}` shows where); with internet access `{fetch}` downloads a verified "
        f"copy into the cache, or set {DATA_DIR_VARIABLE} to a folder holding good copies."
    )


def first_existing(places: list[Place], names: list[str]) -> Path | None:
    """Return the first ``place / name`` that is a file, places outermost."""
    for place in places:
        for name in names:
            candidate = place.path / name
            if candidate.is_file():
                return candidate
    return None


def download_or_explain(
    key: str, spec, places: list[Place], wanted: list[str], download_args: tuple | None
) -> Path:
    """Download a missing file, or raise an error saying where we looked and what to do.

    Parameters
    ----------
    key : str
        Registry key, for the suggested commands.
    spec : IdxDataset or CifarDataset
        The dataset, for its title and folder name.
    places : list of Place
        The folders that were searched.
    wanted : list of str
        The file names that were looked for.
    download_args : tuple or None
        ``(name, known_hash, mirrors, destination)`` for :func:`download`, or None
        when downloading is switched off.

    Returns
    -------
    pathlib.Path
        The downloaded file.

    Raises
    ------
    DatasetNotFoundError
        Listing every folder searched, every download attempt and how to provide the data.
    """
    if download_args is not None:
        try:
            return download(*download_args)
        except DownloadFailed as error:
            attempts = [f"{url}: {reason}" for url, reason in error.failures]
        outcome = "and downloading it failed"
    else:
        attempts = ["not tried (download=False)"]
        outcome = "and downloading was switched off"
    lines = [
        f"{spec.title}: no local copy of {' / '.join(wanted)} was found, {outcome}.",
        "Searched, in this order:",
        *(f"  - {line}" for line in describe_places(places, wanted)),
        "Download attempts:",
        *(f"  - {line}" for line in attempts),
        "How to provide the data:",
        f"  - with internet access, run `{FETCH_COMMAND.format(key=key)}` to download it into the cache;",
        f"  - or copy the files into <some folder>/{spec.folder}/ and set {DATA_DIR_VARIABLE}=<some folder>,",
        "    or pass data_dir=<the folder holding the files> to the loader.",
    ]
    raise DatasetNotFoundError("\n".join(lines))
