"""Keys of verification methods and JWT ``kid``s, and who controls them.

* ``did:key`` (Ed25519 ``z6Mk…`` and P-256 ``zDn…``) and ``did:jwk`` (any JWK below) are resolved offline;
* ``did:web:host%3Aport:path`` is fetched through the resolver at ``https://host:port/path/did.json`` (no path:
  ``/.well-known/did.json``); the DID document's ``id`` must be the DID, the method must be listed in its
  ``verificationMethod`` with the DID as ``controller`` and referenced by its ``assertionMethod``;
* an https URL is fetched through the resolver: a JWK, a verification method document or a controller document
  listing the method; its ``controller`` is remembered (``Context.controllers``) for the ``issuer-key`` check.

Key material: ``publicKeyMultibase`` (Multikey / Ed25519VerificationKey2020, Ed25519 or P-256) or ``publicKeyJwk``
(OKP Ed25519, EC P-256, RSA of 2048 to 8192 bits); a JWK carrying a private part is refused.

Errors: ``KeyUnreachable`` when the document could not be fetched (the check is *indeterminate*), ``KeyNotFound``
when the issuer's answer has no usable key for this method (the check *fails*). Both are ``signing.SigningError``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from badges import signing
from badges.verification.common import as_list, b64url_decode, is_http_url, origin
from badges.verification.fetcher import DID_ACCEPT, JSON_ACCEPT, Context
from badges.verification.inputs import load_json

MAX_METHOD_LENGTH = 2048
MAX_MULTIBASE_LENGTH = 256  # base58 decoding is quadratic
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 8192
DID_JWK_RE = re.compile(r"^did:jwk:([A-Za-z0-9_-]{1,2048})(?:#0)?$")
DID_WEB_RE = re.compile(r"^did:web:([A-Za-z0-9.%-]{1,253})((?::[A-Za-z0-9._~%-]{1,200}){0,8})$")
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB = b"\xed\x01"
_P256_PUB = b"\x80\x24"

PublicKey = Ed25519PublicKey | rsa.RSAPublicKey | ec.EllipticCurvePublicKey


class KeyNotFound(signing.SigningError):
    """The issuer's documents have no usable key for this method."""


class KeyUnreachable(signing.SigningError):
    """The document that holds the key could not be fetched."""


def controlled_by(method: str, issuer_id: str, controllers: Mapping[str, str | None]) -> bool:
    """Whether the issuer controls a verification method: the DID or URL before ``#`` is the issuer id; or, for a
    key document fetched from an https URL (``controllers``: method -> the controller it names, ``None`` for a bare
    JWK or a document naming none), the document is served from the issuer's own origin and names no other
    controller. The origin is what ties the key to the issuer (OB 3.0 §8.2: a VC-JWT's ``kid`` dereferences to a
    JWK; anyone can write a controller name on their own site, so a controller alone proves nothing)."""
    if did_of(method) == issuer_id:
        return True
    if method not in controllers or controllers[method] not in (None, issuer_id):
        return False
    return origin(method) is not None and origin(method) == origin(issuer_id)


def did_of(method: str) -> str:
    """The DID (or URL) a verification method belongs to: what comes before ``#``."""
    return method.split("#", 1)[0]


def b58decode(text: str) -> bytes:
    if len(text) > MAX_MULTIBASE_LENGTH or any(char not in _B58 for char in text):
        raise KeyNotFound("invalid base58btc")
    number = 0
    for char in text:
        number = number * 58 + _B58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * (len(text) - len(text.lstrip("1"))) + body


