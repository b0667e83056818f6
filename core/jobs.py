"""Background jobs: long exports, bulk certificates, mail… run outside the request, by ``tremplin worker``.

The state of every job is a row of ``job`` (``core.models.Job``), so any worker process, on any host, may run any
job; web processes never run jobs (``scripts/serve`` starts one worker next to the web server):

* ``enqueue(kind, params, owner)`` adds a queued job (flushed: it commits with the request that caused it);
* a worker **claims** a job exactly once. On PostgreSQL, one statement:
  ``UPDATE job SET status='running', … WHERE id = (SELECT id FROM job WHERE <claimable> ORDER BY created_at
  LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id`` — concurrent workers skip each other's rows instead of waiting.
  On SQLite (one host, one writer at a time) a conditional ``UPDATE … WHERE id=… AND <claimable>`` whose row
  count says who won. A running job whose heartbeat is older than ``JOBS_STALE_SECONDS`` is taken as abandoned
  (its process died) and may be claimed again;
* a job that raises is **retried** after an exponential backoff (``run_after``: ``JOBS_RETRY_SECONDS`` × 2^(n-1),
  at most ``JOBS_RETRY_MAX_SECONDS``) until ``attempts`` reaches ``max_attempts`` (``JOBS_MAX_ATTEMPTS``, 5); then it
  is **dead**, and coordinators see it (``/jobs/all``) with a button to retry it. :class:`JobFailed` (a reason its
  owner can act on) is not retried: the job is ``failed`` at once;
* the job function receives a :class:`JobContext`: its parameters, its owner, its attempt,
  ``progress(done, total)``, ``output(filename, mimetype)``, a context manager giving a scratch file to write the
  result to, stored (``core.storage``, key ``jobs/<uuid>/<name>``) when the block ends without error, so that
  any app server can serve it, and ``problem(message)``: a job that could not do one of its items (one
  certificate out of twenty) says so and goes on; it ends ``done`` with its problems in ``error`` ("done with
  problems"), its owner told which items are missing, rather than failing for everyone;
* :class:`Worker` is the loop of ``tremplin worker``: on SIGTERM or SIGINT it finishes the job in hand within a
  grace period, or releases it (queued again, the attempt not counted), and exits 0. Tests call
  :func:`run_pending` to run the queued jobs synchronously (``tremplin worker --once`` does the same).

Packages above ``core`` add their kinds with :func:`register_job_kind`; core knows nothing of them.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from core import audit
from core.db import db, utcnow
from core.models import FINISHED_STATUSES, Job, JobStatus, User
from core.storage import storage

log = logging.getLogger(__name__)


class JobFailed(RuntimeError):
    """A job refused to go on for a reason its owner can act on; ``str()`` is shown to them. Not retried."""


class Released(BaseException):  # not an error: the worker is stopping and hands the job back
    """Raised in the job in hand when its worker stops before the job could finish: the job is queued again."""


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Callable[[JobContext], None]
    title: Any = None  # a lazy string shown on the progress page


_KINDS: dict[str, JobKind] = {}


def register_job_kind(name: str, fn: Callable[[JobContext], None], title: Any = None) -> None:
    """Declare a kind of job: ``fn(context)`` does the work, reports progress and writes ``context.output``."""
    _KINDS[name] = JobKind(name, fn, title)


def job_kind(name: str) -> JobKind | None:
    return _KINDS.get(name)


JOBS_PREFIX = "jobs/"  # result files are stored under jobs/<job uuid>/ (job.result_path is the part after it)


def result_prefix(job: Job) -> str:
    """The storage prefix of a job's files (deleted with the job)."""
    return f"{JOBS_PREFIX}{job.uuid}/"


def result_file(job: Job) -> str | None:
    """The storage key of a job's result file, if it has one and it is there."""
    if not job.result_path or not job.result_path.startswith(f"{job.uuid}/"):
        return None
    key = JOBS_PREFIX + job.result_path
    try:
        return key if storage().exists(key) else None
    except ValueError:  # a malformed path (never written by output()): no file
        return None


