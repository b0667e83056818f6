"""OpenID for Verifiable Credential Issuance 1.0 (final), pre-authorized code flow: the protocol, pure.

No Flask, no database. What lives here: the issuer and authorization-server metadata, the credential offer and
its URI, the ``tx_code`` and token digests, the ``c_nonce`` (stateless: a timestamp, random bytes and an HMAC
under a secret of the instance), and the check of a key proof JWT (``typ`` ``openid4vci-proof+jwt``, ``aud``,
``nonce``, ``iat``, signature with the holder's key named by ``kid`` — ``did:key`` or ``did:jwk`` — or given as
``jwk``). The holder's DID that the credential is issued to comes out of that check: the ``kid``'s DID, or a
``did:jwk`` of the ``jwk`` header.

Errors are :class:`Oid4vciError` with the spec's codes (§8.3.1.2 credential errors, RFC 6749 §5.2 token errors).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from badges import signing

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
OFFER_SCHEME = "openid-credential-offer://"
ALGORITHMS = ("EdDSA", "ES256")
BINDING_METHODS = ("did:key", "did:jwk", "jwk")

LDP_VC = "OpenBadgeCredential_ldp_vc"
JWT_VC_JSON = "OpenBadgeCredential_jwt_vc_json"
CONFIGURATIONS = (LDP_VC, JWT_VC_JSON)
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
]

OFFER_TTL_SECONDS = 600  # an offer lives 10 minutes, and is used once
TOKEN_TTL_SECONDS = 600
NONCE_TTL_SECONDS = 300
#: A key proof's ``iat`` may be this much in the past (wallets back-date it: Sphereon's client by 60 s) …
IAT_PAST_SECONDS = 300
#: … or this much in the future (clock skew).
IAT_FUTURE_SECONDS = 60
TX_CODE_LENGTH = 6
TX_CODE_ATTEMPTS = 3  # wrong codes before the offer is spent

_B64URL = re.compile(r"^[A-Za-z0-9_-]+$")
_P256_PUB_PREFIX = b"\x80\x24"  # multicodec p256-pub (0x1200), varint
_ED25519_PUB_PREFIX = b"\xed\x01"


class Oid4vciError(Exception):
    """A refusal the spec names: ``error`` (e.g. ``invalid_proof``), a description for the integrator, the HTTP
    status (400 unless said otherwise)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


# ------------------------------------------------------------------------------------------------ metadata


@dataclass(frozen=True)
class Display:
    """The issuer's and the credential's names, per language (``{lang: text}``)."""

    issuer_name: str
    credential_name: Mapping[str, str]
    credential_description: Mapping[str, str]
    logo_url: str | None = None


def _configuration(fmt: str, display: Display) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": list(CREDENTIAL_TYPES)}
    if fmt == "ldp_vc":
        definition = {"@context": list(CONTEXTS), **definition}
    out: dict[str, Any] = {
        "format": fmt,
        "scope": "OpenBadgeCredential",
        "credential_definition": definition,
        "cryptographic_binding_methods_supported": list(BINDING_METHODS),
        "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"] if fmt == "ldp_vc" else ["EdDSA"],
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": list(ALGORITHMS)}},
        "credential_metadata": {
            "display": [
                {
                    "name": name,
                    "locale": lang,
                    **(
                        {"description": display.credential_description[lang]}
                        if lang in display.credential_description
                        else {}
                    ),
                }
                for lang, name in display.credential_name.items()
            ]
        },
    }
    if fmt == "ldp_vc":
        out["cryptographic_suites_supported"] = ["eddsa-rdfc-2022"]
    # Wallets written to drafts 13-15 read ``display`` beside the format; 1.0 reads ``credential_metadata``.
    out["display"] = out["credential_metadata"]["display"]
    return out


