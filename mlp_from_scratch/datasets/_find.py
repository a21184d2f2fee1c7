"""Finding data files, downloading missing ones, reading and checking them: done once, here.

The search order is the package docstring's. Everything is checked on the *decompressed*
content: redistributors recompress files (Debian's Fashion-MNIST ``.gz`` files differ
byte-wise from the official ones, their content does not). A damaged file raises
:class:`BadDataFileError` saying what is wrong; the loader attaches what to do about it,
once (:func:`advised`), as it knows whether the file is in our cache or the user's folder.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

DATA_DIR_VARIABLE = "MLP_DATA_DIR"
CACHE_PROJECT = "mlp_from_scratch"
FETCH_COMMAND = "python -m mlp_from_scratch.datasets fetch {key}"
INFO_COMMAND = "python -m mlp_from_scratch.datasets info"
GENERIC_ADVICE = (
    "Delete or replace this file with a good copy: run `python -m mlp_from_scratch.datasets fetch <dataset>` "
    "on a machine with internet access, or point MLP_DATA_DIR at a folder holding the official files "
    f"(see `{INFO_COMMAND}`)."
)
# Download attempts per mirror (pooch's retries; it waits 1 s, 2 s, ... in between), timeout.
DOWNLOAD_ATTEMPTS = 2
TIMEOUT_SECONDS = 60
# Leading bytes of the pages a server or proxy returns in place of a file.
_MARKUP_PREFIXES = (b"<!doctype", b"<html", b"<?xml", b"<head", b"<body", b"<!--", b"<error")


class BadDataFileError(ValueError):
    """A data file exists but is damaged, incomplete or not what it claims to be.

    Subclasses :class:`ValueError`. The message names the file (``path``), says what
    is wrong (``problem``) and what to do (``advice``, set by the loader).
    """

    def __init__(self, path: str | Path, problem: str, advice: str = GENERIC_ADVICE):
        self.path, self.problem, self.advice = Path(path), problem, advice
        super().__init__(path, problem)

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}. {self.advice}"


class DatasetNotFoundError(FileNotFoundError):
    """No copy of a dataset file was found anywhere, and it could not be downloaded.

    The message lists every place searched, every download attempt and how to provide the data.
    """


class Place(NamedTuple):
    """A folder that may hold a dataset's files, and why it is searched."""

    path: Path
    origin: str  # "data_dir argument", "$MLP_DATA_DIR", "user cache" or "system copy"


def user_cache_dir() -> Path:
    """pooch's ``os_cache("mlp_from_scratch")``; without pooch, the same XDG folder by hand."""
    try:
        import pooch
    except ImportError:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        return Path(base) / CACHE_PROJECT
    return Path(pooch.os_cache(CACHE_PROJECT))


def search_places(folder: str, system_dirs=(), data_dir: str | Path | None = None) -> list[Place]:
    """The folders searched for a dataset's files, in priority order.

    ``data_dir`` and its ``<folder>`` sub-folder, each ``$MLP_DATA_DIR`` entry's
    ``<folder>`` (entries separated by :data:`os.pathsep`), the user cache's
    ``<folder>``, then ``system_dirs``.
    """
    places = []
    if data_dir is not None:
        data_dir = Path(data_dir).expanduser()
        places += [Place(data_dir, "data_dir argument"), Place(data_dir / folder, "data_dir argument")]
    for entry in os.environ.get(DATA_DIR_VARIABLE, "").split(os.pathsep):
        if entry.strip():
            places.append(Place(Path(entry).expanduser() / folder, f"${DATA_DIR_VARIABLE}"))
    places.append(Place(user_cache_dir() / folder, "user cache"))
    return places + [Place(Path(path), "system copy") for path in system_dirs]


def describe_places(places: list[Place], wanted: list[str]) -> list[str]:
    """One line per searched folder saying what it holds of the ``wanted`` file names."""
    lines = [] if os.environ.get(DATA_DIR_VARIABLE, "").strip() else [f"${DATA_DIR_VARIABLE} (not set)"]
    for place in places:
        present = [name for name in wanted if (place.path / name).exists()]
        status = ("no such folder" if not place.path.is_dir()
                  else f"has {', '.join(present)}" if present else "folder exists, none of the files")
        lines.append(f"{place.path}  [{place.origin}]: {status}")
    return lines


def advice_for(path: Path, key: str) -> str:
    """What to do about a bad file: in our cache, delete it; elsewhere, replace it."""
    fetch = FETCH_COMMAND.format(key=key)
    if user_cache_dir() in Path(path).absolute().parents:
        return f"Delete it; the next load (or `{fetch}`) downloads a fresh copy."
    return (f"Replace it with the official file, or remove it so that the loader looks elsewhere "
            f"(`{INFO_COMMAND}` shows where); with internet access `{fetch}` downloads a verified "
            f"copy into the cache, or set {DATA_DIR_VARIABLE} to a folder holding good copies.")


