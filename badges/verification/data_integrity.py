"""OB 3.0 Data Integrity proofs (``eddsa-rdfc-2022``), behind the cost guards, with a memo of verified proofs.

Verified proofs are kept by document: the same document (a badge verified again and again, the status list of a
key while no badge is revoked) is not canonicalised again in this process. Only results that cannot change are
kept: a proof that verified, with the public keys its methods resolved to (checked again on every use); proofs
with an expiry date are not kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from badges import jsonld, signing
from badges.verification.common import MemoTable, as_list, clip, fingerprint, parse_date
from badges.verification.fetcher import Context
from badges.verification.jsonld_terms import blank_node_hazard
from badges.verification.keys import MAX_METHOD_LENGTH, KeyNotFound, b58decode, ed25519_for

MAX_PROOFS = 4
MAX_PROOF_VALUE_LENGTH = 256  # an Ed25519 signature is 88 base58 characters

PROOFS_VERIFIED: MemoTable = MemoTable()


def verify_data_integrity(ctx: Context, doc: dict[str, Any]) -> list[str]:
    """``signing.verify_proof`` behind the cost guards; the problems, empty when valid."""
    proofs = as_list(doc.get("proof"))
    for proof in proofs:
        if isinstance(proof, dict):
            value, method = proof.get("proofValue"), proof.get("verificationMethod")
            if isinstance(value, str) and len(value) > MAX_PROOF_VALUE_LENGTH:
                return ["proofValue too long for an Ed25519 signature"]
            if isinstance(method, str) and len(method) > MAX_METHOD_LENGTH:
                return ["verificationMethod too long"]
    digest = fingerprint(doc)
    known = PROOFS_VERIFIED.get(digest) if digest else None
    if known is not None and _same_keys(ctx, known):
        return []  # this very document verified before, with the keys its methods resolve to now
    unsigned = {key: value for key, value in doc.items() if key != "proof"}
    configs = [{**proof, "@context": doc.get("@context")} for proof in proofs if isinstance(proof, dict)]
    for part in (unsigned, *configs):
        hazard = blank_node_hazard(part)
        if hazard:
            return [f"unsafe JSON-LD: {hazard}"]
    used: list[tuple[str, bytes]] = []

    def resolve(method: str) -> Ed25519PublicKey:
        key = ed25519_for(ctx, method)
        used.append((method, key.public_bytes(Encoding.Raw, PublicFormat.Raw)))
        return key

    legacy = [proof for proof in proofs if isinstance(proof, dict) and proof.get("type") == ED25519_2020]
    others = [proof for proof in proofs if not (isinstance(proof, dict) and proof.get("type") == ED25519_2020)]
    problems: list[str] = []
    if others or not legacy:
        problems += signing.verify_proof({**doc, "proof": others if legacy else doc.get("proof")}, resolve, now=ctx.now)
    for index, proof in enumerate(legacy):
        problems += [
            f"{ED25519_2020}[{index}]: {problem}" for problem in _verify_ed25519_2020(doc, proof, resolve, ctx)
        ]
    expiring = any(isinstance(proof, dict) and "expires" in proof for proof in proofs)
    if digest and not problems and not expiring:
        PROOFS_VERIFIED.remember(digest, tuple(used))
    return problems


def _same_keys(ctx: Context, used: tuple[tuple[str, bytes], ...]) -> bool:
    for method, raw in used:
        try:
            key = ed25519_for(ctx, method)
        except signing.SigningError:
            return False
        if key.public_bytes(Encoding.Raw, PublicFormat.Raw) != raw:
            return False
    return True


ED25519_2020 = "Ed25519Signature2020"
SUPPORTED_PROOFS = frozenset({(signing.PROOF_TYPE, signing.CRYPTOSUITE), (ED25519_2020, None)})
UNSIGNED_PROOF_MEMBERS = ("proofValue", "jws", "signatureValue")


def _verify_ed25519_2020(
    doc: dict[str, Any], proof: dict[str, Any], resolve: Callable[[str], Ed25519PublicKey], ctx: Context
) -> list[str]:
    """The legacy ``Ed25519Signature2020`` suite (w3c-ccg, Digital Bazaar ``jsonld-signatures``): the signature
    (``proofValue``, multibase base58btc) signs SHA-256(canonical proof options) ‖ SHA-256(canonical document),
    URDNA2015 both, like eddsa-rdfc-2022; the proof options are the proof without ``proofValue`` (and ``jws``,
    ``signatureValue``) and with the document's ``@context`` unless it has its own. The key is an Ed25519
    ``Ed25519VerificationKey2020``/``Multikey`` (``z6Mk…``)."""
    if proof.get("proofPurpose") != "assertionMethod":
        return [f"proof purpose {str(proof.get('proofPurpose'))[:40]!r}, not 'assertionMethod'"]
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or not method:
        return ["no verificationMethod"]
    created = proof.get("created")
    if not isinstance(created, str) or parse_date(created) is None:
        return ["created is missing or not a date"]
    if "expires" in proof:
        expires = parse_date(proof.get("expires"))
        if expires is None or expires <= ctx.now:
            return ["the proof has expired"]
    value = proof.get("proofValue")
    try:
        if not isinstance(value, str) or not value.startswith("z"):
            raise KeyNotFound("proofValue is not multibase base58btc")
        signature = b58decode(value[1:])
    except KeyNotFound as exc:
        return [str(exc)]
    if len(signature) != 64:
        return ["proofValue is not a 64-byte Ed25519 signature"]
    document = {key: item for key, item in doc.items() if key != "proof"}
    options = {"@context": document.get("@context"), **proof}
    for member in UNSIGNED_PROOF_MEMBERS:
        options.pop(member, None)
    try:
        uncovered, expanded_document = jsonld.expand_checked(document)
        if uncovered:
            return [f"not covered by the signature: {'; '.join(uncovered)}"]
        uncovered, expanded_options = jsonld.expand_checked(options)
        if uncovered:
            return [f"options not covered by the signature: {'; '.join(uncovered)}"]
        data = hashlib.sha256(jsonld.canonize_expanded(expanded_options).encode()).digest()
        data += hashlib.sha256(jsonld.canonize_expanded(expanded_document).encode()).digest()
    except jsonld.JsonLdError as exc:
        return [f"cannot process the credential: {exc}"]
    try:
        key = resolve(method)
    except signing.SigningError as exc:
        return [f"cannot resolve {method[:100]!r}: {exc}"]
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return ["the signature does not match the credential"]
    return []


def unsupported_proof(proofs: list[Any]) -> str | None:
    """The first proof type (and cryptosuite) this verifier does not implement, or ``None``: such a proof is not
    wrong, we cannot check it (an *indeterminate* signature)."""
    for proof in proofs:
        if not isinstance(proof, dict):
            continue
        kind, suite = proof.get("type"), proof.get("cryptosuite")
        if not isinstance(kind, str) or (suite is not None and not isinstance(suite, str)):
            continue  # malformed: verify_proof says why
        if (kind, suite) not in SUPPORTED_PROOFS:
            return clip(f"{kind} {suite}" if suite else kind)
    return None
