"""Pages people use for themselves: a trainee's training and hours, a referent's hours to confirm (with an
account or through a link), everyone's calendar and private ICS feed."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload

from core import tokens
from core.db import db
from core.models import Role, User
from core.security import public, roles_required
from core.services import ServiceError, external_url
from courses import eligibility, next_steps, permissions, queries, services
from courses.blueprint import bp
from courses.enrolment_views import enrolment_page
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
from courses.presenters import name_key
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
    # Pages show each session's cohort and module: read with the sessions, not once per cohort or module.
    query = query.options(selectinload(TrainingSession.cohort), selectinload(TrainingSession.module))
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
    today = date.today()
    by_module: dict[int | None, list[TrainingSession]] = {}
    for s in sessions:
        by_module.setdefault(s.module_id, []).append(s)
    return render_template(
        "courses/my_training.html",
        enrolment=enrolment,
        evaluation=evaluation,
        sessions=sessions,
        sessions_by_module=by_module,
        marks=marks,
        validated={v.competency.code: v for v in validations},
        today=today,
        next_session=next_steps.next_session(enrolment, today),
        next_badge=next_steps.next_badge(enrolment, evaluation, today),
        situation=next_steps.situation(evaluation, enrolment.cohort.programme.rules["attendance"]["threshold_percent"]),
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
        warnings = services.hours_warnings(enrolment, form.on.data, minutes)
        try:
            services.log_hours(enrolment, form.on.data, minutes, form.activity.data)
        except ServiceError as exc:
            apply_error(form, exc)
        else:
            flash(_("Hours saved. Your referent will confirm them."), "success")
            for warning in warnings:
                flash(str(warning), "warning")
            return redirect(url_for("courses.my_hours"))
    entries = db.session.scalars(
        db.select(HoursEntry).where(HoursEntry.enrolment_id == enrolment.id).order_by(HoursEntry.on.desc())
    ).all()
    evaluation = eligibility.evaluate_enrolment(enrolment)
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "courses/my_hours.html", form=form, entries=entries, enrolment=enrolment, evaluation=evaluation
    ), status


def _my_pending_entry(entry_uuid: uuid.UUID) -> HoursEntry | None:
    """The trainee's own entry (else 404); None when it already has an answer (it can no longer change)."""
    entry = db.first_or_404(
        db.select(HoursEntry)
        .join(Enrolment, Enrolment.id == HoursEntry.enrolment_id)
        .where(HoursEntry.uuid == entry_uuid, Enrolment.user_id == current_user.id)
    )
    if entry.state != HoursState.PENDING.value:
        flash(_("These hours already have an answer. They can no longer be changed."), "error")
        return None
    return entry


