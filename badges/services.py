"""Issuing badges: achievements described by the package that defines them, awards signed once at issuance,
revocation, re-issue and the holder's choice of visibility. Services flush, never commit.

What is signed at issuance is stored as issued (``Award.documents``) and served byte for byte ever after: an
OB 3.0 credential per language (embedded ``eddsa-rdfc-2022`` proof, and a VC-JWT), the OB 2.0 hosted assertion
and its signed (RS256 JWS) twin. Later edits to an issuer or an achievement never change a badge already in
someone's hands; revocation and expiry live beside the documents and are published by the status list (OB 3.0),
the revocation list and the hosted assertion (OB 2.0).
"""

from __future__ import annotations

import functools
import random
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import g
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from badges import consent, keys, signing
from badges import openbadges as ob
from badges.models import (
    Achievement,
    Award,
    BadgeIssuer,
    Endorsement,
    KeyKind,
    SigningKey,
    StateVersion,
    Visibility,
)
from core import audit, mail
from core.db import db, utcnow
from core.i18n import localized
from core.models import User
from core.services import ServiceError, external_url

#: Revocation reasons are public (status pages, OB 2.0 revocation list): neutral words only, chosen from here
#: or typed by a coordinator (then checked by the privacy guard).
SUPERSEDED = "Superseded by a new issue"
REVOCATION_REASONS = {
    "issued-in-error": "Issued in error",
    "superseded": SUPERSEDED,
    "withdrawn": "Withdrawn by the issuer",
    "holder-request": consent.HOLDER_REQUEST,  # the holder's data was erased at their request
}
STATUS_LIST_BITS = ob.MIN_STATUS_LIST_BITS
#: The public reasons written in the documents (English, like the OB 2.0 vocabulary), shown translated.
REASON_LABELS = {
    REVOCATION_REASONS["issued-in-error"]: _l("Issued in error"),
    REVOCATION_REASONS["withdrawn"]: _l("Withdrawn by the issuer"),
    REVOCATION_REASONS["superseded"]: _l("Superseded by a new issue"),
    REVOCATION_REASONS["holder-request"]: _l("Withdrawn at the holder's request"),
}


def reason_label(reason: str | None) -> str:
    """A revocation reason in the reader's language (a reason typed by a coordinator is shown as typed)."""
    if not reason:
        return ""
    label = REASON_LABELS.get(reason)
    return str(label) if label is not None else reason


# ------------------------------------------------------------------------------------------------ achievements


@dataclass(frozen=True)
class AchievementSpec:
    """What the defining package says about an achievement (texts are ``{lang: text}``)."""

    key: str
    kind: str
    code: str
    name: Mapping[str, str]
    description: Mapping[str, str]
    criteria: Mapping[str, str]
    tags: tuple[str, ...] = ()
    # {code, name: {lang: text}, url}, and for an external framework target_framework and target_type (OB 3.0)
    alignments: tuple[Mapping[str, Any], ...] = ()
    valid_for_days: int | None = None
    # The kinds of evidence its competencies are validated on: {code, name, description, genre} ({lang: text})
    evidence: tuple[Mapping[str, Any], ...] = ()


def as_dataclass(achievement: Achievement) -> ob.Achievement:
    """The achievement as the pure document builders (``badges.openbadges``) take it, with its public URLs."""
    return ob.Achievement(
        id=external_url("badges.badge_class", achievement_uuid=achievement.uuid),
        name=dict(achievement.name),
        description=dict(achievement.description),
        criteria=dict(achievement.criteria),
        image=external_url("badges.badge_class_image", achievement_uuid=achievement.uuid, ext="png"),
        kind=achievement.kind,
        tags=tuple(achievement.tags or ()),
        alignments=tuple(
            ob.Alignment(
                target_name=dict(a["name"]),
                target_url=a["url"],
                target_code=a.get("code"),
                target_framework=a.get("target_framework"),
                target_type=a.get("target_type"),
            )
            for a in achievement.alignments or ()
        ),
        evidence=tuple(
            ob.EvidenceKind(name=dict(e["name"]), description=dict(e["description"]), genre=dict(e["genre"]))
            for e in achievement.evidence or ()
        ),
        endorsements=tuple(endorsement_dataclass(e) for e in achievement.endorsements),
    )


def endorsement_dataclass(endorsement: Endorsement) -> ob.Endorsement:
    return ob.Endorsement(
        id=f"urn:uuid:{endorsement.uuid}",
        issuer_name=endorsement.partner_name,
        issuer_url=endorsement.partner_url,
        comment=endorsement.comment,
        recorded_on=endorsement.recorded_at.replace(microsecond=0),
    )


