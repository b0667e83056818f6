"""Cryptographic core of the Open Badges engine. Pure: no Flask, no database, no network.

* Ed25519 keys: generation, PEM (PKCS#8, optionally encrypted), Multikey ``z6Mk…``, JWK (OKP), ``did:key``.
* OB 3.0 embedded proofs: W3C Data Integrity ``DataIntegrityProof`` with the ``eddsa-rdfc-2022`` cryptosuite.
* OB 3.0 VC-JWT (OB 3.0 §8.2): compact JWS, ``alg`` EdDSA, the payload IS the credential plus registered claims.
* OB 2.0 signed assertions: compact JWS RS256 over the assertion JSON; RSA-2048 keys published as ``publicKeyPem``.

Every misuse raises ``SigningError`` with a plain message. Verification always pins the algorithm (EdDSA for
VC-JWT, RS256 for OB 2.0, Ed25519 for Data Integrity); the token header never chooses it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from badges import jsonld
from badges.openbadges import VC2_CONTEXT

__all__ = [
    "CREDENTIALS_V2",
    "CRYPTOSUITE",
    "SigningError",
    "add_proof",
    "crypto_key_document",
    "did_key",
    "did_key_document",
    "did_key_verification_method",
    "ed25519_from_jwk",
    "ed25519_from_multikey",
    "ed25519_jwk",
    "ed25519_multikey",
    "ed25519_private_key_from_multikey",
    "generate_ed25519_key",
    "generate_rsa_key",
    "load_private_key",
    "private_key_to_pem",
    "public_key_pem",
    "resolve_did_key",
    "rsa_public_key_from_pem",
    "sign_jws",
    "sign_vc_jwt",
    "verify_jws",
    "verify_proof",
    "verify_vc_jwt",
]

CREDENTIALS_V2 = VC2_CONTEXT  # one definition, in badges.openbadges
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"
PROOF_PURPOSES = frozenset(
    {"assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation", "keyAgreement"}
)
# multicodec varint prefixes (https://github.com/multiformats/multicodec): ed25519-pub 0xed, ed25519-priv 0x1300
_ED25519_PUB_PREFIX = b"\xed\x01"
_ED25519_PRIV_PREFIX = b"\x80\x26"
_RSA_MIN_BITS = 2048
# Registered JWT claims that VC-JWT adds to the credential (and strips again on verification).
_JWT_CLAIMS = ("iss", "sub", "jti", "nbf", "exp", "iat", "aud")


class SigningError(Exception):
    """Misuse of the signing API, or material that cannot be signed/parsed; the message is meant for people."""


# --------------------------------------------------------------------------------------------- base58btc / multibase

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {char: index for index, char in enumerate(_B58_ALPHABET)}


def _b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_B58_ALPHABET[remainder])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def _b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _B58_INDEX:
            raise SigningError(f"invalid base58btc character {char!r}")
        number = number * 58 + _B58_INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


#: Longest multibase value decoded (base58 decoding is quadratic): an Ed25519 signature is 88 characters, a
#: multikey 48, a secret multikey ~50. Longer input is refused before any work.
_MULTIBASE_MAX = 256


def multibase_decode(value: Any, what: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise SigningError(f"{what} must be a multibase base58btc string starting with 'z'")
    if len(value) > _MULTIBASE_MAX:
        raise SigningError(f"{what} is too long ({len(value)} characters) to be a key or a signature")
    return _b58decode(value[1:])


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SigningError("invalid base64url data") from exc


# --------------------------------------------------------------------------------------------- keys


def generate_ed25519_key() -> Ed25519PrivateKey:
    """A new Ed25519 private key (OB 3.0 Data Integrity and VC-JWT)."""
    return Ed25519PrivateKey.generate()


def generate_rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    """A new RSA private key for OB 2.0 signed assertions (RS256); at least 2048 bits."""
    if not isinstance(bits, int) or bits < _RSA_MIN_BITS:
        raise SigningError(f"RSA keys must have at least {_RSA_MIN_BITS} bits")
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _passphrase_bytes(passphrase: str | bytes | None) -> bytes | None:
    if passphrase is None:
        return None
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    if not isinstance(passphrase, bytes) or not passphrase:
        raise SigningError("the passphrase must be a non-empty string")
    return passphrase


def private_key_to_pem(
    private_key: Ed25519PrivateKey | rsa.RSAPrivateKey, passphrase: str | bytes | None = None
) -> bytes:
    """PEM PKCS#8 of an Ed25519 or RSA private key, encrypted with the passphrase when one is given."""
    if not isinstance(private_key, Ed25519PrivateKey | rsa.RSAPrivateKey):
        raise SigningError("only Ed25519 and RSA private keys can be serialised")
    secret = _passphrase_bytes(passphrase)
    encryption = serialization.BestAvailableEncryption(secret) if secret else serialization.NoEncryption()
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def load_private_key(pem: str | bytes, passphrase: str | bytes | None = None) -> Ed25519PrivateKey | rsa.RSAPrivateKey:
    """Load a PEM private key written by ``private_key_to_pem`` (Ed25519 or RSA ≥ 2048 bits)."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    if not isinstance(data, bytes):
        raise SigningError("the private key must be PEM text")
    try:
        key = serialization.load_pem_private_key(data, password=_passphrase_bytes(passphrase))
    except TypeError as exc:
        message = "the private key is encrypted: a passphrase is needed" if passphrase is None else str(exc)
        if "not encrypted" in str(exc):
            message = "the private key is not encrypted, but a passphrase was given"
        raise SigningError(message) from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise SigningError("cannot read the private key (wrong passphrase, or not a PEM private key)") from exc
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size < _RSA_MIN_BITS:
        raise SigningError(f"RSA keys must have at least {_RSA_MIN_BITS} bits")
    if not isinstance(key, Ed25519PrivateKey | rsa.RSAPrivateKey):
        raise SigningError("only Ed25519 and RSA private keys are supported")
    return key


def _ed25519_public(key: Ed25519PrivateKey | Ed25519PublicKey) -> Ed25519PublicKey:
    if isinstance(key, Ed25519PrivateKey):
        return key.public_key()
    if isinstance(key, Ed25519PublicKey):
        return key
    raise SigningError("an Ed25519 key is required")


def _raw_public(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    return _ed25519_public(key).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def ed25519_multikey(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Multikey ``publicKeyMultibase``: 'z' + base58btc(0xed 0x01 ‖ 32-byte public key), i.e. ``z6Mk…``."""
    return "z" + _b58encode(_ED25519_PUB_PREFIX + _raw_public(key))


