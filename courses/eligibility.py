"""Gathers the facts of a cohort from the database and hands them to the pure rules engine.

A whole cohort costs a fixed number of queries whatever its size (a test counts them): one each for the
programme's competencies, the sessions, the enrolments with their people, the pauses, the attendance marks,
the confirmed hours, the validations and the peer trainers.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from core.db import db
from core.models import User
from courses import rules
from courses.models import (
    Attendance,
    Cohort,
    CohortStaff,
    Competency,
    Enrolment,
    HoursEntry,
    HoursState,
    Module,
    Pause,
    TrainerKind,
    TrainingSession,
    Validation,
)
from courses.services import required_competency_codes


@dataclass(frozen=True)
class TraineeResult:
    enrolment: Enrolment
    user: User
    evaluation: rules.Evaluation


def rule_set(cohort: Cohort, competencies: Iterable[Competency]) -> rules.RuleSet:
    config = cohort.programme.rules
    attendance = config["attendance"]
    return rules.RuleSet(
        attendance=rules.AttendanceRule(
            threshold_percent=attendance["threshold_percent"],
            basis=attendance["basis"],
            scope=attendance["scope"],
            excused=attendance["excused"],
        ),
        placement_minutes_required=int(config.get("placement_hours", 0)) * 60,
        final_work_required=bool(config.get("final_work", False)),
        competencies_required=required_competency_codes(cohort.programme, competencies),
    )


def session_facts(sessions: Sequence[TrainingSession], module_codes: dict[int, str]) -> list[rules.SessionFact]:
    return [
        rules.SessionFact(
            key=s.id,
            module=module_codes.get(s.module_id) if s.module_id else None,
            on=s.on,
            minutes=s.minutes,
            cancelled=s.cancelled,
        )
        for s in sessions
    ]


def evaluate_cohort(
    cohort: Cohort, as_of: date | None = None, *, enrolment_ids: Iterable[int] | None = None
) -> list[TraineeResult]:
    """Every trainee's evaluation (or those of ``enrolment_ids``), sorted by e-mail."""
    as_of = as_of or date.today()
    competencies = list(db.session.scalars(db.select(Competency).where(Competency.programme_id == cohort.programme_id)))
    ruleset = rule_set(cohort, competencies)
    code_of = {c.id: c.code for c in competencies}
    module_codes = dict(
        db.session.execute(db.select(Module.id, Module.code).where(Module.programme_id == cohort.programme_id)).all()
    )
    sessions = list(db.session.scalars(db.select(TrainingSession).where(TrainingSession.cohort_id == cohort.id)))
    facts_sessions = session_facts(sessions, module_codes)

    query = (
        db.select(Enrolment, User)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort.id)
        .order_by(User.email)
    )
    if enrolment_ids is not None:
        query = query.where(Enrolment.id.in_(list(enrolment_ids)))
    rows = db.session.execute(query).all()
    ids = [e.id for e, _ in rows]
    if not ids:
        return []

    pauses: dict[int, list[rules.Pause]] = defaultdict(list)
    for p in db.session.scalars(db.select(Pause).where(Pause.enrolment_id.in_(ids))):
        pauses[p.enrolment_id].append(rules.Pause(p.starts_on, p.ends_on))

    marks: dict[int, dict[int, rules.AttendanceFact]] = defaultdict(dict)
    for a in db.session.scalars(
        db.select(Attendance)
        .join(TrainingSession)
        .where(TrainingSession.cohort_id == cohort.id, Attendance.enrolment_id.in_(ids))
    ):
        marks[a.enrolment_id][a.session_id] = rules.AttendanceFact(rules.Mark(a.status), a.minutes)

    hours = dict(
        db.session.execute(
            db.select(HoursEntry.enrolment_id, db.func.sum(HoursEntry.minutes))
            .where(HoursEntry.enrolment_id.in_(ids), HoursEntry.state == HoursState.CONFIRMED.value)
            .group_by(HoursEntry.enrolment_id)
        ).all()
    )

    peers = set(
        db.session.scalars(
            db.select(CohortStaff.user_id).where(
                CohortStaff.cohort_id == cohort.id, CohortStaff.kind == TrainerKind.PEER.value
            )
        )
    )
    co_validation = bool(cohort.programme.rules.get("co_validation"))
    # enrolment → competency → the people who validated it (withdrawn validations excluded)
    validators: dict[int, dict[int, set[int | None]]] = defaultdict(lambda: defaultdict(set))
    for enrolment_id, competency_id, validator_id in db.session.execute(
        db.select(Validation.enrolment_id, Validation.competency_id, Validation.validator_id).where(
            Validation.enrolment_id.in_(ids), Validation.withdrawn_at.is_(None)
        )
    ):
        validators[enrolment_id][competency_id].add(validator_id)

    def validated_codes(enrolment_id: int) -> frozenset[str]:
        """Validated: by one trainer, or with co-validation by two, one of them a peer trainer."""
        return frozenset(
            code_of[competency_id]
            for competency_id, who in validators.get(enrolment_id, {}).items()
            if competency_id in code_of and (not co_validation or (len(who) >= 2 and bool(who & peers)))
        )

    results = []
    for enrolment, user in rows:
        facts = rules.TraineeFacts(
            enrolled_on=enrolment.enrolled_on,
            withdrawn_on=enrolment.withdrawn_on,
            pauses=tuple(pauses.get(enrolment.id, ())),
            marks=marks.get(enrolment.id, {}),
            placement_minutes_confirmed=int(hours.get(enrolment.id) or 0),
            final_work=enrolment.final_work,
            competencies_validated=validated_codes(enrolment.id),
        )
        results.append(TraineeResult(enrolment, user, rules.evaluate(facts_sessions, facts, ruleset, as_of)))
    return results


def evaluate_enrolment(enrolment: Enrolment, as_of: date | None = None) -> rules.Evaluation:
    return evaluate_cohort(enrolment.cohort, as_of, enrolment_ids=[enrolment.id])[0].evaluation


CSV_COLUMNS = (
    "email",
    "status",
    "attendance_percent",
    "attended_minutes",
    "counted_minutes",
    "placement_minutes",
    "placement_minutes_required",
    "final_work",
    "competencies_validated",
    "competencies_required",
    "can_still_miss_minutes",
    "reasons",
)


def csv_row(result: TraineeResult) -> dict[str, str | int]:
    e = result.evaluation
    return {
        "email": result.user.email,
        "status": e.status.value,
        "attendance_percent": rules.floor_percent(e.attendance_percent),
        "attended_minutes": e.programme.attended_minutes,
        "counted_minutes": e.programme.counted_minutes,
        "placement_minutes": e.placement_minutes,
        "placement_minutes_required": e.placement_minutes_required,
        "final_work": e.final_work,
        "competencies_validated": e.competencies_validated,
        "competencies_required": e.competencies_required,
        "can_still_miss_minutes": "" if e.can_still_miss_minutes is None else e.can_still_miss_minutes,
        "reasons": "|".join(e.reasons),
    }


def write_csv(cohorts: Sequence[Cohort], as_of: date, out, *, with_cohort: bool = False) -> int:
    """Write the eligibility CSV of ``cohorts``: one row per trainee, sorted by e-mail within each cohort
    (with a leading ``cohort`` column when ``with_cohort``). Returns the number of rows written."""
    columns = (("cohort",) if with_cohort else ()) + CSV_COLUMNS
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    count = 0
    for cohort in cohorts:
        for result in evaluate_cohort(cohort, as_of):
            row = csv_row(result)
            writer.writerow({"cohort": cohort.code, **row} if with_cohort else row)
            count += 1
    return count
