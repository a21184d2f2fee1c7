#!/usr/bin/env python
"""Browser test of the built site, served under the sub-path GitHub Pages gives it.

    python -m tools.check_site [--html DIR] [--screenshots DIR]

``_build/html`` is served on 127.0.0.1 at ``/<repository name>/`` only, so that a link
leaving that path breaks here as it would on GitHub Pages. LinkChecker crawls it: every
link, image and asset is served and every ``#fragment`` exists. Chromium (selenium and
``/usr/bin/chromedriver``) then loads every page and checks what only a browser sees:
no console error; MathJax typeset every equation (no ``merror``, no raw TeX left);
every image loaded and has an alt attribute; axe-core (npm) finds no serious or critical
violation, in the light and the dark theme, as loaded and with hidden cells and
solutions opened. Book-specific: Colab links point to notebooks tracked in this
repository and every chapter has one; the search finds "softmax"; the "How to cite" page
shows the version; chapters have download and theme buttons.
The last line reads ``N passed, M failed``; exit status 1 on a failure.
"""

from __future__ import annotations

import argparse
import collections
import csv
import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from . import bookmeta

ROOT = bookmeta.ROOT
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000"]
SKIP_DIRS = {"_static", "_sources", "_images", "_sphinx_design_static"}
SEARCH_TERM = "softmax"
# LinkChecker: follow the served site; check, without following, any other URL of the
# local server (a link out of the sub-path is a 404 there); leave the internet alone.
LINKCHECKER_RC = """\
[checking]
threads=2
[filtering]
checkextern=1
ignore=
  ^(?!http://127\\.0\\.0\\.1:)
"""


class Report:
    def __init__(self):
        self.failures: list[str] = []
        self.passed = 0
        self.stats = collections.Counter()

    def check(self, ok: bool, message: str):
        if ok:
            self.passed += 1
        else:
            self.failures.append(message)
            print(f"  FAIL {message}", flush=True)
        return ok


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass   # a client that stops reading (LinkChecker past its download limit)


def serve(directory: Path, root: Path, prefix: str):
    """Serve ``directory`` at ``/prefix/``: ``root`` (an empty folder) gets a link to it."""
    (root / prefix).symlink_to(directory, target_is_directory=True)
    handler = functools.partial(QuietHandler, directory=str(root))
    server = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/{prefix}/"


def link_problems(base: str, html_dir: Path) -> list[str]:
    """LinkChecker's broken links of the site served at ``base``, then its missing anchors."""
    with tempfile.NamedTemporaryFile("w", suffix=".rc", delete=False) as rc:
        rc.write(LINKCHECKER_RC)
    try:
        out = subprocess.run([str(Path(sys.executable).with_name("linkchecker")), "-f", rc.name,
                              "--no-status", "-o", "csv", base],
                             capture_output=True, text=True, cwd=tempfile.gettempdir())
    finally:
        os.unlink(rc.name)
    lines = [ln for ln in out.stdout.splitlines() if ln and not ln.startswith("#")]
    if out.returncode not in (0, 1) or not lines or not lines[0].startswith("urlname;"):
        return [f"linkchecker failed (exit {out.returncode}): {out.stderr[-500:]}"]
    return [f"{r['parentname']}: link {r['url']}: {r['warningstring'] or r['result']}"
            for r in csv.DictReader(lines, delimiter=";") if r["valid"] != "True" or r["warningstring"]
            ] + anchor_problems(html_dir)


