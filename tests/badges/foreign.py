"""Foreign badges made on the Python side, with other issuers' tools only (never ``badges.*``): VC-JWT signed with
PyJWT (RS256 with the key in the ``jwk`` header and a did:jwk issuer; ES256 with the key at a ``kid`` URL; EdDSA
with a did:key ``kid`` and a status list), OB 2.0
signed (RS256 JWS by PyJWT, key at the ``creator`` URL) and hosted assertions as JSON documents written by hand
after the specification's examples, OB 2.0 images baked with ``openbadges-bakery`` and OB 3.0 images baked with
``pypng`` (PNG iTXt ``openbadgecredential``) and ``xml.dom.minidom`` (SVG ``<openbadges:credential>``).

Every function returns documents and files; ``tests/badges/test_foreign.py`` serves them on loopback and checks
them. Dates are fixed; the EC key comes from a fixed seed, the RSA keys are made per session.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import png
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from defusedxml import minidom
from openbadges_bakery import bake

EMAIL = "alex.martin@example.net"
SALT = "f1c3b2a0e9d8"
ISSUED = "2024-03-15T09:30:00Z"
EXPIRED_UNTIL = "2025-03-15T09:30:00Z"
FUTURE = "2999-01-01T00:00:00Z"
BACKDATED = "2020-01-01T00:00:00Z"
OB2_CONTEXT = "https://w3id.org/openbadges/v2"
VC2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB3_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
OB3_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
OB3_SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def seconds(date: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(date.replace("Z", "+00:00")).timestamp())


def uuid_for(text: str) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-a{digest[17:20]}-{digest[20:32]}"


@dataclass
class Keys:
    rsa: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    rsa_impostor: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    ec: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.derive_private_key(
            int.from_bytes(hashlib.sha256(b"tremplin foreign fixture es256").digest()) % (2**255), ec.SECP256R1()
        )
    )
    ec_impostor: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.derive_private_key(
            int.from_bytes(hashlib.sha256(b"tremplin foreign fixture es256 impostor").digest()) % (2**255),
            ec.SECP256R1(),
        )
    )


def public_jwk(key: Any, kid: str | None = None) -> dict[str, Any]:
    """The public JWK of an RSA or EC key (PyJWT's own conversion), with ``kid`` when given."""
    algorithm = jwt.algorithms.RSAAlgorithm if isinstance(key, rsa.RSAPrivateKey) else jwt.algorithms.ECAlgorithm
    jwk = json.loads(algorithm.to_jwk(key.public_key()))
    jwk.pop("key_ops", None)
    if kid:
        jwk["kid"] = kid
    return jwk


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


# --- OB 3.0 as VC-JWT ------------------------------------------------------------------------------------------------


def ob3_credential(issuer_id: str, name: str, *, valid_from: str = ISSUED, valid_until: str | None = None) -> dict:
    """An OpenBadgeCredential shaped like the specification's examples (Appendix B), without proof."""
    credential: dict[str, Any] = {
        "@context": [VC2, OB3, OB3_EXTENSIONS],
        "id": f"urn:uuid:{uuid_for(issuer_id + ' ' + name)}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Peer support: running a talking group",
        "issuer": {
            "id": issuer_id,
            "type": ["Profile"],
            "name": "Peer Work Academy (foreign test issuer)",
            "url": "https://peer-work.example.com/",
            "email": "badges@peer-work.example.com",
        },
        "validFrom": valid_from,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": "sha256$" + hashlib.sha256((EMAIL + SALT).encode()).hexdigest(),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": SALT,
                }
            ],
            "achievement": {
                "id": "https://peer-work.example.com/achievements/talking-group",
                "type": ["Achievement"],
                "achievementType": "Competency",
                "name": "Running a talking group",
                "description": "Opens, holds and closes a peer talking group of up to ten people.",
                "criteria": {"narrative": "Two groups run under supervision, with a written reflection."},
            },
        },
        "credentialSchema": [{"id": OB3_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if valid_until:
        credential["validUntil"] = valid_until
    return credential


def vc_jwt(credential: dict, key: Any, algorithm: str, headers: dict[str, Any]) -> str:
    """OB 3.0 §8.2 VC-JWT: the credential is the payload, with ``iss``, ``jti``, ``nbf`` (and ``exp``)."""
    claims = {"iss": credential["issuer"]["id"], "jti": credential["id"], "nbf": seconds(credential["validFrom"])}
    if "validUntil" in credential:
        claims["exp"] = seconds(credential["validUntil"])
    return jwt.encode({**credential, **claims}, key, algorithm=algorithm, headers={"typ": "JWT", **headers})


def tampered_jws(token: str, change) -> str:
    """The same signature over a payload changed by ``change(payload_dict)``."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    change(claims)
    return f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"


def did_jwk(jwk: dict[str, Any]) -> str:
    return "did:jwk:" + b64url(json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode())


def jwt_fixtures(keys: Keys, site: str, down: str, off_limits: str) -> tuple[dict[str, str], dict[str, bytes]]:
    """``({name: compact JWS}, {path: body served on the site or off-limits origin})``.

    RS256: a did:jwk issuer, the key in the ``jwk`` header (nothing to fetch). ES256: the issuer is an https
    origin whose key is served at the ``kid`` URL (``/keys/es256.json``, a JWK)."""
    tokens: dict[str, str] = {}
    served: dict[str, bytes] = {}

    jwk = public_jwk(keys.rsa)
    issuer = did_jwk(jwk)
    header = {"jwk": jwk, "kid": f"{issuer}#0"}
    for twin, extra in [
        ("valid", {}),
        ("expired", {"valid_until": EXPIRED_UNTIL}),
        ("not-yet-valid", {"valid_from": FUTURE}),
    ]:
        tokens[f"jwt-rs256-{twin}"] = vc_jwt(ob3_credential(issuer, twin, **extra), keys.rsa, "RS256", header)
    tokens["jwt-rs256-tampered"] = tampered_jws(
        tokens["jwt-rs256-valid"], lambda c: c["credentialSubject"]["achievement"].update(name="Expert in everything")
    )
    tokens["jwt-rs256-wrong-key"] = vc_jwt(ob3_credential(issuer, "wrong-key"), keys.rsa_impostor, "RS256", header)

    def es256(origin: str, twin: str, key: Any = keys.ec, **extra: Any) -> str:
        kid = f"{origin}/keys/es256.json"
        return vc_jwt(ob3_credential(f"{origin}/issuer", twin, **extra), key, "ES256", {"kid": kid})

    served["/keys/es256.json"] = json.dumps(public_jwk(keys.ec, f"{site}/keys/es256.json")).encode()
    tokens["jwt-es256-valid"] = es256(site, "valid")
    tokens["jwt-es256-tampered"] = tampered_jws(
        tokens["jwt-es256-valid"], lambda c: c["credentialSubject"]["achievement"].update(name="Expert in everything")
    )
    tokens["jwt-es256-wrong-key"] = es256(site, "wrong-key", keys.ec_impostor)
    tokens["jwt-es256-expired"] = es256(site, "expired", valid_until=EXPIRED_UNTIL)
    tokens["jwt-es256-not-yet-valid"] = es256(site, "not-yet-valid", valid_from=FUTURE)
    tokens["jwt-es256-unreachable"] = es256(down, "unreachable")
    tokens["jwt-es256-off-limits"] = es256(off_limits, "off-limits")
    served["off-limits:/keys/es256.json"] = json.dumps(public_jwk(keys.ec, f"{off_limits}/keys/es256.json")).encode()
    return tokens, served


def status_entry(list_url: str, index: int) -> dict[str, str]:
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def jwt_eddsa_fixtures(
    did: str, site: str, down: str, off_limits: str, valid_index: int, revoked_index: int
) -> dict[str, str]:
    """VC-JWT EdDSA by the did:key issuer of ``interop/make-foreign.mjs``'s ``key`` family (the same seed, so the
    same key; the ``kid`` names its did:key, no ``jwk`` header), with a BitstringStatusListEntry pointing to that
    issuer's status list (Data Integrity, signed by the node script): the VC-JWT family with a revoked twin."""
    key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"tremplin foreign fixture key").digest())
    impostor = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"tremplin foreign fixture key impostor").digest())
    header = {"kid": f"{did}#{did.removeprefix('did:key:')}"}
    path = "/status/key.json"

    def token(twin: str, origin: str = site, index: int = valid_index, signer: Any = key, **extra: Any) -> str:
        credential = ob3_credential(did, f"eddsa {twin}", **extra)
        credential["credentialStatus"] = status_entry(origin + path, index)
        return vc_jwt(credential, signer, "EdDSA", header)

    tokens = {
        "jwt-eddsa-valid": token("valid"),
        "jwt-eddsa-wrong-key": token("wrong-key", signer=impostor),
        "jwt-eddsa-revoked": token("revoked", index=revoked_index),
        "jwt-eddsa-expired": token("expired", valid_until=EXPIRED_UNTIL),
        "jwt-eddsa-not-yet-valid": token("not-yet-valid", valid_from=FUTURE),
        "jwt-eddsa-unreachable": token("unreachable", origin=down),
        "jwt-eddsa-off-limits": token("off-limits", origin=off_limits),
    }
    tokens["jwt-eddsa-tampered"] = tampered_jws(
        tokens["jwt-eddsa-valid"], lambda c: c["credentialSubject"]["achievement"].update(name="Expert in everything")
    )
    return tokens


