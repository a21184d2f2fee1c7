"""Run chapter notebooks as Colab would: alone, in a fresh runtime, installing the package.

    python -m tools.fresh_runtime                 # the chapters with book: {ci_fresh_runtime: true}
    python -m tools.fresh_runtime --all           # every chapter (slow)
    python -m tools.fresh_runtime book/digits.md  # chosen chapters

nbmake runs each Colab notebook as a pytest item (own kernel and folder) in a new venv holding only
what Colab preinstalls, at the versions of requirements.txt. The copy it runs fakes ``google.colab``
first (so its install cell installs this checkout) and checks last where the package came from.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from . import bookmeta

# What Google Colab preinstalls that our chapters rely on (plus ipykernel, to run them).
COLAB_BASE = ["numpy", "scipy", "matplotlib", "scikit-learn", "pandas", "ipykernel"]
# What ties a runtime to the checkout or the build; the rest (data, caches, proxies, threads) passes.
DROPPED_VARIABLES = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONEXECUTABLE", "VIRTUAL_ENV",
                     "VIRTUAL_ENV_PROMPT", "CONDA_PREFIX", "JUPYTER_PATH", "JUPYTER_CONFIG_DIR",
                     "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLBACKEND", "PYTEST_ADDOPTS"}
FIRST_CELL = ("import sys, types\nsys.modules.setdefault('google.colab', types.ModuleType('google.colab'))\n"
              "get_ipython().run_line_magic('colors', 'nocolor')  # plain tracebacks for the log")
CHECK_CELL = """import importlib.util
from mlp_from_scratch import __file__ as package
assert package.startswith({venv!r}), f"{{package}} is not in the fresh venv"
assert importlib.util.find_spec("myst_nb") is None, "myst_nb is importable: the runtime is not fresh\""""


def fresh_env(venv: Path, environ=os.environ) -> dict:
    env = {k: v for k, v in environ.items() if k not in DROPPED_VARIABLES}
    build_bin = Path(sys.prefix, "bin").resolve() if sys.prefix != sys.base_prefix else None
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p).resolve() != build_bin]
    return {**env, "PATH": os.pathsep.join([str(venv / "bin"), *path]), "PYTHONNOUSERSITE": "1"}


def prepare_notebook(ipynb: Path, source: Path, venv: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(ipynb, as_version=4)
    cell = next((c for c in nb.cells if c.cell_type == "code"), nbformat.v4.new_code_cell())
    release = bookmeta.pip_requirement()
    if '"google.colab" in sys.modules' not in cell.source or release not in cell.source:
        raise SystemExit(f"{ipynb}: the first code cell is not the Colab install cell for "
                         f"{release!r} (run python -m tools.make_notebooks)")
    cell.source = cell.source.replace(release, f"{release.split(' @ ')[0]} @ {source.as_uri()}")
    nb.cells.insert(0, nbformat.v4.new_code_cell(FIRST_CELL))
    nb.cells.append(nbformat.v4.new_code_cell(CHECK_CELL.format(venv=str(venv))))
    return nb


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", type=Path, help="chapter .md files")
    parser.add_argument("--all", action="store_true", help="every executable chapter under book/")
    args = parser.parse_args(argv)
    chapters = [p.resolve() for p in args.chapters] or [
        md for md in bookmeta.chapter_sources()
        if args.all or bookmeta.front_matter(md.read_text()).get("book", {}).get("ci_fresh_runtime")]
    if not chapters:
        raise SystemExit("no chapter selected")
    with tempfile.TemporaryDirectory(prefix="fresh-runtime-") as tmp:
        venv, python, root = Path(tmp, "venv"), Path(tmp, "venv/bin/python"), bookmeta.ROOT
        env, source = fresh_env(venv), Path(tmp, "mlp-from-scratch.tar.gz")
        for md in chapters:
            copy = Path(tmp, "notebooks", md.stem, f"{md.stem}.ipynb")  # a folder per notebook: its cwd
            copy.parent.mkdir(parents=True)
            nbformat.write(prepare_notebook(bookmeta.notebook_for(md), source, venv), copy)
        subprocess.run([sys.executable, "-m", "venv", venv], env=env, check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "-c", root / "requirements.txt", *COLAB_BASE,
                        "nbmake"], env=env, check=True)
        # The tracked files as in the work tree (a stash commit, none if unchanged, touches nothing),
        # which the install cell builds and installs as Colab's pip does a clone of the release tag.
        stash = subprocess.check_output(["git", "-C", root, "stash", "create"], text=True).strip()
        subprocess.run(["git", "-C", root, "archive", "--prefix=src/", "-o", source, stash or "HEAD"],
                       check=True)
        # nbmake's timeout is per cell: far above any chapter's, so that only a hang fails.
        tests = subprocess.run([python, "-m", "pytest", "-v", "--durations=0", "--nbmake",
                                "--nbmake-timeout=1800", "notebooks"], env=env, cwd=tmp)
    return 0 if tests.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
