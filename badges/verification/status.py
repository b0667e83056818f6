"""Revocation and suspension: OB 3.0 ``BitstringStatusListEntry`` and the OB 2.0 issuer's ``RevocationList``.

A claimed status is never trusted (``"revoked": false`` in a document means nothing); a status list must be the
issuer's own, signed by it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from badges import openbadges as ob
from badges.verification.claims import validity_check
from badges.verification.common import as_list, clip, id_of, is_http_url, origin, str_or_none, types_of
from badges.verification.data_integrity import MAX_PROOFS, verify_data_integrity
from badges.verification.fetcher import CREDENTIAL_ACCEPT, Context
from badges.verification.jsonld_terms import STATUS_READING_CONTEXT, UnreadableTerms, read_as_signed
from badges.verification.keys import controlled_by
from badges.verification.messages import (
    MSG_NO_STATUS,
    MSG_OB2_NO_REVOCATION_LIST,
    MSG_REVOKED,
    MSG_STATUS_FETCH,
    MSG_STATUS_INVALID,
    MSG_STATUS_NOT_ISSUER,
    MSG_STATUS_OK,
    MSG_STATUS_UNSUPPORTED,
    MSG_SUSPENDED,
)
from badges.verification.vc_jwt import verify_vc_jwt
from badges.verification.verdict import Check, Status

MAX_STATUS_ENTRIES = 4
REVOCATION_LIST_1EDTECH = "1EdTechRevocationList"
DIGITS = re.compile(r"^[0-9]{1,12}$")


def ob3_status(ctx: Context, credential: dict[str, Any], issuer_id: str | None) -> Status:
    """Every status entry is checked; a failed one (revoked, suspended, a list that says no) wins over one that
    could not be checked (indeterminate), which wins over passed ones."""
    entries = as_list(credential.get("credentialStatus"))
    if not entries:
        return Status(Check("status", "skipped", MSG_NO_STATUS))
    if len(entries) > MAX_STATUS_ENTRIES:
        return Status(Check("status", "failed", MSG_STATUS_INVALID, {"detail": "too many status entries"}))
    undecided: Status | None = None
    checked = 0
    for entry in entries:
        if not isinstance(entry, dict):
            return Status(Check("status", "failed", MSG_STATUS_INVALID, {"detail": "entry is not an object"}))
        entry_type = entry.get("type")
        kinds = as_list(entry_type)
        if kinds == ["BitstringStatusListEntry"]:
            purpose = entry.get("statusPurpose")
            if purpose not in ("revocation", "suspension"):
                continue  # "refresh", "message": not a judgement on validity
            outcome = _bitstring(ctx, entry, purpose, issuer_id)
        elif kinds == [REVOCATION_LIST_1EDTECH]:
            outcome = _revocation_list_1edtech(ctx, entry, credential, issuer_id)
        else:
            kind = entry_type if isinstance(entry_type, str) else json.dumps(entry_type)[:80]
            outcome = Status(Check("status", "indeterminate", MSG_STATUS_UNSUPPORTED, {"type": kind}))
        if outcome is not None and outcome.check.outcome == "failed":
            return outcome
        if outcome is not None and undecided is None:
            undecided = outcome
        checked += 1
    if undecided is not None:
        return undecided
    if not checked:
        return Status(Check("status", "skipped", MSG_NO_STATUS))
    return Status(Check("status", "passed", MSG_STATUS_OK))


def _revocation_list_1edtech(
    ctx: Context, entry: dict[str, Any], credential: dict[str, Any], issuer_id: str | None
) -> Status | None:
    """OB 3.0's own status method (1EdTech Revocation List 1.0): ``credentialStatus.id`` is the URL of the issuer's
    list, a JSON document ``{"id", "issuer", "revokedCredentials": [{"id", "revocationReason"?}...]}``. The list is
    not signed: it counts only when it names the credential's issuer (``issuer``) and is served from the issuer's
    own origin when the issuer is a web address. ``None`` when the credential is not in the list."""
    url = entry.get("id")
    if not is_http_url(url):
        return Status(Check("status", "failed", MSG_STATUS_INVALID, {"detail": "the revocation list id is not a URL"}))
    answer = ctx.fetch.get(url)
    revocations = answer.doc if answer.ok else None
    if revocations is None:
        outcome = "indeterminate" if answer.unreachable else "failed"
        return Status(Check("status", outcome, MSG_STATUS_FETCH, {"url": url, "detail": answer.why()}))
    if issuer_id is None or id_of(revocations.get("issuer")) != issuer_id:
        return Status(Check("status", "failed", MSG_STATUS_NOT_ISSUER, {"url": url}))
    if is_http_url(issuer_id) and origin(url) != origin(issuer_id):
        return Status(Check("status", "failed", MSG_STATUS_NOT_ISSUER, {"url": url, "detail": "another site"}))
    listed = revocations.get("revokedCredentials")
    if not isinstance(listed, list):
        return Status(Check("status", "failed", MSG_STATUS_INVALID, {"detail": "no revokedCredentials list"}))
    credential_id = credential.get("id")
    for item in listed:
        if credential_id is not None and id_of(item) == credential_id:
            reason = str_or_none(item.get("revocationReason")) if isinstance(item, dict) else None
            return Status(Check("status", "failed", MSG_REVOKED, {"reason": reason}), True, reason)
    return None


def _bitstring(ctx: Context, entry: dict[str, Any], purpose: str, issuer_id: str | None) -> Status | None:
    """``None`` when the bit is clear, else the failing status."""

    def invalid(detail: str) -> Status:
        return Status(Check("status", "failed", MSG_STATUS_INVALID, {"detail": clip(detail)}))

    url = entry.get("statusListCredential")
    index = entry.get("statusListIndex")
    if isinstance(index, str) and DIGITS.match(index):
        position = int(index)
    elif isinstance(index, int) and not isinstance(index, bool) and 0 <= index < 10**12:
        position = index
    else:
        return invalid("statusListIndex is not a base-10 integer")
    if not is_http_url(url):
        return invalid("statusListCredential is not an http(s) URL")
    if entry.get("statusSize", 1) != 1:
        return invalid("only 1-bit statuses are supported")
    answer = ctx.fetch.get(url, CREDENTIAL_ACCEPT)
    if answer.ok and answer.text is not None:  # a BitstringStatusListCredential secured as a VC-JWT
        status_list, signature, methods = verify_vc_jwt(ctx, answer.text)
        if status_list is None:
            params = {"url": url, "detail": clip(str(signature.params.get("detail") or signature.message))}
            if signature.outcome == "indeterminate":
                return Status(Check("status", "indeterminate", MSG_STATUS_FETCH, params))
            return Status(Check("status", "failed", MSG_STATUS_NOT_ISSUER, params))
        if issuer_id is None or not all(controlled_by(m, issuer_id, ctx.controllers) for m in methods):
            return Status(Check("status", "failed", MSG_STATUS_NOT_ISSUER, {"url": url}))
    else:
        status_list = answer.doc if answer.ok else None
        if status_list is None:
            outcome = "indeterminate" if answer.unreachable else "failed"
            return Status(Check("status", outcome, MSG_STATUS_FETCH, {"url": url, "detail": answer.why()}))
        if len(as_list(status_list.get("proof"))) > MAX_PROOFS:
            return invalid("too many proofs")
        problems = verify_data_integrity(ctx, status_list) if "proof" in status_list else ["no proof"]
        if problems:
            params = {"url": url, "detail": clip("; ".join(problems))}
            if ctx.unreachable:
                return Status(Check("status", "indeterminate", MSG_STATUS_FETCH, params))
            return Status(Check("status", "failed", MSG_STATUS_NOT_ISSUER, params))
    try:  # read as its proof covers it, like the credential (jsonld_terms)
        status_list = read_as_signed(status_list, STATUS_READING_CONTEXT)
    except UnreadableTerms as exc:
        return invalid(str(exc))
    if "BitstringStatusListCredential" not in types_of(status_list):
        return invalid("not a BitstringStatusListCredential")
    if "id" in status_list and status_list["id"] != url:
        return invalid("the status list's id is not its URL")
    if issuer_id is None or id_of(status_list.get("issuer")) != issuer_id:
        return Status(Check("status", "failed", MSG_STATUS_NOT_ISSUER, {"url": url}))
    list_check, _ = validity_check(
        status_list.get("validFrom"), status_list.get("validUntil"), ctx.now, start_required=False
    )
    if list_check.outcome == "failed":
        return invalid("the status list is outside its validity period")
    subject = status_list.get("credentialSubject")
    if not isinstance(subject, dict) or "BitstringStatusList" not in types_of(subject):
        return invalid("credentialSubject is not a BitstringStatusList")
    if purpose not in as_list(subject.get("statusPurpose")):
        return invalid(f"the list is not for {purpose}")
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        return invalid("encodedList missing")
    try:
        bits = ob.decode_status_list(encoded)
    except ValueError as exc:
        return invalid(str(exc))
    if position >= len(bits) * 8:
        return invalid("statusListIndex is outside the list")
    if bits[position // 8] & (0x80 >> (position % 8)):
        if purpose == "revocation":
            return Status(Check("status", "failed", MSG_REVOKED), revoked=True)
        return Status(Check("status", "failed", MSG_SUSPENDED))
    return None


# ------------------------------------------------------------------ OB 2.0


def ob2_revocation_list(ctx: Context, assertion: Mapping[str, Any], profile: Mapping[str, Any]) -> Status:
    if assertion.get("revoked") is True:
        reason = str_or_none(assertion.get("revocationReason"))
        return Status(Check("status", "failed", MSG_REVOKED, {"reason": reason}), True, reason)
    url = profile.get("revocationList")
    if url is None:
        return Status(Check("status", "skipped", MSG_OB2_NO_REVOCATION_LIST))
    answer = ctx.fetch.node(url)
    revocations = answer.doc
    if revocations is None:
        outcome = "indeterminate" if answer.unreachable else "failed"
        params = {"url": str_or_none(url), "detail": answer.why()}
        return Status(Check("status", outcome, MSG_STATUS_FETCH, params))
    entries = revocations.get("revokedAssertions")
    if not isinstance(entries, list):
        return Status(Check("status", "failed", MSG_STATUS_INVALID, {"detail": "no revokedAssertions list"}))
    assertion_id = assertion.get("id")
    for entry in entries:
        if id_of(entry) == assertion_id:
            reason = str_or_none(entry.get("revocationReason")) if isinstance(entry, dict) else None
            return Status(Check("status", "failed", MSG_REVOKED, {"reason": reason}), True, reason)
    return Status(Check("status", "passed", MSG_STATUS_OK))
