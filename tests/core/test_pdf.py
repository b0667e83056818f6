"""PDF plumbing (core/pdf.py): tagged PDF/UA output, language and title, attachments, PDF/A-3b, the URL fetcher
that reads only the static folder, the download response."""

from __future__ import annotations

import base64
import io
import logging
import os
import socket
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest
from flask_babel import force_locale
from jinja2 import ChoiceLoader, DictLoader
from pypdf import PdfReader

from core import pdf
from core.config import ROOT
from core.pdf import Attachment, PdfError, StaticPolicy, pdf_response, render_pdf, render_template_pdf

NAMES = ("Élise Fictive", "Maëlle", "Noël à Liège")
TITLE = "Feuille d'émargement — Noël à Liège"
A4 = (595.28, 841.89)
A5 = (419.53, 595.28)
SECRET_CSS = "@page { size: A5 }"  # visible in the page size if it were ever read
# WeasyPrint 70 opens its sRGB profile for PDF/A's output intent and never closes it (garbage-collected at once):
# harmless, and only a ResourceWarning, which this suite turns into an error. Ignore exactly that one.
ICC_LEAK = pytest.mark.filterwarnings(
    r"ignore:unclosed file <_io\.BufferedReader name='[^']*sRGB2014\.icc'>:ResourceWarning"
)


def page_html(body: str = "", head: str = "", lang: str | None = None) -> str:
    lang_attr = f' lang="{lang}"' if lang else ""
    names = "".join(f"<li>{name}</li>" for name in NAMES)
    return (
        f"<!doctype html><html{lang_attr}><head><meta charset='utf-8'>{head}</head>"
        f"<body><h1>Feuille d'émargement</h1><ul>{names}</ul>{body}</body></html>"
    )


def read(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def page_size(reader: PdfReader, index: int = 0) -> tuple[float, float]:
    box = reader.pages[index].mediabox
    return round(float(box.width), 2), round(float(box.height), 2)


def content_of(reader: PdfReader) -> bytes:
    return b"".join(page.get_contents().get_data() for page in reader.pages)


def xmp_of(reader: PdfReader) -> str:
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (11, 95, 107)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def static_dir(app, tmp_path: Path) -> Path:
    """A static folder of our own, with a secret stylesheet beside it (outside) to try to reach."""
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "img").mkdir()
    (static / "css" / "print.css").write_bytes((ROOT / "static" / "css" / "print.css").read_bytes())
    (static / "css" / "a5.css").write_text(SECRET_CSS)
    (static / "img" / "dot.png").write_bytes(png_bytes())
    (tmp_path / "secret.css").write_text(SECRET_CSS)
    (static / "css" / "escape.css").symlink_to(tmp_path / "secret.css")
    (static / "css" / "alias.css").symlink_to(static / "css" / "a5.css")
    app.static_folder = str(static)
    return static


@pytest.fixture
def no_network(monkeypatch) -> dict[str, mock.Mock]:
    """Record (and fail) any attempt to open a socket, resolve a name or use urllib's openers."""
    spies = {
        "connect": mock.Mock(side_effect=OSError("network disabled in tests")),
        "getaddrinfo": mock.Mock(side_effect=OSError("network disabled in tests")),
        "create_connection": mock.Mock(side_effect=OSError("network disabled in tests")),
        "opener": mock.Mock(side_effect=OSError("urllib disabled in tests")),
        "file_open": mock.Mock(side_effect=OSError("file access disabled in tests")),
    }
    monkeypatch.setattr(socket.socket, "connect", spies["connect"])
    monkeypatch.setattr(socket, "getaddrinfo", spies["getaddrinfo"])
    monkeypatch.setattr(socket, "create_connection", spies["create_connection"])
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", spies["opener"])
    monkeypatch.setattr(urllib.request.FileHandler, "file_open", spies["file_open"])
    return spies


# ------------------------------------------------------------------------------------------ document basics


def test_text_tags_language_and_title(app):
    reader = read(render_pdf(page_html(), title=TITLE, lang="fr"))

    text = text_of(reader)
    for name in NAMES:
        assert name in text
    assert "Feuille d'émargement" in text
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "fr"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert reader.metadata.title == TITLE
    xmp = xmp_of(reader)
    assert 'pdfuaid:part="1"' in xmp
    assert TITLE in xmp
    # The tag tree has real structure: a heading and list items, not just one blob.
    tags = {str(node.get_object().get("/S")) for node in _struct_elements(catalog["/StructTreeRoot"])}
    assert {"/H1", "/L", "/LI"} <= tags


