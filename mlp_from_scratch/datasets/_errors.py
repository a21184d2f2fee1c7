"""Exceptions raised by the dataset loaders, and the advice they carry."""

from __future__ import annotations

from pathlib import Path

# Printed with every bad-file error: the reader should never be left guessing.
GENERIC_ADVICE = (
    "Delete or replace this file with a good copy: run "
    "`python -m mlp_from_scratch.datasets fetch <dataset>` on a machine with "
    "internet access, or point MLP_DATA_DIR at a folder holding the official files "
    "(see `python -m mlp_from_scratch.datasets info`)."
)


class BadDataFileError(ValueError):
    """A data file exists but is damaged, incomplete or not what it claims to be.

    Subclasses :class:`ValueError`, so ``except ValueError`` catches it. The message
    names the file, says what is wrong with it and what to do about it.

    Attributes
    ----------
    path : pathlib.Path
        The offending file.
    problem : str
        What is wrong, in one sentence.
    """

    def __init__(self, path: str | Path, problem: str, advice: str = GENERIC_ADVICE):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}. {advice}")


class DatasetNotFoundError(FileNotFoundError):
    """No copy of a dataset file was found anywhere, and it could not be downloaded.

    The message lists every place that was searched, every download attempt and
    how to provide the data.
    """
