"""The private calendar feed (ICS): a revocable URL that shows one person's sessions, in UTC, folded lines."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from core import services as core_services
from core.db import db
from courses import services
from courses.models import CalendarFeed

FEED = re.compile(r'value="(http://localhost/calendar/[A-Za-z0-9_-]+\.ics)"')
UTC = ZoneInfo("UTC")
BRUSSELS = ZoneInfo("Europe/Brussels")


def new_feed(client) -> str:
    """Ask for a (new) private address; return its path."""
    response = client.post("/calendar/feed")
    assert response.status_code == 200
    match = FEED.search(response.get_data(as_text=True))
    assert match, "no private address on the page"
    return urlsplit(match.group(1)).path


def unfold(body: str) -> list[str]:
    return body.replace("\r\n ", "").split("\r\n")


def events(body: str) -> dict[str, dict[str, str]]:
    """UID → the event's properties (unfolded)."""
    out, current = {}, None
    for line in unfold(body):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            out[current["UID"]] = current
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return out


@pytest.fixture
def trainee_feed(app, client_for, cohort, build_cohort):
    """Alice's feed, with another cohort around whose sessions she must not see."""
    other = build_cohort("AUTRE-PROMO", trainees=1, email_prefix="autre")
    client = client_for(cohort.trainee)
    return client, new_feed(client), other


def test_the_feed_page_shows_a_private_address_and_stores_only_its_hash(trainee_feed, cohort):
    _, path, _ = trainee_feed
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    feed = db.session.scalar(db.select(CalendarFeed))
    assert feed.user_id == cohort.trainee.id
    assert token not in feed.token_hash and len(feed.token_hash) == 64


def test_the_feed_is_readable_without_logging_in(app, trainee_feed, cohort):
    _, path, other = trainee_feed
    response = app.test_client().get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    found = events(body)
    assert set(found) == {f"{s.uuid}@tremplin" for s in cohort.sessions}
    assert not {f"{s.uuid}@tremplin" for s in other.sessions} & set(found)
    for session in cohort.sessions:
        event = found[f"{session.uuid}@tremplin"]
        start = datetime.combine(session.on, session.starts_at, BRUSSELS).astimezone(UTC)
        assert event["DTSTART"] == start.strftime("%Y%m%dT%H%M%SZ")
        assert event["STATUS"] == "CONFIRMED"
        assert event["SUMMARY"].startswith(cohort.cohort.code)


def test_local_times_are_converted_to_utc_by_hand(app, trainee_feed, cohort):
    _, path, _ = trainee_feed
    year = date.today().year + 1
    winter = services.create_session(cohort.cohort, "M2", date(year, 1, 14), time(9, 0), time(12, 30))
    summer = services.create_session(cohort.cohort, "M2", date(year, 7, 14), time(9, 0), time(12, 30), cancelled=True)
    db.session.commit()
    found = events(app.test_client().get(path).get_data(as_text=True))
    # Brussels is UTC+1 in January and UTC+2 in July
    assert (found[f"{winter.uuid}@tremplin"]["DTSTART"], found[f"{winter.uuid}@tremplin"]["DTEND"]) == (
        f"{year}0114T080000Z",
        f"{year}0114T113000Z",
    )
    assert (found[f"{summer.uuid}@tremplin"]["DTSTART"], found[f"{summer.uuid}@tremplin"]["DTEND"]) == (
        f"{year}0714T070000Z",
        f"{year}0714T103000Z",
    )
    assert found[f"{summer.uuid}@tremplin"]["STATUS"] == "CANCELLED"


def test_long_lines_are_folded_at_75_octets(app, trainee_feed, cohort):
    _, path, _ = trainee_feed
    title = "Atelier « réduction des risques » — échanges, écoute; débriefing: " * 3
    place = "Maison des associations, salle Émile-Vandervelde, 1er étage, Bruxelles — entrée rue de l'Été"
    day = date(date.today().year + 1, 2, 10)
    session = services.create_session(
        cohort.cohort, "M2", day, time(13, 0), time(16, 0), title=title.strip(), place=place
    )
    db.session.commit()
    body = app.test_client().get(path).get_data(as_text=True)
    lines = body.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines), max(lines, key=lambda line: len(line.encode()))
    assert any(line.startswith(" ") for line in lines)  # something was folded
    event = events(body)[f"{session.uuid}@tremplin"]
    escaped = title.strip().replace(";", "\\;").replace(",", "\\,")
    assert event["SUMMARY"] == escaped
    assert event["LOCATION"] == place.replace(",", "\\,")


def test_a_new_address_replaces_the_old_one(app, trainee_feed):
    client, old, _ = trainee_feed
    new = new_feed(client)
    assert new != old
    anonymous = app.test_client()
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarFeed)) == 1


def test_switching_the_address_off(app, trainee_feed):
    client, path, _ = trainee_feed
    assert client.post("/calendar/feed/delete").status_code == 302
    assert app.test_client().get(path).status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(CalendarFeed)) == 0


def test_a_deactivated_account_has_no_feed(app, trainee_feed, cohort):
    _, path, _ = trainee_feed
    core_services.update_user(cohort.trainee, active=False)
    db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_a_trainer_sees_the_sessions_of_their_cohorts(app, client_for, cohort, build_cohort):
    other = build_cohort("AUTRE-PROMO", trainees=1, email_prefix="autre")
    path = new_feed(client_for(cohort.trainer))
    found = events(app.test_client().get(path).get_data(as_text=True))
    assert set(found) == {f"{s.uuid}@tremplin" for s in cohort.sessions}
    assert not {f"{s.uuid}@tremplin" for s in other.sessions} & set(found)


def test_an_unknown_token_is_404(client):
    assert client.get("/calendar/nothing-here.ics").status_code == 404


def test_a_withdrawn_trainee_no_longer_sees_the_sessions_after_leaving(client_for, cohort):
    from courses.self_views import sessions_for

    before = {s.id for s in sessions_for(cohort.trainee)}
    services.withdraw(cohort.enrolment, cohort.future[0].on)
    db.session.commit()
    after = {s.id for s in sessions_for(cohort.trainee)}
    assert {s.id for s in cohort.future} <= before
    assert after == before - {s.id for s in cohort.future}
