"""Deny by default, CSRF, security headers, open redirects."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.routing import Rule

from core.db import db
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
    "courses.tutor_link_confirm_all",
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
    "badges_api.api_verify",
    "badges.profile",
    # OpenID4VCI (wallets): metadata, and OAuth endpoints that take the offer's code or a bearer access token.
    "badges.oid4vci_issuer_metadata",
    "badges.oid4vci_authorization_server",
    "badges.oid4vci_token",
    "badges.oid4vci_nonce",
    "badges.oid4vci_credential",
    # The competency framework badges align to.
    "courses.framework",
    # A printed certificate's QR code and code lead here (the badge's verification page, with its content).
    "courses.verify_certificate",
    # A signed attendance sheet's QR code and code lead here (no names: the session, the counts, the digest).
    "courses.emargement_verify",
    # The privacy notice: read before logging in (linked from the login page and the footer).
    "privacy.notice",
    # The Open Badges 3.0 API: its OpenAPI document, OAuth 2.0 endpoints for applications (registration, token,
    # revocation: the client authenticates itself) and the bearer-token resources (Authlib checks the token).
    "oauth.discovery",
    "oauth.register",
    "oauth.token",
    "oauth.revoke",
    "obapi.get_credentials",
    "obapi.upsert_credential",
    "obapi.get_profile",
    "obapi.put_profile",
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


# Writes that need no CSRF token: public, side-effect free (a verification), and called by other machines.
# The OpenID4VCI endpoints are OAuth endpoints called by wallets: what authorises them is the offer's code or the
# bearer access token in the request, never the session cookie (the nonce endpoint hands out a nonce to anyone).
CSRF_EXEMPT = {
    "badges_api.api_verify",
    "badges.oid4vci_token",
    "badges.oid4vci_nonce",
    "badges.oid4vci_credential",
    # Open Badges 3.0 API: called by applications with client credentials or a bearer token, never a cookie.
    "oauth.register",
    "oauth.token",
    "oauth.revoke",
    "obapi.upsert_credential",
    "obapi.put_profile",
}


def test_every_write_of_the_url_map_needs_a_csrf_token(app, client, login_as):
    """A logged-in coordinator (who may do everything) sends every write of the URL map without a token: each
    is refused with 400 before its view runs, and nothing is written (not even an audit entry)."""
    from core.models import AuditEntry

    login_as("admin")
    before = db.session.scalar(db.select(db.func.count()).select_from(AuditEntry))
    checked = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            if rule.endpoint in CSRF_EXEMPT:
                continue
            url = _sample_url(app, rule)
            if url.startswith("/api/"):
                response = client.open(url, method=method, json={}, csrf=False)
            else:
                response = client.open(url, method=method, data={"anything": "x"}, csrf=False)
            assert response.status_code == 400, (rule.endpoint, method, response.status_code)
            checked.append(rule.endpoint)
    assert len(checked) >= 40
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry)) == before
    assert client.get("/account").status_code == 200  # still logged in: the refusals were not logouts


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


# --- Open redirects -------------------------------------------------------------------------------------------------

OFF_SITE = [
    "//evil.example/x",
    "https://evil.example/",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\r\n/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://localhost@evil.example/",
]


def _stays_on_site(location: str) -> bool:
    """What a browser would do with the Location: it drops tabs and newlines, and treats \\ as /."""
    cleaned = "".join(c for c in location if c not in "\t\r\n").replace("\\", "/").strip()
    parts = urlsplit(cleaned)
    return not parts.scheme and not parts.netloc and cleaned.startswith("/") and not cleaned.startswith("//")


@pytest.mark.parametrize("target", OFF_SITE)
def test_no_next_or_referrer_leads_off_site(client, create_user, target):
    from tests.conftest import PASSWORD

    user = create_user()
    # The language switch: its ``next`` field, then the Referer header it falls back on.
    responses = [client.post("/language", data={"lang": "fr", "next": target})]
    if "\n" not in target:  # a header cannot carry a newline
        responses.append(client.post("/language", data={"lang": "fr"}, headers={"Referer": target}))
    for response in responses:
        assert response.status_code == 302 and _stays_on_site(response.headers["Location"]), target
    # Login: the form's ``next``, then ``?next=`` once logged in.
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302 and _stays_on_site(response.headers["Location"])
    response = client.get("/login", query_string={"next": target})
    assert response.status_code == 302 and _stays_on_site(response.headers["Location"])
    # The verification form only ever redirects to a page of ours (a certificate code): never to a pasted link.
    response = client.post("/verify", data={"text": target})
    assert response.status_code != 302 or _stays_on_site(response.headers["Location"])


def test_the_redirect_check_itself_is_not_vacuous():
    assert not _stays_on_site("/\t/evil.example") and not _stays_on_site("https://evil.example/")
    assert _stays_on_site("/account?tab=1")


# --- Rate limits --------------------------------------------------------------------------------------------------


VISITOR = {"REMOTE_ADDR": "203.0.113.7"}  # a documentation address: a visitor from elsewhere


def test_password_reset_requests_are_limited_per_address(client):
    def ask(**environ):
        return client.post("/password/forgot", data={"email": "nobody@example.org"}, environ_base=environ or VISITOR)

    for _ in range(5):
        assert ask().status_code == 302
    response = ask()
    assert response.status_code == 429
    assert "Trop de tentatives" in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "900"
    assert client.get("/password/forgot", environ_base=VISITOR).status_code == 200  # reading is not counted
    assert ask(REMOTE_ADDR="198.51.100.4").status_code == 302  # another address is not affected
    # No address is exempt by default, not even this machine (a reverse proxy on the same host would otherwise
    # make every limit vanish: set PROXY_COUNT instead).
    assert [ask(REMOTE_ADDR="127.0.0.1").status_code for _ in range(6)] == [302] * 5 + [429]


def test_exempt_networks_are_named_in_the_configuration(app, client):
    app.config["RATE_LIMIT_EXEMPT_NETWORKS"] = ["127.0.0.0/8", "2001:db8::/32"]

    def ask(address: str) -> int:
        form = {"email": "x@example.org"}
        return client.post("/password/forgot", data=form, environ_base={"REMOTE_ADDR": address}).status_code

    assert all(ask("127.0.0.2") == 302 for _ in range(7))
    assert all(ask("2001:db8::5") == 302 for _ in range(7))
    assert [ask("203.0.113.7") for _ in range(6)] == [302] * 5 + [429]
    app.config["RATE_LIMIT_EXEMPT_NETWORKS"] = "10.0.0.0/8, 127.0.0.1"  # the environment's comma-separated form
    assert all(ask("127.0.0.1") == 302 for _ in range(7))
    assert [ask("127.0.0.3") for _ in range(6)] == [302] * 5 + [429]


def test_reset_messages_to_one_account_are_capped_without_telling(app, client, create_user):
    """However many addresses ask, one account gets at most three links an hour; the form answers the same."""
    from core.models import OutboxMessage

    user = create_user()
    for n in range(5):
        address = {"REMOTE_ADDR": f"10.0.1.{n}"}
        response = client.post("/password/forgot", data={"email": user.email}, environ_base=address)
        assert response.status_code == 302
    sent = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.recipient == user.email)).all()
    assert len(sent) == 3


def test_verification_posts_are_limited_per_address(app, client):
    app.config["RATE_LIMITS"] = {"verify": (3, 60)}
    for _ in range(3):
        assert client.post("/api/v1/verify", data=b"not a badge", environ_base=VISITOR).status_code != 429
    response = client.post("/api/v1/verify", data=b"not a badge", environ_base=VISITOR)
    assert response.status_code == 429 and response.is_json and response.headers["Retry-After"] == "60"
    # The form shares the same count; reading the page is not counted.
    assert client.post("/verify", data={"text": "x"}, environ_base=VISITOR).status_code == 429
    assert client.get("/verify", environ_base=VISITOR).status_code == 200


# --- Sessions -----------------------------------------------------------------------------------------------------


def _session_cookie(client) -> str | None:
    cookie = client.get_cookie("tremplin_session")
    return cookie.value if cookie else None


def test_login_rotates_the_session_and_its_csrf_token(app, client, create_user):
    from tests.conftest import PASSWORD

    user = create_user()
    client.get("/login")
    before, old_token = _session_cookie(client), client.csrf_token()
    assert before
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert _session_cookie(client) != before
    with client.session_transaction() as session:
        assert "planted" not in session and session["_user_id"] == user.get_id()
    # A form token obtained before logging in (e.g. planted by another site) no longer works.
    response = client.post("/account", data={"form": "profile", "csrf_token": old_token}, csrf=False)
    assert response.status_code == 400
    # The cookie from before login is still anonymous.
    stranger = app.test_client()
    stranger.set_cookie("tremplin_session", before)
    assert stranger.get("/account").status_code == 302


def test_logout_clears_the_session_and_ends_copies_of_it(app, client, create_user):
    from tests.conftest import PASSWORD

    user = create_user()
    client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    stolen_session = _session_cookie(client)
    stolen_remember = client.get_cookie("tremplin_remember")
    assert stolen_session and stolen_remember
    assert client.post("/logout").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/account").status_code == 302
    # A copy of the cookies taken before logging out (a shared computer, a stolen cookie) no longer works.
    for name, value in (("tremplin_session", stolen_session), ("tremplin_remember", stolen_remember.value)):
        thief = app.test_client()
        thief.set_cookie(name, value)
        assert thief.get("/account").status_code == 302, name


def test_session_cookies_are_httponly_samesite_and_secure_under_https(app_config):
    from core import create_app

    app = create_app({**app_config, "BASE_URL": "https://tremplin.example.org"})
    response = app.test_client().get("/login", base_url="https://tremplin.example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is not False and app.config["REMEMBER_COOKIE_SECURE"]


# --- Headers and the Content-Security-Policy -------------------------------------------------------------------------


def _csp(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def test_the_policy_allows_no_inline_or_foreign_script():
    from core.security import CSP

    policy = _csp(CSP)
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no host, no nonce needed
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]


@pytest.mark.parametrize(
    "path",
    ["/login", "/healthz", "/does-not-exist", "/static/css/app.css", "/badges/issuer", "/.well-known/did.json",
     "/verify", "/api/v1/me", "/account"],
)  # fmt: skip
def test_every_kind_of_response_carries_the_headers(app, client, path):
    app.config["BASE_URL"] = "https://tremplin.example.org"
    response = client.get(path)
    response.close()
    headers = response.headers
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_hsts_when_the_request_itself_came_over_https(client):
    assert "Strict-Transport-Security" in client.get("/login", base_url="https://localhost").headers
    assert "Strict-Transport-Security" not in client.get("/login").headers


# Rendered by WeasyPrint into PDFs, never served as HTML: their <style> blocks meet no browser policy.
# Files written into a ZIP and opened from disk, never served by the app (no policy applies; no external file).
STANDALONE_FILES = {"courses/funders/qualiopi_index_file.html"}
PDF_TEMPLATE_DIRS = {"courses/pdf", "courses/certificates", "courses/documents"}
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S), "on*= event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I | re.S), "style= attribute"),
    (re.compile(r"<style", re.I), "<style> block"),
]


def test_templates_have_no_inline_script_handler_or_style():
    """What the policy would block (and so what would silently break) must not be in the templates."""
    root = Path(__file__).resolve().parents[2] / "templates"
    found, scanned = [], 0
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in {".html", ".svg", ".xml", ".j2"}:
            continue
        relative = path.relative_to(root).as_posix()
        if relative.rsplit("/", 1)[0] in PDF_TEMPLATE_DIRS or relative in STANDALONE_FILES:
            continue
        scanned += 1
        text = path.read_text(encoding="utf-8")
        found += [f"{relative}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert scanned >= 30
    assert found == []


def test_the_inline_patterns_catch_what_they_should():
    samples = ["<script>x()</script>", '<button onclick="x()">', '<a href="javascript:x()">', '<p style="color:red">']
    for sample in samples:
        assert any(p.search(sample) for p, _what in INLINE), sample
    assert not any(p.search('<script src="/static/js/job-progress.js" defer></script>') for p, _ in INLINE)


def test_nobody_grants_themselves_a_role_or_another_address(client, login_as):
    user = login_as("trainee")
    email = user.email
    for body in ({"roles": ["admin"]}, {"display_name": "X", "email": "boss@example.org"}, {"active": True}):
        assert client.patch("/api/v1/me", json=body).status_code == 400, body
    form = {"form": "profile", "profile-display_name": "Moi", "profile-language": "fr", "roles": "admin",
            "profile-roles": "admin", "email": "boss@example.org", "profile-email": "boss@example.org"}  # fmt: skip
    assert client.post("/account", data=form).status_code == 302
    db.session.expire_all()
    assert {str(r) for r in user.roles} == {"trainee"} and user.email == email and user.display_name == "Moi"
    assert client.get("/admin/users").status_code == 403


def test_links_in_e_mails_ignore_a_forged_host_header(app, client, create_user):
    """A reset link built from the request's Host would send the token to the attacker's site."""
    from core.models import OutboxMessage

    user = create_user()
    app.config["WTF_CSRF_ENABLED"] = False  # the session cookie belongs to localhost, not to the forged host
    data = {"email": user.email}
    response = client.post("/password/forgot", data=data, headers={"Host": "evil.example"}, csrf=False)
    assert response.status_code == 302
    body = db.session.scalar(db.select(OutboxMessage.body).where(OutboxMessage.recipient == user.email))
    assert "http://localhost/password/reset/" in body and "evil.example" not in body
