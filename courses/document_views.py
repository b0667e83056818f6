"""The training body's documents (``courses.documents``): the trainee's "Mes documents" page, the coordinators'
downloads per trainee and per cohort (a ZIP made by a background job)."""

from __future__ import annotations

import uuid
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from core import jobs
from core.db import db
from core.i18n import current_language
from core.models import Job, Role
from core.pdf import pdf_response
from core.security import roles_required
from courses import documents, permissions
from courses.blueprint import bp
from courses.certificate_views import enrolment_or_404
from courses.models import Cohort, Enrolment
from courses.views import STAFF, cohort_or_404

JOB_KIND = "documents-zip"


def _date_arg(name: str) -> date | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400)


@bp.route("/enrolments/<uuid:enrolment_uuid>/documents/<document>.pdf")
@roles_required(Role.TRAINEE, *STAFF)
def document_pdf(enrolment_uuid: uuid.UUID, document: str):
    """One document of one trainee: the trainee's own, or any trainee's of a cohort the user is staff of.
    ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` choose the period of a certificat de réalisation or attestation
    d'assiduité (default: the whole action)."""
    kind = document
    if kind not in documents.KINDS:
        abort(404)
    enrolment = enrolment_or_404(enrolment_uuid)
    permissions.require_enrolment(enrolment)
    lang = request.args.get("lang") if request.args.get("lang") in ("fr", "en") else current_language()
    try:
        period = documents.period_for(enrolment.cohort, _date_arg("from"), _date_arg("to"))
    except documents.DocumentError as exc:
        return render_template("courses/document_error.html", message=str(exc), enrolment=enrolment), 400
    data = documents.render(kind, enrolment, period, lang)
    return pdf_response(data, documents.filename(kind, enrolment))


@bp.route("/my/documents")
@roles_required(Role.TRAINEE)
def my_documents():
    """ "Mes documents": the trainee's documents for each of her trainings."""
    enrolments = list(
        db.session.scalars(
            db.select(Enrolment).where(Enrolment.user_id == current_user.id).order_by(Enrolment.enrolled_on.desc())
        )
    )
    return render_template(
        "courses/my_documents.html", enrolments=enrolments, kinds=documents.KINDS, titles=documents.TITLES
    )


class DocumentsZipForm(FlaskForm):
    kind = SelectField(_l("Document"), choices=[])
    start = DateField(_l("From (optional)"), validators=[Optional()])
    end = DateField(_l("To (optional)"), validators=[Optional()])
    lang = SelectField(_l("Language"), choices=[SelectChoice("fr", "Français"), SelectChoice("en", "English")])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(kind, str(documents.TITLES[kind])) for kind in documents.KINDS]


@bp.route("/cohorts/<uuid:cohort_uuid>/documents", methods=["GET", "POST"])
@roles_required(*STAFF)
def cohort_documents(cohort_uuid: uuid.UUID):
    """Each trainee's documents, one link each, and the ZIP of one document for the whole cohort."""
    cohort = cohort_or_404(cohort_uuid)
    permissions.require_staff(cohort)
    form = DocumentsZipForm(lang=current_language())
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                period = documents.period_for(cohort, form.start.data, form.end.data)
            except documents.DocumentError as exc:
                form.start.errors = [*form.start.errors, str(exc)]
            else:
                params = {
                    "cohort": str(cohort.uuid),
                    "kind": form.kind.data,
                    "from": period.start.isoformat(),
                    "to": period.end.isoformat(),
                    "lang": form.lang.data,
                }
                total = len(documents.cohort_enrolments(cohort))
                job = jobs.enqueue(JOB_KIND, params, current_user, total=total)  # committed with the request
                flash(_("The ZIP is being made. This page shows its progress."), "success")
                return redirect(url_for("jobs.detail", job_uuid=job.uuid))
        status = 400
    query = db.select(Job).where(Job.kind == JOB_KIND).order_by(Job.created_at.desc()).limit(50)
    if not permissions.is_admin(current_user):
        query = query.where(Job.owner_id == current_user.id)
    recent = [job for job in db.session.scalars(query) if (job.params or {}).get("cohort") == str(cohort.uuid)][:5]
    return (
        render_template(
            "courses/cohort_documents.html",
            cohort=cohort,
            rows=documents.cohort_enrolments(cohort),
            kinds=documents.KINDS,
            titles=documents.TITLES,
            form=form,
            recent=recent,
        ),
        status,
    )


def run_zip(context: jobs.JobContext) -> None:
    """The background job: one document for every trainee of a cohort, in one ZIP (``<email>.pdf`` each)."""
    params = context.params
    lang = params.get("lang") if params.get("lang") in ("fr", "en") else "fr"
    cohort = db.session.scalar(db.select(Cohort).where(Cohort.uuid == uuid.UUID(params["cohort"])))
    owner = context.owner
    with force_locale(lang):
        if cohort is None:
            raise jobs.JobFailed(_("This cohort no longer exists."))
        if owner is None or not owner.active or not permissions.is_staff_of(owner, cohort):
            raise jobs.JobFailed(_("You are no longer on this cohort's team."))
        kind = params.get("kind")
        if kind not in documents.KINDS:
            raise jobs.JobFailed(_("Unknown document."))
        try:
            period = documents.period_for(cohort, date.fromisoformat(params["from"]), date.fromisoformat(params["to"]))
        except documents.DocumentError as exc:
            raise jobs.JobFailed(str(exc)) from exc
    rows = documents.cohort_enrolments(cohort)
    with context.output(f"{kind}-{cohort.code}.zip", "application/zip") as path:
        written = documents.write_zip(
            kind, rows, period, lang, path, progress=context.progress, problem=context.problem
        )
        if rows and not written:
            raise jobs.JobFailed(context.problems[0])


def init_app(app) -> None:
    jobs.register_job_kind(JOB_KIND, run_zip, _l("Documents of a cohort (ZIP)"))
    app.jinja_env.globals["document_titles"] = documents.TITLES
