"""Practice hours: logged by the trainee, confirmed or rejected by the referent (with an account or through a
signed link), counted only once confirmed; the link can be revoked and is good for one placement only."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from core.db import db
from courses import eligibility, services
from courses.models import HoursEntry
from tests.courses.conftest import count, placement_with_hours

TODAY = date.today()


def plain(page) -> str:
    """The page's text with every run of white space (non-breaking ones too: "7\u00a0h") as one space."""
    return re.sub(r"\s+", " ", page.get_data(as_text=True))


def fresh(entry: HoursEntry) -> HoursEntry:
    db.session.expire_all()
    return db.session.get(HoursEntry, entry.id)


def review_state(entry: HoursEntry) -> tuple:
    entry = fresh(entry)
    return entry.state, entry.reviewed_by_id, entry.reviewed_via_link, entry.review_comment


def confirmed_minutes(enrolment) -> int:
    db.session.expire_all()
    return eligibility.evaluate_enrolment(enrolment).placement_minutes


@pytest.fixture
def placement(cohort, make_tutor):
    """Alice's placement at Structure A, followed by Rita (who has an account), with two pending entries."""
    rita = make_tutor(email="rita@example.org", legal_name="Rita Référente")
    placement, entries = placement_with_hours(cohort.enrolment, rita, "Structure A", 240, 180)
    return placement, rita, entries


# --- the trainee logs hours -----------------------------------------------------------------------------------------


def test_a_trainee_logs_hours_which_wait_for_confirmation(client_for, cohort, placement):
    place = placement[0]
    client = client_for(cohort.trainee)
    day = TODAY - timedelta(days=5)
    response = client.post(
        "/my/hours", data={"on": day.isoformat(), "hours": "3", "minutes": "30", "activity": "réunion d'équipe"}
    )
    assert response.status_code == 302
    entry = db.session.scalar(db.select(HoursEntry).where(HoursEntry.on == day))
    assert (entry.enrolment_id, entry.minutes, entry.state, entry.activity, entry.placement_id) == (
        cohort.enrolment.id,
        210,
        "pending",
        "réunion d'équipe",
        place.id,
    )
    assert confirmed_minutes(cohort.enrolment) == 0
    page = client.get("/my/hours")
    assert page.status_code == 200 and "réunion d&#39;équipe" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "fields",
    [
        {"on": (TODAY + timedelta(days=1)).isoformat(), "hours": "2", "minutes": "0"},
        {"on": TODAY.isoformat(), "hours": "25", "minutes": "0"},
        {"on": TODAY.isoformat(), "hours": "24", "minutes": "30"},
        {"on": TODAY.isoformat(), "hours": "0", "minutes": "0"},
        {"on": TODAY.isoformat(), "hours": "", "minutes": "30"},
    ],
    ids=["future date", "25 hours", "more than 24 hours", "nothing", "no hours"],
)
def test_impossible_hours_are_refused(client_for, cohort, fields):
    response = client_for(cohort.trainee).post("/my/hours", data=fields)
    assert response.status_code == 422
    assert count(HoursEntry) == 0


def test_a_trainee_sees_only_their_own_hours(client_for, cohort, placement, make_tutor):
    placement_with_hours(cohort.enrolments[1], make_tutor(), "Structure B", 333)
    page = plain(client_for(cohort.trainee).get("/my/hours"))
    assert "5 h 33" not in page and "4 h" in page and "3 h" in page


def test_only_confirmed_hours_count(cohort, placement):
    _, rita, (four_hours, three_hours) = placement
    extra = services.log_hours(cohort.enrolment, TODAY - timedelta(days=4), 60, state="rejected")
    db.session.commit()
    assert extra.state == "rejected" and confirmed_minutes(cohort.enrolment) == 0
    services.review_hours(fresh(four_hours), "confirmed", by=rita)
    db.session.commit()
    assert confirmed_minutes(cohort.enrolment) == 240
    services.review_hours(fresh(three_hours), "rejected", by=rita, comment="pas ce jour-là")
    db.session.commit()
    assert confirmed_minutes(cohort.enrolment) == 240


# --- the referent with an account ------------------------------------------------------------------------------------