def _struct_elements(node, depth: int = 0):
    node = node.get_object()
    kids = node.get("/K")
    if kids is None or depth > 50:
        return
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if isinstance(kid, dict) and kid.get("/Type") == "/StructElem":
            yield kid
            yield from _struct_elements(kid, depth + 1)


def test_arguments_win_over_the_documents_own_title_and_language(app):
    html = page_html(head="<title>Brouillon</title>", lang="en")

    reader = read(render_pdf(html, title="Attestation de formation", lang="fr_BE"))

    assert reader.trailer["/Root"]["/Lang"] == "fr-BE"
    assert reader.metadata.title == "Attestation de formation"


def test_print_css_gives_a4_and_page_numbers_and_can_be_left_out(app):
    long_body = "".join(f"<p>Ligne {i} — présence confirmée.</p>" for i in range(120))

    with_base = read(render_pdf(page_html(long_body), title=TITLE, lang="fr"))
    without_base = read(render_pdf(page_html(long_body), title=TITLE, lang="fr", stylesheets=()))

    assert page_size(with_base) == A4
    pages = len(with_base.pages)
    assert pages >= 2
    assert f"Page 1 / {pages}" in with_base.pages[0].extract_text()
    assert f"Page {pages} / {pages}" in with_base.pages[-1].extract_text()
    assert "Page 1 /" not in text_of(without_base)


def test_identical_input_and_creation_date_give_identical_bytes(app):
    created = datetime(2026, 9, 17, 10, 30, tzinfo=UTC)
    attachment = Attachment("credential.json", b'{"name": "\xc3\x89lise"}', "Credential", "application/json")

    first = render_pdf(page_html(), title=TITLE, lang="fr", attachments=[attachment], created=created)
    second = render_pdf(page_html(), title=TITLE, lang="fr", attachments=[attachment], created=created)

    assert first == second
    assert read(first).metadata["/CreationDate"] == "D:20260917103000Z"


# ------------------------------------------------------------------------------------------ URL fetcher


REFUSED = [
    pytest.param("file:///etc/passwd", "file", None, id="file"),
    pytest.param("http://127.0.0.1:1/x.png?token=s3cr3t-query", "http", "127.0.0.1", id="loopback"),
    pytest.param("https://example.org/x.css?token=s3cr3t-query", "https", "example.org", id="remote"),
    pytest.param("ftp://example.org/x.png", "ftp", "example.org", id="ftp"),
    pytest.param("gopher://example.org/x", "gopher", "example.org", id="unknown-scheme"),
    pytest.param("http://localhost/admin/users?token=s3cr3t-query", "http", "localhost", id="own-host-not-static"),
    pytest.param("http://user:pa55@localhost/static/css/print.css", "http", "localhost", id="userinfo"),
]


@pytest.mark.parametrize(("url", "scheme", "host"), REFUSED)
def test_foreign_urls_are_refused_without_touching_network_or_disk(app, caplog, no_network, url, scheme, host):
    html = page_html(
        f'<img src="{url}" alt=""><p style="background: url({url})">x</p>', f'<link rel="stylesheet" href="{url}">'
    )

    with caplog.at_level(logging.WARNING):
        reader = read(render_pdf(html, title=TITLE, lang="fr"))

    assert all(not spy.called for spy in no_network.values())
    assert "Élise Fictive" in text_of(reader)
    assert not reader.pages[0].images
    warnings = [r for r in caplog.records if r.name == "core.pdf" and r.levelno == logging.WARNING]
    assert warnings, "a refused URL is logged"
    assert all(f"{scheme}" in r.getMessage() for r in warnings)
    if host:
        assert any(host in r.getMessage() for r in warnings)
    # Neither our log nor WeasyPrint's repeats a query string (or a password).
    assert "s3cr3t-query" not in caplog.text
    assert "pa55" not in caplog.text


TRAVERSALS = [
    "/static/../secret.css",
    "/static/%2e%2e/secret.css",
    "/static/css/..%2f..%2fsecret.css",
    "/static/css/escape.css",  # a symlink out of the folder
    "tremplin-static:../secret.css",
    "tremplin-static:%2e%2e/secret.css",
    "tremplin-static:css/escape.css",
    "tremplin-static://localhost/css/a5.css",
]


