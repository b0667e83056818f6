"""Static assets under immutable names (core.assets) and compression (Flask-Compress, set up in core.create_app)."""

from __future__ import annotations

import gzip
import hashlib
import os
import re
from pathlib import Path

import brotli
import pytest
from flask import Response, send_file

from core.assets import IMMUTABLE, Manifest, asset_url
from core.config import ROOT
from core.db import db

STATIC = ROOT / "static"
APP_CSS = (STATIC / "css" / "app.css").read_bytes()
APP_CSS_HASH = hashlib.sha256(APP_CSS).hexdigest()[:12]


def test_asset_url_names_the_file_by_its_content(app):
    with app.test_request_context():
        assert asset_url("css/app.css") == f"/static/css/app.{APP_CSS_HASH}.css"
        logo = hashlib.sha256((STATIC / "img" / "logo.svg").read_bytes()).hexdigest()[:12]
        assert asset_url("img/logo.svg") == f"/static/img/logo.{logo}.svg"
        with pytest.raises(FileNotFoundError):
            asset_url("css/missing.css")
        with pytest.raises(FileNotFoundError):
            asset_url("../core/config.py")


def test_pages_link_their_assets_by_immutable_names(client):
    html = client.get("/login").get_data(as_text=True)
    assert f'href="/static/css/app.{APP_CSS_HASH}.css"' in html
    assert re.search(r'src="/static/img/logo\.[0-9a-f]{12}\.svg"', html)
    assert "/static/css/app.css" not in html


def test_a_hashed_asset_is_served_once_for_a_year(client):
    response = client.get(f"/static/css/app.{APP_CSS_HASH}.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.mimetype == "text/css"
    assert response.get_data() == APP_CSS
    assert response.headers["ETag"] == f'"{APP_CSS_HASH}"'
    again = client.get(f"/static/css/app.{APP_CSS_HASH}.css", headers={"If-None-Match": f'"{APP_CSS_HASH}"'})
    assert again.status_code == 304 and again.get_data() == b""


def test_a_hashed_asset_is_compressed_with_brotli_or_gzip(client):
    url = f"/static/css/app.{APP_CSS_HASH}.css"
    br = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert br.headers["Content-Encoding"] == "br"
    assert brotli.decompress(br.get_data()) == APP_CSS
    assert len(br.get_data()) < len(APP_CSS) / 3
    assert br.headers["Cache-Control"] == IMMUTABLE
    assert "Accept-Encoding" in br.headers["Vary"]
    gz = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz.get_data()) == APP_CSS
    # the compressed answer is revalidated too (its ETag names the encoding)
    etag = br.headers["ETag"]
    assert client.get(url, headers={"Accept-Encoding": "br", "If-None-Match": etag}).status_code == 304


def test_a_stale_hash_gets_todays_file_without_being_cached_for_long(client):
    response = client.get("/static/css/app.0123456789ab.css")
    assert response.status_code == 200
    assert response.get_data() == APP_CSS
    assert "immutable" not in response.headers["Cache-Control"]
    assert response.cache_control.no_cache
    assert response.cache_control.max_age == 0


@pytest.mark.parametrize(
    "path",
    [
        "/static/css/nothing.0123456789ab.css",
        "/static/../core/config.0123456789ab.py",
        "/static/css/..%2F..%2Fcore%2Fconfig.0123456789ab.py",
        "/static/css/app.0123456789ab",
    ],
)
def test_no_file_no_answer(client, path):
    assert client.get(path).status_code == 404


def test_plain_names_are_still_served_and_revalidated(client):
    with client.get("/static/css/app.css") as response:  # a file sent from disk: closed when read
        assert response.status_code == 200
        assert "immutable" not in (response.headers.get("Cache-Control") or "")
        assert response.get_data() == APP_CSS


