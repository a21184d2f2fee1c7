"""Reading data files from disk: gzip handling, content sniffing and hashing.

Everything here works on the *decompressed* bytes of a file: redistributors
recompress files (Debian's Fashion-MNIST ``.gz`` files differ byte-wise from the
official ones while their content is identical), so the content is what we verify.
"""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path

from ._errors import GENERIC_ADVICE, BadDataFileError

GZIP_MAGIC = b"\x1f\x8b"

# Leading bytes of the pages a server or proxy returns in place of a file
# (error pages, login portals, S3's XML error documents).
_MARKUP_PREFIXES = (b"<!doctype", b"<html", b"<?xml", b"<head", b"<body", b"<!--", b"<error")


def looks_like_markup(data: bytes) -> bool:
    """Return True if ``data`` starts like an HTML or XML page rather than binary data."""
    start = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith(_MARKUP_PREFIXES)


def check_not_empty_or_markup(data: bytes, path: Path, advice: str = GENERIC_ADVICE) -> None:
    """Raise :class:`BadDataFileError` for the two most common non-data files.

    Parameters
    ----------
    data : bytes
        The file's bytes.
    path : pathlib.Path
        The file, for the message.
    advice : str
        What the reader should do, appended to the message.
    """
    if not data:
        raise BadDataFileError(path, "the file is empty (0 bytes)", advice)
    if looks_like_markup(data):
        raise BadDataFileError(
            path,
            "the file is an HTML/XML page, not data (an error or login page saved "
            "in place of the download?)",
            advice,
        )


def gunzip(data: bytes, path: Path, advice: str = GENERIC_ADVICE) -> bytes:
    """Decompress a complete gzip file held in memory, refusing damaged streams.

    Unlike :func:`gzip.decompress`, a stream that stops early, or is followed by
    stray bytes, is an error with a clear message rather than an ``EOFError``.

    Parameters
    ----------
    data : bytes
        The compressed file, starting with the gzip magic bytes.
    path : pathlib.Path
        The file, for error messages.
    advice : str
        What the reader should do, appended to error messages.

    Returns
    -------
    bytes
        The decompressed content (all gzip members concatenated).
    """
    members = []
    remaining = data
    while True:
        # wbits=31: gzip wrapper; zlib then checks the CRC-32 and length trailer too.
        inflater = zlib.decompressobj(wbits=31)
        try:
            members.append(inflater.decompress(remaining))
        except zlib.error as error:
            raise BadDataFileError(path, f"the gzip stream is corrupt ({error})", advice) from None
        if not inflater.eof:
            raise BadDataFileError(
                path,
                "the gzip stream is truncated: the file ends before the compressed data "
                "does (an interrupted download or copy?)",
                advice,
            )
        remaining = inflater.unused_data
        if not remaining.strip(b"\0"):  # gzip(1) also ignores trailing zero padding
            break
        if not remaining.startswith(GZIP_MAGIC):
            raise BadDataFileError(
                path, f"{len(remaining):,} unexpected extra bytes follow the gzip stream", advice
            )
    return members[0] if len(members) == 1 else b"".join(members)


def read_content(path: str | Path, advice: str = GENERIC_ADVICE) -> bytes:
    """Read a file and return its content, decompressed if it is gzip-compressed.

    Compression is recognised by the gzip magic bytes, not by the file name, so a
    decompressed copy keeps working whatever it is called.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.
    advice : str
        What the reader should do, appended to error messages.

    Returns
    -------
    bytes
        The (decompressed) content.

    Raises
    ------
    BadDataFileError
        If the file is empty, an HTML page, or a damaged gzip stream.
    """
    path = Path(path)
    data = path.read_bytes()
    check_not_empty_or_markup(data, path, advice)
    if data.startswith(GZIP_MAGIC):
        data = gunzip(data, path, advice)
        if not data:
            raise BadDataFileError(path, "the gzip stream decompresses to nothing (0 bytes)", advice)
        check_not_empty_or_markup(data, path, advice)
    return data


def split_hash(expected: str) -> tuple[str, str]:
    """Split ``"algorithm:hexdigest"`` (pooch's notation; bare digests are SHA-256)."""
    algorithm, _, digest = expected.rpartition(":")
    return (algorithm or "sha256").lower(), digest.lower()


def hash_of(data: bytes, algorithm: str) -> str:
    """Return the hex digest of ``data`` with the named hashlib algorithm."""
    return hashlib.new(algorithm, data).hexdigest()


def verify_hash(data: bytes, expected: str, path: Path, what: str, advice: str = GENERIC_ADVICE) -> None:
    """Raise :class:`BadDataFileError` unless ``data`` hashes to ``expected``.

    Parameters
    ----------
    data : bytes
        The bytes to check (the decompressed content of ``path``).
    expected : str
        ``"sha256:<hex>"``, ``"md5:<hex>"`` or a bare SHA-256 hex digest.
    path : pathlib.Path
        The file, for the message.
    what : str
        What the file should be, e.g. ``"the MNIST training images"``.
    advice : str
        What the reader should do, appended to the message.
    """
    algorithm, expected_digest = split_hash(expected)
    actual_digest = hash_of(data, algorithm)
    if actual_digest != expected_digest:
        raise BadDataFileError(
            path,
            f"hash mismatch: the {algorithm.upper()} of its content is {actual_digest}, "
            f"expected {expected_digest} for {what}; the file is damaged, modified, "
            "or a different dataset or version",
            advice,
        )
