"""Display helpers of the badges engine (templates)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
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


# ------------------------------------------------------------------------------------------------ what it is worth

#: The external frameworks a badge may align to, as a verification page names them (targetFramework → label).
_KNOWN_FRAMEWORKS = ("ESCO", "ROME", "RNCP", "RS")


@dataclass(frozen=True)
class AlignmentLine:
    """One alignment of a credential to an external framework, in words: "Compétence ESCO : écouter…"."""

    text: str
    url: str | None


def framework_alignments(achievement: Mapping[str, Any]) -> list[AlignmentLine]:
    """The alignments of an OB 3.0 Achievement to external frameworks (those with a ``targetType`` or a known
    ``targetFramework``), each said in words in the current language. The programme's own framework page
    (a plain alignment) is listed apart, as its competencies."""
    lines: list[AlignmentLine] = []
    for alignment in achievement.get("alignment") or ():
        if not isinstance(alignment, Mapping):
            continue
        framework = _text(alignment.get("targetFramework"), 200)
        kind = _text(alignment.get("targetType"), 100)
        if framework not in _KNOWN_FRAMEWORKS and kind is None:
            continue
        name = _text(alignment.get("targetName")) or ""
        code = _text(alignment.get("targetCode"), 100)
        url = web_url(alignment.get("targetUrl"))
        if framework == "ESCO":
            occupation = kind == "ext:ESCOOccupation" or "/esco/occupation/" in (url or "")
            text = _("ESCO occupation: %(name)s", name=name) if occupation else _("ESCO skill: %(name)s", name=name)
        elif framework == "ROME":
            text = _("ROME fiche %(code)s: %(name)s", code=code or "", name=name)
        elif framework == "RNCP":
            text = _("RNCP certification %(code)s: %(name)s", code=code or "", name=name)
        elif framework == "RS":
            text = _("Specific register certification %(code)s: %(name)s", code=code or "", name=name)
        elif code:
            text = _("%(framework)s, %(code)s: %(name)s", framework=framework or "", code=code, name=name)
        else:
            text = _("%(framework)s: %(name)s", framework=framework or "", name=name)
        lines.append(AlignmentLine(text=text, url=url))
    return lines


def own_competencies(achievement: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The alignments that are not to an external framework: the programme's own competencies."""
    return [
        a
        for a in achievement.get("alignment") or ()
        if isinstance(a, Mapping) and "targetType" not in a and a.get("targetFramework") not in _KNOWN_FRAMEWORKS
    ]


def evidence_kinds(credential: Mapping[str, Any]) -> list[str]:
    """The names of the kinds of evidence a credential lists (OB 3.0 ``evidence`` entries with a ``name``)."""
    out: list[str] = []
    for entry in credential.get("evidence") or ():
        name = _text(entry.get("name")) if isinstance(entry, Mapping) else None
        if name and name not in out:
            out.append(name)
    return out


@dataclass(frozen=True)
class EndorsementLine:
    partner: str
    url: str | None
    comment: str
    recorded_on: datetime | None


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None
    except ValueError:
        return None


def endorsements(achievement: Mapping[str, Any]) -> list[EndorsementLine]:
    """The endorsements embedded in an OB 3.0 Achievement: who (the issuer's name and web site) and what."""
    out: list[EndorsementLine] = []
    for entry in achievement.get("endorsement") or ():
        if not isinstance(entry, Mapping):
            continue
        issuer = entry.get("issuer") if isinstance(entry.get("issuer"), Mapping) else {}
        subject = entry.get("credentialSubject") if isinstance(entry.get("credentialSubject"), Mapping) else {}
        partner = _text(issuer.get("name"), 200)
        comment = _text(subject.get("endorsementComment"), 500)
        if partner and comment:
            out.append(
                EndorsementLine(
                    partner=partner,
                    url=web_url(issuer.get("url")),
                    comment=comment,
                    recorded_on=_when(entry.get("validFrom")),
                )
            )
    return out
