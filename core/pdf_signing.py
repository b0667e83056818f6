"""PAdES signatures of the training body on every PDF (pyHanko), and the organisation certificate they use.

``core.pdf.render_pdf`` calls :func:`sign` on the bytes WeasyPrint wrote, so every document — certificates,
attendance summaries, reports, the funders' documents, whatever a later module renders — is signed without more
code. The signature is an incremental update (the tagged PDF, PDF/UA or PDF/A-3b, is kept as it is) holding a
CMS signature with the ``ETSI.CAdES.detached`` sub-filter: **PAdES baseline B-B**, or **B-T** when a time-stamping
authority is configured (``PDF_SIGNING_TSA_URL``; the time then comes from the TSA, not from our clock).

The signing identity, in this order:

1. ``PDF_SIGNING_PKCS12`` (path of a PKCS#12 file: a certificate from a certification authority, its chain and
   its key) with ``PDF_SIGNING_PASSPHRASE``: read once per process, never stored in the database.
2. Otherwise the platform's own certificate (:class:`core.models.PdfSigningCertificate`): an RSA key and a
   self-signed X.509 certificate in the training body's name, made by ``tremplin keys generate`` (or, the first
   time a PDF is signed without one, made then), its private key encrypted like the badge keys. Rotation retires
   it; retired ones stay in the database, so that a PDF signed years ago can still be matched to it.

A self-signed certificate proves that a PDF was not changed since the platform signed it and which certificate
signed it; a reader trusts it only once it trusts that certificate (Adobe Reader says "validity unknown" until
then). The README says what a qualified certificate would add.

Reproducible: given ``moment`` (the document's creation date) and an RSA key, the same PDF signed twice gives the
same bytes (the signing time is ``moment``, the file identifier is derived from the content).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import hashlib
import hmac
import io
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import current_app
from sqlalchemy import orm as sa_orm

from core.db import db, utcnow
from core.models import PdfSigningCertificate

logger = logging.getLogger(__name__)

KEY_BITS = 3072
VALIDITY_DAYS = 10 * 366  # the certificate outlives the 6 to 10 years the evidence is kept
FIELD_NAME = "TrainingBodySignature"


class SigningUnavailable(RuntimeError):
    """No signing identity can be used (a configured PKCS#12 file that cannot be read). The message is safe to
    show: it names no path or secret."""


@dataclass(frozen=True)
class Identity:
    """A private key and its certificate (plus the chain up to a root, for a CA-issued one)."""

    key: rsa.RSAPrivateKey | object
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def fingerprint(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex()


# --------------------------------------------------------------------------------------------------- pure part


def self_signed(name: str, *, key: rsa.RSAPrivateKey | None = None, now: datetime | None = None) -> Identity:
    """A new RSA key and a self-signed certificate for document signing in the name of ``name``."""
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, (name or "Tremplin")[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, (name or "Tremplin")[:64]),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Identity(key=key, certificate=certificate)


def load_pkcs12(data: bytes, passphrase: bytes | None) -> Identity:
    """The key, certificate and chain of a PKCS#12 file; :class:`SigningUnavailable` when it cannot be used."""
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, passphrase)
    except (ValueError, TypeError) as exc:
        raise SigningUnavailable("The PDF signing certificate (PKCS#12) cannot be read: wrong passphrase?") from exc
    if key is None or certificate is None:
        raise SigningUnavailable("The PDF signing file (PKCS#12) must hold a private key and its certificate.")
    return Identity(key=key, certificate=certificate, chain=tuple(chain or ()))


def _asn1(certificate: x509.Certificate):
    from asn1crypto import x509 as asn1_x509  # why: pyHanko's ASN.1 library, loaded once a PDF is signed

    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _pyhanko_signer(identity: Identity):
    # why: pyHanko (~0.3 s to import) is loaded only once a PDF is signed, not with every app start
    from asn1crypto import keys as asn1_keys
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der = identity.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    loaded = identity.key

    class _LoadedKeySigner(signers.SimpleSigner):
        """pyHanko's SimpleSigner parses its private key again for each signature (~0.25 s for RSA-3072, whose
        parsing checks the key): sign with the key object already loaded instead."""

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            if mechanism == "rsassa_pkcs1v15" and isinstance(loaded, rsa.RSAPrivateKey):
                # why: pyHanko is loaded only once a PDF is signed
                from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
                from pyhanko.sign.general import get_pyca_cryptography_hash

                return loaded.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
            return super().sign_raw(data, digest_algorithm)

    return _LoadedKeySigner(
        signing_cert=_asn1(identity.certificate),
        signing_key=asn1_keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in identity.chain]),
    )


_SIGNERS: dict[str, object] = {}
_SIGNERS_LOCK = threading.Lock()


def _cached_signer(identity: Identity):
    with _SIGNERS_LOCK:
        signer = _SIGNERS.get(identity.fingerprint)
        if signer is None:
            if len(_SIGNERS) > 8:
                _SIGNERS.clear()
            signer = _SIGNERS[identity.fingerprint] = _pyhanko_signer(identity)
        return signer


