"""badges.verification: every proof OB 3.0 defines for VC-JWT (issue 13, item 3) — RS256, ES256 and EdDSA, the key
from a ``kid`` (did:key, did:jwk, did:web, https URL) or from a ``jwk`` header tied to a did:jwk issuer. Keys are
generated here with ``cryptography``, tokens signed with PyJWT (not with badges.signing)."""

from __future__ import annotations

import base64
import json
from functools import cache
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from badges.verification import MSG_KEY_ISSUER_BAD, MSG_PROOF_UNSUPPORTED, verify
from tests.badges.test_verification import NOW, FakeResolver, make_credential, outcomes

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@cache
def rsa_private() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def ec_private() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@cache
def ed_private() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_jwk(private: Any) -> dict[str, Any]:
    public = private.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        return json.loads(RSAAlgorithm.to_jwk(public))
    if isinstance(public, ec.EllipticCurvePublicKey):
        return json.loads(ECAlgorithm.to_jwk(public))
    return json.loads(OKPAlgorithm.to_jwk(public))


def did_jwk(private: Any) -> str:
    text = json.dumps(public_jwk(private), separators=(",", ":")).encode()
    return "did:jwk:" + base64.urlsafe_b64encode(text).rstrip(b"=").decode()


def b58(data: bytes) -> str:
    number, out = int.from_bytes(data, "big"), ""
    while number:
        number, rest = divmod(number, 58)
        out = B58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def did_key_p256(private: ec.EllipticCurvePrivateKey) -> str:
    point = private.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    return "did:key:z" + b58(b"\x80\x24" + point)


def credential_for(issuer: str) -> dict[str, Any]:
    return make_credential(issuer, status_list_url=None, status_list_index=None)


def vc_jwt(credential: dict[str, Any], private: Any, alg: str, headers: dict[str, Any]) -> str:
    issuer = credential["issuer"]
    claims = {"iss": issuer["id"] if isinstance(issuer, dict) else issuer, "jti": credential["id"], "nbf": 1768469400}
    subject_id = credential["credentialSubject"].get("id")
    if subject_id:
        claims["sub"] = subject_id
    return jwt.encode({**credential, **claims}, private, algorithm=alg, headers=headers)


def did_document(did: str, private: Any, fragment: str = "key-1") -> dict[str, Any]:
    method = f"{did}#{fragment}"
    return {
        "id": did,
        "verificationMethod": [
            {"id": method, "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": public_jwk(private)}
        ],
        "assertionMethod": [f"#{fragment}"],
    }


def assert_valid(token: str, resolver: FakeResolver) -> None:
    verdict = verify(token, resolver, now=NOW)
    assert verdict.outcome == "valid", verdict.to_json()
    assert verdict.format == "ob3-vc-jwt"


@pytest.mark.parametrize(("private", "alg"), [(rsa_private, "RS256"), (ec_private, "ES256"), (ed_private, "EdDSA")])
def test_did_web_issuers_with_each_algorithm(private, alg) -> None:
    did = "did:web:issuer.example%3A8443:school"
    resolver = FakeResolver(
        documents={"https://issuer.example:8443/school/did.json": (200, did_document(did, private()))}
    )
    token = vc_jwt(credential_for(did), private(), alg, {"kid": f"{did}#key-1"})
    assert_valid(token, resolver)
    # the relative kid resolves against the issuer id
    assert_valid(vc_jwt(credential_for(did), private(), alg, {"kid": "#key-1"}), resolver)
    # tampered after signing
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["credentialSubject"]["achievement"]["name"] = "Something else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert verify(f"{header}.{forged}.{signature}", resolver, now=NOW).outcome == "invalid"


def test_did_web_method_must_be_an_assertion_method_of_the_did() -> None:
    did = "did:web:issuer.example"
    document = did_document(did, ec_private())
    document["assertionMethod"] = []
    resolver = FakeResolver(documents={"https://issuer.example/.well-known/did.json": (200, document)})
    verdict = verify(vc_jwt(credential_for(did), ec_private(), "ES256", {"kid": f"{did}#key-1"}), resolver, now=NOW)
    assert verdict.outcome == "invalid" and outcomes(verdict)["signature"] == "failed"
    document = did_document(did, ec_private())
    document["verificationMethod"][0]["controller"] = "did:web:elsewhere.example"
    resolver = FakeResolver(documents={"https://issuer.example/.well-known/did.json": (200, document)})
    assert (
        verify(vc_jwt(credential_for(did), ec_private(), "ES256", {"kid": f"{did}#key-1"}), resolver, now=NOW).outcome
        == "invalid"
    )


