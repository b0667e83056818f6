"""The public documents of a badge at their stable URLs, the verification page, the holder's pages and the
coordinators' register."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from babel.dates import format_date

from badges import baking, openbadges, services, signing
from core.db import db, utcnow
from core.models import OutboxMessage
from tests.badges.conftest import SPEC
from tests.conftest import PASSWORD

JSON = {"Accept": "application/ld+json"}
SIGNED_AT = datetime(2026, 1, 15, 10, tzinfo=UTC)


def _login(app, user):
    client = app.test_client()
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_documents_are_served_at_stable_urls(client, award):
    urls = services.award_urls(award)
    base = "http://localhost"
    assert all(url.startswith(base) for url in urls.values())
    path = lambda url: url[len(base) :]  # noqa: E731
    hosted = client.get(path(urls["ob2_assertion_url"]), headers=JSON)
    assert hosted.status_code == 200 and hosted.mimetype == "application/ld+json"
    assert hosted.json == award.documents["ob2"]
    assert hosted.headers["Access-Control-Allow-Origin"] == "*"
    people = client.get(path(urls["ob2_assertion_url"]), headers={"Accept": "text/html"})
    assert people.status_code == 303 and people.location.endswith(f"/verify/{award.uuid}")
    assert client.get(path(urls["ob2_signed_url"])).get_data(as_text=True) == award.documents["ob2_jws"]
    credential = client.get(path(urls["ob3_credential_url"]))
    assert credential.mimetype == "application/vc+ld+json" and credential.json == award.documents["ob3"]["fr"]
    english = client.get(path(urls["ob3_credential_url"]) + "?lang=en")
    assert english.json["credentialSubject"]["achievement"]["inLanguage"] == "en"
    assert client.get(path(urls["ob3_jwt_url"])).get_data(as_text=True) == award.documents["ob3_jwt"]["fr"]
    download = client.get(path(urls["ob3_jwt_url"]) + "?download=1")
    assert "attachment" in download.headers["Content-Disposition"]


def test_badge_class_issuer_and_status_list(client, award, achievement):
    badge_class = client.get(f"/badges/classes/{achievement.uuid}", headers=JSON).json
    assert badge_class["type"] == "BadgeClass" and badge_class["issuer"].endswith("/badges/issuer")
    assert badge_class["id"] == award.documents["ob2"]["badge"]
    page = client.get(f"/badges/classes/{achievement.uuid}")
    assert page.status_code == 200 and "Accompagnement et compétences relationnelles" in page.get_data(as_text=True)
    for ext, mimetype in (("png", "image/png"), ("svg", "image/svg+xml")):
        image = client.get(f"/badges/classes/{achievement.uuid}/image.{ext}")
        assert image.status_code == 200 and image.mimetype == mimetype
    profile = client.get("/badges/issuer", headers=JSON).json
    assert profile["revocationList"].endswith("/badges/revocations")
    status = client.get(f"/badges/status/{award.key.uuid}")
    assert status.status_code == 200
    assert signing.verify_proof(status.json, signing.resolve_did_key) == []


@pytest.mark.parametrize("ext", ["png", "svg"])
def test_baked_images_carry_the_credential_and_round_trip(client, award, ext):
    data = client.get(f"/badges/awards/{award.uuid}/badge.{ext}").data
    baked = baking.extract(data)
    assert baked.kind == "ob3" and json.loads(baked.payload) == award.documents["ob3"]["fr"]
    assert signing.verify_proof(json.loads(baked.payload), signing.resolve_did_key) == []
    ob2 = baking.extract(client.get(f"/badges/awards/{award.uuid}/badge-ob2.{ext}").data)
    assert ob2.kind == "ob2" and ob2.payload == award.documents["ob2_jws"]


def test_the_verification_page_says_valid_and_shows_only_what_the_credential_says(client, award, holder):
    page = client.get(f"/verify/{award.uuid}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Badge valide" in html and "Institut de formation Démo" in html
    assert 'property="og:title"' in html and "linkedin.com/profile/add" not in html  # private: test_linkedin
    assert holder.legal_name not in html and holder.email not in html
    english = client.get(f"/verify/{award.uuid}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Valid badge" in english and "Accompaniment and relational skills" in english
    assert client.get(f"/verify/{award.uuid}?lang=en").get_data(as_text=True) == english  # the language link


def test_the_issuer_is_a_profile_not_an_identifier(client, award):
    """Name, what it is, web site, contact, since when it issues badges — the did: and URLs folded below."""
    html = client.get(f"/verify/{award.uuid}").get_data(as_text=True)
    profile = html[html.index('id="h-issuer"') :]
    profile = profile[: profile.index("</section>")]
    assert "Institut de formation Démo" in profile
    assert "L'organisme de formation qui délivre les badges de cette plateforme." in profile
    assert '<a href="https://formation.example.org" rel="noopener">formation.example.org</a>' in profile
    assert '<a href="mailto:f@example.org">f@example.org</a>' in profile
    since = format_date(award.issuer.created_at, "MMMM y", locale="fr")
    assert f"Délivre des badges</dt><dd>depuis {since}</dd>" in profile
    folded = profile.index('<details class="expert">')
    assert 0 < folded < profile.index("did:key:") and folded < profile.index("did:web:")
    first_did = html.index("did:")
    assert first_did > html.index('id="h-issuer"')  # no identifier before the issuer's name
    assert html.rfind("<details", 0, first_did) > html.rfind("</details>", 0, first_did)  # inside a fold
    english = client.get(f"/verify/{award.uuid}?lang=en").get_data(as_text=True)
    assert "Who issued it" in english and "Issues badges</dt><dd>since " in english


def test_a_foreign_issuer_is_shown_from_what_its_badge_says_and_not_vouched_for(client):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    did = signing.did_key(key.public_key())
    credential = {
        "@context": [openbadges.VC2_CONTEXT, openbadges.OB3_CONTEXT],
        "id": "urn:uuid:2a3e5b0e-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": did,
            "type": ["Profile"],
            "name": "École Exemple du Nord",
            "url": "https://ecole.example.net/",
            "email": "contact@ecole.example.net",
            "description": "Une école de travail social.",
        },
        "validFrom": "2026-01-15T10:00:00Z",
        "name": "Écoute active",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://ecole.example.net/badges/ecoute",
                "type": ["Achievement"],
                "name": "Écoute active",
                "description": "Savoir écouter.",
                "criteria": {"narrative": "Un atelier suivi."},
            },
        },
    }
    signed = signing.add_proof(credential, key, f"{did}#{did.split(':')[-1]}", created=SIGNED_AT)
    html = client.post("/verify", data={"text": json.dumps(signed)}).get_data(as_text=True)
    assert "Badge valide" in html
    profile = html[html.index('id="h-issuer"') :]
    profile = profile[: profile.index("</section>")]
    assert "École Exemple du Nord" in profile and "Une école de travail social." in profile
    assert '<a href="https://ecole.example.net/" rel="noopener">ecole.example.net</a>' in profile
    assert "mailto:contact@ecole.example.net" in profile
    assert "ce site ne s'en porte pas garant" in profile and "Émis sur cette plateforme" not in profile
    assert profile.index("<details") < profile.index(did)  # the identifier folded, for experts
    signed_bad_url = copy.deepcopy(credential)
    signed_bad_url["issuer"]["url"] = "javascript:alert(1)"
    signed_bad_url = signing.add_proof(signed_bad_url, key, f"{did}#{did.split(':')[-1]}", created=SIGNED_AT)
    html = client.post("/verify", data={"text": json.dumps(signed_bad_url)}).get_data(as_text=True)
    assert "École Exemple du Nord" in html and 'href="javascript:' not in html  # never a link that runs script


def test_the_upload_form_speaks_plainly(client):
    html = client.get("/verify").get_data(as_text=True)
    assert "Collez le lien du badge, ou le texte du badge" in html and "Ou choisissez l'image du badge" in html
    form = html[html.index("<form") : html.index("</form>")]
    labels = " ".join(re.findall(r"<label[^>]*>(.*?)</label>", form))
    for jargon in ("JSON", "JWT", "OB 3.0", "Open Badges"):
        assert jargon not in labels, jargon
    help_ = html[html.index('<details id="formats-help">') : html.index("</details>")]
    assert "JWT" in help_ and "Open Badges 2.0" in help_  # the formats, folded


def test_revocation_shows_everywhere_at_once(client, award):
    services.revoke(award, "Issued in error")
    db.session.commit()
    page = client.get(f"/verify/{award.uuid}").get_data(as_text=True)
    assert "Révoqué" in page and "Émis par erreur" in page
    hosted = client.get(f"/badges/assertions/{award.uuid}", headers=JSON)
    assert hosted.status_code == 410 and hosted.json["revoked"] is True
    status = client.get(f"/badges/status/{award.key.uuid}").json
    assert openbadges.is_revoked(status["credentialSubject"]["encodedList"], award.status_index)


def test_a_declined_badge_is_hidden_everywhere(client, award, holder):
    services.set_visibility(award, "declined", holder)
    db.session.commit()
    for url in (
        f"/verify/{award.uuid}",
        f"/badges/assertions/{award.uuid}",
        f"/badges/credentials/{award.uuid}",
        f"/badges/awards/{award.uuid}/badge.png",
    ):
        assert client.get(url, headers=JSON).status_code == 404, url


def test_the_holder_chooses_and_goes_public(app, award, holder):
    client = _login(app, holder)
    listing = client.get("/me/badges").get_data(as_text=True)
    assert "Accompagnement et compétences relationnelles" in listing and "nouveau" in listing
    assert client.get(f"/me/badges/{award.uuid}").status_code == 200
    response = client.post(f"/me/badges/{award.uuid}", data={"visibility": "public"})
    assert response.status_code == 302
    db.session.refresh(award)
    new = award.superseded_by
    assert new is not None and new.display_name == "Camille Dupont" and new.visibility == "public"
    public_page = app.test_client().get(f"/profiles/{holder.uuid}").get_data(as_text=True)
    assert "Camille Dupont" in public_page and str(new.uuid) in public_page
    assert "Camille Dupont" in app.test_client().get(f"/verify/{new.uuid}").get_data(as_text=True)


def test_no_public_page_without_a_public_badge(client, award, holder):
    assert client.get(f"/profiles/{holder.uuid}").status_code == 404


def test_another_person_cannot_see_or_change_my_badge(app, award, create_user):
    other = create_user(roles=("trainee",))
    client = _login(app, other)
    assert client.get(f"/me/badges/{award.uuid}").status_code == 404
    assert client.post(f"/me/badges/{award.uuid}", data={"visibility": "declined"}).status_code == 404
    db.session.refresh(award)
    assert award.visibility == "unlisted"


def test_a_bad_choice_changes_nothing(app, award, holder):
    client = _login(app, holder)
    response = client.post(f"/me/badges/{award.uuid}", data={"visibility": "everyone"})
    assert response.status_code == 422
    db.session.refresh(award)
    assert award.visibility == "unlisted" and award.superseded_by_id is None


def test_the_register_is_for_coordinators_who_revoke_with_a_reason(app, award, create_user, holder):
    trainer = create_user(roles=("trainer",))
    assert _login(app, trainer).get("/admin/badges").status_code == 403
    admin = create_user(roles=("admin",))
    client = _login(app, admin)
    register = client.get("/admin/badges").get_data(as_text=True)
    assert holder.legal_name in register
    refused = client.post(f"/admin/badges/{award.uuid}", data={"revoke-reason": "other", "revoke-other": "Rechute"})
    assert refused.status_code == 422
    db.session.refresh(award)
    assert award.revoked_at is None
    # First the page says what will happen and asks again: nothing is revoked yet.
    asked = client.post(f"/admin/badges/{award.uuid}", data={"revoke-reason": "issued-in-error"})
    assert asked.status_code == 200 and 'id="confirm-revoke"' in asked.get_data(as_text=True)
    db.session.refresh(award)
    assert award.revoked_at is None
    done = client.post(
        f"/admin/badges/{award.uuid}", data={"revoke-reason": "issued-in-error", "revoke-confirmed": "yes"}
    )
    assert done.status_code == 302
    db.session.refresh(award)
    assert award.revocation_reason == "Issued in error" and award.revoked_by_id == admin.id
    # The holder is told why and what happens next, and still sees the badge with that explanation.
    message = db.session.scalar(
        db.select(OutboxMessage).where(
            OutboxMessage.purpose == "badge-revoked", OutboxMessage.recipient == holder.email
        )
    )
    assert "par erreur" in message.body and admin.email in message.body
    mine = _login(app, holder).get("/me/badges").get_data(as_text=True)
    assert "Badges retirés" in mine and "Il avait été donné par erreur." in mine


def test_reissue_from_the_register_keeps_history(app, award, create_user):
    admin = create_user(roles=("admin",))
    client = _login(app, admin)
    response = client.post(f"/admin/badges/{award.uuid}", data={"reissue-submit": "1"})
    assert response.status_code == 302
    db.session.refresh(award)
    assert award.superseded_by is not None
    page = client.get(response.location).get_data(as_text=True)
    assert str(award.uuid) in page  # the history lists the superseded copy
    old = app.test_client().get(f"/verify/{award.uuid}").get_data(as_text=True)
    assert "Remplacé par une copie plus récente" in old


def test_anyone_verifies_a_link_a_file_or_a_baked_image(client, award):
    link = services.award_urls(award)["verify_url"]
    page = client.post("/verify", data={"text": link, "email": "camille.dupont@example.org"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Badge valide" in html and "Émis sur cette plateforme" in html
    assert "Le badge a été émis pour cette adresse e-mail." in html
    png = client.get(f"/badges/awards/{award.uuid}/badge.png").data
    uploaded = client.post(
        "/verify", data={"file": (BytesIO(png), "badge.png")}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "Badge valide" in uploaded and "La signature correspond au contenu." in uploaded
    jws = client.post("/verify", data={"text": award.documents["ob2_jws"]}).get_data(as_text=True)
    assert "Badge valide" in jws


def test_verification_tells_tampering_and_revocation_apart(client, award):
    tampered = copy.deepcopy(award.documents["ob3"]["fr"])
    tampered["credentialSubject"]["achievement"]["name"] = "Expert·e en tout"
    html = client.post("/verify", data={"text": json.dumps(tampered)}).get_data(as_text=True)
    assert "Non valide" in html and "La signature ne correspond pas" in html
    services.revoke(award, "Issued in error")
    db.session.commit()
    html = client.post("/verify", data={"text": json.dumps(award.documents["ob3"]["fr"])}).get_data(as_text=True)
    assert "Non valide" in html and "émetteur a révoqué ce badge." in html
    assert "T" not in html[html.index("Émis le") : html.index("Émis le") + 40]  # dates written for people


def test_garbage_gets_a_clear_message_and_nothing_else(client):
    empty = client.post("/verify", data={"text": ""})
    assert empty.status_code == 422
    html = client.post("/verify", data={"text": "bonjour"}).get_data(as_text=True)
    assert "Non valide" in html and "est ni une image de badge" in html


def test_the_verification_api(client, award):
    response = client.post("/api/v1/verify", json={"url": services.award_urls(award)["verify_url"]}, csrf=False)
    body = response.json
    assert response.status_code == 200 and body["valid"] is True and body["issued_by_this_platform"] is True
    assert {c["code"] for c in body["checks"]} >= {"signature", "issuer-key", "status", "validity-period", "schema"}
    raw = client.post(
        "/api/v1/verify", data=award.documents["ob3_jwt"]["en"], content_type="text/plain", csrf=False
    ).json
    assert raw["valid"] is True and raw["format"] == "ob3-vc-jwt"
    assert client.post("/api/v1/verify", data=b"", csrf=False).status_code == 400
    assert client.post("/api/v1/verify", data=b"x" * (2 * 1024 * 1024 + 10), csrf=False).status_code == 413


# ------------------------------------------------------------------------------------------------ JSON verdict


def test_the_verification_url_gives_a_json_verdict_to_whoever_asks_for_json(client, award, holder):
    response = client.get(f"/verify/{award.uuid}", headers={"Accept": "application/json", "Accept-Language": "en"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "Accept" in response.headers["Vary"] and response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.json
    assert body["valid"] is True and body["status"] == "valid" and body["format"] == "ob3-data-integrity"
    outcomes = {check["code"]: check["outcome"] for check in body["checks"]}
    assert outcomes == {
        "format": "passed",
        "signature": "passed",
        "issuer-key": "passed",
        "status": "passed",
        "validity-period": "passed",
        "schema": "passed",
    }
    assert body["summary"]["achievement_name"] == "Accompaniment and relational skills"
    assert body["urls"]["ob3_credential_url"].endswith(f"/badges/credentials/{award.uuid}")
    assert holder.email not in response.get_data(as_text=True)
    french = client.get(f"/verify/{award.uuid}?lang=fr", headers=JSON).json
    assert french["summary"]["achievement_name"] == "Accompagnement et compétences relationnelles"
    assert client.get(f"/verify/{award.uuid}").mimetype == "text/html"  # people still get the page


def test_the_json_verdict_says_revoked_on_the_next_request(client, award):
    assert client.get(f"/verify/{award.uuid}", headers=JSON).json["valid"] is True
    services.revoke(award, "Issued in error")
    db.session.commit()
    body = client.get(f"/verify/{award.uuid}", headers=JSON).json
    assert body["valid"] is False and body["status"] == "revoked"
    assert body["summary"]["revoked"] is True and body["summary"]["revocation_reason"] == "Issued in error"
    assert {c["code"]: c["outcome"] for c in body["checks"]}["status"] == "failed"


def test_the_json_verdict_of_a_superseded_badge_and_of_an_unknown_or_declined_one(client, award, holder):
    new = services.reissue(award)
    db.session.commit()
    assert client.get(f"/verify/{award.uuid}", headers=JSON).json["status"] == "superseded"
    assert client.get(f"/verify/{new.uuid}", headers=JSON).json["status"] == "valid"
    services.set_visibility(new, "declined", holder)
    db.session.commit()
    for missing in (new.uuid, uuid.uuid4()):
        response = client.get(f"/verify/{missing}", headers=JSON)
        assert response.status_code == 404 and response.json["error"] == "not_found"


def test_the_json_verdict_says_expired_once_the_end_date_is_past(client, issuer, holder):
    expiring = services.sync_achievement(dataclasses.replace(SPEC, key="test/module/M2-1d", valid_for_days=1), issuer)
    award, _created = services.issue(expiring, holder, now=utcnow() - timedelta(days=3))
    db.session.commit()
    body = client.get(f"/verify/{award.uuid}", headers=JSON).json
    assert body["valid"] is False and body["status"] == "expired" and body["summary"]["expired"] is True
    assert {c["code"]: c["outcome"] for c in body["checks"]}["validity-period"] == "failed"


def test_stored_documents_are_served_as_issued_with_an_etag(client, award):
    url = f"/badges/credentials/{award.uuid}"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"] and first.headers["Cache-Control"] == "no-cache"
    assert json.loads(first.get_data()) == award.documents["ob3"]["fr"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.get_data()
    jwt_response = client.get(f"{url}.jwt?lang=en")
    assert jwt_response.get_data(as_text=True) == award.documents["ob3_jwt"]["en"]
    assert client.get(f"{url}.jwt?lang=en", headers={"If-None-Match": jwt_response.headers["ETag"]}).status_code == 304


# ------------------------------------------------------------------------------------------------ page in memory


@pytest.fixture
def renders(monkeypatch):
    """Every rendering of a badge's verification page (the rest come from memory)."""
    from badges import verify_views

    calls = []
    real = verify_views.render_page

    def counted(award, lang, *args, **kwargs):
        calls.append((award.uuid, lang))
        return real(award, lang, *args, **kwargs)

    monkeypatch.setattr(verify_views, "render_page", counted)
    return calls


