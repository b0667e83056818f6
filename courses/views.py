"""Staff pages: programmes, cohorts, sessions, the attendance roster, imports."""

from __future__ import annotations

import uuid
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from core import pagecache
from core.db import db
from core.i18n import localized, sort_key
from core.models import Role, User, UserRole
from core.pdf import pdf_response, render_template_pdf
from core.security import public, roles_required
from core.services import ServiceError
from courses import eligibility, emargement, facts, importer, permissions, queries, rules, services
from courses.blueprint import bp
from courses.forms import CohortEditForm, CohortForm, ConvocationForm, ImportForm, SessionForm
from courses.models import (
    Attendance,
    AttendanceStatus,
    Cohort,
    CohortStaff,
    Competency,
    Enrolment,
    Module,
    Programme,
    TrainingSession,
)
from courses.presenters import expected_on, lang, name_key
from courses.reports import is_at_risk, unmet_conditions  # noqa: F401 - is_at_risk: home.py takes it here

STAFF = (Role.ADMIN, Role.TRAINER)


def cohort_or_404(cohort_uuid: uuid.UUID) -> Cohort:
    return db.first_or_404(db.select(Cohort).where(Cohort.uuid == cohort_uuid))


def session_or_404(session_uuid: uuid.UUID) -> TrainingSession:
    return db.first_or_404(db.select(TrainingSession).where(TrainingSession.uuid == session_uuid))


def apply_error(form, exc: ServiceError) -> None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


def status_for(form) -> int:
    return 422 if form.errors or form.form_errors else 200


# --- Programmes ---------------------------------------------------------------------------------------------


@bp.route("/programmes")
@roles_required(*STAFF)
def programmes():
    items = db.session.scalars(db.select(Programme).order_by(Programme.code)).all()
    return render_template("courses/programmes.html", programmes=items)


@bp.route("/programmes/<uuid:programme_uuid>")
@roles_required(*STAFF)
def programme_detail(programme_uuid: uuid.UUID):
    programme = db.first_or_404(db.select(Programme).where(Programme.uuid == programme_uuid))
    competencies = db.session.scalars(
        db.select(Competency).where(Competency.programme_id == programme.id, Competency.retired.is_(False))
    ).all()
    required = services.required_competency_codes(programme, competencies)
    return render_template("courses/programme_detail.html", programme=programme, required=required)


@bp.route("/referentiel/<programme_code>")
@public
def framework(programme_code: str):
    """The programme and its competency framework, public: badges align to its competencies (``#C-M1-01``)."""
    programme = db.first_or_404(db.select(Programme).where(Programme.code == programme_code))
    competencies = db.session.scalars(
        db.select(Competency).where(Competency.programme_id == programme.id, Competency.retired.is_(False))
    ).all()
    required = services.required_competency_codes(programme, competencies)
    return render_template("courses/programme_detail.html", programme=programme, required=required, public=True)


# --- Cohorts -------------------------------------------------------------------------------------------------


@bp.route("/cohorts")
@roles_required(*STAFF)
def cohorts():
    query = db.select(Cohort).order_by(Cohort.starts_on.desc(), Cohort.code)
    allowed = permissions.staff_cohort_ids(current_user)
    if allowed is not None:
        query = query.where(Cohort.id.in_(allowed))
    items = db.session.scalars(query).all()
    counts = dict(
        db.session.execute(
            db.select(Enrolment.cohort_id, db.func.count())
            .where(Enrolment.cohort_id.in_([c.id for c in items]))
            .group_by(Enrolment.cohort_id)
        ).all()
    )
    return render_template("courses/cohorts.html", cohorts=items, counts=counts)


