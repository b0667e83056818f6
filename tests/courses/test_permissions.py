"""Who sees what: trainees their own training only, trainers their cohorts only, referents the hours of their
placements only, funders no cohort page, coordinators everything. Refusals write nothing."""

from __future__ import annotations

from datetime import date

import pytest

from core.db import db
from courses import services
from courses.models import Attendance, Competency, HoursEntry, TrainingSession, Validation
from tests.courses.conftest import count, placement_with_hours, tiny_png

TODAY = date.today()


@pytest.fixture
def other(build_cohort):
    """A second cohort with its own trainer and trainees."""
    return build_cohort(
        "AUTRE-PROMO",
        trainees=[("dora@example.org", "Dora Autrepromo"), ("emile@example.org", "Émile Autrepromo")],
        email_prefix="autre",
    )


def competency(code: str) -> Competency:
    return db.session.scalar(db.select(Competency).where(Competency.code == code))


def validate(world, enrolment, code: str, comment: str, file: bytes | None = None) -> Validation:
    validation = services.validate_competency(
        enrolment,
        competency(code),
        world.trainer,
        "E-ANALYSE",
        TODAY,
        comment,
        file=("preuve.png", file) if file else None,
    )
    db.session.commit()
    return validation


# --- trainees -----------------------------------------------------------------------------------------------


def test_a_trainee_sees_only_their_own_training(client_for, cohort):
    alice, bruno = cohort.enrolments[0], cohort.enrolments[1]
    mine = validate(cohort, alice, "C-M1-01", "Observation neutre pour la première", tiny_png())
    theirs = validate(cohort, bruno, "C-M1-02", "Observation neutre pour le second", tiny_png() + b"autre")
    client = client_for(cohort.trainees[0])

    page = client.get("/my/training")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Observation neutre pour la première" in text
    assert "Observation neutre pour le second" not in text

    assert client.get(f"/enrolments/{bruno.uuid}").status_code == 403
    assert client.get(f"/evidence/{theirs.evidence_file.uuid}").status_code == 403
    with client.get(f"/evidence/{mine.evidence_file.uuid}") as own:
        assert own.status_code == 200 and own.data == tiny_png()


def test_a_trainee_cannot_use_staff_pages_or_actions(client_for, cohort):
    client = client_for(cohort.trainees[0])
    session = cohort.past[0]
    bruno = cohort.enrolments[1]
    for url in (
        "/cohorts",
        f"/cohorts/{cohort.cohort.uuid}",
        f"/sessions/{session.uuid}",
        f"/sessions/{session.uuid}/sheet.pdf",
        f"/enrolments/{cohort.enrolment.uuid}",
        "/hours/to-confirm",
    ):
        assert client.get(url).status_code == 403, url
    version = session.roster_version
    response = client.post(
        f"/sessions/{session.uuid}",
        data={f"status-{e.uuid}": "present" for e in cohort.enrolments} | {"roster_version": str(version)},
    )
    assert response.status_code == 403
    response = client.post(
        f"/enrolments/{bruno.uuid}/validations",
        data={"competency": "C-M1-01", "evidence_type": "E-OBS", "validated_on": TODAY.isoformat()},
    )
    assert response.status_code == 403
    assert count(Attendance) == 0 and count(Validation) == 0


# --- trainers -----------------------------------------------------------------------------------------------


def test_a_trainer_lists_only_their_cohorts(client_for, cohort, other):
    page = client_for(cohort.trainer).get("/cohorts")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert cohort.cohort.code in text and str(cohort.cohort.uuid) in text
    assert other.cohort.code not in text and str(other.cohort.uuid) not in text


def test_a_trainer_cannot_open_another_cohort(client_for, cohort, other):
    client = client_for(cohort.trainer)
    assert client.get(f"/cohorts/{cohort.cohort.uuid}").status_code == 200
    assert client.get(f"/sessions/{cohort.past[0].uuid}").status_code == 200
    assert client.get(f"/enrolments/{cohort.enrolment.uuid}").status_code == 200
    for url in (
        f"/cohorts/{other.cohort.uuid}",
        f"/sessions/{other.past[0].uuid}",
        f"/sessions/{other.past[0].uuid}/sheet.pdf",
        f"/enrolments/{other.enrolment.uuid}",
        f"/cohorts/{other.cohort.uuid}/import",
    ):
        assert client.get(url).status_code == 403, url


def test_a_trainer_cannot_write_in_another_cohort(client_for, cohort, other):
    client = client_for(cohort.trainer)
    enrolment, session = other.enrolment, other.past[0]
    response = client.post(
        f"/enrolments/{enrolment.uuid}/validations",
        data={"competency": "C-M1-01", "evidence_type": "E-OBS", "validated_on": TODAY.isoformat(), "comment": "x"},
    )
    assert response.status_code == 403
    response = client.post(
        f"/sessions/{session.uuid}",
        data={f"status-{e.uuid}": "absent" for e in other.enrolments}
        | {"roster_version": str(session.roster_version), "action": "save"},
    )
    assert response.status_code == 403
    foreign = validate(other, enrolment, "C-M1-03", "par l'autre équipe")
    assert client.post(f"/validations/{foreign.uuid}/withdraw").status_code == 403
    db.session.expire_all()
    assert count(Attendance) == 0
    assert db.session.get(TrainingSession, session.id).roster_version == 0
    assert [(v.id, v.withdrawn_at) for v in db.session.scalars(db.select(Validation))] == [(foreign.id, None)]


