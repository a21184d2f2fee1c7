"""Small data files in the official formats, and a local HTTP server, for test_datasets.py.

Everything is built here by hand (struct, gzip, a Python-2-style pickler) rather
than with the package's own writers, so that a reader/writer pair sharing a bug
cannot pass the tests together.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import pickle
import struct
import tarfile
import threading
from pathlib import Path

import numpy as np

# ---------------------------------------------------------------- IDX files

IDX_TYPE_CODES = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode ``array`` as IDX: magic ``00 00 type ndim``, big-endian sizes, big-endian values."""
    array = np.asarray(array)
    code = IDX_TYPE_CODES[array.dtype.str[1:]]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def gz(content: bytes, level: int = 6) -> bytes:
    return gzip.compress(content, compresslevel=level, mtime=0)


def sha256(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


def md5(content: bytes) -> str:
    return "md5:" + hashlib.md5(content).hexdigest()


# ---------------------------------------------------------------- CIFAR-10 batches


class Py2StylePickler(pickle._Pickler):
    """Write pickles the way Python 2 wrote the official CIFAR-10 batches.

    Protocol 2, strings as Python 2 ``str`` (SHORT_BINSTRING/BINSTRING opcodes),
    and numpy's array reconstructor under its old module name ``numpy.core``.
    """

    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_str(self, obj):
        data = obj.encode("latin-1") if isinstance(obj, str) else obj
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[bytes] = save_py2_str
    dispatch[str] = save_py2_str

    def save_global(self, obj, name=None):
        module = obj.__module__.replace("numpy._core", "numpy.core")
        name = name or obj.__qualname__
        if obj is np.dtype:
            module, name = "numpy", "dtype"
        self.write(pickle.GLOBAL + f"{module}\n{name}\n".encode())
        self.memoize(obj)


def py2_pickle(obj) -> bytes:
    buffer = io.BytesIO()
    Py2StylePickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


def cifar_images(n_rows: int, seed: int) -> np.ndarray:
    """Random images as (n, 3, 32, 32) uint8: channel-first, as the official layout flattens."""
    return np.random.default_rng(seed).integers(0, 256, size=(n_rows, 3, 32, 32), dtype=np.uint8)


def cifar_batch(images: np.ndarray, labels, batch_label: bytes = b"training batch 1 of 5") -> dict:
    """A batch dict with the official keys (bytes, as Python 3 reads Python 2 pickles)."""
    n = len(images)
    return {
        b"batch_label": batch_label,
        b"labels": [int(label) for label in labels],
        b"data": images.reshape(n, -1),
        b"filenames": [f"image_{i:05d}.png".encode() for i in range(n)],
    }


BATCH_NAMES = ("data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch")


def cifar_batches(n_rows: int) -> tuple[dict[str, bytes], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Six pickled batches of ``n_rows`` images; also returns the images and labels used."""
    contents, images, labels = {}, {}, {}
    for seed, name in enumerate(BATCH_NAMES):
        images[name] = cifar_images(n_rows, seed)
        labels[name] = np.arange(seed, seed + n_rows) % 10
        contents[name] = py2_pickle(cifar_batch(images[name], labels[name]))
    return contents, images, labels


def cifar_tar_gz(contents: dict[str, bytes], folder: str = "cifar-10-batches-py") -> bytes:
    """Pack batch files into a .tar.gz the way the official archive is laid out."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in contents.items():
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


# ---------------------------------------------------------------- local HTTP server


class FileServer:
    """Serve in-memory files on 127.0.0.1 from a thread, with scripted failures.

    ``routes`` maps a URL path (``"/a/file.gz"``) to bytes, or to a list of
    responses used one per request (the last one repeats). A response is bytes
    (200 with that body), an int (that HTTP status), or ``("truncate", body)``:
    a Content-Length for all of ``body``, but only half of it sent before the
    connection is closed, as in an interrupted download.
    """

    def __init__(self, routes: dict):
        self.routes = routes
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                server.requests.append(self.path)
                self.respond(server.next_response(self.path))

            def respond(self, response):
                if isinstance(response, int):
                    self.send_error(response)
                    return
                truncate = isinstance(response, tuple)
                body = response[1] if truncate else response
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if truncate else body)
                if truncate:
                    self.wfile.flush()
                    self.close_connection = True

            def log_message(self, *args):  # keep test output quiet
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def next_response(self, path):
        response = self.routes.get(path, 404)
        if isinstance(response, list):
            return response.pop(0) if len(response) > 1 else response[0]
        return response

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


def files_in(folder: Path) -> list[str]:
    """Every file under ``folder`` (hidden and temporary ones too), relative, sorted."""
    if not folder.exists():
        return []
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())
