"""Certificates: the trainee's download, the coordinators' per trainee and per cohort, and ``/verify/<code>``,
the page the QR code and the printed code lead to."""

from __future__ import annotations

import errno
import uuid
from datetime import date
from typing import Any

from flask import abort, jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.routing import BaseConverter
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from badges import extensions
from badges.models import Award
from badges.verify_views import verdict_json, verdict_language, verification_page
from badges.views import wants_json_document
from core import jobs
from core.db import db, utcnow
from core.forms import LANGUAGE_LABELS
from core.i18n import LANGUAGES, current_language
from core.models import Job, Role
from core.pdf import pdf_response
from core.security import public, roles_required
from courses import certificates, permissions
from courses.blueprint import bp
from courses.models import Certificate, Cohort, Enrolment
from courses.views import STAFF, cohort_or_404

JOB_KIND = "certificates-zip"


class CertificateCodeConverter(BaseConverter):
    """``/verify/<certcode:code>``: ten letters and digits, with or without a dash — never a UUID, so the badge's
    own ``/verify/<uuid>`` route is never shadowed."""

    regex = certificates.CODE_PATTERN


def register_converter(app) -> None:
    app.url_map.converters["certcode"] = CertificateCodeConverter


def _lang() -> str:
    wanted = request.args.get("lang")
    return wanted if wanted in LANGUAGES else current_language()


def enrolment_or_404(enrolment_uuid: uuid.UUID) -> Enrolment:
    return db.first_or_404(db.select(Enrolment).where(Enrolment.uuid == enrolment_uuid))


@bp.route("/enrolments/<uuid:enrolment_uuid>/certificate.pdf")
@roles_required(Role.TRAINEE, *STAFF)
def certificate_pdf(enrolment_uuid: uuid.UUID):
    """The certificate of one trainee: the trainee's own, or any trainee's of a cohort the user is staff of."""
    enrolment = enrolment_or_404(enrolment_uuid)
    permissions.require_enrolment(enrolment)
    try:
        certificate = certificates.certificate_for(enrolment)
    except certificates.CertificateUnavailable:
        abort(404)
    assert certificate is not None
    lang = _lang()
    return pdf_response(certificates.render(certificate, lang), certificates.filename(certificate, lang))


@bp.route("/cohorts/<uuid:cohort_uuid>/certificates")
@roles_required(*STAFF)
def cohort_certificates(cohort_uuid: uuid.UUID):
    """The cohort's trainees who can get a certificate, one link each (and the ZIP of them all)."""
    cohort = cohort_or_404(cohort_uuid)
    permissions.require_staff(cohort)
    holders = certificates.holders(cohort)
    enrolments = [
        e for e in db.session.scalars(db.select(Enrolment).where(Enrolment.cohort_id == cohort.id)) if e.id in holders
    ]
    enrolments.sort(key=lambda e: e.user.legal_name.casefold())
    existing = {
        c.enrolment_id: c
        for c in db.session.scalars(db.select(Certificate).where(Certificate.enrolment_id.in_(list(holders))))
        if c.award.revoked_at is None
    }
    return render_template(
        "courses/cohort_certificates.html",
        cohort=cohort,
        enrolments=enrolments,
        existing=existing,
        display_code=certificates.display_code,
        **_bulk_context(cohort),
    )


class BulkForm(FlaskForm):
    lang = SelectField(choices=[SelectChoice(code, name) for code, name in LANGUAGE_LABELS.items()], default="fr")


def _bulk_context(cohort: Cohort) -> dict[str, Any]:
    """The bulk (ZIP) part of the cohort page: the form, and the ZIPs of this cohort asked recently (the user's
    own; every one for coordinators)."""
    query = db.select(Job).where(Job.kind == JOB_KIND).order_by(Job.created_at.desc()).limit(50)
    if not permissions.is_admin(current_user):
        query = query.where(Job.owner_id == current_user.id)
    recent = [job for job in db.session.scalars(query) if (job.params or {}).get("cohort") == str(cohort.uuid)][:5]
    return {"bulk_form": BulkForm(lang=current_language()), "bulk_jobs": recent}


