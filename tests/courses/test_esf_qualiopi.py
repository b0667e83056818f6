"""ESF+ participant indicators (consent, only for ESF+ programmes, per participant for coordinators, aggregates
for funders, privacy export and erasure) and the Qualiopi evidence index with its ZIP."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from core import jobs
from core.db import db
from core.models import Job
from core.privacy import services as privacy
from courses import esf, qualiopi, satisfaction
from courses.models import Enrolment, EsfParticipant, Module
from tests.courses.conftest import HETIS, count, load_programme


@pytest.fixture
def esf_world(build_cohort, tmp_path: Path):
    """A cohort of a copy of hetis-initial funded by the ESF+, with 6 trainees."""
    text = HETIS.read_text(encoding="utf-8").replace("id: hetis-initial", "id: hetis-esf", 1)
    text = text.replace('  nsf: "332"\n', '  nsf: "332"\n  esf_plus: true\n', 1)
    path = tmp_path / "hetis-esf.yaml"
    path.write_text(text, encoding="utf-8")
    programme = load_programme(path)
    db.session.commit()
    assert programme.funding == {"nsf": "332", "esf_plus": True}
    return build_cohort("ESF-1", trainees=6, programme=programme)


FULL = {"consent": "y", "age_band": "30_54", "sex": "female", "labour_status": "unemployed", "isced": "isced_3_4"}


def test_the_coordinator_records_the_indicators_with_consent(app, client, login_as, esf_world):
    login_as("admin")
    url = f"/enrolments/{esf_world.enrolment.uuid}/esf"
    page = client.get(f"/enrolments/{esf_world.enrolment.uuid}/funding").get_data(as_text=True)
    assert "isced_3_4" in page
    assert client.post(url, data=FULL).status_code == 302
    record = db.session.scalar(sa.select(EsfParticipant))
    assert (record.age_band, record.sex, record.labour_status, record.isced) == (
        "30_54",
        "female",
        "unemployed",
        "isced_3_4",
    )
    assert record.consent_at is not None and record.recorded_by_id is not None
    # Withdrawing consent deletes the record.
    assert client.post(url, data={}).status_code == 302
    assert count(EsfParticipant) == 0


def test_without_consent_or_with_a_bad_value_nothing_is_written(app, client, login_as, esf_world):
    login_as("admin")
    url = f"/enrolments/{esf_world.enrolment.uuid}/esf"
    without = {k: v for k, v in FULL.items() if k != "consent"}
    assert client.post(url, data=without).status_code == 422
    assert client.post(url, data={**FULL, "sex": "unknown"}).status_code == 422
    assert client.post(url, data={**FULL, "disability": "yes", "isced": "isced_9"}).status_code == 422
    assert count(EsfParticipant) == 0


def test_no_field_for_disability_migration_or_housing():
    names = set(esf.FIELDS) | {c.name for c in EsfParticipant.__table__.columns}
    for word in ("disab", "handicap", "migra", "foreign", "housing", "homeless", "logement"):
        assert not [n for n in names if word in n]


def test_nothing_is_collected_outside_esf_programmes(app, client, login_as, cohort):
    login_as("admin")
    assert "isced_3_4" not in client.get(f"/enrolments/{cohort.enrolment.uuid}/funding").get_data(as_text=True)
    assert client.post(f"/enrolments/{cohort.enrolment.uuid}/esf", data=FULL).status_code == 404
    assert client.get(f"/cohorts/{cohort.cohort.uuid}/esf-participants/export?format=csv").status_code == 404
    with pytest.raises(Exception, match="not funded by the ESF"):
        esf.record(cohort.enrolment, True, {"sex": "male"}, None)
    assert count(EsfParticipant) == 0


def _record_all(world):
    values = ["female", "female", "female", "female", "female", "male"]
    for enrolment, sex in zip(world.enrolments, values, strict=True):
        esf.record(enrolment, True, {"sex": sex, "age_band": "18_29"}, None)
    db.session.commit()


def test_per_participant_export_for_coordinators_aggregates_for_funders(app, client_for, esf_world, create_user):
    _record_all(esf_world)
    coordinator = client_for(create_user(roles=("admin",), email="c@example.org"))
    per_person = coordinator.get(f"/cohorts/{esf_world.cohort.uuid}/esf-participants/export?format=csv")
    assert per_person.status_code == 200
    text = per_person.data.decode("utf-8-sig")
    assert all(u.email in text for u in esf_world.trainees)

    funder = client_for(create_user(roles=("funder",), email="f@example.org"))
    assert funder.get(f"/cohorts/{esf_world.cohort.uuid}/esf-participants/export?format=csv").status_code == 403
    page = funder.get("/reports/esf")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "ESF-1" in body
    for user in esf_world.trainees:
        assert user.email not in body and user.legal_name not in body
    export = funder.get("/reports/esf/export?format=csv").data.decode("utf-8-sig")
    rows = [line.split(";") for line in export.splitlines()[1:]]
    sex = {r[1]: r[2] for r in rows if r[0] in ("Sex", "Sexe")}
    # 5 women are shown; the single man is masked, and so is a second cell of the same indicator.
    assert "5" in sex.values() and "<5" in sex.values()
    assert list(sex.values()).count("<5") + sum(1 for v in sex.values() if not v.isdigit()) >= 2


@pytest.mark.parametrize("role", ["trainee", "trainer", "tutor"])
def test_esf_aggregates_are_not_for_trainees_or_staff(app, client, login_as, role):
    login_as(role)
    assert client.get("/reports/esf").status_code == 403


def test_privacy_export_and_erasure_cover_the_funders_facts(app, esf_world):
    enrolment = esf_world.enrolment
    enrolment.trainee_type, enrolment.funding_source = "job_seeker", "region"
    esf.record(enrolment, True, {"sex": "female", "isced": "isced_0_2"}, None)
    module = db.session.scalar(
        sa.select(Module).where(Module.programme_id == esf_world.programme.id, Module.code == "M2")
    )
    satisfaction.record_answers(enrolment, module, {"q1": 4}, date.today())
    db.session.commit()
    bundle = privacy.export_data(esf_world.trainee)
    (row,) = bundle.data["funding"]
    assert row["trainee_type"] == "job_seeker" and row["funding_source"] == "region"
    assert row["esf_plus"]["sex"] == "female" and row["esf_plus"]["consent_at"]
    assert row["questionnaires_answered"] == ["M2"]
    assert "q1" not in str(row)  # her answers are linked to nobody: they cannot be given back
    record, _ = privacy.erase(esf_world.trainee)
    db.session.commit()
    assert count(EsfParticipant) == 0
    assert record.summary.get("esf_records_deleted") == 1
    # The BPF facts stay with the pseudonymised enrolment (a legal obligation, naming nobody).
    assert db.session.get(Enrolment, enrolment.id).trainee_type == "job_seeker"


# --------------------------------------------------------------------------------------------------- Qualiopi


def test_qualiopi_index_of_a_cohort(app, client, login_as, cohort):
    login_as("admin")
    page = client.get(f"/reports/qualiopi?cohort={cohort.cohort.code}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for number in (1, 2, 11, 12, 26, 30):
        assert f'<th scope="row">{number}. ' in text
    # No referent named by the settings: the programme's (its documents: block) if it names one, else said plainly.
    referent = (cohort.cohort.programme.documents or {}).get("accessibility_referent")
    assert (referent or "TREMPLIN_DISABILITY_REFERENT") in text
    for user in cohort.trainees:
        assert user.email not in text and user.legal_name not in text
    assert client.get("/reports/qualiopi?year=abc").status_code == 400
    assert client.get("/reports/qualiopi?cohort=NOPE").status_code == 404


def test_qualiopi_names_the_disability_referent(app, cohort):
    app.config["DISABILITY_REFERENT"] = "Claire Fictive, referent@example.org"
    index = qualiopi.build([cohort.cohort], cohort.cohort.code, date.today())
    item = next(i for i in index.indicators if i.number == 26)
    assert item.warning is None and "Claire Fictive" in item.figures[0]


def test_qualiopi_zip_holds_an_index_and_the_documents(app, client, login_as, cohort):
    admin = login_as("admin")
    year = date.today().year
    response = client.post("/reports/qualiopi", data={"year": str(year)})
    assert response.status_code == 302
    job = db.session.scalar(sa.select(Job).where(Job.owner_id == admin.id))
    jobs.run_pending()
    db.session.refresh(job)
    assert job.status == "done", job.error
    with client.get(f"/jobs/{job.uuid}/download") as download:
        assert download.status_code == 200
        archive = zipfile.ZipFile(io.BytesIO(download.data))
    names = set(archive.namelist())
    assert {"index.html", "funder-report.pdf", "funder-report.csv", "satisfaction.csv", f"bpf-{year}.pdf"} <= names
    index = archive.read("index.html").decode()
    assert 'href="funder-report.pdf"' in index and f'href="bpf-{year}.csv"' in index
    for name in names:
        data = archive.read(name)
        for user in cohort.trainees:
            assert user.email.encode() not in data


@pytest.mark.parametrize("role", ["trainer", "trainee", "funder", "tutor"])
def test_qualiopi_is_for_coordinators(app, client, login_as, role):
    login_as(role)
    assert client.get("/reports/qualiopi").status_code == 403
    assert client.post("/reports/qualiopi", data={"year": "2026"}).status_code == 403


def test_qualiopi_for_a_year_without_any_cohort(app, client, login_as, cohort):
    admin = login_as("admin")
    assert client.get("/reports/qualiopi?year=2001").status_code == 200
    assert client.get("/reports/qualiopi?year=1990").status_code == 400
    assert client.post("/reports/qualiopi", data={"year": "2001"}).status_code == 302
    jobs.run_pending()
    job = db.session.scalar(sa.select(Job).where(Job.owner_id == admin.id))
    assert job.status == "done", job.error
