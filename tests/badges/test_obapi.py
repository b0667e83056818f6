"""The Open Badges 3.0 API as service provider, driven by Authlib's own OAuth 2.0 client (``OAuth2Session``)
through a requests adapter onto the Flask test client: registration, consent, PKCE, paging, profile, refresh,
revocation and "Retirer l'accès". Every body is validated against the official 1EdTech schemas bundled in
``badges/schemas/ob3``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from jsonschema import Draft201909Validator
from referencing import Registry, Resource

from badges import services
from badges.models import Award
from badges.obapi.models import OAuthToken
from core.db import db
from core.models import AuditEntry

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "badges" / "schemas" / "ob3"
BASE = "http://localhost"
API = BASE + "/ims/ob/v3p0"
READ = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"
PROFILE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.readonly"
UPSERT = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert"
REDIRECT = "http://127.0.0.1:8765/callback"


@pytest.fixture(scope="module")
def schemas() -> dict[str, Draft201909Validator]:
    registry: Registry = Registry()
    contents = {}
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        contents[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents[path.stem])
        registry = registry.with_resource(resource.id(), resource)
    return {name: Draft201909Validator(schema, registry=registry) for name, schema in contents.items()}


def valid(schemas, name: str, body) -> None:
    errors = sorted(schemas[name].iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


class FlaskAdapter(requests.adapters.BaseAdapter):
    """Sends what ``requests`` (hence Authlib's client) sends to the Flask test client, with no cookie jar."""

    def __init__(self, app) -> None:
        super().__init__()
        self.client = app.test_client(use_cookies=False)

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in {"content-length", "host"}}
        headers["Accept-Encoding"] = "identity"  # no HTTP layer here to undo compression
        body = request.body.encode() if isinstance(request.body, str) else request.body
        answer = self.client.open(
            parts.path, method=request.method, query_string=parts.query, headers=headers, data=body, csrf=False
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = requests.structures.CaseInsensitiveDict(answer.headers)
        response._content = answer.get_data()
        response.url = request.url
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def http(app, monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http in tests; a real deployment is https
    adapter = FlaskAdapter(app)

    def session(cls=requests.Session, **kwargs):
        s = cls(**kwargs)
        s.mount(BASE, adapter)
        return s

    return session


def register(http, **metadata) -> requests.Response:
    body = {"client_name": "Sac à badges", "client_uri": "https://sac.example.org", "redirect_uris": [REDIRECT]}
    body.update(metadata)
    return http().post(API + "/auth/register", json=body)


@pytest.fixture
def client_info(http, schemas) -> dict:
    response = register(http, scope=f"{READ} {PROFILE}")
    assert response.status_code == 201, response.text
    info = response.json()
    assert info["client_secret"] and info["client_id"]
    return info


@pytest.fixture
def three_badges(achievement, holder, issuer):
    awards = [services.issue(achievement, holder, context_ref="test:1")[0]]
    for code in ("M3", "M4"):
        spec = services.AchievementSpec(
            key=f"test/module/{code}",
            kind="module",
            code=code,
            name={"fr": f"Module {code}", "en": f"Module {code}"},
            description={"fr": f"Le module {code}.", "en": f"Module {code}."},
            criteria={"fr": "Valider le module.", "en": "Validate the module."},
        )
        awards.append(services.issue(services.sync_achievement(spec, issuer), holder, context_ref=f"test:{code}")[0])
    db.session.commit()
    return awards


def oauth_session(http, info: dict, scope: str) -> OAuth2Session:
    return http(
        OAuth2Session,
        client_id=info["client_id"],
        client_secret=info["client_secret"],
        scope=scope,
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
    )


def consent(browser, url: str, decision: str = "approve"):
    """The logged-in trainee opens the consent page and presses a button; the redirect goes back to the app."""
    parts = urlsplit(url)
    page = browser.get(parts.path + "?" + parts.query)
    assert page.status_code == 200, page.get_data(as_text=True)
    return page, browser.post(parts.path + "?" + parts.query, data={"decision": decision})


def login(client, user) -> None:
    from tests.conftest import PASSWORD

    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def authorize(http, browser, info: dict, scope: str = f"{READ} {PROFILE}") -> tuple[OAuth2Session, dict]:
    session = oauth_session(http, info, scope)
    verifier = generate_token(48)
    url, _state = session.create_authorization_url(API + "/auth/authorize", code_verifier=verifier)
    _page, answer = consent(browser, url)
    assert answer.status_code == 302 and answer.headers["Location"].startswith(REDIRECT + "?code=")
    token = session.fetch_token(
        API + "/auth/token", authorization_response=answer.headers["Location"], code_verifier=verifier
    )
    return session, token


def test_the_whole_journey_with_authlibs_client(app, client, http, client_info, holder, three_badges, schemas):
    login(client, holder)
    session = oauth_session(http, client_info, f"{READ} {PROFILE}")
    verifier = generate_token(48)
    url, state = session.create_authorization_url(API + "/auth/authorize", code_verifier=verifier)
    assert "code_challenge_method=S256" in url

    page, answer = consent(client, url)
    text = page.get_data(as_text=True)
    assert "Sac à badges" in text and "Vos badges" in text and "Votre nom et votre adresse e-mail" in text
    # the answer redirects to the application: the page's CSP lets its form lead there, and nowhere else
    assert "form-action 'self' http://127.0.0.1:8765;" in page.headers["Content-Security-Policy"]
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert parse_qs(urlsplit(location).query)["state"] == [state]
    token = session.fetch_token(API + "/auth/token", authorization_response=location, code_verifier=verifier)
    assert token["token_type"].lower() == "bearer" and token["refresh_token"]
    stored = db.session.scalars(db.select(OAuthToken)).all()
    assert len(stored) == 1 and token["access_token"] not in repr(stored[0].__dict__)  # only its hash is kept

    # credentials: 3 badges, 2 a page
    first = session.get(API + "/credentials", params={"limit": 2})
    assert first.status_code == 200, first.text
    valid(schemas, "getopenbadgecredentialsresponse", first.json())
    assert first.headers["X-Total-Count"] == "3"
    assert len(first.json()["credential"]) == 2
    links = {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', first.headers["Link"])}
    assert set(links) == {"first", "next", "last"}
    second = session.get(links["next"])
    assert len(second.json()["credential"]) == 1 and 'rel="prev"' in second.headers["Link"]
    assert 'rel="next"' not in second.headers["Link"]
    ids = {c["id"] for c in first.json()["credential"] + second.json()["credential"]}
    assert ids == {f"urn:uuid:{a.uuid}" for a in three_badges} or len(ids) == 3
    since = session.get(API + "/credentials", params={"since": "2999-01-01T00:00:00Z"})
    assert since.json() == {"credential": []} and since.headers["X-Total-Count"] == "0"
    bad = session.get(API + "/credentials", params={"limit": 0})
    assert bad.status_code == 422
    valid(schemas, "imsx_statusinfo", bad.json())

    profile = session.get(API + "/profile")
    assert profile.status_code == 200
    valid(schemas, "profile", profile.json())
    assert profile.json()["name"] == "Camille Dupont" and set(profile.json()) == {"id", "type", "name", "email"}

    # refresh with rotation: the old pair dies
    old = dict(session.token)
    new = session.refresh_token(API + "/auth/token")
    assert new["access_token"] != old["access_token"] and new["refresh_token"] != old["refresh_token"]
    assert session.get(API + "/profile").status_code == 200
    stale = http().get(API + "/profile", headers={"Authorization": f"Bearer {old['access_token']}"})
    assert stale.status_code == 401
    valid(schemas, "imsx_statusinfo", stale.json())
    with pytest.raises(OAuthError):
        oauth_session(http, client_info, READ).refresh_token(API + "/auth/token", refresh_token=old["refresh_token"])

    # RFC 7009 revocation: the revoked token gets 401
    assert session.revoke_token(API + "/auth/revoke", token=new["access_token"]).status_code == 200
    revoked = session.get(API + "/credentials")
    assert revoked.status_code == 401
    valid(schemas, "imsx_statusinfo", revoked.json())

    # "Retirer l'accès" kills the grant: every token of it stops working
    session2, _token2 = authorize(http, client, client_info)
    assert session2.get(API + "/credentials").status_code == 200
    listing = client.get("/account/applications")
    assert "Sac à badges" in listing.get_data(as_text=True) and "Retirer l’accès" in listing.get_data(as_text=True)
    grant_uuid = re.search(r"/account/applications/([0-9a-f-]{36})/withdraw", listing.get_data(as_text=True))[1]
    assert client.post(f"/account/applications/{grant_uuid}/withdraw").status_code == 302
    assert session2.get(API + "/credentials").status_code == 401
    with pytest.raises(OAuthError):
        session2.refresh_token(API + "/auth/token")
    after = client.get("/account/applications").get_data(as_text=True)
    assert "Aucune application ne peut lire vos données" in after and "/withdraw" not in after
    actions = set(db.session.scalars(db.select(AuditEntry.action)))
    assert {"obapi.access_given", "obapi.access_withdrawn"} <= actions


def test_discovery_is_an_openapi_document_with_the_oauth_scheme(client):
    doc = client.get("/ims/ob/v3p0/discovery").json
    assert doc["openapi"].startswith("3.")
    assert {"/credentials", "/profile"} <= set(doc["paths"])
    assert doc["servers"][0]["url"].endswith("/ims/ob/v3p0")
    scheme = doc["components"]["securitySchemes"]["OAuth2ACG"]
    assert scheme["x-imssf-registrationUrl"].endswith("/ims/ob/v3p0/auth/register")
    flow = scheme["flows"]["authorizationCode"]
    assert flow["authorizationUrl"].endswith("/auth/authorize") and flow["tokenUrl"].endswith("/auth/token")
    assert flow["refreshUrl"].endswith("/auth/token") and READ in flow["scopes"] and PROFILE in flow["scopes"]
    assert doc["info"]["x-imssf-privacyPolicyUrl"].endswith("/confidentialite")
    assert doc["info"]["termsOfService"] and doc["info"]["x-imssf-image"]
    get = doc["paths"]["/credentials"]["get"]
    assert get["security"] == [{"OAuth2ACG": [READ]}]
    assert {p["name"] for p in get["parameters"]} == {"limit", "offset", "since"}  # from the marshmallow schema


@pytest.mark.parametrize(
    "uris",
    [["http://sac.example.org/callback"], ["ftp://127.0.0.1/x"], ["https://sac.example.org/cb#frag"], []],
)
def test_registration_refuses_unsafe_redirect_uris(http, uris):
    response = register(http, redirect_uris=uris)
    assert response.status_code == 400 and response.json()["error"] == "invalid_client_metadata"
    from badges.obapi.models import OAuthClient

    assert db.session.scalar(db.select(db.func.count()).select_from(OAuthClient)) == 0


def test_registration_refuses_a_scope_the_platform_does_not_grant(http):
    response = register(http, scope=UPSERT)
    assert response.status_code == 400 and response.json()["error"] == "invalid_client_metadata"


def test_authorization_without_pkce_is_refused(http, client, client_info, holder):
    login(client, holder)
    session = http(
        OAuth2Session,
        client_id=client_info["client_id"],
        client_secret=client_info["client_secret"],
        scope=READ,
        redirect_uri=REDIRECT,
    )
    url, _state = session.create_authorization_url(API + "/auth/authorize")
    parts = urlsplit(url)
    page = client.get(parts.path + "?" + parts.query)
    assert page.status_code == 400 and "PKCE" in page.get_data(as_text=True)
    plain = client.get(parts.path + "?" + parts.query + "&code_challenge=" + "a" * 43 + "&code_challenge_method=plain")
    assert plain.status_code == 400


def test_wrong_verifier_is_refused(http, client, client_info, holder):
    login(client, holder)
    session = oauth_session(http, client_info, READ)
    url, _state = session.create_authorization_url(API + "/auth/authorize", code_verifier=generate_token(48))
    _page, answer = consent(client, url)
    with pytest.raises(OAuthError) as refused:
        session.fetch_token(
            API + "/auth/token", authorization_response=answer.headers["Location"], code_verifier=generate_token(48)
        )
    assert refused.value.error == "invalid_grant"
    assert db.session.scalar(db.select(db.func.count()).select_from(OAuthToken)) == 0


def test_a_refusal_shares_nothing(http, client, client_info, holder):
    login(client, holder)
    session = oauth_session(http, client_info, READ)
    url, _state = session.create_authorization_url(API + "/auth/authorize", code_verifier=generate_token(48))
    _page, answer = consent(client, url, decision="refuse")
    assert answer.status_code == 302 and "error=access_denied" in answer.headers["Location"]
    assert "code=" not in answer.headers["Location"]


def test_wrong_scope_is_refused(http, client, client_info, holder, three_badges, schemas):
    login(client, holder)
    session = oauth_session(http, client_info, UPSERT)
    url, _state = session.create_authorization_url(API + "/auth/authorize", code_verifier=generate_token(48))
    parts = urlsplit(url)
    assert client.get(parts.path + "?" + parts.query).status_code == 400  # invalid_scope: no consent page
    profile_only, _token = authorize(http, client, client_info, scope=PROFILE)
    refused = profile_only.get(API + "/credentials")
    assert refused.status_code == 403
    valid(schemas, "imsx_statusinfo", refused.json())
    posted = profile_only.post(API + "/credentials", json={})
    assert posted.status_code == 405
    valid(schemas, "imsx_statusinfo", posted.json())


def test_another_trainees_token_reads_only_her_own(app, http, client_info, holder, three_badges, create_user):
    other = create_user(roles=("trainee",), email="other@example.org", legal_name="Autre Personne")
    browser = app.test_client()
    login(browser, other)
    session, _token = authorize(http, browser, client_info)
    answer = session.get(API + "/credentials")
    assert answer.status_code == 200 and answer.json() == {"credential": []} and answer.headers["X-Total-Count"] == "0"
    assert session.get(API + "/profile").json()["name"] == "Autre Personne"
    # the holder cannot withdraw the other's grant (nor learn it exists)
    holder_browser = app.test_client()
    login(holder_browser, holder)
    listing = browser.get("/account/applications").get_data(as_text=True)
    grant_uuid = re.search(r"/account/applications/([0-9a-f-]{36})/withdraw", listing)[1]
    assert holder_browser.post(f"/account/applications/{grant_uuid}/withdraw").status_code == 404
    assert session.get(API + "/credentials").status_code == 200


def test_no_token_gets_401_imsx(http, schemas):
    answer = http().get(API + "/credentials")
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].lower().startswith("bearer")
    valid(schemas, "imsx_statusinfo", answer.json())


def test_the_demo_client_reads_adeles_badges(app, demo, http, schemas):
    """The demo's registered application (a public client: PKCE, no secret) reads Adèle's badges once she says
    yes, and her "Applications connectées" page lists it."""
    from badges.obapi.demo import DEMO_CLIENT_ID, DEMO_HOLDER, DEMO_REDIRECT_URI
    from core.models import User
    from tests.demo_world import login as demo_login

    adele = db.session.scalar(db.select(User).where(User.email == DEMO_HOLDER))
    expected = db.session.scalar(
        db.select(db.func.count())
        .select_from(Award)
        .where(
            Award.recipient_id == adele.id,
            Award.revoked_at.is_(None),
            Award.visibility != "declined",
        )
    )
    assert expected >= 1
    browser = app.test_client()
    demo_login(browser, DEMO_HOLDER)
    assert "Sac à badges de démonstration" in browser.get("/account/applications").get_data(as_text=True)
    session = http(
        OAuth2Session,
        client_id=DEMO_CLIENT_ID,
        scope=f"{READ} {PROFILE}",
        redirect_uri=DEMO_REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    )
    verifier = generate_token(48)
    url, _state = session.create_authorization_url(API + "/auth/authorize", code_verifier=verifier)
    _page, answer = consent(browser, url)
    session.fetch_token(API + "/auth/token", authorization_response=answer.headers["Location"], code_verifier=verifier)
    response = session.get(API + "/credentials")
    assert response.status_code == 200 and response.headers["X-Total-Count"] == str(expected)
    valid(schemas, "getopenbadgecredentialsresponse", response.json())
    assert session.get(API + "/profile").json()["email"] == DEMO_HOLDER


def test_erasure_deletes_every_grant_and_export_lists_them(http, client, client_info, holder, three_badges):
    from core.privacy.services import erase, export_data

    login(client, holder)
    session, _token = authorize(http, client, client_info)
    db.session.expire_all()
    data = export_data(holder).data["connected_applications"]
    assert [row["application"] for row in data] == ["Sac à badges"]
    db.session.rollback()
    erase(holder)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(OAuthToken)) == 0
    assert session.get(API + "/credentials").status_code == 401


def test_registration_is_rate_limited_per_address(app, http):
    app.config["RATE_LIMITS"] = {"oauth-register": (2, 3600)}
    assert [register(http).status_code for _ in range(3)] == [201, 201, 429]
