"""The holder's own backpack (Tremplin as a consumer of the OB 3.0 API), against a stub backpack built with
Authlib's server side (``backpack_stub.py``) on a loopback port: connect (discovery, dynamic registration,
authorization code with PKCE S256, tokens), push in a job (the credential valid against the bundled schema and
Tremplin's verifier), retry, refresh of an expired token, disconnect (tokens revoked), and every refusal."""

from __future__ import annotations

import html
import json
import re
import socket
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from badges import backpack
from badges.models import Award, BackpackConnection, BackpackPush
from badges.verification import schema
from badges.verify_views import verify_input
from core import jobs
from core.db import db
from core.models import Job
from tests.badges.backpack_stub import StubBackpack
from tests.conftest import PASSWORD, make_config


@pytest.fixture
def app_config(database_url):
    # The stub listens on 127.0.0.1, which the guard opens only through the verifier's allow-list; retries at once.
    return make_config(database_url, VERIFY_ALLOW_NETWORKS="127.0.0.1/32", JOBS_RETRY_SECONDS=0)


@pytest.fixture(autouse=True)
def plain_http_on_loopback(monkeypatch):
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture
def stub():
    site = StubBackpack()
    yield site
    site.close()


@pytest.fixture
def signed_in(client, holder, award):
    response = client.post("/login", data={"email": holder.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def browser_get(url: str) -> requests.Response:
    """The holder's browser at the backpack's authorization page (approved at once): its redirect back."""
    with requests.Session() as browser:
        browser.trust_env = False
        return browser.get(url, allow_redirects=False, timeout=10)


def start(client, stub) -> str:
    """She types the address: a page of ours says what comes next and links to the wallet's authorization page
    (not a redirect from the form: the page's CSP, form-action 'self', would stop it in a browser)."""
    response = client.post("/me/badges/wallet", data={"connect-url": stub.url})
    assert response.status_code == 303, page_text(response)
    assert response.headers["Location"] == "/me/badges/wallet/authorize"
    page = client.get("/me/badges/wallet/authorize")
    assert page.status_code == 200
    match = re.search(r'<a href="([^"]+)" class="button" id="go-to-wallet">', page.get_data(as_text=True))
    assert match, page_text(page)
    location = html.unescape(match.group(1))
    assert location.startswith(stub.url + "/authorize?")
    return location


def connect(client, stub) -> None:
    location = start(client, stub)
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["response_type"] == ["code"] and query["state"][0]
    assert query["scope"] == [backpack.SCOPE_UPSERT]
    back = browser_get(location)
    assert back.status_code == 302
    callback = back.headers["Location"]
    assert callback.startswith("http://localhost/me/badges/wallet/callback?")
    done = client.get(callback.removeprefix("http://localhost"))
    assert done.status_code == 302 and done.headers["Location"].endswith("/me/badges/wallet")


def connection() -> BackpackConnection | None:
    db.session.rollback()
    return db.session.scalar(db.select(BackpackConnection))


def send(client, *awards: Award):
    return client.post("/me/badges/wallet", data={"award": [str(a.uuid) for a in awards], "send-submit": "1"})


# ------------------------------------------------------------------------------------------------ the journeys


def test_the_holder_connects_her_backpack_and_sends_a_valid_signed_credential(signed_in, stub, award):
    connect(signed_in, stub)
    stored = connection()
    assert stored is not None and stored.name == "Stub Backpack" and stored.api_url == stub.url + "/ims/ob/v3p0"
    issued = stub.tokens[0]
    # The tokens and the client secret are sealed: nothing of them in clear in the row.
    assert issued.access_token not in stored.token_sealed and issued.refresh_token not in stored.token_sealed
    assert stub.clients[stored.client_id].client_secret not in (stored.client_secret_sealed or "")
    assert stub.token_grants == ["authorization_code"]
    page = page_text(signed_in.get("/me/badges/wallet"))
    assert "Stub Backpack" in page and str(award.uuid) in page

    response = send(signed_in, award)
    assert response.status_code == 302
    assert stub.received == []  # never in the request: a job sends it
    push = db.session.scalar(db.select(BackpackPush))
    assert push.status == "pending"
    assert jobs.run_pending() == 1

    assert len(stub.received) == 1
    credential = stub.received[0]
    assert credential == award.documents["ob3"]["fr"]  # the signed credential her badge page offers
    assert list(schema.schema_validator().iter_errors(credential)) == []
    verdict = verify_input(json.dumps(credential))
    assert verdict.outcome == "valid", verdict
    db.session.rollback()
    push = db.session.scalar(db.select(BackpackPush))
    assert push.status == "sent" and push.sent_at is not None and push.attempts == 1
    page = page_text(signed_in.get("/me/badges/wallet"))
    assert 'data-status="sent"' in page

    # Sent already: asking again sends nothing more.
    send(signed_in, award)
    assert jobs.run_pending() == 0 and len(stub.received) == 1


def test_a_push_the_backpack_refuses_once_is_retried_by_the_job(signed_in, stub, award):
    connect(signed_in, stub)
    stub.refuse_next = 1
    send(signed_in, award)
    assert jobs.run_pending() == 2  # the first try failed (503) and was queued again
    job = db.session.scalar(db.select(Job).where(Job.kind == backpack.PUSH_JOB))
    assert job.status == "done" and job.attempts == 2
    assert [path for method, path in stub.requests if method == "POST"].count("/ims/ob/v3p0/credentials") == 2
    assert len(stub.received) == 1
    push = db.session.scalar(db.select(BackpackPush))
    assert push.status == "sent" and push.attempts == 2


def test_a_push_that_fails_every_time_is_marked_failed_in_plain_french(signed_in, stub, award, app):
    app.config["JOBS_MAX_ATTEMPTS"] = 2
    connect(signed_in, stub)
    stub.refuse_next = 5
    send(signed_in, award)
    assert jobs.run_pending() == 2
    push = db.session.scalar(db.select(BackpackPush))
    assert push.status == "failed" and push.problem == "unreachable"
    page = page_text(signed_in.get("/me/badges/wallet"))
    assert 'data-status="failed"' in page and "L'autre portefeuille n'a pas répondu" in page
    # She may try again: the badge goes back on its way.
    stub.refuse_next = 0
    send(signed_in, award)
    assert jobs.run_pending() == 1
    assert db.session.scalar(db.select(BackpackPush)).status == "sent"


def test_a_badge_the_backpack_refuses_for_good_is_not_retried(signed_in, stub, award):
    connect(signed_in, stub)
    stub.reject = True
    send(signed_in, award)
    assert jobs.run_pending() == 1  # one try: a 400 is an answer, not an outage
    push = db.session.scalar(db.select(BackpackPush))
    assert push.status == "failed" and push.problem == "refused"
    assert "L'autre portefeuille a refusé ce badge." in page_text(signed_in.get("/me/badges/wallet"))


def test_tokens_the_backpack_cancelled_ask_her_to_connect_again(signed_in, stub, award):
    connect(signed_in, stub)
    for token in stub.tokens:
        token.revoked = True  # cancelled on the backpack's side
    send(signed_in, award)
    assert jobs.run_pending() == 1
    push = db.session.scalar(db.select(BackpackPush))
    assert push.status == "failed" and push.problem == "not-allowed" and stub.received == []
    assert "Connectez-le à nouveau" in page_text(signed_in.get("/me/badges/wallet"))


def test_an_expired_token_is_refreshed_and_the_new_one_kept(signed_in, stub, award):
    connect(signed_in, stub)
    stored = connection()
    token = backpack.unseal(stored.token_sealed)
    first_access = token["access_token"]
    token["expires_at"] = int(time.time()) - 10
    stored.token_sealed = backpack.seal(token)
    db.session.commit()
    stub.expire_tokens()  # the backpack refuses the old access token too

    send(signed_in, award)
    assert jobs.run_pending() == 1
    assert stub.token_grants == ["authorization_code", "refresh_token"]
    assert len(stub.received) == 1
    renewed = backpack.unseal(connection().token_sealed)
    assert renewed["access_token"] != first_access and renewed["expires_at"] > time.time()
    assert renewed["access_token"] in {t.access_token for t in stub.tokens if not t.is_expired()}


def test_the_holder_disconnects_her_backpack(signed_in, stub, award):
    connect(signed_in, stub)
    send(signed_in, award)
    jobs.run_pending()
    response = signed_in.post("/me/badges/wallet", data={"disconnect-submit": "1"})
    assert response.status_code == 302
    assert connection() is None and db.session.scalar(db.select(BackpackPush)) is None
    job = db.session.scalar(db.select(Job).where(Job.kind == backpack.REVOKE_JOB))
    access = stub.tokens[0].access_token
    assert access not in json.dumps(job.params)  # sealed in the job too
    assert jobs.run_pending() == 1
    assert sorted(stub.revoked) == ["access_token", "refresh_token"]
    assert all(t.revoked for t in stub.tokens)
    # A push with the old token is refused by the backpack.
    refused = requests.post(
        stub.url + "/ims/ob/v3p0/credentials", json={}, headers={"Authorization": f"Bearer {access}"}, timeout=10
    )
    assert refused.status_code == 401
    page = page_text(signed_in.get("/me/badges/wallet"))
    assert 'name="connect-url"' in page


# ------------------------------------------------------------------------------------------------ refusals


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nothing_stored() -> bool:
    db.session.rollback()
    return db.session.scalar(db.select(BackpackConnection)) is None and db.session.scalar(db.select(Job)) is None


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("pas une adresse", "Ce n'est pas une adresse web"),
        ("ftp://wallet.example.org", "Ce n'est pas une adresse web"),
        ("javascript:alert(1)", "Ce n'est pas une adresse web"),
        ("http://127.0.0.1:{free}", "Nous n'avons pas pu joindre cette adresse"),
        ("http://10.1.2.3", "Nous n'avons pas pu joindre cette adresse"),  # the guard: not on the allow-list
        ("{stub}/nothing-here", "Cette adresse n'est pas un portefeuille Open Badges 3.0"),
    ],
)
def test_a_bad_address_gets_a_clear_message_and_changes_nothing(signed_in, stub, typed, message):
    typed = typed.format(free=free_port(), stub=stub.url)
    response = signed_in.post("/me/badges/wallet", data={"connect-url": typed})
    assert response.status_code == 422
    assert message in page_text(response)
    assert nothing_stored() and stub.clients == {}