def ed25519_from_multikey(multikey: str) -> Ed25519PublicKey:
    """The Ed25519 public key of a ``z6Mk…`` Multikey value."""
    raw = multibase_decode(multikey, "publicKeyMultibase")
    if len(raw) != 34 or not raw.startswith(_ED25519_PUB_PREFIX):
        raise SigningError("not an Ed25519 Multikey (expected multicodec 0xed01 and 32 key bytes)")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def ed25519_private_key_from_multikey(secret_multikey: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from a ``secretKeyMultibase`` (multicodec 0x1300 + 32-byte seed), as in test vectors."""
    raw = multibase_decode(secret_multikey, "secretKeyMultibase")
    if len(raw) != 34 or not raw.startswith(_ED25519_PRIV_PREFIX):
        raise SigningError("not an Ed25519 secret Multikey (expected multicodec 0x1300 and a 32-byte seed)")
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def ed25519_jwk(key: Ed25519PrivateKey | Ed25519PublicKey) -> dict[str, str]:
    """The public JWK (RFC 8037): ``{"kty": "OKP", "crv": "Ed25519", "x": …}``; never contains the private part."""
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(_raw_public(key))}


def ed25519_from_jwk(jwk: Mapping[str, Any]) -> Ed25519PublicKey:
    """The Ed25519 public key of an OKP JWK; refuses JWKs that carry a private key."""
    if not isinstance(jwk, Mapping) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise SigningError("not an Ed25519 JWK (kty OKP, crv Ed25519)")
    if "d" in jwk:
        raise SigningError("the JWK contains a private key")
    x = jwk.get("x")
    raw = _b64url_decode(x) if isinstance(x, str) else b""
    if len(raw) != 32:
        raise SigningError("the JWK's x must be 32 bytes of base64url")
    return Ed25519PublicKey.from_public_bytes(raw)


def did_key(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """``did:key:z6Mk…`` for an Ed25519 key."""
    return "did:key:" + ed25519_multikey(key)


def did_key_verification_method(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The did:key verification method ``did:key:z6Mk…#z6Mk…`` (the fragment repeats the Multikey)."""
    multikey = ed25519_multikey(key)
    return f"did:key:{multikey}#{multikey}"


_DID_KEY_RE = re.compile(r"^did:key:(z[1-9A-HJ-NP-Za-km-z]+)(?:#(z[1-9A-HJ-NP-Za-km-z]+))?$")


def resolve_did_key(did_url: str) -> Ed25519PublicKey:
    """Resolve a did:key (or its ``#z6Mk…`` verification method) to the Ed25519 public key, offline.

    Usable as the ``public_key_resolver`` of ``verify_proof`` and the ``key_resolver`` of ``verify_vc_jwt``.
    """
    too_long = isinstance(did_url, str) and len(did_url) > 2 * _MULTIBASE_MAX
    match = _DID_KEY_RE.match(did_url) if isinstance(did_url, str) and not too_long else None
    if not match:
        raise SigningError(f"not a did:key identifier: {did_url!r}")
    if match.group(2) is not None and match.group(2) != match.group(1):
        raise SigningError("a did:key verification method's fragment must repeat the key")
    return ed25519_from_multikey(match.group(1))


def did_key_document(key_or_did: Ed25519PrivateKey | Ed25519PublicKey | str) -> dict[str, Any]:
    """The DID document of an Ed25519 did:key (did:key method v0.7, Multikey representation)."""
    public = resolve_did_key(key_or_did) if isinstance(key_or_did, str) else _ed25519_public(key_or_did)
    did = did_key(public)
    method = did_key_verification_method(public)
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {"id": method, "type": "Multikey", "controller": did, "publicKeyMultibase": ed25519_multikey(public)}
        ],
        "authentication": [method],
        "assertionMethod": [method],
        "capabilityDelegation": [method],
        "capabilityInvocation": [method],
    }


