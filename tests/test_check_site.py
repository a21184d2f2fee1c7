"""tools/check_site.py's link check (LinkChecker over the site served under its sub-path).

The browser part needs Chromium and a built site: it runs in CI (`build_book.sh --check`).
"""

from __future__ import annotations

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
        server.shutdown()
    assert len(problems) == 4, problems
    for url in ("a.html#nothere", "missing.html", "127.0.0.1:{}/elsewhere.html", "no.png"):
        assert any(url.format(server.server_address[1]) in p for p in problems), (url, problems)