def endorse(
    achievement: Achievement, partner_name: str, partner_url: str, comment: str, *, by: User | None = None
) -> Endorsement:
    """Record that a partner organisation (e.g. a host employer) endorses ``achievement``. Badges issued from now
    on carry it (OB 3.0 ``endorsement``: an EndorsementCredential naming the partner as its issuer, unsigned,
    since the partner holds no key here); badges already issued are not changed. Bad input changes nothing."""
    name = " ".join((partner_name or "").split())
    url = (partner_url or "").strip()
    text = " ".join((comment or "").split())
    if not name or len(name) > 200:
        raise ServiceError(_l("Give the partner's name (200 characters at most)."), field="partner")
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or "@" in parts.netloc or len(url) > 300 or " " in url:
        raise ServiceError(_l("Give the partner's web address, starting with https://."), field="url")
    if not text or len(text) > 500:
        raise ServiceError(_l("Write the partner's comment (500 characters at most)."), field="comment")
    if achievement.retired:
        raise ServiceError(_l("This badge is no longer issued."))
    findings = ob.life_history_findings({"partner": name, "comment": text})
    if findings:
        where, label, found = findings[0]
        raise ServiceError(
            _l(
                "The endorsement cannot be published: %(where)s mentions %(label)s (“%(text)s”). "
                "Badge text attests skills only.",
                where=where,
                label=label,
                text=found,
            ),
            field="comment",
        )
    endorsement = Endorsement(
        achievement=achievement,
        partner_name=name,
        partner_url=url,
        comment=text,
        recorded_by_id=by.id if by else None,
    )
    db.session.add(endorsement)
    db.session.flush()
    audit.record(
        "badge.endorsed", "badge_achievement", str(achievement.uuid), partner=name, endorsement=str(endorsement.uuid)
    )
    return endorsement


def sync_achievement(spec: AchievementSpec, issuer: BadgeIssuer | None = None) -> Achievement:
    """Create or update the achievement ``spec.key``. Refused (ServiceError) if its text says anything about a
    person's health or life history: badge text attests skills only (openbadges.assert_no_life_history)."""
    issuer = issuer or keys.ensure_issuer()
    if spec.kind not in ob.ACHIEVEMENT_TYPES:
        raise ServiceError(_l("Unknown badge kind: %(kind)s.", kind=spec.kind))
    achievement = db.session.scalar(db.select(Achievement).where(Achievement.key == spec.key))
    values = {
        "kind": spec.kind,
        "code": spec.code,
        "name": dict(spec.name),
        "description": dict(spec.description),
        "criteria": dict(spec.criteria),
        "tags": list(spec.tags),
        "alignments": [dict(a) for a in spec.alignments],
        "evidence": [dict(e) for e in spec.evidence],
        "valid_for_days": spec.valid_for_days,
        "retired": False,
    }
    if achievement is None:
        achievement = Achievement(key=spec.key, issuer=issuer, **values)
        db.session.add(achievement)
        db.session.flush()
    else:
        for name, value in values.items():
            if getattr(achievement, name) != value:
                setattr(achievement, name, value)
    definition = as_dataclass(achievement)
    for lang in ob.editions(definition):
        findings = ob.life_history_findings(ob.ob3_achievement(definition, lang))
        if findings:
            where, label, text = findings[0]
            raise ServiceError(
                _l(
                    "The badge “%(name)s” cannot be published: %(where)s mentions %(label)s (“%(text)s”). "
                    "Badge text attests skills only.",
                    name=spec.name.get("fr") or spec.key,
                    where=where,
                    label=label,
                    text=text,
                )
            )
    db.session.flush()
    return achievement


def retire_achievements(keep_keys: Iterable[str], prefix: str) -> None:
    """Retire the achievements under ``prefix`` that are no longer defined (issued badges stay valid)."""
    keep = set(keep_keys)
    for achievement in db.session.scalars(db.select(Achievement).where(Achievement.key.startswith(prefix))):
        if achievement.key not in keep and not achievement.retired:
            achievement.retired = True


def achievement_by_key(key: str) -> Achievement | None:
    return db.session.scalar(db.select(Achievement).where(Achievement.key == key))


# ------------------------------------------------------------------------------------------------ documents


def issuer_for_documents(issuer: BadgeIssuer, key: SigningKey) -> ob.Issuer:
    return ob.Issuer(
        id=keys.issuer_did(issuer, key),
        name=issuer.name,
        url=issuer.url,
        email=issuer.email,
        description=issuer.description,
    )


def status_list_url(key: SigningKey) -> str:
    return external_url("badges.status_list", key_uuid=key.uuid)


def build_documents(
    award_uuid: uuid.UUID,
    achievement: Achievement,
    issuer: BadgeIssuer,
    ed_key: SigningKey,
    rsa_key: SigningKey,
    email: str,
    *,
    issued_at: datetime,
    earned_at: datetime,
    valid_until: datetime | None,
    display_name: str | None,
    status_index: int,
) -> dict[str, Any]:
    """Every document of one badge, signed now. ``earned_at`` dates the badge (OB 3.0 ``validFrom``, OB 2.0
    ``issuedOn``: the day it was earned, the same in every copy); ``issued_at`` dates the signing (the Data
    Integrity proof's ``created``)."""
    award = ob.Award(
        id=str(award_uuid),
        recipient_email=email,
        salt=ob.new_salt(),
        issued_on=earned_at,
        display_name=display_name,
        valid_until=valid_until,
        status_list_url=status_list_url(ed_key),
        status_list_index=status_index,
    )
    definition = as_dataclass(achievement)
    ob3: dict[str, Any] = {}
    ob3_jwt: dict[str, str] = {}
    for lang in ob.editions(definition):
        ob3[lang], ob3_jwt[lang] = sign_ob3(award, definition, issuer, ed_key, lang, issued_at=issued_at)
    badge_class_url = definition.id
    assertion_url = external_url("badges.assertion", award_uuid=award_uuid)
    hosted = ob.ob2_assertion(award, badge_class_url, assertion_url)
    signed = ob.ob2_assertion(
        award,
        badge_class_url,
        f"urn:uuid:{award_uuid}",
        "signed",
        creator_key_url=key_url(rsa_key),
    )
    return {
        "ob3": ob3,
        "ob3_jwt": ob3_jwt,
        "ob2": hosted,
        "ob2_jws": signing.sign_jws(signed, keys.private_key(rsa_key)),
    }