@dataclass
class JobContext:
    job_id: int
    uuid: uuid.UUID
    params: dict[str, Any]
    owner: User | None
    _output: tuple[str, str, str] | None = field(default=None, repr=False)
    problems: list[str] = field(default_factory=list)
    attempt: int = 1  # this try's number, from 1
    max_attempts: int = 1  # after the last one, a job that raises is dead

    @property
    def last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts

    def problem(self, message: str) -> None:
        """One item could not be done (the job goes on): ``message`` is shown to the owner when the job ends."""
        self.problems.append(str(message))

    def progress(self, done: int, total: int | None = None) -> None:
        """Record progress (and a heartbeat) on a connection of its own, committed at once, so that the
        progress page sees it while the job's own transaction goes on."""
        values: dict[str, Any] = {"progress_done": done, "heartbeat_at": utcnow()}
        if total is not None:
            values["progress_total"] = total
        _update_now(self.job_id, values)

    @contextmanager
    def output(self, filename: str, mimetype: str) -> Iterator[Path]:
        """``with context.output(name, mimetype) as path:`` write the result to ``path`` (a scratch file on this
        host); when the block ends without error it is stored (``jobs/<uuid>/<name>``) and becomes the job's
        result, then the scratch file goes. ``filename`` is what the owner downloads."""
        safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in filename)[:120].lstrip(".") or "result"
        relative = f"{self.uuid}/{safe}"
        with tempfile.TemporaryDirectory(prefix="tremplin-job-") as scratch:
            path = Path(scratch) / safe
            yield path
            with path.open("rb") as result:
                storage().put(JOBS_PREFIX + relative, result)
        self._output = (relative, filename[:200], mimetype)


def _update_now(job_id: int, values: dict[str, Any]) -> None:
    # Not interrupted half-way by a stopping worker (a statement cut in the driver may leave its row locked):
    # a release asked for meanwhile happens right after.
    _inside.busy = True
    try:
        with db.engine.begin() as connection:
            connection.execute(sa.update(Job.__table__).where(Job.__table__.c.id == job_id).values(**values))
    finally:
        _inside.busy = False
    if getattr(_inside, "pending", False) and inside_job_function():
        _inside.pending = False
        _inside.job = False
        raise Released


def enqueue(
    kind: str,
    params: dict[str, Any],
    owner: User | None,
    *,
    total: int | None = None,
    max_attempts: int | None = None,
    flush: bool = True,
) -> Job:
    """Queue a job (flushed: it is committed with the request or command that caused it, or not at all). A caller
    queuing many at once passes ``flush=False`` and flushes once after the last."""
    if kind not in _KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    if max_attempts is None:
        max_attempts = int(current_app.config.get("JOBS_MAX_ATTEMPTS", 5))
    job = Job(
        kind=kind,
        params=params,
        owner=owner,
        status=JobStatus.QUEUED.value,
        progress_total=total,
        max_attempts=max(1, max_attempts),
    )
    db.session.add(job)
    if flush:
        db.session.flush()
    return job


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:120]


def _stale_before() -> datetime:
    return utcnow() - timedelta(seconds=int(current_app.config.get("JOBS_STALE_SECONDS", 300)))


def backoff_seconds(attempts: int, base: float, cap: float) -> float:
    """The wait before the next try of a job that failed ``attempts`` times: base, 2×base, 4×base… at most cap."""
    return min(cap, base * 2 ** max(0, attempts - 1))


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    table = Job.__table__
    return sa.or_(
        sa.and_(
            table.c.status == JobStatus.QUEUED.value,
            sa.or_(table.c.run_after.is_(None), table.c.run_after <= now),
        ),
        sa.and_(
            table.c.status == JobStatus.RUNNING.value,
            table.c.heartbeat_at < _stale_before(),
            table.c.attempts < table.c.max_attempts,
        ),
    )


def _claim_values(worker: str, now: datetime) -> dict[str, Any]:
    table = Job.__table__
    return {
        "status": JobStatus.RUNNING.value,
        "worker": worker,
        "started_at": now,
        "heartbeat_at": now,
        "attempts": table.c.attempts + 1,
        "run_after": None,
    }


