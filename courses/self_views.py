"""Pages people use for themselves: a trainee's training and hours, a referent's hours to confirm (with an
account or through a link), everyone's calendar and private ICS feed."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from core import tokens
from core.db import db
from core.models import Role, User
from core.security import public, roles_required
from core.services import ServiceError, external_url
from courses import eligibility, permissions, queries, services
from courses.blueprint import bp
from courses.enrolment_views import _page as enrolment_page
from courses.forms import HoursForm, ReviewForm
from courses.models import (
    Cohort,
    CohortStaff,
    Enrolment,
    HoursEntry,
    HoursState,
    Placement,
    TrainingSession,
    Validation,
    session_trainer,
)
from courses.views import apply_error


def my_enrolments(user: User) -> list[Enrolment]:
    return list(
        db.session.scalars(
            db.select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.enrolled_on.desc())
        )
    )


def current_enrolment(user: User) -> Enrolment | None:
    """The trainee's running enrolment, else the latest one."""
    enrolments = my_enrolments(user)
    today = date.today()
    for e in enrolments:
        if e.cohort.starts_on <= today <= e.cohort.ends_on and e.withdrawn_on is None:
            return e
    return enrolments[0] if enrolments else None


def sessions_for(user: User, since: date | None = None, until: date | None = None) -> list[TrainingSession]:
    """The sessions a person attends or teaches (cancelled ones included, shown as such), in date order."""
    # As a trainee: the sessions of their cohorts from enrolment until withdrawal.
    attending = (
        db.select(TrainingSession.id)
        .join(Enrolment, Enrolment.cohort_id == TrainingSession.cohort_id)
        .where(
            Enrolment.user_id == user.id,
            TrainingSession.on >= Enrolment.enrolled_on,
            db.or_(Enrolment.withdrawn_on.is_(None), TrainingSession.on < Enrolment.withdrawn_on),
        )
    )
    staff = db.select(CohortStaff.cohort_id).where(CohortStaff.user_id == user.id)
    teaching = db.select(session_trainer.c.session_id).where(session_trainer.c.user_id == user.id)
    query = db.select(TrainingSession).where(
        db.or_(
            TrainingSession.id.in_(attending),
            TrainingSession.cohort_id.in_(staff),
            TrainingSession.id.in_(teaching),
        )
    )
    if since:
        query = query.where(TrainingSession.on >= since)
    if until:
        query = query.where(TrainingSession.on <= until)
    return list(db.session.scalars(query.order_by(TrainingSession.on, TrainingSession.starts_at)))


# --- Trainee ---------------------------------------------------------------------------------------------------


@bp.route("/my/training")
@roles_required(Role.TRAINEE)
def my_training():
    enrolment = current_enrolment(current_user)
    if enrolment is None:
        return render_template("courses/my_training.html", enrolment=None)
    evaluation = eligibility.evaluate_enrolment(enrolment)
    sessions = queries.cohort_sessions(enrolment.cohort_id)
    marks = queries.marks_by_session(enrolment.id)
    validations = db.session.scalars(
        db.select(Validation)
        .where(Validation.enrolment_id == enrolment.id, Validation.withdrawn_at.is_(None))
        .options(selectinload(Validation.competency))
    ).all()
    return render_template(
        "courses/my_training.html",
        enrolment=enrolment,
        evaluation=evaluation,
        sessions=sessions,
        marks=marks,
        validated={v.competency.code: v for v in validations},
        today=date.today(),
    )


@bp.route("/my/hours", methods=["GET", "POST"])
@roles_required(Role.TRAINEE)
def my_hours():
    enrolment = current_enrolment(current_user)
    if enrolment is None:
        abort(404)
    form = HoursForm(on=date.today())
    if form.validate_on_submit():
        minutes = (form.hours.data or 0) * 60 + (form.minutes.data or 0)
        try:
            services.log_hours(enrolment, form.on.data, minutes, form.activity.data)
        except ServiceError as exc:
            apply_error(form, exc)
        else:
            flash(_("Hours saved. Your referent will confirm them."), "success")
            return redirect(url_for("courses.my_hours"))
    entries = db.session.scalars(
        db.select(HoursEntry).where(HoursEntry.enrolment_id == enrolment.id).order_by(HoursEntry.on.desc())
    ).all()
    evaluation = eligibility.evaluate_enrolment(enrolment)
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "courses/my_hours.html", form=form, entries=entries, enrolment=enrolment, evaluation=evaluation
    ), status


