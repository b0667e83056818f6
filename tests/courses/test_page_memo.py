"""Pages kept in memory (``core.pagecache``): the trainee's home, a cohort's overview and its risk list. Each is
served again without the queries that build it while nothing it shows changed, and rendered afresh after every
change of what it shows — a fact of the cohort, her badges, her contact person, a name. The test configuration
renders every kept page afresh too and fails on a difference (``PAGE_CACHE_VERIFY``): these tests also show that
this check can fail, and that a kept page never skips the checks of who may open it."""

from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import g

from badges import services as badge_services
from core import pagecache
from core.db import db
from core.models import User
from courses import awarding, services
from courses.models import Cohort
from tests.conftest import statements
from tests.courses.test_facts_memo import CHANGES, _mark_all_present

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def without_tokens(html: str) -> str:
    return CSRF.sub('name="csrf_token" value=""', html)


def test_the_home_is_served_again_without_its_panels_queries(app, cohort, client_for):
    app.config["PAGE_CACHE_VERIFY"] = False  # as in production: no fresh page rendered beside the kept one
    client = client_for(cohort.trainee)
    first = home(client)
    with statements() as seen:
        again = home(client)
    assert without_tokens(again) == without_tokens(first)
    # the person (with her roles) and the versions: her enrolments with their cohorts' facts_version, her badges
    assert len(seen) <= 6, "\n".join(seen)
    assert not any("attendance" in s or "training_session" in s for s in seen), seen


def test_the_kept_page_gets_this_request_s_csrf_token(cohort, client_for):
    client = client_for(cohort.trainee)
    home(client)
    page = home(client)  # from memory
    token = CSRF.search(page).group(1)
    assert pagecache._PLACEHOLDER not in page
    other = home(client_for(cohort.trainees[1]))
    assert CSRF.search(other).group(1) != token
    # the token of the kept page works: the log-out form of the menu
    response = client.post("/logout", data={"csrf_token": token}, csrf=False)
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # logged out


def test_each_trainee_gets_her_own_page(cohort, client_for):
    alice, bruno = client_for(cohort.trainees[0]), client_for(cohort.trainees[1])
    for _ in range(2):
        assert "Alice Martin" in home(alice) and "Alice Martin" not in home(bruno)
        assert "Bruno Dubois" in home(bruno)


def test_a_flashed_message_is_shown_once_not_kept(cohort, client_for):
    client = client_for(cohort.trainee)
    home(client)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Message unique")]
    assert "Message unique" in home(client)
    assert "Message unique" not in home(client)


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_of_her_cohort_s_facts_shows(cohort, client_for, change):
    _mark_all_present(cohort)
    client = client_for(cohort.trainee)
    home(client)
    before = home(client)  # from memory
    CHANGES[change](cohort)
    db.session.commit()
    after = home(client)  # PAGE_CACHE_VERIFY: equal to the page rendered afresh
    if change not in ("final work", "competency validated"):  # not on the home page (her training page)
        assert without_tokens(after) != without_tokens(before), change


def test_her_contact_person_renamed_shows(cohort, client_for):
    client = client_for(cohort.trainee)
    assert "Trainer PROMO-TEST" in home(client)
    home(client)
    trainer = db.session.get(User, cohort.trainer.id)
    trainer.display_name = "Sam Nouveau"
    db.session.commit()
    page = home(client)
    assert "Sam Nouveau" in page and "Trainer PROMO-TEST" not in page


def test_another_contact_person_shows(cohort, client_for, make_trainer):
    client = client_for(cohort.trainee)
    home(client)
    contact = make_trainer(email="contact@example.org", legal_name="Nour Contact")
    db.session.get(Cohort, cohort.cohort.id).contact_id = contact.id
    db.session.commit()
    assert "Nour Contact" in home(client)


def test_her_own_name_and_language_show(cohort, client_for):
    client = client_for(cohort.trainee)
    home(client)
    user = db.session.get(User, cohort.trainee.id)
    user.display_name = "Alice M."
    db.session.commit()
    assert "Alice M." in home(client)
    user = db.session.get(User, cohort.trainee.id)
    user.language = "en"
    db.session.commit()
    assert "My training" in home(client)


