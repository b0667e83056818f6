"""What a phone downloads: a demo trainee's first visit of her home page, on a 360 px phone with an empty cache,
costs less than 150 KB on the wire (page and every asset, compressed); on her next page the assets come from the
browser's cache, without a request."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Live, log_in, new_context

pytestmark = pytest.mark.e2e

SMALL_PHONE = {"width": 360, "height": 740}
TRAINEE = "dario.exemple@example.org"
BUDGET = 150 * 1024  # bytes on the wire: headers and (encoded) bodies
TEXT_TYPES = ("text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml")


class ServerLog:
    """The paths the live server was asked for (wraps its WSGI app: the browser's own counting can't tell a
    request from a cache hit)."""

    def __init__(self, app) -> None:
        self.paths: list[str] = []
        self._inner = app.wsgi_app
        app.wsgi_app = self

    def __call__(self, environ, start_response):
        self.paths.append(environ.get("PATH_INFO", ""))
        return self._inner(environ, start_response)


def test_first_visit_on_a_phone_is_small_and_the_next_page_reuses_the_assets(browser, live: Live):
    server = ServerLog(live.app)
    # Logged in once, then a fresh context (empty cache) that only keeps her session cookie.
    login_context = new_context(browser, live.url, viewport=SMALL_PHONE, is_mobile=True, has_touch=True)
    log_in(login_context.new_page(), TRAINEE)
    state = login_context.storage_state()
    login_context.close()

    context = new_context(browser, live.url, viewport=SMALL_PHONE, is_mobile=True, has_touch=True, storage_state=state)
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto("/", wait_until="load")
    page.wait_for_load_state("networkidle")
    assert page.url.rstrip("/") == live.url, page.url  # her home, not the login page
    assert page.get_by_role("heading", level=1).count() == 1

    rows, total = [], 0
    for response in responses:
        sizes = response.request.sizes()
        size = sizes["responseHeadersSize"] + sizes["responseBodySize"]
        total += size
        rows.append(f"{size:>8} {response.status} {response.headers.get('content-encoding', '-'):>5} {response.url}")
    report = "\n".join(rows) + f"\n{total:>8} in all"
    print(report)  # shown with -s: the figures of the Benchmarks section
    assert total < BUDGET, report

    assets = [r for r in responses if "/static/" in r.url]
    assert assets, report
    assert any(r.url.endswith(".css") for r in assets), report
    assert not [r.url for r in assets if "/fonts/" in r.url], "a page downloads a font"
    for response in responses:
        mimetype = (response.headers.get("content-type") or "").split(";")[0]
        if mimetype in TEXT_TYPES and int(response.headers.get("content-length") or 501) > 500:
            assert response.headers.get("content-encoding") in ("br", "gzip"), response.url
    for response in assets:
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable", response.url

    # Another page: the page itself is asked for, the assets are not (they are immutable and in the cache).
    server.paths.clear()
    page.goto("/my/training", wait_until="load")
    page.wait_for_load_state("networkidle")
    assert page.locator("link[rel=stylesheet]").count() == 1
    assert "/my/training" in server.paths, server.paths
    assert not [p for p in server.paths if p.startswith("/static/")], server.paths
    context.close()
