#!/usr/bin/env bash
# Build the book "MLP from Scratch" (Jupyter Book v1) on a fresh machine.
#
#   bash tools/build_book.sh                # venv + pinned deps + npm assets, then a full build
#   bash tools/build_book.sh --check        # ... and the browser test (tools/check_site.py)
#   bash tools/build_book.sh --pdf          # ... and the PDF of the whole book (TeX Live, below)
#   bash tools/build_book.sh --cache        # reuse outputs of unchanged chapters (local use only)
#   bash tools/build_book.sh --execute-only # only execute the chapters (step 1 below), then stop
#   bash tools/build_book.sh --executed     # the rest, from what --execute-only executed
#   bash tools/build_book.sh --no-install   # use the venv as it is
#   bash tools/build_book.sh --no-torch     # do not install PyTorch
#   bash tools/build_book.sh --install-only # just the environment (then: .venv/bin/python -m pytest)
#
# The venv is $BOOK_VENV (default: .venv at the repository root). It gets the exact pins
# of requirements.txt (reinstalled when that file changes), the package in editable
# mode, and torch==2.13.0 (CPU). `npm ci` brings MathJax (served by the site itself) and
# axe-core (accessibility test). Every chapter executes at every build, in two steps:
#   1. tools/execute_chapters.py executes the chapters with jupyter-cache's executors into
#      a jupyter-cache emptied first (_build/.jupyter_cache/this-build), on every core the
#      machine has and with one BLAS thread per process: chapters that start a worker per
#      core themselves (front matter `book: {cpus: all}`) run alone, the others one per
#      core. It prints each chapter's time (also in _build/results/execution-times.json);
#   2. jupyter-book builds the book (`--all`) in myst-nb's cache mode on that folder
#      (MLPBOOK_EXECUTION_CACHE, tools/sphinx_ext/mlpbook.py): every chapter is a cache
#      hit, and a chapter that would execute again fails the build.
# (A plain `jupyter-book build .` keeps _config.yml's execute_notebooks: force, and runs
# the chapters itself, one at a time.) A failing cell fails step 1 with the chapter's name
# and traceback, and any Sphinx warning fails step 2. The cell timeout (_config.yml) is
# there for hangs, far above the longest cell: a slower machine takes longer, it does not
# fail. With --cache, step 1 keeps a cache keyed by a hash of the package
# (_build/.jupyter_cache/pkg-HASH) and executes only the chapters it lacks. With --pdf,
# the LaTeX builder then writes the same book from the environment
# the HTML build left in _build/.doctrees (no chapter executes twice: the script fails if
# one would), xelatex (latexmk) makes _build/latex/mlp-from-scratch.pdf, and a copy goes
# to _build/html/, where every page links it ("Download PDF"). The PDF needs Debian's
#   latexmk texlive-xetex texlive-latex-recommended texlive-latex-extra
#   texlive-fonts-recommended fonts-freefont-otf     (and poppler-utils for tools/check_pdf.py)
# BOOK_TOC=FILE builds only the pages of that toc (same format as _toc.yml; for trying the
# build on a few pages). The kernels inherit the caller's environment (MLP_DATA_DIR, ...),
# with the thread settings of tools/execute_chapters.py. The result is _build/html: serve it with
#   python3 -m http.server -d _build/html --bind 127.0.0.1 8000
# and open http://127.0.0.1:8000/ .
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BOOK_VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
INSTALL=1 TORCH=1 CHECK=0 CACHE=0 BUILD=1 PDF=0 EXECUTE=1 SPHINX=1
toc=()   # BOOK_TOC: --toc FILE for tools/execute_chapters.py and jupyter-book
[ -z "${BOOK_TOC:-}" ] || toc=(--toc "$(cd "$(dirname "$BOOK_TOC")" && pwd)/$(basename "$BOOK_TOC")")
while [ $# -gt 0 ]; do
  arg="$1"; shift
  case "$arg" in
    --execute-only) SPHINX=0 ;;
    --executed) EXECUTE=0 ;;
    --no-install) INSTALL=0 ;;
    --no-torch) TORCH=0 ;;
    --check) CHECK=1 ;;
    --pdf) PDF=1 ;;
    --cache) CACHE=1 ;;
    --install-only) BUILD=0 ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

cd "$ROOT"
started=$(date +%s)

if [ "$INSTALL" = 1 ]; then
  if [ ! -x "$VENV/bin/python" ]; then
    echo "== creating the venv $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  stamp="$VENV/.book-requirements.sha256"
  want="$(sha256sum requirements.txt | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "== installing requirements.txt into $VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -r requirements.txt
    echo "$want" > "$stamp"
  fi
  "$VENV/bin/python" -m pip install --quiet --no-deps --no-build-isolation -e . 2>/dev/null \
    || "$VENV/bin/python" -m pip install --quiet --no-deps -e .
  if [ "$TORCH" = 1 ] && ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    echo "== installing torch==2.13.0 (CPU)"
    "$VENV/bin/python" -m pip install --quiet torch==2.13.0
  fi
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "== npm ci (MathJax, axe-core)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
fi

