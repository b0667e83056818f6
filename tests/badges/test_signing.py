"""badges.signing and badges.jsonld: published test vectors, round trips, tampering properties, safe mode, offline.

Test vectors:
* W3C "Data Integrity EdDSA Cryptosuites v1.0", eddsa-rdfc-2022 (w3c/vc-di-eddsa ``TestVectors/eddsa-rdfc-2022``,
  key pair ``TestVectors/keyPair.json``): reproduced end to end, from the JSON credential to the proofValue, with the
  bundled credentials v2 context and the W3C examples context given inline.
* 1EdTech OB 3.0 Implementation Guide, "Linked Data Proof Test Vector" (``ob_v3p0/impl/linked-data-proof-ob.md``):
  its credential cites contexts that are not bundled (VC 1.1, the pre-release ``ob_v3p0.jsonld``, data-integrity
  v1), so it is reproduced from its published canonical N-Quads onwards: RDFC-1.0 fixed point, both hashes, their
  order, the Ed25519 signature and the proofValue, plus the Multikey of its public key.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import socket
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld as pyld_jsonld

from badges import jsonld, signing
from badges.signing import SigningError

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
OB3_CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]


# --------------------------------------------------------------------------------------------- helpers


@cache
def _issuer_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"tremplin test issuer").digest())


@cache
def _rsa_key() -> rsa.RSAPrivateKey:
    return signing.generate_rsa_key()


def make_credential(key: Ed25519PrivateKey | None = None, **extra: Any) -> dict[str, Any]:
    """A minimal valid OB 3.0 OpenBadgeCredential issued by the did:key of ``key``."""
    key = key or _issuer_key()
    credential = {
        "@context": list(OB3_CONTEXTS),
        "id": "urn:uuid:2f1f7a4e-8c1b-4d0b-9a55-0e6f3b1c2d3e",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": signing.did_key(key), "type": ["Profile"], "name": "Tremplin"},
        "validFrom": "2025-01-15T09:30:00Z",
        "name": "Pair-aidance : fondamentaux",
        "credentialSubject": {
            "id": "did:example:learner-42",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:uuid:7d4b8f0e-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
                "type": ["Achievement"],
                "name": "Fondamentaux de la pair-aidance",
                "description": "Écoute, posture et éthique du travail pair.",
                "criteria": {"narrative": "Présence à 90 % des séances et évaluation finale réussie."},
            },
        },
    }
    credential.update(extra)
    return credential


@cache
def _signed_credential_json() -> str:
    key = _issuer_key()
    signed = signing.add_proof(make_credential(), key, signing.did_key_verification_method(key), NOW)
    return json.dumps(signed)


def signed_credential() -> dict[str, Any]:
    return json.loads(_signed_credential_json())


Path = tuple[str | int, ...]


def leaf_paths(value: Any, prefix: Path = ()) -> list[Path]:
    """Paths to every scalar in a JSON value."""
    if isinstance(value, dict):
        return [path for key, item in value.items() for path in leaf_paths(item, (*prefix, key))]
    if isinstance(value, list):
        return [path for index, item in enumerate(value) for path in leaf_paths(item, (*prefix, index))]
    return [prefix]


def get_path(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


def set_path(value: Any, path: Path, new: Any) -> None:
    get_path(value, path[:-1])[path[-1]] = new


def delete_path(value: Any, path: Path) -> None:
    del get_path(value, path[:-1])[path[-1]]


json_scalars = st.one_of(
    st.text(max_size=30), st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False, allow_infinity=False)
)


@st.composite
def mutations(draw: st.DrawFn, document: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A copy of ``document`` with one scalar replaced by a different value, or removed."""
    mutated = copy.deepcopy(document)
    path = draw(st.sampled_from(leaf_paths(document)))
    old = get_path(document, path)
    if draw(st.booleans()) and len(path) > 0:
        delete_path(mutated, path)
        return mutated, f"delete {path}"
    new = draw(json_scalars.filter(lambda value: value != old or type(value) is not type(old)))
    set_path(mutated, path, new)
    return mutated, f"{path}: {old!r} -> {new!r}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def decode_segment(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


# --------------------------------------------------------------------------------------------- test vectors

