"""Gathers the facts of a cohort from the database and hands them to the pure rules engine.

A batch of cohorts costs a fixed number of queries whatever its size (a test counts them): one each for the
programmes, their competencies and modules, the sessions, the enrolments with their people, the pauses, the
attendance marks, the confirmed hours, the peer trainers and the validations.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from core.db import db
from core.models import User
from core.spreadsheet import CsvDictWriter
from courses import facts, rules
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
    Programme,
    TrainerKind,
    TrainingSession,
    Validation,
    minutes_between,
)
from courses.services import required_competency_codes


@dataclass(frozen=True)
class TraineeResult:
    enrolment: Enrolment
    user: User
    evaluation: rules.Evaluation


def rule_set(programme, competencies: Iterable) -> rules.RuleSet:
    """The rules engine's view of a programme's ``rules:`` block."""
    config = programme.rules
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
        competencies_required=required_competency_codes(programme, competencies),
    )


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Python's cycle collector paused for the duration, if it ran, and run as usual afterwards.

    A batch of cohorts allocates tens of thousands of container objects (marks, facts, evaluations, ORM rows),
    none of them in a reference cycle, and keeps them until it is done: the collector would traverse them again
    and again as they pile up, for nothing (about a third of the CSV's CPU time in ``bench/eligibility.py``).
    Reference counting still frees everything as usual. Process-wide, so a thread running meanwhile has no cycle
    collection for that time (a second at most); only the caller that paused it starts it again."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def evaluate_cohorts(
    cohorts: Sequence[Cohort],
    as_of: date | None = None,
    *,
    enrolment_ids: Iterable[int] | None = None,
    sessions_within: tuple[date, date] | None = None,
    remember: bool = True,
) -> dict[int, list[TraineeResult]]:
    """Every trainee's evaluation in each cohort (cohort id → results sorted by e-mail).

    ``sessions_within`` (first day, last day): only the sessions of that period exist for the engine, so that
    the attended minutes are those of the period (the BPF's civil year).

    Each process remembers a cohort's evaluations until one of its facts changes (``courses.facts``): a cohort
    remembered costs one query (its trainees, read afresh); the others are evaluated together, whole (each
    trainee's evaluation depends on their own facts only), and remembered unless ``remember`` is false (a caller
    that keeps only a summary of many cohorts: ~4 KB per trainee spared)."""
    as_of = as_of or date.today()
    cohorts = list(cohorts)
    if not remember or not facts.usable():
        return _evaluate(cohorts, as_of, enrolment_ids=enrolment_ids, sessions_within=sessions_within)
    wanted = None if enrolment_ids is None else set(enrolment_ids)
    out: dict[int, list[TraineeResult]] = {c.id: [] for c in cohorts}
    kept = {c.id: facts.recall(c, as_of, sessions_within) for c in cohorts}
    missing = [c for c in cohorts if kept[c.id] is None]
    if missing:
        evaluated = _evaluate(missing, as_of, sessions_within=sessions_within)
        for cohort in missing:
            results = evaluated[cohort.id]
            facts.keep(cohort, as_of, sessions_within, {r.enrolment.id: r.evaluation for r in results})
            out[cohort.id] = [r for r in results if wanted is None or r.enrolment.id in wanted]
    remembered = [c.id for c in cohorts if kept[c.id] is not None]
    if remembered:
        query = (
            db.select(Enrolment, User)
            .join(User, User.id == Enrolment.user_id)
            .where(Enrolment.cohort_id.in_(remembered))
            .order_by(Enrolment.cohort_id, User.email)
        )
        if wanted is not None:
            query = query.where(Enrolment.id.in_(list(wanted)))
        rows = db.session.execute(query).all()
        if any(enrolment.id not in kept[enrolment.cohort_id] for enrolment, _user in rows):
            # an enrolment written without a flush (a bulk insert): evaluate afresh rather than guess
            return _evaluate(cohorts, as_of, enrolment_ids=enrolment_ids, sessions_within=sessions_within)
        for enrolment, user in rows:
            out[enrolment.cohort_id].append(TraineeResult(enrolment, user, kept[enrolment.cohort_id][enrolment.id]))
    return out


def _evaluate(
    cohorts: list[Cohort],
    as_of: date,
    *,
    enrolment_ids: Iterable[int] | None = None,
    sessions_within: tuple[date, date] | None = None,
) -> dict[int, list[TraineeResult]]:
    """Ten queries for the whole batch, whatever the number of cohorts, trainees, sessions and marks; only plain
    columns are read on the hot paths (marks, sessions), no ORM objects."""
    with _cyclic_gc_paused():
        return _evaluate_batch(cohorts, as_of, enrolment_ids=enrolment_ids, sessions_within=sessions_within)


def _evaluate_batch(
    cohorts: list[Cohort],
    as_of: date,
    *,
    enrolment_ids: Iterable[int] | None,
    sessions_within: tuple[date, date] | None,
) -> dict[int, list[TraineeResult]]:
    cohort_ids = [c.id for c in cohorts]
    out: dict[int, list[TraineeResult]] = {cid: [] for cid in cohort_ids}
    if not cohort_ids:
        return out
    programmes = {
        p.id: p
        for p in db.session.scalars(db.select(Programme).where(Programme.id.in_({c.programme_id for c in cohorts})))
    }
    competencies: dict[int, list] = defaultdict(list)
    code_of: dict[int, str] = {}
    for row in db.session.execute(
        db.select(Competency.id, Competency.code, Competency.retired, Competency.programme_id).where(
            Competency.programme_id.in_(list(programmes))
        )
    ):
        competencies[row.programme_id].append(row)
        code_of[row.id] = row.code
    rule_sets = {pid: rule_set(p, competencies[pid]) for pid, p in programmes.items()}
    module_codes = dict(
        db.session.execute(db.select(Module.id, Module.code).where(Module.programme_id.in_(list(programmes)))).all()
    )

    sessions: dict[int, list[rules.SessionFact]] = defaultdict(list)
    # The hot queries (sessions, marks, validations) name the tables' columns, not the mapped attributes: the
    # rows then come back as plain tuples, without the ORM's per-row loading step.
    ts = TrainingSession.__table__.c
    session_query = db.select(ts.id, ts.cohort_id, ts.module_id, ts.date, ts.starts_at, ts.ends_at, ts.cancelled).where(
        ts.cohort_id.in_(cohort_ids)
    )
    if sessions_within is not None:
        session_query = session_query.where(ts.date.between(*sessions_within))
    for id_, cohort_id, module_id, on, start, end, cancelled in db.session.execute(
        session_query.order_by(ts.date, ts.starts_at)
    ):
        sessions[cohort_id].append(
            rules.SessionFact(id_, module_codes.get(module_id), on, minutes_between(start, end), cancelled)
        )

    query = (
        db.select(Enrolment, User)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id.in_(cohort_ids))
        .order_by(Enrolment.cohort_id, User.email)
    )
    if enrolment_ids is not None:
        query = query.where(Enrolment.id.in_(list(enrolment_ids)))
    rows = db.session.execute(query).all()
    if not rows:
        return out
    en = Enrolment.__table__.c
    enrolled = db.select(en.id).where(en.cohort_id.in_(cohort_ids))
    if enrolment_ids is not None:
        enrolled = enrolled.where(en.id.in_(list(enrolment_ids)))

    pauses: dict[int, list[rules.Pause]] = defaultdict(list)
    for enrolment_id, starts_on, ends_on in db.session.execute(
        db.select(Pause.enrolment_id, Pause.starts_on, Pause.ends_on).where(Pause.enrolment_id.in_(enrolled))
    ):
        pauses[enrolment_id].append(rules.Pause(starts_on, ends_on))

    marks: dict[int, dict[int, rules.AttendanceFact]] = defaultdict(dict)
    # Marks are immutable and take few distinct values: share one object per (status, minutes).
    fact_of: dict[tuple[str, int | None], rules.AttendanceFact] = {}
    at = Attendance.__table__.c
    for enrolment_id, session_id, status, minutes in db.session.execute(
        db.select(at.enrolment_id, at.session_id, at.status, at.minutes).where(at.enrolment_id.in_(enrolled))
    ):
        fact = fact_of.get((status, minutes))
        if fact is None:
            fact = fact_of[(status, minutes)] = rules.AttendanceFact(rules.Mark(status), minutes)
        marks[enrolment_id][session_id] = fact

    hours = dict(
        db.session.execute(
            db.select(HoursEntry.enrolment_id, db.func.sum(HoursEntry.minutes))
            .where(HoursEntry.enrolment_id.in_(enrolled), HoursEntry.state == HoursState.CONFIRMED.value)
            .group_by(HoursEntry.enrolment_id)
        ).all()
    )

    peers: dict[int, set[int]] = defaultdict(set)
    for cohort_id, user_id in db.session.execute(
        db.select(CohortStaff.cohort_id, CohortStaff.user_id).where(
            CohortStaff.cohort_id.in_(cohort_ids), CohortStaff.kind == TrainerKind.PEER.value
        )
    ):
        peers[cohort_id].add(user_id)
    # enrolment → competency → the people who validated it (withdrawn validations excluded)
    validators: dict[int, dict[int, set[int | None]]] = defaultdict(lambda: defaultdict(set))
    va = Validation.__table__.c
    for enrolment_id, competency_id, validator_id in db.session.execute(
        db.select(va.enrolment_id, va.competency_id, va.validator_id).where(
            va.enrolment_id.in_(enrolled), va.withdrawn_at.is_(None)
        )
    ):
        validators[enrolment_id][competency_id].add(validator_id)

    by_id = {c.id: c for c in cohorts}
    evaluators: dict[int, rules.Evaluator] = {}
    for enrolment, user in rows:
        cohort = by_id[enrolment.cohort_id]
        programme = programmes[cohort.programme_id]
        co_validation = bool(programme.rules.get("co_validation"))
        cohort_peers = peers.get(cohort.id, set())
        # Validated: by one trainer, or with co-validation by two, one of them a peer trainer.
        validated = frozenset(
            code_of[competency_id]
            for competency_id, who in validators.get(enrolment.id, {}).items()
            if competency_id in code_of and (not co_validation or (len(who) >= 2 and bool(who & cohort_peers)))
        )
        facts = rules.TraineeFacts(
            enrolled_on=enrolment.enrolled_on,
            withdrawn_on=enrolment.withdrawn_on,
            pauses=tuple(pauses.get(enrolment.id, ())),
            marks=marks.get(enrolment.id, {}),
            placement_minutes_confirmed=int(hours.get(enrolment.id) or 0),
            final_work=enrolment.final_work,
            competencies_validated=validated,
        )
        evaluator = evaluators.get(cohort.id)
        if evaluator is None:
            evaluator = evaluators[cohort.id] = rules.Evaluator(sessions.get(cohort.id, []), rule_sets[programme.id])
        evaluation = evaluator.evaluate(facts, as_of)
        out[cohort.id].append(TraineeResult(enrolment, user, evaluation))
    return out


def evaluate_cohort(
    cohort: Cohort, as_of: date | None = None, *, enrolment_ids: Iterable[int] | None = None
) -> list[TraineeResult]:
    """Every trainee's evaluation in one cohort (or those of ``enrolment_ids``), sorted by e-mail."""
    return evaluate_cohorts([cohort], as_of, enrolment_ids=enrolment_ids)[cohort.id]


def evaluate_enrolment(enrolment: Enrolment, as_of: date | None = None) -> rules.Evaluation:
    return evaluate_cohort(enrolment.cohort, as_of, enrolment_ids=[enrolment.id])[0].evaluation


BATCH = 100  # cohorts evaluated together: bounded memory, few round trips

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
    writer = CsvDictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    count = 0
    for start in range(0, len(cohorts), BATCH):
        batch = cohorts[start : start + BATCH]
        results = evaluate_cohorts(batch, as_of)
        for cohort in batch:
            for result in results[cohort.id]:
                row = csv_row(result)
                writer.writerow({"cohort": cohort.code, **row} if with_cohort else row)
                count += 1
    return count