@contextmanager
def advised(key: str):
    """Attach the advice for dataset ``key`` to a :class:`BadDataFileError` raised inside."""
    try:
        yield
    except BadDataFileError as error:
        error.advice = advice_for(error.path, key)
        raise


def looks_like_markup(data: bytes) -> bool:
    """True if ``data`` starts like an HTML or XML page rather than binary data."""
    return data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(_MARKUP_PREFIXES)


def check_data(data: bytes, path: Path) -> bytes:
    """``data``, unless it is empty or a web page saved in place of the file."""
    if not data:
        raise BadDataFileError(path, "the file is empty (0 bytes)")
    if looks_like_markup(data):
        raise BadDataFileError(path, "the file is an HTML/XML page, not data (an error or login page "
                                     "saved in place of the download?)")
    return data


def read_content(path: str | Path) -> bytes:
    """A file's content, decompressed if it is gzip (recognised by its magic bytes, not its name).

    Raises
    ------
    BadDataFileError
        If the file is empty, a web page, or a damaged, truncated or padded gzip stream.
    """
    path = Path(path)
    data = check_data(path.read_bytes(), path)
    if data.startswith(b"\x1f\x8b"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise BadDataFileError(path, f"the gzip stream is damaged or truncated ({type(error).__name__}: "
                                         f"{error}; an interrupted download or copy?)") from None
        check_data(data, path)
    return data


def verify_hash(data: bytes, expected: str, path: Path, what: str) -> None:
    """Raise :class:`BadDataFileError` unless ``data`` hashes to ``expected``
    (``"sha256:<hex>"`` or ``"md5:<hex>"``, pooch's notation; bare digests are SHA-256)."""
    algorithm, _, digest = expected.rpartition(":")
    algorithm = (algorithm or "sha256").lower()
    actual = hashlib.new(algorithm, data).hexdigest()
    if actual != digest.lower():
        raise BadDataFileError(path, f"hash mismatch: the {algorithm.upper()} of its content is {actual}, "
                                     f"expected {digest.lower()} for {what}; the file is damaged, modified, "
                                     "or a different dataset or version")


class _Downloader:
    """pooch's HTTP downloader, failing clearly when a server sends a web page."""

    def __init__(self):
        import pooch

        from ..progress import show_progress

        # 64 KiB chunks: pooch's default of 1 KiB is slow for 170 MB archives.
        self._http = pooch.HTTPDownloader(progressbar=show_progress(None), chunk_size=65536,
                                          timeout=TIMEOUT_SECONDS)

    def __call__(self, url, output_file, pooch_instance, check_only=False):
        result = self._http(url, output_file, pooch_instance, check_only=check_only)
        if not check_only:
            with open(output_file, "rb") as downloaded:
                if looks_like_markup(downloaded.read(512)):
                    raise ValueError("the server sent an HTML/XML page instead of the file")
        return result


def _download(name: str, known_hash: str, mirrors, destination: Path) -> tuple[Path | None, list[str]]:
    """Download ``name`` from the first mirror that serves it intact: ``(path, failures)``."""
    try:
        import pooch
    except ImportError:
        return None, ["(no download tried): pooch is not installed: pip install 'mlp-from-scratch[data]'"]
    failures = []
    for mirror in mirrors:
        store = pooch.create(path=destination, base_url=mirror, registry={name: known_hash},
                             retry_if_failed=DOWNLOAD_ATTEMPTS - 1)
        try:
            return Path(store.fetch(name, downloader=_Downloader())), failures
        except Exception as error:  # network, HTTP status, hash mismatch, web page: next mirror
            reason = " ".join(str(error).split())
            failures.append(f"{mirror}{name}: {type(error).__name__}: {reason[:300]}")
    return None, failures


def find_file(key: str, spec, names: list[str], places: list[Place], download: bool) -> Path:
    """The first ``place / name`` that is a file, else ``names[0]`` downloaded into the cache.

    ``spec`` is the dataset (title, folder, mirrors, and ``hash_of(names[0])`` for the
    download). Raises :class:`DatasetNotFoundError` listing every place and attempt.
    """
    for place in places:
        for name in names:
            if (place.path / name).is_file():
                return place.path / name
    failures = ["(not attempted: download=False)"]
    if download:
        path, failures = _download(names[0], spec.download_hash(names[0]), spec.mirrors,
                                   user_cache_dir() / spec.folder)
        if path is not None:
            return path
    lines = [f"{spec.title}: no copy of {' or '.join(names)} was found, and none could be downloaded.",
             "Searched, in order:", *[f"  - {line}" for line in describe_places(places, names)],
             "Download attempts:", *[f"  - {line}" for line in failures],
             "To fix this, do one of:",
             f"  - on a machine with internet access: {FETCH_COMMAND.format(key=key)}",
             f"  - put the official files into a folder and set {DATA_DIR_VARIABLE} to its parent "
             f"(files go in <parent>/{spec.folder}/), or pass the folder as data_dir=",
             f"  - see where each dataset is looked for: {INFO_COMMAND}"]
    raise DatasetNotFoundError("\n".join(lines))