def test_the_page_is_kept_for_anonymous_visitors_and_holds_nothing_of_a_visitor(app, award, holder, renders):
    url = f"/verify/{award.uuid}"
    anonymous = app.test_client()
    first = anonymous.get(url)
    second = anonymous.get(url)
    assert first.status_code == second.status_code == 200 and first.data == second.data
    assert renders == [(award.uuid, "fr")]  # the second came from memory
    assert "Set-Cookie" not in first.headers and {"Accept", "Accept-Language", "Cookie"} <= set(first.vary)
    assert first.headers["Cache-Control"] == "no-cache"
    page = first.get_data(as_text=True)
    assert "csrf_token" not in page and "<form" not in page and '<span class="lang-long">English</span>' in page
    assert anonymous.get(url, headers={"Accept-Language": "en"}).data != first.data
    assert renders == [(award.uuid, "fr"), (award.uuid, "en")]

    member = _login(app, holder)  # a logged-in visitor: a fresh page, with their menu and their token
    mine = member.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', mine).group(1)
    assert "Se déconnecter" in mine and len(renders) == 3
    with member.session_transaction() as session:
        session["_flashes"] = [("info", "Message pour Camille seulement")]
    assert "Message pour Camille seulement" in member.get(url).get_data(as_text=True)
    again = anonymous.get(url).get_data(as_text=True)
    assert again == page and len(renders) == 4  # from memory: nothing of the member's in it
    assert token not in again and "Se déconnecter" not in again and "Camille seulement" not in again


