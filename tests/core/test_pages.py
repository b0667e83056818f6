"""Pages each role lands on, the API, health, and secrets kept out of logs."""

from __future__ import annotations

import logging

import pytest

from core.logs import redact


@pytest.mark.parametrize("role", ["admin", "trainer", "tutor", "trainee", "funder"])
def test_every_role_has_a_home_page(client, login_as, role):
    user = login_as(role, legal_name="Chloé Démo")
    page = client.get("/").get_data(as_text=True)
    assert "Bonjour Chloé Démo" in page and "Mon compte" in page
    assert ("Inviter une personne" in page) == (role == "admin")
    assert user.email in page


def test_pages_are_accessible_by_construction(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'class="skip-link" href="#main"' in page and 'id="main"' in page
    assert '<label for="email">' in page and '<label for="password">' in page
    assert "http://" not in page.replace("http://localhost", "")  # nothing loaded from elsewhere


def test_api_me_read_and_write(client, login_as):
    user = login_as("trainer", legal_name="Formatrice Démo")
    assert client.get("/api/v1/me").json["roles"] == ["trainer"]
    response = client.patch("/api/v1/me", json={"display_name": "Fo", "language": "en"})
    assert response.status_code == 200 and response.json["name"] == "Fo" and response.json["language"] == "en"
    response = client.patch("/api/v1/me", json={"language": "de"})
    assert response.status_code == 422 and response.json["field"] == "language"
    response = client.patch("/api/v1/me", json={"email": "other@example.org"})
    assert response.status_code == 400
    assert user.email == client.get("/api/v1/me").json["email"]


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_tokens_never_reach_the_logs(app, caplog):
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    assert redact(f"GET /invitation/{token} HTTP/1.1") == "GET /invitation/[token] HTTP/1.1"
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info('"GET /password/reset/%s HTTP/1.1" 302', token)
    assert token not in caplog.text and "[token]" in caplog.text
