"""badges.oid4vci, the pure protocol module: offers, nonces, tx_codes, holder keys and key proofs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given
from hypothesis import strategies as st

from badges import oid4vci
from badges.oid4vci import Oid4vciError
from tests.badges.oid4vci_holder import Holder, _b58, _b64url

AUD = "https://formation.example.org"
SECRET = b"k" * 32
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _accept(_nonce) -> None:
    return None


def _verify(token: str, now: datetime = NOW, nonce_check=_accept) -> oid4vci.HolderKey:
    return oid4vci.verify_key_proof(token, audience=AUD, now=now, nonce_check=nonce_check)


def _error(call) -> Oid4vciError:
    with pytest.raises(Oid4vciError) as caught:
        call()
    return caught.value


# ------------------------------------------------------------------------------------------------ offers


def test_the_offer_uri_carries_the_offer_as_url_encoded_json():
    offer = oid4vci.credential_offer(AUD, "code-1", with_tx_code=True, tx_code_description="Le code reçu")
    uri = oid4vci.offer_uri(offer)
    assert uri.startswith("openid-credential-offer://?credential_offer=%7B")
    decoded = json.loads(parse_qs(urlsplit(uri).query)["credential_offer"][0])
    assert decoded == offer
    grant = decoded["grants"][oid4vci.PRE_AUTHORIZED_GRANT]
    assert grant == {
        "pre-authorized_code": "code-1",
        "tx_code": {"input_mode": "numeric", "length": 6, "description": "Le code reçu"},
    }
    assert decoded["credential_configuration_ids"] == [oid4vci.LDP_VC, oid4vci.JWT_VC_JSON]
    plain = oid4vci.credential_offer(AUD, "code-2", with_tx_code=False)
    assert "tx_code" not in plain["grants"][oid4vci.PRE_AUTHORIZED_GRANT]


def test_tx_codes_are_six_digits_and_checked_against_their_salted_digest():
    code = oid4vci.new_tx_code()
    assert len(code) == 6 and code.isdigit()
    stored = oid4vci.tx_code_digest("pre-code", code)
    assert oid4vci.tx_code_matches("pre-code", code, stored)
    assert not oid4vci.tx_code_matches("other-pre-code", code, stored)
    assert not oid4vci.tx_code_matches("pre-code", str((int(code) + 1) % 1_000_000).zfill(6), stored)
    assert not oid4vci.tx_code_matches("pre-code", None, stored)
    assert not oid4vci.tx_code_matches("pre-code", 123456, stored)


# ------------------------------------------------------------------------------------------------ nonces


def test_a_fresh_nonce_is_accepted_then_goes_stale():
    nonce = oid4vci.make_nonce(SECRET, NOW)
    oid4vci.check_nonce(SECRET, nonce, NOW + timedelta(seconds=299))
    assert _error(lambda: oid4vci.check_nonce(SECRET, nonce, NOW + timedelta(seconds=301))).error == "invalid_nonce"
    assert _error(lambda: oid4vci.check_nonce(SECRET, nonce, NOW - timedelta(seconds=30))).error == "invalid_nonce"
    assert _error(lambda: oid4vci.check_nonce(b"x" * 32, nonce, NOW)).error == "invalid_nonce"
    assert oid4vci.make_nonce(SECRET, NOW) != nonce


@given(st.one_of(st.none(), st.integers(), st.text(max_size=120), st.binary(max_size=60).map(_b64url)))
def test_no_made_up_nonce_is_accepted(value):
    with pytest.raises(Oid4vciError) as caught:
        oid4vci.check_nonce(SECRET, value, NOW)
    assert caught.value.error == "invalid_nonce"


# ------------------------------------------------------------------------------------------------ holder keys


@pytest.mark.parametrize("kind", ["did:key", "did:jwk", "jwk"])
def test_a_good_proof_names_the_holders_did(kind):
    holder = Holder(kind)
    seen = []
    key = _verify(holder.proof(AUD, "n-1", iat=NOW.timestamp() - 60), nonce_check=seen.append)
    assert (key.did, key.binding) == (holder.did, kind)
    assert seen == ["n-1"]


def test_a_p256_did_key_is_read():
    private = ec.generate_private_key(ec.SECP256R1())
    point = private.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
    did = "did:key:z" + _b58(b"\x80\x24" + point)
    token = jwt.encode(
        {"aud": AUD, "iat": int(NOW.timestamp()), "nonce": "n"},
        private,
        algorithm="ES256",
        headers={"typ": oid4vci.PROOF_TYP, "kid": f"{did}#{did[8:]}"},
    )
    key = _verify(token)
    assert key.did == did and key.jwk["crv"] == "P-256"


def test_did_jwk_is_the_sorted_public_jwk():
    holder = Holder("jwk")
    assert oid4vci.did_jwk({**holder.jwk, "kid": "ignored", "use": "sig"}) == holder.did
    assert _error(lambda: oid4vci.did_jwk({**holder.jwk, "d": "secret"})).error == "invalid_proof"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"typ": "JWT"}, "invalid_proof"),
        ({"kid": "did:web:example.org#1"}, "invalid_proof"),
        ({"kid": "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"}, "invalid_proof"),  # secp256k1
        ({"jwk": {"kty": "RSA", "n": "x", "e": "AQAB"}}, "invalid_proof"),
        ({"x5c": ["MIIB"]}, "invalid_proof"),
    ],
)
def test_proof_headers_that_do_not_name_an_accepted_key_are_refused(change, error):
    holder = Holder()
    assert _error(lambda: _verify(holder.proof(AUD, "n", iat=NOW.timestamp(), **change))).error == error


def test_audience_iat_and_signature_are_checked():
    holder, other = Holder(), Holder()
    now = NOW.timestamp()
    assert "aud" in _error(lambda: _verify(holder.proof("https://else.example", "n", iat=now))).description
    assert "iat" in _error(lambda: _verify(holder.proof(AUD, "n", iat=now - 301))).description
    assert "iat" in _error(lambda: _verify(holder.proof(AUD, "n", iat=now + 61))).description
    _verify(holder.proof(AUD, "n", iat=now - 299))
    _verify(holder.proof(AUD, "n", iat=now + 59))
    bad = _error(lambda: _verify(holder.proof(AUD, "n", iat=now, key=other.key)))
    assert bad.error == "invalid_proof" and "signature" in bad.description


def test_an_algorithm_that_does_not_match_the_key_is_refused():
    p256 = Holder("did:jwk")
    good = p256.proof(AUD, "n", iat=NOW.timestamp())
    header = _b64url(json.dumps({"typ": oid4vci.PROOF_TYP, "alg": "EdDSA", "kid": p256.kid}).encode())
    relabelled = ".".join([header, *good.split(".")[1:]])
    assert "does not match" in _error(lambda: _verify(relabelled)).description
    es384 = _b64url(json.dumps({"typ": oid4vci.PROOF_TYP, "alg": "ES384", "kid": p256.kid}).encode())
    assert "alg" in _error(lambda: _verify(".".join([es384, *good.split(".")[1:]]))).description
    unsigned = jwt.encode(
        {"aud": AUD, "iat": int(NOW.timestamp())}, None, algorithm="none", headers={"typ": oid4vci.PROOF_TYP}
    )
    assert _error(lambda: _verify(unsigned)).error == "invalid_proof"


def test_the_nonce_check_runs_only_after_the_signature():
    holder, other = Holder(), Holder()
    calls = []
    _error(lambda: _verify(holder.proof(AUD, "n", iat=NOW.timestamp(), key=other.key), nonce_check=calls.append))
    assert calls == []


def test_metadata_lists_both_formats_and_every_language():
    display = oid4vci.Display("Institut", {"fr": "Badge", "en": "Badge", "nl": "Badge"}, {"fr": "Un badge."})
    meta = oid4vci.issuer_metadata(AUD, credential_endpoint=f"{AUD}/c", nonce_endpoint=f"{AUD}/n", display=display)
    assert meta["authorization_servers"] == [AUD]
    assert [d["locale"] for d in meta["display"]] == ["fr", "en", "nl"]
    ldp = meta["credential_configurations_supported"][oid4vci.LDP_VC]
    assert ldp["credential_definition"]["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert ldp["credential_metadata"]["display"][0] == {"name": "Badge", "locale": "fr", "description": "Un badge."}
    server = oid4vci.authorization_server_metadata(AUD, token_endpoint=f"{AUD}/t")
    assert server["pre-authorized_grant_anonymous_access_supported"] is True