# --- OB 2.0 ----------------------------------------------------------------------------------------------------------


def ob2_documents(origin: str, key: rsa.RSAPrivateKey, revoked: list[str]) -> dict[str, dict[str, Any]]:
    """The issuer's site: Profile (listing its key and revocation list), BadgeClass, CryptographicKey,
    RevocationList, by path."""
    issuer = f"{origin}/ob2/issuer"
    return {
        "/ob2/issuer": {
            "@context": OB2_CONTEXT,
            "type": "Issuer",
            "id": issuer,
            "name": "Peer Work Academy (foreign test issuer)",
            "url": f"{origin}/",
            "email": "badges@peer-work.example.com",
            "publicKey": f"{origin}/ob2/keys/1",
            "revocationList": f"{origin}/ob2/revocations",
        },
        "/ob2/badge": {
            "@context": OB2_CONTEXT,
            "type": "BadgeClass",
            "id": f"{origin}/ob2/badge",
            "name": "Running a talking group",
            "description": "Opens, holds and closes a peer talking group of up to ten people.",
            "image": f"{origin}/ob2/badge.png",
            "criteria": {"narrative": "Two groups run under supervision, with a written reflection."},
            "issuer": issuer,
        },
        "/ob2/keys/1": {
            "@context": OB2_CONTEXT,
            "type": "CryptographicKey",
            "id": f"{origin}/ob2/keys/1",
            "owner": issuer,
            "publicKeyPem": public_pem(key),
        },
        "/ob2/revocations": {
            "@context": OB2_CONTEXT,
            "type": "RevocationList",
            "id": f"{origin}/ob2/revocations",
            "issuer": issuer,
            # validator-core 1.1.2 misses a revocation when the list has exactly one entry: always two or more.
            "revokedAssertions": [
                *({"id": assertion, "revocationReason": "Issued in error"} for assertion in revoked),
                f"urn:uuid:{uuid_for('never issued')}",
            ],
        },
    }


