"""OB 3.0 credentials: an embedded Data Integrity proof or a VC-JWT, the issuer's control of the key, and what the
credential says (summary)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from badges import openbadges as ob
from badges.verification.claims import credential_validity, first_present, ob3_email_identities
from badges.verification.common import as_list, clip, id_of, image_url, iso, parse_date, str_or_none, types_of
from badges.verification.data_integrity import MAX_PROOFS, unsupported_proof, verify_data_integrity
from badges.verification.fetcher import Context
from badges.verification.inputs import OB3_TYPES, VC1_CONTEXT, Presented
from badges.verification.jsonld_terms import UnreadableTerms, read_as_signed
from badges.verification.keys import controlled_by
from badges.verification.messages import (
    MSG_KEY_ISSUER_BAD,
    MSG_KEY_ISSUER_OK,
    MSG_KEY_NOT_FOUND,
    MSG_KEY_UNREACHABLE,
    MSG_NO_SIGNATURE,
    MSG_NOT_AS_SIGNED,
    MSG_PROOF_UNSUPPORTED,
    MSG_SCHEMA_VC1,
    MSG_SIGNATURE_BAD,
    MSG_SIGNATURE_OK,
    MSG_SIGNATURE_UNCOVERED,
    MSG_SKIPPED_ISSUER,
    MSG_SKIPPED_UNVERIFIED,
    MSG_TOO_MANY_PROOFS,
    MSG_UNSAFE_SHAPE,
)
from badges.verification.schema import schema_check
from badges.verification.status import ob3_status
from badges.verification.vc_jwt import JWT_CLAIMS, verify_vc_jwt
from badges.verification.verdict import Check, Result, Status, format_check


def verify_ob3(
    ctx: Context,
    presented: Presented,
    fmt: str,
    doc: dict[str, Any],
    token: str | None,
    header: dict[str, Any] | None = None,
) -> Result:
    """``doc``: the credential (Data Integrity) or the unverified JWT payload (VC-JWT, ``token`` given, with its
    ``header`` as ``inputs.jws_parts`` read it)."""
    ctx.unresolved = []
    if token is not None:
        credential, signature, methods = verify_vc_jwt(ctx, token, (header, doc) if header is not None else None)
        presented_doc = credential or {k: v for k, v in doc.items() if k not in JWT_CLAIMS}
    else:
        credential, signature, methods = _di(ctx, doc)
        presented_doc = doc
    result = Result(fmt, format_check(fmt, presented), signature)
    contexts = as_list(presented_doc.get("@context"))
    if ob.VC2_CONTEXT in contexts or VC1_CONTEXT not in contexts:
        result.schema = schema_check(presented_doc)
    else:  # the official schema (3.0.3) describes VC 2.0 credentials; earlier OB 3.0 versions used VC 1.1
        result.schema = Check("schema", "skipped", MSG_SCHEMA_VC1)
    if credential is None or signature.outcome != "passed":
        issuer_key = ob3_issuer_key(id_of(presented_doc.get("issuer")), methods, ctx.controllers)
        if issuer_key.outcome == "failed":
            result.issuer_key = issuer_key
        return result
    # From here on, every verdict input is read as the proof covers it (jsonld_terms), not from the JSON keys.
    try:
        signed = read_as_signed(credential)
        if not types_of(signed) & OB3_TYPES:
            raise UnreadableTerms("the signed data is not an OpenBadgeCredential or AchievementCredential")
    except UnreadableTerms as exc:
        result.signature = Check("signature", "failed", MSG_NOT_AS_SIGNED, {"detail": clip(str(exc))})
        return result
    issuer_id = id_of(signed.get("issuer"))
    result.issuer_key = issuer_key = ob3_issuer_key(issuer_id, methods, ctx.controllers)
    result.credential = credential
    result.identities = ob3_email_identities(signed)
    result.validity, expired = credential_validity(signed, ctx.now)
    status = (
        ob3_status(ctx, signed, issuer_id)
        if issuer_key.outcome == "passed"
        else Status(Check("status", "skipped", MSG_SKIPPED_ISSUER))
    )
    result.status = status.check
    result.summary = ob3_summary(signed, status, expired)
    return result


def _di(ctx: Context, doc: dict[str, Any]) -> tuple[dict[str, Any] | None, Check, list[Any]]:
    if "proof" not in doc:
        return None, Check("signature", "failed", MSG_NO_SIGNATURE), []
    proofs = as_list(doc.get("proof"))
    methods = [proof.get("verificationMethod") if isinstance(proof, dict) else None for proof in proofs]
    if len(proofs) > MAX_PROOFS:
        return None, Check("signature", "failed", MSG_TOO_MANY_PROOFS, {"detail": f"{len(proofs)} proofs"}), []
    unsupported = unsupported_proof(proofs)
    if unsupported is not None:
        return None, Check("signature", "indeterminate", MSG_PROOF_UNSUPPORTED, {"type": unsupported}), methods
    problems = verify_data_integrity(ctx, doc)
    if not problems:
        return doc, Check("signature", "passed", MSG_SIGNATURE_OK), methods
    detail = {"detail": clip("; ".join(problems))}
    if ctx.unreachable:
        params = {"url": clip(ctx.unreachable[0]), **detail}
        return None, Check("signature", "indeterminate", MSG_KEY_UNREACHABLE, params), methods
    if any(problem.startswith("unsafe JSON-LD") for problem in problems):
        return None, Check("signature", "failed", MSG_UNSAFE_SHAPE, detail), methods
    if any(problem.startswith("not covered by the signature") for problem in problems):
        return None, Check("signature", "failed", MSG_SIGNATURE_UNCOVERED, detail), methods
    if ctx.unresolved:
        return None, Check("signature", "failed", MSG_KEY_NOT_FOUND, detail), methods
    return None, Check("signature", "failed", MSG_SIGNATURE_BAD, detail), methods


def ob3_issuer_key(
    issuer_id: str | None, methods: list[Any], controllers: Mapping[str, str | None] | None = None
) -> Check:
    params = {"issuer": issuer_id}
    if not methods:
        return Check("issuer-key", "skipped", MSG_SKIPPED_UNVERIFIED, params)
    for method in methods:
        if not isinstance(method, str) or issuer_id is None:
            return Check("issuer-key", "failed", MSG_KEY_ISSUER_BAD, params)
        if not controlled_by(method, issuer_id, controllers or {}):
            return Check("issuer-key", "failed", MSG_KEY_ISSUER_BAD, {**params, "key": clip(method)})
    return Check("issuer-key", "passed", MSG_KEY_ISSUER_OK, params)


def ob3_summary(credential: Mapping[str, Any], status: Status, expired: bool) -> dict[str, Any]:
    issuer = credential.get("issuer")
    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, dict) else {}
    criteria = achievement.get("criteria")
    names = [
        item.get("identityHash")
        for item in as_list(subject.get("identifier"))
        if isinstance(item, dict)
        and item.get("identityType") == "name"
        and item.get("hashed") is False
        and isinstance(item.get("identityHash"), str)
    ]
    return {
        "issuer_name": str_or_none(issuer.get("name")) if isinstance(issuer, dict) else None,
        "issuer_id": id_of(issuer),
        "achievement_name": str_or_none(achievement.get("name")),
        "achievement_description": str_or_none(achievement.get("description")),
        "criteria": str_or_none(criteria.get("narrative")) if isinstance(criteria, dict) else None,
        "achievement_id": str_or_none(achievement.get("id")),
        "image": image_url(achievement.get("image")),
        "issued_on": iso(parse_date(first_present(credential, "validFrom", "issuanceDate"))),
        "valid_until": iso(parse_date(first_present(credential, "validUntil", "expirationDate"))),
        "recipient_name": names[0] if names else None,
        "revoked": status.revoked,
        "revocation_reason": status.reason,
        "expired": expired,
        "credential_id": str_or_none(credential.get("id")),
    }
