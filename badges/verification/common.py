"""Small readers shared by the verifier's modules: URLs, lists, ids, dates. Pure and total (never raise)."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

MAX_INPUT_BYTES = 2 * 1024 * 1024
MAX_URL_LENGTH = 2048
MAX_DETAIL_LENGTH = 300


def clip(text: str) -> str:
    """A technical detail, cut to ``MAX_DETAIL_LENGTH`` characters."""
    return text if len(text) <= MAX_DETAIL_LENGTH else text[: MAX_DETAIL_LENGTH - 1] + "…"


def is_http_url(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > MAX_URL_LENGTH or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def origin(url: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, f"{host}:{port or default}"


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def types_of(doc: Mapping[str, Any]) -> set[str]:
    return {t for t in as_list(doc.get("type")) if isinstance(t, str)}


def id_of(value: Any) -> str | None:
    """A node's id: the string itself, or the ``id`` of an object."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def parse_date(value: Any) -> datetime | None:
    """An aware datetime from an ISO 8601 string (naive means UTC) or, for OB 2.0, a Unix timestamp."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not 0 <= value <= 253402300799:
            return None
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str) or len(value) > 64:
        return None
    return _parse_date_text(str(value))


@functools.lru_cache(maxsize=1024)
def _parse_date_text(value: str) -> datetime | None:
    """``parse_date`` of a string, remembered: a function of the text alone, and datetimes are immutable (a
    VC-JWT's ``validFrom`` is read for its ``nbf``, its validity and its summary)."""
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


def iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None


def image_url(value: Any) -> str | None:
    url = id_of(value)
    if url is None:
        return None
    if is_http_url(url) or (url.startswith("data:image/") and len(url) <= MAX_INPUT_BYTES):
        return url
    return None


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("invalid base64url") from exc


# ------------------------------------------------------------------------------------------------------ memos

MEMO_SIZE = 1024


class MemoTable(dict):
    """Results that cannot change, by document fingerprint; cleared when full (bounded)."""

    def remember(self, key: Any, value: Any) -> None:
        if len(self) >= MEMO_SIZE:
            self.clear()
        self[key] = value


def fingerprint(doc: Any) -> bytes | None:
    """SHA-256 of the document as JSON with sorted keys (equal fingerprints: equal JSON values), or ``None``."""
    try:
        text = json.dumps(doc, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
