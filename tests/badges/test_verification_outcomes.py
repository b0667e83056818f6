"""badges.verification: three verdicts (issue 13, item 4). What could not be checked is *indeterminate*, never
*invalid*; what the issuer's answer or the badge itself contradicts is *invalid*; a genuine badge shown with another
e-mail address says exactly that."""

from __future__ import annotations

import json

import pytest

from badges import signing
from badges.verification import HEADLINE_MESSAGES, MSG_KEY_UNREACHABLE, MSG_PROOF_UNSUPPORTED, verify
from tests.badges.test_verification import (
    ACHIEVEMENT,
    EMAIL,
    NOW,
    OB2_ASSERTION_URL,
    OB2_ISSUER_URL,
    OB2_KEY_URL,
    OB2_REVOCATIONS_URL,
    STATUS_INDEX,
    STATUS_URL,
    FakeResolver,
    _signed_json,
    issuer_key,
    make_credential,
    ob2_world,
    ob3_resolver,
    outcomes,
    sign,
    signed_credential,
)


@pytest.mark.parametrize("problem", ["timeout", "unreachable", "refused-address", "tls", "too-large"])
def test_a_status_list_that_does_not_answer_is_indeterminate(problem: str) -> None:
    resolver = ob3_resolver()
    resolver.problems[STATUS_URL] = problem
    verdict = verify(_signed_json(), resolver, now=NOW)
    assert not verdict.valid and verdict.outcome == "indeterminate" and verdict.headline == "indeterminate"
    assert outcomes(verdict)["status"] == "indeterminate"
    assert verdict.check("status").params["detail"] == problem
    assert {code for code, outcome in outcomes(verdict).items() if outcome != "passed"} == {"status"}


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(500, "indeterminate"), (503, "indeterminate"), (429, "indeterminate"), (404, "invalid"), (403, "invalid")],
)
def test_server_errors_are_indeterminate_clear_answers_are_not(status: int, outcome: str) -> None:
    resolver = FakeResolver(documents={STATUS_URL: (status, {"error": "x"})})
    verdict = verify(_signed_json(), resolver, now=NOW)
    assert verdict.outcome == outcome and not verdict.valid


def test_a_failed_check_wins_over_an_indeterminate_one() -> None:
    """A revoked badge whose status was read, but something else could not be checked, is invalid."""
    tampered = signed_credential()
    tampered["credentialSubject"]["achievement"]["name"] = "Something else"
    resolver = ob3_resolver()
    resolver.problems[STATUS_URL] = "timeout"
    assert verify(json.dumps(tampered), resolver, now=NOW).outcome == "invalid"


def test_a_did_web_key_that_cannot_be_fetched_is_indeterminate() -> None:
    issuer = "did:web:issuer.example"
    vm = f"{issuer}#key-1"
    data = json.dumps(sign(make_credential(issuer, status_list_url=None, status_list_index=None), issuer_key(), vm))
    resolver = FakeResolver(problems={"https://issuer.example/.well-known/did.json": "timeout"})
    verdict = verify(data, resolver, now=NOW)
    assert verdict.outcome == "indeterminate"
    signature = verdict.check("signature")
    assert signature.outcome == "indeterminate" and signature.message == MSG_KEY_UNREACHABLE
    others = [check for check in verdict.checks if check.code not in ("format", "signature", "schema")]
    assert others and all(check.outcome == "skipped" for check in others)
    assert verdict.summary is None  # nothing the badge says is shown before its signature is checked
    # the same badge whose issuer answers: valid
    resolver = FakeResolver(keys={vm: issuer_key().public_key()})
    assert verify(data, resolver, now=NOW).outcome == "valid"
    # an issuer that answers without the key: invalid
    resolver = FakeResolver(keys={f"{issuer}#key-2": issuer_key().public_key()})
    assert verify(data, resolver, now=NOW).outcome == "invalid"


