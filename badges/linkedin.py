"""LinkedIn's "Add licence or certification" form: the fields it takes for a badge, and the link that pre-fills it.

Pure: no Flask, no database. The link is LinkedIn's documented "Add to Profile" URL
(``https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&…``): name, issuing organisation (by name,
or by its LinkedIn page id when the training body configured one), issue month and year, expiry month and year,
credential id and credential URL. LinkedIn no longer promises to pre-fill the form from it, so the holder's page
also shows the same fields as text to copy (:func:`fields`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote, urlencode

from core.config import ConfigError

ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


@dataclass(frozen=True)
class Certification:
    """One badge as LinkedIn's certification form sees it (``issued``/``expires``: only month and year count)."""

    name: str
    organization_name: str
    issued: date
    cert_url: str
    cert_id: str
    expires: date | None = None
    organization_id: str | None = None


def add_to_profile_url(cert: Certification) -> str:
    """The "Add to profile" link, every value percent-encoded (a plain link: no script, no tracking)."""
    params: dict[str, Any] = {"startTask": "CERTIFICATION_NAME", "name": cert.name}
    if cert.organization_id:
        params["organizationId"] = cert.organization_id  # LinkedIn then shows the organisation's own page
    else:
        params["organizationName"] = cert.organization_name
    params.update(issueYear=cert.issued.year, issueMonth=cert.issued.month)
    if cert.expires is not None:
        params.update(expirationYear=cert.expires.year, expirationMonth=cert.expires.month)
    params.update(certUrl=cert.cert_url, certId=cert.cert_id)
    return f"{ADD_TO_PROFILE}?{urlencode(params, quote_via=quote)}"


def organization_id(value: object) -> str | None:
    """``LINKEDIN_ORGANIZATION_ID`` read: ``None`` when unset, else the digits of a LinkedIn organisation id.

    Raises ``ValueError`` for anything else (a name or a page URL pasted by mistake)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or int(text) == 0:
        raise ValueError(f"{text!r} is not a number")
    return str(int(text))


def check_config(config: Mapping[str, Any]) -> None:
    """At app start: a wrong ``LINKEDIN_ORGANIZATION_ID`` stops the app with a message saying what to change."""
    try:
        organization_id(config.get("LINKEDIN_ORGANIZATION_ID"))
    except ValueError as error:
        raise ConfigError(
            "TREMPLIN_LINKEDIN_ORGANIZATION_ID must be the number of the training body's LinkedIn page (the digits "
            f"in https://www.linkedin.com/company/<number>/admin/), or unset: {error}."
        ) from None
