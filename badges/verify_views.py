"""Verification for employers: a page per badge (``/verify/<uuid>``) that says, in five seconds, whether the badge
is valid and exactly what it attests — read from the signed credential itself, checked on the spot — and a page
(and ``POST /api/v1/verify``) where anyone verifies a link, a JSON or JWT credential, or a baked image."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import render_template
from flask_babel import get_locale

from badges import keys, services, signing
from badges.holder_views import linkedin_url, reason_label
from badges.models import Award, SigningKey, Visibility
from badges.views import bp
from core.db import db
from core.security import public


def _page_lang() -> str:
    return "en" if str(get_locale()).startswith("en") else "fr"


def local_public_key(verification_method: str):
    """An Ed25519 key of this issuer (did:key resolved offline; did:web keys looked up here, retired included)."""
    if verification_method.startswith("did:key:"):
        return signing.resolve_did_key(verification_method)
    fragment = verification_method.rsplit("#", 1)[-1]
    try:
        key_uuid = uuid.UUID(fragment)
    except ValueError:
        return None
    key = db.session.scalar(db.select(SigningKey).where(SigningKey.uuid == key_uuid, SigningKey.kind == "ed25519"))
    if key is None or keys.verification_method(key.issuer, key) != verification_method:
        return None
    return signing.ed25519_from_multikey(key.public_key)


def _signature_problems(credential: dict) -> list[str]:
    def resolve(method: str):
        key = local_public_key(method)
        if key is None:
            raise signing.SigningError(f"unknown verification method {method}")
        return key

    try:
        return signing.verify_proof(credential, resolve, now=datetime.now(UTC))
    except signing.SigningError as exc:
        return [str(exc)]


@bp.route("/verify/<uuid:award_uuid>")
@public
def verify_badge(award_uuid: uuid.UUID):
    award = db.session.scalar(db.select(Award).where(Award.uuid == award_uuid))
    if award is None or award.visibility == Visibility.DECLINED.value:
        return render_template("badges/verify_unknown.html"), 404
    lang = _page_lang()
    credential = award.documents["ob3"][lang]
    now = datetime.now(UTC)
    status = award.status(now)
    problems = _signature_problems(credential)
    subject = credential["credentialSubject"]
    achievement = subject["achievement"]
    names = [i["identityHash"] for i in subject.get("identifier", []) if i.get("identityType") == "name"]
    return render_template(
        "badges/verify_badge.html",
        award=award,
        credential=credential,
        achievement=achievement,
        issuer=credential["issuer"],
        holder_name=names[0] if names else None,
        status=status,
        signature_ok=not problems,
        problems=problems,
        reason=reason_label(award.revocation_reason),
        superseded_by=award.superseded_by,
        urls=services.award_urls(award),
        image_url=services.external_url(
            "badges.badge_class_image", achievement_uuid=award.achievement.uuid, ext="png", lang=lang
        ),
        linkedin=linkedin_url(award, lang) if status == "valid" else None,
        now=now,
    )
