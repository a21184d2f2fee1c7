"""MNIST and Fashion-MNIST: four IDX files each, verified by content hash."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._errors import BadDataFileError
from ._files import read_content, verify_hash
from ._idx import idx_array, parse_idx_header
from ._locations import dataset_cache_dir, search_places
from ._registry import DATASETS, DataFile, IdxDataset
from ._search import bad_file_advice, download_or_explain, first_existing

Split = tuple[np.ndarray, np.ndarray]

_ROLE_WORDS = {
    "train_images": "training images",
    "train_labels": "training labels",
    "test_images": "test images",
    "test_labels": "test labels",
}


def locate_idx_files(key: str, data_dir: str | Path | None = None, *, download: bool = True) -> dict[str, Path]:
    """Find (or download) each file of an IDX dataset; nothing is verified yet.

    Each file is looked up on its own, so a half-filled cache is completed
    rather than ignored. Both the ``.gz`` name and the decompressed name count.

    Parameters
    ----------
    key : str
        ``"mnist"`` or ``"fashion-mnist"``.
    data_dir : str or pathlib.Path, optional
        Folder searched first.
    download : bool
        Download missing files into the cache.

    Returns
    -------
    dict of str to pathlib.Path
        One path per role (``"train_images"``, ...).
    """
    spec: IdxDataset = DATASETS[key]
    places = search_places(spec.folder, spec.system_dirs, data_dir)
    paths = {}
    for role, file in spec.files.items():
        names = [file.name, file.name.removesuffix(".gz")]
        path = first_existing(places, names)
        if path is None:
            download_args = (file.name, file.download_hash, spec.mirrors, dataset_cache_dir(spec.folder))
            path = download_or_explain(key, spec, places, names, download_args if download else None)
        paths[role] = path
    return paths


def load_verified_idx(path: Path, file: DataFile, what: str, advice: str) -> np.ndarray:
    """Read one IDX file, check its structure, shape and content hash, return its array."""
    content = read_content(path, advice)
    header = parse_idx_header(content, path, advice)
    if header.shape != file.shape or header.dtype != np.dtype("u1"):
        raise BadDataFileError(
            path,
            f"holds {header.dtype} values of shape {header.shape}, but {what} are uint8 of "
            f"shape {file.shape}: is this the right file?",
            advice,
        )
    # Hash before building the array: bad data is never handed out.
    verify_hash(content, file.content_hash, path, what, advice)
    return idx_array(content, header)


def load_idx_dataset(key: str, data_dir: str | Path | None = None, *, download: bool = True) -> tuple[Split, Split]:
    """Load an MNIST-style dataset as flat uint8 images and int64 labels."""
    spec: IdxDataset = DATASETS[key]
    arrays = {}
    for role, path in locate_idx_files(key, data_dir, download=download).items():
        what = f"the {spec.title} {_ROLE_WORDS[role]}"
        arrays[role] = load_verified_idx(path, spec.files[role], what, bad_file_advice(path, key))
    X_train = arrays["train_images"].reshape(len(arrays["train_images"]), -1)
    X_test = arrays["test_images"].reshape(len(arrays["test_images"]), -1)
    return (X_train, arrays["train_labels"].astype(np.int64)), (X_test, arrays["test_labels"].astype(np.int64))


def load_mnist(data_dir: str | Path | None = None, *, download: bool = True) -> tuple[Split, Split]:
    """Load MNIST: 60,000 training and 10,000 test handwritten digits, 28x28 pixels.

    Looks for the four official IDX files (``.gz`` or decompressed) in ``data_dir``,
    then in ``$MLP_DATA_DIR/mnist/``, then in the user cache, and downloads missing
    ones into the cache. Every file is checked against the SHA-256 of the official
    decompressed content before use.

    Parameters
    ----------
    data_dir : str or pathlib.Path, optional
        Folder holding the files (or an ``mnist/`` sub-folder with them), searched first.
    download : bool, default True
        Download missing files. With ``False``, a missing file is an error.

    Returns
    -------
    (X_train, y_train), (X_test, y_test) : tuple of tuple of numpy.ndarray
        ``X``: raw ``uint8`` pixels, 0 = background, shape ``(N, 784)``, one
        row-major image per row. ``y``: ``int64`` digits 0-9. Scale ``X``
        explicitly, e.g. with :func:`scale_minus_one_one`.

    Raises
    ------
    ValueError
        (:class:`BadDataFileError`) if a file found is damaged or not the official one.
    DatasetNotFoundError
        If a file is nowhere to be found and cannot be downloaded; the message
        lists every place searched.

    Examples
    --------
    >>> (X_train, y_train), (X_test, y_test) = load_mnist()  # doctest: +SKIP
    >>> X_train.shape, X_train.dtype, y_train[:5]  # doctest: +SKIP
    ((60000, 784), dtype('uint8'), array([5, 0, 4, 1, 9]))
    """
    return load_idx_dataset("mnist", data_dir, download=download)


def load_fashion_mnist(data_dir: str | Path | None = None, *, download: bool = True) -> tuple[Split, Split]:
    """Load Fashion-MNIST: 60,000 training and 10,000 test clothing images, 28x28 pixels.

    Looks for the four official IDX files (``.gz`` or decompressed) in ``data_dir``,
    then in ``$MLP_DATA_DIR/fashion-mnist/``, then in the user cache, then in
    ``/usr/share/datasets/fashion-mnist/`` (Debian package ``dataset-fashion-mnist``),
    and downloads missing ones into the cache. Every file is checked against the
    SHA-256 of the official decompressed content before use.

    Parameters
    ----------
    data_dir : str or pathlib.Path, optional
        Folder holding the files (or a ``fashion-mnist/`` sub-folder with them),
        searched first.
    download : bool, default True
        Download missing files. With ``False``, a missing file is an error.

    Returns
    -------
    (X_train, y_train), (X_test, y_test) : tuple of tuple of numpy.ndarray
        ``X``: raw ``uint8`` pixels, 0 = background, shape ``(N, 784)``. ``y``:
        ``int64`` labels 0-9, named by :data:`FASHION_MNIST_CLASSES`.

    Raises
    ------
    ValueError
        (:class:`BadDataFileError`) if a file found is damaged or not the official one.
    DatasetNotFoundError
        If a file is nowhere to be found and cannot be downloaded; the message
        lists every place searched.
    """
    return load_idx_dataset("fashion-mnist", data_dir, download=download)