@bp.route("/my/hours/<uuid:entry_uuid>", methods=["GET", "POST"])
@roles_required(Role.TRAINEE)
def my_hours_edit(entry_uuid: uuid.UUID):
    """Correct a day of hours while it waits for the referent's answer."""
    entry = _my_pending_entry(entry_uuid)
    if entry is None:
        return redirect(url_for("courses.my_hours"))
    form = HoursForm(
        data=None
        if request.method == "POST"
        else {"on": entry.on, "hours": entry.minutes // 60, "minutes": entry.minutes % 60, "activity": entry.activity}
    )
    if form.validate_on_submit():
        minutes = (form.hours.data or 0) * 60 + (form.minutes.data or 0)
        enrolment = db.session.get(Enrolment, entry.enrolment_id)
        warnings = services.hours_warnings(enrolment, form.on.data, minutes, excluding=entry)
        try:
            services.change_hours(entry, form.on.data, minutes, form.activity.data)
        except ServiceError as exc:
            apply_error(form, exc)
        else:
            flash(_("Your changes are saved. Your referent will confirm them."), "success")
            for warning in warnings:
                flash(str(warning), "warning")
            return redirect(url_for("courses.my_hours"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("courses/my_hours_edit.html", form=form, entry=entry), status


@bp.route("/my/hours/<uuid:entry_uuid>/delete", methods=["POST"])
@roles_required(Role.TRAINEE)
def my_hours_delete(entry_uuid: uuid.UUID):
    """Take back a day of hours while it waits for the referent's answer (the form carries the CSRF token)."""
    entry = _my_pending_entry(entry_uuid)
    if entry is not None:
        when = format_date(entry.on, "EEEE d MMMM")
        services.delete_hours(entry)
        flash(_("The hours of %(day)s are deleted.", day=when), "success")
    return redirect(url_for("courses.my_hours"))


# --- Placement referents ------------------------------------------------------------------------------------------


def _pending_for_reviewer(user: User):
    """Hours waiting for an answer that ``user`` may give: their referees', and for staff their cohorts'.
    Hours logged on a day with no running placement have no referent: the cohort's staff see them."""
    query = (
        db.select(HoursEntry)
        .outerjoin(Placement, Placement.id == HoursEntry.placement_id)
        .where(HoursEntry.state == HoursState.PENDING.value)
        .order_by(HoursEntry.on)
    )
    if not permissions.is_admin(user):
        staff = db.select(CohortStaff.cohort_id).where(CohortStaff.user_id == user.id)
        mine = db.select(Enrolment.id).where(Enrolment.cohort_id.in_(staff))
        query = query.where(db.or_(Placement.tutor_id == user.id, HoursEntry.enrolment_id.in_(mine)))
    return query


def by_trainee(entries) -> list[dict]:
    """Days grouped by trainee (names in reading order), each group with what "confirm all" confirms. The
    trainees and their accounts are read in one query, whatever their number."""
    ids = {entry.enrolment_id for entry in entries}
    enrolments = (
        {
            e.id: e
            for e in db.session.scalars(
                db.select(Enrolment).where(Enrolment.id.in_(ids)).options(selectinload(Enrolment.user))
            )
        }
        if ids
        else {}
    )
    groups: dict[int, dict] = {}
    for entry in entries:
        if entry.enrolment_id not in groups:
            groups[entry.enrolment_id] = {"enrolment": enrolments[entry.enrolment_id], "entries": []}
        group = groups[entry.enrolment_id]
        group["entries"].append(entry)
    return sorted(groups.values(), key=lambda g: name_key(g["enrolment"].user.legal_name))


@bp.route("/hours/to-confirm")
@roles_required(Role.TUTOR, Role.ADMIN, Role.TRAINER)
def hours_to_confirm():
    return _hours_to_confirm_page()


def _hours_to_confirm_page(review: ReviewForm | None = None, entry: HoursEntry | None = None, status: int = 200):
    entries = db.session.scalars(_pending_for_reviewer(current_user)).all()
    return render_template(
        "courses/hours_to_confirm.html",
        entries=entries,
        groups=by_trainee(entries),
        form=ReviewForm(),
        token=None,
        **kept_review(review, entry),
    ), status


def kept_review(form: ReviewForm | None, entry: HoursEntry | None) -> dict:
    """What the hours table needs to show a refused answer again as it was given (choice, comment, error)."""
    if form is None or entry is None:
        return {}
    return {"review_kept": {"uuid": entry.uuid, "form": form}}


def _chosen_days(query) -> list[HoursEntry]:
    """The days listed on the page the person answered from (their ids sent with "confirm all"): a day logged
    after the page was opened is not confirmed unseen."""
    chosen = set()
    for raw in request.form.getlist("entry"):
        try:
            chosen.add(uuid.UUID(raw))
        except ValueError:
            abort(400)
    if not chosen:
        abort(400)
    return list(db.session.scalars(query.where(HoursEntry.uuid.in_(chosen))))


def _confirm_all(entries: list[HoursEntry], *, by: User | None, via_link: bool) -> None:
    try:
        count = services.confirm_days(entries, by=by, via_link=via_link)
    except ServiceError as exc:
        flash(str(exc), "error")
        return
    name = db.session.get(Enrolment, entries[0].enrolment_id).user.name
    flash(
        ngettext(
            "Thank you: %(num)d day of %(name)s confirmed.",
            "Thank you: %(num)d days of %(name)s confirmed.",
            count,
            name=name,
        ),
        "success",
    )


@bp.route("/hours/to-confirm/<uuid:enrolment_uuid>", methods=["POST"])
@roles_required(Role.TUTOR, Role.ADMIN, Role.TRAINER)
def hours_confirm_all(enrolment_uuid: uuid.UUID):
    """ "Confirm all": every day of one trainee listed on the page, in one click."""
    enrolment = db.first_or_404(db.select(Enrolment).where(Enrolment.uuid == enrolment_uuid))
    entries = _chosen_days(_pending_for_reviewer(current_user).where(HoursEntry.enrolment_id == enrolment.id))
    if not entries:
        flash(_("These days have already been answered: nothing was changed."), "error")
    else:
        _confirm_all(entries, by=current_user, via_link=False)
    return redirect(url_for("courses.hours_to_confirm"))


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


@bp.route("/referent/<token>/confirm-all", methods=["POST"])
@public
def tutor_link_confirm_all(token: str):
    """ "Confirm all" from the link: the days of this placement listed on the page, still waiting."""
    try:
        placement = services.placement_from_link(token)
    except tokens.TokenError:
        return render_template("core/link_invalid.html"), 400
    query = db.select(HoursEntry).where(
        HoursEntry.placement_id == placement.id, HoursEntry.state == HoursState.PENDING.value
    )
    entries = _chosen_days(query)
    if not entries:
        flash(_("These days have already been answered: nothing was changed."), "error")
    else:
        _confirm_all(entries, by=placement.tutor, via_link=True)
    return redirect(url_for("courses.tutor_link", token=token))


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


# --- Glossary -------------------------------------------------------------------------------------------------

GLOSSARY = (
    (
        "training",
        _l("Training"),
        (_l("The training teaches you the job of peer worker."), _l("It mixes days in a group and days of placement.")),
    ),
    ("module", _l("Module"), (_l("A module is one part of the training."), _l("Each module has its own subjects."))),
    (
        "session",
        _l("Session"),
        (_l("A session is a day or a half day of training."), _l("You meet the group and the trainers.")),
    ),
    (
        "attendance",
        _l("Attendance"),
        (
            _l("Attendance is the time you came to the sessions."),
            _l("You must come often enough to finish the training."),
        ),
    ),
    (
        "competency",
        _l("Competency"),
        (
            _l("A competency is something you know how to do at work."),
            _l("A trainer watches you and then validates it."),
        ),
    ),
    (
        "placement",
        _l("Placement"),
        (_l("A placement is a time of work in a real organisation."), _l("You learn the job there, with a team.")),
    ),
    (
        "practice-hours",
        _l("Practice hours"),
        (_l("Practice hours are the hours of your placement or your job."), _l("You write them down on the platform.")),
    ),
    (
        "referent",
        _l("Referent"),
        (_l("The referent is the person who follows you at your placement."), _l("The referent confirms your hours.")),
    ),
    (
        "final-work",
        _l("Final work"),
        (
            _l("The final work is a piece of work you present at the end."),
            _l("A jury listens to it and gives its answer."),
        ),
    ),
    (
        "badge",
        _l("Badge"),
        (
            _l("A badge is an image on the computer that shows what you learned."),
            _l("It is yours. You choose who can see it."),
        ),
    ),
    (
        "certificate",
        _l("Certificate"),
        (
            _l("The certificate is a paper that says you finished the training."),
            _l("You can print it and show it to an employer."),
        ),
    ),
    (
        "coordination",
        _l("Coordination"),
        (_l("The coordination is the team that organises the training."), _l("You can ask them all your questions.")),
    ),
)


@bp.route("/glossary")
def glossary():
    """The important words of the training, each in two short sentences; trainee pages link here."""
    return render_template("courses/glossary.html", entries=GLOSSARY)