W3C_SECRET_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
W3C_PUBLIC_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_EXAMPLES_CONTEXT = {
    # https://www.w3.org/ns/credentials/examples/v2 (w3c/vc-data-model contexts/credentials/examples/v2)
    "https://www.w3.org/ns/credentials/examples/v2": {
        "@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}
    }
}
W3C_UNSIGNED = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
W3C_PROOF = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "created": "2023-02-24T23:36:38Z",
    "verificationMethod": "https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    "proofPurpose": "assertionMethod",
    "proofValue": "z21EVs3eXERqTn4acNHT9viboqgzUaQ3kTmhPT3eA8qrVPE7CrQq78WkzctnMX5W4CrzcKnHw8V6dvy5pgWYCU5e9",
}
W3C_PROOF_CANONICAL = (
    '_:c14n0 <http://purl.org/dc/terms/created> "2023-02-24T23:36:38Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n'
    "_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/security#DataIntegrityProof> .\n"
    '_:c14n0 <https://w3id.org/security#cryptosuite> "eddsa-rdfc-2022"'
    "^^<https://w3id.org/security#cryptosuiteString> .\n"
    "_:c14n0 <https://w3id.org/security#proofPurpose> <https://w3id.org/security#assertionMethod> .\n"
    "_:c14n0 <https://w3id.org/security#verificationMethod> "
    "<https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2> .\n"
)
W3C_COMBINED_HASH = (
    "4c4d3890a157f8d611b13c265c2c22f39aa0a567c7c7dd9ba3e45cd579784eeb"
    "517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017"
)


def test_w3c_eddsa_rdfc_2022_vector_is_reproduced_exactly() -> None:
    key = signing.ed25519_private_key_from_multikey(W3C_SECRET_KEY)
    assert signing.ed25519_multikey(key) == W3C_PUBLIC_KEY

    config = {k: v for k, v in W3C_PROOF.items() if k != "proofValue"} | {"@context": W3C_UNSIGNED["@context"]}
    proof_canonical = jsonld.canonize(config, extra_contexts=W3C_EXAMPLES_CONTEXT)
    document_canonical = jsonld.canonize(W3C_UNSIGNED, extra_contexts=W3C_EXAMPLES_CONTEXT)
    assert proof_canonical == W3C_PROOF_CANONICAL
    combined = hashlib.sha256(proof_canonical.encode()).digest() + hashlib.sha256(document_canonical.encode()).digest()
    assert combined.hex() == W3C_COMBINED_HASH

    signed = signing.add_proof(
        W3C_UNSIGNED,
        key,
        W3C_PROOF["verificationMethod"],
        datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC),
        extra_contexts=W3C_EXAMPLES_CONTEXT,
    )
    assert signed["proof"] == [W3C_PROOF]

    def resolver(method: str):
        assert method == W3C_PROOF["verificationMethod"]
        return signing.ed25519_from_multikey(W3C_PUBLIC_KEY)

    published = W3C_UNSIGNED | {"proof": W3C_PROOF}  # as published: proof as a single object
    assert signing.verify_proof(published, resolver, extra_contexts=W3C_EXAMPLES_CONTEXT) == []
    tampered = published | {"name": "Alumni Credential!"}
    assert signing.verify_proof(tampered, resolver, extra_contexts=W3C_EXAMPLES_CONTEXT)


OB3_GUIDE_PUBLIC_HEX = "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5"
OB3_GUIDE_SECRET_HEX = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4" + OB3_GUIDE_PUBLIC_HEX
OB3_GUIDE_PROOF_NQUADS = """\
_:c14n0 <http://purl.org/dc/terms/created> "2010-01-01T19:23:24Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .
_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/security#DataIntegrityProof> .
_:c14n0 <https://w3id.org/security#cryptosuite> "eddsa-rdfc-2022" .
_:c14n0 <https://w3id.org/security#proofPurpose> <https://w3id.org/security#assertionMethod> .
_:c14n0 <https://w3id.org/security#verificationMethod> <https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi> .
"""  # noqa: E501 - published canonical N-Quads, one quad per line
_OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
_XS = "^^<https://www.w3.org/2001/XMLSchema#string>"  # sic: the guide's context maps xsd to https
_CRED = "<http://example.com/credentials/3527>"
_ACH = "<https://example.com/achievements/21st-century-skills/teamwork>"
_ISS = "<https://example.edu/issuers/565049>"
_SUBJ = "<did:example:ebfeb1f712ebc6f1c276e12ec21>"
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
OB3_GUIDE_DOCUMENT_NQUADS = "".join(
    line + " .\n"
    for line in [
        f"{_SUBJ} {_RDF_TYPE} <{_OB}AchievementSubject>",
        f"{_SUBJ} <{_OB}Achievement> {_ACH}",
        f"{_CRED} {_RDF_TYPE} <{_OB}OpenBadgeCredential>",
        f"{_CRED} {_RDF_TYPE} <https://www.w3.org/2018/credentials#VerifiableCredential>",
        f'{_CRED} <https://schema.org/name> "Teamwork Badge"{_XS}',
        f"{_CRED} <https://www.w3.org/2018/credentials#credentialSubject> {_SUBJ}",
        f'{_CRED} <https://www.w3.org/2018/credentials#issuanceDate> "2010-01-01T00:00:00Z"'
        "^^<http://www.w3.org/2001/XMLSchema#dateTime>",
        f"{_CRED} <https://www.w3.org/2018/credentials#issuer> {_ISS}",
        f"{_ACH} {_RDF_TYPE} <{_OB}Achievement>",
        f"{_ACH} <{_OB}Criteria> _:c14n0",
        f'{_ACH} <https://schema.org/description> "This badge recognizes the development of the capacity to '
        f'collaborate within a group environment."{_XS}',
        f'{_ACH} <https://schema.org/name> "Teamwork"{_XS}',
        f"{_ISS} {_RDF_TYPE} <{_OB}Profile>",
        f'{_ISS} <https://schema.org/name> "Example Corp"{_XS}',
        f'{_ISS} <https://schema.org/url> "https://www.imsglobal.org"^^<https://www.w3.org/2001/XMLSchema#anyURI>',
        f'_:c14n0 <{_OB}narrative> "Team members are nominated for this badge by their peers and recognized upon '
        f'review by Example Corp management."{_XS}',
    ]
)


