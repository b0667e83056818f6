"""Verdicts on this platform's own stored credentials: what never changes is checked once (``stored_checks``), the
status and the dates at each verification (``stored_verdict``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from badges.verification.claims import validity_check
from badges.verification.common import as_list, clip, id_of, parse_date
from badges.verification.dispatch import verdict_of
from badges.verification.messages import (
    FORMAT_MESSAGES,
    MSG_REVOKED,
    MSG_SIGNATURE_BAD,
    MSG_SIGNATURE_OK,
    MSG_STATUS_OK,
)
from badges.verification.ob3 import ob3_issuer_key, ob3_summary
from badges.verification.schema import schema_check
from badges.verification.verdict import Check, Result, Status, Verdict


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
    proofs = as_list(credential.get("proof"))
    methods = [proof.get("verificationMethod") if isinstance(proof, dict) else None for proof in proofs]
    if signature_problems:
        signature = Check("signature", "failed", MSG_SIGNATURE_BAD, {"detail": clip("; ".join(signature_problems))})
    else:
        signature = Check("signature", "passed", MSG_SIGNATURE_OK)
    return StoredChecks(
        credential=credential,
        format_check=Check("format", "passed", FORMAT_MESSAGES[("ob3-data-integrity", False)]),
        signature=signature,
        issuer_key=ob3_issuer_key(id_of(credential.get("issuer")), methods),
        schema=schema_check(credential),
        valid_from=parse_date(credential.get("validFrom")) if credential.get("validFrom") is not None else None,
        valid_until=parse_date(credential.get("validUntil")) if credential.get("validUntil") is not None else None,
    )


def validity_period(credential: Mapping[str, Any], now: datetime) -> Check:
    """The ``validity-period`` check of an OB 3.0 credential at ``now``."""
    return validity_check(credential.get("validFrom"), credential.get("validUntil"), now, start_required=False)[0]


def stored_verdict(stored: StoredChecks, *, now: datetime, revoked: bool, reason: str | None = None) -> Verdict:
    """The verdict on a stored credential now: its unchanging checks, the revocation status its issuer holds
    (the same fact its status list publishes) and its dates against ``now``."""
    credential = stored.credential
    if revoked:
        status = Status(Check("status", "failed", MSG_REVOKED), revoked=True, reason=reason)
    else:
        status = Status(Check("status", "passed", MSG_STATUS_OK))
    validity, expired = validity_check(
        credential.get("validFrom"), credential.get("validUntil"), now, start_required=False
    )
    result = Result("ob3-data-integrity", stored.format_check, stored.signature)
    result.issuer_key = stored.issuer_key
    result.schema = stored.schema
    if stored.signature.outcome == "passed":
        result.credential = credential
        result.status = status.check
        result.validity = validity
        result.summary = ob3_summary(credential, status, expired)
    return verdict_of(result, None)
