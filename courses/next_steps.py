"""What comes next for a trainee, for the first screen of "My training": her next session, and the next badge
she can earn with what it still needs (competencies to validate, sessions to come, practice hours, final work)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from badges.models import Achievement, Award
from core.db import db
from courses import awarding, presenters, queries, rules
from courses.models import Competency, Enrolment, Module, TrainingSession


@dataclass
class NextBadge:
    """A badge the trainee does not hold yet, and what it still needs (empty lists: nothing left but time)."""

    name: Mapping[str, str]  # the badge's name in each language
    module: Module | None  # None: the badge of the whole training
    missing: list[Competency] = field(default_factory=list)
    module_ends_on: date | None = None  # the module's last session, when still to come
    attendance_short: bool = False
    placement_minutes_left: int = 0
    final_work_pending: bool = False


def next_session(enrolment: Enrolment, today: date) -> TrainingSession | None:
    """The trainee's next session of her cohort (today's included), not cancelled, not after she left."""
    upcoming = queries.upcoming_sessions(enrolment, today, 1)
    return upcoming[0] if upcoming else None


def _held_keys(enrolment: Enrolment) -> set[str]:
    return set(
        db.session.scalars(
            db.select(Achievement.key)
            .join(Award, Award.achievement_id == Achievement.id)
            .where(Award.recipient_id == enrolment.user_id, Award.revoked_at.is_(None))
        )
    )


def next_badge(enrolment: Enrolment, evaluation: rules.Evaluation, today: date) -> NextBadge | None:
    """The first module badge (in the programme's order) she does not hold yet, else the training's badge;
    None when she holds them all or has left."""
    if evaluation.status is rules.Status.WITHDRAWN:
        return None
    programme = enrolment.cohort.programme
    specs = {spec.key: spec for spec in awarding.achievement_specs_cached(programme)}
    held = _held_keys(enrolment)
    requirements = awarding.module_requirements(programme)
    validated = evaluation.validated_competencies
    each_module = programme.rules["attendance"]["scope"] == "each_module"
    for module in programme.modules:
        key = awarding.module_key(programme, module.code)
        if module.retired or key not in specs or key in held:
            continue
        last = db.session.scalar(
            db.select(db.func.max(TrainingSession.on)).where(
                TrainingSession.cohort_id == enrolment.cohort_id,
                TrainingSession.module_id == module.id,
                TrainingSession.cancelled.is_(False),
            )
        )
        group = evaluation.modules.get(module.code)
        return NextBadge(
            name=specs[key].name,
            module=module,
            missing=[c for c in module.competencies if c.code in requirements[module.code] - validated],
            module_ends_on=last if last is not None and last >= today else None,
            attendance_short=each_module and group is not None and not group.met,
        )
    key = awarding.programme_key(programme)
    if key not in specs or key in held:
        return None
    missing_codes = set(evaluation.missing_competencies)
    return NextBadge(
        name=specs[key].name,
        module=None,
        missing=[c for m in programme.modules for c in m.competencies if c.code in missing_codes],
        attendance_short=not evaluation.attendance_met,
        placement_minutes_left=max(0, evaluation.placement_minutes_required - evaluation.placement_minutes),
        final_work_pending=not evaluation.final_work_met,
    )


def situation(evaluation: rules.Evaluation, threshold) -> list[str]:
    """The sentences of ``presenters.explain`` that the progress bars of "Where I stand" do not already say:
    how much training she can still miss, a threshold out of reach, the final work."""
    if evaluation.status is rules.Status.WITHDRAWN:
        return []
    quiet = replace(evaluation, placement_minutes_required=0, competencies_required=0)
    lines = presenters.explain(quiet, threshold, for_trainee=True)
    shown_by_bar = evaluation.attendance_percent is not None and evaluation.status is not rules.Status.UNREACHABLE
    return lines[1:] if shown_by_bar else lines
