"""Read helpers shared by the pages (the writes are in services.py)."""

from __future__ import annotations

from core.db import db
from courses.models import Attendance, TrainingSession


def cohort_sessions(cohort_id: int) -> list[TrainingSession]:
    """A cohort's sessions in calendar order."""
    return list(
        db.session.scalars(
            db.select(TrainingSession)
            .where(TrainingSession.cohort_id == cohort_id)
            .order_by(TrainingSession.on, TrainingSession.starts_at)
        )
    )


def marks_by_session(enrolment_id: int) -> dict[int, Attendance]:
    """One trainee's attendance marks, by session id."""
    return {
        a.session_id: a
        for a in db.session.scalars(db.select(Attendance).where(Attendance.enrolment_id == enrolment_id))
    }
