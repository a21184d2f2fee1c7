#!/usr/bin/env python
"""Browser test of the built site, served under the sub-path GitHub Pages gives it.

Served at ``/<repository name>/`` only (a link leaving it breaks, as on GitHub Pages), the site
passes pytest: LinkChecker, an anchor check, then in Chromium (selenium) each page: no console
error, MathJax error or raw TeX; images loaded, with alt text; Colab links to notebooks in git; no
serious or critical axe-core violation (lesser: warnings) in both themes, as loaded and with
hidden content opened. Then chapter buttons, search, version. Exit status 1 on a failure.
"""

import argparse
import importlib.resources
import os
import subprocess
import sys
import time
import urllib.parse
import warnings
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tools import bookmeta   # absolute: pytest imports this file again, as its test module

ROOT = bookmeta.ROOT
HTML = ROOT / "_build" / "html"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000"]
PAGES = [p for p in sorted(q.relative_to(HTML).as_posix() for q in HTML.rglob("*.html")) if p[0] != "_"]
NOTEBOOKS = {bookmeta.colab_link(path) for path in subprocess.run(
    ["git", "-C", ROOT, "ls-files", "*.ipynb"], capture_output=True, text=True).stdout.split()}
COLAB_JS = ("return Array.from(document.querySelectorAll('a[href*=\"colab.research.google.com\"]'),"
            " a => a.href)")
# selenium waits for the promise a script returns
MATHJAX_JS = "return window.MathJax?.startup?.promise.then(() => 'ok', e => 'error: ' + e) ?? 'none'"
PAGE_JS = r"""  // what the page shows wrong, {problem: [examples]}, once its images loaded
const all = s => Array.from(document.querySelectorAll(s));
const c = (document.querySelector('main') || document.body).cloneNode(true);
c.querySelectorAll('pre, code, mjx-container, .highlight, script, style, textarea').forEach(e => e.remove());
const raw = [/\\\(/, /\\\[/, /\$\$/, /\\frac\b/, /\\begin\{/, /\\mathbf\b/,
             /(^|[^\w$])\$[^$\s][^$]*?[^\\\s]\$(?!\w)/].map(re => c.textContent.match(re)).filter(m => m);
const loads = all('img').map(i => { i.loading = 'eager'; return i.decode().catch(() => null); });
return Promise.all(loads).then(() => ({
  'image not loaded': all('img').filter(i => !i.complete || !i.naturalWidth).map(i => i.currentSrc || i.src),
  'image without alt attribute': all('img').filter(i => !i.hasAttribute('alt')).map(i => i.src),
  'equations not typeset': all('.math:not(:has(mjx-container))').map(m => m.textContent),
  'MathJax errors': all('mjx-merror, [data-mjx-error]').map(e => e.dataset.mjxError || e.textContent),
  'raw TeX left in the text': raw.map(m => m.input.slice(Math.max(0, m.index - 30), m.index + 50))}));
"""
AXE_JS = """return axe.run(arguments[0] ? document.querySelectorAll(arguments[0]) : document,
                {resultTypes: ['violations']}).then(r => r.violations.map(v => `${v.impact}: ${v.id} `
    + `(${v.nodes.length} nodes: ${v.nodes.slice(0, 3).map(n => n.target.join(' '))}) ${v.help}`),
  e => [`critical: axe-core failed: ${e}`]);"""
# Open what a reader can open: myst-nb's hidden cells and sphinx-design dropdowns (<details>),
# sphinx-togglebutton's solutions and dropdown admonitions; mark each for axe to check.
OPEN_HIDDEN_JS = """const opened = [...document.querySelectorAll('main details:not([open])')].map(d => {
  d.open = true; return d }).concat([...document.querySelectorAll('main .toggle-button[aria-expanded=false]')]
  .map(b => { b.click(); return b.closest('.toggle, .dropdown') || b.parentElement; }));
opened.forEach(e => e.setAttribute('data-opened', '')); return opened.length;"""


