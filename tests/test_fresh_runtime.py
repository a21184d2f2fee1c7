"""tools/fresh_runtime.py: the environment and the notebook copies it prepares (fast), and one
end-to-end run (slow: a fresh venv, a wheel, two notebooks) that must report a failing cell."""

import os
import sys
import textwrap
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("jupytext")

from tools import bookmeta, fresh_runtime, make_notebooks  # noqa: E402

PASSED_THROUGH = {"MLP_DATA_DIR": "/data/for/the/book", "XDG_CACHE_HOME": "/cache/for/the/book",
                  "OPENBLAS_NUM_THREADS": "1", "MLP_FROM_SCRATCH_PROGRESS": "0"}
DROPPED = {"PYTHONPATH": "/the/checkout", "VIRTUAL_ENV": "/the/build/venv", "IPYTHONDIR": "/ipython"}


def chapter(folder: Path, name: str, code: str) -> Path:
    """A chapter ``name.md`` whose one code cell is ``code``, and its Colab notebook beside it."""
    md = folder / f"{name}.md"
    md.write_text(textwrap.dedent("""\
        ---
        jupytext:
          text_representation: {extension: .md, format_name: myst}
        kernelspec: {display_name: Python 3, language: python, name: python3}
        ---
        # T

        ```{code-cell} ipython3
        """) + code + "\n```\n", encoding="utf-8")
    bookmeta.notebook_for(md).write_text(make_notebooks.render(md), encoding="utf-8")
    return md


def test_env_passes_our_environment_but_not_the_builds(tmp_path):
    build_bin = str(Path(sys.prefix, "bin"))
    environ = {"PATH": os.pathsep.join([build_bin, "/usr/bin", "/bin"]), "HOME": "/home/reader",
               **PASSED_THROUGH, **DROPPED}
    env = fresh_runtime.fresh_env(tmp_path / "venv", environ)
    assert {k: env.get(k) for k in PASSED_THROUGH} == PASSED_THROUGH
    assert env["HOME"] == "/home/reader"
    assert not set(DROPPED) & set(env)
    assert env["PATH"].split(os.pathsep)[0] == str(tmp_path / "venv" / "bin")
    assert "/usr/bin" in env["PATH"].split(os.pathsep)
    if sys.prefix != sys.base_prefix:  # running in a venv: its bin is not the runtime's
        assert build_bin not in env["PATH"].split(os.pathsep)
    assert environ["PYTHONPATH"] == "/the/checkout"  # the input is not modified


def test_copy_installs_the_checkout_and_refuses_a_notebook_without_the_install_cell(tmp_path):
    md = chapter(tmp_path, "chapter", "1")
    source = tmp_path / "mlp-from-scratch.tar.gz"
    nb = fresh_runtime.prepare_notebook(bookmeta.notebook_for(md), source, tmp_path / "venv")
    install = nb.cells[2].source
    assert f'"{bookmeta.DIST_NAME}[{bookmeta.INSTALL_EXTRA}] @ {source.as_uri()}"' in install
    assert bookmeta.pip_requirement() not in install
    assert "google.colab" in nb.cells[0].source and "mlp_from_scratch" in nb.cells[-1].source
    broken = nbformat.read(bookmeta.notebook_for(md), as_version=4)
    broken.cells[1].source = "import sys"
    nbformat.write(broken, bookmeta.notebook_for(md))
    with pytest.raises(SystemExit, match="not the Colab install cell"):
        fresh_runtime.prepare_notebook(bookmeta.notebook_for(md), source, tmp_path / "venv")


def test_check_cell_refuses_a_package_from_elsewhere_or_a_build_environment(tmp_path):
    with pytest.raises(AssertionError, match="is not in the fresh venv"):
        exec(fresh_runtime.CHECK_CELL.format(venv=str(tmp_path)), {})
    import mlp_from_scratch

    home = str(Path(mlp_from_scratch.__file__).parent.parent)  # where this process imports it from
    pytest.importorskip("myst_nb")
    with pytest.raises(AssertionError, match="not fresh"):
        exec(fresh_runtime.CHECK_CELL.format(venv=home), {})


@pytest.mark.slow
def test_a_failing_cell_fails_the_run_and_the_environment_reaches_the_kernel(tmp_path, monkeypatch, capfd):
    for key, value in {**PASSED_THROUGH, **DROPPED}.items():
        monkeypatch.setenv(key, value)
    seen = f"{{k: os.environ.get(k) for k in {sorted(PASSED_THROUGH)!r}}}"
    fine = chapter(tmp_path, "fine", f"import os\nassert {seen} == {PASSED_THROUGH!r}, {seen}\n"
                                     f"assert not {set(DROPPED)!r} & set(os.environ)")
    failing = chapter(tmp_path, "failing", "raise ValueError('deliberately broken')")
    assert fresh_runtime.main([str(fine), str(failing)]) == 1
    out = capfd.readouterr().out
    assert "fine.ipynb PASSED" in out and "failing.ipynb FAILED" in out, out
    assert "ValueError: deliberately broken" in out and "1 failed, 1 passed" in out, out
    assert "\x1b[" not in out, "colour codes in the log"
