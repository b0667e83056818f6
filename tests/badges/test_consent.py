"""Consent records for publishing a badge: what the holder agreed to, when, in which words and language."""

from __future__ import annotations

import sqlalchemy as sa

from badges import consent, services
from core.db import db
from core.privacy.models import ConsentRecord
from core.privacy.services import consents_of
from tests.conftest import PASSWORD


def _login(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_each_choice_of_the_holder_is_recorded_with_its_wording(app, award, holder):
    client = _login(app, holder)
    page = client.get(f"/me/badges/{award.uuid}").get_data(as_text=True)
    # Before choosing, the page says what each choice means, with the name a public badge would show.
    assert "Ce que veut dire chaque choix" in page
    assert "Je rends ce badge public. Il montre mon nom : « Camille Dupont »" in page
    assert "Mes choix pour ce badge" not in page  # nothing chosen yet

    assert client.post(f"/me/badges/{award.uuid}", data={"visibility": "public"}).status_code == 302
    db.session.refresh(award)
    public = award.superseded_by
    assert client.post(f"/me/badges/{public.uuid}", data={"visibility": "unlisted"}).status_code == 302
    db.session.refresh(public)
    private = public.superseded_by
    assert client.post(f"/me/badges/{private.uuid}", data={"visibility": "declined"}).status_code == 302

    records = consents_of(holder, purpose=consent.CONSENT_PURPOSE)
    assert [(r.choice, r.decision) for r in reversed(records)] == [
        ("public", "given"),
        ("unlisted", "withdrawn"),
        ("declined", "refused"),
    ]
    given = records[-1]
    assert given.subject == f"badge_award:{award.uuid}"
    assert given.language == "fr" and given.wording_version == consent.WORDING_VERSION
    assert given.wording.startswith("Je rends ce badge public. Il montre mon nom : « Camille Dupont »")
    assert given.at is not None
    assert records[0].wording.startswith("Je refuse ce badge")

    # The history of choices is on the badge's page (all copies of the badge).
    page = client.get(f"/me/badges/{private.uuid}").get_data(as_text=True)
    assert "Mes choix pour ce badge" in page
    assert page.count("Je rends ce badge public") == 2  # the explanation, and the recorded choice
    assert "Je garde ce badge privé" in page and "Je refuse ce badge" in page


def test_the_wording_is_recorded_in_the_language_the_holder_reads(app, award, holder):
    client = _login(app, holder)
    client.post("/language", data={"lang": "en"})
    assert client.post(f"/me/badges/{award.uuid}", data={"visibility": "public"}).status_code == 302
    record = db.session.scalar(sa.select(ConsentRecord))
    assert record.language == "en"
    assert record.wording.startswith("I make this badge public. It shows my name, “Camille Dupont”")


def test_a_coordinators_change_is_not_a_consent(app, award, holder, create_user):
    coordinator = create_user(roles=("admin",))
    services.set_visibility(award, "declined", coordinator)
    db.session.commit()
    assert consents_of(holder) == []


def test_a_refused_choice_records_nothing(app, award, holder):
    client = _login(app, holder)
    response = client.post(f"/me/badges/{award.uuid}", data={"visibility": "everyone"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConsentRecord)) == 0
