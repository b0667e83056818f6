"""A trainee of the demo connects her other wallet (a stub OB 3.0 backpack on another loopback port: another
origin) in Chromium: she types its address, reads what comes next, follows the link, is back connected, ticks a
badge and sends it, then disconnects. The link is what makes it work in a browser: a redirect from the form to
another origin would be stopped by the page's CSP (``form-action 'self'``)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from badges.models import Award, BackpackConnection
from core.db import db
from core.models import User
from tests.badges.backpack_stub import StubBackpack
from tests.e2e.conftest import Live, Pages, log_in, new_context

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module", autouse=True)
def loopback_backpacks_allowed() -> Iterator[None]:
    """Before the live app starts (an autouse fixture comes first): the stub's address on the allow-list, and plain
    http on loopback (Authlib's switch). Put back as they were after the module."""
    saved = {k: os.environ.get(k) for k in ("TREMPLIN_VERIFY_ALLOW_NETWORKS", "AUTHLIB_INSECURE_TRANSPORT")}
    os.environ["TREMPLIN_VERIFY_ALLOW_NETWORKS"] = '"127.0.0.1/32"'
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def stub() -> Iterator[StubBackpack]:
    site = StubBackpack()
    yield site
    site.close()


def trainee_with_a_valid_badge(live: Live) -> tuple[str, Award]:
    with live.app.app_context():
        award = db.session.scalar(
            db.select(Award)
            .where(Award.revoked_at.is_(None), Award.valid_until.is_(None), Award.visibility != "declined")
            .order_by(Award.id)
        )
        email = db.session.get(User, award.recipient_id).email
        db.session.expunge_all()
        db.session.remove()
        return email, award


def test_a_trainee_connects_her_wallet_sends_a_badge_and_disconnects(browser, live: Live, pages: Pages, stub):
    email, award = trainee_with_a_valid_badge(live)
    context = new_context(browser, live.url)
    page = context.new_page()
    log_in(page, email)

    page.goto("/me/badges")
    page.get_by_role("link", name="Envoyer mes badges vers un autre portefeuille").click()
    expect(page.get_by_role("heading", name="Envoyer mes badges vers un autre portefeuille")).to_be_visible()
    pages.check(page, "80-trainee-wallet-connect")
    page.get_by_label("Adresse de votre autre portefeuille").fill("pas une adresse")
    page.get_by_role("button", name="Connecter ce portefeuille").click()
    expect(page.locator("#connect-url-error")).to_contain_text("Ce n'est pas une adresse web.")

    page.get_by_label("Adresse de votre autre portefeuille").fill(stub.url)
    page.get_by_role("button", name="Connecter ce portefeuille").click()
    expect(page.get_by_text("Étape suivante : connectez-vous à Stub Backpack et dites oui.")).to_be_visible()
    pages.check(page, "81-trainee-wallet-next-step")
    page.get_by_role("link", name="Continuer vers Stub Backpack").click()

    # Approved at once by the stub, and back here.
    expect(page.get_by_text("Votre portefeuille Stub Backpack est connecté.")).to_be_visible()
    assert page.url == f"{live.url}/me/badges/wallet"
    assert len(stub.tokens) == 1
    page.locator(f'input[name="award"][value="{award.uuid}"]').check()
    page.get_by_role("button", name="Envoyer", exact=True).click()
    expect(page.get_by_text("Vos badges sont en route.")).to_be_visible()
    pages.check(page, "82-trainee-wallet-sent")

    page.get_by_role("button", name="Déconnecter", exact=True).click()
    expect(page.get_by_text("Votre portefeuille est déconnecté.")).to_be_visible()
    with live.app.app_context():
        assert db.session.scalar(db.select(BackpackConnection)) is None
        db.session.remove()
    context.close()
