"""Faults in the training domain's long work: the cohort's certificates (a background job) and the batch issuance
of badges (``tremplin badges issue``) killed half-way and run again make everything, once; one certificate that
cannot be made (WeasyPrint fails, the disk is full) is named and the others are delivered."""

from __future__ import annotations

import errno
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from badges import services as badge_services
from badges.models import Award
from core import jobs
from core import pdf as core_pdf
from core.db import db
from core.models import Job, User
from core.storage import storage
from courses import certificates, services
from courses.models import Attendance, Certificate, Competency
from tests.conftest import SECRET
from tests.courses.test_certificates import graduate_world

PEOPLE = [
    ("faute.ana@example.org", "Ana Lopès"),
    ("faute.ben@example.org", "Ben Müller"),
    ("faute.cleo@example.org", "Cléo Martin"),
]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def zip_world(app, issuer, build_cohort, tmp_path):
    return graduate_world(build_cohort, "PROMO-FAUTE", people=PEOPLE)


def queue_zip(world, lang: str = "fr") -> Job:
    job = jobs.enqueue("certificates-zip", {"cohort": str(world.cohort.uuid), "lang": lang}, world.trainer)
    db.session.commit()
    return job


def finished(job: Job | int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job if isinstance(job, int) else job.id)


def zip_of(job: Job) -> zipfile.ZipFile:
    key = jobs.result_file(job)
    assert key is not None
    archive = zipfile.ZipFile(io.BytesIO(storage().read_bytes(key)))
    assert archive.testzip() is None  # every member whole (CRC checked)
    return archive


def certificate_count() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Certificate))


# ----------------------------------------------------------------------------------- one certificate fails


def test_a_certificate_weasyprint_cannot_make_is_named_and_the_others_are_delivered(zip_world, monkeypatch, client_for):
    original = core_pdf.render_pdf

    def fails_for_ben(**kwargs):
        if "Ben Müller" in kwargs["title"]:
            raise ValueError("WeasyPrint: unsupported layout")
        return original(**kwargs)

    monkeypatch.setattr(core_pdf, "render_pdf", fails_for_ben)
    job = queue_zip(zip_world)
    assert jobs.run_pending() == 1
    job = finished(job)
    assert job.status == "done"
    assert "Ben Müller" in job.error and "PDF" in job.error
    assert "Ana" not in job.error and "Traceback" not in job.error
    archive = zip_of(job)
    assert sorted(archive.namelist()) == [
        "LISEZ-MOI-erreurs.txt",
        "faute.ana@example.org.pdf",
        "faute.cleo@example.org.pdf",
    ]
    assert "Ben Müller" in archive.read("LISEZ-MOI-erreurs.txt").decode()
    assert archive.read("faute.ana@example.org.pdf").startswith(b"%PDF")
    # Its owner sees it, in plain words, on the job's page and in its JSON status.
    staff = client_for(zip_world.trainer)
    status = staff.get(f"/jobs/{job.uuid}/status").json
    assert status["status"] == "done" and status["download_url"]
    assert len(status["problems"]) == 1 and status["problems"][0].startswith("Ben Müller")
    page = staff.get(f"/jobs/{job.uuid}").get_data(as_text=True)
    assert 'id="job-problems"' in page and "Ben Müller" in page and 'id="job-download"' in page


def test_the_message_is_in_the_language_of_the_zip(zip_world, monkeypatch):
    monkeypatch.setattr(core_pdf, "render_pdf", lambda **kwargs: (_ for _ in ()).throw(RuntimeError("boom")))
    job = finished(queue_zip(zip_world, "en"))
    jobs.run_pending()
    job = finished(job)
    # None could be made: nothing to download, the job failed, and says why in English.
    assert job.status == "failed" and job.result_path is None
    assert job.error.startswith("Ana Lopès: certificate not included, the PDF could not be made")


