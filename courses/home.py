"""Home-page panels and menu entries of the training domain (registered with core.home)."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from badges import services as badge_services
from core.db import db
from core.home import register_nav, register_panel
from core.models import Role
from courses import eligibility, exports, facts, next_steps, permissions, queries, reports
from courses.models import Cohort, Enrolment, HoursEntry, HoursState, Placement
from courses.self_views import current_enrolment, sessions_for
from courses.views import is_at_risk


def _trainee_panel(user) -> dict:
    enrolment = current_enrolment(user)
    if enrolment is None:
        return {"enrolment": None}
    today = date.today()
    evaluation = eligibility.evaluate_enrolment(enrolment, today)
    threshold = enrolment.cohort.programme.rules["attendance"]["threshold_percent"]
    return {
        "enrolment": enrolment,
        "evaluation": evaluation,
        "threshold": threshold,
        "situation": next_steps.situation(evaluation, threshold),
        "upcoming": queries.upcoming_sessions(enrolment, today, 3),
        "finished": enrolment.cohort.ends_on < today,
        "pending_hours": db.session.scalar(
            db.select(db.func.count())
            .select_from(HoursEntry)
            .where(HoursEntry.enrolment_id == enrolment.id, HoursEntry.state == HoursState.PENDING.value)
        ),
    }


@functools.cache
def _trainee_version_query() -> sa.Select:
    """Built once, bound per request (building a statement costs as much as running it on SQLite)."""
    return (
        db.select(Enrolment.id, Cohort.id, Cohort.facts_version)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Enrolment.user_id == sa.bindparam("user_id"))
        .order_by(Enrolment.id)
    )


def _trainee_version(user) -> tuple | None:
    """What the trainee's panel (and the contact card of her pages) shows changes with: her enrolments and their
    cohorts' facts (``facts_version``: sessions, marks, hours, validations, staff and the people's names), her badges
    (the programme badge gives the certificate link). One query besides the badges'."""
    if not facts.usable():
        return None
    rows = db.session.execute(_trainee_version_query(), {"user_id": user.id}).all()
    return (tuple(tuple(row) for row in rows), badge_services.holder_version(user))


#: How far back the trainer's home looks for rosters still to fill.
ROSTER_LOOKBACK = timedelta(days=42)


def cohort_summaries(cohorts: list[Cohort], as_of: date) -> dict[int, dict[str, int]]:
    """Each cohort's line on the staff's home: trainees, at risk, competencies still to validate. Remembered with
    the cohort's facts (``courses.facts``): a coordinator's home over hundreds of running cohorts evaluates only
    those whose facts changed, together."""
    usable = facts.usable()
    out = {}
    for cohort in cohorts:
        kept = facts.recall(cohort, as_of, None, kind="summary") if usable else None
        if kept is not None:
            out[cohort.id] = kept
    missing = [c for c in cohorts if c.id not in out]
    for start in range(0, len(missing), eligibility.BATCH):
        batch = missing[start : start + eligibility.BATCH]
        evaluated = eligibility.evaluate_cohorts(batch, as_of, remember=False)  # only the line is kept
        for cohort in batch:
            results = evaluated[cohort.id]
            active = [r.evaluation for r in results if r.evaluation.status.value != "withdrawn"]
            out[cohort.id] = {
                "trainees": len(results),
                "at_risk": sum(is_at_risk(r, ended=as_of > cohort.ends_on) for r in results),
                # the validation queue: competencies still to validate across the cohort
                "to_validate": sum(e.competencies_required - e.competencies_validated for e in active),
            }
            if usable:
                facts.keep(cohort, as_of, None, out[cohort.id], kind="summary")
    return out


def _staff_panel(user) -> dict:
    today = date.today()
    query = db.select(Cohort).where(Cohort.ends_on >= today).order_by(Cohort.starts_on)
    allowed = permissions.staff_cohort_ids(user)
    if allowed is not None:
        query = query.where(Cohort.id.in_(allowed))
    running = list(db.session.scalars(query))
    summaries = cohort_summaries(running, today)
    cohorts = [{"cohort": cohort, **summaries[cohort.id]} for cohort in running]
    mine = [s for s in sessions_for(user, since=today - ROSTER_LOOKBACK) if not s.cancelled]
    return {
        "cohorts": cohorts,
        "today": today,
        "todays": [s for s in mine if s.on == today],
        # a roster never saved (version 0) of a day gone by: the trainer's first job of the morning
        "to_fill": [s for s in mine if s.on < today and s.roster_version == 0],
        "upcoming": [s for s in mine if s.on > today][:5],
    }


def _tutor_panel(user) -> dict:
    pending = db.session.scalar(
        db.select(db.func.count())
        .select_from(HoursEntry)
        .join(Placement, Placement.id == HoursEntry.placement_id)
        .where(Placement.tutor_id == user.id, HoursEntry.state == HoursState.PENDING.value)
    )
    placements = db.session.scalars(
        db.select(Placement)
        .where(Placement.tutor_id == user.id)
        .options(joinedload(Placement.enrolment).joinedload(Enrolment.user), joinedload(Placement.host))
    ).all()
    return {"pending": pending, "placements": placements}


def _funder_panel(user) -> dict:
    return {**reports.funder_overview(date.today()), "display": exports.display}


def register() -> None:
    register_panel(
        "courses/panels/trainee.html", [Role.TRAINEE], order=20, context=_trainee_panel, version=_trainee_version
    )
    register_panel("courses/panels/staff.html", [Role.ADMIN, Role.TRAINER], order=15, context=_staff_panel)
    register_panel("courses/panels/tutor.html", [Role.TUTOR], order=25, context=_tutor_panel)
    register_panel("courses/panels/funder.html", [Role.FUNDER], order=10, context=_funder_panel)
    register_nav("courses.cohorts", _l("Cohorts"), [Role.ADMIN, Role.TRAINER], order=20)
    register_nav("courses.my_training", _l("My training"), [Role.TRAINEE], order=20)
    register_nav("courses.my_hours", _l("My hours"), [Role.TRAINEE], order=25)
    register_nav("courses.hours_to_confirm", _l("Hours to confirm"), [Role.TUTOR], order=30)
    register_nav("courses.calendar", _l("Calendar"), [Role.ADMIN, Role.TRAINER, Role.TRAINEE], order=40)
    register_nav("courses.programmes", _l("Programmes"), [Role.ADMIN, Role.TRAINER], order=50)
