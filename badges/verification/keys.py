"""Keys of verification methods: ``did:key`` and ``did:jwk`` resolved offline, anything else via the resolver."""

from __future__ import annotations

import re

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from badges import signing
from badges.verification.common import b64url_decode
from badges.verification.fetcher import Context
from badges.verification.inputs import load_json

MAX_METHOD_LENGTH = 2048
DID_JWK_RE = re.compile(r"^did:jwk:([A-Za-z0-9_-]{1,1024})(?:#0)?$")


def did_jwk_key(did_url: str) -> Ed25519PublicKey:
    """The Ed25519 key a ``did:jwk`` encodes (its only verification method is ``#0``), offline."""
    match = DID_JWK_RE.match(did_url) if isinstance(did_url, str) else None
    if not match:
        raise signing.SigningError("not a did:jwk identifier (or not its #0 verification method)")
    try:
        jwk = load_json(b64url_decode(match.group(1)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise signing.SigningError("the did:jwk does not encode a JSON JWK") from exc
    if not isinstance(jwk, dict):
        raise signing.SigningError("the did:jwk does not encode a JSON JWK")
    return signing.ed25519_from_jwk(jwk)


def did_of(method: str) -> str:
    return method.split("#", 1)[0]


def key_for(ctx: Context, method: str) -> Ed25519PublicKey:
    """An Ed25519 key for a verification method: did:key and did:jwk offline, anything else via the resolver."""
    if not isinstance(method, str) or len(method) > MAX_METHOD_LENGTH:
        raise signing.SigningError("unusable verification method")
    if method.startswith("did:key:"):
        return signing.resolve_did_key(method)
    if method.startswith("did:jwk:"):
        return did_jwk_key(method)
    key = ctx.fetch.ed25519_key(method)
    if key is None:
        ctx.unresolved.append(method)
        raise signing.SigningError(f"no Ed25519 key found for {method[:200]!r}")
    return key
