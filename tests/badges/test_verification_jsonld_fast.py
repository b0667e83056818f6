"""The fast path of ``jsonld_terms.read_as_signed`` gives exactly the full reading (expand + compact), or declines.

``fast_reading`` reads a document through a template made once per shape (its strings replaced by placeholders, its
types, keys and numbers kept); see the comment above it in ``badges/verification/jsonld_terms.py`` for why that is
exact. Proved here three ways: (1) on every credential family of the test suite and the foreign fixtures, the fast
path answers and equals the full reading (and ``tests/badges/conftest.py`` checks the same on every document any
badge test reads); (2) random alias rewrites and random values: the fast path declines or equals the full reading;
(3) each IRI a check reads has exactly one term across the bundled contexts, so a plain key cannot mean another
thing in another context.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from badges import jsonld
from badges import openbadges as ob
from badges.verification.inputs import OB3_TYPES
from badges.verification.jsonld_terms import (
    PLACEHOLDER,
    READING_CONTEXT,
    STATUS_READING_CONTEXT,
    UnreadableTerms,
    fast_reading,
    full_reading,
    inert_iri,
    read_as_signed,
    vocabulary,
)
from tests.badges import foreign
from tests.badges.test_verification import did, signed_credential, status_list
from tests.badges.test_verification_jsonld import (
    READ_KEYS,
    TECHNIQUES,
    TERMS,
    hand_built,
    rewrite,
    the_attack_of_the_issue,
)

VC1 = "https://www.w3.org/2018/credentials/v1"
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
OB3_OLDER = (
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
)


def unsigned(doc: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in doc.items() if key != "proof"}


def vc1_credential(ob3_context: str) -> dict[str, Any]:
    """Shaped like the DCC tools' credentials: VC 1.1, an older OB 3.0 context, the Ed25519Signature2020 suite."""
    credential = foreign.ob3_credential("did:key:z6MkhVTX9BF3NGYX6cc7jWpbNnR7cAjH8LUffabZP8Qu4ysC", "vc1")
    credential["@context"] = [VC1, ob3_context, ED25519_2020]
    credential["issuanceDate"] = credential.pop("validFrom")
    credential["expirationDate"] = foreign.FUTURE
    del credential["credentialSchema"]
    return credential


def corpus() -> dict[str, tuple[dict[str, Any], list[Any]]]:
    """Every family of credential the verifier's tests read: name -> (document without proof, reading context)."""
    with_status = foreign.ob3_credential("did:example:issuer", "status")
    with_status["credentialStatus"] = foreign.status_entry("https://issuer.example/status/1", 7)
    docs = {
        "foreign-did-jwk": foreign.ob3_credential(foreign.did_jwk({"kty": "RSA", "n": "AQAB", "e": "AQAB"}), "a"),
        "foreign-https-issuer": foreign.ob3_credential("https://issuer.example/issuer", "b"),
        "foreign-expired": foreign.ob3_credential("did:example:x", "c", valid_until=foreign.EXPIRED_UNTIL),
        "foreign-status": with_status,
        "ours": unsigned(signed_credential()),
        **{f"hand-{kind}": unsigned(hand_built(kind)[0]) for kind in ("revoked", "expired", "wrong-recipient")},
        **{f"vc1-{url.rsplit('/', 1)[1]}": vc1_credential(url) for url in OB3_OLDER},
    }
    out = {name: (doc, READING_CONTEXT) for name, doc in docs.items()}
    out["status-list"] = (unsigned(status_list(3, 9)), STATUS_READING_CONTEXT)
    return out


CORPUS = corpus()


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_the_fast_path_answers_and_equals_the_full_reading(name: str) -> None:
    doc, context = CORPUS[name]
    fast = fast_reading(copy.deepcopy(doc), context)
    assert fast is not None, f"{name}: an honest credential should take the fast path"
    assert fast == full_reading(copy.deepcopy(doc), context)
    # and a second credential of the same shape with other values, through the same template
    other = json.loads(json.dumps(doc).replace("example", "exemple").replace("2024", "2023"))
    assert fast_reading(other, context) == full_reading(other, context)


def test_our_issued_credentials_take_the_fast_path(app, award) -> None:
    for language, credential in award.documents["ob3"].items():
        doc = unsigned(credential)
        fast = fast_reading(doc, READING_CONTEXT)
        assert fast is not None, language
        assert fast == full_reading(doc, READING_CONTEXT)


def test_read_as_signed_gives_the_full_reading_whichever_path() -> None:
    doc, _ = CORPUS["foreign-status"]
    assert read_as_signed(doc) == full_reading(doc, READING_CONTEXT)
    attacked = the_attack_of_the_issue(doc)
    assert fast_reading(attacked, READING_CONTEXT) is None
    assert read_as_signed(attacked)["credentialStatus"] == doc["credentialStatus"]


