"""Read helpers shared by the pages (the writes are in services.py)."""

from __future__ import annotations

from datetime import date

from core.db import db
from courses.models import Attendance, Enrolment, TrainingSession


def cohort_sessions(cohort_id: int) -> list[TrainingSession]:
    """A cohort's sessions in calendar order."""
    return list(
        db.session.scalars(
            db.select(TrainingSession)
            .where(TrainingSession.cohort_id == cohort_id)
            .order_by(TrainingSession.on, TrainingSession.starts_at)
        )
    )


def upcoming_sessions(enrolment: Enrolment, today: date, limit: int) -> list[TrainingSession]:
    """The next ``limit`` sessions (not cancelled) the trainee of ``enrolment`` attends, from ``today``: what
    ``self_views.sessions_for`` lists for her in that cohort, without reading the rest of the calendar."""
    query = db.select(TrainingSession).where(
        TrainingSession.cohort_id == enrolment.cohort_id,
        TrainingSession.on >= max(today, enrolment.enrolled_on),
        TrainingSession.cancelled.is_(False),
    )
    if enrolment.withdrawn_on is not None:
        query = query.where(TrainingSession.on < enrolment.withdrawn_on)
    return list(db.session.scalars(query.order_by(TrainingSession.on, TrainingSession.starts_at).limit(limit)))


def marks_by_session(enrolment_id: int) -> dict[int, Attendance]:
    """One trainee's attendance marks, by session id."""
    return {
        a.session_id: a
        for a in db.session.scalars(db.select(Attendance).where(Attendance.enrolment_id == enrolment_id))
    }
