"""Émargement pages: the trainer's signing screen (rotating code, QR, password), the trainer's device passed
around, the trainee's own phone, the countersignature, corrections, excused absences, the signed sheet (PDF) and
its public verification page."""

from __future__ import annotations

import uuid

import segno
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.db import db
from core.i18n import localized
from core.models import Role
from core.pdf import pdf_response, render_template_pdf
from core.security import public, roles_required
from core.services import ServiceError
from courses import emargement, emargement_sheet, permissions
from courses import emargement_rules as rules
from courses.blueprint import bp
from courses.certificates import display_code
from courses.models import AttendanceStatus, Enrolment, TrainingSession
from courses.presenters import lang

STAFF = (Role.ADMIN, Role.TRAINER)


def _session(session_uuid: uuid.UUID) -> TrainingSession:
    return db.first_or_404(db.select(TrainingSession).where(TrainingSession.uuid == session_uuid))


def _staff_session(session_uuid: uuid.UUID) -> TrainingSession:
    session = _session(session_uuid)
    permissions.require_session_staff(session)
    return session


def _enrolment(session: TrainingSession, enrolment_uuid: str | None) -> Enrolment:
    try:
        wanted = uuid.UUID(enrolment_uuid or "")
    except ValueError:
        abort(400)
    enrolment = db.session.scalar(
        db.select(Enrolment).where(Enrolment.uuid == wanted, Enrolment.cohort_id == session.cohort_id)
    )
    if enrolment is None:
        abort(400)
    return enrolment


def qr_svg(url: str) -> str:
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=6, border=2, dark="#1b1f24")


def _blocked(session: TrainingSession) -> str | None:
    try:
        emargement.check_signable(session)
    except ServiceError as exc:
        return str(exc)
    return None


def _fail(exc: ServiceError, target: str, session: TrainingSession):
    db.session.rollback()
    flash(str(exc), "error")
    return redirect(url_for(target, session_uuid=session.uuid)), 303


@bp.route("/sessions/<uuid:session_uuid>/emargement")
@roles_required(*STAFF)
def emargement_screen(session_uuid: uuid.UUID):
    """What the trainer shows the room (the code and its QR) and what she does at the end."""
    return _screen(_staff_session(session_uuid))


def _screen(session: TrainingSession, status: int = 200, posted: dict | None = None):
    """The trainer's page; after a refused correction or signature, again with what she chose (``posted``)."""
    sheet = emargement_sheet.sheet(session)
    state = emargement.window(session)
    code = emargement.current_code(session) if state is rules.Window.OPEN and not _blocked(session) else None
    return render_template(
        "courses/emargement_screen.html",
        session=session,
        sheet=sheet,
        state=state.value,
        code=code,
        qr=qr_svg(code["url"]) if code else None,
        password=emargement.session_password(session),
        blocked=_blocked(session),
        is_trainer=current_user in session.trainers,
        statuses=[s.value for s in AttendanceStatus],
        local_time=lambda moment: _local_time(session, moment),
        posted=posted or {},
    ), status


def _refused(exc: ServiceError, session: TrainingSession):
    """A refused form on the trainer's page: nothing written, the page again with the reason and her choices."""
    db.session.rollback()
    flash(str(exc), "error")
    return _screen(session, 422, request.form.to_dict())


@bp.route("/sessions/<uuid:session_uuid>/emargement/code")
@roles_required(*STAFF)
def emargement_code(session_uuid: uuid.UUID):
    """The current code as JSON, polled by the trainer's screen (new code every 15 s)."""
    session = _staff_session(session_uuid)
    if emargement.window(session) is not rules.Window.OPEN or _blocked(session):
        return jsonify({"open": False}), 409
    code = emargement.current_code(session)
    return jsonify({"open": True, **code, "qr": qr_svg(code["url"]), "signed": emargement.signed_count(session)})


