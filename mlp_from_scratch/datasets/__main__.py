"""Command line: prefetch datasets before going offline, or see what is where.

Usage::

    python -m mlp_from_scratch.datasets fetch mnist fashion-mnist cifar10
    python -m mlp_from_scratch.datasets info
"""

from __future__ import annotations

import argparse
import sys

from ._errors import DatasetNotFoundError
from ._fetch import fetch, info_lines

DATASET_NAMES = ("mnist", "fashion-mnist", "cifar10", "digits")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mlp_from_scratch.datasets",
        description="Fetch and verify the datasets of 'MLP from Scratch', or show where they are looked for.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    fetch_parser = commands.add_parser("fetch", help="find or download datasets, and verify them")
    fetch_parser.add_argument("names", nargs="+", metavar="NAME", help=f"one of {', '.join(DATASET_NAMES)}")
    fetch_parser.add_argument("--data-dir", help="folder searched first, as the loaders' data_dir=")
    info_parser = commands.add_parser("info", help="show where each dataset is looked for and what is there")
    info_parser.add_argument("--data-dir", help="folder searched first, as the loaders' data_dir=")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 when everything worked)."""
    args = build_parser().parse_args(argv)
    if args.command == "info":
        print("\n".join(info_lines(args.data_dir)))
        return 0
    status = 0
    for name in args.names:
        try:
            paths = fetch(name, args.data_dir)
        except (ValueError, DatasetNotFoundError, ImportError) as error:
            print(f"{name}: FAILED\n{error}\n", file=sys.stderr)
            status = 1
            continue
        where = ", ".join(str(path) for path in paths) or "bundled with scikit-learn"
        print(f"{name}: OK (verified) {where}")
    return status


if __name__ == "__main__":
    sys.exit(main())