def sign_ob3(
    award: ob.Award,
    definition: ob.Achievement,
    issuer: BadgeIssuer,
    ed_key: SigningKey,
    lang: str,
    *,
    issued_at: datetime,
    formats: tuple[str, ...] = ("ldp_vc", "jwt_vc_json"),
) -> tuple[dict[str, Any] | None, str | None]:
    """One language edition of an OB 3.0 credential, signed with ``ed_key``: ``(with its Data Integrity proof,
    as a VC-JWT)``, each only if asked in ``formats``. Every OB 3.0 credential is signed here: the badge's own
    copies (:func:`build_documents`) and those issued to a holder's key (``badges.wallet``)."""
    credential = ob.ob3_credential(award, definition, issuer_for_documents(issuer, ed_key), lang=lang)
    ob.assert_no_life_history(credential)
    private_ed = keys.private_key(ed_key)
    method = keys.verification_method(issuer, ed_key)
    with_proof = signing.add_proof(credential, private_ed, method, created=issued_at) if "ldp_vc" in formats else None
    as_jwt = signing.sign_vc_jwt(credential, private_ed, method) if "jwt_vc_json" in formats else None
    return with_proof, as_jwt


def key_url(key: SigningKey) -> str:
    return external_url("badges.key_document", key_uuid=key.uuid)


def resign_ob2_assertions(issuer: BadgeIssuer, rsa_key: SigningKey, *, batch: int = 200) -> int:
    """Sign every stored OB 2.0 signed assertion of ``issuer`` again with ``rsa_key`` (after a rotation): the
    number signed again.

    Why: the issuer Profile authorises one ``publicKey`` (``openbadges.ob2_issuer``), and OB 2.0 verifiers trust
    only a key "properly linked from the issuer Profile" (spec, SignedBadge Verification, step 4). Only
    ``verification.creator`` changes (it names the new key); ``id``, recipient, badge, ``issuedOn`` and
    ``expires`` stay as issued, so the revocation list and the dates still apply. Each stored JWS is first
    verified with the key it names (a stored document that does not verify stops the rotation). Copies
    downloaded before the rotation name a retired key: verifiers refuse them, as the spec asks; the badge
    page, the ``.jws`` link and the baked OB 2.0 image serve the new signature at once."""
    rsa_keys = [k for k in issuer.keys if k.kind == KeyKind.RSA.value]
    published = {key_url(k): k.public_key for k in rsa_keys}
    creator = key_url(rsa_key)
    private = keys.private_key(rsa_key)
    ids = list(db.session.scalars(db.select(Award.id).where(Award.issuer_id == issuer.id).order_by(Award.id)))
    count = 0
    for start in range(0, len(ids), batch):
        for award in db.session.scalars(db.select(Award).where(Award.id.in_(ids[start : start + batch]))):
            documents = award.documents or {}
            token = documents.get("ob2_jws")
            if not token:
                continue
            payload = _stored_assertion(token, published)
            if payload is None:
                raise ServiceError(
                    _l("The stored signed badge %(uuid)s does not verify: nothing was changed.", uuid=award.uuid)
                )
            if payload["verification"].get("creator") == creator:
                continue
            payload["verification"] = {**payload["verification"], "creator": creator}
            award.documents = {**documents, "ob2_jws": signing.sign_jws(payload, private)}
            count += 1
        db.session.flush()
    if count:
        _bump_state_version()
        _drop_memos()
        audit.record("badge.ob2_resigned", "signing_key", str(rsa_key.uuid), count=count)
    return count


def _stored_assertion(token: str, published: Mapping[str, str]) -> dict[str, Any] | None:
    """The assertion of a stored JWS, verified with the key its ``creator`` names (None if it does not verify)."""
    for url, pem in published.items():
        try:
            payload = signing.verify_jws(token, pem)
        except signing.SigningError:
            continue
        verification = payload.get("verification")
        if isinstance(verification, dict) and verification.get("creator") == url:
            return payload
    return None


def rotate_keys(issuer: BadgeIssuer, kinds: Iterable[KeyKind | str]) -> tuple[list[SigningKey], int]:
    """Retire the active key of each kind and make its successor; a new RSA key signs the OB 2.0 signed
    assertions again (:func:`resign_ob2_assertions`). ``(new keys, assertions signed again)``."""
    created = [keys.rotate(issuer, kind) for kind in kinds]
    resigned = sum(resign_ob2_assertions(issuer, key) for key in created if key.kind == KeyKind.RSA.value)
    return created, resigned


