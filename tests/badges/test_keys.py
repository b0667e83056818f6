"""The issuer's keys: encrypted at rest, rotated without breaking old badges, published without secrets."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from badges import keys, openbadges, signing
from badges.models import Award, KeyKind, SigningKey
from badges.verify_views import verify_input
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
    assert data["publicKey"] == f"http://localhost/badges/keys/{rsa.uuid}"
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


def _jws_of(award_uuid) -> str:
    return db.session.scalar(sa.select(Award.documents).where(Award.uuid == award_uuid))["ob2_jws"]


def test_after_rotations_the_profile_names_the_current_key_and_every_signed_badge_is_signed_by_it(
    app, client, runner, issuer, award
):
    before = award.documents
    stale_copy = before["ob2_jws"]  # what the holder downloaded before the rotations
    first_rsa = keys.active_key(issuer, KeyKind.RSA)
    for _rotation in range(2):  # any number of retired keys
        rotated = runner.invoke(args=["keys", "rotate", "--kind", "all"])
        assert rotated.exit_code == 0, rotated.output
        assert "Signed 1 OB 2.0 signed badge(s) again" in rotated.output
    db.session.expire_all()
    rsa = keys.active_key(issuer, KeyKind.RSA)
    current = f"http://localhost/badges/keys/{rsa.uuid}"
    profile = client.get("/badges/issuer", headers={"Accept": "application/ld+json"}).json
    assert profile["publicKey"] == current  # one key, never an array (validator-core: single-valued)
    rsa_keys = [k for k in issuer.keys if k.kind == KeyKind.RSA.value]
    assert len(rsa_keys) == 3
    for key in rsa_keys:  # retired keys stay published and name their owner
        document = client.get(f"/badges/keys/{key.uuid}").json
        assert document["owner"] == profile["id"] and document["publicKeyPem"] == key.public_key
    served = client.get(f"/badges/assertions/{award.uuid}.jws").get_data(as_text=True)
    assert served == _jws_of(award.uuid) != stale_copy
    signed = signing.verify_jws(served, rsa.public_key)
    original = signing.verify_jws(stale_copy, first_rsa.public_key)
    assert signed["verification"] == {"type": "signed", "creator": current}
    assert {k: v for k, v in signed.items() if k != "verification"} == {
        k: v for k, v in original.items() if k != "verification"
    }  # same id, recipient, badge, issuedOn: only the key changed
    with pytest.raises(signing.SigningError):
        signing.verify_jws(served, first_rsa.public_key)
    stored = db.session.scalar(sa.select(Award.documents).where(Award.uuid == award.uuid))
    assert stored["ob2"] == before["ob2"] and stored["ob3"] == before["ob3"]  # nothing else was signed again
    # our verifier: the badge as served now is valid; the copy signed by a retired key is not (the issuer no
    # longer authorises that key: 1EdTech validator-core says the same, see test_interop_rotation)
    assert verify_input(served, "camille.dupont@example.org").valid
    assert not verify_input(stale_copy, "camille.dupont@example.org").valid


def test_rotating_only_the_ed25519_key_signs_nothing_again(app, runner, issuer, award):
    before = award.documents["ob2_jws"]
    rotated = runner.invoke(args=["keys", "rotate", "--kind", "ed25519"])
    assert rotated.exit_code == 0 and "Signed" not in rotated.output
    assert _jws_of(award.uuid) == before


def test_a_stored_signed_badge_that_does_not_verify_stops_the_rotation(app, runner, issuer, award):
    header, payload, signature = award.documents["ob2_jws"].split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"
    award.documents = {**award.documents, "ob2_jws": forged}
    db.session.commit()
    rsa = keys.active_key(issuer, KeyKind.RSA)
    rotated = runner.invoke(args=["keys", "rotate", "--kind", "all"])
    assert rotated.exit_code != 0 and "does not verify" in rotated.output
    db.session.expire_all()
    assert keys.active_key(issuer, KeyKind.RSA).id == rsa.id  # rolled back: no new key, nothing re-signed
    assert _jws_of(award.uuid) == forged
