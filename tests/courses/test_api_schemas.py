"""The training API's schemas: bad input answers the project's error shape in the reader's language and changes
nothing, and object-level checks run before the body is read."""

from __future__ import annotations

from datetime import date, timedelta

from core import api_auth
from core.db import db
from courses.models import HoursEntry
from tests.courses.conftest import placement_with_hours


def _bearer(user, scopes=("read", "write:attendance", "write:hours")) -> dict[str, str]:
    _token, secret = api_auth.create_token(user, "test", list(scopes), 30)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_bad_input_answers_the_project_shape_in_the_readers_language(app, cohort, make_tutor):
    placement, _ = placement_with_hours(cohort.enrolment, make_tutor(), "Accueil R")
    db.session.commit()
    client = app.test_client()
    url = f"/api/v1/placements/{placement.uuid}/hours"
    headers = _bearer(cohort.trainee)
    day = (date.today() - timedelta(days=1)).isoformat()
    before = db.session.scalar(db.select(db.func.count()).select_from(HoursEntry))

    def post(body):
        return client.post(url, headers=headers, csrf=False, json=body)

    too_long = post({"on": day, "minutes": 2000})
    assert too_long.status_code == 422
    assert too_long.json == {
        "error": "invalid",
        "field": "minutes",
        "message": "Donnez un nombre entier de 1 à 1440.",
        "status": 422,
    }
    assert post({"on": day, "minutes": True}).json["message"] == "Donnez un nombre entier."  # not a boolean
    assert post({"on": "demain", "minutes": 60}).json["field"] == "on"
    unknown = post({"on": day, "minutes": 60, "state": "confirmed"})
    assert (unknown.status_code, unknown.json["field"], unknown.json["message"]) == (
        422,
        "state",
        "Ce champ n'est pas prévu.",
    )
    missing = post({"minutes": 60})
    assert (missing.json["field"], missing.json["message"]) == ("on", "Cette valeur est obligatoire.")
    not_an_object = post([{"on": day, "minutes": 60}])
    assert not_an_object.status_code == 400 and not_an_object.json["message"] == "Envoyez un objet JSON."

    headers["Accept-Language"] = "en"  # a token's request speaks the language its client asks for
    english = post({"on": day, "minutes": 60, "activity": "a\x00b"})
    assert english.status_code == 422
    assert english.json["field"] == "activity"
    assert english.json["message"] == "Give plain text of at most 300 characters."
    assert db.session.scalar(db.select(db.func.count()).select_from(HoursEntry)) == before  # nothing written


def test_a_nested_error_names_the_field_and_the_object_check_comes_first(app, cohort, create_user):
    client = app.test_client()
    url = f"/api/v1/sessions/{cohort.past[0].uuid}/attendance"
    trainer = _bearer(cohort.trainer)
    roster = client.get(url, headers=trainer).json
    body = {
        "roster_version": roster["roster_version"],
        "marks": [{"enrolment_id": roster["marks"][0]["enrolment_id"], "status": "nope"}],
    }
    bad = client.put(url, headers=trainer, csrf=False, json=body)
    assert bad.status_code == 422 and bad.json["field"] == "status"
    assert bad.json["message"].startswith("Choisissez parmi : present")
    # someone who may not touch the roster is refused before their body is read (403, not 422)
    stranger = _bearer(create_user(roles=("trainer",)))
    assert client.put(url, headers=stranger, csrf=False, json={"marks": "nope"}).status_code == 403
    assert (
        client.put(f"/api/v1/sessions/{cohort.cohort.uuid}/attendance", headers=trainer, csrf=False).status_code == 404
    )
