"""Demo émargement: the running promotion's last training days, signed as they would have been.

The marks are already on the roster (courses.demo); this writes the signatures that give them: present → signed
before the start (most on their own phone, some on the trainer's device), late → signed at the time the minutes
say, left early → signed and then a trainer's correction with a note, excused → "justification provided". The
first trainer of each session countersigns ten minutes after the end. Deterministic: the same drawings, times and
codes every run (the codes from a seeded generator, never ``secrets``)."""

from __future__ import annotations

import hashlib
import io
import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

from core.db import db
from courses import emargement_rules as rules
from courses.emargement import signature_record
from courses.models import (
    Attendance,
    AttendanceSignature,
    Cohort,
    Countersignature,
    Enrolment,
    ExcusedAbsence,
    RosterCorrection,
    TrainingSession,
)

DAYS_SIGNED = 2  # the last two training days up to today


def drawing(name: str) -> bytes:
    """A signature-like stroke, the same for the same name (a transparent PNG, as signature_pad draws)."""
    seed = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")
    rng = random.Random(seed)  # noqa: S311 - a drawing, not security
    image = Image.new("RGBA", (300, 110), (0, 0, 0, 0))
    points = [(12 + 28 * i, rng.randint(25, 90)) for i in range(10)]
    ImageDraw.Draw(image).line(points, fill=(27, 31, 36, 255), width=3, joint="curve")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def sign_recent_sessions(cohort: Cohort, today: date) -> int:
    """Sign the cohort's sessions of its last ``DAYS_SIGNED`` training days up to ``today``; returns how many."""
    if db.session.scalar(
        db.select(AttendanceSignature.id)
        .join(TrainingSession, TrainingSession.id == AttendanceSignature.session_id)
        .where(TrainingSession.cohort_id == cohort.id)
        .limit(1)
    ):
        return 0
    sessions = db.session.scalars(
        db.select(TrainingSession)
        .where(TrainingSession.cohort_id == cohort.id, TrainingSession.on < today, TrainingSession.cancelled.is_(False))
        .order_by(TrainingSession.on, TrainingSession.starts_at)
    ).all()
    days = sorted({s.on for s in sessions})[-DAYS_SIGNED:]
    zone = ZoneInfo(cohort.timezone)
    rng = random.Random(f"{cohort.code}-emargement")  # noqa: S311 - demo data
    signed = 0
    for session in (s for s in sessions if s.on in days):
        starts = datetime.combine(session.on, session.starts_at, tzinfo=zone)
        ends = datetime.combine(session.on, session.ends_at, tzinfo=zone)
        trainer = session.trainers[0]
        marks = db.session.execute(
            db.select(Attendance, Enrolment).join(Enrolment).where(Attendance.session_id == session.id)
        ).all()
        hashes = []
        for n, (mark, enrolment) in enumerate(sorted(marks, key=lambda row: row[1].id)):
            if mark.status == "excused":
                db.session.add(
                    ExcusedAbsence(
                        session_id=session.id,
                        enrolment_id=enrolment.id,
                        recorded_by_id=trainer.id,
                        recorded_at=ends,
                    )
                )
                continue
            if mark.status == "absent":
                continue
            if mark.status == "late":
                at = ends - timedelta(minutes=mark.minutes or 0)
            else:
                at = starts - timedelta(minutes=rng.randint(1, 14), seconds=rng.randint(0, 59))
            method = rules.Method.TRAINER_DEVICE if n % 6 == 5 else rules.Method.OWN_PHONE
            image = drawing(enrolment.user.legal_name)
            image_digest = hashlib.sha256(image).hexdigest()
            record = signature_record(
                session,
                enrolment,
                at=at,
                method=method,
                recorded_by_id=trainer.id if method is rules.Method.TRAINER_DEVICE else enrolment.user_id,
                late=rules.is_late(starts, at),
                image=image,
                image_type="image/png",
                image_sha256=image_digest,
            )
            db.session.add(record)
            hashes.append(record.sha256)
            if mark.status == "left_early":
                db.session.add(
                    RosterCorrection(
                        session_id=session.id,
                        enrolment_id=enrolment.id,
                        status="left_early",
                        minutes=mark.minutes,
                        reason="Départ anticipé, prévenu la veille",
                        recorded_by_id=trainer.id,
                        recorded_at=starts + timedelta(minutes=mark.minutes or 0),
                    )
                )
        at = ends + timedelta(minutes=10)
        image = drawing(trainer.legal_name)
        image_digest = hashlib.sha256(image).hexdigest()
        digest = rules.sheet_digest(hashes)
        document = {
            **rules.signed_document(
                session_uuid=str(session.uuid),
                person_uuid=str(trainer.uuid),
                signed_at=at,
                method="countersignature",
                image_sha256=image_digest,
            ),
            "sheet": digest,
        }
        db.session.add(
            Countersignature(
                session_id=session.id,
                trainer_id=trainer.id,
                trainer_name=trainer.legal_name,
                signed_at=at,
                code="".join(rng.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(10)),
                image=image,
                image_type="image/png",
                image_sha256=image_digest,
                signatures=len(hashes),
                sheet_sha256=digest,
                sha256=rules.signature_hash(document),
            )
        )
        signed += 1
    db.session.flush()
    return signed
