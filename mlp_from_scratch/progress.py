"""When to show a progress bar: one rule for training and for downloads.

A bar is shown only where someone watches it: a terminal or a live notebook, never
in a log, a test run or a built page (``MLP_FROM_SCRATCH_PROGRESS=0`` turns bars
off everywhere), and never without tqdm.
"""

from __future__ import annotations

import os
import sys

__all__ = ["show_progress"]


def show_progress(progress=None):
    """Whether to draw a progress bar.

    Parameters
    ----------
    progress : bool or None
        True or False decides; None applies the rule above.

    Returns
    -------
    bool
    """
    if progress is not None:
        return bool(progress)
    if os.environ.get("MLP_FROM_SCRATCH_PROGRESS", "") in ("0", "false", "no"):
        return False
    try:
        import tqdm  # noqa: F401
    except ImportError:
        return False
    return sys.stderr.isatty() or "ipykernel" in sys.modules
