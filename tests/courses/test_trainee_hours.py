"""The trainee's daily work with her hours: change or delete them while they wait for the referent (only her
own, only pending, with the CSRF token, under the same rules as logging), a warning for a day already logged or
above 12 hours, and number fields that do not start at 0."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from core.db import db
from core.models import AuditEntry
from courses import services
from courses.models import HoursEntry
from tests.courses.conftest import count, placement_with_hours

TODAY = date.today()


def plain(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def fresh(entry: HoursEntry) -> HoursEntry | None:
    db.session.expire_all()
    return db.session.get(HoursEntry, entry.id)


@pytest.fixture
def hours(cohort, make_tutor):
    """Alice's placement, followed by Rita, with 4 h (yesterday) and 3 h (the day before) pending."""
    rita = make_tutor(email="rita@example.org", legal_name="Rita Référente")
    _placement, entries = placement_with_hours(cohort.enrolment, rita, "Structure A", 240, 180)
    return rita, entries


def test_the_hours_fields_start_empty_not_at_zero(client_for, cohort, hours):
    response = client_for(cohort.trainee).get("/my/hours")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[-3000:]
    for name in ("hours", "minutes"):
        field = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        assert 'value="0"' not in field and "value=" not in field.replace('value=""', ""), field


def test_a_trainee_changes_pending_hours(client_for, cohort, hours):
    _rita, (four, _three) = hours
    client = client_for(cohort.trainee)
    listing = client.get("/my/hours").get_data(as_text=True)
    assert f"/my/hours/{four.uuid}" in listing
    form = client.get(f"/my/hours/{four.uuid}").get_data(as_text=True)
    assert 'value="4"' in form and "accueil et permanence" in form  # the form shows what was logged
    day = TODAY - timedelta(days=5)
    response = client.post(
        f"/my/hours/{four.uuid}", data={"on": day.isoformat(), "hours": "5", "minutes": "15", "activity": "réunion"}
    )
    assert response.status_code == 302
    entry = fresh(four)
    assert (entry.on, entry.minutes, entry.activity, entry.state) == (day, 315, "réunion", "pending")
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "hours.changed")) is not None


def test_a_trainee_deletes_pending_hours(client_for, cohort, hours):
    _rita, (four, three) = hours
    client = client_for(cohort.trainee)
    key = four.id
    response = client.post(f"/my/hours/{four.uuid}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(HoursEntry, key) is None and fresh(three) is not None
    assert "supprimées" in plain(client.get("/my/hours"))


def test_deleting_needs_the_csrf_token(client_for, cohort, hours):
    _rita, (four, _three) = hours
    response = client_for(cohort.trainee).post(f"/my/hours/{four.uuid}/delete", csrf=False)
    assert response.status_code == 400
    assert fresh(four) is not None


def test_answered_hours_can_no_longer_change(client_for, cohort, hours):
    rita, (four, three) = hours
    services.review_hours(four, "confirmed", by=rita)
    services.review_hours(three, "rejected", by=rita, comment="pas ce jour-là")
    db.session.commit()
    client = client_for(cohort.trainee)
    assert f"/my/hours/{four.uuid}" not in client.get("/my/hours").get_data(as_text=True)
    for entry in (four, three):
        before = (fresh(entry).on, fresh(entry).minutes, fresh(entry).state)
        changed = client.post(f"/my/hours/{entry.uuid}", data={"on": TODAY.isoformat(), "hours": "1"})
        deleted = client.post(f"/my/hours/{entry.uuid}/delete")
        assert changed.status_code == deleted.status_code == 302
        assert (fresh(entry).on, fresh(entry).minutes, fresh(entry).state) == before
    assert "ne peuvent plus être changées" in plain(client.get("/my/hours"))


def test_another_trainee_cannot_touch_her_hours(client_for, cohort, hours):
    _rita, (four, _three) = hours
    bruno = client_for(cohort.trainees[1])
    assert bruno.get(f"/my/hours/{four.uuid}").status_code == 404
    assert bruno.post(f"/my/hours/{four.uuid}", data={"on": TODAY.isoformat(), "hours": "1"}).status_code == 404
    assert bruno.post(f"/my/hours/{four.uuid}/delete").status_code == 404
    assert fresh(four).minutes == 240


@pytest.mark.parametrize(
    "fields",
    [
        {"on": (TODAY + timedelta(days=1)).isoformat(), "hours": "2"},
        {"on": TODAY.isoformat(), "hours": "25"},
        {"on": TODAY.isoformat(), "hours": "0", "minutes": "0"},
        {"on": TODAY.isoformat(), "hours": ""},
        {"on": (TODAY - timedelta(days=60)).isoformat(), "hours": "2"},  # before the placement started
        {"on": (TODAY - timedelta(days=2)).isoformat(), "hours": "21", "minutes": "1"},  # 3 h already that day
    ],
    ids=["future", "25 hours", "nothing", "no hours", "before the placement", "over 24 hours that day"],
)
def test_a_change_follows_the_rules_of_logging(client_for, cohort, hours, fields):
    _rita, (four, _three) = hours
    response = client_for(cohort.trainee).post(f"/my/hours/{four.uuid}", data=fields)
    assert response.status_code == 422
    entry = fresh(four)
    assert (entry.on, entry.minutes) == (TODAY - timedelta(days=1), 240)


def test_a_change_may_keep_its_own_day(client_for, cohort, hours):
    """The entry being changed is not counted twice in its day's total (nor warned about as a second entry)."""
    _rita, (four, _three) = hours
    client = client_for(cohort.trainee)
    day = (TODAY - timedelta(days=1)).isoformat()
    response = client.post(f"/my/hours/{four.uuid}", data={"on": day, "hours": "14"}, follow_redirects=True)
    assert fresh(four).minutes == 14 * 60
    page = plain(response)
    assert "plus de 12 heures" in page and "déjà" not in page


def test_a_second_entry_on_a_day_is_saved_with_a_warning(client_for, cohort, hours):
    client = client_for(cohort.trainee)
    day = (TODAY - timedelta(days=1)).isoformat()  # 4 h already logged
    response = client.post("/my/hours", data={"on": day, "hours": "2"}, follow_redirects=True)
    assert count(HoursEntry) == 3
    page = plain(response)
    assert "alert--warning" in page and "Vous aviez déjà noté des heures ce jour-là" in page
    assert "plus de 12 heures" not in page


def test_a_day_above_12_hours_is_saved_with_a_warning(client_for, cohort, hours):
    client = client_for(cohort.trainee)
    day = (TODAY - timedelta(days=3)).isoformat()  # nothing logged that day
    response = client.post("/my/hours", data={"on": day, "hours": "12", "minutes": "30"}, follow_redirects=True)
    assert count(HoursEntry) == 3
    page = plain(response)
    assert "plus de 12 heures" in page and "déjà" not in page
    ordinary = client.post("/my/hours", data={"on": (TODAY - timedelta(days=4)).isoformat(), "hours": "7"})
    assert "alert--warning" not in plain(client.get("/my/hours")) and ordinary.status_code == 302
