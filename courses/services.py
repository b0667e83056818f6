"""Writes of the training domain. Services validate, change models, ``flush()``; they never commit.

Errors a person can fix raise ``core.services.ServiceError`` with a translated message.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask_babel import format_date, format_datetime
from flask_babel import lazy_gettext as _l
from werkzeug.utils import secure_filename

from core import audit, tokens
from core.db import db, utcnow
from core.models import Role, User
from core.services import ServiceError, external_url, normalize_email
from courses import evidence_store, outbox, rules
from courses.models import (
    Attendance,
    AttendanceStatus,
    CalendarFeed,
    Cohort,
    CohortStaff,
    Competency,
    Enrolment,
    EvidenceFile,
    FinalWork,
    HostOrganisation,
    HoursEntry,
    HoursState,
    Module,
    Pause,
    Placement,
    Programme,
    TrainerKind,
    TrainingSession,
    Validation,
)
from courses.programme_spec import EVIDENCE_TYPES as KNOWN_EVIDENCE
from courses.programme_spec import ProgrammeSpec

TUTOR_LINK_PURPOSE = "tutor-hours"
KEEP = object()  # "leave this field as it is" (update_session's optional fields)


# --- Programmes ---------------------------------------------------------------------------------------------


def _text(value) -> dict[str, str] | None:
    return None if value is None else value.to_data()


def load_programme(spec: ProgrammeSpec, source: str) -> tuple[Programme, bool]:
    """Create or update a programme from its validated YAML. Returns (programme, created).

    Modules and competencies are matched by code: new ones are added, changed ones updated, and ones no
    longer in the file are marked retired (kept, since validations may point at them)."""
    programme = db.session.scalar(db.select(Programme).where(Programme.code == spec.id))
    created = programme is None
    if created:
        programme = Programme(code=spec.id)
        db.session.add(programme)
    programme.title = _text(spec.title)
    programme.credential_name = _text(spec.credential_name)
    programme.description = _text(spec.description)
    programme.format = dict(spec.format or {})
    programme.rules = rules_to_dict(spec)
    programme.badges = spec.badges.to_data()
    programme.certificate = spec.certificate.to_data()
    programme.documents = spec.documents.to_data()
    programme.funding = spec.funding.to_data()
    programme.source = source
    db.session.flush()

    modules = {m.code: m for m in programme.modules}
    competencies = {
        c.code: c for c in db.session.scalars(db.select(Competency).where(Competency.programme_id == programme.id))
    }
    for module in modules.values():
        module.retired = True
    for competency in competencies.values():
        competency.retired = True
    for position, module_spec in enumerate(spec.modules):
        module = modules.get(module_spec.code)
        if module is None:
            module = Module(code=module_spec.code, programme=programme)
            db.session.add(module)
        module.title, module.position, module.retired = _text(module_spec.title), position, False
        module.alignments = [a.to_record() for a in module_spec.alignments]
        for c_position, c_spec in enumerate(module_spec.competencies):
            competency = competencies.get(c_spec.code)
            if competency is None:
                competency = Competency(code=c_spec.code, programme_id=programme.id)
                db.session.add(competency)
            competency.module = module
            competency.title = _text(c_spec.title)
            competency.description = _text(c_spec.description)
            competency.evidence_types = list(c_spec.evidence)
            competency.alignments = [a.to_record() for a in c_spec.alignments]
            competency.position, competency.retired = c_position, False
    db.session.flush()
    return programme, created


def rules_to_dict(spec: ProgrammeSpec) -> dict:
    rules = spec.rules
    return {
        "attendance": {
            "threshold_percent": rules.attendance.threshold_percent,
            "basis": rules.attendance.basis,
            "scope": rules.attendance.scope,
            "excused": rules.attendance.excused,
        },
        "placement_hours": rules.placement_hours,
        "final_work": rules.final_work,
        "competencies": rules.competencies if isinstance(rules.competencies, str) else list(rules.competencies),
        "co_validation": rules.co_validation,
    }


def required_competency_codes(programme: Programme, competencies: Iterable[Competency]) -> frozenset[str]:
    wanted = programme.rules.get("competencies", "all")
    active = {c.code for c in competencies if not c.retired}
    if wanted == "all":
        return frozenset(active)
    if wanted == "none":
        return frozenset()
    return frozenset(code for code in wanted if code in active)


# --- Cohorts, staff, enrolments -------------------------------------------------------------------------------


def get_programme(code: str) -> Programme:
    programme = db.session.scalar(db.select(Programme).where(Programme.code == code))
    if programme is None:
        raise ServiceError(_l("Unknown programme: %(code)s.", code=code), field="programme")
    return programme


def create_cohort(
    code: str,
    programme: Programme,
    starts_on: date,
    ends_on: date,
    *,
    title: str | None = None,
    contact: User | None = None,
) -> Cohort:
    code = (code or "").strip()
    if not code or len(code) > 60 or any(ch.isspace() for ch in code):
        raise ServiceError(_l("The cohort code must be one word (letters, digits, dashes)."), field="code")
    if db.session.scalar(db.select(Cohort.id).where(Cohort.code == code)):
        raise ServiceError(_l("A cohort with this code already exists."), field="code")
    if ends_on < starts_on:
        raise ServiceError(_l("The end date must come after the start date."), field="ends_on")
    if contact is not None and not contact.has_role(Role.ADMIN, Role.TRAINER):
        raise ServiceError(_l("The contact person must be a coordinator or a trainer."), field="contact")
    cohort = Cohort(
        code=code, programme=programme, starts_on=starts_on, ends_on=ends_on, title=title or None, contact=contact
    )
    db.session.add(cohort)
    db.session.flush()
    return cohort


def set_convocation_details(
    cohort: Cohort,
    *,
    place: str | None,
    what_to_bring: str | None,
    contact: str | None,
    accessibility_referent: str | None,
) -> None:
    """The convocation of this cohort (a promotion in another town): each detail left empty falls back to the
    programme's ``documents:`` block. Trimmed; too long is refused and changes nothing."""
    values = {
        "place": (place, 200),
        "what_to_bring": (what_to_bring, 500),
        "convocation_contact": (contact, 200),
        "accessibility_referent": (accessibility_referent, 200),
    }
    clean: dict[str, str | None] = {}
    for name, (value, limit) in values.items():
        text = " ".join((value or "").split()) or None
        if text is not None and len(text) > limit:
            raise ServiceError(_l("Please keep this under %(num)d characters.", num=limit), field=name)
        clean[name] = text
    for name, text in clean.items():
        setattr(cohort, name, text)
    db.session.flush()