def sign_bytes(
    data: bytes,
    identity: Identity,
    *,
    moment: datetime | None = None,
    tsa_url: str | None = None,
    reason: str | None = None,
    location: str | None = None,
    pdf_a: bool = False,
) -> bytes:
    """``data`` (a PDF) with a PAdES signature by ``identity`` appended as an incremental update.

    ``moment`` is the signing time written in the signature (default: now); with ``tsa_url`` a signature
    time-stamp from that authority is added (PAdES B-T). The invisible signature's widget is not in the
    structure tree: PDF/UA-1 (7.18.1) then wants it hidden (flag 2), which PDF/A forbids (6.3.2: print only):
    ``pdf_a`` says which of the two the document claims."""
    # why: pyHanko (~0.3 s to import) is loaded only once a PDF is signed, not with every app start
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers, timestamps

    class _FixedTimeSigner(signers.PdfSigner):
        def init_signing_session(self, pdf_out, existing_fields_only=False):
            session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
            if moment is not None:
                session.system_time = moment.astimezone(UTC)
            return session

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    if moment is not None:
        # Reproducible: the file identifier's second half (new with each revision) is derived from the content,
        # not drawn at random, and the modification date written in the metadata is ``moment``, not now.
        digest = hashlib.sha256(data).digest()
        first = writer._document_id[0] if "/ID" in writer.prev.trailer else generic.ByteStringObject(digest[16:])
        writer._document_id = generic.ArrayObject([first, generic.ByteStringObject(digest[:16])])
        writer._meta = _fixed_time_metadata(writer._meta, moment.astimezone(UTC))
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=identity.certificate.subject.rfc4514_string()[:200],
        use_pades_lta=False,
    )
    timestamper = timestamps.HTTPTimeStamper(tsa_url) if tsa_url else None
    pdf_signer = _FixedTimeSigner(
        meta,
        signer=_cached_signer(identity),
        timestamper=timestamper,
        new_field_spec=fields.SigFieldSpec(  # invisible: no widget on the page
            sig_field_name=FIELD_NAME,
            invis_sig_settings=fields.InvisSigSettings(set_print_flag=pdf_a, set_hidden_flag=not pdf_a),
        ),
    )
    output = _outside_event_loop(lambda: pdf_signer.sign_pdf(writer))
    return output.getvalue()


def _outside_event_loop(call):
    """``call()`` here, or in a short-lived thread when this thread runs an asyncio event loop: pyHanko signs with
    ``asyncio.run``, which refuses to start inside a running loop (an async server, or a browser driver's loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf-sign") as pool:
        return pool.submit(call).result()


def _fixed_time_metadata(meta, moment: datetime):
    """pyHanko's document metadata, whose modification date stays ``moment`` (pyHanko sets it to "now" as it
    writes)."""
    from pyhanko.pdf_utils.metadata.model import DocumentMetadata  # why: loaded once a PDF is signed

    class FixedTimeMetadata(DocumentMetadata):
        @property
        def last_modified(self):
            return moment

        @last_modified.setter
        def last_modified(self, value) -> None:
            pass

    return FixedTimeMetadata(**{f.name: getattr(meta, f.name) for f in dataclasses.fields(meta)})


# --------------------------------------------------------------------------------------------------- the app's


def passphrase() -> bytes:
    """What encrypts the certificate's private key at rest: the badge keys' passphrase when one is configured
    (one secret to keep apart from the backups), else a value derived from ``SECRET_KEY``."""
    configured = current_app.config.get("BADGES_KEY_PASSPHRASE")
    if configured:
        return str(configured).encode()
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"tremplin/pdf-signing/private-key/v1", hashlib.sha256).hexdigest().encode()


def organisation_name() -> str:
    config = current_app.config
    return str(config.get("ORGANISATION_NAME") or config.get("BADGES_ISSUER_NAME") or "Tremplin")


def active_certificate() -> PdfSigningCertificate | None:
    return db.session.scalar(
        db.select(PdfSigningCertificate)
        .where(PdfSigningCertificate.retired_at.is_(None))
        .order_by(PdfSigningCertificate.id.desc())
        .limit(1)
    )


def generate(name: str | None = None) -> PdfSigningCertificate | None:
    """A new self-signed certificate, made active; None (nothing done) when one is active already."""
    if active_certificate() is not None:
        return None
    return _create(name or organisation_name())


def rotate(name: str | None = None) -> PdfSigningCertificate:
    """Retire the active certificate (kept, for PDFs signed with it) and make a new one."""
    current = active_certificate()
    if current is not None:
        current.retired_at = utcnow()
        db.session.flush()
    return _create(name or organisation_name())


def _create(name: str, session=None) -> PdfSigningCertificate:
    session = session if session is not None else db.session
    identity = self_signed(name)
    pem = identity.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase()),
    )
    row = PdfSigningCertificate(
        subject=identity.certificate.subject.rfc4514_string()[:300],
        fingerprint=identity.fingerprint,
        certificate_pem=identity.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        private_key_encrypted=pem.decode("ascii"),
        not_after=identity.certificate.not_valid_after_utc,
    )
    session.add(row)
    session.flush()
    _IDENTITIES[_cache_key(row)] = identity
    return row


def _caller_holds_sqlite_write() -> bool:
    """Whether the caller's SQLite transaction is open (it may hold the database's single write lock): another
    connection could not write before it ends."""
    if db.engine.dialect.name != "sqlite":
        return False
    dbapi_connection = db.session.connection().connection.dbapi_connection
    return bool(dbapi_connection is not None and dbapi_connection.in_transaction)


def _ensure_certificate() -> PdfSigningCertificate:
    """The first signature without a certificate (an install older than this feature, where ``keys generate`` ran
    before): make it in a transaction of its own, committed at once, so that the caller (a request, a long job)
    holds no lock on it; within the caller's transaction only when SQLite would make them wait for each other."""
    name = organisation_name()
    if _caller_holds_sqlite_write():
        with db.session.begin_nested():
            return _create(name)
    with sa_orm.Session(db.engine) as own:
        if own.scalar(db.select(PdfSigningCertificate.id).where(PdfSigningCertificate.retired_at.is_(None))) is None:
            _create(name, own)
            own.commit()
    row = active_certificate()
    assert row is not None
    return row


