"""JSON API of the training domain under ``/api/v1``: flask-smorest views whose marshmallow schemas (below)
validate the arguments, serialise the responses and make the OpenAPI document (``core.rest``).

Reads: programmes and cohorts (coordinators, the cohort's trainers, funders — no person in them), sessions,
attendance, placements and hours, eligibility, badges and reports (coordinators and the cohort's trainers);
the funder report (coordinators and funders: aggregates only). Writes where people automate: a session's
roster (the cohort's trainers and coordinators, ``write:attendance``; the same optimistic lock as the page),
practice hours logged by the trainee and confirmed by the referent (``write:hours``). Object-level checks
reuse ``courses.permissions`` and run before the body is read; writes call the same services as the pages.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import fields, validate
from sqlalchemy.orm import joinedload, selectinload

from core import rest
from core.api_auth import api_scope
from core.db import db
from core.models import Role, User
from core.rest import BadInput, Choice, Date, PlainText, StrictSchema, Text, Uuid, WholeNumber, first, problem
from core.services import ServiceError, external_url
from courses import eligibility, exports, permissions, reports, rules, services
from courses.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    Enrolment,
    HoursEntry,
    HoursState,
    Module,
    Placement,
    Programme,
    TrainingSession,
)
from courses.presenters import expected_on, name_key

bp = rest.ApiBlueprint(
    "courses_api", __name__, url_prefix="/api/v1", description="Programmes, cohorts, attendance, hours, reports."
)

READERS = (Role.ADMIN, Role.TRAINER, Role.FUNDER)
STATUSES = [m.value for m in AttendanceStatus]


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    return problem(422, "invalid", str(exc), exc.field)


# --------------------------------------------------------------------------------------------------- schemas


class AsOfQuery(StrictSchema):
    as_of = Date(load_default=None, metadata={"description": "Evaluation date (default: today)."})


class PersonSchema(StrictSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)


class ModuleSchema(StrictSchema):
    code = fields.String(required=True)
    title = Text(required=True)


class ProgrammeSchema(StrictSchema):
    id = fields.UUID(required=True)
    code = fields.String(required=True)
    title = Text(required=True)
    credential_name = Text(required=True)
    modules = fields.List(fields.Nested(ModuleSchema), required=True)


class ProgrammeListSchema(StrictSchema):
    items = fields.List(fields.Nested(ProgrammeSchema), required=True)


class CohortSchema(StrictSchema):
    id = fields.UUID(required=True)
    code = fields.String(required=True)
    title = fields.String(required=True, allow_none=True)
    programme = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    trainees = fields.Raw(
        required=True,
        metadata={"type": ["integer", "string"], "description": 'Enrolled trainees; for funders, 1 to 4 is "<5".'},
    )


class CohortListSchema(StrictSchema):
    items = fields.List(fields.Nested(CohortSchema), required=True)


class SessionSchema(StrictSchema):
    id = fields.UUID(required=True)
    on = fields.Date(required=True)
    starts_at = fields.String(required=True, metadata={"description": "HH:MM, local time."})
    ends_at = fields.String(required=True, metadata={"description": "HH:MM, local time."})
    module = fields.String(required=True, allow_none=True)
    title = fields.String(required=True, allow_none=True)
    place = fields.String(required=True, allow_none=True)
    cancelled = fields.Boolean(required=True)
    roster_version = fields.Integer(required=True)


class SessionListSchema(StrictSchema):
    items = fields.List(fields.Nested(SessionSchema), required=True)


class MarkSchema(StrictSchema):
    enrolment_id = fields.UUID(required=True)
    trainee = fields.Nested(PersonSchema, required=True)
    expected = fields.Boolean(required=True)
    status = fields.String(required=True, allow_none=True, validate=validate.OneOf(STATUSES))
    minutes = fields.Integer(required=True, allow_none=True)


class RosterSchema(StrictSchema):
    session = fields.Nested(SessionSchema, required=True)
    roster_version = fields.Integer(required=True)
    marks = fields.List(fields.Nested(MarkSchema), required=True)


class MarkInSchema(StrictSchema):
    enrolment_id = Uuid(required=True)
    status = Choice(STATUSES, allow_none=True, load_default=None, metadata={"description": "null clears the mark."})
    minutes = WholeNumber(0, 24 * 60, allow_none=True, load_default=None)


class RosterInSchema(StrictSchema):
    roster_version = WholeNumber(required=True, metadata={"description": "The roster_version you read."})
    marks = fields.List(
        fields.Nested(MarkInSchema),
        required=True,
        validate=validate.Length(max=1000, error=rest.TOO_MANY),
        error_messages={"invalid": rest.NOT_A_LIST, **rest.REQUIRED},
    )


class PlacementSchema(StrictSchema):
    id = fields.UUID(required=True)
    enrolment_id = fields.UUID(required=True)
    trainee = fields.Nested(PersonSchema, required=True)
    host = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["stage", "emploi"]))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True, allow_none=True)
    cancelled_on = fields.Date(required=True, allow_none=True)
    referent = fields.String(required=True, allow_none=True)
    minutes_confirmed = fields.Integer(required=True)
    minutes_pending = fields.Integer(required=True)


class PlacementListSchema(StrictSchema):
    items = fields.List(fields.Nested(PlacementSchema), required=True)


class HoursSchema(StrictSchema):
    id = fields.UUID(attribute="uuid", required=True)
    on = fields.Date(required=True)
    minutes = fields.Integer(required=True)
    activity = fields.String(required=True, allow_none=True)
    state = fields.String(required=True, validate=validate.OneOf([s.value for s in HoursState]))
    reviewed_at = fields.DateTime(required=True, allow_none=True)
    review_comment = fields.String(required=True, allow_none=True)


class HoursListSchema(StrictSchema):
    items = fields.List(fields.Nested(HoursSchema), required=True)


class HoursInSchema(StrictSchema):
    on = Date(required=True)
    minutes = WholeNumber(1, 24 * 60, required=True)
    activity = PlainText(300, allow_none=True, load_default=None)


class ReviewInSchema(StrictSchema):
    state = Choice([HoursState.CONFIRMED.value, HoursState.REJECTED.value], required=True)
    comment = PlainText(500, allow_none=True, load_default=None, metadata={"description": "Needed to reject."})


class TraineeSchema(PersonSchema):
    email = fields.String(required=True)


class EligibilityItemSchema(StrictSchema):
    enrolment_id = fields.UUID(required=True)
    trainee = fields.Nested(TraineeSchema, required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in rules.Status]))
    attendance_percent = fields.String(required=True, allow_none=True)
    attended_minutes = fields.Integer(required=True)
    counted_minutes = fields.Integer(required=True)
    can_still_miss_minutes = fields.Integer(required=True, allow_none=True)
    placement_minutes = fields.Integer(required=True)
    placement_minutes_required = fields.Integer(required=True)
    competencies_validated = fields.Integer(required=True)
    competencies_required = fields.Integer(required=True)
    final_work = fields.String(required=True)
    reasons = fields.List(fields.String(), required=True)


class EligibilitySchema(StrictSchema):
    as_of = fields.Date(required=True)
    items = fields.List(fields.Nested(EligibilityItemSchema), required=True)


class BadgeEventSchema(StrictSchema):
    when = fields.DateTime(required=True)
    by = fields.String(attribute="who", required=True, allow_none=True)
    trainee = fields.String(required=True)
    achievement = fields.String(required=True)
    event = fields.String(required=True, validate=validate.OneOf(["issued", "revoked"]))
    reason = fields.String(required=True, allow_none=True)
    badge_id = fields.UUID(attribute="badge", required=True)
    verify_url = fields.Function(
        lambda e: external_url("badges.verify_badge", award_uuid=e.badge),
        required=True,
        metadata={"type": "string", "format": "uri"},
    )


class BadgeEventListSchema(StrictSchema):
    items = fields.List(fields.Nested(BadgeEventSchema), required=True)


class ColumnSchema(StrictSchema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    kind = fields.String(required=True)


class ReportPartSchema(StrictSchema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    columns = fields.List(fields.Nested(ColumnSchema), required=True)
    rows = fields.List(
        fields.List(fields.Raw(allow_none=True, metadata={"type": ["string", "number", "integer", "null"]})),
        required=True,
    )


class ReportSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(list(reports.KINDS)))
    title = fields.String(required=True)
    scope = fields.String(required=True)
    as_of = fields.Date(required=True)
    notes = fields.List(fields.String(), required=True)
    parts = fields.List(fields.Nested(ReportPartSchema), required=True)


# --------------------------------------------------------------------------------------------------- helpers
def require_roles(*roles: Role) -> None:
    if not current_user.has_role(*roles):
        abort(403)


def cohort_or_404(cohort_id: uuid.UUID) -> Cohort:
    return db.first_or_404(db.select(Cohort).where(Cohort.uuid == cohort_id))


def readable_cohort(cohort_id: uuid.UUID) -> Cohort:
    """Coordinators and funders: every cohort (no person in it); trainers: their cohorts."""
    require_roles(*READERS)
    cohort = cohort_or_404(cohort_id)
    if not current_user.has_role(Role.ADMIN, Role.FUNDER):
        permissions.require_staff(cohort)
    return cohort


def staff_cohort(cohort_id: uuid.UUID) -> Cohort:
    cohort = cohort_or_404(cohort_id)
    permissions.require_staff(cohort)
    return cohort


def person(user: User) -> dict[str, Any]:
    return {"id": user.uuid, "name": user.legal_name}


# --------------------------------------------------------------------------------------------------- programmes


def programme_json(p: Programme, modules: list[Module]) -> dict[str, Any]:
    return {
        "id": p.uuid,
        "code": p.code,
        "title": p.title,
        "credential_name": p.credential_name,
        "modules": [{"code": m.code, "title": m.title} for m in modules if not m.retired],
    }


@bp.route("/programmes")
@bp.response(200, ProgrammeListSchema)
@bp.errors()
def programmes():
    """Programmes and their modules (coordinators, trainers, funders)."""
    require_roles(*READERS)
    items = db.session.scalars(db.select(Programme).order_by(Programme.code)).all()
    modules: dict[int, list[Module]] = {}
    for m in db.session.scalars(db.select(Module).order_by(Module.position)):
        modules.setdefault(m.programme_id, []).append(m)
    return {"items": [programme_json(p, modules.get(p.id, [])) for p in items]}


# --------------------------------------------------------------------------------------------------- cohorts


def cohort_json(c: Cohort, programme_codes: dict[int, str], trainees: int | str) -> dict[str, Any]:
    return {
        "id": c.uuid,
        "code": c.code,
        "title": c.title,
        "programme": programme_codes[c.programme_id],
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
        "trainees": trainees,
    }


def _cohorts_json(cohorts: list[Cohort]) -> list[dict[str, Any]]:
    codes = dict(db.session.execute(db.select(Programme.id, Programme.code)).all())
    counts = dict(
        db.session.execute(
            db.select(Enrolment.cohort_id, db.func.count())
            .where(Enrolment.cohort_id.in_([c.id for c in cohorts]))
            .group_by(Enrolment.cohort_id)
        ).all()
    )
    small_cells = not current_user.has_role(Role.ADMIN, Role.TRAINER)  # funders: aggregates, small cells hidden
    return [
        cohort_json(c, codes, reports.suppress(counts.get(c.id, 0)) if small_cells else counts.get(c.id, 0))
        for c in cohorts
    ]


@bp.route("/cohorts")
@bp.response(200, CohortListSchema)
@bp.errors()
def cohorts():
    """Cohorts: all for coordinators and funders, their own for trainers."""
    require_roles(*READERS)
    query = db.select(Cohort).order_by(Cohort.starts_on.desc(), Cohort.code)
    if not current_user.has_role(Role.ADMIN, Role.FUNDER):
        query = query.where(Cohort.id.in_(permissions.staff_cohort_ids(current_user) or []))
    return {"items": _cohorts_json(list(db.session.scalars(query)))}


@bp.route("/cohorts/<uuid:cohort_id>")
@bp.response(200, CohortSchema)
@bp.errors(404)
def cohort(cohort_id: uuid.UUID):
    """A cohort (coordinators, funders, its trainers)."""
    return _cohorts_json([readable_cohort(cohort_id)])[0]


# --------------------------------------------------------------------------------------------------- sessions


def session_json(s: TrainingSession) -> dict[str, Any]:
    return {
        "id": s.uuid,
        "on": s.on,
        "starts_at": s.starts_at.strftime("%H:%M"),
        "ends_at": s.ends_at.strftime("%H:%M"),
        "module": s.module.code if s.module else None,
        "title": s.title,
        "place": s.place,
        "cancelled": s.cancelled,
        "roster_version": s.roster_version,
    }


@bp.route("/cohorts/<uuid:cohort_id>/sessions")
@bp.response(200, SessionListSchema)
@bp.errors(404)
def cohort_sessions(cohort_id: uuid.UUID):
    """The cohort's sessions (its staff)."""
    c = staff_cohort(cohort_id)
    items = db.session.scalars(
        db.select(TrainingSession)
        .options(selectinload(TrainingSession.module))
        .where(TrainingSession.cohort_id == c.id)
        .order_by(TrainingSession.on, TrainingSession.starts_at)
    ).all()
    return {"items": [session_json(s) for s in items]}