def update_cohort(cohort: Cohort, *, title: str | None, contact: User | None) -> Cohort:
    """Change a cohort's name and its trainees' contact person (``None``: its first trainer answers).
    The contact must be an active coordinator or trainer; the change is audited."""
    if contact is not None and (not contact.active or not contact.has_role(Role.ADMIN, Role.TRAINER)):
        raise ServiceError(_l("The contact person must be a coordinator or a trainer."), field="contact")
    title = (title or "").strip() or None
    if title is not None and len(title) > 200:
        raise ServiceError(_l("The name is too long (200 characters at most)."), field="title")
    before = {"title": cohort.title, "contact": cohort.contact.email if cohort.contact else None}
    after = {"title": title, "contact": contact.email if contact else None}
    if before == after:
        return cohort
    cohort.title = title
    cohort.contact = contact
    db.session.flush()
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    audit.record("cohort.changed", "cohort", str(cohort.uuid), **changed)
    return cohort


def contact_of(cohort: Cohort) -> User | None:
    """Whom the cohort's trainees turn to: its contact person, or else its first trainer (professional first)."""
    if cohort.contact is not None and cohort.contact.active:
        return cohort.contact
    staff = sorted(
        (s for s in cohort.staff if s.user.active),
        key=lambda s: (s.kind != TrainerKind.PROFESSIONAL.value, s.user.legal_name),
    )
    return staff[0].user if staff else None


def trainee_contact(user: User) -> User | None:
    """The named person a trainee can turn to: the contact of their current (latest, not left) cohort."""
    enrolment = db.session.scalars(
        db.select(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.withdrawn_on.is_(None))
        .order_by(Enrolment.enrolled_on.desc(), Enrolment.id.desc())
    ).first()
    return contact_of(enrolment.cohort) if enrolment is not None else None


