"""The verifier in the app: three verdicts through ``tremplin badges verify`` (exit 0 / 1 / 3),
``POST /api/v1/verify`` and the ``/verify`` page; ``LocalResolver`` serves this site's documents from the database
and hands other URLs to the web transport."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badges import openbadges, services, signing, verify_views
from badges.verification.fetcher import Fetched
from badges.verification.keys import did_web_url
from core import rest
from core.db import db

FOREIGN_DID = "did:web:issuer.example"


class Timeout:
    """Another issuer's site that never answers in time."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def fetch(self, url: str, *, accept: str = "") -> Fetched:
        self.urls.append(url)
        return Fetched(url, 0, b"", "", "timeout")


@pytest.fixture
def foreign_web(monkeypatch) -> Timeout:
    web = Timeout()
    monkeypatch.setattr(verify_views, "web_resolver", lambda: web)
    return web


def foreign_credential() -> str:
    """A badge of another issuer (did:web), signed with a key made here: its did.json is on a site that times out."""
    key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"another issuer").digest())
    issuer = openbadges.Issuer(id=FOREIGN_DID, name="Other school", url="https://issuer.example", email="a@b.example")
    achievement = openbadges.Achievement(
        id="https://issuer.example/a/1",
        name="First aid",
        description="First aid.",
        criteria="Course.",
        image="https://issuer.example/a/1.png",
        kind="module",
    )
    award = openbadges.Award(
        id="0d7f3c1e-5b2a-4c8d-9e6f-1a2b3c4d5e6f",
        recipient_email="camille.dupont@example.org",
        salt="00112233445566778899aabbccddeeff",
        issued_on=datetime(2026, 1, 1, tzinfo=UTC),
    )
    credential = openbadges.ob3_credential(award, achievement, issuer, "https://issuer.example/c/1")
    signed = signing.add_proof(credential, key, f"{FOREIGN_DID}#key-1", datetime(2026, 1, 1, tzinfo=UTC))
    return json.dumps(signed)


def test_cli_exit_codes_and_json(runner, award, tmp_path, foreign_web) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(award.documents["ob3"]["fr"]), encoding="utf-8")
    result = runner.invoke(args=["badges", "verify", str(good), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["outcome"] == "valid" and document["valid"] is True and document["issued_by_this_platform"]
    assert {check["code"] for check in document["checks"]} >= {"format", "signature", "issuer-key", "status"}

    tampered = copy.deepcopy(award.documents["ob3"]["fr"])
    tampered["credentialSubject"]["achievement"]["name"] = "Expert·e en tout"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tampered), encoding="utf-8")
    result = runner.invoke(args=["badges", "verify", str(bad)])
    assert result.exit_code == 1 and result.output.startswith("NOT VALID")

    foreign = tmp_path / "foreign.json"
    foreign.write_text(foreign_credential(), encoding="utf-8")
    result = runner.invoke(args=["badges", "verify", str(foreign)])
    assert result.exit_code == 3 and result.output.startswith("COULD NOT BE CHECKED"), result.output
    assert "[indeterminate] signature" in result.output
    assert foreign_web.urls == [did_web_url(FOREIGN_DID)]
    result = runner.invoke(args=["badges", "verify", str(foreign), "--format", "json"])
    assert result.exit_code == 3 and json.loads(result.output)["outcome"] == "indeterminate"

    result = runner.invoke(args=["badges", "verify", str(good), "--email", "someone.else@example.org"])
    assert result.exit_code == 1 and result.output.startswith("NOT VALID FOR THIS ADDRESS")


def test_api_carries_the_outcome_and_every_check(client, award, foreign_web) -> None:
    body = client.post("/api/v1/verify", data=foreign_credential(), content_type="text/plain", csrf=False).json
    assert body["outcome"] == "indeterminate" and body["valid"] is False and body["headline"] == "indeterminate"
    assert body["headline_text"] and [check["code"] for check in body["checks"]][:2] == ["format", "signature"]
    assert body["checks"][1]["outcome"] == "indeterminate"
    other = client.post(
        "/api/v1/verify?email=someone.else@example.org", json=award.documents["ob3"]["fr"], csrf=False
    ).json
    assert other["outcome"] == "invalid" and other["headline"] == "not-this-recipient"
    spec = rest.api.spec.to_dict()["components"]["schemas"]
    assert "indeterminate" in spec["VerificationCheck"]["properties"]["outcome"]["enum"]
    assert spec["VerificationResult"]["properties"]["outcome"]["enum"] == ["valid", "invalid", "indeterminate"]


def test_the_page_says_plainly_what_could_not_be_checked(client, foreign_web) -> None:
    html = client.post("/verify", data={"text": foreign_credential()}).get_data(as_text=True)
    assert "Nous n'avons pas pu vérifier ce badge" in html and "Ce n'est pas un refus" in html
    assert "Non valide" not in html
    english = client.post("/verify", data={"text": foreign_credential()}, headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "We could not verify this badge" in english and "This is not a refusal" in english


def test_the_page_says_a_genuine_badge_was_not_issued_to_this_address(client, award) -> None:
    data = {"text": json.dumps(award.documents["ob3"]["fr"]), "email": "someone.else@example.org"}
    html = client.post("/verify", data=data).get_data(as_text=True)
    assert "Pas émis pour cette adresse" in html and "Le badge est authentique" in html


def test_local_resolver_serves_this_sites_documents(app, award, foreign_web) -> None:
    urls = services.award_urls(award)
    with app.test_request_context():
        resolver = verify_views.LocalResolver()
        credential = resolver.fetch(urls["ob3_credential_url"])
        assert credential.status == 200 and json.loads(credential.body) == award.documents["ob3"]["fr"]
        jwt_answer = resolver.fetch(urls["ob3_jwt_url"])
        assert jwt_answer.body.decode() == award.documents["ob3_jwt"]["fr"]
        did = openbadges.did_web(app.config["BASE_URL"])
        did_json = resolver.fetch(did_web_url(did))
        assert did_json.status == 200 and json.loads(did_json.body)["id"] == did
        hosted = resolver.fetch(urls["ob2_assertion_url"])
        assert hosted.status == 200
        services.revoke(award, "Issued in error")
        db.session.flush()
        assert resolver.fetch(urls["ob2_assertion_url"]).status == 410
        assert (
            resolver.fetch(app.config["BASE_URL"] + "/badges/credentials/00000000-0000-0000-0000-000000000000").status
            == 404
        )
        assert foreign_web.urls == []
        assert resolver.fetch("https://issuer.example/x").problem == "timeout"
        assert foreign_web.urls == ["https://issuer.example/x"]
