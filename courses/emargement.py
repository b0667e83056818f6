"""Émargement (signed attendance): services. They validate, add records, ``flush()``, never commit.

Every record here is append-only (``__append_only__`` on the model): a flush that would change or delete one is
refused (``install_hooks``), corrections are new records with a reason, and the audit log records each addition.
The roster follows from the signatures: a signature marks the trainee present (or late, with the minutes from her
signature to the end), a correction sets the mark it says, an excused absence marks "excused".

Time comes from ``now()``: the server's clock, or the one a test puts in ``app.extensions["tremplin.clock"]``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_sqlalchemy.session import Session as FlaskSession

from core.db import db, utcnow
from core.models import User
from core.privacy import RetentionReport, register_retention
from core.services import ServiceError, external_url
from core.storage import storage
from courses import emargement_rules as rules
from courses import outbox
from courses.certificates import new_code
from courses.models import (
    AttendanceSignature,
    AttendanceStatus,
    Countersignature,
    Enrolment,
    ExcusedAbsence,
    RosterCorrection,
    SavedSignature,
    TrainingSession,
    session_trainer,
)
from courses.presenters import expected_on

CLOCK = "tremplin.clock"
MAX_IMAGE_BYTES = 200_000
MAX_IMAGE_SIDE = 2000
MAX_EXCUSE_BYTES = 5 * 1024 * 1024
SIGNING_METHODS_WITH_CODE = (rules.Method.OWN_PHONE, rules.Method.CODE)


class AppendOnlyError(RuntimeError):
    """A flush tried to change or delete an append-only record."""


def now() -> datetime:
    clock: Callable[[], datetime] | None = current_app.extensions.get(CLOCK)
    return clock() if clock is not None else utcnow()


# --- Append-only ------------------------------------------------------------------------------------------------

# Columns that may be emptied on an append-only row: an excuse file's after its retention (the fact stays).
_PURGEABLE = {"excused_absence": {"file_key", "file_type", "file_delete_after"}}


def _guard(session, _context, _instances) -> None:
    for obj in session.deleted:
        if getattr(type(obj), "__append_only__", False):
            raise AppendOnlyError(f"{type(obj).__tablename__} records are never deleted: add a correction")
    for obj in session.dirty:
        if not getattr(type(obj), "__append_only__", False) or not session.is_modified(obj):
            continue
        changed = {
            prop.key
            for prop in sa.inspect(type(obj)).column_attrs
            if sa.orm.attributes.get_history(obj, prop.key).has_changes()
        }
        if changed - _PURGEABLE.get(type(obj).__tablename__, set()):
            raise AppendOnlyError(f"{type(obj).__tablename__} records are never changed: add a correction")


def install_hooks() -> None:
    """The append-only guard on every session, and the retention rule of excuse files
    (``tremplin privacy purge``)."""
    if not sa.event.contains(FlaskSession, "before_flush", _guard):
        sa.event.listen(FlaskSession, "before_flush", _guard)
    register_retention("excused absence files", excuse_files_retention)


# --- Time, secrets, codes ---------------------------------------------------------------------------------------


def bounds(session: TrainingSession) -> tuple[datetime, datetime]:
    """The session's start and end as aware datetimes (its cohort's time zone)."""
    zone = ZoneInfo(session.cohort.timezone or "Europe/Brussels")
    return (
        datetime.combine(session.on, session.starts_at, tzinfo=zone),
        datetime.combine(session.on, session.ends_at, tzinfo=zone),
    )


def slot(session: TrainingSession) -> rules.Slot:
    starts, ends = bounds(session)
    return rules.Slot(session.id, starts, ends, frozenset(u.id for u in session.trainers))


def window(session: TrainingSession, at: datetime | None = None) -> rules.Window:
    return rules.window_state(*bounds(session), at or now())


def _secret(session: TrainingSession) -> bytes:
    return rules.session_secret(current_app.config["SECRET_KEY"], str(session.uuid))


def sign_url(session: TrainingSession, code: str | None = None) -> str:
    return external_url("courses.emargement_sign", session_uuid=session.uuid, **({"code": code} if code else {}))


def current_code(session: TrainingSession) -> dict:
    """What the trainer's screen shows: the code, the seconds until the next, the link the QR code holds."""
    code, left = rules.current_code(_secret(session), now())
    return {"code": code, "seconds_left": left, "url": sign_url(session, code)}