def add_trainer(cohort: Cohort, user: User, kind: str = TrainerKind.PROFESSIONAL) -> CohortStaff:
    if not user.has_role(Role.TRAINER, Role.ADMIN):
        raise ServiceError(_l("%(name)s is not a trainer.", name=user.name))
    staff = db.session.get(CohortStaff, (cohort.id, user.id))
    if staff is None:
        staff = CohortStaff(cohort=cohort, user=user)
        db.session.add(staff)
    staff.kind = TrainerKind(kind).value
    db.session.flush()
    return staff


def enrol(cohort: Cohort, user: User, enrolled_on: date | None = None, withdrawn_on: date | None = None) -> Enrolment:
    enrolled_on = enrolled_on or cohort.starts_on
    if withdrawn_on is not None and withdrawn_on < enrolled_on:
        raise ServiceError(_l("The withdrawal date must come after the enrolment date."), field="withdrawn_on")
    enrolment = db.session.scalar(
        db.select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id)
    )
    changed = enrolment is not None and (enrolment.enrolled_on, enrolment.withdrawn_on) != (enrolled_on, withdrawn_on)
    if enrolment is None:
        enrolment = Enrolment(cohort=cohort, user=user, enrolled_on=enrolled_on)
        db.session.add(enrolment)
    enrolment.enrolled_on, enrolment.withdrawn_on = enrolled_on, withdrawn_on
    db.session.flush()
    if changed:  # back in the cohort, or other dates: what counts for the badges changed
        outbox.badges_may_be_due(enrolment.id)
    return enrolment


def withdraw(enrolment: Enrolment, on: date | None) -> None:
    if on is not None and on < enrolment.enrolled_on:
        raise ServiceError(_l("The withdrawal date must come after the enrolment date."), field="withdrawn_on")
    enrolment.withdrawn_on = on
    db.session.flush()
    outbox.badges_may_be_due(enrolment.id)


def add_pause(enrolment: Enrolment, starts_on: date, ends_on: date) -> Pause:
    """Record a pause (both dates inclusive). There is no reason field, by design."""
    if ends_on < starts_on:
        raise ServiceError(_l("The end of the pause must come after its start."), field="ends_on")
    for other in enrolment.pauses:
        if other.starts_on <= ends_on and starts_on <= other.ends_on:
            raise ServiceError(_l("This pause overlaps another one."), field="starts_on")
    pause = Pause(enrolment=enrolment, starts_on=starts_on, ends_on=ends_on)
    db.session.add(pause)
    db.session.flush()
    outbox.badges_may_be_due(enrolment.id)  # the sessions expected of the trainee changed
    return pause


def remove_pause(pause: Pause) -> None:
    enrolment_id = pause.enrolment_id
    db.session.delete(pause)
    db.session.flush()
    outbox.badges_may_be_due(enrolment_id)


def record_final_work(enrolment: Enrolment, result: str) -> None:
    try:
        enrolment.final_work = FinalWork(result).value
    except ValueError as exc:
        raise ServiceError(_l("Unknown result."), field="result") from exc
    enrolment.final_work_recorded_at = utcnow()
    db.session.flush()
    outbox.badges_may_be_due(enrolment.id)


# --- Sessions and attendance ------------------------------------------------------------------------------------


def _module(cohort: Cohort, code: str | None) -> Module | None:
    if not code:
        return None
    module = db.session.scalar(db.select(Module).where(Module.programme_id == cohort.programme_id, Module.code == code))
    if module is None:
        raise ServiceError(_l("Unknown module: %(code)s.", code=code), field="module")
    return module


def _check_times(starts_at: time, ends_at: time) -> None:
    if ends_at <= starts_at:
        raise ServiceError(_l("The session must end after it starts."), field="ends_at")


def create_session(
    cohort: Cohort,
    module_code: str | None,
    on: date,
    starts_at: time,
    ends_at: time,
    *,
    title: str | None = None,
    place: str | None = None,
    trainers: Iterable[User] = (),
    cancelled: bool = False,
    seats: int | None = None,
) -> TrainingSession:
    _check_times(starts_at, ends_at)
    exists = db.session.scalar(
        db.select(TrainingSession.id).where(
            TrainingSession.cohort_id == cohort.id, TrainingSession.on == on, TrainingSession.starts_at == starts_at
        )
    )
    if exists:
        raise ServiceError(_l("There is already a session at this date and time."), field="on")
    session = TrainingSession(
        cohort=cohort,
        module=_module(cohort, module_code),
        on=on,
        starts_at=starts_at,
        ends_at=ends_at,
        title=title or None,
        place=place or cohort.place,
        trainers=list(trainers),
        cancelled=cancelled,
        seats=seats,
    )
    db.session.add(session)
    db.session.flush()
    return session


