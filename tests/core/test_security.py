"""Deny by default, CSRF, security headers, open redirects."""

from __future__ import annotations

import uuid

import pytest
from werkzeug.routing import Rule

from core.security import is_public_endpoint

# Adding a public endpoint must be a conscious choice: extend this set in the same change.
EXPECTED_PUBLIC = {
    "static",
    "auth.login",
    "auth.forgot_password",
    "auth.accept_invitation",
    "auth.invitation",
    "auth.reset_password",
    "auth.password_reset",
    "core.set_language",
    "core.healthz",
    # Placement referents without an account: a signed, expiring link for one placement's hours.
    "courses.tutor_link",
    "courses.tutor_link_review",
    # A person's private calendar feed: an unguessable, revocable token in the URL.
    "courses.calendar_ics",
    # What verifiers fetch: the issuer profile, its public keys and its did:web document.
    "badges.issuer_profile",
    "badges.key_document",
    "badges.did_document",
    # A badge's documents, for whoever holds its links (they are baked into images: stable, public by nature).
    "badges.badge_class",
    "badges.badge_class_image",
    "badges.assertion",
    "badges.assertion_jws",
    "badges.credential",
    "badges.credential_jwt",
    "badges.baked",
    "badges.baked_ob2",
    "badges.status_list",
    "badges.revocation_list",
    # Employers verify without an account; a holder's public page lists only the badges they made public.
    "badges.verify_badge",
    "badges.verify",
    "badges.api_verify",
    "badges.profile",
    # The competency framework badges align to.
    "courses.framework",
    # A printed certificate's QR code and code lead here (the badge's verification page, with its content).
    "courses.verify_certificate",
    # The privacy notice: read before logging in (linked from the login page and the footer).
    "privacy.notice",
}


def _sample_url(app, rule: Rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = type(converter).__name__
        values[name] = uuid.uuid4() if kind == "UUIDConverter" else (1 if kind == "IntegerConverter" else "x")
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _method(rule: Rule) -> str:
    methods = rule.methods - {"HEAD", "OPTIONS"}
    return "GET" if "GET" in methods else sorted(methods)[0]


def test_public_endpoints_are_exactly_the_expected_ones(app):
    public = {rule.endpoint for rule in app.url_map.iter_rules() if is_public_endpoint(app, rule.endpoint)}
    assert public == EXPECTED_PUBLIC


def test_every_non_public_endpoint_refuses_anonymous_requests(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if is_public_endpoint(app, rule.endpoint):
            continue
        url, method = _sample_url(app, rule), _method(rule)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.open(url, method=method, data={"csrf_token": client.csrf_token()})
        if url.startswith("/api/"):
            assert response.status_code == 401, (rule.endpoint, response.status_code)
            assert response.is_json and response.json["error"] == "unauthorized"
        else:
            assert response.status_code == 302, (rule.endpoint, response.status_code)
            assert response.headers["Location"].startswith("/login"), rule.endpoint
        checked += 1
    assert checked >= 10  # the walk really walked


@pytest.mark.parametrize("path", ["/login", "/language", "/password/forgot"])
def test_post_without_csrf_token_is_refused_with_400(client, path):
    response = client.post(path, data={"email": "a@example.org", "password": "x", "lang": "en"}, csrf=False)
    assert response.status_code == 400
    assert "expiré" in response.get_data(as_text=True)  # the explanation, in French


def test_json_write_without_csrf_token_is_refused(client, login_as):
    login_as("admin")
    response = client.patch("/api/v1/me", json={"language": "en"}, csrf=False)
    assert response.status_code == 400
    assert response.is_json


def test_logged_in_post_without_csrf_changes_nothing(app, client, login_as):
    user = login_as("trainee")
    response = client.post(
        "/account", data={"form": "profile", "profile-display_name": "Nouveau", "profile-language": "en"}, csrf=False
    )
    assert response.status_code == 400
    from core.db import db

    db.session.refresh(user)
    assert user.display_name is None and user.language == "fr"


def test_wrong_role_gets_403(client, login_as):
    login_as("trainee")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "pas ouverte" in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # plain http in tests


def test_hsts_under_https(app, client):
    app.config["BASE_URL"] = "https://tremplin.example.org"
    assert "max-age" in client.get("/login").headers["Strict-Transport-Security"]


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_login_never_redirects_off_site(client, create_user, target):
    user = create_user()
    from tests.conftest import PASSWORD

    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_a_local_next(client, create_user):
    from tests.conftest import PASSWORD

    user = create_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": "/account"})
    assert response.headers["Location"] == "/account"
