"""Competencies in batches: trainees × a module's competencies (or one competency for the group), one evidence
type and one date; what is validated is not offered again; all or nothing; labels without internal notes."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from core.db import db
from courses import services
from courses.models import Competency, Module, Validation
from courses.presenters import evidence_label

TODAY = date.today()


def active(cohort) -> set[tuple[str, str]]:
    db.session.expire_all()
    rows = db.session.execute(
        db.select(Validation.enrolment_id, Competency.code)
        .join(Competency, Competency.id == Validation.competency_id)
        .where(Validation.withdrawn_at.is_(None))
    ).all()
    names = {e.id: e.user.legal_name.split()[0] for e in cohort.enrolments}
    return {(names[e], code) for e, code in rows if e in names}


def m1_codes(cohort) -> list[str]:
    return list(
        db.session.scalars(
            db.select(Competency.code)
            .join(Module, Module.id == Competency.module_id)
            .where(Module.code == "M1", Competency.programme_id == cohort.cohort.programme_id)
            .order_by(Competency.position)
        )
    )


def test_a_trainer_validates_a_module_for_the_group_at_once(client_for, cohort):
    alice, bruno, chloe = cohort.enrolments
    c1, c2 = m1_codes(cohort)[:2]
    client = client_for(cohort.trainer)
    url = f"/cohorts/{cohort.cohort.uuid}/competencies"
    page = client.get(url, query_string={"module": "M1"}, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert f'value="{alice.uuid}/{c1}"' in page and f'value="{chloe.uuid}/{c2}"' in page
    assert "(présence seulement)" not in page and "case à cocher" not in page  # no internal notes
    assert "Présence aux intervisions</option>" in page
    data = {
        "module": "M1",
        "evidence_type": "E-OBS",
        "validated_on": (TODAY - timedelta(days=1)).isoformat(),
        "cell": [f"{alice.uuid}/{c1}", f"{alice.uuid}/{c2}", f"{bruno.uuid}/{c1}"],
    }
    response = client.post(url, data=data, headers={"Accept-Language": "fr"})
    assert response.status_code == 302
    assert active(cohort) == {("Alice", c1), ("Alice", c2), ("Bruno", c1)}
    saved = db.session.scalars(db.select(Validation)).all()
    assert {(v.evidence_type, v.validated_on, v.validator_id) for v in saved} == {
        ("E-OBS", TODAY - timedelta(days=1), cohort.trainer.id)
    }
    # the confirmation is on the grid, where the trainer is; what is done is no longer offered
    page = client.get(response.headers["Location"], headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "3 validations enregistrées" in page
    assert f'value="{alice.uuid}/{c1}"' not in page and f'value="{chloe.uuid}/{c1}"' in page
    assert page.count('✓<span class="visually-hidden"> validée</span>') == 3
    # sent again (a second tab, a double click): nothing is validated twice
    client.post(url, data=data)
    assert len(db.session.scalars(db.select(Validation)).all()) == 3


def test_one_competency_for_the_whole_group(client_for, cohort):
    c1 = m1_codes(cohort)[0]
    client = client_for(cohort.trainer)
    url = f"/cohorts/{cohort.cohort.uuid}/competencies"
    cells = [f"{e.uuid}/{c1}" for e in cohort.enrolments]
    response = client.post(
        url, data={"competency": c1, "evidence_type": "E-ANALYSE", "validated_on": TODAY.isoformat(), "cell": cells}
    )
    assert response.status_code == 302
    assert active(cohort) == {("Alice", c1), ("Bruno", c1), ("Chloé", c1)}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"evidence_type": ""}, "Choisissez le type d'élément de preuve."),
        ({"validated_on": ""}, "Indiquez la date de la validation."),
        ({"cell": []}, "Cochez au moins une case"),
        ({"validated_on": (TODAY + timedelta(days=3)).isoformat()}, "dans le futur"),
    ],
    ids=["no evidence", "no date", "nothing ticked", "future date"],
)
def test_bad_input_saves_nothing_and_keeps_the_ticks(client_for, cohort, change, message):
    alice = cohort.enrolments[0]
    c1 = m1_codes(cohort)[0]
    data = {"module": "M1", "evidence_type": "E-OBS", "validated_on": TODAY.isoformat(), "cell": [f"{alice.uuid}/{c1}"]}
    data.update(change)
    response = client_for(cohort.trainer).post(
        f"/cohorts/{cohort.cohort.uuid}/competencies", data=data, headers={"Accept-Language": "fr"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page.replace("&#39;", "'")
    assert active(cohort) == set()
    if data["cell"]:
        assert re.search(rf'value="{alice.uuid}/{c1}" checked', page)


def test_only_the_cohort_staff_open_the_grid(client_for, cohort, make_trainer):
    stranger = make_trainer(email="autre@example.org")
    url = f"/cohorts/{cohort.cohort.uuid}/competencies"
    assert client_for(stranger).get(url).status_code == 403
    assert client_for(cohort.trainee).get(url).status_code == 403


def test_evidence_labels_lose_their_internal_notes():
    assert evidence_label("E-PRESENCE", "fr") == "Présence aux intervisions"
    assert evidence_label("E-RECIT", "fr") == "Travail biographique réalisé et discuté"
    assert evidence_label("E-TUTEUR", "en") == "Placement referent attestation"
    assert evidence_label("E-OBS", "fr") == "Grille d'observation en mise en situation / jeu de rôle"
    assert services.KNOWN_EVIDENCE  # the codes themselves are unchanged


def test_a_single_validation_is_confirmed_where_the_trainer_lands(client_for, cohort):
    """The page comes back at #competencies: the confirmation is there, not at the top, out of sight."""
    bruno = cohort.enrolments[1]
    client = client_for(cohort.trainer)
    response = client.post(
        f"/enrolments/{bruno.uuid}/validations",
        data={"competency": m1_codes(cohort)[0], "evidence_type": "E-OBS", "validated_on": TODAY.isoformat()},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#competencies")
    page = client.get(response.headers["Location"], headers={"Accept-Language": "fr"}).get_data(as_text=True)
    top, section = page.split('id="competencies"', 1)
    assert f"Compétence {m1_codes(cohort)[0]} validée" in section.split("</section>")[0]
    assert "Compétence" not in top.split('<main id="main"', 1)[1].split("<h1")[0]  # not in the flashes on top