def test_the_referent_confirms_and_rejects_with_a_comment(client_for, cohort, placement):
    _, rita, (four_hours, three_hours) = placement
    client = client_for(rita)
    page = client.get("/hours/to-confirm").get_data(as_text=True)
    assert str(four_hours.uuid) in page and str(three_hours.uuid) in page

    assert client.post(f"/hours/{four_hours.uuid}/review", data={"decision": "confirmed"}).status_code == 302
    assert review_state(four_hours) == ("confirmed", rita.id, False, None)
    assert fresh(four_hours).reviewed_at is not None

    # a rejection needs a reason
    assert client.post(f"/hours/{three_hours.uuid}/review", data={"decision": "rejected", "comment": "  "}).status_code
    assert review_state(three_hours) == ("pending", None, False, None)
    response = client.post(
        f"/hours/{three_hours.uuid}/review", data={"decision": "rejected", "comment": "Je n'étais pas là ce jour-là"}
    )
    assert response.status_code == 302
    assert review_state(three_hours) == ("rejected", rita.id, False, "Je n'étais pas là ce jour-là")
    assert confirmed_minutes(cohort.enrolment) == 240
    # nothing left to confirm
    page = client.get("/hours/to-confirm").get_data(as_text=True)
    assert str(four_hours.uuid) not in page and str(three_hours.uuid) not in page


def test_a_review_needs_a_decision(client_for, placement):
    _, rita, (entry, _) = placement
    client_for(rita).post(f"/hours/{entry.uuid}/review", data={"decision": "pending"})
    client_for(rita).post(f"/hours/{entry.uuid}/review", data={})
    assert review_state(entry) == ("pending", None, False, None)


