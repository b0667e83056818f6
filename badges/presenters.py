"""Display helpers of the badges engine (templates)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

from badges.services import REASON_LABELS, REVOCATION_REASONS, reason_label  # noqa: F401 - named here too


def criteria_html(text: str | None) -> Markup:
    """The criteria narrative (plain text with ``- `` bullet lines, as written in the badge) as safe HTML:
    paragraphs and lists only, everything escaped."""
    if not text:
        return Markup("")
    out: list[str] = []
    for block in text.strip().split("\n\n"):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{escape(line[2:])}</li>" for line in lines)
            out.append(f"<ul>{items}</ul>")
        else:
            out.append(f"<p>{escape(' '.join(lines))}</p>")
    return Markup("".join(out))  # noqa: S704  # nosec B704  # every piece of text is escaped above


_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"'/]{1,253}$")


@dataclass(frozen=True)
class IssuerProfile:
    """Who issued a badge, as an employer reads it: a name, what the issuer is, its web site and contact address,
    since when it issues badges — and, for experts only, its identifiers (``did:``, profile URL)."""

    name: str | None
    url: str | None = None  # an http(s) URL only (never ``javascript:`` or ``data:`` from a foreign badge)
    email: str | None = None
    description: str | None = None
    since: datetime | None = None
    ids: tuple[str, ...] = ()

    @property
    def site(self) -> str | None:
        """The web site as people write it: ``formation.example.org``, not ``https://formation.example.org/``."""
        if not self.url:
            return None
        parts = urlsplit(self.url)
        host = parts.netloc.removeprefix("www.")
        path = parts.path.rstrip("/")
        return host + path if len(path) <= 30 else host


def _text(value: Any, limit: int = 300) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def web_url(value: Any) -> str | None:
    """``value`` if it is an http(s) URL with a host (what may go in an ``href``), else ``None``."""
    if not isinstance(value, str) or len(value) > 2000:
        return None
    parts = urlsplit(value.strip())
    return value.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def email_address(value: Any) -> str | None:
    """``value`` if it looks like an e-mail address (``mailto:`` removed), else ``None``."""
    if not isinstance(value, str):
        return None
    value = value.strip().removeprefix("mailto:")
    return value if _EMAIL.match(value) else None


def issuer_of(credential: Mapping[str, Any] | None, summary: Mapping[str, Any] | None = None) -> IssuerProfile:
    """The issuer profile a verified credential states about itself: the OB 3.0 ``issuer`` object, or the OB 2.0
    assertion's embedded badge class ``issuer``; the summary's name and identifier fill what is missing."""
    summary = summary or {}
    credential = credential or {}
    issuer: Any = credential.get("issuer")
    if issuer is None and isinstance(credential.get("badge"), Mapping):  # OB 2.0: assertion → badge → issuer
        issuer = credential["badge"].get("issuer")
    profile = issuer if isinstance(issuer, Mapping) else {}
    identifier = summary.get("issuer_id") or (issuer if isinstance(issuer, str) else profile.get("id"))
    return IssuerProfile(
        name=_text(profile.get("name"), 200) or _text(summary.get("issuer_name"), 200),
        url=web_url(profile.get("url")),
        email=email_address(profile.get("email")),
        description=_text(profile.get("description")),
        ids=(identifier,) if isinstance(identifier, str) and identifier else (),
    )