def session_or_404(session_id: uuid.UUID) -> TrainingSession:
    s = db.first_or_404(db.select(TrainingSession).where(TrainingSession.uuid == session_id))
    permissions.require_session_staff(s)
    return s


def roster_json(s: TrainingSession) -> dict[str, Any]:
    rows = db.session.execute(
        db.select(Enrolment, User)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == s.cohort_id)
        .options(selectinload(Enrolment.pauses))  # expected_on() reads them: one query, not one per trainee
    ).all()
    marks = {a.enrolment_id: a for a in db.session.scalars(db.select(Attendance).where(Attendance.session_id == s.id))}
    out = []
    for enrolment, user in sorted(rows, key=lambda row: name_key(row[1].legal_name)):
        mark = marks.get(enrolment.id)
        out.append(
            {
                "enrolment_id": enrolment.uuid,
                "trainee": person(user),
                "expected": expected_on(enrolment, s.on),
                "status": mark.status if mark else None,
                "minutes": mark.minutes if mark else None,
            }
        )
    return {"session": session_json(s), "roster_version": s.roster_version, "marks": out}


@bp.route("/sessions/<uuid:session_id>/attendance")
@bp.response(200, RosterSchema)
@bp.errors(404)
def attendance(session_id: uuid.UUID):
    """A session's roster: every trainee, expected or not, and their mark."""
    return roster_json(session_or_404(session_id))


