"""The issuer profile and its signing keys: generate, rotate, load — private keys encrypted at rest.

The passphrase that encrypts private keys comes from configuration: ``TREMPLIN_BADGES_KEY_PASSPHRASE``, or,
when it is not set, a value derived from ``SECRET_KEY`` (so a development install works out of the box;
production should set its own, kept apart from the database backups).

Issuer identifier (OB 3.0): **did:key by default**. A did:key *is* the public key, so a credential verifies
offline, forever, with nothing to fetch — the promise made to employers ("verifiable by anyone, offline if
need be, for years"). Its cost: each key rotation gives new badges a new issuer DID; the issuer profile and
``/.well-known/did.json`` (did:web) list every key, active and retired, so the continuity is public.
``TREMPLIN_BADGES_ISSUER_DID=web`` switches new credentials to the did:web identifier derived from
``TREMPLIN_BASE_URL`` (verifiers must then reach the site over HTTPS).
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from flask_babel import lazy_gettext as _l

from badges import signing
from badges.models import BadgeIssuer, KeyKind, SigningKey
from badges.openbadges import did_web
from core.db import db, utcnow
from core.services import ServiceError


def passphrase() -> bytes:
    configured = current_app.config.get("BADGES_KEY_PASSPHRASE")
    if configured:
        return str(configured).encode()
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"tremplin/badges/private-keys/v1", hashlib.sha256).hexdigest().encode()


def get_issuer() -> BadgeIssuer | None:
    return db.session.scalar(db.select(BadgeIssuer).order_by(BadgeIssuer.id))


def ensure_issuer(name: str | None = None, url: str | None = None, email: str | None = None) -> BadgeIssuer:
    """The platform's issuer profile, created from the arguments or the configuration the first time."""
    issuer = get_issuer()
    config = current_app.config
    if issuer is None:
        issuer = BadgeIssuer(
            name=name or config.get("BADGES_ISSUER_NAME") or "Tremplin",
            url=url or config.get("BADGES_ISSUER_URL") or config["BASE_URL"],
            email=email or config.get("BADGES_ISSUER_EMAIL") or "contact@localhost",
        )
        db.session.add(issuer)
        db.session.flush()
    else:
        issuer.name, issuer.url, issuer.email = name or issuer.name, url or issuer.url, email or issuer.email
    return issuer


def active_key(issuer: BadgeIssuer, kind: KeyKind | str) -> SigningKey | None:
    return db.session.scalar(
        db.select(SigningKey).where(
            SigningKey.issuer_id == issuer.id, SigningKey.kind == KeyKind(kind).value, SigningKey.retired_at.is_(None)
        )
    )


def generate(issuer: BadgeIssuer, kind: KeyKind | str) -> SigningKey:
    """A new active key of ``kind``; refused if one is active already (rotate instead)."""
    kind = KeyKind(kind)
    if active_key(issuer, kind) is not None:
        raise ServiceError(_l("An active %(kind)s key exists already: rotate it instead.", kind=kind.value))
    if kind is KeyKind.ED25519:
        private = signing.generate_ed25519_key()
        public = signing.ed25519_multikey(private)
    else:
        private = signing.generate_rsa_key(2048)
        public = signing.public_key_pem(private)
    pem = signing.private_key_to_pem(private, passphrase())
    key = SigningKey(
        issuer=issuer,
        kind=kind.value,
        public_key=public,
        private_key_encrypted=pem.decode() if isinstance(pem, bytes) else pem,
    )
    db.session.add(key)
    db.session.flush()
    return key


def rotate(issuer: BadgeIssuer, kind: KeyKind | str) -> SigningKey:
    """Retire the active key of ``kind`` (kept and still published) and generate its successor."""
    current = active_key(issuer, kind)
    if current is not None:
        current.retired_at = utcnow()
        db.session.flush()
    return generate(issuer, kind)


_DECRYPTED: dict[tuple[int, str], object] = {}


def private_key(key: SigningKey):
    """The decrypted private key, in memory only, for signing.

    Decryption costs ~20 ms (the PEM's key derivation is slow on purpose), so a process keeps the keys it has
    decrypted, keyed by the encrypted PEM and the passphrase: a rotated key or a new passphrase misses the cache.
    Never written anywhere, never logged."""
    secret = passphrase()
    fingerprint = hashlib.sha256(key.private_key_encrypted.encode() + b"\0" + secret).hexdigest()
    cache_key = (key.id, fingerprint)
    loaded = _DECRYPTED.get(cache_key)
    if loaded is None:
        loaded = signing.load_private_key(key.private_key_encrypted, secret)
        if len(_DECRYPTED) > 32:
            _DECRYPTED.clear()
        _DECRYPTED[cache_key] = loaded
    return loaded


def issuer_did(issuer: BadgeIssuer, key: SigningKey) -> str:
    """The issuer id written in OB 3.0 credentials signed with ``key`` (see the module docstring)."""
    if current_app.config.get("BADGES_ISSUER_DID") == "web":
        return did_web(current_app.config["BASE_URL"])
    return signing.did_key(signing.ed25519_from_multikey(key.public_key))


def verification_method(issuer: BadgeIssuer, key: SigningKey) -> str:
    if current_app.config.get("BADGES_ISSUER_DID") == "web":
        return f"{did_web(current_app.config['BASE_URL'])}#{key.uuid}"
    return signing.did_key_verification_method(signing.ed25519_from_multikey(key.public_key))
