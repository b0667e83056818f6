"""Personal access tokens: hashed at rest, shown once, scoped, expiring, revocable; bearer only on /api/v1;
CSRF exempt only for bearer requests."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from core import api_auth
from core.db import db, utcnow
from core.models import ApiToken

TOKEN_RE = re.compile(r'id="new-token" type="text" readonly value="(tpl_[^"]+)"')


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_create_on_the_page_shown_once_and_hashed(client, login_as):
    user = login_as("trainer")
    page = client.post("/account/tokens", data={"name": "script", "scopes": ["read"], "days": "30"})
    assert page.status_code == 200
    token = TOKEN_RE.search(page.get_data(as_text=True)).group(1)
    row = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in (row.token_hash, row.prefix)
    assert token.startswith(row.prefix) and row.scopes == ["read"]
    assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)
    again = client.get("/account/tokens").get_data(as_text=True)
    assert token not in again and row.prefix in again  # never shown again
    assert client.get("/api/v1/me", headers=bearer(token)).json["email"] == user.email


def test_bad_tokens_get_401_and_cookies_are_ignored_with_a_bearer(app, client, login_as, create_user):
    user = login_as("admin")  # the client also has a session cookie
    for value in ("nope", "tpl_" + "x" * 43, ""):
        response = client.get("/api/v1/me", headers=bearer(value))
        assert response.status_code == 401 and response.json["error"] == "invalid_token"
        assert "Bearer" in response.headers["WWW-Authenticate"]
    token, secret = api_auth.create_token(user, "old", ["read"], 30)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    token, secret = api_auth.create_token(user, "revoked", ["read"], 30)
    api_auth.revoke_token(token)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    other = create_user(roles=("trainee",))
    token, secret = api_auth.create_token(other, "inactive", ["read"], 30)
    other.active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_bearer_only_on_the_api(app, create_user):
    user = create_user(roles=("admin",))
    _token, secret = api_auth.create_token(user, "t", ["read"], 30)
    db.session.commit()
    anonymous = app.test_client()
    assert anonymous.get("/admin/users", headers=bearer(secret)).status_code == 302  # pages ignore tokens
    assert anonymous.get("/api/v1/me", headers=bearer(secret)).status_code == 200


def test_scopes_and_csrf(app, create_user):
    user = create_user(roles=("trainee",))
    _t, read_only = api_auth.create_token(user, "r", ["read"], 30)
    db.session.commit()
    client = app.test_client()
    # PATCH /me declares no token scope: tokens cannot use it, whatever their scopes
    response = client.patch("/api/v1/me", json={"language": "en"}, headers=bearer(read_only), csrf=False)
    assert response.status_code == 403 and response.json["error"] == "forbidden"
    # a write endpoint needing write:hours, with a read-only token: insufficient scope (no CSRF needed)
    response = client.post(
        "/api/v1/placements/00000000-0000-4000-8000-000000000000/hours",
        json={"on": "2026-01-01", "minutes": 60},
        headers=bearer(read_only),
        csrf=False,
    )
    assert response.status_code == 403 and response.json["error"] == "insufficient_scope"
    # without a bearer, the same JSON write needs the CSRF token
    response = client.post(
        "/api/v1/placements/00000000-0000-4000-8000-000000000000/hours", json={"on": "2026-01-01"}, csrf=False
    )
    assert response.status_code == 400  # refused by CSRF before anything else


def test_last_used_is_recorded(app, create_user):
    user = create_user(roles=("funder",))
    token, secret = api_auth.create_token(user, "t", ["read"], 30)
    db.session.commit()
    assert token.last_used_at is None
    app.test_client().get("/api/v1/me", headers=bearer(secret))
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at is not None


def test_revoke_on_the_page_only_ones_own(app, client, login_as, create_user):
    user = login_as("trainer")
    token, secret = api_auth.create_token(user, "mine", ["read"], 30)
    other_token, _ = api_auth.create_token(create_user(), "theirs", ["read"], 30)
    db.session.commit()
    assert client.post(f"/account/tokens/{other_token.uuid}/revoke").status_code == 404
    assert client.post(f"/account/tokens/{token.uuid}/revoke").status_code == 302
    assert app.test_client().get("/api/v1/me", headers=bearer(secret)).status_code == 401
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "Révoqué" in page


def test_invalid_form_is_refused(client, login_as):
    login_as("trainer")
    response = client.post("/account/tokens", data={"name": "", "days": "7"})
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0
