#!/usr/bin/env python
"""Run chapter notebooks as Colab would: alone, in a fresh runtime, installing the package.

    python -m tools.fresh_runtime                 # the chapters whose header has book: {ci_fresh_runtime: true}
    python -m tools.fresh_runtime --all           # every chapter (slow)
    python -m tools.fresh_runtime book/digits.md  # chosen chapters

Each committed Colab notebook runs top to bottom (nbclient) in a new venv holding only
what Colab preinstalls (``COLAB_BASE``, cached under ``$MLPBOOK_CACHE`` and layered
under each chapter's venv by a ``.pth`` file), with a fake ``google.colab`` module so
that the install cell runs ``%pip install``, its ``git+`` requirement swapped for a
wheel of this checkout's tracked files (the rest of the requirement comes from the
package index); in an empty folder, with this process's environment minus the build's
(``DROPPED_VARIABLES``). A last cell checks that the package came from the fresh venv.
nbmake would only replace the nbclient call: the fresh venv, the wheel and the fake
Colab module are this tool's job. The last line reads ``N passed, M failed``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from . import bookmeta

ROOT = bookmeta.ROOT
# What Google Colab preinstalls that our chapters rely on (plus ipykernel, to run them).
COLAB_BASE = ["numpy", "scipy", "matplotlib", "scikit-learn", "pandas", "ipykernel"]
FAKE_COLAB = (
    "import sys, types\n"
    "_colab = types.ModuleType('google.colab')\n"
    "_colab.__doc__ = 'Stand-in installed by tools/fresh_runtime.py: this is not Colab.'\n"
    "sys.modules.setdefault('google.colab', _colab)\n"
)
CHECK_CELL = (
    "import json, sys, importlib.util\n"
    "import mlp_from_scratch\n"
    "print('FRESH-RUNTIME ' + json.dumps({'package': mlp_from_scratch.__file__,\n"
    "    'version': mlp_from_scratch.__version__, 'prefix': sys.prefix,\n"
    "    'myst_nb': importlib.util.find_spec('myst_nb') is not None}))\n"
)
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colours of IPython tracebacks


def log(message: str):
    print(message, flush=True)


def run(cmd, **kw):
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        raise RuntimeError(f"command failed ({result.returncode}): {' '.join(map(str, cmd))}\n"
                           f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def base_python() -> str:
    """The interpreter to build venvs from: the one under this venv, if any."""
    return getattr(sys, "_base_executable", None) or sys.executable


# What would tie a fresh runtime to this checkout, the build venv or our IPython/Jupyter
# setup; everything else (MLP_DATA_DIR, caches, proxies, thread settings) passes through.
DROPPED_VARIABLES = frozenset({
    "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONEXECUTABLE", "VIRTUAL_ENV",
    "VIRTUAL_ENV_PROMPT", "CONDA_PREFIX", "JUPYTER_PATH", "JUPYTER_CONFIG_DIR",
    "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLBACKEND",
})


def clean_env(environ=None) -> dict:
    """``environ`` (default: ours) without ``DROPPED_VARIABLES`` and this venv's ``bin`` on ``PATH``."""
    source = os.environ if environ is None else environ
    env = {k: v for k, v in source.items() if k not in DROPPED_VARIABLES}
    if sys.prefix != sys.base_prefix and "PATH" in env:  # we run inside a venv
        own_bin = Path(sys.prefix, "bin").resolve()
        env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                      if p and Path(p).resolve() != own_bin)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def kernel_env(venv: Path, jupyter_path: Path, environ=None) -> dict:
    """The environment a chapter's kernel gets: ours (``clean_env``), with the fresh
    venv first on ``PATH`` (``!pip``, ``!python``) and ``JUPYTER_PATH`` at its kernel spec."""
    env = clean_env(environ)
    env["PATH"] = os.pathsep.join(filter(None, [str(venv / "bin"), env.get("PATH", "")]))
    env["JUPYTER_PATH"] = str(jupyter_path)
    return env


def run_notebook(nb, kernel_name: str, env: dict, cwd: Path, timeout: int):
    """Execute ``nb`` in place in ``kernel_name``, found and run with exactly the environment ``env``."""
    from nbclient import NotebookClient

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        client = NotebookClient(nb, kernel_name=kernel_name, timeout=timeout,
                                resources={"metadata": {"path": str(cwd)}})
        client.execute(env=dict(env))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return nb


def site_packages(venv: Path) -> Path:
    out = run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
              env=clean_env())
    return Path(out.stdout.strip())


def base_venv(cache: Path) -> Path:
    """The cached Colab-like environment (created on first use)."""
    version = run([base_python(), "-c", "import sys; print(sys.version)"]).stdout.strip()
    key = hashlib.sha256(json.dumps([version, COLAB_BASE]).encode()).hexdigest()[:12]
    venv = cache / f"colab-base-{key}"
    if (venv / ".complete").exists():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    log(f"creating the Colab-like base environment {venv} ({', '.join(COLAB_BASE)}) ...")
    started = time.time()
    run([base_python(), "-m", "venv", str(venv)], env=clean_env())
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *COLAB_BASE], env=clean_env())
    (venv / ".complete").write_text(time.strftime("%Y-%m-%d %H:%M:%S\n"))
    log(f"  done in {time.time() - started:.0f} s")
    return venv


