"""A trainee of the demo on a 360 px phone puts a public badge on LinkedIn: the "Add" link, then every field of
LinkedIn's form as labelled text with a "Copy" button that fills the clipboard; without JavaScript the same fields
stay selectable. A private badge says in one sentence why LinkedIn needs a public one, and where to choose."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from badges.models import Award
from core.db import db
from core.models import User
from tests.e2e.conftest import Live, Pages, log_in, new_context

pytestmark = pytest.mark.e2e

SMALL_PHONE = {"width": 360, "height": 740}
FIELDS = ("Nom", "Organisme émetteur", "Date d’émission", "ID de la certification", "URL de la certification")


def holder_with_public_and_private_badges(live: Live) -> tuple[str, Award, Award]:
    """A demo trainee who made one badge public and kept another private: ``(email, public, private)``."""
    with live.app.app_context():
        active = db.select(Award).where(Award.revoked_at.is_(None)).order_by(Award.id)
        for public in db.session.scalars(active.where(Award.visibility == "public")):
            private = db.session.scalar(
                active.where(Award.recipient_id == public.recipient_id, Award.visibility == "unlisted")
            )
            if private is not None:
                email = db.session.get(User, public.recipient_id).email
                db.session.expunge_all()
                db.session.remove()
                return email, public, private
    raise AssertionError("no demo trainee with a public and a private badge")


def test_a_public_badge_goes_to_linkedin_from_a_phone(browser, live: Live, pages: Pages):
    email, public, private = holder_with_public_and_private_badges(live)
    context = new_context(browser, live.url, viewport=SMALL_PHONE, is_mobile=True, has_touch=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    page = context.new_page()
    log_in(page, email)

    page.goto(f"/me/badges/{public.uuid}")
    section = page.locator("#linkedin")
    expect(section.get_by_role("heading", name="Sur LinkedIn")).to_be_visible()
    add = section.get_by_role("link", name="Ajouter à mon profil LinkedIn")
    expect(add).to_be_visible()
    query = parse_qs(urlsplit(add.get_attribute("href")).query)
    assert query["startTask"] == ["CERTIFICATION_NAME"] and query["certId"] == [str(public.uuid)]
    for label in FIELDS:
        field = section.get_by_label(label, exact=True)
        expect(field).to_be_visible()
        expect(field).to_have_attribute("readonly", "")
        assert field.input_value(), label
        box = field.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= SMALL_PHONE["width"], (label, box)
        button = section.get_by_role("button", name=f"Copier {label}", exact=True)
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box["x"] + box["width"] <= SMALL_PHONE["width"], (label, box)
    assert section.get_by_label("URL de la certification", exact=True).input_value().endswith(f"/verify/{public.uuid}")
    pages.check(page, "70-trainee-phone-badge-linkedin")

    section.get_by_role("button", name="Copier ID de la certification", exact=True).tap()
    expect(section.get_by_role("status")).to_have_text("Copié : ID de la certification.")
    assert page.evaluate("navigator.clipboard.readText()") == str(public.uuid)

    page.goto(f"/me/badges/{private.uuid}")
    section = page.locator("#linkedin")
    expect(section).to_contain_text("LinkedIn a besoin d’un badge public, avec votre nom.")
    assert section.get_by_role("textbox").count() == 0 and "linkedin.com" not in page.content()
    section.get_by_role("link", name="Choisir qui peut le voir").tap()
    expect(page).to_have_url(re.compile("#h-choice$"))
    expect(page.get_by_role("heading", name="Qui peut le voir")).to_be_in_viewport()
    pages.check(page, "71-trainee-phone-private-badge-linkedin")
    context.close()


def test_without_javascript_the_fields_are_selectable_text(browser, live: Live):
    email, public, _private = holder_with_public_and_private_badges(live)
    context = new_context(browser, live.url, viewport=SMALL_PHONE, java_script_enabled=False)
    page = context.new_page()
    log_in(page, email)
    page.goto(f"/me/badges/{public.uuid}")
    section = page.locator("#linkedin")
    for label in FIELDS:
        expect(section.get_by_label(label, exact=True)).to_be_visible()
    expect(section.get_by_role("button")).to_have_count(0)  # no "Copy" button that would do nothing
    field = section.get_by_label("ID de la certification", exact=True)
    field.select_text()
    assert page.evaluate("window.getSelection().toString() || document.activeElement.value") == str(public.uuid)
    context.close()