# ------------------------------------------------------------------------------------------------ issuance


def active_award(recipient: User, achievement: Achievement) -> Award | None:
    return db.session.scalar(
        db.select(Award).where(
            Award.recipient_id == recipient.id, Award.achievement_id == achievement.id, Award.revoked_at.is_(None)
        )
    )


def _signing_keys_of(issuer: BadgeIssuer) -> tuple[SigningKey, SigningKey]:
    """The issuer's active Ed25519 and RSA keys, in one query."""
    active = {
        key.kind: key
        for key in db.session.scalars(
            db.select(SigningKey).where(SigningKey.issuer_id == issuer.id, SigningKey.retired_at.is_(None))
        )
    }
    ed_key, rsa_key = active.get(KeyKind.ED25519.value), active.get(KeyKind.RSA.value)
    if ed_key is None or rsa_key is None:
        raise ServiceError(_l("The issuer has no signing keys yet: run “tremplin keys generate”."))
    return ed_key, rsa_key


def _free_status_indexes(key: SigningKey, count: int) -> list[int]:
    """``count`` distinct random free slots of the key's status list, with one query per round of draws (one
    round, unless the list is crowded), in random order (herd privacy: no slot says when its badge was issued)."""
    chosen: set[int] = set()
    for _round in range(64):
        needed = count - len(chosen)
        if needed <= 0:
            break
        candidates: set[int] = set()
        while len(candidates) < needed:
            index = secrets.randbelow(STATUS_LIST_BITS)
            if index not in chosen:
                candidates.add(index)
        taken = set(
            db.session.scalars(
                db.select(Award.status_index).where(Award.key_id == key.id, Award.status_index.in_(candidates))
            )
        )
        chosen |= candidates - taken
    if len(chosen) < count:
        raise ServiceError(_l("The status list of this key is full: rotate the Ed25519 key."))
    slots = list(chosen)
    _SHUFFLE.shuffle(slots)
    return slots


_SHUFFLE = random.SystemRandom()


_FROM_ACHIEVEMENT = object()  # valid_until not given: from the achievement's ``valid_for_days``


@dataclass(frozen=True)
class Due:
    """One badge to issue: ``achievement`` to ``recipient``. By default unlisted, without a name, earned at
    issuance and valid for the achievement's ``valid_for_days``; a re-issue passes the original's ``earned_at``
    and ``valid_until``, so that correcting or naming a badge never extends its validity."""

    achievement: Achievement
    recipient: User
    context_ref: str | None = None
    display_name: str | None = None
    visibility: str = Visibility.UNLISTED.value
    valid_until: datetime | object | None = _FROM_ACHIEVEMENT
    earned_at: datetime | None = None


class _Raced(Exception):
    """Another process wrote one of these badges, or took one of these status slots, meanwhile."""


def issue(
    achievement: Achievement,
    recipient: User,
    *,
    context_ref: str | None = None,
    by: User | None = None,
    display_name: str | None = None,
    visibility: str = Visibility.UNLISTED.value,
    now: datetime | None = None,
    notify: bool = True,
    valid_until: datetime | object | None = _FROM_ACHIEVEMENT,
    earned_at: datetime | None = None,
) -> tuple[Award, bool]:
    """Issue ``achievement`` to ``recipient`` unless they hold an active one: ``(award, created)``. The batch of
    one of :func:`issue_many` (see :class:`Due` for ``display_name`` … ``earned_at``)."""
    due = Due(achievement, recipient, context_ref, display_name, visibility, valid_until, earned_at)
    return issue_many([due], by=by, now=now, notify=notify)[0]


def issue_many(
    due: Sequence[Due | tuple[Achievement, User, str | None]],
    *,
    by: User | None = None,
    now: datetime | None = None,
    notify: bool = True,
) -> list[tuple[Award, bool]]:
    """Issue each :class:`Due` (or ``(achievement, recipient, context_ref)``) unless the person holds an active
    copy: ``(award, created)`` for each, in order. One query finds the badges already held, one reads the signing
    keys of each issuer, one draws the status slots, and the new badges are written with one flush in one
    savepoint.

    Idempotent by construction: a partial unique index allows one active award per person and achievement, so a
    second process racing this one (or a batch rerun after a crash) gets the existing award back. If another
    process wrote one of these badges or took one of these slots meanwhile, the savepoint is rolled back and the
    batch is issued one badge at a time, each drawing new slots up to five times."""
    items = [item if isinstance(item, Due) else Due(*item) for item in due]
    try:
        return _issue_batch(items, by=by, now=now, notify=notify)
    except _Raced:
        pass
    out: list[tuple[Award, bool]] = []
    for item in items:
        for _attempt in range(5):
            try:
                out.extend(_issue_batch([item], by=by, now=now, notify=notify))
                break
            except _Raced:
                continue  # the badge now exists (found next time) or the slot was taken: draw another one
        else:  # pragma: no cover - five collisions in a 131,072-slot list
            raise ServiceError(_l("Could not allocate a status slot; try again."))
    return out


