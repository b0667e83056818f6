"""Badges and privacy: a person's badges in their data download, and what happens to badges when a person's data
is erased.

**Consent** (the holder's choice on each badge, recorded as said) lives in ``badges.consent``.

**Erasure — the choice made** (README, "Privacy"):

* a *nameless* badge (private or declined: the default) stays as it is and still verifies. It carries no name,
  only a salted hash of the e-mail address, which nobody can reverse; the person keeps the proof of their
  training in the copies they already hold;
* a *named* badge (public, or an earlier public copy) is revoked ("Withdrawn at the holder's request") and its
  stored documents are signed again without the name (same identifier, same status slot), so that nothing the
  platform stores or serves names the person, and every copy already shared says "revoked";
* certificates carry the legal name: courses revokes the programme badge they belong to (see courses.privacy);
* a connected backpack (``badges.backpack``) is disconnected: its tokens deleted (revoked in a job), its address
  forgotten; the badges already sent there are the holder's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import sqlalchemy as sa

from badges import backpack, baking, keys, openbadges, services
from badges.consent import HOLDER_REQUEST
from badges.models import Award, KeyKind, Visibility, WalletCredential, WalletOffer
from badges.views import achievement_image
from core.db import db, utcnow
from core.i18n import LANGUAGES
from core.models import User
from core.privacy import Provider, register_provider
from core.privacy.services import Erasure, ExportBundle, iso


def _awards(user: User) -> list[Award]:
    return list(
        db.session.scalars(sa.select(Award).where(Award.recipient_id == user.id).order_by(Award.issued_at, Award.id))
    )


def _objects(user: User) -> Iterable[tuple[str, str]]:
    return [
        ("badge_award", str(u)) for u in db.session.scalars(sa.select(Award.uuid).where(Award.recipient_id == user.id))
    ]


def _export(user: User, bundle: ExportBundle) -> None:
    moment = utcnow()
    rows = []
    for award in _awards(user):
        row = {
            "id": str(award.uuid),
            "badge": dict(award.achievement.name),
            "code": award.achievement.code,
            "kind": award.achievement.kind,
            "issuer": award.issuer.name,
            "earned_at": iso(award.earned_at),
            "issued_at": iso(award.issued_at),
            "valid_until": iso(award.valid_until),
            "status": award.status(moment),
            "visibility": award.visibility,
            "name_shown": award.display_name,
            "revoked_at": iso(award.revoked_at),
            "revocation_reason": award.revocation_reason,
            "replaced_by": str(award.superseded_by.uuid) if award.superseded_by else None,
            "seen_at": iso(award.seen_at),
            "links": services.award_urls(award),
            # The copies put in her wallets (OpenID4VCI): to which key (its DID), in which format, when.
            "wallet_copies": [
                {"holder_did": c.holder_did, "format": c.configuration_id, "issued_at": iso(c.issued_at)}
                for c in _wallet_copies(award)
            ],
        }
        if award.revoked_at is None and award.visibility != Visibility.DECLINED.value and award.documents:
            lang = openbadges.edition(award.documents["ob3"], user.language if user.language in LANGUAGES else "fr")
            payload = json.dumps(award.documents["ob3"][lang], ensure_ascii=False)
            image = baking.bake_png(achievement_image(award.achievement, "png", lang), baking.OB3_KEYWORD, payload)
            code = award.achievement.code or award.achievement.kind
            row["file"] = bundle.add_file(f"badges/badge-{code}-{str(award.uuid)[:8]}.png", image)
        rows.append(row)
    bundle.add_section(
        "badges",
        rows,
        "Vos badges : leur nom, leur date, leur état (valide, expiré, révoqué, remplacé), qui peut les voir "
        "(« unlisted » : privé, « public » : public avec votre nom, « declined » : refusé), le nom affiché s'il y "
        "en a un, leurs liens de vérification, et les copies mises dans vos portefeuilles (la clé qui les a reçues).",
    )
    _export_backpack(user, bundle)
    if any("file" in r for r in rows):
        bundle.explain(
            "badges/",
            "Les images de vos badges valides (PNG). Chaque image contient la preuve numérique du badge : vous "
            "pouvez la déposer sur la page de vérification ou dans un portefeuille de badges.",
        )


def _wallet_copies(award: Award) -> list[WalletCredential]:
    return list(
        db.session.scalars(
            sa.select(WalletCredential).where(WalletCredential.award_id == award.id).order_by(WalletCredential.id)
        )
    )


def _export_backpack(user: User, bundle: ExportBundle) -> None:
    connection = backpack.connection_of(user)
    if connection is None:
        return
    bundle.add_section(
        "backpack",
        {
            "address": connection.base_url,
            "name": connection.name,
            "connected_at": iso(connection.connected_at),
            "badges_sent": [
                {"badge": str(p.award.uuid), "status": p.status, "sent_at": iso(p.sent_at)} for p in connection.pushes
            ],
        },
        "L'autre portefeuille de badges que vous avez connecté, et les badges envoyés vers lui (« sent » : envoyé, "
        "« pending » : en route, « failed » : pas envoyé). Les clés d'accès ne sont pas montrées : elles sont "
        "secrètes et chiffrées.",
    )


def _erase(erasure: Erasure) -> None:
    user = erasure.user
    awards = _awards(user)
    # Which wallet keys received her badges is hers: forgotten. The copies in her wallets follow their badge's status.
    ids = [award.id for award in awards]
    if ids:
        deleted = db.session.execute(sa.delete(WalletCredential).where(WalletCredential.award_id.in_(ids))).rowcount
        db.session.execute(sa.delete(WalletOffer).where(WalletOffer.award_id.in_(ids)))
        if deleted:
            erasure.count("wallet_copies_forgotten", deleted)
    if backpack.disconnect(user):  # its tokens deleted (and revoked in a job), its address forgotten
        erasure.count("backpack_disconnected")
    for award in awards:
        if award.display_name is None:
            continue  # nameless: kept, still verifiable (see the module docstring)
        if award.revoked_at is None:
            services.revoke(award, HOLDER_REQUEST, erasure.by, notify=False)
            erasure.count("named_badges_revoked")
        rsa_key = keys.active_key(award.issuer, KeyKind.RSA)
        if rsa_key is None:  # pragma: no cover - an issuer that issued badges has keys
            rsa_key = award.key
        award.documents = services.build_documents(
            award.uuid,
            award.achievement,
            award.issuer,
            award.key,
            rsa_key,
            erasure.email,
            issued_at=utcnow().replace(microsecond=0),  # signed again now; still dated the day it was earned
            earned_at=award.earned_at,
            valid_until=award.valid_until,
            display_name=None,
            status_index=award.status_index,
        )
        award.display_name = None
        services.state_changed(award)  # every server drops what it remembers of the named documents
        erasure.count("named_badges_resigned_without_name")
    db.session.flush()


def init_app() -> None:
    register_provider(
        Provider(
            name="badges",
            order=20,
            objects=_objects,
            export=_export,
            erase=_erase,
            audit_fields={"badge_award": ("display_name",)},
        )
    )
