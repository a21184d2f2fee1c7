"""Command line: prefetch datasets before going offline, or see what is where.

Usage::

    python -m mlp_from_scratch.datasets fetch mnist fashion-mnist cifar10
    python -m mlp_from_scratch.datasets info
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

from . import DatasetNotFoundError, fetch
from ._find import DATA_DIR_VARIABLE, describe_places, search_places, user_cache_dir
from ._registry import DATASETS, CifarDataset

DATASET_NAMES = ("mnist", "fashion-mnist", "cifar10", "digits")


def info_lines(data_dir: str | Path | None = None) -> list[str]:
    """Describe where each dataset is looked for and what is there (no verification)."""
    have = {module: importlib.util.find_spec(module) is not None for module in ("pooch", "tqdm", "sklearn")}
    lines = [
        f"{DATA_DIR_VARIABLE} = {os.environ.get(DATA_DIR_VARIABLE) or '(not set)'}",
        f"user cache = {user_cache_dir()}",
        "downloads: " + ("possible (pooch installed)" if have["pooch"] else "impossible: pooch is not installed"),
        f"progress bars: {'yes' if have['tqdm'] else 'no (tqdm not installed)'}",
        f"digits: {'bundled with scikit-learn' if have['sklearn'] else 'unavailable: scikit-learn not installed'}",
    ]
    for key, spec in DATASETS.items():
        if isinstance(spec, CifarDataset):
            wanted = [spec.archive_name, spec.batch_dir]
        else:
            wanted = [n for file in spec.files.values() for n in (file.name, file.name.removesuffix(".gz"))]
        lines += ["", f"{spec.title} ({key}), searched in this order:"]
        places = search_places(spec.folder, spec.system_dirs, data_dir)
        lines += [f"  - {line}" for line in describe_places(places, wanted) if not line.startswith("$")]
        lines.append(f"  then download from: {', '.join(spec.mirrors)}")
    return lines


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
