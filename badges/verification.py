"""Verify an Open Badge for an employer: a verdict with every check spelled out. Pure: no Flask, no database.

What it verifies, offline when the badge allows it:

* OB 3.0 credentials with an embedded Data Integrity proof (``eddsa-rdfc-2022``) or signed as a VC-JWT, issued by a
  ``did:key`` or a ``did:jwk`` (resolved here, offline) or by any identifier whose keys the caller's ``Resolver``
  can look up (``did:web``, https key ids);
* OB 2.0 assertions, signed (compact JWS, RS256) or hosted;
* presented as JSON, as a compact JWS/VC-JWT, as a baked PNG or SVG image (``badges.baking``), or as a link.

The network and the database belong to the caller: everything that has to be fetched (a status list, a DID's key,
an OB 2.0 badge class, issuer profile, key or hosted assertion) goes through the ``Resolver`` it passes in. Every
document that comes back is checked like the input (size, depth, JSON types) before it is used.

Checks, in the order of ``Verdict.checks``:

``format``           the input is a badge we can read (and, for an image, which payload it carried);
``signature``        the content is exactly what was signed (OB 2.0 hosted: what the issuer's server serves);
``issuer-key``       the key belongs to the issuer (OB 3.0: the verification method's controller is the issuer id;
                     OB 2.0 signed: the key document's ``owner`` is the issuer and the issuer's profile lists the key;
                     OB 2.0 hosted: the assertion lives on the issuer's web site);
``status``           not revoked or suspended (OB 3.0 BitstringStatusList, whose own proof must verify and whose
                     issuer must be the credential's; OB 2.0: the issuer's RevocationList, HTTP 410, ``revoked``);
``validity-period``  ``validFrom``/``issuedOn`` not in the future, ``validUntil``/``expires`` not past;
``schema``           OB 3.0 only: the official 1EdTech AchievementCredential JSON Schema (bundled, see below);
``recipient``        only when an email address is given: it matches a (salted) email identity of the recipient.

A claimed status is never trusted (``"revoked": false`` in a document means nothing; a status that cannot be
checked fails). Nothing from a document that is not the issuer's word is shown: ``Verdict.credential`` and
``Verdict.summary`` are ``None`` unless both ``signature`` and ``issuer-key`` passed, and the checks that need a
trustworthy content (``status``, ``validity-period``, ``recipient``) are skipped when the signature failed.

Who the issuer is remains the caller's question: a ``did:key``, a ``did:jwk`` or an OB 2.0 web site proves that
the badge was issued by *that* identifier, and the issuer's ``name`` is whatever that issuer wrote. To say "issued
by Tremplin", compare ``summary["issuer_id"]`` with the platform's own identifiers (every did:key, active or
retired, its did:web, its OB 2.0 profile URL).

Messages are English msgids marked with ``N_`` (extracted by ``scripts/i18n.py``); the view translates them with
``gettext(message) % params``. ``params`` always holds strings (or ``None``); a ``detail`` param, when present, is
a technical explanation in English, not meant for translation.

JSON Schemas: ``badges/schemas/ob3/*.json`` are the official 1EdTech OB 3.0 schemas, copied unmodified from
``1EdTech/openbadges-specification`` branch ``gh-pages``, folder ``docs/schema/``, commit ``c73e9663`` (2024-07-30);
see ``shared/schemas/ob3/README.md`` for their sha256. Their ``$id`` ends in ``-jsonschema1.json``; credentials cite
``openbadges.OB3_SCHEMA_URL``, registered here as an alias of the AchievementCredential schema.

Hostile input never raises: anything malformed ends as a failed check. Costs are bounded: input size
(``MAX_INPUT_BYTES``), JSON depth and size, number of proofs, status entries and fetches, length of key and
signature strings (base58 decoding is quadratic), and JSON-LD shapes that make RDF canonicalisation explode
(labelled blank nodes, look-alike blank siblings).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import itertools
import json
import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from badges import baking, jsonld, signing
from badges import openbadges as ob

__all__ = [
    "CHECK_CODES",
    "FORMATS",
    "MAX_INPUT_BYTES",
    "SCHEMAS_DIR",
    "Check",
    "Presented",
    "Resolver",
    "UnreadableInput",
    "Verdict",
    "parse_input",
    "verify",
]

log = logging.getLogger(__name__)

SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas" / "ob3"
ACHIEVEMENT_CREDENTIAL_SCHEMA = "achievementcredential.json"

MAX_INPUT_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 32  # JSON nesting; a real credential needs 6
MAX_JSON_UNITS = 2 * MAX_INPUT_BYTES  # nodes + characters of any JSON value we accept (input or fetched)
MAX_BLANK_NODES = 100  # objects without an id (RDF blank nodes) in an OB 3.0 document; a credential has ~10
MAX_PROOFS = 4
MAX_STATUS_ENTRIES = 4
MAX_FETCHES = 12  # resolver calls per verification
MAX_URL_LENGTH = 2048
MAX_METHOD_LENGTH = 2048
MAX_PROOF_VALUE_LENGTH = 256  # an Ed25519 signature is 88 base58 characters
MAX_RSA_BITS = 8192
MAX_DETAIL_LENGTH = 300
MAX_SCHEMA_ERRORS = 3

CHECK_CODES = ("format", "signature", "issuer-key", "status", "validity-period", "schema", "recipient")
FORMATS = ("ob3-data-integrity", "ob3-vc-jwt", "ob2-signed", "ob2-hosted", "unknown")
Outcome = Literal["passed", "failed", "skipped"]

VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
OB3_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})
OB2_HOSTED = frozenset({"hosted", "HostedBadge"})
OB2_SIGNED = frozenset({"signed", "SignedBadge"})
_JWS_RE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_DID_JWK_RE = re.compile(r"^did:jwk:([A-Za-z0-9_-]{1,1024})(?:#0)?$")
_SURROGATE = re.compile("[\ud800-\udfff]")
_DIGITS = re.compile(r"^[0-9]{1,12}$")
_JSON_SPACE = " \t\r\n\ufeff"
_JWT_CLAIMS = frozenset({"iss", "sub", "jti", "nbf", "exp", "iat", "aud"})  # what VC-JWT adds to the credential


def N_(message: str) -> str:
    """Mark a message for extraction (``pybabel extract -k N_``) without translating it now."""
    return message


# ------------------------------------------------------------------------------------------------------ messages

FORMAT_MESSAGES = {
    ("ob3-data-integrity", False): N_("An Open Badges 3.0 credential with an embedded proof."),
    ("ob3-data-integrity", True): N_(
        "An Open Badges 3.0 credential with an embedded proof, baked in a %(image)s image."
    ),
    ("ob3-vc-jwt", False): N_("An Open Badges 3.0 credential signed as a JWT."),
    ("ob3-vc-jwt", True): N_("An Open Badges 3.0 credential signed as a JWT, baked in a %(image)s image."),
    ("ob2-signed", False): N_("A signed Open Badges 2.0 badge."),
    ("ob2-signed", True): N_("A signed Open Badges 2.0 badge, baked in a %(image)s image."),
    ("ob2-hosted", False): N_("An Open Badges 2.0 badge hosted by its issuer."),
    ("ob2-hosted", True): N_("An Open Badges 2.0 badge hosted by its issuer, baked in a %(image)s image."),
}
MSG_LINK = N_("A web address: the badge is read from it.")
MSG_EMPTY = N_("Nothing was provided.")
MSG_TOO_LARGE = N_("The file is too large (more than %(limit)s MB).")
MSG_UNKNOWN_INPUT = N_(
    "This is neither a badge image (PNG or SVG), a badge file (JSON), a signed badge (JWT) nor a web address."
)
MSG_NOT_BAKED = N_("This image carries no badge.")
MSG_BAD_IMAGE = N_("This image is damaged, or is not a PNG or SVG image.")
MSG_BAD_JSON = N_("The badge file is not valid JSON.")
MSG_UNSAFE_JSON = N_("The badge file contains ambiguous or unsafe data (duplicate keys, deep nesting, invalid text).")
MSG_NOT_A_BADGE = N_("This document is not an Open Badge.")
MSG_NOT_A_BADGE_VC = N_("This is a verifiable credential, but not an Open Badge.")
MSG_BAD_JWT = N_("The signed badge (JWT) cannot be read.")
MSG_BAD_PAYLOAD = N_("The image carries badge data that cannot be read.")
MSG_LINK_NOT_BADGE = N_("The web address does not lead to an Open Badge.")
MSG_OB2_NO_VERIFICATION = N_("This Open Badges 2.0 badge does not say how to verify it.")
MSG_UNEXPECTED = N_("The badge could not be checked because of an unexpected error.")

MSG_SIGNATURE_OK = N_("The signature matches the content.")
MSG_NO_SIGNATURE = N_("The badge carries no signature.")
MSG_SIGNATURE_BAD = N_(
    "The signature does not match: the badge was changed after it was signed, or was not signed with this key."
)
MSG_SIGNATURE_UNCOVERED = N_("The badge contains data that its signature does not cover.")
MSG_KEY_NOT_FOUND = N_("The key that signed the badge could not be found.")
MSG_TOO_MANY_PROOFS = N_("The badge carries more signatures than can be checked.")
MSG_UNSAFE_SHAPE = N_("The badge is built in a way that cannot be verified safely.")
MSG_JWT_CLAIMS = N_("The signed badge's registered claims contradict its content.")
MSG_OB2_SIGNED_AS_JSON = N_(
    "This Open Badges 2.0 badge is signed: check the signed badge itself (its image or its JWS), not its JSON."
)
MSG_OB2_NO_CREATOR = N_("The signed badge does not say which key signed it.")
MSG_HOSTED_OK = N_("The issuer's server serves this badge, identical to the copy presented.")
MSG_HOSTED_FETCH = N_("The badge could not be fetched from its issuer's server (%(url)s).")
MSG_HOSTED_DIFFERS = N_("The badge presented differs from the one its issuer's server serves.")
MSG_HOSTED_OTHER_ID = N_("The badge served at %(url)s carries another address.")
MSG_HOSTED_NOT_HOSTED = N_("The badge served by the issuer's server is not a hosted badge.")
MSG_HOSTED_GONE = N_("Not checked: the issuer's server no longer serves this badge.")

MSG_KEY_ISSUER_OK = N_("The signing key belongs to the issuer (%(issuer)s).")
MSG_KEY_ISSUER_BAD = N_("The signing key does not belong to the issuer (%(issuer)s).")
MSG_OB2_KEY_OK = N_("The signing key is published by the issuer (%(issuer)s).")
MSG_OB2_KEY_BAD = N_("The signing key is not published by the issuer (%(issuer)s).")
MSG_OB2_HOST_OK = N_("The badge is served by its issuer's web site (%(issuer)s).")
MSG_OB2_HOST_BAD = N_("The badge is not served by its issuer's web site (%(issuer)s).")
MSG_BADGE_CLASS_MISSING = N_("The badge's description (BadgeClass) could not be fetched.")
MSG_ISSUER_PROFILE_MISSING = N_("The issuer's profile could not be fetched.")

MSG_STATUS_OK = N_("The issuer has not revoked this badge.")
MSG_REVOKED = N_("The issuer has revoked this badge.")
MSG_SUSPENDED = N_("The issuer has suspended this badge.")
MSG_NO_STATUS = N_("The badge has no revocation status to check.")
MSG_OB2_NO_REVOCATION_LIST = N_("The issuer publishes no revocation list for this badge.")
MSG_STATUS_FETCH = N_("The revocation status could not be checked: the issuer's list could not be fetched.")
MSG_STATUS_INVALID = N_("The revocation status could not be checked: the issuer's list is not valid.")
MSG_STATUS_NOT_ISSUER = N_("The revocation status could not be checked: the list is not signed by the issuer.")
MSG_STATUS_UNSUPPORTED = N_("The revocation status could not be checked: unsupported method (%(type)s).")

MSG_VALID_OPEN = N_("The badge is valid from %(valid_from)s, with no end date.")
MSG_VALID_UNTIL = N_("The badge is valid from %(valid_from)s until %(valid_until)s.")
MSG_NOT_YET_VALID = N_("The badge is not valid before %(date)s.")
MSG_EXPIRED = N_("The badge expired on %(date)s.")
MSG_BAD_DATES = N_("The badge's dates cannot be read.")

MSG_SCHEMA_OK = N_("The badge follows the official Open Badges 3.0 schema.")
MSG_SCHEMA_BAD = N_("The badge does not follow the official Open Badges 3.0 schema (%(paths)s).")
MSG_SCHEMA_OB2 = N_("Open Badges 2.0 badges have no official schema to check.")
MSG_SCHEMA_MISSING = N_("The official Open Badges 3.0 schema could not be loaded.")

MSG_RECIPIENT_OK = N_("The badge was issued to this email address.")
MSG_RECIPIENT_BAD = N_("The badge was not issued to this email address.")
MSG_RECIPIENT_NONE = N_("The badge does not identify its recipient by email address.")

MSG_SKIPPED_UNVERIFIED = N_("Not checked, because the badge's signature could not be verified.")
MSG_SKIPPED_ISSUER = N_("Not checked, because the signing key could not be tied to the issuer.")


# ------------------------------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class Check:
    """One check of a verification. ``message`` is an English msgid (``N_``); ``params`` fill its ``%(name)s``."""

    code: str
    outcome: Outcome
    message: str
    params: Mapping[str, str | None] = field(default_factory=dict)

    def to_json(self, translate: Callable[[str], str] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "outcome": self.outcome,
            "message": self.message,
            "params": dict(self.params),
        }
        if translate is not None:
            out["text"] = translate(self.message) % dict(self.params)
        return out


@dataclass(frozen=True)
class Verdict:
    """The result of ``verify``.

    ``valid``: the signature passed and every check passed or was skipped. ``credential`` is the verified document
    (OB 3.0 credential, OB 2.0 assertion) and ``summary`` what it says, for display (both ``None`` unless the
    signature passed). Summary keys: ``issuer_name``, ``issuer_id``, ``achievement_name``,
    ``achievement_description``, ``criteria``, ``achievement_id``, ``image``, ``issued_on``, ``valid_until``,
    ``recipient_name`` (only a plaintext name identifier), ``revoked``, ``revocation_reason``, ``expired``,
    ``credential_id``. Dates are ISO 8601 UTC strings (``2026-02-11T17:30:05Z``); ``image`` is only an http(s)
    or ``data:image/`` URL.
    """

    valid: bool
    format: str
    checks: tuple[Check, ...]
    credential: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None

    def check(self, code: str) -> Check | None:
        """The check with this code, if it was run."""
        return next((check for check in self.checks if check.code == code), None)

    def to_json(self, translate: Callable[[str], str] | None = None) -> dict[str, Any]:
        """Stable JSON (``POST /api/v1/verify``); with ``translate`` (e.g. ``gettext``), each check gets a ``text``."""
        return {
            "valid": self.valid,
            "format": self.format,
            "checks": [check.to_json(translate) for check in self.checks],
            "summary": self.summary,
            "credential": self.credential,
        }


class Resolver(Protocol):
    """What the caller fetches for the verifier (network, cache or database). Never raise: return ``None``
    (an exception is caught and counts as "not found"). Documents are parsed JSON (dict), at most a few MB.

    SSRF is the caller's business: these URLs come from untrusted badges.
    """

    def document(self, url: str) -> tuple[int, dict[str, Any] | None]:
        """``(HTTP status, JSON object or None)`` of an http(s) URL: an OB 2.0 assertion, badge class, issuer
        profile, CryptographicKey or RevocationList, or an OB 3.0 credential given as a link. ``(0, None)`` when
        unreachable. A 410 body must be returned too (a revoked hosted assertion)."""
        ...

    def status_list(self, url: str) -> dict[str, Any] | None:
        """The BitstringStatusListCredential (JSON, embedded proof) at ``url``, or ``None``."""
        ...

    def ed25519_key(self, verification_method: str) -> Ed25519PublicKey | None:
        """The Ed25519 key of a verification method that is not a did:key/did:jwk (e.g. ``did:web:host#key-1``),
        or ``None``. Return a key only when the DID document of the DID before ``#`` lists the method (with that
        DID as controller) for ``assertionMethod``: the verifier checks that this DID is the issuer."""
        ...


class UnreadableInput(ValueError):
    """The input is not something ``verify`` can read. ``message`` is an ``N_`` msgid, ``params`` its values."""

    def __init__(self, message: str, params: Mapping[str, str | None] | None = None, detail: str | None = None):
        super().__init__(detail or message)
        self.message = message
        self.params: dict[str, str | None] = dict(params or {})
        if detail:
            self.params["detail"] = _clip(detail)


@dataclass(frozen=True)
class Presented:
    """What ``parse_input`` found: ``form`` ``json`` (``value`` a dict), ``jws`` (a compact JWS / VC-JWT) or
    ``url``; ``image`` ``png``/``svg`` when it was baked in one, ``baked_kind`` ``ob2``/``ob3`` (its keyword)."""

    form: Literal["json", "jws", "url"]
    value: Any
    image: Literal["png", "svg"] | None = None
    baked_kind: Literal["ob2", "ob3"] | None = None


# ------------------------------------------------------------------------------------------------------ JSON hygiene


class _Unsafe(ValueError):
    pass


def _clip(text: str) -> str:
    return text if len(text) <= MAX_DETAIL_LENGTH else text[: MAX_DETAIL_LENGTH - 1] + "…"


def _check_tree(value: Any) -> None:
    """Refuse what JSON cannot carry or what costs too much: depth, size, non-finite numbers, lone surrogates."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    units = 0
    while stack:
        item, depth = stack.pop()
        units += 1
        if depth > MAX_DEPTH:
            raise _Unsafe(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            units += len(item)
            if _SURROGATE.search(item):
                raise _Unsafe("text with an invalid character (lone surrogate)")
        elif isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str) or _SURROGATE.search(key):
                    raise _Unsafe("invalid object key")
                units += len(key)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise _Unsafe("non-finite number")
        elif not (item is None or isinstance(item, bool | int)):
            raise _Unsafe(f"not a JSON value: {type(item).__name__}")
        if units > MAX_JSON_UNITS:
            raise _Unsafe("JSON value too large")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Unsafe(f"duplicate key {key[:40]!r}")
        out[key] = value
    return out


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _Unsafe("number out of range")
    return number


