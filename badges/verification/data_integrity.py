"""OB 3.0 Data Integrity proofs (``eddsa-rdfc-2022``), behind the cost guards, with a memo of verified proofs.

Verified proofs are kept by document: the same document (a badge verified again and again, the status list of a
key while no badge is revoked) is not canonicalised again in this process. Only results that cannot change are
kept: a proof that verified, with the public keys its methods resolved to (checked again on every use); proofs
with an expiry date are not kept.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from badges import signing
from badges.verification.common import MemoTable, as_list, clip, fingerprint
from badges.verification.fetcher import Context
from badges.verification.jsonld_terms import blank_node_hazard
from badges.verification.keys import MAX_METHOD_LENGTH, ed25519_for

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

    problems = signing.verify_proof(doc, resolve, now=ctx.now)
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


SUPPORTED_PROOFS = frozenset({(signing.PROOF_TYPE, signing.CRYPTOSUITE)})


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
