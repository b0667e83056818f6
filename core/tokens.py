"""Signed, expiring, single-use tokens (PyJWT, HS256 pinned) for invitations and password resets.

A token names its purpose and its user, carries a random ``jti`` recorded once used, and a fingerprint of
the user's password state: setting a password therefore also voids every other outstanding token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt
from flask import current_app

from core.db import db, utcnow
from core.models import UsedToken, User

ALGORITHM = "HS256"
PURPOSES = frozenset({"invite", "reset"})


class TokenError(ValueError):
    """The token is invalid, expired, already used or meant for something else."""


def _key() -> bytes:
    # A key of its own, derived from SECRET_KEY, so that tokens and session cookies never share one.
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"tremplin/tokens/v1", hashlib.sha256).digest()


def _fingerprint(user: User) -> str:
    state = f"{user.id}:{user.password_hash or ''}:{user.active}".encode()
    return hmac.new(_key(), state, hashlib.sha256).hexdigest()[:32]


def make(user: User, purpose: str, ttl_seconds: int) -> str:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    now = utcnow()
    claims = {
        "sub": str(user.uuid),
        "purpose": purpose,
        "fp": _fingerprint(user),
        "jti": secrets.token_urlsafe(24),
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
    }
    return jwt.encode(claims, _key(), algorithm=ALGORITHM)


@dataclass(frozen=True)
class Checked:
    user: User
    jti: str
    purpose: str


def check(token: str, purpose: str) -> Checked:
    """Return the token's user if the token is valid for ``purpose``; raise ``TokenError`` otherwise."""
    claims = verify(token, purpose, require=("fp", "jti", "iat"))
    user = db.session.scalar(db.select(User).where(User.uuid == _uuid(claims["sub"])))
    if user is None:
        raise TokenError("unknown user")
    if not hmac.compare_digest(str(claims["fp"]), _fingerprint(user)):
        raise TokenError("already used")
    if db.session.get(UsedToken, claims["jti"]) is not None:
        raise TokenError("already used")
    return Checked(user=user, jti=claims["jti"], purpose=purpose)


def consume(checked: Checked) -> None:
    """Mark a checked token as used, in the current transaction."""
    db.session.add(UsedToken(jti=checked.jti, purpose=checked.purpose, used_at=utcnow()))


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError) as exc:
        raise TokenError("invalid") from exc


def sign(purpose: str, subject: str, ttl_seconds: int, **claims) -> str:
    """A signed, expiring token for one purpose and one subject that is not a user account (e.g. the link a
    placement referent uses without an account). Reusable until it expires; revoke by changing a claim
    the verifier compares (a version number)."""
    if purpose in PURPOSES:
        raise ValueError("user tokens are made with tokens.make")
    now = utcnow()
    payload = {**claims, "sub": subject, "purpose": purpose, "iat": now, "exp": now + timedelta(seconds=ttl_seconds)}
    return jwt.encode(payload, _key(), algorithm=ALGORITHM)


def verify(token: str, purpose: str, require: tuple[str, ...] = ()) -> dict:
    """The claims of a token signed here for ``purpose`` (HS256 only, expiry checked, ``require``d claims
    present); ``TokenError`` if it is invalid, expired or meant for something else."""
    try:
        claims = jwt.decode(
            token, _key(), algorithms=[ALGORITHM], options={"require": ["sub", "purpose", "exp", *require]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("expired") from exc
    except jwt.InvalidTokenError as exc:
        raise TokenError("invalid") from exc
    if not hmac.compare_digest(str(claims["purpose"]), purpose):
        raise TokenError("wrong purpose")
    return claims