_IDENTITIES: dict[str, Identity] = {}
_PKCS12: dict[tuple[str, int, int, str], Identity] = {}


def _cache_key(row: PdfSigningCertificate) -> str:
    return hashlib.sha256(row.private_key_encrypted.encode() + b"\0" + passphrase()).hexdigest()


def _stored_identity(row: PdfSigningCertificate) -> Identity:
    """The identity of a stored certificate, decrypted once per process (decryption is slow on purpose)."""
    cache_key = _cache_key(row)
    identity = _IDENTITIES.get(cache_key)
    if identity is None:
        key = serialization.load_pem_private_key(row.private_key_encrypted.encode("ascii"), passphrase())
        certificate = x509.load_pem_x509_certificate(row.certificate_pem.encode("ascii"))
        identity = Identity(key=key, certificate=certificate)
        if len(_IDENTITIES) > 16:
            _IDENTITIES.clear()
        _IDENTITIES[cache_key] = identity
    return identity


def _configured_identity(path_value: str) -> Identity:
    path = Path(path_value)
    try:
        stat = path.stat()
        secret = current_app.config.get("PDF_SIGNING_PASSPHRASE")
        secret_bytes = str(secret).encode() if secret else None
        # The file as it is on disk now, and the passphrase (hashed: never kept in clear outside the config).
        cache_key = (str(path), stat.st_mtime_ns, stat.st_size, hashlib.sha256(secret_bytes or b"").hexdigest())
        identity = _PKCS12.get(cache_key)
        if identity is None:
            identity = load_pkcs12(path.read_bytes(), secret_bytes)
            _PKCS12.clear()
            _PKCS12[cache_key] = identity
        return identity
    except OSError as exc:
        logger.error("PDF signing: the PKCS#12 file cannot be read (%s)", type(exc).__name__)
        raise SigningUnavailable("The PDF signing certificate (PKCS#12) cannot be read.") from exc


def identity() -> Identity:
    """The identity that signs the app's PDFs now (see the module docstring). Makes (and flushes) the platform's
    certificate the first time when none exists and none is configured."""
    configured = current_app.config.get("PDF_SIGNING_PKCS12")
    if configured:
        return _configured_identity(str(configured))
    row = active_certificate() or _ensure_certificate()
    return _stored_identity(row)


def enabled() -> bool:
    return bool(current_app.config.get("PDF_SIGNING", True))


def sign(data: bytes, *, moment: datetime | None = None, pdf_a: bool = False) -> bytes:
    """Sign ``data`` (PDF bytes) as the training body, with the app's configuration (``pdf_a``: the document
    claims PDF/A, see :func:`sign_bytes`)."""
    config = current_app.config
    return sign_bytes(
        data,
        identity(),
        moment=moment,
        tsa_url=config.get("PDF_SIGNING_TSA_URL") or None,
        location=config.get("PDF_SIGNING_LOCATION") or None,
        pdf_a=pdf_a,
    )


def known_certificates() -> list[x509.Certificate]:
    """Every certificate the platform has signed PDFs with (active and retired), and a configured one."""
    out = [
        x509.load_pem_x509_certificate(row.certificate_pem.encode())
        for row in db.session.scalars(db.select(PdfSigningCertificate).order_by(PdfSigningCertificate.id))
    ]
    if current_app.config.get("PDF_SIGNING_PKCS12"):
        out.append(identity().certificate)
    return out