@pytest.mark.parametrize(("private", "alg"), [(rsa_private, "RS256"), (ec_private, "ES256"), (ed_private, "EdDSA")])
def test_did_jwk_issuers_offline(private, alg) -> None:
    issuer = did_jwk(private())
    resolver = FakeResolver()
    for headers in ({"kid": f"{issuer}#0"}, {"kid": "#0"}, {"jwk": public_jwk(private())}):
        assert_valid(vc_jwt(credential_for(issuer), private(), alg, headers), resolver)
    assert resolver.calls == []


def test_did_key_p256() -> None:
    issuer = did_key_p256(ec_private())
    token = vc_jwt(credential_for(issuer), ec_private(), "ES256", {"kid": f"{issuer}#{issuer[8:]}"})
    assert_valid(token, FakeResolver())


def test_kid_url_on_the_issuers_site() -> None:
    issuer = "https://issuer.example/profile"
    kid = "https://issuer.example/keys/1"
    method = {"id": kid, "type": "JsonWebKey2020", "controller": issuer, "publicKeyJwk": public_jwk(rsa_private())}
    resolver = FakeResolver(documents={kid: (200, method)})
    assert_valid(vc_jwt(credential_for(issuer), rsa_private(), "RS256", {"kid": kid}), resolver)
    # a bare JWK at the issuer's own URL (kid under the issuer id)
    resolver = FakeResolver(documents={issuer: (200, public_jwk(rsa_private()))})
    assert_valid(vc_jwt(credential_for(issuer), rsa_private(), "RS256", {"kid": f"{issuer}#key"}), resolver)
    # a bare JWK at another URL of the issuer's own origin (OB 3.0 §8.2: the kid dereferences to a JWK)
    resolver = FakeResolver(documents={kid: (200, public_jwk(rsa_private()))})
    assert_valid(vc_jwt(credential_for(issuer), rsa_private(), "RS256", {"kid": kid}), resolver)
    # ... but a document on the issuer's site that names another controller does not
    other = {**method, "controller": "https://someone.example/profile"}
    resolver = FakeResolver(documents={kid: (200, other)})
    verdict = verify(vc_jwt(credential_for(issuer), rsa_private(), "RS256", {"kid": kid}), resolver, now=NOW)
    assert verdict.outcome == "invalid" and verdict.check("issuer-key").message == MSG_KEY_ISSUER_BAD
    # a bare JWK on someone else's site does not bind the key to the issuer
    elsewhere_jwk = "https://attacker.example/keys/jwk"
    resolver = FakeResolver(documents={elsewhere_jwk: (200, public_jwk(rsa_private()))})
    verdict = verify(vc_jwt(credential_for(issuer), rsa_private(), "RS256", {"kid": elsewhere_jwk}), resolver, now=NOW)
    assert verdict.outcome == "invalid" and verdict.check("issuer-key").message == MSG_KEY_ISSUER_BAD
    # the same method document on someone else's site does not bind the key to the issuer
    elsewhere = "https://attacker.example/keys/1"
    copied = {**method, "id": elsewhere}
    resolver = FakeResolver(documents={elsewhere: (200, copied)})
    verdict = verify(vc_jwt(credential_for(issuer), rsa_private(), "RS256", {"kid": elsewhere}), resolver, now=NOW)
    assert verdict.outcome == "invalid" and verdict.check("issuer-key").message == MSG_KEY_ISSUER_BAD


def test_a_jwk_header_alone_is_trusted_only_for_its_own_did_jwk() -> None:
    attacker = ed_private()
    for issuer in ("did:web:issuer.example", did_jwk(ec_private()), "https://issuer.example/profile"):
        token = vc_jwt(credential_for(issuer), attacker, "EdDSA", {"jwk": public_jwk(attacker)})
        verdict = verify(token, FakeResolver(), now=NOW)
        assert verdict.outcome == "invalid" and outcomes(verdict)["signature"] == "failed", issuer
    # a kid and a jwk that disagree
    issuer = did_jwk(ed_private())
    token = vc_jwt(
        credential_for(issuer), ed_private(), "EdDSA", {"kid": "#0", "jwk": public_jwk(Ed25519PrivateKey.generate())}
    )
    assert verify(token, FakeResolver(), now=NOW).outcome == "invalid"


