"""Side effects of the training domain's writes, as named jobs queued in the same transaction (an outbox).

A service that changes what a badge depends on (attendance, a validation, confirmed hours, the final work, the
enrolment's dates or pauses, a session) says so in its own code: ``outbox.badges_may_be_due(enrolment.id)``.
That queues one ``issue-due-badges`` job per enrolment (``core.jobs``), flushed with the change and committed
with it: if the request fails, the rollback takes the job away too; once committed, a worker runs it in its own
transaction (``courses.awarding.run_issue_due_badges``), evaluates the enrolment and issues what is due. Nothing
is signed in the request.

Within one transaction an enrolment gets one job, however many of its facts change (a roster, then a
validation). Across transactions nothing is merged: a job queued by an earlier transaction may already be
running, and it would not see this one's changes; the job is idempotent, so a second one costs an evaluation.

This module imports only ``core`` and ``courses.models``: ``courses.services`` uses it, and ``courses.awarding``
(which registers the job kind and runs it) depends on the services.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

import sqlalchemy as sa

from core import jobs
from core.db import db
from core.models import Job, JobStatus
from courses.models import Enrolment

#: The job that issues the badges now due for one enrolment (``params: {"enrolment_id": …}``).
ISSUE_DUE_BADGES = "issue-due-badges"

#: ``Session.info`` key: ``(root transaction, {enrolment id: job})``, the jobs this transaction queued.
_QUEUED = "courses.outbox.issue_due_badges"


def _queued_in_transaction() -> dict[int, Job]:
    session = db.session()
    session.connection()  # begins the transaction if none is open yet, so that it can be told apart
    transaction = session.get_transaction()
    held = session.info.get(_QUEUED)
    if held is None or held[0] is not transaction:  # a new transaction: what earlier ones queued is theirs
        held = session.info[_QUEUED] = (transaction, {})
    return held[1]


def badges_may_be_due(*enrolment_ids: int | None) -> None:
    """The facts of these enrolments changed: queue, in this transaction, the job that issues what they earned."""
    queued = _queued_in_transaction()
    added = False
    for enrolment_id in dict.fromkeys(i for i in enrolment_ids if i is not None):
        job = queued.get(enrolment_id)
        if job is not None and sa.inspect(job).persistent:  # not when a savepoint rolled back took it away
            continue
        queued[enrolment_id] = jobs.enqueue(ISSUE_DUE_BADGES, {"enrolment_id": int(enrolment_id)}, None, flush=False)
        added = True
    if added:
        db.session.flush()  # one flush for them all (one INSERT each, sent together)


def cohort_badges_may_be_due(cohort_id: int) -> None:
    """Something every trainee of the cohort depends on changed (a session moved, cancelled, re-timed)."""
    badges_may_be_due(*db.session.scalars(db.select(Enrolment.id).where(Enrolment.cohort_id == cohort_id)))


def unqueue_badges(enrolment_ids: Iterable[int]) -> int:
    """The caller issued these enrolments' badges itself (the demo, dated in the past): delete the jobs this
    transaction queued for them (not committed, so no worker has seen them). Returns how many."""
    queued = _queued_in_transaction()
    dropped = 0
    for enrolment_id in enrolment_ids:
        job = queued.pop(enrolment_id, None)
        if job is not None and sa.inspect(job).persistent:
            db.session.delete(job)
            dropped += 1
    db.session.flush()
    return dropped


@functools.cache
def _pending_of_person_query() -> sa.Select:
    enrolment = Job.params["enrolment_id"].as_integer()
    return db.select(enrolment).where(
        Job.kind == ISSUE_DUE_BADGES,
        Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
        enrolment.in_(db.select(Enrolment.id).where(Enrolment.user_id == sa.bindparam("user_id"))),
    )


def pending_enrolment_ids_of(user_id: int) -> set[int]:
    """The person's enrolments for which an ``issue-due-badges`` job is queued or running (committed): one
    statement, built once (asked on each of her home's requests)."""
    return set(db.session.scalars(_pending_of_person_query(), {"user_id": user_id}))


def pending_enrolment_ids(enrolment_ids: Iterable[int]) -> set[int]:
    """Those of ``enrolment_ids`` for which an ``issue-due-badges`` job is queued or running (committed)."""
    ids = list(enrolment_ids)
    if not ids:
        return set()
    enrolment = Job.params["enrolment_id"].as_integer()
    rows = db.session.scalars(
        db.select(enrolment).where(
            Job.kind == ISSUE_DUE_BADGES,
            Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
            enrolment.in_(ids),
        )
    )
    return set(rows)
