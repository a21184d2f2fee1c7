"""Helpers the book's chapters use to show things: real source code and computed numbers.

They work in three places: the book's build (Jupyter Book / myst-nb), Google Colab
and a plain Jupyter notebook. IPython is imported only when a helper is called, so
importing :mod:`mlp_from_scratch` never needs it.

>>> from mlp_from_scratch.book.display import glue, show_source
>>> from mlp_from_scratch import MLP
>>> show_source(MLP.forward_pass)               # doctest: +SKIP  (the real code, highlighted)
>>> accuracy = glue("accuracy", 0.9731)         # doctest: +SKIP  ({glue:text}`accuracy:.1%`)
"""

from __future__ import annotations

import inspect
import numbers
import textwrap

__all__ = ["show_source", "source", "glue", "plain"]


def source(obj) -> str:
    """The source code of a function, class or method (decorators included), dedented."""
    return textwrap.dedent(inspect.getsource(obj))


def show_source(obj):
    """Display the real source of ``obj`` (from the installed package), highlighted.

    Returns an ``IPython.display.Code`` object: the last expression of a cell, it
    renders on the book's site, in Colab and in Jupyter. Chapters use this instead of
    copying code, so the book always shows the code that runs.
    """
    from IPython.display import Code

    return Code(source(obj), language="python")


def plain(value):
    """``value`` with NumPy scalars and arrays turned into Python numbers and lists
    (inside dicts, lists and tuples too), for glue and for JSON.

    The book's ``{glue:text}`key:.3f``` role formats the glued *text*; NumPy 2 writes a
    float64 as ``np.float64(0.5)``, which it cannot parse. Python numbers it can.
    """
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "tolist") and hasattr(value, "dtype"):  # NumPy scalar or array
        return value.tolist()
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def glue(name: str, value, display: bool = False):
    """Store ``value`` under ``name`` for the prose, and return it.

    In the book's build this is ``myst_nb.glue``: the prose shows the value with
    ``{glue:text}`name``` or, formatted, ``{glue:text}`name:.1%```. Where myst-nb is
    not installed (Colab, plain Jupyter) the value is printed as ``name = value``,
    since the notebook's prose there shows ``name`` in place of the number.

    Convention: ``name`` is the name of the Python variable that holds the value, so
    a reader in Colab can also type it into a cell.
    """
    value = plain(value)
    try:
        from myst_nb import glue as _myst_glue
    except ImportError:
        _myst_glue = None
    if _myst_glue is not None:
        _myst_glue(name, value, display=display)
    else:
        print(f"{name} = {value!r}")
    return value
