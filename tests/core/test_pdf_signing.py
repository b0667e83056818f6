"""The training body's PAdES signature on every PDF (core/pdf_signing.py, through core.pdf.render_pdf): valid for
pyHanko's validator and Poppler's pdfsig, over the whole file, by the organisation's certificate; one changed byte
breaks it; the certificate is made by `tremplin keys generate`, rotated, or replaced by a configured PKCS#12."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from core import pdf, pdf_signing
from core.db import db
from core.models import PdfSigningCertificate
from tests.conftest import SECRET
from tests.core.signatures import assert_signed_by, assert_tampering_detected, pdfsig

HTML = "<!doctype html><html><body><h1>Certificat de réalisation</h1><p>Élise Fictive</p></body></html>"
ICC_LEAK = pytest.mark.filterwarnings(
    r"ignore:unclosed file <_io\.BufferedReader name='[^']*sRGB2014\.icc'>:ResourceWarning"
)


def active_certificate() -> x509.Certificate:
    row = pdf_signing.active_certificate()
    assert row is not None
    return x509.load_pem_x509_certificate(row.certificate_pem.encode())


@pytest.mark.parametrize("variant", [pdf.PDF_UA_1, pytest.param(pdf.PDF_A_3B, marks=ICC_LEAK), None])
def test_every_rendered_pdf_is_signed_by_the_organisation_certificate_and_one_changed_byte_breaks_it(app, variant):
    data = pdf.render_pdf(HTML, title="Certificat de réalisation", lang="fr", variant=variant)
    certificate = active_certificate()  # made (and flushed) by the first signature: none existed
    assert_signed_by(data, certificate)
    assert_tampering_detected(data, certificate)


def test_the_signature_is_pades_and_keeps_the_tagged_pdf_unchanged_below_it(app):
    unsigned = pdf.render_pdf(HTML, title="Essai", lang="fr", sign=False, created=datetime(2026, 1, 5, tzinfo=UTC))
    signed = pdf.render_pdf(HTML, title="Essai", lang="fr", created=datetime(2026, 1, 5, tzinfo=UTC))
    assert "does not contain any signatures" in pdfsig(unsigned)
    assert signed.startswith(unsigned)  # an incremental update: the PDF/UA document is kept byte for byte
    assert b"/SubFilter /ETSI.CAdES.detached" in signed
    report = pdfsig(signed)
    assert "Signing Time: Jan 05 2026" in report and "Tremplin" in report


def test_signing_is_reproducible_given_the_creation_date(app):
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    first = pdf.render_pdf(HTML, title="Essai", lang="fr", created=moment)
    assert pdf.render_pdf(HTML, title="Essai", lang="fr", created=moment) == first


def test_keys_generate_makes_the_certificate_encrypted_at_rest_and_rotation_keeps_the_old_one(app, runner):
    result = runner.invoke(args=["keys", "generate", "--issuer-name", "Institut Démo"])
    assert result.exit_code == 0, result.output
    assert "PDF signing certificate of Institut Démo" in result.output
    row = pdf_signing.active_certificate()
    assert row is not None and "Institut Démo" in row.subject
    assert "ENCRYPTED PRIVATE KEY" in row.private_key_encrypted
    with pytest.raises(TypeError):  # no passphrase, no key
        serialization.load_pem_private_key(row.private_key_encrypted.encode(), None)
    first = active_certificate()
    signed_before = pdf.render_pdf(HTML, title="Avant", lang="fr")
    db.session.commit()

    rotated = runner.invoke(args=["keys", "rotate", "--kind", "pdf"])
    assert rotated.exit_code == 0 and "previous one is kept" in rotated.output
    rows = db.session.scalars(sa.select(PdfSigningCertificate).order_by(PdfSigningCertificate.id)).all()
    assert len(rows) == 2 and rows[0].retired_at is not None and rows[1].retired_at is None
    second = active_certificate()
    assert second != first
    assert_signed_by(pdf.render_pdf(HTML, title="Après", lang="fr"), second)
    assert_signed_by(signed_before, first)  # the retired certificate, still in the database, still checks it
    assert {c.fingerprint(pdf_signing.hashes.SHA256()) for c in pdf_signing.known_certificates()} == {
        first.fingerprint(pdf_signing.hashes.SHA256()),
        second.fingerprint(pdf_signing.hashes.SHA256()),
    }
    listing = runner.invoke(args=["keys", "list"])
    assert "in use" in listing.output and "withdrawn" in listing.output and "PRIVATE" not in listing.output


def test_generate_twice_keeps_the_active_certificate(app):
    first = pdf_signing.generate("Institut")
    assert first is not None and pdf_signing.generate("Institut") is None


def _pkcs12(tmp_path, passphrase: bytes):
    identity = pdf_signing.self_signed("Organisme Certifié SA")
    data = pkcs12.serialize_key_and_certificates(
        b"org", identity.key, identity.certificate, None, serialization.BestAvailableEncryption(passphrase)
    )
    path = tmp_path / "org.p12"
    path.write_bytes(data)
    return path, identity.certificate


@pytest.fixture
def app_config(app_config, tmp_path):
    path, certificate = _pkcs12(tmp_path, b"une phrase secrete")
    app_config["TEST_P12"] = (path, certificate)
    return app_config


def test_a_configured_pkcs12_certificate_signs_instead_and_is_never_stored(app):
    path, certificate = app.config["TEST_P12"]
    app.config.update(PDF_SIGNING_PKCS12=str(path), PDF_SIGNING_PASSPHRASE="une phrase secrete")
    data = pdf.render_pdf(HTML, title="Essai", lang="fr")
    assert_signed_by(data, certificate)
    assert "Organisme Certifié SA" in pdfsig(data)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PdfSigningCertificate)) == 0


def test_a_wrong_pkcs12_passphrase_gives_a_clear_error_naming_no_secret(app, caplog):
    path, certificate = app.config["TEST_P12"]
    app.config.update(PDF_SIGNING_PKCS12=str(path), PDF_SIGNING_PASSPHRASE="une phrase secrete")
    assert_signed_by(pdf.render_pdf(HTML, title="Essai", lang="fr"), certificate)  # read once, then kept…
    app.config.update(PDF_SIGNING_PASSPHRASE="pas la bonne")  # …but not for another passphrase
    with pytest.raises(pdf.PdfError, match="cannot be read") as raised:
        pdf.render_pdf(HTML, title="Essai", lang="fr")
    assert "pas la bonne" not in str(raised.value) and str(path) not in str(raised.value)
    assert "pas la bonne" not in caplog.text
    app.config.update(PDF_SIGNING_PKCS12=str(path) + ".missing")
    with pytest.raises(pdf.PdfError, match="cannot be read") as raised:
        pdf.render_pdf(HTML, title="Essai", lang="fr")
    assert str(path) not in str(raised.value)


def test_signing_can_be_switched_off(app):
    app.config["PDF_SIGNING"] = False
    assert "does not contain any signatures" in pdfsig(pdf.render_pdf(HTML, title="Essai", lang="fr"))


def test_the_private_key_is_encrypted_with_a_passphrase_derived_from_the_secret_key(app):
    row = pdf_signing.generate("Institut")
    assert row is not None
    assert SECRET not in row.private_key_encrypted
    serialization.load_pem_private_key(row.private_key_encrypted.encode(), pdf_signing.passphrase())


def _tsa():
    """A time-stamping authority of our own (pyHanko's DummyTimeStamper), its certificate and key."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TSA de test")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - pdf_signing.timedelta(days=1))
        .not_valid_after(now + pdf_signing.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    der_key = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(der_key),
    )
    return stamper, certificate


def test_with_a_time_stamping_authority_the_signature_is_pades_b_t(app):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from asn1crypto import tsp

    stamper, tsa_certificate = _tsa()
    requests_seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            requests_seen.append(self.headers["Content-Type"])
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        app.config["PDF_SIGNING_TSA_URL"] = f"http://127.0.0.1:{server.server_address[1]}/"
        data = pdf.render_pdf(HTML, title="Horodaté", lang="fr")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert requests_seen and requests_seen[-1] == "application/timestamp-query"
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from tests.core.signatures import asn1_certificate

    signature = PdfFileReader(pdf_signing.io.BytesIO(data), strict=False).embedded_signatures[0]
    context = ValidationContext(
        trust_roots=[asn1_certificate(active_certificate()), asn1_certificate(tsa_certificate)], allow_fetching=False
    )
    status = validate_pdf_signature(signature, context)
    assert status.bottom_line and status.timestamp_validity is not None
    assert status.timestamp_validity.intact and status.timestamp_validity.valid and status.timestamp_validity.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.signing_cert.dump() == asn1_certificate(active_certificate()).dump()
    assert "Signature Validation: Signature is Valid." in pdfsig(data)
    assert_tampering_detected(data, active_certificate())


@pytest.mark.parametrize("variant", [pdf.PDF_UA_1, pytest.param(pdf.PDF_A_3B, marks=ICC_LEAK)])
def test_the_signed_pdf_stays_tagged_and_its_untagged_widget_is_hidden_in_pdf_ua_printed_in_pdf_a(app, variant):
    import io

    from pypdf import PdfReader

    signed = PdfReader(io.BytesIO(pdf.render_pdf(HTML, title="Essai", lang="fr", variant=variant)))
    root = signed.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root and "/ParentTree" in root["/StructTreeRoot"]
    (field,) = [f.get_object() for f in root["/AcroForm"]["/Fields"]]
    assert field["/FT"] == "/Sig" and [float(x) for x in field["/Rect"]] == [0, 0, 0, 0]
    assert "/StructParent" not in field  # pyHanko does not tag it: hence the flags below
    flags = int(field["/F"])
    hidden, printed = bool(flags & 2), bool(flags & 4)
    if variant == pdf.PDF_UA_1:
        assert hidden and not printed  # PDF/UA-1 7.18.1: an untagged annotation must be hidden
        assert b"pdfuaid" in root["/Metadata"].get_data()
    else:
        assert printed and not hidden  # PDF/A 6.3.2: print set, hidden never
    assert_signed_by(pdf.render_pdf(HTML, title="Essai", lang="fr", variant=variant), active_certificate())


def test_a_pdf_is_signed_inside_a_running_event_loop(app):
    """pyHanko signs with ``asyncio.run``: inside a running loop (an async server, a browser driver's loop left
    running in the thread) the signature is made in a helper thread, not refused."""
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    outside = pdf.render_pdf(HTML, title="Essai", lang="fr", created=moment)

    async def inside():
        return pdf.render_pdf(HTML, title="Essai", lang="fr", created=moment)

    assert asyncio.run(inside()) == outside
    assert_signed_by(outside, active_certificate())
