"""badges.verification reads what the proof covers: JSON-LD alias rewrites never change a verdict (issue 13, item 1).

A Data Integrity proof covers the RDF of a credential, not its JSON keys: an inline context can give any term a
second name (``{"cs": {"@id": "…#credentialStatus"}}``), ``@vocab``, compact and full IRIs, ``@nest``, keyword aliases
and split values all spell the same RDF differently. The verifier must read the credential as a JSON-LD processor
does. Here: one deterministic test per trick on the attack of the issue, then a property test of random rewrites
applied to invalid badges (revoked, expired, not yet valid, wrong recipient, other issuer, not an Open Badge), our
own credentials (built with ``badges.openbadges``/``badges.signing`` as in test_verification) and hand-built ones.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges import openbadges as ob
from badges import signing
from badges.verification import MSG_REVOKED, verify
from tests.badges.test_verification import (
    EMAIL,
    ISSUED,
    NOW,
    STATUS_INDEX,
    STATUS_URL,
    did,
    issuer_key,
    make_credential,
    ob3_resolver,
    other_key,
    sign,
    signed_credential,
    status_list,
)

CRED = "https://www.w3.org/2018/credentials#"
STATUS = "https://www.w3.org/ns/credentials/status#"
OBV = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: Every key a check reads: its IRI and its coercion ("@id", a datatype, or None for a plain value).
TERMS: dict[str, tuple[str, str | None]] = {
    "credentialStatus": (CRED + "credentialStatus", "@id"),
    "validFrom": (CRED + "validFrom", XSD + "dateTime"),
    "validUntil": (CRED + "validUntil", XSD + "dateTime"),
    "credentialSubject": (CRED + "credentialSubject", "@id"),
    "issuer": (CRED + "issuer", "@id"),
    "statusListCredential": (STATUS + "statusListCredential", "@id"),
    "statusListIndex": (STATUS + "statusListIndex", None),
    "statusPurpose": (STATUS + "statusPurpose", None),
    "achievement": (OBV + "achievement", None),
    "identifier": (OBV + "identifier", None),
    "identityHash": (OBV + "identityHash", None),
    "identityType": (OBV + "identityType", None),
    "salt": (OBV + "salt", None),
}
KEYWORDS = {"id": "@id", "type": "@type"}
READ_KEYS = (*TERMS, *KEYWORDS)


def revoked_resolver() -> Any:
    return ob3_resolver(STATUS_INDEX)


def the_attack_of_the_issue(credential: dict[str, Any]) -> dict[str, Any]:
    attacked = copy.deepcopy(credential)
    attacked["@context"] = [*attacked["@context"], {"cs": {"@id": CRED + "credentialStatus", "@type": "@id"}}]
    attacked["cs"] = attacked.pop("credentialStatus")
    return attacked


def test_the_attack_of_the_issue_no_longer_passes_a_revoked_badge() -> None:
    attacked = the_attack_of_the_issue(signed_credential())
    verdict = verify(json.dumps(attacked), revoked_resolver(), now=NOW)
    assert verdict.check("signature").outcome == "passed"  # the proof still covers the same RDF
    assert not verdict.valid
    assert verdict.check("status").outcome == "failed" and verdict.check("status").message == MSG_REVOKED
    assert verdict.summary and verdict.summary["revoked"] is True


def test_an_honest_alias_is_read_through() -> None:
    """The same rewrite on a badge that is not revoked: valid, and the status list was read."""
    resolver = ob3_resolver()
    verdict = verify(json.dumps(the_attack_of_the_issue(signed_credential())), resolver, now=NOW)
    assert verdict.valid, verdict.to_json()
    assert ("fetch", STATUS_URL) in resolver.calls


# --------------------------------------------------------------------------------------------- rewrites


def _nodes_with(doc: Any, key: str) -> list[dict[str, Any]]:
    """Every JSON object (outside @context and proof) that has ``key``."""
    found: list[dict[str, Any]] = []
    stack = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if key in item:
                found.append(item)
            stack.extend(value for name, value in item.items() if name not in ("@context", "proof"))
    return found


def _expanded_value(value: Any, coercion: str | None) -> Any:
    """``value`` written so that it keeps its meaning under a key without this coercion."""
    if isinstance(value, list):
        return [_expanded_value(item, coercion) for item in value]
    if coercion == "@id" and isinstance(value, str):
        return {"@id": value}
    if coercion not in (None, "@id") and isinstance(value, str):
        return {"@value": value, "@type": coercion}
    return value


def _add_context(doc: dict[str, Any], node: dict[str, Any], definitions: dict[str, Any], where: str) -> None:
    if where == "top" or node is doc:
        doc["@context"] = [*(doc["@context"] if isinstance(doc["@context"], list) else [doc["@context"]]), definitions]
    else:
        node["@context"] = {**node.get("@context", {}), **definitions}


def _definition(key: str) -> Any:
    if key in KEYWORDS:
        return KEYWORDS[key]
    iri, coercion = TERMS[key]
    return {"@id": iri, "@type": coercion} if coercion else {"@id": iri}


def _rename(node: dict[str, Any], old: str, new: str, value: Any) -> None:
    del node[old]
    node[new] = value


def rewrite(doc: dict[str, Any], key: str, technique: str, where: str, tag: int) -> bool:
    """Rewrite one occurrence of ``key`` in ``doc`` with ``technique``, keeping its RDF; False if not applicable."""
    nodes = _nodes_with(doc, key)
    if not nodes:
        return False
    node = nodes[tag % len(nodes)]
    value = node[key]
    alias = f"x{tag}{key[:3]}"
    if technique == "alias":
        _add_context(doc, node, {alias: _definition(key)}, where)
        _rename(node, key, alias, value)
    elif technique == "keyword" and key in KEYWORDS:
        _rename(node, key, KEYWORDS[key], value)
    elif technique == "full-iri" and key in TERMS:
        iri, coercion = TERMS[key]
        _rename(node, key, iri, _expanded_value(value, coercion))
    elif technique == "compact-iri" and key in TERMS:
        iri, coercion = TERMS[key]
        prefix, local = iri.rsplit("#", 1)
        _add_context(doc, node, {f"p{tag}": prefix + "#"}, where)
        _rename(node, key, f"p{tag}:{local}", _expanded_value(value, coercion))
    elif technique == "vocab" and key in TERMS:
        iri, coercion = TERMS[key]
        vocab, local = iri[:-3], iri[-3:]
        if local in READ_KEYS:
            return False
        _add_context(doc, node, {"@vocab": vocab}, "node")
        _rename(node, key, local, _expanded_value(value, coercion))
    elif technique == "nest":
        nest = f"n{tag}"
        _add_context(doc, node, {nest: "@nest"}, where)
        del node[key]
        node.setdefault(nest, {})
        if not isinstance(node[nest], dict) or key in node[nest]:
            return False
        node[nest][key] = value
    elif technique == "split" and isinstance(value, list) and len(value) > 1:
        _add_context(doc, node, {alias: _definition(key)}, where)
        node[key], node[alias] = value[:1], value[1:]
    else:
        return False
    return True


_SIGNED = json.dumps(signed_credential())
TECHNIQUES = ("alias", "keyword", "full-iri", "compact-iri", "vocab", "nest", "split")


def test_every_technique_keeps_the_proof_valid_on_a_valid_badge() -> None:
    """The rewrites are honest re-spellings: on a valid badge, every check but the JSON Schema one (which is about
    the JSON spelling, and rightly fails on most aliases) still passes — so the property test below really tests
    reading through aliases, not signatures that merely break."""
    cases = 0
    for key in READ_KEYS:
        for technique in TECHNIQUES:
            for where in ("top", "node"):
                credential = signed_credential()
                if not rewrite(credential, key, technique, where, 1):
                    continue
                cases += 1
                verdict = verify(json.dumps(credential), ob3_resolver(), now=NOW, recipient_email=EMAIL)
                if key == "issuer":  # signing.verify_proof ties the method to the JSON issuer: stricter, refused
                    assert verdict.check("signature").outcome == "failed" and not verdict.valid
                    continue
                outcomes = {check.code: check.outcome for check in verdict.checks if check.code != "schema"}
                assert set(outcomes.values()) == {"passed"}, (key, technique, where, verdict.to_json())
                assert verdict.summary == reference_summary(), (key, technique, where)
    assert cases > 40


def reference_summary() -> dict[str, Any] | None:
    return verify(json.dumps(signed_credential()), ob3_resolver(), now=NOW).summary


# --------------------------------------------------------------------------------------------- invalid badges


def _credential(**award: Any) -> dict[str, Any]:
    return make_credential(**award)


def _signed_by_tremplin(credential: dict[str, Any]) -> dict[str, Any]:
    return sign(credential)


def _revoked() -> tuple[dict[str, Any], Any, str | None]:
    return signed_credential(), revoked_resolver(), None


def _expired() -> tuple[dict[str, Any], Any, str | None]:
    return _signed_by_tremplin(_credential(valid_until=NOW - timedelta(days=1))), ob3_resolver(), None


def _not_yet_valid() -> tuple[dict[str, Any], Any, str | None]:
    return _signed_by_tremplin(_credential(issued_on=NOW + timedelta(days=3))), ob3_resolver(), None


def _wrong_recipient() -> tuple[dict[str, Any], Any, str | None]:
    return signed_credential(), ob3_resolver(), "someone.else@example.org"


def _not_an_open_badge() -> tuple[dict[str, Any], Any, str | None]:
    """A genuine document of the issuer that is not a badge: its own status list."""
    return status_list(), ob3_resolver(), None


INVALID: dict[str, Callable[[], tuple[dict[str, Any], Any, str | None]]] = {
    "revoked": _revoked,
    "expired": _expired,
    "not-yet-valid": _not_yet_valid,
    "wrong-recipient": _wrong_recipient,
    "not-an-open-badge": _not_an_open_badge,
}


def hand_built(kind: str) -> tuple[dict[str, Any], Any, str | None]:
    """A credential written by hand (plain dicts, no badges.openbadges), signed with badges.signing."""
    unsigned: dict[str, Any] = {
        "@context": [ob.VC2_CONTEXT, ob.OB3_CONTEXT],
        "id": "urn:uuid:9d3f1c0e-2b4a-4e5f-8a6b-7c8d9e0f1a2b",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": did(), "type": ["Profile"], "name": "Hand-made issuer"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": "someone@example.org",
                    "identityType": "emailAddress",
                    "hashed": False,
                }
            ],
            "achievement": {
                "id": "https://issuer.example/achievements/1",
                "type": ["Achievement"],
                "name": "Hand-made",
                "description": "Written by hand.",
                "criteria": {"narrative": "None."},
            },
        },
        "credentialStatus": {
            "id": f"{STATUS_URL}#{STATUS_INDEX}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(STATUS_INDEX),
            "statusListCredential": STATUS_URL,
        },
    }
    email = None
    resolver = ob3_resolver()
    if kind == "revoked":
        resolver = revoked_resolver()
    elif kind == "expired":
        unsigned["validUntil"] = "2026-02-01T00:00:00Z"
    elif kind == "not-yet-valid":
        unsigned["validFrom"] = "2027-01-01T00:00:00Z"
    elif kind == "wrong-recipient":
        email = "nobody@example.org"
    return sign(unsigned), resolver, email


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(
        [*INVALID, *(f"hand-{kind}" for kind in ("revoked", "expired", "not-yet-valid", "wrong-recipient"))]
    ),
    steps=st.lists(
        st.tuples(
            st.sampled_from(READ_KEYS), st.sampled_from(TECHNIQUES), st.sampled_from(("top", "node")), st.integers(0, 7)
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_alias_rewrites_never_make_an_invalid_badge_valid(kind: str, steps: list[tuple[str, str, str, int]]) -> None:
    doc, resolver, email = hand_built(kind[5:]) if kind.startswith("hand-") else INVALID[kind]()
    for key, technique, where, tag in steps:
        rewrite(doc, key, technique, where, tag)
    verdict = verify(json.dumps(doc), resolver, now=NOW, recipient_email=email)
    assert not verdict.valid, (kind, steps, verdict.to_json())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(READ_KEYS), st.sampled_from(TECHNIQUES), st.sampled_from(("top", "node")), st.integers(0, 7)
        ),
        min_size=1,
        max_size=3,
    ),
    decoy=st.sampled_from(["issuer", "credentialSubject", "credentialStatus"]),
)
def test_another_issuer_never_passes_for_this_one(steps: list[tuple[str, str, str, int]], decoy: str) -> None:
    """Someone else's key signs a credential whose RDF names this issuer, re-spelled so that its JSON ``issuer``
    names the signer (so that the proof's controller check reads the signer): never valid, never "this issuer"."""
    unsigned = make_credential()
    for key, technique, where, tag in steps:
        rewrite(unsigned, key, technique, where, tag)
    if "issuer" not in unsigned:
        unsigned["issuer"] = signing.did_key(other_key())
    try:
        doc = signing.add_proof(unsigned, other_key(), signing.did_key_verification_method(other_key()), ISSUED)
    except signing.SigningError:
        return  # not even signable: nothing to present
    verdict = verify(json.dumps(doc), ob3_resolver(), now=NOW)
    summary = verdict.summary or {}
    assert summary.get("issuer_id") != did()
    if verdict.valid:  # possible only when the RDF issuer really is the signer
        assert summary.get("issuer_id") == signing.did_key(other_key())
    assert decoy  # the decoy parameter varies the example order only


STATUS_KEYS = ("credentialStatus", "statusListIndex", "statusListCredential", "statusPurpose", "type")
STATUS_CASES = [
    (key, technique)
    for key in STATUS_KEYS
    for technique in TECHNIQUES
    if rewrite(copy.deepcopy(json.loads(_SIGNED)), key, technique, "top", 3)
]


@pytest.mark.parametrize(("key", "technique"), STATUS_CASES)
def test_each_technique_on_the_status_of_a_revoked_badge(key: str, technique: str) -> None:
    credential = signed_credential()
    assert rewrite(credential, key, technique, "top", 3)
    verdict = verify(json.dumps(credential), revoked_resolver(), now=NOW)
    assert not verdict.valid
    if verdict.check("signature").outcome == "passed":
        assert verdict.check("status").outcome == "failed", verdict.to_json()


def test_dates_read_through_an_alias() -> None:
    expired = _signed_by_tremplin(_credential(valid_until=NOW - timedelta(days=1)))
    rewrite(expired, "validUntil", "alias", "top", 0)
    verdict = verify(json.dumps(expired), ob3_resolver(), now=NOW)
    assert verdict.check("signature").outcome == "passed"
    assert not verdict.valid and verdict.check("validity-period").outcome == "failed"
    assert verdict.summary and verdict.summary["expired"] is True


def test_issuer_key_reads_the_signed_issuer() -> None:
    credential = make_credential()
    assert issuer_key()  # the genuine issuer exists; the attacker signs with another key
    credential["@context"] = [*credential["@context"], {"realIssuer": {"@id": CRED + "issuer", "@type": "@id"}}]
    credential["realIssuer"] = credential.pop("issuer")
    credential["issuer"] = signing.did_key(other_key())
    doc = signing.add_proof(credential, other_key(), signing.did_key_verification_method(other_key()), ISSUED)
    verdict = verify(json.dumps(doc), ob3_resolver(), now=NOW)
    assert not verdict.valid
    assert verdict.check("issuer-key").outcome == "failed"


# --------------------------------------------------------------------------------------------- the platform's badges


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(READ_KEYS), st.sampled_from(TECHNIQUES), st.sampled_from(("top", "node")), st.integers(0, 7)
        ),
        min_size=1,
        max_size=3,
    )
)
def test_our_own_revoked_badge_stays_revoked_under_any_rewrite(app, revoked_award, steps) -> None:
    """A badge issued by this platform (tests/badges/conftest.py fixtures), revoked, re-spelled at random and
    verified as an employer would (``verify_views.verify_input``: status list read through ``LocalResolver``)."""
    from badges.verify_views import verify_input

    credential = copy.deepcopy(revoked_award.documents["ob3"]["fr"])
    for key, technique, where, tag in steps:
        rewrite(credential, key, technique, where, tag)
    with app.test_request_context():
        verdict = verify_input(json.dumps(credential), "camille.dupont@example.org")
    assert not verdict.valid, (steps, verdict.to_json())


@pytest.fixture
def revoked_award(award):
    from badges import services
    from core.db import db

    services.revoke(award, "Issued in error")
    db.session.commit()
    return award


def test_our_own_badge_is_read_through_an_alias(app, award, revoked_award) -> None:
    from badges.verify_views import verify_input

    attacked = the_attack_of_the_issue(revoked_award.documents["ob3"]["fr"])
    with app.test_request_context():
        verdict = verify_input(json.dumps(attacked))
    assert verdict.check("signature").outcome == "passed"
    assert not verdict.valid and verdict.check("status").message == MSG_REVOKED
