"""``python -m mlp_from_scratch train ...``: see :mod:`mlp_from_scratch.cli`."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
