"""Adèle lets a backpack read her badges, with the keyboard only, then takes the access back: the application is
Authlib's own ``OAuth2Session`` talking to the live server over the loopback (registration, PKCE S256, token,
credentials); the consent page and the "Applications connectées" page pass axe-core."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from playwright.sync_api import expect

from tests.e2e.conftest import Live, Pages, log_in, new_context

pytestmark = pytest.mark.e2e

ADELE = "adele.exemple@example.org"
READ = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"


@pytest.fixture
def callback() -> Iterator[tuple[str, list[str]]]:
    """The application's redirect URI: a small server on the loopback that keeps the URLs it is sent to."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/callback"):
                seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(b"<!doctype html><html lang=fr><title>Sac</title><p>Merci</p></html>")

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/callback", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_adele_lets_a_backpack_read_her_badges_then_takes_it_back(
    browser, live: Live, pages: Pages, monkeypatch, callback
):
    redirect, seen = callback
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the live server is plain http on the loopback
    api = live.url + "/ims/ob/v3p0"
    registered = requests.post(
        api + "/auth/register",
        json={"client_name": "Mon sac à badges", "redirect_uris": [redirect], "scope": READ},
        timeout=10,
    )
    assert registered.status_code == 201, registered.text
    info = registered.json()
    app = OAuth2Session(
        info["client_id"], info["client_secret"], scope=READ, redirect_uri=redirect, code_challenge_method="S256"
    )
    verifier = generate_token(48)
    url, _state = app.create_authorization_url(api + "/auth/authorize", code_verifier=verifier)

    context = new_context(browser, live.url)
    page = context.new_page()
    log_in(page, ADELE)
    page.goto(url)
    expect(page.get_by_role("heading", name="Mon sac à badges demande à lire vos données")).to_be_visible()
    expect(page.get_by_text("Vos badges. Pas ceux que vous avez refusés.")).to_be_visible()
    pages.check(page, "80-trainee-obapi-consent")
    yes = page.get_by_role("button", name="Oui, je suis d’accord")
    for _ in range(40):  # the keyboard alone reaches the button
        page.keyboard.press("Tab")
        if yes.evaluate("node => node === document.activeElement"):
            break
    else:
        raise AssertionError("the approve button cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(redirect + "*")
    assert len(seen) == 1 and "code=" in seen[0]

    app.fetch_token(
        api + "/auth/token", authorization_response=redirect + seen[0][len("/callback") :], code_verifier=verifier
    )
    credentials = app.get(api + "/credentials", params={"limit": 1})
    assert credentials.status_code == 200 and len(credentials.json()["credential"]) == 1
    assert int(credentials.headers["X-Total-Count"]) >= 1

    page.goto("/account")
    page.get_by_role("link", name="Applications connectées (qui lisent mes badges)").click()
    expect(page.get_by_role("heading", name="Mon sac à badges")).to_be_visible()
    pages.check(page, "81-trainee-obapi-applications")
    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name="Mon sac à badges"))
    card.get_by_role("button", name="Retirer l’accès").click()
    expect(page.get_by_text("C’est fait : Mon sac à badges ne peut plus lire vos données.")).to_be_visible()
    assert app.get(api + "/credentials").status_code == 401
    context.close()
