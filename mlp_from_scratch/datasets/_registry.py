"""What each dataset consists of: files, expected hashes, shapes, download mirrors.

The loaders look their dataset up in :data:`DATASETS` at call time, so a test can
swap in an entry with small files, its own hashes and a local server's URL
(``monkeypatch.setitem(DATASETS, "mnist", dataclasses.replace(...))``).
"""

from __future__ import annotations

from dataclasses import dataclass

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

    Attributes
    ----------
    name : str
        File name as published, e.g. ``"train-images-idx3-ubyte.gz"``. The
        uncompressed name (without ``.gz``) is accepted in local folders too.
    content_hash : str
        ``"sha256:<hex>"`` of the decompressed content: checked on every load.
    download_hash : str
        ``"md5:<hex>"`` of the published compressed file: checked after a download.
    shape : tuple of int
        The array shape the file declares.
    """

    name: str
    content_hash: str
    download_hash: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class IdxDataset:
    """An MNIST-style dataset: four IDX files (train/test images and labels).

    Attributes
    ----------
    title : str
        Name for messages, e.g. ``"Fashion-MNIST"``.
    folder : str
        Sub-folder under ``$MLP_DATA_DIR`` and the cache, e.g. ``"fashion-mnist"``.
    files : dict of str to DataFile
        Keys ``"train_images"``, ``"train_labels"``, ``"test_images"``, ``"test_labels"``.
    mirrors : tuple of str
        Base URLs tried in order; a file's URL is ``mirror + name``.
    system_dirs : tuple of str
        Folders where an operating-system package installs the files.
    classes : tuple of str
        Class names, indexed by label.
    """

    title: str
    folder: str
    files: dict[str, DataFile]
    mirrors: tuple[str, ...]
    system_dirs: tuple[str, ...]
    classes: tuple[str, ...]


@dataclass(frozen=True)
class CifarDataset:
    """CIFAR-10 in its "python version": one archive of pickled batches.

    Attributes
    ----------
    title, folder, mirrors, system_dirs, classes
        As for :class:`IdxDataset`.
    archive_name : str
        The published archive, ``"cifar-10-python.tar.gz"``.
    archive_hash : str
        ``"md5:<hex>"`` of the archive, as published with the dataset.
    batch_dir : str
        The folder inside the archive that holds the batches.
    train_batches, test_batches : tuple of str
        Batch file names, in order.
    batch_hashes : dict of str to str
        Expected hash of each extracted batch file, checked before it is unpickled.
    rows_per_batch : int
        Images per batch.
    """

    title: str
    folder: str
    mirrors: tuple[str, ...]
    system_dirs: tuple[str, ...]
    classes: tuple[str, ...]
    archive_name: str
    archive_hash: str
    batch_dir: str
    train_batches: tuple[str, ...]
    test_batches: tuple[str, ...]
    batch_hashes: dict[str, str]
    rows_per_batch: int

    @property
    def batches(self) -> tuple[str, ...]:
        """All batch file names, training first."""
        return self.train_batches + self.test_batches


def _idx_files(hashes: dict[str, tuple[str, str]]) -> dict[str, DataFile]:
    shapes = {
        "train_images": (60000, 28, 28),
        "train_labels": (60000,),
        "test_images": (10000, 28, 28),
        "test_labels": (10000,),
    }
    names = {
        "train_images": "train-images-idx3-ubyte.gz",
        "train_labels": "train-labels-idx1-ubyte.gz",
        "test_images": "t10k-images-idx3-ubyte.gz",
        "test_labels": "t10k-labels-idx1-ubyte.gz",
    }
    return {
        role: DataFile(names[role], "sha256:" + content_sha256, "md5:" + download_md5, shapes[role])
        for role, (content_sha256, download_md5) in hashes.items()
    }


MNIST = IdxDataset(
    title="MNIST",
    folder="mnist",
    files=_idx_files(
        {
            "train_images": ("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
            "train_labels": ("65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", "d53e105ee54ea40749a09fcbcd1e9432"),
            "test_images": ("0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", "9fb629c4189551a2d022fa330f9573f3"),
            "test_labels": ("ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", "ec29112dd5afa0611ce80d1b7f02629c"),
        }
    ),
    # The original host (yann.lecun.com) often refuses downloads: mirrors first.
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    system_dirs=(),
    classes=MNIST_CLASSES,
)  # fmt: skip

FASHION_MNIST = IdxDataset(
    title="Fashion-MNIST",
    folder="fashion-mnist",
    files=_idx_files(
        {
            "train_images": ("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            "train_labels": ("bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", "25c81989df183df01b3e8a0aad5dffbe"),
            "test_images": ("5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", "bef4ecab320f06d8554ea6380940ec79"),
            "test_labels": ("0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", "bb300cfdad3c16e7a12a480ee83cd310"),
        }
    ),
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    # Debian/Ubuntu: apt-get install dataset-fashion-mnist
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    classes=FASHION_MNIST_CLASSES,
)  # fmt: skip

CIFAR10 = CifarDataset(
    title="CIFAR-10",
    folder="cifar-10",
    mirrors=("https://www.cs.toronto.edu/~kriz/",),
    system_dirs=(),
    classes=CIFAR10_CLASSES,
    archive_name="cifar-10-python.tar.gz",
    archive_hash="md5:c58f30108f718f92721af3b95e74349a",
    batch_dir="cifar-10-batches-py",
    train_batches=("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"),
    test_batches=("test_batch",),
    # MD5s of the extracted batch files, as published with torchvision's CIFAR10 class.
    batch_hashes={
        "data_batch_1": "md5:c99cafc152244af753f735de768cd75f",
        "data_batch_2": "md5:d4bba439e000b95fd0a9bffe97cbabec",
        "data_batch_3": "md5:54ebc095f3ab1f0389bbae665268c751",
        "data_batch_4": "md5:634d18415352ddfa80567beed471001a",
        "data_batch_5": "md5:482c414d41f54cd18b22e5b47cb7c3cb",
        "test_batch": "md5:40351d587109b95175f43aff81a1287e",
    },
    rows_per_batch=10000,
)

# Keys are the names the CLI and class_names() accept (see canonical_name).
DATASETS: dict[str, IdxDataset | CifarDataset] = {
    "mnist": MNIST,
    "fashion-mnist": FASHION_MNIST,
    "cifar10": CIFAR10,
}

_CLASS_NAMES = {
    "mnist": MNIST_CLASSES,
    "fashion-mnist": FASHION_MNIST_CLASSES,
    "cifar10": CIFAR10_CLASSES,
    "digits": DIGITS_CLASSES,
}


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