def test_the_page_in_memory_says_revoked_or_hidden_within_a_second(app, award, holder, monkeypatch, renders):
    """Another server revokes the badge (written behind this process's back, as in test_services): the page
    kept in memory says so once this process asks the state version again (at most half a second)."""
    import sqlalchemy as sa

    from badges.models import Award, StateVersion

    clock = [1000.0]
    monkeypatch.setattr(services.time, "monotonic", lambda: clock[0])
    services.forget_states()
    url = f"/verify/{award.uuid}"
    anonymous = app.test_client()
    assert "Badge valide" in anonymous.get(url).get_data(as_text=True)

    def other_server(**values):
        with db.engine.begin() as connection:
            connection.execute(sa.update(Award).where(Award.id == award.id).values(**values))
            connection.execute(sa.update(StateVersion).values(version=StateVersion.version + 1))

    other_server(revoked_at=utcnow(), revocation_reason="Issued in error")
    clock[0] += services.STATE_TTL_SECONDS / 2
    assert "Badge valide" in anonymous.get(url).get_data(as_text=True)  # remembered for at most half a second
    clock[0] += services.STATE_TTL_SECONDS
    page = anonymous.get(url).get_data(as_text=True)
    assert "Révoqué" in page and "Émis par erreur" in page and "Badge valide" not in page

    other_server(revoked_at=None, revocation_reason=None, visibility="declined")
    clock[0] += services.STATE_TTL_SECONDS * 2
    assert anonymous.get(url).status_code == 404
    other_server(visibility="unlisted")
    clock[0] += services.STATE_TTL_SECONDS * 2
    assert "Badge valide" in anonymous.get(url).get_data(as_text=True)

    services.reissue(db.session.get(Award, award.id))  # in this process: seen at once
    db.session.commit()
    assert "Remplacé par une copie plus récente" in anonymous.get(url).get_data(as_text=True)