def test_ob3_implementation_guide_vector_from_its_canonical_form() -> None:
    public = signing.ed25519_multikey(
        signing.ed25519_from_jwk({"kty": "OKP", "crv": "Ed25519", "x": b64url(bytes.fromhex(OB3_GUIDE_PUBLIC_HEX))})
    )
    assert public == "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(OB3_GUIDE_SECRET_HEX)[:32])
    assert signing.ed25519_multikey(key) == public

    def rdfc(nquads: str) -> str:
        options = {"algorithm": "URDNA2015", "inputFormat": "application/n-quads", "format": "application/n-quads"}
        return pyld_jsonld.normalize(nquads, options)

    # The published forms are canonical: RDFC-1.0 leaves them unchanged (blank node labels included).
    assert rdfc(OB3_GUIDE_PROOF_NQUADS) == OB3_GUIDE_PROOF_NQUADS
    assert rdfc(OB3_GUIDE_DOCUMENT_NQUADS) == OB3_GUIDE_DOCUMENT_NQUADS
    proof_hash = hashlib.sha256(OB3_GUIDE_PROOF_NQUADS.encode()).hexdigest()
    document_hash = hashlib.sha256(OB3_GUIDE_DOCUMENT_NQUADS.encode()).hexdigest()
    assert document_hash == "d994aebd5e53f4af4495dbe9e1155410bae683811107c26acf83671075c163b3"
    assert proof_hash == "3cf3c265b6c8ebb29b4d5ea310b87d2f31c79b633eff8af561d2e8c97a85c8cb"
    signature = key.sign(bytes.fromhex(proof_hash + document_hash))  # proof hash first
    assert signature.hex() == (
        "17a898a91832fa58bd66433e18dc8256522bcf84382994c395c23c26cba71ff8"
        "060a2587390e5ed20c4decec45c0c0c9eec1f7d2d1ce91e1ffc992983a74a300"
    )
    assert "z" + signing._b58encode(signature) == (
        "zUSD5bjo6mYV1n9i9E6ZwUiHuj4JyZDjCDfDqoJcPi9XJrc9LYstik9mdBvutdwBdquWXjWrwJDVGJrAarvRs8uD"
    )


# --------------------------------------------------------------------------------------------- keys


def test_ed25519_key_round_trips_through_encrypted_pem() -> None:
    key = signing.generate_ed25519_key()
    pem = signing.private_key_to_pem(key, "correct horse battery staple")
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    loaded = signing.load_private_key(pem, "correct horse battery staple")
    assert isinstance(loaded, Ed25519PrivateKey)
    assert signing.ed25519_multikey(loaded) == signing.ed25519_multikey(key)
    with pytest.raises(SigningError, match="wrong passphrase"):
        signing.load_private_key(pem, "wrong")
    with pytest.raises(SigningError, match="passphrase is needed"):
        signing.load_private_key(pem)
    plain = signing.private_key_to_pem(key)
    assert plain.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert signing.ed25519_jwk(signing.load_private_key(plain)) == signing.ed25519_jwk(key)
    with pytest.raises(SigningError, match="not encrypted"):
        signing.load_private_key(plain, "a passphrase")


