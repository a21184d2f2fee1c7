"""MNIST and Fashion-MNIST: four IDX files each, verified by content hash."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._find import BadDataFileError, advised, find_file, read_content, search_places, verify_hash
from ._idx import idx_array, parse_idx_header
from ._registry import DATASETS, IdxDataset, Split

_ROLE_WORDS = {"train_images": "training images", "train_labels": "training labels",
               "test_images": "test images", "test_labels": "test labels"}


def locate_idx_files(key: str, data_dir: str | Path | None = None, *, download: bool = True) -> dict[str, Path]:
    """Find (or download) each file of an IDX dataset, on its own (a half-filled cache is
    completed, not ignored); both the ``.gz`` and the decompressed name count. Nothing is
    verified yet. Returns one path per role (``"train_images"``, ...)."""
    spec: IdxDataset = DATASETS[key]
    places = search_places(spec.folder, spec.system_dirs, data_dir)
    return {role: find_file(key, spec, [file.name, file.name.removesuffix(".gz")], places, download)
            for role, file in spec.files.items()}


def load_idx_dataset(key: str, data_dir: str | Path | None = None, *, download: bool = True) -> tuple[Split, Split]:
    """Load an MNIST-style dataset as flat uint8 images and int64 labels, every file checked
    for its structure, its shape and the SHA-256 of its content before it is used."""
    spec: IdxDataset = DATASETS[key]
    arrays = {}
    with advised(key):
        for role, path in locate_idx_files(key, data_dir, download=download).items():
            file, what = spec.files[role], f"the {spec.title} {_ROLE_WORDS[role]}"
            content = read_content(path)
            header = parse_idx_header(content, path)
            if header.shape != file.shape or header.dtype != np.dtype("u1"):
                raise BadDataFileError(path, f"holds {header.dtype} values of shape {header.shape}, but {what} "
                                             f"are uint8 of shape {file.shape}: is this the right file?")
            verify_hash(content, file.content_hash, path, what)  # before building the array
            arrays[role] = idx_array(content, header)
    X_train = arrays["train_images"].reshape(len(arrays["train_images"]), -1)
    X_test = arrays["test_images"].reshape(len(arrays["test_images"]), -1)
    return (X_train, arrays["train_labels"].astype(np.int64)), (X_test, arrays["test_labels"].astype(np.int64))


_LOADER_DOC = """Load {title}: 60,000 training and 10,000 test {what}, 28x28 pixels.

    Looks for the four official IDX files (``.gz`` or decompressed) in ``data_dir``,
    then in ``$MLP_DATA_DIR/{folder}/``, then in the user cache{system}, and downloads
    missing ones into the cache. Every file is checked against the SHA-256 of the
    official decompressed content before use.

    Parameters
    ----------
    data_dir : str or pathlib.Path, optional
        Folder holding the files (or a ``{folder}/`` sub-folder with them), searched first.
    download : bool, default True
        Download missing files. With ``False``, a missing file is an error.

    Returns
    -------
    (X_train, y_train), (X_test, y_test) : tuple of tuple of numpy.ndarray
        ``X``: raw ``uint8`` pixels, 0 = background, shape ``(N, 784)``, one row-major
        image per row. ``y``: ``int64`` labels 0-9{names}. Scale ``X`` explicitly,
        e.g. with :func:`scale_minus_one_one`.

    Raises
    ------
    ValueError
        (:class:`BadDataFileError`) if a file found is damaged or not the official one.
    DatasetNotFoundError
        If a file is nowhere to be found and cannot be downloaded; the message
        lists every place searched.
    """


def load_mnist(data_dir: str | Path | None = None, *, download: bool = True) -> tuple[Split, Split]:
    return load_idx_dataset("mnist", data_dir, download=download)


def load_fashion_mnist(data_dir: str | Path | None = None, *, download: bool = True) -> tuple[Split, Split]:
    return load_idx_dataset("fashion-mnist", data_dir, download=download)


load_mnist.__doc__ = _LOADER_DOC.format(title="MNIST", what="handwritten digits", folder="mnist", system="",
                                        names="") + """
    Examples
    --------
    >>> (X_train, y_train), (X_test, y_test) = load_mnist()  # doctest: +SKIP
    >>> X_train.shape, X_train.dtype, y_train[:5]  # doctest: +SKIP
    ((60000, 784), dtype('uint8'), array([5, 0, 4, 1, 9]))
    """
load_fashion_mnist.__doc__ = _LOADER_DOC.format(
    title="Fashion-MNIST", what="clothing images", folder="fashion-mnist",
    system=", then in ``/usr/share/datasets/fashion-mnist/`` (Debian package ``dataset-fashion-mnist``)",
    names=", named by :data:`FASHION_MNIST_CLASSES`")
