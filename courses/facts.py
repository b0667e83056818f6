"""What a cohort's eligibility is computed from, and the per-process memo of its trainees' evaluations.

Every page of a trainee, a trainer or a coordinator shows eligibility (the 75 % rule, hours, competencies). It
is computed from the cohort's facts: its sessions, enrolments and pauses, attendance marks, confirmed hours,
validations, peer trainers, and its programme's rules, competencies and modules. Each process remembers the
evaluations of a cohort under the cohort's ``facts_version``, a random number that changes, in the same
transaction, whenever one of those facts changes: a flush that writes any of them gives the cohort(s) concerned a
new number (``_after_flush``). A page reads the cohort's row anyway, so knowing whether what is remembered still
holds costs nothing; after a commit every process sees the new number, so no one is shown an evaluation from
before the change.

Three rules keep it exact:

* the number is random, never a counter: a transaction rolled back, or a database restored, never brings back a
  number that was remembered with other facts;
* inside a transaction that has written facts, nothing is read from or kept in the memo (what it sees is not
  committed, and its cohort rows in memory still carry the old number);
* a write that bypasses the ORM's flush (``session.execute(update(...))`` on a fact table) must call
  :func:`changed` with the cohorts concerned. Today none does: the roster's claim updates only
  ``roster_version``, which no evaluation reads.

The memo belongs to the Flask app (``app.extensions``): each app, hence each test, has its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from itertools import chain

import sqlalchemy as sa
from flask import current_app
from flask_sqlalchemy.session import Session as FlaskSession

from core.db import db
from core.models import User
from courses.models import (
    Attendance,
    Cohort,
    CohortStaff,
    Competency,
    Enrolment,
    HoursEntry,
    Module,
    Pause,
    Programme,
    TrainingSession,
    Validation,
    new_facts_version,
)

#: ``session.info`` key: this transaction wrote facts (the memo is neither read nor written until it ends).
CHANGED = "courses.facts_changed"
MEMO_KEY = "courses.eligibility_memo"
#: Entries remembered per process (a cohort's evaluations, its summary); beyond that the memo starts afresh.
MEMO_MAX = 8192

_BY_COHORT = (Enrolment, TrainingSession, CohortStaff)
_BY_ENROLMENT = (Attendance, HoursEntry, Validation, Pause)
_BY_PROGRAMME = (Competency, Module)


def _values(obj, attribute: str) -> set:
    """The attribute's value now and before this flush (an enrolment moved to another cohort: both)."""
    history = sa.inspect(obj).attrs[attribute].history
    return {v for v in chain(history.added, history.unchanged, history.deleted) if v is not None}


#: What the cohort's pages show of a person (a trainee's, a trainer's or the contact's name and address; whether
#: they are active: an inactive contact is replaced by the first trainer): a change is a change of the cohort's
#: facts, so pages kept under ``facts_version`` (``core.pagecache``) show it.
PEOPLE_FIELDS = ("legal_name", "display_name", "email", "active")


def _person_changed(user: User) -> bool:
    state = sa.inspect(user)
    return any(state.attrs[name].history.has_changes() for name in PEOPLE_FIELDS)


def _after_flush(session, _flush_context) -> None:
    cohorts: set[int] = set()
    enrolments: set[int] = set()
    programmes: set[int] = set()
    people: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, User):
            if obj not in session.new and (obj in session.deleted or _person_changed(obj)):
                people.add(obj.id)
        elif isinstance(obj, Cohort):
            if obj not in session.new:  # a new cohort has a new number already
                cohorts.add(obj.id)
        elif isinstance(obj, _BY_COHORT):
            cohorts |= _values(obj, "cohort_id")
        elif isinstance(obj, _BY_ENROLMENT):
            enrolments |= _values(obj, "enrolment_id")
        elif isinstance(obj, Programme):
            programmes.add(obj.id)
        elif isinstance(obj, _BY_PROGRAMME):
            programmes |= _values(obj, "programme_id")
    if cohorts or enrolments or programmes or people:
        _bump(session, cohorts, enrolments, programmes, people)


def _bump(
    session,
    cohorts: Iterable[int],
    enrolments: Iterable[int] = (),
    programmes: Iterable[int] = (),
    people: Iterable[int] = (),
) -> None:
    table, enrolment, staff = Cohort.__table__, Enrolment.__table__, CohortStaff.__table__
    where = []
    if people := set(people):  # the cohorts they are enrolled in, teach in, or are the contact of
        where.append(table.c.id.in_(sa.select(enrolment.c.cohort_id).where(enrolment.c.user_id.in_(people))))
        where.append(table.c.id.in_(sa.select(staff.c.cohort_id).where(staff.c.user_id.in_(people))))
        where.append(table.c.contact_id.in_(people))
    if cohorts := set(cohorts):
        where.append(table.c.id.in_(cohorts))
    if enrolments := set(enrolments):
        where.append(table.c.id.in_(sa.select(enrolment.c.cohort_id).where(enrolment.c.id.in_(enrolments))))
    if programmes := set(programmes):
        where.append(table.c.programme_id.in_(programmes))
    if where:
        session.connection().execute(sa.update(table).where(sa.or_(*where)).values(facts_version=new_facts_version()))
    session.info[CHANGED] = True


def changed(cohort_ids: Iterable[int]) -> None:
    """For a write that bypassed the flush: the facts of these cohorts changed (in the current transaction)."""
    _bump(db.session(), cohort_ids)


def _transaction_ended(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(CHANGED, None)


def install_hooks() -> None:
    for name, hook in (("after_flush", _after_flush), ("after_transaction_end", _transaction_ended)):
        if not sa.event.contains(FlaskSession, name, hook):
            sa.event.listen(FlaskSession, name, hook)


# --- The memo ---------------------------------------------------------------------------------------------------


def _memo() -> dict:
    return current_app.extensions.setdefault(MEMO_KEY, {})


def usable() -> bool:
    """False inside a transaction that wrote facts (see the module's docstring)."""
    return not db.session().info.get(CHANGED)


def recall(cohort: Cohort, as_of: date, within: tuple[date, date] | None, kind: str = "evaluations"):
    """What was remembered of ``kind`` for the cohort's facts as they are now (the evaluations: enrolment id →
    evaluation), or None."""
    kept = _memo().get((kind, cohort.id, as_of, within))
    if kept is None or kept[0] != cohort.facts_version:
        return None
    return kept[1]


def keep(cohort: Cohort, as_of: date, within: tuple[date, date] | None, value, kind: str = "evaluations") -> None:
    """Remember ``value`` — computed from the cohort's facts alone, as of that day — until they change."""
    memo = _memo()
    if len(memo) >= MEMO_MAX:
        memo.clear()
    memo[(kind, cohort.id, as_of, within)] = (cohort.facts_version, value)


def forget(app) -> None:
    """Drop every remembered evaluation (after ``tremplin restore``)."""
    app.extensions.pop(MEMO_KEY, None)