def test_rsa_key_round_trips_and_publishes_pem() -> None:
    key = _rsa_key()
    assert key.key_size == 2048
    loaded = signing.load_private_key(signing.private_key_to_pem(key, b"s3cret"), b"s3cret")
    assert isinstance(loaded, rsa.RSAPrivateKey)
    assert loaded.private_numbers() == key.private_numbers()
    pem = signing.public_key_pem(key)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert signing.rsa_public_key_from_pem(pem).public_numbers() == key.public_key().public_numbers()
    document = signing.crypto_key_document(key, "https://badges.example/keys/1", "https://badges.example/issuer")
    assert document == {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "CryptographicKey",
        "id": "https://badges.example/keys/1",
        "owner": "https://badges.example/issuer",
        "publicKeyPem": pem,
    }
    with pytest.raises(SigningError, match="2048"):
        signing.generate_rsa_key(1024)


def test_multikey_jwk_and_did_key() -> None:
    key = signing.ed25519_private_key_from_multikey(W3C_SECRET_KEY)
    public = key.public_key()
    multikey = signing.ed25519_multikey(public)
    assert multikey == W3C_PUBLIC_KEY and multikey.startswith("z6Mk")
    assert signing.ed25519_multikey(signing.ed25519_from_multikey(multikey)) == multikey
    jwk = signing.ed25519_jwk(key)
    assert set(jwk) == {"kty", "crv", "x"} and jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519"
    assert signing.ed25519_multikey(signing.ed25519_from_jwk(jwk)) == multikey
    with pytest.raises(SigningError, match="private key"):
        signing.ed25519_from_jwk(jwk | {"d": "AAAA"})

    did = signing.did_key(key)
    method = signing.did_key_verification_method(key)
    assert did == f"did:key:{W3C_PUBLIC_KEY}"
    assert method == f"{did}#{W3C_PUBLIC_KEY}"
    assert signing.ed25519_multikey(signing.resolve_did_key(did)) == multikey
    assert signing.ed25519_multikey(signing.resolve_did_key(method)) == multikey
    document = signing.did_key_document(did)
    assert document == signing.did_key_document(key)
    assert document["id"] == did
    assert document["verificationMethod"] == [
        {"id": method, "type": "Multikey", "controller": did, "publicKeyMultibase": multikey}
    ]
    for relation in ("authentication", "assertionMethod", "capabilityDelegation", "capabilityInvocation"):
        assert document[relation] == [method]
    other = signing.ed25519_multikey(signing.generate_ed25519_key())
    for bad in (f"{did}#{other}", "did:web:example.com", f"did:key:{W3C_PUBLIC_KEY[:-1]}", "did:key:z6Mk0OIl"):
        with pytest.raises(SigningError):
            signing.resolve_did_key(bad)


@given(st.binary(max_size=40))
def test_base58btc_round_trip(data: bytes) -> None:
    assert signing._b58decode(signing._b58encode(data)) == data


# --------------------------------------------------------------------------------------------- Data Integrity


