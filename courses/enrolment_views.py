"""One trainee in one cohort, as staff see it: progress, attendance, hours, competencies, placements,
pauses and final work — and the actions on them."""

from __future__ import annotations

import uuid
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from core import mail
from core.db import db
from core.i18n import localized
from core.models import Role, User, UserRole
from core.pdf import pdf_response, render_template_pdf
from core.security import roles_required
from core.services import ServiceError
from core.storage import download_response
from courses import eligibility, permissions, queries, rules, services
from courses.blueprint import bp
from courses.forms import FinalWorkForm, PauseForm, PlacementForm, ReviewForm, ValidationForm, WithdrawForm
from courses.models import (
    Competency,
    Enrolment,
    EvidenceFile,
    HoursEntry,
    Module,
    Pause,
    Placement,
    Validation,
)
from courses.presenters import SUMMARY_LABELS, absence_reason, evidence_label, lang, name_key, name_slug
from courses.programme_spec import EVIDENCE_TYPES
from courses.views import STAFF, apply_error

ADMIN_ONLY = (Role.ADMIN,)


def enrolment_or_404(enrolment_uuid: uuid.UUID) -> Enrolment:
    return db.first_or_404(db.select(Enrolment).where(Enrolment.uuid == enrolment_uuid))


def back(enrolment: Enrolment, anchor: str = ""):
    return redirect(url_for("courses.enrolment_detail", enrolment_uuid=enrolment.uuid) + anchor)


def _validation_form(enrolment: Enrolment, form: ValidationForm | None = None) -> ValidationForm:
    form = form or ValidationForm(validated_on=date.today())
    competencies = db.session.execute(
        db.select(Competency, Module)
        .join(Module, Module.id == Competency.module_id)
        .where(Competency.programme_id == enrolment.cohort.programme_id, Competency.retired.is_(False))
        .order_by(Module.position, Competency.position)
    ).all()
    form.competency.choices = [
        SelectChoice(
            c.code, f"{c.code} — {localized(c.title, lang())}", optgroup=f"{m.code} — {localized(m.title, lang())}"
        )
        for c, m in competencies
    ]
    form.evidence_type.choices = [SelectChoice(code, evidence_label(code)) for code in EVIDENCE_TYPES]
    return form


def _placement_form(form: PlacementForm | None = None) -> PlacementForm:
    form = form or PlacementForm()
    tutors = sorted(
        db.session.scalars(db.select(User).where(User.role_rows.any(UserRole.role == Role.TUTOR.value))),
        key=lambda u: name_key(u.name),
    )
    form.tutor.choices = [SelectChoice("", _("None"))] + [SelectChoice(str(t.uuid), t.name) for t in tutors]
    return form