def _issue_batch(
    items: Sequence[Due], *, by: User | None, now: datetime | None, notify: bool
) -> list[tuple[Award, bool]]:
    """:func:`issue_many`'s one attempt: raises :class:`_Raced` (having written nothing) if the savepoint fails."""
    if not items:
        return []
    held = {
        (award.recipient_id, award.achievement_id): award
        for award in db.session.scalars(
            db.select(Award).where(
                Award.recipient_id.in_({item.recipient.id for item in items}),
                Award.achievement_id.in_({item.achievement.id for item in items}),
                Award.revoked_at.is_(None),
            )
        )
    }
    issued_at = (now or utcnow()).replace(microsecond=0)
    new: dict[tuple[int, int], tuple[Award, User]] = {}
    keys_of: dict[int, tuple[SigningKey, SigningKey]] = {}
    for item in items:
        achievement, recipient = item.achievement, item.recipient
        pair = (recipient.id, achievement.id)
        if pair in held or pair in new:
            continue
        if achievement.retired:
            raise ServiceError(_l("This badge is no longer issued."))
        issuer = achievement.issuer
        if issuer.id not in keys_of:
            keys_of[issuer.id] = _signing_keys_of(issuer)
        ed_key, _rsa_key = keys_of[issuer.id]
        valid_until = item.valid_until
        if valid_until is _FROM_ACHIEVEMENT:
            valid_until = issued_at + timedelta(days=achievement.valid_for_days) if achievement.valid_for_days else None
        award = Award(
            uuid=uuid.uuid4(),
            achievement=achievement,
            issuer=issuer,
            recipient_id=recipient.id,
            context_ref=item.context_ref,
            display_name=item.display_name,
            visibility=item.visibility,
            key=ed_key,
            issued_at=issued_at,
            earned_at=item.earned_at.replace(microsecond=0) if item.earned_at is not None else issued_at,
            valid_until=valid_until,
            issued_by_id=by.id if by else None,
        )
        new[pair] = (award, recipient)
    slots: dict[int, list[int]] = {}
    for award, _recipient in new.values():
        slots.setdefault(award.key.id, [])
    for key_id in slots:
        key = next(award.key for award, _r in new.values() if award.key.id == key_id)
        slots[key_id] = _free_status_indexes(key, sum(1 for award, _r in new.values() if award.key.id == key_id))
    for award, recipient in new.values():
        ed_key, rsa_key = keys_of[award.issuer.id]
        award.status_index = slots[ed_key.id].pop()
        award.documents = build_documents(
            award.uuid,
            award.achievement,
            award.issuer,
            ed_key,
            rsa_key,
            recipient.email,
            issued_at=issued_at,
            earned_at=award.earned_at,
            valid_until=award.valid_until,
            display_name=award.display_name,
            status_index=award.status_index,
        )
    try:
        with db.session.begin_nested():
            db.session.add_all([award for award, _recipient in new.values()])
    except sa.exc.IntegrityError as exc:
        raise _Raced from exc
    out: list[tuple[Award, bool]] = []
    announced: set[tuple[int, int]] = set()
    for item in items:
        pair = (item.recipient.id, item.achievement.id)
        if pair in held:
            out.append((held[pair], False))
            continue
        award, recipient = new[pair]
        if pair in announced:
            out.append((award, False))  # the same person and achievement twice in ``items``
            continue
        announced.add(pair)
        audit.record("badge.issued", "badge_award", str(award.uuid), achievement=item.achievement.key)
        if notify:
            _notify_issued(award, recipient)
        out.append((award, True))
    return out


def _notify_issued(award: Award, recipient: User) -> None:
    with force_locale(recipient.language):
        name = localized(award.achievement.name, recipient.language)
        subject = _("You have earned a badge: %(name)s", name=name)
        body = _(
            "Hello %(person)s,\n\nCongratulations: you have earned the badge “%(name)s”.\n\n"
            "It is yours. It stays private until you decide otherwise: nobody sees it unless you share it. "
            "You choose what to do with it on this page:\n\n%(link)s\n\n"
            "You can share it with an employer, make it public with your name, or decline it.\n",
            person=recipient.name,
            name=name,
            link=external_url("badges.my_badge", award_uuid=award.uuid),
        )
    mail.queue(recipient.email, subject, body, purpose="badge-issued")


