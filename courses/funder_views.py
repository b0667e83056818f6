"""The funders' documents: an enrolment's funding facts and ESF+ indicators (coordinators), the BPF of a year,
the Qualiopi evidence index and its ZIP (coordinators), the ESF+ and satisfaction aggregates (coordinators and
funders), and the trainee's anonymous end-of-module questionnaire."""

from __future__ import annotations

import uuid
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import jobs
from core.db import db
from core.home import register_nav
from core.models import Role
from core.security import roles_required
from core.services import ServiceError
from courses import esf, exports, funding, qualiopi, satisfaction
from courses.blueprint import bp
from courses.forms import BpfYearForm, EnrolmentFundingForm, EsfParticipantForm, SatisfactionForm
from courses.models import Cohort, Enrolment, Module
from courses.report_views import send_report
from courses.views import apply_error

ADMIN = (Role.ADMIN,)
FUNDER_READERS = (Role.ADMIN, Role.FUNDER)
QUALIOPI_JOB = "courses.qualiopi-zip"


def _enrolment(enrolment_uuid: uuid.UUID) -> Enrolment:
    return db.first_or_404(db.select(Enrolment).where(Enrolment.uuid == enrolment_uuid))


def _esf_form(enrolment: Enrolment) -> EsfParticipantForm | None:
    if not esf.is_esf(enrolment.cohort.programme):
        return None
    record = esf.participant(enrolment)
    if record is None:
        return EsfParticipantForm()
    return EsfParticipantForm(consent=True, **{name: getattr(record, name) or "" for name in esf.FIELDS})


def _funding_page(enrolment: Enrolment, status: int = 200, form=None, esf_form=None):
    form = form or EnrolmentFundingForm(
        trainee_type=enrolment.trainee_type or "",
        funding_source=enrolment.funding_source or "",
        subcontracted=enrolment.subcontracted,
    )
    return render_template(
        "courses/funders/enrolment_funding.html",
        enrolment=enrolment,
        person=enrolment.user,
        form=form,
        esf_form=esf_form or _esf_form(enrolment),
        esf_record=esf.participant(enrolment),
    ), status


@bp.route("/enrolments/<uuid:enrolment_uuid>/funding", methods=["GET", "POST"])
@roles_required(*ADMIN)
def enrolment_funding(enrolment_uuid: uuid.UUID):
    enrolment = _enrolment(enrolment_uuid)
    if request.method == "GET":
        return _funding_page(enrolment)
    form = EnrolmentFundingForm()
    if form.validate_on_submit():
        try:
            funding.set_enrolment_funding(
                enrolment, form.trainee_type.data, form.funding_source.data, form.subcontracted.data
            )
        except ServiceError as exc:
            apply_error(form, exc)
        else:
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("courses.enrolment_funding", enrolment_uuid=enrolment.uuid))
    return _funding_page(enrolment, 422, form=form)


@bp.route("/enrolments/<uuid:enrolment_uuid>/esf", methods=["POST"])
@roles_required(*ADMIN)
def enrolment_esf(enrolment_uuid: uuid.UUID):
    enrolment = _enrolment(enrolment_uuid)
    if not esf.is_esf(enrolment.cohort.programme):
        abort(404)
    form = EsfParticipantForm()
    if form.validate_on_submit():
        try:
            outcome = esf.record(
                enrolment, form.consent.data, {name: getattr(form, name).data for name in esf.FIELDS}, current_user
            )
        except ServiceError as exc:
            apply_error(form, exc)
        else:
            messages = {
                "saved": _("Your changes are saved."),
                "deleted": _("Consent withdrawn: the ESF+ information is deleted."),
                "nothing": _("Nothing was recorded."),
            }
            flash(messages[outcome], "success")
            return redirect(url_for("courses.enrolment_funding", enrolment_uuid=enrolment.uuid))
    return _funding_page(enrolment, 422, esf_form=form)


def _export_args() -> tuple[str, str, str | None]:
    fmt = request.args.get("format", "xlsx")
    delimiter = exports.DELIMITERS.get(request.args.get("delimiter", "semicolon"))
    if fmt not in exports.FORMATS or delimiter is None:
        abort(400)
    return fmt, delimiter, request.args.get("part") or None


def _page(report, export_url: str):
    return render_template(
        "courses/reports/report.html",
        report=report,
        parts=[(part, list(part.rows)) for part in report.parts],
        cohort=None,
        export_url=export_url,
        display=exports.display,
    )


# --------------------------------------------------------------------------------------------------- BPF


@bp.route("/reports/bpf")
@roles_required(*ADMIN)
def bpf_index():
    form = BpfYearForm(request.args, meta={"csrf": False})
    if request.args and form.validate():
        return redirect(url_for("courses.bpf_report", year=form.year.data))
    if request.args:
        return render_template("courses/funders/bpf_year.html", form=form), 422
    return redirect(url_for("courses.bpf_report", year=date.today().year - 1))


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        abort(404)
    return year


@bp.route("/reports/bpf/<int:year>")
@roles_required(*ADMIN)
def bpf_report(year: int):
    report = funding.bpf_report(_year(year))
    return render_template(
        "courses/funders/bpf.html",
        report=report,
        parts=[(part, list(part.rows)) for part in report.parts],
        display=exports.display,
        export_url=url_for("courses.bpf_report_export", year=year),
        year=year,
        form=BpfYearForm(year=year, meta={"csrf": False}),
    )


@bp.route("/reports/bpf/<int:year>/export")
@roles_required(*ADMIN)
def bpf_report_export(year: int):
    fmt, delimiter, part = _export_args()
    return send_report(funding.bpf_report(_year(year)), fmt, delimiter, part)