@pytest.mark.parametrize("href", TRAVERSALS)
def test_paths_out_of_the_static_folder_are_refused(app, static_dir, caplog, no_network, href):
    html = page_html(head=f'<link rel="stylesheet" href="{href}">')

    with caplog.at_level(logging.WARNING, logger="core.pdf"):
        reader = read(render_pdf(html, title=TITLE, lang="fr"))

    assert page_size(reader) == A4  # secret.css (A5) was not read
    assert any(r.name == "core.pdf" for r in caplog.records)
    assert all(not spy.called for spy in no_network.values())


def test_absolute_static_path_is_refused(app, static_dir, caplog):
    policy = StaticPolicy.for_app()
    for url in (
        "tremplin-static:%2F" + str(static_dir / "css" / "a5.css").lstrip("/"),
        "tremplin-static:%2Fetc%2Fpasswd",
    ):
        with pytest.raises(pdf.RefusedResource):
            policy.resolve(url)


@pytest.mark.parametrize(
    "href",
    [
        "/static/css/a5.css",
        "css/a5.css?v=3",  # relative to a <base href> of /static/
        "http://localhost/static/css/a5.css",
        "tremplin-static:css/a5.css",
        "tremplin-static:/css/a5.css",
        "/static/css/alias.css",  # a symlink that stays inside the folder
    ],
)
def test_static_stylesheets_are_read_from_disk(app, static_dir, no_network, href):
    base = '<base href="/static/">' if not href.startswith(("/", "http", "tremplin")) else ""

    reader = read(render_pdf(page_html(head=f'{base}<link rel="stylesheet" href="{href}">'), title=TITLE, lang="fr"))

    assert page_size(reader) == A5
    assert all(not spy.called for spy in no_network.values())


def test_static_and_data_images_are_embedded(app, static_dir, no_network):
    data_uri = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()

    from_static = read(render_pdf(page_html('<img src="/static/img/dot.png" alt="Point">'), title=TITLE, lang="fr"))
    from_data = read(render_pdf(page_html(f'<img src="{data_uri}" alt="Point">'), title=TITLE, lang="fr"))

    assert len(from_static.pages[0].images) == 1
    assert len(from_data.pages[0].images) == 1
    assert all(not spy.called for spy in no_network.values())


def test_the_real_logo_and_print_css_are_used(app, no_network):
    logo = (ROOT / "static" / "img" / "logo.svg").read_text()
    assert 'd="M10 46h24l10-20h10"' in logo and "#0b5f6b" in logo

    with_logo = read(render_pdf(page_html('<img src="/static/img/logo.svg" alt="Tremplin">'), title=TITLE, lang="fr"))
    without = read(render_pdf(page_html(), title=TITLE, lang="fr"))
    explicit = read(render_pdf(page_html(), title=TITLE, lang="fr", stylesheets=(pdf.static_url("css/print.css"),)))

    drawn = content_of(with_logo)
    assert b"10 46 m\n34 46 l\n44 26 l\n54 26 l" in drawn  # the logo's path, from the SVG file
    assert b"0.043137 0.372549 0.419608 RG" in drawn  # its stroke colour, #0b5f6b
    assert b"10 46 m" not in content_of(without)
    assert "Page 1 / 1" in text_of(explicit)
    assert all(not spy.called for spy in no_network.values())


def test_nested_resources_go_through_the_same_fetcher(app, caplog, no_network):
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' xmlns:xlink='http://www.w3.org/1999/xlink' width='10' height='10'>"
        "<image xlink:href='file:///etc/passwd' width='10' height='10'/></svg>"
    )
    css = "@import url(https://example.org/evil.css); p { color: red }"
    html = page_html(
        f'<img src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}" alt="">',
        f'<link rel="stylesheet" href="data:text/css;base64,{base64.b64encode(css.encode()).decode()}">',
    )

    with caplog.at_level(logging.WARNING, logger="core.pdf"):
        read(render_pdf(html, title=TITLE, lang="fr"))

    assert all(not spy.called for spy in no_network.values())
    messages = [r.getMessage() for r in caplog.records if r.name == "core.pdf"]
    assert any("file:" in m for m in messages) and any("example.org" in m for m in messages)


