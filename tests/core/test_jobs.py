"""Background jobs: atomic claim, stale re-claim, retries with backoff, dead jobs and the coordinators' retry
button, progress, results, the pages (owner or admin only). The worker process itself: tests/core/test_worker.py."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from core import jobs
from core.db import db, utcnow
from core.models import AuditEntry, Job, JobStatus
from core.storage import storage
from tests.conftest import PASSWORD


def _write_numbers(context: jobs.JobContext) -> None:
    total = int(context.params["n"])
    with context.output("numbers.txt", "text/plain") as path, path.open("w") as out:
        for i in range(total):
            out.write(f"{i}\n")
            context.progress(i + 1, total)


def _explode(context: jobs.JobContext) -> None:
    raise RuntimeError("secret detail that must not reach the page")


def _refuse(context: jobs.JobContext) -> None:
    raise jobs.JobFailed("No cohort matches.")


@pytest.fixture(autouse=True)
def _kinds(app, tmp_path):
    jobs.register_job_kind("test-numbers", _write_numbers, "Numbers")
    jobs.register_job_kind("test-explode", _explode)
    jobs.register_job_kind("test-refuse", _refuse)


def test_a_job_runs_reports_progress_and_keeps_its_result(app, create_user):
    owner = create_user(roles=("admin",))
    job = jobs.enqueue("test-numbers", {"n": 5}, owner)
    db.session.commit()
    assert job.status == "queued" and job.progress_done == 0
    assert jobs.run_pending("w1") == 1
    job = db.session.scalar(db.select(Job).where(Job.uuid == job.uuid))
    assert job.status == "done" and job.progress_done == 5 and job.progress_total == 5 and job.percent == 100
    assert job.worker == "w1" and job.attempts == 1 and job.finished_at is not None
    key = jobs.result_file(job)
    assert key == f"jobs/{job.uuid}/numbers.txt"
    assert storage().read_bytes(key).decode().splitlines() == ["0", "1", "2", "3", "4"]
    assert job.result_name == "numbers.txt" and job.result_type == "text/plain"
    assert jobs.run_pending("w1") == 0  # nothing left


def test_claim_is_atomic_only_one_worker_wins(app, create_user):
    job = jobs.enqueue("test-numbers", {"n": 1}, create_user())
    db.session.commit()
    assert jobs.claim(job.id, "first") is True
    assert jobs.claim(job.id, "second") is False
    db.session.expire_all()
    assert db.session.get(Job, job.id).worker == "first"


def test_racing_workers_never_run_a_job_twice(app, create_user):
    owner = create_user()
    ids = [jobs.enqueue("test-numbers", {"n": 1}, owner).id for _ in range(6)]
    db.session.commit()
    winners: dict[str, list[int]] = {"a": [], "b": []}

    def work(name: str) -> None:
        with app.app_context():
            for job_id in ids:
                if jobs.claim(job_id, name):
                    winners[name].append(job_id)
            db.session.remove()

    threads = [threading.Thread(target=work, args=(n,)) for n in winners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(winners["a"] + winners["b"]) == sorted(ids)  # each claimed exactly once


def test_a_running_job_with_an_old_heartbeat_is_claimed_again(app, create_user):
    job = jobs.enqueue("test-numbers", {"n": 2}, create_user())
    db.session.commit()
    assert jobs.claim(job.id, "dead-worker")
    assert jobs.claim(job.id, "other") is False  # still fresh
    db.session.execute(db.update(Job).where(Job.id == job.id).values(heartbeat_at=utcnow() - timedelta(seconds=3600)))
    db.session.commit()
    assert jobs.run_pending("rescuer") == 1
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "done" and job.worker == "rescuer" and job.attempts == 2


def test_a_refused_job_fails_at_once_and_a_crashing_one_is_tried_again_later(app, create_user):
    owner = create_user()
    crash = jobs.enqueue("test-explode", {}, owner)
    refused = jobs.enqueue("test-refuse", {}, owner)
    db.session.commit()
    before = utcnow()
    assert jobs.run_pending() == 2
    db.session.expire_all()
    refused = db.session.get(Job, refused.id)
    assert refused.status == "failed" and refused.error == "No cohort matches." and refused.attempts == 1
    crash = db.session.get(Job, crash.id)
    assert crash.status == "queued" and crash.error == "internal error" and crash.attempts == 1
    assert crash.max_attempts == 5
    # First backoff: JOBS_RETRY_SECONDS (10) from now — not before.
    assert before + timedelta(seconds=9) < crash.run_after < utcnow() + timedelta(seconds=11)
    assert jobs.run_pending() == 0  # not due yet


def _due_now(job_id: int) -> None:
    db.session.execute(db.update(Job).where(Job.id == job_id).values(run_after=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_a_job_that_always_raises_is_dead_after_its_tries_with_growing_waits(app, create_user):
    job = jobs.enqueue("test-explode", {}, create_user(), max_attempts=3)
    db.session.commit()
    waits = []
    for attempt in (1, 2, 3):
        started = utcnow()
        assert jobs.run_pending() == 1
        db.session.expire_all()
        row = db.session.get(Job, job.id)
        assert row.attempts == attempt
        if attempt < 3:
            assert row.status == "queued"
            waits.append(round((row.run_after - started).total_seconds()))
            _due_now(job.id)
    assert waits == [10, 20]  # exponential: 10 s, then 20 s
    assert row.status == "dead" and row.finished and row.error == "internal error"
    assert jobs.run_pending() == 0  # dead: never claimed again by itself


def test_backoff_doubles_up_to_its_cap():
    assert [jobs.backoff_seconds(n, 10, 60) for n in range(1, 6)] == [10, 20, 40, 60, 60]


def test_a_job_whose_worker_died_on_every_try_is_buried(app, create_user):
    job = jobs.enqueue("test-numbers", {"n": 1}, create_user(), max_attempts=2)
    db.session.commit()
    for _ in range(2):  # claimed, then its worker dies (the heartbeat stops)
        assert jobs.claim(job.id, "doomed")
        db.session.execute(
            db.update(Job).where(Job.id == job.id).values(heartbeat_at=utcnow() - timedelta(seconds=3600))
        )
        db.session.commit()
    assert jobs.run_pending("rescuer") == 0
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "dead"


def test_a_released_job_is_queued_again_without_counting_the_try(app, create_user):
    def hands_back(context):
        raise jobs.Released

    jobs.register_job_kind("test-released", hands_back)
    job = jobs.enqueue("test-released", {}, create_user())
    db.session.commit()
    with pytest.raises(jobs.Released):
        jobs.run_pending("stopping-worker")
    db.session.expire_all()
    row = db.session.get(Job, job.id)
    assert row.status == "queued" and row.attempts == 0 and row.worker is None and row.run_after is None


def test_coordinators_see_dead_jobs_and_retry_them(app, client, login_as, create_user):
    owner = create_user(roles=("trainer",))
    job = jobs.enqueue("test-explode", {}, owner, max_attempts=1)
    done = jobs.enqueue("test-numbers", {"n": 1}, owner)
    db.session.commit()
    jobs.run_pending()
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "dead"
    # Not for trainers
    login_as("trainer")
    assert client.get("/jobs/all").status_code == 403
    assert client.post(f"/jobs/{job.uuid}/retry").status_code == 403
    client.post("/logout")
    admin = login_as("admin")
    page = client.get("/jobs/all").get_data(as_text=True)
    assert f'id="job-{job.uuid}" data-status="dead"' in page and f"/jobs/{job.uuid}/retry" in page
    assert str(done.uuid) not in page  # done jobs need no attention
    # The button needs its CSRF token
    assert client.post(f"/jobs/{job.uuid}/retry", csrf=False).status_code == 400
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "dead"
    response = client.post(f"/jobs/{job.uuid}/retry")
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(Job, job.id)
    assert row.status == "queued" and row.attempts == 0 and row.error is None
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "job.retry"))
    assert entry.object_id == str(job.uuid) and entry.actor_id == admin.id and entry.details["was"] == "dead"
    # A queued job is not "retried" again
    client.post(f"/jobs/{job.uuid}/retry")
    assert (
        db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(AuditEntry.action == "job.retry"))
        == 1
    )


def test_unknown_kind_is_refused(app):
    with pytest.raises(ValueError):
        jobs.enqueue("nope", {}, None)


def test_web_processes_never_run_jobs(app, create_user, monkeypatch):
    monkeypatch.setattr(app, "testing", False)
    before = threading.active_count()
    job = jobs.enqueue("test-numbers", {"n": 1}, create_user())
    db.session.commit()
    assert threading.active_count() == before
    assert not hasattr(jobs, "ensure_worker") and "JOBS_WORKER" not in app.config
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "queued"


def test_job_pages_for_the_owner(app, client, login_as):
    owner = login_as("trainer")
    job = jobs.enqueue("test-numbers", {"n": 4}, owner)
    db.session.commit()
    page = client.get(f"/jobs/{job.uuid}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'http-equiv="refresh"' in html and "<progress" in html and "js/job-progress." in html
    assert "<script>" not in html  # no inline script (CSP)
    status = client.get(f"/jobs/{job.uuid}/status").json
    assert status["status"] == "queued" and status["download_url"] is None
    assert client.get(f"/jobs/{job.uuid}/download").status_code == 404
    assert jobs.run_pending() == 1
    status = client.get(f"/jobs/{job.uuid}/status").json
    assert status["status"] == "done" and status["percent"] == 100 and status["download_url"]
    html = client.get(f"/jobs/{job.uuid}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html and "numbers.txt" in html
    with client.get(status["download_url"]) as download:
        assert download.status_code == 200 and download.data.decode().split() == ["0", "1", "2", "3"]
        assert "attachment" in download.headers["Content-Disposition"]
    assert "Numbers" in client.get("/jobs/").get_data(as_text=True)


def test_job_pages_refuse_other_people_but_not_admins(app, client, login_as, create_user):
    owner = create_user(roles=("trainer",))
    job = jobs.enqueue("test-numbers", {"n": 1}, owner)
    db.session.commit()
    jobs.run_pending()
    login_as("trainer")
    for suffix in ("", "/status", "/download"):
        assert client.get(f"/jobs/{job.uuid}{suffix}").status_code == 403
    admin = app.test_client()
    admin.post("/login", data={"email": create_user(roles=("admin",)).email, "password": PASSWORD})
    with admin.get(f"/jobs/{job.uuid}/download") as download:
        assert download.status_code == 200


def test_purge_removes_old_jobs_and_files(app, create_user):
    job = jobs.enqueue("test-numbers", {"n": 1}, create_user())
    db.session.commit()
    jobs.run_pending()
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    key = jobs.result_file(job)
    assert key is not None and storage().exists(key)
    job.created_at = utcnow() - timedelta(days=30)
    db.session.commit()
    assert jobs.purge(7) == 1
    db.session.commit()
    assert not storage().exists(key) and db.session.get(Job, job.id) is None
    assert storage().list("jobs/") == []
    assert JobStatus.DONE == "done"
