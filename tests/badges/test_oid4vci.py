"""OpenID4VCI through the app (test client): metadata, the holder's offer page, the CLI, token → nonce →
credential, and every refusal the spec names. The wallet Tremplin did not write is in test_oid4vci_wallet.py."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import sqlalchemy as sa

from badges import services, signing
from badges.models import Award, WalletCredential, WalletOffer
from badges.oid4vci import JWT_VC_JSON, LDP_VC, PRE_AUTHORIZED_GRANT
from core.db import db, utcnow
from core.models import OutboxMessage
from tests.badges.oid4vci_holder import Holder
from tests.conftest import PASSWORD

ISSUER = "http://localhost"


def _offer_of(uri: str) -> dict:
    assert uri.startswith("openid-credential-offer://?credential_offer=")
    return json.loads(parse_qs(urlsplit(uri).query)["credential_offer"][0])


def _new_offer(runner, award: Award, *extra: str) -> dict:
    result = runner.invoke(args=["badges", "offer", str(award.uuid), *extra])
    assert result.exit_code == 0, result.output
    return _offer_of(result.stdout.strip().splitlines()[0])


def _code(offer: dict) -> str:
    return offer["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]


def _token(client, offer: dict, tx_code: str | None = None):
    data = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": _code(offer)}
    if tx_code is not None:
        data["tx_code"] = tx_code
    return client.post("/oid4vci/token", data=data, csrf=False)


def _nonce(client) -> str:
    response = client.post("/oid4vci/nonce", csrf=False)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()["c_nonce"]


def _credential(client, token: str, body: dict):
    return client.post("/oid4vci/credential", json=body, headers={"Authorization": f"Bearer {token}"}, csrf=False)


def _request(holder: Holder, nonce: str, configuration: str = LDP_VC, **proof_options) -> dict:
    return {
        "credential_configuration_id": configuration,
        "proofs": {"jwt": [holder.proof(proof_options.pop("audience", ISSUER), nonce, **proof_options)]},
    }


@pytest.fixture
def token(client, runner, award) -> str:
    response = _token(client, _new_offer(runner, award))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


# ------------------------------------------------------------------------------------------------ metadata


def test_issuer_and_authorization_server_metadata(client, issuer):
    meta = client.get("/.well-known/openid-credential-issuer").get_json()
    assert meta["credential_issuer"] == ISSUER
    assert meta["credential_endpoint"] == f"{ISSUER}/oid4vci/credential"
    assert meta["nonce_endpoint"] == f"{ISSUER}/oid4vci/nonce"
    configurations = meta["credential_configurations_supported"]
    assert set(configurations) == {LDP_VC, JWT_VC_JSON}
    assert configurations[LDP_VC]["format"] == "ldp_vc"
    assert configurations[JWT_VC_JSON]["format"] == "jwt_vc_json"
    for configuration in configurations.values():
        assert configuration["cryptographic_binding_methods_supported"] == ["did:key", "did:jwk", "jwk"]
        assert configuration["proof_types_supported"] == {
            "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}
        }
        assert configuration["credential_definition"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
        locales = {d["locale"]: d["name"] for d in configuration["credential_metadata"]["display"]}
        assert set(locales) == {"fr", "en", "nl"}
        assert locales["fr"] != locales["en"]  # translated, not the msgid everywhere
    assert "@context" in configurations[LDP_VC]["credential_definition"]
    server = client.get("/.well-known/oauth-authorization-server").get_json()
    assert server["issuer"] == ISSUER
    assert server["token_endpoint"] == f"{ISSUER}/oid4vci/token"
    assert server["grant_types_supported"] == [PRE_AUTHORIZED_GRANT]


# ------------------------------------------------------------------------------------------------ the flow


@pytest.mark.parametrize(("kind", "configuration"), [("did:key", LDP_VC), ("did:jwk", JWT_VC_JSON), ("jwk", LDP_VC)])
def test_offer_token_nonce_credential_issues_to_the_holders_key(client, runner, award, kind, configuration):
    offer = _new_offer(runner, award)
    assert offer["credential_issuer"] == ISSUER
    assert offer["credential_configuration_ids"] == [LDP_VC, JWT_VC_JSON]
    assert "tx_code" not in offer["grants"][PRE_AUTHORIZED_GRANT]
    token = _token(client, offer)
    assert token.status_code == 200
    body = token.get_json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600
    holder = Holder(kind)
    response = _credential(client, body["access_token"], _request(holder, _nonce(client), configuration))
    assert response.status_code == 200, response.get_data(as_text=True)
    issued = response.get_json()["credentials"][0]["credential"]
    if configuration == LDP_VC:
        credential = issued
        assert signing.verify_proof(credential, signing.resolve_did_key) == []
    else:
        credential, problems = signing.verify_vc_jwt(issued, signing.resolve_did_key)
        assert problems == []
        assert jwt.decode(issued, options={"verify_signature": False})["sub"] == holder.did
    assert credential["credentialSubject"]["id"] == holder.did
    # The badge's own status slot: revoking the badge revokes this copy.
    assert credential["credentialStatus"] == award.documents["ob3"]["fr"]["credentialStatus"]
    assert credential["validFrom"] == award.documents["ob3"]["fr"]["validFrom"]
    assert credential["id"] != award.documents["ob3"]["fr"]["id"]
    record = db.session.scalar(sa.select(WalletCredential))
    assert (record.holder_did, record.binding, record.configuration_id) == (holder.did, kind, configuration)
    assert credential["id"] == f"urn:uuid:{record.uuid}"
    assert record.award_id == award.id


def test_the_draft_proof_field_is_accepted_too(client, token):
    """Wallets written to drafts 13-15 (Sphereon's client among them) send ``proof``, not ``proofs``."""
    holder = Holder()
    body = {
        "credential_configuration_id": LDP_VC,
        "proof": {"proof_type": "jwt", "jwt": holder.proof(ISSUER, _nonce(client))},
    }
    response = _credential(client, token, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["credentials"][0]["credential"]["credentialSubject"]["id"] == holder.did


# ------------------------------------------------------------------------------------------------ refusals


def test_a_pre_authorized_code_works_once(client, runner, award):
    offer = _new_offer(runner, award)
    assert _token(client, offer).status_code == 200
    again = _token(client, offer)
    assert again.status_code == 400
    assert again.get_json()["error"] == "invalid_grant"


def test_unknown_and_expired_codes_and_other_grants_are_refused(client, runner, award):
    unknown = _token(client, {"grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": "nope"}}})
    assert unknown.get_json()["error"] == "invalid_grant"
    offer = _new_offer(runner, award)
    db.session.execute(sa.update(WalletOffer).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert _token(client, offer).get_json()["error"] == "invalid_grant"
    other = client.post("/oid4vci/token", data={"grant_type": "authorization_code", "code": "x"}, csrf=False)
    assert (other.status_code, other.get_json()["error"]) == (400, "unsupported_grant_type")
    missing = client.post("/oid4vci/token", data={"grant_type": PRE_AUTHORIZED_GRANT}, csrf=False)
    assert missing.get_json()["error"] == "invalid_request"


def _mailed_code(holder_email: str) -> str:
    message = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.purpose == "badge-wallet-code").order_by(OutboxMessage.id.desc())
    )
    assert message is not None and message.recipient == holder_email
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def test_a_tx_code_is_mailed_and_a_wrong_one_is_refused(client, runner, award, holder):
    offer = _new_offer(runner, award, "--tx-code")
    grant = offer["grants"][PRE_AUTHORIZED_GRANT]
    assert grant["tx_code"]["length"] == 6 and grant["tx_code"]["input_mode"] == "numeric"
    code = _mailed_code(holder.email)
    assert code not in json.dumps(offer)  # the second channel only
    assert _token(client, offer).get_json()["error"] == "invalid_request"  # the code is missing
    wrong = "000000" if code != "000000" else "111111"
    refused = _token(client, offer, wrong)
    assert (refused.status_code, refused.get_json()["error"]) == (400, "invalid_grant")
    accepted = _token(client, offer, code)
    assert accepted.status_code == 200, accepted.get_data(as_text=True)