def check_revocation_reason(reason: str | None) -> str:
    """The public reason of a revocation, trimmed; ``ServiceError`` if missing, too long or about the person."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Give a reason: it is shown to whoever verifies the badge."))
    if len(reason) > 200:
        raise ServiceError(_l("The reason is too long (200 characters at most)."))
    findings = ob.life_history_findings({"revocationReason": reason})
    if findings:
        raise ServiceError(
            _l("The reason is public: keep it neutral (for example “Issued in error”), never about the person.")
        )
    return reason


def revoke(
    award: Award,
    reason: str,
    by: User | None = None,
    *,
    superseded_by: Award | None = None,
    notify: bool = True,
) -> None:
    """Revoke ``award`` with a public reason. Its status bit, its hosted assertion (HTTP 410) and its
    verification page say so from the next request on. Its holder is told why and what happens next (a message
    in the outbox), unless ``notify`` is false (the holder asked for it: their data is being erased)."""
    if award.revoked_at is not None:
        raise ServiceError(_l("This badge is already revoked."))
    reason = check_revocation_reason(reason)
    award.revoked_at = utcnow()
    award.revocation_reason = reason
    award.revoked_by_id = by.id if by else None
    award.superseded_by = superseded_by
    db.session.flush()
    state_changed(award)
    audit.record("badge.revoked", "badge_award", str(award.uuid), reason=reason)
    recipient = db.session.get(User, award.recipient_id) if award.recipient_id else None
    if notify and recipient is not None and superseded_by is None:
        _notify_revoked(award, recipient)


def revocation_explanation(award: Award) -> list[str]:
    """Why a badge was withdrawn and what happens next, in short sentences for its holder (current language)."""
    out = [
        _("This badge was withdrawn on %(date)s.", date=format_date(award.revoked_at, "long")),
        _("The reason: %(reason)s.", reason=reason_label(award.revocation_reason)),
    ]
    if award.revocation_reason == REVOCATION_REASONS["issued-in-error"]:
        out.append(_("It was given by mistake. Your other badges do not change."))
    elif award.revocation_reason == REVOCATION_REASONS["holder-request"]:
        out.append(_("You asked for it."))
    else:
        out.append(_("The training body decided it. Your other badges do not change."))
    out.append(_("It no longer counts as proof. You can still see it in “My badges”."))
    by = db.session.get(User, award.revoked_by_id) if award.revoked_by_id else None
    if by is not None:
        out.append(_("To talk about it, write to %(name)s: %(email)s.", name=by.name, email=by.email))
    return out


def _notify_revoked(award: Award, recipient: User) -> None:
    with force_locale(recipient.language):
        name = localized(award.achievement.name, recipient.language)
        subject = _("Your badge “%(name)s” was withdrawn", name=name)
        body = _(
            "Hello %(person)s,\n\n%(explanation)s\n\nYour badges: %(link)s\n",
            person=recipient.name,
            explanation="\n".join(revocation_explanation(award)),
            link=external_url("badges.my_badges"),
        )
    mail.queue(recipient.email, subject, body, purpose="badge-revoked")


def reissue(
    award: Award,
    *,
    by: User | None = None,
    display_name: str | None = None,
    visibility: str | None = None,
    now: datetime | None = None,
):
    """A new badge for the same person and achievement (after a name change, a correction, or to add or remove
    the holder's name); the old one is revoked as superseded. History is kept: the old page points to the new.
    ``now`` (default: the present) dates the new copy's signature and the supersession; the new copy keeps the
    day the badge was earned (``earned_at``: its ``validFrom``/``issuedOn``) and its expiry."""
    if award.revoked_at is not None:
        raise ServiceError(_l("This badge is revoked: it cannot be re-issued."))
    recipient = db.session.get(User, award.recipient_id) if award.recipient_id else None
    if recipient is None:
        raise ServiceError(_l("This badge has no holder any more."))
    award.revoked_at = (now or utcnow()).replace(microsecond=0)  # frees the one-active-award slot; reason below
    award.revocation_reason = SUPERSEDED
    award.revoked_by_id = by.id if by else None
    db.session.flush()
    new, _created = issue(
        award.achievement,
        recipient,
        context_ref=award.context_ref,
        by=by,
        display_name=display_name,
        visibility=visibility or award.visibility,
        now=now,
        notify=False,
        valid_until=award.valid_until,
        earned_at=award.earned_at,
    )
    award.superseded_by = new
    new.seen_at = award.seen_at
    db.session.flush()
    state_changed(award)
    audit.record("badge.reissued", "badge_award", str(award.uuid), new=str(new.uuid))
    return new


def set_visibility(award: Award, visibility: str, by: User, *, now: datetime | None = None) -> Award:
    """The holder's choice. Public: re-issued with their name (a new credential, the unnamed one superseded).
    Back to unlisted: re-issued without the name. Declined: hidden everywhere except the register. ``now`` dates
    a re-issue (default: the present)."""
    visibility = Visibility(visibility).value
    if award.revoked_at is not None:
        raise ServiceError(_l("This badge is revoked: its visibility cannot change."))
    holder = db.session.get(User, award.recipient_id) if award.recipient_id else None
    if holder is None:
        raise ServiceError(_l("This badge has no holder any more."))
    audit.record("badge.visibility", "badge_award", str(award.uuid), visibility=visibility)
    if by.id == holder.id:  # the holder's own choice: record what they agreed to (consent)
        consent.record_choice(award, award.visibility, visibility, holder, at=now)
    if visibility == Visibility.PUBLIC.value:
        return reissue(award, by=by, display_name=holder.name, visibility=visibility, now=now)
    if visibility == Visibility.UNLISTED.value and award.display_name:
        return reissue(award, by=by, display_name=None, visibility=visibility, now=now)
    award.visibility = visibility
    db.session.flush()
    state_changed(award)
    return award


def mark_seen(award: Award) -> None:
    if award.seen_at is None:
        award.seen_at = utcnow()


# ------------------------------------------------------------------------------------------------ status


def revoked_indexes(key: SigningKey) -> list[int]:
    return list(
        db.session.scalars(
            db.select(Award.status_index)
            .where(Award.key_id == key.id, Award.revoked_at.is_not(None))
            .order_by(Award.status_index)
        )
    )


_STATUS_CACHE: dict[tuple[int, str, tuple[int, ...], datetime], dict[str, Any]] = {}


def status_list_document(key: SigningKey) -> dict[str, Any]:
    """The key's BitstringStatusListCredential, signed by that key (so its issuer is the issuer of every
    credential that points to it). One query per request; signed again only when a bit changed."""
    rows = db.session.execute(
        db.select(Award.status_index, Award.revoked_at).where(Award.key_id == key.id, Award.revoked_at.is_not(None))
    ).all()
    indexes = tuple(sorted(index for index, _at in rows))
    valid_from = max([at for _index, at in rows] + [key.created_at]).replace(microsecond=0)
    url = status_list_url(key)
    cache_key = (key.id, url, indexes, valid_from)
    cached = _STATUS_CACHE.get(cache_key)
    if cached is not None:
        return cached
    issuer_id = keys.issuer_did(key.issuer, key)
    unsigned = ob.status_list_credential(url, issuer_id, indexes, valid_from=valid_from, length=STATUS_LIST_BITS)
    signed = signing.add_proof(unsigned, keys.private_key(key), keys.verification_method(key.issuer, key), valid_from)
    if len(_STATUS_CACHE) > 64:
        _STATUS_CACHE.clear()
    _STATUS_CACHE[cache_key] = signed
    return signed


def revocation_list_document(issuer: BadgeIssuer) -> dict[str, Any]:
    """OB 2.0 RevocationList: every revoked award, by its signed id (``urn:uuid:``) and its hosted URL."""
    revoked: list[tuple[str, str | None]] = []
    for award_uuid, reason in db.session.execute(
        db.select(Award.uuid, Award.revocation_reason)
        .where(Award.issuer_id == issuer.id, Award.revoked_at.is_not(None))
        .order_by(Award.revoked_at, Award.id)
    ):
        revoked.append((f"urn:uuid:{award_uuid}", reason))
        revoked.append((external_url("badges.assertion", award_uuid=award_uuid), reason))
    return ob.ob2_revocation_list(
        external_url("badges.revocation_list"), external_url("badges.issuer_profile"), revoked
    )


@dataclass(frozen=True)
class AwardState:
    """What changes in a badge after issuance, as verifiers must see it: revoked (and why), superseded, declined."""

    revoked: bool
    reason: str | None
    superseded: bool
    declined: bool


#: How old this process's knowledge of "has any badge's state changed?" may be. Revocation must show everywhere
#: within a second (issue 4); a change made in this process is seen at once (``state_changed``).
STATE_TTL_SECONDS = 0.5
_STATE: dict[uuid.UUID, AwardState] = {}
_STATE_MAX = 4096
_state_version: list = [float("-inf"), None]  # [monotonic time to ask again, StateVersion.version last seen]
#: Other per-process memos keyed by badge (served documents, verdicts): dropped with the states, since a change
#: may also rewrite a badge's stored documents (erasure signs them again without the name).
_MEMOS: list[dict] = []


def badge_memo(memo: dict) -> dict:
    """Register ``memo`` to be emptied whenever any badge's state changes, in this process or another."""
    _MEMOS.append(memo)
    return memo


