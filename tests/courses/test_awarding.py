"""Badges earned from the rules: issued on the event (just before the commit that made them due) and in batch,
idempotently, with text that names skills and nothing about a person."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from badges import keys, openbadges
from badges import services as badge_services
from badges.models import Achievement, Award, KeyKind
from core.db import db
from courses import awarding, services
from courses.models import Competency, Programme
from courses.programme_spec import PROGRAMMES_DIR, load_programme_file
from tests.courses.conftest import load_programme, placement_with_hours


@pytest.fixture
def issuer(app):
    issuer = keys.ensure_issuer("Institut de formation Démo", "https://formation.example.org", "f@example.org")
    for kind in KeyKind:
        keys.generate(issuer, kind)
    db.session.commit()
    return issuer


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


def test_a_module_badge_is_issued_on_the_event_once_the_module_is_over(issuer, cohort):
    # PROMO-TEST: M1, M1, M2, M2 in the past, M1, M1 to come: M2 is over, M1 is not.
    _validate(cohort, cohort.enrolment, _competencies(cohort.programme, "M1") + _competencies(cohort.programme, "M2"))
    db.session.commit()
    held = _keys_held(cohort.trainee)
    assert "hetis-initial/module/M2" in held
    assert "hetis-initial/module/M1" not in held  # its last sessions are still to come
    assert {"hetis-initial/skill/B-DEONTO", "hetis-initial/skill/B-LIEN"} <= held  # skills: as soon as validated
    assert "hetis-initial/programme" not in held
    assert _keys_held(cohort.trainees[1]) == set()


def test_a_module_badge_needs_every_required_competency_of_the_module(issuer, cohort):
    m2 = _competencies(cohort.programme, "M2")
    _validate(cohort, cohort.enrolment, [c for c in m2 if c.code != "C-M2-09"])
    db.session.commit()
    assert "hetis-initial/module/M2" not in _keys_held(cohort.trainee)
    _validate(cohort, cohort.enrolment, [c for c in m2 if c.code == "C-M2-09"])
    db.session.commit()
    assert "hetis-initial/module/M2" in _keys_held(cohort.trainee)


def test_no_module_badge_after_leaving_before_its_end(issuer, cohort):
    services.withdraw(cohort.enrolment, cohort.past[1].on)  # before the M2 sessions
    _validate(cohort, cohort.enrolment, _competencies(cohort.programme, "M2"))
    db.session.commit()
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
    assert "hetis-initial/programme" not in _keys_held(world.trainee)  # the final work is still pending
    services.record_final_work(world.enrolment, "passed")
    db.session.commit()
    held = _keys_held(world.trainee)
    assert {"hetis-initial/programme", "hetis-initial/module/M1", "hetis-initial/module/M2"} <= held
    award = next(a for a in badge_services.awards_of(world.trainee) if a.achievement.key.endswith("/programme"))
    assert award.context_ref == f"enrolment:{world.enrolment.id}"
    assert award.documents["ob3"]["fr"]["credentialSubject"]["achievement"]["achievementType"] == "Certificate"


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
    for field in ("verify_url", "ob2_assertion_url", "ob2_signed_url", "ob3_credential_url", "ob3_jwt_url",
                  "baked_png_url", "achievement", "status"):
        assert all(row[field] for row in rows), field


def test_badges_issued_after_the_fact_carry_the_date_they_were_earned(issuer, cohort):
    """issue_due(issued_at=…): a past promotion's badges are dated when earned, signed with that date, and a
    savepoint released meanwhile (each badge is added in one) never issues them at today's date first."""
    _validate(cohort, cohort.enrolment, _competencies(cohort.programme, "M2"))
    m2_end = cohort.past[-1].on
    earned_at = datetime.combine(m2_end, time(17, 0), tzinfo=UTC)
    issued = awarding.issue_due([cohort.cohort], m2_end, issued_at=earned_at)
    assert {a.achievement.key for a, _created in issued} >= {"hetis-initial/module/M2", "hetis-initial/skill/B-LIEN"}
    db.session.commit()  # the on-commit hook finds them held: nothing issued twice, nothing dated today
    awards = badge_services.awards_of(cohort.trainee)
    assert len(awards) == len(issued)
    for award in awards:
        assert award.issued_at == earned_at
        assert award.documents["ob3"]["fr"]["validFrom"].startswith(m2_end.isoformat())
        assert award.valid_until is None  # hetis-initial badges do not expire
    module = badge_services.achievement_by_key("hetis-initial/module/M2")
    again = badge_services.reissue(badge_services.active_award(cohort.trainee, module), now=earned_at)
    assert again.issued_at == earned_at and again.valid_until is None  # a re-issue keeps the original validity


def test_a_badge_that_cannot_be_issued_does_not_undo_what_was_saved(issuer, cohort, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(badge_services, "issue", broken)
    monkeypatch.setattr(badge_services, "issue_many", broken)
    competencies = _competencies(cohort.programme, "M2")
    with caplog.at_level(logging.ERROR, logger="courses.awarding"):
        _validate(cohort, cohort.enrolment, competencies)
        db.session.commit()
    assert "could not be issued" in caplog.text
    db.session.expire_all()
    validated = db.session.scalar(sa.text("SELECT count(*) FROM validation WHERE enrolment_id = :e"),
                                  {"e": cohort.enrolment.id})
    assert validated == len(competencies)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Award)) == 0


@pytest.mark.parametrize("code", ["hetis-initial", "umons-certificate"])
def test_badge_text_names_skills_only(issuer, code):
    programme = load_programme(PROGRAMMES_DIR / f"{code}.yaml")
    achievements = awarding.sync_achievements(programme)
    db.session.commit()
    kinds = [a.kind for a in achievements]
    assert kinds.count("programme") == 1 and "module" in kinds
    for achievement in achievements:
        for lang in ("fr", "en"):
            document = openbadges.ob3_achievement(badge_services._as_dataclass(achievement), lang)
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