# --------------------------------------------------------------------------------------------------- ESF+


@bp.route("/reports/esf")
@roles_required(*FUNDER_READERS)
def esf_report():
    return _page(esf.aggregates_report(), url_for("courses.esf_report_export"))


@bp.route("/reports/esf/export")
@roles_required(*FUNDER_READERS)
def esf_report_export():
    fmt, delimiter, part = _export_args()
    return send_report(esf.aggregates_report(), fmt, delimiter, part)


@bp.route("/cohorts/<uuid:cohort_uuid>/esf-participants/export")
@roles_required(*ADMIN)
def esf_participants_export(cohort_uuid: uuid.UUID):
    cohort = db.first_or_404(db.select(Cohort).where(Cohort.uuid == cohort_uuid))
    if not esf.is_esf(cohort.programme):
        abort(404)
    fmt, delimiter, part = _export_args()
    return send_report(esf.participants_report(cohort), fmt, delimiter, part)


# --------------------------------------------------------------------------------------------------- satisfaction


@bp.route("/reports/satisfaction")
@roles_required(*FUNDER_READERS)
def satisfaction_report():
    cohorts = list(db.session.scalars(db.select(Cohort).order_by(Cohort.starts_on, Cohort.code)))
    return _page(qualiopi.satisfaction_report(cohorts), url_for("courses.satisfaction_report_export"))


@bp.route("/reports/satisfaction/export")
@roles_required(*FUNDER_READERS)
def satisfaction_report_export():
    cohorts = list(db.session.scalars(db.select(Cohort).order_by(Cohort.starts_on, Cohort.code)))
    fmt, delimiter, part = _export_args()
    return send_report(qualiopi.satisfaction_report(cohorts), fmt, delimiter, part)


def _my_enrolments() -> list[Enrolment]:
    return list(
        db.session.scalars(
            db.select(Enrolment).where(Enrolment.user_id == current_user.id).order_by(Enrolment.enrolled_on.desc())
        )
    )


@bp.route("/my/questionnaires")
@roles_required(Role.TRAINEE)
def my_questionnaires():
    today = date.today()
    items = [(e, satisfaction.open_modules(e, today)) for e in _my_enrolments()]
    return render_template("courses/funders/my_questionnaires.html", items=items)


@bp.route("/my/questionnaires/<uuid:enrolment_uuid>/<module_code>", methods=["GET", "POST"])
@roles_required(Role.TRAINEE)
def questionnaire(enrolment_uuid: uuid.UUID, module_code: str):
    enrolment = _enrolment(enrolment_uuid)
    if enrolment.user_id != current_user.id:
        abort(404)
    module = db.first_or_404(
        db.select(Module).where(Module.programme_id == enrolment.cohort.programme_id, Module.code == module_code)
    )
    form = SatisfactionForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                satisfaction.record_answers(enrolment, module, form.answers(), date.today())
            except ServiceError as exc:
                apply_error(form, exc)
            else:
                flash(_("Thank you! Your answers are saved without your name."), "success")
                return redirect(url_for("courses.my_questionnaires"))
        status = 422
    elif module.id not in {m.id for m, done in satisfaction.open_modules(enrolment, date.today()) if not done}:
        flash(_("This questionnaire is not open for you."), "info")
        return redirect(url_for("courses.my_questionnaires"))
    return render_template("courses/funders/questionnaire.html", form=form, module=module, enrolment=enrolment), status


# --------------------------------------------------------------------------------------------------- Qualiopi


def _scope_from(args) -> tuple[list[Cohort], str, int | None]:
    code, raw_year = args.get("cohort"), args.get("year")
    if code:
        cohort = db.first_or_404(db.select(Cohort).where(Cohort.code == code))
        return [cohort], cohort.code, None
    try:
        year = int(raw_year) if raw_year else date.today().year
        return qualiopi.cohorts_of_year(year), str(year), year
    except (ValueError, ServiceError):
        abort(400)


@bp.route("/reports/qualiopi", methods=["GET", "POST"])
@roles_required(*ADMIN)
def qualiopi_index():
    if request.method == "POST":
        cohorts, scope, year = _scope_from(request.form)
        params = {
            "cohorts": [c.code for c in cohorts],
            "scope": scope,
            "year": year,
            "as_of": date.today().isoformat(),
            "lang": str(current_user.language or "fr"),
        }
        job = jobs.enqueue(QUALIOPI_JOB, params, current_user)
        return redirect(url_for("jobs.detail", job_uuid=job.uuid))
    cohorts, scope, year = _scope_from(request.args)
    index = qualiopi.build(cohorts, scope, date.today(), year)
    all_cohorts = list(db.session.scalars(db.select(Cohort).order_by(Cohort.starts_on.desc(), Cohort.code)))
    return render_template(
        "courses/funders/qualiopi.html", index=index, all_cohorts=all_cohorts, form=BpfYearForm(year=year)
    )


def run_qualiopi_zip(context: jobs.JobContext) -> None:
    params = context.params
    cohorts = list(db.session.scalars(db.select(Cohort).where(Cohort.code.in_(params["cohorts"]))))
    with force_locale(params.get("lang") or "fr"):
        index = qualiopi.build(cohorts, params["scope"], date.fromisoformat(params["as_of"]), params.get("year"))
        with context.output(f"qualiopi-{params['scope']}.zip", "application/zip") as path:
            qualiopi.write_zip(index, path)


def register() -> None:
    jobs.register_job_kind(QUALIOPI_JOB, run_qualiopi_zip, _l("Qualiopi evidence (ZIP)"))
    register_nav("courses.my_questionnaires", _l("Your opinion"), [Role.TRAINEE], order=27)