def public_key_pem(key: rsa.RSAPrivateKey | rsa.RSAPublicKey | Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """SubjectPublicKeyInfo PEM of a public key (OB 2.0 ``CryptographicKey.publicKeyPem``)."""
    if isinstance(key, rsa.RSAPrivateKey | Ed25519PrivateKey):
        key = key.public_key()
    if not isinstance(key, rsa.RSAPublicKey | Ed25519PublicKey):
        raise SigningError("only RSA and Ed25519 keys are supported")
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def rsa_public_key_from_pem(pem: str | bytes) -> rsa.RSAPublicKey:
    """An RSA public key (≥ 2048 bits) from ``publicKeyPem``."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SigningError("cannot read the public key PEM") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise SigningError("the public key is not an RSA key")
    if key.key_size < _RSA_MIN_BITS:
        raise SigningError(f"RSA keys must have at least {_RSA_MIN_BITS} bits")
    return key


def crypto_key_document(key: rsa.RSAPrivateKey | rsa.RSAPublicKey, key_id: str, owner: str) -> dict[str, Any]:
    """The OB 2.0 ``CryptographicKey`` document to host at ``key_id`` (``verification.creator`` of assertions)."""
    if not isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        raise SigningError("OB 2.0 keys are RSA keys")
    return {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "CryptographicKey",
        "id": key_id,
        "owner": owner,
        "publicKeyPem": public_key_pem(key),
    }


# --------------------------------------------------------------------------------------------- shared helpers


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, Mapping) and isinstance(issuer.get("id"), str):
        return issuer["id"]
    return None


def _subject_id(credential: Mapping[str, Any]) -> str | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        return subject["id"]
    return None


def _parse_datetime(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise SigningError(f"{what} must be a date-time string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise SigningError(f"{what} is not an ISO 8601 date-time: {value!r}") from exc
    if parsed.tzinfo is None:
        raise SigningError(f"{what} must include a time zone (e.g. 'Z'): {value!r}")
    return parsed


def _epoch(value: Any, what: str) -> int:
    """Seconds since the epoch, floored (as JavaScript's Math.floor(Date.parse(x) / 1000))."""
    return math.floor(_parse_datetime(value, what).timestamp())


def _xsd_datetime(moment: datetime, what: str) -> str:
    if not isinstance(moment, datetime):
        raise SigningError(f"{what} must be a datetime")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise SigningError(f"{what} must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _require_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise SigningError(f"{what} must be a JSON object")
    try:
        # A JSON round trip: a deep copy that also refuses anything JSON cannot carry.
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise SigningError(f"{what} is not plain JSON: {exc}") from exc


def _contexts(document: Mapping[str, Any]) -> list[Any]:
    context = document.get("@context")
    return context if isinstance(context, list) else [context]


# --------------------------------------------------------------------------------------------- Data Integrity


def _di_hash(
    document: Mapping[str, Any],
    proof_config: Mapping[str, Any],
    extra_contexts: Mapping[str, Any] | None,
    canonical_document: str | None = None,
) -> bytes:
    """eddsa-rdfc-2022 hashData: SHA-256(canonical proof configuration) ‖ SHA-256(canonical document)."""
    if canonical_document is None:
        canonical_document = jsonld.canonize(document, extra_contexts=extra_contexts)
    proof_hash = hashlib.sha256(jsonld.canonize(proof_config, extra_contexts=extra_contexts).encode("utf-8")).digest()
    document_hash = hashlib.sha256(canonical_document.encode("utf-8")).digest()
    return proof_hash + document_hash


def add_proof(
    credential: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
    *,
    extra_contexts: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A copy of ``credential`` secured with a ``DataIntegrityProof`` / ``eddsa-rdfc-2022`` proof.

    ``proof`` is written as an array (the 1EdTech OB 3.0 JSON Schema types it as an array of Proof); proofs already
    present are kept and the new one is appended (a proof set: each proof signs the document without ``proof``).
    Refuses credentials with properties the contexts do not define (they would not be signed).
    ``extra_contexts`` (URL -> context document) adds offline contexts to the bundled ones, for test vectors.
    """
    if not isinstance(private_key, Ed25519PrivateKey):
        raise SigningError("eddsa-rdfc-2022 needs an Ed25519 private key")
    document = _require_dict(credential, "the credential")
    contexts = _contexts(document)
    if CREDENTIALS_V2 not in contexts and DATA_INTEGRITY_V2 not in contexts:
        raise SigningError(f"the credential's @context must include {CREDENTIALS_V2}")
    if not isinstance(verification_method, str) or not re.fullmatch(
        r"[A-Za-z][A-Za-z0-9+.-]*:\S+", verification_method
    ):
        raise SigningError("the verification method must be an absolute IRI (e.g. did:key:z6Mk…#z6Mk…)")
    if proof_purpose not in PROOF_PURPOSES:
        raise SigningError(f"unknown proof purpose {proof_purpose!r}")
    existing = document.pop("proof", None)
    existing_proofs = [] if existing is None else existing if isinstance(existing, list) else [existing]

    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": _xsd_datetime(created, "created"),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    try:
        # One expansion checks that every term is defined (else it would not be signed) and feeds the hash.
        canonical = jsonld.canonize_checked(document, extra_contexts=extra_contexts)
        data = _di_hash(document, {"@context": document["@context"], **proof}, extra_contexts, canonical)
    except jsonld.JsonLdError as exc:
        raise SigningError(str(exc)) from exc
    proof["proofValue"] = "z" + _b58encode(private_key.sign(data))
    return {**document, "proof": [*existing_proofs, proof]}


PublicKeyResolver = Callable[[str], Ed25519PublicKey]

#: Nesting a document may have to be verified (a real credential needs 6; JSON-LD processing recurses per level).
MAX_PROOF_DOCUMENT_DEPTH = 64
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _unprocessable(document: Any) -> str | None:
    """Why ``document`` cannot be canonicalised at all (so cannot carry a valid proof), or ``None``: nesting deeper
    than ``MAX_PROOF_DOCUMENT_DEPTH`` or text with a lone surrogate (not Unicode: it has no UTF-8 form to hash).
    Iterative, so that no document is too deep to be refused."""
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_PROOF_DOCUMENT_DEPTH:
            return f"the document is nested deeper than {MAX_PROOF_DOCUMENT_DEPTH} levels"
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return "the document contains text that is not valid Unicode (a lone surrogate)"
        elif isinstance(item, Mapping):
            for key, child in item.items():
                if isinstance(key, str) and _LONE_SURROGATE.search(key):
                    return "the document contains a key that is not valid Unicode (a lone surrogate)"
                stack.append((child, depth + 1))
        elif isinstance(item, list | tuple):
            stack.extend((child, depth + 1) for child in item)
    return None


def verify_proof(
    credential: Mapping[str, Any],
    public_key_resolver: PublicKeyResolver,
    *,
    expected_proof_purpose: str = "assertionMethod",
    now: datetime | None = None,
    extra_contexts: Mapping[str, Any] | None = None,
) -> list[str]:
    """Verify the credential's embedded ``eddsa-rdfc-2022`` proof(s); an empty list means valid, else the reasons.

    Every proof must be a ``DataIntegrityProof`` / ``eddsa-rdfc-2022`` whose verification method is controlled by
    the issuer (the IRI before ``#`` is the issuer id, as verifiers check for did:key) and resolves, through
    ``public_key_resolver(verification_method)``, to the key that made the signature. The proof configuration is
    rebuilt from the proof object itself (any option it carries is covered), not from what ``add_proof`` writes.
    """
    if not isinstance(credential, Mapping):
        return ["the credential is not a JSON object"]
    if "proof" not in credential:
        return ["the credential has no embedded proof"]
    raw_proofs = credential["proof"]
    proofs = raw_proofs if isinstance(raw_proofs, list) else [raw_proofs]
    if not proofs:
        return ["the credential's proof set is empty"]
    unprocessable = _unprocessable(credential)
    if unprocessable:
        return [f"cannot process the credential: {unprocessable}"]
    document = {key: value for key, value in credential.items() if key != "proof"}
    issuer = _issuer_id(credential)
    moment = now or datetime.now(UTC)

    problems: list[str] = []
    try:
        unsafe, expanded_document = jsonld.expand_checked(document, extra_contexts)
    except jsonld.JsonLdError as exc:
        return [f"cannot process the credential: {exc}"]
    problems += [f"not covered by the signature: {problem}" for problem in unsafe]
    document_canonical: str | None = None  # computed once, for the first proof that gets that far

    for index, proof in enumerate(proofs):
        label = f"proof[{index}]"
        if not isinstance(proof, Mapping):
            problems.append(f"{label} is not an object")
            continue
        if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
            problems.append(f"{label} is not a {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}")
            continue
        if proof.get("proofPurpose") != expected_proof_purpose:
            problems.append(f"{label} has proof purpose {proof.get('proofPurpose')!r}, not {expected_proof_purpose!r}")
            continue
        method = proof.get("verificationMethod")
        if not isinstance(method, str) or not method:
            problems.append(f"{label} has no verificationMethod")
            continue
        controller = method.split("#", 1)[0]
        if issuer is None or controller != issuer:
            problems.append(f"{label}: the issuer {issuer!r} does not control the verification method {method!r}")
            continue
        if "@context" in proof and _contexts(document)[: len(_contexts(proof))] != _contexts(proof):
            problems.append(f"{label}: its @context does not match the credential's")
            continue
        try:
            for field in ("created", "expires"):
                if field in proof:
                    _parse_datetime(proof[field], f"{label}.{field}")
            if "expires" in proof and _parse_datetime(proof["expires"], "expires") <= moment:
                problems.append(f"{label} has expired")
                continue
            signature = multibase_decode(proof.get("proofValue"), f"{label}.proofValue")
        except SigningError as exc:
            problems.append(str(exc))
            continue
        if len(signature) != 64:
            problems.append(f"{label}.proofValue is not a 64-byte Ed25519 signature")
            continue
        try:
            public_key = public_key_resolver(method)
        except Exception as exc:  # noqa: BLE001 - any resolver failure is a verification failure, reported
            problems.append(f"{label}: cannot resolve {method!r}: {exc}")
            continue
        if not isinstance(public_key, Ed25519PublicKey):
            problems.append(f"{label}: {method!r} does not resolve to an Ed25519 public key")
            continue
        config = {key: value for key, value in proof.items() if key != "proofValue"}
        config["@context"] = document.get("@context")
        try:
            unsigned_options, expanded_config = jsonld.expand_checked(config, extra_contexts)
            if unsigned_options:
                problems.append(f"{label} has options that the signature does not cover: {'; '.join(unsigned_options)}")
                continue
            proof_canonical = jsonld.canonize_expanded(expanded_config, extra_contexts)
            if document_canonical is None:
                document_canonical = jsonld.canonize_expanded(expanded_document, extra_contexts)
        except jsonld.JsonLdError as exc:
            problems.append(f"{label}: cannot canonicalise: {exc}")
            continue
        hash_data = (
            hashlib.sha256(proof_canonical.encode()).digest() + hashlib.sha256(document_canonical.encode()).digest()
        )
        try:
            public_key.verify(signature, hash_data)
        except InvalidSignature:
            problems.append(f"{label}: the signature does not match the credential")
    return problems


# --------------------------------------------------------------------------------------------- VC-JWT (OB 3.0 §8.2)


def sign_vc_jwt(
    credential: Mapping[str, Any], private_key: Ed25519PrivateKey, kid: str, include_jwk: bool = True
) -> str:
    """A VC-JWT (compact JWS, ``alg`` EdDSA) whose payload is the credential plus the registered claims.

    Claims mirror the credential: ``iss`` = issuer id, ``sub`` = credentialSubject.id (when the subject has one),
    ``jti`` = id, ``nbf`` = validFrom, ``exp`` = validUntil (when present), as NumericDate (seconds, floored).
    The header carries ``typ`` JWT, ``kid`` and, unless ``include_jwk`` is false, the public ``jwk``.
    """
    if not isinstance(private_key, Ed25519PrivateKey):
        raise SigningError("VC-JWT signing needs an Ed25519 private key (alg EdDSA)")
    if not isinstance(kid, str) or not kid.strip():
        raise SigningError("kid must be a non-empty string")
    payload = _require_dict(credential, "the credential")
    if "proof" in payload:
        raise SigningError("the credential already has an embedded proof; sign the unsecured credential")
    if "vc" in payload or any(claim in payload for claim in _JWT_CLAIMS):
        raise SigningError("the credential must not contain JWT claim names (vc, iss, sub, jti, nbf, exp, iat, aud)")
    issuer = _issuer_id(payload)
    if not issuer:
        raise SigningError("the credential has no issuer id")
    if not isinstance(payload.get("id"), str) or not payload["id"]:
        raise SigningError("the credential has no id (it becomes the jti claim)")
    if "validFrom" not in payload:
        raise SigningError("the credential has no validFrom (it becomes the nbf claim)")
    claims: dict[str, Any] = {"iss": issuer, "jti": payload["id"], "nbf": _epoch(payload["validFrom"], "validFrom")}
    subject = _subject_id(payload)
    if subject is not None:
        claims["sub"] = subject
    if "validUntil" in payload:
        claims["exp"] = _epoch(payload["validUntil"], "validUntil")
    if kid.startswith("did:key:") and kid.split("#", 1)[0] != did_key(private_key):
        raise SigningError("the did:key kid does not match the signing key")
    headers: dict[str, Any] = {"typ": "JWT", "kid": kid}
    if include_jwk:
        headers["jwk"] = ed25519_jwk(private_key)
    return jwt.encode({**payload, **claims}, private_key, algorithm="EdDSA", headers=headers)


KeyResolver = Callable[[str], Ed25519PublicKey]


def _unverified_header(token: Any) -> dict[str, Any]:
    if not isinstance(token, str) or token.count(".") != 2:
        raise SigningError("not a compact JWS (header.payload.signature)")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise SigningError(f"unreadable JWS header: {exc}") from exc
    if "crit" in header or "b64" in header:
        raise SigningError("JWS headers 'crit' and 'b64' are not supported")
    return header


def verify_vc_jwt(
    token: str, key_resolver: KeyResolver, *, now: datetime | None = None
) -> tuple[dict[str, Any] | None, list[str]]:
    """Verify a VC-JWT; returns ``(credential, problems)`` — valid when ``problems`` is empty.

    The algorithm is pinned to EdDSA. The key comes from ``key_resolver(kid)``; a ``jwk`` in the header is never
    trusted on its own, it must equal the resolved key. The credential (payload without registered claims) is
    returned only when the signature is valid; the claims must mirror it (OB 3.0 §8.2) and the validity period
    must include ``now``.
    """
    try:
        header = _unverified_header(token)
    except SigningError as exc:
        return None, [str(exc)]
    if header.get("alg") != "EdDSA":
        return None, [f"JWT algorithm {header.get('alg')!r} refused: only EdDSA is accepted"]
    if header.get("typ") not in (None, "JWT", "vc+jwt"):
        return None, [f"unexpected JWT typ {header.get('typ')!r}"]
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        return None, ["the JWT header has no kid"]
    try:
        public_key = key_resolver(kid)
    except Exception as exc:  # noqa: BLE001 - any resolver failure is a verification failure, reported
        return None, [f"cannot resolve kid {kid!r}: {exc}"]
    if not isinstance(public_key, Ed25519PublicKey):
        return None, [f"kid {kid!r} does not resolve to an Ed25519 public key"]
    if "jwk" in header:
        try:
            embedded = ed25519_from_jwk(header["jwk"])
        except SigningError as exc:
            return None, [f"jwk header: {exc}"]
        if _raw_public(embedded) != _raw_public(public_key):
            return None, ["the jwk header is not the key that kid resolves to"]
    try:
        payload = jwt.decode(
            token,
            key=public_key,
            algorithms=["EdDSA"],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False},
        )
    except jwt.InvalidSignatureError:
        return None, ["the JWT signature is invalid"]
    except jwt.PyJWTError as exc:
        return None, [f"invalid JWT: {exc}"]

    problems: list[str] = []
    if "vc" in payload:
        problems.append("the payload has a 'vc' claim; an OB 3.0 VC-JWT payload is the credential itself")
    credential = {key: value for key, value in payload.items() if key not in _JWT_CLAIMS}
    issuer = _issuer_id(credential)
    if payload.get("iss") is None or payload.get("iss") != issuer:
        problems.append(f"iss {payload.get('iss')!r} is not the issuer id {issuer!r}")
    subject = _subject_id(credential)
    if (subject is not None or "sub" in payload) and payload.get("sub") != subject:
        problems.append(f"sub {payload.get('sub')!r} is not credentialSubject.id {subject!r}")
    if payload.get("jti") is None or payload.get("jti") != credential.get("id"):
        problems.append(f"jti {payload.get('jti')!r} is not the credential id {credential.get('id')!r}")
    moment = math.floor((now or datetime.now(UTC)).timestamp())
    try:
        valid_from = _epoch(credential.get("validFrom"), "validFrom")
        if payload.get("nbf") != valid_from:
            problems.append(f"nbf {payload.get('nbf')!r} does not match validFrom {credential.get('validFrom')!r}")
        if "validUntil" in credential:
            valid_until = _epoch(credential["validUntil"], "validUntil")
            if payload.get("exp") != valid_until:
                problems.append(f"exp {payload.get('exp')!r} does not match validUntil {credential['validUntil']!r}")
    except SigningError as exc:
        problems.append(str(exc))
    nbf, exp = payload.get("nbf"), payload.get("exp")
    if isinstance(nbf, int) and nbf > moment:
        problems.append("the credential is not valid yet (nbf)")
    if exp is not None and (not isinstance(exp, int) or exp <= moment):  # RFC 7519 §4.1.4: valid only before exp
        problems.append("the credential has expired (exp)")
    if kid.startswith("did:key:") and kid.split("#", 1)[0] != issuer:
        problems.append(f"the signing did:key {kid.split('#', 1)[0]!r} is not the issuer {issuer!r}")
    return credential, problems


# --------------------------------------------------------------------------------------------- OB 2.0 JWS (RS256)


def _canonical_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def sign_jws(assertion: Mapping[str, Any], private_key: rsa.RSAPrivateKey) -> str:
    """An OB 2.0 signed assertion: compact JWS with header ``{"alg": "RS256"}`` over the assertion JSON."""
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise SigningError("OB 2.0 signing needs an RSA private key (RS256)")
    if private_key.key_size < _RSA_MIN_BITS:
        raise SigningError(f"RSA keys must have at least {_RSA_MIN_BITS} bits")
    payload = _require_dict(assertion, "the assertion")
    return jwt.PyJWS().encode(_canonical_json(payload), private_key, algorithm="RS256", headers={"typ": None})


def verify_jws(token: str, public_key: rsa.RSAPublicKey | str | bytes) -> dict[str, Any]:
    """Verify an OB 2.0 JWS (RS256 only) and return the assertion; raises ``SigningError`` when invalid."""
    if isinstance(public_key, str | bytes):
        public_key = rsa_public_key_from_pem(public_key)
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise SigningError("OB 2.0 verification needs an RSA public key")
    if public_key.key_size < _RSA_MIN_BITS:
        raise SigningError(f"RSA keys must have at least {_RSA_MIN_BITS} bits")
    header = _unverified_header(token)
    if header.get("alg") != "RS256":
        raise SigningError(f"JWS algorithm {header.get('alg')!r} refused: only RS256 is accepted")
    try:
        payload = jwt.PyJWS().decode(token, key=public_key, algorithms=["RS256"])
    except jwt.InvalidSignatureError as exc:
        raise SigningError("the JWS signature is invalid") from exc
    except jwt.PyJWTError as exc:
        raise SigningError(f"invalid JWS: {exc}") from exc
    try:
        assertion = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as exc:
        raise SigningError("the JWS payload is not JSON") from exc
    if not isinstance(assertion, dict):
        raise SigningError("the JWS payload is not a JSON object")
    return assertion
