"""Tests of mlp_from_scratch.datasets: formats, verification, search order, downloads, CLI.

Small files in the official formats are generated here (see data_helpers.py); a
local HTTP server on 127.0.0.1 stands in for the download mirrors. The real MNIST
and Fashion-MNIST copies are used when present and skipped otherwise.
"""

from __future__ import annotations

import dataclasses
import gzip
import importlib.util
import ast
import os
import re
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import numpy as np
import pytest

from data_helpers import BATCH_NAMES, FileServer, cifar_batches, cifar_tar_gz, files_in, gz, md5, sha256
from mlp_from_scratch import datasets
from mlp_from_scratch.datasets import (
    BadDataFileError,
    DatasetNotFoundError,
    load_cifar10,
    load_fashion_mnist,
    load_mnist,
    read_idx,
    write_idx,
)
from mlp_from_scratch.datasets import _find, _registry
from mlp_from_scratch.datasets.__main__ import main as cli_main
from mlp_from_scratch.datasets._mnist import locate_idx_files

REPO = Path(__file__).resolve().parents[1]


# ====================================================================== fixtures


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty user cache, no $MLP_DATA_DIR, and no waiting between download retries."""
    cache_dir = tmp_path / "cache"
    monkeypatch.setattr(_find, "user_cache_dir", lambda: cache_dir)
    monkeypatch.delenv("MLP_DATA_DIR", raising=False)
    if importlib.util.find_spec("pooch"):  # pooch waits 1 s, 2 s, ... between retries: not here
        import pooch.core

        monkeypatch.setattr(pooch.core, "time", types.SimpleNamespace(sleep=lambda seconds: None))
    return cache_dir


def idx_bytes(array) -> bytes:
    """IDX bytes by the package's writer (pinned to hand-written bytes below)."""
    with tempfile.TemporaryDirectory() as folder:
        return write_idx(Path(folder) / "a.idx", array).read_bytes()


ROLE_NAMES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


class SmallIdx:
    """A miniature MNIST (30 training, 12 test images) registered in place of the real one."""

    def __init__(self, monkeypatch, key="mnist", mirrors=(), system_dirs=()):
        rng = np.random.default_rng(1)
        self.key = key
        self.arrays = {
            "train_images": rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
            "train_labels": (np.arange(30) % 10).astype(np.uint8),
            "test_images": rng.integers(0, 256, (12, 28, 28), dtype=np.uint8),
            "test_labels": (np.arange(12) * 3 % 10).astype(np.uint8),
        }
        self.content = {role: idx_bytes(array) for role, array in self.arrays.items()}
        self.gz = {role: gz(content) for role, content in self.content.items()}
        files = {
            role: _registry.DataFile(
                ROLE_NAMES[role], sha256(self.content[role]), md5(self.gz[role]), self.arrays[role].shape
            )
            for role in ROLE_NAMES
        }
        self.spec = dataclasses.replace(_registry.DATASETS[key], files=files, system_dirs=tuple(map(str, system_dirs)))
        self.use_mirrors(monkeypatch, mirrors)

    def use_mirrors(self, monkeypatch, mirrors):
        self.spec = dataclasses.replace(self.spec, mirrors=tuple(mirrors))
        monkeypatch.setitem(_registry.DATASETS, self.key, self.spec)

    def write(self, folder: Path, compressed=True) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        for role, name in ROLE_NAMES.items():
            if compressed:
                (folder / name).write_bytes(self.gz[role])
            else:
                (folder / name.removesuffix(".gz")).write_bytes(self.content[role])
        return folder

    def check(self, loaded):
        (X_train, y_train), (X_test, y_test) = loaded
        assert X_train.shape == (30, 784) and X_test.shape == (12, 784)
        assert X_train.dtype == np.uint8 and y_train.dtype == np.int64
        np.testing.assert_array_equal(X_train, self.arrays["train_images"].reshape(30, 784))
        np.testing.assert_array_equal(X_test, self.arrays["test_images"].reshape(12, 784))
        np.testing.assert_array_equal(y_train, self.arrays["train_labels"])
        np.testing.assert_array_equal(y_test, self.arrays["test_labels"])


@pytest.fixture
def small_mnist(monkeypatch, cache):
    return SmallIdx(monkeypatch)


# ====================================================================== IDX format