def enrolment_page(enrolment: Enrolment, status: int = 200, **forms):
    cohort = enrolment.cohort
    evaluation = eligibility.evaluate_enrolment(enrolment)
    sessions = queries.cohort_sessions(cohort.id)
    marks = queries.marks_by_session(enrolment.id)
    attendance = [
        {"session": s, "mark": marks.get(s.id), "not_expected": absence_reason(enrolment, s.on)} for s in sessions
    ]
    validations = db.session.scalars(
        db.select(Validation)
        .where(Validation.enrolment_id == enrolment.id)
        .order_by(Validation.validated_on.desc())
        # the page shows each one's competency, validator and file: load them together, not one query each
        .options(
            selectinload(Validation.competency),
            selectinload(Validation.validator),
            selectinload(Validation.evidence_file),
        )
    ).all()
    hours = db.session.scalars(
        db.select(HoursEntry).where(HoursEntry.enrolment_id == enrolment.id).order_by(HoursEntry.on.desc())
    ).all()
    placements = db.session.scalars(
        db.select(Placement).where(Placement.enrolment_id == enrolment.id).order_by(Placement.starts_on)
    ).all()
    modules = db.session.scalars(
        db.select(Module)
        .where(Module.programme_id == cohort.programme_id, Module.retired.is_(False))
        .order_by(Module.position)
    ).all()
    validated_by_code: dict[str, list[Validation]] = {}
    for v in validations:
        if v.withdrawn_at is None:
            validated_by_code.setdefault(v.competency.code, []).append(v)
    return render_template(
        "courses/enrolment_detail.html",
        enrolment=enrolment,
        cohort=cohort,
        person=enrolment.user,
        evaluation=evaluation,
        attendance=attendance,
        validations=validations,
        validated_by_code=validated_by_code,
        hours=hours,
        placements=placements,
        modules=modules,
        is_admin=permissions.is_admin(current_user),
        validation_form=forms.get("validation_form") or _validation_form(enrolment),
        pause_form=forms.get("pause_form") or PauseForm(),
        final_form=forms.get("final_form") or FinalWorkForm(result=enrolment.final_work),
        withdraw_form=forms.get("withdraw_form") or WithdrawForm(withdrawn_on=enrolment.withdrawn_on),
        placement_form=forms.get("placement_form") or _placement_form(),
        review_form=ReviewForm(),
        review_kept=forms.get("review_kept"),
        ended=date.today() > cohort.ends_on,
    ), status


@bp.route("/enrolments/<uuid:enrolment_uuid>")
@roles_required(*STAFF)
def enrolment_detail(enrolment_uuid: uuid.UUID):
    enrolment = enrolment_or_404(enrolment_uuid)
    permissions.require_staff(enrolment.cohort)
    return enrolment_page(enrolment)


@bp.route("/enrolments/<uuid:enrolment_uuid>/validations", methods=["POST"])
@roles_required(*STAFF)
def validation_add(enrolment_uuid: uuid.UUID):
    enrolment = enrolment_or_404(enrolment_uuid)
    permissions.require_staff(enrolment.cohort)
    form = _validation_form(enrolment, ValidationForm())
    if form.validate_on_submit():
        competency = db.session.scalar(
            db.select(Competency).where(
                Competency.programme_id == enrolment.cohort.programme_id, Competency.code == form.competency.data
            )
        )
        upload = request.files.get("file")
        data = upload.read() if upload and upload.filename else None
        try:
            services.validate_competency(
                enrolment,
                competency,
                current_user,
                form.evidence_type.data,
                form.validated_on.data,
                form.comment.data,
                file=(upload.filename, data) if data is not None else None,
            )
        except ServiceError as exc:
            apply_error(form, exc)
        else:
            # shown in the competencies section, where the trainer lands (#competencies), not at the top
            flash(_("Competency %(code)s validated.", code=competency.code), "here-competencies")
            return back(enrolment, "#competencies")
    return enrolment_page(enrolment, 422, validation_form=form)


@bp.route("/validations/<uuid:validation_uuid>/withdraw", methods=["POST"])
@roles_required(*STAFF)
def validation_withdraw(validation_uuid: uuid.UUID):
    validation = db.first_or_404(db.select(Validation).where(Validation.uuid == validation_uuid))
    enrolment = db.session.get(Enrolment, validation.enrolment_id)
    permissions.require_staff(enrolment.cohort)
    if validation.validator_id != current_user.id and not permissions.is_admin(current_user):
        abort(403)
    try:
        services.withdraw_validation(validation, current_user)
    except ServiceError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The validation is withdrawn (it stays in the history)."), "success")
    return back(enrolment, "#competencies")


