"""CIFAR-10, "python version": pickled batches, verified before they are unpickled.

A pickle can run arbitrary code while it loads, so two rules hold here:

1. a batch is unpickled only after its bytes matched the expected hash, and
2. even then, through :class:`BatchUnpickler`, which admits only plain types
   (dict, list, int, bytes) plus the three numpy names an array pickle refers
   to. Those three are replaced by inert stand-ins that merely record their
   arguments; the array is then built here, with every field checked, without
   running any numpy code on the file's behalf.
"""

from __future__ import annotations

import io
import math
import os
import pickle
import tarfile
import tempfile
import zlib
from pathlib import Path

import numpy as np

from ._errors import BadDataFileError
from ._files import check_not_empty_or_markup, verify_hash
from ._locations import dataset_cache_dir, search_places
from ._registry import DATASETS, CifarDataset
from ._search import bad_file_advice, download_or_explain

Split = tuple[np.ndarray, np.ndarray]

PIXELS_PER_IMAGE = 3 * 32 * 32
BATCH_KEYS = {b"batch_label", b"labels", b"data", b"filenames"}
# Largest member read from an archive: a real batch is about 30 MB.
MAX_BATCH_BYTES = 64 * 2**20


class _ArrayRecord:
    """Stand-in for ``numpy.core.multiarray._reconstruct(...)``: records the array's state."""

    def __init__(self, *args):
        self.args = args
        self.state = None

    def __setstate__(self, state):
        self.state = state


class _DtypeRecord:
    """Stand-in for ``numpy.dtype(...)``: records the type string and its state."""

    def __init__(self, *args):
        self.args = args
        self.state = None

    def __setstate__(self, state):
        self.state = state


_NDARRAY = object()  # stand-in for the class numpy.ndarray, only ever passed along

_ALLOWED_GLOBALS = {
    # numpy < 2 wrote "numpy.core", numpy >= 2 writes "numpy._core".
    ("numpy.core.multiarray", "_reconstruct"): _ArrayRecord,
    ("numpy._core.multiarray", "_reconstruct"): _ArrayRecord,
    ("numpy", "ndarray"): _NDARRAY,
    ("numpy", "dtype"): _DtypeRecord,
}


class BatchUnpickler(pickle.Unpickler):
    """Unpickler for CIFAR-10 batches: refuses every global except the numpy stand-ins."""

    def find_class(self, module, name):
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"refusing to load global {module}.{name}") from None


def _text(value) -> str | None:
    """Python 2 strings arrive as bytes (encoding="bytes"); accept both."""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value if isinstance(value, str) else None


def _uint8_matrix(record, n_rows: int) -> np.ndarray:
    """Build the ``data`` array from an :class:`_ArrayRecord`, checking every field."""
    if not isinstance(record, _ArrayRecord) or record.args[:1] != (_NDARRAY,) or record.state is None:
        raise ValueError("'data' is not a pickled numpy array")
    if not (isinstance(record.state, tuple) and len(record.state) == 5):
        raise ValueError("'data' has an unknown array pickle layout")
    version, shape, dtype, fortran_order, raw = record.state
    is_uint8 = (
        isinstance(dtype, _DtypeRecord)
        and _text(dtype.args[0] if dtype.args else None) == "u1"
        and (dtype.state is None or _text(dtype.state[1]) in ("|", "="))
    )
    if not is_uint8:
        raise ValueError("'data' is not an array of uint8")
    if version != 1 or fortran_order not in (False, 0):
        raise ValueError("'data' has an unknown array pickle layout")
    if shape != (n_rows, PIXELS_PER_IMAGE):
        raise ValueError(f"'data' has shape {shape}, expected {(n_rows, PIXELS_PER_IMAGE)}")
    if not isinstance(raw, bytes) or len(raw) != math.prod(shape):
        raise ValueError("'data' holds the wrong number of bytes for its shape")
    return np.frombuffer(raw, dtype=np.uint8).reshape(shape).copy()


def _labels(values, n_rows: int, n_classes: int) -> np.ndarray:
    if not isinstance(values, list) or not all(type(v) is int for v in values):
        raise ValueError("'labels' is not a list of integers")
    if len(values) != n_rows:
        raise ValueError(f"'labels' has {len(values)} entries, expected {n_rows}")
    labels = np.array(values, dtype=np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"'labels' has values outside 0..{n_classes - 1}")
    return labels


def parse_batch(content: bytes, n_rows: int, n_classes: int = 10) -> Split:
    """Unpickle one *already verified* batch and check its structure.

    Parameters
    ----------
    content : bytes
        The batch file's bytes, whose hash has been checked.
    n_rows : int
        Expected number of images.
    n_classes : int
        Labels must lie in ``0 .. n_classes - 1``.

    Returns
    -------
    X, y : numpy.ndarray
        ``uint8`` of shape ``(n_rows, 3072)`` and ``int64`` of shape ``(n_rows,)``.

    Raises
    ------
    ValueError
        Describing the first structural problem found.
    """
    try:
        batch = BatchUnpickler(io.BytesIO(content), encoding="bytes").load()
    except Exception as error:  # any failure to parse is a structural problem
        raise ValueError(f"it cannot be unpickled as a CIFAR-10 batch ({type(error).__name__}: {error})") from None
    if not isinstance(batch, dict) or set(batch) != BATCH_KEYS:
        keys = sorted(batch) if isinstance(batch, dict) else type(batch).__name__
        raise ValueError(f"it is not a CIFAR-10 batch dict (found {keys})")
    filenames = batch[b"filenames"]
    if not (isinstance(filenames, list) and len(filenames) == n_rows):
        raise ValueError(f"'filenames' is not a list of {n_rows} names")
    return _uint8_matrix(batch[b"data"], n_rows), _labels(batch[b"labels"], n_rows, n_classes)