def anchor_problems(html_dir: Path) -> list[str]:
    """Links between the site's pages whose ``#fragment`` is no id of the target page.

    (LinkChecker's AnchorCheck does this too, but downloads and parses the target page
    again for every anchored link: minutes on this site, against seconds here.)
    """
    from bs4 import BeautifulSoup

    soups = {p: BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser") for p in html_dir.rglob("*.html")}
    ids = {p: {t["id"] for t in soup.find_all(id=True)} | {t["name"] for t in soup.find_all("a", attrs={"name": True})}
           for p, soup in soups.items()}
    problems = []
    for page, soup in soups.items():
        for a in soup.find_all("a", href=True):
            url = urllib.parse.urlsplit(a["href"])
            if url.scheme or url.netloc or not url.fragment:
                continue
            target = (page.parent / urllib.parse.unquote(url.path)).resolve() if url.path else page
            if target in ids and urllib.parse.unquote(url.fragment) not in ids[target]:
                problems.append(f"{page.relative_to(html_dir)}: link {a['href']}: no anchor #{url.fragment}")
    return problems


def start_browser(profile: str):
    os.environ.setdefault("SE_AVOID_STATS", "true")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROME_FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    return driver


def wait_for(driver, script: str, timeout: float = 20.0, interval: float = 0.1):
    end = time.time() + timeout
    while True:
        value = driver.execute_script(script)
        if value or time.time() > end:
            return value
        time.sleep(interval)


MATH_JS = r"""
const maths = Array.from(document.querySelectorAll('.math'));
const untypeset = maths.filter(m => !m.querySelector('mjx-container'))
                       .map(m => m.textContent.trim().slice(0, 80));
const errors = Array.from(document.querySelectorAll('mjx-merror, [data-mjx-error]'))
                    .map(e => (e.getAttribute('data-mjx-error') || e.textContent).slice(0, 80));
const main = (document.querySelector('main') || document.body).cloneNode(true);
main.querySelectorAll('pre, code, mjx-container, .highlight, script, style, textarea').forEach(e => e.remove());
const text = main.textContent;
const raw = [];
for (const re of [/\\\(/, /\\\[/, /\$\$/, /\\frac\b/, /\\begin\{/, /\\mathbf\b/, /(^|[^\w$])\$[^$\s][^$]*?[^\\\s]\$(?!\w)/]) {
  const m = text.match(re);
  if (m) raw.push(text.slice(Math.max(0, m.index - 30), m.index + 50));
}
return {n_math: maths.length, n_typeset: document.querySelectorAll('mjx-container').length,
        untypeset: untypeset, errors: errors, raw: raw};
"""

IMAGES_JS = r"""
const imgs = Array.from(document.images);
imgs.forEach(i => { i.loading = 'eager'; });
return imgs.map(i => ({src: i.currentSrc || i.src, complete: i.complete,
                        width: i.naturalWidth, alt: i.getAttribute('alt')}));
"""

COLAB_LINKS_JS = r"""
return Array.from(document.querySelectorAll('a[href*="colab.research.google.com"]')).map(a => a.href);
"""

AXE_JS = r"""
const done = arguments[arguments.length - 1];
const scope = arguments[0] ? document.querySelectorAll(arguments[0]) : document;
axe.run(scope, {resultTypes: ['violations']})
   .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))
   .catch(e => done({error: String(e)}));
"""

# Open what a reader can open: myst-nb's hidden cells and sphinx-design dropdowns
# (<details>), sphinx-togglebutton's solutions and dropdown admonitions. Marks each
# with OPENED (axe then checks just those) and returns how many were opened.
OPENED = "data-check-site-opened"
OPEN_HIDDEN_JS = r"""
let opened = 0;
document.querySelectorAll('main details:not([open])').forEach(d => {
  d.open = true; d.setAttribute('OPENED', ''); opened++; });
document.querySelectorAll('main .toggle-button[aria-expanded="false"]').forEach(b => {
  b.click(); (b.closest('.toggle, .dropdown') || b.parentElement).setAttribute('OPENED', ''); opened++; });
return opened;
""".replace("OPENED", OPENED)

MATHJAX_WAIT_JS = r"""
const done = arguments[arguments.length - 1];
if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) { done('none'); return; }
MathJax.startup.promise.then(() => done('ok')).catch(e => done('error: ' + e));
"""


def console_errors(driver, report: Report, where: str):
    logs = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    report.check(not logs, f"{where}: console errors: {[e['message'][:200] for e in logs[:3]]}")


@functools.lru_cache(None)
def tracked(path: str) -> bool:
    """Is ``path`` a file of the repository (tracked by git when this is a checkout)?"""
    if (ROOT / ".git").exists() and shutil.which("git"):
        result = subprocess.run(["git", "-C", str(ROOT), "ls-files", "--error-unmatch", path],
                                capture_output=True)
        return result.returncode == 0
    return (ROOT / path).is_file()


def check_colab_link(href: str, report: Report, page: str) -> str | None:
    org, name = bookmeta.repo_org_name()
    prefix = f"{bookmeta.colab_url()}/github/{org}/{name}/blob/{bookmeta.branch()}/"
    if not report.check(href.startswith(prefix), f"{page}: Colab link {href} does not start with {prefix}"):
        return None
    path = urllib.parse.unquote(href[len(prefix):].split("#")[0].split("?")[0])
    report.check(path.endswith(".ipynb"), f"{page}: Colab link to {path}, not an .ipynb")
    report.check(tracked(path), f"{page}: Colab link to {path}, which is not a file of the repository "
                                "(run python -m tools.make_notebooks and commit the notebook)")
    return path


def check_page(driver, base: str, page: str, report: Report, axe_source: str, shots: Path | None):
    url = base + page
    driver.get(url)
    wait_for(driver, "return document.readyState === 'complete'")
    mj = driver.execute_async_script(MATHJAX_WAIT_JS)
    report.check(not str(mj).startswith("error"), f"{page}: MathJax failed: {mj}")

    # images (force lazy ones to load, then wait)
    driver.execute_script(IMAGES_JS)
    wait_for(driver, "return Array.from(document.images).every(i => i.complete)", timeout=15)
    for img in driver.execute_script(IMAGES_JS):
        report.stats["images"] += 1
        report.check(img["complete"] and img["width"] > 0, f"{page}: image not loaded: {img['src']}")
        report.check(img["alt"] is not None, f"{page}: image without alt attribute: {img['src']}")

    # equations
    math = driver.execute_script(MATH_JS)
    report.stats["math elements"] += math["n_math"]
    report.stats["equations typeset"] += math["n_typeset"]
    report.check(not math["untypeset"], f"{page}: equations not typeset: {math['untypeset'][:3]}")
    report.check(not math["errors"], f"{page}: MathJax errors: {math['errors'][:3]}")
    report.check(not math["raw"], f"{page}: raw TeX left in the text: {math['raw'][:3]}")

    colab_paths = []
    for href in sorted(set(driver.execute_script(COLAB_LINKS_JS))):
        report.stats["Colab links"] += 1
        path = check_colab_link(href, report, page)
        if path:
            colab_paths.append(path)

    console_errors(driver, report, page)   # after everything above has loaded

    # accessibility, light then dark theme: the theme's own switch stores the mode in
    # localStorage ("mode"), read when a page loads
    for theme in ("light", "dark"):
        current = driver.execute_script("return document.documentElement.dataset.theme")
        if current != theme:  # the first load follows the system (auto): light when headless
            driver.execute_script("localStorage.setItem('mode', arguments[0]);", theme)
            driver.refresh()
            wait_for(driver, "return document.readyState === 'complete'")
            driver.execute_async_script(MATHJAX_WAIT_JS)
        ok = wait_for(driver, "return document.documentElement.dataset.theme === arguments[0]"
                      .replace("arguments[0]", repr(theme)), timeout=5)
        report.check(bool(ok), f"{page}: the {theme} theme did not apply")
        time.sleep(0.2)
        if shots is not None and (theme == "light" or page.endswith("digits.html")):
            name = page.replace("/", "_").replace(".html", "") + f"-{theme}.png"
            driver.save_screenshot(str(shots / name))
        if not driver.execute_script("return typeof axe !== 'undefined'"):
            driver.execute_script(axe_source)
        for state in ("", "opened"):
            if state == "opened":
                # everything hidden opened (the page is reloaded for the next theme)
                if not driver.execute_script(OPEN_HIDDEN_JS):
                    break
                time.sleep(0.5)  # transitions; the site script's tab stops
                driver.execute_async_script(MATHJAX_WAIT_JS)
            where = f"{theme}, hidden content opened" if state else theme
            violations = driver.execute_async_script(AXE_JS, f"[{OPENED}]" if state else None)
            if isinstance(violations, dict):
                report.check(False, f"{page} [{where}]: axe-core failed: {violations['error']}")
                continue
            for v in violations:
                report.stats[f"axe {theme}: {v['impact']} violations"] += 1
                if v["impact"] not in ("serious", "critical"):
                    print(f"  note {page} [{where}] axe {v['impact']}: {v['id']} ({v['nodes']} nodes) "
                          f"{v['help']}", flush=True)
            bad = [v for v in violations if v["impact"] in ("serious", "critical")]
            report.check(not bad, f"{page} [{where}]: axe serious/critical violations: "
                                  + "; ".join(f"{v['id']} ({v['impact']}, {v['nodes']} nodes: "
                                              f"{v['targets']}) {v['help']}" for v in bad))
            report.stats[f"axe runs ({'hidden content opened' if state else 'as loaded'})"] += 1
        console_errors(driver, report, f"{page} [{theme}]")
    driver.execute_script("localStorage.removeItem('mode');")
    report.stats["pages checked"] += 1
    return colab_paths


def check_search(driver, base: str, report: Report):
    driver.get(base + "search.html?q=" + SEARCH_TERM)
    found = wait_for(driver, "return document.querySelectorAll('#search-results li').length", timeout=20)
    report.stats[f"search results for {SEARCH_TERM!r}"] = found or 0
    report.check(bool(found), f"search.html?q={SEARCH_TERM} found nothing")
    console_errors(driver, report, "search page")


def pages_of(html_dir: Path) -> list[str]:
    rels = (p.relative_to(html_dir) for p in sorted(html_dir.rglob("*.html")))
    return [rel.as_posix() for rel in rels if rel.parts[0] not in SKIP_DIRS]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--screenshots", type=Path, default=None,
                        help="folder for one PNG per page (light theme) and the dark chapter")
    args = parser.parse_args(argv)
    html_dir = args.html.resolve()
    if not (html_dir / "index.html").exists():
        print(f"no built site at {html_dir}: build it first (bash tools/build_book.sh)", file=sys.stderr)
        return 2
    if not AXE.exists():
        print(f"axe-core not found at {AXE}: run `npm ci` at the repository root", file=sys.stderr)
        return 2
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    axe_source = AXE.read_text(encoding="utf-8")
    report = Report()
    started = time.time()
    served = Path(tempfile.mkdtemp(prefix="check-site-root-"))
    server, base = serve(html_dir, served, bookmeta.repo_org_name()[1])
    print(f"serving {html_dir} at {base}; LinkChecker crawls it ...", flush=True)
    problems = link_problems(base, html_dir)
    report.check(not problems, f"LinkChecker: {len(problems)} problem(s):\n    " + "\n    ".join(problems))
    profile = tempfile.mkdtemp(prefix="check-site-chromium-")
    driver = start_browser(profile)
    try:
        colab_pages = {}
        for page in pages_of(html_dir):
            print(f"page {page}", flush=True)
            colab_pages[page] = check_page(driver, base, page, report, axe_source, args.screenshots)
        check_search(driver, base, report)

        # every executable chapter of the toc has a Colab button to its own notebook
        toc = set(bookmeta.toc_files())
        for md in bookmeta.chapter_sources():
            doc = md.relative_to(ROOT).with_suffix("").as_posix()
            if doc not in toc or not (html_dir / f"{doc}.html").exists():
                continue
            expected = f"{doc}.ipynb"
            report.check(expected in colab_pages.get(f"{doc}.html", []),
                         f"{doc}.html: no Colab link to {expected}")
            driver.get(base + f"{doc}.html")
            downloads = driver.execute_script(
                "return Array.from(document.querySelectorAll('.dropdown-download-buttons a'))"
                ".map(a => a.getAttribute('href'))")
            report.check(any(h.endswith(".ipynb") for h in downloads) and any(h.endswith(".md") for h in downloads),
                         f"{doc}.html: download buttons for .md and .ipynb missing: {downloads}")
            report.check(bool(driver.execute_script("return document.querySelector('.theme-switch-button')")),
                         f"{doc}.html: no theme (dark mode) switch")
        cite_page = "book/cite.html"
        if (html_dir / cite_page).exists():
            html = urllib.request.urlopen(base + cite_page, timeout=20).read().decode()
            report.check(bookmeta.version() in html, f"{cite_page} does not show version {bookmeta.version()}")
    finally:
        driver.quit()
        server.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(served, ignore_errors=True)

    print()
    for key, value in sorted(report.stats.items()):
        print(f"{key}: {value}")
    print(f"time: {time.time() - started:.1f} s")
    if report.failures:
        print(f"\n{len(report.failures)} failure(s):")
        for f in report.failures:
            print(f"  - {f}")
    print(f"{report.passed} passed, {len(report.failures)} failed")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