@bp.route("/sessions/<uuid:session_id>/attendance", methods=["PUT"])
@api_scope("write:attendance")
@first(session_or_404)
@bp.arguments(RosterInSchema)
@bp.response(200, RosterSchema)
@bp.errors(400, 404, 409, 422)
def attendance_save(s: TrainingSession, data: dict[str, Any]):
    """Save marks (scope write:attendance), with the optimistic lock of the page.

    Send the roster_version you read: if someone saved since, nothing is written and the answer is 409.
    Trainees not listed keep their mark; `status: null` clears one.
    """
    enrolments = dict(
        db.session.execute(db.select(Enrolment.uuid, Enrolment.id).where(Enrolment.cohort_id == s.cohort_id)).all()
    )
    marks: dict[int, services.MarkInput] = {}
    for item in data["marks"]:
        if item["enrolment_id"] not in enrolments:
            raise BadInput(_l("This person is not in this cohort."), "enrolment_id")
        marks[enrolments[item["enrolment_id"]]] = services.MarkInput(item["status"], item["minutes"])
    try:
        services.save_roster(s, marks, current_user, data["roster_version"])
    except services.StaleRoster as exc:
        return problem(409, "conflict", str(exc))
    return roster_json(s)


# --------------------------------------------------------------------------------------------------- placements


