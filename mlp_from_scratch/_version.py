"""The single version string shared by the package, CITATION.cff and the book."""

__version__ = "0.1.0"
