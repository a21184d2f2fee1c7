"""The Sphinx extension of the book (``tools.sphinx_ext.mlpbook``, loaded by _config.yml)."""
