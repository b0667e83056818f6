"""Badges earned from the rules: issued on the event (by an ``issue-due-badges`` job that the change queues in its
own transaction, run by a worker: here ``run_pending()``) and in batch, idempotently, with text that names skills
and nothing about a person."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from badges import openbadges, signing
from badges import services as badge_services
from badges.models import Achievement, Award
from core import jobs
from core.db import db, utcnow
from core.models import Job, JobStatus
from core.services import ServiceError
from courses import awarding, outbox, services
from courses.models import Competency, Programme
from courses.programme_spec import PROGRAMMES_DIR, load_programme_file
from tests.courses.conftest import load_programme, placement_with_hours


def _competencies(programme: Programme, module: str | None = None) -> list[Competency]:
    query = sa.select(Competency).where(Competency.programme_id == programme.id, Competency.retired.is_(False))
    return [c for c in db.session.scalars(query) if module is None or c.code.startswith(f"C-{module}-")]


def _validate(world, enrolment, competencies) -> None:
    for competency in competencies:
        services.validate_competency(
            enrolment, competency, world.trainer, competency.evidence_types[0], date.today() - timedelta(days=1)
        )


def _keys_held(user) -> set[str]:
    return {a.achievement.key for a in badge_services.awards_of(user)}


def _queued() -> list[tuple[str, int, str]]:
    """The ``issue-due-badges`` jobs in the database: (status, enrolment id, kind), oldest first."""
    rows = db.session.scalars(sa.select(Job).where(Job.kind == outbox.ISSUE_DUE_BADGES).order_by(Job.id))
    return [(job.status, job.params["enrolment_id"], job.kind) for job in rows]


def _count_awards() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Award))


def test_a_module_badge_is_issued_on_the_event_once_the_module_is_over(issuer, cohort):
    # PROMO-TEST: M1, M1, M2, M2 in the past, M1, M1 to come: M2 is over, M1 is not.
    _validate(cohort, cohort.enrolment, _competencies(cohort.programme, "M1") + _competencies(cohort.programme, "M2"))
    db.session.commit()
    assert _keys_held(cohort.trainee) == set()  # nothing signed in the request: a job waits for a worker
    assert _queued() == [("queued", cohort.enrolment.id, "issue-due-badges")]  # one, for 20 validations
    assert jobs.run_pending() == 1
    held = _keys_held(cohort.trainee)
    assert "hetis-initial/module/M2" in held
    assert "hetis-initial/module/M1" not in held  # its last sessions are still to come
    assert {"hetis-initial/skill/B-DEONTO", "hetis-initial/skill/B-LIEN"} <= held  # skills: as soon as validated
    assert "hetis-initial/programme" not in held
    assert _keys_held(cohort.trainees[1]) == set()
    assert _queued() == [("done", cohort.enrolment.id, "issue-due-badges")]


def test_a_module_badge_needs_every_required_competency_of_the_module(issuer, cohort):
    m2 = _competencies(cohort.programme, "M2")
    _validate(cohort, cohort.enrolment, [c for c in m2 if c.code != "C-M2-09"])
    db.session.commit()
    jobs.run_pending()
    assert "hetis-initial/module/M2" not in _keys_held(cohort.trainee)
    _validate(cohort, cohort.enrolment, [c for c in m2 if c.code == "C-M2-09"])
    db.session.commit()
    assert jobs.run_pending() == 1
    assert "hetis-initial/module/M2" in _keys_held(cohort.trainee)


def test_no_module_badge_after_leaving_before_its_end(issuer, cohort):
    services.withdraw(cohort.enrolment, cohort.past[1].on)  # before the M2 sessions
    _validate(cohort, cohort.enrolment, _competencies(cohort.programme, "M2"))
    db.session.commit()
    jobs.run_pending()
    assert _keys_held(cohort.trainee) == set()


def test_the_programme_badge_comes_with_eligibility(issuer, build_cohort):
    world = build_cohort("DONE", trainees=1, past=4, future=0)
    for session in world.sessions:
        services.save_roster(session, {world.enrolment.id: services.MarkInput("present")}, world.trainer, None)
    _validate(world, world.enrolment, _competencies(world.programme))
    _placement, entries = placement_with_hours(world.enrolment, None, "Maison d'accueil", *([420] * 20))
    for entry in entries:
        services.review_hours(entry, "confirmed", by=world.trainer, may_change=True)
    db.session.commit()
    jobs.run_pending()
    assert "hetis-initial/programme" not in _keys_held(world.trainee)  # the final work is still pending
    services.record_final_work(world.enrolment, "passed")
    db.session.commit()
    assert "hetis-initial/programme" not in _keys_held(world.trainee)  # not in the request
    assert jobs.run_pending() == 1
    held = _keys_held(world.trainee)
    assert {"hetis-initial/programme", "hetis-initial/module/M1", "hetis-initial/module/M2"} <= held
    award = next(a for a in badge_services.awards_of(world.trainee) if a.achievement.key.endswith("/programme"))
    assert award.context_ref == f"enrolment:{world.enrolment.id}"
    assert award.documents["ob3"]["fr"]["credentialSubject"]["achievement"]["achievementType"] == "Certificate"


def test_the_job_is_queued_in_the_transaction_of_the_change_once_per_enrolment(issuer, cohort):
    session = cohort.past[-1]
    marks = {e.id: services.MarkInput("present") for e in cohort.enrolments}
    services.save_roster(session, marks, cohort.trainer, None)
    _validate(cohort, cohort.enrolment, _competencies(cohort.programme, "M2")[:2])
    # Flushed with the change, before any commit: the same transaction holds the marks and the jobs.
    assert sorted(e for _s, e, _k in _queued()) == sorted(e.id for e in cohort.enrolments)
    db.session.commit()
    assert [s for s, _e, _k in _queued()] == ["queued"] * 3
    services.record_final_work(cohort.enrolment, "passed")  # a new transaction: a new job
    db.session.commit()
    assert len(_queued()) == 4
    assert jobs.run_pending() == 4
    assert "hetis-initial/skill/B-LIEN" not in _keys_held(cohort.trainee)  # two validations make nothing due


def test_a_failed_change_queues_nothing(issuer, cohort):
    competency = _competencies(cohort.programme, "M2")[0]
    with pytest.raises(ServiceError):  # the validation and its job are flushed, then the empty file is refused
        services.validate_competency(
            cohort.enrolment, competency, cohort.trainer, "E-OBS", date.today(), file=("preuve.pdf", b"")
        )
    assert len(_queued()) == 1  # queued in the transaction that fails…
    db.session.rollback()  # …which the request rolls back
    assert _queued() == []
    assert db.session.scalar(sa.text("SELECT count(*) FROM validation")) == 0
    assert jobs.run_pending() == 0
    _validate(cohort, cohort.enrolment, [competency])  # the next transaction queues its own job
    db.session.commit()
    assert _queued() == [("queued", cohort.enrolment.id, "issue-due-badges")]


def test_a_savepoint_rolled_back_takes_its_job_and_the_next_change_queues_it_again(issuer, cohort):
    competencies = _competencies(cohort.programme, "M2")
    with pytest.raises(RuntimeError), db.session.begin_nested():
        _validate(cohort, cohort.enrolment, competencies[:1])
        raise RuntimeError("one line of an import refused")
    assert _queued() == []
    _validate(cohort, cohort.enrolment, competencies[1:2])
    db.session.commit()
    assert _queued() == [("queued", cohort.enrolment.id, "issue-due-badges")]


def test_nothing_is_signed_in_the_request_the_job_signs(issuer, cohort, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("signing must not happen in the request")

    for name in ("add_proof", "sign_vc_jwt", "sign_jws"):
        monkeypatch.setattr(signing, name, broken)
    competencies = _competencies(cohort.programme, "M2")
    _validate(cohort, cohort.enrolment, competencies)
    db.session.commit()  # the save succeeds
    db.session.expire_all()
    validated = db.session.scalar(
        sa.text("SELECT count(*) FROM validation WHERE enrolment_id = :e"), {"e": cohort.enrolment.id}
    )
    assert validated == len(competencies)
    assert _count_awards() == 0
    monkeypatch.undo()  # the worker signs
    assert jobs.run_pending() == 1
    assert "hetis-initial/module/M2" in _keys_held(cohort.trainee)


def test_a_job_that_cannot_sign_is_retried_later_and_keeps_what_was_saved(issuer, cohort, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(badge_services, "issue_many", broken)
    _validate(cohort, cohort.enrolment, _competencies(cohort.programme, "M2"))
    db.session.commit()
    with caplog.at_level(logging.ERROR, logger="core.jobs"):
        jobs.run_pending()
    assert "disk full" in caplog.text
    assert _queued() == [(JobStatus.QUEUED.value, cohort.enrolment.id, "issue-due-badges")]  # to be retried
    job = db.session.scalar(sa.select(Job).where(Job.kind == outbox.ISSUE_DUE_BADGES))
    assert job.attempts == 1 and job.run_after is not None and job.run_after > utcnow()
    assert _count_awards() == 0
    monkeypatch.undo()
    assert _batch_issue(cohort) > 0  # ``tremplin badges issue`` catches up meanwhile


def _batch_issue(world) -> int:
    issued = awarding.issue_due([world.cohort])
    db.session.commit()
    return sum(1 for _award, created in issued if created)


def test_without_keys_the_job_issues_nothing_and_says_why(app, cohort):
    _validate(cohort, cohort.enrolment, _competencies(cohort.programme, "M2"))
    db.session.commit()
    assert jobs.run_pending() == 1
    job = db.session.scalar(sa.select(Job).where(Job.kind == outbox.ISSUE_DUE_BADGES))
    assert job.status == JobStatus.DONE.value and "keys" in job.error
    assert _count_awards() == 0


def test_a_job_for_an_enrolment_deleted_since_issues_nothing(issuer, cohort):
    _validate(cohort, cohort.enrolment, _competencies(cohort.programme, "M2"))
    db.session.commit()
    assert awarding.issue_due_for([10_000]) == []
    job = db.session.scalar(sa.select(Job).where(Job.kind == outbox.ISSUE_DUE_BADGES))
    job.params = {"enrolment_id": 10_000}
    db.session.commit()
    assert jobs.run_pending() == 1
    assert db.session.get(Job, job.id).status == JobStatus.DONE.value
    assert _count_awards() == 0


ON_ITS_WAY = "Votre badge est en préparation. Il arrive dans quelques instants."


def test_the_trainee_sees_her_badge_on_its_way_until_the_worker_issues_it(issuer, cohort, client_for):
    client = client_for(cohort.trainee)
    assert ON_ITS_WAY not in client.get("/").get_data(as_text=True)
    _validate(cohort, cohort.enrolment, _competencies(cohort.programme, "M2"))
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    mine = client.get("/me/badges").get_data(as_text=True)
    assert ON_ITS_WAY in home and ON_ITS_WAY in mine
    assert ON_ITS_WAY not in client_for(cohort.trainees[1]).get("/me/badges").get_data(as_text=True)
    jobs.run_pending()
    assert ON_ITS_WAY not in client.get("/").get_data(as_text=True)
    mine = client.get("/me/badges").get_data(as_text=True)
    assert ON_ITS_WAY not in mine and "Accompagnement" in mine


def test_a_job_that_will_issue_nothing_says_nothing(issuer, cohort, client_for):
    session = cohort.past[0]
    services.save_roster(session, {cohort.enrolment.id: services.MarkInput("present")}, cohort.trainer, None)
    db.session.commit()
    assert _queued() == [("queued", cohort.enrolment.id, "issue-due-badges")]
    assert ON_ITS_WAY not in client_for(cohort.trainee).get("/me/badges").get_data(as_text=True)


def test_batch_issue_catches_up_and_is_idempotent(app, cohort, runner):
    _validate(cohort, cohort.enrolment, _competencies(cohort.programme, "M2"))
    db.session.commit()  # no keys yet: the validation is saved, no badge
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Award)) == 0
    refused = runner.invoke(args=["badges", "issue", "PROMO-TEST"])
    assert refused.exit_code != 0 and "keys" in refused.output
    assert runner.invoke(args=["keys", "generate"]).exit_code == 0
    first = runner.invoke(args=["badges", "issue", "PROMO-TEST"])
    assert first.exit_code == 0, first.output
    issued = db.session.scalar(sa.select(sa.func.count()).select_from(Award))
    assert issued > 0 and f"{issued} badges issued" in first.output
    again = runner.invoke(args=["badges", "issue", "PROMO-TEST"])
    assert "0 badges issued" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Award)) == issued
    listed = runner.invoke(args=["badges", "list", "PROMO-TEST", "--format", "json"])
    rows = json.loads(listed.output)
    assert len(rows) == issued and {row["email"] for row in rows} == {cohort.trainee.email}
    for field in (
        "verify_url",
        "ob2_assertion_url",
        "ob2_signed_url",
        "ob3_credential_url",
        "ob3_jwt_url",
        "baked_png_url",
        "achievement",
        "status",
    ):
        assert all(row[field] for row in rows), field


def test_badges_issued_after_the_fact_carry_the_date_they_were_earned(issuer, cohort):
    """issue_due(issued_at=…): a past promotion's badges are dated when earned, signed with that date, and a
    savepoint released meanwhile (each badge is added in one) never issues them at today's date first."""
    _validate(cohort, cohort.enrolment, _competencies(cohort.programme, "M2"))
    m2_end = cohort.past[-1].on
    earned_at = datetime.combine(m2_end, time(17, 0), tzinfo=UTC)
    issued = awarding.issue_due([cohort.cohort], m2_end, issued_at=earned_at)
    assert {a.achievement.key for a, _created in issued} >= {"hetis-initial/module/M2", "hetis-initial/skill/B-LIEN"}
    db.session.commit()
    jobs.run_pending()  # the job the validations queued finds them held: nothing issued twice, nothing dated today
    awards = badge_services.awards_of(cohort.trainee)
    assert len(awards) == len(issued)
    for award in awards:
        assert award.issued_at == earned_at
        assert award.documents["ob3"]["fr"]["validFrom"].startswith(m2_end.isoformat())
        assert award.valid_until is None  # hetis-initial badges do not expire
    module = badge_services.achievement_by_key("hetis-initial/module/M2")
    again = badge_services.reissue(badge_services.active_award(cohort.trainee, module), now=earned_at)
    assert again.issued_at == earned_at and again.valid_until is None  # a re-issue keeps the original validity