def placement_json(p: Placement, trainee: User, totals: dict[tuple[int, str], int]) -> dict[str, Any]:
    return {
        "id": p.uuid,
        "enrolment_id": p.enrolment.uuid,
        "trainee": person(trainee),
        "host": p.host.name,
        "kind": p.kind,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "cancelled_on": p.cancelled_on,
        "referent": p.tutor.name if p.tutor else p.tutor_name,
        "minutes_confirmed": totals.get((p.id, HoursState.CONFIRMED.value), 0),
        "minutes_pending": totals.get((p.id, HoursState.PENDING.value), 0),
    }


@bp.route("/cohorts/<uuid:cohort_id>/placements")
@bp.response(200, PlacementListSchema)
@bp.errors(404)
def cohort_placements(cohort_id: uuid.UUID):
    """The cohort's placements and their hours (its staff)."""
    c = staff_cohort(cohort_id)
    rows = db.session.execute(
        db.select(Placement, User)
        .join(Enrolment, Enrolment.id == Placement.enrolment_id)
        .join(User, User.id == Enrolment.user_id)
        .options(joinedload(Placement.host), joinedload(Placement.tutor), joinedload(Placement.enrolment))
        .where(Enrolment.cohort_id == c.id)
        .order_by(Placement.starts_on)
    ).all()
    totals = {
        (placement_id, state): int(total or 0)
        for placement_id, state, total in db.session.execute(
            db.select(HoursEntry.placement_id, HoursEntry.state, db.func.sum(HoursEntry.minutes))
            .where(HoursEntry.placement_id.in_([p.id for p, _ in rows]))
            .group_by(HoursEntry.placement_id, HoursEntry.state)
        )
    }
    return {"items": [placement_json(p, u, totals) for p, u in rows]}