def test_parsed_stylesheets_and_fonts_are_reused_until_the_file_changes(app, static_dir):
    sheet = "tremplin-static:css/a5.css"
    render_pdf(page_html(), title=TITLE, lang="fr", stylesheets=(sheet,))
    font_config = pdf._state.font_config
    cached = {key: css for key, css in pdf._state.stylesheets.items() if key[0].endswith("a5.css")}

    again = read(render_pdf(page_html(), title=TITLE, lang="fr", stylesheets=(sheet,)))
    (static_dir / "css" / "a5.css").write_text("@page { size: A6 }  /* changed */")
    changed = read(render_pdf(page_html(), title=TITLE, lang="fr", stylesheets=(sheet,)))

    assert len(cached) == 1
    assert pdf._state.font_config is font_config
    assert page_size(again) == A5
    assert page_size(changed) == (297.64, 419.53)  # A6: the new file was parsed, the old entry dropped
    assert [key for key in pdf._state.stylesheets if key[0].endswith("a5.css")] != list(cached)
    assert len([key for key in pdf._state.stylesheets if key[0].endswith("a5.css")]) == 1


def test_a_refused_stylesheet_argument_is_an_error(app):
    with pytest.raises(PdfError):
        render_pdf(page_html(), title=TITLE, lang="fr", stylesheets=("https://example.org/print.css",))


def test_static_policy_without_app_context_uses_the_projects_static_folder():
    policy = StaticPolicy.for_app()
    path, canonical = policy.resolve("tremplin-static:css/print.css")
    assert path == (ROOT / "static" / "css" / "print.css").resolve()
    assert canonical == "tremplin-static:css/print.css"
    with pytest.raises(pdf.RefusedResource):
        policy.resolve("http://localhost/static/css/print.css")


# ------------------------------------------------------------------------------------------ attachments, variants


@pytest.mark.parametrize("variant", ["pdf/ua-1", pytest.param("pdf/a-3b", marks=ICC_LEAK), None])
def test_attachments_are_embedded_with_identical_bytes(app, variant):
    credential = '{"credentialSubject": {"name": "Élise Fictive"}, "proof": "…"}'.encode()
    binary = bytes(range(256)) * 4
    attachments = [
        Attachment("credential.json", credential, "Signed credential", "application/json", "Source"),
        Attachment("données.bin", binary),
    ]

    reader = read(render_pdf(page_html(), title=TITLE, lang="fr", attachments=attachments, variant=variant))

    assert reader.attachments["credential.json"] == [credential]
    assert reader.attachments["données.bin"] == [binary]
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"].value is True and catalog["/Lang"] == "fr"
    specs = {
        spec["/UF"]: spec
        for spec in (item.get_object() for item in catalog["/Names"]["/EmbeddedFiles"]["/Names"][1::2])
    }
    assert specs["credential.json"]["/Desc"] == "Signed credential"
    assert specs["credential.json"]["/EF"]["/F"].get_object()["/Subtype"] == "/application/json"


@ICC_LEAK
def test_pdf_a_3b_declares_itself_and_its_associated_files(app):
    attachment = Attachment("credential.json", b"{}", "Signed credential", "application/json", "Source")

    reader = read(render_pdf(page_html(), title=TITLE, lang="fr", attachments=[attachment], variant="pdf/a-3b"))

    catalog = reader.trailer["/Root"]
    xmp = xmp_of(reader)
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert catalog["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"
    associated = [item.get_object() for item in catalog["/AF"]]
    assert len(associated) == 1  # WeasyPrint 70 lists it twice; we keep it once
    assert associated[0]["/AFRelationship"] == "/Source"
    assert "/StructTreeRoot" in catalog  # still tagged
    assert reader.metadata.title == TITLE


def test_attachment_validation():
    with pytest.raises(ValueError):
        Attachment("../credential.json", b"{}")
    with pytest.raises(ValueError):
        Attachment("credential.json", b"{}", relationship="Source /Evil")
    with pytest.raises(ValueError):
        Attachment("credential.json", b"{}", mime_type="json")


# ------------------------------------------------------------------------------------------ templates


@pytest.fixture
def pdf_template(app):
    source = (
        "<!doctype html><html lang='{{ lang }}'><head><title>{{ title }}</title></head><body>"
        "<img src='{{ pdf_static_url(\"img/logo.svg\") }}' alt='Tremplin'>"
        "<h1>{{ title }}</h1><p>{{ person }}</p><p>{{ _('Password') }}</p></body></html>"
    )
    app.jinja_loader = ChoiceLoader([DictLoader({"pdf/test.html": source}), app.jinja_loader])
    return "pdf/test.html"


def test_render_template_pdf_uses_the_locale_by_default(app, pdf_template):
    with app.test_request_context("/"), force_locale("fr"):
        data = render_template_pdf(pdf_template, title=TITLE, person="Maëlle")

    reader = read(data)
    assert reader.trailer["/Root"]["/Lang"] == "fr"
    assert reader.metadata.title == TITLE
    text = text_of(reader)
    assert "Maëlle" in text and TITLE in text
    assert b"10 46 m" in content_of(reader)  # the logo, through pdf_static_url


def test_render_template_pdf_with_explicit_language(app, pdf_template):
    reader = read(render_template_pdf(pdf_template, title="Attendance sheet", lang="en", person="Noël à Liège"))

    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "Noël à Liège" in text_of(reader)


# ------------------------------------------------------------------------------------------ responses


def test_pdf_response_headers_with_accented_filename(app):
    response = pdf_response(b"%PDF-1.7 fake", "émargement-2026-09-17.pdf")

    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"emargement-2026-09-17.pdf\"; filename*=UTF-8''%C3%A9margement-2026-09-17.pdf"
    )
    assert response.get_data() == b"%PDF-1.7 fake"


