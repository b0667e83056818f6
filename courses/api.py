"""JSON API of the training domain under ``/api/v1`` (described in ``API_SPEC``, merged into the OpenAPI
document by ``core.openapi``).

Reads: programmes and cohorts (coordinators, the cohort's trainers, funders — no person in them), sessions,
attendance, placements and hours, eligibility, badges and reports (coordinators and the cohort's trainers);
the funder report (coordinators and funders: aggregates only). Writes where people automate: a session's
roster (the cohort's trainers and coordinators, ``write:attendance``; the same optimistic lock as the page),
practice hours logged by the trainee and confirmed by the referent (``write:hours``). Object-level checks
reuse ``courses.permissions``; writes call the same services as the pages.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from core.api_auth import api_scope
from core.db import db
from core.models import Role, User
from core.openapi import (
    AS_OF,
    BOOLEAN,
    DATE,
    DATE_TIME,
    INTEGER,
    STRING,
    TEXT,
    UUID,
    body,
    items_of,
    nullable,
    obj,
    path_parameter,
    ref,
    responses,
)
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

bp = Blueprint("courses_api", __name__, url_prefix="/api/v1")

MAX_INT = 2**31 - 1
READERS = (Role.ADMIN, Role.TRAINER, Role.FUNDER)


# --------------------------------------------------------------------------------------------------- helpers


def problem(status: int, error: str, message: str, field: str | None = None):
    response = jsonify(error=error, message=message, status=status, field=field)
    response.status_code = status
    return response


class BadInput(Exception):
    def __init__(self, message: str, field: str | None = None, status: int = 422):
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


@bp.errorhandler(BadInput)
def _bad_input(exc: BadInput):
    return problem(exc.status, "invalid", exc.message, exc.field)


@bp.errorhandler(ServiceError)
def _service_error(exc: ServiceError):
    return problem(422, "invalid", str(exc), exc.field)


def payload() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadInput("Send a JSON object.", status=400)
    return data


def text(value: Any, field: str, *, max_length: int, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise BadInput(f"{field} is required.", field)
        return None
    if not isinstance(value, str):
        raise BadInput(f"{field} must be a string.", field)
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value) or len(value) > max_length:
        raise BadInput(f"{field} must be plain text of at most {max_length} characters.", field)
    return value


def integer(value: Any, field: str, *, minimum: int = 0, maximum: int = MAX_INT, required: bool = True) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise BadInput(f"{field} must be a whole number from {minimum} to {maximum}.", field)
    return value


def a_date(value: Any, field: str) -> date:
    if not isinstance(value, str):
        raise BadInput(f"{field} must be a date (YYYY-MM-DD).", field)
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise BadInput(f"{field} must be a date (YYYY-MM-DD).", field) from exc


def a_uuid(value: Any, field: str) -> uuid.UUID:
    if not isinstance(value, str):
        raise BadInput(f"{field} must be a UUID.", field)
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise BadInput(f"{field} must be a UUID.", field) from exc


def as_of() -> date:
    raw = request.args.get("as_of")
    if not raw:
        return date.today()
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise BadInput("as_of must be a date (YYYY-MM-DD).", "as_of", 400) from exc


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
    return {"id": str(user.uuid), "name": user.legal_name}


# --------------------------------------------------------------------------------------------------- programmes


def programme_json(p: Programme, modules: list[Module]) -> dict[str, Any]:
    return {
        "id": str(p.uuid),
        "code": p.code,
        "title": p.title,
        "credential_name": p.credential_name,
        "modules": [{"code": m.code, "title": m.title} for m in modules if not m.retired],
    }


@bp.route("/programmes")
def programmes():
    require_roles(*READERS)
    items = db.session.scalars(db.select(Programme).order_by(Programme.code)).all()
    modules: dict[int, list[Module]] = {}
    for m in db.session.scalars(db.select(Module).order_by(Module.position)):
        modules.setdefault(m.programme_id, []).append(m)
    return jsonify(items=[programme_json(p, modules.get(p.id, [])) for p in items])


# --------------------------------------------------------------------------------------------------- cohorts


def cohort_json(c: Cohort, programme_codes: dict[int, str], trainees: int | str) -> dict[str, Any]:
    return {
        "id": str(c.uuid),
        "code": c.code,
        "title": c.title,
        "programme": programme_codes[c.programme_id],
        "starts_on": c.starts_on.isoformat(),
        "ends_on": c.ends_on.isoformat(),
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
def cohorts():
    require_roles(*READERS)
    query = db.select(Cohort).order_by(Cohort.starts_on.desc(), Cohort.code)
    if not current_user.has_role(Role.ADMIN, Role.FUNDER):
        query = query.where(Cohort.id.in_(permissions.staff_cohort_ids(current_user) or []))
    return jsonify(items=_cohorts_json(list(db.session.scalars(query))))


@bp.route("/cohorts/<uuid:cohort_id>")
def cohort(cohort_id: uuid.UUID):
    return jsonify(_cohorts_json([readable_cohort(cohort_id)])[0])


# --------------------------------------------------------------------------------------------------- sessions


def session_json(s: TrainingSession) -> dict[str, Any]:
    return {
        "id": str(s.uuid),
        "on": s.on.isoformat(),
        "starts_at": s.starts_at.strftime("%H:%M"),
        "ends_at": s.ends_at.strftime("%H:%M"),
        "module": s.module.code if s.module else None,
        "title": s.title,
        "place": s.place,
        "cancelled": s.cancelled,
        "roster_version": s.roster_version,
    }


@bp.route("/cohorts/<uuid:cohort_id>/sessions")
def cohort_sessions(cohort_id: uuid.UUID):
    c = staff_cohort(cohort_id)
    items = db.session.scalars(
        db.select(TrainingSession)
        .options(selectinload(TrainingSession.module))
        .where(TrainingSession.cohort_id == c.id)
        .order_by(TrainingSession.on, TrainingSession.starts_at)
    ).all()
    return jsonify(items=[session_json(s) for s in items])


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
                "enrolment_id": str(enrolment.uuid),
                "trainee": person(user),
                "expected": expected_on(enrolment, s.on),
                "status": mark.status if mark else None,
                "minutes": mark.minutes if mark else None,
            }
        )
    return {"session": session_json(s), "roster_version": s.roster_version, "marks": out}


@bp.route("/sessions/<uuid:session_id>/attendance")
def attendance(session_id: uuid.UUID):
    return jsonify(roster_json(session_or_404(session_id)))


@bp.route("/sessions/<uuid:session_id>/attendance", methods=["PUT"])
@api_scope("write:attendance")
def attendance_save(session_id: uuid.UUID):
    """Save marks of the roster: ``{"roster_version": n, "marks": [{"enrolment_id", "status", "minutes"}]}``.
    Trainees not listed keep their mark; ``status: null`` clears one. A stale version answers 409."""
    s = session_or_404(session_id)
    data = payload()
    version = integer(data.get("roster_version"), "roster_version")
    raw_marks = data.get("marks")
    if not isinstance(raw_marks, list) or len(raw_marks) > 1000:
        raise BadInput("marks must be a list.", "marks")
    enrolments = dict(
        db.session.execute(db.select(Enrolment.uuid, Enrolment.id).where(Enrolment.cohort_id == s.cohort_id)).all()
    )
    marks: dict[int, services.MarkInput] = {}
    for item in raw_marks:
        if not isinstance(item, dict):
            raise BadInput("Each mark must be an object.", "marks")
        key = a_uuid(item.get("enrolment_id"), "enrolment_id")
        if key not in enrolments:
            raise BadInput("This person is not in this cohort.", "enrolment_id")
        status = item.get("status")
        if status is not None and status not in {m.value for m in AttendanceStatus}:
            raise BadInput("Unknown attendance status.", "status")
        minutes = integer(item.get("minutes"), "minutes", maximum=24 * 60, required=False)
        marks[enrolments[key]] = services.MarkInput(status, minutes)
    try:
        services.save_roster(s, marks, current_user, version)
    except services.StaleRoster as exc:
        return problem(409, "conflict", str(exc))
    return jsonify(roster_json(s))


# --------------------------------------------------------------------------------------------------- placements


def placement_json(p: Placement, trainee: User, totals: dict[tuple[int, str], int]) -> dict[str, Any]:
    return {
        "id": str(p.uuid),
        "enrolment_id": str(p.enrolment.uuid),
        "trainee": person(trainee),
        "host": p.host.name,
        "kind": p.kind,
        "starts_on": p.starts_on.isoformat(),
        "ends_on": p.ends_on.isoformat() if p.ends_on else None,
        "cancelled_on": p.cancelled_on.isoformat() if p.cancelled_on else None,
        "referent": p.tutor.name if p.tutor else p.tutor_name,
        "minutes_confirmed": totals.get((p.id, HoursState.CONFIRMED.value), 0),
        "minutes_pending": totals.get((p.id, HoursState.PENDING.value), 0),
    }


@bp.route("/cohorts/<uuid:cohort_id>/placements")
def cohort_placements(cohort_id: uuid.UUID):
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
    return jsonify(items=[placement_json(p, u, totals) for p, u in rows])


def hours_json(h: HoursEntry) -> dict[str, Any]:
    return {
        "id": str(h.uuid),
        "on": h.on.isoformat(),
        "minutes": h.minutes,
        "activity": h.activity,
        "state": h.state,
        "reviewed_at": h.reviewed_at.isoformat() if h.reviewed_at else None,
        "review_comment": h.review_comment,
    }


def placement_or_404(placement_id: uuid.UUID) -> Placement:
    return db.first_or_404(db.select(Placement).where(Placement.uuid == placement_id))


@bp.route("/placements/<uuid:placement_id>/hours")
def placement_hours(placement_id: uuid.UUID):
    p = placement_or_404(placement_id)
    if p.enrolment.user_id != current_user.id and not permissions.can_review_placement(current_user, p):
        abort(403)
    items = db.session.scalars(
        db.select(HoursEntry).where(HoursEntry.placement_id == p.id).order_by(HoursEntry.on.desc())
    ).all()
    return jsonify(items=[hours_json(h) for h in items])


@bp.route("/placements/<uuid:placement_id>/hours", methods=["POST"])
@api_scope("write:hours")
def placement_hours_log(placement_id: uuid.UUID):
    """The trainee logs practice hours: ``{"on": "YYYY-MM-DD", "minutes": 420, "activity": "…"}``."""
    p = placement_or_404(placement_id)
    if p.enrolment.user_id != current_user.id:
        abort(403)
    data = payload()
    on = a_date(data.get("on"), "on")
    minutes = integer(data.get("minutes"), "minutes", minimum=1, maximum=24 * 60)
    activity = text(data.get("activity"), "activity", max_length=300)
    entry = services.log_hours(p.enrolment, on, minutes, activity, placement=p)
    return jsonify(hours_json(entry)), 201


@bp.route("/hours/<uuid:hours_id>/review", methods=["POST"])
@api_scope("write:hours")
def hours_review(hours_id: uuid.UUID):
    """The referent (or the cohort's staff) confirms or rejects: ``{"state": "confirmed"|"rejected",
    "comment": "…"}`` (a comment is needed to reject)."""
    entry = db.first_or_404(db.select(HoursEntry).where(HoursEntry.uuid == hours_id))
    permissions.require_hours_reviewer(entry)
    data = payload()
    state = data.get("state")
    if state not in (HoursState.CONFIRMED.value, HoursState.REJECTED.value):
        raise BadInput("state must be confirmed or rejected.", "state")
    comment = text(data.get("comment"), "comment", max_length=500)
    enrolment = db.session.get(Enrolment, entry.enrolment_id)
    services.review_hours(
        entry,
        state,
        by=current_user,
        comment=comment,
        may_change=permissions.is_staff_of(current_user, enrolment.cohort),
    )
    return jsonify(hours_json(entry))


# --------------------------------------------------------------------------------------------------- eligibility


@bp.route("/cohorts/<uuid:cohort_id>/eligibility")
def cohort_eligibility(cohort_id: uuid.UUID):
    c = staff_cohort(cohort_id)
    day = as_of()
    items = []
    for r in eligibility.evaluate_cohort(c, day):
        e = r.evaluation
        items.append(
            {
                "enrolment_id": str(r.enrolment.uuid),
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
    return jsonify(as_of=day.isoformat(), items=items)


# --------------------------------------------------------------------------------------------------- badges


@bp.route("/cohorts/<uuid:cohort_id>/badges")
def cohort_badges(cohort_id: uuid.UUID):
    c = staff_cohort(cohort_id)
    events = reports.badge_register(c)
    return jsonify(
        items=[
            {
                "when": e.when.isoformat(),
                "by": e.who,
                "trainee": e.trainee,
                "achievement": e.achievement,
                "event": e.event,
                "reason": e.reason,
                "badge_id": e.badge,
                "verify_url": external_url("badges.verify_badge", award_uuid=e.badge),
            }
            for e in events
        ]
    )


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
        "as_of": report.as_of.isoformat(),
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


@bp.route("/cohorts/<uuid:cohort_id>/reports/<kind>")
def cohort_report(cohort_id: uuid.UUID, kind: str):
    if kind not in reports.COHORT_KINDS:
        abort(404)
    c = staff_cohort(cohort_id)
    return jsonify(report_json(reports.build(kind, c, as_of())))


@bp.route("/reports/funder")
def funder_report():
    """Aggregates only, small cells suppressed: coordinators and funders."""
    require_roles(Role.ADMIN, Role.FUNDER)
    return jsonify(report_json(reports.funder(as_of())))


# --------------------------------------------------------------------------------------------------- OpenAPI


def _spec() -> dict[str, Any]:
    cohort_id = path_parameter("cohort_id", "The cohort's id.")
    session_id = path_parameter("session_id", "The session's id.")
    placement_id = path_parameter("placement_id", "The placement's id.")
    status = {"type": "string", "enum": [m.value for m in AttendanceStatus]}
    mark_in = obj(
        {
            "enrolment_id": UUID,
            "status": nullable(status),
            "minutes": nullable({"type": "integer", "minimum": 0, "maximum": 1440}),
        },
        required=["enrolment_id", "status"],
    )
    cell_schema = {"type": ["string", "number", "integer", "null"]}
    return {
        "paths": {
            "/api/v1/programmes": {
                "get": {
                    "operationId": "listProgrammes",
                    "summary": "Programmes and their modules (coordinators, trainers, funders).",
                    "responses": responses(200, items_of(ref("Programme")), "The programmes."),
                }
            },
            "/api/v1/cohorts": {
                "get": {
                    "operationId": "listCohorts",
                    "summary": "Cohorts: all for coordinators and funders, their own for trainers.",
                    "responses": responses(200, items_of(ref("Cohort")), "The cohorts."),
                }
            },
            "/api/v1/cohorts/{cohort_id}": {
                "get": {
                    "operationId": "getCohort",
                    "parameters": [cohort_id],
                    "responses": responses(200, ref("Cohort"), "The cohort.", 404),
                }
            },
            "/api/v1/cohorts/{cohort_id}/sessions": {
                "get": {
                    "operationId": "listSessions",
                    "parameters": [cohort_id],
                    "responses": responses(200, items_of(ref("Session")), "The cohort's sessions.", 404),
                }
            },
            "/api/v1/sessions/{session_id}/attendance": {
                "get": {
                    "operationId": "getAttendance",
                    "summary": "A session's roster: every trainee, expected or not, and their mark.",
                    "parameters": [session_id],
                    "responses": responses(200, ref("Roster"), "The roster.", 404),
                },
                "put": {
                    "operationId": "saveAttendance",
                    "summary": "Save marks (scope write:attendance). Send the roster_version you read: if someone "
                    "saved since, nothing is written and the answer is 409.",
                    "parameters": [session_id],
                    "requestBody": body(
                        obj(
                            {
                                "roster_version": {"type": "integer", "minimum": 0, "maximum": 2147483647},
                                "marks": {"type": "array", "items": mark_in, "maxItems": 1000},
                            }
                        )
                    ),
                    "responses": responses(200, ref("Roster"), "The roster, saved.", 400, 404, 409, 422),
                },
            },
            "/api/v1/cohorts/{cohort_id}/placements": {
                "get": {
                    "operationId": "listPlacements",
                    "parameters": [cohort_id],
                    "responses": responses(200, items_of(ref("Placement")), "The cohort's placements.", 404),
                }
            },
            "/api/v1/placements/{placement_id}/hours": {
                "get": {
                    "operationId": "listHours",
                    "summary": "A placement's hours (the trainee, the referent, the cohort's staff).",
                    "parameters": [placement_id],
                    "responses": responses(200, items_of(ref("Hours")), "The hours.", 404),
                },
                "post": {
                    "operationId": "logHours",
                    "summary": "The trainee logs hours done (scope write:hours).",
                    "parameters": [placement_id],
                    "requestBody": body(
                        obj(
                            {
                                "on": DATE,
                                "minutes": {"type": "integer", "minimum": 1, "maximum": 1440},
                                "activity": nullable({"type": "string", "maxLength": 300}),
                            },
                            required=["on", "minutes"],
                        )
                    ),
                    "responses": responses(201, ref("Hours"), "The hours, waiting for confirmation.", 400, 404, 422),
                },
            },
            "/api/v1/hours/{hours_id}/review": {
                "post": {
                    "operationId": "reviewHours",
                    "summary": "The referent or the cohort's staff confirm or reject hours (scope write:hours).",
                    "parameters": [path_parameter("hours_id", "The hours entry's id.")],
                    "requestBody": body(
                        obj(
                            {
                                "state": {"type": "string", "enum": ["confirmed", "rejected"]},
                                "comment": nullable({"type": "string", "maxLength": 500}),
                            },
                            required=["state"],
                        )
                    ),
                    "responses": responses(200, ref("Hours"), "The hours, reviewed.", 400, 404, 422),
                }
            },
            "/api/v1/cohorts/{cohort_id}/eligibility": {
                "get": {
                    "operationId": "getEligibility",
                    "parameters": [cohort_id, AS_OF],
                    "responses": responses(200, ref("Eligibility"), "Each trainee's situation.", 400, 404),
                }
            },
            "/api/v1/cohorts/{cohort_id}/badges": {
                "get": {
                    "operationId": "listBadgeEvents",
                    "summary": "Badge issuances and revocations of the cohort.",
                    "parameters": [cohort_id],
                    "responses": responses(200, items_of(ref("BadgeEvent")), "The register.", 404),
                }
            },
            "/api/v1/cohorts/{cohort_id}/reports/{kind}": {
                "get": {
                    "operationId": "getCohortReport",
                    "parameters": [
                        cohort_id,
                        {
                            "name": "kind",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": list(reports.COHORT_KINDS)},
                        },
                        AS_OF,
                    ],
                    "responses": responses(200, ref("Report"), "The report.", 400, 404),
                }
            },
            "/api/v1/reports/funder": {
                "get": {
                    "operationId": "getFunderReport",
                    "summary": 'Aggregates by cohort and by year, counts 1–4 shown as "<5" (coordinators, funders).',
                    "parameters": [AS_OF],
                    "responses": responses(200, ref("Report"), "The funder report.", 400),
                }
            },
        },
        "components": {
            "schemas": {
                "Text": obj(TEXT, required=["fr"], extra=True),
                "Programme": obj(
                    {
                        "id": UUID,
                        "code": STRING,
                        "title": ref("Text"),
                        "credential_name": ref("Text"),
                        "modules": {"type": "array", "items": obj({"code": STRING, "title": ref("Text")})},
                    }
                ),
                "Cohort": obj(
                    {
                        "id": UUID,
                        "code": STRING,
                        "title": nullable(STRING),
                        "programme": STRING,
                        "starts_on": DATE,
                        "ends_on": DATE,
                        "trainees": {
                            "type": ["integer", "string"],
                            "description": 'Enrolled trainees; for funders, 1 to 4 is given as "<5".',
                        },
                    }
                ),
                "Session": obj(
                    {
                        "id": UUID,
                        "on": DATE,
                        "starts_at": STRING,
                        "ends_at": STRING,
                        "module": nullable(STRING),
                        "title": nullable(STRING),
                        "place": nullable(STRING),
                        "cancelled": BOOLEAN,
                        "roster_version": INTEGER,
                    }
                ),
                "Person": obj({"id": UUID, "name": STRING}),
                "Roster": obj(
                    {
                        "session": ref("Session"),
                        "roster_version": INTEGER,
                        "marks": {
                            "type": "array",
                            "items": obj(
                                {
                                    "enrolment_id": UUID,
                                    "trainee": ref("Person"),
                                    "expected": BOOLEAN,
                                    "status": nullable(status),
                                    "minutes": nullable(INTEGER),
                                }
                            ),
                        },
                    }
                ),
                "Placement": obj(
                    {
                        "id": UUID,
                        "enrolment_id": UUID,
                        "trainee": ref("Person"),
                        "host": STRING,
                        "kind": {"type": "string", "enum": ["stage", "emploi"]},
                        "starts_on": DATE,
                        "ends_on": nullable(DATE),
                        "cancelled_on": nullable(DATE),
                        "referent": nullable(STRING),
                        "minutes_confirmed": INTEGER,
                        "minutes_pending": INTEGER,
                    }
                ),
                "Hours": obj(
                    {
                        "id": UUID,
                        "on": DATE,
                        "minutes": INTEGER,
                        "activity": nullable(STRING),
                        "state": {"type": "string", "enum": [s.value for s in HoursState]},
                        "reviewed_at": nullable(DATE_TIME),
                        "review_comment": nullable(STRING),
                    }
                ),
                "Eligibility": obj(
                    {
                        "as_of": DATE,
                        "items": {
                            "type": "array",
                            "items": obj(
                                {
                                    "enrolment_id": UUID,
                                    "trainee": obj({"id": UUID, "name": STRING, "email": STRING}),
                                    "status": {"type": "string", "enum": [s.value for s in rules.Status]},
                                    "attendance_percent": nullable(STRING),
                                    "attended_minutes": INTEGER,
                                    "counted_minutes": INTEGER,
                                    "can_still_miss_minutes": nullable(INTEGER),
                                    "placement_minutes": INTEGER,
                                    "placement_minutes_required": INTEGER,
                                    "competencies_validated": INTEGER,
                                    "competencies_required": INTEGER,
                                    "final_work": STRING,
                                    "reasons": {"type": "array", "items": STRING},
                                }
                            ),
                        },
                    }
                ),
                "BadgeEvent": obj(
                    {
                        "when": DATE_TIME,
                        "by": nullable(STRING),
                        "trainee": STRING,
                        "achievement": STRING,
                        "event": {"type": "string", "enum": ["issued", "revoked"]},
                        "reason": nullable(STRING),
                        "badge_id": {"type": "string", "format": "uuid"},
                        "verify_url": {"type": "string", "format": "uri"},
                    }
                ),
                "Report": obj(
                    {
                        "kind": {"type": "string", "enum": list(reports.KINDS)},
                        "title": STRING,
                        "scope": STRING,
                        "as_of": DATE,
                        "notes": {"type": "array", "items": STRING},
                        "parts": {
                            "type": "array",
                            "items": obj(
                                {
                                    "key": STRING,
                                    "title": STRING,
                                    "columns": {
                                        "type": "array",
                                        "items": obj({"key": STRING, "label": STRING, "kind": STRING}),
                                    },
                                    "rows": {"type": "array", "items": {"type": "array", "items": cell_schema}},
                                }
                            ),
                        },
                    }
                ),
            }
        },
    }


API_SPEC = _spec()