def placement_or_404(placement_id: uuid.UUID) -> Placement:
    return db.first_or_404(db.select(Placement).where(Placement.uuid == placement_id))


@bp.route("/placements/<uuid:placement_id>/hours")
@bp.response(200, HoursListSchema)
@bp.errors(404)
def placement_hours(placement_id: uuid.UUID):
    """A placement's hours (the trainee, the referent, the cohort's staff)."""
    p = placement_or_404(placement_id)
    if p.enrolment.user_id != current_user.id and not permissions.can_review_placement(current_user, p):
        abort(403)
    items = db.session.scalars(
        db.select(HoursEntry).where(HoursEntry.placement_id == p.id).order_by(HoursEntry.on.desc())
    ).all()
    return {"items": items}


def own_placement(placement_id: uuid.UUID) -> Placement:
    p = placement_or_404(placement_id)
    if p.enrolment.user_id != current_user.id:
        abort(403)
    return p


@bp.route("/placements/<uuid:placement_id>/hours", methods=["POST"])
@api_scope("write:hours")
@first(own_placement)
@bp.arguments(HoursInSchema)
@bp.response(201, HoursSchema)
@bp.errors(400, 404, 422)
def placement_hours_log(p: Placement, data: dict[str, Any]):
    """The trainee logs hours done (scope write:hours); they wait for the referent's confirmation."""
    return services.log_hours(p.enrolment, data["on"], data["minutes"], data["activity"], placement=p)


def reviewable_hours(hours_id: uuid.UUID) -> HoursEntry:
    entry = db.first_or_404(db.select(HoursEntry).where(HoursEntry.uuid == hours_id))
    permissions.require_hours_reviewer(entry)
    return entry


@bp.route("/hours/<uuid:hours_id>/review", methods=["POST"])
@api_scope("write:hours")
@first(reviewable_hours)
@bp.arguments(ReviewInSchema)
@bp.response(200, HoursSchema)
@bp.errors(400, 404, 422)
def hours_review(entry: HoursEntry, data: dict[str, Any]):
    """The referent or the cohort's staff confirm or reject hours (scope write:hours).

    A comment is needed to reject.
    """
    state, comment = data["state"], data["comment"]
    enrolment = db.session.get(Enrolment, entry.enrolment_id)
    services.review_hours(
        entry,
        state,
        by=current_user,
        comment=comment,
        may_change=permissions.is_staff_of(current_user, enrolment.cohort),
    )
    return entry


