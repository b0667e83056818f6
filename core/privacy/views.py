"""The privacy notice (public), the person's own data page and download, and the coordinators' erasure page."""

from __future__ import annotations

import io
import uuid

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from core.db import db
from core.i18n import LANGUAGES, current_language
from core.models import Role, User
from core.privacy import services
from core.security import public, roles_required
from core.services import ServiceError

bp = Blueprint("privacy", __name__)


def controller() -> dict[str, str | None]:
    """Who is responsible for the data (GDPR "controller") and how to reach them, from the configuration."""
    config = current_app.config
    return {
        "name": config.get("PRIVACY_CONTROLLER") or config.get("BADGES_ISSUER_NAME") or None,
        "contact": config.get("PRIVACY_CONTACT") or config.get("BADGES_ISSUER_EMAIL") or None,
    }


@bp.route("/privacy")
@bp.route("/confidentialite")
@public
def notice():
    wanted = request.args.get("lang")
    lang = wanted if wanted in LANGUAGES else current_language()
    return render_template(
        "core/privacy_notice.html",
        body=f"core/privacy_notice_{lang}.html",
        lang=lang,
        controller=controller(),
        evidence_days=int(current_app.config.get("EVIDENCE_RETENTION_DAYS") or 0),
        jobs_days=int(current_app.config.get("JOBS_KEEP_DAYS", 7)),
    )


class DownloadForm(FlaskForm):
    """Just the CSRF token: the download is a POST so that no other site can start it."""


def _zip_response(user: User):
    bundle = services.export_data(user)  # records the download in the audit log; the request commits it
    buffer = io.BytesIO()  # a person's files are a few megabytes at most (evidence files are capped at 5 MB)
    services.write_zip(bundle, buffer)
    response = Response(buffer.getvalue(), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{services.export_filename(user)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/data", methods=["GET", "POST"])
def my_data():
    """What the platform keeps about me, and the button to download it all."""
    form = DownloadForm()
    if form.validate_on_submit():
        return _zip_response(current_user._get_current_object())
    return render_template("core/privacy_my_data.html", form=form, controller=controller())


#: What an erasure did, as the coordinator reads it (the record keeps the keys).
SUMMARY_LABELS = {
    "api_tokens_deleted": _l("API tokens deleted"),
    "audit_entries_scrubbed": _l("Audit log entries cleaned of the name, address or IP address"),
    "certificates_revoked": _l("Certificates revoked"),
    "consent_wordings_scrubbed": _l("Recorded choices cleaned of the name"),
    "esf_records_deleted": _l("ESF+ indicators deleted"),
    "evidence_files_deleted": _l("Evidence files deleted"),
    "exports_deleted": _l("Finished exports deleted"),
    "failed_logins_deleted": _l("Refused login attempts deleted"),
    "hours_notes_cleared": _l("Notes of placement hours cleared"),
    "messages_deleted": _l("E-mails to the person deleted"),
    "messages_scrubbed": _l("Other e-mails cleaned of the name"),
    "named_badges_resigned_without_name": _l("Badges with the name signed again without it"),
    "named_badges_revoked": _l("Badges with the name revoked"),
    "referent_contacts_cleared": _l("Referent contact details cleared"),
    "referent_links_invalidated": _l("Placements whose links to the referent stopped working"),
    "validation_comments_cleared": _l("Comments on validations cleared"),
}


class EraseForm(FlaskForm):
    confirm = StringField(
        _l("To confirm, type the person's e-mail address"),
        validators=[DataRequired(message=_l("Type the address to confirm."))],
    )


@bp.route("/admin/users/<uuid:user_uuid>/privacy", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def user_privacy(user_uuid: uuid.UUID):
    """A coordinator handles a request: download the person's data, or erase it (after typing their address)."""
    person = db.session.scalar(db.select(User).where(User.uuid == user_uuid))
    if person is None:
        abort(404)
    record = services.erasure_of(person)
    form = EraseForm()
    if request.form.get("action") == "export" and DownloadForm().validate_on_submit():
        return _zip_response(person)
    if request.form.get("action") == "erase" and record is None and form.validate_on_submit():
        if form.confirm.data.strip().lower() != person.email.lower():
            form.confirm.errors = [_("This is not the person's address: nothing was erased.")]
        else:
            try:
                record, _done = services.erase(person, current_user)
            except ServiceError as exc:
                form.confirm.errors = [str(exc)]
            else:
                flash(
                    _(
                        "The personal data is erased. The account now carries the pseudonym %(pseudonym)s.",
                        pseudonym=record.pseudonym,
                    ),
                    "success",
                )
                return redirect(url_for("privacy.user_privacy", user_uuid=person.uuid))
    status = 422 if form.errors else 200
    return (
        render_template(
            "core/privacy_user.html",
            person=person,
            record=record,
            form=form,
            download=DownloadForm(),
            summary_labels=SUMMARY_LABELS,
        ),
        status,
    )
