"""Tests for badges.openbadges: OB 2.0 / OB 3.0 documents, BitstringStatusList, did:web, privacy guard.

Every OB 3.0 credential is validated against the official 1EdTech JSON Schema (badges/schemas/ob3) and every
document is expanded offline with pyld over the bundled contexts (badges/contexts) to prove that no property
is dropped, i.e. that every term is defined (OB 3.0 verifiers run JSON-LD safe mode).
"""

from __future__ import annotations

import base64
import dataclasses
import gzip
import hashlib
import itertools
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft201909Validator
from pyld import jsonld
from referencing import Registry, Resource

from badges import openbadges as ob

ROOT = Path(__file__).resolve().parents[2]
CONTEXT_DIR = ROOT / "badges" / "contexts"
PROGRAMME_DIR = ROOT / "courses" / "programmes"
SCHEMA_DIR = ROOT / "badges" / "schemas" / "ob3"  # the official 1EdTech schemas, bundled unmodified

EMAIL = "Amina.Exemple@Example.org"  # mixed case on purpose: hashing lower-cases it
SALT = "3f1c0e5a9b7d4c2e8a6f0b1d2c3e4f50"
BASE = "https://localhost:5443"
DID = "did:web:localhost%3A5443"
STATUS_URL = f"{BASE}/status/1"
ISSUED = datetime(2027, 2, 11, 17, 30, 5, 123456, tzinfo=UTC)
FRAMEWORK = {
    "fr": "Référentiel de compétences du travail-pair",
    "en": "Peer work competency framework",
    "nl": "Competentiekader ervaringswerk",
}

ISSUER = ob.Issuer(
    id=DID,
    name={"fr": "Institut de formation Démo", "en": "Demo training institute", "nl": "Demo-vormingsorganisatie"},
    url=BASE,
    email="contact@example.org",
    description={
        "fr": "Organisme de formation (fictif).",
        "en": "Training organisation (fictional).",
        "nl": "Vormingsorganisatie (fictief).",
    },
    image=f"{BASE}/static/issuer.png",
    public_keys=(
        ob.PublicKey(id=f"{BASE}/ob2/keys/1", pem="-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n"),
    ),
)


def _alignment(code: str, fr: str, en: str) -> ob.Alignment:
    return ob.Alignment(
        target_name={"fr": fr, "en": en, "nl": f"{en} (nl)"},
        target_url=f"{BASE}/competencies/{code}",
        target_code=code,
        target_framework=FRAMEWORK,
    )


ACHIEVEMENTS = {
    "module": ob.Achievement(
        id=f"{BASE}/achievements/b-m1",
        name={
            "fr": "Environnement institutionnel et métiers du social",
            "en": "Institutional environment",
            "nl": "Institutionele omgeving",
        },
        description={
            "fr": "Module 1 de la formation initiale.",
            "en": "Module 1 of the initial training.",
            "nl": "Module 1 van de basisopleiding.",
        },
        criteria={
            "fr": "Compétences du module validées ; présence au module.",
            "en": "Module competencies validated.",
            "nl": "Competenties van de module gevalideerd.",
        },
        image=f"{BASE}/static/b-m1.png",
        kind="module",
        tags=("travail-pair", "M1"),
        alignments=(
            _alignment("C-M1-01", "Connaître le territoire et le réseau d'aide et de soins", "Know the territory"),
            _alignment("C-M1-05", "S'approprier rétablissement et réduction des risques", "Master harm reduction"),
        ),
    ),
    "programme": ob.Achievement(
        id=f"{BASE}/achievements/b-prog",
        name={"fr": "Attestation de réussite", "en": "Certificate of achievement", "nl": "Getuigschrift"},
        description={
            "fr": "Formation initiale au travail-pair.",
            "en": "Initial training in peer work.",
            "nl": "Basisopleiding ervaringswerk.",
        },
        criteria={
            "fr": "Trois modules, présence, stage et travail final.",
            "en": "Three modules, attendance, work.",
            "nl": "Drie modules, aanwezigheid, werk.",
        },
        image=f"{BASE}/static/b-prog.png",
        kind="programme",
    ),
    "skill": ob.Achievement(
        id=f"{BASE}/achievements/b-lien",
        name={
            "fr": "Créer le lien et la confiance",
            "en": "Build contact and trust",
            "nl": "Contact en vertrouwen opbouwen",
        },
        description={
            "fr": "Aller vers, écouter, donner de l'espoir.",
            "en": "Reach out, listen, convey hope.",
            "nl": "Op mensen afstappen, luisteren, hoop geven.",
        },
        criteria={
            "fr": "C-M2-03, C-M2-04 et C-M2-08 validées.",
            "en": "C-M2-03, C-M2-04 and C-M2-08 validated.",
            "nl": "C-M2-03, C-M2-04 en C-M2-08 gevalideerd.",
        },
        image=f"{BASE}/static/b-lien.png",
        kind="skill",
        alignments=(_alignment("C-M2-03", "Créer le lien et la confiance ; aller vers", "Build contact and trust"),),
    ),
    "participation": ob.Achievement(
        id=f"{BASE}/achievements/b-intervision",
        name={"fr": "Cycle d'intervision", "en": "Intervision cycle", "nl": "Intervisiecyclus"},
        description={
            "fr": "Participation à un cycle d'intervision.",
            "en": "Took part in an intervision cycle.",
            "nl": "Nam deel aan een intervisiecyclus.",
        },
        criteria={
            "fr": "Présence aux séances du cycle.",
            "en": "Attendance at the sessions of the cycle.",
            "nl": "Aanwezigheid op de sessies van de cyclus.",
        },
        image=f"{BASE}/static/b-intervision.png",
        kind="participation",
    ),
}


