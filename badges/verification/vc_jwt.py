"""OB 3.0 VC-JWT (OB 3.0 §8.2): a compact JWS whose payload is the credential plus the registered claims.

Algorithms: ``EdDSA`` (Ed25519), ``RS256`` (RSA, 2048 to 8192 bits; OB 3.0 requires it) and ``ES256`` (P-256).
The algorithm is the one of the *key*, never chosen by the header alone: a header ``alg`` that does not match the
key type fails. ``none`` and ``HS*`` (a shared secret, meaningless for a public badge) fail; any other algorithm
(``ES384``, ``PS256``...) is *unsupported* (indeterminate). ``crit`` and ``b64`` headers are refused.

Where the key comes from, in this order:

* ``kid``: a ``did:key``, ``did:jwk`` (``#0``), ``did:web`` method or an https URL (a JWK or a verification method
  document, fetched through the resolver); a relative ``kid`` (``#0``, ``#key-1``) is resolved against the issuer
  id. The issuer must control the ``kid`` (the ``issuer-key`` check: the DID or URL before ``#`` is the issuer id,
  or the fetched method names the issuer as its ``controller``). A ``jwk`` header next to a ``kid`` must be the
  same key;
* no ``kid``, a ``jwk`` header: accepted only when the issuer is the ``did:jwk`` of exactly that key — a key in
  the header proves nothing by itself, since anyone can put their own key there.

Claims must mirror the credential: ``iss`` = issuer id, ``jti`` = ``id``, ``sub`` = ``credentialSubject.id`` (when
either is present), ``nbf`` = ``validFrom``, ``exp`` = ``validUntil`` (``exp`` without ``validUntil`` fails).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from badges.verification.common import clip, id_of, parse_date
from badges.verification.fetcher import Context
from badges.verification.inputs import jws_parts
from badges.verification.keys import KeyNotFound, KeyUnreachable, PublicKey, did_jwk_key, header_jwk_key, key_for
from badges.verification.messages import (
    MSG_JWT_CLAIMS,
    MSG_KEY_NOT_FOUND,
    MSG_KEY_UNREACHABLE,
    MSG_PROOF_UNSUPPORTED,
    MSG_SIGNATURE_BAD,
    MSG_SIGNATURE_OK,
)
from badges.verification.verdict import Check

JWT_CLAIMS = frozenset({"iss", "sub", "jti", "nbf", "exp", "iat", "aud"})  # what VC-JWT adds to the credential
SUPPORTED_ALGORITHMS = frozenset({"EdDSA", "RS256", "ES256"})
REFUSED_ALGORITHMS = frozenset({"none", "HS256", "HS384", "HS512"})
#: PyJWT's signature algorithms (``jwt.decode`` would parse and decode the token a second time: see ``_signed_parts``).
ALGORITHMS = {name: jwt.get_algorithm_by_name(name) for name in SUPPORTED_ALGORITHMS}
SEGMENT_RE = re.compile(r"[A-Za-z0-9_-]*")
B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def algorithm_of(key: PublicKey) -> str | None:
    """The one JWS algorithm this verifier accepts for ``key``."""
    if isinstance(key, Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, rsa.RSAPublicKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return "ES256"
    return None


def _same_key(one: PublicKey, other: PublicKey) -> bool:
    """Whether two keys are the same public key. Keys read from a ``jwk`` header or a ``did:jwk`` are remembered as
    one object per key (``keys.same_key_object``): the same object is the same key, without serialising either."""
    return one is other or one.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo) == other.public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    )


def _epoch(value: Any) -> int | None:
    moment = parse_date(value) if isinstance(value, str) else None
    return math.floor(moment.timestamp()) if moment is not None else None


def _claim_problems(payload: dict[str, Any], credential: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    if "vc" in payload:
        problems.append("the payload has a 'vc' claim; an OB 3.0 VC-JWT payload is the credential itself")
    issuer = id_of(credential.get("issuer"))
    if payload.get("iss") is None or payload.get("iss") != issuer:
        problems.append(f"iss {str(payload.get('iss'))[:100]!r} is not the issuer id")
    subject = credential.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    if (subject_id is not None or "sub" in payload) and payload.get("sub") != subject_id:
        problems.append("sub is not credentialSubject.id")
    if payload.get("jti") is None or payload.get("jti") != credential.get("id"):
        problems.append("jti is not the credential id")
    valid_from = _epoch(credential.get("validFrom"))
    if valid_from is None or payload.get("nbf") != valid_from:
        problems.append("nbf does not match validFrom")
    if "validUntil" in credential and payload.get("exp") != _epoch(credential["validUntil"]):
        problems.append("exp does not match validUntil")
    if "exp" in payload and "validUntil" not in credential:
        problems.append("exp claim without validUntil")  # the exp would otherwise go unchecked
    return problems


def _key(ctx: Context, header: dict[str, Any], issuer: str | None) -> tuple[PublicKey, str]:
    """The verification key and the method it stands for (what the ``issuer-key`` check ties to the issuer)."""
    kid = header.get("kid")
    if isinstance(kid, str) and kid:
        method = f"{issuer}{kid}" if kid.startswith("#") and isinstance(issuer, str) else kid
        key = key_for(ctx, method)
        if "jwk" in header and not _same_key(header_jwk_key(header["jwk"]), key):
            raise KeyNotFound("the jwk header is not the key that kid resolves to")
        return key, method
    if "jwk" in header:
        if not (isinstance(issuer, str) and issuer.startswith("did:jwk:")):
            raise KeyNotFound("a jwk header alone is trusted only when the issuer is the did:jwk of that key")
        key = header_jwk_key(header["jwk"])
        if not _same_key(did_jwk_key(issuer), key):
            raise KeyNotFound("the jwk header is not the issuer's did:jwk key")
        return key, f"{issuer}#0"
    raise KeyNotFound("the JWT header has neither kid nor jwk")


def canonical_segment(segment: str) -> bool:
    """Whether ``segment`` is canonical unpadded base64url (PyJWT's test: it re-encodes to itself): the alphabet,
    no impossible length, and the bits past the last whole byte all zero."""
    if not SEGMENT_RE.fullmatch(segment):
        return False
    spare = {0: 0, 2: 0b1111, 3: 0b11}.get(len(segment) % 4)
    return spare is not None and (not segment or not B64URL_ALPHABET.index(segment[-1]) & spare)


def _signed_parts(token: str) -> tuple[bytes, bytes] | None:
    """``(signing input, signature)`` of a compact JWS whose three segments are canonical base64url (what PyJWT's
    own parser demands), or ``None``. The header and payload were read once, by ``inputs.jws_parts``."""
    segments = token.split(".")
    if len(segments) != 3 or not all(canonical_segment(segment) for segment in segments):
        return None
    signature = segments[2]
    try:
        decoded = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    except (binascii.Error, ValueError):
        return None
    return f"{segments[0]}.{segments[1]}".encode("ascii"), decoded


def verify_vc_jwt(
    ctx: Context, token: str, parts: tuple[dict[str, Any], dict[str, Any]] | None = None
) -> tuple[dict[str, Any] | None, Check, list[Any]]:
    """``(credential or None, signature check, [method])``: the credential only when the signature is valid.
    ``parts``: the token's ``(header, payload)`` as ``inputs.jws_parts`` read them, when the caller has them."""
    header, payload = parts if parts is not None else jws_parts(token)
    alg = header.get("alg")
    if "crit" in header or "b64" in header:
        return None, Check("signature", "failed", MSG_SIGNATURE_BAD, {"detail": "crit/b64 headers refused"}), []
    if not isinstance(alg, str) or alg in REFUSED_ALGORITHMS or alg.upper().startswith("HS"):
        return None, Check("signature", "failed", MSG_SIGNATURE_BAD, {"detail": f"algorithm {alg!r} refused"}), []
    if alg not in SUPPORTED_ALGORITHMS:
        return None, Check("signature", "indeterminate", MSG_PROOF_UNSUPPORTED, {"type": clip(f"VC-JWT {alg}")}), []
    if header.get("typ") not in (None, "JWT", "vc+jwt", "vc+ld+jwt"):
        return None, Check("signature", "failed", MSG_SIGNATURE_BAD, {"detail": "unexpected typ"}), []
    if "kid" in header and not isinstance(header["kid"], str):
        return None, Check("signature", "failed", MSG_SIGNATURE_BAD, {"detail": "the kid header is not a string"}), []
    issuer = id_of(payload.get("issuer"))
    try:
        key, method = _key(ctx, header, issuer)
    except KeyUnreachable as exc:
        params = {"url": clip(ctx.unreachable[0] if ctx.unreachable else ""), "detail": clip(str(exc))}
        return None, Check("signature", "indeterminate", MSG_KEY_UNREACHABLE, params), []
    except KeyNotFound as exc:
        kid = header.get("kid")
        return None, Check("signature", "failed", MSG_KEY_NOT_FOUND, {"detail": clip(str(exc))}), [kid] if kid else []
    expected = algorithm_of(key)
    if expected is None:
        return None, Check("signature", "indeterminate", MSG_PROOF_UNSUPPORTED, {"type": "VC-JWT key"}), [method]
    if alg != expected:
        detail = {"detail": f"the header says {alg} but the key is for {expected}"}
        return None, Check("signature", "failed", MSG_SIGNATURE_BAD, detail), [method]
    signed = _signed_parts(token)
    if signed is None:
        return None, Check("signature", "failed", MSG_SIGNATURE_BAD, {"detail": "invalid base64url"}), [method]
    algorithm = ALGORITHMS[expected]
    if not algorithm.verify(signed[0], algorithm.prepare_key(key), signed[1]):
        return (
            None,
            Check("signature", "failed", MSG_SIGNATURE_BAD, {"detail": "Signature verification failed"}),
            [method],
        )
    problems = [
        f"{claim} is not a string"
        for claim in ("sub", "jti")
        if claim in payload and not isinstance(payload[claim], str)
    ]
    credential = {name: value for name, value in payload.items() if name not in JWT_CLAIMS}
    problems += _claim_problems(payload, credential)
    if problems:
        return None, Check("signature", "failed", MSG_JWT_CLAIMS, {"detail": clip("; ".join(problems))}), [method]
    return credential, Check("signature", "passed", MSG_SIGNATURE_OK), [method]