def update_session(
    session: TrainingSession,
    *,
    on: date,
    starts_at: time,
    ends_at: time,
    module_code: str | None,
    title: str | None,
    place: str | None,
    cancelled: bool,
    trainers: Iterable[User],
    seats: int | object | None = KEEP,
) -> TrainingSession:
    """Move, re-time, cancel or re-staff a session. Attendance already taken stays attached. ``seats`` (the
    room's capacity) is kept unless given."""
    _check_times(starts_at, ends_at)
    clash = db.session.scalar(
        db.select(TrainingSession.id).where(
            TrainingSession.cohort_id == session.cohort_id,
            TrainingSession.on == on,
            TrainingSession.starts_at == starts_at,
            TrainingSession.id != session.id,
        )
    )
    if clash:
        raise ServiceError(_l("There is already a session at this date and time."), field="on")
    session.on, session.starts_at, session.ends_at = on, starts_at, ends_at
    session.module = _module(session.cohort, module_code)
    session.title, session.place, session.cancelled = title or None, place or None, cancelled
    session.trainers = list(trainers)
    if seats is not KEEP:
        session.seats = seats
    db.session.flush()
    outbox.cohort_badges_may_be_due(session.cohort_id)
    return session


@dataclass(frozen=True)
class MarkInput:
    status: str | None  # None = no mark (clears an existing one)
    minutes: int | None = None


class StaleRoster(ServiceError):
    """Someone saved this roster after the form was opened."""


def roster_is_open(session: TrainingSession, now: datetime | None = None) -> bool:
    """Has the session started (in its cohort's time zone)? Its roster takes marks from then on."""
    return rules.roster_open(session.on, session.starts_at, session.cohort.timezone, now or datetime.now(UTC))