def ob2_assertion(origin: str, assertion_id: str, verification: dict, *, issued: str = ISSUED, **extra: Any) -> dict:
    doc: dict[str, Any] = {
        "@context": OB2_CONTEXT,
        "type": "Assertion",
        "id": assertion_id,
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": SALT,
            "identity": "sha256$" + hashlib.sha256((EMAIL + SALT).encode()).hexdigest(),
        },
        "badge": f"{origin}/ob2/badge",
        "verification": verification,
        "issuedOn": issued,
        "evidence": {"type": "Evidence", "narrative": "Supervisor's report on two talking groups."},
    }
    doc.update(extra)
    return doc


def jws(payload: dict, key: rsa.RSAPrivateKey) -> str:
    """OB 2.0 signed assertion: an RS256 compact JWS of the assertion's JSON."""
    return jwt.api_jws.encode(json.dumps(payload).encode(), key, algorithm="RS256")


def ob2_fixtures(keys: Keys, site: str, down: str, off_limits: str) -> tuple[dict[str, str], dict[str, Any]]:
    """``({name: JWS or JSON text}, {path: (status, document)})``; paths prefixed ``off-limits:`` are served by the
    off-limits origin."""
    signed_id = lambda twin: f"urn:uuid:{uuid_for('ob2 signed ' + twin)}"  # noqa: E731
    revoked_signed = signed_id("revoked")
    served: dict[str, Any] = {path: (200, doc) for path, doc in ob2_documents(site, keys.rsa, [revoked_signed]).items()}
    for path, doc in ob2_documents(off_limits, keys.rsa, []).items():
        served[f"off-limits:{path}"] = (200, doc)
    out: dict[str, str] = {}

    def signed(twin: str, origin: str = site, key: rsa.RSAPrivateKey = keys.rsa, **extra: Any) -> str:
        verification = {"type": "SignedBadge", "creator": f"{origin}/ob2/keys/1"}
        return jws(ob2_assertion(origin, signed_id(twin), verification, **extra), key)

    out["ob2-signed-valid"] = signed("valid")
    out["ob2-signed-tampered"] = tampered_jws(out["ob2-signed-valid"], lambda a: a.update(issuedOn=BACKDATED))
    out["ob2-signed-wrong-key"] = signed("wrong-key", key=keys.rsa_impostor)
    out["ob2-signed-revoked"] = signed("revoked")
    out["ob2-signed-expired"] = signed("expired", expires=EXPIRED_UNTIL)
    out["ob2-signed-not-yet-valid"] = signed("not-yet-valid", issued=FUTURE)
    out["ob2-signed-unreachable"] = signed("unreachable", origin=down)
    out["ob2-signed-off-limits"] = signed("off-limits", origin=off_limits)

    def hosted(twin: str, origin: str = site, prefix: str = "", status: int = 200, **extra: Any) -> dict:
        path = f"/ob2/assertions/{twin}"
        doc = ob2_assertion(origin, origin + path, {"type": "HostedBadge"}, **extra)
        served[prefix + path] = (status, doc)
        return doc

    out["ob2-hosted-valid"] = json.dumps(hosted("valid"))
    tampered = hosted("tampered")
    out["ob2-hosted-tampered"] = json.dumps({**tampered, "issuedOn": BACKDATED})
    revoked = hosted("revoked")
    served["/ob2/assertions/revoked"] = (
        410,
        {
            "@context": OB2_CONTEXT,
            "type": "Assertion",
            "id": revoked["id"],
            "revoked": True,
            "revocationReason": "Issued in error",
        },
    )
    out["ob2-hosted-revoked"] = json.dumps(revoked)
    out["ob2-hosted-expired"] = json.dumps(hosted("expired", expires=EXPIRED_UNTIL))
    out["ob2-hosted-not-yet-valid"] = json.dumps(hosted("not-yet-valid", issued=FUTURE))
    path = "/ob2/assertions/unreachable"
    out["ob2-hosted-unreachable"] = json.dumps(ob2_assertion(down, down + path, {"type": "HostedBadge"}))
    out["ob2-hosted-off-limits"] = json.dumps(hosted("off-limits", origin=off_limits, prefix="off-limits:"))
    return out, served