def multibase_key(value: Any) -> PublicKey:
    """An Ed25519 (``z6Mk…``) or P-256 (``zDn…``) public key from a multibase multikey."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise KeyNotFound("publicKeyMultibase must be base58btc (z…)")
    raw = b58decode(value[1:])
    if raw.startswith(_ED25519_PUB) and len(raw) == 34:
        return Ed25519PublicKey.from_public_bytes(raw[2:])
    if raw.startswith(_P256_PUB) and len(raw) == 35:
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw[2:])
        except ValueError as exc:
            raise KeyNotFound("invalid P-256 point") from exc
    raise KeyNotFound("unsupported multikey (Ed25519 and P-256 are supported)")


def jwk_key(jwk: Any) -> PublicKey:
    """The public key of a JWK: OKP Ed25519, EC P-256 or RSA (2048 to 8192 bits). Refuses private JWKs."""
    if not isinstance(jwk, Mapping):
        raise KeyNotFound("the JWK is not an object")
    if any(member in jwk for member in ("d", "p", "q", "dp", "dq", "qi", "k")):
        raise KeyNotFound("the JWK contains a private or secret key")

    def number(name: str, size: int | None = None) -> int:
        value = jwk.get(name)
        try:
            raw = b64url_decode(value) if isinstance(value, str) and len(value) <= 2048 else b""
        except ValueError:
            raw = b""
        if not raw or (size is not None and len(raw) != size):
            raise KeyNotFound(f"the JWK's {name} is missing or malformed")
        return int.from_bytes(raw, "big")

    kty = jwk.get("kty")
    try:
        if kty == "OKP":
            return signing.ed25519_from_jwk(jwk)
        if kty == "EC" and jwk.get("crv") == "P-256":
            return ec.EllipticCurvePublicNumbers(number("x", 32), number("y", 32), ec.SECP256R1()).public_key()
        if kty == "RSA":
            key = rsa.RSAPublicNumbers(number("e"), number("n")).public_key()
            if not MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS:
                raise KeyNotFound(f"RSA keys must have {MIN_RSA_BITS} to {MAX_RSA_BITS} bits")
            return key
    except (ValueError, signing.SigningError) as exc:
        raise KeyNotFound(f"unusable JWK: {exc}") from exc
    raise KeyNotFound(f"unsupported JWK (kty {str(kty)[:20]!r}, crv {str(jwk.get('crv'))[:20]!r})")


#: ``json.dumps(jwk, sort_keys=True, separators=(",", ":"), allow_nan=False)``, the encoder built once.
_JWK_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False)


def header_jwk_key(jwk: Any) -> PublicKey:
    """``jwk_key`` of a JWK given in a JWT header, remembered by its JSON text (one issuer sends the same key with
    every badge; keys are immutable, a failure is not kept)."""
    try:
        text = _JWK_ENCODER.encode(jwk)
    except (TypeError, ValueError, RecursionError):
        return jwk_key(jwk)
    return _jwk_key_of_text(text)


@functools.lru_cache(maxsize=256)
def _jwk_key_of_text(text: str) -> PublicKey:
    return same_key_object(jwk_key(json.loads(text)))


#: One object per remembered public key, by its DER SubjectPublicKeyInfo (the key's identity, as a JWK thumbprint
#: is): a ``jwk`` header and the ``did:jwk`` that encodes the same key give the same object, which lets a caller
#: comparing them answer ``is`` instead of serialising both keys at each verification.
_KEY_OBJECTS: dict[bytes, PublicKey] = {}


def same_key_object(key: PublicKey) -> PublicKey:
    """The remembered object equal to ``key`` (``key`` itself the first time). Bounded: forgets all past 512."""
    der = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    if len(_KEY_OBJECTS) >= 512:
        _KEY_OBJECTS.clear()
    return _KEY_OBJECTS.setdefault(der, key)


def did_jwk_key(did_url: str) -> PublicKey:
    """The key a ``did:jwk`` encodes (its only verification method is ``#0``), offline."""
    if not isinstance(did_url, str):
        raise KeyNotFound("not a did:jwk identifier (or not its #0 verification method)")
    return _did_jwk_key(did_url)


@functools.lru_cache(maxsize=256)
def _did_jwk_key(did_url: str) -> PublicKey:
    """``did_jwk_key``, remembered: a function of the string alone, and keys are immutable (a failure is not kept)."""
    match = DID_JWK_RE.match(did_url)
    if not match:
        raise KeyNotFound("not a did:jwk identifier (or not its #0 verification method)")
    try:
        jwk = load_json(b64url_decode(match.group(1)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeyNotFound("the did:jwk does not encode a JSON JWK") from exc
    return same_key_object(jwk_key(jwk))


def did_web_url(did: str) -> str:
    """The https URL of a did:web's DID document (did:web method spec §3.2)."""
    match = DID_WEB_RE.match(did)
    if not match:
        raise KeyNotFound(f"not a did:web identifier: {did[:100]!r}")
    host = unquote(match.group(1))
    if not re.fullmatch(r"[A-Za-z0-9.-]+(?::[0-9]{1,5})?", host):
        raise KeyNotFound("the did:web host is not a host name")
    segments = [unquote(part) for part in match.group(2).split(":")[1:]]
    if any(not segment or "/" in segment or segment in (".", "..") for segment in segments):
        raise KeyNotFound("the did:web path is not valid")
    path = "/" + "/".join(segments) + "/did.json" if segments else "/.well-known/did.json"
    return f"https://{host}{path}"


def _absolute(reference: Any, base: str) -> Any:
    return base + reference if isinstance(reference, str) and reference.startswith("#") else reference


def _method_in(document: Mapping[str, Any], method: str, base: str) -> dict[str, Any] | None:
    for entry in as_list(document.get("verificationMethod"))[:32]:
        if isinstance(entry, dict) and _absolute(entry.get("id"), base) == method:
            return entry
    return None


def _key_of(entry: Mapping[str, Any]) -> PublicKey:
    if "publicKeyJwk" in entry:
        return jwk_key(entry["publicKeyJwk"])
    if "publicKeyMultibase" in entry:
        return multibase_key(entry["publicKeyMultibase"])
    raise KeyNotFound("the verification method has no publicKeyJwk or publicKeyMultibase")


def _fetched(ctx: Context, url: str, accept: str) -> dict[str, Any]:
    answer = ctx.fetch.get(url, accept)
    if answer.unreachable:
        raise KeyUnreachable(f"{url[:200]}: {answer.why()}")
    if not answer.ok or answer.doc is None:
        raise KeyNotFound(f"{url[:200]}: no JSON document ({answer.why()})")
    return answer.doc


def _did_web_key(ctx: Context, method: str) -> PublicKey:
    did = did_of(method)
    document = _fetched(ctx, did_web_url(did), DID_ACCEPT)
    if document.get("id") != did:
        raise KeyNotFound("the DID document's id is not the DID")
    entry = _method_in(document, method, did)
    if entry is None:
        raise KeyNotFound("the DID document does not list this verification method")
    if entry.get("controller") != did:
        raise KeyNotFound("the verification method is not controlled by the DID")
    assertion = {_absolute(_id_or_self(item), did) for item in as_list(document.get("assertionMethod"))[:32]}
    if method not in assertion:
        raise KeyNotFound("the DID document does not allow this method to issue (assertionMethod)")
    return _key_of(entry)


def _id_or_self(item: Any) -> Any:
    return item.get("id") if isinstance(item, dict) else item


def _url_key(ctx: Context, method: str) -> PublicKey:
    """A key at an https URL: a bare JWK, a verification method document, or a controller document listing it."""
    url = did_of(method)
    document = _fetched(ctx, url, JSON_ACCEPT)
    if "kty" in document:
        key = jwk_key(document)
        ctx.controllers[method] = None  # a bare JWK names no controller
        return key
    entry = document if document.get("id") == method else _method_in(document, method, url)
    if entry is None:
        raise KeyNotFound("the document at this address does not describe this key")
    controller = entry.get("controller") or (url if entry is not document else None)
    ctx.controllers[method] = controller if isinstance(controller, str) else None
    return _key_of(entry)


def key_for(ctx: Context, method: str) -> PublicKey:
    """The public key of a verification method or ``kid``: did:key and did:jwk offline, did:web and https URLs
    through the resolver. Raises ``KeyNotFound`` or ``KeyUnreachable`` (recorded in ``ctx``)."""
    if not isinstance(method, str) or not method or len(method) > MAX_METHOD_LENGTH:
        raise KeyNotFound("unusable verification method")
    try:
        if method.startswith("did:key:"):
            if method[8:].startswith("z6Mk"):
                return signing.resolve_did_key(method)
            did, _, fragment = method.partition("#")
            if fragment and fragment != did[8:]:
                raise KeyNotFound("a did:key verification method's fragment must repeat the key")
            return multibase_key(did[8:])
        if method.startswith("did:jwk:"):
            return did_jwk_key(method)
        if method.startswith("did:web:"):
            return _did_web_key(ctx, method)
        if is_http_url(method):  # the transport decides whether plain http is allowed
            return _url_key(ctx, method)
        raise KeyNotFound(f"unsupported verification method {method[:100]!r}")
    except KeyUnreachable:
        ctx.unreachable.append(method)
        raise
    except signing.SigningError as exc:
        ctx.unresolved.append(method)
        raise KeyNotFound(str(exc)) from exc


def ed25519_for(ctx: Context, method: str) -> Ed25519PublicKey:
    """``key_for``, for a method that must be Ed25519 (eddsa-rdfc-2022, Ed25519Signature2020)."""
    key = key_for(ctx, method)
    if not isinstance(key, Ed25519PublicKey):
        ctx.unresolved.append(method)
        raise KeyNotFound(f"{method[:100]!r} is not an Ed25519 key")
    return key
