"""Retention of evidence files: ``tremplin privacy purge`` deletes them ``EVIDENCE_RETENTION_DAYS`` after the
end of their cohort (a dry run unless ``--apply``), keeps the validations, and says so in the audit log."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core.db import db
from core.models import AuditEntry
from core.storage import storage
from courses import services
from courses.models import Competency, EvidenceFile, Validation
from tests.conftest import stored_evidence
from tests.courses.conftest import tiny_png

PDF = b"%PDF-1.4\n% piece anonymisee\n%%EOF\n"


@pytest.fixture
def evidence_root(app, tmp_path):
    app.config["EVIDENCE_RETENTION_DAYS"] = 365
    return storage()


def _validate(world, code: str, data: bytes) -> EvidenceFile:
    competency = db.session.scalar(
        sa.select(Competency).where(Competency.programme_id == world.programme.id, Competency.code == code)
    )
    validation = services.validate_competency(
        world.enrolment, competency, world.trainer, "E-ANALYSE", date.today() - timedelta(days=1), file=("p.pdf", data)
    )
    db.session.commit()
    return validation.evidence_file


def _ended(world, days_ago: int) -> None:
    world.cohort.ends_on = date.today() - timedelta(days=days_ago)
    world.cohort.starts_on = world.cohort.ends_on - timedelta(days=150)
    db.session.commit()


@pytest.fixture
def old_and_recent(build_cohort, evidence_root):
    """Two cohorts: one ended 400 days ago (past the 365-day retention), one ended 100 days ago."""
    old = build_cohort("OLD-PROMO", trainees=1, email_prefix="old")
    recent = build_cohort("RECENT-PROMO", trainees=1, email_prefix="recent")
    old_file = _validate(old, "C-M1-01", PDF + b"old")
    recent_file = _validate(recent, "C-M1-01", tiny_png())
    _ended(old, 400)
    _ended(recent, 100)
    return old, recent, old_file, recent_file


def test_purge_is_a_dry_run_by_default(runner, old_and_recent):
    _old, _recent, old_file, _recent_file = old_and_recent
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "Would delete 1 evidence files" in result.output and "OLD-PROMO" in result.output
    assert "RECENT-PROMO" not in result.output and "p.pdf" not in result.output  # never a file's name
    assert "Dry run" in result.output
    assert stored_evidence(old_file.sha256).exists()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) == 2
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "privacy.purged")) is None


def test_purge_apply_deletes_old_evidence_keeps_validations_and_is_audited(runner, old_and_recent):
    old, _recent, old_file, recent_file = old_and_recent
    old_path, recent_path = stored_evidence(old_file.sha256), stored_evidence(recent_file.sha256)
    old_uuid = str(old_file.uuid)
    result = runner.invoke(args=["privacy", "purge", "--apply"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 evidence files" in result.output
    db.session.expire_all()
    assert not old_path.exists() and recent_path.exists()
    remaining = db.session.scalars(sa.select(EvidenceFile)).all()
    assert [f.id for f in remaining] == [recent_file.id]
    validation = db.session.scalar(sa.select(Validation).where(Validation.enrolment_id == old.enrolment.id))
    assert validation is not None and validation.evidence_type == "E-ANALYSE" and validation.evidence_file is None
    purged = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "privacy.purged"))
    assert purged.details == {"count": 1, "bytes": len(PDF + b"old")} and purged.actor_label == "cli"
    deleted = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "delete", AuditEntry.object_type == "evidence_file")
    )
    assert deleted.object_id == old_uuid
    again = runner.invoke(args=["privacy", "purge", "--apply"])
    assert "Deleted 0 evidence files" in again.output


def test_a_file_shared_with_a_recent_cohort_stays_on_disk(runner, build_cohort, evidence_root):
    old = build_cohort("OLD-PROMO", trainees=1, email_prefix="old")
    recent = build_cohort("RECENT-PROMO", trainees=1, email_prefix="recent")
    shared = PDF + b"same bytes"
    old_file, recent_file = _validate(old, "C-M1-01", shared), _validate(recent, "C-M1-01", shared)
    assert old_file.sha256 == recent_file.sha256
    _ended(old, 400)
    assert runner.invoke(args=["privacy", "purge", "--apply"]).exit_code == 0
    assert stored_evidence(shared_digest := recent_file.sha256).exists()
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(EvidenceFile).where(EvidenceFile.sha256 == shared_digest)
        )
        == 1
    )


def test_no_retention_set_keeps_everything(app, runner, old_and_recent):
    app.config["EVIDENCE_RETENTION_DAYS"] = 0
    result = runner.invoke(args=["privacy", "purge", "--apply"])
    assert result.exit_code == 0 and "Retention not set" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) == 2


def test_a_failed_purge_deletes_no_file(app, runner, old_and_recent, monkeypatch):
    """The rows go with the transaction; the files only once it has committed."""
    _old, _recent, old_file, _recent_file = old_and_recent
    from core import audit

    def broken(*_args, **_kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(audit, "record", broken)
    result = runner.invoke(args=["privacy", "purge", "--apply"])
    assert result.exit_code != 0
    assert stored_evidence(old_file.sha256).exists()
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) == 2