def _declines(change) -> bool:
    doc = copy.deepcopy(CORPUS["foreign-status"][0])
    change(doc)
    return fast_reading(doc, READING_CONTEXT) is None


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda d: d["@context"].append({"cs": "https://www.w3.org/2018/credentials#credentialStatus"}),
            id="inline-context",
        ),
        pytest.param(lambda d: d["@context"].append("https://unknown.example/context.json"), id="unknown-context"),
        pytest.param(
            lambda d: d["issuer"].update({"@context": {"@vocab": "https://x.example/#"}}), id="nested-context"
        ),
        pytest.param(lambda d: d.update({"@id": d.pop("id")}), id="keyword-key"),
        pytest.param(lambda d: d.update({"obi:name": "x"}), id="compact-iri-key"),
        pytest.param(lambda d: d.update({"https://schema.org/name": "x"}), id="full-iri-key"),
        pytest.param(lambda d: d["issuer"].update({"id": "_:b0"}), id="blank-node-id"),
        pytest.param(lambda d: d["issuer"].update({"id": "obi:issuer"}), id="compact-iri-id"),
        pytest.param(lambda d: d["issuer"].update({"id": "issuer/1"}), id="relative-id"),
        pytest.param(
            lambda d: d["issuer"].update({"id": "https://w3id.org/openbadges#Issuer"}),
            id="prefix-iri-id",
        ),
        pytest.param(lambda d: d.update({"name": PLACEHOLDER + "0"}), id="placeholder-lookalike"),
    ],
)
def test_unusual_spellings_decline(change) -> None:
    assert _declines(change)


def test_a_literal_may_say_anything() -> None:
    """Literals are never read by expansion or compaction: odd text still takes the fast path, equal."""
    doc = copy.deepcopy(CORPUS["foreign-status"][0])
    doc["name"] = "obi:name"
    doc["issuer"]["name"] = "_:b0"
    doc["credentialSubject"]["achievement"]["description"] = "https://www.w3.org/2018/credentials#issuer"
    fast = fast_reading(doc, READING_CONTEXT)
    assert fast is not None and fast == full_reading(doc, READING_CONTEXT)


# --------------------------------------------------------------------------------------------- properties


def _agrees(doc: dict[str, Any], context: list[Any]) -> None:
    fast = fast_reading(copy.deepcopy(doc), context)
    if fast is None:
        return
    try:
        full = full_reading(copy.deepcopy(doc), context)
    except UnreadableTerms as exc:
        pytest.fail(f"the fast path answered where the full reading refuses ({exc})")
    assert fast == full


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(CORPUS)),
    steps=st.lists(
        st.tuples(
            st.sampled_from(READ_KEYS), st.sampled_from(TECHNIQUES), st.sampled_from(("top", "node")), st.integers(0, 7)
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_alias_rewrites_decline_or_agree(name: str, steps: list[tuple[str, str, str, int]]) -> None:
    doc, context = CORPUS[name]
    doc = copy.deepcopy(doc)
    for key, technique, where, tag in steps:
        rewrite(doc, key, technique, where, tag)
    _agrees(doc, context)


#: Strings chosen to be read differently in an IRI position: compact IRIs, blank nodes, relative and vocabulary
#: IRIs, terms, type names, IRIs of the contexts' own terms, the placeholder itself; and ordinary ones.
ODD_STRINGS = [
    "obi:Achievement",
    "cred:issuer",
    "schema:name",
    "_:b0",
    "_:b1",
    "relative/path",
    "#fragment",
    "name",
    "Profile",
    "VerifiableCredential",
    "https://schema.org/name",
    "https://www.w3.org/2018/credentials#credentialStatus",
    "https://www.w3.org/ns/credentials/issuer-dependent#thing",
    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#",
    PLACEHOLDER + "1",
    "urn:x:with space",
    "did:example:same",
    "did:example:same",
    "https://issuer.example/a",
    "",
    "2024-01-01T00:00:00Z",
    "not a date",
]
ODD_VALUES = [*ODD_STRINGS, 0, 1.5, True, None, [], {}, ["did:example:same"], {"id": "did:example:same"}]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path and path[0] != "@context" else []
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*path, index)))
    return found


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        doc = doc[step]
    doc[path[-1]] = value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(CORPUS)),
    changes=st.lists(
        st.tuples(st.integers(0, 10_000), st.sampled_from(["value", "key", "wrap"]), st.sampled_from(ODD_VALUES)),
        min_size=1,
        max_size=5,
    ),
)
def test_random_values_and_keys_decline_or_agree(name: str, changes: list[tuple[int, str, Any]]) -> None:
    doc, context = CORPUS[name]
    doc = copy.deepcopy(doc)
    terms = sorted(vocabulary().terms)
    for position, change, value in changes:
        paths = _paths(doc)
        if not paths:
            break
        path = paths[position % len(paths)]
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        if change == "value":
            _set(doc, path, copy.deepcopy(value))
        elif change == "wrap":
            current = parent[path[-1]]
            _set(doc, path, current[0] if isinstance(current, list) and len(current) == 1 else [current])
        elif isinstance(parent, dict):  # a key of the vocabulary, anywhere
            parent[terms[position % len(terms)]] = copy.deepcopy(value)
    _agrees(doc, context)


# --------------------------------------------------------------------------------------------- one term per IRI