def _read_archive_members(archive: Path, spec: CifarDataset, advice: str) -> dict[str, bytes]:
    """Read the batch files out of the .tar.gz into memory (never extracting paths blindly)."""
    wanted = {f"{spec.batch_dir}/{name}": name for name in spec.batches}
    contents = {}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                name = wanted.get(member.name)
                if name is None:
                    continue
                if not member.isfile() or member.size > MAX_BATCH_BYTES:
                    raise BadDataFileError(archive, f"archive member {member.name} is not a regular batch file", advice)
                contents[name] = tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
        raise BadDataFileError(
            archive, f"not a readable .tar.gz archive, or truncated ({type(error).__name__}: {error})", advice
        ) from None
    missing = [name for name in spec.batches if name not in contents]
    if missing:
        listed = ", ".join(f"{spec.batch_dir}/{name}" for name in missing)
        raise BadDataFileError(archive, f"the archive lacks {listed}", advice)
    return contents


def locate_cifar(data_dir: str | Path | None = None) -> tuple[str, Path] | None:
    """Find CIFAR-10 locally: ``("folder", dir)`` of extracted batches or ``("archive", file)``."""
    spec: CifarDataset = DATASETS["cifar10"]
    for place in search_places(spec.folder, spec.system_dirs, data_dir):
        for folder in (place.path / spec.batch_dir, place.path):
            if all((folder / name).is_file() for name in spec.batches):
                return "folder", folder
        if (place.path / spec.archive_name).is_file():
            return "archive", place.path / spec.archive_name
    return None


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
    """Find CIFAR-10 locally, or download it and extract the verified batches into the cache."""
    spec: CifarDataset = DATASETS["cifar10"]
    found = locate_cifar(data_dir)
    if found is not None:
        return found
    places = search_places(spec.folder, spec.system_dirs, data_dir)
    cache = dataset_cache_dir(spec.folder)
    download_args = (spec.archive_name, spec.archive_hash, spec.mirrors, cache)
    wanted = [spec.archive_name, f"{spec.batch_dir}/{{{','.join(spec.batches)}}}"]
    archive = download_or_explain("cifar10", spec, places, wanted, download_args if download else None)
    advice = bad_file_advice(archive, "cifar10")
    contents = _read_archive_members(archive, spec, advice)
    for name, content in contents.items():  # all verified before any is written
        verify_hash(content, spec.batch_hashes[name], archive, f"CIFAR-10 {name}", advice)
    extracted = cache / spec.batch_dir
    extracted.mkdir(parents=True, exist_ok=True)
    for name, content in contents.items():
        _write_atomically(extracted / name, content)
    archive.unlink()  # the verified batches are all we need; saves 163 MB
    return "folder", extracted


def load_cifar10(data_dir: str | Path | None = None, *, download: bool = True) -> tuple[Split, Split]:
    """Load CIFAR-10: 50,000 training and 10,000 test colour images, 32x32 pixels.

    Looks in ``data_dir``, ``$MLP_DATA_DIR/cifar-10/`` and the user cache for the
    extracted ``cifar-10-batches-py/`` folder (or the batch files themselves), or
    for the official ``cifar-10-python.tar.gz``; if none is found, downloads the
    archive (checked against its published MD5) and extracts the batches into the
    cache. Each batch's hash is checked *before* it is unpickled, and it is
    unpickled by a restricted unpickler that admits only plain types.

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
        (:class:`BadDataFileError`) if a batch or the archive is damaged or not
        the official one.
    DatasetNotFoundError
        If CIFAR-10 is nowhere to be found and cannot be downloaded.
    """
    spec: CifarDataset = DATASETS["cifar10"]
    kind, location = fetch_cifar(data_dir, download=download)
    advice = bad_file_advice(location, "cifar10")
    if kind == "archive":
        contents = _read_archive_members(location, spec, advice)
        sources = {name: location for name in spec.batches}
    else:
        sources = {name: location / name for name in spec.batches}
        contents = {name: path.read_bytes() for name, path in sources.items()}
    parts = {}
    for name in spec.batches:
        source = sources[name]
        what = f"CIFAR-10 {name}" if kind == "folder" else f"CIFAR-10 {name} (in {spec.archive_name})"
        check_not_empty_or_markup(contents[name], source, advice)
        verify_hash(contents[name], spec.batch_hashes[name], source, what, advice)
        try:
            parts[name] = parse_batch(contents[name], spec.rows_per_batch, len(spec.classes))
        except ValueError as error:
            problem = str(error) if kind == "folder" else f"member {name}: {error}"
            raise BadDataFileError(source, problem, advice) from None
    X_train = np.concatenate([parts[name][0] for name in spec.train_batches])
    y_train = np.concatenate([parts[name][1] for name in spec.train_batches])
    X_test = np.concatenate([parts[name][0] for name in spec.test_batches])
    y_test = np.concatenate([parts[name][1] for name in spec.test_batches])
    return (X_train, y_train), (X_test, y_test)
