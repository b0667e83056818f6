"""Background jobs: long exports (and later bulk certificates) run outside the request, with a progress bar.

The state of every job is a row of ``job`` (``core.models.Job``), so any process may run any job:

* ``enqueue(kind, params, owner)`` adds a queued job (flushed; the request commits it);
* a worker **claims** a job with one conditional UPDATE — ``UPDATE job SET status='running', worker=…
  WHERE id=… AND (status='queued' OR (status='running' AND heartbeat_at < stale))`` — and checks the row
  count: with several app servers on PostgreSQL, two workers never run the same job (the second UPDATE waits
  for the first transaction, then matches no row). A running job whose heartbeat is older than
  ``JOBS_STALE_SECONDS`` is taken as abandoned (its process died) and may be claimed again;
* the job function receives a :class:`JobContext`: its parameters, its owner, ``progress(done, total)``,
  ``output(filename, mimetype)``, a context manager giving a scratch file to write the result to, stored
  (``core.storage``, key ``jobs/<uuid>/<name>``) when the block ends without error, and ``problem(message)``:
  a job that could not do one of its items (one certificate out of twenty) says so and goes on; it ends
  ``done`` with its problems in ``error`` ("done with problems"), its owner told which items are missing,
  rather than failing for everyone;
* a worker thread is started lazily in each app process (at the first ``enqueue`` or job page), except under
  testing, where tests call :func:`run_pending` to run the queued jobs synchronously.

Packages above ``core`` add their kinds with :func:`register_job_kind`; core knows nothing of them.
"""

from __future__ import annotations

import logging
import os
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

from core.db import db, utcnow
from core.models import Job, JobStatus, User
from core.storage import storage

log = logging.getLogger(__name__)


class JobFailed(RuntimeError):
    """A job refused to go on for a reason its owner can act on; ``str()`` is shown to them."""


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
    with db.engine.begin() as connection:
        connection.execute(sa.update(Job.__table__).where(Job.__table__.c.id == job_id).values(**values))


def enqueue(kind: str, params: dict[str, Any], owner: User | None, *, total: int | None = None) -> Job:
    """Queue a job (flushed, committed with the request) and make sure a worker is there to run it."""
    if kind not in _KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, params=params, owner=owner, status=JobStatus.QUEUED.value, progress_total=total)
    db.session.add(job)
    db.session.flush()
    ensure_worker()
    return job


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:120]


def _stale_before() -> datetime:
    return utcnow() - timedelta(seconds=int(current_app.config.get("JOBS_STALE_SECONDS", 300)))


def claim(job_id: int, worker: str) -> bool:
    """Take a job for ``worker`` with one conditional UPDATE; True when this worker got it (committed)."""
    now = utcnow()
    table = Job.__table__
    claimable = sa.or_(
        table.c.status == JobStatus.QUEUED.value,
        sa.and_(table.c.status == JobStatus.RUNNING.value, table.c.heartbeat_at < _stale_before()),
    )
    statement = (
        sa.update(table)
        .where(table.c.id == job_id, claimable)
        .values(
            status=JobStatus.RUNNING.value,
            worker=worker,
            started_at=now,
            heartbeat_at=now,
            attempts=table.c.attempts + 1,
            error=None,
        )
    )
    with db.engine.begin() as connection:
        return connection.execute(statement).rowcount == 1


def claimable_ids(limit: int = 10) -> list[int]:
    table = Job.__table__
    query = (
        sa.select(table.c.id)
        .where(
            sa.or_(
                table.c.status == JobStatus.QUEUED.value,
                sa.and_(table.c.status == JobStatus.RUNNING.value, table.c.heartbeat_at < _stale_before()),
            )
        )
        .order_by(table.c.created_at, table.c.id)
        .limit(limit)
    )
    with db.engine.connect() as connection:
        return list(connection.execute(query).scalars())


def _heartbeat(job_id: int, stop: threading.Event, app: Flask, every: float) -> None:
    while not stop.wait(every):
        try:
            with app.app_context():
                _update_now(job_id, {"heartbeat_at": utcnow()})
        except Exception:  # a missed heartbeat is not worth killing the job for
            log.warning("job %s: heartbeat failed", job_id, exc_info=True)