#: The bundled contexts an OB 3.0 credential or status list can cite (the OB 2.0 context is never read this way).
OB3_CONTEXTS = [url for url in jsonld.known_contexts() if url != ob.OB2_CONTEXT]
#: Every IRI a check or the summary reads, besides ``TERMS`` of test_verification_jsonld.
MORE_READ_IRIS = {
    "https://www.w3.org/2018/credentials#issuanceDate": "issuanceDate",
    "https://www.w3.org/2018/credentials#expirationDate": "expirationDate",
    "https://www.w3.org/2018/credentials#VerifiableCredential": "VerifiableCredential",
    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential": "OpenBadgeCredential",
    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#hashed": "hashed",
    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#Criteria": "criteria",
    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#narrative": "narrative",
    "https://purl.imsglobal.org/spec/vc/ob/vocab.html#image": "image",
    "https://purl.imsglobal.org/spec/vcrl/v1p0/context.json#1EdTechRevocationList": "1EdTechRevocationList",
    "https://www.w3.org/ns/credentials/status#encodedList": "encodedList",
    "https://www.w3.org/ns/credentials/status#statusSize": "statusSize",
    "https://www.w3.org/ns/credentials/status#BitstringStatusListEntry": "BitstringStatusListEntry",
    "https://schema.org/name": "name",
    "https://schema.org/description": "description",
}


def _definitions(value: Any, scope: dict[str, str], found: dict[str, set[str]]) -> None:
    """IRI -> term names, over every scope of a context document (compact IRIs and terms defined as another term
    expanded with the definitions in scope)."""
    if isinstance(value, list):
        for item in value:
            _definitions(item, scope, found)
        return
    if not isinstance(value, dict):
        return
    targets = {key: item.get("@id") if isinstance(item, dict) else item for key, item in value.items()}
    scope = {**scope, **{key: target for key, target in targets.items() if isinstance(target, str)}}
    for key, target in targets.items():
        if not key.startswith("@") and isinstance(target, str) and not target.startswith("@"):
            prefix, colon, local = target.partition(":")
            if not colon and target in scope and target != key:
                iri = scope[target]  # a term defined as another term ("AchievementCredential": "OpenBadgeCredential")
            elif colon and prefix in scope and not local.startswith("//"):
                iri = scope[prefix] + local
            else:
                iri = target
            found.setdefault(iri, set()).add(key)
        _definitions(value[key], scope, found)


def test_each_iri_a_check_reads_has_exactly_one_term() -> None:
    found: dict[str, set[str]] = {}
    for url in OB3_CONTEXTS:
        _definitions(jsonld.context_document(url), {}, found)
    read = {iri: key for key, (iri, _) in TERMS.items()} | MORE_READ_IRIS
    assert set(read) <= set(found), sorted(set(read) - set(found))
    for iri, term in read.items():
        # Two names for one IRI, both written by the OB 3.0 context itself: AchievementCredential is defined as
        # OpenBadgeCredential (one type, both accepted: inputs.OB3_TYPES), and the property criteria has the IRI of
        # the class Criteria. Neither is a hazard for the fast path, whose templates come from the full reading.
        expected = {"OpenBadgeCredential": OB3_TYPES, "criteria": {"criteria", "Criteria"}}.get(term, {term})
        assert found[iri] == expected, (iri, found[iri])


def test_inert_iris() -> None:
    assert inert_iri("urn:uuid:1b2c3d4e-0000-4000-8000-000000000000")
    assert inert_iri("did:key:z6MkhVTX9BF3NGYX6cc7jWpbNnR7cAjH8LUffabZP8Qu4ysC")
    assert inert_iri(did())
    assert inert_iri("https://issuer.example/badges/1")
    for odd in ("_:b0", "obi:x", "name", "relative", "a b:c", "https://schema.org/name", PLACEHOLDER + "3"):
        assert not inert_iri(odd), odd


#: Keys whose string values are IRIs in some context: where expansion and compaction rewrite a value.
IRI_KEYS = ("id", "issuer", "url", "image", "statusListCredential")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(CORPUS)),
    changes=st.lists(
        st.tuples(
            st.integers(0, 10_000),
            st.one_of(
                st.sampled_from(ODD_STRINGS),
                # compact IRIs on every prefix the bundled contexts define (cred:, sec:, xsd:, schema:, dc:...)
                st.sampled_from(sorted(vocabulary().terms)).map(lambda term: f"{term}:x"),
            ),
        ),
        min_size=1,
        max_size=6,
    ),
)
@example(name="vc1-context.json", changes=[(0, "sec:x")])  # the credential's id, read as https://w3id.org/security#x
def test_random_identifiers_decline_or_agree(name: str, changes: list[tuple[int, str]]) -> None:
    """In a VC 1.1 credential, ``"id": "sec:x"`` is read as ``https://w3id.org/security#x``: an identifier that
    expansion or compaction would rewrite must make the fast path decline."""
    doc, context = CORPUS[name]
    doc = copy.deepcopy(doc)
    for position, value in changes:
        paths = [path for path in _paths(doc) if path[-1] in IRI_KEYS]
        _set(doc, paths[position % len(paths)], value)
    _agrees(doc, context)