@bp.route("/emargement/<uuid:session_uuid>/sign", methods=["GET", "POST"])
@roles_required(Role.TRAINEE)
def emargement_sign(session_uuid: uuid.UUID):
    """The trainee signs on her own phone: the code (typed, or in the link of the QR code) or the session's
    password, then one tap (her saved signature) or her drawn signature the first time."""
    session = _session(session_uuid)
    enrolment = emargement.enrolment_in(session, current_user)
    if enrolment is None:
        abort(404)
    saved = emargement.saved_signature(current_user)
    error = None
    status = 200
    if request.method == "POST":
        drawn = request.form.get("signature") or None
        typed_password = (request.form.get("password") or "").strip()
        via_qr = request.form.get("via") == "qr"
        if typed_password and not (request.form.get("code") or "").strip():
            method = rules.Method.PASSWORD
        else:
            method = rules.Method.OWN_PHONE if via_qr else rules.Method.CODE
        try:
            if drawn and (saved is None or request.form.get("keep") == "1"):
                saved = emargement.save_signature(current_user, drawn)
            record = emargement.sign(
                session,
                enrolment,
                method=method,
                by=current_user,
                drawn=drawn,
                code=request.form.get("code"),
                password=typed_password,
            )
        except ServiceError as exc:
            db.session.rollback()
            error, status = str(exc), 422
            saved = emargement.saved_signature(current_user)
        else:
            db.session.commit()
            if record.late:
                flash(
                    _("Thank you. You signed late, at %(time)s.", time=_local_time(session, record.signed_at)), "info"
                )
            else:
                flash(_("Thank you. Your signature is recorded."), "success")
            return redirect(url_for("courses.emargement_sign", session_uuid=session.uuid)), 303
    signed = emargement.has_signed(session, enrolment)
    return render_template(
        "courses/emargement_sign.html",
        session=session,
        signed=signed,
        saved=emargement.data_url(saved.image, saved.image_type) if saved else None,
        code=request.values.get("code", ""),
        via="qr" if request.args.get("code") else request.form.get("via", ""),
        error=error,
        state=emargement.window(session).value,
    ), status


def _local_time(session: TrainingSession, moment) -> str:
    starts, _ends = emargement.bounds(session)
    return moment.astimezone(starts.tzinfo).strftime("%H:%M")


@bp.route("/sessions/<uuid:session_uuid>/emargement/device", methods=["GET", "POST"])
@roles_required(*STAFF)
def emargement_device(session_uuid: uuid.UUID):
    """The trainer's device passed around: each trainee picks her name and draws her signature."""
    session = _staff_session(session_uuid)
    error = None
    status = 200
    if request.method == "POST":
        enrolment = _enrolment(session, request.form.get("enrolment"))
        try:
            emargement.sign(
                session,
                enrolment,
                method=rules.Method.TRAINER_DEVICE,
                by=current_user,
                drawn=request.form.get("signature") or None,
            )
        except ServiceError as exc:
            db.session.rollback()
            error, status = str(exc), 422
        else:
            db.session.commit()
            flash(_("%(name)s has signed. Pass the device to the next person.", name=enrolment.user.name), "success")
            return redirect(url_for("courses.emargement_device", session_uuid=session.uuid)), 303
    sheet = emargement_sheet.sheet(session)
    waiting = [r for r in sheet.rows if r.expected and r.signature is None and r.excused is None]
    return render_template(
        "courses/emargement_device.html",
        session=session,
        waiting=waiting,
        error=error,
        state=emargement.window(session).value,
        blocked=_blocked(session),
    ), status


@bp.route("/sessions/<uuid:session_uuid>/emargement/countersign", methods=["POST"])
@roles_required(*STAFF)
def emargement_countersign(session_uuid: uuid.UUID):
    session = _staff_session(session_uuid)
    try:
        emargement.countersign(session, current_user, request.form.get("signature") or "")
    except ServiceError as exc:
        return _fail(exc, "courses.emargement_screen", session)
    db.session.commit()
    flash(_("You have countersigned the sheet."), "success")
    return redirect(url_for("courses.emargement_screen", session_uuid=session.uuid)), 303


