"""Signing keys and secrets are never served and never logged.

One long scenario runs what touches a secret — key generation and rotation (CLI), logins with right and wrong
passwords, a password reset, an API token created and used, a calendar feed, the GDPR data download, badge
issuance and revocation — with every log record captured at DEBUG (``caplog`` on the root logger, which the
app's loggers propagate to, plus the app's own redacting filters in place), every response recorded (body and
headers), the CLI output, the audit log and the data download. Then it looks for each secret in all of it, in
the forms a leak would take (raw, hex, base64, base64url, PEM, JWK ``d``).

Two secrets are shown on purpose, once, to the one person they are for: a new API token on the page that
creates it, and a new calendar feed URL on the page that creates it. A reset link reaches its owner by e-mail,
and the coordinator can read the outbox to pass it on (README: "No message? Ask your coordinator"). Those pages
are the only exceptions, named below.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
import re
import zipfile

import pytest
from flask import request

from badges import keys, services
from badges.models import KeyKind, SigningKey
from core.db import db
from core.models import AuditEntry, OutboxMessage
from tests.badges.conftest import SPEC
from tests.conftest import PASSWORD, SECRET

KEK = "key-encryption-passphrase-for-the-test-7f3a9c"
NEW_PASSWORD = "a fresh and secret phrase 9Q"
WRONG_PASSWORD = "wrong guess with a secret 4K"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "BADGES_KEY_PASSPHRASE": KEK, "BADGES_ISSUER_URL": "https://formation.example.org"}


def encodings(secret: bytes | str) -> set[str]:
    """The ways a secret would show up in text: as is, hex, base64, base64url (with and without padding)."""
    raw = secret.encode() if isinstance(secret, str) else secret
    forms = {raw.hex(), base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
    forms |= {f.rstrip("=") for f in forms}
    if isinstance(secret, str):
        forms.add(secret)
    return {f for f in forms if len(f) >= 12}


def private_numbers(key: SigningKey) -> list[bytes]:
    """The private halves of a signing key as raw bytes (Ed25519 seed; RSA d, p, q)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    private = keys.private_key(key)
    if isinstance(private, ed25519.Ed25519PrivateKey):
        return [
            private.private_bytes(
                serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
            )
        ]
    assert isinstance(private, rsa.RSAPrivateKey)
    numbers = private.private_numbers()
    return [n.to_bytes((n.bit_length() + 7) // 8, "big") for n in (numbers.d, numbers.p, numbers.q)]


def private_jwk_members(text: str) -> list[str]:
    """Private JWK members ("d", "p", "q", "dp", "dq", "qi") in any JSON object of a JSON text."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if "kty" in node:
                found.extend(m for m in ("d", "p", "q", "dp", "dq", "qi") if m in node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    with contextlib.suppress(ValueError):
        walk(json.loads(text))
    return found


def test_no_secret_is_ever_served_or_logged(app, client, runner, create_user, caplog):
    caplog.set_level(logging.DEBUG)
    served: list[tuple[str, str]] = []  # (path, headers + body) of every response

    @app.after_request
    def record(response):
        body = "" if response.direct_passthrough else response.get_data().decode("utf-8", "replace")
        served.append((request.path, f"{response.headers}\n{body}"))
        return response

    cli_output = []
    # Keys: generated, then rotated, through the CLI as an operator would.
    for args in (["keys", "generate"], ["keys", "rotate", "--kind", "all"], ["keys", "list"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        cli_output.append(result.output)
    db.session.expire_all()
    signing_keys = db.session.scalars(db.select(SigningKey)).all()
    assert len(signing_keys) == 4 and {k.kind for k in signing_keys} == {KeyKind.ED25519.value, KeyKind.RSA.value}

    # People: an admin and a trainee log in; someone guesses a password.
    admin = create_user(roles=("admin",), email="coord@example.org")
    trainee = create_user(roles=("trainee",), email="camille@example.org", legal_name="Camille Dupont")
    assert client.post("/login", data={"email": trainee.email, "password": WRONG_PASSWORD}).status_code == 200
    # A password reset, redeemed with a new password.
    assert client.post("/password/forgot", data={"email": trainee.email}).status_code == 302
    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.purpose == "reset"))
    reset_link = re.search(r"https?://\S+", message.body).group(0)
    reset_token = reset_link.rsplit("/", 1)[1]
    client.get(reset_link.replace("http://localhost", ""))
    form = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post("/password/reset", data=form).status_code == 302
    # The trainee: an API token (shown once), used; a calendar feed (shown once); then logs out.
    created = client.post("/account/tokens", data={"name": "script", "scopes": ["read"], "days": "30"})
    api_token = re.search(r"tpl_[A-Za-z0-9_-]{20,}", created.get_data(as_text=True)).group(0)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"}).status_code == 200
    feed_page = client.post("/calendar/feed", follow_redirects=False)
    feed_token = re.search(r"/calendar/([A-Za-z0-9_-]{20,})\.ics", feed_page.get_data(as_text=True)).group(1)
    assert client.get(f"/calendar/{feed_token}.ics").status_code == 200
    # Their data download (GDPR): every file of the ZIP.
    download = client.post("/account/data")
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        data_export = "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    assert trainee.email in data_export
    client.post("/logout")

    # Badges: one issued and revoked; every public document, key and list fetched.
    achievement = services.sync_achievement(SPEC, keys.get_issuer())
    award, _ = services.issue(achievement, trainee, context_ref="test:1")
    db.session.commit()
    public = [
        "/badges/issuer", "/.well-known/did.json", f"/badges/classes/{achievement.uuid}",
        f"/badges/assertions/{award.uuid}", f"/badges/assertions/{award.uuid}.jws",
        f"/badges/credentials/{award.uuid}", f"/badges/credentials/{award.uuid}.jwt",
        f"/badges/awards/{award.uuid}/badge.svg", f"/verify/{award.uuid}", "/badges/revocations",
    ] + [f"/badges/keys/{k.uuid}" for k in signing_keys] + [
        f"/badges/status/{k.uuid}" for k in signing_keys if k.kind == KeyKind.ED25519.value
    ]  # fmt: skip
    for path in public:
        response = client.get(path, headers={"Accept": "application/json"})
        assert response.status_code in (200, 303), path
    # The coordinator: logs in, reads the users, the audit log, the outbox, the register; revokes the badge.
    assert client.post("/login", data={"email": admin.email, "password": PASSWORD}).status_code == 302
    for path in ("/admin/users", f"/admin/users/{trainee.uuid}", "/admin/audit", "/admin/outbox", "/admin/badges",
                 f"/admin/badges/{award.uuid}", "/api/v1/openapi.json", "/account", "/account/tokens"):  # fmt: skip
        assert client.get(path).status_code == 200, path
    client.get(f"/admin/outbox/{message.uuid}")
    services.revoke(award, "Issued in error", admin)
    db.session.commit()
    # The development server's access log line for the reset link (the app installs its filter on "werkzeug").
    logging.getLogger("werkzeug").info('127.0.0.1 - - "GET /password/reset/%s HTTP/1.1" 302 -', reset_token)

    # --- what must never appear, and where ---
    private_forms = set()
    for key in signing_keys:
        for number in private_numbers(key):
            private_forms |= encodings(number)
    secrets = {
        "SECRET_KEY": encodings(SECRET),
        "key-encryption passphrase": encodings(KEK),
        "derived passphrase": encodings(keys.passphrase()),
        "private key numbers": private_forms,
        "passwords": {PASSWORD, NEW_PASSWORD, WRONG_PASSWORD},
        "reset token": {reset_token},
        "API token": {api_token},
        "calendar token": {feed_token},
    }
    # The only pages meant to show a secret: to its owner, once (see the module's docstring).
    shown_on_purpose = {
        "API token": {"/account/tokens"},
        "calendar token": {"/calendar/feed"},
        "reset token": {f"/admin/outbox/{message.uuid}"},
    }
    logs = "\n".join(f"{r.name} {r.levelname} {r.getMessage()}" for r in caplog.records)
    assert len(caplog.records) > 0  # the capture captured
    audit = "\n".join(
        json.dumps([e.action, e.object_type, e.object_id, e.details], default=str, ensure_ascii=False)
        for e in db.session.scalars(db.select(AuditEntry))
    )
    assert "user.login" in audit
    places = {"logs": logs, "CLI output": "\n".join(cli_output), "audit log": audit, "data download": data_export}
    places |= {f"response {path}": text for path, text in served}
    leaks = []
    for place, text in places.items():
        if "PRIVATE KEY" in text:
            leaks.append(f"{place}: a PEM private key")
        if members := private_jwk_members(text.split("\n", 1)[-1] if place.startswith("response") else text):
            leaks.append(f"{place}: private JWK members {members}")
        for name, forms in secrets.items():
            path = place.removeprefix("response ")
            if path in shown_on_purpose.get(name, ()):
                continue
            if any(form in text for form in forms):
                leaks.append(f"{place}: {name}")
    assert len(served) >= 40
    assert leaks == []