def test_a_discovery_document_that_is_not_ob3_is_refused(signed_in, stub):
    stub.discovery = {"openapi": "3.0.1", "info": {"title": "Something else"}, "components": {}}
    response = signed_in.post("/me/badges/wallet", data={"connect-url": stub.url})
    assert response.status_code == 422
    assert "pas un portefeuille Open Badges 3.0" in page_text(response)
    assert nothing_stored() and stub.clients == {}


def test_a_refused_registration_is_explained(signed_in, stub):
    stub.refuse_registration = True
    response = signed_in.post("/me/badges/wallet", data={"connect-url": stub.url})
    assert response.status_code == 422
    assert "L'autre portefeuille a refusé d'enregistrer Tremplin" in page_text(response)
    assert nothing_stored()


def test_a_registration_url_on_a_refused_address_is_never_called(signed_in, stub):
    # A listener on 127.0.0.2: loopback, but outside the allow-list (127.0.0.1/32), as a private address would be.
    with socket.socket() as listener:
        listener.bind(("127.0.0.2", 0))
        listener.listen(1)
        document = stub.discovery_document()
        scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
        scheme["x-imssf-registrationUrl"] = f"http://127.0.0.2:{listener.getsockname()[1]}/register"
        stub.discovery = document
        response = signed_in.post("/me/badges/wallet", data={"connect-url": stub.url})
        assert response.status_code == 422
        assert "refusé d'enregistrer Tremplin" in page_text(response)
        listener.settimeout(0.3)
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody knocked
    assert nothing_stored()


