"""badges.verification: verdicts on real credentials built with badges.openbadges and signed with badges.signing.

The network is a fake in-memory ``Resolver``; did:key and did:jwk credentials verify with nothing to fetch.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import random
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from badges import baking, signing, verification
from badges import openbadges as ob
from badges.verification import (
    CHECK_CODES,
    UnreadableInput,
    Verdict,
    jsonld_terms,
    messages,
    parse_input,
    schema,
    verify,
)
from badges.verification.fetcher import Fetched

BASE = "https://tremplin.example"
STATUS_URL = f"{BASE}/badges/status/1"
ISSUED = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EMAIL = "Camille.Dupont@Example.org"
SALT = "6a1f0c2e9b8d4f3a7c5e1d0b2a4c6e8f"
STATUS_INDEX = 4242

# OB 2.0 world
OB2_ISSUER_URL = f"{BASE}/badges/issuer"
OB2_KEY_URL = f"{BASE}/badges/keys/1"
OB2_REVOCATIONS_URL = f"{BASE}/badges/revocations"
OB2_ASSERTION_URL = f"{BASE}/badges/assertions/5b0c3a55"

ACHIEVEMENT = ob.Achievement(
    id=f"{BASE}/badges/achievements/m1",
    name="Créer le lien et la confiance",
    description="Module 1 de la formation au travail pair : posture et relation d'aide.",
    criteria="Présence aux séances et jeu de rôle observé avec une grille d'observation.",
    image=f"{BASE}/badges/achievements/m1.png",
    kind="module",
    alignments=(
        ob.Alignment(target_name="Établir une relation de confiance", target_url=f"{BASE}/c/C-M1-01"),
        ob.Alignment(target_name="Connaître le réseau d'aide", target_url=f"{BASE}/c/C-M1-02"),
    ),
)


# --------------------------------------------------------------------------------------------- keys and documents


@cache
def issuer_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"tremplin verification tests").digest())


@cache
def other_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"someone else").digest())


@cache
def rsa_key() -> rsa.RSAPrivateKey:
    return signing.generate_rsa_key()


def did() -> str:
    return signing.did_key(issuer_key())


def method() -> str:
    return signing.did_key_verification_method(issuer_key())


def make_award(**overrides: Any) -> ob.Award:
    values: dict[str, Any] = {
        "id": "5b0c3a55-8f3e-4d44-9a57-2c1f0b7f7d11",
        "recipient_email": EMAIL,
        "salt": SALT,
        "issued_on": ISSUED,
        "display_name": None,
        "status_list_url": STATUS_URL,
        "status_list_index": STATUS_INDEX,
    }
    values.update(overrides)
    return ob.Award(**values)


def make_credential(issuer_id: str | None = None, **award: Any) -> dict[str, Any]:
    issuer = ob.Issuer(id=issuer_id or did(), name="Tremplin", url=BASE, email="contact@tremplin.example")
    return ob.ob3_credential(make_award(**award), ACHIEVEMENT, issuer, f"{BASE}/badges/credentials/5b0c3a55")


def sign(credential: dict[str, Any], key: Ed25519PrivateKey | None = None, vm: str | None = None) -> dict[str, Any]:
    key = key or issuer_key()
    return signing.add_proof(credential, key, vm or signing.did_key_verification_method(key), ISSUED)


@cache
def _signed_json() -> str:
    return json.dumps(sign(make_credential()))


def signed_credential() -> dict[str, Any]:
    return json.loads(_signed_json())


@cache
def _status_list_json(revoked: tuple[int, ...] = ()) -> str:
    unsigned = ob.status_list_credential(STATUS_URL, did(), revoked, valid_from=ISSUED)
    return json.dumps(sign(unsigned))


def status_list(*revoked: int) -> dict[str, Any]:
    return json.loads(_status_list_json(tuple(revoked)))


@dataclass
class FakeResolver:
    """The network and the database of a verifier, in memory, behind the transport interface (``fetch``: bytes);
    every call is logged. ``documents``: URL -> (HTTP status, body: a JSON value, a str served as text, or None);
    ``status_lists``: URL -> JSON served with 200; ``keys``: did:web verification method -> Ed25519 key, served as
    the DID's did.json; ``problems``: URL -> transport problem ("timeout", "unreachable"...)."""

    documents: dict[str, tuple[int, Any]] = field(default_factory=dict)
    status_lists: dict[str, Any] = field(default_factory=dict)
    keys: dict[str, Ed25519PublicKey] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def _did_documents(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for method, key in self.keys.items():
            did = method.split("#", 1)[0]
            url = verification.keys.did_web_url(did)
            document = out.setdefault(url, {"id": did, "verificationMethod": [], "assertionMethod": []})
            entry = {
                "id": method,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": signing.ed25519_multikey(key),
            }
            document["verificationMethod"].append(entry)
            document["assertionMethod"].append(method)
        return out

    def fetch(self, url: str, *, accept: str = "") -> Fetched:
        self.calls.append(("fetch", url))
        if url in self.problems:
            return Fetched(url, 0, b"", "", self.problems[url])
        if url in self.status_lists:
            status, body = 200, copy.deepcopy(self.status_lists[url])
        elif url in self.documents:
            status, body = self.documents[url]
        elif url in self._did_documents():
            status, body = 200, self._did_documents()[url]
        else:
            status, body = 404, None
        if body is None:
            return Fetched(url, status, b"", "")
        if isinstance(body, str):
            return Fetched(url, status, body.encode(), "text/plain")
        return Fetched(url, status, json.dumps(body).encode(), "application/json")


def signed_as(proof: str, credential: dict[str, Any]) -> str:
    if proof == "data-integrity":
        return json.dumps(sign(credential))
    return signing.sign_vc_jwt(credential, issuer_key(), method())


def ob3_resolver(*revoked: int) -> FakeResolver:
    return FakeResolver(status_lists={STATUS_URL: status_list(*revoked)})


def message(verdict: Verdict, code: str) -> str:
    check = verdict.check(code)
    assert check is not None, code
    return check.message


def params(verdict: Verdict, code: str) -> dict[str, Any]:
    check = verdict.check(code)
    assert check is not None, code
    return dict(check.params)


def outcomes(verdict: Verdict) -> dict[str, str]:
    return {check.code: check.outcome for check in verdict.checks}


def assert_all_passed(verdict: Verdict, *, skipped: tuple[str, ...] = ()) -> None:
    assert verdict.valid, verdict.to_json()
    expected = {code: "skipped" if code in skipped else "passed" for code in CHECK_CODES if code != "recipient"}
    assert outcomes(verdict) == expected
    for check in verdict.checks:
        check.message % dict(check.params)  # every message formats with its params
    json.dumps(verdict.to_json(str))


def png_image() -> bytes:
    image = Image.new("RGB", (8, 8), (11, 95, 107))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8"/></svg>'


def b64url_json(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


# --------------------------------------------------------------------------------------------- OB 3.0


def test_valid_data_integrity_credential_passes_every_check() -> None:
    credential = signed_credential()
    resolver = ob3_resolver()
    verdict = verify(json.dumps(credential), resolver, now=NOW)
    assert_all_passed(verdict)
    assert verdict.format == "ob3-data-integrity"
    assert verdict.credential == credential
    assert verdict.summary == {
        "issuer_name": "Tremplin",
        "issuer_id": did(),
        "achievement_name": ACHIEVEMENT.name,
        "achievement_description": ACHIEVEMENT.description,
        "criteria": ACHIEVEMENT.criteria,
        "achievement_id": ACHIEVEMENT.id,
        "image": ACHIEVEMENT.image,
        "issued_on": "2026-01-15T09:30:00Z",
        "valid_until": None,
        "recipient_name": None,  # unlisted: no plaintext name in the credential, none in the summary
        "revoked": False,
        "revocation_reason": None,
        "expired": False,
        "credential_id": credential["id"],
    }
    assert params(verdict, "issuer-key") == {"issuer": did()}
    assert resolver.calls == [("fetch", STATUS_URL)]  # did:key: nothing else to fetch
    # bytes work as well as text, and the JSON answer is stable
    again = verify(json.dumps(credential).encode(), resolver, now=NOW)
    assert again.to_json() == verdict.to_json()
    assert list(verdict.to_json()) == ["valid", "outcome", "headline", "format", "checks", "summary", "credential"]
    assert verdict.outcome == "valid" and verdict.headline == "valid"
    translated = verdict.to_json(lambda msgid: msgid.replace("The signing key", "La clé"))["checks"][2]
    assert translated["text"] == f"La clé belongs to the issuer ({did()})."


def test_a_link_to_a_credential() -> None:
    url = f"{BASE}/badges/credentials/5b0c3a55.json"
    resolver = ob3_resolver()
    resolver.documents[url] = (200, signed_credential())
    verdict = verify(url, resolver, now=NOW)
    assert_all_passed(verdict)
    assert verdict.format == "ob3-data-integrity"
    for answer, outcome in (
        ((404, None), "invalid"),
        ((0, None), "indeterminate"),
        ((200, None), "invalid"),
        ((500, {"error": "boom"}), "indeterminate"),
        ((503, None), "indeterminate"),
    ):
        resolver.documents[url] = answer
        verdict = verify(url, resolver, now=NOW)
        assert not verdict.valid and verdict.format == "unknown" and verdict.outcome == outcome
        assert outcomes(verdict)["format"] == "passed" and message(verdict, "format") == verification.MSG_LINK
        expected = verification.MSG_HOSTED_FETCH if outcome == "invalid" else verification.MSG_LINK_UNREACHABLE
        assert message(verdict, "signature") == expected
        assert params(verdict, "signature")["url"] == url
    resolver.documents[url] = (200, {"hello": "world"})
    verdict = verify(url, resolver, now=NOW)
    assert not verdict.valid and message(verdict, "format") == verification.MSG_LINK_NOT_BADGE


def test_public_name_is_in_the_summary() -> None:
    credential = sign(make_credential(display_name="Camille Dupont"))
    verdict = verify(json.dumps(credential), ob3_resolver(), now=NOW)
    assert verdict.valid and verdict.summary and verdict.summary["recipient_name"] == "Camille Dupont"


def test_valid_vc_jwt() -> None:
    credential = make_credential(valid_until=datetime(2030, 1, 1, tzinfo=UTC))
    token = signing.sign_vc_jwt(credential, issuer_key(), method())
    verdict = verify(token, ob3_resolver(), now=NOW)
    assert_all_passed(verdict)
    assert verdict.format == "ob3-vc-jwt"
    assert verdict.credential == credential
    assert verdict.summary and verdict.summary["valid_until"] == "2030-01-01T00:00:00Z"
    bare = signing.sign_vc_jwt(credential, issuer_key(), method(), include_jwk=False)
    assert verify(bare.encode(), ob3_resolver(), now=NOW).valid


def test_tampered_field_fails_the_signature() -> None:
    credential = signed_credential()
    credential["credentialSubject"]["achievement"]["name"] = "Diplôme d'État"
    verdict = verify(json.dumps(credential), ob3_resolver(), now=NOW)
    assert not verdict.valid
    signature = verdict.check("signature")
    assert signature and signature.outcome == "failed" and signature.message == verification.MSG_SIGNATURE_BAD
    assert verdict.credential is None and verdict.summary is None  # nothing unverified is shown
    assert outcomes(verdict)["status"] == "skipped"


def test_vc_jwt_exp_without_valid_until_is_not_ignored() -> None:
    credential = make_credential()
    claims = {**credential, "iss": did(), "jti": credential["id"], "nbf": int(ISSUED.timestamp())}
    claims["sub"] = credential["credentialSubject"]["id"]
    claims["exp"] = int((ISSUED + timedelta(days=1)).timestamp())  # past, and not mirrored by validUntil
    token = jwt.encode(claims, issuer_key(), algorithm="EdDSA", headers={"kid": method()})
    verdict = verify(token, ob3_resolver(), now=NOW)
    assert not verdict.valid and message(verdict, "signature") == verification.MSG_JWT_CLAIMS
    del claims["exp"]
    assert verify(
        jwt.encode(claims, issuer_key(), algorithm="EdDSA", headers={"kid": method()}), ob3_resolver(), now=NOW
    ).valid


def test_tampered_vc_jwt_fails_the_signature() -> None:
    token = signing.sign_vc_jwt(make_credential(), issuer_key(), method())
    header, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["achievement"]["name"] = "Autre chose"
    verdict = verify(f"{header}.{b64url_json(claims)}.{sig}", ob3_resolver(), now=NOW)
    assert not verdict.valid and outcomes(verdict)["signature"] == "failed"


def test_undefined_term_added_after_signing_is_reported() -> None:
    credential = signed_credential()
    credential["credentialSubject"]["grade"] = "A+"
    verdict = verify(json.dumps(credential), ob3_resolver(), now=NOW)
    assert not verdict.valid
    assert message(verdict, "signature") == verification.MSG_SIGNATURE_UNCOVERED


def test_signed_by_a_key_the_issuer_does_not_control() -> None:
    forged = sign(make_credential(), other_key())  # issuer = our did:key, signed by another did:key
    verdict = verify(json.dumps(forged), ob3_resolver(), now=NOW)
    assert not verdict.valid
    assert outcomes(verdict)["signature"] == "failed" and outcomes(verdict)["issuer-key"] == "failed"
    token = signing.sign_vc_jwt(make_credential(), other_key(), signing.did_key_verification_method(other_key()))
    verdict = verify(token, ob3_resolver(), now=NOW)
    assert not verdict.valid
    assert outcomes(verdict)["signature"] == "passed" and outcomes(verdict)["issuer-key"] == "failed"
    assert verdict.summary is None  # not the issuer's word


@pytest.mark.parametrize("proof", ["data-integrity", "vc-jwt"])
def test_revoked_bit_fails_the_status(proof: str) -> None:
    credential = make_credential()
    data = signed_as(proof, credential)
    verdict = verify(data, ob3_resolver(1, STATUS_INDEX, 90000), now=NOW)
    assert not verdict.valid
    status = verdict.check("status")
    assert status and status.outcome == "failed" and "revoked" in status.message
    assert verdict.summary and verdict.summary["revoked"] is True
    assert outcomes(verdict)["signature"] == "passed"
    # neighbours revoked, not this one
    assert verify(data, ob3_resolver(STATUS_INDEX - 1, STATUS_INDEX + 1), now=NOW).valid


def test_claimed_status_is_never_trusted() -> None:
    """The credential saying nothing about revocation, the list decides; a list that cannot be checked fails."""
    data = _signed_json()
    assert not verify(data, FakeResolver(), now=NOW).valid  # unreachable list
    assert message(verify(data, FakeResolver(), now=NOW), "status") == verification.MSG_STATUS_FETCH
    # a list signed by someone else
    foreign_list = ob.status_list_credential(STATUS_URL, signing.did_key(other_key()), [], valid_from=ISSUED)
    foreign = sign(foreign_list, other_key())
    verdict = verify(data, FakeResolver(status_lists={STATUS_URL: foreign}), now=NOW)
    assert message(verdict, "status") == verification.MSG_STATUS_NOT_ISSUER
    # the issuer's list with its proof made by another key
    impostor = sign(ob.status_list_credential(STATUS_URL, did(), [], valid_from=ISSUED), other_key())
    verdict = verify(data, FakeResolver(status_lists={STATUS_URL: impostor}), now=NOW)
    assert outcomes(verdict)["status"] == "failed"
    # the issuer's list, altered after signing to clear the bit
    altered = status_list(STATUS_INDEX)
    altered["credentialSubject"]["encodedList"] = ob.encode_status_list([])
    verdict = verify(data, FakeResolver(status_lists={STATUS_URL: altered}), now=NOW)
    assert outcomes(verdict)["status"] == "failed" and not verdict.valid
    # a list for another purpose, a list served under another id, an unsigned list
    for mutate in (
        lambda doc: doc["credentialSubject"].__setitem__("statusPurpose", "suspension"),
        lambda doc: doc.__setitem__("id", f"{BASE}/badges/status/2"),
        lambda doc: doc.pop("proof"),
    ):
        broken = status_list()
        mutate(broken)
        assert not verify(data, FakeResolver(status_lists={STATUS_URL: broken}), now=NOW).valid


def test_no_status_entry_skips_the_status_check() -> None:
    credential = sign(make_credential(status_list_url=None, status_list_index=None))
    verdict = verify(json.dumps(credential), FakeResolver(), now=NOW)
    assert_all_passed(verdict, skipped=("status",))


@pytest.mark.parametrize("proof", ["data-integrity", "vc-jwt"])
def test_expired_and_not_yet_valid(proof: str) -> None:
    credential = make_credential(valid_until=datetime(2026, 2, 1, tzinfo=UTC))
    data = signed_as(proof, credential)
    verdict = verify(data, ob3_resolver(), now=NOW)
    assert not verdict.valid
    validity = verdict.check("validity-period")
    assert validity and validity.outcome == "failed" and validity.message == verification.MSG_EXPIRED
    assert validity.params == {"date": "2026-02-01T00:00:00Z"}
    assert outcomes(verdict)["signature"] == "passed"  # the dates are the validity check's business
    assert verdict.summary and verdict.summary["expired"] is True
    early = verify(data, ob3_resolver(), now=ISSUED - timedelta(days=1))
    assert message(early, "validity-period") == verification.MSG_NOT_YET_VALID
    assert not early.valid
    assert verify(data, ob3_resolver(), now=ISSUED + timedelta(days=1)).valid


def test_schema_violation_with_a_valid_signature() -> None:
    credential = make_credential()
    del credential["credentialSubject"]["achievement"]["criteria"]
    verdict = verify(json.dumps(sign(credential)), ob3_resolver(), now=NOW)
    assert not verdict.valid
    assert outcomes(verdict)["signature"] == "passed"
    schema = verdict.check("schema")
    assert schema and schema.outcome == "failed"
    assert "credentialSubject.achievement.criteria" in str(schema.params["paths"])
    schema.message % dict(schema.params)


def test_schema_wants_arrays() -> None:
    credential = make_credential()
    credential["credentialSubject"]["type"] = "AchievementSubject"  # JSON-LD accepts it, the 1EdTech schema not
    verdict = verify(json.dumps(sign(credential)), ob3_resolver(), now=NOW)
    assert outcomes(verdict)["signature"] == "passed" and outcomes(verdict)["schema"] == "failed"
    assert params(verdict, "schema")["paths"] == "credentialSubject.type"


def _did_jwk(key: Ed25519PrivateKey) -> str:
    return "did:jwk:" + b64url_json(signing.ed25519_jwk(key))


def test_did_jwk_credentials_verify_offline() -> None:
    key = other_key()
    issuer = _did_jwk(key)
    credential = make_credential(issuer, status_list_url=None, status_list_index=None)
    resolver = FakeResolver()
    embedded = sign(credential, key, f"{issuer}#0")
    assert_all_passed(verify(json.dumps(embedded), resolver, now=NOW), skipped=("status",))
    for kid in (f"{issuer}#0", "#0"):
        token = signing.sign_vc_jwt(credential, key, kid)
        assert_all_passed(verify(token, resolver, now=NOW), skipped=("status",))
    assert resolver.calls == []


def test_a_jwk_header_is_never_trusted_alone() -> None:
    # An attacker signs with their own key and puts their jwk in the header; the kid is not resolvable.
    attacker = other_key()
    credential = make_credential(status_list_url=None, status_list_index=None)
    token = signing.sign_vc_jwt(credential, attacker, "https://attacker.example/key")
    verdict = verify(token, FakeResolver(), now=NOW)
    assert not verdict.valid and message(verdict, "signature") == verification.MSG_KEY_NOT_FOUND
    # the issuer is a did:jwk, the attacker claims it with their own jwk in the header
    victim = _did_jwk(issuer_key())
    token = signing.sign_vc_jwt(make_credential(victim, status_list_url=None, status_list_index=None), attacker, "#0")
    assert not verify(token, FakeResolver(), now=NOW).valid
    # a did:jwk kid that is not the issuer
    token = signing.sign_vc_jwt(credential, attacker, f"{_did_jwk(attacker)}#0")
    verdict = verify(token, FakeResolver(), now=NOW)
    assert not verdict.valid and outcomes(verdict)["issuer-key"] == "failed"


def test_did_web_key_through_the_resolver() -> None:
    issuer = "did:web:tremplin.example"
    vm = f"{issuer}#key-1"
    credential = make_credential(issuer)
    unsigned_list = ob.status_list_credential(STATUS_URL, issuer, [], valid_from=ISSUED)
    resolver = FakeResolver(
        status_lists={STATUS_URL: sign(unsigned_list, issuer_key(), vm)}, keys={vm: issuer_key().public_key()}
    )
    assert_all_passed(verify(json.dumps(sign(credential, issuer_key(), vm)), resolver, now=NOW))
    assert_all_passed(verify(signing.sign_vc_jwt(credential, issuer_key(), vm), resolver, now=NOW))
    verdict = verify(json.dumps(sign(credential, issuer_key(), vm)), FakeResolver(), now=NOW)
    assert not verdict.valid and message(verdict, "signature") == verification.MSG_KEY_NOT_FOUND


def test_recipient_email() -> None:
    data = _signed_json()
    for email in (EMAIL, EMAIL.lower(), EMAIL.upper(), f"  {EMAIL} "):
        verdict = verify(data, ob3_resolver(), now=NOW, recipient_email=email)
        assert verdict.valid and outcomes(verdict)["recipient"] == "passed", email
    verdict = verify(data, ob3_resolver(), now=NOW, recipient_email="someone.else@example.org")
    assert not verdict.valid
    assert message(verdict, "recipient") == verification.MSG_RECIPIENT_BAD
    assert "recipient" not in outcomes(verify(data, ob3_resolver(), now=NOW))


def test_recipient_hashed_as_typed_by_another_issuer() -> None:
    credential = make_credential(status_list_url=None, status_list_index=None)
    identity = credential["credentialSubject"]["identifier"][0]
    identity["identityHash"] = "sha256$" + hashlib.sha256((EMAIL + SALT).encode()).hexdigest()  # not lower-cased
    data = json.dumps(sign(credential))
    assert outcomes(verify(data, FakeResolver(), now=NOW, recipient_email=EMAIL))["recipient"] == "passed"
    # unsalted
    del identity["salt"]
    identity["identityHash"] = "sha256$" + hashlib.sha256(EMAIL.lower().encode()).hexdigest()
    data = json.dumps(sign(credential))
    assert outcomes(verify(data, FakeResolver(), now=NOW, recipient_email=EMAIL))["recipient"] == "passed"
    # hostile identities: non-ASCII, not a string, an unknown algorithm
    for hostile in ("sha256$é", 42, "sha512$" + "0" * 128, "sha256$"):
        identity["identityHash"] = hostile
        verdict = verify(json.dumps(sign(credential)), FakeResolver(), now=NOW, recipient_email=EMAIL)
        assert outcomes(verdict)["recipient"] == "failed" and outcomes(verdict)["signature"] == "passed"
    # no email identity at all
    credential["credentialSubject"]["identifier"] = [
        {"type": "IdentityObject", "identityHash": "Camille", "identityType": "name", "hashed": False}
    ]
    verdict = verify(json.dumps(sign(credential)), FakeResolver(), now=NOW, recipient_email=EMAIL)
    assert message(verdict, "recipient") == verification.MSG_RECIPIENT_NONE


# --------------------------------------------------------------------------------------------- OB 2.0


@dataclass
class Ob2World:
    resolver: FakeResolver
    assertion: dict[str, Any]
    token: str


def ob2_world(verification_type: str = "signed", *, revoked: tuple[tuple[str, str | None], ...] = ()) -> Ob2World:
    key = rsa_key()
    issuer = ob.Issuer(id=OB2_ISSUER_URL, name="Tremplin", url=BASE, email="contact@tremplin.example")
    profile = ob.ob2_issuer(issuer, OB2_KEY_URL, OB2_REVOCATIONS_URL)
    badge_class = ob.ob2_badge_class(ACHIEVEMENT, OB2_ISSUER_URL)
    creator = OB2_KEY_URL if verification_type == "signed" else None
    assertion = ob.ob2_assertion(
        make_award(valid_until=datetime(2030, 1, 1, tzinfo=UTC)),
        ACHIEVEMENT.id,
        OB2_ASSERTION_URL,
        verification_type,
        creator,
    )
    documents: dict[str, tuple[int, Any]] = {
        OB2_ISSUER_URL: (200, profile),
        ACHIEVEMENT.id: (200, badge_class),
        OB2_KEY_URL: (200, ob.ob2_crypto_key(OB2_KEY_URL, OB2_ISSUER_URL, signing.public_key_pem(key))),
        OB2_REVOCATIONS_URL: (200, ob.ob2_revocation_list(OB2_REVOCATIONS_URL, OB2_ISSUER_URL, revoked)),
    }
    if verification_type == "hosted":
        documents[OB2_ASSERTION_URL] = (200, assertion)
    return Ob2World(FakeResolver(documents=documents), assertion, signing.sign_jws(assertion, key))


def test_ob2_signed_jws_is_valid() -> None:
    world = ob2_world()
    verdict = verify(world.token, world.resolver, now=NOW, recipient_email=EMAIL.lower())
    assert verdict.valid, verdict.to_json()
    assert verdict.format == "ob2-signed"
    assert outcomes(verdict) == {
        "format": "passed",
        "signature": "passed",
        "issuer-key": "passed",
        "status": "passed",
        "validity-period": "passed",
        "schema": "skipped",
        "recipient": "passed",
    }
    assert verdict.credential == world.assertion
    assert verdict.summary and verdict.summary["issuer_name"] == "Tremplin"
    assert verdict.summary["achievement_name"] == ACHIEVEMENT.name
    assert verdict.summary["valid_until"] == "2030-01-01T00:00:00Z"
    assert verdict.summary["recipient_name"] is None


def test_ob2_signed_revoked_by_the_revocation_list() -> None:
    for entry_reason in ("Issued in error", None):
        world = ob2_world(revoked=(("urn:uuid:another", None), (OB2_ASSERTION_URL, entry_reason)))
        verdict = verify(world.token, world.resolver, now=NOW)
        status = verdict.check("status")
        assert (
            not verdict.valid and status and status.outcome == "failed" and status.message == verification.MSG_REVOKED
        )
        assert status.params == {"reason": entry_reason}
        assert verdict.summary and verdict.summary["revoked"] is True
        assert verdict.summary["revocation_reason"] == entry_reason


def test_ob2_signed_key_must_be_the_issuers() -> None:
    world = ob2_world()
    profile = copy.deepcopy(world.resolver.documents[OB2_ISSUER_URL][1])
    del profile["publicKey"]  # the issuer does not list the key
    world.resolver.documents[OB2_ISSUER_URL] = (200, profile)
    verdict = verify(world.token, world.resolver, now=NOW)
    assert not verdict.valid and outcomes(verdict)["issuer-key"] == "failed" and verdict.summary is None

    world = ob2_world()
    key_doc = copy.deepcopy(world.resolver.documents[OB2_KEY_URL][1])
    key_doc["owner"] = "https://attacker.example/issuer"
    world.resolver.documents[OB2_KEY_URL] = (200, key_doc)
    assert outcomes(verify(world.token, world.resolver, now=NOW))["issuer-key"] == "failed"

    world = ob2_world()  # signed with another RSA key than the published one
    forged = signing.sign_jws(world.assertion, signing.generate_rsa_key())
    assert outcomes(verify(forged, world.resolver, now=NOW))["signature"] == "failed"

    world = ob2_world()
    del world.resolver.documents[OB2_KEY_URL]
    verdict = verify(world.token, world.resolver, now=NOW)
    assert message(verdict, "signature") == verification.MSG_KEY_NOT_FOUND


def test_ob2_signed_presented_as_json_is_not_enough() -> None:
    world = ob2_world()
    verdict = verify(json.dumps(world.assertion), world.resolver, now=NOW)
    assert not verdict.valid and verdict.format == "ob2-signed"
    assert message(verdict, "signature") == verification.MSG_OB2_SIGNED_AS_JSON


def test_ob2_hosted_is_valid_from_its_url_and_from_its_json() -> None:
    world = ob2_world("hosted")
    for data in (OB2_ASSERTION_URL, json.dumps(world.assertion)):
        verdict = verify(data, world.resolver, now=NOW, recipient_email=EMAIL)
        assert verdict.valid, verdict.to_json()
        assert verdict.format == "ob2-hosted"
        assert outcomes(verdict)["schema"] == "skipped" and outcomes(verdict)["recipient"] == "passed"
        assert verdict.credential == world.assertion


def test_ob2_hosted_revoked() -> None:
    world = ob2_world("hosted")
    gone = ob.ob2_revoked_assertion(OB2_ASSERTION_URL, "Issued in error")
    world.resolver.documents[OB2_ASSERTION_URL] = (410, gone)
    for data in (OB2_ASSERTION_URL, json.dumps(world.assertion)):
        verdict = verify(data, world.resolver, now=NOW)
        assert not verdict.valid
        status = verdict.check("status")
        assert status and status.outcome == "failed" and status.message == verification.MSG_REVOKED
        assert status.params == {"reason": "Issued in error"}
        assert verdict.summary is None
    # revoked: true with a 200
    world.resolver.documents[OB2_ASSERTION_URL] = (200, {**world.assertion, "revoked": True})
    assert outcomes(verify(OB2_ASSERTION_URL, world.resolver, now=NOW))["status"] == "failed"


def test_ob2_hosted_presented_copy_must_equal_the_hosted_one() -> None:
    world = ob2_world("hosted")
    altered = {**world.assertion, "expires": "2099-01-01T00:00:00Z"}
    verdict = verify(json.dumps(altered), world.resolver, now=NOW)
    assert not verdict.valid
    assert message(verdict, "signature") == verification.MSG_HOSTED_DIFFERS
    world.resolver.documents.pop(OB2_ASSERTION_URL)
    verdict = verify(json.dumps(world.assertion), world.resolver, now=NOW)
    assert not verdict.valid
    assert message(verdict, "signature") == verification.MSG_HOSTED_FETCH


def test_ob2_hosted_elsewhere_than_the_issuers_site() -> None:
    world = ob2_world("hosted")
    elsewhere = "https://attacker.example/assertions/1"
    copied = {**world.assertion, "id": elsewhere}
    world.resolver.documents[elsewhere] = (200, copied)
    verdict = verify(elsewhere, world.resolver, now=NOW)
    assert not verdict.valid and outcomes(verdict)["issuer-key"] == "failed" and verdict.summary is None


def test_ob2_expired() -> None:
    world = ob2_world()
    verdict = verify(world.token, world.resolver, now=datetime(2031, 1, 1, tzinfo=UTC))
    assert not verdict.valid
    assert params(verdict, "validity-period") == {"date": "2030-01-01T00:00:00Z"}


# --------------------------------------------------------------------------------------------- baked images


def test_baked_images_are_verified() -> None:
    credential_json = _signed_json()
    jwt_token = signing.sign_vc_jwt(make_credential(), issuer_key(), method())
    ob2 = ob2_world()
    resolver = ob3_resolver()
    resolver.documents.update(ob2.resolver.documents)
    cases = [
        (baking.bake_png(png_image(), baking.OB3_KEYWORD, credential_json), "ob3-data-integrity", "PNG"),
        (baking.bake_svg(SVG, "ob3", credential_json).encode(), "ob3-data-integrity", "SVG"),
        (baking.bake_svg(SVG, "ob3", credential_json), "ob3-data-integrity", "SVG"),
        (baking.bake_png(png_image(), baking.OB3_KEYWORD, jwt_token), "ob3-vc-jwt", "PNG"),
        (baking.bake_svg(SVG, "ob3", jwt_token).encode(), "ob3-vc-jwt", "SVG"),
        (baking.bake_png(png_image(), baking.OB2_KEYWORD, ob2.token), "ob2-signed", "PNG"),
        (baking.bake_svg(SVG, "ob2", ob2.token).encode(), "ob2-signed", "SVG"),
    ]
    for data, fmt, image in cases:
        verdict = verify(data, resolver, now=NOW)
        assert verdict.valid, (fmt, image, verdict.to_json())
        assert verdict.format == fmt
        assert verdict.checks[0].params == {"image": image}
        assert verdict.checks[0].message == verification.FORMAT_MESSAGES[(fmt, True)]


def test_baked_hosted_ob2_url() -> None:
    world = ob2_world("hosted")
    for data in (
        baking.bake_png(png_image(), baking.OB2_KEYWORD, OB2_ASSERTION_URL),
        baking.bake_svg(SVG, "ob2", OB2_ASSERTION_URL).encode(),
        baking.bake_svg(SVG, "ob2", json.dumps(world.assertion), verify_url=OB2_ASSERTION_URL).encode(),
    ):
        verdict = verify(data, world.resolver, now=NOW)
        assert verdict.valid and verdict.format == "ob2-hosted", verdict.to_json()
    world.resolver.documents[OB2_ASSERTION_URL] = (410, ob.ob2_revoked_assertion(OB2_ASSERTION_URL))
    verdict = verify(baking.bake_png(png_image(), baking.OB2_KEYWORD, OB2_ASSERTION_URL), world.resolver, now=NOW)
    assert not verdict.valid and verdict.format == "ob2-hosted" and outcomes(verdict)["status"] == "failed"


def test_parse_input_recognises_each_form() -> None:
    credential_json = _signed_json()
    assert parse_input(credential_json).form == "json"
    assert parse_input(" \n" + OB2_ASSERTION_URL + "\n").value == OB2_ASSERTION_URL
    token = signing.sign_vc_jwt(make_credential(), issuer_key(), method())
    assert parse_input(token.encode()).form == "jws"
    baked = parse_input(baking.bake_png(png_image(), baking.OB3_KEYWORD, token))
    assert (baked.form, baked.image, baked.baked_kind, baked.value) == ("jws", "png", "ob3", token)
    with pytest.raises(UnreadableInput) as raised:
        parse_input(b"x" * (verification.MAX_INPUT_BYTES + 1))
    assert raised.value.message == verification.MSG_TOO_LARGE and raised.value.params == {"limit": "2"}
    with pytest.raises(UnreadableInput) as raised:
        parse_input(png_image())
    assert raised.value.message == verification.MSG_NOT_BAKED
    with pytest.raises(ValueError):  # UnreadableInput is a ValueError
        parse_input("hello")


# --------------------------------------------------------------------------------------------- hostile input


def _alg_none_jwt() -> str:
    credential = make_credential()
    claims = {**credential, "iss": did(), "jti": credential["id"], "nbf": int(ISSUED.timestamp())}
    return f"{b64url_json({'alg': 'none', 'typ': 'JWT', 'kid': method()})}.{b64url_json(claims)}."


def _garbage() -> list[tuple[str, Any]]:
    rng = random.Random(20260301)
    baked = baking.bake_png(png_image(), baking.OB3_KEYWORD, _signed_json())
    return [
        ("empty bytes", b""),
        ("empty text", "   \n"),
        ("random bytes", bytes(rng.randrange(256) for _ in range(4096))),
        ("open brace", "{"),
        ("png without badge", png_image()),
        ("truncated png", baked[: len(baked) // 2]),
        ("svg without badge", SVG),
        ("broken svg", "<svg xmlns='http://www.w3.org/2000/svg'><openbadges:credential"),
        ("svg with entities", '<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'),
        ("json array", "[1, 2, 3]"),
        ("json string", '"a badge"'),
        ("json null", "null"),
        ("json number", "1e999"),
        ("huge integer", '{"a": ' + "9" * 5000 + "}"),
        ("NaN", '{"a": NaN}'),
        ("duplicate keys", '{"@context": [], "@context": []}'),
        ("deep nesting", "[" * 200_000),
        ("deep object", '{"a":' * 100 + "1" + "}" * 100),
        ("lone surrogate", '{"@context": "\\ud800"}'),
        ("unrelated json", '{"hello": "world"}'),
        ("plain vc", json.dumps({"@context": [ob.VC2_CONTEXT], "type": ["VerifiableCredential"]})),
        ("alg none jwt", _alg_none_jwt()),
        ("jwt-looking", "abc.def.ghi"),
        ("jwt bad base64", "e30.!!!.e30"),
        ("jwt of an array", f"{b64url_json({'alg': 'EdDSA'})}.{b64url_json([1])}.c2ln"),
        ("3 MB blob", b"\x89PNG" + b"A" * (3 * 1024 * 1024)),
        ("3 MB text", "{" + " " * (3 * 1024 * 1024) + "}"),
        ("ftp url", "ftp://example.org/badge"),
        ("url with space", "https://exa mple.org/badge"),
        ("not bytes", 12345),
        ("none", None),
    ]


@pytest.mark.parametrize(("label", "data"), _garbage(), ids=[label for label, _ in _garbage()])
def test_garbage_gives_a_clean_invalid_verdict(label: str, data: Any) -> None:
    resolver = ob3_resolver()
    verdict = verify(data, resolver, now=NOW, recipient_email=EMAIL)
    assert isinstance(verdict, Verdict)
    assert not verdict.valid, label
    assert verdict.credential is None and verdict.summary is None
    json.dumps(verdict.to_json(str))
    for check in verdict.checks:
        assert check.message, label
        check.message % dict(check.params)
    assert verdict.check("format") is not None


def test_wrong_types_everywhere() -> None:
    base = signed_credential()
    replacements = [None, -1, 10**300, True, "x" * 5000, [], {"id": 5}]
    paths: list[tuple[Any, ...]] = [
        ("issuer",),
        ("issuer", "id"),
        ("credentialSubject",),
        ("credentialSubject", "achievement"),
        ("credentialSubject", "identifier"),
        ("credentialStatus",),
        ("credentialStatus", "statusListIndex"),
        ("credentialStatus", "statusListCredential"),
        ("validFrom",),
        ("type",),
        ("@context",),
        ("proof",),
        ("proof", 0),
        ("proof", 0, "proofValue"),
        ("proof", 0, "verificationMethod"),
    ]
    for path in paths:
        for value in replacements:
            mutated = copy.deepcopy(base)
            target = mutated
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = value
            verdict = verify(json.dumps(mutated), ob3_resolver(), now=NOW, recipient_email=EMAIL)
            assert not verdict.valid, (path, value)


def test_resolver_misbehaving_never_raises() -> None:
    class Broken:
        def fetch(self, url: str, *, accept: str = "") -> Any:
            raise ConnectionError("boom")

    class Junk:
        def fetch(self, url: str, *, accept: str = "") -> Any:
            return "not a Fetched"

    class Garbage:
        def fetch(self, url: str, *, accept: str = "") -> Any:
            return Fetched(url, True, b'{"encodedList": NaN, "a": [[[[[]]]]]}', "application/json")  # type: ignore[arg-type]

    for resolver in (Broken(), Junk(), Garbage()):
        for data in (_signed_json(), OB2_ASSERTION_URL, ob2_world().token, json.dumps(ob2_world("hosted").assertion)):
            verdict = verify(data, resolver, now=NOW)  # type: ignore[arg-type]
            assert not verdict.valid and verdict.outcome == "indeterminate", (resolver, data)


def test_costly_shapes_are_refused_quickly() -> None:
    # look-alike blank nodes: URDNA2015 would permute them (seconds to minutes in pyld)
    credential = make_credential()
    credential["evidence"] = [{"type": ["Evidence"], "narrative": "same"} for _ in range(3)]
    forged = {**credential, "proof": signed_credential()["proof"]}
    start = time.monotonic()
    verdict = verify(json.dumps(forged), ob3_resolver(), now=NOW)
    assert message(verdict, "signature") == verification.MSG_UNSAFE_SHAPE
    # labelled blank nodes (cycles)
    cyclic = copy.deepcopy(forged)
    cyclic["evidence"] = [{"id": "_:b0", "type": ["Evidence"], "narrative": "x"}]
    assert message(verify(json.dumps(cyclic), ob3_resolver(), now=NOW), "signature") == verification.MSG_UNSAFE_SHAPE
    # a 100 kB proofValue (base58 decoding is quadratic)
    long_proof = signed_credential()
    long_proof["proof"][0]["proofValue"] = "z" + "2" * 100_000
    assert not verify(json.dumps(long_proof), ob3_resolver(), now=NOW).valid
    # many proofs
    many = signed_credential()
    many["proof"] = many["proof"] * 10
    assert message(verify(json.dumps(many), ob3_resolver(), now=NOW), "signature") == verification.MSG_TOO_MANY_PROOFS
    assert time.monotonic() - start < 5


def test_blank_node_hazards() -> None:
    vocab = {"@vocab": "https://example.org/"}

    def tree(depth: int, label: str = "", labelled_nodes: bool = False) -> dict[str, Any]:
        node: dict[str, Any] = {"a": "same"}
        if depth == 0 or labelled_nodes:
            node["label"] = label
        if depth:
            node["c"] = [tree(depth - 1, label + side, labelled_nodes) for side in "01"]
        return node

    # 63 blank nodes whose siblings differ only in their leaves: pyld canonicalises it in 0.15 s, 127 in 1.4 s,
    # 255 in 14 s (the limit on blank nodes stops the growth, this check the shape)
    assert jsonld_terms.blank_node_hazard({"@context": vocab, "p": tree(5)}) == "look-alike entries in one list"
    assert jsonld_terms.blank_node_hazard({"@context": vocab, "p": tree(5, labelled_nodes=True)}) is None
    assert jsonld_terms.blank_node_hazard({"@context": vocab, "p": tree(6, labelled_nodes=True)})  # 127 nodes
    # aliases cannot hide a repeated property
    aliased = {"@context": {**vocab, "d": "https://example.org/c"}, "p": {"c": {"a": "x"}, "d": {"a": "x"}}}
    assert jsonld_terms.blank_node_hazard(aliased) == "look-alike entries in one list"
    assert jsonld_terms.blank_node_hazard({"@context": vocab, "@id": "_:b0", "p": {"@id": "_:b0"}})
    assert jsonld_terms.blank_node_hazard({"@context": vocab, "@reverse": {"p": {"a": "x"}}})
    credential = signed_credential()
    credential.pop("proof")
    assert jsonld_terms.blank_node_hazard(credential) is None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_altering_any_string_outside_the_proof_invalidates(data: st.DataObject) -> None:
    credential = signed_credential()
    paths = [path for path in _string_paths(credential) if path[0] != "proof"]
    path = data.draw(st.sampled_from(paths), label="path")
    target = credential
    for step in path[:-1]:
        target = target[step]
    old = target[path[-1]]
    target[path[-1]] = data.draw(st.text(max_size=20).filter(lambda new: new != old), label="new")
    verdict = verify(json.dumps(credential), ob3_resolver(), now=NOW)
    assert not verdict.valid, (path, old, target[path[-1]])


def _string_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _string_paths(item, (*prefix, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _string_paths(item, (*prefix, index))]
    return [prefix] if isinstance(value, str) else []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_json_in_place_of_any_value_never_raises(data: st.DataObject) -> None:
    credential = signed_credential()
    paths = _all_paths(credential)
    path = data.draw(st.sampled_from(paths), label="path")
    target = credential
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = data.draw(json_values, label="value")
    verdict = verify(json.dumps(credential), ob3_resolver(), now=NOW, recipient_email=EMAIL)
    assert isinstance(verdict, Verdict)
    json.dumps(verdict.to_json(str))


def _all_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        out += [p for key, item in value.items() for p in _all_paths(item, (*prefix, key))]
    elif isinstance(value, list):
        out += [p for index, item in enumerate(value) for p in _all_paths(item, (*prefix, index))]
    return out


# --------------------------------------------------------------------------------------------- messages and schema


def _messages() -> list[str]:
    names = [name for name in dir(verification) if name.startswith("MSG_")]
    return [getattr(verification, name) for name in names] + list(verification.FORMAT_MESSAGES.values())


def test_messages_are_plain_msgids() -> None:
    for message in _messages():
        assert re.sub(r"%\(\w+\)s", "", message).count("%") == 0, message
        assert message == message.strip() and message.endswith("."), message


def test_every_message_is_marked_for_translation() -> None:
    source = Path(messages.__file__).read_text(encoding="utf-8")
    marked = set(re.findall(r'N_\(\s*"((?:[^"\\]|\\.)*)"\s*\)', source))
    for message in _messages():
        assert message in marked, message


BUNDLED_SCHEMAS = {  # shared/schemas/ob3/README.md: copied unmodified from 1EdTech
    "achievementcredential.json": "5753fb3ecf7d024ed273dd364bd683f483eb47257e718e6618832cf89eb2083a",
    "endorsementcredential.json": "4627e1878848d0192c3f9e26f09ef88a96ad48a46f5fca11b80b679ece0de345",
    "getopenbadgecredentialsresponse.json": "37fd69152b5ad8df481fc3c25a8f56f6af9020d873f9937c2b617f5b4b42bf6a",
    "imsx_statusinfo.json": "5e0c865c697f6662c29abe9e623981f2d78823d16646c1479c959b3d84aaf569",
    "profile.json": "9b05049f720b8ad9bd7aed358ca59c643c34bf1cec0b29fd7baa8bf98efed164",
}


def test_bundled_schemas_are_the_official_ones() -> None:
    found = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in verification.SCHEMAS_DIR.glob("*.json")
    }
    assert found == BUNDLED_SCHEMAS
    validator = schema.schema_validator()
    type(validator).check_schema(validator.schema)
    assert validator is schema.schema_validator()  # loaded once


# ------------------------------------------------------------------------------------------------------ memos


def test_a_document_verified_once_is_not_canonicalised_or_validated_again(monkeypatch) -> None:
    data = json.dumps(sign(make_credential(id="0c9e2b1f-6a3d-4f8e-9b7a-1d2e3f4a5b6c")))
    first = verify(data, ob3_resolver(), now=NOW)
    assert first.valid
    calls: list[str] = []
    real_verify_proof, real_validate = signing.verify_proof, schema.validate_schema
    monkeypatch.setattr(signing, "verify_proof", lambda *a, **k: calls.append("proof") or real_verify_proof(*a, **k))
    monkeypatch.setattr(schema, "validate_schema", lambda *a: calls.append("schema") or real_validate(*a))
    again = verify(data, ob3_resolver(), now=NOW)
    assert again.to_json() == first.to_json() and calls == []
    revoked = verify(data, ob3_resolver(STATUS_INDEX, 31), now=NOW)  # a status list no other test uses: verified once
    assert not revoked.valid and message(revoked, "status") == verification.MSG_REVOKED
    assert calls == ["proof"]


def test_a_remembered_proof_is_rechecked_against_the_key_its_method_resolves_to_now() -> None:
    issuer_id, vm = "did:web:tremplin.example", "did:web:tremplin.example#key-1"
    data = json.dumps(sign(make_credential(issuer_id), vm=vm))
    resolver = ob3_resolver()
    resolver.keys[vm] = issuer_key().public_key()
    assert verify(data, resolver, now=NOW).check("signature").outcome == "passed"
    resolver.keys[vm] = other_key().public_key()  # the method now names another key: the memo must not vouch
    assert verify(data, resolver, now=NOW).check("signature").outcome == "failed"
    del resolver.keys[vm]
    assert verify(data, resolver, now=NOW).check("signature").outcome == "failed"
