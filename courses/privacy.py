"""The training records and privacy: a trainee's enrolments, attendance, hours, validations, evidence files and
certificates in their data download; what erasure does to them; and the retention of evidence files.

**Erasure** keeps what the programme needs to account for a cohort without naming anyone (enrolment dates,
attendance marks, hours totals, which competencies were validated, final-work result: the funders' reports
count them) and removes the person's words and files: the activity notes of their hours and the referent's
comments, the trainers' comments on their validations, their evidence files (rows, and the stored files once
the transaction commits), their calendar feed; every link already sent to a referent for their placements stops
working. Certificates carry the legal name: the programme badge they belong to is revoked ("Withdrawn at the
holder's request") and the certificate keeps only the pseudonym, so its QR code and printed code say "revoked".
When the erased person is a referent known only by name and address on a placement, those go too.

**Retention**: evidence files are deleted ``EVIDENCE_RETENTION_DAYS`` after the end of their cohort by
``tremplin privacy purge --apply`` (the validation itself stays, with its kind of evidence).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from badges import services as badge_services
from badges.consent import HOLDER_REQUEST
from core.db import db
from core.i18n import LANGUAGES, localized
from core.models import User
from core.privacy import Provider, RetentionReport, register_provider, register_retention
from core.privacy.services import Erasure, ExportBundle, iso
from core.storage import Stored
from courses import certificates, evidence_store, services
from courses.models import (
    Attendance,
    AttendanceSignature,
    CalendarFeed,
    Certificate,
    Cohort,
    CohortStaff,
    Enrolment,
    EvidenceFile,
    HoursEntry,
    Pause,
    Placement,
    TrainingSession,
    Validation,
)


def _enrolments(user: User) -> list[Enrolment]:
    return list(
        db.session.scalars(sa.select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.enrolled_on))
    )


def _enrolment_ids(user: User) -> sa.Select:
    return sa.select(Enrolment.id).where(Enrolment.user_id == user.id)


def _objects(user: User) -> Iterable[tuple[str, str]]:
    ids = _enrolment_ids(user)
    refs: list[tuple[str, str]] = []
    for table, model in (
        ("enrolment", Enrolment),
        ("pause", Pause),
        ("placement", Placement),
        ("hours_entry", HoursEntry),
        ("validation", Validation),
        ("certificate", Certificate),
    ):
        column = model.id if model is Enrolment else model.enrolment_id
        refs += [(table, str(u)) for u in db.session.scalars(sa.select(model.uuid).where(column.in_(ids)))]
    refs += [
        ("attendance", str(i))
        for i in db.session.scalars(sa.select(Attendance.id).where(Attendance.enrolment_id.in_(ids)))
    ]
    refs += [
        ("evidence_file", str(u))
        for u in db.session.scalars(
            sa.select(EvidenceFile.uuid).join(Validation).where(Validation.enrolment_id.in_(ids))
        )
    ]
    refs += [
        ("calendar_feed", str(u))
        for u in db.session.scalars(sa.select(CalendarFeed.uuid).where(CalendarFeed.user_id == user.id))
    ]
    # A referent known by name and address on someone's placement.
    refs += [
        ("placement", str(u))
        for u in db.session.scalars(
            sa.select(Placement.uuid).where(sa.func.lower(Placement.tutor_email) == user.email.lower())
        )
    ]
    return refs


def _person_name(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    person = db.session.get(User, user_id)
    return person.name if person is not None else None


def _export(user: User, bundle: ExportBundle) -> None:
    lang = user.language if user.language in LANGUAGES else "fr"
    rows = []
    for enrolment in _enrolments(user):
        cohort = enrolment.cohort
        sessions = {
            s.id: s
            for s in db.session.scalars(sa.select(TrainingSession).where(TrainingSession.cohort_id == cohort.id))
        }
        attendance = []
        for mark in db.session.scalars(sa.select(Attendance).where(Attendance.enrolment_id == enrolment.id)):
            session = sessions.get(mark.session_id)
            attendance.append(
                {
                    "date": iso(session.on) if session else None,
                    "starts_at": iso(session.starts_at) if session else None,
                    "ends_at": iso(session.ends_at) if session else None,
                    "module": session.module.code if session and session.module else None,
                    "session": session.title if session else None,
                    "status": mark.status,
                    "attended_minutes": mark.minutes,
                    "recorded_at": iso(mark.recorded_at),
                }
            )
        attendance.sort(key=lambda a: (a["date"] or "", a["starts_at"] or ""))
        placements = db.session.scalars(
            sa.select(Placement).where(Placement.enrolment_id == enrolment.id).order_by(Placement.starts_on)
        ).all()
        hours = db.session.scalars(
            sa.select(HoursEntry).where(HoursEntry.enrolment_id == enrolment.id).order_by(HoursEntry.on)
        ).all()
        validations = []
        for validation in db.session.scalars(
            sa.select(Validation).where(Validation.enrolment_id == enrolment.id).order_by(Validation.validated_on)
        ):
            row = {
                "competency": validation.competency.code,
                "competency_title": localized(validation.competency.title, lang),
                "evidence_type": validation.evidence_type,
                "validated_on": iso(validation.validated_on),
                "validated_by": _person_name(validation.validator_id),
                "comment": validation.comment,
                "withdrawn_at": iso(validation.withdrawn_at),
            }
            evidence = validation.evidence_file
            if evidence is not None:
                row["evidence_file"] = {
                    "name": evidence.filename,
                    "type": evidence.content_type,
                    "size": evidence.size,
                    "added_at": iso(evidence.created_at),
                    "file": bundle.add_file(
                        f"preuves/{validation.competency.code}-{evidence.filename}",
                        Stored(services.evidence_key(evidence.sha256)),
                    ),
                }
            validations.append(row)
        with contextlib.suppress(certificates.CertificateUnavailable):
            certificates.certificate_for(enrolment)  # the one the trainee could download now (made on first ask)
        certificate_rows = []
        for certificate in db.session.scalars(sa.select(Certificate).where(Certificate.enrolment_id == enrolment.id)):
            row = {
                "code": certificates.display_code(certificate.code),
                "issued_at": iso(certificate.issued_at),
                "content": certificate.content,
                "badge": str(certificate.award.uuid),
                "valid": certificates.available(certificate.award),
            }
            if row["valid"]:
                row["file"] = bundle.add_file(
                    f"attestations/{certificates.filename(certificate, lang)}", certificates.render(certificate, lang)
                )
            certificate_rows.append(row)
        rows.append(
            {
                "id": str(enrolment.uuid),
                "cohort": {
                    "code": cohort.code,
                    "title": cohort.title,
                    "starts_on": iso(cohort.starts_on),
                    "ends_on": iso(cohort.ends_on),
                    "place": cohort.place,
                },
                "programme": {"code": cohort.programme.code, "title": localized(cohort.programme.title, lang)},
                "enrolled_on": iso(enrolment.enrolled_on),
                "withdrawn_on": iso(enrolment.withdrawn_on),
                "final_work": enrolment.final_work,
                "final_work_recorded_at": iso(enrolment.final_work_recorded_at),
                "pauses": [{"starts_on": iso(p.starts_on), "ends_on": iso(p.ends_on)} for p in enrolment.pauses],
                "attendance": attendance,
                # Her signatures (émargement): when, how, and the hash of what was signed; the drawings stay
                # on the signed sheets.
                "signatures": [
                    {
                        "date": iso(sessions[sig.session_id].on) if sig.session_id in sessions else None,
                        "starts_at": iso(sessions[sig.session_id].starts_at) if sig.session_id in sessions else None,
                        "signed_at": iso(sig.signed_at),
                        "method": sig.method,
                        "late": sig.late,
                        "reason": sig.reason,
                        "sha256": sig.sha256,
                    }
                    for sig in db.session.scalars(
                        sa.select(AttendanceSignature)
                        .where(AttendanceSignature.enrolment_id == enrolment.id)
                        .order_by(AttendanceSignature.signed_at)
                    )
                ],
                "placements": [
                    {
                        "host": p.host.name,
                        "kind": p.kind,
                        "starts_on": iso(p.starts_on),
                        "ends_on": iso(p.ends_on),
                        "cancelled_on": iso(p.cancelled_on),
                        "referent": _person_name(p.tutor_id) or p.tutor_name,
                    }
                    for p in placements
                ],
                "placement_hours": [
                    {
                        "date": iso(h.on),
                        "minutes": h.minutes,
                        "activity": h.activity,
                        "state": h.state,
                        "host": h.placement.host.name if h.placement else None,
                        "logged_at": iso(h.created_at),
                        "reviewed_at": iso(h.reviewed_at),
                        "reviewed_by": _person_name(h.reviewed_by_id)
                        or ("referent (link)" if h.reviewed_via_link else None),
                        "review_comment": h.review_comment,
                    }
                    for h in hours
                ],
                "validations": validations,
                "certificates": certificate_rows,
            }
        )
    bundle.add_section(
        "training",
        rows,
        "Vos formations : pour chaque promotion, vos dates d'inscription, vos pauses, vos présences séance par "
        "séance (« present » : présent·e, « late » : en retard, « left_early » : parti·e plus tôt, « excused » : "
        "excusé·e, « absent » : absent·e), vos signatures d'émargement (heure, manière de signer, empreinte "
        "SHA-256), vos lieux de stage, vos heures de pratique et leur confirmation, les "
        "compétences validées (avec la sorte de preuve et le commentaire du ou de la formateur·rice), le résultat "
        "du travail de fin de formation (« pending » : en attente, « passed » : réussi) et vos attestations.",
    )
    if any(path.startswith("preuves/") for path, _c in bundle.files):
        bundle.explain("preuves/", "Les fichiers de preuve joints à vos validations de compétences.")
    if any(path.startswith("attestations/") for path, _c in bundle.files):
        bundle.explain("attestations/", "Vos attestations de formation (PDF), comme vous pouvez les télécharger.")
    staff = db.session.scalars(
        sa.select(Cohort.code).join(CohortStaff).where(CohortStaff.user_id == user.id).order_by(Cohort.code)
    ).all()
    refereed = db.session.scalar(sa.select(sa.func.count()).select_from(Placement).where(Placement.tutor_id == user.id))
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    bundle.add_section(
        "training_roles",
        {
            "trainer_of_cohorts": list(staff),
            "referent_of_placements": refereed or 0,
            "calendar_feed_created_at": iso(feed.created_at) if feed else None,
        },
        "Si vous encadrez : les promotions où vous êtes formateur·rice et le nombre de stages dont vous êtes "
        "référent·e (sans les noms des stagiaires) ; la date de création de votre lien de calendrier personnel.",
    )


def _erase(erasure: Erasure) -> None:
    user = erasure.user
    ids = _enrolment_ids(user)
    services.revoke_calendar_feed(user)
    for entry in db.session.scalars(sa.select(HoursEntry).where(HoursEntry.enrolment_id.in_(ids))):
        if entry.activity or entry.review_comment:
            entry.activity = None
            entry.review_comment = None
            erasure.count("hours_notes_cleared")
    for validation in db.session.scalars(sa.select(Validation).where(Validation.enrolment_id.in_(ids))):
        if validation.comment:
            validation.comment = None
            erasure.count("validation_comments_cleared")
    files = db.session.scalars(sa.select(EvidenceFile).join(Validation).where(Validation.enrolment_id.in_(ids))).all()
    _delete_evidence(files)
    erasure.count("evidence_files_deleted", len(files))
    for placement in db.session.scalars(sa.select(Placement).where(Placement.enrolment_id.in_(ids))):
        placement.link_version += 1  # every link already sent to the referent stops working
        erasure.count("referent_links_invalidated")
    for placement in db.session.scalars(
        sa.select(Placement).where(sa.func.lower(Placement.tutor_email) == erasure.original_email.lower())
    ):
        placement.tutor_name = None
        placement.tutor_email = None
        placement.link_version += 1
        erasure.count("referent_contacts_cleared")
    for certificate in db.session.scalars(sa.select(Certificate).where(Certificate.enrolment_id.in_(ids))):
        if certificate.award.revoked_at is None:
            badge_services.revoke(certificate.award, HOLDER_REQUEST, erasure.by, notify=False)
            erasure.count("certificates_revoked")
        certificate.content = {**certificate.content, "legal_name": erasure.pseudonym}
    db.session.flush()


def _delete_evidence(files: Iterable[EvidenceFile]) -> int:
    """Delete these evidence records; their files go from storage after the commit unless another record shares
    them then (files are stored once per content: ``courses.evidence_store``). Returns the bytes freed, as far
    as this transaction can tell."""
    files = list(files)
    digests = {f.sha256 for f in files}
    freed = 0
    for record in files:
        db.session.delete(record)
    db.session.flush()
    still_used = (
        set(db.session.scalars(sa.select(EvidenceFile.sha256).where(EvidenceFile.sha256.in_(digests))))
        if digests
        else set()
    )
    for digest in digests - still_used:
        freed += evidence_store.evidence_size(digest) or 0
    for digest in digests:  # decided after the commit, on what is committed then
        evidence_store.release(digest)
    return freed


def purge_evidence(now: datetime, apply: bool) -> RetentionReport:
    """Evidence files of cohorts that ended more than ``EVIDENCE_RETENTION_DAYS`` ago (a dry run unless
    ``apply``). The lines name the cohort and the record's id, never the file's name (it may hold a name)."""
    report = RetentionReport(name="evidence files")
    days = int(current_app.config.get("EVIDENCE_RETENTION_DAYS") or 0)
    if days <= 0:
        report.items.append("Retention not set (EVIDENCE_RETENTION_DAYS is 0): evidence files are kept.")
        return report
    cutoff = now.date() - timedelta(days=days)
    rows = db.session.execute(
        sa.select(EvidenceFile, Cohort.code, Cohort.ends_on)
        .join(Validation, Validation.id == EvidenceFile.validation_id)
        .join(Enrolment, Enrolment.id == Validation.enrolment_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Cohort.ends_on < cutoff)
        .order_by(Cohort.ends_on, EvidenceFile.created_at)
    ).all()
    for record, code, ends_on in rows:
        report.items.append(f"{code} (ended {ends_on.isoformat()}): {record.uuid} ({record.size} bytes)")
        report.bytes += record.size
    report.count = len(rows)
    if apply and rows:
        _delete_evidence([record for record, _c, _e in rows])
    return report


def init_app() -> None:
    register_provider(
        Provider(
            name="courses",
            order=10,
            objects=_objects,
            export=_export,
            erase=_erase,
            audit_fields={
                "hours_entry": ("activity", "review_comment"),
                "validation": ("comment",),
                "evidence_file": ("filename",),
                "certificate": ("content",),
                "placement": ("tutor_name", "tutor_email"),
            },
        )
    )
    register_retention("evidence files", purge_evidence)
