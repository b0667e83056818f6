"""The JSON API of the training domain: role and object checks (a matrix), roster writes with the optimistic
lock, hours logged by the trainee and confirmed by the referent, and funders seeing aggregates only."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core import api_auth
from core.db import db
from courses.models import Attendance, HoursEntry
from tests.courses.conftest import placement_with_hours

ALL_SCOPES = ["read", "write:attendance", "write:hours"]


@pytest.fixture
def token_for(app):
    def make(user, scopes=ALL_SCOPES) -> dict[str, str]:
        _token, secret = api_auth.create_token(user, "test", list(scopes), 30)
        db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make


@pytest.fixture
def api(app):
    client = app.test_client()

    def call(method: str, url: str, headers: dict, **kwargs):
        return client.open(url, method=method, headers=headers, csrf=False, **kwargs)

    return call


def test_role_matrix(app, api, token_for, cohort, build_cohort, create_user, make_tutor, admin):
    other = build_cohort("PROMO-OTHER", trainees=1)
    placement, _entries = placement_with_hours(cohort.enrolment, make_tutor(), "Accueil A", 120)
    c, s, p = cohort.cohort.uuid, cohort.past[0].uuid, placement.uuid
    who = {
        "admin": token_for(admin),
        "trainer": token_for(cohort.trainer),
        "other_trainer": token_for(other.trainer),
        "funder": token_for(create_user(roles=("funder",))),
        "trainee": token_for(cohort.trainee),
        "tutor": token_for(placement.tutor),
    }
    urls = {
        "/api/v1/programmes": {"admin", "trainer", "other_trainer", "funder"},
        "/api/v1/cohorts": {"admin", "trainer", "other_trainer", "funder"},
        f"/api/v1/cohorts/{c}": {"admin", "trainer", "funder"},
        f"/api/v1/cohorts/{c}/sessions": {"admin", "trainer"},
        f"/api/v1/sessions/{s}/attendance": {"admin", "trainer"},
        f"/api/v1/cohorts/{c}/placements": {"admin", "trainer"},
        f"/api/v1/placements/{p}/hours": {"admin", "trainer", "trainee", "tutor"},
        f"/api/v1/cohorts/{c}/eligibility": {"admin", "trainer"},
        f"/api/v1/cohorts/{c}/badges": {"admin", "trainer"},
        f"/api/v1/cohorts/{c}/reports/summary": {"admin", "trainer"},
        "/api/v1/reports/funder": {"admin", "funder"},
    }
    for url, allowed in urls.items():
        for name, headers in who.items():
            status = api("GET", url, headers).status_code
            assert status == (200 if name in allowed else 403), (url, name, status)
    # trainers only list their own cohorts
    codes = {item["code"] for item in api("GET", "/api/v1/cohorts", who["other_trainer"]).json["items"]}
    assert codes == {"PROMO-OTHER"}
    assert api("GET", "/api/v1/cohorts", {}).status_code == 401
    assert api("GET", f"/api/v1/cohorts/{c}/reports/nope", who["admin"]).status_code == 404


def test_roster_put_with_the_optimistic_lock(app, api, token_for, cohort):
    headers = token_for(cohort.trainer, ["read", "write:attendance"])
    url = f"/api/v1/sessions/{cohort.past[0].uuid}/attendance"
    roster = api("GET", url, headers).json
    assert [m["trainee"]["name"] for m in roster["marks"]] == ["Alice Martin", "Bruno Dubois", "Chloé Lambert"]
    alice, bruno = roster["marks"][0]["enrolment_id"], roster["marks"][1]["enrolment_id"]
    body = {
        "roster_version": roster["roster_version"],
        "marks": [
            {"enrolment_id": alice, "status": "present"},
            {"enrolment_id": bruno, "status": "late", "minutes": 90},
        ],
    }
    saved = api("PUT", url, headers, json=body)
    assert saved.status_code == 200, saved.json
    assert saved.json["roster_version"] == roster["roster_version"] + 1
    assert {m["trainee"]["name"]: (m["status"], m["minutes"]) for m in saved.json["marks"]}["Bruno Dubois"] == (
        "late",
        90,
    )
    stale = api("PUT", url, headers, json=body)  # the same version again: someone saved since
    assert stale.status_code == 409 and stale.json["error"] == "conflict"
    assert db.session.scalar(db.select(db.func.count()).select_from(Attendance)) == 2
    bad = [
        {"roster_version": saved.json["roster_version"], "marks": [{"enrolment_id": alice, "status": "nope"}]},
        {"roster_version": saved.json["roster_version"], "marks": [{"enrolment_id": "x", "status": "present"}]},
        {"roster_version": 2**40, "marks": []},
        {"roster_version": saved.json["roster_version"], "marks": [{"enrolment_id": alice, "status": "late"}]},
    ]
    for payload in bad:
        response = api("PUT", url, headers, json=payload)
        assert response.status_code == 422, (payload, response.json)
    assert api("PUT", url, headers, data="not json").status_code == 400
    read_only = token_for(cohort.trainer, ["read"])
    assert api("PUT", url, read_only, json=body).status_code == 403
    other_person = token_for(cohort.trainee)  # a trainee, even with every scope
    assert api("PUT", url, other_person, json=body).status_code == 403


def test_hours_logged_by_the_trainee_and_confirmed_by_the_referent(app, api, token_for, cohort, make_tutor):
    tutor = make_tutor()
    placement, _ = placement_with_hours(cohort.enrolment, tutor, "Accueil B")
    url = f"/api/v1/placements/{placement.uuid}/hours"
    trainee = token_for(cohort.trainee, ["read", "write:hours"])
    day = (date.today() - timedelta(days=2)).isoformat()
    created = api("POST", url, trainee, json={"on": day, "minutes": 420, "activity": "permanence d'accueil"})
    assert created.status_code == 201 and created.json["state"] == "pending"
    assert api("POST", url, trainee, json={"on": "2999-01-01", "minutes": 60}).status_code == 422  # future
    assert api("POST", url, trainee, json={"on": day, "minutes": 2000}).status_code == 422
    assert api("POST", url, trainee, json={"on": day, "minutes": 60, "activity": "a\x00b"}).status_code == 422
    assert api("POST", url, token_for(tutor), json={"on": day, "minutes": 60}).status_code == 403  # not theirs
    review = f"/api/v1/hours/{created.json['id']}/review"
    assert api("POST", review, trainee, json={"state": "confirmed"}).status_code == 403  # not a reviewer
    assert api("POST", review, token_for(tutor), json={"state": "rejected"}).status_code == 422  # needs a comment
    confirmed = api("POST", review, token_for(tutor), json={"state": "confirmed"})
    assert confirmed.status_code == 200 and confirmed.json["state"] == "confirmed"
    assert db.session.scalar(db.select(HoursEntry.state).where(HoursEntry.minutes == 420)) == "confirmed"
    placements = api("GET", f"/api/v1/cohorts/{cohort.cohort.uuid}/placements", token_for(cohort.trainer)).json
    assert placements["items"][0]["minutes_confirmed"] == 420


def test_eligibility_and_reports(app, api, token_for, cohort, admin):
    headers = token_for(admin)
    data = api("GET", f"/api/v1/cohorts/{cohort.cohort.uuid}/eligibility", headers).json
    assert {i["trainee"]["email"] for i in data["items"]} == {
        "alice@example.org",
        "bruno@example.org",
        "chloe@example.org",
    }
    assert api("GET", f"/api/v1/cohorts/{cohort.cohort.uuid}/eligibility?as_of=nope", headers).status_code == 400
    summary = api("GET", f"/api/v1/cohorts/{cohort.cohort.uuid}/reports/summary", headers).json
    part = summary["parts"][0]
    assert len(part["rows"]) == 3 and part["columns"][0]["key"] == "name"
    assert api("GET", f"/api/v1/cohorts/{cohort.cohort.uuid}/badges", headers).json == {"items": []}


def test_funder_api_names_nobody(app, api, token_for, cohort, create_user):
    response = api("GET", "/api/v1/reports/funder", token_for(create_user(roles=("funder",))))
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "PROMO-TEST" in text
    for user in cohort.trainees:
        for needle in (user.legal_name, user.email, user.legal_name.split()[0]):
            assert needle not in text
    row = response.json["parts"][0]["rows"][0]
    assert row[4] == "<5"  # 3 trainees enrolled: a small cell


def test_funders_see_small_cohort_sizes_suppressed(app, api, token_for, cohort, create_user, admin):
    funder = api("GET", f"/api/v1/cohorts/{cohort.cohort.uuid}", token_for(create_user(roles=("funder",))))
    assert funder.json["trainees"] == "<5"
    assert api("GET", f"/api/v1/cohorts/{cohort.cohort.uuid}", token_for(admin)).json["trainees"] == 3
