"""A test holder's keys and key proofs for OpenID4VCI, made with ``cryptography`` and PyJWT (not Tremplin's code)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _B58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Holder:
    """``kind``: ``did:key`` (Ed25519, EdDSA), ``did:jwk`` (P-256, ES256) or ``jwk`` (P-256 in the header)."""

    def __init__(self, kind: str = "did:key") -> None:
        self.kind = kind
        if kind == "did:key":
            self.key: Any = Ed25519PrivateKey.generate()
            raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            multikey = "z" + _b58(b"\xed\x01" + raw)
            self.did = f"did:key:{multikey}"
            self.kid: str | None = f"{self.did}#{multikey}"
            self.alg = "EdDSA"
        else:
            self.key = ec.generate_private_key(ec.SECP256R1())
            numbers = self.key.public_key().public_numbers()
            self.jwk = {
                "kty": "EC",
                "crv": "P-256",
                "x": _b64url(numbers.x.to_bytes(32, "big")),
                "y": _b64url(numbers.y.to_bytes(32, "big")),
            }
            self.did = "did:jwk:" + _b64url(json.dumps(self.jwk, sort_keys=True, separators=(",", ":")).encode())
            self.kid = f"{self.did}#0" if kind == "did:jwk" else None
            self.alg = "ES256"

    def proof(self, audience: str, nonce: str | None, *, iat: float | None = None, key=None, **header) -> str:
        headers: dict[str, Any] = {"typ": "openid4vci-proof+jwt"}
        if self.kid:
            headers["kid"] = self.kid
        else:
            headers["jwk"] = self.jwk
        headers.update(header)
        claims: dict[str, Any] = {"aud": audience, "iat": int(iat if iat is not None else time.time())}
        if nonce is not None:
            claims["nonce"] = nonce
        return jwt.encode(claims, key or self.key, algorithm=self.alg, headers=headers)