@pytest.mark.parametrize("compressed", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize(
    "array",
    [
        np.array([7, 0, 255, 3], dtype=np.uint8),
        np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4),
        np.array([[-300, 2], [32767, -32768]], dtype=np.int16),
        np.array([1.5, -2.25, 1e30], dtype=np.float32),
        np.array([[np.pi, -1e-300]], dtype=np.float64),
        np.array([-(2**31), 2**31 - 1], dtype=np.int32),
    ],
    ids=["1d-u8", "3d-u8", "2d-i16", "1d-f32", "2d-f64", "1d-i32"],
)
def test_read_idx_round_trip(tmp_path, array, compressed):
    content = idx_bytes(array)
    path = tmp_path / ("a.idx.gz" if compressed else "a.idx")
    path.write_bytes(gz(content) if compressed else content)
    loaded = read_idx(path)
    assert loaded.shape == array.shape
    assert loaded.dtype == array.dtype and loaded.dtype.isnative
    np.testing.assert_array_equal(loaded, array)
    assert loaded.flags.writeable


# Hand-written IDX files: magic 00 00 <type> <ndim>, big-endian sizes, big-endian values.
HAND_WRITTEN_IDX = [
    (b"\0\0\x0b\x02" + b"\0\0\0\x01" + b"\0\0\0\x02" + b"\x01\x02\xff\xfe", np.array([[258, -2]], dtype=np.int16)),
    (b"\0\0\x08\x03" + b"\0\0\0\x02\0\0\0\x03\0\0\0\x04" + bytes(range(24)), np.arange(24, dtype=np.uint8).reshape(2, 3, 4)),
    (b"\0\0\x0d\x01\0\0\0\x01" + b"\x3f\xc0\x00\x00", np.array([1.5], dtype=np.float32)),
]


@pytest.mark.parametrize("content, array", HAND_WRITTEN_IDX, ids=["i16", "u8", "f32"])
def test_idx_reader_and_writer_match_hand_written_files(tmp_path, content, array):
    path = tmp_path / "h.idx"
    path.write_bytes(content)
    np.testing.assert_array_equal(read_idx(path), array)
    assert read_idx(path).dtype == array.dtype
    assert write_idx(tmp_path / "w.idx", array).read_bytes() == content


def test_write_idx_compresses_by_suffix_and_rejects_unsupported_dtypes(tmp_path):
    array = np.arange(10, dtype=np.uint8)
    assert write_idx(tmp_path / "x.gz", array).read_bytes()[:2] == b"\x1f\x8b"
    np.testing.assert_array_equal(read_idx(tmp_path / "x.gz"), array)
    with pytest.raises(ValueError, match="cannot store dtype"):
        write_idx(tmp_path / "y", np.arange(3, dtype=np.uint64))


GOOD_IDX = idx_bytes(np.arange(60, dtype=np.uint8).reshape(3, 4, 5))


