"""tools/check_site.py's link check (LinkChecker over the site served under its sub-path).

The browser part needs Chromium and a built site: it runs in CI (`build_book.sh --check`).
"""

import pytest

from tools import check_site

pytest.importorskip("linkcheck")


def test_link_check_finds_broken_links_missing_anchors_and_links_out_of_the_sub_path(tmp_path):
    site, root = (tmp_path / "site").resolve(), tmp_path / "root"
    site.mkdir(), root.mkdir()
    (site / "index.html").write_text(
        '<html><body><a href="a.html#here">ok</a> <a href="a.html#nothere">anchor</a> '
        '<a href="missing.html">missing</a> <a href="/elsewhere.html">out</a> '
        '<a href="https://example.org/">internet, not followed</a> <img src="no.png" alt="x"></body></html>')
    (site / "a.html").write_text('<html><body><p id="here">a</p></body></html>')
    server, base = check_site.serve(site, root, "sub")
    try:
        problems = check_site.link_problems(base, site)
        (site / "index.html").write_text('<html><body><a href="a.html#here">ok</a></body></html>')
        assert check_site.link_problems(base, site) == []
    finally:
        server.terminate()
    # LinkChecker's report, then one line per missing anchor
    assert len(problems) == 2 and problems[1].endswith("link a.html#nothere: no anchor #nothere"), problems
    for url in ("missing.html", base.replace("/sub/", "/elsewhere.html"), "no.png"):
        assert url in problems[0], (url, problems)
    assert "example.org" not in problems[0], problems
    assert "3 errors found" in problems[0], problems
