"""Report pages and their exports: coordinators see every cohort, trainers their cohorts, funders only the
funder report (aggregates). Whole-platform exports run as background jobs (``core.jobs``)."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core import jobs, pagecache
from core.db import db
from core.home import register_nav
from core.models import Role
from core.pdf import content_disposition, pdf_response
from core.security import roles_required
from courses import exports, facts, permissions, reports
from courses.blueprint import bp
from courses.forms import PlatformExportForm
from courses.models import Cohort

STAFF = (Role.ADMIN, Role.TRAINER)
FUNDER_READERS = (Role.ADMIN, Role.FUNDER)
JOB_KIND = "courses.report-export"


def _as_of() -> date:
    raw = request.args.get("as_of")
    if not raw:
        return date.today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400)


def _export_args() -> tuple[str, str, str | None]:
    fmt = request.args.get("format", "xlsx")
    delimiter = exports.DELIMITERS.get(request.args.get("delimiter", "semicolon"))
    if fmt not in exports.FORMATS or delimiter is None:
        abort(400)
    return fmt, delimiter, request.args.get("part") or None


def send_report(report: reports.Report, fmt: str, delimiter: str, part: str | None) -> Response:
    try:
        data = exports.render(report, fmt, part=part, delimiter=delimiter)
    except KeyError:
        abort(404)
    if fmt == "pdf":
        return pdf_response(data, exports.filename(report, fmt, part))
    response = Response(data, mimetype=exports.MIMETYPES[fmt])
    response.headers["Content-Disposition"] = content_disposition(exports.filename(report, fmt, part))
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(report: reports.Report, export_url: str, cohort: Cohort | None = None):
    parts = [(part, list(part.rows)) for part in report.parts]
    return render_template(
        "courses/reports/report.html",
        report=report,
        parts=parts,
        cohort=cohort,
        export_url=export_url,
        display=exports.display,
        cohort_kinds=reports.COHORT_KINDS,
        kind_titles=reports.KIND_TITLES,
    )


@bp.route("/reports")
@roles_required(Role.ADMIN, Role.TRAINER, Role.FUNDER)
def reports_index():
    cohorts: list[Cohort] = []
    if current_user.has_role(*STAFF):
        query = db.select(Cohort).order_by(Cohort.starts_on.desc(), Cohort.code)
        allowed = permissions.staff_cohort_ids(current_user)
        if allowed is not None:
            query = query.where(Cohort.id.in_(allowed))
        cohorts = list(db.session.scalars(query))
    form = PlatformExportForm() if current_user.has_role(Role.ADMIN) else None
    return render_template(
        "courses/reports/index.html",
        cohorts=cohorts,
        form=form,
        cohort_kinds=reports.COHORT_KINDS,
        kind_titles=reports.KIND_TITLES,
    )


def _cohort(cohort_uuid: uuid.UUID, kind: str) -> Cohort:
    if kind not in reports.COHORT_KINDS:
        abort(404)
    cohort = db.first_or_404(db.select(Cohort).where(Cohort.uuid == cohort_uuid))
    permissions.require_staff(cohort)
    return cohort


@bp.route("/cohorts/<uuid:cohort_uuid>/reports/<kind>")
@roles_required(*STAFF)
def cohort_report(cohort_uuid: uuid.UUID, kind: str):
    cohort = _cohort(cohort_uuid, kind)
    as_of = _as_of()
    export_url = url_for("courses.cohort_report_export", cohort_uuid=cohort.uuid, kind=kind)
    # a report computed from the cohort's facts alone is kept in memory per person and facts_version
    version = (cohort.facts_version,) if kind in reports.FACTS_ONLY_KINDS and facts.usable() else None
    return pagecache.page(version, lambda: _page(reports.build(kind, cohort, as_of), export_url, cohort))


@bp.route("/cohorts/<uuid:cohort_uuid>/reports/<kind>/export")
@roles_required(*STAFF)
def cohort_report_export(cohort_uuid: uuid.UUID, kind: str):
    cohort = _cohort(cohort_uuid, kind)
    fmt, delimiter, part = _export_args()
    return send_report(reports.build(kind, cohort, _as_of()), fmt, delimiter, part)


@bp.route("/reports/funder")
@roles_required(*FUNDER_READERS)
def funder_report():
    return _page(reports.funder(_as_of()), url_for("courses.funder_report_export"))


@bp.route("/reports/funder/export")
@roles_required(*FUNDER_READERS)
def funder_report_export():
    fmt, delimiter, part = _export_args()
    return send_report(reports.funder(_as_of()), fmt, delimiter, part)


@bp.route("/reports/platform-export", methods=["POST"])
@roles_required(Role.ADMIN)
def platform_export():
    form = PlatformExportForm()
    if not form.validate_on_submit():
        abort(400)
    params = {
        "report": form.report.data,
        "cohort": None,
        "format": form.format.data,
        "delimiter": exports.DELIMITERS[form.delimiter.data],
        "as_of": date.today().isoformat(),
        "lang": str(current_user.language or "fr"),
    }
    job = jobs.enqueue(JOB_KIND, params, current_user)
    return redirect(url_for("jobs.detail", job_uuid=job.uuid))


# --------------------------------------------------------------------------------------------------- the job


def run_export(context: jobs.JobContext) -> None:
    """The background job: a report of one cohort or of all of them, written to the job's result file."""
    params = context.params
    kind, fmt = params["report"], params["format"]
    if kind not in reports.KINDS or fmt not in exports.FORMATS:
        raise jobs.JobFailed("unknown report or format")
    as_of = date.fromisoformat(params.get("as_of") or date.today().isoformat())
    with force_locale(params.get("lang") or "fr"):
        report = build_report(kind, params.get("cohort"), as_of, progress=context.progress)
        with context.output(exports.filename(report, fmt), exports.MIMETYPES[fmt].split(";")[0]) as path:
            exports.write_file(report, fmt, path, delimiter=params.get("delimiter") or ";")


def build_report(kind: str, cohort_code: str | None, as_of: date, progress=None) -> reports.Report:
    """One cohort's report, or with ``cohort_code`` None (or "all") the whole platform's summary or funder
    report. Shared by the job and ``tremplin report``."""
    if cohort_code in (None, "", "all"):
        if kind == "summary":
            return reports.platform_summary(as_of, progress=progress)
        if kind == "funder":
            return reports.funder(as_of, progress=progress)
        raise jobs.JobFailed(f"the {kind} report is for one cohort: give its code")
    cohort = db.session.scalar(db.select(Cohort).where(Cohort.code == cohort_code))
    if cohort is None:
        raise jobs.JobFailed(f"no cohort with the code {cohort_code}")
    return reports.build(kind, cohort, as_of)


def register() -> None:
    jobs.register_job_kind(JOB_KIND, run_export, _l("Report export"))
    register_nav("courses.reports_index", _l("Reports"), [Role.ADMIN, Role.TRAINER, Role.FUNDER], order=60)
