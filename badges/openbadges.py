"""Open Badges documents (OB 2.0 and OB 3.0), BitstringStatusList, did:web, and a privacy guard.

PURE: plain dataclasses in, JSON-ready dicts out. No Flask, no database, no clock, no network, no signing
(``badges.signing`` signs what this module builds). Every builder returns a fresh dict that a JSON encoder can
serialise as is.

Specifications (the section names are those of the published documents):

- OB 2.0: *Open Badges v2.0*, 1EdTech, 2018 — "Open Badges Vocabulary" (Assertion, BadgeClass, Profile,
  IdentityObject, VerificationObject, Evidence, Criteria, AlignmentObject, RevocationList, CryptographicKey),
  "Primitive datatypes" (IdentityHash, DateTime) and the "Internationalization Examples".
  Context ``https://w3id.org/openbadges/v2``.
- OB 3.0: *Open Badges Specification v3.0*, 1EdTech — appendix "B.1 Credential Data Models" (Achievement,
  AchievementCredential, AchievementSubject, Alignment, Criteria, IdentityObject, Image, Profile, Related,
  CredentialSchema, AchievementType Enumeration, IdentifierTypeEnum). Contexts: VC 2.0 + OB context-3.0.3 +
  OB ``extensions.json`` (the only definition of ``1EdTechJsonSchemaValidator2019``).
- W3C *Bitstring Status List v1.0* — §2.1 BitstringStatusListEntry, §2.2 BitstringStatusListCredential.
- W3C CCG *did:web Method Specification* — §3.1 Method-specific identifier, §3.2 Create (the DID document).

Every term used below is defined by the bundled contexts in ``badges/contexts/`` (tests/badges expands each
document offline with pyld and fails on any dropped property): OB 3.0 verifiers such as DCC verifier-core
run JSON-LD safe mode and reject a credential carrying an undefined term.

Decisions (the report that came with this module gives the evidence):

- **Bilingual content.** Neither OB version carries a per-field language map that the schemas and
  verifiers accept (an OB 3.0 ``name`` must be a JSON string; the ``localizationData`` draft of the OB 3.0
  repository is "@TBD" and undefined in context-3.0.3, hence dropped). Both versions instead describe *one
  language edition per document* and link the other editions:
  OB 3.0 ``Achievement.inLanguage`` + ``Achievement.related`` (B.1.1: related "is primarily intended to
  identify alternate language editions"; B.1.15 Related carries ``inLanguage``); OB 2.0 ``@language`` +
  ``related`` (Internationalization Examples). A credential is therefore issued in one language (``lang``),
  French by default; :func:`achievement_url` gives every edition its own stable id (the French edition is
  the canonical id, the others add ``?lang=xx``).
- **Public name.** Unlisted: the subject has no ``id`` and no name, only the salted email hash. Public: a
  second IdentityObject ``{identityType: "name", hashed: false, identityHash: <name>}`` (B.1.12: identityHash
  is "either the IdentityHash of the identity or the plaintext value"; B.1.30 lists ``name``).
  ``credentialSubject.name`` would expand (schema:name, from the top-level contexts) but AchievementSubject
  (B.1.3) defines no ``name``. OB 2.0 has no recipient-name property: its assertion never names anyone.
- **achievementType** (B.1.28): skill -> ``Competency``; module -> ``MicroCredential`` (a credential for
  "a subset of field-specific knowledge, skills, or competencies; often developmental with relationships
  to other micro-credentials" — a module badge bundles several competencies and stacks into the programme);
  programme -> ``Certificate`` ("designates requisite knowledge and skills of an occupation, profession, or
  academic program"); participation (an intervision cycle, attendance only) -> ``CertificateOfCompletion``.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import hmac
import re
import secrets
import unicodedata
import uuid
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

# ---------------------------------------------------------------------------------------------------- constants

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB3_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
#: The URL credentials and verifiers use for the 1EdTech AchievementCredential JSON Schema (the file's own
#: ``$id`` ends in ``-jsonschema1.json``, a build artefact; see shared/schemas/ob3/README.md).
OB3_SCHEMA_URL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
DID_CONTEXTS = ("https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1")

LANGS = ("fr", "en", "nl")
DEFAULT_LANG = "fr"

#: Achievement.kind -> OB 3.0 AchievementType (B.1.28). See the module docstring for the reasons.
ACHIEVEMENT_TYPES = {
    "skill": "Competency",
    "module": "MicroCredential",
    "programme": "Certificate",
    "participation": "CertificateOfCompletion",
}

#: Bitstring Status List §2.2: "The uncompressed bitstring MUST be at least 16KB in size" (131,072 bits).
MIN_STATUS_LIST_BITS = 16 * 1024 * 8
#: Refuse to inflate an untrusted encodedList beyond this (a gzip bomb; a real list is 16 KB .. a few MB).
MAX_STATUS_LIST_BYTES = 16 * 1024 * 1024

Text = str | Mapping[str, str]
"""A display string: one string for every language, or ``{"fr": ..., "en": ..., "nl": ...}``."""

# ---------------------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class PublicKey:
    """A public key of the issuer: ``pem`` for OB 2.0 (RS256, CryptographicKey), ``multikey`` for OB 3.0
    (Ed25519 ``publicKeyMultibase`` of a did:web verification method). ``id`` is its URL or DID URL."""

    id: str
    pem: str | None = None
    multikey: str | None = None


@dataclass(frozen=True)
class Issuer:
    """The organisation that runs a programme and signs its badges.

    ``id`` is a URL (OB 2.0 hosted Profile) or a DID (OB 3.0, e.g. ``did:web:...``). OB 2.0 requires
    ``name``, ``url`` and ``email`` for an issuer Profile; ``email`` is the organisation's contact address.
    """

    id: str
    name: Text
    url: str
    email: str
    description: Text | None = None
    image: str | None = None
    public_keys: tuple[PublicKey, ...] = ()


@dataclass(frozen=True)
class Alignment:
    """A competency of the framework the achievement aligns to (OB 2.0 AlignmentObject, OB 3.0 B.1.5)."""

    target_name: Text
    target_url: str
    target_code: str | None = None
    target_framework: Text | None = None
    #: OB 3.0 ``targetType`` (B.2.2 AlignmentTargetType: ``CFItem``, ``CTDL``… or ``ext:…``); OB 3.0 only.
    target_type: str | None = None


@dataclass(frozen=True)
class EvidenceKind:
    """A *kind* of evidence the achievement's competencies are validated on (OB 3.0 Evidence, B.1.8), e.g. an
    observation grid from a role play: ``name``, ``description`` and ``genre`` only. Never the evidence itself,
    a file, a trainer's comment or the holder's words."""

    name: Text
    description: Text
    genre: Text


@dataclass(frozen=True)
class Endorsement:
    """A partner organisation's endorsement of an achievement (OB 3.0 EndorsementCredential, B.1.9).

    The partner is the issuer (``issuer_name``, ``issuer_url``: its web site is its Profile id). It holds no key
    on the platform, so the credential carries no proof: it is an unsigned statement that the training body
    recorded (``recorded_on``); ``id`` is ``urn:uuid:…`` or a URL."""

    id: str
    issuer_name: str
    issuer_url: str
    comment: str
    recorded_on: datetime

    def __post_init__(self) -> None:
        if not self.id.startswith("urn:uuid:"):
            _require_http_url(self.id, "Endorsement.id")
        _require_http_url(self.issuer_url, "Endorsement.issuer_url")
        _require_aware(self.recorded_on, "Endorsement.recorded_on")


@dataclass(frozen=True)
class Achievement:
    """What a badge attests (OB 2.0 BadgeClass, OB 3.0 Achievement): skills, never a life history.

    ``id`` is the canonical (French-edition) http(s) URL; ``kind`` is a key of :data:`ACHIEVEMENT_TYPES`.
    ``name``, ``description`` and ``criteria`` (the criteria narrative, Markdown allowed) are ``{lang: text}``.
    """

    id: str
    name: Text
    description: Text
    criteria: Text
    image: str
    kind: str
    tags: tuple[str, ...] = ()
    alignments: tuple[Alignment, ...] = ()
    #: The kinds of evidence its competencies are validated on: every credential lists them in ``evidence``.
    evidence: tuple[EvidenceKind, ...] = ()
    endorsements: tuple[Endorsement, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ACHIEVEMENT_TYPES:
            raise ValueError(f"Achievement.kind must be one of {sorted(ACHIEVEMENT_TYPES)}, not {self.kind!r}")
        _require_http_url(self.id, "Achievement.id")


@dataclass(frozen=True)
class Award:
    """One badge awarded to one person.

    ``display_name`` is None when the holder keeps the badge unlisted (then no name appears anywhere);
    ``status_list_url`` + ``status_list_index`` place it in a BitstringStatusList (both or neither).
    ``evidence_narrative`` must stay generic ("role play observed with an observation grid"): never a trainer's
    comment nor anything about the person (shared/domain.md §4). The email and salt are kept out of ``repr``.
    """

    id: str
    recipient_email: str = field(repr=False)
    salt: str = field(repr=False)
    issued_on: datetime
    display_name: str | None = None
    valid_until: datetime | None = None
    status_list_url: str | None = None
    status_list_index: int | None = None
    evidence_narrative: Text | None = None
    # The subject's opaque id in OB 3.0; by default derived from the award id and its salt (see ob3_subject).
    subject_id: str | None = None

    def __post_init__(self) -> None:
        if "@" not in self.recipient_email:
            raise ValueError("Award.recipient_email is not an email address")
        if not self.salt:
            raise ValueError("Award.salt is empty: recipients are always hashed with a salt")
        _require_aware(self.issued_on, "Award.issued_on")
        if self.valid_until is not None:
            _require_aware(self.valid_until, "Award.valid_until")
            if self.valid_until <= self.issued_on:
                raise ValueError("Award.valid_until must be after Award.issued_on")
        if (self.status_list_url is None) != (self.status_list_index is None):
            raise ValueError("Award.status_list_url and Award.status_list_index go together")
        if self.status_list_index is not None and self.status_list_index < 0:
            raise ValueError("Award.status_list_index must be >= 0")


# ---------------------------------------------------------------------------------------------------- helpers


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")


def _require_http_url(value: str, what: str) -> None:
    if urlsplit(value).scheme not in ("http", "https"):
        raise ValueError(f"{what} must be an http(s) URL, not {value!r}")


def xsd_datetime(value: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ssZ`` in UTC: OB 3.0 DateTimeZ, OB 2.0 DateTime, XMLSchema dateTime."""
    _require_aware(value, "datetime")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: Text, lang: str, what: str) -> str:
    if isinstance(value, str):
        return value
    try:
        return value[lang]
    except KeyError:
        raise ValueError(f"{what} has no {lang!r} text") from None