# --- Placement referents ------------------------------------------------------------------------------------------


@bp.route("/hours/to-confirm")
@roles_required(Role.TUTOR, Role.ADMIN, Role.TRAINER)
def hours_to_confirm():
    return _hours_to_confirm_page()


def _hours_to_confirm_page(review: ReviewForm | None = None, entry: HoursEntry | None = None, status: int = 200):
    # Hours logged on a day with no running placement have no referent: the cohort's staff see them.
    query = (
        db.select(HoursEntry)
        .outerjoin(Placement, Placement.id == HoursEntry.placement_id)
        .where(HoursEntry.state == HoursState.PENDING.value)
        .order_by(HoursEntry.on)
    )
    if not permissions.is_admin(current_user):
        staff = db.select(CohortStaff.cohort_id).where(CohortStaff.user_id == current_user.id)
        mine = db.select(Enrolment.id).where(Enrolment.cohort_id.in_(staff))
        query = query.where(db.or_(Placement.tutor_id == current_user.id, HoursEntry.enrolment_id.in_(mine)))
    entries = db.session.scalars(query).all()
    return render_template(
        "courses/hours_to_confirm.html",
        entries=entries,
        form=ReviewForm(),
        token=None,
        **kept_review(review, entry),
    ), status


def kept_review(form: ReviewForm | None, entry: HoursEntry | None) -> dict:
    """What the hours table needs to show a refused answer again as it was given (choice, comment, error)."""
    if form is None or entry is None:
        return {}
    return {"review_kept": {"uuid": entry.uuid, "form": form}}


@bp.route("/hours/<uuid:entry_uuid>/review", methods=["POST"])
@roles_required(Role.TUTOR, Role.ADMIN, Role.TRAINER)
def hours_review(entry_uuid: uuid.UUID):
    entry = db.first_or_404(db.select(HoursEntry).where(HoursEntry.uuid == entry_uuid))
    permissions.require_hours_reviewer(entry)
    form = ReviewForm()
    enrolment = db.session.get(Enrolment, entry.enrolment_id)
    to_enrolment = request.form.get("next_page") == "enrolment"
    saved = _review(
        entry, form, by=current_user, via_link=False, may_change=permissions.is_staff_of(current_user, enrolment.cohort)
    )
    if not saved:
        # The page again with the answer as it was given: a refused "Do not confirm" must not become "Confirm".
        if to_enrolment:
            return enrolment_page(enrolment, 422, **kept_review(form, entry))
        return _hours_to_confirm_page(form, entry, 422)
    if to_enrolment:
        return redirect(url_for("courses.enrolment_detail", enrolment_uuid=enrolment.uuid) + "#hours")
    return redirect(url_for("courses.hours_to_confirm"))


def _review(entry: HoursEntry, form: ReviewForm, *, by: User | None, via_link: bool, may_change: bool = False) -> bool:
    """Save the answer; on a refusal, the reason goes on the form (its errors) and nothing is written."""
    if not form.validate_on_submit():
        if not form.errors.get("decision") and not form.errors.get("comment"):
            form.decision.errors = [_("Choose confirm or do not confirm.")]
        return False
    try:
        services.review_hours(
            entry, form.decision.data, by=by, comment=form.comment.data, via_link=via_link, may_change=may_change
        )
    except ServiceError as exc:
        apply_error(form, exc)
        return False
    flash(_("Thank you: your answer is saved."), "success")
    return True


def _tutor_page(token: str, placement: Placement, review: ReviewForm | None = None, entry=None, status: int = 200):
    entries = db.session.scalars(
        db.select(HoursEntry).where(HoursEntry.placement_id == placement.id).order_by(HoursEntry.on.desc())
    ).all()
    return render_template(
        "courses/tutor_link.html",
        placement=placement,
        entries=entries,
        form=ReviewForm(),
        token=token,
        **kept_review(review, entry),
    ), status