def make_award(*, public: bool = False, expires: bool = False, evidence: bool = False, **overrides) -> ob.Award:
    values: dict[str, Any] = {
        "id": "5b0c3a55-8f3e-4d44-9a57-2c1f0b7f7d11",
        "recipient_email": EMAIL,
        "salt": SALT,
        "issued_on": ISSUED,
        "display_name": "Amina Exemple" if public else None,
        "valid_until": ISSUED + timedelta(days=3 * 365) if expires else None,
        "status_list_url": STATUS_URL,
        "status_list_index": 94567,
        "evidence_narrative": (
            {
                "fr": "Grille d'observation d'une mise en situation.",
                "en": "Observation grid from a role play.",
                "nl": "Observatierooster bij een rollenspel.",
            }
            if evidence
            else None
        ),
    }
    values.update(overrides)
    return ob.Award(**values)


CASES = list(itertools.product(sorted(ACHIEVEMENTS), [False, True], [False, True], ob.LANGS))


def case_id(case: tuple) -> str:
    kind, public, valid_until, lang = case
    return f"{kind}-{'public' if public else 'unlisted'}-{'until' if valid_until else 'open'}-{lang}"


def build_credential(kind: str, public: bool, valid_until: bool, lang: str) -> dict[str, Any]:
    award = make_award(public=public, expires=valid_until, evidence=public)
    return ob.ob3_credential(award, ACHIEVEMENTS[kind], ISSUER, f"{BASE}/credentials/{award.id}", lang)


# ---------------------------------------------------------------------------------------------------- offline JSON-LD

_CONTEXT_FILES = json.loads((CONTEXT_DIR / "contexts.json").read_text(encoding="utf-8"))


def offline_loader(url: str, options: dict | None = None) -> dict[str, Any]:
    """pyld document loader over badges/contexts: never touches the network, fails on any other URL."""
    try:
        name = _CONTEXT_FILES[url]
    except KeyError:
        raise AssertionError(f"offline loader: no bundled context for {url}") from None
    document = json.loads((CONTEXT_DIR / name).read_text(encoding="utf-8"))
    return {"contextUrl": None, "documentUrl": url, "document": document}


def _compact_leaves(node: Any) -> int:
    if isinstance(node, dict):
        return sum(_compact_leaves(v) for k, v in node.items() if k != "@context")
    if isinstance(node, list):
        return sum(_compact_leaves(v) for v in node)
    return 1


def _expanded_leaves(node: Any) -> int:
    if isinstance(node, list):
        return sum(_expanded_leaves(v) for v in node)
    if not isinstance(node, dict):
        raise AssertionError(f"unexpected expanded value {node!r}")
    if "@value" in node:  # value object: its @type is the datatype, not a value of the document
        return 1 + ("@language" in node)
    count = ("@id" in node) + len(node.get("@type", [])) + ("@language" in node)
    return count + sum(_expanded_leaves(v) for k, v in node.items() if not k.startswith("@"))


def assert_all_terms_defined(doc: dict[str, Any]) -> None:
    """Expand offline; fail if pyld drops any property (undefined term) or loses any value on the way."""
    dropped: list[Any] = []
    expanded = jsonld.expand(doc, {"documentLoader": offline_loader}, on_property_dropped=dropped.append)
    assert dropped == [], f"terms not defined by the contexts (dropped by JSON-LD expansion): {dropped}"
    assert _expanded_leaves(expanded) == _compact_leaves(doc), "a value was lost during JSON-LD expansion"


def test_the_jsonld_check_catches_an_undefined_term() -> None:
    doc = build_credential("skill", False, False, "fr")
    doc["credentialSubject"]["favouriteColour"] = "blue"
    with pytest.raises(AssertionError, match="favouriteColour"):
        assert_all_terms_defined(doc)
    doc = build_credential("skill", False, False, "fr")
    doc["credentialSubject"]["achievement"]["image"]["caption"] = "A caption"  # Image defines caption
    assert_all_terms_defined(doc)


# ---------------------------------------------------------------------------------------------------- OB 3.0