def test_a_trainer_of_the_cohort_may_confirm_too(client_for, cohort, placement):
    _, _, (entry, _) = placement
    response = client_for(cohort.trainer).post(
        f"/hours/{entry.uuid}/review", data={"decision": "confirmed", "next_page": "enrolment"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/enrolments/{cohort.enrolment.uuid}#hours")
    assert review_state(entry) == ("confirmed", cohort.trainer.id, False, None)


# --- the signed link ------------------------------------------------------------------------------------------


def link_path(placement) -> str:
    url = services.tutor_link(placement)
    assert url.startswith("http://localhost/referent/")
    return urlsplit(url).path


def test_tutor_link_works_outside_a_request(app, placement):
    # called from the app context alone (a command, a job): the address is built on BASE_URL
    assert services.tutor_link(placement[0]).startswith("http://localhost/referent/")


@pytest.fixture
def no_account(cohort):
    """Bruno's placement, whose referent has no account (name and e-mail only), with one pending entry."""
    return placement_with_hours(cohort.enrolments[1], None, "Structure B", 420, tutor_email="Ref.B@Example.org")


def test_the_link_shows_the_hours_without_logging_in(client, no_account):
    placement, (entry,) = no_account
    assert placement.tutor_email == "ref.b@example.org"
    path = link_path(placement)
    page = client.get(path)
    assert page.status_code == 200
    text = plain(page)
    assert "Bruno Dubois" in text and "Structure B" in text and "7 h" in text
    assert f'action="{path}/{entry.uuid}"' in text


def test_the_link_confirms_and_rejects_without_an_account(client, no_account):
    placement, (entry,) = no_account
    second = services.log_hours(placement.enrolment, TODAY - timedelta(days=9), 90)
    db.session.commit()
    path = link_path(placement)
    response = client.post(f"{path}/{entry.uuid}", data={"decision": "confirmed"})
    assert response.status_code == 302 and response.headers["Location"].endswith(path)
    assert review_state(entry) == ("confirmed", None, True, None)
    client.post(f"{path}/{second.uuid}", data={"decision": "rejected"})
    assert review_state(second) == ("pending", None, False, None)
    client.post(f"{path}/{second.uuid}", data={"decision": "rejected", "comment": "Pas de stage ce jour"})
    assert review_state(second) == ("rejected", None, True, "Pas de stage ce jour")
    assert confirmed_minutes(placement.enrolment) == 420
    page = client.get(path, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Votre réponse" not in page and "Confirmé" in page  # nothing left to answer: no empty column


def test_a_referent_with_an_account_may_use_the_link_too(client, placement):
    place, rita, (entry, _) = placement
    assert client.post(f"{link_path(place)}/{entry.uuid}", data={"decision": "confirmed"}).status_code == 302
    assert review_state(entry) == ("confirmed", rita.id, True, None)


def tampered(path: str) -> list[str]:
    token = path.rsplit("/", 1)[1]
    head, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    return [
        f"/referent/{head}.{payload}.{flipped}",
        f"/referent/{head}.{payload[:-3]}xyz.{signature}",
        "/referent/not-a-token",
    ]


def test_a_tampered_link_is_refused(client, no_account):
    placement, (entry,) = no_account
    for bad in tampered(link_path(placement)):
        assert client.get(bad).status_code == 400, bad
        assert client.post(f"{bad}/{entry.uuid}", data={"decision": "confirmed"}).status_code == 400, bad
    assert review_state(entry) == ("pending", None, False, None)


def test_ending_the_placement_revokes_the_links_already_sent(client, no_account):
    placement, (entry,) = no_account
    old = link_path(placement)
    assert client.get(old).status_code == 200
    services.cancel_placement(placement, TODAY)
    db.session.commit()
    assert client.get(old).status_code == 400
    assert client.post(f"{old}/{entry.uuid}", data={"decision": "confirmed"}).status_code == 400
    assert review_state(entry) == ("pending", None, False, None)
    # a new link works, and the hours done before the end can still be confirmed
    new = link_path(placement)
    assert client.post(f"{new}/{entry.uuid}", data={"decision": "confirmed"}).status_code == 302
    assert review_state(entry) == ("confirmed", None, True, None)


def test_a_link_confirms_only_its_own_placements_hours(client, placement, no_account):
    place_a, _, (alice_entry, _) = placement
    place_b, (bruno_entry,) = no_account
    response = client.post(f"{link_path(place_a)}/{bruno_entry.uuid}", data={"decision": "confirmed"})
    assert response.status_code in (400, 404)
    assert review_state(bruno_entry) == ("pending", None, False, None)
    page = client.get(link_path(place_a)).get_data(as_text=True)
    assert str(alice_entry.uuid) in page and str(bruno_entry.uuid) not in page
    assert "Bruno Dubois" not in page
    assert place_b.id != place_a.id


def test_sending_the_link_puts_it_in_the_outbox(client_for, admin, no_account):
    from core.models import OutboxMessage

    placement, _ = no_account
    response = client_for(admin).post(f"/placements/{placement.uuid}/send-link")
    assert response.status_code == 302
    message = db.session.scalar(db.select(OutboxMessage))
    assert message.recipient == "ref.b@example.org" and message.purpose == "tutor-link"
    link = next(word for word in message.body.split() if word.startswith("http://localhost/referent/"))
    assert client_for(admin).get(urlsplit(link).path).status_code == 200


def test_a_link_never_overturns_a_decision(client, no_account, admin, client_for):
    """A referent's link confirms pending hours only; coordinators may correct a decision."""
    placement, (entry,) = no_account
    services.review_hours(fresh(entry), "confirmed", by=admin)
    db.session.commit()
    path = link_path(placement)
    client.post(f"{path}/{entry.uuid}", data={"decision": "rejected", "comment": "changement"})
    assert fresh(entry).state == "confirmed"
    coordinator = client_for(admin)
    coordinator.post(f"/hours/{entry.uuid}/review", data={"decision": "rejected", "comment": "erreur de saisie"})
    assert review_state(entry)[0::3] == ("rejected", "erreur de saisie")


def test_a_referent_with_an_account_cannot_overturn_either(client_for, placement):
    _place, rita, (entry, _) = placement
    referent = client_for(rita)
    referent.post(f"/hours/{entry.uuid}/review", data={"decision": "confirmed"})
    referent.post(f"/hours/{entry.uuid}/review", data={"decision": "rejected", "comment": "non"})
    assert fresh(entry).state == "confirmed"


def test_a_day_never_holds_more_than_24_hours(cohort, placement):
    day = TODAY - timedelta(days=10)
    services.log_hours(cohort.enrolment, day, 13 * 60)
    with pytest.raises(services.ServiceError):
        services.log_hours(cohort.enrolment, day, 13 * 60)
    rejected = services.log_hours(cohort.enrolment, day, 11 * 60)
    services.review_hours(rejected, "rejected", by=None, comment="doublon")
    services.log_hours(cohort.enrolment, day, 11 * 60)  # rejected hours do not count towards the day


def test_hours_without_a_placement_reach_the_cohort_staff(client_for, cohort):
    entry = services.log_hours(cohort.enrolments[2], TODAY - timedelta(days=2), 120)
    db.session.commit()
    assert entry.placement_id is None
    page = client_for(cohort.trainer).get("/hours/to-confirm").get_data(as_text=True)
    assert str(entry.uuid) in page