def test_an_error_on_the_callback_stores_nothing(signed_in, stub):
    stub.deny = True
    back = browser_get(start(signed_in, stub))
    assert "error=access_denied" in back.headers["Location"]
    done = signed_in.get(back.headers["Location"].removeprefix("http://localhost"), follow_redirects=True)
    assert "La connexion a été annulée" in page_text(done)
    assert nothing_stored() and stub.tokens == []


def test_a_bad_state_stores_nothing_and_the_code_is_never_exchanged(signed_in, stub):
    back = browser_get(start(signed_in, stub))
    callback = back.headers["Location"].removeprefix("http://localhost")
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    forged = f"{parts.path}?code={query['code'][0]}&state=forged"
    done = signed_in.get(forged, follow_redirects=True)
    assert "Ce lien de connexion n'est plus valable" in page_text(done)
    assert nothing_stored() and stub.token_grants == []
    # The right state, once the attempt was spent, is refused too (the pending state is single-use).
    again = signed_in.get(callback, follow_redirects=True)
    assert "Ce lien de connexion n'est plus valable" in page_text(again)
    assert nothing_stored() and stub.token_grants == []


def test_only_her_own_valid_badges_can_be_sent(signed_in, stub, award, create_user, achievement):
    from badges import services

    other, _ = services.issue(achievement, create_user(), context_ref="test:2")
    db.session.commit()
    connect(signed_in, stub)
    response = send(signed_in, other)
    assert response.status_code == 422
    assert "Choisissez au moins un badge valide" in page_text(response)
    assert db.session.scalar(db.select(BackpackPush)) is None