# --------------------------------------------------------------------------------------------------- eligibility


@bp.route("/cohorts/<uuid:cohort_id>/eligibility")
@bp.arguments(AsOfQuery, location="query", error_status_code=400)
@bp.response(200, EligibilitySchema)
@bp.errors(400, 404)
def cohort_eligibility(query: dict[str, Any], cohort_id: uuid.UUID):
    """Each trainee's situation against the programme's conditions (the cohort's staff)."""
    c = staff_cohort(cohort_id)
    day = query["as_of"] or date.today()
    items = []
    for r in eligibility.evaluate_cohort(c, day):
        e = r.evaluation
        items.append(
            {
                "enrolment_id": r.enrolment.uuid,
                "trainee": {**person(r.user), "email": r.user.email},
                "status": e.status.value,
                "attendance_percent": rules.floor_percent(e.attendance_percent) or None,
                "attended_minutes": e.programme.attended_minutes,
                "counted_minutes": e.programme.counted_minutes,
                "can_still_miss_minutes": e.can_still_miss_minutes,
                "placement_minutes": e.placement_minutes,
                "placement_minutes_required": e.placement_minutes_required,
                "competencies_validated": e.competencies_validated,
                "competencies_required": e.competencies_required,
                "final_work": e.final_work,
                "reasons": list(e.reasons),
            }
        )
    return {"as_of": day, "items": items}


# --------------------------------------------------------------------------------------------------- badges


@bp.route("/cohorts/<uuid:cohort_id>/badges")
@bp.response(200, BadgeEventListSchema)
@bp.errors(404)
def cohort_badges(cohort_id: uuid.UUID):
    """Badge issuances and revocations of the cohort (its staff)."""
    return {"items": reports.badge_register(staff_cohort(cohort_id))}


# --------------------------------------------------------------------------------------------------- reports


def cell(column: reports.Column, value: Any) -> Any:
    value = exports.typed(column, value)
    if value is None or isinstance(value, str | int):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return float(value)  # Decimal: hours and percentages, two decimals


def report_json(report: reports.Report) -> dict[str, Any]:
    return {
        "kind": report.kind,
        "title": report.title,
        "scope": report.scope,
        "as_of": report.as_of,
        "notes": report.notes,
        "parts": [
            {
                "key": part.key,
                "title": str(part.title),
                "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in part.columns],
                "rows": [[cell(c, v) for c, v in zip(part.columns, row, strict=True)] for row in part.rows],
            }
            for part in report.parts
        ],
    }


@bp.route(
    "/cohorts/<uuid:cohort_id>/reports/<kind>",
    parameters=[{"in": "path", "name": "kind", "schema": {"type": "string", "enum": list(reports.COHORT_KINDS)}}],
)
@bp.arguments(AsOfQuery, location="query", error_status_code=400)
@bp.response(200, ReportSchema)
@bp.errors(400, 404)
def cohort_report(query: dict[str, Any], cohort_id: uuid.UUID, kind: str):
    """A report of the cohort (its staff): `kind` is one of summary, sessions, modules, risk, badges."""
    if kind not in reports.COHORT_KINDS:
        abort(404)
    c = staff_cohort(cohort_id)
    return report_json(reports.build(kind, c, query["as_of"] or date.today()))


@bp.route("/reports/funder")
@bp.arguments(AsOfQuery, location="query", error_status_code=400)
@bp.response(200, ReportSchema)
@bp.errors(400)
def funder_report(query: dict[str, Any]):
    """Aggregates by cohort and by year, counts 1–4 shown as "<5" (coordinators, funders)."""
    require_roles(Role.ADMIN, Role.FUNDER)
    return report_json(reports.funder(query["as_of"] or date.today()))