def test_three_wrong_tx_codes_burn_the_offer(client, runner, award, holder):
    offer = _new_offer(runner, award, "--tx-code")
    code = _mailed_code(holder.email)
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(3):
        assert _token(client, offer, wrong).get_json()["error"] == "invalid_grant"
    assert _token(client, offer, code).get_json()["error"] == "invalid_grant"
    assert db.session.scalar(sa.select(WalletOffer.redeemed_at)) is not None


def test_a_credential_needs_a_valid_access_token(client):
    response = _credential(client, "not-a-token", {"credential_configuration_id": LDP_VC})
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert client.post("/oid4vci/credential", json={}, csrf=False).status_code == 401


def test_an_expired_access_token_is_refused(client, token):
    db.session.execute(sa.update(WalletOffer).values(token_expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = _credential(client, token, _request(Holder(), _nonce(client)))
    assert (response.status_code, response.get_json()["error"]) == (401, "invalid_token")


def _refused(client, token, body, error: str) -> None:
    response = _credential(client, token, body)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"] == error, response.get_json()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WalletCredential)) == 0


def test_proofs_with_a_stale_or_unknown_nonce_are_refused(app, client, token):
    holder = Holder()
    _refused(client, token, _request(holder, "made-up-nonce"), "invalid_nonce")
    _refused(client, token, _request(holder, None), "invalid_nonce")
    from badges import wallet

    with app.test_request_context():
        stale = wallet.new_nonce(utcnow() - timedelta(minutes=6))
    _refused(client, token, _request(holder, stale), "invalid_nonce")


def test_a_nonce_serves_one_credential(client, token):
    nonce = _nonce(client)
    assert _credential(client, token, _request(Holder(), nonce)).status_code == 200
    response = _credential(client, token, _request(Holder(), nonce))
    assert (response.status_code, response.get_json()["error"]) == (400, "invalid_nonce")


def test_a_proof_for_another_audience_is_refused(client, token):
    _refused(client, token, _request(Holder(), _nonce(client), audience="https://wallet.example"), "invalid_proof")


def test_a_proof_with_a_bad_signature_is_refused(client, token):
    holder, other = Holder(), Holder()
    _refused(client, token, _request(holder, _nonce(client), key=other.key), "invalid_proof")
    p256, p256_other = Holder("jwk"), Holder("jwk")
    _refused(client, token, _request(p256, _nonce(client), key=p256_other.key), "invalid_proof")


def test_malformed_proofs_and_requests_are_refused(client, token):
    holder = Holder()
    nonce = _nonce(client)
    _refused(client, token, _request(holder, nonce, typ="JWT"), "invalid_proof")
    _refused(client, token, _request(holder, nonce, iat=time.time() - 3600), "invalid_proof")
    _refused(client, token, _request(holder, nonce, iat=time.time() + 3600), "invalid_proof")
    _refused(client, token, _request(holder, nonce, kid="did:web:example.org#key-1"), "invalid_proof")
    _refused(client, token, {"credential_configuration_id": LDP_VC}, "invalid_proof")
    _refused(
        client,
        token,
        {"credential_configuration_id": "Diploma", "proofs": {"jwt": ["x"]}},
        "unknown_credential_configuration",
    )
    _refused(client, token, {"proofs": {"jwt": [holder.proof(ISSUER, nonce)]}}, "invalid_credential_request")
    _refused(client, token, {"credential_identifier": "x"}, "unknown_credential_identifier")
    two = {"credential_configuration_id": LDP_VC, "proofs": {"jwt": [holder.proof(ISSUER, nonce)] * 2}}
    _refused(client, token, two, "invalid_proof")


def test_a_revoked_badge_is_no_longer_issued(client, token, award):
    services.revoke(award, "Issued in error")
    db.session.commit()
    response = _credential(client, token, _request(Holder(), _nonce(client)))
    assert (response.status_code, response.get_json()["error"]) == (400, "credential_request_denied")


def test_no_offer_for_a_revoked_badge(runner, award):
    services.revoke(award, "Issued in error")
    db.session.commit()
    result = runner.invoke(args=["badges", "offer", str(award.uuid)])
    assert result.exit_code != 0
    assert "valid badge" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WalletOffer)) == 0


