"""From what was presented to a verdict: recognise the format, run its checks, gather them into a ``Verdict``."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from badges.verification.claims import recipient_check
from badges.verification.fetcher import CREDENTIAL_ACCEPT, Context, Resolver
from badges.verification.inputs import Presented, UnreadableInput, jws_parts, kind_of, parse_input
from badges.verification.messages import (
    MSG_BAD_JWT,
    MSG_HOSTED_FETCH,
    MSG_LINK,
    MSG_LINK_NOT_BADGE,
    MSG_LINK_UNREACHABLE,
    MSG_NOT_A_BADGE,
    MSG_NOT_A_BADGE_VC,
    MSG_OB2_NO_VERIFICATION,
    MSG_OB2_SIGNED_AS_JSON,
    MSG_SKIPPED_UNDECIDED,
    MSG_SKIPPED_UNVERIFIED,
    MSG_UNEXPECTED,
)
from badges.verification.ob2 import OB2_HOSTED, OB2_SIGNED, verify_ob2_hosted, verify_ob2_signed
from badges.verification.ob3 import verify_ob3
from badges.verification.verdict import Check, Result, Verdict, failed_format, format_check

log = logging.getLogger(__name__)


def route(ctx: Context, presented: Presented) -> Result | Verdict:
    if presented.form == "jws":
        return _route_jws(ctx, presented, presented.value)

    url: str | None = None
    doc = presented.value if presented.form == "json" else None
    if presented.form == "url":
        url = presented.value
        answer = ctx.fetch.get(url, CREDENTIAL_ACCEPT)
        if answer.status == 410 or (presented.baked_kind == "ob2" and answer.doc is None):
            return verify_ob2_hosted(ctx, presented, None, url)
        if answer.ok and answer.text is not None:  # a VC-JWT or an OB 2.0 JWS served at the link
            return _route_jws(ctx, presented, answer.text)
        if not answer.ok or answer.doc is None:
            fmt_check = Check("format", "passed", MSG_LINK)
            params = {"url": url, "detail": answer.why()}
            if answer.unreachable:
                return Result("unknown", fmt_check, Check("signature", "indeterminate", MSG_LINK_UNREACHABLE, params))
            return Result("unknown", fmt_check, Check("signature", "failed", MSG_HOSTED_FETCH, params))
        doc = answer.doc
    assert doc is not None
    kind = kind_of(doc)
    if kind == "ob3":
        return verify_ob3(ctx, presented, "ob3-data-integrity", doc, None)
    if kind == "ob2":
        verification = doc.get("verification")
        verification_type = verification.get("type") if isinstance(verification, dict) else None
        if verification_type in OB2_HOSTED:
            return verify_ob2_hosted(ctx, presented, doc, url)
        if verification_type in OB2_SIGNED:
            result = Result("ob2-signed", format_check("ob2-signed", presented), Check("signature", "failed", ""))
            result.signature = Check("signature", "failed", MSG_OB2_SIGNED_AS_JSON)
            return result
        return failed_format(MSG_OB2_NO_VERIFICATION)
    if url is not None:
        return failed_format(MSG_LINK_NOT_BADGE, {"url": url})
    return failed_format(MSG_NOT_A_BADGE_VC if kind == "vc" else MSG_NOT_A_BADGE)


def _route_jws(ctx: Context, presented: Presented, token: str) -> Result | Verdict:
    header, payload = jws_parts(token)
    inner = payload.get("vc") if isinstance(payload.get("vc"), dict) else payload
    kind = kind_of(inner)
    if kind is None:
        kind = {"EdDSA": "ob3", "RS256": "ob2"}.get(header.get("alg"))  # type: ignore[arg-type]
    if kind == "ob3":
        return verify_ob3(ctx, presented, "ob3-vc-jwt", payload, token, header)
    if kind == "ob2":
        return verify_ob2_signed(ctx, presented, token)
    return failed_format(MSG_NOT_A_BADGE_VC if kind == "vc" else MSG_BAD_JWT)


def verdict_of(result: Result, recipient_email: str | None) -> Verdict:
    signature_passed = result.signature.outcome == "passed"
    skipped = MSG_SKIPPED_UNDECIDED if result.signature.outcome == "indeterminate" else MSG_SKIPPED_UNVERIFIED
    checks = [result.format_check, result.signature]
    for code, check in (
        ("issuer-key", result.issuer_key),
        ("status", result.status),
        ("validity-period", result.validity),
        ("schema", result.schema),
    ):
        checks.append(check or Check(code, "skipped", skipped))
    if recipient_email is not None:
        if signature_passed:
            checks.append(recipient_check(recipient_email, result.identities))
        else:
            checks.append(Check("recipient", "skipped", skipped))
    valid = signature_passed and all(check.outcome in ("passed", "skipped") for check in checks)
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
        routed = route(Context(resolver, now), presented)
        return routed if isinstance(routed, Verdict) else verdict_of(routed, recipient_email)
    except UnreadableInput as exc:
        return failed_format(exc.message, exc.params)
    except Exception as exc:  # the last line of defence: hostile input must never raise
        log.exception("badge verification failed unexpectedly")
        return failed_format(MSG_UNEXPECTED, {"detail": type(exc).__name__})