def test_a_badge_issued_seen_and_revoked_shows(cohort, client_for, issuer):
    client = client_for(cohort.trainee)
    home(client)
    module = awarding.sync_achievements(cohort.cohort.programme)[0]
    award, _created = badge_services.issue(module, db.session.get(User, cohort.trainee.id), notify=False)
    db.session.commit()
    page = home(client)
    assert "new badge" in page or "nouveau badge" in page
    badge_services.mark_seen(award)
    db.session.commit()
    page = home(client)
    assert "nouveau badge" not in page and "1 badge" in page
    badge_services.revoke(award, "Erreur de saisie", notify=False)
    db.session.commit()
    assert "1 badge" not in home(client)


def test_the_check_fails_when_a_version_misses_a_change(cohort, client_for, monkeypatch):
    """A version that does not move with what the page shows: the kept page differs from a fresh one."""
    from core import views

    monkeypatch.setattr(views, "home_version", lambda user: ("never changes",))
    client = client_for(cohort.trainee)
    home(client)
    services.log_hours(cohort.enrolment, date.today() - timedelta(days=2), 240, state="pending")
    db.session.commit()
    with pytest.raises(pagecache.StalePage, match="differs from a fresh one"):
        client.get("/")


# --- the staff's pages of a cohort: its overview and its risk list -------------------------------------------------


def staff_page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["overview", "risk"])
def test_a_cohort_page_is_served_again_without_the_cohort_s_queries(app, cohort, client_for, admin, kind):
    app.config["PAGE_CACHE_VERIFY"] = False
    client = client_for(admin)
    path = f"/cohorts/{cohort.cohort.uuid}" + ("/reports/risk" if kind == "risk" else "")
    first = staff_page(client, path)
    with statements() as seen:
        again = staff_page(client, path)
    assert without_tokens(again) == without_tokens(first)
    assert not any("attendance" in s or "training_session" in s for s in seen), "\n".join(seen)


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_of_the_cohort_s_facts_shows_on_its_overview(cohort, client_for, admin, change):
    _mark_all_present(cohort)
    client = client_for(admin)
    overview, risk = f"/cohorts/{cohort.cohort.uuid}", f"/cohorts/{cohort.cohort.uuid}/reports/risk"
    before = [staff_page(client, overview), staff_page(client, risk)]
    staff_page(client, overview), staff_page(client, risk)  # from memory (PAGE_CACHE_VERIFY: equal to fresh pages)
    CHANGES[change](cohort)
    db.session.commit()
    after = [staff_page(client, overview), staff_page(client, risk)]
    assert without_tokens(after[0]) != without_tokens(before[0]), change


def test_a_trainee_renamed_shows_on_the_cohort_s_pages(cohort, client_for, admin):
    _mark_all_present(cohort)
    services.save_roster(
        cohort.past[0],
        {cohort.enrolment.id: services.MarkInput("absent")},
        cohort.trainer,
        cohort.past[0].roster_version,
    )
    db.session.commit()
    client = client_for(admin)
    paths = [f"/cohorts/{cohort.cohort.uuid}", f"/cohorts/{cohort.cohort.uuid}/reports/risk"]
    for path in paths * 2:
        assert "Alice Martin" in staff_page(client, path)
    user = db.session.get(User, cohort.trainee.id)
    user.legal_name = "Alice Lefèvre"
    db.session.commit()
    for path in paths:
        page = staff_page(client, path)
        assert "Alice Lefèvre" in page and "Alice Martin" not in page


def test_a_kept_page_is_never_served_to_someone_not_allowed(cohort, client_for, admin, make_trainer):
    path = f"/cohorts/{cohort.cohort.uuid}"
    staff_page(client_for(admin), path)
    staff_page(client_for(admin), path)
    outsider = client_for(make_trainer(email="other.trainer@example.org"))
    assert outsider.get(path).status_code == 403
    assert client_for(cohort.trainee).get(path).status_code == 403


def test_a_badge_reaching_its_end_date_shows(cohort, client_for, issuer):
    """The certificate link follows the programme badge's status: its end date passing changes the version."""
    client = client_for(cohort.trainee)
    module = awarding.sync_achievements(cohort.cohort.programme)[0]
    soon = datetime.now(UTC) + timedelta(seconds=2)
    badge_services.issue(module, db.session.get(User, cohort.trainee.id), notify=False, valid_until=soon)
    db.session.commit()
    home(client)
    version = badge_services.holder_version(db.session.get(User, cohort.trainee.id))
    db.session.rollback()
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.1)
    g.pop("badges_holder_version", None)
    assert badge_services.holder_version(db.session.get(User, cohort.trainee.id)) != version
    home(client)  # PAGE_CACHE_VERIFY: equal to a fresh page
