"""Issue 16, "Traps and untruths": each trap as its user met it, in Chromium on a 360 px wide phone, on a copy of
the demo. Each journey failed on the code before its fix.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from core.db import db
from tests.e2e.conftest import Live, Pages, log_in, new_context

pytestmark = pytest.mark.e2e

PHONE_360 = {"width": 360, "height": 780}
COORDINATOR = "coordination@example.org"


@pytest.fixture
def phone(browser, live: Live):
    context = new_context(browser, live.url, viewport=PHONE_360)
    yield context.new_page()
    context.close()


def in_app(live: Live, work):
    """Run ``work()`` in the live app's context (to read the demo or make a link), and leave no session behind."""
    with live.app.app_context():
        try:
            return work()
        finally:
            db.session.remove()


# --- 1. a refused answer keeps the choice the referent made ------------------------------------------------------


def test_referent_do_not_confirm_without_comment_stays_do_not_confirm(live: Live, phone, pages: Pages):
    from courses import services
    from courses.models import HoursEntry, HoursState, Placement

    def link_and_entry():
        entry = db.session.scalars(
            db.select(HoursEntry)
            .join(Placement, Placement.id == HoursEntry.placement_id)
            .where(HoursEntry.state == HoursState.PENDING.value)
            .order_by(HoursEntry.on)
        ).first()
        return services.tutor_link(entry.placement), str(entry.uuid)

    link, entry_uuid = in_app(live, link_and_entry)
    phone.goto(link)
    form = phone.locator(f"form[action$='/{entry_uuid}']")
    form.get_by_label("Ne pas confirmer").check()
    form.get_by_role("button", name="Envoyer").click()
    form = phone.locator(f"form[action$='/{entry_uuid}']")
    expect(form.get_by_role("alert")).to_contain_text("pourquoi")
    expect(form.get_by_label("Ne pas confirmer")).to_be_checked()
    expect(form.get_by_label("Confirmer", exact=True)).not_to_be_checked()
    pages.check(phone, "traps-01-referent-refused-answer-kept")
    # Sending again (with the reason) records what she meant: not confirmed.
    form.get_by_label("Commentaire").fill("Je n'étais pas là ce jour-là")
    form.get_by_role("button", name="Envoyer").click()
    expect(phone.locator(".alert--success")).to_be_visible()

    def state():
        return db.session.scalar(db.select(HoursEntry.state).where(HoursEntry.uuid == uuid.UUID(entry_uuid)))

    assert in_app(live, state) == HoursState.REJECTED.value