if [ "$BUILD" = 0 ]; then
  echo "== environment ready: $VENV (tests: $VENV/bin/python -m pytest)"
  exit 0
fi

if [ ! -f node_modules/mathjax/es5/tex-mml-chtml.js ]; then
  echo "MathJax is missing: run \`npm ci\` at the repository root" >&2
  exit 1
fi

if [ "$PDF" = 1 ]; then
  for tool in latexmk xelatex; do
    command -v "$tool" >/dev/null || { echo "--pdf needs $tool: see the TeX Live packages at the top of $0" >&2; exit 1; }
  done
  export MLPBOOK_PDF=1   # the pages link the PDF (tools/sphinx_ext/mlpbook.py)
fi

echo "== building the book (every chapter executes, on $(nproc) cores, one BLAS thread each)"
for var in MLP_DATA_DIR MLP_FROM_SCRATCH_PROGRESS XDG_CACHE_HOME; do
  if [ -n "${!var+x}" ]; then echo "   kernels get $var=${!var}"; fi
done
# The jupyter-cache that step 1 fills and step 2 reads (the same path for the HTML and the
# LaTeX builds: it is part of the Sphinx environment the PDF reuses).
if [ "$CACHE" = 1 ]; then
  hash="$(PYTHONPATH="$ROOT" "$VENV/bin/python" -c \
    'from tools.sphinx_ext.mlpbook import package_hash; print(package_hash())')"
  export MLPBOOK_EXECUTION_CACHE="$ROOT/_build/.jupyter_cache/pkg-$hash"
  reuse=(--reuse)
else
  export MLPBOOK_EXECUTION_CACHE="$ROOT/_build/.jupyter_cache/this-build"
  reuse=()
fi
if [ "$EXECUTE" = 1 ]; then
  "$VENV/bin/python" -m tools.execute_chapters "${reuse[@]}" \
    "${toc[@]}" --cache-dir "$MLPBOOK_EXECUTION_CACHE" --times "$ROOT/_build/results/execution-times.json"
  executed=$(date +%s)
  echo "== chapters executed in $((executed - started)) s"
fi
if [ "$SPHINX" = 0 ]; then
  exit 0
fi
"$VENV/bin/jupyter-book" build "$ROOT" "${toc[@]}" --all -W -n --keep-going
built=$(date +%s)
echo "== built in $((built - started)) s: $ROOT/_build/html/index.html"

if [ "$PDF" = 1 ]; then
  echo "== the PDF: LaTeX from the HTML build's environment, then xelatex"
  latex_log="$ROOT/_build/latex-sphinx.log"
  "$VENV/bin/jupyter-book" build "$ROOT" "${toc[@]}" --builder latex -W -n --keep-going 2>&1 | tee "$latex_log"
  # The environment must be reused as it is: a re-read document would execute again.
  # (grep without -q reads to the end: with -q it may exit first, and pipefail would then
  # report sed's broken pipe as a missing line)
  if ! sed 's/\x1b\[[0-9;]*m//g' "$latex_log" | grep "updating environment: 0 added, 0 changed, 0 removed" >/dev/null; then
    echo "the LaTeX build re-read (and executed) chapters instead of reusing the HTML build's:" >&2
    grep -a "updating environment" "$latex_log" >&2 || true
    exit 1
  fi
  tex="$(cd "$ROOT/_build/latex" && ls *.tex | head -1)"; pdf="${tex%.tex}.pdf"
  # latexmk (as in Sphinx's Makefile there; its latexmkrc selects xelatex) reruns xelatex
  # until the cross-references settle; nonstop mode, so that an error ends it.
  if ! (cd "$ROOT/_build/latex" && LATEXOPTS="-interaction=nonstopmode -halt-on-error" \
        latexmk -pdf -dvi- -ps- "$tex" > latexmk.log 2>&1 < /dev/null); then
    grep -a -A5 "^!" "$ROOT/_build/latex/latexmk.log" >&2 || tail -40 "$ROOT/_build/latex/latexmk.log" >&2
    echo "xelatex failed: see _build/latex/latexmk.log and _build/latex/*.log" >&2
    exit 1
  fi
  missing="$(grep -a "Missing character" "$ROOT/_build/latex/${tex%.tex}.log" | sort | uniq -c || true)"
  if [ -n "$missing" ]; then
    echo "warning: glyphs the PDF's fonts lack (map them in LATEX_PREAMBLE, tools/sphinx_ext/mlpbook.py):"
    echo "$missing"
  fi
  cp "$ROOT/_build/latex/$pdf" "$ROOT/_build/html/"
  pdf_done=$(date +%s)
  echo "== PDF in $((pdf_done - built)) s: $ROOT/_build/html/$pdf"
fi

if [ "$CHECK" = 1 ]; then
  echo "== browser test"
  "$VENV/bin/python" -m tools.check_site
fi

cat <<EOF

The book is in _build/html. To read it, serve it locally:
    python3 -m http.server -d _build/html --bind 127.0.0.1 8000
and open http://127.0.0.1:8000/ in a browser.
EOF
