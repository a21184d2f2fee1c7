"""mlp_from_scratch: the NumPy multilayer perceptron of the book *MLP from Scratch*."""

from ._version import __version__

__all__ = ["__version__"]