def session_password(session: TrainingSession) -> str:
    return rules.session_password(_secret(session))


# --- Checks -----------------------------------------------------------------------------------------------------


def holiday(session: TrainingSession, language: str = "fr") -> str | None:
    calendars = current_app.config.get("EMARGEMENT_HOLIDAY_CALENDARS") or {}
    zone = session.cohort.timezone or "Europe/Brussels"
    extra = current_app.config.get("EMARGEMENT_EXTRA_HOLIDAYS") or {}
    return rules.holiday_name(session.on, calendars.get(zone, ()), language, extra)


def _neighbours(session: TrainingSession) -> list[TrainingSession]:
    """Other sessions, not cancelled, within a day of this one (time zones differ across cohorts)."""
    return list(
        db.session.scalars(
            db.select(TrainingSession).where(
                TrainingSession.id != session.id,
                TrainingSession.cancelled.is_(False),
                TrainingSession.on.between(session.on - timedelta(days=1), session.on + timedelta(days=1)),
            )
        )
    )


def trainer_clashes(session: TrainingSession) -> list[tuple[User, TrainingSession]]:
    mine = slot(session)
    if not mine.trainer_ids:
        return []
    # Only the sessions within a day that share a trainer with this one, their cohort and trainers loaded at once:
    # every signature runs this check, and a busy day has many sessions.
    shared = (
        db.select(session_trainer.c.session_id).where(session_trainer.c.user_id.in_(mine.trainer_ids)).scalar_subquery()
    )
    others = {
        s.id: s
        for s in db.session.scalars(
            db.select(TrainingSession)
            .where(
                TrainingSession.id != session.id,
                TrainingSession.cancelled.is_(False),
                TrainingSession.on.between(session.on - timedelta(days=1), session.on + timedelta(days=1)),
                TrainingSession.id.in_(shared),
            )
            .options(sa.orm.selectinload(TrainingSession.trainers), sa.orm.joinedload(TrainingSession.cohort))
        )
    }
    clashes = rules.trainer_clashes(mine, [slot(s) for s in others.values()])
    people = {u.id: u for u in session.trainers}
    return [(people[t], others[other.id]) for t, slots in clashes.items() for other in slots]


def signed_count(session: TrainingSession) -> int:
    return db.session.scalar(
        db.select(sa.func.count(sa.distinct(AttendanceSignature.enrolment_id))).where(
            AttendanceSignature.session_id == session.id
        )
    )


def trainee_elsewhere(session: TrainingSession, user_id: int) -> TrainingSession | None:
    """Another session at the same time where this person has signed (one query: the sessions within a day where
    she signed; their times are compared in their own time zones)."""
    mine = rules.Slot(session.id, *bounds(session), frozenset())
    signed_near = db.session.scalars(
        db.select(TrainingSession)
        .join(AttendanceSignature, AttendanceSignature.session_id == TrainingSession.id)
        .join(Enrolment, Enrolment.id == AttendanceSignature.enrolment_id)
        .where(
            Enrolment.user_id == user_id,
            TrainingSession.id != session.id,
            TrainingSession.cancelled.is_(False),
            TrainingSession.on.between(session.on - timedelta(days=1), session.on + timedelta(days=1)),
        )
        .distinct()
    )
    for other in signed_near:
        starts, ends = bounds(other)
        if rules.overlaps(mine, rules.Slot(other.id, starts, ends, frozenset())):
            return other
    return None