def _flip_middle(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


# (name, file bytes, expected message fragment)
CORRUPT_IDX = [
    ("empty", b"", "empty"),
    ("html", b"<!DOCTYPE html>\n<html><body>Access denied</body></html>", "HTML"),
    ("s3-xml-error", b'<?xml version="1.0"?><Error><Code>NoSuchKey</Code></Error>', "HTML/XML page"),
    ("wrong-magic", b"\x01\x02" + GOOD_IDX[2:], "wrong magic"),
    ("unknown-type", b"\0\0\x07" + GOOD_IDX[3:], "unknown IDX data type"),
    ("zero-dims", b"\0\0\x08\x00", "0 dimensions"),
    ("header-cut", GOOD_IDX[:9], "truncated inside its header"),
    ("truncated-payload", GOOD_IDX[:-1], "truncated: its header declares shape (3, 4, 5)"),
    ("truncated-payload-in-gz", gz(GOOD_IDX[:-7]), "truncated: its header declares"),
    ("extra-bytes", GOOD_IDX + b"\0\0", "2 extra bytes follow"),
    ("extra-bytes-in-gz", gz(GOOD_IDX + b"x"), "1 extra bytes follow"),
    ("truncated-gzip-stream", gz(GOOD_IDX)[:-12], "gzip stream is damaged or truncated"),
    ("corrupt-gzip-stream", _flip_middle(gz(GOOD_IDX, level=0)), "gzip stream is damaged or truncated"),
    ("bytes-after-gzip-stream", gz(GOOD_IDX) + b"garbage", "gzip stream is damaged or truncated"),
    ("gzip-of-nothing", gz(b""), "empty"),
]


@pytest.mark.parametrize("name, data, message", CORRUPT_IDX, ids=[case[0] for case in CORRUPT_IDX])
def test_read_idx_rejects_bad_files_with_clear_errors(tmp_path, name, data, message):
    path = tmp_path / f"{name}.gz"
    path.write_bytes(data)
    with pytest.raises(ValueError) as caught:
        read_idx(path)
    error = caught.value
    assert isinstance(error, BadDataFileError)
    text = str(error)
    assert message in text
    assert str(path) in text  # names the file
    assert "Delete or replace" in text  # says what to do


def test_a_good_file_passes_the_same_checks(tmp_path):
    # Guards the corrupt cases against passing for a wrong reason.
    for suffix, data in [("raw", GOOD_IDX), ("gz", gz(GOOD_IDX)), ("gz2", gz(GOOD_IDX) + b"\0\0\0")]:
        path = tmp_path / suffix
        path.write_bytes(data)
        assert read_idx(path).shape == (3, 4, 5)


def test_multi_member_gzip_is_read_whole(tmp_path):
    path = tmp_path / "two-members.gz"
    path.write_bytes(gz(GOOD_IDX[:20]) + gz(GOOD_IDX[20:]))
    np.testing.assert_array_equal(read_idx(path), np.arange(60).reshape(3, 4, 5))


# ====================================================================== IDX loaders, local copies


def test_loader_reads_small_dataset_from_data_dir(small_mnist, tmp_path):
    small_mnist.check(load_mnist(small_mnist.write(tmp_path / "mine"), download=False))


def test_loader_accepts_decompressed_files_and_a_parent_data_dir(small_mnist, tmp_path):
    small_mnist.write(tmp_path / "root" / "mnist", compressed=False)
    small_mnist.check(load_mnist(tmp_path / "root", download=False))


def test_search_order_data_dir_then_env_then_cache_then_system(monkeypatch, cache, tmp_path):
    system = tmp_path / "system"
    small = SmallIdx(monkeypatch, key="fashion-mnist", system_dirs=[system])
    explicit = small.write(tmp_path / "explicit")
    env_dir = small.write(tmp_path / "env" / "fashion-mnist")
    cached = small.write(cache / "fashion-mnist")
    small.write(system)
    monkeypatch.setenv("MLP_DATA_DIR", str(tmp_path / "env"))

    def used():
        return {path.parent for path in locate_idx_files("fashion-mnist", explicit_arg, download=False).values()}

    explicit_arg = explicit
    assert used() == {explicit}
    explicit_arg = None
    assert used() == {env_dir}
    monkeypatch.delenv("MLP_DATA_DIR")
    assert used() == {cached}
    for path in cached.iterdir():
        path.unlink()
    assert used() == {system}
    small.check(load_fashion_mnist(download=False))


def test_each_file_is_looked_up_on_its_own(small_mnist, cache, tmp_path):
    mine = small_mnist.write(tmp_path / "mine")
    (mine / ROLE_NAMES["test_labels"]).unlink()
    small_mnist.write(cache / "mnist")
    paths = locate_idx_files("mnist", mine, download=False)
    assert paths["test_labels"] == cache / "mnist" / ROLE_NAMES["test_labels"]
    assert paths["train_images"] == mine / ROLE_NAMES["train_images"]


def test_modified_file_is_detected_by_content_hash(small_mnist, tmp_path):
    folder = small_mnist.write(tmp_path / "mine")
    images = small_mnist.arrays["train_images"].copy()
    images[3, 10, 10] ^= 1  # one bit: structure intact, content wrong
    (folder / ROLE_NAMES["train_images"]).write_bytes(gz(idx_bytes(images)))
    with pytest.raises(BadDataFileError, match="hash mismatch") as caught:
        load_mnist(folder, download=False)
    text = str(caught.value)
    assert ROLE_NAMES["train_images"] in text and "MNIST training images" in text
    assert "MLP_DATA_DIR" in text  # a user's own folder: replace it, or point elsewhere


def test_recompressed_file_with_identical_content_is_accepted(small_mnist, tmp_path):
    # Redistributors (e.g. Debian) recompress: the bytes differ, the content does not.
    folder = small_mnist.write(tmp_path / "mine")
    (folder / ROLE_NAMES["train_images"]).write_bytes(gz(small_mnist.content["train_images"], level=1))
    small_mnist.check(load_mnist(folder, download=False))


def test_file_of_the_wrong_shape_is_named(small_mnist, tmp_path):
    folder = small_mnist.write(tmp_path / "mine")
    swapped = folder / ROLE_NAMES["train_labels"]
    swapped.write_bytes(small_mnist.gz["test_labels"])
    expected = r"shape \(12,\), but the MNIST training labels are uint8 of shape \(30,\)"
    with pytest.raises(BadDataFileError, match=expected):
        load_mnist(folder, download=False)


def test_bad_file_in_cache_says_delete_it(small_mnist, cache):
    folder = small_mnist.write(cache / "mnist")
    (folder / ROLE_NAMES["test_images"]).write_bytes(gz(small_mnist.content["test_images"])[:100])
    with pytest.raises(BadDataFileError, match="truncated") as caught:
        load_mnist(download=False)
    assert "Delete it" in str(caught.value)


def test_missing_data_without_download_lists_every_place(monkeypatch, cache, tmp_path):
    system = tmp_path / "usr-share"
    SmallIdx(monkeypatch, key="fashion-mnist", system_dirs=[system])
    monkeypatch.setenv("MLP_DATA_DIR", str(tmp_path / "env"))
    with pytest.raises(DatasetNotFoundError) as caught:
        load_fashion_mnist(tmp_path / "given", download=False)
    text = str(caught.value)
    for place in [tmp_path / "given", tmp_path / "env" / "fashion-mnist", cache / "fashion-mnist", system]:
        assert str(place) in text
    assert "python -m mlp_from_scratch.datasets fetch fashion-mnist" in text
    assert "MLP_DATA_DIR" in text and "data_dir=" in text
    assert isinstance(caught.value, FileNotFoundError)


# ====================================================================== downloads

needs_pooch = pytest.mark.skipif(importlib.util.find_spec("pooch") is None, reason="pooch not installed")


def _serve_small(small: SmallIdx, prefix="/mirror/", **overrides):
    routes = {prefix + ROLE_NAMES[role]: small.gz[role] for role in ROLE_NAMES}
    routes.update({prefix + name: response for name, response in overrides.items()})
    return routes


@needs_pooch
def test_download_into_cache_then_reuse(monkeypatch, cache):
    small = SmallIdx(monkeypatch)
    with FileServer(_serve_small(small)) as server:
        small.use_mirrors(monkeypatch, [server.url + "/mirror/"])
        small.check(load_mnist())
        assert files_in(cache) == sorted(f"mnist/{name}" for name in ROLE_NAMES.values())
        assert len(server.requests) == 4
        small.check(load_mnist())
        assert len(server.requests) == 4  # the second load used the cache


@needs_pooch
def test_download_falls_back_to_the_next_mirror(monkeypatch, cache):
    small = SmallIdx(monkeypatch)
    routes = _serve_small(small, prefix="/good/")
    with FileServer(routes) as server:  # "/dead/..." answers 404
        small.use_mirrors(monkeypatch, [server.url + "/dead/", server.url + "/good/"])
        small.check(load_mnist())
    assert sum(path.startswith("/dead/") for path in server.requests) == 4 * _find.DOWNLOAD_ATTEMPTS


@needs_pooch
def test_download_retries_after_a_transient_failure(monkeypatch, cache):
    small = SmallIdx(monkeypatch)
    name = ROLE_NAMES["train_images"]
    with FileServer(_serve_small(small, **{name: [503, small.gz["train_images"]]})) as server:
        small.use_mirrors(monkeypatch, [server.url + "/mirror/"])
        small.check(load_mnist())
    assert server.requests.count("/mirror/" + name) == 2


@needs_pooch
@pytest.mark.parametrize(
    "response, reason",
    [
        ("corrupt", "hash"),
        # urllib3 2 notices the short body; older versions leave it to the hash check.
        ("interrupted", "ChunkedEncodingError|IncompleteRead|hash"),
        ("html", "HTML"),
        (404, "404"),
    ],
)
def test_failed_download_leaves_no_file_and_explains(monkeypatch, cache, response, reason):
    small = SmallIdx(monkeypatch)
    name = ROLE_NAMES["train_images"]
    good = small.gz["train_images"]
    served = {
        "corrupt": _flip_middle(good),
        "interrupted": ("truncate", good),
        "html": b"<html><body>Please log in</body></html>",
    }.get(response, response)
    with FileServer(_serve_small(small, **{name: served})) as server:
        small.use_mirrors(monkeypatch, [server.url + "/mirror/"])
        with pytest.raises(DatasetNotFoundError) as caught:
            load_mnist()
    text = str(caught.value)
    assert f"{server.url}/mirror/{name}" in text and re.search(reason, text)
    assert str(cache / "mnist") in text
    # Nothing under the file's name, and no temporary left behind.
    assert name not in files_in(cache / "mnist")
    assert all(entry in {"mnist/" + n for n in ROLE_NAMES.values()} for entry in files_in(cache))
    assert server.requests.count(f"/mirror/{name}") == _find.DOWNLOAD_ATTEMPTS


@needs_pooch
def test_no_network_error_lists_places_and_attempts(monkeypatch, cache, tmp_path):
    with FileServer({}) as server:
        dead_url = server.url + "/"
    # The server is shut down: connections to its port are refused.
    SmallIdx(monkeypatch, mirrors=[dead_url])
    with pytest.raises(DatasetNotFoundError) as caught:
        load_mnist(tmp_path / "nowhere")
    text = str(caught.value)
    assert "ConnectionError" in text and dead_url in text
    assert str(tmp_path / "nowhere") in text and str(cache / "mnist") in text
    assert files_in(cache) == []


def test_download_false_never_contacts_the_server(monkeypatch, cache):
    small = SmallIdx(monkeypatch)
    with FileServer(_serve_small(small)) as server:
        small.use_mirrors(monkeypatch, [server.url + "/mirror/"])
        with pytest.raises(DatasetNotFoundError, match="download=False"):
            load_mnist(download=False)
    assert server.requests == []


def test_without_pooch_the_error_says_how_to_install_it(monkeypatch, small_mnist):
    monkeypatch.setitem(sys.modules, "pooch", None)  # makes `import pooch` fail
    with pytest.raises(DatasetNotFoundError, match=r"pooch is not installed: pip install 'mlp-from-scratch\[data\]'"):
        load_mnist()


def test_importing_the_package_does_not_import_pooch_or_tqdm():
    code = "import sys, mlp_from_scratch.datasets; print(sorted({'pooch', 'tqdm', 'requests'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert result.stdout.strip() == "[]"


# ====================================================================== CIFAR-10


N_ROWS = 4
ARCHIVE = "/kriz/cifar-10-binary.tar.gz"


@pytest.fixture
def small_cifar(monkeypatch, cache):
    """Six small batch files in the official binary format, registered with their hashes."""
    contents, images, labels = cifar_batches(N_ROWS)
    archive = cifar_tar_gz(contents)

    def register(mirrors=(), batch_hashes=None, archive_bytes=archive):
        spec = dataclasses.replace(
            _registry.CIFAR10,
            mirrors=tuple(mirrors),
            archive_hash=md5(archive_bytes),
            batch_hashes=batch_hashes or {name: sha256(content) for name, content in contents.items()},
            rows_per_batch=N_ROWS,
        )
        monkeypatch.setitem(_registry.DATASETS, "cifar10", spec)

    register()
    return dataclasses.make_dataclass("SmallCifar", ["contents", "images", "labels", "archive", "register"])(
        contents, images, labels, archive, register
    )


def _write_batches(folder: Path, contents: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in contents.items():
        (folder / name).write_bytes(content)
    return folder


def _check_cifar(small, loaded):
    (X_train, y_train), (X_test, y_test) = loaded
    assert X_train.shape == (5 * N_ROWS, 3072) and X_test.shape == (N_ROWS, 3072)
    assert X_train.dtype == np.uint8 and y_train.dtype == np.int64 and y_test.dtype == np.int64
    # Official layout: per row the red plane, then green, then blue, each 32x32 row-major.
    images = np.concatenate([small.images[name] for name in BATCH_NAMES[:5]])
    np.testing.assert_array_equal(X_train.reshape(-1, 3, 32, 32), images)
    np.testing.assert_array_equal(X_train[:, :1024].reshape(-1, 32, 32), images[:, 0])
    np.testing.assert_array_equal(X_test.reshape(-1, 3, 32, 32), small.images["test_batch.bin"])
    np.testing.assert_array_equal(y_train, np.concatenate([small.labels[n] for n in BATCH_NAMES[:5]]))
    np.testing.assert_array_equal(y_test, small.labels["test_batch.bin"])


def test_cifar_from_extracted_folder(small_cifar, tmp_path):
    _write_batches(tmp_path / "c" / "cifar-10-batches-bin", small_cifar.contents)
    _check_cifar(small_cifar, load_cifar10(tmp_path / "c", download=False))


def test_cifar_from_local_archive_via_env(small_cifar, tmp_path, monkeypatch):
    (tmp_path / "data" / "cifar-10").mkdir(parents=True)
    (tmp_path / "data" / "cifar-10" / "cifar-10-binary.tar.gz").write_bytes(small_cifar.archive)
    monkeypatch.setenv("MLP_DATA_DIR", str(tmp_path / "data"))
    _check_cifar(small_cifar, load_cifar10(download=False))


@needs_pooch
def test_cifar_download_extracts_verified_batches_into_cache(small_cifar, cache):
    with FileServer({ARCHIVE: small_cifar.archive}) as server:
        small_cifar.register(mirrors=[server.url + "/kriz/"])
        _check_cifar(small_cifar, load_cifar10())
        _check_cifar(small_cifar, load_cifar10())
    assert server.requests == [ARCHIVE]
    assert files_in(cache) == sorted(f"cifar-10/cifar-10-batches-bin/{name}" for name in BATCH_NAMES)


@needs_pooch
def test_cifar_interrupted_download_leaves_nothing(small_cifar, cache):
    with FileServer({ARCHIVE: ("truncate", small_cifar.archive)}) as server:
        small_cifar.register(mirrors=[server.url + "/kriz/"])
        with pytest.raises(DatasetNotFoundError, match="cifar-10-binary.tar.gz"):
            load_cifar10()
    assert files_in(cache) == []


@needs_pooch
def test_cifar_downloaded_archive_with_a_bad_member_extracts_nothing(small_cifar, cache):
    contents = dict(small_cifar.contents, **{"test_batch.bin": small_cifar.contents["data_batch_1.bin"]})
    archive = cifar_tar_gz(contents)
    with FileServer({ARCHIVE: archive}) as server:
        small_cifar.register(mirrors=[server.url + "/kriz/"], archive_bytes=archive)
        with pytest.raises(BadDataFileError, match="hash mismatch.*CIFAR-10 test_batch.bin") as caught:
            load_cifar10()
    assert "Delete it" in str(caught.value)  # the archive is in our cache
    assert files_in(cache) == ["cifar-10/cifar-10-binary.tar.gz"]


def test_no_module_of_the_datasets_package_unpickles():
    for path in Path(datasets.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                    for alias in node.names} | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert not {"pickle", "cPickle", "_pickle"} & imported, path.name


def _set_first_label(content: bytes, label: int) -> bytes:
    return bytes([label]) + content[1:]


STRUCTURE_PROBLEMS = [
    ("record-short", lambda c: c[:-1], "not 4 records of 3,073 bytes"),
    ("record-long", lambda c: c + b"\0", "not 4 records of 3,073 bytes"),
    ("label-out-of-range", lambda c: _set_first_label(c, 10), "labels outside 0..9"),
]


@pytest.mark.parametrize("name, change, message", STRUCTURE_PROBLEMS, ids=[p[0] for p in STRUCTURE_PROBLEMS])
def test_cifar_batch_structure_is_checked(small_cifar, tmp_path, name, change, message):
    contents = dict(small_cifar.contents, **{"test_batch.bin": change(small_cifar.contents["test_batch.bin"])})
    small_cifar.register(batch_hashes={n: sha256(content) for n, content in contents.items()})
    folder = _write_batches(tmp_path / "c", contents)
    with pytest.raises(BadDataFileError) as caught:
        load_cifar10(folder, download=False)
    assert message in str(caught.value) and str(folder / "test_batch.bin") in str(caught.value)


@pytest.mark.parametrize(
    "content, message",
    [(b"", "empty"), (b"<html>503 Service Unavailable</html>", "HTML"), (b"\x03" + bytes(3072), "hash mismatch")],
    ids=["empty", "html", "truncated"],
)
def test_cifar_bad_batch_files(small_cifar, tmp_path, content, message):
    folder = _write_batches(tmp_path / "c", dict(small_cifar.contents, **{"data_batch_5.bin": content}))
    with pytest.raises(BadDataFileError, match=message) as caught:
        load_cifar10(folder, download=False)
    assert "MLP_DATA_DIR" in str(caught.value)  # a user's own folder: replace it, or point elsewhere


def test_cifar_bad_archives(small_cifar, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    archive = folder / "cifar-10-binary.tar.gz"
    archive.write_bytes(small_cifar.archive[: len(small_cifar.archive) // 2])
    with pytest.raises(BadDataFileError, match="truncated"):
        load_cifar10(folder, download=False)
    archive.write_bytes(cifar_tar_gz({k: v for k, v in small_cifar.contents.items() if k != "test_batch.bin"}))
    with pytest.raises(BadDataFileError, match="lacks cifar-10-batches-bin/test_batch.bin"):
        load_cifar10(folder, download=False)


def test_cifar_not_found_lists_places(small_cifar, tmp_path, cache):
    with pytest.raises(DatasetNotFoundError) as caught:
        load_cifar10(tmp_path / "given", download=False)
    text = str(caught.value)
    assert str(tmp_path / "given") in text and str(cache / "cifar-10") in text
    assert "fetch cifar10" in text


def test_official_cifar_registry_is_complete():
    spec = _registry.CIFAR10
    assert spec.archive_name == "cifar-10-binary.tar.gz"
    assert spec.archive_hash == "md5:c32a1d4ab5d03f1284b67883e8d87530"
    assert set(spec.batch_hashes) == set(BATCH_NAMES) and spec.rows_per_batch == 10000


# ====================================================================== real local copies


def _real_folder(folder: str) -> Path | None:
    candidates = [REPO.parent / "shared" / "data" / folder, Path("/usr/share/datasets") / folder]
    if os.environ.get("MLP_DATA_DIR"):
        candidates.insert(0, Path(os.environ["MLP_DATA_DIR"]) / folder)
    for candidate in candidates:
        if (candidate / "train-images-idx3-ubyte.gz").is_file():
            return candidate
    return None


REAL_MNIST = _real_folder("mnist")
REAL_FASHION = _real_folder("fashion-mnist")
needs_mnist = pytest.mark.skipif(REAL_MNIST is None, reason="no local MNIST copy (set MLP_DATA_DIR)")
needs_fashion = pytest.mark.skipif(
    REAL_FASHION is None, reason="no local Fashion-MNIST copy (apt-get install dataset-fashion-mnist)"
)


@needs_mnist
def test_real_mnist(cache):
    (X_train, y_train), (X_test, y_test) = load_mnist(REAL_MNIST, download=False)
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert X_train.dtype == np.uint8 and y_train.dtype == np.int64
    assert np.bincount(y_train).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert X_train.max() == 255 and X_train.min() == 0


@needs_fashion
def test_real_fashion_mnist(cache):
    (X_train, y_train), (X_test, y_test) = load_fashion_mnist(REAL_FASHION, download=False)
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert X_test.dtype == np.uint8 and y_test.dtype == np.int64
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10


@needs_mnist
def test_real_mnist_modified_or_recompressed(cache, tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in ROLE_NAMES.values():
        (folder / name).symlink_to(REAL_MNIST / name)
    labels_file = folder / ROLE_NAMES["train_labels"]
    content = gzip.decompress(labels_file.read_bytes())
    labels_file.unlink()
    # Recompressed, same content: accepted (how redistributors' copies differ).
    labels_file.write_bytes(gz(content, level=9))
    assert load_mnist(folder, download=False)[0][1][0] == 5
    # One label changed from 5 to 3: still a valid IDX file, but caught by its hash.
    labels_file.write_bytes(gz(content[:8] + b"\x03" + content[9:]))
    with pytest.raises(BadDataFileError, match="hash mismatch") as caught:
        load_mnist(folder, download=False)
    assert "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5" in str(caught.value)


# ====================================================================== digits, scaling, names


def test_digits_split_is_stratified_reproducible_and_complete():
    pytest.importorskip("sklearn")
    (X_train, y_train), (X_test, y_test) = datasets.load_digits()
    assert X_train.shape == (1438, 64) and X_test.shape == (359, 64)
    assert X_train.dtype == np.uint8 and y_train.dtype == np.int64
    assert X_train.max() == 16 and X_train.min() == 0
    counts = np.bincount(np.concatenate([y_train, y_test]))
    assert np.array_equal(np.bincount(y_test), np.round(0.2 * counts).astype(int))
    (X_again, _), (X_test_again, _) = datasets.load_digits()
    assert np.array_equal(X_again, X_train) and np.array_equal(X_test_again, X_test)
    (_, _), (X_other, _) = datasets.load_digits(seed=1)
    assert not np.array_equal(X_other, X_test)
    # Every image lands in exactly one part.
    rows = {row.tobytes() for row in np.concatenate([X_train, X_test])}
    from sklearn.datasets import load_digits as sk

    assert rows == {row.astype(np.uint8).tobytes() for row in sk().data}


def test_scale_minus_one_one_matches_the_formula_exactly():
    pixels = np.arange(256, dtype=np.uint8).reshape(16, 16)
    expected = (pixels.astype(np.float64) / 255 - 0.5) * 2
    scaled = datasets.scale_minus_one_one(pixels)
    assert scaled.dtype == np.float32 and scaled.shape == (16, 16)
    np.testing.assert_array_equal(scaled, expected.astype(np.float32))
    scaled64 = datasets.scale_minus_one_one(pixels, dtype=np.float64)
    np.testing.assert_array_equal(scaled64, expected)
    assert scaled64[0, 0] == -1 and scaled64[-1, -1] == 1
    np.testing.assert_array_equal(datasets.scale_minus_one_one(pixels.astype(float), dtype=np.float64), expected)


def test_scale_zero_one_and_digits_max_value():
    np.testing.assert_array_equal(
        datasets.scale_zero_one(np.array([0, 51, 255], dtype=np.uint8), dtype=np.float64), [0, 0.2, 1]
    )
    digits = np.array([0, 4, 16], dtype=np.uint8)
    np.testing.assert_array_equal(datasets.scale_zero_one(digits, max_value=datasets.DIGITS_MAX_VALUE), [0, 0.25, 1])
    assert datasets.scale_zero_one(digits, max_value=16).dtype == np.float32


def test_scaling_rejects_wrong_ranges_and_dtypes():
    with pytest.raises(ValueError, match="0..16"):
        datasets.scale_zero_one(np.array([0, 200], dtype=np.uint8), max_value=16)
    with pytest.raises(ValueError, match="floating-point"):
        datasets.scale_zero_one(np.array([1], dtype=np.uint8), dtype=np.int32)
    with pytest.raises(ValueError, match="0..255"):
        datasets.scale_minus_one_one(np.array([-1, 3]))


def test_class_names():
    assert datasets.class_names("Fashion_MNIST")[9] == "Ankle boot"
    assert datasets.class_names("cifar-10") == datasets.CIFAR10_CLASSES
    assert datasets.CIFAR10_CLASSES[0] == "airplane" and datasets.CIFAR10_CLASSES[9] == "truck"
    assert datasets.class_names("mnist")[7] == "7" and datasets.class_names("digits") == datasets.MNIST_CLASSES
    assert all(len(datasets.class_names(n)) == 10 for n in ("mnist", "fashion-mnist", "cifar10", "digits"))
    with pytest.raises(ValueError, match="unknown dataset"):
        datasets.class_names("imagenet")


# ====================================================================== command line


@needs_pooch
def test_cli_fetch_and_info(small_mnist, cache, monkeypatch, capsys):
    with FileServer(_serve_small(small_mnist)) as server:
        small_mnist.use_mirrors(monkeypatch, [server.url + "/mirror/"])
        assert cli_main(["fetch", "mnist"]) == 0
    out = capsys.readouterr().out
    assert "mnist: OK (verified)" in out and str(cache / "mnist" / ROLE_NAMES["train_images"]) in out
    assert cli_main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"{cache / 'mnist'}  [user cache]: has train-images-idx3-ubyte.gz" in out
    assert "CIFAR-10 (cifar10)" in out and "Fashion-MNIST (fashion-mnist)" in out


def test_cli_fetch_failure_exits_nonzero(small_mnist, cache, tmp_path, capsys):
    folder = small_mnist.write(tmp_path / "mine")
    (folder / ROLE_NAMES["train_labels"]).write_bytes(b"")
    assert cli_main(["fetch", "--data-dir", str(folder), "mnist"]) == 1
    assert "empty" in capsys.readouterr().err


def test_cli_runs_as_module():
    result = subprocess.run(
        [sys.executable, "-m", "mlp_from_scratch.datasets", "info"], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    assert "user cache = " in result.stdout and "MNIST (mnist), searched in this order:" in result.stdout
