"""Public documents of the issuer: its profile, its keys (active and retired) and its did:web document.

They are public by nature (verifiers fetch them) and carry only public keys: the private halves never leave
the database, encrypted."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for

from badges import keys, openbadges
from badges.models import BadgeIssuer, KeyKind, SigningKey
from core.db import db
from core.security import public

bp = Blueprint("badges", __name__)

JSON_TYPES = ("application/ld+json", "application/json")


def _url(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def _issuer_or_404() -> BadgeIssuer:
    issuer = keys.get_issuer()
    if issuer is None:
        abort(404)
    return issuer


def _json(document: dict, media_type: str = "application/ld+json"):
    response = jsonify(document)
    response.mimetype = media_type
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers run in other origins (wallets, validators)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def wants_json_document() -> bool:
    best = request.accept_mimetypes.best_match([*JSON_TYPES, "text/html"])
    return best in JSON_TYPES


def _all_keys(issuer: BadgeIssuer, kind: KeyKind) -> list[SigningKey]:
    return [k for k in issuer.keys if k.kind == kind.value]


@bp.route("/badges/issuer")
@public
def issuer_profile():
    """The OB 2.0 issuer Profile (JSON-LD), or a page for people."""
    issuer = _issuer_or_404()
    profile = openbadges.ob2_issuer(
        openbadges.Issuer(
            id=_url("badges.issuer_profile"),
            name=issuer.name,
            url=issuer.url,
            email=issuer.email,
            description=issuer.description,
        ),
        key_urls=[_url("badges.key_document", key_uuid=k.uuid) for k in _all_keys(issuer, KeyKind.RSA)],
        profile_url=_url("badges.issuer_profile"),
    )
    if wants_json_document():
        return _json(profile)
    ed25519 = _all_keys(issuer, KeyKind.ED25519)
    return render_template("badges/issuer.html", issuer=issuer, ed25519=ed25519, rsa=_all_keys(issuer, KeyKind.RSA))


@bp.route("/badges/keys/<uuid:key_uuid>")
@public
def key_document(key_uuid: uuid.UUID):
    """A public key: OB 2.0 CryptographicKey (RSA) or Multikey (Ed25519). Retired keys stay published."""
    key = db.first_or_404(db.select(SigningKey).where(SigningKey.uuid == key_uuid))
    owner = _url("badges.issuer_profile")
    if key.kind == KeyKind.RSA.value:
        return _json(openbadges.ob2_crypto_key(_url("badges.key_document", key_uuid=key.uuid), owner, key.public_key))
    return _json(
        {
            "@context": "https://w3id.org/security/multikey/v1",
            "id": keys.verification_method(key.issuer, key),
            "type": "Multikey",
            "controller": keys.issuer_did(key.issuer, key),
            "publicKeyMultibase": key.public_key,
        }
    )


@bp.route("/.well-known/did.json")
@public
def did_document():
    """The did:web document of the site: every Ed25519 key the issuer ever used (active and retired), so that
    credentials issued under did:web keep verifying after a rotation."""
    issuer = _issuer_or_404()
    ed25519 = _all_keys(issuer, KeyKind.ED25519)
    if not ed25519:
        abort(404)
    did = openbadges.did_web(current_app.config["BASE_URL"])
    document = openbadges.did_web_document(did, [(f"#{k.uuid}", k.public_key) for k in ed25519])
    return _json(document, "application/did+json")