def planning_warnings(session: TrainingSession) -> list[str]:
    """What a court or a funder would object to, for the people planning the session (shown, not blocking)."""
    out: list[str] = []
    name = holiday(session)
    if name:
        out.append(str(_l("This day is a public holiday (%(name)s). Signatures will be refused.", name=name)))
    for trainer, other in trainer_clashes(session):
        out.append(
            str(
                _l(
                    "%(trainer)s also teaches %(cohort)s at the same time (%(start)s–%(end)s).",
                    trainer=trainer.name,
                    cohort=other.cohort.code,
                    start=other.starts_at.strftime("%H:%M"),
                    end=other.ends_at.strftime("%H:%M"),
                )
            )
        )
    if session.seats is not None:
        expected = sum(
            1
            for e in db.session.scalars(
                db.select(Enrolment)
                .where(Enrolment.cohort_id == session.cohort_id)
                .options(sa.orm.selectinload(Enrolment.pauses))  # expected_on() reads them
            )
            if expected_on(e, session.on)
        )
        if expected > session.seats:
            out.append(
                ngettext(
                    "%(num)d trainee is expected but the room has %(seats)d seats.",
                    "%(num)d trainees are expected but the room has %(seats)d seats.",
                    expected,
                    seats=session.seats,
                )
            )
    return out


def check_signable(session: TrainingSession) -> None:
    """The checks that stop any signature in this session."""
    if session.cancelled:
        raise ServiceError(_l("This session is cancelled: there is nothing to sign."))
    name = holiday(session)
    if name:
        raise ServiceError(_l("This session falls on a public holiday (%(name)s). No one can sign it.", name=name))
    if trainer_clashes(session):
        raise ServiceError(
            _l("A trainer of this session is in another session at the same time. Ask the coordination.")
        )


def _lock(session: TrainingSession) -> None:
    """Take the session's row lock (PostgreSQL) so that the seat and duplicate checks and the insert that follows
    are not raced by another signature of the same session; SQLite serialises writers anyway."""
    db.session.execute(
        sa.update(TrainingSession)
        .where(TrainingSession.id == session.id)
        .values(roster_version=TrainingSession.roster_version)
        .execution_options(synchronize_session=False)
    )


# --- Images -----------------------------------------------------------------------------------------------------