class DiskFills:
    """A file whose ``n``-th PDF written finds the disk full half-way through (as a real ``write`` would: some
    bytes land, then ENOSPC)."""

    def __init__(self, handle, fail_on: int) -> None:
        self._handle, self._fail_on, self._pdfs = handle, fail_on, 0

    def write(self, data) -> int:
        if bytes(data[:4]) == b"%PDF":
            self._pdfs += 1
            if self._pdfs == self._fail_on:
                self._handle.write(bytes(data[: len(data) // 2]))
                raise OSError(errno.ENOSPC, "No space left on device")
        return self._handle.write(data)

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._handle.close()


def test_disk_full_on_one_certificate_leaves_it_out_and_a_valid_zip(zip_world, monkeypatch):
    real_open = open
    monkeypatch.setattr(certificates, "open", lambda *a, **k: DiskFills(real_open(*a, **k), 2), raising=False)
    job = queue_zip(zip_world)
    jobs.run_pending()
    job = finished(job)
    assert job.status == "done"
    assert job.error.startswith("Ben Müller") and "disque du serveur est plein" in job.error
    archive = zip_of(job)  # the half-written member was cut off: the ZIP opens, every member is whole
    assert sorted(archive.namelist()) == [
        "LISEZ-MOI-erreurs.txt",
        "faute.ana@example.org.pdf",
        "faute.cleo@example.org.pdf",
    ]
    assert certificate_count() == 3  # the certificates themselves exist: only the ZIP misses one


def test_disk_full_when_the_zip_is_closed_fails_the_job_with_a_plain_message(zip_world, monkeypatch):
    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "_write_end_record", full)
    job = queue_zip(zip_world)
    jobs.run_pending()
    job = finished(job)
    assert job.status == "failed" and "disque du serveur est plein" in job.error


# ----------------------------------------------------------------------------------- killed, then rerun


def test_a_zip_job_interrupted_half_way_is_taken_up_again_and_makes_each_certificate_once(app, zip_world, monkeypatch):
    original = certificates.render
    calls = []

    def dies_on_the_second(certificate, lang):
        calls.append(certificate.id)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the worker stops dead (Ctrl-C; SIGKILL is the test below)
        return original(certificate, lang)

    monkeypatch.setattr(certificates, "render", dies_on_the_second)
    job = queue_zip(zip_world)
    with pytest.raises(KeyboardInterrupt):
        jobs.run_pending("first-worker")
    job = finished(job)
    assert job.status == "running" and job.attempts == 1 and job.progress_done == 1
    codes = dict(db.session.execute(sa.select(Certificate.enrolment_id, Certificate.code)).all())
    assert len(codes) == 3  # the certificates were committed before the long part
    # Not stale yet: another worker leaves it alone…
    assert jobs.run_pending("second-worker") == 0
    # …until its heartbeat is old: then it is taken up again, and finishes.
    monkeypatch.setattr(certificates, "render", original)
    app.config["JOBS_STALE_SECONDS"] = 0
    assert jobs.run_pending("second-worker") == 1
    job = finished(job)
    assert job.status == "done" and job.attempts == 2 and job.worker == "second-worker" and job.error is None
    assert sorted(zip_of(job).namelist()) == [f"{email}.pdf" for email, _name in PEOPLE]
    # Same certificates, same codes: none made twice, none lost.
    assert dict(db.session.execute(sa.select(Certificate.enrolment_id, Certificate.code)).all()) == codes


def _child_env(database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET,
        TREMPLIN_ENV="testing",
        TREMPLIN_BASE_URL="http://localhost",
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def _wait_for(path: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"the child ended first: {process.stdout.read() if process.stdout else ''}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("the child never reached the point where it is killed")
        time.sleep(0.05)


ZIP_CHILD = """
import sys, time
from pathlib import Path
from core import create_app, jobs
from courses import certificates

marker = Path(sys.argv[1])
app = create_app({"TESTING": True, "STORAGE_URL": sys.argv[2]})
original = certificates.render

def render_then_hang(certificate, lang):
    data = original(certificate, lang)
    marker.write_text("one rendered")
    time.sleep(600)  # SIGKILL arrives here
    return data

certificates.render = render_then_hang
with app.app_context():
    jobs.run_pending("doomed-worker")
"""


def _kill_once_marked(database_url: str, marker, script: str, *args: str) -> subprocess.Popen:
    """Run ``script`` in a child interpreter on the test database, and SIGKILL it once it writes ``marker``."""
    child = subprocess.Popen(  # noqa: S603 - our own interpreter, our own script
        [sys.executable, "-c", script, str(marker), *args],
        env=_child_env(database_url),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(marker, child)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(30)
        if child.stdout:
            child.stdout.close()
    return child


def test_a_zip_job_whose_process_is_killed_is_finished_by_another(zip_world, database_url, tmp_path, app):
    job = queue_zip(zip_world).id
    db.session.remove()
    marker = tmp_path / "marker"
    child = _kill_once_marked(database_url, marker, ZIP_CHILD, app.config["STORAGE_URL"])
    assert child.returncode == -signal.SIGKILL
    job = finished(job)
    assert job.status == "running" and job.worker == "doomed-worker" and job.result_path is None
    assert certificate_count() == 3
    app.config["JOBS_STALE_SECONDS"] = 0
    assert jobs.run_pending("rescuer") == 1
    job = finished(job)
    assert job.status == "done" and job.attempts == 2 and job.error is None
    assert sorted(zip_of(job).namelist()) == [f"{email}.pdf" for email, _name in PEOPLE]
    assert certificate_count() == 3


# ------------------------------------------------------------------------------ batch issuance, killed


@pytest.fixture
def due_world(app, build_cohort, runner):
    """25 trainees (three batches of ten for ``badges issue``) who validated every M2 competency before the
    issuer had keys: their M2 module and skill badges are due, none issued yet."""
    world = build_cohort("PROMO-LOT", trainees=25, past=4, future=2)
    competencies = [
        c
        for c in db.session.scalars(sa.select(Competency).where(Competency.programme_id == world.programme.id))
        if c.code.startswith("C-M2-") and not c.retired
    ]
    for enrolment in world.enrolments:
        for competency in competencies:
            services.validate_competency(
                enrolment, competency, world.trainer, competency.evidence_types[0], date.today() - timedelta(days=1)
            )
    db.session.commit()
    assert award_count() == 0
    assert runner.invoke(args=["keys", "generate"]).exit_code == 0
    return world


def award_count() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Award))


def assert_each_badge_once(user_ids: list[int]) -> None:
    """One active badge per person and achievement, and every trainee holds the same (complete) set."""
    db.session.rollback()
    doubles = db.session.execute(
        sa.select(Award.recipient_id, Award.achievement_id)
        .where(Award.revoked_at.is_(None))
        .group_by(Award.recipient_id, Award.achievement_id)
        .having(sa.func.count() > 1)
    ).all()
    assert doubles == []
    held = [
        frozenset(a.achievement.key for a in badge_services.awards_of(db.session.get(User, user_id)))
        for user_id in user_ids
    ]
    assert len(held) == 25
    assert len(set(held)) == 1 and "hetis-initial/module/M2" in held[0]


def test_batch_issuance_interrupted_then_rerun_issues_each_badge_once(due_world, runner, monkeypatch):
    original = badge_services.issue_many
    calls = []

    def dies_in_the_second_batch(*args, **kwargs):
        result = original(*args, **kwargs)
        calls.append(len(result))
        if len(calls) == 2:
            raise KeyboardInterrupt  # after the second batch was signed, before it was committed
        return result

    monkeypatch.setattr(badge_services, "issue_many", dies_in_the_second_batch)
    interrupted = runner.invoke(args=["badges", "issue", "PROMO-LOT"])
    assert interrupted.exit_code != 0
    per_trainee = calls[0] // 10
    assert award_count() == calls[0]  # the first batch is kept, the second rolled back whole
    monkeypatch.setattr(badge_services, "issue_many", original)
    rerun = runner.invoke(args=["badges", "issue", "PROMO-LOT"])
    assert rerun.exit_code == 0, rerun.output
    assert f"{per_trainee * 15} badges issued" in rerun.output
    assert award_count() == per_trainee * 25
    assert_each_badge_once([user.id for user in due_world.trainees])
    again = runner.invoke(args=["badges", "issue", "PROMO-LOT"])
    assert "0 badges issued" in again.output and award_count() == per_trainee * 25


ISSUE_CHILD = """
import sys, time
from pathlib import Path
from badges import services
from core import create_app

marker = Path(sys.argv[1])
app = create_app({"TESTING": True})
original = services.issue_many
calls = []

def issue_then_hang(*args, **kwargs):
    result = original(*args, **kwargs)
    calls.append(len(result))
    if len(calls) == 2:
        marker.write_text(str(calls[0]))
        time.sleep(600)  # SIGKILL arrives here: the second batch is signed, flushed, not committed
    return result

services.issue_many = issue_then_hang
result = app.test_cli_runner().invoke(args=["badges", "issue", "PROMO-LOT"])
print(result.output)
"""


def test_batch_issuance_killed_with_sigkill_then_rerun_issues_each_badge_once(
    due_world, database_url, tmp_path, runner
):
    user_ids = [user.id for user in due_world.trainees]
    db.session.remove()
    marker = tmp_path / "marker"
    child = _kill_once_marked(database_url, marker, ISSUE_CHILD)
    assert child.returncode == -signal.SIGKILL
    first_batch = int(marker.read_text())
    assert award_count() == first_batch  # what the killed process had not committed is gone
    rerun = runner.invoke(args=["badges", "issue", "PROMO-LOT"])
    assert rerun.exit_code == 0, rerun.output
    per_trainee = first_batch // 10
    assert award_count() == per_trainee * 25
    assert_each_badge_once(user_ids)
    # The status list (revocation bits) gave each badge its own index: none reused by the rerun.
    indexes = db.session.execute(sa.select(Award.key_id, Award.status_index)).all()
    assert len(indexes) == len(set(indexes))


def test_the_job_status_json_lists_no_problem_when_all_went_well(zip_world, client_for):
    job = queue_zip(zip_world)
    jobs.run_pending()
    status = client_for(zip_world.trainer).get(f"/jobs/{job.uuid}/status").json
    assert status["status"] == "done" and status["problems"] == [] and status["error"] is None
    assert json.dumps(status)  # plain JSON


# ------------------------------------------------------------------------------ two trainers, one roster


def _marks(session) -> dict[int, tuple[str, int | None]]:
    db.session.expire_all()
    return {
        a.enrolment_id: (a.status, a.minutes)
        for a in db.session.scalars(sa.select(Attendance).where(Attendance.session_id == session.id))
    }


def _roster(marks: dict, version: int) -> dict[str, str]:
    data = {"roster_version": str(version), "action": "save"}
    for enrolment, mark in marks.items():
        status, minutes = mark if isinstance(mark, tuple) else (mark, "")
        data[f"status-{enrolment.uuid}"] = status
        data[f"minutes-{enrolment.uuid}"] = str(minutes)
    return data


def _kept_form(page: str) -> dict[str, str]:
    form = re.search(r'<form method="post" class="roster-keep">(.*?)</form>', page, re.S)
    assert form, "no form keeping the refused marks"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(1)))


def test_two_trainers_saving_the_same_roster_the_second_is_told_and_keeps_their_input(cohort, client_for, make_trainer):
    alice, bruno, chloe = cohort.enrolments
    session = cohort.past[0]
    colleague = make_trainer(email="collegue.paire@example.org", legal_name="Collègue Paire")
    services.add_trainer(cohort.cohort, colleague)
    db.session.commit()
    first, second = client_for(cohort.trainer), client_for(colleague)
    for client in (first, second):  # both open the roster at version 0
        assert 'name="roster_version" value="0"' in client.get(f"/sessions/{session.uuid}").get_data(as_text=True)

    saved = first.post(f"/sessions/{session.uuid}", data=_roster({alice: "present", bruno: "present"}, 0))
    assert saved.status_code == 302
    theirs = _marks(session)
    refused = second.post(
        f"/sessions/{session.uuid}", data=_roster({alice: "absent", bruno: "present", chloe: ("late", 60)}, 0)
    )
    # The second is told, nothing of theirs is written…
    assert refused.status_code == 409
    assert _marks(session) == theirs
    page = refused.get_data(as_text=True)
    assert "Quelqu&#39;un d&#39;autre a enregistré cette feuille d&#39;émargement" in page
    # …they see what changed, mark by mark, and who saved it…
    section = page[page.index('id="roster-conflicts"') :]
    rows = re.findall(
        r'<li><strong>(.*?)</strong>.*?<span class="conflict-saved">(.*?)</span>(.*?)<br>.*?'
        r'<span class="conflict-chosen">(.*?)</span></li>',
        section,
        re.S,
    )
    table = {name: (f"{now}{by}".strip(), mine.strip()) for name, now, by, mine in rows}
    assert set(table) == {"Alice Martin", "Chloé Lambert"}  # Bruno: the same mark on both sides
    assert table["Alice Martin"][0] == 'Présent·e <span class="muted">(Trainer PROMO-TEST)</span>'
    assert table["Alice Martin"][1] == "Absent·e"
    assert table["Chloé Lambert"] == ("aucune marque", "En retard (60 min)")
    # …and their input is kept, on the new version, to save over theirs if they are sure.
    kept = _kept_form(page)
    assert kept["roster_version"] == "1"
    assert kept[f"status-{alice.uuid}"] == "absent" and kept[f"status-{chloe.uuid}"] == "late"
    assert kept[f"minutes-{chloe.uuid}"] == "60"
    again = second.post(f"/sessions/{session.uuid}", data={k: v for k, v in kept.items() if k != "csrf_token"})
    assert again.status_code == 302
    assert _marks(session) == {alice.id: ("absent", None), bruno.id: ("present", None), chloe.id: ("late", 60)}


def test_a_kept_input_is_refused_too_if_the_roster_changed_again(cohort, client_for, make_trainer):
    alice, bruno, _chloe = cohort.enrolments
    session = cohort.past[0]
    colleague = make_trainer(email="collegue.deux@example.org", legal_name="Collègue Deux")
    services.add_trainer(cohort.cohort, colleague)
    db.session.commit()
    first, second = client_for(cohort.trainer), client_for(colleague)
    assert first.post(f"/sessions/{session.uuid}", data=_roster({alice: "present"}, 0)).status_code == 302
    refused = second.post(f"/sessions/{session.uuid}", data=_roster({alice: "excused"}, 0))
    kept = _kept_form(refused.get_data(as_text=True))
    assert first.post(f"/sessions/{session.uuid}", data=_roster({alice: "present", bruno: "absent"}, 1)).status_code
    late = second.post(f"/sessions/{session.uuid}", data={k: v for k, v in kept.items() if k != "csrf_token"})
    assert late.status_code == 409
    assert _marks(session) == {alice.id: ("present", None), bruno.id: ("absent", None)}