def editions(achievement: Achievement) -> tuple[str, ...]:
    """The languages ``achievement`` is written in: those of :data:`LANGS` in which its name, description and
    criteria (and every alignment's name) all have a text. An achievement defined before a language was added
    has no edition in it: its badges are issued in the languages it has."""
    texts = [achievement.name, achievement.description, achievement.criteria]
    texts += [a.target_name for a in achievement.alignments]
    texts += [a.target_framework for a in achievement.alignments if a.target_framework is not None]
    texts += [text for kind in achievement.evidence for text in (kind.name, kind.description, kind.genre)]
    return tuple(lang for lang in LANGS if all(isinstance(t, str) or t.get(lang) for t in texts))


def edition(available: Iterable[str], lang: str) -> str:
    """``lang`` when it is among the ``available`` editions, else French (the reference), else the first one."""
    available = list(available)
    if lang in available:
        return lang
    return DEFAULT_LANG if DEFAULT_LANG in available or not available else available[0]


def achievement_url(achievement_id: str, lang: str = DEFAULT_LANG) -> str:
    """The id of one language edition of an achievement: the canonical id for French, ``?lang=xx`` otherwise.

    OB 3.0 B.1.1 ``related``/OB 2.0 ``related`` link editions by id, so each edition needs its own.
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    if lang == DEFAULT_LANG:
        return achievement_id
    return f"{achievement_id}{'&' if '?' in achievement_id else '?'}lang={lang}"


def new_salt() -> str:
    """A fresh random salt (128 bits, hex) for :func:`hashed_email`."""
    return secrets.token_hex(16)


def hashed_email(email: str, salt: str) -> str:
    """OB IdentityHash of an email: ``"sha256$" + hex(SHA-256(email + salt))``.

    OB 2.0 "Primitive datatypes" (IdentityHash) and IdentityObject ``salt``; OB 3.0 B.1.12 reuses both. The
    address is trimmed and lower-cased first (mailbox names are case-insensitive in practice), so a verifier
    must hash the lower-case address; verifiers that hash exactly what they are given (1EdTech validator,
    verify/ob3-verify.mjs) match whenever the address is typed in lower case.
    """
    if not salt:
        raise ValueError("salt is empty")
    digest = hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()
    return f"sha256${digest}"


def _email_forms(email: str) -> list[str]:
    """The address as typed and, for an internationalised domain, its other spelling (Unicode ↔ punycode)."""
    forms = [email]
    local, at, domain = email.strip().rpartition("@")
    if at and domain:
        try:
            other = domain.encode("idna").decode("ascii") if not domain.isascii() else domain.encode().decode("idna")
        except UnicodeError:
            other = domain
        if other.lower() != domain.lower():
            forms.append(f"{local}@{other}")
    return forms


def email_matches(email: str, identity_hash: str, salt: str) -> bool:
    """Whether ``email`` is the address behind ``identity_hash`` (constant-time comparison of bytes).

    Never raises on what people type or badges carry: accented addresses and internationalised domains match
    (in either spelling of the domain), text that is not valid Unicode (a lone surrogate) or an empty salt
    simply does not match."""
    if not all(isinstance(value, str) for value in (email, identity_hash, salt)) or not salt:
        return False
    expected = identity_hash.lower().encode("utf-8", "surrogatepass")
    matched = False
    for form in _email_forms(email):
        try:
            candidate = hashed_email(form, salt).encode("ascii")
        except (UnicodeError, ValueError):
            continue
        matched |= hmac.compare_digest(candidate, expected)
    return matched


# ---------------------------------------------------------------------------------------------------- OB 2.0


def ob2_issuer(
    issuer: Issuer,
    key_url: str | None = None,
    revocation_list_url: str | None = None,
    *,
    profile_url: str | None = None,
    lang: str = DEFAULT_LANG,
) -> dict[str, Any]:
    """OB 2.0 issuer Profile (spec "Profile (Issuer)"): ``id``, ``type``, ``name``, ``url``, ``email`` required.

    ``publicKey`` names **one** CryptographicKey: the key that signs now (``key_url``; default: the issuer's only
    key that has a PEM). The spec's Profile table gives ``publicKey`` no "Multiple values allowed" mark (which it
    gives every multi-valued property) and the 1EdTech validator reads it as single-valued: an array there makes
    it refuse every assertion of the issuer, hosted ones included. Retired keys stay published, each naming its
    ``owner`` (:func:`ob2_crypto_key`), but are no longer authorised: signed assertions are signed again with the
    new key when the key rotates (``badges.services.resign_ob2_assertions``). ``revocationList`` is the
    RevocationList URL used for signed badges. The Profile id must be the HTTP URL the profile is served at
    (``profile_url``, default ``issuer.id``); validator-core fetches it and expects hosted assertions on the same
    host:port.
    """
    profile_id = profile_url or issuer.id
    _require_http_url(profile_id, "OB 2.0 issuer id")
    if key_url is not None and not isinstance(key_url, str):
        raise TypeError("key_url is one URL: an OB 2.0 Profile names a single publicKey")
    if key_url is None:
        pem_keys = [k.id for k in issuer.public_keys if k.pem]
        if len(pem_keys) > 1:
            raise ValueError("the issuer has several PEM keys: say which one signs (key_url)")
        key_url = pem_keys[0] if pem_keys else None
    doc: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Issuer",
        "id": profile_id,
        "name": _text(issuer.name, lang, "Issuer.name"),
        "url": issuer.url,
        "email": issuer.email,
    }
    if issuer.description is not None:
        doc["description"] = _text(issuer.description, lang, "Issuer.description")
    if issuer.image:
        doc["image"] = issuer.image
    if key_url:
        doc["publicKey"] = key_url
    if revocation_list_url:
        doc["revocationList"] = revocation_list_url
    return doc


def _alignment_fields(alignment: Alignment, lang: str) -> dict[str, Any]:
    out = {
        "targetName": _text(alignment.target_name, lang, "Alignment.target_name"),
        "targetUrl": alignment.target_url,
    }
    if alignment.target_code:
        out["targetCode"] = alignment.target_code
    if alignment.target_framework is not None:
        out["targetFramework"] = _text(alignment.target_framework, lang, "Alignment.target_framework")
    return out


def ob2_badge_class(achievement: Achievement, issuer_url: str, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """OB 2.0 BadgeClass (spec "BadgeClass"): ``id``, ``type``, ``name``, ``description``, ``image``,
    ``criteria``, ``issuer`` required; ``tags`` and ``alignment`` optional.

    One language edition: ``@language`` names it and ``related`` lists the other editions with their own
    ``@language`` (spec "Internationalization Examples"); its ``id`` is :func:`achievement_url`.
    """
    doc: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "BadgeClass",
        "id": achievement_url(achievement.id, lang),
        "@language": lang,
        "name": _text(achievement.name, lang, "Achievement.name"),
        "description": _text(achievement.description, lang, "Achievement.description"),
        "image": achievement.image,
        "criteria": {"narrative": _text(achievement.criteria, lang, "Achievement.criteria")},
        "issuer": issuer_url,
    }
    if achievement.tags:
        doc["tags"] = list(achievement.tags)
    if achievement.alignments:
        doc["alignment"] = [_alignment_fields(a, lang) for a in achievement.alignments]
    others = [other for other in editions(achievement) if other != lang]
    if others:
        doc["related"] = [{"id": achievement_url(achievement.id, other), "@language": other} for other in others]
    return doc


def ob2_assertion(
    award: Award,
    badge_class_url: str,
    assertion_url: str,
    verification: str = "hosted",
    creator_key_url: str | None = None,
    *,
    lang: str = DEFAULT_LANG,
) -> dict[str, Any]:
    """OB 2.0 Assertion (spec "Assertion"): ``id``, ``type``, ``recipient``, ``badge``, ``verification``,
    ``issuedOn`` required; ``expires`` and ``evidence`` optional.

    The recipient is always an email IdentityObject, hashed and salted. ``verification="hosted"`` (spec
    HostedBadge: the assertion lives at ``assertion_url``, same origin as the issuer Profile) or ``"signed"``
    (SignedBadge, delivered as a JWS; ``creator`` is the CryptographicKey URL, required here because
    validator-core needs it). OB 2.0 has no property for the recipient's name: a public name is OB 3.0 only.
    """
    if verification == "hosted":
        verification_object: dict[str, Any] = {"type": "hosted"}
    elif verification == "signed":
        if not creator_key_url:
            raise ValueError("a signed OB 2.0 assertion needs creator_key_url (VerificationObject.creator)")
        verification_object = {"type": "signed", "creator": creator_key_url}
    else:
        raise ValueError(f"verification must be 'hosted' or 'signed', not {verification!r}")
    doc: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": assertion_url,
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": award.salt,
            "identity": hashed_email(award.recipient_email, award.salt),
        },
        "badge": badge_class_url,
        "verification": verification_object,
        "issuedOn": xsd_datetime(award.issued_on),
    }
    if award.valid_until is not None:
        doc["expires"] = xsd_datetime(award.valid_until)
    if award.evidence_narrative is not None:
        doc["evidence"] = {
            "type": "Evidence",
            "narrative": _text(award.evidence_narrative, lang, "Award.evidence_narrative"),
        }
    return doc


def ob2_revoked_assertion(assertion_url: str, reason: str | None = None) -> dict[str, Any]:
    """Body of a revoked hosted Assertion, served with HTTP 410 (spec "Revoked Hosted Assertion Example":
    only ``id`` and ``revoked`` are required). Keep ``reason`` neutral ("Issued in error")."""
    doc: dict[str, Any] = {"@context": OB2_CONTEXT, "type": "Assertion", "id": assertion_url, "revoked": True}
    if reason:
        doc["revocationReason"] = reason
    return doc


def ob2_crypto_key(key_url: str, owner_url: str, public_key_pem: str) -> dict[str, Any]:
    """OB 2.0 CryptographicKey (spec "CryptographicKey"): ``id``, ``owner`` (the issuer Profile) and
    ``publicKeyPem`` (RS256 for validator-core). The spec asks for "a two-way connection between this Profile and
    the CryptographicKey through the ``owner`` and ``publicKey`` properties": the Profile's ``publicKey`` names
    the key that signs now (:func:`ob2_issuer`); a retired key keeps its document and its ``owner``."""
    if "BEGIN PUBLIC KEY" not in public_key_pem:
        raise ValueError("public_key_pem must be a PEM public key (-----BEGIN PUBLIC KEY-----)")
    return {
        "@context": OB2_CONTEXT,
        "type": "CryptographicKey",
        "id": key_url,
        "owner": owner_url,
        "publicKeyPem": public_key_pem,
    }


def ob2_revocation_list(url: str, issuer_url: str, revoked: Iterable[tuple[str, str | None]]) -> dict[str, Any]:
    """OB 2.0 RevocationList (spec "Revocation List"): ``type``, ``id``, ``issuer`` and ``revokedAssertions``,
    each ``{"id": assertion_url, "revocationReason": reason}`` (or the bare id when there is no reason).

    It serves signed OB 2.0 badges; OB 3.0 verifiers ignore it (they read a BitstringStatusList). Reasons are
    public: keep them neutral ("Issued in error"), never about the person.
    """
    entries: list[Any] = []
    for assertion_url, reason in revoked:
        entries.append({"id": assertion_url, "revocationReason": reason} if reason else assertion_url)
    return {
        "@context": OB2_CONTEXT,
        "type": "RevocationList",
        "id": url,
        "issuer": issuer_url,
        "revokedAssertions": entries,
    }


# ---------------------------------------------------------------------------------------------------- OB 3.0


def ob3_profile(issuer: Issuer, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """OB 3.0 Profile of the issuer (B.1.14): ``id`` and ``type`` required; ``name``, ``url``, ``email``,
    ``description`` and ``image`` (an Image, B.1.13) when known."""
    profile: dict[str, Any] = {
        "id": issuer.id,
        "type": ["Profile"],
        "name": _text(issuer.name, lang, "Issuer.name"),
        "url": issuer.url,
        "email": issuer.email,
    }
    if issuer.description is not None:
        profile["description"] = _text(issuer.description, lang, "Issuer.description")
    if issuer.image:
        profile["image"] = {"id": issuer.image, "type": "Image"}
    return profile


def ob3_achievement(achievement: Achievement, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """OB 3.0 Achievement (B.1.1): ``id``, ``type``, ``name``, ``description``, ``criteria`` required.

    Adds ``achievementType`` (B.1.28, see :data:`ACHIEVEMENT_TYPES`), ``image`` (Image), ``tag``,
    ``alignment`` (B.1.5: ``targetName`` and ``targetUrl`` required), ``inLanguage`` (BCP 47) and ``related``
    (B.1.15) pointing to the other language editions.
    """
    out: dict[str, Any] = {
        "id": achievement_url(achievement.id, lang),
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPES[achievement.kind],
        "name": _text(achievement.name, lang, "Achievement.name"),
        "description": _text(achievement.description, lang, "Achievement.description"),
        "criteria": {"narrative": _text(achievement.criteria, lang, "Achievement.criteria")},
        "image": {"id": achievement.image, "type": "Image"},
        "inLanguage": lang,
    }
    if achievement.tags:
        out["tag"] = list(achievement.tags)
    if achievement.alignments:
        out["alignment"] = [
            {
                "type": ["Alignment"],
                **_alignment_fields(a, lang),
                **({"targetType": a.target_type} if a.target_type else {}),
            }
            for a in achievement.alignments
        ]
    if achievement.endorsements:
        out["endorsement"] = [ob3_endorsement(e, achievement, lang) for e in achievement.endorsements]
    others = [other for other in editions(achievement) if other != lang]
    if others:
        out["related"] = [
            {"id": achievement_url(achievement.id, other), "type": ["Related"], "inLanguage": other} for other in others
        ]
    return out


#: The name of an endorsement credential, for wallets: "Endorsement by <partner>" in each language.
_ENDORSEMENT_NAMES = {
    "fr": "Recommandation de {partner}",
    "en": "Endorsement by {partner}",
    "nl": "Aanbeveling van {partner}",
}


def ob3_endorsement(endorsement: Endorsement, achievement: Achievement, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """OB 3.0 EndorsementCredential (B.1.9) of ``achievement``: ``@context`` (VC 2.0, OB context-3.0.3), ``type``,
    ``id``, ``name``, ``issuer`` (the partner's Profile: ``id`` = its web site, ``name``, ``url``), ``validFrom``
    (the day it was recorded) and an EndorsementSubject (B.1.10) whose ``id`` is the achievement's and whose
    ``endorsementComment`` is the partner's comment. Unsigned: see :class:`Endorsement`."""
    return {
        "@context": [VC2_CONTEXT, OB3_CONTEXT],
        "id": endorsement.id,
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": _ENDORSEMENT_NAMES.get(lang, _ENDORSEMENT_NAMES[DEFAULT_LANG]).format(partner=endorsement.issuer_name),
        "issuer": {
            "id": endorsement.issuer_url,
            "type": ["Profile"],
            "name": endorsement.issuer_name,
            "url": endorsement.issuer_url,
        },
        "validFrom": xsd_datetime(endorsement.recorded_on),
        "credentialSubject": {
            "id": achievement_url(achievement.id, lang),
            "type": ["EndorsementSubject"],
            "endorsementComment": endorsement.comment,
        },
    }


def ob3_evidence(kind: EvidenceKind, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """OB 3.0 Evidence (B.1.8) describing a kind of evidence: ``type``, ``name``, ``description``, ``genre``."""
    return {
        "type": ["Evidence"],
        "name": _text(kind.name, lang, "EvidenceKind.name"),
        "description": _text(kind.description, lang, "EvidenceKind.description"),
        "genre": _text(kind.genre, lang, "EvidenceKind.genre"),
    }


def opaque_subject_id(award: Award) -> str:
    """An ``id`` for the credential subject that says nothing about the person: a UUID derived from the award
    and its secret salt, different for every badge (so two badges cannot be linked through it). VC-JWT needs
    it for the ``sub`` claim."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'tremplin-subject:{award.id}:{award.salt}')}"


def ob3_subject(award: Award, achievement: Achievement, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """OB 3.0 AchievementSubject (B.1.3): ``type``, ``achievement``, an opaque ``id`` (``opaque_subject_id``)
    and an ``identifier`` list: the holder is known to verifiers only by a salted email hash (B.1.12
    IdentityObject, ``identityType`` ``emailAddress``) and, when the holder made the badge public, by a
    plaintext ``name`` IdentityObject (B.1.30 ``name``)."""
    identifiers: list[dict[str, Any]] = [
        {
            "type": "IdentityObject",
            "identityHash": hashed_email(award.recipient_email, award.salt),
            "identityType": "emailAddress",
            "hashed": True,
            "salt": award.salt,
        }
    ]
    if award.display_name:
        identifiers.append(
            {"type": "IdentityObject", "identityHash": award.display_name, "identityType": "name", "hashed": False}
        )
    return {
        "id": award.subject_id or opaque_subject_id(award),
        "type": ["AchievementSubject"],
        "identifier": identifiers,
        "achievement": ob3_achievement(achievement, lang),
    }


def status_list_entry(status_list_url: str, index: int) -> dict[str, Any]:
    """BitstringStatusListEntry (Bitstring Status List §2.1) with ``statusPurpose`` ``revocation``:
    ``statusListIndex`` is a base-10 *string*; ``id`` is ``<list url>#<index>`` as in the spec's examples."""
    if index < 0:
        raise ValueError("status list index must be >= 0")
    return {
        "id": f"{status_list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": status_list_url,
    }


def ob3_credential(
    award: Award,
    achievement: Achievement,
    issuer: Issuer,
    credential_id: str | None = None,
    lang: str = DEFAULT_LANG,
) -> dict[str, Any]:
    """Unsigned OB 3.0 OpenBadgeCredential (B.1.2 AchievementCredential).

    ``@context`` = VC 2.0, OB context-3.0.3 (in this order, as B.1.2 requires) and OB ``extensions.json``
    (for ``1EdTechJsonSchemaValidator2019`` in ``credentialSchema``, B.1.21); ``type``
    ``["VerifiableCredential", "OpenBadgeCredential"]``; ``id`` (default ``urn:uuid:<award.id>``); ``name``
    for wallets; ``issuer`` Profile; ``validFrom``/``validUntil`` as DateTimeZ; ``credentialSubject``
    (:func:`ob3_subject`); ``credentialStatus`` (:func:`status_list_entry`) when the award has a status-list
    slot; ``evidence``: the kinds of evidence of the achievement (:func:`ob3_evidence`), and the award's evidence
    narrative if it has one. Multi-valued properties are arrays, as the
    1EdTech JSON Schema requires. ``lang`` picks the language edition (module docstring).
    """
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    cred: dict[str, Any] = {
        "@context": [VC2_CONTEXT, OB3_CONTEXT, OB3_EXTENSIONS_CONTEXT],
        "id": credential_id or f"urn:uuid:{award.id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": _text(achievement.name, lang, "Achievement.name"),
        "issuer": ob3_profile(issuer, lang),
        "validFrom": xsd_datetime(award.issued_on),
    }
    if award.valid_until is not None:
        cred["validUntil"] = xsd_datetime(award.valid_until)
    cred["credentialSubject"] = ob3_subject(award, achievement, lang)
    evidence = [ob3_evidence(kind, lang) for kind in achievement.evidence]
    if award.evidence_narrative is not None:
        evidence.append(
            {"type": ["Evidence"], "narrative": _text(award.evidence_narrative, lang, "Award.evidence_narrative")}
        )
    if evidence:
        cred["evidence"] = evidence
    if award.status_list_url is not None and award.status_list_index is not None:
        cred["credentialStatus"] = status_list_entry(award.status_list_url, award.status_list_index)
    cred["credentialSchema"] = [{"id": OB3_SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}]
    return cred


# ---------------------------------------------------------------------------------------------------- status list


def encode_status_list(revoked_indexes: Iterable[int], length: int = MIN_STATUS_LIST_BITS) -> str:
    """``encodedList`` of a bitstring of ``length`` bits with ``revoked_indexes`` set (Bitstring Status List
    §2.2): multibase base64url without padding (prefix ``u``) of the GZIP-compressed bitstring, index 0 at
    "the left-most bit in the bitstring", i.e. the most significant bit of the first byte. GZIP is written with
    ``mtime=0`` so the same list always encodes to the same string."""
    if length < MIN_STATUS_LIST_BITS or length % 8:
        raise ValueError(f"length must be a multiple of 8 and at least {MIN_STATUS_LIST_BITS} bits")
    bits = bytearray(length // 8)
    for index in revoked_indexes:
        if not 0 <= index < length:
            raise ValueError(f"status list index {index} is outside 0..{length - 1}")
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_status_list(encoded: str) -> bytes:
    """The uncompressed bitstring behind an ``encodedList`` (inverse of :func:`encode_status_list`).

    Raises ValueError on a missing ``u`` prefix, bad base64url or GZIP, a list under 16 KB, or one that
    inflates past :data:`MAX_STATUS_LIST_BYTES`.
    """
    if not encoded.startswith("u"):
        raise ValueError('encodedList must start with the multibase prefix "u" (base64url, no padding)')
    body = encoded[1:]
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip container
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        bits = inflater.decompress(compressed, MAX_STATUS_LIST_BYTES)
    except (ValueError, zlib.error) as exc:
        raise ValueError(f"encodedList is not base64url GZIP data: {exc}") from exc
    if inflater.unconsumed_tail:
        raise ValueError(f"encodedList inflates past {MAX_STATUS_LIST_BYTES} bytes")
    if not inflater.eof:
        raise ValueError("encodedList is truncated GZIP data")
    if len(bits) * 8 < MIN_STATUS_LIST_BITS:
        raise ValueError(f"status list has {len(bits) * 8} bits, fewer than {MIN_STATUS_LIST_BITS}")
    return bits


def is_revoked(encoded: str, index: int) -> bool:
    """Whether bit ``index`` (0 = most significant bit of the first byte) is set. IndexError out of range."""
    bits = decode_status_list(encoded)
    if not 0 <= index < len(bits) * 8:
        raise IndexError(f"status list index {index} is outside 0..{len(bits) * 8 - 1}")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(
    url: str,
    issuer_id: str,
    revoked_indexes: Iterable[int],
    *,
    valid_from: datetime,
    length: int = MIN_STATUS_LIST_BITS,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """Unsigned BitstringStatusListCredential (Bitstring Status List §2.2): ``type`` includes
    ``BitstringStatusListCredential``; ``credentialSubject`` ``{id: <url>#list, type: BitstringStatusList,
    statusPurpose: revocation, encodedList}``. Only the VC 2.0 context is needed (it defines every term).
    ``id`` equals the ``statusListCredential`` of the entries; ``issuer_id`` should be the issuer of the
    credentials it covers (verifiers may check that they match)."""
    cred: dict[str, Any] = {
        "@context": [VC2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": xsd_datetime(valid_from),
    }
    if valid_until is not None:
        cred["validUntil"] = xsd_datetime(valid_until)
    cred["credentialSubject"] = {
        "id": f"{url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": "revocation",
        "encodedList": encode_status_list(revoked_indexes, length),
    }
    return cred


# ---------------------------------------------------------------------------------------------------- did:web


def did_web(base_url: str) -> str:
    """The did:web DID for an http(s) base URL (did:web §3.1): the host, lower-cased, with ``:port``
    percent-encoded as ``%3A``, then each path segment joined by ``:``. Resolution always uses HTTPS.

    ``https://example.org`` -> ``did:web:example.org``; ``https://localhost:5443`` ->
    ``did:web:localhost%3A5443``; ``https://example.org/a/b`` -> ``did:web:example.org:a:b``.
    """
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"did:web needs an http(s) URL with a host, not {base_url!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"did:web base URL must not carry a query, a fragment or credentials: {base_url!r}")
    host = parts.hostname.lower()
    if ":" in host:
        raise ValueError("did:web does not support IPv6 literal hosts here")
    if parts.port is not None:
        host = f"{host}%3A{parts.port}"
    segments = [quote(unquote(s), safe="") for s in parts.path.split("/") if s]
    if segments[-2:] == [".well-known", "did.json"]:
        segments = segments[:-2]
    elif segments and segments[-1] == "did.json":
        segments = segments[:-1]
    return ":".join(["did:web", host, *segments])


def did_web_url(did: str) -> str:
    """Where a did:web DID document is served (did:web §3.2/§3.3): ``https://host[:port]/.well-known/did.json``
    without a path, ``https://host[:port]/<path>/did.json`` with one."""
    if not did.startswith("did:web:"):
        raise ValueError(f"not a did:web DID: {did!r}")
    host, *segments = did[len("did:web:") :].split("#")[0].split(":")
    if not host:
        raise ValueError(f"did:web DID without a host: {did!r}")
    path = "/".join(segments) if segments else ".well-known"
    return f"https://{unquote(host)}/{path}/did.json"


def did_web_document(did: str, verification_methods: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """A did:web DID document (did:web §3.2; DID Core §5) listing Ed25519 ``Multikey`` verification methods
    (``publicKeyMultibase`` ``z6Mk...``), each allowed for ``assertionMethod`` (the proof purpose of OB 3.0
    Data Integrity proofs). A method id may be given as a fragment (``#key-1``) or in full; its controller is
    ``did``, which must also be the credential issuer's id (verifier-core checks issuer = controller)."""
    if not did.startswith("did:web:"):
        raise ValueError(f"not a did:web DID: {did!r}")
    methods: list[dict[str, Any]] = []
    for method_id, multikey in verification_methods:
        full_id = f"{did}{method_id}" if method_id.startswith("#") else method_id
        if not full_id.startswith(f"{did}#"):
            raise ValueError(f"verification method {method_id!r} does not belong to {did}")
        if not multikey.startswith("z"):
            raise ValueError("publicKeyMultibase must be base58btc multibase (prefix 'z')")
        methods.append({"id": full_id, "type": "Multikey", "controller": did, "publicKeyMultibase": multikey})
    if not methods:
        raise ValueError("a DID document needs at least one verification method")
    return {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


# ---------------------------------------------------------------------------------------------------- privacy guard

# Why (shared/domain.md §4): a badge "attests competencies and the programme only: no diagnosis, substance,
# lived-experience domain, life event, health status, recovery duration, attendance detail or trainer comment
# in public badge data". Peer workers choose what to disclose and to whom ("Chacun.e peut choisir de se
# présenter par sa fonction ou d'une manière plus neutre", 000:2135-2164; they may name "précarité,
# psychiatrie" and keep "rue, prostitution, prison" silent); a badge travels without its holder, so it must
# never disclose on their behalf. Health data is also a special category under the GDPR.
#
# The list is matched on whole words (prefix stems where a family of words shares one), case- and
# accent-insensitively, on every string of a document (URLs included: a slug leaks as much as a title).
# What it deliberately does NOT flag, because these are the professional concepts the competencies are about
# (domain.md §0, §2) and appear in the competency titles themselves:
#   - "réduction des risques"/"harm reduction" (C-M1-05): an approach a professional applies. Substances and
#     use ("usage de drogues", "cocaïne", "méthadone"...) are flagged instead: they point at a person's use.
#   - "rétablissement"/"recovery", "pouvoir d'agir", "savoir expérientiel", "vécu", "parcours", "récit",
#     "souffrances psychiques et sociales" (C-M1-05, C-M2-01/02, C-S2-01). Only a recovery *duration*
#     ("rétabli depuis", "stabilisé depuis", "clean since") is flagged.
#   - "migration", "migratoire", "interculturel": a policy field and a mediation skill (001:197, 001:577).
#     Words that state a person's status or history are flagged: "parcours migratoire", "migrant",
#     "sans-papiers", "demandeur d'asile", "réfugié", "exilé", "undocumented", "asylum seeker", "refugee".
# Knowingly flagged although they can name a field rather than a person: "addiction(s)", "sans-abrisme",
# "santé mentale", "précarité", "prison"... — for a peer worker the field of practice usually *is* the lived
# experience, and domain.md §4 allows a public "field of practice" only by the holder's explicit opt-in, which
# has no place in badge text. Consequences: C-M1-02's description "(migration, sans-abrisme, addictions…)" and
# the UMONS programme title "... santé mentale et précarités" cannot be published as badge text; use the
# competency titles and a neutral credential name. "diagnostic" is flagged even in "diagnostic de territoire"
# (social-work jargon): write "état des lieux du territoire" instead.
# Dutch (badges have a Dutch edition) follows the same lines: "verslaving", "dakloosheid", "geestelijke
# gezondheid", "armoede", "vluchteling"... are flagged; "herstel", "ervaringskennis", "schadebeperking" are not.

_LIFE_HISTORY_PATTERNS: tuple[tuple[str, str], ...] = (
    # health status and diagnoses
    ("diagnostic/diagnosis", r"\bdiagnos\w*"),
    ("psychiatry", r"\bpsychiatr\w*"),
    (
        "santé mentale/mental health",
        r"\bsante[\s_-]+mentale|\bmental[\s_-]+(?:health|illness\w*|disorders?)\b|\bgeestelijke[\s_-]+gezondheid\w*",
    ),
    ("maladie/illness", r"\bmaladies?\b|\bmalades?\b|\billness(?:es)?\b|\bdiseases?\b|\bziekt\w*|\bziek\b"),
    (
        "trouble psychique",
        r"\btroubles?\s+(?:psychiques?|mentaux|mental|psychiatriques?|psychotiques?)\b"
        r"|\bpsychische\s+(?:aandoening|stoornis|ziekte|problem)\w*|\bstoornis\w*",
    ),
    (
        "diagnosis name",
        r"\bschizo(?:ph|f)ren\w*|\bbipolaires?\b|\bbipolai?r\b|\bdepressi\w*|\bpsychos[ei]s?\b|\bpsychosen\b",
    ),
    ("infection status", r"\b(?:vih|hiv|sida)\b|\bhepatit\w*|\bseropositi\w*"),
    # addiction and substances
    ("addiction", r"\baddict\w*|\bversla(?:v|af)\w*"),
    ("toxicomanie", r"\btoxicoman\w*|\b(?:ex[\s_-]?)?tox\b"),
    ("alcoholism", r"\balcooli(?:sme|ques?)\b|\balcoholi(?:sm|cs?)\b|\balcoholis(?:me|ten?)\b"),
    ("substance", r"\b(?:cocaine|heroine?|crack|methadone?|opiaces?|opioides?|opioids?|opiates?|opiaten)\b"),
    (
        "drug use",
        r"\b(?:usage|usagers?|consommation|consommateurs?)\s+de\s+drogues?\b|\bdrugs?\s+(?:use|users?|abuse)\b"
        r"|\bdrugs?[\s_-]*(?:gebruik|verslav)\w*",
    ),
    ("abstinence/withdrawal", r"\babstinen\w*|\bsevrage\b|\bontwenning\w*"),
    ("rechute/relapse", r"\brechut\w*|\brelaps\w*|\bherval\w*|\bterugval\w*"),
    (
        "recovery duration",
        r"\b(?:retabli|stabilise)e?s?\s+depuis\b|\b(?:recovered|stable|clean|sober)\s+(?:for|since)\b"
        r"|\b(?:hersteld|stabiel|clean|nuchter)\s+sinds\b",
    ),
    # housing, justice, sex work, poverty
    ("sans-abri/homeless", r"\bsans[\s_-]*abri\w*|\bhomeless\w*|\bsdf\b|\b(?:dak|thuis)[\s_-]*lo(?:os|z)\w*"),
    (
        "prison",
        r"\bprisons?\b|\bprisonni\w*|\bemprisonn\w*|\bincarcer\w*|\bex[\s_-]?detenue?s?\b"
        r"|\bgevangen\w*|\bgedetineerd\w*|\bdetentie\w*",
    ),
    ("criminal record", r"\bcasier\s+judiciaire\b|\bcriminal\s+record\b|\bstrafblad\w*"),
    ("prostitution", r"\bprostitu\w*|\btravail\s+du\s+sexe\b|\bsex[\s_-]+work\w*|\bsekswerk\w*"),
    ("précarité/poverty", r"\bprecarit\w*|\bpauvrete\b|\bpoverty\b|\barmoede\w*|\bbestaansonzeker\w*"),
    # migration status (not the field: see above)
    (
        "migration status",
        r"\bparcours\s+migratoires?\b|\b(?:im)?migrante?s?\b|\bimmigre(?:e|s|es)?\b|\bsans[\s_-]*papiers?\b"
        r"|\bdemandeu(?:r|se|rs|ses)\s+d.asile\b|\brefugie(?:e|s|es)?\b|\bexile(?:e|s|es)?\b"
        r"|\bundocumented\b|\basylum[\s_-]+seekers?\b|\brefugees?\b"
        r"|\b(?:im)?migranten\b|\bvluchteling\w*|\basielzoek\w*|\bzonder[\s_-]+(?:papieren|wettig[\s_-]+verblijf)\b",
    ),
)
_LIFE_HISTORY_RES = tuple((label, re.compile(pattern)) for label, pattern in _LIFE_HISTORY_PATTERNS)

#: Values that are opaque by construction (hashes, salts, keys, signatures, bitstrings): never scanned.
_OPAQUE_KEYS = frozenset({"salt", "encodedList", "proofValue", "publicKeyPem", "publicKeyMultibase", "jws"})


def _normalise(text: str) -> str:
    """Lower case, accents stripped (NFKD), typographic apostrophes and hyphens made ASCII."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.translate(str.maketrans({"’": "'", "‘": "'", "‐": "-", "‑": "-", "–": "-", "—": "-"}))


def _strings(doc: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(doc, str):
        yield path or "$", doc
    elif isinstance(doc, Mapping):
        for key, value in doc.items():
            if key == "@context" or key in _OPAQUE_KEYS:
                continue
            if key == "identityHash" and isinstance(value, str) and value.startswith(("sha256$", "md5$")):
                continue
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(doc, Sequence) and not isinstance(doc, bytes | bytearray):
        for i, value in enumerate(doc):
            yield from _strings(value, f"{path}[{i}]")


@functools.lru_cache(maxsize=8192)
def _text_findings(text: str) -> tuple[tuple[str, str], ...]:
    """``(term label, matched text)`` for one string. Memoised: the texts of an achievement and of its issuer come
    back in every badge issued, so issuing a thousand badges scans them once, and only each badge's own text
    (its name, ids and dates) is new."""
    normalised = _normalise(text)
    found = []
    for label, regex in _LIFE_HISTORY_RES:
        match = regex.search(normalised)
        if match:
            found.append((label, match.group(0)))
    return tuple(found)


def life_history_findings(doc: Any) -> list[tuple[str, str, str]]:
    """Every ``(field path, term label, matched text)`` of :func:`assert_no_life_history`, without raising."""
    return [(path, label, matched) for path, value in _strings(doc) for label, matched in _text_findings(value)]


def assert_no_life_history(doc: Any) -> None:
    """Refuse to publish a document whose text names a health condition, a substance, a life event or a
    lived-experience domain (shared/domain.md §4). Scans every string value of ``doc`` (nested dicts and lists,
    ``@context`` and opaque hashes, salts, keys and bitstrings excepted) against a French/English deny-list
    (rationale and deliberate omissions above :data:`_LIFE_HISTORY_PATTERNS`). Raises ValueError naming the
    field, e.g. ``credentialSubject.achievement.description``. The issuer calls it before publishing."""
    findings = life_history_findings(doc)
    if findings:
        details = "; ".join(f"{path}: {label} ({matched!r})" for path, label, matched in findings)
        raise ValueError(f"badge data must attest skills only, never a life history — {details}")