def test_the_page_in_memory_rolls_over_at_the_end_date(app, issuer, holder, monkeypatch, renders):
    from badges import verify_views

    expiring = services.sync_achievement(dataclasses.replace(SPEC, key="test/module/M2-1d", valid_for_days=1), issuer)
    award, _created = services.issue(expiring, holder, now=utcnow() - timedelta(hours=23))  # ends in an hour
    db.session.commit()
    anonymous = app.test_client()
    url = f"/verify/{award.uuid}"
    assert "Badge valide" in anonymous.get(url).get_data(as_text=True)
    assert "Badge valide" in anonymous.get(url).get_data(as_text=True) and len(renders) == 1

    class TwoHoursLater(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + timedelta(hours=2)

    monkeypatch.setattr(verify_views, "datetime", TwoHoursLater)
    page = anonymous.get(url).get_data(as_text=True)
    assert "Expiré" in page and "Badge valide" not in page and len(renders) == 2


def test_the_register_is_searchable_by_person_ignoring_accents(app, award, achievement, create_user):
    emilie = create_user(roles=("trainee",), email="e.lefevre@example.org", legal_name="Émilie Lefèvre")
    services.issue(achievement, emilie, context_ref="test:emilie")
    db.session.commit()
    client = _login(app, create_user(roles=("admin",)))

    def names(**params) -> tuple[set[str], str]:
        page = client.get("/admin/badges", query_string=params, headers={"Accept-Language": "fr"})
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        return {n for n in ("Camille Dupont", "Émilie Lefèvre") if f">{n}</td>" in text}, text

    assert names()[0] == {"Camille Dupont", "Émilie Lefèvre"}
    assert names(person="emilie lefevre")[0] == {"Émilie Lefèvre"}  # no accents typed
    assert names(person="DUPONT")[0] == {"Camille Dupont"}
    assert names(person="e.lefevre@")[0] == {"Émilie Lefèvre"}  # by e-mail too
    found, text = names(person="Thérèse")
    assert found == set() and "0 badge trouvé." in text and "Vérifiez l'orthographe du nom" in text
    assert 'value="emilie"' in names(person="emilie")[1]  # what was typed stays in the field
