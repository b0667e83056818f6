"""Adèle, on a 360 px phone, puts one of her badges in her digital wallet: the button on her badge's page, then
a QR code and an "Open my wallet" link, with the single-use, ten-minute rule said in plain French. The link is
a working offer: its code buys an access token at the token endpoint, once."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from badges.models import Award
from badges.oid4vci import PRE_AUTHORIZED_GRANT
from core.db import db
from core.models import User
from tests.e2e.conftest import Live, Pages, log_in, new_context

pytestmark = pytest.mark.e2e

SMALL_PHONE = {"width": 360, "height": 740}
ADELE = "adele.exemple@example.org"


def _adeles_badge(live: Live) -> Award:
    with live.app.app_context():
        award = db.session.scalar(
            db.select(Award)
            .join(User, User.id == Award.recipient_id)
            .where(User.email == ADELE, Award.revoked_at.is_(None))
            .order_by(Award.id)
        )
        assert award is not None
        db.session.expunge_all()
        db.session.remove()
        return award


def test_adele_puts_a_badge_in_her_wallet_from_a_phone(browser, live: Live, pages: Pages):
    award = _adeles_badge(live)
    context = new_context(browser, live.url, viewport=SMALL_PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, ADELE)
    page.goto(f"/me/badges/{award.uuid}")
    section = page.locator("#wallet")
    expect(section.get_by_role("heading", name="Dans mon portefeuille numérique")).to_be_visible()
    section.get_by_role("button", name="Mettre ce badge dans mon portefeuille").tap()

    expect(page.get_by_role("heading", name="Mettre ce badge dans mon portefeuille", level=1)).to_be_visible()
    qr = page.get_by_role("img", name="QR code pour votre portefeuille")
    expect(qr).to_be_visible()
    box = qr.locator("svg").bounding_box()  # the whole code on the screen, large enough for a camera
    assert box["width"] >= 200 and box["x"] >= 0 and box["x"] + box["width"] <= SMALL_PHONE["width"] - 16, box
    expect(page.get_by_text("Ce code marche une seule fois, pendant 10 minutes.")).to_be_visible()
    link = page.get_by_role("link", name="Ouvrir mon portefeuille")
    expect(link).to_be_visible()
    uri = link.get_attribute("href")
    assert uri.startswith("openid-credential-offer://?credential_offer=")
    pages.check(page, "72-trainee-phone-badge-wallet")
    context.close()

    offer = json.loads(parse_qs(urlsplit(uri).query)["credential_offer"][0])
    assert offer["credential_issuer"] == live.url
    data = {
        "grant_type": PRE_AUTHORIZED_GRANT,
        "pre-authorized_code": offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"],
    }
    client = live.app.test_client()
    first = client.post("/oid4vci/token", data=data)
    assert first.status_code == 200 and first.get_json()["token_type"] == "Bearer"
    again = client.post("/oid4vci/token", data=data)
    assert (again.status_code, again.get_json()["error"]) == (400, "invalid_grant")
