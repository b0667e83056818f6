"""The training body's documents (courses/documents.py): certificat de réalisation (hours = the eligibility engine's
attended hours for the same period, a property test), attestation d'assiduité, attestation de fin de formation,
convocation; each a tagged PDF signed by the training body; the CLI, the trainee's page, the cohort's ZIP job."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from cryptography import x509
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from core import jobs, pdf_signing
from core.db import db
from core.models import Job
from courses import documents, eligibility, facts, services
from courses.models import Attendance
from tests.core.signatures import assert_signed_by, assert_tampering_detected

NDA = "11 75 12345 75"


@pytest.fixture
def app_config(app_config):
    app_config["ORGANISATION_NAME"] = "Institut de formation Démo"
    app_config["ORGANISATION_NDA"] = NDA
    return app_config


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ").split())


def org_certificate() -> x509.Certificate:
    row = pdf_signing.active_certificate()
    assert row is not None
    return x509.load_pem_x509_certificate(row.certificate_pem.encode())


def mark_all(world, statuses):
    """Marks for the first trainee: one status (or (status, minutes)) per past session."""
    enrolment = world.enrolments[0]
    for session, status in zip(world.past, statuses, strict=True):
        status, minutes = status if isinstance(status, tuple) else (status, None)
        services.save_roster(session, {enrolment.id: services.MarkInput(status, minutes)}, world.trainer, None)
    db.session.commit()
    return enrolment


def test_the_certificat_de_realisation_says_the_ministry_model_facts_and_is_signed(app, cohort):
    # 4 past half-days of 180 min: present, late 120 min, absent, present → 480 min = 8 h attended.
    enrolment = mark_all(cohort, ["present", ("late", 120), "absent", "present"])
    data = documents.render(documents.REALISATION, enrolment, lang="fr")
    text = text_of(data)
    for expected in (
        "Certificat de réalisation",
        "Institut de formation Démo",
        NDA,
        "Alice Martin",
        "Action de formation",
        "8 heures",
    ):
        assert expected in text, expected
    assert "absent" not in text.lower()
    reader = PdfReader(io.BytesIO(data))
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged
    assert_signed_by(data, org_certificate())
    assert_tampering_detected(data, org_certificate())
    evaluation = eligibility.evaluate_enrolment(enrolment, cohort.cohort.ends_on)
    assert evaluation.programme.attended_minutes == 480


def test_a_period_counts_only_its_sessions_and_a_bad_period_is_refused(app, cohort):
    enrolment = mark_all(cohort, ["present", ("late", 120), "absent", "present"])
    # Only the first two sessions: 180 + 120 = 300 min.
    period = documents.period_for(cohort.cohort, cohort.past[0].on, cohort.past[1].on)
    assert documents.hours(enrolment, period).attended_minutes == 300
    assert "5 heures" in text_of(documents.render(documents.REALISATION, enrolment, period))
    with pytest.raises(documents.DocumentError, match="on or before"):
        documents.period_for(cohort.cohort, cohort.past[1].on, cohort.past[0].on)
    with pytest.raises(documents.DocumentError, match="outside"):
        documents.period_for(cohort.cohort, date(2000, 1, 1), date(2000, 2, 1))


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    marks=st.lists(
        st.one_of(
            st.sampled_from(["present", "absent", "excused", None]),
            st.tuples(st.sampled_from(["late", "left_early"]), st.integers(min_value=0, max_value=180)),
        ),
        min_size=4,
        max_size=4,
    ),
    bounds=st.tuples(st.integers(min_value=-40, max_value=10), st.integers(min_value=0, max_value=45)),
)
def test_property_realisation_hours_equal_the_engines_attended_hours_for_the_same_period(app, cohort, marks, bounds):
    enrolment = cohort.enrolments[0]
    db.session.execute(sa.delete(Attendance).where(Attendance.enrolment_id == enrolment.id))
    facts.changed([cohort.cohort.id])  # a write past the flush says so (courses.facts): evaluations are remembered
    db.session.commit()
    for session, mark in zip(cohort.past, marks, strict=True):
        status, minutes = mark if isinstance(mark, tuple) else (mark, None)
        if status is not None:
            services.save_roster(session, {enrolment.id: services.MarkInput(status, minutes)}, cohort.trainer, None)
    db.session.commit()
    start = cohort.cohort.starts_on + timedelta(days=bounds[0] + 10)
    end = start + timedelta(days=bounds[1])
    try:
        period = documents.period_for(cohort.cohort, start, end)
    except documents.DocumentError:
        return
    content = documents.hours(enrolment, period)
    # The engine: attended minutes of the sessions held up to the period's end, minus those up to the day before.
    engine = eligibility.evaluate_enrolment(enrolment, period.end).programme.attended_minutes
    engine -= eligibility.evaluate_enrolment(enrolment, period.start - timedelta(days=1)).programme.attended_minutes
    # An oracle written apart: each session of the period, with what its mark gives.
    oracle = 0
    for session, mark in zip(cohort.past, marks, strict=True):
        if period.start <= session.on <= period.end:
            status, minutes = mark if isinstance(mark, tuple) else (mark, None)
            oracle += {"present": 180, "late": minutes, "left_early": minutes}.get(status, 0) or 0
    assert content.attended_minutes == engine == oracle
    assert sum(m.attended_minutes for m in content.modules) == content.attended_minutes
    if period == documents.Period(cohort.cohort.starts_on, cohort.cohort.ends_on):
        assert content.attended_minutes == eligibility.evaluate_enrolment(enrolment).programme.attended_minutes


def test_attendance_completion_and_convocation_say_their_facts(app, cohort):
    enrolment = mark_all(cohort, ["present", "present", ("left_early", 90), "absent"])
    attendance = text_of(documents.render(documents.ATTENDANCE, enrolment))
    assert "M1" in attendance and "M2" in attendance
    assert "6 heures" in attendance and "1 h 30" in attendance  # M1: 360 min attended; M2: 90 min attended
    completion = text_of(documents.render(documents.COMPLETION, enrolment))
    assert "Exercer comme travailleur" in completion  # objectives from the programme's documents: block
    convocation_data = documents.render(documents.CONVOCATION, enrolment)
    convocation = text_of(convocation_data)
    for expected in ("Convocation", "De quoi écrire", "Claire Fictive", "Référent·e handicap", "Noël Exemple"):
        assert expected in convocation, expected
    for data in (convocation_data,):
        assert_signed_by(data, org_certificate())


def test_the_cli_writes_one_signed_realisation_per_trainee(app, cohort, runner, tmp_path):
    mark_all(cohort, ["present", "present", "present", "present"])
    out = tmp_path / "out"
    result = runner.invoke(args=["documents", "realisation", "PROMO-TEST", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "alice@example.org.pdf",
        "bruno@example.org.pdf",
        "chloe@example.org.pdf",
    ]
    alice = (out / "alice@example.org.pdf").read_bytes()
    assert "12 heures" in text_of(alice)
    assert_signed_by(alice, org_certificate())
    first, second = cohort.past[0].on.isoformat(), cohort.past[1].on.isoformat()
    result = runner.invoke(
        args=["documents", "realisation", "PROMO-TEST", "--out", str(out), "--from", first, "--to", second]
    )
    assert result.exit_code == 0 and "6 heures" in text_of((out / "alice@example.org.pdf").read_bytes())
    bad = runner.invoke(
        args=["documents", "realisation", "PROMO-TEST", "--out", str(out), "--from", second, "--to", first]
    )
    assert bad.exit_code != 0 and "on or before" in bad.output
    assert runner.invoke(args=["documents", "realisation", "NOPE", "--out", str(out)]).exit_code != 0


def test_the_trainee_finds_hers_and_only_hers(app, cohort, client_for):
    alice, bruno = cohort.trainees[0], cohort.trainees[1]
    client = client_for(alice)
    page = client.get("/my/documents").get_data(as_text=True)
    assert "Certificat de réalisation" in page and "Convocation" in page
    home = client.get("/").get_data(as_text=True)
    assert "/my/documents" in home
    own = client.get(f"/enrolments/{cohort.enrolments[0].uuid}/documents/realisation.pdf")
    assert own.status_code == 200 and own.mimetype == "application/pdf"
    assert client.get(f"/enrolments/{cohort.enrolments[1].uuid}/documents/realisation.pdf").status_code == 403
    assert client.get(f"/enrolments/{cohort.enrolments[0].uuid}/documents/nope.pdf").status_code == 404
    bad = client.get(f"/enrolments/{cohort.enrolments[0].uuid}/documents/realisation.pdf?from=2000-01-01&to=2000-02-01")
    assert bad.status_code == 400 and "hors de la formation" in bad.get_data(as_text=True)
    assert bruno.email not in page


def test_the_coordinator_downloads_a_cohorts_documents_as_a_zip_job(app, cohort, client_for, create_user):
    mark_all(cohort, ["present", "present", "present", "present"])
    staff = client_for(cohort.trainer)
    detail = staff.get(f"/enrolments/{cohort.enrolments[0].uuid}").get_data(as_text=True)
    assert f"/enrolments/{cohort.enrolments[0].uuid}/documents/realisation.pdf" in detail
    one = staff.get(f"/enrolments/{cohort.enrolments[0].uuid}/documents/convocation.pdf")
    assert one.status_code == 200 and "Convocation" in text_of(one.data)
    page = staff.get(f"/cohorts/{cohort.cohort.uuid}/documents")
    assert page.status_code == 200 and "Alice Martin" in page.get_data(as_text=True)
    refused = staff.post(
        f"/cohorts/{cohort.cohort.uuid}/documents",
        data={"kind": "realisation", "start": "2000-01-01", "end": "2000-02-01", "lang": "fr"},
    )
    zips = sa.select(sa.func.count()).select_from(Job).where(Job.kind == "documents-zip")
    assert refused.status_code == 400 and db.session.scalar(zips) == 0
    assert "hors de la formation" in refused.get_data(as_text=True)
    response = staff.post(f"/cohorts/{cohort.cohort.uuid}/documents", data={"kind": "realisation", "lang": "fr"})
    assert response.status_code == 302 and db.session.scalar(zips) == 1
    jobs.run_pending()
    job = db.session.scalar(sa.select(Job).where(Job.kind == "documents-zip"))
    assert job.status == "done", job.error
    status = staff.get(f"/jobs/{job.uuid}/status").json
    with staff.get(status["download_url"]) as download:
        archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert sorted(archive.namelist()) == ["alice@example.org.pdf", "bruno@example.org.pdf", "chloe@example.org.pdf"]
    alice = archive.read("alice@example.org.pdf")
    assert "12 heures" in text_of(alice)
    assert_signed_by(alice, org_certificate())
    stranger = create_user(roles=("trainer",), email="other.trainer@example.org")
    assert client_for(stranger).get(f"/cohorts/{cohort.cohort.uuid}/documents").status_code == 403


def test_belgian_wording(app, cohort):
    app.config["ORGANISATION_COUNTRY"] = "BE"
    enrolment = mark_all(cohort, ["present", "present", "present", "present"])
    text = text_of(documents.render(documents.REALISATION, enrolment))
    assert "Attestation de participation" in text and "Certificat de réalisation" not in text
    assert "agrément" in text and not re.search(r"nature de l.action", text, re.I)


def test_the_demos_finished_promotion_gets_its_certificats_de_realisation(app, demo, runner, tmp_path):
    from courses.models import Cohort, Enrolment

    assert "pdf" in demo  # the demo made the organisation certificate with the badge keys
    cohort = db.session.scalar(sa.select(Cohort).where(Cohort.code == "DEMO-2025-26"))
    expected = db.session.scalar(
        sa.select(sa.func.count()).select_from(Enrolment).where(Enrolment.cohort_id == cohort.id)
    )
    out = tmp_path / "demo"
    result = runner.invoke(args=["documents", "realisation", "DEMO-2025-26", "--out", str(out)])
    assert result.exit_code == 0, result.output
    files = sorted(out.iterdir())
    assert len(files) == expected > 0
    first = files[0].read_bytes()
    assert_signed_by(first, org_certificate())
    enrolment = db.session.scalar(
        sa.select(Enrolment)
        .join(Enrolment.user)
        .where(Enrolment.cohort_id == cohort.id)
        .where(sa.literal_column("user_account.email") == files[0].name.removesuffix(".pdf"))
    )
    minutes = eligibility.evaluate_enrolment(enrolment, cohort.ends_on).programme.attended_minutes
    hours, rest = divmod(minutes, 60)
    shown = f"{hours} h {rest:02d}" if rest else f"{hours} heure"
    assert shown in text_of(first)


def test_a_cohorts_own_convocation_details_come_first_and_the_programmes_are_the_default(
    app, cohort, client_for, admin
):
    enrolment = cohort.enrolments[0]
    before = text_of(documents.render(documents.CONVOCATION, enrolment))
    assert "De quoi écrire" in before and "02 000 00 00" in before and "Noël Exemple" in before
    coordinator = client_for(admin)
    page = f"/cohorts/{cohort.cohort.uuid}/convocation"
    assert coordinator.get(page).status_code == 200
    too_long = coordinator.post(page, data={"place": "Liège", "what_to_bring": "x" * 501})
    assert too_long.status_code == 422 and "500" in too_long.get_data(as_text=True)
    db.session.expire_all()
    assert cohort.cohort.place is None and cohort.cohort.what_to_bring is None  # refused: nothing changed
    saved = coordinator.post(
        page,
        data={
            "place": "  Maison des associations,   Liège ",
            "what_to_bring": "Une pièce d'identité",
            "convocation_contact": "Jeanne Liégeoise, 04 000 00 00",
            "accessibility_referent": "",
        },
    )
    assert saved.status_code == 302
    db.session.expire_all()
    after = text_of(documents.render(documents.CONVOCATION, enrolment))
    for expected in ("Maison des associations, Liège", "Une pièce d'identité", "Jeanne Liégeoise"):
        assert expected in after, expected
    assert "De quoi écrire" not in after and "02 000 00 00" not in after
    assert "Noël Exemple" in after  # left empty: the programme's disability referent
    assert client_for(cohort.trainer).get(page).status_code == 403
