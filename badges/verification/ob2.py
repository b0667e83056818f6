"""OB 2.0 assertions: signed (compact JWS, RS256, key at ``verification.creator``) or hosted (served by the
issuer's web site), the issuer's profile and badge class, and what the assertion says (summary)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from badges import signing
from badges.verification.claims import ob2_email_identities, validity_check
from badges.verification.common import (
    as_list,
    clip,
    id_of,
    image_url,
    is_http_url,
    iso,
    origin,
    parse_date,
    str_or_none,
)
from badges.verification.fetcher import Context
from badges.verification.inputs import Presented, Unsafe, check_tree, jws_parts
from badges.verification.messages import (
    MSG_BADGE_CLASS_MISSING,
    MSG_HOSTED_DIFFERS,
    MSG_HOSTED_FETCH,
    MSG_HOSTED_GONE,
    MSG_HOSTED_NOT_HOSTED,
    MSG_HOSTED_OK,
    MSG_HOSTED_OTHER_ID,
    MSG_ISSUER_PROFILE_MISSING,
    MSG_KEY_NOT_FOUND,
    MSG_KEY_UNREACHABLE,
    MSG_OB2_HOST_BAD,
    MSG_OB2_HOST_OK,
    MSG_OB2_KEY_BAD,
    MSG_OB2_KEY_OK,
    MSG_OB2_NO_CREATOR,
    MSG_REVOKED,
    MSG_SCHEMA_OB2,
    MSG_SIGNATURE_BAD,
    MSG_SIGNATURE_OK,
    MSG_SKIPPED_ISSUER,
    MSG_STATUS_OK,
)
from badges.verification.status import ob2_revocation_list
from badges.verification.verdict import Check, Result, Status, format_check

MAX_RSA_BITS = 8192
OB2_HOSTED = frozenset({"hosted", "HostedBadge"})
OB2_SIGNED = frozenset({"signed", "SignedBadge"})


def verify_ob2_signed(ctx: Context, presented: Presented, token: str) -> Result:
    result = Result("ob2-signed", format_check("ob2-signed", presented), Check("signature", "failed", ""))
    _, unverified = jws_parts(token)
    verification = unverified.get("verification")
    creator = verification.get("creator") if isinstance(verification, dict) else None
    result.schema = Check("schema", "skipped", MSG_SCHEMA_OB2)
    if not is_http_url(creator):
        result.signature = Check("signature", "failed", MSG_OB2_NO_CREATOR)
        return result
    key_answer = ctx.fetch.node(creator)
    if key_answer.unreachable:
        params = {"url": creator, "detail": key_answer.why()}
        result.signature = Check("signature", "indeterminate", MSG_KEY_UNREACHABLE, params)
        return result
    key_doc = key_answer.doc
    pem = key_doc.get("publicKeyPem") if key_doc else None
    try:
        if not isinstance(pem, str):
            raise signing.SigningError("no publicKeyPem at the creator URL")
        public_key = signing.rsa_public_key_from_pem(pem)
    except signing.SigningError as exc:
        result.signature = Check("signature", "failed", MSG_KEY_NOT_FOUND, {"detail": clip(str(exc))})
        return result
    if not isinstance(public_key, rsa.RSAPublicKey) or public_key.key_size > MAX_RSA_BITS:
        result.signature = Check("signature", "failed", MSG_KEY_NOT_FOUND, {"detail": "unusable RSA key"})
        return result
    try:
        assertion = signing.verify_jws(token, public_key)
        check_tree(assertion)
    except (signing.SigningError, Unsafe) as exc:
        result.signature = Check("signature", "failed", MSG_SIGNATURE_BAD, {"detail": clip(str(exc))})
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
    result.identities = ob2_email_identities(assertion)
    result.validity, expired = validity_check(
        assertion.get("issuedOn"), assertion.get("expires"), ctx.now, start_required=True
    )

    badge_class, issuer_id, profile, missing = _badge_and_issuer(ctx, assertion)
    params = {"issuer": issuer_id}
    if missing is not None:
        result.issuer_key = missing
    else:
        assert profile is not None
        listed = {id_of(key) for key in as_list(profile.get("publicKey"))}
        owned = key_doc is not None and key_doc.get("owner") == issuer_id
        result.issuer_key = Check(
            "issuer-key",
            "passed" if owned and creator in listed else "failed",
            MSG_OB2_KEY_OK if owned and creator in listed else MSG_OB2_KEY_BAD,
            params if owned and creator in listed else {**params, "key": creator},
        )
    if result.issuer_key.outcome != "passed":
        status = Status(Check("status", "skipped", MSG_SKIPPED_ISSUER))
    else:
        assert profile is not None
        status = ob2_revocation_list(ctx, assertion, profile)
    result.status = status.check
    result.summary = ob2_summary(assertion, badge_class, profile, issuer_id, status, expired)
    return result


def _badge_and_issuer(
    ctx: Context, assertion: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, str | None, dict[str, Any] | None, Check | None]:
    """The badge class, the issuer id and profile, and the ``issuer-key`` check to report when one is missing
    (``indeterminate`` when it could not be fetched, ``failed`` when the issuer's server says it is not there)."""
    badge = assertion.get("badge")
    if isinstance(badge, dict):
        badge_class = badge
    else:
        answer = ctx.fetch.node(badge)
        badge_class = answer.doc
        if badge_class is None:
            outcome = "indeterminate" if answer.unreachable else "failed"
            return None, None, None, Check("issuer-key", outcome, MSG_BADGE_CLASS_MISSING, {"detail": answer.why()})
    issuer_id = id_of(badge_class.get("issuer"))
    if not is_http_url(issuer_id):
        return badge_class, None, None, Check("issuer-key", "failed", MSG_BADGE_CLASS_MISSING)
    answer = ctx.fetch.node(issuer_id)
    if answer.doc is None:
        outcome = "indeterminate" if answer.unreachable else "failed"
        params = {"issuer": issuer_id, "detail": answer.why()}
        return badge_class, issuer_id, None, Check("issuer-key", outcome, MSG_ISSUER_PROFILE_MISSING, params)
    return badge_class, issuer_id, answer.doc, None


def verify_ob2_hosted(ctx: Context, presented: Presented, doc: dict[str, Any] | None, url: str | None) -> Result:
    """``doc``: the presented assertion (JSON, or what the presented link served); ``url``: the presented
    link, when the input was one."""
    result = Result("ob2-hosted", format_check("ob2-hosted", presented), Check("signature", "failed", ""))
    result.schema = Check("schema", "skipped", MSG_SCHEMA_OB2)
    hosted_url = doc.get("id") if doc is not None else url
    if not is_http_url(hosted_url):
        result.signature = Check("signature", "failed", MSG_HOSTED_FETCH, {"url": str_or_none(hosted_url)})
        return result
    answer = ctx.fetch.get(hosted_url)
    status_code, hosted = answer.status, answer.doc
    gone = status_code == 410 or (status_code == 200 and hosted is not None and hosted.get("revoked") is True)
    if gone:
        reason = str_or_none(hosted.get("revocationReason")) if hosted else None
        result.signature = Check("signature", "skipped", MSG_HOSTED_GONE, {"url": hosted_url})
        result.status = Check("status", "failed", MSG_REVOKED, {"reason": reason})
        return result
    if not answer.ok or hosted is None:
        params = {"url": hosted_url, "detail": answer.why()}
        result.signature = Check(
            "signature", "indeterminate" if answer.unreachable else "failed", MSG_HOSTED_FETCH, params
        )
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
    result.identities = ob2_email_identities(hosted)
    result.validity, expired = validity_check(
        hosted.get("issuedOn"), hosted.get("expires"), ctx.now, start_required=True
    )

    badge_class, issuer_id, profile, missing = _badge_and_issuer(ctx, hosted)
    params = {"issuer": issuer_id}
    if missing is not None:
        result.issuer_key = missing
    elif profile is not None and issuer_id is not None and _hosted_by_issuer(hosted_url, issuer_id, profile):
        result.issuer_key = Check("issuer-key", "passed", MSG_OB2_HOST_OK, params)
    else:
        result.issuer_key = Check("issuer-key", "failed", MSG_OB2_HOST_BAD, params)
    status = Status(Check("status", "passed", MSG_STATUS_OK))
    result.status = status.check
    result.summary = ob2_summary(hosted, badge_class, profile, issuer_id, status, expired)
    return result


def _hosted_by_issuer(hosted_url: str, issuer_id: str, profile: Mapping[str, Any]) -> bool:
    """OB 2.0 hosted verification: the assertion's origin is the issuer's, unless the issuer's profile allows
    others (``verification.allowedOrigins`` host names, ``verification.startsWith`` URL prefixes)."""
    policy = profile.get("verification")
    if isinstance(policy, dict) and ("allowedOrigins" in policy or "startsWith" in policy):
        host = (urlsplit(hosted_url).hostname or "").lower()
        origins = {o.lower() for o in as_list(policy.get("allowedOrigins")) if isinstance(o, str)}
        prefixes = [p for p in as_list(policy.get("startsWith")) if is_http_url(p)]
        if "allowedOrigins" in policy and host not in origins:
            return False
        return not prefixes or any(hosted_url.startswith(prefix) for prefix in prefixes)
    return origin(hosted_url) is not None and origin(hosted_url) == origin(issuer_id)


def ob2_summary(
    assertion: Mapping[str, Any],
    badge_class: Mapping[str, Any] | None,
    profile: Mapping[str, Any] | None,
    issuer_id: str | None,
    status: Status,
    expired: bool,
) -> dict[str, Any]:
    badge_class = badge_class or {}
    criteria = badge_class.get("criteria")
    return {
        "issuer_name": str_or_none(profile.get("name")) if profile else None,
        "issuer_id": issuer_id,
        "achievement_name": str_or_none(badge_class.get("name")),
        "achievement_description": str_or_none(badge_class.get("description")),
        "criteria": str_or_none(criteria.get("narrative")) if isinstance(criteria, dict) else None,
        "achievement_id": str_or_none(badge_class.get("id")),
        "image": image_url(badge_class.get("image")),
        "issued_on": iso(parse_date(assertion.get("issuedOn"))),
        "valid_until": iso(parse_date(assertion.get("expires"))),
        "recipient_name": None,  # OB 2.0 has no property for the recipient's name
        "revoked": status.revoked,
        "revocation_reason": status.reason,
        "expired": expired,
        "credential_id": str_or_none(assertion.get("id")),
    }