# ------------------------------------------------------------------------------------------------ holder's page


def _login(client, user) -> None:
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_the_holder_gets_a_qr_code_and_a_link(client, award, holder):
    _login(client, holder)
    page = client.get(f"/me/badges/{award.uuid}").get_data(as_text=True)
    assert f'action="/me/badges/{award.uuid}/wallet"' in page
    response = client.post(f"/me/badges/{award.uuid}/wallet", data={})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "<svg" in html and "https://" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    link = re.search(r'id="wallet-link"|href="(openid-credential-offer://[^"]+)"', html)
    uri = re.search(r'href="(openid-credential-offer://[^"]+)"', html).group(1).replace("&amp;", "&")
    assert link is not None
    offer = _offer_of(uri)
    assert _token(client, offer).status_code == 200
    assert "10 minutes" in html or "10 min" in html


def test_another_person_cannot_offer_my_badge(client, award, create_user):
    other = create_user(roles=("trainee",))
    _login(client, other)
    assert client.post(f"/me/badges/{award.uuid}/wallet", data={}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WalletOffer)) == 0


def test_the_offer_form_needs_its_csrf_token(client, award, holder):
    _login(client, holder)
    response = client.post(f"/me/badges/{award.uuid}/wallet", data={}, csrf=False)
    assert response.status_code in (302, 400)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WalletOffer)) == 0


# ------------------------------------------------------------------------------------------------ privacy


def test_her_data_lists_the_wallet_copies_and_erasure_forgets_them(client, token, award, holder):
    from core.privacy import services as privacy_services

    wallet_holder = Holder()
    assert _credential(client, token, _request(wallet_holder, _nonce(client))).status_code == 200
    bundle = privacy_services.export_data(holder)
    copies = next(row for row in bundle.data["badges"] if row["id"] == str(award.uuid))["wallet_copies"]
    assert [(c["holder_did"], c["format"]) for c in copies] == [(wallet_holder.did, LDP_VC)]
    db.session.rollback()
    _record, done = privacy_services.erase(holder)
    db.session.commit()
    assert done
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WalletCredential)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WalletOffer)) == 0
