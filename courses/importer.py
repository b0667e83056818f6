"""Spreadsheet imports, shared by the web upload and ``tremplin import``: all or nothing.

``courses.csvio`` turns the bytes into typed rows (or errors with row and column); this module checks the
rows against the cohort (is this person enrolled? is there a session at that date and time?), collects
*every* error, and applies the rows only when there is none. Re-importing the same file changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from core import services as core_services
from core.db import db, utcnow
from core.models import Role, User, UserRole
from core.services import ServiceError
from courses import csvio, funding, rules, services
from courses.csvio import CsvError
from courses.models import (
    Attendance,
    Cohort,
    Competency,
    Enrolment,
    HoursEntry,
    HoursState,
    Module,
    TrainingSession,
    Validation,
)
from courses.presenters import expected_on

N_ = csvio.N_


class ImportFailed(Exception):
    def __init__(self, errors: list[CsvError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors

    def render(self, gettext=lambda s: s) -> list[str]:
        return [e.render(gettext) for e in self.errors]


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    counts: Counter = field(default_factory=Counter)  # created / updated / unchanged / invited

    def summary(self) -> str:
        parts = ", ".join(f"{n} {what}" for what, n in sorted(self.counts.items()) if n)
        return f"{self.kind}: {self.rows} row(s) read; {parts or 'nothing to do'}."


def _error(row: int | None, column: str | None, message: str, **params) -> CsvError:
    return CsvError(row=row, column=column, message=message, params=params)


class _Context:
    """What the checks need about the cohort, loaded once."""

    def __init__(self, cohort: Cohort):
        self.cohort = cohort
        rows = db.session.execute(
            db.select(Enrolment, User).join(User, User.id == Enrolment.user_id).where(Enrolment.cohort_id == cohort.id)
        ).all()
        self.enrolments = {user.email: enrolment for enrolment, user in rows}
        self.sessions = {
            (s.on, s.starts_at): s
            for s in db.session.scalars(db.select(TrainingSession).where(TrainingSession.cohort_id == cohort.id))
        }
        self.modules = {
            m.code: m for m in db.session.scalars(db.select(Module).where(Module.programme_id == cohort.programme_id))
        }
        self.competencies = {
            c.code: c
            for c in db.session.scalars(db.select(Competency).where(Competency.programme_id == cohort.programme_id))
            if not c.retired
        }

    def enrolment(self, row: int, email: str, errors: list[CsvError]) -> Enrolment | None:
        enrolment = self.enrolments.get(email)
        if enrolment is None:
            errors.append(_error(row, "email", N_("%(email)s is not enrolled in this cohort."), email=email))
        return enrolment


def run(kind: str, cohort: Cohort, data: bytes, actor: User | None = None) -> ImportReport:
    """Import ``data`` (CSV bytes) of ``kind`` into ``cohort``; raise ``ImportFailed`` with every error."""
    parsed = csvio.parse(kind, data)
    context = _Context(cohort)
    report = ImportReport(kind=kind, rows=len(parsed.rows))
    # The rows that parsed are checked against the cohort even when others did not, so that one upload
    # lists every problem of the file; with any error at all, the appliers below change nothing.
    errors: list[CsvError] = list(parsed.errors)
    apply = {
        "sessions": _sessions,
        "trainees": _trainees,
        "pauses": _pauses,
        "attendance": _attendance,
        "placements": _hours,
        "competencies": _competencies,
        "finalwork": _final_work,
    }[kind]
    apply(context, parsed.rows, errors, report, actor)
    if errors:
        raise ImportFailed(sorted(errors, key=lambda e: (e.row or 0, e.column or "")))
    db.session.flush()
    return report


def _guard(errors: list[CsvError], row: int, column: str, action) -> None:
    """Run a service call; a refusal becomes an error on this row instead of stopping the import."""
    try:
        action()
    except ServiceError as exc:
        # The service names its own field; the coordinator needs the column of *this* file.
        errors.append(_error(row, column, "%(reason)s", reason=str(exc)))


def _sessions(context: _Context, rows, errors, report, actor) -> None:
    for r in rows:
        if r.module not in context.modules:
            errors.append(_error(r.row, "module", N_("There is no module %(code)s in this programme."), code=r.module))
            continue
        if errors:
            continue
        cancelled = r.status == "cancelled"
        existing = context.sessions.get((r.date, r.start))
        if existing is None:

            def create(r=r, cancelled=cancelled):
                context.sessions[(r.date, r.start)] = services.create_session(
                    context.cohort, r.module, r.date, r.start, r.end, cancelled=cancelled
                )

            _guard(errors, r.row, "start", create)
            report.counts["created"] += 1
        elif (existing.ends_at, existing.module_id, existing.cancelled) != (
            r.end,
            context.modules[r.module].id,
            cancelled,
        ):
            existing.ends_at, existing.module, existing.cancelled = r.end, context.modules[r.module], cancelled
            report.counts["updated"] += 1
        else:
            report.counts["unchanged"] += 1


def _trainees(context: _Context, rows, errors, report, actor) -> None:
    emails = [r.email for r in rows]
    users = {u.email: u for u in db.session.scalars(db.select(User).where(User.email.in_(emails)))}
    for r in rows:
        enrolled_on = r.enrolled_on or context.cohort.starts_on
        if r.withdrawn_on and r.withdrawn_on < enrolled_on:
            errors.append(_error(r.row, "withdrawn_on", N_("The withdrawal date must come after the enrolment date.")))
            continue
        user = users.get(r.email)
        if user is not None and not user.has_role(Role.TRAINEE) and user.has_role(Role.ADMIN, Role.FUNDER):
            errors.append(
                _error(r.row, "email", N_("%(email)s belongs to a staff account, not a trainee."), email=r.email)
            )
    if errors:
        return
    for r in rows:
        user = users.get(r.email)
        if user is None:
            user = core_services.create_user(r.email, r.legal_name, [Role.TRAINEE], display_name=r.display_name)
            core_services.invite(user)
            report.counts["invited"] += 1
        elif not user.has_role(Role.TRAINEE):
            user.role_rows.append(UserRole(role=Role.TRAINEE.value))
        enrolment = context.enrolments.get(r.email)
        enrolled_on = r.enrolled_on or context.cohort.starts_on
        if enrolment is None:
            enrolment = services.enrol(context.cohort, user, enrolled_on, r.withdrawn_on)
            _funding(enrolment, r)
            report.counts["created"] += 1
        elif (enrolment.enrolled_on, enrolment.withdrawn_on) != (enrolled_on, r.withdrawn_on):
            services.enrol(context.cohort, user, enrolled_on, r.withdrawn_on)
            _funding(enrolment, r)
            report.counts["updated"] += 1
        elif _funding(enrolment, r):
            report.counts["updated"] += 1
        else:
            report.counts["unchanged"] += 1


def _funding(enrolment: Enrolment, r) -> bool:
    """The BPF facts of the row (an empty cell leaves what is recorded); True when something changed."""
    trainee_type = r.trainee_type or enrolment.trainee_type
    funding_source = r.funding_source or enrolment.funding_source
    if (trainee_type, funding_source) == (enrolment.trainee_type, enrolment.funding_source):
        return False
    funding.set_enrolment_funding(enrolment, trainee_type, funding_source, enrolment.subcontracted)
    return True


def _pauses(context: _Context, rows, errors, report, actor) -> None:
    for r in rows:
        enrolment = context.enrolment(r.row, r.email, errors)
        if enrolment is None or errors:
            continue
        if any(p.starts_on == r.starts_on and p.ends_on == r.ends_on for p in enrolment.pauses):
            report.counts["unchanged"] += 1
            continue
        _guard(errors, r.row, "from", lambda e=enrolment, r=r: services.add_pause(e, r.starts_on, r.ends_on))
        report.counts["created"] += 1


def _attendance(context: _Context, rows, errors, report, actor) -> None:
    marks: dict[int, dict[int, services.MarkInput]] = {}
    for r in rows:
        session = context.sessions.get((r.date, r.start))
        if session is None:
            errors.append(
                _error(
                    r.row,
                    "start",
                    N_("There is no session on %(date)s at %(start)s in this cohort."),
                    date=r.date.isoformat(),
                    start=r.start.strftime("%H:%M"),
                )
            )
            continue
        enrolment = context.enrolment(r.row, r.email, errors)
        if enrolment is None:
            continue
        if session.cancelled:
            errors.append(_error(r.row, "date", N_("The session of %(date)s was cancelled."), date=r.date.isoformat()))
            continue
        if r.status not in rules.PLANNED and not services.roster_is_open(session):
            errors.append(
                _error(
                    r.row,
                    "date",
                    N_("The session of %(date)s has not started: only a planned absence (excused) can be recorded."),
                    date=r.date.isoformat(),
                )
            )
            continue
        if not expected_on(enrolment, session.on):
            errors.append(
                _error(
                    r.row,
                    "email",
                    N_("%(email)s is not expected at this session (not enrolled yet, on a pause or withdrawn)."),
                    email=r.email,
                )
            )
            continue
        if r.minutes is not None and r.minutes > session.minutes:
            errors.append(
                _error(
                    r.row,
                    "minutes",
                    N_("%(minutes)d minutes is more than the session lasts (%(total)d)."),
                    minutes=r.minutes,
                    total=session.minutes,
                )
            )
            continue
        marks.setdefault(session.id, {})[enrolment.id] = services.MarkInput(r.status, r.minutes)
    if errors:
        return
    existing = {
        (a.session_id, a.enrolment_id): (a.status, a.minutes)
        for a in db.session.scalars(db.select(Attendance).where(Attendance.session_id.in_(list(marks))))
    }
    by_id = {s.id: s for s in context.sessions.values()}
    for session_id, session_marks in marks.items():
        changed = {e: m for e, m in session_marks.items() if existing.get((session_id, e)) != (m.status, m.minutes)}
        report.counts["unchanged"] += len(session_marks) - len(changed)
        if changed:
            services.save_roster(by_id[session_id], changed, actor, None)
            report.counts["recorded"] += len(changed)


def _hours(context: _Context, rows, errors, report, actor) -> None:
    for r in rows:
        enrolment = context.enrolment(r.row, r.email, errors)
        if enrolment is None:
            continue
        if r.date > date.today():
            errors.append(
                _error(
                    r.row, "date", N_("Hours are logged once done: %(date)s is in the future."), date=r.date.isoformat()
                )
            )
    if errors:
        return
    # An entry is the same one again whatever has happened to it since (a referent may have confirmed it):
    # (trainee, day, minutes), counted with multiplicity, so two identical lines stay two entries.
    existing = Counter(
        (e.enrolment_id, e.on, e.minutes)
        for e in db.session.scalars(
            db.select(HoursEntry).where(HoursEntry.enrolment_id.in_([e.id for e in context.enrolments.values()]))
        )
    )
    for r in rows:
        enrolment = context.enrolments[r.email]
        key = (enrolment.id, r.date, r.minutes)
        if existing[key] > 0:  # the same entry imported before: re-importing a file changes nothing
            existing[key] -= 1
            report.counts["unchanged"] += 1
            continue
        try:
            # Logged in its state: confirmed hours queue the badges they may make due (see services.log_hours).
            entry = services.log_hours(enrolment, r.date, r.minutes, state=r.state)
        except ServiceError as exc:  # outside the placement, over 24 hours that day…: listed, nothing applied
            errors.append(_error(r.row, "minutes" if exc.field == "minutes" else "date", "%(reason)s", reason=str(exc)))
            continue
        if r.state != HoursState.PENDING.value:
            entry.reviewed_by_id = actor.id if actor else None
            entry.reviewed_at = utcnow()
        report.counts["created"] += 1


def _competencies(context: _Context, rows, errors, report, actor) -> None:
    if actor is None or not actor.has_role(Role.TRAINER, Role.ADMIN):
        errors.append(_error(None, None, N_("Competencies can only be imported by a named trainer or coordinator.")))
        return
    for r in rows:
        enrolment = context.enrolment(r.row, r.email, errors)
        if r.competency not in context.competencies:
            errors.append(
                _error(r.row, "competency", N_("There is no competency %(code)s in this programme."), code=r.competency)
            )
        if r.validated_on > date.today():
            errors.append(_error(r.row, "validated_on", N_("The validation date cannot be in the future.")))
        if enrolment is None:
            continue
    if errors:
        return
    active = set(
        db.session.execute(
            db.select(Validation.enrolment_id, Validation.competency_id).where(
                Validation.validator_id == actor.id, Validation.withdrawn_at.is_(None)
            )
        ).all()
    )
    for r in rows:
        enrolment, competency = context.enrolments[r.email], context.competencies[r.competency]
        if (enrolment.id, competency.id) in active:
            report.counts["unchanged"] += 1
            continue
        evidence = competency.evidence_types[0] if competency.evidence_types else "E-OBS"
        _guard(
            errors,
            r.row,
            "competency",
            lambda e=enrolment, c=competency, r=r, ev=evidence: services.validate_competency(
                e, c, actor, ev, r.validated_on
            ),
        )
        active.add((enrolment.id, competency.id))
        report.counts["created"] += 1


def _final_work(context: _Context, rows, errors, report, actor) -> None:
    for r in rows:
        enrolment = context.enrolment(r.row, r.email, errors)
        if enrolment is None or errors:
            continue
        if enrolment.final_work == r.result:
            report.counts["unchanged"] += 1
            continue
        services.record_final_work(enrolment, r.result)
        report.counts["updated"] += 1
