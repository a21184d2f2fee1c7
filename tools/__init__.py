"""The book's tools, run from the repository root as modules: ``python -m tools.make_notebooks``,
``python -m tools.prose_numbers``, ``python -m tools.fresh_runtime``, ``python -m tools.check_site``."""
