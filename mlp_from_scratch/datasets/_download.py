"""Downloading published files with pooch: known hashes, mirrors, retries.

pooch streams each download into a temporary file in the destination folder,
checks its hash, and only then renames it into place; on any failure the temporary
file is deleted. So an interrupted or corrupt download never leaves a file under
the real name. pooch (and tqdm, for the progress bar) are imported only here, only
when a download is actually needed.
"""

from __future__ import annotations

import time
from pathlib import Path

from ._files import looks_like_markup

# Passes over the mirror list before giving up, and the pause between passes.
# Module-level so that tests can shorten them.
DOWNLOAD_ATTEMPTS = 2
RETRY_WAIT_SECONDS = 2.0
TIMEOUT_SECONDS = 60


class DownloadFailed(Exception):
    """Every mirror failed; ``failures`` holds one ``(url, reason)`` per attempt."""

    def __init__(self, failures: list[tuple[str, str]]):
        self.failures = failures
        super().__init__("; ".join(f"{url}: {reason}" for url, reason in failures))


def _show_progress_bar() -> bool:
    """A progress bar only where someone watches, by the same rule as training."""
    from ..progress import show_progress

    return show_progress(None)


class _MarkupRejectingDownloader:
    """pooch's HTTP downloader, plus a clear error when a server sends a web page.

    Without this a login or error page would only show up as a hash mismatch.
    """

    def __init__(self, progressbar: bool):
        import pooch

        # 64 KiB chunks: pooch's default of 1 KiB is slow for 170 MB archives.
        self._http = pooch.HTTPDownloader(progressbar=progressbar, chunk_size=65536, timeout=TIMEOUT_SECONDS)

    def __call__(self, url, output_file, pooch_instance, check_only=False):
        result = self._http(url, output_file, pooch_instance, check_only=check_only)
        if not check_only:
            with open(output_file, "rb") as downloaded:
                if looks_like_markup(downloaded.read(512)):
                    raise ValueError("the server sent an HTML/XML page instead of the file")
        return result


def _reason(error: Exception) -> str:
    text = " ".join(str(error).split())
    if len(text) > 300:
        text = text[:300] + " ..."
    return f"{type(error).__name__}: {text}"


def download(name: str, known_hash: str, mirrors: tuple[str, ...], destination: Path) -> Path:
    """Download ``name`` from the first mirror that serves it intact.

    Parameters
    ----------
    name : str
        File name; the URL is ``mirror + name``.
    known_hash : str
        ``"md5:<hex>"`` or ``"sha256:<hex>"`` of the published file.
    mirrors : tuple of str
        Base URLs, tried in order, :data:`DOWNLOAD_ATTEMPTS` times.
    destination : pathlib.Path
        Folder to download into (created if needed).

    Returns
    -------
    pathlib.Path
        The downloaded, hash-checked file.

    Raises
    ------
    DownloadFailed
        If every attempt failed (network error, HTTP error, wrong hash, web page).
        Also if pooch, which does the downloading, is not installed.
    """
    try:
        import pooch
    except ImportError:
        raise DownloadFailed(
            [("(no download tried)", "pooch is not installed: pip install 'mlp-from-scratch[data]'")]
        ) from None
    destination.mkdir(parents=True, exist_ok=True)
    downloader = _MarkupRejectingDownloader(progressbar=_show_progress_bar())
    failures = []
    for attempt in range(DOWNLOAD_ATTEMPTS):
        if attempt:
            time.sleep(RETRY_WAIT_SECONDS * attempt)
        for mirror in mirrors:
            url = mirror + name
            try:
                path = pooch.retrieve(url, known_hash=known_hash, fname=name, path=destination, downloader=downloader)
            except Exception as error:  # network, HTTP status, hash mismatch: try the next one
                failures.append((url, _reason(error)))
            else:
                return Path(path)
    raise DownloadFailed(failures)