def test_an_unsupported_proof_is_indeterminate_not_invalid() -> None:
    credential = signed_credential()
    credential["proof"][0]["type"] = "BbsBlsSignature2020"
    del credential["proof"][0]["cryptosuite"]
    verdict = verify(json.dumps(credential), ob3_resolver(), now=NOW)
    assert verdict.outcome == "indeterminate"
    assert verdict.check("signature").message == MSG_PROOF_UNSUPPORTED
    assert verdict.check("signature").params["type"] == "BbsBlsSignature2020"


def test_an_unsupported_status_method_is_indeterminate() -> None:
    credential = make_credential()
    credential["credentialStatus"] = {
        "id": f"{STATUS_URL}#1",
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": "1",
        "statusListCredential": STATUS_URL,
    }
    vocab = "https://w3id.org/vc/status-list#"
    scoped = {
        "statusPurpose": vocab + "statusPurpose",
        "statusListIndex": vocab + "statusListIndex",
        "statusListCredential": {"@id": vocab + "statusListCredential", "@type": "@id"},
    }
    entry_type = {"StatusList2021Entry": {"@id": vocab + "StatusList2021Entry", "@context": scoped}}
    credential["@context"] = [*credential["@context"], entry_type]
    verdict = verify(json.dumps(sign(credential)), ob3_resolver(), now=NOW)
    assert verdict.outcome == "indeterminate" and outcomes(verdict)["status"] == "indeterminate"


def test_ob2_documents_that_do_not_answer_are_indeterminate() -> None:
    for url, code in (
        (OB2_KEY_URL, "signature"),
        (ACHIEVEMENT.id, "issuer-key"),
        (OB2_ISSUER_URL, "issuer-key"),
        (OB2_REVOCATIONS_URL, "status"),
    ):
        world = ob2_world()
        world.resolver.problems[url] = "timeout"
        verdict = verify(world.token, world.resolver, now=NOW)
        assert verdict.outcome == "indeterminate" and outcomes(verdict)[code] == "indeterminate", url
    world = ob2_world("hosted")
    world.resolver.problems[OB2_ASSERTION_URL] = "unreachable"
    for data in (OB2_ASSERTION_URL, json.dumps(world.assertion)):
        verdict = verify(data, world.resolver, now=NOW)
        assert verdict.outcome == "indeterminate" and outcomes(verdict)["signature"] == "indeterminate"
    world.resolver.problems.clear()
    assert verify(json.dumps(world.assertion), world.resolver, now=NOW).outcome == "valid"


def test_a_genuine_badge_with_another_address_says_so() -> None:
    verdict = verify(_signed_json(), ob3_resolver(), now=NOW, recipient_email="someone.else@example.org")
    assert verdict.outcome == "invalid" and not verdict.valid
    assert verdict.headline == "not-this-recipient"
    assert verdict.headline_message == HEADLINE_MESSAGES["not-this-recipient"]
    document = verdict.to_json(lambda text: f"<{text}>")
    assert document["headline"] == "not-this-recipient"
    assert document["headline_text"] == f"<{HEADLINE_MESSAGES['not-this-recipient']}>"
    assert verdict.summary is not None  # genuine: what it attests is shown
    # the right address: valid; a revoked badge with another address: plainly invalid
    assert verify(_signed_json(), ob3_resolver(), now=NOW, recipient_email=EMAIL).headline == "valid"
    revoked = verify(_signed_json(), ob3_resolver(STATUS_INDEX), now=NOW, recipient_email="x@example.org")
    assert revoked.headline == "invalid"


def test_a_vc_jwt_whose_kid_cannot_be_fetched_is_indeterminate() -> None:
    issuer = "https://keys.example/issuer"
    credential = make_credential(issuer, status_list_url=None, status_list_index=None)
    token = signing.sign_vc_jwt(credential, issuer_key(), f"{issuer}#k1", include_jwk=False)
    resolver = FakeResolver(problems={issuer: "timeout"})
    verdict = verify(token, resolver, now=NOW)
    assert verdict.outcome == "indeterminate" and verdict.check("signature").message == MSG_KEY_UNREACHABLE
    assert verify(token, FakeResolver(), now=NOW).outcome == "invalid"  # 404: the key is not there
