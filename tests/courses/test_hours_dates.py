"""Practice hours outside the placement (issue 14, finding 7): the service refuses a day before the placement's
start, after its end (or its early end), in the future, or that would make more than 24 hours that day for the
person — and the web form and the API (``POST /api/v1/placements/<id>/hours``) say it with the same words."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest

from core import api_auth
from core.db import db
from courses import importer, services
from courses.models import HoursEntry
from tests.courses.conftest import count

TODAY = date.today()


@pytest.fixture
def placed(cohort, make_tutor):
    """Alice's placement: from 20 days ago to 5 days ago (ended)."""
    placement = services.create_placement(
        cohort.enrolment,
        services.get_or_create_host("Maison d'accueil"),
        TODAY - timedelta(days=20),
        ends_on=TODAY - timedelta(days=5),
        tutor=make_tutor(),
    )
    db.session.commit()
    return placement


@pytest.fixture
def api_post(app, cohort):
    _token, secret = api_auth.create_token(cohort.trainee, "test", ["read", "write:hours"], 30)
    db.session.commit()
    client = app.test_client()

    def post(placement, body: dict, language: str = "en"):
        url = f"/api/v1/placements/{placement.uuid}/hours"
        headers = {"Authorization": f"Bearer {secret}", "Accept-Language": language}
        return client.open(url, method="POST", headers=headers, json=body, csrf=False)

    return post


def form_post(client_for, cohort, day: date, hours: int = 2):
    response = client_for(cohort.trainee).post("/my/hours", data={"on": day.isoformat(), "hours": str(hours)})
    return response.status_code, html.unescape(response.get_data(as_text=True))


CASES = {
    "before the start": (-21, "before the start of the placement"),
    "after the end": (-4, "after the end of the placement"),
    "in the future": (1, "in the future"),
}


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_day_outside_the_placement_is_refused_with_the_same_words(
    client_for, cohort, placed, api_post, case, language
):
    cohort.trainee.language = language
    db.session.commit()
    offset, english = CASES[case]
    day = TODAY + timedelta(days=offset)
    response = api_post(placed, {"on": day.isoformat(), "minutes": 480}, language)
    assert response.status_code == 422, response.json
    assert response.json["field"] == "on" and response.json["error"] == "invalid"
    message = response.json["message"]
    assert (english in message) == (language == "en"), message

    status, page = form_post(client_for, cohort, day)
    assert status == 422 and message in page  # the same message, word for word, under the form's field
    assert count(HoursEntry) == 0


def test_days_within_the_placement_are_accepted_at_both_ends(client_for, cohort, placed, api_post):
    first, last = placed.starts_on, placed.ends_on
    assert api_post(placed, {"on": first.isoformat(), "minutes": 420}).status_code == 201
    status, _page = form_post(client_for, cohort, last, hours=7)
    assert status == 302
    assert sorted(e.on for e in db.session.scalars(db.select(HoursEntry))) == [first, last]


def test_a_placement_ended_early_refuses_the_days_after(cohort, placed, api_post):
    services.cancel_placement(placed, TODAY - timedelta(days=10))
    db.session.commit()
    response = api_post(placed, {"on": (TODAY - timedelta(days=8)).isoformat(), "minutes": 60})
    assert response.status_code == 422 and "after the end" in response.json["message"]
    assert api_post(placed, {"on": (TODAY - timedelta(days=10)).isoformat(), "minutes": 60}).status_code == 201


def test_no_more_than_24_hours_a_day_over_all_placements(cohort, placed, api_post, make_tutor, client_for):
    day = TODAY - timedelta(days=6)
    second = services.create_placement(
        cohort.enrolment, services.get_or_create_host("Second lieu"), day, kind="emploi", tutor=make_tutor()
    )
    db.session.commit()
    assert api_post(placed, {"on": day.isoformat(), "minutes": 14 * 60}).status_code == 201
    response = api_post(second, {"on": day.isoformat(), "minutes": 11 * 60})
    assert response.status_code == 422 and response.json["field"] == "minutes"
    assert "more than 24 hours" in response.json["message"]
    status, _page = form_post(client_for, cohort, day, hours=11)
    assert status == 422
    assert api_post(second, {"on": day.isoformat(), "minutes": 10 * 60}).status_code == 201  # 24 h exactly
    assert count(HoursEntry) == 2


def test_the_french_message_names_the_first_day(cohort, placed, api_post):
    cohort.trainee.language = "fr"
    db.session.commit()
    response = api_post(placed, {"on": (TODAY - timedelta(days=21)).isoformat(), "minutes": 60}, "fr")
    assert response.status_code == 422 and "avant le début du stage" in response.json["message"]
    assert str(placed.starts_on.year) in response.json["message"]


def test_the_importer_lists_hours_outside_the_placement(cohort, placed, admin):
    data = f"email,date,minutes,state\n{cohort.trainee.email},{(TODAY - timedelta(days=25)).isoformat()},60,pending\n"
    with pytest.raises(importer.ImportFailed) as failed:
        importer.run("placements", cohort.cohort, data.encode(), actor=admin)
    db.session.rollback()
    [message] = failed.value.render()
    assert "before the start of the placement" in message and "date" in message
    assert count(HoursEntry) == 0
