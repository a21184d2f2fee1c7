"""The book's datasets, loaded from verified local copies or downloaded on demand.

Every loader returns ``(X_train, y_train), (X_test, y_test)`` with ``X`` as raw
``uint8`` pixels, one image per row, and ``y`` as ``int64`` labels. Scaling is a
separate, explicit step (:func:`scale_minus_one_one`, :func:`scale_zero_one`).

Data is looked for, in order, in the loader's ``data_dir=`` argument, in
``$MLP_DATA_DIR/<mnist|fashion-mnist|cifar-10>/``, in the user cache
(``pooch.os_cache("mlp_from_scratch")``), in system copies (Debian's
``dataset-fashion-mnist``), and is finally downloaded into the cache with pooch
(optional dependency: ``pip install 'mlp-from-scratch[data]'``). Every file is
checked against known hashes before use; a bad file raises a ``ValueError``
saying which file, what is wrong and what to do.

From a shell: ``python -m mlp_from_scratch.datasets fetch mnist fashion-mnist cifar10``
prefetches, ``python -m mlp_from_scratch.datasets info`` shows what is where.
"""

from pathlib import Path

from ._cifar import fetch_cifar, load_cifar10
from ._digits import load_digits
from ._find import BadDataFileError, DatasetNotFoundError
from ._idx import read_idx, write_idx
from ._mnist import load_fashion_mnist, load_idx_dataset, load_mnist, locate_idx_files
from ._registry import CIFAR10_CLASSES, DIGITS_CLASSES, FASHION_MNIST_CLASSES, MNIST_CLASSES, canonical_name, class_names
from ._scaling import DIGITS_MAX_VALUE, scale_minus_one_one, scale_zero_one

__all__ = [
    "load_mnist",
    "load_fashion_mnist",
    "load_cifar10",
    "load_digits",
    "class_names",
    "MNIST_CLASSES",
    "FASHION_MNIST_CLASSES",
    "CIFAR10_CLASSES",
    "DIGITS_CLASSES",
    "scale_zero_one",
    "scale_minus_one_one",
    "DIGITS_MAX_VALUE",
    "read_idx",
    "write_idx",
    "fetch",
    "BadDataFileError",
    "DatasetNotFoundError",
]


def fetch(name: str, data_dir: str | Path | None = None) -> list[Path]:
    """Make sure a dataset is available and intact, downloading it if needed.

    Finds the files like the loader does (downloading missing ones into the cache),
    then loads them once, which verifies every hash.

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
        load_digits()
        return []
    if key == "cifar10":
        location = fetch_cifar(data_dir)[1]
        load_cifar10(data_dir)
        return [location]
    paths = locate_idx_files(key, data_dir)
    load_idx_dataset(key, data_dir, download=False)
    return list(paths.values())
