"""CIFAR-10 from its official binary version: fixed-size records read with ``np.frombuffer``.

Each batch file is 10,000 records of 3,073 bytes: the label (0-9), then the 1,024 red,
1,024 green and 1,024 blue values of a 32x32 image, each plane row-major. Nothing is
unpickled: the data is bytes, checked against known hashes before it is read.
"""

from __future__ import annotations

import os
import tarfile
import tempfile
import zlib
from pathlib import Path

import numpy as np

from ._find import BadDataFileError, advised, check_data, find_file, search_places, verify_hash
from ._registry import DATASETS, CifarDataset, Split

PIXELS_PER_IMAGE = 3 * 32 * 32
MAX_BATCH_BYTES = 64 * 2**20  # largest archive member read: a real batch is 30,730,000 bytes


def read_archive(archive: Path, spec: CifarDataset) -> dict[str, bytes]:
    """The batch files of the .tar.gz, read into memory (no path is ever extracted blindly)."""
    wanted = {f"{spec.batch_dir}/{name}": name for name in spec.batches}
    contents = {}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                name = wanted.get(member.name)
                if name is None:
                    continue
                if not member.isfile() or member.size > MAX_BATCH_BYTES:
                    raise BadDataFileError(archive, f"archive member {member.name} is not a regular batch file")
                contents[name] = tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise BadDataFileError(archive, f"not a readable .tar.gz archive, or truncated ({type(error).__name__}: "
                                        f"{error})") from None
    missing = [f"{spec.batch_dir}/{name}" for name in spec.batches if name not in contents]
    if missing:
        raise BadDataFileError(archive, f"the archive lacks {', '.join(missing)}")
    return contents


def parse_batch(content: bytes, path: Path, spec: CifarDataset) -> Split:
    """``(X, y)`` of one batch file: uint8 rows of 3,072 pixels and int64 labels."""
    record = 1 + PIXELS_PER_IMAGE
    if len(content) != spec.rows_per_batch * record:
        raise BadDataFileError(path, f"holds {len(content):,} bytes, not {spec.rows_per_batch:,} records of "
                                     f"{record:,} bytes: is this a batch of CIFAR-10's binary version?")
    rows = np.frombuffer(content, dtype=np.uint8).reshape(spec.rows_per_batch, record)
    if rows[:, 0].max() >= len(spec.classes):
        raise BadDataFileError(path, f"has labels outside 0..{len(spec.classes) - 1}")
    return rows[:, 1:].copy(), rows[:, 0].astype(np.int64)


def _write_atomically(path: Path, content: bytes) -> None:
    """Write via a temporary file and a rename, so ``path`` is never half-written."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def fetch_cifar(data_dir: str | Path | None = None, *, download: bool = True) -> tuple[str, Path]:
    """Find CIFAR-10: ``("folder", dir)`` of batch files or ``("archive", file)``; if neither
    is anywhere, download the archive and extract its verified batches into the cache."""
    spec: CifarDataset = DATASETS["cifar10"]
    places = search_places(spec.folder, spec.system_dirs, data_dir)
    for place in places:
        for folder in (place.path / spec.batch_dir, place.path):
            if all((folder / name).is_file() for name in spec.batches):
                return "folder", folder
        if (place.path / spec.archive_name).is_file():
            return "archive", place.path / spec.archive_name
    archive = find_file("cifar10", spec, [spec.archive_name], places, download)
    with advised("cifar10"):
        contents = read_archive(archive, spec)
        for name, content in contents.items():  # all verified before any is written
            verify_hash(content, spec.batch_hashes[name], archive, f"CIFAR-10 {name}")
    extracted = archive.parent / spec.batch_dir
    extracted.mkdir(parents=True, exist_ok=True)
    for name, content in contents.items():
        _write_atomically(extracted / name, content)
    archive.unlink()  # the verified batches are all we need; saves 162 MB
    return "folder", extracted


def load_cifar10(data_dir: str | Path | None = None, *, download: bool = True) -> tuple[Split, Split]:
    """Load CIFAR-10: 50,000 training and 10,000 test colour images, 32x32 pixels.

    Expects the official **binary version**, ``cifar-10-binary.tar.gz`` (MD5
    ``c32a1d4ab5d03f1284b67883e8d87530``; not the Python or Matlab versions): looks in
    ``data_dir``, ``$MLP_DATA_DIR/cifar-10/`` and the user cache for its extracted
    ``cifar-10-batches-bin/`` folder (or the six ``.bin`` files themselves), or for the
    archive; if none is found, downloads the archive, checks its MD5 and extracts the
    batches into the cache. Each batch file is checked against its known hash before it
    is read; nothing is unpickled.

    Parameters
    ----------
    data_dir : str or pathlib.Path, optional
        Folder searched first.
    download : bool, default True
        Download the archive if no local copy is found.

    Returns
    -------
    (X_train, y_train), (X_test, y_test) : tuple of tuple of numpy.ndarray
        ``X``: raw ``uint8`` of shape ``(N, 3072)`` in the official layout: per
        row, 1024 red values, then 1024 green, then 1024 blue, each a row-major
        32x32 plane (``X.reshape(-1, 3, 32, 32)`` gives channel-first images).
        ``y``: ``int64`` labels 0-9, named by :data:`CIFAR10_CLASSES`.

    Raises
    ------
    ValueError
        (:class:`BadDataFileError`) if a batch or the archive is damaged or not the official one.
    DatasetNotFoundError
        If CIFAR-10 is nowhere to be found and cannot be downloaded.
    """
    spec: CifarDataset = DATASETS["cifar10"]
    kind, location = fetch_cifar(data_dir, download=download)
    parts = {}
    with advised("cifar10"):
        if kind == "archive":
            contents, sources = read_archive(location, spec), dict.fromkeys(spec.batches, location)
        else:
            sources = {name: location / name for name in spec.batches}
            contents = {name: path.read_bytes() for name, path in sources.items()}
        for name in spec.batches:
            what = f"CIFAR-10 {name}" + (f" (in {spec.archive_name})" if kind == "archive" else "")
            verify_hash(check_data(contents[name], sources[name]), spec.batch_hashes[name], sources[name], what)
            parts[name] = parse_batch(contents[name], sources[name], spec)
    train, test = [parts[n] for n in spec.train_batches], [parts[n] for n in spec.test_batches]
    return ((np.concatenate([X for X, _ in train]), np.concatenate([y for _, y in train])),
            (np.concatenate([X for X, _ in test]), np.concatenate([y for _, y in test])))