def image_from_data_url(text: str | None) -> tuple[bytes, str, str]:
    """A drawn signature as sent by signature_pad (``data:image/png;base64,…``) → (PNG bytes, type, SHA-256).

    Refused: anything but a PNG, too big, or blank (nothing drawn)."""
    from PIL import Image, UnidentifiedImageError  # why: only the signing pages need Pillow

    prefix = "data:image/png;base64,"
    if not text or not text.startswith(prefix):
        raise ServiceError(_l("Please draw your signature in the box."), field="signature")
    try:
        data = base64.b64decode(text[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise ServiceError(_l("This signature could not be read. Please draw it again."), field="signature") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise ServiceError(_l("This signature is too large. Please draw it again."), field="signature")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG" or max(image.size) > MAX_IMAGE_SIDE:
                raise ServiceError(_l("This signature could not be read. Please draw it again."), field="signature")
            image.load()
            alpha = image.convert("RGBA").getchannel("A")
            blank = alpha.getbbox() is None
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ServiceError(_l("This signature could not be read. Please draw it again."), field="signature") from None
    if blank:
        raise ServiceError(_l("The box is empty. Please draw your signature."), field="signature")
    return data, "image/png", hashlib.sha256(data).hexdigest()


def data_url(image: bytes | None, image_type: str | None) -> str | None:
    if not image or not image_type:
        return None
    return f"data:{image_type};base64,{base64.b64encode(image).decode()}"


def saved_signature(user: User) -> SavedSignature | None:
    return db.session.scalar(
        db.select(SavedSignature).where(SavedSignature.user_id == user.id).order_by(SavedSignature.id.desc()).limit(1)
    )


def save_signature(user: User, drawn: str) -> SavedSignature:
    image, kind, digest = image_from_data_url(drawn)
    row = SavedSignature(user_id=user.id, image=image, image_type=kind, image_sha256=digest)
    db.session.add(row)
    db.session.flush()
    return row


# --- Signing ----------------------------------------------------------------------------------------------------


def enrolment_in(session: TrainingSession, user: User) -> Enrolment | None:
    return db.session.scalar(
        db.select(Enrolment).where(Enrolment.cohort_id == session.cohort_id, Enrolment.user_id == user.id)
    )


def has_signed(session: TrainingSession, enrolment: Enrolment) -> bool:
    return bool(
        db.session.scalar(
            db.select(AttendanceSignature.id)
            .where(AttendanceSignature.session_id == session.id, AttendanceSignature.enrolment_id == enrolment.id)
            .limit(1)
        )
    )


def _set_mark(
    session: TrainingSession,
    enrolment: Enrolment,
    status: str,
    minutes: int | None,
    by: User | None,
    *,
    signed: bool = False,
):
    from courses import services  # why: services imports presenters and outbox; keep this module light to import

    mark = {enrolment.id: services.MarkInput(status, minutes)}
    services.save_roster(session, mark, by, None, now=now(), signed=signed)


def signature_record(
    session: TrainingSession,
    enrolment: Enrolment,
    *,
    at: datetime,
    method: rules.Method,
    recorded_by_id: int | None,
    late: bool,
    reason: str | None = None,
    image: bytes | None,
    image_type: str | None,
    image_sha256: str | None,
) -> AttendanceSignature:
    """One signature's record (not added to the session), its hash computed over what it attests: the one way a
    signature is built, by :func:`sign` and by the demo's history."""
    document = rules.signed_document(
        session_uuid=str(session.uuid),
        person_uuid=str(enrolment.user.uuid),
        signed_at=at,
        method=method,
        image_sha256=image_sha256,
    )
    return AttendanceSignature(
        session_id=session.id,
        enrolment_id=enrolment.id,
        recorded_by_id=recorded_by_id,
        signed_at=at,
        method=method.value,
        late=late,
        reason=reason,
        image=image,
        image_type=image_type,
        image_sha256=image_sha256,
        sha256=rules.signature_hash(document),
    )


def sign(
    session: TrainingSession,
    enrolment: Enrolment,
    *,
    method: rules.Method | str,
    by: User | None,
    drawn: str | None = None,
    code: str | None = None,
    password: str | None = None,
    reason: str | None = None,
) -> AttendanceSignature:
    """Record one trainee's signature of a session and mark her present (or late) on the roster.

    ``drawn`` is a new drawing (PNG data URL); without one, her saved signature is used (own phone). ``code`` or
    ``password`` prove she is in the room (own phone); the trainer's device needs neither; ``trainer_override``
    (after the window) needs a reason."""
    method = rules.Method(method)
    at = now()
    if enrolment.cohort_id != session.cohort_id or not expected_on(enrolment, session.on):
        raise ServiceError(_l("This person is not expected at this session."))
    check_signable(session)
    state = window(session, at)
    reason = " ".join((reason or "").split()) or None
    if method is rules.Method.TRAINER_OVERRIDE:
        if state is not rules.Window.CLOSED:
            raise ServiceError(_l("The trainer signs for someone only after the session, with a reason."))
        if not reason:
            raise ServiceError(_l("Please give the reason for this late signature."), field="reason")
        if len(reason) > 300:
            raise ServiceError(_l("Please keep the reason under 300 characters."), field="reason")
    elif state is rules.Window.NOT_YET:
        raise ServiceError(_l("Signing opens 15 minutes before the session starts."))
    elif state is rules.Window.CLOSED:
        raise ServiceError(_l("The session is over: signing is closed. Please speak to your trainer."))
    if method in SIGNING_METHODS_WITH_CODE and not rules.code_is_valid(_secret(session), code, at):
        raise ServiceError(_l("This code is not valid. Please type the code on the screen now."), field="code")
    if method is rules.Method.PASSWORD and not rules.password_is_valid(_secret(session), password):
        raise ServiceError(_l("This password is not the session's password."), field="password")
    if drawn:
        image, kind, image_digest = image_from_data_url(drawn)
    elif method is rules.Method.TRAINER_OVERRIDE:
        image = kind = image_digest = None
    else:
        saved = saved_signature(enrolment.user) if method is not rules.Method.TRAINER_DEVICE else None
        if saved is None:
            raise ServiceError(_l("Please draw your signature in the box."), field="signature")
        image, kind, image_digest = saved.image, saved.image_type, saved.image_sha256
    # Everything above and the record below are built before any lock: only the checks that other signatures can
    # race (elsewhere, seats, twice) and the writes wait for the session's lock, and they are a few queries.
    if has_signed(session, enrolment):  # the early, friendly answer; the unique constraint is the guarantee
        raise ServiceError(_l("%(name)s has already signed this session.", name=enrolment.user.name))
    starts, ends = bounds(session)
    late = method is not rules.Method.TRAINER_OVERRIDE and rules.is_late(starts, at)
    record = signature_record(
        session,
        enrolment,
        at=at,
        method=method,
        recorded_by_id=by.id if by else None,
        late=late,
        reason=reason if method is rules.Method.TRAINER_OVERRIDE else None,
        image=image,
        image_type=kind,
        image_sha256=image_digest,
    )
    if _lock_person(enrolment.user_id):  # PostgreSQL: her own row; the other trainees do not wait for it
        _refuse_if_elsewhere(session, enrolment)
        outbox.badges_may_be_due(enrolment.id)  # the roster mark's job, queued before the lock (it finds it)
        _lock(session)
    else:  # SQLite: the first write takes the database's write lock; the check must come after it
        _lock(session)
        _refuse_if_elsewhere(session, enrolment)
    if rules.over_capacity(session.seats, signed_count(session), 1):
        raise ServiceError(
            ngettext(
                "The room has %(num)d seat and it is taken. Ask the trainer.",
                "The room has %(num)d seats and they have all signed. Ask the trainer.",
                session.seats,
            )
        )
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except sa.exc.IntegrityError:  # the same person signing twice at the same moment (two devices)
        raise ServiceError(_l("%(name)s has already signed this session.", name=enrolment.user.name)) from None
    if late:
        minutes = rules.minutes_from(at, starts, ends)
        _set_mark(session, enrolment, AttendanceStatus.LATE.value, minutes, by, signed=True)
    else:
        _set_mark(session, enrolment, AttendanceStatus.PRESENT.value, None, by, signed=True)
    return record


def _lock_person(user_id: int) -> bool:
    """Lock the person's row (PostgreSQL) so that "signed in two places at once" is checked and written by one
    signature of hers at a time. SQLite has no row locks: False, and its write lock serialises the writers."""
    if db.session.get_bind().dialect.name == "sqlite":
        return False
    db.session.execute(db.select(User.id).where(User.id == user_id).with_for_update())
    return True


def _refuse_if_elsewhere(session: TrainingSession, enrolment: Enrolment) -> None:
    elsewhere = trainee_elsewhere(session, enrolment.user_id)
    if elsewhere is not None:
        raise ServiceError(
            _l(
                "%(name)s has already signed another session at the same time (%(cohort)s).",
                name=enrolment.user.name,
                cohort=elsewhere.cohort.code,
            )
        )


def countersign(session: TrainingSession, trainer: User, drawn: str) -> Countersignature:
    """The trainer's countersignature, once the session is over; it fixes the sheet's digest and code."""
    if trainer not in session.trainers:
        raise ServiceError(_l("Only a trainer of this session can countersign it."))
    check_signable(session)
    at = now()
    if window(session, at) is not rules.Window.CLOSED:
        raise ServiceError(_l("You can countersign when the session is over."))
    image, kind, image_digest = image_from_data_url(drawn)
    _lock(session)
    already = db.session.scalar(
        db.select(Countersignature.id).where(
            Countersignature.session_id == session.id, Countersignature.trainer_id == trainer.id
        )
    )
    if already:
        raise ServiceError(_l("You have already countersigned this session."))
    hashes = list(
        db.session.scalars(
            db.select(AttendanceSignature.sha256)
            .where(AttendanceSignature.session_id == session.id)
            .order_by(AttendanceSignature.id)
        )
    )
    digest = rules.sheet_digest(hashes)
    document = {
        **rules.signed_document(
            session_uuid=str(session.uuid),
            person_uuid=str(trainer.uuid),
            signed_at=at,
            method="countersignature",
            image_sha256=image_digest,
        ),
        "sheet": digest,
    }
    row = Countersignature(
        session_id=session.id,
        trainer_id=trainer.id,
        trainer_name=trainer.legal_name,
        signed_at=at,
        code=new_code(),
        image=image,
        image_type=kind,
        image_sha256=image_digest,
        signatures=len(hashes),
        sheet_sha256=digest,
        sha256=rules.signature_hash(document),
    )
    db.session.add(row)
    db.session.flush()
    return row


def correct(
    session: TrainingSession, enrolment: Enrolment, status: str, minutes: int | None, reason: str, by: User
) -> RosterCorrection:
    """A trainer's correction of a mark (left early, absent after all…), with a reason the sheet shows."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError(_l("Please give the reason for this correction."), field="reason")
    if len(reason) > 300:
        raise ServiceError(_l("Please keep the reason under 300 characters."), field="reason")
    if enrolment.cohort_id != session.cohort_id:
        raise ServiceError(_l("This person is not in this cohort."))
    try:
        status = AttendanceStatus(status).value
    except ValueError:
        raise ServiceError(_l("Unknown attendance status."), field="status") from None
    if status not in (AttendanceStatus.LATE.value, AttendanceStatus.LEFT_EARLY.value):
        minutes = None
    _set_mark(session, enrolment, status, minutes, by)  # checks the minutes; raises before anything is added
    row = RosterCorrection(
        session_id=session.id,
        enrolment_id=enrolment.id,
        status=status,
        minutes=minutes,
        reason=reason,
        recorded_by_id=by.id,
        recorded_at=now(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def excuse(
    session: TrainingSession, enrolment: Enrolment, by: User, file: tuple[str, bytes] | None = None
) -> ExcusedAbsence:
    """ "Justification provided": never why. An optional file (PDF, PNG, JPEG) is kept privately for
    ``EXCUSE_FILE_RETENTION_DAYS`` days."""
    from courses.services import sniff_evidence  # why: the same file checks as evidence uploads

    if enrolment.cohort_id != session.cohort_id:
        raise ServiceError(_l("This person is not in this cohort."))
    if has_signed(session, enrolment):
        raise ServiceError(_l("%(name)s signed this session: there is no absence to excuse.", name=enrolment.user.name))
    key = kind = delete_after = None
    if file is not None:
        _name, data = file
        if len(data) > MAX_EXCUSE_BYTES:
            raise ServiceError(_l("This file is too large (5 MB at most)."), field="file")
        kind, _ext = sniff_evidence(data)
        digest = hashlib.sha256(data).hexdigest()
        key = f"excuses/{session.uuid}/{digest}"
        storage().put(key, data)
        days = int(current_app.config.get("EXCUSE_FILE_RETENTION_DAYS") or 90)
        delete_after = now().date() + timedelta(days=days)
    _set_mark(session, enrolment, AttendanceStatus.EXCUSED.value, None, by)
    row = ExcusedAbsence(
        session_id=session.id,
        enrolment_id=enrolment.id,
        recorded_by_id=by.id,
        recorded_at=now(),
        file_key=key,
        file_type=kind,
        file_delete_after=delete_after,
    )
    db.session.add(row)
    db.session.flush()
    return row


def excuse_files_retention(moment: datetime, apply: bool) -> RetentionReport:
    """The retention rule: excuse files past ``EXCUSE_FILE_RETENTION_DAYS`` (a dry run unless ``apply``)."""
    report = RetentionReport(name="excused absence files")
    due = db.session.scalars(
        db.select(ExcusedAbsence).where(
            ExcusedAbsence.file_key.is_not(None), ExcusedAbsence.file_delete_after < moment.date()
        )
    ).all()
    report.items = [f"{row.uuid} (kept until {row.file_delete_after.isoformat()})" for row in due]
    report.count = len(due)
    if apply and due:
        purge_excuse_files(moment.date())
    return report


def purge_excuse_files(today=None) -> int:
    """Delete the excuse files past their retention; the record "justification provided" stays."""
    today = today or now().date()
    rows = db.session.scalars(
        db.select(ExcusedAbsence).where(ExcusedAbsence.file_key.is_not(None), ExcusedAbsence.file_delete_after < today)
    ).all()
    for row in rows:
        storage().delete(row.file_key)
        row.file_key = row.file_type = row.file_delete_after = None
    db.session.flush()
    return len(rows)
