"""Static assets under immutable names, so that a phone downloads each version of a file once.

Templates write ``asset_url('css/app.css')``, which gives ``/static/css/app.<hash>.css``: ``<hash>`` is the first
12 hex digits of the file's SHA-256. The ``static`` view answers such a name with the file when the hash is the
file's own, with ``Cache-Control: public, max-age=31536000, immutable``: the browser keeps it a year and never asks
again. A new version of the file has a new name, so no page ever sees a stale copy.

* The hashes are worked out from the files themselves (on first use, then again only when a file's size or
  modification time changes): every server of one release gives the same names, and a file edited while the
  development server runs gets a new name at once.
* A hashed name whose hash is not the file's (a page rendered by the previous release, during a deployment) is
  answered with today's file, marked ``no-cache``: the page keeps its styles and no cache keeps the mix.
* Plain names (``/static/css/app.css``, what ``url_for('static', …)`` gives, e.g. for the PDFs) are served as
  before, revalidated on each use (``no-cache`` + ``ETag``).
* The hashed answer is built from bytes, not streamed, so that Flask-Compress (set up in ``core.create_app``)
  compresses text assets (CSS, JavaScript, SVG) with brotli or gzip, as it does the pages.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, current_app, request, send_from_directory, url_for
from werkzeug.security import safe_join

HASH_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"  # one year, the longest RFC 9111 caches are asked to honour
EXTENSION_KEY = "tremplin.assets"
# Larger files (none that pages use today) are streamed from disk, hence never compressed (their types are not).
MAX_IN_MEMORY = 1024 * 1024
_HASHED = re.compile(rf"(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.[A-Za-z0-9]+)")


@dataclass(frozen=True)
class _Entry:
    size: int
    mtime_ns: int
    digest: str


class Manifest:
    """The content hash of each file of one static folder, kept while the file does not change."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def path(self, filename: str) -> Path | None:
        """The file ``filename`` names inside the folder, or None (missing, a folder, or outside the folder)."""
        joined = safe_join(str(self.folder), filename)
        if joined is None:
            return None
        path = Path(joined)
        return path if path.is_file() else None

    def digest(self, filename: str) -> str | None:
        """The first ``HASH_LENGTH`` hex digits of the file's SHA-256, or None if there is no such file."""
        path = self.path(filename)
        if path is None:
            return None
        stat = path.stat()
        entry = self._entries.get(filename)
        if entry is None or entry.size != stat.st_size or entry.mtime_ns != stat.st_mtime_ns:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LENGTH]
            entry = _Entry(stat.st_size, stat.st_mtime_ns, digest)
            with self._lock:
                self._entries[filename] = entry
        return entry.digest

    def hashed_name(self, filename: str) -> str:
        """``css/app.css`` → ``css/app.<hash>.css``. A missing file is a mistake in a template: it raises."""
        digest = self.digest(filename)
        if digest is None:
            raise FileNotFoundError(f"no static file {filename!r}")
        folder, slash, name = filename.rpartition("/")
        stem, dot, suffix = name.rpartition(".")
        if not dot or not stem:  # no extension (or a dot file): the hash goes at the end
            return f"{filename}.{digest}"
        return f"{folder}{slash}{stem}.{digest}.{suffix}"


def manifest() -> Manifest:
    return current_app.extensions[EXTENSION_KEY]


def asset_url(filename: str) -> str:
    """The immutable URL of a static file: ``asset_url('css/app.css')`` → ``/static/css/app.<hash>.css``."""
    return url_for("static", filename=manifest().hashed_name(filename))


def serve_static(filename: str) -> Response:
    """The ``static`` endpoint: hashed names are answered as immutable, plain names as Flask always did."""
    assets = manifest()
    match = _HASHED.fullmatch(filename)
    if match is None or assets.path(filename) is not None:  # a plain name (even one that looks hashed)
        return current_app.send_static_file(filename)
    original = match["stem"] + match["suffix"]
    current = assets.digest(original)
    path = assets.path(original)
    if current is None or path is None:
        abort(404)
    if path.stat().st_size > MAX_IN_MEMORY:
        response = send_from_directory(assets.folder, original, max_age=0)
    else:
        mimetype = mimetypes.guess_type(original)[0] or "application/octet-stream"
        response = current_app.response_class(path.read_bytes(), mimetype=mimetype)
    response.set_etag(current)
    if current == match["digest"]:
        response.headers["Cache-Control"] = IMMUTABLE
    else:  # a page of another release asks for another version: today's, not kept
        response.headers["Cache-Control"] = "no-cache, max-age=0"
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = Manifest(app.static_folder)
    app.view_functions["static"] = serve_static
    app.jinja_env.globals["asset_url"] = asset_url