@pytest.mark.parametrize("code", ["hetis-initial", "umons-certificate"])
def test_badge_text_names_skills_only(issuer, code):
    programme = load_programme(PROGRAMMES_DIR / f"{code}.yaml")
    achievements = awarding.sync_achievements(programme)
    db.session.commit()
    kinds = [a.kind for a in achievements]
    assert kinds.count("programme") == 1 and "module" in kinds
    for achievement in achievements:
        for lang in ("fr", "en"):
            document = openbadges.ob3_achievement(badge_services.as_dataclass(achievement), lang)
            assert openbadges.life_history_findings(document) == [], achievement.key
            text = str(document)
            assert "C-M2-09" not in text and "Se préserver" not in text and "Self-preservation" not in text
    if code == "umons-certificate":
        programme_badge = next(a for a in achievements if a.kind == "programme")
        assert programme_badge.name["fr"] == "Formation universitaire à la pair-aidance"


def test_a_programme_reload_retires_badges_it_no_longer_defines(issuer, tmp_path):
    programme = load_programme(PROGRAMMES_DIR / "hetis-initial.yaml")
    awarding.sync_achievements(programme)
    text = (PROGRAMMES_DIR / "hetis-initial.yaml").read_text(encoding="utf-8")
    cut = text[: text.index("    - code: B-PLAIDOYER")]
    path = tmp_path / "hetis-initial.yaml"
    path.write_text(cut, encoding="utf-8")
    programme, _ = services.load_programme(load_programme_file(path), cut)
    awarding.sync_achievements(programme)
    retired = db.session.scalar(sa.select(Achievement).where(Achievement.key == "hetis-initial/skill/B-PLAIDOYER"))
    assert retired.retired is True


def test_a_roster_save_queues_jobs_only_for_the_marks_it_changed(cohort):
    session = cohort.past[0]
    bruno = cohort.enrolments[1]
    present = {e.id: services.MarkInput("present") for e in cohort.enrolments}
    services.save_roster(session, present, cohort.trainer, session.roster_version)
    db.session.commit()
    db.session.execute(sa.delete(Job))
    db.session.commit()
    # The whole sheet sent again (as the roster page does), one mark changed: one trainee's badges may be due.
    changed = {**present, bruno.id: services.MarkInput("absent")}
    assert services.save_roster(session, changed, cohort.trainer, session.roster_version) == 1
    db.session.commit()
    assert [enrolment_id for _status, enrolment_id, _kind in _queued()] == [bruno.id]