def serve(directory: Path, root: Path, prefix: str):
    """Serve ``directory`` at ``/prefix/``: ``root`` (an empty folder) gets a link to it."""
    (root / prefix).symlink_to(directory, target_is_directory=True)
    server = subprocess.Popen([sys.executable, "-u", "-m", "http.server", "-b", "127.0.0.1", "-d", root, "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = server.stdout.readline().split(" port ")[1].split()[0]   # "Serving HTTP on ... port N (...)"
    return server, f"http://127.0.0.1:{port}/{prefix}/"


def link_problems(base: str, html_dir: Path) -> list[str]:
    """LinkChecker's report on the site served at ``base`` if it is broken, then its missing anchors."""
    # follow the served site; check, without following, any other URL of the local
    # server (a link out of the sub-path is a 404 there); leave the internet alone
    linkchecker = Path(sys.executable).with_name("linkchecker")
    rc = importlib.resources.files("linkcheck.data") / "linkcheckerrc"   # its defaults, not the user's
    out = subprocess.run([linkchecker, "-f", rc, "-t", "2", "--no-status", "--check-extern",
                          "--ignore-url", r"^(?!http://127\.0\.0\.1:)", base], capture_output=True, text=True)
    if out.returncode > 1 or "That's it." not in out.stdout:   # 1: broken links or warnings
        return [f"linkchecker failed (exit {out.returncode}): {out.stderr[-500:]}"]
    return ([out.stdout] if out.returncode else []) + anchor_problems(html_dir)


def anchor_problems(html_dir: Path) -> list[str]:
    """Links between the site's pages whose ``#fragment`` is no id of the target page (LinkChecker's
    AnchorCheck parses the target again for every anchored link: over 10 minutes on this site)."""
    soups = {p: BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser") for p in html_dir.rglob("*.html")}
    ids = {p: {t["id"] for t in s.select("[id]")} | {t["name"] for t in s.select("a[name]")}
           for p, s in soups.items()}
    problems = []
    for page, soup in soups.items():
        for a in soup.find_all("a", href=True):
            url = urllib.parse.urlsplit(a["href"])
            target = (page.parent / urllib.parse.unquote(url.path)).resolve() if url.path else page
            if url.fragment and target in ids and urllib.parse.unquote(url.fragment) not in ids[target]:
                problems.append(f"{page.relative_to(html_dir)}: link {a['href']}: no anchor #{url.fragment}")
    return problems


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in CHROME_FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    server, base = serve(HTML, tmp_path_factory.mktemp("root"), bookmeta.repo_org_name()[1])
    with webdriver.Chrome(service=service, options=options) as driver:   # quits on exit
        driver.set_page_load_timeout(60)
        driver.set_script_timeout(60)
        yield driver, base
    server.terminate()


def console_errors(driver, where: str) -> list[str]:
    logs = [e["message"][:200] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    return [f"{where}: console errors: {logs[:3]}"] if logs else []


def test_links_and_anchors(site):
    problems = link_problems(site[1], HTML)
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


@pytest.mark.parametrize("page", PAGES)
def test_page(site, page):
    driver, base = site
    driver.get(base + page)
    problems = [f"MathJax failed: {m}" for m in [driver.execute_script(MATHJAX_JS)] if m.startswith("error")]
    problems += [f"{what}: {found[:3]}" for what, found in driver.execute_script(PAGE_JS).items() if found]
    problems += [f"Colab link {href}: to no notebook in git (python -m tools.make_notebooks; commit it)"
                 for href in set(driver.execute_script(COLAB_JS)) - NOTEBOOKS]
    problems += console_errors(driver, "as loaded")   # after everything above has loaded
    # the theme's own switch stores the mode in localStorage ("mode"), read when a page
    # loads; the first load follows the system (auto): light when headless
    for theme in ("light", "dark"):
        if driver.execute_script("return document.documentElement.dataset.theme") != theme:
            driver.execute_script("localStorage.setItem('mode', arguments[0]);", theme)
            driver.refresh()
        if driver.execute_script("return document.documentElement.dataset.theme") != theme:
            problems.append(f"the {theme} theme did not apply")
        if not driver.execute_script("return typeof axe !== 'undefined'"):
            driver.execute_script(AXE.read_text(encoding="utf-8"))
        for where, scope in ((theme, None), (f"{theme}, hidden content opened", "[data-opened]")):
            if scope and not driver.execute_script(OPEN_HIDDEN_JS):
                break   # nothing hidden (the page is reloaded for the next theme)
            time.sleep(0.5 if scope else 0.2)   # transitions; the site script's tab stops
            driver.execute_script(MATHJAX_JS)
            for violation in driver.execute_script(AXE_JS, scope):
                if violation.startswith(("serious", "critical")):
                    problems.append(f"[{where}] axe {violation}")
                else:
                    warnings.warn(f"{page} [{where}]: axe {violation}")
        problems += console_errors(driver, theme)
    driver.execute_script("localStorage.removeItem('mode');")
    assert not problems, f"{page}:\n" + "\n".join(problems)


def test_search(site):
    site[0].get(site[1] + "search.html?q=softmax")
    site[0].implicitly_wait(20)   # find_elements waits up to 20 s for the first result
    assert site[0].find_elements("css selector", "#search-results li"), "the search found no softmax"
    assert not (errors := console_errors(site[0], "search page")), errors


@pytest.mark.parametrize("chapter", [doc for md in bookmeta.chapter_sources()   # the toc's executable ones
                                     if (doc := bookmeta.repo_relative(md).with_suffix("").as_posix())
                                     in bookmeta.toc_files() and (HTML / f"{doc}.html").exists()])
def test_chapter_buttons(site, chapter):
    site[0].get(site[1] + f"{chapter}.html")
    assert bookmeta.colab_link(f"{chapter}.ipynb") in site[0].execute_script(COLAB_JS), "no Colab link"
    downloads = [a.get_attribute("href")
                 for a in site[0].find_elements("css selector", ".dropdown-download-buttons a")]
    assert {".md", ".ipynb"} <= {Path(h).suffix for h in downloads}, f"downloads: {downloads}"
    assert site[0].find_elements("css selector", ".theme-switch-button"), "no theme switch"


@pytest.mark.skipif(not (HTML / "book/cite.html").exists(), reason="no How to cite page")
def test_cite_shows_version(site):
    site[0].get(site[1] + "book/cite.html")
    assert bookmeta.version() in site[0].page_source, f"no version {bookmeta.version()}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args(argv)
    for needed, fix in ((HTML / "index.html", "build it: bash tools/build_book.sh"), (AXE, "run npm ci")):
        if not needed.exists():
            parser.error(f"no {needed}: {fix}")   # exit status 2
    return int(pytest.main([__file__, "-v", "-p", "no:cacheprovider", "--rootdir", str(ROOT)]))


if __name__ == "__main__":
    sys.exit(main())