def save_roster(
    session: TrainingSession,
    marks: Mapping[int, MarkInput],
    recorded_by: User | None,
    expected_version: int | None,
    *,
    now: datetime | None = None,
    signed: bool = False,
) -> int:
    """Save the marks of a session's roster (enrolment id → mark) all at once.

    ``expected_version`` is the roster version the form was opened with: if another save happened since,
    nothing is written and ``StaleRoster`` is raised, so no one's marks are silently overwritten.
    The version is claimed with one conditional UPDATE before anything is written, so two saves racing
    each other cannot both win, on SQLite or on PostgreSQL (where the second UPDATE waits for the first
    transaction and then matches no row). Returns the number of marks changed.

    Before the session starts (``now``, default: the present) the only mark it takes is a planned absence
    (excused): nobody can yet be present, late or absent, unless ``signed``: the mark follows a trainee's own
    signature, which the signing window (from 15 minutes before the start) already allowed."""
    if session.cancelled:
        raise ServiceError(_l("This session is cancelled: no attendance to take."))
    if not signed and not roster_is_open(session, now):
        early = [m for m in marks.values() if m.status is not None and m.status not in rules.PLANNED]
        if early:
            raise ServiceError(
                _l(
                    "This session has not started yet: attendance can be taken from %(when)s. "
                    "Before that, you can only record a planned absence.",
                    when=format_datetime(
                        rules.session_starts_at(session.on, session.starts_at, session.cohort.timezone),
                        "EEEE d MMMM, HH:mm",
                    ),
                )
            )
    claim = db.update(TrainingSession).where(TrainingSession.id == session.id)
    if expected_version is not None:
        claim = claim.where(TrainingSession.roster_version == expected_version)
    claimed = db.session.execute(
        claim.values(roster_version=TrainingSession.roster_version + 1).execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(session, ["roster_version"])
    if claimed != 1:
        raise StaleRoster(
            _l(
                "Someone else saved this attendance sheet while you were filling it in. Nothing was saved: "
                "the page now shows their marks; check them and save again."
            )
        )
    allowed = set(db.session.scalars(db.select(Enrolment.id).where(Enrolment.cohort_id == session.cohort_id)))
    existing = {
        a.enrolment_id: a for a in db.session.scalars(db.select(Attendance).where(Attendance.session_id == session.id))
    }
    total = session.minutes
    changed_for: list[int] = []  # the trainees whose mark changed: only their badges may become due
    for enrolment_id, mark in marks.items():
        if enrolment_id not in allowed:
            raise ServiceError(_l("This person is not in this cohort."))
        current = existing.get(enrolment_id)
        if mark.status is None:
            if current is not None:
                db.session.delete(current)
                changed_for.append(enrolment_id)
            continue
        try:
            status = AttendanceStatus(mark.status)
        except ValueError as exc:
            raise ServiceError(_l("Unknown attendance status.")) from exc
        minutes = mark.minutes
        if status in (AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY):
            if minutes is None or not 0 <= minutes <= total:
                raise ServiceError(
                    _l(
                        "For a late arrival or an early departure, give the minutes attended (0 to %(total)d).",
                        total=total,
                    )
                )
        else:
            minutes = None
        if current is None:
            db.session.add(
                Attendance(
                    session_id=session.id,
                    enrolment_id=enrolment_id,
                    status=status.value,
                    minutes=minutes,
                    recorded_by_id=recorded_by.id if recorded_by else None,
                )
            )
            changed_for.append(enrolment_id)
        elif current.status != status.value or current.minutes != minutes:
            current.status, current.minutes = status.value, minutes
            current.recorded_by_id = recorded_by.id if recorded_by else None
            changed_for.append(enrolment_id)
    db.session.flush()
    outbox.badges_may_be_due(*changed_for)
    return len(changed_for)


# --- Placements and hours ---------------------------------------------------------------------------------------


def get_or_create_host(name: str, kind: str | None = None, city: str | None = None) -> HostOrganisation:
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError(_l("Please enter the name of the host organisation."), field="host")
    host = db.session.scalar(db.select(HostOrganisation).where(HostOrganisation.name == name))
    if host is None:
        host = HostOrganisation(name=name, kind=kind, city=city)
        db.session.add(host)
        db.session.flush()
    return host


def create_placement(
    enrolment: Enrolment,
    host: HostOrganisation,
    starts_on: date,
    *,
    ends_on: date | None = None,
    kind: str = "stage",
    tutor: User | None = None,
    tutor_name: str | None = None,
    tutor_email: str | None = None,
) -> Placement:
    if kind not in ("stage", "emploi"):
        raise ServiceError(_l("A placement is a 'stage' or an 'emploi'."), field="kind")
    if ends_on is not None and ends_on < starts_on:
        raise ServiceError(_l("The end date must come after the start date."), field="ends_on")
    if tutor is not None and not tutor.has_role(Role.TUTOR):
        raise ServiceError(_l("%(name)s is not a placement referent.", name=tutor.name), field="tutor")
    placement = Placement(
        enrolment=enrolment,
        host=host,
        starts_on=starts_on,
        ends_on=ends_on,
        kind=kind,
        tutor=tutor,
        tutor_name=tutor_name or None,
        tutor_email=normalize_email(tutor_email) if tutor_email else None,
    )
    db.session.add(placement)
    db.session.flush()
    return placement


def cancel_placement(placement: Placement, on: date) -> None:
    """End a placement early ("sans lendemain"). Confirmed hours stay; links for it stop working."""
    if on < placement.starts_on:
        raise ServiceError(_l("The end date must come after the start date."), field="on")
    placement.cancelled_on = on
    placement.link_version += 1
    db.session.flush()


def placement_for(enrolment: Enrolment, on: date) -> Placement | None:
    """The placement of this trainee running on that date, if any."""
    for placement in db.session.scalars(
        db.select(Placement).where(Placement.enrolment_id == enrolment.id).order_by(Placement.starts_on.desc())
    ):
        end = placement.cancelled_on or placement.ends_on
        if placement.starts_on <= on and (end is None or on <= end):
            return placement
    return None


def _nearest_placement(enrolment: Enrolment, on: date) -> Placement | None:
    """When no placement runs on that day: the next one to start, else the last one before it (for the message)."""
    placements = db.session.scalars(
        db.select(Placement).where(Placement.enrolment_id == enrolment.id).order_by(Placement.starts_on)
    ).all()
    later = [p for p in placements if p.starts_on > on]
    return later[0] if later else (placements[-1] if placements else None)


def _check_within_placement(placement: Placement, on: date) -> None:
    end = placement.cancelled_on or placement.ends_on
    if on < placement.starts_on:
        raise ServiceError(
            _l(
                "This day is before the start of the placement (%(day)s): hours count from its first day.",
                day=format_date(placement.starts_on, "long"),
            ),
            field="on",
        )
    if end is not None and on > end:
        raise ServiceError(
            _l(
                "This day is after the end of the placement (%(day)s): hours count until its last day.",
                day=format_date(end, "long"),
            ),
            field="on",
        )


def _checked_hours(
    enrolment: Enrolment,
    on: date,
    minutes: int,
    activity: str | None,
    placement: Placement | None,
    *,
    excluding: HoursEntry | None = None,
) -> tuple[Placement | None, str | None]:
    """The rules every day of hours must meet (logged or changed): returns its placement and its cleaned note.
    ``excluding`` is the entry being changed, left out of the day's total."""
    if not 0 < minutes <= 24 * 60:
        raise ServiceError(_l("Give a duration between a few minutes and 24 hours."), field="minutes")
    if on > date.today():
        raise ServiceError(_l("Hours are logged once done: this date is in the future."), field="on")
    if placement is not None and placement.enrolment_id != enrolment.id:
        raise ServiceError(_l("This placement is not yours."), field="placement")
    placement = placement or placement_for(enrolment, on) or _nearest_placement(enrolment, on)
    if placement is not None:
        _check_within_placement(placement, on)
    if _minutes_logged(enrolment, on, excluding=excluding) + minutes > 24 * 60:
        raise ServiceError(_l("That would make more than 24 hours on the same day."), field="minutes")
    activity = " ".join((activity or "").split()) or None
    if activity and len(activity) > 300:
        raise ServiceError(_l("Keep the note short (300 characters at most)."), field="activity")
    return placement, activity


def _minutes_logged(enrolment: Enrolment, on: date, *, excluding: HoursEntry | None = None) -> int:
    """Minutes the person has logged that day (not refused), over all their enrolments."""
    query = (
        db.select(db.func.coalesce(db.func.sum(HoursEntry.minutes), 0))
        .join(Enrolment, Enrolment.id == HoursEntry.enrolment_id)
        .where(
            Enrolment.user_id == enrolment.user_id,
            HoursEntry.on == on,
            HoursEntry.state != HoursState.REJECTED.value,
        )
    )
    if excluding is not None and excluding.id is not None:
        query = query.where(HoursEntry.id != excluding.id)
    return db.session.scalar(query)


#: Above this, a day of practice is unusual: the trainee is asked to check it (24 hours is refused).
LONG_DAY_MINUTES = 12 * 60


def hours_warnings(enrolment: Enrolment, on: date, minutes: int, *, excluding: HoursEntry | None = None) -> list:
    """What to point out about a day of hours that the rules accept: the day was already logged, or it makes
    more than 12 hours. Warnings, not refusals: the trainee checks and corrects if she made a mistake."""
    already = _minutes_logged(enrolment, on, excluding=excluding)
    warnings = []
    if already:
        warnings.append(_l("You had already logged hours on this day. Check that it is not twice."))
    if already + minutes > LONG_DAY_MINUTES:
        warnings.append(_l("This makes more than 12 hours on this day. Check the number of hours."))
    return warnings


def log_hours(
    enrolment: Enrolment,
    on: date,
    minutes: int,
    activity: str | None = None,
    *,
    state: str = HoursState.PENDING,
    placement: Placement | None = None,
) -> HoursEntry:
    """Practice hours of one day, for ``placement`` (the API names it) or the placement running that day.

    The one place the rules are checked, for the form, the API and the importer alike: a duration of at most
    24 hours, a day that is not in the future and falls within the placement's dates (when the trainee has
    placements; hours of a trainee with none are accepted and confirmed by the staff), and at most 24 hours that
    day for the person, counted over all their placements and enrolments: one person, one day of 24 hours."""
    placement, activity = _checked_hours(enrolment, on, minutes, activity, placement)
    entry = HoursEntry(
        enrolment_id=enrolment.id,
        placement=placement,
        on=on,
        minutes=minutes,
        activity=activity,
        state=HoursState(state).value,
    )
    db.session.add(entry)
    db.session.flush()
    if entry.state == HoursState.CONFIRMED.value:  # logged confirmed (by the staff, the API, an import)
        outbox.badges_may_be_due(enrolment.id)
    return entry


def _still_pending(entry: HoursEntry) -> None:
    if entry.state != HoursState.PENDING.value:
        raise ServiceError(_l("These hours already have an answer. They can no longer be changed."))


def change_hours(entry: HoursEntry, on: date, minutes: int, activity: str | None = None) -> HoursEntry:
    """The trainee corrects a day of hours still waiting for confirmation, under the rules of ``log_hours``
    (its placement follows the new date)."""
    _still_pending(entry)
    enrolment = db.session.get(Enrolment, entry.enrolment_id)
    placement, activity = _checked_hours(enrolment, on, minutes, activity, None, excluding=entry)
    entry.on, entry.minutes, entry.activity, entry.placement = on, minutes, activity, placement
    db.session.flush()
    audit.record("hours.changed", "hours_entry", str(entry.uuid))
    return entry


def delete_hours(entry: HoursEntry) -> None:
    """The trainee takes back a day of hours still waiting for confirmation."""
    _still_pending(entry)
    audit.record("hours.deleted", "hours_entry", str(entry.uuid))
    db.session.delete(entry)
    db.session.flush()


def review_hours(
    entry: HoursEntry,
    state: str,
    *,
    by: User | None,
    comment: str | None = None,
    via_link: bool = False,
    may_change: bool = False,
) -> None:
    """Confirm or reject logged hours. Only pending entries, unless ``may_change`` (coordinators and the
    cohort's trainers correcting a decision); a referent's link never overturns a decision."""
    state = HoursState(state)
    if state is HoursState.PENDING:
        raise ServiceError(_l("Confirm or reject."))
    if entry.state != HoursState.PENDING.value and not may_change:
        raise ServiceError(_l("These hours have already been reviewed."))
    comment = " ".join((comment or "").split()) or None
    if state is HoursState.REJECTED and not comment:
        raise ServiceError(_l("Please say in a few words why these hours are not confirmed."), field="comment")
    entry.state = state.value
    entry.review_comment = comment
    entry.reviewed_by_id = by.id if by else None
    entry.reviewed_via_link = via_link
    entry.reviewed_at = utcnow()
    db.session.flush()
    outbox.badges_may_be_due(entry.enrolment_id)


def validate_batch(
    pairs: Sequence[tuple[Enrolment, Competency]],
    validator: User,
    evidence_type: str,
    validated_on: date,
) -> list[Validation]:
    """Validate several competencies of several trainees at once, with one kind of evidence and one date (the
    trainer's grid after a role play). All or nothing: the first refusal raises, and the request rolls back."""
    if not pairs:
        raise ServiceError(_l("Tick at least one box: a trainee and a competency."), field="cells")
    return [validate_competency(e, c, validator, evidence_type, validated_on) for e, c in pairs]


def confirm_days(entries: Sequence[HoursEntry], *, by: User | None, via_link: bool = False) -> int:
    """Confirm at once the days a referent has in front of them ("confirm all"). Only those still waiting:
    a day answered meanwhile (by a colleague, in another tab) keeps its answer. Returns how many were confirmed;
    none is an error, so that the person is told rather than thanked for nothing."""
    pending = [entry for entry in entries if entry.state == HoursState.PENDING.value]
    if not pending:
        raise ServiceError(_l("These days have already been answered: nothing was changed."))
    for entry in pending:
        review_hours(entry, HoursState.CONFIRMED.value, by=by, via_link=via_link)
    return len(pending)


def tutor_link(placement: Placement, ttl_days: int = 45) -> str:
    """A link for the referent to confirm this placement's hours without an account."""
    token = tokens.sign(TUTOR_LINK_PURPOSE, str(placement.uuid), ttl_days * 86400, v=placement.link_version)
    return external_url("courses.tutor_link", token=token)


def placement_from_link(token: str) -> Placement:
    claims = tokens.verify(token, TUTOR_LINK_PURPOSE)
    try:
        key = uuid.UUID(claims["sub"])
    except ValueError as exc:
        raise tokens.TokenError("invalid") from exc
    placement = db.session.scalar(db.select(Placement).where(Placement.uuid == key))
    if placement is None or claims.get("v") != placement.link_version:
        raise tokens.TokenError("revoked")
    return placement


# --- Competencies ------------------------------------------------------------------------------------------------

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
EVIDENCE_TYPES = {
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
}


def sniff_evidence(data: bytes) -> tuple[str, str]:
    """The content type of an evidence file, from its first bytes (never from its name or the browser)."""
    for magic, kind in EVIDENCE_TYPES.items():
        if data.startswith(magic):
            return kind
    raise ServiceError(_l("Only PDF, PNG or JPEG files can be attached."), field="file")


evidence_key = evidence_store.evidence_key  # the storage key of an evidence file (by content hash)


def validate_competency(
    enrolment: Enrolment,
    competency: Competency,
    validator: User,
    evidence_type: str,
    validated_on: date,
    comment: str | None = None,
    *,
    file: tuple[str, bytes] | None = None,
) -> Validation:
    """Record that ``validator`` validated ``competency`` for this trainee, with its evidence."""
    if not validator.has_role(Role.TRAINER, Role.ADMIN):
        raise ServiceError(_l("Only trainers and coordinators validate competencies."))
    if competency.programme_id != enrolment.cohort.programme_id or competency.retired:
        raise ServiceError(_l("This competency is not part of this programme."), field="competency")
    if evidence_type not in KNOWN_EVIDENCE:
        raise ServiceError(_l("Choose the kind of evidence."), field="evidence_type")
    if validated_on > date.today():
        raise ServiceError(_l("The validation date cannot be in the future."), field="validated_on")
    active = db.session.scalar(
        db.select(Validation.id).where(
            Validation.enrolment_id == enrolment.id,
            Validation.competency_id == competency.id,
            Validation.validator_id == validator.id,
            Validation.withdrawn_at.is_(None),
        )
    )
    if active:
        raise ServiceError(_l("You have already validated this competency for this person."), field="competency")
    comment = (comment or "").strip() or None
    if comment and len(comment) > 1000:
        raise ServiceError(_l("Keep the comment under 1000 characters."), field="comment")
    validation = Validation(
        enrolment_id=enrolment.id,
        competency=competency,
        validator=validator,
        evidence_type=evidence_type,
        validated_on=validated_on,
        comment=comment,
    )
    db.session.add(validation)
    db.session.flush()
    outbox.badges_may_be_due(enrolment.id)
    if file is not None:
        attach_evidence(validation, *file)
    return validation


def attach_evidence(validation: Validation, filename: str, data: bytes) -> EvidenceFile:
    if not data:
        raise ServiceError(_l("The file is empty."), field="file")
    if len(data) > EVIDENCE_MAX_BYTES:
        raise ServiceError(_l("The file is too large (5 MB at most)."), field="file")
    content_type, extension = sniff_evidence(data)
    digest = hashlib.sha256(data).hexdigest()
    evidence_store.put(digest, data)  # shared with identical content: re-checked after the commit
    stem = secure_filename(filename.rsplit(".", 1)[0])[:80] or "piece"
    record = EvidenceFile(
        validation=validation, filename=stem + extension, content_type=content_type, size=len(data), sha256=digest
    )
    db.session.add(record)
    db.session.flush()
    return record


def withdraw_validation(validation: Validation, by: User) -> None:
    if validation.withdrawn_at is not None:
        raise ServiceError(_l("This validation was already withdrawn."))
    validation.withdrawn_at = utcnow()
    validation.withdrawn_by_id = by.id
    audit.record("validation.withdrawn", "validation", str(validation.uuid))
    db.session.flush()


# --- Calendar feeds ----------------------------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_calendar_feed(user: User) -> str:
    """Create (or replace: the old URL stops working) the private calendar URL of a person."""
    token = secrets.token_urlsafe(32)
    feed = db.session.scalar(db.select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token_hash=_hash_token(token))
        db.session.add(feed)
    else:
        feed.token_hash = _hash_token(token)
        feed.created_at = utcnow()
    db.session.flush()
    return token


def revoke_calendar_feed(user: User) -> None:
    db.session.execute(db.delete(CalendarFeed).where(CalendarFeed.user_id == user.id))


def user_for_calendar_token(token: str) -> User | None:
    feed = db.session.scalar(db.select(CalendarFeed).where(CalendarFeed.token_hash == _hash_token(token)))
    if feed is None:
        return None
    user = db.session.get(User, feed.user_id)
    return user if user is not None and user.active else None