@bp.route("/sessions/<uuid:session_uuid>/emargement/override", methods=["POST"])
@roles_required(*STAFF)
def emargement_override(session_uuid: uuid.UUID):
    """After the window: the trainer records a signature for someone, with a reason the sheet shows."""
    session = _staff_session(session_uuid)
    enrolment = _enrolment(session, request.form.get("enrolment"))
    try:
        emargement.sign(
            session,
            enrolment,
            method=rules.Method.TRAINER_OVERRIDE,
            by=current_user,
            drawn=request.form.get("signature") or None,
            reason=request.form.get("reason"),
        )
    except ServiceError as exc:
        return _refused(exc, session)
    db.session.commit()
    flash(_("The signature is recorded with your reason."), "success")
    return redirect(url_for("courses.emargement_screen", session_uuid=session.uuid)), 303


@bp.route("/sessions/<uuid:session_uuid>/emargement/correct", methods=["POST"])
@roles_required(*STAFF)
def emargement_correct(session_uuid: uuid.UUID):
    session = _staff_session(session_uuid)
    enrolment = _enrolment(session, request.form.get("enrolment"))
    raw = (request.form.get("minutes") or "").strip()
    try:
        minutes = int(raw) if raw else None
        emargement.correct(
            session,
            enrolment,
            request.form.get("status") or "",
            minutes,
            request.form.get("reason") or "",
            current_user,
        )
    except ValueError:
        return _refused(ServiceError(_("Give the minutes attended as a number.")), session)
    except ServiceError as exc:
        return _refused(exc, session)
    db.session.commit()
    flash(_("The correction is recorded."), "success")
    return redirect(url_for("courses.emargement_screen", session_uuid=session.uuid)), 303


@bp.route("/sessions/<uuid:session_uuid>/emargement/excuse", methods=["POST"])
@roles_required(*STAFF)
def emargement_excuse(session_uuid: uuid.UUID):
    """ "Justification provided", with an optional file; never why."""
    session = _staff_session(session_uuid)
    enrolment = _enrolment(session, request.form.get("enrolment"))
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    try:
        emargement.excuse(session, enrolment, current_user, (upload.filename or "", data) if data else None)
    except ServiceError as exc:
        return _refused(exc, session)
    db.session.commit()
    flash(_("Recorded: justification provided."), "success")
    return redirect(url_for("courses.emargement_screen", session_uuid=session.uuid)), 303


def _sheet_context(session: TrainingSession) -> dict:
    sheet = emargement_sheet.sheet(session)
    first = sheet.countersignatures[0] if sheet.countersignatures else None
    verify = emargement_sheet.verify_url(first) if first else None
    return {
        "session": session,
        "sheet": sheet,
        "images": {
            r.enrolment.id: emargement.data_url(r.signature.image, r.signature.image_type)
            for r in sheet.rows
            if r.signature is not None
        },
        "counter_images": {c.id: emargement.data_url(c.image, c.image_type) for c in sheet.countersignatures},
        "local_time": lambda moment: _local_time(session, moment),
        "verify_url": verify,
        "verify_code": display_code(first.code) if first else None,
        "qr": qr_svg(verify) if verify else None,
        "module_title": localized(session.module.title, lang()) if session.module else None,
    }


@bp.route("/sessions/<uuid:session_uuid>/emargement.pdf")
@roles_required(*STAFF)
def emargement_pdf(session_uuid: uuid.UUID):
    """The signed attendance sheet (feuille d'émargement): signatures, times, methods, countersignature, code."""
    session = _staff_session(session_uuid)
    title = _(
        "Signed attendance sheet — %(cohort)s — %(date)s", cohort=session.cohort.code, date=session.on.isoformat()
    )
    data = render_template_pdf("courses/pdf/emargement_sheet.html", title=title, **_sheet_context(session))
    return pdf_response(data, f"emargement-signe-{session.cohort.code}-{session.on.isoformat()}.pdf")


@bp.route("/emargement/verify/<code>")
@public
def emargement_verify(code: str):
    """Public: what the countersigned sheet of this code holds (counts and digests, no names)."""
    counter = emargement_sheet.by_code(code)
    if counter is None:
        return render_template("courses/emargement_verify.html", counter=None), 404
    session = db.session.get(TrainingSession, counter.session_id)
    return render_template(
        "courses/emargement_verify.html",
        counter=counter,
        session=session,
        code=display_code(counter.code),
        local_time=lambda moment: _local_time(session, moment),
    )