def test_the_algorithm_is_the_keys_not_the_headers() -> None:
    # the header says ES256, the issuer's key is RSA: refused even before the signature
    did = "did:web:issuer.example"
    resolver = FakeResolver(
        documents={"https://issuer.example/.well-known/did.json": (200, did_document(did, rsa_private()))}
    )
    token = vc_jwt(credential_for(did), ec_private(), "ES256", {"kid": f"{did}#key-1"})
    assert verify(token, resolver, now=NOW).outcome == "invalid"
    # HS256 with the issuer's public key as the "secret" (the classic confusion), and alg none
    pem = rsa_private().public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    credential = credential_for(did)
    header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "kid": f"{did}#key-1"}).encode()).rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps({**credential, "iss": did, "jti": credential["id"]}).encode()).rstrip(
        b"="
    )
    import hashlib
    import hmac

    mac = hmac.new(pem, header + b"." + body, hashlib.sha256).digest()
    hs256 = (header + b"." + body + b"." + base64.urlsafe_b64encode(mac).rstrip(b"=")).decode()
    assert verify(hs256, resolver, now=NOW).outcome == "invalid"
    none = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=")
    assert verify((none + b"." + body + b".").decode(), resolver, now=NOW).outcome == "invalid"


def test_an_algorithm_we_do_not_support_is_indeterminate() -> None:
    private = ec.generate_private_key(ec.SECP384R1())
    issuer = "did:web:issuer.example"
    token = vc_jwt(credential_for(issuer), private, "ES384", {"kid": f"{issuer}#key-1"})
    verdict = verify(token, FakeResolver(), now=NOW)
    assert verdict.outcome == "indeterminate" and verdict.check("signature").message == MSG_PROOF_UNSUPPORTED


def test_a_vc_jwt_given_as_a_link() -> None:
    issuer = did_jwk(rsa_private())
    token = vc_jwt(credential_for(issuer), rsa_private(), "RS256", {"kid": "#0"})
    url = "https://issuer.example/credentials/1.jwt"
    resolver = FakeResolver(documents={url: (200, token)})
    assert_valid(url, resolver)


# --------------------------------------------------------------------------------------------- Ed25519Signature2020

VC1 = "https://www.w3.org/2018/credentials/v1"
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
OB302 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"


def multikey(private: Ed25519PrivateKey) -> str:
    return "z" + b58(b"\xed\x01" + private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def vc11_credential(issuer: str, **extra: Any) -> dict[str, Any]:
    """An OB 3.0 credential as DCC tools issued them (VC 1.1 data model, OB 3.0.2 context), written by hand."""
    return {
        "@context": [VC1, OB302, ED25519_2020],
        "id": "urn:uuid:2f6b8f0e-0d8a-4c1e-9b3a-5d4e3c2b1a09",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Community first aid",
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Another training body"},
        "issuanceDate": "2026-01-10T10:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:uuid:8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
                "type": ["Achievement"],
                "name": "Community first aid",
                "description": "Basic first aid.",
                "criteria": {"narrative": "Attended the course."},
            },
        },
        **extra,
    }


def sign_ed25519_2020(credential: dict[str, Any], private: Ed25519PrivateKey, method: str) -> dict[str, Any]:
    """The Ed25519Signature2020 suite written from its specification: proof options with the document's
    @context, URDNA2015, SHA-256(options) ‖ SHA-256(document), Ed25519, multibase base58btc."""
    import hashlib

    from badges import jsonld

    proof = {
        "type": "Ed25519Signature2020",
        "created": "2026-01-10T10:00:00Z",
        "verificationMethod": method,
        "proofPurpose": "assertionMethod",
    }
    options = {"@context": credential["@context"], **proof}
    data = hashlib.sha256(jsonld.canonize(options).encode()).digest()
    data += hashlib.sha256(jsonld.canonize(credential).encode()).digest()
    return {**credential, "proof": {**proof, "proofValue": "z" + b58(private.sign(data))}}


@cache
def legacy_private() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def legacy_did() -> str:
    return "did:key:" + multikey(legacy_private())


def legacy_method() -> str:
    return f"{legacy_did()}#{multikey(legacy_private())}"


def test_ed25519_signature_2020_vc11_credential() -> None:
    signed = sign_ed25519_2020(vc11_credential(legacy_did()), legacy_private(), legacy_method())
    verdict = verify(json.dumps(signed), FakeResolver(), now=NOW)
    assert verdict.outcome == "valid", verdict.to_json()
    assert outcomes(verdict)["schema"] == "skipped"  # the official schema describes VC 2.0 credentials
    assert verdict.summary["issued_on"] == "2026-01-10T10:00:00Z" and verdict.summary["issuer_id"] == legacy_did()
    # tampered, another key, another purpose
    tampered = json.loads(json.dumps(signed))
    tampered["credentialSubject"]["achievement"]["name"] = "Surgeon"
    assert verify(json.dumps(tampered), FakeResolver(), now=NOW).outcome == "invalid"
    other = Ed25519PrivateKey.generate()
    forged = sign_ed25519_2020(vc11_credential(legacy_did()), other, legacy_method())
    assert verify(json.dumps(forged), FakeResolver(), now=NOW).outcome == "invalid"
    purpose = json.loads(json.dumps(signed))
    purpose["proof"]["proofPurpose"] = "authentication"
    assert verify(json.dumps(purpose), FakeResolver(), now=NOW).outcome == "invalid"