def claim(job_id: int, worker: str) -> bool:
    """Take one job for ``worker`` with a conditional UPDATE; True when this worker got it (committed)."""
    now = utcnow()
    table = Job.__table__
    statement = sa.update(table).where(table.c.id == job_id, _claimable(now)).values(**_claim_values(worker, now))
    with db.engine.begin() as connection:
        return connection.execute(statement).rowcount == 1


def claimable_ids(limit: int = 10) -> list[int]:
    table = Job.__table__
    query = sa.select(table.c.id).where(_claimable(utcnow())).order_by(table.c.created_at, table.c.id).limit(limit)
    with db.engine.connect() as connection:
        return list(connection.execute(query).scalars())


def claim_next(worker: str) -> int | None:
    """Claim the oldest claimable job for ``worker`` (committed); its id, or None when there is none.

    PostgreSQL: one ``UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED) RETURNING id``. Elsewhere (SQLite):
    the conditional :func:`claim` on each candidate until one is won."""
    if db.engine.dialect.name != "postgresql":
        return next((job_id for job_id in claimable_ids() if claim(job_id, worker)), None)
    now = utcnow()
    table = Job.__table__
    candidate = (
        sa.select(table.c.id)
        .where(_claimable(now))
        .order_by(table.c.created_at, table.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    statement = (
        sa.update(table).where(table.c.id == candidate).values(**_claim_values(worker, now)).returning(table.c.id)
    )
    with db.engine.begin() as connection:
        return connection.execute(statement).scalar()


def bury_exhausted() -> int:
    """Mark dead the abandoned jobs (stale heartbeat) that have used all their tries: their worker died each
    time (a job that kills its process). Committed; returns how many."""
    table = Job.__table__
    statement = (
        sa.update(table)
        .where(
            table.c.status == JobStatus.RUNNING.value,
            table.c.heartbeat_at < _stale_before(),
            table.c.attempts >= table.c.max_attempts,
        )
        .values(status=JobStatus.DEAD.value, error="worker stopped", finished_at=utcnow())
    )
    with db.engine.begin() as connection:
        return connection.execute(statement).rowcount


def retry(job: Job) -> None:
    """Queue a dead or failed job again, with all its tries (a coordinator's decision; flushed, audited)."""
    if job.status not in (JobStatus.DEAD.value, JobStatus.FAILED.value):
        raise ValueError("only a dead or failed job can be retried")
    previous = job.status
    job.status = JobStatus.QUEUED.value
    job.attempts = 0
    job.run_after = None
    job.error = None
    job.finished_at = None
    job.progress_done = 0
    db.session.flush()
    audit.record("job.retry", "job", str(job.uuid), kind=job.kind, was=previous)


def _heartbeat(job_id: int, stop: threading.Event, app: Flask, every: float) -> None:
    while not stop.wait(every):
        try:
            with app.app_context():
                _update_now(job_id, {"heartbeat_at": utcnow()})
        except Exception:  # a missed heartbeat is not worth killing the job for
            log.warning("job %s: heartbeat failed", job_id, exc_info=True)


# Whether this thread is inside a job's own function: the only place where a stopping worker may interrupt it.
_inside = threading.local()


def inside_job_function() -> bool:
    return getattr(_inside, "job", False)


def _after_failure(job: Job, exc: Exception) -> dict[str, Any]:
    """The row's next state once the job raised ``exc``: failed (JobFailed), queued for a later try, or dead."""
    now = utcnow()
    if isinstance(exc, JobFailed):
        return {"status": JobStatus.FAILED.value, "error": str(exc)[:500], "finished_at": now}
    log.error("job %s (%s) failed on try %s of %s", job.id, job.kind, job.attempts, job.max_attempts, exc_info=exc)
    if job.attempts >= job.max_attempts:
        return {"status": JobStatus.DEAD.value, "error": "internal error", "finished_at": now}
    config = current_app.config
    wait = backoff_seconds(
        job.attempts, float(config.get("JOBS_RETRY_SECONDS", 10)), float(config.get("JOBS_RETRY_MAX_SECONDS", 3600))
    )
    return {
        "status": JobStatus.QUEUED.value,
        "error": "internal error",
        "run_after": now + timedelta(seconds=wait),
        "heartbeat_at": None,
    }


def _release(job_id: int) -> None:
    """Hand a job back: queued again at once, the try it was on not counted."""
    table = Job.__table__
    _update_now(
        job_id,
        {
            "status": JobStatus.QUEUED.value,
            "attempts": sa.case((table.c.attempts > 0, table.c.attempts - 1), else_=0),
            "worker": None,
            "heartbeat_at": None,
            "started_at": None,
        },
    )


def run_claimed(job_id: int) -> None:
    """Run a job this worker has claimed, in the current app context. Never raises, but :class:`Released` (the
    job was handed back: queued again, this try not counted) and interruptions (KeyboardInterrupt, SystemExit:
    the job stays "running" and is taken up again once its heartbeat is stale, like a killed worker's)."""
    job = db.session.get(Job, job_id)
    if job is None:
        return
    kind = _KINDS.get(job.kind)
    context = JobContext(
        job.id, job.uuid, dict(job.params or {}), job.owner, attempt=job.attempts, max_attempts=job.max_attempts
    )
    stop = threading.Event()
    every = float(current_app.config.get("JOBS_HEARTBEAT_SECONDS", 30))
    beat = threading.Thread(
        target=_heartbeat, args=(job_id, stop, current_app._get_current_object(), every), daemon=True
    )
    beat.start()
    try:
        if kind is None:
            raise JobFailed(f"unknown job kind {job.kind!r}")
        _inside.job, _inside.pending = True, False
        try:
            kind.run(context)
        finally:
            _inside.job = _inside.pending = False
        db.session.flush()
    except BaseException as exc:
        stop.set()
        beat.join()
        db.session.rollback()
        if isinstance(exc, Released):
            _release(job_id)
            raise
        if not isinstance(exc, Exception):
            raise
        _update_now(job_id, _after_failure(job, exc))
        return
    stop.set()
    beat.join()
    db.session.commit()  # whatever the job wrote through the session, then its final state
    table = Job.__table__
    values: dict[str, Any] = {
        "status": JobStatus.DONE.value,
        "finished_at": utcnow(),
        "heartbeat_at": utcnow(),
        "error": None,
        "progress_done": sa.func.coalesce(table.c.progress_total, table.c.progress_done),
    }
    if context._output is not None:
        values["result_path"], values["result_name"], values["result_type"] = context._output
    if context.problems:
        values["error"] = problems_text(context.problems)
    _update_now(job_id, values)
    db.session.expire_all()


def problems_text(problems: list[str], limit: int = 500) -> str:
    """The problems of a job that finished anyway, one a line, within the ``error`` column's ``limit``."""
    text = "\n".join(problems)
    if len(text) <= limit:
        return text
    more = f"\n(+{len(problems)})"
    kept: list[str] = []
    for index, line in enumerate(problems):
        more = f"\n(+{len(problems) - index})"
        if len("\n".join([*kept, line])) + len(more) > limit:
            return "\n".join(kept)[: limit - len(more)] + more
        kept.append(line)
    return text[:limit]


def run_pending(worker: str | None = None, limit: int | None = None) -> int:
    """Claim and run the claimable jobs one after another until none is left; returns how many ran.
    What ``tremplin worker --once`` does, and what tests call to run jobs synchronously."""
    worker = worker or worker_name()
    ran = 0
    db.session.commit()
    bury_exhausted()
    while limit is None or ran < limit:
        db.session.commit()  # the job's own transaction starts clean
        claimed = claim_next(worker)
        if claimed is None:
            return ran
        run_claimed(claimed)
        db.session.expire_all()
        ran += 1
    return ran


def purge(older_than_days: int = 7) -> int:
    """Delete finished jobs older than ``older_than_days`` and their files (flushed, not committed)."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    old = db.session.scalars(sa.select(Job).where(Job.status.in_(FINISHED_STATUSES), Job.created_at < cutoff)).all()
    store = storage()
    for job in old:
        store.delete_prefix(result_prefix(job))
        db.session.delete(job)
    db.session.flush()
    return len(old)


# --------------------------------------------------------------------------------------------------- the worker


class Worker:
    """The loop of ``tremplin worker``: claim a job, run it, again; poll every ``JOBS_POLL_SECONDS`` (0.5 s),
    slowing down to ``JOBS_IDLE_POLL_SECONDS`` (2 s) while there is nothing to do.

    SIGTERM or SIGINT: no new job is claimed; the job in hand may finish within ``grace`` seconds, else it is
    interrupted and released (queued again, this try not counted). A second signal releases it at once. Runs in
    the main thread (where Python calls signal handlers)."""

    def __init__(self, app: Flask, *, name: str | None = None, grace: float = 30.0) -> None:
        self.app = app
        self.name = name or worker_name()
        self.grace = grace
        self.stopping = False
        self.wake = threading.Event()
        self.last_purge: datetime | None = None
        self.last_bury: datetime | None = None

    def _interrupt(self) -> None:
        if not inside_job_function():
            return
        if getattr(_inside, "busy", False):  # recording progress: released as soon as that is written
            _inside.pending = True
            return
        _inside.job = False  # once: the job's own clean-up must not be interrupted again
        raise Released

    def on_stop_signal(self, signum: int, _frame: object) -> None:
        if self.stopping:  # asked twice: hand the job back now
            log.warning("worker %s: %s again, releasing its job now", self.name, signal.Signals(signum).name)
            self._interrupt()
            return
        self.stopping = True
        self.wake.set()
        log.info("worker %s: %s, stopping (grace %s s)", self.name, signal.Signals(signum).name, self.grace)
        if self.grace > 0:
            signal.setitimer(signal.ITIMER_REAL, self.grace)
        else:
            self._interrupt()

    def on_grace_over(self, _signum: int, _frame: object) -> None:
        log.warning("worker %s: grace period over, releasing its job", self.name)
        self._interrupt()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.on_stop_signal)
        signal.signal(signal.SIGINT, self.on_stop_signal)
        signal.signal(signal.SIGALRM, self.on_grace_over)

    def housekeeping(self) -> None:
        """Bury the jobs that stopped their workers on every try (each minute); delete finished jobs after
        ``JOBS_KEEP_DAYS``: their result files hold personal data (each hour)."""
        now = utcnow()
        if self.last_bury is None or now - self.last_bury >= timedelta(minutes=1):
            self.last_bury = now
            bury_exhausted()
        if self.last_purge is None or now - self.last_purge >= timedelta(hours=1):
            self.last_purge = now
            purge(int(self.app.config.get("JOBS_KEEP_DAYS", 7)))
            db.session.commit()

    def step(self) -> bool:
        """Claim and run one job; False when there was none."""
        claimed = claim_next(self.name)
        if claimed is None:
            return False
        log.info("worker %s: running job %s", self.name, claimed)
        run_claimed(claimed)
        return True

    def run(self) -> None:
        poll = float(self.app.config.get("JOBS_POLL_SECONDS", 0.5))
        idle_poll = max(poll, float(self.app.config.get("JOBS_IDLE_POLL_SECONDS", 2)))
        wait = poll
        log.info("worker %s: started", self.name)
        try:
            while not self.stopping:
                ran = False
                try:
                    with self.app.app_context():
                        self.housekeeping()
                        ran = self.step()
                except Released:
                    log.info("worker %s: job released", self.name)
                    break
                except Exception:  # the loop must survive a database hiccup
                    log.exception("worker %s: could not poll for jobs", self.name)
                if ran:
                    wait = poll
                    continue
                self.wake.wait(wait)
                wait = min(idle_poll, wait * 1.5)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        log.info("worker %s: stopped", self.name)