@bp.route("/referent/<token>", methods=["GET"])
@public
def tutor_link(token: str):
    """The page a referent without an account opens from the link: this placement's hours only."""
    try:
        placement = services.placement_from_link(token)
    except tokens.TokenError:
        return render_template("core/link_invalid.html"), 400
    return _tutor_page(token, placement)


@bp.route("/referent/<token>/<uuid:entry_uuid>", methods=["POST"])
@public
def tutor_link_review(token: str, entry_uuid: uuid.UUID):
    try:
        placement = services.placement_from_link(token)
    except tokens.TokenError:
        return render_template("core/link_invalid.html"), 400
    entry = db.first_or_404(
        db.select(HoursEntry).where(HoursEntry.uuid == entry_uuid, HoursEntry.placement_id == placement.id)
    )
    form = ReviewForm()
    if not _review(entry, form, by=placement.tutor, via_link=True):
        return _tutor_page(token, placement, form, entry, 422)
    return redirect(url_for("courses.tutor_link", token=token))


# --- Calendar -------------------------------------------------------------------------------------------------


@bp.route("/calendar", methods=["GET"])
def calendar():
    today = date.today()
    sessions = sessions_for(current_user, since=today - timedelta(days=7))
    return render_template("courses/calendar.html", sessions=sessions, today=today, feed_url=None)


@bp.route("/calendar/feed", methods=["POST"])
def calendar_feed_new():
    token = services.new_calendar_feed(current_user)
    feed_url = external_url("courses.calendar_ics", token=token)
    today = date.today()
    sessions = sessions_for(current_user, since=today - timedelta(days=7))
    flash(_("Here is your private calendar address. Any previous one no longer works."), "success")
    return render_template("courses/calendar.html", sessions=sessions, today=today, feed_url=feed_url)


@bp.route("/calendar/feed/delete", methods=["POST"])
def calendar_feed_delete():
    services.revoke_calendar_feed(current_user)
    flash(_("Your calendar address is switched off."), "success")
    return redirect(url_for("courses.calendar"))


def _ics_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545 §3.1: lines of at most 75 octets, continued with a space."""
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts, start = [], 0
    while start < len(raw):
        end = min(start + (75 if not parts else 74), len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:  # never cut inside a UTF-8 character
            end -= 1
        parts.append(raw[start:end].decode())
        start = end
    return "\r\n ".join(parts)


def ics_for(user: User, base_url: str) -> str:
    utc = ZoneInfo("UTC")
    stamp = datetime.now(utc).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tremplin//Calendrier//FR",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Tremplin",
    ]
    cohorts: dict[int, Cohort] = {}
    for s in sessions_for(user, since=date.today() - timedelta(days=60)):
        cohort = cohorts.setdefault(s.cohort_id, s.cohort)
        zone = ZoneInfo(cohort.timezone)
        start = datetime.combine(s.on, s.starts_at, zone).astimezone(utc)
        end = datetime.combine(s.on, s.ends_at, zone).astimezone(utc)
        summary = s.title or (f"{cohort.code} — {s.module.code}" if s.module else cohort.code)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{s.uuid}@tremplin",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{start.strftime('%Y%m%dT%H%M%SZ')}",
            f"DTEND:{end.strftime('%Y%m%dT%H%M%SZ')}",
            f"SUMMARY:{_ics_escape(summary)}",
            f"STATUS:{'CANCELLED' if s.cancelled else 'CONFIRMED'}",
        ]
        if s.place:
            lines.append(f"LOCATION:{_ics_escape(s.place)}")
        lines.append(f"URL:{base_url}{url_for('courses.calendar')}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


@bp.route("/calendar/<token>.ics")
@public
def calendar_ics(token: str):
    """The private calendar feed: anyone with the URL can read it, until its owner replaces or deletes it."""
    user = services.user_for_calendar_token(token)
    if user is None:
        abort(404)
    body = ics_for(user, current_app.config["BASE_URL"])
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"})