def test_ed25519_signature_2020_dates_are_read_through_aliases() -> None:
    expired = vc11_credential(legacy_did(), expirationDate="2026-02-01T00:00:00Z")
    signed = sign_ed25519_2020(expired, legacy_private(), legacy_method())
    verdict = verify(json.dumps(signed), FakeResolver(), now=NOW)
    assert verdict.outcome == "invalid" and outcomes(verdict)["validity-period"] == "failed"
    aliased = json.loads(json.dumps(signed))
    aliased["@context"] = [
        *aliased["@context"],
        {
            "ends": {
                "@id": "https://www.w3.org/2018/credentials#expirationDate",
                "@type": "http://www.w3.org/2001/XMLSchema#dateTime",
            }
        },
    ]
    aliased["ends"] = aliased.pop("expirationDate")
    verdict = verify(json.dumps(aliased), FakeResolver(), now=NOW)
    assert verdict.check("signature").outcome == "passed" and verdict.outcome == "invalid"
    assert outcomes(verdict)["validity-period"] == "failed"


def test_ed25519_signature_2020_with_a_did_web_key() -> None:
    did = "did:web:school.example"
    method = f"{did}#key-1"
    document = {
        "id": did,
        "verificationMethod": [
            {
                "id": method,
                "type": "Ed25519VerificationKey2020",
                "controller": did,
                "publicKeyMultibase": multikey(legacy_private()),
            }
        ],
        "assertionMethod": [method],
    }
    signed = sign_ed25519_2020(vc11_credential(did), legacy_private(), method)
    resolver = FakeResolver(documents={"https://school.example/.well-known/did.json": (200, document)})
    assert verify(json.dumps(signed), resolver, now=NOW).outcome == "valid"
    resolver = FakeResolver(problems={"https://school.example/.well-known/did.json": "timeout"})
    assert verify(json.dumps(signed), resolver, now=NOW).outcome == "indeterminate"


# --------------------------------------------------------------------------------------------- 1EdTechRevocationList

REVOCATIONS = "https://tremplin.example/badges/revocations/ob3"


def revocable(**overrides: Any) -> dict[str, Any]:
    from tests.badges.test_verification import sign

    credential = make_credential(status_list_url=None, status_list_index=None)
    credential["credentialStatus"] = {"id": REVOCATIONS, "type": "1EdTechRevocationList"}
    credential.update(overrides)
    return sign(credential)


def revocation_list(issuer: str, *revoked: tuple[str, str]) -> dict[str, Any]:
    entries = [{"id": credential_id, "revocationReason": reason} for credential_id, reason in revoked]
    return {"id": REVOCATIONS, "issuer": issuer, "revokedCredentials": entries}


def test_1edtech_revocation_list() -> None:
    credential = revocable()
    issuer = credential["issuer"]["id"]
    resolver = FakeResolver(documents={REVOCATIONS: (200, revocation_list(issuer, ("urn:uuid:other", "x")))})
    verdict = verify(json.dumps(credential), resolver, now=NOW)
    assert verdict.outcome == "valid" and outcomes(verdict)["status"] == "passed", verdict.to_json()
    resolver = FakeResolver(
        documents={REVOCATIONS: (200, revocation_list(issuer, (credential["id"], "Issued in error")))}
    )
    verdict = verify(json.dumps(credential), resolver, now=NOW)
    assert verdict.outcome == "invalid" and verdict.summary["revoked"] is True
    assert verdict.summary["revocation_reason"] == "Issued in error"
    # the same revoked badge with its status entry renamed through an inline context: still revoked
    aliased = json.loads(json.dumps(credential))
    aliased["@context"] = [
        *aliased["@context"],
        {"st": {"@id": "https://www.w3.org/2018/credentials#credentialStatus", "@type": "@id"}},
    ]
    aliased["st"] = aliased.pop("credentialStatus")
    verdict = verify(json.dumps(aliased), resolver, now=NOW)
    assert verdict.check("signature").outcome == "passed" and verdict.outcome == "invalid"
    # a list that names another issuer, a list that does not answer, a list that is not there
    other = FakeResolver(documents={REVOCATIONS: (200, revocation_list("did:web:someone.example"))})
    assert verify(json.dumps(credential), other, now=NOW).outcome == "invalid"
    silent = FakeResolver(problems={REVOCATIONS: "timeout"})
    assert verify(json.dumps(credential), silent, now=NOW).outcome == "indeterminate"
    assert verify(json.dumps(credential), FakeResolver(), now=NOW).outcome == "invalid"


