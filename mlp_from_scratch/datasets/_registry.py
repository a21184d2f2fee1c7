"""What each dataset consists of: files, expected hashes, shapes, download mirrors.

The loaders look their dataset up in :data:`DATASETS` at call time, so a test can
swap in an entry with small files, its own hashes and a local server's URL
(``monkeypatch.setitem(DATASETS, "mnist", dataclasses.replace(...))``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Split = tuple[np.ndarray, np.ndarray]  # (X, y) of one part of a dataset

MNIST_CLASSES = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")
DIGITS_CLASSES = MNIST_CLASSES
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip


@dataclass(frozen=True)
class DataFile:
    """One published file of an IDX dataset.

    ``name`` as published (``"train-images-idx3-ubyte.gz"``; the name without ``.gz``
    is accepted in local folders too); ``content_hash``, ``"sha256:<hex>"`` of the
    decompressed content, checked on every load; ``download_hash``, ``"md5:<hex>"`` of
    the published file, checked after a download; ``shape``, the shape it declares.
    """

    name: str
    content_hash: str
    download_hash: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class Dataset:
    """What every dataset has.

    Attributes
    ----------
    title : str
        Name for messages, e.g. ``"Fashion-MNIST"``.
    folder : str
        Sub-folder under ``$MLP_DATA_DIR`` and the cache, e.g. ``"fashion-mnist"``.
    mirrors : tuple of str
        Base URLs tried in order; a file's URL is ``mirror + name``.
    system_dirs : tuple of str
        Folders where an operating-system package installs the files.
    classes : tuple of str
        Class names, indexed by label.
    """

    title: str
    folder: str
    mirrors: tuple[str, ...]
    system_dirs: tuple[str, ...]
    classes: tuple[str, ...]


@dataclass(frozen=True)
class IdxDataset(Dataset):
    """An MNIST-style dataset: ``files``, the four IDX files by role (``"train_images"``,
    ``"train_labels"``, ``"test_images"``, ``"test_labels"``)."""

    files: dict[str, DataFile] = field(default_factory=dict)

    def download_hash(self, name: str) -> str:
        return next(file.download_hash for file in self.files.values() if file.name == name)


@dataclass(frozen=True)
class CifarDataset(Dataset):
    """CIFAR-10 in its official *binary version*: one archive (``archive_name``, with the
    published ``archive_hash``) whose folder ``batch_dir`` holds the batch files
    ``train_batches`` and ``test_batches``, each ``rows_per_batch`` records of 1 label
    byte and 3,072 pixel bytes; ``batch_hashes``, the hash of each, checked before it is read."""

    archive_name: str = ""
    archive_hash: str = ""
    batch_dir: str = ""
    train_batches: tuple[str, ...] = ()
    test_batches: tuple[str, ...] = ()
    batch_hashes: dict[str, str] = field(default_factory=dict)
    rows_per_batch: int = 0

    @property
    def batches(self) -> tuple[str, ...]:
        """All batch file names, training first."""
        return self.train_batches + self.test_batches

    def download_hash(self, name: str) -> str:
        return self.archive_hash


# role: (published name, shape); the same four files for MNIST and Fashion-MNIST
_IDX_FILES = {"train_images": ("train-images-idx3-ubyte.gz", (60000, 28, 28)),
              "train_labels": ("train-labels-idx1-ubyte.gz", (60000,)),
              "test_images": ("t10k-images-idx3-ubyte.gz", (10000, 28, 28)),
              "test_labels": ("t10k-labels-idx1-ubyte.gz", (10000,))}


def _idx_files(*hashes: tuple[str, str]) -> dict[str, DataFile]:
    """The four files from their (content SHA-256, download MD5), in the order of _IDX_FILES."""
    return {role: DataFile(name, "sha256:" + content, "md5:" + download, shape)
            for (role, (name, shape)), (content, download) in zip(_IDX_FILES.items(), hashes)}


MNIST = IdxDataset(
    title="MNIST",
    folder="mnist",
    files=_idx_files(
        ("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", "9fb629c4189551a2d022fa330f9573f3"),
        ("ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", "ec29112dd5afa0611ce80d1b7f02629c"),
    ),
    # The original host (yann.lecun.com) often refuses downloads: mirrors first.
    mirrors=("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/",
             "http://yann.lecun.com/exdb/mnist/"),
    system_dirs=(),
    classes=MNIST_CLASSES,
)  # fmt: skip

FASHION_MNIST = IdxDataset(
    title="Fashion-MNIST",
    folder="fashion-mnist",
    files=_idx_files(
        ("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", "25c81989df183df01b3e8a0aad5dffbe"),
        ("5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", "bef4ecab320f06d8554ea6380940ec79"),
        ("0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", "bb300cfdad3c16e7a12a480ee83cd310"),
    ),
    mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
             "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
    system_dirs=("/usr/share/datasets/fashion-mnist",),  # Debian/Ubuntu: apt-get install dataset-fashion-mnist
    classes=FASHION_MNIST_CLASSES,
)  # fmt: skip

CIFAR10 = CifarDataset(
    title="CIFAR-10",
    folder="cifar-10",
    mirrors=("https://www.cs.toronto.edu/~kriz/",),
    system_dirs=(),
    classes=CIFAR10_CLASSES,
    archive_name="cifar-10-binary.tar.gz",
    archive_hash="md5:c32a1d4ab5d03f1284b67883e8d87530",  # published on the dataset's page
    batch_dir="cifar-10-batches-bin",
    train_batches=("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                   "data_batch_5.bin"),
    test_batches=("test_batch.bin",),
    # MD5s of the extracted batch files: the dataset's page publishes only the archive's
    # MD5; these agree across independent projects that verify the binary version.
    batch_hashes={
        "data_batch_1.bin": "md5:5dd7e06a14cb22eb9f671a540d1b7c25",
        "data_batch_2.bin": "md5:5ea93a67294ea407fff1d09f752e9692",
        "data_batch_3.bin": "md5:942cd6a4bcdd0dd3c604fbe906cb4421",
        "data_batch_4.bin": "md5:ae636b3ba5c66a11e91e8cb52e771fcb",
        "data_batch_5.bin": "md5:53f37980c15c3d472c316c40844f3f0d",
        "test_batch.bin": "md5:803d5f7f4d78ea53de84dbe85f74fb6d",
    },
    rows_per_batch=10000,
)

# Keys are the names the CLI and class_names() accept (see canonical_name).
DATASETS: dict[str, IdxDataset | CifarDataset] = {
    "mnist": MNIST,
    "fashion-mnist": FASHION_MNIST,
    "cifar10": CIFAR10,
}

_CLASS_NAMES = {**{key: spec.classes for key, spec in DATASETS.items()}, "digits": DIGITS_CLASSES}


def canonical_name(name: str) -> str:
    """Map spellings like ``"Fashion_MNIST"`` or ``"cifar-10"`` to a registry key.

    Raises
    ------
    ValueError
        For an unknown dataset name.
    """
    squashed = name.lower().replace("-", "").replace("_", "")
    for key in _CLASS_NAMES:
        if key.replace("-", "") == squashed:
            return key
    raise ValueError(f"unknown dataset {name!r}; known: {', '.join(_CLASS_NAMES)}")


def class_names(name: str) -> tuple[str, ...]:
    """Return the class names of a dataset, indexed by label.

    Parameters
    ----------
    name : str
        ``"mnist"``, ``"fashion-mnist"``, ``"cifar10"`` or ``"digits"`` (case,
        hyphens and underscores do not matter).

    Returns
    -------
    tuple of str
        ``class_names(name)[label]`` is the name of ``label``.

    Examples
    --------
    >>> class_names("fashion-mnist")[9]
    'Ankle boot'
    """
    return _CLASS_NAMES[canonical_name(name)]