#: Bumped each time this process drops its badge memos (a change made here, or seen from another process).
_generation = [0]


def _drop_memos() -> None:
    _generation[0] += 1
    _STATE.clear()
    for memo in _MEMOS:
        memo.clear()


_VERSION_ROW = 1


def _bump_state_version() -> None:
    """Tell every process that a badge's state changed (in the caller's transaction: seen when it commits)."""
    bumped = db.session.execute(
        sa.update(StateVersion).where(StateVersion.id == _VERSION_ROW).values(version=StateVersion.version + 1)
    ).rowcount
    if not bumped:  # the row is created by the migration; a database emptied by hand gets it back
        db.session.add(StateVersion(id=_VERSION_ROW, version=1))
        db.session.flush()


def _check_state_version(now: float) -> None:
    """At most every ``STATE_TTL_SECONDS``, one tiny read: if any badge's state changed since this process last
    looked (in any process), every remembered state is dropped."""
    if now < _state_version[0]:
        return
    version = db.session.scalar(sa.select(StateVersion.version).where(StateVersion.id == _VERSION_ROW))
    if version != _state_version[1]:
        _drop_memos()
        _state_version[1] = version
    _state_version[0] = now + STATE_TTL_SECONDS


def award_state(award_uuid: uuid.UUID) -> AwardState | None:
    """The badge's state (``None``: no such badge). Under load a process reads one number per half-second (has
    any badge changed?) rather than one row per badge: a badge's state is read once, then remembered until any
    badge's state changes. Unknown badges are not remembered (a badge issued a moment later must verify)."""
    _check_state_version(time.monotonic())
    state = _STATE.get(award_uuid)
    if state is not None:
        return state
    row = db.session.execute(
        db.select(Award.revoked_at, Award.revocation_reason, Award.superseded_by_id, Award.visibility).where(
            Award.uuid == award_uuid
        )
    ).first()
    if row is None:
        return None
    state = AwardState(
        revoked=row.revoked_at is not None,
        reason=row.revocation_reason,
        superseded=row.superseded_by_id is not None,
        declined=row.visibility == Visibility.DECLINED.value,
    )
    if len(_STATE) >= _STATE_MAX:
        _STATE.clear()
    _STATE[award_uuid] = state
    return state