@bp.route("/cohorts/<uuid:cohort_uuid>/certificates/zip", methods=["POST"])
@roles_required(*STAFF)
def cohort_certificates_zip(cohort_uuid: uuid.UUID):
    """Queue the background job that makes the ZIP of the cohort's certificates; its page shows the progress."""
    cohort = cohort_or_404(cohort_uuid)
    permissions.require_staff(cohort)
    form = BulkForm()
    if not form.validate_on_submit():
        abort(400)
    total = len(certificates.holders(cohort))
    job = jobs.enqueue(JOB_KIND, {"cohort": str(cohort.uuid), "lang": form.lang.data}, current_user, total=total)
    return redirect(url_for("jobs.detail", job_uuid=job.uuid))


def run_zip(context: jobs.JobContext) -> None:
    """The background job: every certificate of a cohort in one ZIP (``<email>.pdf`` each). The certificates
    missing are created and committed first, then rendered one by one, the progress recorded after each.

    Killed half-way and run again (a stale job is claimed again), it starts over: the certificates made the first
    time are found again (one per badge, by a unique key), never made twice, and the ZIP is written anew. A
    certificate that cannot be made is left out and named on the job's page; the job fails only if none could."""
    lang = context.params.get("lang") if context.params.get("lang") in LANGUAGES else "fr"
    cohort = db.session.scalar(db.select(Cohort).where(Cohort.uuid == uuid.UUID(context.params["cohort"])))
    owner = context.owner
    with force_locale(lang):  # the job's page shows the reason as written, in the language the job was asked in
        if cohort is None:
            raise jobs.JobFailed(_("This cohort no longer exists."))
        if owner is None or not owner.active or not permissions.is_staff_of(owner, cohort):
            raise jobs.JobFailed(_("You are no longer on this cohort's team."))
    rows = certificates.cohort_certificates(cohort)
    db.session.commit()  # the new certificates (and their codes) are saved before the long part
    word = {"en": "certificates", "nl": "attesten"}.get(lang, "attestations")
    try:
        with context.output(f"{word}-{cohort.code}.zip", "application/zip") as path:
            written = certificates.write_zip(rows, lang, path, progress=context.progress, problem=context.problem)
            if rows and not written:
                raise jobs.JobFailed(context.problems[0])
    except OSError as exc:  # the ZIP itself could not be finished (its last bytes): nothing to download
        raise jobs.JobFailed(_disk_message(exc, lang)) from exc


def _disk_message(exc: OSError, lang: str) -> str:
    with force_locale(lang):
        if exc.errno == errno.ENOSPC:
            return _("The server's disk is full: the ZIP could not be saved. Tell the platform's administrator.")
        return _("The ZIP could not be saved on the server. Try again; if it fails again, tell the administrator.")


@bp.route("/verify/<certcode:code>")
@public
def verify_certificate(code: str):
    """What the QR code and the printed code lead to: the programme badge's verification page, with what the
    certificate says (so an edited PDF is caught) — or that it is revoked, from the moment it is."""
    certificate = certificates.by_code(code)
    if wants_json_document():
        if certificate is None:
            response = jsonify(error="not_found", message=_("No certificate has this code."))
            response.status_code = 404
            response.headers["Access-Control-Allow-Origin"] = "*"
            return response
        return verdict_json(certificate.award.uuid, {"certificate": certificate_document(certificate)})
    if certificate is None:
        return render_template("badges/verify_unknown.html"), 404
    return verification_page(certificate.award, reached_by={"certificate": certificate})