def issuer_metadata(
    issuer_id: str, *, credential_endpoint: str, nonce_endpoint: str, display: Display
) -> dict[str, Any]:
    """Credential Issuer Metadata (§12.2.4) at ``/.well-known/openid-credential-issuer``: the OB 3.0 credential as
    ``ldp_vc`` (Data Integrity ``eddsa-rdfc-2022``) and as ``jwt_vc_json`` (VC-JWT ``EdDSA``)."""
    issuer_display: dict[str, Any] = {"name": display.issuer_name}
    if display.logo_url:
        issuer_display["logo"] = {"uri": display.logo_url}
    return {
        "credential_issuer": issuer_id,
        "authorization_servers": [issuer_id],
        "credential_endpoint": credential_endpoint,
        "nonce_endpoint": nonce_endpoint,
        "display": [{**issuer_display, "locale": lang} for lang in display.credential_name],
        "credential_configurations_supported": {
            LDP_VC: _configuration("ldp_vc", display),
            JWT_VC_JSON: _configuration("jwt_vc_json", display),
        },
    }


def authorization_server_metadata(issuer_id: str, *, token_endpoint: str) -> dict[str, Any]:
    """OAuth 2.0 Authorization Server Metadata (RFC 8414) at ``/.well-known/oauth-authorization-server``."""
    return {
        "issuer": issuer_id,
        "token_endpoint": token_endpoint,
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
        "response_types_supported": [],
    }


# ------------------------------------------------------------------------------------------------ offer


def new_secret() -> str:
    """A pre-authorized code or an access token: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def new_tx_code() -> str:
    """The transaction code sent by e-mail: six digits."""
    return "".join(secrets.choice("0123456789") for _ in range(TX_CODE_LENGTH))


def digest(secret: str) -> str:
    """What the database keeps of a code or a token: its SHA-256."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def tx_code_digest(pre_authorized_code: str, tx_code: str) -> str:
    """The ``tx_code``'s digest, salted with the pre-authorized code (which the database does not keep)."""
    return hashlib.sha256(f"{pre_authorized_code}\0{tx_code}".encode()).hexdigest()


def tx_code_matches(pre_authorized_code: str, tx_code: Any, stored_digest: str) -> bool:
    if not isinstance(tx_code, str) or len(tx_code) > 64:
        return False
    return hmac.compare_digest(tx_code_digest(pre_authorized_code, tx_code), stored_digest)