# --------------------------------------------------------------------------------------------- status list as a JWT


def test_a_status_list_secured_as_a_vc_jwt() -> None:
    from badges import openbadges as ob
    from tests.badges.test_verification import ISSUED, STATUS_INDEX, STATUS_URL

    issuer = did_jwk(ec_private())
    credential = make_credential(issuer)  # with a BitstringStatusListEntry at STATUS_URL
    token = vc_jwt(credential, ec_private(), "ES256", {"kid": "#0"})

    def served(*revoked: int, key: Any = None, list_issuer: str = issuer) -> FakeResolver:
        unsigned = ob.status_list_credential(STATUS_URL, list_issuer, revoked, valid_from=ISSUED)
        signed = vc_jwt(unsigned, key or ec_private(), "ES256", {"kid": f"{list_issuer}#0"})
        return FakeResolver(documents={STATUS_URL: (200, signed)})

    verdict = verify(token, served(), now=NOW)
    assert verdict.outcome == "valid" and outcomes(verdict)["status"] == "passed", verdict.to_json()
    verdict = verify(token, served(STATUS_INDEX), now=NOW)
    assert verdict.outcome == "invalid" and verdict.summary["revoked"] is True
    other = ec.generate_private_key(ec.SECP256R1())
    verdict = verify(token, served(key=other, list_issuer=did_jwk(other)), now=NOW)
    assert verdict.outcome == "invalid" and outcomes(verdict)["status"] == "failed"
    forged = verify(token, served(STATUS_INDEX, key=other), now=NOW)  # the issuer's kid, another key
    assert forged.outcome == "invalid"


@pytest.mark.parametrize(("private", "alg"), [(rsa_private, "RS256"), (ec_private, "ES256"), (ed_private, "EdDSA")])
def test_a_vc_jwt_is_read_as_strictly_as_pyjwt_reads_it(private, alg) -> None:
    """The token is parsed once (``inputs.jws_parts``) and its signature checked with PyJWT's algorithm, not with
    ``jwt.decode``: what PyJWT's parser refuses is still refused — a signature segment that is not canonical
    base64url, a ``kid`` that is not a string, ``sub``/``jti`` claims that are not strings."""
    issuer = did_jwk(private())
    credential = credential_for(issuer)
    token = vc_jwt(credential, private(), alg, {"kid": f"{issuer}#0"})
    assert_valid(token, FakeResolver())
    header, payload, signature = token.split(".")
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(signature[-1])
    loose = signature[:-1] + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[last ^ 1]
    assert base64.urlsafe_b64decode(loose + "==") == base64.urlsafe_b64decode(signature + "==")  # same bytes
    for forged in (f"{header}.{payload}.{loose}", f"{header}.{payload}.{signature}A"):
        verdict = verify(forged, FakeResolver(), now=NOW)
        assert outcomes(verdict)["signature"] == "failed", forged
    claims = jwt.decode(token, options={"verify_signature": False})
    assert_valid(hand_signed({"alg": alg, "kid": f"{issuer}#0"}, claims, private(), alg), FakeResolver())
    for changed in ({"kid": 7, "jwk": public_jwk(private())}, {"kid": ["#0"], "jwk": public_jwk(private())}):
        verdict = verify(hand_signed({"alg": alg, **changed}, claims, private(), alg), FakeResolver(), now=NOW)
        assert outcomes(verdict)["signature"] == "failed", changed
    for claim in ("sub", "jti"):
        verdict = verify(
            jwt.encode({**claims, claim: 42}, private(), algorithm=alg, headers={"kid": f"{issuer}#0"}),
            FakeResolver(),
            now=NOW,
        )
        assert outcomes(verdict)["signature"] == "failed", claim


def hand_signed(header: dict[str, Any], claims: dict[str, Any], private: Any, alg: str) -> str:
    """A compact JWS signed with PyJWT's algorithm but a header that ``jwt.encode`` would refuse to write."""

    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    signing_input = f"{b64(header)}.{b64(claims)}"
    algorithm = jwt.get_algorithm_by_name(alg)
    signature = algorithm.sign(signing_input.encode(), algorithm.prepare_key(private))
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