def test_pdf_response_inline_ascii_and_hostile_names(app):
    assert pdf_response(b"x", "report.pdf", inline=True).headers["Content-Disposition"] == (
        'inline; filename="report.pdf"'
    )
    hostile = pdf_response(b"x", 'a"b\r\nSet-Cookie: x=1/../Noël.pdf').headers["Content-Disposition"]
    assert "\r" not in hostile and "\n" not in hostile
    fallback = hostile.split('filename="', 1)[1].split('"', 1)[0]
    assert "/" not in fallback and '"' not in fallback and "\\" not in fallback
    assert "filename*=UTF-8''a%22bSet-Cookie%3A%20x%3D1_.._No%C3%ABl.pdf" in hostile
    decomposed = pdf_response(b"x", "e\u0301margement.pdf").headers["Content-Disposition"]
    assert "filename*=UTF-8''%C3%A9margement.pdf" in decomposed  # NFC


def test_pdf_response_through_the_app(app, client):
    from core.security import public

    @public
    def sample_pdf():
        return pdf_response(render_pdf(page_html(), title=TITLE, lang="fr"), "Noël à Liège.pdf", inline=True)

    app.add_url_rule("/_test/sample.pdf", "sample_pdf", sample_pdf)

    response = client.get("/_test/sample.pdf")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith('inline; filename="Noel a Liege.pdf"; filename*=')
    assert "Élise Fictive" in text_of(read(response.get_data()))


# ------------------------------------------------------------------------------------------ failures


def test_invalid_variant_raises_pdf_error(app):
    with pytest.raises(PdfError, match="variant"):
        render_pdf(page_html(), title=TITLE, lang="fr", variant="pdf/z-9")


@pytest.mark.parametrize(("title", "lang"), [("", "fr"), ("  ", "fr"), (TITLE, ""), (TITLE, "fr; DROP")])
def test_title_and_language_are_required(app, title, lang):
    with pytest.raises(PdfError):
        render_pdf(page_html(), title=title, lang=lang)


def test_a_failing_render_raises_a_safe_pdf_error(app, caplog, monkeypatch):
    import weasyprint

    def broken(*args, **kwargs):
        raise OSError("cannot open /srv/tremplin/instance/secret_key")

    monkeypatch.setattr(weasyprint, "HTML", broken)

    with caplog.at_level(logging.ERROR, logger="core.pdf"), pytest.raises(PdfError) as raised:
        render_pdf(page_html(), title=TITLE, lang="fr")

    assert "/srv" not in str(raised.value) and "secret" not in str(raised.value)
    assert isinstance(raised.value.__cause__, OSError)
    assert any(r.name == "core.pdf" and r.exc_info for r in caplog.records)


def test_importing_core_pdf_does_not_import_weasyprint():
    code = "import sys, core.pdf; assert 'weasyprint' not in sys.modules, 'weasyprint imported eagerly'"
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env={**os.environ}, check=False
    )
    assert result.returncode == 0, result.stderr