def certificate_document(certificate: Certificate) -> dict[str, Any]:
    """What the printed certificate says, as JSON (``/verify/<code>`` asked for JSON), in the request's language:
    the same facts as its verification page, to compare with the paper."""
    content = certificate.content
    lang = verdict_language()
    return {
        "code": certificates.display_code(certificate.code),
        "legal_name": content["legal_name"],
        "credential_name": content["credential_name"].get(lang),
        "programme": content["programme"]["title"].get(lang),
        "cohort": content["cohort"],
        "awarded_on": content["awarded_on"],
        "training_minutes": content["training_minutes"],
        "placement_minutes": content["placement_minutes"],
        "modules": [{"code": m["code"], "title": m["title"].get(lang)} for m in content["modules"]],
        "competencies": [{"code": c["code"], "title": c["title"].get(lang)} for c in content["competencies"]],
        "issuer": content["issuer"],
        "pdf_available": certificate.award.revoked_at is None,
    }


# ------------------------------------------------------------------------------------------------ seams


def verification_section(award: Award, reached_by) -> Markup | None:
    """On the badge's verification page: the certificate's content when the visitor came by its code; for a
    programme badge reached by its own link, only a word that a printed certificate exists (its content names
    the holder, which the badge page shows only when they made the badge public)."""
    certificate = (reached_by or {}).get("certificate")
    lang = current_language()
    if certificate is not None:
        content = certificate.content
        return Markup(  # noqa: S704  # nosec B704  # an autoescaped template's output
            render_template(
                "courses/certificate_verify.html",
                certificate=certificate,
                c=content,
                code=certificates.display_code(certificate.code),
                status=award.status(utcnow()),
                training_hours=certificates.hours_text(content["training_minutes"], lang),
                placement_hours=certificates.hours_text(content["placement_minutes"], lang)
                if content["placement_minutes"]
                else None,
                lang=lang,
            )
        )
    if certificates.certificate_of_award(award) is not None:
        return Markup(render_template("courses/certificate_verify.html", certificate=None))  # noqa: S704  # nosec B704  # idem
    return None


def reference_lookup(text: str) -> str | None:
    """On ``/verify``: a certificate's code, as typed (or its link, pasted) → its page."""
    candidate = text.strip().rstrip("/").rsplit("/verify/", 1)[-1] if "/verify/" in text else text
    certificate = certificates.by_code(candidate)
    if certificate is None:
        return None
    return url_for("courses.verify_certificate", code=certificates.display_code(certificate.code))


def holder_links(award: Award) -> list[tuple[str, str]]:
    """On ``/me/badges/<uuid>``: the printable certificate of an active programme badge."""
    if award.achievement.kind != "programme" or not (award.context_ref or "").startswith("enrolment:"):
        return []
    if not certificates.available(award):
        return []
    enrolment = db.session.get(Enrolment, int(award.context_ref.split(":", 1)[1]))
    if enrolment is None or enrolment.user_id != current_user.id:
        return []
    lang = current_language()
    return [
        (
            _("Download my certificate (PDF)"),
            url_for("courses.certificate_pdf", enrolment_uuid=enrolment.uuid, lang=lang),
        )
    ]


def init_app(app) -> None:
    jobs.register_job_kind(JOB_KIND, run_zip, _l("Certificates of a cohort (ZIP)"))
    extensions.register_verification_section(verification_section)
    extensions.register_holder_links(holder_links)
    extensions.register_reference_lookup(reference_lookup)
    app.jinja_env.globals["certificate_available_for"] = certificate_available_for
    app.jinja_env.globals["certificate_kept_off"] = certificates.kept_off
    app.jinja_env.filters["fromisodate"] = date.fromisoformat
    # Platform-wide defaults (a programme's ``certificate:`` block wins): TREMPLIN_CERTIFICATE_SIGNATORIES (a JSON
    # list of {name, role: {fr, en}, signature}) and TREMPLIN_CERTIFICATE_PLACE.
    app.config.setdefault("CERTIFICATE_SIGNATORIES", None)
    app.config.setdefault("CERTIFICATE_PLACE", None)


def certificate_available_for(enrolment: Enrolment) -> bool:
    """For templates: may this enrolment's certificate be downloaded now?"""
    return certificates.available(certificates.programme_award(enrolment))
