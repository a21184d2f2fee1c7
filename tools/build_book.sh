#!/usr/bin/env bash
# Build the book "MLP from Scratch" (Jupyter Book v1) on a fresh machine. README.md documents
# the build (times, the PDF's TeX Live packages), CONTRIBUTING.md the options for authors.
#
#   bash tools/build_book.sh                # venv + pinned deps + npm assets, then a full build
#   bash tools/build_book.sh --check        # ... and the browser test (tools/check_site.py)
#   bash tools/build_book.sh --pdf          # ... and the PDF of the whole book
#   bash tools/build_book.sh --cache        # reuse outputs of unchanged chapters (local use only)
#   bash tools/build_book.sh --executed     # rebuild from what the last build executed
#   bash tools/build_book.sh --no-install   # use the venv ($BOOK_VENV, default .venv) as it is
#   bash tools/build_book.sh --no-torch     # do not install PyTorch
#   bash tools/build_book.sh --install-only # just the environment (then: .venv/bin/python -m pytest)
#   bash tools/build_book.sh --instructor   # lab pages show the reference solutions (not for publishing)
#   BOOK_TOC=FILE bash tools/build_book.sh  # only the pages of that toc (same format as _toc.yml)
# Every chapter executes at every build: tools/execute_chapters.py runs them into a jupyter-cache,
# then jupyter-book builds from it (myst-nb's cache mode; a chapter executed again fails the build).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BOOK_VENV:-$ROOT/.venv}"
py="$VENV/bin/python"
INSTALL=1 TORCH=1 CHECK=0 BUILD=1 PDF=0 EXECUTE=1 INSTRUCTOR=0
toc=() reuse=()   # BOOK_TOC: --toc FILE for tools/execute_chapters.py and jupyter-book
[ -z "${BOOK_TOC:-}" ] || toc=(--toc "$(cd "$(dirname "$BOOK_TOC")" && pwd)/$(basename "$BOOK_TOC")")
for arg in "$@"; do
  case "$arg" in
    --executed) EXECUTE=0 ;;
    --no-install) INSTALL=0 ;;
    --no-torch) TORCH=0 ;;
    --check) CHECK=1 ;;
    --pdf) PDF=1 ;;
    --cache) reuse=(--reuse) ;;
    --install-only) BUILD=0 ;;
    --instructor) INSTRUCTOR=1 ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done
die() {
  echo "$*" >&2
  exit 1
}

cd "$ROOT"
started=$(date +%s)
if [ "$INSTALL" = 1 ]; then
  [ -x "$py" ] || python3 -m venv "$VENV"
  # the pins and the package (editable, from this checkout) again when one of these changes
  stamp="$VENV/.book-requirements.sha256"
  want="$(echo "$ROOT" | cat - requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$py" -m pip install --quiet --upgrade pip
    "$py" -m pip install --quiet -r requirements.txt
    "$py" -m pip install --quiet --no-deps -e .
    echo "$want" > "$stamp"
  fi
  if [ "$TORCH" = 1 ] && ! "$py" -c "import torch" 2>/dev/null; then
    "$py" -m pip install --quiet torch==2.13.0   # CPU; not in requirements.txt (see there)
  fi
  if [ package-lock.json -nt node_modules/.package-lock.json ]; then   # (also when it is missing)
    npm ci --no-audit --no-fund --loglevel=error   # MathJax (served by the site), axe-core
  fi
fi
if [ "$BUILD" = 0 ]; then
  echo "== environment ready: $VENV (tests: $py -m pytest)"
  exit 0
fi
[ -f node_modules/mathjax/es5/tex-mml-chtml.js ] || die "MathJax is missing: run \`npm ci\`"
if [ "$PDF" = 1 ]; then
  command -v latexmk >/dev/null && command -v xelatex >/dev/null || die "--pdf needs TeX Live: see README.md"
  export MLPBOOK_PDF=1   # the pages link the PDF (tools/sphinx_ext/mlpbook.py)
fi

# The chapters' jupyter-cache, read by the HTML and the LaTeX builds (the PDF reuses the environment).
export MLPBOOK_EXECUTION_CACHE="$ROOT/_build/.jupyter_cache/this-build"
if [ -n "${reuse[*]}" ]; then   # --cache: keyed by a hash of the package; only its misses execute
  hash="$("$py" -c 'from tools.sphinx_ext.mlpbook import package_hash; print(package_hash())')"
  export MLPBOOK_EXECUTION_CACHE="$ROOT/_build/.jupyter_cache/pkg-$hash"
fi
if [ "$EXECUTE" = 1 ]; then
  "$py" -m tools.execute_chapters "${reuse[@]}" "${toc[@]}" --cache-dir "$MLPBOOK_EXECUTION_CACHE" \
    --times "$ROOT/_build/results/execution-times.json"
  if grep -q "book/labs/" "${BOOK_TOC:-_toc.yml}"; then
    "$py" -m tools.labs --run   # the labs' reference solutions, timed
  fi
fi
if [ "$INSTRUCTOR" = 1 ]; then
  trap '"$py" -m tools.labs >/dev/null' EXIT   # the student notebooks back in book/labs
  "$py" -m tools.labs --instructor
fi
"$VENV/bin/jupyter-book" build "$ROOT" "${toc[@]}" --all -W -n --keep-going
built=$(date +%s)
echo "== built in $((built - started)) s: $ROOT/_build/html/index.html"

if [ "$PDF" = 1 ]; then
  log=_build/latex-sphinx.log
  "$VENV/bin/jupyter-book" build "$ROOT" "${toc[@]}" --builder latex -W -n --keep-going 2>&1 | tee "$log"
  # The environment must be reused as it is: a re-read document would execute again. (grep
  # without -q reads to the end; with -q, pipefail could report sed's broken pipe instead.)
  reused="updating environment: 0 added, 0 changed, 0 removed"
  if ! sed 's/\x1b\[[0-9;]*m//g' "$log" | grep "$reused" >/dev/null; then
    grep -a "updating environment" "$log" >&2 || true
    die "the LaTeX build re-read (and executed) chapters instead of reusing the HTML build's"
  fi
  tex="$(cd _build/latex && ls *.tex | head -1)"
  # latexmk (its latexmkrc selects xelatex) reruns xelatex until the cross-references settle;
  # nonstop mode, so that an error ends it.
  if ! (cd _build/latex && LATEXOPTS="-interaction=nonstopmode -halt-on-error" \
        latexmk -pdf -dvi- -ps- "$tex" > latexmk.log 2>&1 < /dev/null); then
    grep -a -A5 "^!" _build/latex/latexmk.log >&2 || tail -40 _build/latex/latexmk.log >&2
    die "xelatex failed: see _build/latex/latexmk.log and _build/latex/*.log"
  fi
  if grep -a "Missing character" "_build/latex/${tex%.tex}.log" | sort | uniq -c | grep .; then
    echo "warning: glyphs the PDF's fonts lack, above (map them in tools/sphinx_ext/templates/mlpbook.sty)"
  fi
  cp "_build/latex/${tex%.tex}.pdf" _build/html/
  echo "== PDF in $(($(date +%s) - built)) s: $ROOT/_build/html/${tex%.tex}.pdf"
fi
[ "$CHECK" = 0 ] || "$py" -m tools.check_site   # the browser test
echo "The book is in _build/html: python3 -m http.server -d _build/html --bind 127.0.0.1 8000"