@bp.route("/cohorts/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def cohort_new():
    form = CohortForm()
    programmes_ = db.session.scalars(db.select(Programme).order_by(Programme.code)).all()
    form.programme.choices = [SelectChoice(p.code, localized(p.title, lang())) for p in programmes_]
    people = _contact_choices(form)
    if request.method == "GET":
        form.contact.data = str(current_user.uuid)  # the coordinator who creates it, unless they choose another
    if form.validate_on_submit():
        contact = next((u for u in people if str(u.uuid) == form.contact.data), None)
        try:
            cohort = services.create_cohort(
                form.code.data,
                services.get_programme(form.programme.data),
                form.starts_on.data,
                form.ends_on.data,
                title=form.title.data,
                contact=contact,
            )
        except ServiceError as exc:
            apply_error(form, exc)
        else:
            flash(
                _("The cohort %(code)s is created. Next: import its sessions and trainees.", code=cohort.code),
                "success",
            )
            return redirect(url_for("courses.cohort_import", cohort_uuid=cohort.uuid))
    return render_template("courses/cohort_form.html", form=form), status_for(form)


def _contact_choices(form) -> list[User]:
    """The people who may be a cohort's contact (active coordinators and trainers), as the form's choices."""
    people = db.session.scalars(
        db.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_([Role.ADMIN.value, Role.TRAINER.value]), User.active.is_(True))
        .distinct()
    ).all()
    people = sorted(people, key=lambda u: sort_key(u.legal_name))
    form.contact.choices = [SelectChoice(str(u.uuid), f"{u.legal_name} ({u.email})") for u in people]
    return people