def test_a_trainer_of_the_cohort_cannot_withdraw_a_colleagues_validation(client_for, cohort, make_trainer):
    colleague = make_trainer(email="collegue@example.org", legal_name="Collègue")
    services.add_trainer(cohort.cohort, colleague)
    validation = validate(cohort, cohort.enrolment, "C-M1-01", "vu en jeu de rôle")
    assert client_for(colleague).post(f"/validations/{validation.uuid}/withdraw").status_code == 403
    db.session.expire_all()
    assert db.session.get(Validation, validation.id).withdrawn_at is None


# --- placement referents ----------------------------------------------------------------------------------------


@pytest.fixture
def two_placements(cohort, make_tutor):
    """Alice's placement followed by Rita, Bruno's by Yann; each with pending hours."""
    rita = make_tutor(email="rita@example.org", legal_name="Rita Référente")
    yann = make_tutor(email="yann@example.org", legal_name="Yann Référent")
    _, alice_hours = placement_with_hours(cohort.enrolments[0], rita, "Structure A", 240, 180)
    _, bruno_hours = placement_with_hours(cohort.enrolments[1], yann, "Structure B", 420)
    return rita, yann, alice_hours, bruno_hours


def test_a_referent_sees_only_the_hours_of_their_placements(client_for, cohort, two_placements):
    rita, _, alice_hours, bruno_hours = two_placements
    page = client_for(rita).get("/hours/to-confirm")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count("Alice Martin") == 2
    assert all(str(h.uuid) in text for h in alice_hours)
    assert "Bruno Dubois" not in text and str(bruno_hours[0].uuid) not in text


def test_a_referent_cannot_review_the_hours_of_another_placement(client_for, two_placements):
    rita, _, alice_hours, bruno_hours = two_placements
    client = client_for(rita)
    response = client.post(f"/hours/{bruno_hours[0].uuid}/review", data={"decision": "confirmed"})
    assert response.status_code == 403
    db.session.expire_all()
    entry = db.session.get(HoursEntry, bruno_hours[0].id)
    assert (entry.state, entry.reviewed_by_id, entry.reviewed_at) == ("pending", None, None)
    # their own placement's: allowed
    assert client.post(f"/hours/{alice_hours[0].uuid}/review", data={"decision": "confirmed"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(HoursEntry, alice_hours[0].id).state == "confirmed"


def test_a_referent_has_no_cohort_pages(client_for, cohort, two_placements):
    client = client_for(two_placements[0])
    for url in ("/cohorts", f"/cohorts/{cohort.cohort.uuid}", f"/enrolments/{cohort.enrolment.uuid}"):
        assert client.get(url).status_code == 403, url


def test_a_trainer_sees_the_hours_of_their_cohorts_only(client_for, cohort, other, make_tutor):
    rita = make_tutor(email="rita@example.org", legal_name="Rita Référente")
    _, mine = placement_with_hours(cohort.enrolment, rita, "Structure A", 240)
    _, theirs = placement_with_hours(other.enrolment, rita, "Structure B", 300)
    client = client_for(cohort.trainer)
    text = client.get("/hours/to-confirm").get_data(as_text=True)
    assert str(mine[0].uuid) in text and str(theirs[0].uuid) not in text
    assert client.post(f"/hours/{theirs[0].uuid}/review", data={"decision": "confirmed"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(HoursEntry, theirs[0].id).state == "pending"


# --- funders and coordinators ----------------------------------------------------------------------------------


def test_a_funder_gets_no_cohort_page(client, login_as, cohort):
    login_as("funder")
    session, enrolment = cohort.past[0], cohort.enrolment
    for url in (
        "/cohorts",
        f"/cohorts/{cohort.cohort.uuid}",
        f"/cohorts/{cohort.cohort.uuid}/import",
        f"/sessions/{session.uuid}",
        f"/sessions/{session.uuid}/sheet.pdf",
        f"/enrolments/{enrolment.uuid}",
        "/hours/to-confirm",
        "/my/training",
    ):
        assert client.get(url).status_code == 403, url


def test_a_coordinator_sees_everything(client_for, admin, cohort, other, make_tutor):
    rita = make_tutor(email="rita@example.org", legal_name="Rita Référente")
    _, mine = placement_with_hours(cohort.enrolment, rita, "Structure A", 240)
    _, theirs = placement_with_hours(other.enrolment, rita, "Structure B", 300)
    proof = validate(other, other.enrolment, "C-M1-01", "vu", tiny_png())
    client = client_for(admin)
    listing = client.get("/cohorts").get_data(as_text=True)
    assert cohort.cohort.code in listing and other.cohort.code in listing
    for world in (cohort, other):
        for url in (
            f"/cohorts/{world.cohort.uuid}",
            f"/cohorts/{world.cohort.uuid}/import",
            f"/sessions/{world.past[0].uuid}",
            f"/enrolments/{world.enrolment.uuid}",
        ):
            assert client.get(url).status_code == 200, url
    with client.get(f"/evidence/{proof.evidence_file.uuid}") as download:
        assert download.status_code == 200 and download.data == tiny_png()
    hours = client.get("/hours/to-confirm").get_data(as_text=True)
    assert str(mine[0].uuid) in hours and str(theirs[0].uuid) in hours


def test_unknown_objects_are_404_not_403(client_for, cohort):
    client = client_for(cohort.trainer)
    ghost = "00000000-0000-4000-8000-000000000000"
    for url in (f"/cohorts/{ghost}", f"/sessions/{ghost}", f"/enrolments/{ghost}", f"/evidence/{ghost}"):
        assert client.get(url).status_code == 404, url
