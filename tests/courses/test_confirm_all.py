"""A referent confirms a trainee's waiting days at once ("confirm all"), grouped by trainee, with a button that
says what it does (how many days, whose, with French elision), on the referent's page and through the link."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest

from core.db import db
from courses import services
from courses.models import HoursEntry
from tests.courses.conftest import placement_with_hours

TODAY = date.today()


def plain(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True)).replace("&#39;", "'")


def states(entries) -> list[str]:
    db.session.expire_all()
    return [db.session.get(HoursEntry, e.id).state for e in entries]


@pytest.fixture
def two_trainees(cohort, make_tutor):
    """Rita follows Alice (three waiting days) and Bruno (one)."""
    rita = make_tutor(email="rita@example.org", legal_name="Rita Référente")
    _, alice_days = placement_with_hours(cohort.enrolments[0], rita, "Structure A", 240, 180, 120)
    _, bruno_days = placement_with_hours(cohort.enrolments[1], rita, "Structure B", 420)
    return rita, alice_days, bruno_days


def test_the_referent_page_groups_days_by_trainee_with_a_button_that_says_what_it_does(client_for, two_trainees):
    rita, _alice_days, _bruno_days = two_trainees
    page = plain(client_for(rita).get("/hours/to-confirm", headers={"Accept-Language": "fr"}))
    assert page.index("Alice Martin") < page.index("Bruno Dubois")  # one section each, in reading order
    assert "Confirmer les 3 jours d'Alice Martin" in page  # elided: not "de Alice"
    assert "Confirmer les 1 jour" not in page and "Confirmer le 1 jour" not in page  # one day: its own button
    assert "Envoyer ma réponse pour ce jour" in page


def test_confirm_all_confirms_the_days_shown_and_only_those(client_for, cohort, two_trainees):
    rita, alice_days, bruno_days = two_trainees
    client = client_for(rita)
    shown = alice_days[:2]
    later = alice_days[2]  # logged after the page was opened: not in the form, not confirmed unseen
    response = client.post(
        f"/hours/to-confirm/{cohort.enrolments[0].uuid}",
        data={"entry": [str(e.uuid) for e in shown]},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 302
    assert states(alice_days) == ["confirmed", "confirmed", "pending"]
    assert states(bruno_days) == ["pending"]
    assert all(db.session.get(HoursEntry, e.id).reviewed_by_id == rita.id for e in shown)
    page = plain(client.get("/hours/to-confirm", headers={"Accept-Language": "fr"}))
    assert "Merci : 2 jours d'Alice Martin confirmés." in page
    assert str(later.uuid) in page
    # the same again: already answered, nothing changes and the referent is told so
    client.post(f"/hours/to-confirm/{cohort.enrolments[0].uuid}", data={"entry": [str(e.uuid) for e in shown]})
    page = plain(client.get("/hours/to-confirm", headers={"Accept-Language": "fr"}))
    assert "déjà reçu une réponse" in page
    assert states(alice_days) == ["confirmed", "confirmed", "pending"]


def test_confirm_all_cannot_reach_days_of_someone_else(client_for, cohort, two_trainees, make_tutor):
    _, alice_days, _ = two_trainees
    stranger = make_tutor(email="autre@example.org", legal_name="Autre Référente")
    response = client_for(stranger).post(
        f"/hours/to-confirm/{cohort.enrolments[0].uuid}", data={"entry": [str(e.uuid) for e in alice_days]}
    )
    assert response.status_code == 302
    assert states(alice_days) == ["pending"] * 3
    assert client_for(stranger).post(f"/hours/to-confirm/{cohort.enrolments[0].uuid}", data={}).status_code == 400
    bad = client_for(stranger).post(f"/hours/to-confirm/{cohort.enrolments[0].uuid}", data={"entry": "x"})
    assert bad.status_code == 400


def test_confirm_all_through_the_link_without_an_account(client, cohort):
    placement, days = placement_with_hours(
        cohort.enrolments[2], None, "Structure C", 60, 90, tutor_email="ref.c@example.org"
    )
    path = urlsplit(services.tutor_link(placement)).path
    page = plain(client.get(path, headers={"Accept-Language": "fr"}))
    assert "Confirmer les 2 jours de Chloé" in page  # "de C…": no elision before a consonant
    response = client.post(f"{path}/confirm-all", data={"entry": [str(e.uuid) for e in days]})
    assert response.status_code == 302 and response.headers["Location"].endswith(path)
    assert states(days) == ["confirmed", "confirmed"]
    assert all(db.session.get(HoursEntry, e.id).reviewed_via_link for e in days)
    # another placement's day cannot be slipped into the form
    _other, (foreign,) = placement_with_hours(
        cohort.enrolments[1], None, "Structure D", 30, tutor_email="d@example.org"
    )
    client.post(f"{path}/confirm-all", data={"entry": [str(foreign.uuid)]})
    assert states([foreign]) == ["pending"]