def state_changed(award: Award) -> None:
    """A badge's state (or its stored documents) changed: this process forgets what it remembers of badges now,
    the others when they next ask the version (within ``STATE_TTL_SECONDS``)."""
    _bump_state_version()
    _drop_memos()


def issuer_changed() -> None:
    """The issuer profile changed (name, site, address): every process drops what it remembers of the pages
    that show it, as for a badge's change."""
    _bump_state_version()
    _drop_memos()


def check_state_version() -> None:
    """Before reading a memo registered with ``badge_memo``: drop it if any badge changed since last asked."""
    _check_state_version(time.monotonic())


def state_version() -> tuple:
    """A number that changes whenever any badge's state changes: at once for a change made in this process, within
    ``STATE_TTL_SECONDS`` for one made in another (the key of memos kept outside this module, e.g. kept pages)."""
    _check_state_version(time.monotonic())
    return (_state_version[1], _generation[0])


@functools.cache
def _holder_version_query() -> sa.Select:
    """Built once (a statement's construction costs as much as running it on SQLite): bound per request."""
    return (
        sa.select(
            sa.func.count(Award.id),
            sa.func.max(Award.id),
            sa.func.count(Award.seen_at),
            sa.func.max(Achievement.updated_at),
            # how many have reached their end date: moves the moment one expires (pages show a badge's status)
            sa.func.count(sa.case((Award.valid_until <= sa.bindparam("now", type_=Award.valid_until.type), 1))),
        )
        .select_from(Award)
        .join(Achievement, Achievement.id == Award.achievement_id)
        .where(Award.recipient_id == sa.bindparam("user_id"))
    )


def holder_version(user: User) -> tuple:
    """What the holder's own pages show of her badges changes with: any badge's state (revocation, re-issue,
    visibility, a certificate made: ``state_version``), a badge issued to her or seen by her, one reaching its end
    date, an achievement's texts. One query per request."""
    kept = g.get("badges_holder_version")
    if kept is not None and kept[0] == user.id:
        return kept[1]
    row = db.session.execute(_holder_version_query(), {"user_id": user.id, "now": utcnow()}).one()
    version = (*state_version(), *row)
    g.badges_holder_version = (user.id, version)
    return version


def forget_states() -> None:
    """Drop every badge state this process remembers (after the database was restored or replaced)."""
    _drop_memos()
    _state_version[:] = [float("-inf"), None]


def award_urls(award: Award | uuid.UUID) -> dict[str, str]:
    """Every stable URL of a badge (they get baked into images and printed as QR codes: never change them)."""
    u = award if isinstance(award, uuid.UUID) else award.uuid
    return {
        "verify_url": external_url("badges.verify_badge", award_uuid=u),
        "ob2_assertion_url": external_url("badges.assertion", award_uuid=u),
        "ob2_signed_url": external_url("badges.assertion_jws", award_uuid=u),
        "ob3_credential_url": external_url("badges.credential", award_uuid=u),
        "ob3_jwt_url": external_url("badges.credential_jwt", award_uuid=u),
        "baked_png_url": external_url("badges.baked", award_uuid=u, ext="png"),
        "baked_svg_url": external_url("badges.baked", award_uuid=u, ext="svg"),
        "ob2_baked_png_url": external_url("badges.baked_ob2", award_uuid=u, ext="png"),
    }


def withdrawn_awards_of(user: User) -> list[Award]:
    """The badges withdrawn from ``user`` (not those replaced by a new copy): they still see them, with why."""
    return list(
        db.session.scalars(
            db.select(Award)
            .where(
                Award.recipient_id == user.id,
                Award.revoked_at.is_not(None),
                Award.revocation_reason != SUPERSEDED,
            )
            .order_by(Award.revoked_at.desc(), Award.id.desc())
            .options(sa.orm.selectinload(Award.achievement))  # each card shows its badge's name: one query for all
        )
    )


def awards_of(user: User, *, include_declined: bool = True) -> list[Award]:
    """The badges ``user`` holds, newest first, with their achievements (one query for all, not one per badge)."""
    query = (
        db.select(Award)
        .where(Award.recipient_id == user.id, Award.revoked_at.is_(None))
        .order_by(Award.earned_at.desc(), Award.id.desc())
        .options(sa.orm.selectinload(Award.achievement))
    )
    if not include_declined:
        query = query.where(Award.visibility != Visibility.DECLINED.value)
    return list(db.session.scalars(query))
