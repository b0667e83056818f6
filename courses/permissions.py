"""Who may see or change what in the training domain (object-level checks, run before any service).

- coordinators (admin): everything;
- trainers: the cohorts they are staff of;
- placement referents (tutors): the placements they follow, and only the hours of those;
- trainees: their own enrolment only;
- funders: none of this (aggregates only, in the reports).
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from core.db import db
from core.models import Role, User
from courses.models import Cohort, CohortStaff, Enrolment, HoursEntry, Placement, TrainingSession


def is_admin(user: User) -> bool:
    return user.has_role(Role.ADMIN)


def is_staff_of(user: User, cohort: Cohort) -> bool:
    if is_admin(user):
        return True
    if not user.has_role(Role.TRAINER):
        return False
    return db.session.get(CohortStaff, (cohort.id, user.id)) is not None


def staff_cohort_ids(user: User) -> list[int] | None:
    """The cohorts a user may manage as staff; None means all of them (coordinators)."""
    if is_admin(user):
        return None
    if not user.has_role(Role.TRAINER):
        return []
    return list(db.session.scalars(db.select(CohortStaff.cohort_id).where(CohortStaff.user_id == user.id)))


def require_staff(cohort: Cohort) -> None:
    if not is_staff_of(current_user, cohort):
        abort(403)


def require_admin() -> None:
    if not is_admin(current_user):
        abort(403)


def can_see_enrolment(user: User, enrolment: Enrolment) -> bool:
    return enrolment.user_id == user.id or is_staff_of(user, enrolment.cohort)


def require_enrolment(enrolment: Enrolment) -> None:
    if not can_see_enrolment(current_user, enrolment):
        abort(403)


def can_review_placement(user: User, placement: Placement) -> bool:
    return placement.tutor_id == user.id or is_staff_of(user, placement.enrolment.cohort)


def require_hours_reviewer(entry: HoursEntry) -> None:
    if entry.placement is not None and can_review_placement(current_user, entry.placement):
        return
    enrolment = db.session.get(Enrolment, entry.enrolment_id)
    if enrolment is None or not is_staff_of(current_user, enrolment.cohort):
        abort(403)


def require_session_staff(session: TrainingSession) -> None:
    if not (is_staff_of(current_user, session.cohort) or current_user in session.trainers):
        abort(403)
