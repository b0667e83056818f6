"""Uploads as an attacker sends them: what the browser claims and what the name says are ignored, only the
bytes count; names are cleaned; what is stored is served as a download, never rendered; too big is said plainly.

(The basics — a PNG stored and served to the trainee and staff, HTML/EXE/GIF refused, the 5 MB cap — are in
test_validations.py; this file covers the tricks around them.)"""

from __future__ import annotations

import io
import re

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from core.db import db
from courses.evidence_store import evidence_key
from courses.models import EvidenceFile, Validation
from tests.courses.conftest import count, tiny_png
from tests.courses.test_validations import form, stored_files

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.(pdf|png|jpg)")


def upload(client, enrolment, data: bytes, filename: str, content_type: str | None = None):
    storage = FileStorage(io.BytesIO(data), filename, content_type=content_type)
    values = form() | {"csrf_token": client.csrf_token(), "file": storage}
    boundary, body = encode_multipart(values)
    return client.post(
        f"/enrolments/{enrolment.uuid}/validations", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


@pytest.mark.parametrize(
    ("data", "filename", "claimed"),
    [
        (SVG, "dessin.svg", "image/svg+xml"),
        (SVG, "dessin.png", "image/png"),
        (b"<?xml version='1.0'?>" + SVG, "dessin.pdf", "application/pdf"),
        (b"<html><body onload=alert(1)>", "page.html", "text/html"),
        (b" %PDF-1.4 not at the start", "presque.pdf", "application/pdf"),
    ],
    ids=["svg", "svg named png", "svg claimed pdf", "html", "pdf magic not first"],
)
def test_active_content_is_refused_whatever_its_name_or_claimed_type(client_for, cohort, data, filename, claimed):
    response = upload(client_for(cohort.trainer), cohort.enrolment, data, filename, claimed)
    assert response.status_code == 422
    assert "PDF, PNG" in response.get_data(as_text=True)  # the message says what is accepted
    assert count(Validation) == 0 and count(EvidenceFile) == 0
    assert stored_files() == []


@pytest.mark.parametrize(
    ("filename", "claimed", "data", "kind"),
    [
        ("../../../../etc/passwd", "text/plain", PDF, "application/pdf"),
        ("..\\..\\windows\\system32\\evil.exe", "application/x-msdownload", PDF, "application/pdf"),
        ("page.html", "text/html", tiny_png(), "image/png"),
        ("évaluation finale – ñ.pdf", "application/pdf", PDF, "application/pdf"),
        ("تقييم.pdf", "application/pdf", PDF, "application/pdf"),
        ('"; filename=evil.html; x="', "application/pdf", PDF, "application/pdf"),
        ("<img src=x onerror=alert(1)>.pdf", "application/pdf", PDF, "application/pdf"),
        (".htaccess", "text/plain", PDF, "application/pdf"),
    ],
    ids=["traversal", "windows traversal", "html name png bytes", "accents", "arabic", "quote", "markup", "dotfile"],
)
def test_names_are_cleaned_and_the_type_comes_from_the_bytes(client_for, cohort, filename, claimed, data, kind):
    trainer = client_for(cohort.trainer)
    assert upload(trainer, cohort.enrolment, data, filename, claimed).status_code == 302
    record = db.session.scalar(db.select(EvidenceFile))
    assert record.content_type == kind
    assert SAFE_NAME.fullmatch(record.filename), record.filename
    assert ".." not in record.filename and "/" not in record.filename and "\\" not in record.filename
    # Stored under the evidence folder, by content hash: the name plays no part in the path.
    assert stored_files() == [evidence_key(record.sha256)]
    with trainer.get(f"/evidence/{record.uuid}") as download:
        assert download.status_code == 200
        assert download.mimetype == kind
        disposition = download.headers["Content-Disposition"]
        assert disposition == f"attachment; filename={record.filename}"
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert download.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in download.headers


def test_a_request_over_the_size_limit_gets_a_clear_page(app, client_for, cohort):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024  # the production cap is 16 MB: same code path, smaller body
    response = upload(client_for(cohort.trainer), cohort.enrolment, PDF + b"0" * 70 * 1024, "gros.pdf")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "volumineux" in page  # « Le fichier envoyé est trop volumineux. »
    assert count(EvidenceFile) == 0 and stored_files() == []


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"PK\x03\x04" + b"\0" * 40, "CSV"),  # an .xlsx workbook: refused with the hint to save as CSV
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "UTF-8"),  # binary
        (b"<script>alert(1)</script>", "<script>"),  # not a header row: the error shows the text escaped
    ],
    ids=["workbook", "binary", "html"],
)
def test_an_import_file_is_read_from_its_bytes_and_never_echoed_raw(client_for, cohort, admin, data, says):
    client = client_for(admin)
    values = {
        "csrf_token": client.csrf_token(),
        "kind": "enrolments",
        "file": FileStorage(io.BytesIO(data), "liste.csv"),
    }
    boundary, body = encode_multipart(values)
    response = client.post(
        f"/cohorts/{cohort.cohort.uuid}/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<script>alert(1)" not in page
    if says == "<script>":
        assert "&lt;script&gt;" in page or "script" not in page.split("<main", 1)[-1].split("</main>")[0]
    else:
        assert says in page
