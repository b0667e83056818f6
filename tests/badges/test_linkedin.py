"""LinkedIn: the "Add to profile" link of a public badge (every field of LinkedIn's certification form, properly
encoded, parsed back here) and the same fields as text to copy; nothing for a private, revoked or someone else's
badge; the training body's LinkedIn page id from the configuration."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from badges import linkedin, services
from core import create_app
from core.config import ConfigError
from core.db import db
from tests.conftest import PASSWORD, make_config

EARNED = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)  # 1 February 2026 in Brussels: the month she sees on her pages
EXPIRES = datetime(2029, 6, 30, 22, 30, tzinfo=UTC)  # 1 July 2029 in Brussels
LINK = re.compile(r'href="(https://www\.linkedin\.com/profile/add\?[^"]*)"')


def _login(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def _query(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.linkedin.com", "/profile/add")
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in query.values()), query
    return {key: values[0] for key, values in query.items()}


def _links(html: str) -> list[str]:
    return [unescape(url) for url in LINK.findall(html)]


@pytest.fixture
def public_award(achievement, holder):
    award, created = services.issue(
        achievement,
        holder,
        context_ref="test:linkedin",
        display_name=holder.name,
        visibility="public",
        earned_at=EARNED,
        valid_until=EXPIRES,
    )
    assert created
    db.session.commit()
    return award


# ------------------------------------------------------------------------------------------------ the link


def test_every_value_is_encoded_and_parses_back():
    cert = linkedin.Certification(
        name="Pair-aidance & éthique #2 = 100 % réussi?",
        organization_name="Institut Démo / Liège+Namur",
        issued=date(2026, 2, 1),
        expires=date(2029, 7, 1),
        cert_url="https://formation.example.org/verify/abc?lang=fr&x=1",
        cert_id="0c6c1a66-5d2c-4a49-9a7d-1e1f5f0a8b31",
    )
    url = linkedin.add_to_profile_url(cert)
    assert " " not in url and "&x=1" not in url and "#" not in url
    assert _query(url) == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Pair-aidance & éthique #2 = 100 % réussi?",
        "organizationName": "Institut Démo / Liège+Namur",
        "issueYear": "2026",
        "issueMonth": "2",
        "expirationYear": "2029",
        "expirationMonth": "7",
        "certUrl": "https://formation.example.org/verify/abc?lang=fr&x=1",
        "certId": "0c6c1a66-5d2c-4a49-9a7d-1e1f5f0a8b31",
    }


def test_the_organisation_page_id_replaces_the_name_and_no_expiry_sends_none():
    cert = linkedin.Certification(
        name="Badge", organization_name="Institut", organization_id="2414183", issued=date(2026, 12, 1),
        cert_url="https://x.example/verify/1", cert_id="1",
    )  # fmt: skip
    query = _query(linkedin.add_to_profile_url(cert))
    assert query["organizationId"] == "2414183" and "organizationName" not in query
    assert "expirationYear" not in query and "expirationMonth" not in query
    assert (query["issueYear"], query["issueMonth"]) == ("2026", "12")


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), (2414183, "2414183"), (" 42 ", "42")])
def test_the_organisation_id_setting_is_read(value, expected):
    assert linkedin.organization_id(value) == expected


@pytest.mark.parametrize("value", ["Institut Démo", "https://www.linkedin.com/company/42/", "0", "-3", "４２", True])
def test_a_wrong_organisation_id_stops_the_app_with_a_clear_message(database_url, _migrated, value):
    with pytest.raises(ValueError):
        linkedin.organization_id(value)
    with pytest.raises(ConfigError, match="TREMPLIN_LINKEDIN_ORGANIZATION_ID must be the number"):
        create_app(make_config(database_url, LINKEDIN_ORGANIZATION_ID=value))


# ------------------------------------------------------------------------------------------------ the holder's page


def test_a_public_badge_offers_the_link_and_the_fields_to_copy(app, public_award, holder):
    client = _login(app, holder)
    page = client.get(f"/me/badges/{public_award.uuid}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    [url] = _links(html)
    query = _query(url)
    assert query == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Accompagnement et compétences relationnelles",  # the page's language: French
        "organizationName": "Institut de formation Démo",
        "issueYear": "2026",
        "issueMonth": "2",  # earned on 31 January 23:30 UTC: 1 February where she lives, as her page says
        "expirationYear": "2029",
        "expirationMonth": "7",
        "certUrl": f"http://localhost/verify/{public_award.uuid}",
        "certId": str(public_award.uuid),
    }
    assert "Reçu le 1 février 2026" in html
    # certUrl is the public verification page, and it says the badge is valid and whose it is
    verified = app.test_client().get(urlsplit(query["certUrl"]).path)
    assert verified.status_code == 200
    assert "Badge valide" in verified.get_data(as_text=True) and "Camille Dupont" in verified.get_data(as_text=True)
    # the same fields, labelled, as text to copy (read-only, selectable without the script)
    for key, label, value in (
        ("name", "Nom", "Accompagnement et compétences relationnelles"),
        ("organization", "Organisme émetteur", "Institut de formation Démo"),
        ("issued", "Date d’émission", "février 2026"),
        ("expires", "Date d’expiration", "juillet 2029"),
        ("id", "ID de la certification", str(public_award.uuid)),
        ("url", "URL de la certification", query["certUrl"]),
    ):
        assert f'<label for="linkedin-{key}">{label}</label>' in html, key
        assert f'<input id="linkedin-{key}" type="text" readonly value="{value}">' in html, key
        assert f'data-copy="linkedin-{key}"' in html
    assert "js/copy-fields." in html
    assert "LinkedIn a besoin d’un badge public" not in html


def test_the_link_speaks_the_language_of_the_page(app, public_award, holder):
    holder.language = "en"
    db.session.commit()
    html = _login(app, holder).get(f"/me/badges/{public_award.uuid}").get_data(as_text=True)
    [url] = _links(html)
    assert _query(url)["name"] == "Accompaniment and relational skills"
    assert '<label for="linkedin-issued">Issue date</label>' in html and 'value="February 2026"' in html


def test_the_configured_organisation_page_is_named(app, public_award, holder):
    app.config["LINKEDIN_ORGANIZATION_ID"] = 2414183  # TREMPLIN_LINKEDIN_ORGANIZATION_ID=2414183, read as JSON
    html = _login(app, holder).get(f"/me/badges/{public_award.uuid}").get_data(as_text=True)
    [url] = _links(html)
    query = _query(url)
    assert query["organizationId"] == "2414183" and "organizationName" not in query
    assert 'value="Institut de formation Démo"' in html  # still shown to copy: the form may ask for it


def test_a_badge_without_expiry_says_to_leave_the_date_empty(app, award, holder):
    new = services.set_visibility(award, "public", holder)
    db.session.commit()
    html = _login(app, holder).get(f"/me/badges/{new.uuid}").get_data(as_text=True)
    [url] = _links(html)
    query = _query(url)
    assert "expirationYear" not in query and 'id="linkedin-expires"' not in html
    assert "Ce badge n’expire pas : laissez la date d’expiration vide." in html
    assert (query["issueYear"], query["issueMonth"]) == (str(new.earned_at.year), str(new.earned_at.month))


def test_a_private_badge_explains_why_and_where_to_choose(app, award, holder):
    html = _login(app, holder).get(f"/me/badges/{award.uuid}").get_data(as_text=True)
    assert award.visibility == "unlisted"
    assert "linkedin.com" not in html and 'id="linkedin-' not in html
    section = html[html.index('id="h-linkedin"') :]
    section = section[: section.index("</section>")]
    assert "LinkedIn a besoin d’un badge public, avec votre nom." in section
    assert '<a href="#h-choice">' in section and 'id="h-choice"' in html


def test_a_revoked_badge_offers_nothing(app, public_award, holder, create_user):
    services.revoke(public_award, "Issued in error", create_user(roles=("admin",)))
    db.session.commit()
    html = _login(app, holder).get(f"/me/badges/{public_award.uuid}").get_data(as_text=True)
    assert "linkedin" not in html.lower()
    assert "linkedin" not in app.test_client().get(f"/verify/{public_award.uuid}").get_data(as_text=True).lower()


def test_a_declined_badge_offers_nothing(app, award, holder):
    services.set_visibility(award, "declined", holder)
    db.session.commit()
    html = _login(app, holder).get(f"/me/badges/{award.uuid}").get_data(as_text=True)
    assert "linkedin" not in html.lower()


def test_other_people_get_404(app, public_award, create_user):
    other = create_user(roles=("trainee",))
    assert _login(app, other).get(f"/me/badges/{public_award.uuid}").status_code == 404
    coordinator = create_user(roles=("admin", "trainee"))
    assert _login(app, coordinator).get(f"/me/badges/{public_award.uuid}").status_code == 404


def test_the_verification_page_offers_linkedin_only_for_a_public_badge(app, achievement, public_award, create_user):
    award, _created = services.issue(achievement, create_user(roles=("trainee",)), context_ref="test:private")
    db.session.commit()
    private = app.test_client().get(f"/verify/{award.uuid}").get_data(as_text=True)
    assert "Badge valide" in private and "linkedin.com/profile/add" not in private
    public = app.test_client().get(f"/verify/{public_award.uuid}").get_data(as_text=True)
    [url] = _links(public)
    assert _query(url)["certId"] == str(public_award.uuid)


def test_an_expired_badge_offers_nothing(app, achievement, holder):
    award, _created = services.issue(
        achievement, holder, display_name=holder.name, visibility="public",
        earned_at=EARNED, now=EARNED + timedelta(days=1), valid_until=EARNED + timedelta(days=2),
    )  # fmt: skip
    assert award.status(datetime.now(UTC)) == "expired"
    db.session.commit()
    html = _login(app, holder).get(f"/me/badges/{award.uuid}").get_data(as_text=True)
    assert "linkedin" not in html.lower()
    assert "linkedin" not in app.test_client().get(f"/verify/{award.uuid}").get_data(as_text=True).lower()