@bp.route("/cohorts/<uuid:cohort_uuid>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def cohort_edit(cohort_uuid: uuid.UUID):
    """A coordinator changes the cohort's name or its trainees' contact person."""
    cohort = cohort_or_404(cohort_uuid)
    form = CohortEditForm()
    people = _contact_choices(form)
    form.contact.choices = [SelectChoice("", _("Its first trainer")), *form.contact.choices]
    form.contact.validate_choice = False  # an unknown choice gets the service's own message below
    if request.method == "GET":
        form.title.data = cohort.title or ""
        form.contact.data = str(cohort.contact.uuid) if cohort.contact else ""
    if form.validate_on_submit():
        contact = next((u for u in people if str(u.uuid) == form.contact.data), None)
        try:
            if form.contact.data and contact is None:  # someone who is not (or no longer) staff, or a made-up id
                raise ServiceError(_("The contact person must be a coordinator or a trainer."), field="contact")
            services.update_cohort(cohort, title=form.title.data, contact=contact)
        except ServiceError as exc:
            apply_error(form, exc)
        else:
            flash(_("The cohort is saved."), "success")
            return redirect(url_for("courses.cohort_detail", cohort_uuid=cohort.uuid))
    return render_template("courses/cohort_edit.html", form=form, cohort=cohort), status_for(form)


@bp.route("/cohorts/<uuid:cohort_uuid>")
@roles_required(*STAFF)
def cohort_detail(cohort_uuid: uuid.UUID):
    cohort = cohort_or_404(cohort_uuid)
    permissions.require_staff(cohort)
    # All it shows is the cohort's facts (its sessions and marks, trainees' progress, staff and their names): kept
    # in memory per person and facts_version (core.pagecache)
    version = (cohort.facts_version,) if facts.usable() else None
    return pagecache.page(version, lambda: _cohort_detail_page(cohort))


def _cohort_detail_page(cohort: Cohort) -> str:
    as_of = date.today()
    results = eligibility.evaluate_cohort(cohort, as_of)
    ended = as_of > cohort.ends_on
    at_risk = [(r, unmet_conditions(r, ended=ended)) for r in results]
    at_risk = [(r, unmet) for r, unmet in at_risk if unmet]
    sessions = queries.cohort_sessions(cohort.id)
    marked = dict(
        db.session.execute(
            db.select(Attendance.session_id, db.func.count())
            .where(Attendance.session_id.in_([s.id for s in sessions]))
            .group_by(Attendance.session_id)
        ).all()
    )
    staff = db.session.execute(
        db.select(CohortStaff, User)
        .join(User, User.id == CohortStaff.user_id)
        .where(CohortStaff.cohort_id == cohort.id)
    ).all()
    return render_template(
        "courses/cohort_detail.html",
        cohort=cohort,
        results=results,
        at_risk=at_risk,
        ended=ended,
        sessions=sessions,
        marked=marked,
        staff=staff,
        as_of=as_of,
    )


@bp.route("/cohorts/<uuid:cohort_uuid>/convocation", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def cohort_convocation(cohort_uuid: uuid.UUID):
    """The cohort's own convocation details (place, what to bring, contact, disability referent)."""
    cohort = cohort_or_404(cohort_uuid)
    form = ConvocationForm(obj=cohort)
    if form.validate_on_submit():
        try:
            services.set_convocation_details(
                cohort,
                place=form.place.data,
                what_to_bring=form.what_to_bring.data,
                contact=form.convocation_contact.data,
                accessibility_referent=form.accessibility_referent.data,
            )
        except ServiceError as exc:
            db.session.rollback()
            apply_error(form, exc)
        else:
            db.session.commit()
            flash(_("The invitation details are saved."), "success")
            return redirect(url_for("courses.cohort_detail", cohort_uuid=cohort.uuid))
    return render_template("courses/cohort_convocation.html", form=form, cohort=cohort), status_for(form)


@bp.route("/cohorts/<uuid:cohort_uuid>/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def cohort_import(cohort_uuid: uuid.UUID):
    cohort = cohort_or_404(cohort_uuid)
    form = ImportForm()
    errors: list[str] = []
    if form.validate_on_submit():
        upload = request.files.get("file")
        data = upload.read() if upload else b""
        if not data:
            form.file.errors = [_("Choose a file to import.")]
        else:
            try:
                report = importer.run(form.kind.data, cohort, data, actor=current_user)
            except importer.ImportFailed as exc:
                errors = exc.render(_)
            else:
                flash(
                    ngettext(
                        "Import done: %(num)d row read, %(created)d added, %(updated)d changed, "
                        "%(same)d already there.",
                        "Import done: %(num)d rows read, %(created)d added, %(updated)d changed, "
                        "%(same)d already there.",
                        report.rows,
                        created=report.counts["created"] + report.counts["recorded"],
                        updated=report.counts["updated"],
                        same=report.counts["unchanged"],
                    ),
                    "success",
                )
                if report.counts["invited"]:
                    count = report.counts["invited"]
                    flash(
                        ngettext(
                            "%(num)d invitation is in the outbox.", "%(num)d invitations are in the outbox.", count
                        ),
                        "info",
                    )
                return redirect(url_for("courses.cohort_detail", cohort_uuid=cohort.uuid))
    status = 422 if errors or form.errors else 200
    return render_template("courses/cohort_import.html", cohort=cohort, form=form, errors=errors), status


# --- Sessions ----------------------------------------------------------------------------------------------


def _session_form_choices(form: SessionForm, cohort: Cohort) -> None:
    modules = db.session.scalars(
        db.select(Module)
        .where(Module.programme_id == cohort.programme_id, Module.retired.is_(False))
        .order_by(Module.position)
    ).all()
    form.module.choices = [SelectChoice("", _("No module"))] + [
        SelectChoice(m.code, f"{m.code} — {localized(m.title, lang())}") for m in modules
    ]
    trainers = sorted(
        db.session.scalars(db.select(User).where(User.role_rows.any(UserRole.role == Role.TRAINER.value))),
        key=lambda u: name_key(u.legal_name),
    )
    form.trainers.choices = [SelectChoice(str(u.uuid), u.name) for u in trainers]


def _chosen_trainers(form: SessionForm) -> list[User]:
    wanted = [uuid.UUID(v) for v in form.trainers.data or []]
    return list(db.session.scalars(db.select(User).where(User.uuid.in_(wanted)))) if wanted else []


@bp.route("/cohorts/<uuid:cohort_uuid>/sessions/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def session_new(cohort_uuid: uuid.UUID):
    cohort = cohort_or_404(cohort_uuid)
    form = SessionForm()
    _session_form_choices(form, cohort)
    if form.validate_on_submit():
        try:
            session = services.create_session(
                cohort,
                form.module.data or None,
                form.on.data,
                form.starts_at.data,
                form.ends_at.data,
                title=form.title.data,
                place=form.place.data,
                trainers=_chosen_trainers(form),
                cancelled=form.cancelled.data,
                seats=form.seats.data,
            )
        except ServiceError as exc:
            apply_error(form, exc)
        else:
            flash(_("Session added."), "success")
            for warning in emargement.planning_warnings(session):
                flash(warning, "error")
            return redirect(url_for("courses.session_detail", session_uuid=session.uuid))
    return render_template("courses/session_form.html", form=form, cohort=cohort, session=None), status_for(form)


@bp.route("/sessions/<uuid:session_uuid>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def session_edit(session_uuid: uuid.UUID):
    session = session_or_404(session_uuid)
    form = SessionForm(
        obj=session,
        module=session.module.code if session.module else "",
        trainers=[str(u.uuid) for u in session.trainers],
    )
    _session_form_choices(form, session.cohort)
    if form.validate_on_submit():
        try:
            services.update_session(
                session,
                on=form.on.data,
                starts_at=form.starts_at.data,
                ends_at=form.ends_at.data,
                module_code=form.module.data or None,
                title=form.title.data,
                place=form.place.data,
                cancelled=form.cancelled.data,
                trainers=_chosen_trainers(form),
                seats=form.seats.data,
            )
        except ServiceError as exc:
            apply_error(form, exc)
        else:
            flash(_("Your changes are saved."), "success")
            for warning in emargement.planning_warnings(session):
                flash(warning, "error")
            return redirect(url_for("courses.session_detail", session_uuid=session.uuid))
    return render_template("courses/session_form.html", form=form, cohort=session.cohort, session=session), status_for(
        form
    )


def roster_rows(session: TrainingSession) -> list[dict]:
    """Every trainee of the cohort with their mark for this session, or why none is expected."""
    rows = db.session.execute(
        db.select(Enrolment, User)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == session.cohort_id)
        .options(selectinload(Enrolment.pauses))  # expected_on() reads them: one query, not one per trainee
    ).all()
    rows = sorted(rows, key=lambda row: name_key(row[1].legal_name))
    marks = {
        a.enrolment_id: a for a in db.session.scalars(db.select(Attendance).where(Attendance.session_id == session.id))
    }
    return [
        {"enrolment": e, "user": u, "mark": marks.get(e.id), "expected": expected_on(e, session.on)} for e, u in rows
    ]


@bp.route("/sessions/<uuid:session_uuid>", methods=["GET", "POST"])
@roles_required(*STAFF)
def session_detail(session_uuid: uuid.UUID):
    """The roster: a trainer marks everyone in under a minute, on a phone or with the keyboard."""
    session = session_or_404(session_uuid)
    permissions.require_session_staff(session)
    rows = roster_rows(session)
    problems: list[str] = []
    status_code = 422
    if request.method == "POST":
        all_present = request.form.get("action") == "all_present"
        marks: dict[int, services.MarkInput] = {}
        for row in rows:
            if not row["expected"]:
                continue
            key = str(row["enrolment"].uuid)
            status = request.form.get(f"status-{key}") or None
            if status is None and all_present:
                status = AttendanceStatus.PRESENT.value
            minutes = None
            if status in (AttendanceStatus.LATE.value, AttendanceStatus.LEFT_EARLY.value):
                minutes, problem = _partial_minutes(session, key, status, row["user"].name)
                if problem:
                    problems.append(problem)
                    continue
            if status is not None or row["mark"] is not None:
                marks[row["enrolment"].id] = services.MarkInput(status, minutes)
        try:
            version = int(request.form.get("roster_version", ""))
        except ValueError:
            abort(400)
        if not problems:
            try:
                services.save_roster(session, marks, current_user, version)
            except services.StaleRoster as exc:
                problems.append(str(exc))
                status_code = 409  # the page shows the marks that were saved, with the new version
            except ServiceError as exc:
                problems.append(str(exc))
            else:
                flash(_("Attendance saved."), "success")
                return redirect(url_for("courses.session_detail", session_uuid=session.uuid))
        if problems:
            db.session.rollback()
            rows = roster_rows(session)
            if status_code == 409:
                # Someone saved first. The form shows what is saved now; the differences with what this trainer
                # chose are listed, and their choices are kept in a second form, to save over if they are sure.
                return render_template(
                    "courses/session_detail.html",
                    session=session,
                    rows=rows,
                    problems=problems,
                    posted=None,
                    conflicts=roster_conflicts(rows, marks),
                    kept=kept_marks(rows, marks),
                    **roster_times(session),
                ), status_code
            return render_template(
                "courses/session_detail.html",
                session=session,
                rows=rows,
                problems=problems,
                posted=request.form,
                **roster_times(session),
            ), status_code
    return render_template(
        "courses/session_detail.html",
        session=session,
        rows=rows,
        problems=[],
        posted=None,
        warnings=emargement.planning_warnings(session),
        **roster_times(session),
    )


def _partial_minutes(session: TrainingSession, key: str, status: str, name: str) -> tuple[int | None, str | None]:
    """The minutes attended by a late arrival or an early departure, from what the trainer typed: minutes late
    (``late-…``) or minutes left early (``early-…``); the app computes the minutes present. The field of minutes
    attended (``minutes-…``) is still read when it is the one sent (a form kept after a conflict, a script)."""
    late = status == AttendanceStatus.LATE.value
    missed = (request.form.get(f"{'late' if late else 'early'}-{key}") or "").strip()
    if not missed:
        attended = (request.form.get(f"minutes-{key}") or "").strip()
        if attended.isdigit():
            return int(attended), None
    if missed.isdigit():
        try:
            return rules.minutes_present(session.minutes, int(missed)), None
        except ValueError:
            pass
    if late:
        return None, _(
            "%(name)s: give how many minutes late, between 1 and %(max)d.", name=name, max=session.minutes - 1
        )
    return None, _(
        "%(name)s: give how many minutes before the end they left, between 1 and %(max)d.",
        name=name,
        max=session.minutes - 1,
    )


def roster_times(session: TrainingSession) -> dict:
    """Whether the roster is open (the session has started) and when it opens, for the page to say so."""
    return {
        "roster_open": services.roster_is_open(session),
        "opens_at": rules.session_starts_at(session.on, session.starts_at, session.cohort.timezone),
    }


def kept_marks(rows: list[dict], mine: dict[int, services.MarkInput]) -> list[tuple[str, str]]:
    """The roster form's fields for the marks this trainer chose (to send again as they were)."""
    fields = []
    for row in rows:
        chosen = mine.get(row["enrolment"].id)
        if chosen is None or chosen.status is None:
            continue
        key = row["enrolment"].uuid
        fields.append((f"status-{key}", chosen.status))
        fields.append((f"minutes-{key}", "" if chosen.minutes is None else str(chosen.minutes)))
    return fields


def roster_conflicts(rows: list[dict], mine: dict[int, services.MarkInput]) -> list[dict]:
    """After a refused save: for each trainee whose saved mark now differs from the one this trainer chose, both
    marks and who saved theirs (a name among the cohort's staff)."""
    out = []
    recorders = {row["mark"].recorded_by_id for row in rows if row["mark"] is not None} - {None}
    names = dict(db.session.execute(db.select(User.id, User.legal_name).where(User.id.in_(recorders))).all())
    for row in rows:
        if not row["expected"]:
            continue
        chosen = mine.get(row["enrolment"].id)
        saved = row["mark"]
        chosen_key = (
            (chosen.status, chosen.minutes if chosen.status in ("late", "left_early") else None)
            if chosen
            else (None, None)
        )
        saved_key = (saved.status, saved.minutes) if saved else (None, None)
        if chosen_key == saved_key:
            continue
        out.append(
            {
                "name": row["user"].legal_name,
                "saved": saved_key,
                "chosen": chosen_key,
                "by": names.get(saved.recorded_by_id) if saved else None,
            }
        )
    return out


@bp.route("/sessions/<uuid:session_uuid>/sheet.pdf")
@roles_required(*STAFF)
def session_sheet(session_uuid: uuid.UUID):
    """The attendance sheet (feuille d'émargement) to print and sign."""
    session = session_or_404(session_uuid)
    permissions.require_session_staff(session)
    rows = [r for r in roster_rows(session) if r["expected"]]
    title = _("Attendance sheet — %(cohort)s — %(date)s", cohort=session.cohort.code, date=session.on.isoformat())
    data = render_template_pdf("courses/pdf/attendance_sheet.html", title=title, session=session, rows=rows)
    return pdf_response(data, f"emargement-{session.cohort.code}-{session.on.isoformat()}.pdf")
