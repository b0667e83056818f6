"""Checks of the training body's PAdES signature on a PDF, shared by the tests of every document: pyHanko's
validator (the signature is intact, covers the whole file, and was made by the given certificate) and Poppler's
``pdfsig`` (what a reader's software says)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization


def pdfsig_path() -> str:
    path = shutil.which("pdfsig")
    if path is None:  # scripts/lib.sh installs poppler-utils: a missing pdfsig is a broken machine, not a skip
        pytest.fail("pdfsig (Poppler) is not installed: run scripts/lib.sh's ensure_system_packages")
    return path


def pdfsig(data: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(data)
        result = subprocess.run(  # noqa: S603 (a fixed program on a file we wrote)
            [pdfsig_path(), str(path)], capture_output=True, text=True, timeout=60, check=False
        )
    return result.stdout + result.stderr


def asn1_certificate(certificate):
    """cryptography's X.509 certificate as asn1crypto's (what pyHanko takes)."""
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def pyhanko_status(data: bytes, certificate):
    """pyHanko's verdict on the PDF's only signature, trusting ``certificate`` (cryptography's X.509)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    signatures = reader.embedded_signatures
    assert len(signatures) == 1, f"expected one signature, found {len(signatures)}"
    context = ValidationContext(trust_roots=[asn1_certificate(certificate)], allow_fetching=False)
    return validate_pdf_signature(signatures[0], context)


def assert_signed_by(data: bytes, certificate) -> None:
    """The PDF carries one valid PAdES signature by ``certificate`` over the whole file, for pyHanko and pdfsig."""
    from pyhanko.sign.validation import SignatureCoverageLevel

    status = pyhanko_status(data, certificate)
    assert status.intact and status.valid and status.bottom_line, status.pretty_print_details()
    assert status.trusted, status.pretty_print_details()
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.dump() == certificate.public_bytes(serialization.Encoding.DER)
    report = pdfsig(data)
    assert "Signature Type: ETSI.CAdES.detached" in report, report
    assert "Total document signed" in report, report
    assert "Signature Validation: Signature is Valid." in report, report


def tampered(data: bytes) -> bytes:
    """``data`` with one byte changed, where it changes no structure: the binary comment on the second line."""
    index = data.index(b"\n") + 2
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def assert_tampering_detected(data: bytes, certificate) -> None:
    changed = tampered(data)
    assert changed != data
    status = pyhanko_status(changed, certificate)
    assert not status.intact and not status.bottom_line  # "valid" alone: the CMS signature of its attributes
    report = pdfsig(changed)
    assert "Signature is Valid." not in report, report
    assert "Digest Mismatch" in report, report