# ------------------------------------------------------------------------------------------------ pure parts


def test_base_urls_are_normalised():
    assert backpack.normalise_base_url(" wallet.example.org/ ") == "https://wallet.example.org"
    assert backpack.normalise_base_url("https://W.example.org/x/ims/ob/v3p0/") == "https://w.example.org/x"
    for bad in ("", "https://user:pw@w.example.org", "https://w.example.org/?q=1", "https://w.example.org:99999"):
        with pytest.raises(ValueError):
            backpack.normalise_base_url(bad)


def test_plain_http_is_refused_without_authlibs_switch(monkeypatch):
    monkeypatch.delenv("AUTHLIB_INSECURE_TRANSPORT")
    with pytest.raises(ValueError):
        backpack.normalise_base_url("http://wallet.example.org")
    with pytest.raises(backpack.Unsafe):
        backpack.check_url("http://wallet.example.org/token")


# ------------------------------------------------------------------------------------------------ privacy


def test_her_data_download_shows_the_backpack_but_no_secret(signed_in, stub, award, holder):
    from core.privacy import services as privacy_services

    connect(signed_in, stub)
    send(signed_in, award)
    jobs.run_pending()
    bundle = privacy_services.export_data(holder)
    section = bundle.data["backpack"]
    assert section["address"] == stub.url and section["name"] == "Stub Backpack"
    assert section["badges_sent"] == [
        {"badge": str(award.uuid), "status": "sent", "sent_at": section["badges_sent"][0]["sent_at"]}
    ]
    dumped = json.dumps(bundle.data, default=str)
    token = stub.tokens[0]
    assert token.access_token not in dumped and token.refresh_token not in dumped
    assert connection().token_sealed not in dumped


def test_erasure_disconnects_the_backpack_and_revokes_its_tokens(signed_in, stub, award, holder):
    from core.privacy import services as privacy_services

    connect(signed_in, stub)
    _record, done = privacy_services.erase(holder)
    db.session.commit()
    assert done and connection() is None
    assert jobs.run_pending() == 1
    assert sorted(stub.revoked) == ["access_token", "refresh_token"]


def test_the_discovery_document_is_read_as_ob3_says():
    base = "https://wallet.example.org"
    scheme = {
        "type": "oauth2",
        "x-imssf-registrationUrl": "/connect/register",
        "flows": {
            "authorizationCode": {
                "authorizationUrl": "/connect/authorize",
                "tokenUrl": "https://auth.example.org/token",
                "scopes": {backpack.SCOPE_UPSERT: "upsert"},
            }
        },
    }
    document = {
        "openapi": "3.0.1",
        "info": {"title": "  Mon Sac à badges  "},
        "servers": [{"url": "https://api.example.org/ims/ob/v3p0/"}],
        "components": {"securitySchemes": {"bearer": {"type": "http"}, "OAuth2ACG": scheme}},
    }
    found = backpack.read_discovery(document, base)
    assert found.name == "Mon Sac à badges"
    assert found.api_url == "https://api.example.org/ims/ob/v3p0"
    assert found.registration_url == "https://wallet.example.org/connect/register"
    assert found.authorization_url == "https://wallet.example.org/connect/authorize"
    assert found.token_url == "https://auth.example.org/token" and found.revocation_url is None
    del document["servers"]
    assert backpack.read_discovery(document, base).api_url == base + "/ims/ob/v3p0"
    scheme["flows"]["authorizationCode"]["scopes"] = {
        "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly": ""
    }
    for not_ob3 in (document, {"openapi": "3.0.1"}, [], "openapi", {"components": {"securitySchemes": {}}}):
        with pytest.raises(ValueError, match="not-ob3"):
            backpack.read_discovery(not_ob3, base)
