"""The IDX file format of MNIST and Fashion-MNIST: parsing and writing.

An IDX file is a 4-byte magic number ``00 00 <type code> <ndim>``, then ``ndim``
big-endian uint32 sizes, then the values in row-major order, big-endian.
"""

from __future__ import annotations

import gzip
import math
import struct
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._find import BadDataFileError, read_content

# IDX type code -> dtype as stored (big-endian).
IDX_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_TYPE_CODES = {dtype.newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}


class IdxHeader(NamedTuple):
    """What an IDX header declares: the stored dtype, the shape and where the data starts."""

    dtype: np.dtype
    shape: tuple[int, ...]
    offset: int


def parse_idx_header(content: bytes, path: str | Path = "<bytes>") -> IdxHeader:
    """The header of decompressed IDX ``content``, validated against the content's length.

    Raises :class:`BadDataFileError` on a wrong magic number, an unknown type code, a
    header cut short, or data shorter or longer than the header declares.
    """
    if len(content) < 4 or content[:2] != b"\0\0":
        found = content[:4].hex(" ")
        raise BadDataFileError(path, f"not an IDX file: wrong magic number (expected 00 00 <type> <ndim>, found {found})")
    type_code, ndim = content[2], content[3]
    if type_code not in IDX_DTYPES:
        raise BadDataFileError(path, f"not an IDX file: unknown IDX data type code 0x{type_code:02x}")
    if ndim == 0:
        raise BadDataFileError(path, "not an IDX file: its header declares 0 dimensions")
    offset = 4 + 4 * ndim
    if len(content) < offset:
        raise BadDataFileError(path, f"truncated inside its header ({len(content)} bytes, the header needs {offset})")
    shape = struct.unpack(f">{ndim}I", content[4:offset])
    dtype = IDX_DTYPES[type_code]
    expected = math.prod(shape) * dtype.itemsize
    actual = len(content) - offset
    if actual < expected:
        raise BadDataFileError(
            path,
            f"truncated: its header declares shape {shape}, i.e. {expected:,} bytes of data, "
            f"but only {actual:,} bytes follow")
    if actual > expected:
        raise BadDataFileError(
            path,
            f"{actual - expected:,} extra bytes follow the {expected:,} bytes of data its header "
            f"declares (shape {shape})")
    return IdxHeader(dtype, shape, offset)


def idx_array(content: bytes, header: IdxHeader) -> np.ndarray:
    """Return a writable, native-byte-order copy of the data that ``header`` describes."""
    stored = np.frombuffer(content, dtype=header.dtype, count=math.prod(header.shape), offset=header.offset)
    return stored.astype(header.dtype.newbyteorder("=")).reshape(header.shape)


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file, gzip-compressed or raw, into an array of its own shape.

    Parameters
    ----------
    path : str or pathlib.Path
        The file. Compression is detected from the content, not the name.

    Returns
    -------
    numpy.ndarray
        A writable array in native byte order with the dtype and the dimensions the
        file declares, e.g. ``uint8`` of shape ``(60000, 28, 28)`` for MNIST's
        training images.

    Raises
    ------
    ValueError
        (:class:`BadDataFileError`) if the file is empty, an HTML page, a damaged
        gzip stream, has a wrong magic number or type code, or holds fewer or more
        bytes than its header declares.

    Examples
    --------
    >>> images = read_idx("train-images-idx3-ubyte.gz")  # doctest: +SKIP
    >>> images.shape, images.dtype  # doctest: +SKIP
    ((60000, 28, 28), dtype('uint8'))
    """
    content = read_content(path)
    return idx_array(content, parse_idx_header(content, path))


def write_idx(path: str | Path, array: np.ndarray, *, compress: bool | None = None) -> Path:
    """Write ``array`` (uint8, int8, int16, int32, float32 or float64) as an IDX file, the
    inverse of :func:`read_idx`; gzip it if ``compress``, by default if ``path`` ends in
    ``.gz``. Returns ``path``."""
    path = Path(path)
    array = np.asarray(array)
    type_code = _TYPE_CODES.get(array.dtype.newbyteorder("="))
    if type_code is None:
        raise ValueError(f"IDX cannot store dtype {array.dtype}; use one of {sorted(map(str, _TYPE_CODES))}")
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"IDX stores arrays of 1 to 255 dimensions, not {array.ndim}")
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    content = header + np.ascontiguousarray(array, dtype=IDX_DTYPES[type_code]).tobytes()
    if compress if compress is not None else path.suffix == ".gz":
        content = gzip.compress(content, mtime=0)  # mtime=0: same array, same bytes
    path.write_bytes(content)
    return path