def checkout_wheel(base: Path, workdir: Path) -> Path:
    """A wheel of the package built from the tracked files of this checkout (a clone's)."""
    src = workdir / "src"
    for name in filter(None, run(["git", "-C", str(ROOT), "ls-files", "-z"]).stdout.split("\0")):
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    out = workdir / "wheel"
    run([str(base / "bin" / "python"), "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(src)],
        env=clean_env())
    wheels = sorted(out.glob("mlp_from_scratch-*.whl"))
    if not wheels:
        raise RuntimeError(f"no wheel was built in {out}")
    return wheels[0]


def chapter_selected_for_ci(md: Path) -> bool:
    front = bookmeta.front_matter(md.read_text(encoding="utf-8"))
    return bool((front.get("book") or {}).get("ci_fresh_runtime"))


def prepare_notebook(ipynb: Path, wheel: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(ipynb, as_version=4)
    first = next((c for c in nb.cells if c.cell_type == "code"), None)
    requirement = bookmeta.pip_requirement()
    if first is None or '"google.colab" in sys.modules' not in first.source or requirement not in first.source:
        raise RuntimeError(f"{ipynb}: the first code cell is not the Colab install cell for "
                           f"{requirement!r} (run python -m tools.make_notebooks)")
    local = f"{bookmeta.DIST_NAME}[{bookmeta.INSTALL_EXTRA}] @ {wheel.as_uri()}"
    first.source = first.source.replace(requirement, local)
    nb.cells.append(nbformat.v4.new_code_cell(CHECK_CELL))
    return nb


def execute(md: Path, base: Path, wheel: Path, workdir: Path, timeout: int) -> tuple[bool, str]:
    from nbclient.exceptions import CellExecutionError

    ipynb = bookmeta.notebook_for(md)
    if not ipynb.exists():
        return False, f"{bookmeta.repo_relative(ipynb)} does not exist (run python -m tools.make_notebooks)"
    name = md.stem
    venv = workdir / f"venv-{name}"
    run([base_python(), "-m", "venv", str(venv)], env=clean_env())
    (site_packages(venv) / "colab_base.pth").write_text(str(site_packages(base)) + "\n")

    ipython_dir = workdir / f"ipython-{name}"
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-fake-google-colab.py").write_text(FAKE_COLAB)
    kernels = workdir / "jupyter" / "kernels" / f"fresh-{name}"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(venv / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"fresh runtime for {name}", "language": "python",
        "env": {"IPYTHONDIR": str(ipython_dir), "MPLBACKEND": "Agg", "PYTHONNOUSERSITE": "1"},
    }))
    cwd = workdir / f"cwd-{name}"
    cwd.mkdir()

    nb = prepare_notebook(ipynb, wheel)
    try:
        run_notebook(nb, f"fresh-{name}", kernel_env(venv, workdir / "jupyter"), cwd, timeout)
    except CellExecutionError as exc:
        return False, ANSI.sub("", str(exc))[-3000:]

    lines = [ln for out in nb.cells[-1].get("outputs", []) for ln in out.get("text", "").splitlines()]
    report = next((json.loads(ln.split(" ", 1)[1]) for ln in lines if ln.startswith("FRESH-RUNTIME ")), None)
    if report is None:
        return False, "the check cell printed nothing"
    problems = []
    if not Path(report["package"]).resolve().is_relative_to(venv.resolve()):
        problems.append(f"mlp_from_scratch was imported from {report['package']}, not from the fresh venv")
    if report["version"] != bookmeta.version():
        problems.append(f"installed version {report['version']} != {bookmeta.version()}")
    if report["myst_nb"]:
        problems.append("myst_nb is importable: the runtime is not fresh")
    return not problems, "; ".join(problems) or f"package from {report['package']}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", type=Path, help="chapter .md files")
    parser.add_argument("--all", action="store_true", help="every executable chapter under book/")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("--cache", type=Path,
                        default=Path(os.environ.get("MLPBOOK_CACHE",
                                                    Path.home() / ".cache" / "mlp-from-scratch")))
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    chapters = [p.resolve() for p in args.chapters] or [
        md for md in bookmeta.chapter_sources() if args.all or chapter_selected_for_ci(md)]
    if not chapters:
        log("no chapter selected")
        return 1

    started = time.time()
    args.cache.mkdir(parents=True, exist_ok=True)
    base = base_venv(args.cache)
    workdir = Path(tempfile.mkdtemp(prefix="fresh-runtime-"))
    passed, failed = 0, []
    try:
        wheel = checkout_wheel(base, workdir)
        log(f"package wheel: {wheel.name}")
        for md in chapters:
            t0 = time.time()
            log(f"{bookmeta.repo_relative(md)}: running {bookmeta.notebook_for(md).name} in a fresh runtime ...")
            try:
                ok, detail = execute(md, base, wheel, workdir, args.timeout)
            except Exception as exc:  # a setup step failed
                ok, detail = False, f"{type(exc).__name__}: {exc}"
            log(f"  {'PASS' if ok else 'FAIL'} in {time.time() - t0:.0f} s: {detail}")
            passed += ok
            failed += [] if ok else [str(bookmeta.repo_relative(md))]
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    log(f"fresh-runtime total: {time.time() - started:.0f} s")
    if failed:
        log("failed: " + ", ".join(failed))
    log(f"{passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