@bp.route("/evidence/<uuid:file_uuid>")
def evidence_download(file_uuid: uuid.UUID):
    """An evidence file: for the trainee it concerns and the staff of their cohort only. Always a download."""
    record = db.first_or_404(db.select(EvidenceFile).where(EvidenceFile.uuid == file_uuid))
    enrolment = db.session.get(Enrolment, record.validation.enrolment_id)
    permissions.require_enrolment(enrolment)
    # Streamed from storage after the check (never a redirect to the store: these headers must apply).
    response = download_response(
        services.evidence_key(record.sha256), mimetype=record.content_type, filename=record.filename
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _submit(enrolment: Enrolment, form, form_name: str, action, message: str, anchor: str = ""):
    """Validate ``form``, run the service ``action``, then back to the trainee's page; on a refusal, the page
    again with the form's errors (422) and nothing written."""
    if form.validate_on_submit():
        try:
            action()
        except ServiceError as exc:
            apply_error(form, exc)
        else:
            flash(message, "success")
            return back(enrolment, anchor)
    return enrolment_page(enrolment, 422, **{form_name: form})


@bp.route("/enrolments/<uuid:enrolment_uuid>/pauses", methods=["POST"])
@roles_required(*ADMIN_ONLY)
def pause_add(enrolment_uuid: uuid.UUID):
    enrolment = enrolment_or_404(enrolment_uuid)
    form = PauseForm()
    return _submit(
        enrolment,
        form,
        "pause_form",
        lambda: services.add_pause(enrolment, form.starts_on.data, form.ends_on.data),
        _("Pause recorded. The sessions during the pause do not count."),
        "#pauses",
    )


@bp.route("/pauses/<uuid:pause_uuid>/delete", methods=["POST"])
@roles_required(*ADMIN_ONLY)
def pause_delete(pause_uuid: uuid.UUID):
    pause = db.first_or_404(db.select(Pause).where(Pause.uuid == pause_uuid))
    enrolment = pause.enrolment
    services.remove_pause(pause)
    flash(_("Pause removed."), "success")
    return back(enrolment, "#pauses")


@bp.route("/enrolments/<uuid:enrolment_uuid>/final-work", methods=["POST"])
@roles_required(*ADMIN_ONLY)
def final_work(enrolment_uuid: uuid.UUID):
    enrolment = enrolment_or_404(enrolment_uuid)
    form = FinalWorkForm()
    return _submit(
        enrolment,
        form,
        "final_form",
        lambda: services.record_final_work(enrolment, form.result.data),
        _("The jury's result is recorded."),
        "#final-work",
    )


@bp.route("/enrolments/<uuid:enrolment_uuid>/withdrawal", methods=["POST"])
@roles_required(*ADMIN_ONLY)
def withdrawal(enrolment_uuid: uuid.UUID):
    enrolment = enrolment_or_404(enrolment_uuid)
    form = WithdrawForm()
    return _submit(
        enrolment,
        form,
        "withdraw_form",
        lambda: services.withdraw(enrolment, form.withdrawn_on.data),
        _("Your changes are saved."),
    )


@bp.route("/enrolments/<uuid:enrolment_uuid>/placements", methods=["POST"])
@roles_required(*ADMIN_ONLY)
def placement_add(enrolment_uuid: uuid.UUID):
    enrolment = enrolment_or_404(enrolment_uuid)
    form = _placement_form(PlacementForm())

    def create():
        tutor = None
        if form.tutor.data:
            tutor = db.session.scalar(db.select(User).where(User.uuid == uuid.UUID(form.tutor.data)))
        services.create_placement(
            enrolment,
            services.get_or_create_host(form.host.data),
            form.starts_on.data,
            ends_on=form.ends_on.data,
            kind=form.kind.data,
            tutor=tutor,
            tutor_name=form.tutor_name.data,
            tutor_email=form.tutor_email.data,
        )

    return _submit(enrolment, form, "placement_form", create, _("Placement added."), "#placements")


@bp.route("/placements/<uuid:placement_uuid>/end", methods=["POST"])
@roles_required(*ADMIN_ONLY)
def placement_end(placement_uuid: uuid.UUID):
    placement = db.first_or_404(db.select(Placement).where(Placement.uuid == placement_uuid))
    try:
        services.cancel_placement(placement, date.today())
    except ServiceError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The placement is ended; confirmed hours are kept."), "success")
    return back(placement.enrolment, "#placements")


@bp.route("/placements/<uuid:placement_uuid>/send-link", methods=["POST"])
@roles_required(*ADMIN_ONLY)
def placement_send_link(placement_uuid: uuid.UUID):
    """Mail the referent a link to confirm hours without an account (or put it in the outbox)."""
    placement = db.first_or_404(db.select(Placement).where(Placement.uuid == placement_uuid))
    recipient = placement.tutor.email if placement.tutor else placement.tutor_email
    if not recipient:
        flash(_("This placement has no referent e-mail address."), "error")
        return back(placement.enrolment, "#placements")
    link = services.tutor_link(placement)
    trainee = placement.enrolment.user
    with force_locale(placement.tutor.language if placement.tutor else "fr"):
        subject = _("Tremplin: practice hours of %(name)s to confirm", name=trainee.name)
        body = _(
            "Hello,\n\n%(name)s logs their practice hours at %(host)s on Tremplin. As their referent, you can "
            "confirm them here, without an account (link valid 45 days):\n\n%(link)s\n\nThank you!\n",
            name=trainee.name,
            host=placement.host.name,
            link=link,
        )
    mail.queue(recipient, subject, body, purpose="tutor-link")
    flash(_("The link is in the outbox, ready to be sent."), "success")
    return back(placement.enrolment, "#placements")


@bp.route("/enrolments/<uuid:enrolment_uuid>/attendance.pdf")
@roles_required(Role.TRAINEE, *STAFF)
def attendance_summary(enrolment_uuid: uuid.UUID):
    """A trainee's own attendance, session by session, with the totals (the "récapitulatif de présence" they
    keep for their records): for the trainee, the coordinators and the cohort's trainers only."""
    enrolment = enrolment_or_404(enrolment_uuid)
    permissions.require_enrolment(enrolment)
    cohort, person = enrolment.cohort, enrolment.user
    today = date.today()
    evaluation = eligibility.evaluate_enrolment(enrolment, today)
    marks = queries.marks_by_session(enrolment.id)
    rows = []
    tally = dict.fromkeys(("present", "partial", "excused", "absent", "not_expected", "unmarked", "coming"), 0)
    for s in queries.cohort_sessions(cohort.id):
        mark, not_expected = marks.get(s.id), absence_reason(enrolment, s.on)
        started = services.roster_is_open(s)
        planned = not started and mark is not None and mark.status in rules.PLANNED
        if s.cancelled:
            key = None
        elif not_expected:
            key = "not_expected"
        elif not started:
            key = "coming"  # a session to come is never counted, whatever mark it may carry
        elif mark is not None:
            key = {"late": "partial", "left_early": "partial"}.get(mark.status, mark.status)
        else:
            key = "unmarked"
        if key:
            tally[key] += 1
        rows.append(
            {
                "session": s,
                "mark": mark if started else None,
                "planned": planned,
                "not_expected": not_expected,
                "coming": key == "coming",
            }
        )
    pending = db.session.scalar(
        db.select(db.func.coalesce(db.func.sum(HoursEntry.minutes), 0)).where(
            HoursEntry.enrolment_id == enrolment.id, HoursEntry.state == "pending"
        )
    )
    title = _("Attendance summary — %(name)s — %(cohort)s", name=person.legal_name, cohort=cohort.code)
    data = render_template_pdf(
        "courses/pdf/attendance_summary.html",
        title=title,
        enrolment=enrolment,
        cohort=cohort,
        person=person,
        evaluation=evaluation,
        rows=rows,
        tally=tally,
        pending_minutes=pending,
        today=today,
        SUMMARY_LABELS=SUMMARY_LABELS,
    )
    return pdf_response(data, f"presence-{cohort.code}-{name_slug(person.legal_name)}.pdf")