def credential_offer(
    issuer_id: str, pre_authorized_code: str, *, with_tx_code: bool, tx_code_description: str | None = None
) -> dict[str, Any]:
    """The Credential Offer (§4.1.1): both configurations, the pre-authorized code grant, and the ``tx_code``
    description when the offer needs one (six digits, sent by e-mail)."""
    grant: dict[str, Any] = {"pre-authorized_code": pre_authorized_code}
    if with_tx_code:
        grant["tx_code"] = {"input_mode": "numeric", "length": TX_CODE_LENGTH}
        if tx_code_description:
            grant["tx_code"]["description"] = tx_code_description[:300]
    return {
        "credential_issuer": issuer_id,
        "credential_configuration_ids": list(CONFIGURATIONS),
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


def offer_uri(offer: Mapping[str, Any]) -> str:
    """``openid-credential-offer://?credential_offer=<the offer, URL-encoded JSON>`` (§4.1)."""
    text = json.dumps(offer, separators=(",", ":"), ensure_ascii=False)
    return f"{OFFER_SCHEME}?credential_offer={quote(text, safe='')}"


# ------------------------------------------------------------------------------------------------ nonce


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    if not _B64URL.fullmatch(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _nonce_mac(secret: bytes, body: bytes) -> bytes:
    return hmac.new(secret, b"tremplin-oid4vci-nonce\0" + body, hashlib.sha256).digest()[:16]


def make_nonce(secret: bytes, now: datetime) -> str:
    """A fresh ``c_nonce``: the time it was made, 16 random bytes and an HMAC of both (nothing stored)."""
    body = struct.pack(">Q", int(now.timestamp())) + secrets.token_bytes(16)
    return _b64url(body + _nonce_mac(secret, body))


def check_nonce(secret: bytes, nonce: Any, now: datetime, ttl: int = NONCE_TTL_SECONDS) -> None:
    """``Oid4vciError(invalid_nonce)`` unless ``nonce`` was made here less than ``ttl`` seconds ago."""
    if not isinstance(nonce, str) or not nonce or len(nonce) > 100:
        raise Oid4vciError("invalid_nonce", "The key proof has no nonce: ask the nonce endpoint for one.")
    try:
        raw = _b64url_decode(nonce)
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != 40 or not hmac.compare_digest(raw[24:], _nonce_mac(secret, raw[:24])):
        raise Oid4vciError("invalid_nonce", "The nonce was not made by this issuer: ask the nonce endpoint.")
    made = struct.unpack(">Q", raw[:8])[0]
    if not made <= now.timestamp() + 1 or now.timestamp() - made > ttl:
        raise Oid4vciError("invalid_nonce", "The nonce is stale: ask the nonce endpoint for a fresh one.")


# ------------------------------------------------------------------------------------------------ holder keys


@dataclass(frozen=True)
class HolderKey:
    """The key a proof was signed with: ``did`` (what ``credentialSubject.id`` becomes), its public ``jwk``, and
    ``binding`` (``did:key``, ``did:jwk`` or ``jwk``)."""

    did: str
    jwk: dict[str, str]
    binding: str


def _public_jwk(jwk: Any) -> dict[str, str]:
    """The public members of an Ed25519 or P-256 JWK (refused: a private key, any other kind of key)."""
    if not isinstance(jwk, Mapping):
        raise Oid4vciError("invalid_proof", "The jwk header is not a JSON object.")
    if "d" in jwk:
        raise Oid4vciError("invalid_proof", "The jwk header contains a private key.")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        out = {"kty": "OKP", "crv": "Ed25519", "x": jwk.get("x")}
    elif kty == "EC" and crv == "P-256":
        out = {"kty": "EC", "crv": "P-256", "x": jwk.get("x"), "y": jwk.get("y")}
    else:
        raise Oid4vciError("invalid_proof", "Only Ed25519 (EdDSA) and P-256 (ES256) keys are accepted.")
    if not all(isinstance(value, str) and len(value) < 100 for value in out.values()):
        raise Oid4vciError("invalid_proof", "The jwk header is incomplete.")
    return out  # type: ignore[return-value]


def did_jwk(jwk: Mapping[str, Any]) -> str:
    """``did:jwk:<base64url of the public JWK>`` (did:jwk method: members in lexicographic order)."""
    public = _public_jwk(jwk)
    return "did:jwk:" + _b64url(json.dumps(public, sort_keys=True, separators=(",", ":")).encode())


def _jwk_from_did_jwk(did: str) -> dict[str, str]:
    try:
        document = json.loads(_b64url_decode(did.removeprefix("did:jwk:")))
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise Oid4vciError("invalid_proof", "The did:jwk in kid cannot be read.") from exc
    return _public_jwk(document)


def _jwk_from_did_key(did: str) -> dict[str, str]:
    multikey = did.removeprefix("did:key:")
    if multikey.startswith("z6Mk"):
        try:
            return signing.ed25519_jwk(signing.resolve_did_key(did))
        except signing.SigningError as exc:
            raise Oid4vciError("invalid_proof", f"The did:key in kid cannot be read: {exc}") from exc
    try:
        raw = signing.multibase_decode(multikey, "did:key")
    except signing.SigningError as exc:
        raise Oid4vciError("invalid_proof", f"The did:key in kid cannot be read: {exc}") from exc
    if raw.startswith(_P256_PUB_PREFIX) and len(raw) == 35:
        try:
            point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[2:])
        except ValueError as exc:
            raise Oid4vciError("invalid_proof", "The did:key is not a P-256 point.") from exc
        numbers = point.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": _b64url(numbers.x.to_bytes(32, "big")),
            "y": _b64url(numbers.y.to_bytes(32, "big")),
        }
    raise Oid4vciError("invalid_proof", "Only Ed25519 and P-256 did:key identifiers are accepted.")


