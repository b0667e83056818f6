"""Evidence files shared by content hash (issue 14, finding 8): erasing the last record of a content while the same
content is attached again never leaves a record pointing at a missing file. The two operations are interleaved
by hand: the second one runs, in a request of its own (another app context, so another session), at the exact
point of the first where the race bites."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core.db import db
from core.models import User
from core.privacy import services as privacy
from core.storage import storage
from courses import evidence_store, services
from courses.models import Competency, EvidenceFile, Validation
from tests.conftest import stored_evidence

PDF = b"%PDF-1.4\n% la meme piece, deux fois\n%%EOF\n"
YESTERDAY = date.today() - timedelta(days=1)


@pytest.fixture
def evidence_root(app, tmp_path):
    return storage()


def _validation(world, code: str = "C-M1-01") -> Validation:
    """A committed validation without evidence, for ``world``'s first trainee."""
    competency = db.session.scalar(
        sa.select(Competency).where(Competency.programme_id == world.programme.id, Competency.code == code)
    )
    validation = services.validate_competency(world.enrolment, competency, world.trainer, "E-ANALYSE", YESTERDAY)
    db.session.commit()
    return validation


def _erase_in_another_request(app, user_id: int) -> None:
    with app.app_context():
        privacy.erase(db.session.get(User, user_id))
        db.session.commit()


def _attach_in_another_request(app, validation_id: int, data: bytes) -> None:
    with app.app_context():
        services.attach_evidence(db.session.get(Validation, validation_id), "piece.pdf", data)
        db.session.commit()


@pytest.fixture
def two_trainees(build_cohort, evidence_root):
    """Anna (cohort A) has a PDF as evidence; Bilal (cohort B) has a validation waiting for the same bytes."""
    anna = build_cohort("PROMO-ANNA", trainees=1, email_prefix="anna")
    bilal = build_cohort("PROMO-BILAL", trainees=1, email_prefix="bilal")
    services.attach_evidence(_validation(anna), "piece.pdf", PDF)
    db.session.commit()
    return anna, bilal, _validation(bilal)


def test_an_erasure_committed_while_the_same_content_is_attached_keeps_the_file(
    app, two_trainees, client_for, monkeypatch
):
    anna, bilal, waiting = two_trainees
    path = stored_evidence(db.session.scalar(sa.select(EvidenceFile.sha256)))
    real_secure_filename = services.secure_filename

    def erase_anna_now(name: str) -> str:
        # Bilal's attachment has found the file on disk and skipped the write; its record is not committed yet.
        assert path.exists()
        _erase_in_another_request(app, anna.trainee.id)
        return real_secure_filename(name)

    monkeypatch.setattr(services, "secure_filename", erase_anna_now)
    record = services.attach_evidence(waiting, "piece.pdf", PDF)
    db.session.commit()
    monkeypatch.undo()

    db.session.expire_all()
    assert db.session.scalars(sa.select(EvidenceFile.id)).all() == [record.id]  # Anna's record is gone
    assert path.read_bytes() == PDF  # Bilal's record has its file
    with client_for(bilal.trainer).get(f"/evidence/{record.uuid}") as response:
        assert response.status_code == 200 and response.data == PDF
    assert path.siblings() == [path.key]  # nothing left aside


def test_an_attachment_committed_between_the_erasures_check_and_removal_keeps_the_file(app, two_trainees, monkeypatch):
    anna, _bilal, waiting = two_trainees
    path = stored_evidence(db.session.scalar(sa.select(EvidenceFile.sha256)))
    real_check = evidence_store.is_referenced
    waiting_id, anna_id = waiting.id, anna.trainee.id  # read now: the hook runs after the commit
    calls = []

    def check_then_attach(engine, sha256: str) -> bool:
        answer = real_check(engine, sha256)  # no record refers to the hash: the file will be removed…
        calls.append(answer)
        _attach_in_another_request(app, waiting_id, PDF)  # …but Bilal attaches the same bytes and commits first
        return answer

    monkeypatch.setattr(evidence_store, "is_referenced", check_then_attach)
    privacy.erase(db.session.get(User, anna_id))
    db.session.commit()
    monkeypatch.undo()

    assert calls == [False]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) == 1
    assert path.read_bytes() == PDF
    assert path.siblings() == [path.key]


def test_an_attachment_committed_before_the_erasures_check_keeps_the_file(app, two_trainees, monkeypatch):
    anna, _bilal, waiting = two_trainees
    path = stored_evidence(db.session.scalar(sa.select(EvidenceFile.sha256)))
    real_check = evidence_store.is_referenced
    waiting_id, anna_id = waiting.id, anna.trainee.id  # read now: the hook runs after the commit

    def attach_then_check(engine, sha256: str) -> bool:
        assert not path.exists()  # moved aside while the check runs
        _attach_in_another_request(app, waiting_id, PDF)
        return real_check(engine, sha256)

    monkeypatch.setattr(evidence_store, "is_referenced", attach_then_check)
    privacy.erase(db.session.get(User, anna_id))
    db.session.commit()
    monkeypatch.undo()
    assert path.read_bytes() == PDF
    assert path.siblings() == [path.key]


def test_the_last_record_erased_removes_the_file_and_a_shared_one_stays(app, two_trainees):
    anna, bilal, waiting = two_trainees
    path = stored_evidence(db.session.scalar(sa.select(EvidenceFile.sha256)))
    services.attach_evidence(waiting, "piece.pdf", PDF)
    db.session.commit()
    privacy.erase(db.session.get(User, anna.trainee.id))
    db.session.commit()
    assert path.read_bytes() == PDF  # Bilal's record still uses it
    privacy.erase(db.session.get(User, bilal.trainee.id))
    db.session.commit()
    assert not path.exists() and path.siblings() == []


def test_a_rolled_back_attachment_leaves_no_file_behind(app, build_cohort, evidence_root):
    world = build_cohort("PROMO-ROLLBACK", trainees=1)
    validation = _validation(world)
    services.attach_evidence(validation, "piece.pdf", PDF + b"unique")
    path = stored_evidence(db.session.scalar(sa.select(EvidenceFile.sha256)))
    assert path.exists()
    db.session.rollback()
    assert not path.exists()
    # A rolled-back attachment of content that was already there leaves that file alone.
    services.attach_evidence(validation, "piece.pdf", PDF)
    db.session.commit()
    path = stored_evidence(db.session.scalar(sa.select(EvidenceFile.sha256)))
    other = build_cohort("PROMO-ROLLBACK-2", trainees=1, email_prefix="other")
    services.attach_evidence(_validation(other), "piece.pdf", PDF)
    db.session.rollback()
    assert path.read_bytes() == PDF