# --- images ----------------------------------------------------------------------------------------------------------


def plain_png() -> bytes:
    """A 64×64 PNG written by pypng."""
    rows = [
        [(x * 4) % 256 if c == 0 else (y * 4) % 256 if c == 1 else 160 for x in range(64) for c in range(3)]
        for y in range(64)
    ]
    out = io.BytesIO()
    png.Writer(64, 64, greyscale=False).write(out, rows)
    return out.getvalue()


PLAIN_SVG = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
    '<circle cx="32" cy="32" r="30" fill="#2a6f97"/></svg>'
)


def bake_ob2(image: bytes | str, assertion: str) -> bytes:
    """An OB 2.0 baked image made by openbadges-bakery (the 1EdTech / Concentric Sky baker)."""
    if isinstance(image, str):
        return bake(io.BytesIO(image.encode()), assertion).read()
    return bake(io.BytesIO(image), assertion).read()


def bake_ob3_png(image: bytes, credential: str) -> bytes:
    """OB 3.0 §5.3.1.1: an uncompressed iTXt chunk ``openbadgecredential`` before IEND (written with pypng)."""
    chunk = (b"iTXt", b"openbadgecredential\x00\x00\x00\x00\x00" + credential.encode("utf-8"))
    chunks = list(png.Reader(bytes=image).chunks())
    chunks.insert(len(chunks) - 1, chunk)
    out = io.BytesIO()
    png.write_chunks(out, chunks)
    return out.getvalue()


def bake_ob3_svg(svg: str, credential: str) -> bytes:
    """OB 3.0 §5.3.2.1: ``<openbadges:credential>`` holding the credential as CDATA, first child of ``<svg>``."""
    doc = minidom.parseString(svg)
    root = doc.documentElement
    root.setAttribute("xmlns:openbadges", OB3_SVG_NAMESPACE)
    element = doc.createElement("openbadges:credential")
    element.appendChild(doc.createCDATASection(credential))
    root.insertBefore(element, root.firstChild)
    return doc.toxml("utf-8")


def write(directory: Path, name: str, content: bytes | str) -> Path:
    path = directory / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path