def _refuse_constant(name: str) -> Any:
    raise _Unsafe(f"{name} is not JSON")


def _load_json(text: str | bytes) -> Any:
    """Strict JSON: no duplicate keys, NaN/Infinity or huge numbers; bounded depth and size. Raises ValueError
    (``_Unsafe`` for valid-but-refused JSON)."""
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_float=_finite, parse_constant=_refuse_constant)
    except RecursionError:
        raise _Unsafe("nested too deeply") from None
    _check_tree(value)
    return value


def _sanitised(value: Any) -> Any:
    """A document from the resolver, if it is plain, bounded JSON; else ``None``."""
    try:
        _check_tree(value)
    except _Unsafe:
        return None
    return value


# ------------------------------------------------------------------------------------------------------ small helpers


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > MAX_URL_LENGTH or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _origin(url: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, f"{host}:{port or default}"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _types(doc: Mapping[str, Any]) -> set[str]:
    return {t for t in _as_list(doc.get("type")) if isinstance(t, str)}


def _id_of(value: Any) -> str | None:
    """A node's id: the string itself, or the ``id`` of an object."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _parse_date(value: Any) -> datetime | None:
    """An aware datetime from an ISO 8601 string (naive means UTC) or, for OB 2.0, a Unix timestamp."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not 0 <= value <= 253402300799:
            return None
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None


def _image_url(value: Any) -> str | None:
    url = _id_of(value)
    if url is None:
        return None
    if _is_http_url(url) or (url.startswith("data:image/") and len(url) <= MAX_INPUT_BYTES):
        return url
    return None


def _b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("invalid base64url") from exc


def _did_jwk_key(did_url: str) -> Ed25519PublicKey:
    """The Ed25519 key a ``did:jwk`` encodes (its only verification method is ``#0``), offline."""
    match = _DID_JWK_RE.match(did_url) if isinstance(did_url, str) else None
    if not match:
        raise signing.SigningError("not a did:jwk identifier (or not its #0 verification method)")
    try:
        jwk = _load_json(_b64url_decode(match.group(1)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise signing.SigningError("the did:jwk does not encode a JSON JWK") from exc
    if not isinstance(jwk, dict):
        raise signing.SigningError("the did:jwk does not encode a JSON JWK")
    return signing.ed25519_from_jwk(jwk)


def _did_of(method: str) -> str:
    return method.split("#", 1)[0]


# ------------------------------------------------------------------------------------------------------ input


def _size_checked(data: Any) -> bytes | str:
    if isinstance(data, bytearray | memoryview):
        data = bytes(data)
    if not isinstance(data, bytes | str):
        raise UnreadableInput(MSG_UNKNOWN_INPUT, detail=f"unsupported input type {type(data).__name__}")
    limit = {"limit": str(MAX_INPUT_BYTES // (1024 * 1024))}
    if len(data) > MAX_INPUT_BYTES:
        raise UnreadableInput(MSG_TOO_LARGE, limit)
    if isinstance(data, str):
        try:
            if len(data.encode("utf-8")) > MAX_INPUT_BYTES:
                raise UnreadableInput(MSG_TOO_LARGE, limit)
        except UnicodeEncodeError:
            raise UnreadableInput(MSG_UNKNOWN_INPUT, detail="text with lone surrogates") from None
    return data


def _parse_json_object(text: str | bytes, not_object: str = MSG_NOT_A_BADGE) -> dict[str, Any]:
    try:
        value = _load_json(text)
    except _Unsafe as exc:
        raise UnreadableInput(MSG_UNSAFE_JSON, detail=str(exc)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnreadableInput(MSG_BAD_JSON, detail=str(exc)) from None
    if not isinstance(value, dict):
        raise UnreadableInput(not_object, detail=f"a JSON {type(value).__name__}, not an object")
    return value


def _from_text(text: str, image: Literal["png", "svg"] | None, kind: Literal["ob2", "ob3"] | None) -> Presented:
    head = text.strip(_JSON_SPACE)
    if not head:
        raise UnreadableInput(MSG_EMPTY if image is None else MSG_BAD_PAYLOAD)
    if head.startswith(("{", "[")):
        return Presented("json", _parse_json_object(head), image, kind)
    if head.startswith(("http://", "https://")):
        if not _is_http_url(head):
            raise UnreadableInput(MSG_UNKNOWN_INPUT if image is None else MSG_BAD_PAYLOAD, detail="invalid URL")
        return Presented("url", head, image, kind)
    if _JWS_RE.match(head):
        return Presented("jws", head, image, kind)
    raise UnreadableInput(MSG_UNKNOWN_INPUT if image is None else MSG_BAD_PAYLOAD)


def _from_image(data: bytes | str) -> Presented:
    try:
        if isinstance(data, str):
            found = baking.extract_svg(data)
            if not found:
                raise baking.NotBaked("this SVG carries no Open Badges data")
            baked = baking.Baked(found["kind"], "svg", found["payload"], found["verify"])  # type: ignore[arg-type]
        else:
            baked = baking.extract(data)
    except baking.NotBaked:
        raise UnreadableInput(MSG_NOT_BAKED) from None
    except (baking.BakingError, RecursionError, ValueError) as exc:
        raise UnreadableInput(MSG_BAD_IMAGE, detail=str(exc)) from None
    return _from_text(baked.payload, baked.format, baked.kind)


def parse_input(data: bytes | str) -> Presented:
    """Recognise what was presented: a credential or assertion as JSON, a compact JWS (OB 3.0 VC-JWT or OB 2.0
    signed assertion), a baked PNG or SVG (``badges.baking``) or an http(s) URL. Raises ``UnreadableInput`` (a
    ValueError with an ``N_`` message) for anything else, for more than ``MAX_INPUT_BYTES``, and for JSON that is
    ambiguous (duplicate keys) or costly (deeper than ``MAX_DEPTH``)."""
    data = _size_checked(data)
    if isinstance(data, bytes):
        if data.startswith(baking.PNG_SIGNATURE) or data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return _from_image(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            if data.lstrip(b" \t\r\n\xef\xbb\xbf").startswith(b"<"):
                return _from_image(data)  # an SVG in another declared encoding
            raise UnreadableInput(MSG_UNKNOWN_INPUT, detail="binary data that is not a PNG") from None
        if text.lstrip(_JSON_SPACE).startswith("<"):
            return _from_image(data)
        return _from_text(text, None, None)
    if data.lstrip(_JSON_SPACE).startswith("<"):
        return _from_image(data)
    return _from_text(data, None, None)


def _kind_of(doc: Mapping[str, Any]) -> Literal["ob3", "vc", "ob2"] | None:
    contexts = _as_list(doc.get("@context"))
    if ob.VC2_CONTEXT in contexts or VC1_CONTEXT in contexts or "credentialSubject" in doc:
        return "ob3" if _types(doc) & OB3_TYPES else "vc"
    if ob.OB2_CONTEXT in contexts or "Assertion" in _types(doc) or ("badge" in doc and "recipient" in doc):
        return "ob2"
    return None


def _jws_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a compact JWS, unverified (for routing only)."""
    header_segment, payload_segment, _ = token.split(".")
    try:
        header = _load_json(_b64url_decode(header_segment))
        payload = _load_json(_b64url_decode(payload_segment))
    except _Unsafe as exc:
        raise UnreadableInput(MSG_UNSAFE_JSON, detail=str(exc)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnreadableInput(MSG_BAD_JWT, detail=str(exc)) from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise UnreadableInput(MSG_BAD_JWT, detail="header and payload must be JSON objects")
    return header, payload


# ------------------------------------------------------------------------------------------------------ JSON-LD cost


def _shape(value: Any, depth: int) -> Any:
    """What RDF canonicalisation sees of an expanded value down to ``depth`` blank-node levels (sets sorted)."""
    if isinstance(value, list):
        return sorted((_shape(item, depth) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    if not isinstance(value, dict) or "@value" in value:
        return value
    if isinstance(value.get("@id"), str):
        return {"@id": value["@id"]}
    if depth == 0:
        return "_:"
    return {key: _shape(item, depth - 1) for key, item in value.items()}


def _blank_node_hazard(doc: Mapping[str, Any]) -> str | None:
    """Why RDF canonicalisation of ``doc`` could take exponential time, or ``None``.

    URDNA2015 (pyld has no work limit) permutes blank nodes whose hashes collide: labelled blank nodes (``_:b0``,
    which allow cycles) and look-alike blank siblings (same subject and property, identical for two levels) make
    it explode — a 127-node tree of look-alikes takes seconds, 255 nodes a minute. Genuine credentials have
    neither: their blank nodes (criteria, identifiers, alignments...) differ by their own values. Checked on the
    expanded form, so that aliases and IRIs used as keys cannot hide a repeated property.
    """
    try:
        expanded = jsonld.expand(doc)
    except jsonld.JsonLdError:
        return None  # not processable at all: the proof check says so
    blank = 0
    groups: list[list[Any]] = [expanded]
    stack: list[Any] = [expanded]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict) or "@value" in item:
            continue
        if "@reverse" in item:
            return "reverse properties are not accepted"
        identifier = item.get("@id")
        if isinstance(identifier, str) and identifier.startswith("_:"):
            return "blank node identifiers are not accepted"
        if identifier is None:
            blank += 1
        for key, value in item.items():
            if key in ("@id", "@type", "@index", "@language", "@direction"):
                continue
            if isinstance(value, list):
                groups.append(value)
                blank += len(value) if key == "@list" else 0
            stack.append(value)
        if blank > MAX_BLANK_NODES:
            return "too many objects without an id"
    for group in groups:
        seen: set[str] = set()
        for child in group:
            if isinstance(child, dict) and "@value" not in child and not isinstance(child.get("@id"), str):
                shape = json.dumps(_shape(child, 2), sort_keys=True)
                if shape in seen:
                    return "look-alike entries in one list"
                seen.add(shape)
    return None


# ------------------------------------------------------------------------------------------------------ memos

#: Verified proofs and schema checks, by document: the same document (a badge verified again and again, the status
#: list of a key while no badge is revoked) is not canonicalised or validated again in this process. Only results
#: that cannot change are kept: a proof that verified (with the public keys its methods resolved to, checked again
#: on every use; proofs with an expiry date are not kept) and a schema check (a function of the document alone).
_MEMO_SIZE = 1024
_PROOFS_VERIFIED: dict[bytes, tuple[tuple[str, bytes], ...]] = {}
_SCHEMA_CHECKED: dict[bytes, Check] = {}


def _fingerprint(doc: Any) -> bytes | None:
    """SHA-256 of the document as JSON with sorted keys (equal fingerprints: equal JSON values), or ``None``."""
    try:
        text = json.dumps(doc, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


def _remember(memo: dict, key: Any, value: Any) -> None:
    if len(memo) >= _MEMO_SIZE:
        memo.clear()
    memo[key] = value


# ------------------------------------------------------------------------------------------------------ schema


@functools.cache
def _schema_validator() -> Any:
    """The AchievementCredential validator over the bundled schemas (built once)."""
    from jsonschema import Draft201909Validator
    from referencing import Registry, Resource

    registry: Registry = Registry()
    main_id = None
    for path in sorted(SCHEMAS_DIR.glob("*.json")):
        resource = Resource.from_contents(json.loads(path.read_text(encoding="utf-8")))
        registry = registry.with_resource(resource.id(), resource)
        if path.name == ACHIEVEMENT_CREDENTIAL_SCHEMA:
            main_id = resource.id()
    if main_id is None:
        raise FileNotFoundError(SCHEMAS_DIR / ACHIEVEMENT_CREDENTIAL_SCHEMA)
    registry = registry.with_resource(ob.OB3_SCHEMA_URL, registry[main_id])
    return Draft201909Validator(registry[main_id].contents, registry=registry)


def _error_path(error: Any) -> str:
    parts = [str(step) for step in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        if missing:
            parts.append(str(missing[0]))
    dotted = ""
    for part in parts:
        dotted += f"[{part}]" if part.isdigit() else (f".{part}" if dotted else part)
    return dotted or "(root)"


def _schema_check(credential: dict[str, Any]) -> Check:
    try:
        validator = _schema_validator()
    except (OSError, ValueError) as exc:
        log.error("OB 3.0 JSON Schema unavailable: %s", exc)
        return Check("schema", "failed", MSG_SCHEMA_MISSING, {"detail": _clip(str(exc))})
    fingerprint = _fingerprint(credential)
    known = _SCHEMA_CHECKED.get(fingerprint) if fingerprint else None
    if known is not None:
        return known
    check = _validate_schema(validator, credential)
    if fingerprint:
        _remember(_SCHEMA_CHECKED, fingerprint, check)
    return check


def _validate_schema(validator: Any, credential: dict[str, Any]) -> Check:
    errors = list(itertools.islice(validator.iter_errors(credential), 50))
    if not errors:
        return Check("schema", "passed", MSG_SCHEMA_OK)
    errors.sort(key=lambda error: (_error_path(error), error.message))
    paths = list(dict.fromkeys(_error_path(error) for error in errors))[:MAX_SCHEMA_ERRORS]
    detail = "; ".join(f"{_error_path(error)}: {error.message}" for error in errors[:MAX_SCHEMA_ERRORS])
    return Check("schema", "failed", MSG_SCHEMA_BAD, {"paths": ", ".join(paths), "detail": _clip(detail)})


# ------------------------------------------------------------------------------------------------------ recipient


def _identity_matches(email: str, identity: Any, hashed: Any, salt: Any) -> bool:
    """Whether ``email`` is behind an IdentityHash (``sha256$…``/``md5$…``, salted or not) or a plaintext identity.

    Tremplin hashes the lower-case address (``openbadges.hashed_email``); other issuers hash it as typed: both
    are tried.
    """
    if not isinstance(identity, str) or len(identity) > 512:
        return False
    email = email.strip()
    if hashed is False:
        return hmac.compare_digest(identity.strip().lower().encode(), email.lower().encode())
    salt = salt if isinstance(salt, str) else ""
    algorithm, _, digest = identity.partition("$")
    algorithm = algorithm.lower()
    if algorithm not in ("sha256", "md5") or not digest:
        return False
    if not identity.isascii():
        return False  # a hex digest is ASCII (and openbadges.email_matches raises TypeError otherwise)
    if algorithm == "sha256" and salt and ob.email_matches(email, identity, salt):
        return True
    for candidate in dict.fromkeys((email, email.lower())):
        data = (candidate + salt).encode("utf-8")
        computed = (
            hashlib.sha256(data).hexdigest()
            if algorithm == "sha256"
            else hashlib.md5(data, usedforsecurity=False).hexdigest()
        )
        if hmac.compare_digest(computed.encode(), digest.lower().encode()):
            return True
    return False


def _recipient_check(email: str, identities: list[tuple[Any, Any, Any]]) -> Check:
    if not identities:
        return Check("recipient", "failed", MSG_RECIPIENT_NONE)
    try:
        matched = any(_identity_matches(email, identity, hashed, salt) for identity, hashed, salt in identities)
    except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
        matched = False
    return Check("recipient", "passed" if matched else "failed", MSG_RECIPIENT_OK if matched else MSG_RECIPIENT_BAD)


def _ob3_email_identities(credential: Mapping[str, Any]) -> list[tuple[Any, Any, Any]]:
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        return []
    out = []
    for item in _as_list(subject.get("identifier"))[:16]:
        if isinstance(item, dict) and item.get("identityType") == "emailAddress":
            out.append((item.get("identityHash"), item.get("hashed"), item.get("salt")))
    return out


def _ob2_email_identities(assertion: Mapping[str, Any]) -> list[tuple[Any, Any, Any]]:
    recipient = assertion.get("recipient")
    if isinstance(recipient, dict) and recipient.get("type", "email") == "email":
        return [(recipient.get("identity"), recipient.get("hashed"), recipient.get("salt"))]
    return []


# ------------------------------------------------------------------------------------------------------ validity


def _validity_check(start: Any, end: Any, now: datetime, *, start_required: bool) -> tuple[Check, bool]:
    """(check, expired)."""
    valid_from = _parse_date(start) if start is not None else None
    valid_until = _parse_date(end) if end is not None else None
    if (
        (start is None and start_required)
        or (start is not None and valid_from is None)
        or (end is not None and valid_until is None)
    ):
        return Check("validity-period", "failed", MSG_BAD_DATES), False
    if valid_from is not None and valid_from > now:
        return Check("validity-period", "failed", MSG_NOT_YET_VALID, {"date": _iso(valid_from)}), False
    if valid_until is not None and valid_until <= now:
        return Check("validity-period", "failed", MSG_EXPIRED, {"date": _iso(valid_until)}), True
    params = {"valid_from": _iso(valid_from), "valid_until": _iso(valid_until)}
    return Check("validity-period", "passed", MSG_VALID_UNTIL if valid_until else MSG_VALID_OPEN, params), False


# ------------------------------------------------------------------------------------------------------ the run


@dataclass
class _Status:
    check: Check
    revoked: bool = False
    reason: str | None = None


class _Fetcher:
    """The resolver behind a budget, a memo and a firewall: nothing it returns is trusted as well-formed."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.calls = 0
        self.memo: dict[tuple[str, str], Any] = {}

    def _call(self, kind: str, arg: str, call: Callable[[], Any]) -> Any:
        if (kind, arg) in self.memo:
            return self.memo[(kind, arg)]
        self.calls += 1
        if self.calls > MAX_FETCHES:
            result = None
        else:
            try:
                result = call()
            except Exception:  # the caller's resolver failing means "not found"
                log.warning("badge verification: resolver.%s(%r) failed", kind, arg[:200], exc_info=True)
                result = None
        self.memo[(kind, arg)] = result
        return result

    def document(self, url: Any) -> tuple[int, dict[str, Any] | None]:
        if not _is_http_url(url):
            return 0, None
        answer = self._call("document", url, lambda: self.resolver.document(url))
        if not isinstance(answer, tuple) or len(answer) != 2:
            return 0, None
        status, doc = answer
        status = status if isinstance(status, int) and not isinstance(status, bool) else 0
        doc = _sanitised(doc) if isinstance(doc, dict) else None
        return status, doc

    def node(self, url: Any) -> dict[str, Any] | None:
        """An OB 2.0 node served with 200 at ``url`` whose ``id`` (when it has one) is ``url``."""
        status, doc = self.document(url)
        if status != 200 or doc is None or ("id" in doc and doc["id"] != url):
            return None
        return doc

    def status_list(self, url: str) -> dict[str, Any] | None:
        if not _is_http_url(url):
            return None
        doc = self._call("status_list", url, lambda: self.resolver.status_list(url))
        return _sanitised(doc) if isinstance(doc, dict) else None

    def ed25519_key(self, method: str) -> Ed25519PublicKey | None:
        key = self._call("ed25519_key", method, lambda: self.resolver.ed25519_key(method))
        return key if isinstance(key, Ed25519PublicKey) else None


@dataclass
class _Result:
    format: str
    format_check: Check
    signature: Check
    issuer_key: Check | None = None
    status: Check | None = None
    validity: Check | None = None
    schema: Check | None = None
    credential: dict[str, Any] | None = None
    summary: dict[str, Any] | None = None
    identities: list[tuple[Any, Any, Any]] = field(default_factory=list)


class _Verifier:
    def __init__(self, resolver: Resolver, now: datetime) -> None:
        self.fetch = _Fetcher(resolver)
        self.now = now
        self.unresolved: list[str] = []

    # ------------------------------------------------------------------ keys

    def key_for(self, method: str) -> Ed25519PublicKey:
        """An Ed25519 key for a verification method: did:key and did:jwk offline, anything else via the resolver."""
        if not isinstance(method, str) or len(method) > MAX_METHOD_LENGTH:
            raise signing.SigningError("unusable verification method")
        if method.startswith("did:key:"):
            return signing.resolve_did_key(method)
        if method.startswith("did:jwk:"):
            return _did_jwk_key(method)
        key = self.fetch.ed25519_key(method)
        if key is None:
            self.unresolved.append(method)
            raise signing.SigningError(f"no Ed25519 key found for {method[:200]!r}")
        return key

    def verify_data_integrity(self, doc: dict[str, Any]) -> list[str]:
        """``signing.verify_proof`` behind the cost guards; the problems, empty when valid."""
        proofs = _as_list(doc.get("proof"))
        for proof in proofs:
            if isinstance(proof, dict):
                value, method = proof.get("proofValue"), proof.get("verificationMethod")
                if isinstance(value, str) and len(value) > MAX_PROOF_VALUE_LENGTH:
                    return ["proofValue too long for an Ed25519 signature"]
                if isinstance(method, str) and len(method) > MAX_METHOD_LENGTH:
                    return ["verificationMethod too long"]
        fingerprint = _fingerprint(doc)
        known = _PROOFS_VERIFIED.get(fingerprint) if fingerprint else None
        if known is not None and self._same_keys(known):
            return []  # this very document verified before, with the keys its methods resolve to now
        unsigned = {key: value for key, value in doc.items() if key != "proof"}
        configs = [{**proof, "@context": doc.get("@context")} for proof in proofs if isinstance(proof, dict)]
        for part in (unsigned, *configs):
            hazard = _blank_node_hazard(part)
            if hazard:
                return [f"unsafe JSON-LD: {hazard}"]
        used: list[tuple[str, bytes]] = []

        def key_for(method: str) -> Ed25519PublicKey:
            key = self.key_for(method)
            used.append((method, key.public_bytes(Encoding.Raw, PublicFormat.Raw)))
            return key

        problems = signing.verify_proof(doc, key_for, now=self.now)
        expiring = any(isinstance(proof, dict) and "expires" in proof for proof in proofs)
        if fingerprint and not problems and not expiring:
            _remember(_PROOFS_VERIFIED, fingerprint, tuple(used))
        return problems

    def _same_keys(self, used: tuple[tuple[str, bytes], ...]) -> bool:
        for method, raw in used:
            try:
                key = self.key_for(method)
            except signing.SigningError:
                return False
            if key.public_bytes(Encoding.Raw, PublicFormat.Raw) != raw:
                return False
        return True

    # ------------------------------------------------------------------ OB 3.0

    def ob3(self, presented: Presented, fmt: str, doc: dict[str, Any], token: str | None) -> _Result:
        """``doc``: the credential (Data Integrity) or the unverified JWT payload (VC-JWT, ``token`` given)."""
        self.unresolved = []
        if token is not None:
            credential, signature, methods = self._vc_jwt(token)
            presented_doc = credential or {k: v for k, v in doc.items() if k not in _JWT_CLAIMS}
        else:
            credential, signature, methods = self._di(doc)
            presented_doc = doc
        issuer_id = _id_of(presented_doc.get("issuer"))
        result = _Result(fmt, _format_check(fmt, presented), signature)
        issuer_key = self._ob3_issuer_key(issuer_id, methods)
        if signature.outcome == "passed" or issuer_key.outcome == "failed":
            result.issuer_key = issuer_key
        result.schema = _schema_check(presented_doc)
        if credential is None or signature.outcome != "passed":
            return result
        result.credential = credential
        result.identities = _ob3_email_identities(credential)
        result.validity, expired = _validity_check(
            credential.get("validFrom"), credential.get("validUntil"), self.now, start_required=False
        )
        status = (
            self._ob3_status(credential, issuer_id)
            if issuer_key.outcome == "passed"
            else _Status(Check("status", "skipped", MSG_SKIPPED_ISSUER))
        )
        result.status = status.check
        result.summary = _ob3_summary(credential, status, expired)
        return result

    def _di(self, doc: dict[str, Any]) -> tuple[dict[str, Any] | None, Check, list[Any]]:
        if "proof" not in doc:
            return None, Check("signature", "failed", MSG_NO_SIGNATURE), []
        proofs = _as_list(doc.get("proof"))
        methods = [proof.get("verificationMethod") if isinstance(proof, dict) else None for proof in proofs]
        if len(proofs) > MAX_PROOFS:
            return None, Check("signature", "failed", MSG_TOO_MANY_PROOFS, {"detail": f"{len(proofs)} proofs"}), []
        problems = self.verify_data_integrity(doc)
        if not problems:
            return doc, Check("signature", "passed", MSG_SIGNATURE_OK), methods
        detail = {"detail": _clip("; ".join(problems))}
        if any(problem.startswith("unsafe JSON-LD") for problem in problems):
            return None, Check("signature", "failed", MSG_UNSAFE_SHAPE, detail), methods
        if any(problem.startswith("not covered by the signature") for problem in problems):
            return None, Check("signature", "failed", MSG_SIGNATURE_UNCOVERED, detail), methods
        if self.unresolved:
            return None, Check("signature", "failed", MSG_KEY_NOT_FOUND, detail), methods
        return None, Check("signature", "failed", MSG_SIGNATURE_BAD, detail), methods

    def _vc_jwt(self, token: str) -> tuple[dict[str, Any] | None, Check, list[Any]]:
        _, payload = _jws_parts(token)
        claimed_issuer = _id_of(payload.get("issuer"))
        used: list[str] = []

        def key_resolver(kid: str) -> Ed25519PublicKey:
            # A jwk header is never trusted alone (verify_vc_jwt compares it with what this returns): the key
            # comes from a did:key/did:jwk kid, from the issuer's own did:jwk, or from the caller's resolver.
            if isinstance(kid, str) and kid.startswith(("did:key:", "did:jwk:")):
                used.append(kid)
                return self.key_for(kid)
            if isinstance(claimed_issuer, str) and claimed_issuer.startswith("did:jwk:"):
                used.append(claimed_issuer)
                return _did_jwk_key(claimed_issuer)
            used.append(kid)
            return self.key_for(kid)

        credential, problems = signing.verify_vc_jwt(token, key_resolver, now=self.now)
        if credential is not None:
            try:
                _check_tree(credential)
                hazard = None
            except _Unsafe as exc:
                hazard = str(exc)
            if hazard:
                return None, Check("signature", "failed", MSG_UNSAFE_SHAPE, {"detail": hazard}), used
        # Dates and the issuer's control of the key have their own checks.
        problems = [
            problem
            for problem in problems
            if problem not in ("the credential is not valid yet (nbf)", "the credential has expired (exp)")
            and not problem.startswith("the signing did:key ")
        ]
        if credential is not None and "exp" in payload and "validUntil" not in credential:
            problems.append("exp claim without validUntil")  # the exp would otherwise go unchecked
        detail = {"detail": _clip("; ".join(problems))} if problems else {}
        if credential is None:
            message = MSG_KEY_NOT_FOUND if self.unresolved else MSG_SIGNATURE_BAD
            return None, Check("signature", "failed", message, detail), used
        if problems:
            return None, Check("signature", "failed", MSG_JWT_CLAIMS, detail), used
        return credential, Check("signature", "passed", MSG_SIGNATURE_OK), used

    @staticmethod
    def _ob3_issuer_key(issuer_id: str | None, methods: list[Any]) -> Check:
        params = {"issuer": issuer_id}
        if not methods:
            return Check("issuer-key", "skipped", MSG_SKIPPED_UNVERIFIED, params)
        for method in methods:
            if not isinstance(method, str) or issuer_id is None:
                return Check("issuer-key", "failed", MSG_KEY_ISSUER_BAD, params)
            if _did_of(method) != issuer_id:
                return Check("issuer-key", "failed", MSG_KEY_ISSUER_BAD, {**params, "key": _clip(method)})
        return Check("issuer-key", "passed", MSG_KEY_ISSUER_OK, params)

    def _ob3_status(self, credential: dict[str, Any], issuer_id: str | None) -> _Status:
        entries = _as_list(credential.get("credentialStatus"))
        if not entries:
            return _Status(Check("status", "skipped", MSG_NO_STATUS))
        if len(entries) > MAX_STATUS_ENTRIES:
            return _Status(Check("status", "failed", MSG_STATUS_INVALID, {"detail": "too many status entries"}))
        checked = 0
        for entry in entries:
            if not isinstance(entry, dict):
                return _Status(Check("status", "failed", MSG_STATUS_INVALID, {"detail": "entry is not an object"}))
            entry_type = entry.get("type")
            if entry_type != "BitstringStatusListEntry" and _as_list(entry_type) != ["BitstringStatusListEntry"]:
                kind = entry_type if isinstance(entry_type, str) else json.dumps(entry_type)[:80]
                return _Status(Check("status", "failed", MSG_STATUS_UNSUPPORTED, {"type": kind}))
            purpose = entry.get("statusPurpose")
            if purpose not in ("revocation", "suspension"):
                continue  # "refresh", "message": not a judgement on validity
            outcome = self._bitstring(entry, purpose, issuer_id)
            if outcome is not None:
                return outcome
            checked += 1
        if not checked:
            return _Status(Check("status", "skipped", MSG_NO_STATUS))
        return _Status(Check("status", "passed", MSG_STATUS_OK))

    def _bitstring(self, entry: dict[str, Any], purpose: str, issuer_id: str | None) -> _Status | None:
        """``None`` when the bit is clear, else the failing status."""

        def invalid(detail: str) -> _Status:
            return _Status(Check("status", "failed", MSG_STATUS_INVALID, {"detail": _clip(detail)}))

        url = entry.get("statusListCredential")
        index = entry.get("statusListIndex")
        if isinstance(index, str) and _DIGITS.match(index):
            position = int(index)
        elif isinstance(index, int) and not isinstance(index, bool) and 0 <= index < 10**12:
            position = index
        else:
            return invalid("statusListIndex is not a base-10 integer")
        if not _is_http_url(url):
            return invalid("statusListCredential is not an http(s) URL")
        if entry.get("statusSize", 1) != 1:
            return invalid("only 1-bit statuses are supported")
        status_list = self.fetch.status_list(url)
        if status_list is None:
            return _Status(Check("status", "failed", MSG_STATUS_FETCH, {"url": url}))
        if "BitstringStatusListCredential" not in _types(status_list):
            return invalid("not a BitstringStatusListCredential")
        if "id" in status_list and status_list["id"] != url:
            return invalid("the status list's id is not its URL")
        if issuer_id is None or _id_of(status_list.get("issuer")) != issuer_id:
            return _Status(Check("status", "failed", MSG_STATUS_NOT_ISSUER, {"url": url}))
        if len(_as_list(status_list.get("proof"))) > MAX_PROOFS:
            return invalid("too many proofs")
        problems = self.verify_data_integrity(status_list) if "proof" in status_list else ["no proof"]
        if problems:
            return _Status(
                Check("status", "failed", MSG_STATUS_NOT_ISSUER, {"url": url, "detail": _clip("; ".join(problems))})
            )
        list_check, _ = _validity_check(
            status_list.get("validFrom"), status_list.get("validUntil"), self.now, start_required=False
        )
        if list_check.outcome == "failed":
            return invalid("the status list is outside its validity period")
        subject = status_list.get("credentialSubject")
        if not isinstance(subject, dict) or "BitstringStatusList" not in _types(subject):
            return invalid("credentialSubject is not a BitstringStatusList")
        if purpose not in _as_list(subject.get("statusPurpose")):
            return invalid(f"the list is not for {purpose}")
        encoded = subject.get("encodedList")
        if not isinstance(encoded, str):
            return invalid("encodedList missing")
        try:
            bits = ob.decode_status_list(encoded)
        except ValueError as exc:
            return invalid(str(exc))
        if position >= len(bits) * 8:
            return invalid("statusListIndex is outside the list")
        if bits[position // 8] & (0x80 >> (position % 8)):
            if purpose == "revocation":
                return _Status(Check("status", "failed", MSG_REVOKED), revoked=True)
            return _Status(Check("status", "failed", MSG_SUSPENDED))
        return None

    # ------------------------------------------------------------------ OB 2.0

    def ob2_signed(self, presented: Presented, token: str) -> _Result:
        result = _Result("ob2-signed", _format_check("ob2-signed", presented), Check("signature", "failed", ""))
        _, unverified = _jws_parts(token)
        verification = unverified.get("verification")
        creator = verification.get("creator") if isinstance(verification, dict) else None
        result.schema = Check("schema", "skipped", MSG_SCHEMA_OB2)
        if not _is_http_url(creator):
            result.signature = Check("signature", "failed", MSG_OB2_NO_CREATOR)
            return result
        key_doc = self.fetch.node(creator)
        pem = key_doc.get("publicKeyPem") if key_doc else None
        try:
            if not isinstance(pem, str):
                raise signing.SigningError("no publicKeyPem at the creator URL")
            public_key = signing.rsa_public_key_from_pem(pem)
        except signing.SigningError as exc:
            result.signature = Check("signature", "failed", MSG_KEY_NOT_FOUND, {"detail": _clip(str(exc))})
            return result
        if not isinstance(public_key, rsa.RSAPublicKey) or public_key.key_size > MAX_RSA_BITS:
            result.signature = Check("signature", "failed", MSG_KEY_NOT_FOUND, {"detail": "unusable RSA key"})
            return result
        try:
            assertion = signing.verify_jws(token, public_key)
            _check_tree(assertion)
        except (signing.SigningError, _Unsafe) as exc:
            result.signature = Check("signature", "failed", MSG_SIGNATURE_BAD, {"detail": _clip(str(exc))})
            return result
        verification = assertion.get("verification")
        if not isinstance(verification, dict) or verification.get("type") not in OB2_SIGNED:
            result.signature = Check(
                "signature",
                "failed",
                MSG_SIGNATURE_BAD,
                {"detail": "the assertion does not declare signed verification"},
            )
            return result
        result.signature = Check("signature", "passed", MSG_SIGNATURE_OK)
        result.credential = assertion
        result.identities = _ob2_email_identities(assertion)
        result.validity, expired = _validity_check(
            assertion.get("issuedOn"), assertion.get("expires"), self.now, start_required=True
        )

        badge_class, issuer_id, profile = self._ob2_badge_and_issuer(assertion)
        params = {"issuer": issuer_id}
        if badge_class is None or issuer_id is None:
            result.issuer_key = Check("issuer-key", "failed", MSG_BADGE_CLASS_MISSING)
        elif profile is None:
            result.issuer_key = Check("issuer-key", "failed", MSG_ISSUER_PROFILE_MISSING, params)
        else:
            listed = {_id_of(key) for key in _as_list(profile.get("publicKey"))}
            owned = key_doc is not None and key_doc.get("owner") == issuer_id
            result.issuer_key = Check(
                "issuer-key",
                "passed" if owned and creator in listed else "failed",
                MSG_OB2_KEY_OK if owned and creator in listed else MSG_OB2_KEY_BAD,
                params if owned and creator in listed else {**params, "key": creator},
            )
        if result.issuer_key.outcome != "passed":
            status = _Status(Check("status", "skipped", MSG_SKIPPED_ISSUER))
        else:
            assert profile is not None
            status = self._ob2_revocation_list(assertion, profile)
        result.status = status.check
        result.summary = _ob2_summary(assertion, badge_class, profile, issuer_id, status, expired)
        return result

    def _ob2_badge_and_issuer(
        self, assertion: Mapping[str, Any]
    ) -> tuple[dict[str, Any] | None, str | None, dict[str, Any] | None]:
        badge = assertion.get("badge")
        badge_class = badge if isinstance(badge, dict) else self.fetch.node(badge)
        if badge_class is None:
            return None, None, None
        issuer_id = _id_of(badge_class.get("issuer"))
        if not _is_http_url(issuer_id):
            return badge_class, None, None
        return badge_class, issuer_id, self.fetch.node(issuer_id)

    def _ob2_revocation_list(self, assertion: Mapping[str, Any], profile: Mapping[str, Any]) -> _Status:
        if assertion.get("revoked") is True:
            reason = _str(assertion.get("revocationReason"))
            return _Status(Check("status", "failed", MSG_REVOKED, {"reason": reason}), True, reason)
        url = profile.get("revocationList")
        if url is None:
            return _Status(Check("status", "skipped", MSG_OB2_NO_REVOCATION_LIST))
        revocations = self.fetch.node(url)
        if revocations is None:
            return _Status(Check("status", "failed", MSG_STATUS_FETCH, {"url": _str(url)}))
        entries = revocations.get("revokedAssertions")
        if not isinstance(entries, list):
            return _Status(Check("status", "failed", MSG_STATUS_INVALID, {"detail": "no revokedAssertions list"}))
        assertion_id = assertion.get("id")
        for entry in entries:
            if _id_of(entry) == assertion_id:
                reason = _str(entry.get("revocationReason")) if isinstance(entry, dict) else None
                return _Status(Check("status", "failed", MSG_REVOKED, {"reason": reason}), True, reason)
        return _Status(Check("status", "passed", MSG_STATUS_OK))

    def ob2_hosted(self, presented: Presented, doc: dict[str, Any] | None, url: str | None) -> _Result:
        """``doc``: the presented assertion (JSON, or what the presented link served); ``url``: the presented
        link, when the input was one."""
        result = _Result("ob2-hosted", _format_check("ob2-hosted", presented), Check("signature", "failed", ""))
        result.schema = Check("schema", "skipped", MSG_SCHEMA_OB2)
        hosted_url = doc.get("id") if doc is not None else url
        if not _is_http_url(hosted_url):
            result.signature = Check("signature", "failed", MSG_HOSTED_FETCH, {"url": _str(hosted_url)})
            return result
        status_code, hosted = self.fetch.document(hosted_url)
        gone = status_code == 410 or (status_code == 200 and hosted is not None and hosted.get("revoked") is True)
        if gone:
            reason = _str(hosted.get("revocationReason")) if hosted else None
            result.signature = Check("signature", "skipped", MSG_HOSTED_GONE, {"url": hosted_url})
            result.status = Check("status", "failed", MSG_REVOKED, {"reason": reason})
            return result
        if status_code != 200 or hosted is None:
            params = {"url": hosted_url, "detail": f"HTTP status {status_code}" if status_code else "unreachable"}
            result.signature = Check("signature", "failed", MSG_HOSTED_FETCH, params)
            return result
        if hosted.get("id") != hosted_url:
            result.signature = Check("signature", "failed", MSG_HOSTED_OTHER_ID, {"url": hosted_url})
            return result
        if doc is not None and doc != hosted:
            result.signature = Check("signature", "failed", MSG_HOSTED_DIFFERS, {"url": hosted_url})
            return result
        verification = hosted.get("verification")
        if not isinstance(verification, dict) or verification.get("type") not in OB2_HOSTED:
            result.signature = Check("signature", "failed", MSG_HOSTED_NOT_HOSTED, {"url": hosted_url})
            return result
        result.signature = Check("signature", "passed", MSG_HOSTED_OK, {"url": hosted_url})
        result.credential = hosted
        result.identities = _ob2_email_identities(hosted)
        result.validity, expired = _validity_check(
            hosted.get("issuedOn"), hosted.get("expires"), self.now, start_required=True
        )

        badge_class, issuer_id, profile = self._ob2_badge_and_issuer(hosted)
        params = {"issuer": issuer_id}
        if badge_class is None or issuer_id is None:
            result.issuer_key = Check("issuer-key", "failed", MSG_BADGE_CLASS_MISSING)
        elif profile is None:
            result.issuer_key = Check("issuer-key", "failed", MSG_ISSUER_PROFILE_MISSING, params)
        elif _hosted_by_issuer(hosted_url, issuer_id, profile):
            result.issuer_key = Check("issuer-key", "passed", MSG_OB2_HOST_OK, params)
        else:
            result.issuer_key = Check("issuer-key", "failed", MSG_OB2_HOST_BAD, params)
        status = _Status(Check("status", "passed", MSG_STATUS_OK))
        result.status = status.check
        result.summary = _ob2_summary(hosted, badge_class, profile, issuer_id, status, expired)
        return result


def _hosted_by_issuer(hosted_url: str, issuer_id: str, profile: Mapping[str, Any]) -> bool:
    """OB 2.0 hosted verification: the assertion's origin is the issuer's, unless the issuer's profile allows
    others (``verification.allowedOrigins`` host names, ``verification.startsWith`` URL prefixes)."""
    policy = profile.get("verification")
    if isinstance(policy, dict) and ("allowedOrigins" in policy or "startsWith" in policy):
        host = (urlsplit(hosted_url).hostname or "").lower()
        origins = {o.lower() for o in _as_list(policy.get("allowedOrigins")) if isinstance(o, str)}
        prefixes = [p for p in _as_list(policy.get("startsWith")) if _is_http_url(p)]
        if "allowedOrigins" in policy and host not in origins:
            return False
        return not prefixes or any(hosted_url.startswith(prefix) for prefix in prefixes)
    return _origin(hosted_url) is not None and _origin(hosted_url) == _origin(issuer_id)


def _format_check(fmt: str, presented: Presented) -> Check:
    if presented.image is not None:
        return Check("format", "passed", FORMAT_MESSAGES[(fmt, True)], {"image": presented.image.upper()})
    return Check("format", "passed", FORMAT_MESSAGES[(fmt, False)])


# ------------------------------------------------------------------------------------------------------ summaries


def _ob3_summary(credential: Mapping[str, Any], status: _Status, expired: bool) -> dict[str, Any]:
    issuer = credential.get("issuer")
    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    criteria = achievement.get("criteria")
    names = [
        item.get("identityHash")
        for item in _as_list(subject.get("identifier"))
        if isinstance(item, dict)
        and item.get("identityType") == "name"
        and item.get("hashed") is False
        and isinstance(item.get("identityHash"), str)
    ]
    return {
        "issuer_name": _str(issuer.get("name")) if isinstance(issuer, dict) else None,
        "issuer_id": _id_of(issuer),
        "achievement_name": _str(achievement.get("name")),
        "achievement_description": _str(achievement.get("description")),
        "criteria": _str(criteria.get("narrative")) if isinstance(criteria, dict) else None,
        "achievement_id": _str(achievement.get("id")),
        "image": _image_url(achievement.get("image")),
        "issued_on": _iso(_parse_date(credential.get("validFrom"))),
        "valid_until": _iso(_parse_date(credential.get("validUntil"))),
        "recipient_name": names[0] if names else None,
        "revoked": status.revoked,
        "revocation_reason": status.reason,
        "expired": expired,
        "credential_id": _str(credential.get("id")),
    }


def _ob2_summary(
    assertion: Mapping[str, Any],
    badge_class: Mapping[str, Any] | None,
    profile: Mapping[str, Any] | None,
    issuer_id: str | None,
    status: _Status,
    expired: bool,
) -> dict[str, Any]:
    badge_class = badge_class or {}
    criteria = badge_class.get("criteria")
    return {
        "issuer_name": _str(profile.get("name")) if profile else None,
        "issuer_id": issuer_id,
        "achievement_name": _str(badge_class.get("name")),
        "achievement_description": _str(badge_class.get("description")),
        "criteria": _str(criteria.get("narrative")) if isinstance(criteria, dict) else None,
        "achievement_id": _str(badge_class.get("id")),
        "image": _image_url(badge_class.get("image")),
        "issued_on": _iso(_parse_date(assertion.get("issuedOn"))),
        "valid_until": _iso(_parse_date(assertion.get("expires"))),
        "recipient_name": None,  # OB 2.0 has no property for the recipient's name
        "revoked": status.revoked,
        "revocation_reason": status.reason,
        "expired": expired,
        "credential_id": _str(assertion.get("id")),
    }


# ------------------------------------------------------------------------------------------------------ verify


def _failed_format(message: str, params: Mapping[str, str | None] | None = None) -> Verdict:
    return Verdict(False, "unknown", (Check("format", "failed", message, dict(params or {})),))


def _route(verifier: _Verifier, presented: Presented) -> _Result | Verdict:
    if presented.form == "jws":
        header, payload = _jws_parts(presented.value)
        inner = payload.get("vc") if isinstance(payload.get("vc"), dict) else payload
        kind = _kind_of(inner)
        if kind is None:
            kind = {"EdDSA": "ob3", "RS256": "ob2"}.get(header.get("alg"))  # type: ignore[arg-type]
        if kind == "ob3":
            return verifier.ob3(presented, "ob3-vc-jwt", payload, presented.value)
        if kind == "ob2":
            return verifier.ob2_signed(presented, presented.value)
        return _failed_format(MSG_NOT_A_BADGE_VC if kind == "vc" else MSG_BAD_JWT)

    url: str | None = None
    doc = presented.value if presented.form == "json" else None
    if presented.form == "url":
        url = presented.value
        status_code, doc = verifier.fetch.document(url)
        if doc is None or status_code not in (200, 410):
            if presented.baked_kind == "ob2" or status_code == 410:
                return verifier.ob2_hosted(presented, None, url)
            fmt_check = Check("format", "passed", MSG_LINK)
            params = {"url": url, "detail": f"HTTP status {status_code}" if status_code else "unreachable"}
            return _Result("unknown", fmt_check, Check("signature", "failed", MSG_HOSTED_FETCH, params))
        if status_code == 410:
            return verifier.ob2_hosted(presented, None, url)
    assert doc is not None
    kind = _kind_of(doc)
    if kind == "ob3":
        return verifier.ob3(presented, "ob3-data-integrity", doc, None)
    if kind == "ob2":
        verification = doc.get("verification")
        verification_type = verification.get("type") if isinstance(verification, dict) else None
        if verification_type in OB2_HOSTED:
            return verifier.ob2_hosted(presented, doc, url)
        if verification_type in OB2_SIGNED:
            result = _Result("ob2-signed", _format_check("ob2-signed", presented), Check("signature", "failed", ""))
            result.signature = Check("signature", "failed", MSG_OB2_SIGNED_AS_JSON)
            return result
        return _failed_format(MSG_OB2_NO_VERIFICATION)
    if url is not None:
        return _failed_format(MSG_LINK_NOT_BADGE, {"url": url})
    return _failed_format(MSG_NOT_A_BADGE_VC if kind == "vc" else MSG_NOT_A_BADGE)


def _verdict(result: _Result, recipient_email: str | None) -> Verdict:
    signature_passed = result.signature.outcome == "passed"
    checks = [result.format_check, result.signature]
    for code, check in (
        ("issuer-key", result.issuer_key),
        ("status", result.status),
        ("validity-period", result.validity),
        ("schema", result.schema),
    ):
        checks.append(check or Check(code, "skipped", MSG_SKIPPED_UNVERIFIED))
    if recipient_email is not None:
        if signature_passed:
            checks.append(_recipient_check(recipient_email, result.identities))
        else:
            checks.append(Check("recipient", "skipped", MSG_SKIPPED_UNVERIFIED))
    valid = signature_passed and all(check.outcome != "failed" for check in checks)
    # Show what a badge says only when it is the issuer's word: signed (or served) as is, by the issuer.
    trusted = signature_passed and result.issuer_key is not None and result.issuer_key.outcome == "passed"
    return Verdict(
        valid=valid,
        format=result.format,
        checks=tuple(checks),
        credential=result.credential if trusted else None,
        summary=result.summary if trusted else None,
    )


def verify(data: bytes | str, resolver: Resolver, *, now: datetime, recipient_email: str | None = None) -> Verdict:
    """Verify a presented badge (anything ``parse_input`` reads) and say why, check by check.

    ``now`` (timezone-aware) is the moment of the verification; ``recipient_email``, when given, adds the
    ``recipient`` check. Never raises on hostile input: an unreadable input gives a ``Verdict`` with a failed
    ``format`` check and ``format`` ``"unknown"``.
    """
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    if recipient_email is not None and not isinstance(recipient_email, str):
        raise ValueError("recipient_email must be a string")
    now = now.astimezone(UTC)
    try:
        presented = parse_input(data)
        routed = _route(_Verifier(resolver, now), presented)
        return routed if isinstance(routed, Verdict) else _verdict(routed, recipient_email)
    except UnreadableInput as exc:
        return _failed_format(exc.message, exc.params)
    except Exception as exc:  # the last line of defence: hostile input must never raise
        log.exception("badge verification failed unexpectedly")
        return _failed_format(MSG_UNEXPECTED, {"detail": type(exc).__name__})


# ------------------------------------------------------------------------------------------------------ stored


@dataclass(frozen=True)
class StoredChecks:
    """What never changes in the verdict on a credential its issuer stored as issued: format, signature, issuer
    key, schema and what it says. Worth keeping per process (stored documents never change); ``stored_verdict``
    adds what does change — the status and the dates — at each verification."""

    credential: dict[str, Any]
    format_check: Check
    signature: Check
    issuer_key: Check
    schema: Check
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def period(self, now: datetime) -> str:
        """Where ``now`` falls in the credential's validity period: ``before``, ``within`` or ``after`` (the
        ``validity-period`` check is a function of this and of the credential)."""
        if self.valid_from is not None and self.valid_from > now:
            return "before"
        if self.valid_until is not None and self.valid_until <= now:
            return "after"
        return "within"


def stored_checks(credential: dict[str, Any], signature_problems: list[str]) -> StoredChecks:
    """The unchanging checks of an OB 3.0 Data Integrity credential whose proof was verified by the caller
    (``signing.verify_proof``: ``signature_problems``, empty when valid)."""
    proofs = _as_list(credential.get("proof"))
    methods = [proof.get("verificationMethod") if isinstance(proof, dict) else None for proof in proofs]
    if signature_problems:
        signature = Check("signature", "failed", MSG_SIGNATURE_BAD, {"detail": _clip("; ".join(signature_problems))})
    else:
        signature = Check("signature", "passed", MSG_SIGNATURE_OK)
    return StoredChecks(
        credential=credential,
        format_check=Check("format", "passed", FORMAT_MESSAGES[("ob3-data-integrity", False)]),
        signature=signature,
        issuer_key=_Verifier._ob3_issuer_key(_id_of(credential.get("issuer")), methods),
        schema=_schema_check(credential),
        valid_from=_parse_date(credential.get("validFrom")) if credential.get("validFrom") is not None else None,
        valid_until=_parse_date(credential.get("validUntil")) if credential.get("validUntil") is not None else None,
    )


def validity_period(credential: Mapping[str, Any], now: datetime) -> Check:
    """The ``validity-period`` check of an OB 3.0 credential at ``now``."""
    return _validity_check(credential.get("validFrom"), credential.get("validUntil"), now, start_required=False)[0]


def stored_verdict(stored: StoredChecks, *, now: datetime, revoked: bool, reason: str | None = None) -> Verdict:
    """The verdict on a stored credential now: its unchanging checks, the revocation status its issuer holds
    (the same fact its status list publishes) and its dates against ``now``."""
    credential = stored.credential
    if revoked:
        status = _Status(Check("status", "failed", MSG_REVOKED), revoked=True, reason=reason)
    else:
        status = _Status(Check("status", "passed", MSG_STATUS_OK))
    validity, expired = _validity_check(
        credential.get("validFrom"), credential.get("validUntil"), now, start_required=False
    )
    result = _Result("ob3-data-integrity", stored.format_check, stored.signature)
    result.issuer_key = stored.issuer_key
    result.schema = stored.schema
    if stored.signature.outcome == "passed":
        result.credential = credential
        result.status = status.check
        result.validity = validity
        result.summary = _ob3_summary(credential, status, expired)
    return _verdict(result, None)
