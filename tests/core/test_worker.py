"""``tremplin worker`` as real processes on the test database (SQLite by default, PostgreSQL when the suite runs
there): jobs claimed exactly once by two workers, SIGTERM graceful (the job in hand finishes, or is released
after the grace period), SIGKILL mid-job (another worker finishes it, once), retries then done or dead."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from core import jobs
from core.db import db
from core.models import Job
from tests.conftest import SECRET
from tests.core import worker_kinds

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _kinds(app):
    worker_kinds.register()


class Workers:
    def __init__(self, database_url: str, tmp: Path) -> None:
        self.database_url = database_url
        self.tmp = tmp
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, *args: str, **config: str) -> subprocess.Popen:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.database_url,
            SECRET_KEY=SECRET,
            TREMPLIN_ENV="testing",
            TREMPLIN_BASE_URL="http://localhost",
            TREMPLIN_STORAGE_URL=(self.tmp / "files").as_uri(),
            TREMPLIN_JOBS_POLL_SECONDS="0.05",
            TREMPLIN_JOBS_IDLE_POLL_SECONDS="0.2",
            TREMPLIN_JOBS_HEARTBEAT_SECONDS="0.2",
            PYTHONPATH=str(ROOT),
            **{f"TREMPLIN_{key}": value for key, value in config.items()},
        )
        command = [sys.executable, "-m", "flask", "--app", "tests.core.worker_kinds:create_app", "worker"]
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [*command, "--name", name, *args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
            process.wait(30)
            if process.stdout:
                process.stdout.close()


@pytest.fixture
def workers(database_url, tmp_path):
    pool = Workers(database_url, tmp_path)
    yield pool
    pool.stop_all()


def _queue(kind: str, count: int = 1, **params) -> list[int]:
    ids = [jobs.enqueue(kind, {**params, "n": n}, None).id for n in range(count)]
    db.session.commit()
    return ids


def _wait(condition, timeout: float = 60, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _lines(log: Path) -> list[list[str]]:
    return [line.split() for line in log.read_text().splitlines()] if log.exists() else []


def _job(job_id: int) -> Job:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _exit_code(process: subprocess.Popen, timeout: float = 30) -> int:
    code = process.wait(timeout)
    return code


def test_two_workers_run_every_job_exactly_once(app, workers, tmp_path):
    log = tmp_path / "log"
    ids = _queue("test-slow", 12, log=str(log), seconds=0.05)
    a, b = workers.start("worker-a"), workers.start("worker-b")
    _wait(lambda: all(_job(i).status == "done" for i in ids), what="every job done")
    runs = Counter(int(fields[1]) for fields in _lines(log) if fields[0] == "start")
    assert runs == Counter(range(12))  # each job started once, by one worker or the other
    assert {_job(i).attempts for i in ids} == {1}
    assert {_job(i).worker for i in ids} <= {"worker-a", "worker-b"}
    for process in (a, b):
        process.send_signal(signal.SIGTERM)
        assert _exit_code(process) == 0


def test_sigterm_lets_the_job_in_hand_finish_then_exits_0(app, workers, tmp_path):
    log = tmp_path / "log"
    (job_id,) = _queue("test-slow", log=str(log), seconds=1.5)
    worker = workers.start("graceful", "--grace", "20")
    _wait(lambda: any(f[0] == "start" for f in _lines(log)), what="the job to start")
    worker.send_signal(signal.SIGTERM)
    assert _exit_code(worker) == 0
    assert [f[0] for f in _lines(log)] == ["start", "end"]
    job = _job(job_id)
    assert job.status == "done" and job.attempts == 1


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_job_longer_than_the_grace_period_is_released_and_taken_up_later(app, workers, tmp_path, stop):
    log = tmp_path / "log"
    (job_id,) = _queue("test-slow", log=str(log), seconds=120)
    worker = workers.start("short-grace", "--grace", "0.5")
    _wait(lambda: any(f[0] == "start" for f in _lines(log)), what="the job to start")
    started = time.monotonic()
    worker.send_signal(stop)
    assert _exit_code(worker) == 0
    assert time.monotonic() - started < 15
    job = _job(job_id)
    assert job.status == "queued" and job.attempts == 0 and job.worker is None  # the try is not counted
    assert [f[0] for f in _lines(log)] == ["start"]
    Path(f"{log}.fast").touch()
    once = workers.start("next", "--once")
    assert _exit_code(once, 60) == 0
    job = _job(job_id)
    assert job.status == "done" and job.attempts == 1 and job.worker == "next"
    assert [f[0] for f in _lines(log)] == ["start", "start", "end"]


def test_a_worker_killed_mid_job_leaves_it_to_another_which_finishes_it_once(app, workers, tmp_path):
    log = tmp_path / "log"
    (job_id,) = _queue("test-slow", log=str(log), seconds=2)
    doomed = workers.start("doomed", JOBS_STALE_SECONDS="1")
    _wait(lambda: any(f[0] == "start" for f in _lines(log)), what="the job to start")
    doomed.kill()
    assert doomed.wait(30) == -signal.SIGKILL
    assert _job(job_id).status == "running"
    rescuer = workers.start("rescuer", JOBS_STALE_SECONDS="1")
    _wait(lambda: _job(job_id).status == "done", what="the rescuer to finish the job")
    job = _job(job_id)
    assert job.worker == "rescuer" and job.attempts == 2
    events = [f[0] for f in _lines(log)]
    assert events == ["start", "start", "end"]  # ended once, by the rescuer
    rescuer.send_signal(signal.SIGTERM)
    assert _exit_code(rescuer) == 0


def test_the_worker_retries_with_backoff_then_the_job_is_done_or_dead(app, workers, tmp_path):
    log = tmp_path / "log"
    (works_third,) = _queue("test-flaky", log=str(log), fail=2)
    never = jobs.enqueue("test-flaky", {"log": str(log), "fail": 99, "n": 99}, None, max_attempts=3).id
    db.session.commit()
    worker = workers.start("retrier", JOBS_RETRY_SECONDS="0.3")
    _wait(lambda: _job(works_third).status == "done" and _job(never).status == "dead", what="done and dead")
    worker.send_signal(signal.SIGTERM)
    assert _exit_code(worker) == 0
    tries = Counter((f[0], int(f[1])) for f in _lines(log))
    assert tries[("try", 0)] == 3 and tries[("end", 0)] == 1
    assert tries[("try", 99)] == 3 and tries[("end", 99)] == 0
    assert _job(works_third).attempts == 3 and _job(never).attempts == 3
