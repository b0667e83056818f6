"""A trainee of the demo on a 360 px phone: "My training" says where she stands and what comes next on the first
screen, details stay folded by module, no internal code shows; then she logs a day of hours, changes it and
deletes it while it waits for her referent."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from core.db import db
from core.models import User
from courses import services
from courses.demo import COHORT_CODE
from courses.models import Enrolment, HoursEntry
from tests.e2e.conftest import Live, Pages, log_in, new_context

pytestmark = pytest.mark.e2e

SMALL_PHONE = {"width": 360, "height": 740}
TRAINEE = "dario.exemple@example.org"
FIRST_SCREEN = 800  # px: "where I stand" ends above this line, "what's next" starts above it


def free_practice_day(live: Live) -> date:
    """A past day inside Dario's placement with no hours logged yet (what the form accepts)."""
    with live.app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == TRAINEE))
        enrolment = db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == user.id))
        logged = set(db.session.scalars(db.select(HoursEntry.on).where(HoursEntry.enrolment_id == enrolment.id)))
        for back in range(1, 120):
            day = date.today() - timedelta(days=back)
            placement = services.placement_for(enrolment, day)
            if placement is not None and day not in logged:
                db.session.remove()
                return day
    raise AssertionError("no free day in Dario's placement")


def test_my_training_on_a_phone_and_hours_waiting_for_confirmation(browser, live: Live, pages: Pages):
    day = free_practice_day(live)
    context = new_context(browser, live.url, viewport=SMALL_PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, TRAINEE)

    page.goto("/my/training")
    where = page.locator("#where")
    upcoming = page.locator("#next")
    expect(where.get_by_role("heading", name="Où j'en suis")).to_be_visible()
    expect(upcoming.get_by_role("heading", name="La suite")).to_be_visible()
    expect(upcoming).to_contain_text("Prochaine séance")
    expect(upcoming).to_contain_text("Prochain badge")
    # The first screen: all of "where I stand", then "what's next" begins with the next session (the menu of
    # every page takes its 3 lines above; the rest of "what's next" follows at once below).
    where_box, session_box = where.bounding_box(), page.locator("#next-session").bounding_box()
    assert where_box["y"] + where_box["height"] <= FIRST_SCREEN, where_box
    assert session_box["y"] <= FIRST_SCREEN, session_box
    for label in ("Présences", "Heures de pratique", "Compétences"):  # each bar is named with its target
        expect(where.get_by_role("progressbar", name=re.compile(f"^{label} .*(sur|il faut)"))).to_be_visible()
    details = page.locator("details.module-details")
    assert details.count() >= 3 and page.locator("details[open]").count() == 0
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 2500, height  # it was 7,665 px with every competency and session unfolded
    assert COHORT_CODE not in page.locator("body").inner_text()
    pages.check(page, "60-trainee-phone-my-training")
    details.first.locator("summary").tap()
    expect(details.first.get_by_role("heading", name="Mes compétences")).to_be_visible()

    page.goto("/my/hours")
    assert page.get_by_label("Heures", exact=True).input_value() == ""  # nothing to erase first
    assert page.get_by_label("Minutes", exact=True).input_value() == ""
    page.get_by_label("Jour", exact=True).fill(day.isoformat())
    page.get_by_label("Heures", exact=True).fill("3")
    page.get_by_role("button", name="Enregistrer").tap()
    expect(page.locator(".flashes")).to_contain_text("Heures enregistrées")
    day_words = page.locator(".entry").filter(has_text="3\u00a0h").filter(has_text="En attente")
    expect(day_words).to_have_count(1)
    pages.check(page, "61-trainee-phone-hours-logged")

    day_words.get_by_role("link", name=re.compile("Modifier")).tap()
    page.wait_for_url(re.compile(r"/my/hours/[0-9a-f-]{36}$"))
    expect(page.get_by_label("Heures", exact=True)).to_have_value("3")
    page.get_by_label("Heures", exact=True).fill("4")
    page.get_by_label("Minutes", exact=True).fill("30")
    pages.check(page, "62-trainee-phone-hours-change")
    page.get_by_role("button", name="Enregistrer mes changements").tap()
    expect(page.locator(".flashes")).to_contain_text("Vos changements sont enregistrés")
    changed = page.locator(".entry").filter(has_text="4\u00a0h\u00a030")
    expect(changed).to_have_count(1)

    changed.get_by_role("link", name=re.compile("Modifier")).tap()
    page.get_by_role("button", name=re.compile("Supprimer les heures du")).tap()
    expect(page.locator(".flashes")).to_contain_text("sont supprimées")
    expect(page.locator(".entry").filter(has_text="4\u00a0h\u00a030")).to_have_count(0)
    pages.check(page, "63-trainee-phone-hours-deleted")
    context.close()
