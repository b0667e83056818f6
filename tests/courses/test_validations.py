"""Competency validations with their evidence files, withdrawal, co-validation, and the jury's final work."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from core.db import db
from core.models import AuditEntry
from core.storage import storage
from courses import eligibility, services
from courses.evidence_store import evidence_key
from courses.models import Competency, EvidenceFile, TrainerKind, Validation
from courses.programme_spec import EVIDENCE_TYPES
from tests.courses.conftest import HETIS, count, load_programme, programme_variant, tiny_png

TODAY = date.today()


def form(code: str = "C-M1-01", **fields) -> dict:
    return {
        "competency": code,
        "evidence_type": "E-ANALYSE",
        "validated_on": (TODAY - timedelta(days=1)).isoformat(),
        "comment": "Analyse de situation claire et nuancée",
    } | fields


def validated(enrolment) -> int:
    db.session.expire_all()
    return eligibility.evaluate_enrolment(enrolment).competencies_validated


def stored_files() -> list[str]:
    """The keys of the evidence files in the app's storage (each test's app has a storage of its own: a folder, or
    a prefix of the S3 bucket in the PostgreSQL pass)."""
    return storage().list("evidence/")


def test_a_trainer_of_the_cohort_validates_a_competency(client_for, cohort):
    enrolment = cohort.enrolment
    assert validated(enrolment) == 0
    response = client_for(cohort.trainer).post(f"/enrolments/{enrolment.uuid}/validations", data=form())
    assert response.status_code == 302
    validation = db.session.scalar(db.select(Validation))
    assert (validation.enrolment_id, validation.competency.code, validation.validator_id) == (
        enrolment.id,
        "C-M1-01",
        cohort.trainer.id,
    )
    assert (validation.evidence_type, validation.validated_on, validation.comment) == (
        "E-ANALYSE",
        TODAY - timedelta(days=1),
        "Analyse de situation claire et nuancée",
    )
    assert validation.evidence_file is None
    assert validated(enrolment) == 1
    # the same trainer cannot validate it twice
    again = client_for(cohort.trainer).post(f"/enrolments/{enrolment.uuid}/validations", data=form())
    assert again.status_code == 422 and count(Validation) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"validated_on": (TODAY + timedelta(days=1)).isoformat()},
        {"evidence_type": "E-INCONNU"},
        {"competency": "C-M9-99"},
        {"competency": ""},
    ],
    ids=["future date", "unknown evidence", "unknown competency", "no competency"],
)
def test_a_bad_validation_is_refused(client_for, cohort, fields):
    response = client_for(cohort.trainer).post(f"/enrolments/{cohort.enrolment.uuid}/validations", data=form(**fields))
    assert response.status_code == 422
    assert count(Validation) == 0


def upload(client, enrolment, data: bytes, filename: str, **fields):
    """POST the validation form with a file. The body is encoded here, in memory: for large bodies Werkzeug's
    test builder spools to a temporary file it never closes (a ResourceWarning, an error in this suite)."""
    values = form(**fields) | {"csrf_token": client.csrf_token(), "file": FileStorage(io.BytesIO(data), filename)}
    boundary, body = encode_multipart(values)
    return client.post(
        f"/enrolments/{enrolment.uuid}/validations",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_an_evidence_file_is_stored_and_downloaded_by_the_trainee_and_the_staff(client_for, cohort, admin):
    png = tiny_png()
    response = upload(client_for(cohort.trainer), cohort.enrolment, png, "grille d'observation.PNG")
    assert response.status_code == 302
    record = db.session.scalar(db.select(EvidenceFile))
    assert (record.content_type, record.size, record.filename) == ("image/png", len(png), "grille_dobservation.png")
    assert stored_files() == [evidence_key(record.sha256)]
    assert storage().read_bytes(evidence_key(record.sha256)) == png

    for person in (cohort.trainee, cohort.trainer, admin):
        with client_for(person).get(f"/evidence/{record.uuid}") as download:
            assert download.status_code == 200, person.email
            assert download.data == png
            assert download.mimetype == "image/png"
            disposition = download.headers["Content-Disposition"]
            assert disposition.startswith("attachment") and "grille_dobservation.png" in disposition
            assert "sandbox" in download.headers["Content-Security-Policy"]
            assert download.headers["X-Content-Type-Options"] == "nosniff"
    # and nobody else
    assert client_for(cohort.trainees[1]).get(f"/evidence/{record.uuid}").status_code == 403


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"<!doctype html><html><script>alert(1)</script></html>", "attestation.pdf"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64, "attestation.pdf"),
        (b"GIF89a\x01\x00\x01\x00" + b"\x00" * 32, "photo.png"),
        (b"", "vide.pdf"),
    ],
    ids=["html named pdf", "exe named pdf", "gif named png", "empty"],
)
def test_a_file_that_is_not_pdf_png_or_jpeg_is_refused(client_for, cohort, data, filename):
    response = upload(client_for(cohort.trainer), cohort.enrolment, data, filename)
    assert response.status_code == 422
    assert count(Validation) == 0 and count(EvidenceFile) == 0
    assert stored_files() == []
    assert validated(cohort.enrolment) == 0


def test_a_file_over_5_mb_is_refused(client_for, cohort):
    big = b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024)
    response = upload(client_for(cohort.trainer), cohort.enrolment, big, "gros.pdf")
    assert response.status_code == 422
    assert count(Validation) == 0 and count(EvidenceFile) == 0
    assert stored_files() == []
    # exactly 5 MB is accepted
    just = b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024 - 9)
    assert upload(client_for(cohort.trainer), cohort.enrolment, just, "juste.pdf").status_code == 302
    assert db.session.scalar(db.select(EvidenceFile.size)) == 5 * 1024 * 1024


def test_withdrawing_a_validation_is_audited_and_it_no_longer_counts(client_for, cohort):
    client = client_for(cohort.trainer)
    assert client.post(f"/enrolments/{cohort.enrolment.uuid}/validations", data=form()).status_code == 302
    validation = db.session.scalar(db.select(Validation))
    assert validated(cohort.enrolment) == 1

    assert client.post(f"/validations/{validation.uuid}/withdraw").status_code == 302
    db.session.expire_all()
    validation = db.session.get(Validation, validation.id)
    assert validation.withdrawn_at is not None and validation.withdrawn_by_id == cohort.trainer.id
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "validation.withdrawn")).all()
    assert [(e.object_type, e.object_id, e.actor_id) for e in entries] == [
        ("validation", str(validation.uuid), cohort.trainer.id)
    ]
    assert validated(cohort.enrolment) == 0
    assert count(Validation) == 1  # kept in the history

    # a second withdrawal changes nothing; validating again is possible
    client.post(f"/validations/{validation.uuid}/withdraw")
    assert db.session.scalar(db.select(db.func.count()).where(AuditEntry.action == "validation.withdrawn")) == 1
    assert client.post(f"/enrolments/{cohort.enrolment.uuid}/validations", data=form()).status_code == 302
    assert validated(cohort.enrolment) == 1


@pytest.fixture
def co_validated(build_cohort, make_trainer, tmp_path):
    """A cohort of a hetis-initial variant with ``co_validation: true``: a professional trainer (the cohort's),
    another professional and a peer trainer."""
    programme = load_programme(programme_variant(tmp_path, "hetis-covalid", co_validation="true"))
    assert programme.rules["co_validation"] is True
    world = build_cohort("COVALID", programme=programme, trainees=1)
    colleague = make_trainer(email="pro2@example.org", legal_name="Deuxième Professionnelle")
    peer = make_trainer(email="paire@example.org", legal_name="Formatrice Paire")
    services.add_trainer(world.cohort, colleague, TrainerKind.PROFESSIONAL)
    services.add_trainer(world.cohort, peer, TrainerKind.PEER)
    db.session.commit()
    return world, colleague, peer


def test_with_co_validation_one_validation_is_not_enough(client_for, co_validated):
    world, colleague, peer = co_validated
    url = f"/enrolments/{world.enrolment.uuid}/validations"
    assert client_for(world.trainer).post(url, data=form()).status_code == 302
    assert validated(world.enrolment) == 0
    # two professionals: still not enough, a peer trainer must be one of them
    assert client_for(colleague).post(url, data=form()).status_code == 302
    assert validated(world.enrolment) == 0
    assert client_for(peer).post(url, data=form()).status_code == 302
    assert validated(world.enrolment) == 1
    # the peer's validation withdrawn: back to not validated
    peer_validation = db.session.scalar(db.select(Validation).where(Validation.validator_id == peer.id))
    assert client_for(peer).post(f"/validations/{peer_validation.uuid}/withdraw").status_code == 302
    assert validated(world.enrolment) == 0


def test_with_co_validation_a_peer_and_a_professional_suffice(client_for, co_validated):
    world, _, peer = co_validated
    url = f"/enrolments/{world.enrolment.uuid}/validations"
    assert client_for(peer).post(url, data=form("C-M2-01")).status_code == 302
    assert validated(world.enrolment) == 0
    assert client_for(world.trainer).post(url, data=form("C-M2-01")).status_code == 302
    assert validated(world.enrolment) == 1
    result = eligibility.evaluate_enrolment(world.enrolment)
    assert "C-M2-01" not in result.missing_competencies


def test_the_jury_result_is_recorded_by_a_coordinator(client_for, admin, cohort):
    enrolment = cohort.enrolment
    assert (
        client_for(cohort.trainer)
        .post(f"/enrolments/{enrolment.uuid}/final-work", data={"result": "passed"})
        .status_code
        == 403
    )
    db.session.expire_all()
    assert enrolment.final_work == "pending" and enrolment.final_work_recorded_at is None

    client = client_for(admin)
    assert client.post(f"/enrolments/{enrolment.uuid}/final-work", data={"result": "brilliant"}).status_code == 422
    db.session.expire_all()
    assert enrolment.final_work == "pending"

    assert client.post(f"/enrolments/{enrolment.uuid}/final-work", data={"result": "passed"}).status_code == 302
    db.session.expire_all()
    assert enrolment.final_work == "passed" and enrolment.final_work_recorded_at is not None
    assert eligibility.evaluate_enrolment(enrolment).final_work_met


def test_a_competency_of_another_programme_cannot_be_validated(cohort, tmp_path):
    other = load_programme(programme_variant(tmp_path, "hetis-autre", co_validation="true"))
    foreign = db.session.scalar(
        db.select(Competency).where(Competency.programme_id == other.id, Competency.code == "C-M1-01")
    )
    with pytest.raises(services.ServiceError):
        services.validate_competency(cohort.enrolment, foreign, cohort.trainer, "E-ANALYSE", TODAY)


def test_a_competency_without_evidence_types_offers_every_type_on_the_validation_form(
    build_cohort, client_for, tmp_path
):
    """The minimal competency ``{code, title, description}``: evidence types default to all of them."""
    text = HETIS.read_text(encoding="utf-8").replace("id: hetis-initial", "id: hetis-minimal", 1)
    listed = "        evidence: [E-ANALYSE, E-TUTEUR]\n"  # C-M1-01's, the first of the file
    assert text.index(listed) < text.index("- code: C-M1-02")
    path = tmp_path / "hetis-minimal.yaml"
    path.write_text(text.replace(listed, "", 1), encoding="utf-8")
    programme = load_programme(path)
    competency = db.session.scalar(
        db.select(Competency).where(Competency.programme_id == programme.id, Competency.code == "C-M1-01")
    )
    assert competency.evidence_types == list(EVIDENCE_TYPES)
    world = build_cohort("MINIMAL", programme=programme, trainees=1)
    client = client_for(world.trainer)
    page = client.get(f"/enrolments/{world.enrolments[0].uuid}")
    assert page.status_code == 200
    offered = re.findall(
        r'<option[^>]*value="(E-[A-Z]+)"', page.get_data(as_text=True).split('name="evidence_type"', 1)[1]
    )
    assert offered == list(EVIDENCE_TYPES)
    # …and any of them validates it.
    response = client.post(
        f"/enrolments/{world.enrolments[0].uuid}/validations", data=form("C-M1-01", evidence_type="E-RECIT")
    )
    assert response.status_code == 302
    assert db.session.scalar(db.select(Validation)).evidence_type == "E-RECIT"