def holder_key(header: Mapping[str, Any]) -> HolderKey:
    """The holder's key named by a proof's header: ``kid`` (a did:key or did:jwk DID URL) or ``jwk``, not both."""
    kid, jwk_header = header.get("kid"), header.get("jwk")
    if "x5c" in header or (kid is not None and jwk_header is not None):
        raise Oid4vciError("invalid_proof", "Name the key once: kid (did:key, did:jwk) or jwk.")
    if jwk_header is not None:
        public = _public_jwk(jwk_header)
        return HolderKey(did_jwk(public), public, "jwk")
    if not isinstance(kid, str) or not kid or len(kid) > 1000:
        raise Oid4vciError("invalid_proof", "The key proof names no key (kid or jwk).")
    did, _, fragment = kid.partition("#")
    if did.startswith("did:key:"):
        public = _jwk_from_did_key(did)
        if fragment and fragment != did.removeprefix("did:key:"):
            raise Oid4vciError("invalid_proof", "A did:key's fragment must repeat the key.")
        return HolderKey(did, public, "did:key")
    if did.startswith("did:jwk:"):
        if fragment not in ("", "0"):
            raise Oid4vciError("invalid_proof", "A did:jwk's only key is #0.")
        public = _jwk_from_did_jwk(did)
        return HolderKey(did, public, "did:jwk")
    raise Oid4vciError("invalid_proof", "The kid must be a did:key or a did:jwk (or send the key as jwk).")


def _verifying_key(public: Mapping[str, str], alg: str):
    if alg == "EdDSA" and public["kty"] == "OKP":
        try:
            return signing.ed25519_from_jwk(public)
        except signing.SigningError as exc:
            raise Oid4vciError("invalid_proof", f"The holder's key cannot be read: {exc}") from exc
    if alg == "ES256" and public["kty"] == "EC":
        try:
            return jwt.PyJWK(dict(public), algorithm="ES256").key
        except jwt.PyJWTError as exc:
            raise Oid4vciError("invalid_proof", f"The holder's key cannot be read: {exc}") from exc
    raise Oid4vciError("invalid_proof", f"The algorithm {alg} does not match the holder's key.")


def verify_key_proof(
    token: Any,
    *,
    audience: str,
    now: datetime,
    nonce_check: Callable[[Any], None],
) -> HolderKey:
    """Check a key proof JWT (§F.1) and return the holder's key. ``nonce_check(nonce)`` raises ``invalid_nonce``
    for a nonce this issuer did not make, or made too long ago (see :func:`check_nonce`)."""
    if not isinstance(token, str) or token.count(".") != 2 or len(token) > 20_000:
        raise Oid4vciError("invalid_proof", "The key proof is not a compact JWT.")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise Oid4vciError("invalid_proof", f"The key proof's header cannot be read: {exc}") from exc
    if header.get("typ") != PROOF_TYP:
        raise Oid4vciError("invalid_proof", f"The key proof's typ must be {PROOF_TYP}.")
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise Oid4vciError("invalid_proof", f"The key proof's alg must be one of {', '.join(ALGORITHMS)}.")
    if "crit" in header:
        raise Oid4vciError("invalid_proof", "The key proof's crit header is not supported.")
    holder = holder_key(header)
    key = _verifying_key(holder.jwk, alg)
    if isinstance(key, Ed25519PublicKey) != (alg == "EdDSA"):
        raise Oid4vciError("invalid_proof", f"The algorithm {alg} does not match the holder's key.")
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=[alg],
            audience=audience,
            options={"require": ["aud", "iat"], "verify_exp": True, "verify_nbf": True, "verify_iat": False},
            leeway=IAT_FUTURE_SECONDS,
        )
    except jwt.InvalidSignatureError as exc:
        raise Oid4vciError("invalid_proof", "The key proof's signature does not match the holder's key.") from exc
    except jwt.InvalidAudienceError as exc:
        raise Oid4vciError("invalid_proof", f"The key proof's aud must be {audience}.") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise Oid4vciError("invalid_proof", f"The key proof has no {exc.claim} claim.") from exc
    except jwt.PyJWTError as exc:
        raise Oid4vciError("invalid_proof", f"The key proof is not valid: {exc}") from exc
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise Oid4vciError("invalid_proof", "The key proof's iat must be a number of seconds.")
    moment = now.timestamp()
    if iat > moment + IAT_FUTURE_SECONDS or iat < moment - IAT_PAST_SECONDS:
        raise Oid4vciError("invalid_proof", "The key proof's iat is too far from now: make a new proof.")
    nonce_check(claims.get("nonce"))
    return holder
