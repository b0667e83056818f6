"""What was presented, read safely: JSON hygiene, baked images, compact JWS, links.

``parse_input`` recognises a credential or assertion as JSON, a compact JWS (OB 3.0 VC-JWT or OB 2.0 signed
assertion), a baked PNG or SVG (``badges.baking``) or an http(s) URL. Every JSON value the verifier reads — the
input and every fetched document — goes through ``load_json``/``check_tree``: no duplicate keys, no NaN, bounded
depth and size, no lone surrogates.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from badges import baking
from badges import openbadges as ob
from badges.verification.common import MAX_INPUT_BYTES, as_list, b64url_decode, clip, is_http_url, types_of
from badges.verification.messages import (
    MSG_BAD_IMAGE,
    MSG_BAD_JSON,
    MSG_BAD_JWT,
    MSG_BAD_PAYLOAD,
    MSG_EMPTY,
    MSG_NOT_A_BADGE,
    MSG_NOT_BAKED,
    MSG_TOO_LARGE,
    MSG_UNKNOWN_INPUT,
    MSG_UNSAFE_JSON,
)

MAX_DEPTH = 32  # JSON nesting; a real credential needs 6
MAX_JSON_UNITS = 2 * MAX_INPUT_BYTES  # nodes + characters of any JSON value we accept (input or fetched)

VC1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
OB3_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})
JWS_RE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # a JSON escape that decodes to a surrogate
JSON_SPACE = " \t\r\n\ufeff"


class UnreadableInput(ValueError):
    """The input is not something ``verify`` can read. ``message`` is an ``N_`` msgid, ``params`` its values."""

    def __init__(self, message: str, params: Mapping[str, str | None] | None = None, detail: str | None = None):
        super().__init__(detail or message)
        self.message = message
        self.params: dict[str, str | None] = dict(params or {})
        if detail:
            self.params["detail"] = clip(detail)


@dataclass(frozen=True)
class Presented:
    """What ``parse_input`` found: ``form`` ``json`` (``value`` a dict), ``jws`` (a compact JWS / VC-JWT) or
    ``url``; ``image`` ``png``/``svg`` when it was baked in one, ``baked_kind`` ``ob2``/``ob3`` (its keyword)."""

    form: Literal["json", "jws", "url"]
    value: Any
    image: Literal["png", "svg"] | None = None
    baked_kind: Literal["ob2", "ob3"] | None = None


class Unsafe(ValueError):
    pass


def check_tree(value: Any) -> None:
    """Refuse what JSON cannot carry or what costs too much: depth, size, non-finite numbers, lone surrogates."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    pop, push = stack.pop, stack.append
    texts: list[str] = []  # searched for lone surrogates once, joined (one regex call instead of one per string)
    keys: list[str] = []
    units = 0
    while stack:
        item, depth = pop()
        units += 1
        if depth > MAX_DEPTH:
            raise Unsafe(f"nested deeper than {MAX_DEPTH} levels")
        kind = type(item)
        if kind is str:
            units += len(item)
            texts.append(item)
        elif kind is dict or (kind is not list and isinstance(item, dict)):
            for key, child in item.items():
                if not isinstance(key, str):
                    raise Unsafe("invalid object key")
                units += len(key)
                keys.append(key)
                push((child, depth + 1))
        elif kind is list or isinstance(item, list):
            stack.extend([(child, depth + 1) for child in item])
        elif kind is float or isinstance(item, float):
            if not math.isfinite(item):
                raise Unsafe("non-finite number")
        elif isinstance(item, str):
            units += len(item)
            texts.append(str(item))
        elif not (item is None or isinstance(item, bool | int)):
            raise Unsafe(f"not a JSON value: {type(item).__name__}")
        if units > MAX_JSON_UNITS:
            raise Unsafe("JSON value too large")
    if SURROGATE.search("".join(keys)):
        raise Unsafe("invalid object key")
    if SURROGATE.search("".join(texts)):
        raise Unsafe("text with an invalid character (lone surrogate)")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's members as a dict, refusing a key given twice. ``dict(pairs)`` builds the same dict in C
    when the keys are distinct (same keys, same order); the member-by-member walk runs only when they are not,
    to name the first repeated key."""
    out = dict(pairs)
    if len(out) == len(pairs):
        return out
    return _first_duplicate(pairs)


def _first_duplicate(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise Unsafe(f"duplicate key {key[:40]!r}")
        out[key] = value
    return out


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise Unsafe("number out of range")
    return number


def _refuse_constant(name: str) -> Any:
    raise Unsafe(f"{name} is not JSON")


def load_json(text: str | bytes) -> Any:
    """Strict JSON: no duplicate keys, NaN/Infinity or huge numbers; bounded depth and size. Raises ValueError
    (``Unsafe`` for valid-but-refused JSON)."""
    text = _json_text(text)
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise Unsafe("nested too deeply") from None
    if not _tree_checked_by_text(text):
        check_tree(value)
    return value


#: What ``json.loads(text, object_pairs_hook=..., parse_float=..., parse_constant=...)`` builds at each call; one
#: decoder serves every call and thread (as ``json.loads``'s own default decoder does).
_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_float=_finite, parse_constant=_refuse_constant)


def _json_text(text: str | bytes) -> str:
    """The text ``json.loads`` hands to its decoder (Python 3.11's ``json.loads``, line for line): a ``str`` starting
    with a BOM is refused, ``bytes`` are decoded in the encoding their first bytes show (UTF-8, -16 or -32)."""
    if isinstance(text, str):
        if text.startswith("\ufeff"):
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return text
    if not isinstance(text, bytes | bytearray):
        raise TypeError(f"the JSON object must be str, bytes or bytearray, not {text.__class__.__name__}")
    return text.decode(json.detect_encoding(text), "surrogatepass")


def _tree_checked_by_text(text: str) -> bool:
    """Whether ``check_tree`` cannot refuse what ``json.loads`` (with ``load_json``'s hooks) just read from ``text``,
    proved from the text alone in a few C-speed passes (``check_tree`` walks every node in Python):

    * size: each node and key of the value is paid for by its own characters in the text (a bracket, a number or
      literal, a string with its quotes: decoding only shortens), so the value's units never exceed ``len(text)``;
    * depth: a value nested ``d`` deep sits inside ``d`` containers, each opened by its own ``{`` or ``[``;
    * lone surrogates: a decoded string holds one only if the text holds one, or a ``\\uD800``–``\\uDFFF`` escape;
    * non-finite numbers, non-string keys and non-JSON values: ``json.loads`` with ``_finite`` and
      ``_refuse_constant`` never produces them.

    ``False`` when any of these cannot be proved: ``check_tree`` then decides, as before."""
    return (
        len(text) <= MAX_JSON_UNITS
        and text.count("{") + text.count("[") <= MAX_DEPTH
        and SURROGATE.search(text) is None
        and SURROGATE_ESCAPE.search(text) is None
    )


def sanitised(value: Any) -> Any:
    """A document from the resolver, if it is plain, bounded JSON; else ``None``."""
    try:
        check_tree(value)
    except Unsafe:
        return None
    return value


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
        value = load_json(text)
    except Unsafe as exc:
        raise UnreadableInput(MSG_UNSAFE_JSON, detail=str(exc)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnreadableInput(MSG_BAD_JSON, detail=str(exc)) from None
    if not isinstance(value, dict):
        raise UnreadableInput(not_object, detail=f"a JSON {type(value).__name__}, not an object")
    return value


def _from_text(text: str, image: Literal["png", "svg"] | None, kind: Literal["ob2", "ob3"] | None) -> Presented:
    head = text.strip(JSON_SPACE)
    if not head:
        raise UnreadableInput(MSG_EMPTY if image is None else MSG_BAD_PAYLOAD)
    if head.startswith(("{", "[")):
        return Presented("json", _parse_json_object(head), image, kind)
    if head.startswith(("http://", "https://")):
        if not is_http_url(head):
            raise UnreadableInput(MSG_UNKNOWN_INPUT if image is None else MSG_BAD_PAYLOAD, detail="invalid URL")
        return Presented("url", head, image, kind)
    if JWS_RE.match(head):
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
        if text.lstrip(JSON_SPACE).startswith("<"):
            return _from_image(data)
        return _from_text(text, None, None)
    if data.lstrip(JSON_SPACE).startswith("<"):
        return _from_image(data)
    return _from_text(data, None, None)


def kind_of(doc: Mapping[str, Any]) -> Literal["ob3", "vc", "ob2"] | None:
    contexts = as_list(doc.get("@context"))
    if ob.VC2_CONTEXT in contexts or VC1_CONTEXT in contexts or "credentialSubject" in doc:
        return "ob3" if types_of(doc) & OB3_TYPES else "vc"
    if ob.OB2_CONTEXT in contexts or "Assertion" in types_of(doc) or ("badge" in doc and "recipient" in doc):
        return "ob2"
    return None


def jws_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a compact JWS, unverified (for routing only)."""
    header_segment, payload_segment, _ = token.split(".")
    try:
        header = load_json(b64url_decode(header_segment))
        payload = load_json(b64url_decode(payload_segment))
    except Unsafe as exc:
        raise UnreadableInput(MSG_UNSAFE_JSON, detail=str(exc)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnreadableInput(MSG_BAD_JWT, detail=str(exc)) from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise UnreadableInput(MSG_BAD_JWT, detail="header and payload must be JSON objects")
    return header, payload