def test_add_proof_round_trip_with_did_key() -> None:
    key = _issuer_key()
    credential = make_credential()
    before = copy.deepcopy(credential)
    created = datetime(2025, 6, 1, 14, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    signed = signing.add_proof(credential, key, signing.did_key_verification_method(key), created)
    assert credential == before  # not mutated
    assert isinstance(signed["proof"], list) and len(signed["proof"]) == 1  # the OB 3.0 JSON Schema wants an array
    proof = signed["proof"][0]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["created"] == "2025-06-01T12:00:00Z"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"] == signing.did_key_verification_method(key)
    assert proof["proofValue"].startswith("z")
    assert {k: v for k, v in signed.items() if k != "proof"} == credential
    assert signing.verify_proof(signed, signing.resolve_did_key) == []
    # the proof also verifies written as a single object, as in the W3C examples
    assert signing.verify_proof(signed | {"proof": proof}, signing.resolve_did_key) == []


def test_proof_set_keeps_existing_proofs() -> None:
    key = _issuer_key()
    method = signing.did_key_verification_method(key)
    once = signing.add_proof(make_credential(), key, method, NOW)
    twice = signing.add_proof(once, key, method, NOW + timedelta(days=1))
    assert len(twice["proof"]) == 2 and twice["proof"][0] == once["proof"][0]
    assert signing.verify_proof(twice, signing.resolve_did_key) == []


def test_verify_proof_reports_reasons() -> None:
    signed = signed_credential()
    assert signing.verify_proof(make_credential(), signing.resolve_did_key) == ["the credential has no embedded proof"]
    # signed by another key that the issuer does not control
    other = signing.generate_ed25519_key()
    forged = signing.add_proof(make_credential(), other, signing.did_key_verification_method(other), NOW)
    assert "does not control" in signing.verify_proof(forged, signing.resolve_did_key)[0]
    # a resolver that hands back another key
    wrong = signing.verify_proof(signed, lambda method: other.public_key())
    assert wrong == ["proof[0]: the signature does not match the credential"]
    # a resolver that fails
    assert "cannot resolve" in signing.verify_proof(signed, lambda method: 1 / 0)[0]
    # a purpose other than the one expected
    assert (
        "proof purpose"
        in signing.verify_proof(signed, signing.resolve_did_key, expected_proof_purpose="authentication")[0]
    )
    # an unknown proof type
    other_type = copy.deepcopy(signed)
    other_type["proof"][0]["type"] = "Ed25519Signature2020"
    assert "is not a DataIntegrityProof" in signing.verify_proof(other_type, signing.resolve_did_key)[0]


def test_add_proof_misuse_raises_signing_error() -> None:
    key = _issuer_key()
    method = signing.did_key_verification_method(key)
    credential = make_credential()
    with pytest.raises(SigningError, match="Ed25519"):
        signing.add_proof(credential, _rsa_key(), method, NOW)  # type: ignore[arg-type]
    with pytest.raises(SigningError, match="timezone"):
        signing.add_proof(credential, key, method, datetime(2025, 1, 1))  # naive on purpose
    with pytest.raises(SigningError, match="absolute IRI"):
        signing.add_proof(credential, key, "z6Mk-not-an-iri", NOW)
    with pytest.raises(SigningError, match="proof purpose"):
        signing.add_proof(credential, key, method, NOW, proof_purpose="fun")
    with pytest.raises(SigningError, match="@context"):
        signing.add_proof(
            credential | {"@context": ["https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]}, key, method, NOW
        )
    with pytest.raises(SigningError, match="not available offline"):
        signing.add_proof(credential | {"@context": [*OB3_CONTEXTS, "https://example.org/ctx"]}, key, method, NOW)
    with pytest.raises(SigningError, match="control character"):
        signing.add_proof(credential | {"name": "bell\x07"}, key, method, NOW)
    with pytest.raises(SigningError, match="JSON object"):
        signing.add_proof(["not", "a", "credential"], key, method, NOW)  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_change_to_a_signed_credential_breaks_the_proof(data: st.DataObject) -> None:
    mutated, description = data.draw(mutations(signed_credential()), label="mutation")
    assert signing.verify_proof(mutated, signing.resolve_did_key), description


# --------------------------------------------------------------------------------------------- safe mode


def test_undefined_terms_are_reported_and_refused() -> None:
    key = _issuer_key()
    credential = make_credential()
    assert jsonld.undefined_terms(credential) == []
    credential["credentialSubject"]["achievement"]["grade"] = "A+"
    credential["credentialSubject"]["type"].append("HonoursSubject")
    credential["issuer"]["id"] = "tremplin"
    problems = jsonld.undefined_terms(credential)
    assert "credentialSubject.achievement.grade: property 'grade' is not defined by the @context" in problems
    assert "credentialSubject.type: type 'HonoursSubject' is not defined by the @context" in problems
    assert "issuer.id: identifier 'tremplin' is not an absolute IRI" in problems
    with pytest.raises(SigningError, match=r"refusing to sign: .*grade"):
        signing.add_proof(credential, key, signing.did_key_verification_method(key), NOW)


def test_undefined_term_added_after_signing_is_reported() -> None:
    signed = signed_credential()
    signed["credentialSubject"]["grade"] = "A+"  # pyld drops it: the signature alone would still match
    problems = signing.verify_proof(signed, signing.resolve_did_key)
    assert problems == [
        "not covered by the signature: credentialSubject.grade: property 'grade' is not defined by the @context"
    ]


@settings(max_examples=25, deadline=None)
@given(st.data(), st.from_regex(r"[a-z][A-Za-z]{0,10}", fullmatch=True))
def test_any_undefined_property_anywhere_is_found(data: st.DataObject, suffix: str) -> None:
    credential = make_credential()
    objects = [(), ("issuer",), ("credentialSubject",), ("credentialSubject", "achievement")]
    objects.append(("credentialSubject", "achievement", "criteria"))
    where = data.draw(st.sampled_from(objects))
    name = "tremplin" + suffix
    get_path(credential, where)[name] = data.draw(json_scalars.filter(lambda value: value is not None))
    dotted = ".".join([*map(str, where), name])
    assert f"{dotted}: property {name!r} is not defined by the @context" in jsonld.undefined_terms(credential)


# --------------------------------------------------------------------------------------------- offline loader


def test_loader_never_opens_a_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> None:
        attempts.append(args)
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(jsonld, "_local", type(jsonld._local)())  # cold context cache: contexts are loaded now

    key = signing.generate_ed25519_key()
    signed = signing.add_proof(make_credential(key), key, signing.did_key_verification_method(key), NOW)
    assert signing.verify_proof(signed, signing.resolve_did_key) == []
    token = signing.sign_vc_jwt(make_credential(key), key, signing.did_key_verification_method(key))
    assert signing.verify_vc_jwt(token, signing.resolve_did_key, now=NOW)[1] == []
    for url in (*jsonld.known_contexts(), *OB3_CONTEXTS):
        assert jsonld.document_loader(url)["documentUrl"] == url

    remote = {"@context": "https://schema.org/", "name": "x"}
    with pytest.raises(jsonld.JsonLdError, match=r"'https://schema\.org/' is not available offline"):
        jsonld.canonize(remote)
    with pytest.raises(jsonld.JsonLdError, match="not available offline"):
        jsonld.undefined_terms({"@context": [*OB3_CONTEXTS, {"@import": "https://example.org/remote"}], "id": "urn:x"})
    with pytest.raises(jsonld.JsonLdError, match="not available offline"):
        jsonld.document_loader("http://www.w3.org/ns/credentials/v2")  # not even the http:// spelling
    assert attempts == []


def test_canonize_refuses_what_rdfc_would_escape_differently() -> None:
    assert "\\t" in jsonld.canonize(make_credential(name="tab\there"))  # TAB is escaped identically
    with pytest.raises(jsonld.JsonLdError, match="control character"):
        jsonld.canonize(make_credential(name="form\x0cfeed"))
    with pytest.raises(jsonld.JsonLdError, match="not allowed in an IRI"):
        jsonld.canonize(make_credential(id="urn:uuid:{braces}"))
    # pyld drops a node whose id has a space; safe mode calls it a relative reference
    assert jsonld.undefined_terms(make_credential(id="urn:uuid:with space")) == [
        "id: identifier 'urn:uuid:with space' is not an absolute IRI"
    ]


# --------------------------------------------------------------------------------------------- VC-JWT


def test_vc_jwt_round_trip_and_claims() -> None:
    key = _issuer_key()
    method = signing.did_key_verification_method(key)
    credential = make_credential(validUntil="2026-01-15T09:30:00.750Z")
    token = signing.sign_vc_jwt(credential, key, method)
    header, payload = decode_segment(token.split(".")[0]), decode_segment(token.split(".")[1])
    assert header == {"alg": "EdDSA", "typ": "JWT", "kid": method, "jwk": signing.ed25519_jwk(key)}
    assert payload["iss"] == signing.did_key(key)
    assert payload["sub"] == "did:example:learner-42"
    assert payload["jti"] == credential["id"]
    assert payload["nbf"] == int(datetime(2025, 1, 15, 9, 30, tzinfo=UTC).timestamp())
    assert payload["exp"] == int(datetime(2026, 1, 15, 9, 30, tzinfo=UTC).timestamp())
    assert "vc" not in payload and "iat" not in payload
    verified, problems = signing.verify_vc_jwt(token, signing.resolve_did_key, now=NOW)
    assert problems == [] and verified == credential

    bare = signing.sign_vc_jwt(credential, key, method, include_jwk=False)
    assert "jwk" not in decode_segment(bare.split(".")[0])
    assert signing.verify_vc_jwt(bare, signing.resolve_did_key, now=NOW) == (credential, [])

    assert (
        "not valid yet"
        in signing.verify_vc_jwt(token, signing.resolve_did_key, now=datetime(2024, 1, 1, tzinfo=UTC))[1][0]
    )
    assert (
        "expired" in signing.verify_vc_jwt(token, signing.resolve_did_key, now=datetime(2027, 1, 1, tzinfo=UTC))[1][0]
    )


def test_vc_jwt_key_checks() -> None:
    key = _issuer_key()
    method = signing.did_key_verification_method(key)
    token = signing.sign_vc_jwt(make_credential(), key, method)
    other = signing.generate_ed25519_key()
    assert signing.verify_vc_jwt(token, lambda kid: other.public_key(), now=NOW) == (
        None,
        ["the jwk header is not the key that kid resolves to"],
    )
    bare = signing.sign_vc_jwt(make_credential(), key, method, include_jwk=False)
    assert signing.verify_vc_jwt(bare, lambda kid: other.public_key(), now=NOW) == (
        None,
        ["the JWT signature is invalid"],
    )
    assert "cannot resolve" in signing.verify_vc_jwt(token, lambda kid: 1 / 0)[1][0]
    # another key signing for the issuer's did:key is caught even when the resolver trusts it
    foreign = signing.sign_vc_jwt(make_credential(), other, signing.did_key_verification_method(other))
    _, problems = signing.verify_vc_jwt(foreign, signing.resolve_did_key, now=NOW)
    assert problems == [f"the signing did:key {signing.did_key(other)!r} is not the issuer {signing.did_key(key)!r}"]


def test_vc_jwt_misuse_raises_signing_error() -> None:
    key = _issuer_key()
    method = signing.did_key_verification_method(key)
    with pytest.raises(SigningError, match="EdDSA"):
        signing.sign_vc_jwt(make_credential(), _rsa_key(), method)  # type: ignore[arg-type]
    with pytest.raises(SigningError, match="validFrom"):
        signing.sign_vc_jwt({k: v for k, v in make_credential().items() if k != "validFrom"}, key, method)
    with pytest.raises(SigningError, match="embedded proof"):
        signing.sign_vc_jwt(signed_credential(), key, method)
    with pytest.raises(SigningError, match="kid"):
        signing.sign_vc_jwt(make_credential(), key, "")
    with pytest.raises(SigningError, match="does not match the signing key"):
        signing.sign_vc_jwt(make_credential(), key, signing.did_key_verification_method(signing.generate_ed25519_key()))
    with pytest.raises(SigningError, match="time zone"):
        signing.sign_vc_jwt(make_credential(validFrom="2025-01-15T09:30:00"), key, method)


def test_vc_jwt_refuses_alg_none_and_hs256_with_the_public_key() -> None:
    key = _issuer_key()
    method = signing.did_key_verification_method(key)
    good = signing.sign_vc_jwt(make_credential(), key, method)
    _, payload_segment, _ = good.split(".")

    none_token = f"{b64url_json({'alg': 'none', 'typ': 'JWT', 'kid': method})}.{payload_segment}."
    assert signing.verify_vc_jwt(none_token, signing.resolve_did_key, now=NOW) == (
        None,
        ["JWT algorithm 'none' refused: only EdDSA is accepted"],
    )
    public = key.public_key()
    secrets = [
        signing.public_key_pem(public).encode(),
        signing.ed25519_jwk(public)["x"].encode(),
        base64.urlsafe_b64decode(signing.ed25519_jwk(public)["x"] + "="),
        method.encode(),
    ]
    for secret in secrets:
        for header in (
            {"alg": "HS256", "typ": "JWT", "kid": method},
            {"alg": "HS256", "kid": method, "jwk": signing.ed25519_jwk(public)},
        ):
            signing_input = f"{b64url_json(header)}.{payload_segment}"
            mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
            credential, problems = signing.verify_vc_jwt(f"{signing_input}.{b64url(mac)}", signing.resolve_did_key)
            assert credential is None and problems == ["JWT algorithm 'HS256' refused: only EdDSA is accepted"]
    # an RS256 token (valid for its own key) is refused too: the algorithm is pinned, not read from the header
    rs = signing.sign_jws(make_credential(), _rsa_key())
    assert signing.verify_vc_jwt(rs, lambda kid: public)[1] == ["JWT algorithm 'RS256' refused: only EdDSA is accepted"]


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_any_change_to_a_vc_jwt_breaks_it(data: st.DataObject) -> None:
    key = _issuer_key()
    token = signing.sign_vc_jwt(
        make_credential(validUntil="2030-01-01T00:00:00Z"), key, signing.did_key_verification_method(key)
    )
    header_segment, payload_segment, signature = token.split(".")
    part = data.draw(st.sampled_from(["header", "payload"]))
    if part == "payload":
        mutated, description = data.draw(mutations(decode_segment(payload_segment)))
        forged = f"{header_segment}.{b64url_json(mutated)}.{signature}"
    else:
        mutated, description = data.draw(mutations(decode_segment(header_segment)))
        forged = f"{b64url_json(mutated)}.{payload_segment}.{signature}"
    credential, problems = signing.verify_vc_jwt(forged, signing.resolve_did_key, now=NOW)
    assert credential is None and problems, description


# --------------------------------------------------------------------------------------------- OB 2.0 JWS


def _assertion() -> dict[str, Any]:
    return {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "urn:uuid:0f5e0a5c-2b0d-4c1e-9f8a-6d7c5b4a3f21",
        "recipient": {"type": "email", "hashed": True, "salt": "deadsea", "identity": "sha256$" + "ab" * 32},
        "badge": "https://badges.example/badges/1",
        "issuedOn": "2025-01-15T09:30:00Z",
        "verification": {"type": "SignedBadge", "creator": "https://badges.example/keys/1"},
    }


def test_ob2_jws_round_trip() -> None:
    key = _rsa_key()
    token = signing.sign_jws(_assertion(), key)
    assert decode_segment(token.split(".")[0]) == {"alg": "RS256"}
    assert decode_segment(token.split(".")[1]) == _assertion()
    assert signing.verify_jws(token, key.public_key()) == _assertion()
    assert signing.verify_jws(token, signing.public_key_pem(key)) == _assertion()
    with pytest.raises(SigningError, match="signature is invalid"):
        signing.verify_jws(token, signing.generate_rsa_key().public_key())
    with pytest.raises(SigningError, match="RSA"):
        signing.sign_jws(_assertion(), _issuer_key())  # type: ignore[arg-type]
    with pytest.raises(SigningError, match="compact JWS"):
        signing.verify_jws("not-a-token", key.public_key())


def test_ob2_jws_refuses_other_algorithms() -> None:
    key = _rsa_key()
    payload_segment = signing.sign_jws(_assertion(), key).split(".")[1]
    with pytest.raises(SigningError, match="'none' refused"):
        signing.verify_jws(f"{b64url_json({'alg': 'none'})}.{payload_segment}.", key.public_key())
    signing_input = f"{b64url_json({'alg': 'HS256'})}.{payload_segment}"
    mac = hmac.new(signing.public_key_pem(key).encode(), signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(SigningError, match="'HS256' refused"):
        signing.verify_jws(f"{signing_input}.{b64url(mac)}", key.public_key())
    eddsa = signing.sign_vc_jwt(make_credential(), _issuer_key(), signing.did_key_verification_method(_issuer_key()))
    with pytest.raises(SigningError, match="'EdDSA' refused"):
        signing.verify_jws(eddsa, key.public_key())


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_any_change_to_an_ob2_jws_breaks_it(data: st.DataObject) -> None:
    key = _rsa_key()
    token = signing.sign_jws(_assertion(), key)
    header_segment, payload_segment, signature = token.split(".")
    mutated, _ = data.draw(mutations(decode_segment(payload_segment)))
    with pytest.raises(SigningError):
        signing.verify_jws(f"{header_segment}.{b64url_json(mutated)}.{signature}", key.public_key())


def test_oversized_multibase_values_are_refused_before_decoding() -> None:
    """Base58 decoding is quadratic: a 100 kB proofValue or did:key is refused for its length, not decoded."""
    with pytest.raises(signing.SigningError, match="too long"):
        signing.ed25519_from_multikey("z" + "2" * 100_000)
    with pytest.raises(signing.SigningError, match="not a did:key"):
        signing.resolve_did_key("did:key:z" + "2" * 100_000)


# --------------------------------------------------------------------------------------------- unprocessable input


@pytest.mark.parametrize(
    "where",
    [
        ("credentialSubject", "name"),
        ("issuer", "name"),
        ("proof", 0, "proofValue"),
    ],
)
def test_a_lone_surrogate_fails_verification_with_a_reason_instead_of_raising(where) -> None:
    credential = signed_credential()
    target = get_path(credential, where[:-1])
    target[where[-1]] = "Tremplin \ud800"
    problems = signing.verify_proof(credential, signing.resolve_did_key, now=NOW)
    assert problems == [
        "cannot process the credential: the document contains text that is not valid Unicode (a lone surrogate)"
    ]


def test_a_lone_surrogate_in_a_key_fails_verification() -> None:
    credential = signed_credential()
    credential["credentialSubject"]["\udfffname"] = "x"
    (problem,) = signing.verify_proof(credential, signing.resolve_did_key, now=NOW)
    assert "lone surrogate" in problem


@pytest.mark.parametrize("depth", [signing.MAX_PROOF_DOCUMENT_DEPTH + 1, 2_000, 200_000])
@pytest.mark.parametrize("container", ["object", "list"])
def test_a_very_deep_document_fails_verification_with_a_reason_instead_of_raising(depth, container) -> None:
    credential = signed_credential()
    deep: Any = {} if container == "object" else []
    node = deep
    for _level in range(depth):
        child: Any = {} if container == "object" else []
        if container == "object":
            node["https://example.org/nested"] = child
        else:
            node.append(child)
        node = child
    credential["credentialSubject"]["https://example.org/nested"] = deep
    (problem,) = signing.verify_proof(credential, signing.resolve_did_key, now=NOW)
    assert problem == (
        f"cannot process the credential: the document is nested deeper than {signing.MAX_PROOF_DOCUMENT_DEPTH} levels"
    )


def test_a_document_just_within_the_depth_limit_is_still_checked() -> None:
    credential = signed_credential()
    deep: dict[str, Any] = {}
    node = deep
    for _level in range(signing.MAX_PROOF_DOCUMENT_DEPTH - 4):
        node["https://example.org/nested"] = {}
        node = node["https://example.org/nested"]
    credential["credentialSubject"]["https://example.org/nested"] = deep
    problems = signing.verify_proof(credential, signing.resolve_did_key, now=NOW)
    assert problems and not any("nested deeper" in problem for problem in problems)  # changed: a failed signature