def test_the_manifest_follows_a_file_that_changes(tmp_path: Path):
    (tmp_path / "js").mkdir()
    script = tmp_path / "js" / "a.js"
    script.write_text("one()")
    manifest = Manifest(tmp_path)
    first = manifest.hashed_name("js/a.js")
    assert first == f"js/a.{hashlib.sha256(b'one()').hexdigest()[:12]}.js"
    script.write_text("two(2)")
    os.utime(script, ns=(1, 1))  # a new size and modification time, even on a coarse clock
    assert manifest.hashed_name("js/a.js") == f"js/a.{hashlib.sha256(b'two(2)').hexdigest()[:12]}.js"
    (tmp_path / "LICENSE").write_text("x")
    assert manifest.hashed_name("LICENSE") == f"LICENSE.{hashlib.sha256(b'x').hexdigest()[:12]}"
    assert manifest.digest("js") is None  # a folder is no file
    assert manifest.digest("../outside.js") is None


def test_pages_are_compressed_when_the_browser_says_it_can(client):
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers
    compressed = client.get("/login", headers={"Accept-Encoding": "br;q=1.0, gzip;q=0.8"})
    assert compressed.headers["Content-Encoding"] == "br"
    text = brotli.decompress(compressed.get_data()).decode()
    assert "<html" in text and f"app.{APP_CSS_HASH}.css" in text
    assert int(compressed.headers["Content-Length"]) == len(compressed.get_data())
    gz = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    assert "<html" in gzip.decompress(gz.get_data()).decode()


@pytest.fixture
def extra_routes(app):
    """Routes that answer in the ways the app's downloads do, to see what compression does with each."""
    payload = b"<p>" + b"Tremplin " * 2000 + b"</p>"

    def public(view):
        view.is_public = True
        return view

    @public
    def streamed():
        return Response((payload[i : i + 1000] for i in range(0, len(payload), 1000)), mimetype="text/html")

    @public
    def encoded():
        return Response(gzip.compress(payload), mimetype="text/html", headers={"Content-Encoding": "gzip"})

    @public
    def pdf():
        return Response(b"%PDF-1.7\n" + payload, mimetype="application/pdf")

    @public
    def archive():
        return Response(b"PK" + payload, mimetype="application/zip")

    @public
    def css_file():
        return send_file(STATIC / "css" / "app.css", mimetype="text/css")

    for view in (streamed, encoded, pdf, archive, css_file):
        app.add_url_rule(f"/_test/{view.__name__}", view.__name__, view)
    return payload


@pytest.mark.parametrize("name", ["streamed", "encoded", "pdf", "archive", "css_file"])
def test_compression_leaves_streams_compressed_types_and_encoded_answers_alone(client, extra_routes, name):
    with client.get(f"/_test/{name}", headers={"Accept-Encoding": "br, gzip"}) as response:
        assert response.status_code == 200
        body = response.get_data()
    if name == "encoded":
        assert response.headers["Content-Encoding"] == "gzip"  # not gzip twice, not br over gzip
        assert gzip.decompress(body) == extra_routes
    else:
        assert "Content-Encoding" not in response.headers
        if name == "streamed":
            assert body == extra_routes  # every chunk, as sent
        elif name == "css_file":
            assert body == APP_CSS
        else:
            assert body.endswith(extra_routes)


def test_web_pages_download_no_font():
    """The pages use the system's fonts (nothing to download); static/fonts holds the PDFs' fonts, which WeasyPrint
    reads from disk. A web font added one day must be a WOFF2 file (a subset: see README, Benchmarks)."""
    for css in (STATIC / "css").glob("*.css"):
        for source in re.findall(r"@font-face\s*{[^}]*}", css.read_text()):
            assert ".woff2" in source and not re.search(r"\.(ttf|otf)\b", source), (css.name, source)
    base = (ROOT / "templates" / "base.html").read_text()
    assert "fonts/" not in base


def test_compression_can_be_left_to_the_proxy(app_config):
    from core import create_app

    app = create_app({**app_config, "COMPRESS_REGISTER": False})
    response = app.test_client().get("/login", headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert "<html" in response.get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()
