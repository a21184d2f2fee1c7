"""Small data files in the official formats, and a local HTTP server, for test_datasets.py.

IDX files are written with the package's ``write_idx``, itself pinned to hand-written
bytes by test_datasets.py (so a reader/writer pair sharing a bug cannot pass together);
CIFAR-10 batches are built here byte by byte.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import io
import tarfile
import threading
from pathlib import Path

import numpy as np

# ---------------------------------------------------------------- files


def gz(content: bytes, level: int = 6) -> bytes:
    return gzip.compress(content, compresslevel=level, mtime=0)


def sha256(content: bytes) -> str:
    return "sha256:" + hashlib.sha256(content).hexdigest()


def md5(content: bytes) -> str:
    return "md5:" + hashlib.md5(content).hexdigest()


# ---------------------------------------------------------------- CIFAR-10 batches (binary version)

BATCH_NAMES = ("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
               "data_batch_5.bin", "test_batch.bin")


def cifar_batches(n_rows: int) -> tuple[dict[str, bytes], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Six batch files of ``n_rows`` records (label byte, then the (3, 32, 32) image's bytes,
    channel-first as the official layout flattens); also the images and labels used."""
    contents, images, labels = {}, {}, {}
    for seed, name in enumerate(BATCH_NAMES):
        images[name] = np.random.default_rng(seed).integers(0, 256, size=(n_rows, 3, 32, 32), dtype=np.uint8)
        labels[name] = np.arange(seed, seed + n_rows) % 10
        contents[name] = b"".join(bytes([label]) + image.tobytes() for label, image in zip(labels[name], images[name]))
    return contents, images, labels


def cifar_tar_gz(contents: dict[str, bytes], folder: str = "cifar-10-batches-bin") -> bytes:
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