def run_claimed(job_id: int) -> None:
    """Run a job this worker has claimed, in the current app context; never raises."""
    job = db.session.get(Job, job_id)
    if job is None:
        return
    kind = _KINDS.get(job.kind)
    context = JobContext(job.id, job.uuid, dict(job.params or {}), job.owner)
    stop = threading.Event()
    every = float(current_app.config.get("JOBS_HEARTBEAT_SECONDS", 30))
    beat = threading.Thread(
        target=_heartbeat, args=(job_id, stop, current_app._get_current_object(), every), daemon=True
    )
    beat.start()
    try:
        if kind is None:
            raise JobFailed(f"unknown job kind {job.kind!r}")
        kind.run(context)
        db.session.flush()
    except BaseException as exc:  # whatever happens, the job ends as failed, with a message
        if not isinstance(exc, Exception):
            # Interrupted (Ctrl-C, SystemExit): the job is left "running" with its last heartbeat, so that it is
            # taken up again once stale, like the job of a worker that was killed; this one stops beating for it.
            stop.set()
            beat.join()
            db.session.rollback()
            raise
        db.session.rollback()
        if isinstance(exc, JobFailed):
            message = str(exc)
        else:
            log.exception("job %s (%s) failed", job_id, getattr(job, "kind", "?"))
            message = "internal error"
        stop.set()
        beat.join()
        _update_now(job_id, {"status": JobStatus.FAILED.value, "error": message[:500], "finished_at": utcnow()})
        return
    stop.set()
    beat.join()
    db.session.commit()  # whatever the job wrote through the session, then its final state
    table = Job.__table__
    values: dict[str, Any] = {
        "status": JobStatus.DONE.value,
        "finished_at": utcnow(),
        "heartbeat_at": utcnow(),
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
    """Claim and run queued (or abandoned) jobs one after another until none is left; returns how many ran.
    What the worker thread does, and what tests call to run jobs synchronously."""
    worker = worker or worker_name()
    ran = 0
    while limit is None or ran < limit:
        db.session.commit()  # the job's own transaction starts clean
        ids = claimable_ids()
        claimed = next((job_id for job_id in ids if claim(job_id, worker)), None)
        if claimed is None:
            return ran
        run_claimed(claimed)
        db.session.expire_all()
        ran += 1
    return ran


def purge(older_than_days: int = 7) -> int:
    """Delete finished jobs older than ``older_than_days`` and their files (flushed, not committed)."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    old = db.session.scalars(
        sa.select(Job).where(Job.status.in_([JobStatus.DONE.value, JobStatus.FAILED.value]), Job.created_at < cutoff)
    ).all()
    store = storage()
    for job in old:
        store.delete_prefix(result_prefix(job))
        db.session.delete(job)
    db.session.flush()
    return len(old)


# --------------------------------------------------------------------------------------------------- the worker


class _Worker:
    """One daemon thread per app process that runs jobs; woken by ``enqueue``, polls every few seconds."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.last_purge: datetime | None = None
        self.thread = threading.Thread(target=self.loop, name="tremplin-jobs", daemon=True)

    def purge_now_and_then(self) -> None:
        """Result files hold personal data: delete finished jobs after ``JOBS_KEEP_DAYS`` (checked hourly)."""
        now = utcnow()
        if self.last_purge is not None and now - self.last_purge < timedelta(hours=1):
            return
        self.last_purge = now
        purge(int(self.app.config.get("JOBS_KEEP_DAYS", 7)))
        db.session.commit()

    def loop(self) -> None:
        poll = float(self.app.config.get("JOBS_POLL_SECONDS", 2))
        name = worker_name()
        while not self.stopping.is_set():
            self.wake.wait(poll)
            self.wake.clear()
            if self.stopping.is_set():
                return
            try:
                with self.app.app_context():
                    run_pending(name)
                    self.purge_now_and_then()
                    db.session.remove()
            except Exception:  # the loop must survive a database hiccup
                log.exception("job worker: could not poll for jobs")


_workers: dict[int, _Worker] = {}
_workers_lock = threading.Lock()


def ensure_worker(app: Flask | None = None) -> None:
    """Start this process's worker thread for ``app`` if it is not running (never under testing)."""
    app = app or current_app._get_current_object()
    if app.testing or not app.config.get("JOBS_WORKER", True):
        return
    with _workers_lock:
        worker = _workers.get(id(app))
        if worker is None or not worker.thread.is_alive():
            worker = _workers[id(app)] = _Worker(app)
            worker.thread.start()
    worker.wake.set()


def stop_worker(app: Flask, timeout: float = 10) -> None:
    """Stop this process's worker thread for ``app`` (after the job it is running, if any)."""
    with _workers_lock:
        worker = _workers.pop(id(app), None)
    if worker is not None:
        worker.stopping.set()
        worker.wake.set()
        worker.thread.join(timeout)