@pytest.fixture(scope="module")
def ob3_validator() -> Draft201909Validator:
    main = SCHEMA_DIR / "achievementcredential.json"
    registry: Registry = Registry()
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        resource = Resource.from_contents(json.loads(path.read_text(encoding="utf-8")))
        registry = registry.with_resource(resource.id(), resource)
    registry = registry.with_resource(ob.OB3_SCHEMA_URL, registry[json.loads(main.read_text())["$id"]])
    schema = registry[ob.OB3_SCHEMA_URL].contents
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema, registry=registry)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_ob3_credential_is_valid_against_the_official_schema(case: tuple, ob3_validator) -> None:
    cred = build_credential(*case)
    errors = sorted(ob3_validator.iter_errors(cred), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_ob3_credential_uses_only_terms_defined_by_its_contexts(case: tuple) -> None:
    assert_all_terms_defined(build_credential(*case))


XSD_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_ob3_credential_shape(case: tuple) -> None:
    kind, public, valid_until, lang = case
    cred = build_credential(*case)
    assert cred["@context"] == [ob.VC2_CONTEXT, ob.OB3_CONTEXT, ob.OB3_EXTENSIONS_CONTEXT]
    assert cred["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert cred["issuer"]["type"] == ["Profile"] and cred["issuer"]["id"] == DID
    assert cred["validFrom"] == "2027-02-11T17:30:05Z" and XSD_Z.match(cred["validFrom"])
    assert ("validUntil" in cred) is valid_until
    if valid_until:
        assert XSD_Z.match(cred["validUntil"])
    assert cred["credentialSchema"] == [{"id": ob.OB3_SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}]
    assert cred["credentialStatus"] == {
        "id": f"{STATUS_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": STATUS_URL,
    }

    subject = cred["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    award = make_award(public=public, expires=valid_until, evidence=public)
    assert "name" not in subject and subject["id"] == ob.opaque_subject_id(award)
    assert subject["id"].startswith("urn:uuid:") and EMAIL not in subject["id"]
    assert ob.opaque_subject_id(award) != ob.opaque_subject_id(make_award(public=public, salt="another-salt"))
    email_id, *rest = subject["identifier"]
    assert email_id == {
        "type": "IdentityObject",
        "identityHash": ob.hashed_email(EMAIL, SALT),
        "identityType": "emailAddress",
        "hashed": True,
        "salt": SALT,
    }
    if public:
        assert rest == [
            {"type": "IdentityObject", "identityHash": "Amina Exemple", "identityType": "name", "hashed": False}
        ]
    else:
        assert rest == []
        assert "Amina" not in json.dumps(cred)

    achievement = subject["achievement"]
    expected_type = {"module": "MicroCredential", "programme": "Certificate", "skill": "Competency"}
    assert achievement["achievementType"] == expected_type.get(kind, "CertificateOfCompletion")
    assert achievement["type"] == ["Achievement"]
    assert achievement["image"] == {"id": ACHIEVEMENTS[kind].image, "type": "Image"}
    assert achievement["inLanguage"] == lang
    assert achievement["name"] == ACHIEVEMENTS[kind].name[lang] == cred["name"]
    assert achievement["criteria"] == {"narrative": ACHIEVEMENTS[kind].criteria[lang]}
    others = [other for other in ("fr", "en", "nl") if other != lang]
    assert achievement["id"] == ob.achievement_url(ACHIEVEMENTS[kind].id, lang)
    assert achievement["related"] == [
        {"id": ob.achievement_url(ACHIEVEMENTS[kind].id, other), "type": ["Related"], "inLanguage": other}
        for other in others
    ]
    for alignment in achievement.get("alignment", []):
        assert alignment["type"] == ["Alignment"]
        assert {"targetName", "targetUrl", "targetCode", "targetFramework"} <= alignment.keys()
        assert alignment["targetFramework"] == FRAMEWORK[lang]


def test_language_editions_have_their_own_ids() -> None:
    canonical = ACHIEVEMENTS["skill"].id
    assert ob.achievement_url(canonical, "fr") == canonical
    assert ob.achievement_url(canonical, "en") == f"{canonical}?lang=en"
    assert ob.achievement_url(f"{canonical}?v=2", "en") == f"{canonical}?v=2&lang=en"
    assert ob.achievement_url(canonical, "nl") == f"{canonical}?lang=nl"
    with pytest.raises(ValueError):
        ob.achievement_url(canonical, "de")


def test_editions_are_the_languages_every_text_is_written_in() -> None:
    """An achievement defined before Dutch was added (French and English only) is issued in those two; its
    editions link each other and never an edition that does not exist."""
    assert ob.editions(ACHIEVEMENTS["module"]) == ("fr", "en", "nl")
    older = dataclasses.replace(
        ACHIEVEMENTS["programme"],
        name={"fr": "Attestation de réussite", "en": "Certificate of achievement"},
    )
    assert ob.editions(older) == ("fr", "en")
    related = ob.ob3_achievement(older, "en")["related"]
    assert [r["inLanguage"] for r in related] == ["fr"]
    assert ob.edition(["fr", "en"], "nl") == "fr" and ob.edition(["fr", "en", "nl"], "nl") == "nl"


def test_missing_translation_is_an_error_not_a_silent_fallback() -> None:
    french_only = ob.Achievement(
        id=f"{BASE}/achievements/x", name={"fr": "Nom"}, description="Description", criteria="Critères",
        image=f"{BASE}/x.png", kind="skill",
    )  # fmt: skip
    cred = ob.ob3_credential(make_award(), french_only, ISSUER, lang="fr")
    assert "related" not in cred["credentialSubject"]["achievement"]
    assert cred["id"] == "urn:uuid:5b0c3a55-8f3e-4d44-9a57-2c1f0b7f7d11"
    with pytest.raises(ValueError, match=r"Achievement\.name has no 'en' text"):
        ob.ob3_credential(make_award(), french_only, ISSUER, lang="en")


def test_credential_without_status_or_evidence() -> None:
    award = make_award(status_list_url=None, status_list_index=None)
    cred = ob.ob3_credential(award, ACHIEVEMENTS["module"], ISSUER)
    assert "credentialStatus" not in cred and "evidence" not in cred
    assert_all_terms_defined(cred)


def test_award_validation() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        make_award(issued_on=datetime(2027, 1, 1))  # naive on purpose
    with pytest.raises(ValueError, match="after"):
        make_award(valid_until=ISSUED - timedelta(days=1))
    with pytest.raises(ValueError, match="go together"):
        make_award(status_list_index=None)
    with pytest.raises(ValueError, match="salt"):
        make_award(salt="")
    with pytest.raises(ValueError, match="kind"):
        ob.Achievement(id=f"{BASE}/a", name="n", description="d", criteria="c", image="i", kind="diploma")
    assert EMAIL not in repr(make_award()) and SALT not in repr(make_award())


# ---------------------------------------------------------------------------------------------------- hashing


def test_hashed_email_is_salted_sha256_of_the_lower_case_address() -> None:
    expected = "sha256$" + hashlib.sha256(b"amina.exemple@example.org" + SALT.encode()).hexdigest()
    assert ob.hashed_email(EMAIL, SALT) == expected
    assert ob.hashed_email("  amina.exemple@example.org ", SALT) == expected
    assert re.fullmatch(r"sha256\$[0-9a-f]{64}", expected)
    assert ob.hashed_email(EMAIL, "other-salt") != expected
    assert ob.email_matches("amina.exemple@example.org", expected, SALT)
    assert not ob.email_matches("bruno.fictif@example.org", expected, SALT)
    with pytest.raises(ValueError):
        ob.hashed_email(EMAIL, "")
    assert re.fullmatch(r"[0-9a-f]{32}", ob.new_salt()) and ob.new_salt() != ob.new_salt()


# ---------------------------------------------------------------------------------------------------- OB 2.0

ASSERTION_URL = f"{BASE}/ob2/assertions/5b0c3a55"
BADGE_URL = f"{BASE}/ob2/badges/b-m1"
PROFILE_URL = f"{BASE}/ob2/issuer"
KEY_URL = f"{BASE}/ob2/keys/1"
PEM = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n"


def all_ob2_documents() -> dict[str, dict[str, Any]]:
    award = make_award(public=True, expires=True, evidence=True)
    return {
        "issuer": ob.ob2_issuer(ISSUER, KEY_URL, f"{BASE}/ob2/revocations", profile_url=PROFILE_URL),
        "badge_class_fr": ob.ob2_badge_class(ACHIEVEMENTS["module"], PROFILE_URL, "fr"),
        "badge_class_en": ob.ob2_badge_class(ACHIEVEMENTS["module"], PROFILE_URL, "en"),
        "assertion_hosted": ob.ob2_assertion(award, BADGE_URL, ASSERTION_URL),
        "assertion_signed": ob.ob2_assertion(award, BADGE_URL, "urn:uuid:5b0c3a55", "signed", KEY_URL),
        "revoked": ob.ob2_revoked_assertion(ASSERTION_URL, "Issued in error"),
        "crypto_key": ob.ob2_crypto_key(KEY_URL, PROFILE_URL, PEM),
        "revocation_list": ob.ob2_revocation_list(
            f"{BASE}/ob2/revocations", PROFILE_URL, [("urn:uuid:1", "Issued in error"), ("urn:uuid:2", None)]
        ),
    }


@pytest.mark.parametrize("name", sorted(all_ob2_documents()))
def test_ob2_documents_use_only_terms_defined_by_the_ob2_context(name: str) -> None:
    doc = all_ob2_documents()[name]
    assert doc["@context"] == ob.OB2_CONTEXT
    assert_all_terms_defined(doc)


def test_ob2_issuer_profile() -> None:
    doc = all_ob2_documents()["issuer"]
    for required in ("id", "type", "name", "url", "email"):
        assert doc[required], required
    assert doc["type"] == "Issuer" and doc["id"] == PROFILE_URL
    assert doc["publicKey"] == KEY_URL and doc["revocationList"] == f"{BASE}/ob2/revocations"
    assert doc["name"] == "Institut de formation Démo"
    # default keys: the issuer's PEM keys; a DID is not an OB 2.0 Profile URL
    assert ob.ob2_issuer(ISSUER, profile_url=PROFILE_URL)["publicKey"] == f"{BASE}/ob2/keys/1"
    other = ob.ob2_issuer(ISSUER, f"{BASE}/ob2/keys/2", profile_url=PROFILE_URL)
    assert other["publicKey"] == f"{BASE}/ob2/keys/2" and "revocationList" not in other
    # publicKey is single-valued (validator-core refuses an array): one key URL, never a list
    with pytest.raises(TypeError, match="single publicKey"):
        ob.ob2_issuer(ISSUER, [KEY_URL, f"{BASE}/ob2/keys/2"], profile_url=PROFILE_URL)
    two_pems = dataclasses.replace(ISSUER, public_keys=(*ISSUER.public_keys, ob.PublicKey(id=f"{BASE}/k2", pem=PEM)))
    with pytest.raises(ValueError, match="several PEM keys"):
        ob.ob2_issuer(two_pems, profile_url=PROFILE_URL)
    with pytest.raises(ValueError, match="http"):
        ob.ob2_issuer(ISSUER)


def test_ob2_badge_class() -> None:
    docs = all_ob2_documents()
    fr, en = docs["badge_class_fr"], docs["badge_class_en"]
    for doc in (fr, en):
        for required in ("id", "type", "name", "description", "image", "criteria", "issuer"):
            assert doc[required], required
        assert doc["type"] == "BadgeClass" and doc["issuer"] == PROFILE_URL
        assert doc["tags"] == ["travail-pair", "M1"]
        assert all({"targetName", "targetUrl"} <= a.keys() for a in doc["alignment"])
    assert fr["id"] == ACHIEVEMENTS["module"].id and fr["@language"] == "fr"
    dutch = {"id": f"{ACHIEVEMENTS['module'].id}?lang=nl", "@language": "nl"}
    assert fr["related"] == [{"id": en["id"], "@language": "en"}, dutch]
    assert en["id"] == f"{ACHIEVEMENTS['module'].id}?lang=en"
    assert en["related"] == [{"id": fr["id"], "@language": "fr"}, dutch]
    assert en["criteria"] == {"narrative": "Module competencies validated."}


def test_ob2_assertion_recipient_is_hashed_and_salted() -> None:
    docs = all_ob2_documents()
    hosted, signed = docs["assertion_hosted"], docs["assertion_signed"]
    for doc in (hosted, signed):
        for required in ("id", "type", "recipient", "badge", "verification", "issuedOn"):
            assert doc[required], required
        assert doc["type"] == "Assertion" and doc["badge"] == BADGE_URL
        assert doc["recipient"] == {
            "type": "email",
            "hashed": True,
            "salt": SALT,
            "identity": ob.hashed_email(EMAIL, SALT),
        }
        assert doc["issuedOn"] == "2027-02-11T17:30:05Z" and XSD_Z.match(doc["expires"])
        assert doc["evidence"] == {"type": "Evidence", "narrative": "Grille d'observation d'une mise en situation."}
        assert "Amina" not in json.dumps(doc)  # OB 2.0 has no recipient name
    assert hosted["verification"] == {"type": "hosted"} and hosted["id"] == ASSERTION_URL
    assert signed["verification"] == {"type": "signed", "creator": KEY_URL}
    with pytest.raises(ValueError, match="creator"):
        ob.ob2_assertion(make_award(), BADGE_URL, "urn:uuid:1", "signed")
    with pytest.raises(ValueError, match="hosted"):
        ob.ob2_assertion(make_award(), BADGE_URL, ASSERTION_URL, "blockchain")
    minimal = ob.ob2_assertion(make_award(), BADGE_URL, ASSERTION_URL)
    assert "expires" not in minimal and "evidence" not in minimal


def test_ob2_revocation_documents() -> None:
    docs = all_ob2_documents()
    assert docs["revocation_list"] == {
        "@context": ob.OB2_CONTEXT,
        "type": "RevocationList",
        "id": f"{BASE}/ob2/revocations",
        "issuer": PROFILE_URL,
        "revokedAssertions": [{"id": "urn:uuid:1", "revocationReason": "Issued in error"}, "urn:uuid:2"],
    }
    assert ob.ob2_revocation_list(f"{BASE}/r", PROFILE_URL, [])["revokedAssertions"] == []
    assert docs["revoked"]["revoked"] is True and docs["revoked"]["id"] == ASSERTION_URL
    key = docs["crypto_key"]
    assert key["type"] == "CryptographicKey" and key["owner"] == PROFILE_URL and key["publicKeyPem"] == PEM
    with pytest.raises(ValueError):
        ob.ob2_crypto_key(KEY_URL, PROFILE_URL, "not a pem")


# ---------------------------------------------------------------------------------------------------- the email


def every_document() -> dict[str, Any]:
    docs: dict[str, Any] = dict(all_ob2_documents())
    for case in CASES:
        docs[f"ob3-{case_id(case)}"] = build_credential(*case)
    docs["status_list"] = ob.status_list_credential(STATUS_URL, DID, {94567}, valid_from=ISSUED)
    docs["did"] = ob.did_web_document(DID, [("#key-1", "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")])
    return docs


def test_the_plain_email_never_appears_in_any_document() -> None:
    forbidden = {EMAIL.lower(), "amina.exemple"}
    for name, doc in every_document().items():
        text = json.dumps(doc, ensure_ascii=False).lower()
        for needle in forbidden:
            assert needle not in text, f"{name} leaks the recipient's email"


# ---------------------------------------------------------------------------------------------------- status list


def test_status_list_credential() -> None:
    cred = ob.status_list_credential(STATUS_URL, DID, {0, 7, 8, 94567}, valid_from=ISSUED)
    assert cred["@context"] == [ob.VC2_CONTEXT]
    assert cred["id"] == STATUS_URL and cred["issuer"] == DID
    assert cred["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = cred["credentialSubject"]
    assert subject["id"] == f"{STATUS_URL}#list"
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    encoded = subject["encodedList"]
    assert encoded.startswith("u") and "=" not in encoded and re.fullmatch(r"u[A-Za-z0-9_-]+", encoded)
    bits = ob.decode_status_list(encoded)
    assert len(bits) * 8 == ob.MIN_STATUS_LIST_BITS == 131072
    # index 0 is the left-most (most significant) bit of the first byte (Bitstring Status List §2.2)
    assert bits[0] == 0b1000_0001 and bits[1] == 0b1000_0000
    assert all(ob.is_revoked(encoded, i) for i in (0, 7, 8, 94567))
    assert not any(ob.is_revoked(encoded, i) for i in (1, 6, 9, 94566, 94568, 131071))
    assert_all_terms_defined(cred)
    until = ob.status_list_credential(STATUS_URL, DID, set(), valid_from=ISSUED, valid_until=ISSUED + timedelta(1))
    assert until["validUntil"] == "2027-02-12T17:30:05Z"
    # deterministic: the same list always encodes to the same string
    assert ob.encode_status_list({3, 5}) == ob.encode_status_list([5, 3])


def test_decodes_the_spec_example() -> None:
    # Bitstring Status List v1.0, Example 3 (BitstringStatusListCredential): an all-zero 16 KB list
    bits = ob.decode_status_list("uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA")
    assert bits == bytes(16384)


def test_status_list_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="outside"):
        ob.encode_status_list({131072})
    with pytest.raises(ValueError, match="outside"):
        ob.encode_status_list({-1})
    with pytest.raises(ValueError, match="at least"):
        ob.encode_status_list(set(), length=8 * 1024)
    with pytest.raises(ValueError, match="multiple of 8"):
        ob.encode_status_list(set(), length=131073)
    encoded = ob.encode_status_list({1}, length=2 * 131072)
    assert len(ob.decode_status_list(encoded)) == 2 * 16384 and ob.is_revoked(encoded, 1)
    with pytest.raises(IndexError):
        ob.is_revoked(encoded, 2 * 131072)
    with pytest.raises(ValueError, match='prefix "u"'):
        ob.decode_status_list(encoded[1:])
    with pytest.raises(ValueError, match="GZIP"):
        ob.decode_status_list("u" + base64.urlsafe_b64encode(b"not gzip at all").decode().rstrip("="))
    short = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(100))).decode().rstrip("=")
    with pytest.raises(ValueError, match="fewer than"):
        ob.decode_status_list(short)
    truncated = base64.urlsafe_b64encode(gzip.compress(bytes(16384))[:-12]).decode().rstrip("=")
    with pytest.raises(ValueError, match="truncated"):
        ob.decode_status_list("u" + truncated)
    with pytest.raises(ValueError):
        ob.status_list_entry(STATUS_URL, -1)


@settings(max_examples=40, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=ob.MIN_STATUS_LIST_BITS - 1), max_size=40))
def test_status_list_round_trip(indexes: set[int]) -> None:
    encoded = ob.encode_status_list(indexes)
    bits = ob.decode_status_list(encoded)
    assert len(bits) * 8 >= ob.MIN_STATUS_LIST_BITS
    assert {i for i in range(len(bits) * 8) if bits[i // 8] & (0x80 >> (i % 8))} == indexes
    for index in sorted(indexes)[:5]:
        assert ob.is_revoked(encoded, index)


# ---------------------------------------------------------------------------------------------------- did:web


@pytest.mark.parametrize(
    ("base_url", "did", "document_url"),
    [
        ("https://example.org", "did:web:example.org", "https://example.org/.well-known/did.json"),
        ("https://example.org/", "did:web:example.org", "https://example.org/.well-known/did.json"),
        ("https://localhost:5443", "did:web:localhost%3A5443", "https://localhost:5443/.well-known/did.json"),
        ("http://127.0.0.1:5000", "did:web:127.0.0.1%3A5000", "https://127.0.0.1:5000/.well-known/did.json"),
        ("https://example.org/tremplin", "did:web:example.org:tremplin", "https://example.org/tremplin/did.json"),
        ("https://Example.ORG:8443/a/b/", "did:web:example.org%3A8443:a:b", "https://example.org:8443/a/b/did.json"),
        ("https://example.org/.well-known/did.json", "did:web:example.org", "https://example.org/.well-known/did.json"),
    ],
)
def test_did_web(base_url: str, did: str, document_url: str) -> None:
    assert ob.did_web(base_url) == did
    assert ob.did_web_url(did) == document_url


@pytest.mark.parametrize("bad", ["", "example.org", "ftp://example.org", "https://example.org/?q=1", "https://x/#f"])
def test_did_web_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        ob.did_web(bad)


def test_did_web_document() -> None:
    key = "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    doc = ob.did_web_document(DID, [("#key-1", key), (f"{DID}#key-2", key)])
    assert doc == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": DID,
        "verificationMethod": [
            {"id": f"{DID}#key-1", "type": "Multikey", "controller": DID, "publicKeyMultibase": key},
            {"id": f"{DID}#key-2", "type": "Multikey", "controller": DID, "publicKeyMultibase": key},
        ],
        "assertionMethod": [f"{DID}#key-1", f"{DID}#key-2"],
    }
    with pytest.raises(ValueError, match="does not belong"):
        ob.did_web_document(DID, [("did:web:other.example#key-1", key)])
    with pytest.raises(ValueError):
        ob.did_web_document(DID, [])
    with pytest.raises(ValueError):
        ob.did_web_document("did:key:z6Mk", [("#k", key)])
    with pytest.raises(ValueError):
        ob.did_web_url("did:key:z6Mk")


# ---------------------------------------------------------------------------------------------------- privacy guard


def test_guard_flags_a_planted_diagnostic_and_names_the_field() -> None:
    cred = build_credential("skill", True, False, "fr")
    ob.assert_no_life_history(cred)  # a real credential passes
    cred["credentialSubject"]["achievement"]["description"] = "Accompagner malgré son diagnostic."
    with pytest.raises(ValueError, match=r"credentialSubject\.achievement\.description: diagnostic"):
        ob.assert_no_life_history(cred)


def test_guard_names_list_positions_and_reports_all_findings() -> None:
    doc = {"alignment": [{"targetName": "ok"}, {"targetName": "Ex-toxicomane"}], "tags": ["x", "Précarité"]}
    assert ob.life_history_findings(doc) == [
        ("alignment[1].targetName", "toxicomanie", "toxicomane"),
        ("tags[1]", "précarité/poverty", "precarite"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Diagnostic psychiatrique",
        "diagnosis of schizophrenia",
        "suivi en PSYCHIATRIE",
        "santé mentale",
        "mental health",
        "maladie chronique",
        "long illness",
        "troubles psychiques",
        "trouble bipolaire",
        "ancienne addiction",
        "toxicomanie",
        "ex-tox",
        "alcoolisme",
        "usage de drogues",
        "méthadone",
        "abstinent depuis deux ans",
        "rechute",
        "relapse",
        "rétabli depuis cinq ans",
        "stabilisée depuis au moins cinq ans",
        "clean since 2019",
        "sans-abri",
        "sans abrisme",
        "homeless",
        "SDF",
        "sortie de prison",
        "incarcération",
        "casier judiciaire",
        "prostitution",
        "précarité",
        "pauvreté",
        "poverty",
        "parcours migratoire",
        "personne migrante",
        "sans-papiers",
        "demandeuse d’asile",
        "réfugié",
        "asylum seeker",
        "https://example.org/badges/sante-mentale",
        # Dutch: badges have a Dutch edition too
        "Herstel na een verslaving",
        "verslaafd geweest",
        "ervaring met dakloosheid",
        "thuislozen begeleiden",
        "geestelijke gezondheidszorg",
        "psychische aandoening",
        "schizofrenie",
        "ex-gedetineerde",
        "gevangenis",
        "strafblad",
        "armoede",
        "bestaansonzekerheid",
        "vluchtelingen",
        "asielzoeker",
        "drugsgebruik",
        "clean sinds 2019",
        "hervallen",
        "sekswerk",
    ],
)
def test_guard_flags_life_history_terms(text: str) -> None:
    with pytest.raises(ValueError, match="life history"):
        ob.assert_no_life_history({"description": text})


@pytest.mark.parametrize(
    "text",
    [
        # professional concepts the competencies are about (domain.md §0, §2)
        "S'approprier les notions de rétablissement, pouvoir d'agir, réduction des risques et savoir expérientiel",
        "Master recovery, empowerment, harm reduction and experiential knowledge",
        "Mobiliser son vécu au moment opportun, sans s'exposer",
        "Comprendre la diversité des souffrances psychiques et sociales",
        # migration as a field and intercultural mediation are skills, not a person's status
        "Connaître les politiques de migration et les dispositifs d'accueil",
        "Médiation interculturelle",
        # words that merely contain a flagged stem
        "maladroit",
        "psychosocial",
        "Toxicologie",
        "Complémentarité plutôt que substitution",
        # the same concepts in Dutch
        "Zich herstel, empowerment, schadebeperking en ervaringskennis eigen maken",
        "Doorleefde ervaring op het juiste moment en met mate inzetten",
        "Interculturele bemiddeling",
        "Drempels tot rechten opmerken en noden signaleren",
    ],
)
def test_guard_leaves_professional_vocabulary_alone(text: str) -> None:
    ob.assert_no_life_history({"description": text})


def test_guard_skips_opaque_values_but_scans_a_plaintext_name() -> None:
    ob.assert_no_life_history({"salt": "prison", "identityHash": "sha256$addict", "@context": ["sdf"]})
    with pytest.raises(ValueError, match=r"identifier\[0\]\.identityHash"):
        ob.assert_no_life_history({"identifier": [{"identityHash": "Prison", "hashed": False}]})


def test_guard_decisions_on_real_texts() -> None:
    # The UMONS programme title names lived-experience domains: a badge must use a neutral credential name.
    with pytest.raises(ValueError, match="santé mentale"):
        ob.assert_no_life_history({"name": "Formation universitaire à la pair-aidance : santé mentale et précarités"})
    # C-M1-02's description lists fields of practice: badge text uses the competency title instead.
    with pytest.raises(ValueError, match="addiction"):
        ob.assert_no_life_history(
            {"description": "Connaissances propres au champ (migration, sans-abrisme, addictions…)"}
        )
    # "diagnostic de territoire" is social-work jargon, but flagged: write "état des lieux du territoire".
    with pytest.raises(ValueError, match="diagnostic"):
        ob.assert_no_life_history({"description": "Réaliser un diagnostic de territoire"})


def _programme_titles() -> list[tuple[str, str]]:
    titles = []
    for path in sorted(PROGRAMME_DIR.glob("*.yaml")):
        programme = yaml.safe_load(path.read_text(encoding="utf-8"))
        for module in programme["modules"]:
            for lang, title in module["title"].items():
                titles.append((f"{programme['id']} {module['code']} [{lang}]", title))
            for competency in module["competencies"]:
                for lang, title in competency["title"].items():
                    titles.append((f"{programme['id']} {competency['code']} [{lang}]", title))
    return titles


def test_guard_passes_every_real_module_and_competency_title() -> None:
    titles = _programme_titles()
    programmes = {label.split()[0] for label, _ in titles}
    assert {"hetis-initial", "umons-certificate"} <= programmes
    assert len(titles) > 60
    flagged = [(label, title, ob.life_history_findings(title)) for label, title in titles]
    assert [f for f in flagged if f[2]] == []
    # and as badge data: one skill achievement aligned to every competency of both programmes
    alignments = tuple(
        ob.Alignment(target_name=title, target_url=f"{BASE}/competencies/{i}", target_code=label)
        for i, (label, title) in enumerate(titles)
    )
    achievement = ob.Achievement(
        id=f"{BASE}/achievements/all", name="Toutes", description="d", criteria="c", image=f"{BASE}/i.png",
        kind="skill", alignments=alignments,
    )  # fmt: skip
    ob.assert_no_life_history(ob.ob3_credential(make_award(public=True), achievement, ISSUER))


@pytest.mark.parametrize(
    ("email", "typed"),
    [
        ("élise.müller@exemple.org", "Élise.Müller@exemple.org"),
        ("amina@exämple.org", "amina@exämple.org"),
        ("amina@exämple.org", "amina@xn--exmple-cua.org"),  # the same internationalised domain in punycode
        ("amina@xn--exmple-cua.org", "AMINA@EXÄMPLE.ORG"),
        ("用户@例子.广告", "用户@例子.广告"),
    ],
)
def test_accented_and_internationalised_addresses_match(email, typed) -> None:
    assert ob.email_matches(typed, ob.hashed_email(email, SALT), SALT)
    assert not ob.email_matches("bruno.fictif@example.org", ob.hashed_email(email, SALT), SALT)


@pytest.mark.parametrize(
    ("email", "identity_hash", "salt"),
    [
        ("amina@example.org", "sha256$é", SALT),  # a non-ASCII hash (compare_digest refuses non-ASCII str)
        ("amina@example.org", "é", SALT),
        ("amina\ud800@example.org", None, SALT),  # a lone surrogate: no UTF-8 form to hash
        ("amina@example.org", "sha256$\udfff", SALT),
        ("amina@example.org", None, "\ud800"),
        ("amina@example.org", None, ""),
        ("amina@ex\u00e4mple..org", None, SALT),  # a domain that IDNA refuses
        ("amina@" + "ä" * 80 + ".org", None, SALT),  # an IDNA label too long
    ],
)
def test_email_matches_never_raises(email, identity_hash, salt) -> None:
    identity_hash = identity_hash if identity_hash is not None else ob.hashed_email("amina@example.org", SALT)
    assert ob.email_matches(email, identity_hash, salt) is False
