"""Background jobs: atomic claim, stale re-claim, progress, results, the pages (owner or admin only)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from core import jobs
from core.db import db, utcnow
from core.models import Job, JobStatus
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


def test_a_failing_job_is_failed_with_a_safe_message(app, create_user):
    owner = create_user()
    crash = jobs.enqueue("test-explode", {}, owner)
    refused = jobs.enqueue("test-refuse", {}, owner)
    db.session.commit()
    assert jobs.run_pending() == 2
    db.session.expire_all()
    assert db.session.get(Job, crash.id).status == "failed"
    assert db.session.get(Job, crash.id).error == "internal error"
    assert db.session.get(Job, refused.id).error == "No cohort matches."


def test_unknown_kind_is_refused(app):
    with pytest.raises(ValueError):
        jobs.enqueue("nope", {}, None)


def test_no_worker_thread_under_testing(app, create_user):
    before = threading.active_count()
    jobs.enqueue("test-numbers", {"n": 1}, create_user())
    assert threading.active_count() == before


def test_worker_thread_runs_jobs_outside_testing(app, create_user, monkeypatch):
    owner = create_user()
    job = jobs.enqueue("test-numbers", {"n": 3}, owner)
    db.session.commit()
    monkeypatch.setattr(app, "testing", False)
    app.config["JOBS_POLL_SECONDS"] = 0.05
    jobs.ensure_worker(app)
    worker = jobs._workers[id(app)]
    try:
        for _ in range(200):
            db.session.expire_all()
            if db.session.get(Job, job.id).status == "done":
                break
            worker.thread.join(0.05)
        assert db.session.get(Job, job.id).status == "done"
    finally:
        jobs.stop_worker(app)
    assert not worker.thread.is_alive()


def test_job_pages_for_the_owner(app, client, login_as):
    owner = login_as("trainer")
    job = jobs.enqueue("test-numbers", {"n": 4}, owner)
    db.session.commit()
    page = client.get(f"/jobs/{job.uuid}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'http-equiv="refresh"' in html and "<progress" in html and "js/job-progress.js" in html
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
