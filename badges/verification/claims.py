"""What a badge says about its holder and its dates: the ``recipient`` and ``validity-period`` checks."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from badges import openbadges as ob
from badges.verification.common import as_list, iso, parse_date
from badges.verification.messages import (
    MSG_BAD_DATES,
    MSG_EXPIRED,
    MSG_NOT_YET_VALID,
    MSG_RECIPIENT_BAD,
    MSG_RECIPIENT_NONE,
    MSG_RECIPIENT_OK,
    MSG_VALID_OPEN,
    MSG_VALID_UNTIL,
)
from badges.verification.verdict import Check


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


def recipient_check(email: str, identities: list[tuple[Any, Any, Any]]) -> Check:
    if not identities:
        return Check("recipient", "failed", MSG_RECIPIENT_NONE)
    try:
        matched = any(_identity_matches(email, identity, hashed, salt) for identity, hashed, salt in identities)
    except (TypeError, ValueError):  # UnicodeEncodeError is a ValueError
        matched = False
    return Check("recipient", "passed" if matched else "failed", MSG_RECIPIENT_OK if matched else MSG_RECIPIENT_BAD)


def ob3_email_identities(credential: Mapping[str, Any]) -> list[tuple[Any, Any, Any]]:
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        return []
    out = []
    for item in as_list(subject.get("identifier"))[:16]:
        if isinstance(item, dict) and item.get("identityType") == "emailAddress":
            out.append((item.get("identityHash"), item.get("hashed"), item.get("salt")))
    return out


def ob2_email_identities(assertion: Mapping[str, Any]) -> list[tuple[Any, Any, Any]]:
    recipient = assertion.get("recipient")
    if isinstance(recipient, dict) and recipient.get("type", "email") == "email":
        return [(recipient.get("identity"), recipient.get("hashed"), recipient.get("salt"))]
    return []


# ------------------------------------------------------------------------------------------------------ validity


def validity_check(start: Any, end: Any, now: datetime, *, start_required: bool) -> tuple[Check, bool]:
    """(check, expired)."""
    valid_from = parse_date(start) if start is not None else None
    valid_until = parse_date(end) if end is not None else None
    if (
        (start is None and start_required)
        or (start is not None and valid_from is None)
        or (end is not None and valid_until is None)
    ):
        return Check("validity-period", "failed", MSG_BAD_DATES), False
    if valid_from is not None and valid_from > now:
        return Check("validity-period", "failed", MSG_NOT_YET_VALID, {"date": iso(valid_from)}), False
    if valid_until is not None and valid_until <= now:
        return Check("validity-period", "failed", MSG_EXPIRED, {"date": iso(valid_until)}), True
    params = {"valid_from": iso(valid_from), "valid_until": iso(valid_until)}
    return Check("validity-period", "passed", MSG_VALID_UNTIL if valid_until else MSG_VALID_OPEN, params), False


def first_present(doc: Mapping[str, Any], *keys: str) -> Any:
    """The value of the first of ``keys`` that ``doc`` has (``None`` if none)."""
    return next((doc[key] for key in keys if key in doc), None)


def credential_validity(credential: Mapping[str, Any], now: datetime) -> tuple[Check, bool]:
    """The ``validity-period`` check of an OB 3.0 credential (as read by ``jsonld_terms.read_as_signed``): VC 2.0
    ``validFrom``/``validUntil`` and VC 1.1 ``issuanceDate``/``expirationDate``; when a credential has both pairs,
    both must hold."""
    pairs = [("validFrom", "validUntil"), ("issuanceDate", "expirationDate")]
    present = [(start, end) for start, end in pairs if start in credential or end in credential] or pairs[:1]
    checks = [
        validity_check(credential.get(start), credential.get(end), now, start_required=False) for start, end in present
    ]
    return next((found for found in checks if found[0].outcome == "failed"), checks[0])
