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


def _minutes(starts_at, ends_at) -> int:
    return (ends_at.hour * 60 + ends_at.minute) - (starts_at.hour * 60 + starts_at.minute)


def session_facts(cohort_id: int, module_codes: dict[int, str]) -> list[rules.SessionFact]:
    """The cohort's sessions as facts, in date order (plain columns: no ORM objects on this hot path)."""
    rows = db.session.execute(
        db.select(
            TrainingSession.id,
            TrainingSession.module_id,
            TrainingSession.on,
            TrainingSession.starts_at,
            TrainingSession.ends_at,
            TrainingSession.cancelled,
        )
        .where(TrainingSession.cohort_id == cohort_id)
        .order_by(TrainingSession.on, TrainingSession.starts_at)
    )
    return [
        rules.SessionFact(
            key=id_, module=module_codes.get(module_id), on=on, minutes=_minutes(start, end), cancelled=cancelled
        )
        for id_, module_id, on, start, end, cancelled in rows
    ]


def evaluate_cohort(
    cohort: Cohort, as_of: date | None = None, *, enrolment_ids: Iterable[int] | None = None
) -> list[TraineeResult]:
    """Every trainee's evaluation (or those of ``enrolment_ids``), sorted by e-mail."""
    as_of = as_of or date.today()
    competencies = db.session.execute(
        db.select(Competency.id, Competency.code, Competency.retired).where(
            Competency.programme_id == cohort.programme_id
        )
    ).all()
    ruleset = rule_set(cohort, competencies)
    code_of = {c.id: c.code for c in competencies}
    module_codes = dict(
        db.session.execute(db.select(Module.id, Module.code).where(Module.programme_id == cohort.programme_id)).all()
    )
    facts_sessions = session_facts(cohort.id, module_codes)

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
    for enrolment_id, starts_on, ends_on in db.session.execute(
        db.select(Pause.enrolment_id, Pause.starts_on, Pause.ends_on).where(Pause.enrolment_id.in_(ids))
    ):
        pauses[enrolment_id].append(rules.Pause(starts_on, ends_on))

    # Plain columns, not ORM objects: a cohort has hundreds of marks and this is the hot path.
    marks: dict[int, dict[int, rules.AttendanceFact]] = defaultdict(dict)
    mark_of = {m.value: m for m in rules.Mark}
    for enrolment_id, session_id, status, minutes in db.session.execute(
        db.select(Attendance.enrolment_id, Attendance.session_id, Attendance.status, Attendance.minutes)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .where(TrainingSession.cohort_id == cohort.id, Attendance.enrolment_id.in_(ids))
    ):
        marks[enrolment_id][session_id] = rules.AttendanceFact(mark_of[status], minutes)

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
