"""The issuer's keys: encrypted at rest, rotated without breaking old badges, published without secrets."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from badges import keys, openbadges, signing
from badges.models import KeyKind, SigningKey
from core.db import db
from core.services import ServiceError

SECRET_MARKERS = ("PRIVATE KEY", "privateKey", "private_key", '"d":')


@pytest.fixture
def issuer(app):
    issuer = keys.ensure_issuer("Institut de formation Démo", "https://formation.example.org", "f@example.org")
    for kind in KeyKind:
        keys.generate(issuer, kind)
    db.session.commit()
    return issuer


def test_private_keys_are_encrypted_at_rest(app, issuer):
    rows = db.session.execute(sa.text("SELECT kind, private_key_encrypted FROM signing_key")).all()
    assert {kind for kind, _ in rows} == {"ed25519", "rsa"}
    for _, pem in rows:
        assert pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        with pytest.raises(signing.SigningError):
            signing.load_private_key(pem, None)
        with pytest.raises(signing.SigningError):
            signing.load_private_key(pem, b"not the passphrase")


def test_a_decrypted_key_signs_what_its_published_half_verifies(app, issuer):
    key = keys.active_key(issuer, KeyKind.ED25519)
    private = keys.private_key(key)
    assert signing.ed25519_multikey(private) == key.public_key
    assert keys.issuer_did(issuer, key) == signing.did_key(signing.ed25519_from_multikey(key.public_key))


def test_the_configured_passphrase_is_used(app, issuer):
    app.config["BADGES_KEY_PASSPHRASE"] = "a passphrase kept apart from the database"
    key = keys.rotate(issuer, KeyKind.ED25519)
    signing.load_private_key(key.private_key_encrypted, b"a passphrase kept apart from the database")


def test_only_one_active_key_per_kind(app, issuer):
    with pytest.raises(ServiceError):
        keys.generate(issuer, KeyKind.RSA)
    db.session.add(
        SigningKey(issuer=issuer, kind="rsa", public_key="x", private_key_encrypted="y")
    )  # bypassing the service: the partial unique index still refuses it
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_rotation_keeps_the_old_key_published(app, client, issuer):
    old = keys.active_key(issuer, KeyKind.ED25519)
    new = keys.rotate(issuer, KeyKind.ED25519)
    db.session.commit()
    assert old.retired_at is not None and new.active
    old_doc = client.get(f"/badges/keys/{old.uuid}", headers={"Accept": "application/json"})
    assert old_doc.status_code == 200 and old_doc.json["publicKeyMultibase"] == old.public_key
    did = client.get("/.well-known/did.json").json
    published = {m["publicKeyMultibase"] for m in did["verificationMethod"]}
    assert {old.public_key, new.public_key} <= published
    assert did["id"] == openbadges.did_web("http://localhost")


def test_a_credential_signed_before_rotation_still_verifies(app, issuer):
    old = keys.active_key(issuer, KeyKind.ED25519)
    credential = {
        "@context": [openbadges.VC2_CONTEXT, openbadges.OB3_CONTEXT],
        "id": "urn:uuid:6a1e8b52-2f3c-4a7e-9d1b-0c5f2e7a9b31",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": keys.issuer_did(issuer, old), "type": ["Profile"], "name": issuer.name},
        "validFrom": "2026-11-22T10:00:00Z",
        "credentialSubject": {
            "id": "urn:uuid:0b7a2c1e-5d4f-4e3a-8b9c-1a2b3c4d5e6f",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://formation.example.org/achievements/m1",
                "type": ["Achievement"],
                "name": "Environnement institutionnel et métiers du social",
                "description": "Module 1.",
                "criteria": {"narrative": "Six compétences validées."},
            },
        },
    }
    signed = signing.add_proof(
        credential, keys.private_key(old), keys.verification_method(issuer, old), datetime(2026, 11, 22, tzinfo=UTC)
    )
    keys.rotate(issuer, KeyKind.ED25519)
    db.session.commit()
    assert signing.verify_proof(signed, signing.resolve_did_key) == []


def test_public_documents_never_carry_a_private_key(app, client, issuer, caplog):
    with caplog.at_level(logging.DEBUG):
        bodies = [client.get("/.well-known/did.json").get_data(as_text=True)]
        bodies.append(client.get("/badges/issuer", headers={"Accept": "application/ld+json"}).get_data(as_text=True))
        bodies.append(client.get("/badges/issuer").get_data(as_text=True))
        for key in issuer.keys:
            bodies.append(client.get(f"/badges/keys/{key.uuid}").get_data(as_text=True))
    encrypted = [k.private_key_encrypted for k in issuer.keys]
    for body in [*bodies, caplog.text]:
        assert not any(marker in body for marker in SECRET_MARKERS)
        assert not any(pem.splitlines()[1] in body for pem in encrypted)


def test_issuer_profile_is_ob2_json_or_a_page(app, client, issuer):
    profile = client.get("/badges/issuer", headers={"Accept": "application/ld+json"})
    assert profile.mimetype == "application/ld+json"
    data = profile.json
    assert data["type"] == "Issuer" and data["name"] == "Institut de formation Démo"
    rsa = keys.active_key(issuer, KeyKind.RSA)
    assert data["publicKey"] in (
        f"http://localhost/badges/keys/{rsa.uuid}",
        [f"http://localhost/badges/keys/{rsa.uuid}"],
    )
    key_doc = client.get(f"/badges/keys/{rsa.uuid}").json
    assert key_doc["type"] == "CryptographicKey" and key_doc["owner"] == data["id"]
    page = client.get("/badges/issuer", headers={"Accept": "text/html"})
    assert page.mimetype == "text/html" and "Institut de formation Démo" in page.get_data(as_text=True)


def test_nothing_is_published_before_the_issuer_exists(client):
    assert client.get("/.well-known/did.json").status_code == 404
    assert client.get("/badges/issuer").status_code == 404


def test_keys_cli(app, runner):
    result = runner.invoke(
        args=["keys", "generate", "--issuer-name", "Institut CLI", "--issuer-email", "c@example.org"]
    )
    assert result.exit_code == 0 and result.output.count("Generated") == 2
    again = runner.invoke(args=["keys", "generate", "--kind", "rsa"])
    assert again.exit_code != 0 and "rotate" in again.output
    rotated = runner.invoke(args=["keys", "rotate", "--kind", "all"])
    assert rotated.exit_code == 0 and rotated.output.count("Rotated") == 2
    listing = runner.invoke(args=["keys", "list"])
    assert listing.output.count("retired") == 2 and listing.output.count("active") == 2
    assert "PRIVATE" not in listing.output and "Institut CLI" in listing.output
