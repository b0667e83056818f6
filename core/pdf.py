"""PDF documents: HTML (usually a Jinja template) rendered by WeasyPrint into a tagged, accessible PDF.

This is the only module that imports WeasyPrint, and it does so inside functions: importing ``core.pdf`` is cheap.

* :func:`render_pdf` turns an HTML string into PDF bytes: PDF/UA-1 by default (tagged, document language in the
  catalog, title in the metadata and shown by viewers), or PDF/A-3b (archival, with embedded files described by
  an ``AFRelationship``, still tagged). :class:`Attachment` embeds files, e.g. a signed credential's JSON.
* :func:`render_template_pdf` renders a template of the app first; :func:`pdf_response` sends the bytes.
* Resources are fetched by :func:`safe_url_fetcher`, which reads the app's static folder from disk and decodes
  ``data:`` URIs, and refuses everything else (``file:``, ``http(s):``, ``ftp:``…): a PDF never touches the network
  or the rest of the file system. In templates, write static URLs as ``/static/…`` (``url_for('static', …)``, resolved
  against the app's ``BASE_URL``, never fetched over the network) or ``tremplin-static:img/logo.svg``.
* ``static/css/print.css`` (A4, fonts, "Page X / Y") is applied by default as a user stylesheet, which any
  ``<style>`` of the document overrides.
"""

from __future__ import annotations

import atexit
import functools
import logging
import mimetypes
import re
import threading
import unicodedata
import warnings
from base64 import b64encode
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from urllib.request import DataHandler, Request

from flask import Response, current_app, has_app_context, render_template
from flask_babel import get_locale

from core.config import ROOT

logger = logging.getLogger(__name__)

STATIC_SCHEME = "tremplin-static"
PRINT_CSS = f"{STATIC_SCHEME}:css/print.css"

PDF_UA_1 = "pdf/ua-1"
PDF_A_3B = "pdf/a-3b"
DEFAULT_VARIANT = PDF_UA_1
# Variants we produce and test; ``None`` gives a plain (but still tagged) PDF 1.7.
VARIANTS = frozenset({PDF_UA_1, PDF_A_3B})

# ISO 32000-2, 7.11.3: how an embedded file relates to the document (written to /AFRelationship in PDF/A-3).
RELATIONSHIPS = frozenset(
    {"Source", "Data", "Alternative", "Supplement", "EncryptedPayload", "FormData", "Schema", "Unspecified"}
)


class PdfError(RuntimeError):
    """Rendering failed. The message is safe to show: it names no path, URL or secret (the log has the details)."""


@dataclass(frozen=True)
class Attachment:
    """A file embedded in the PDF (shown by viewers in their attachments panel)."""

    filename: str
    data: bytes
    description: str = ""
    mime_type: str = "application/octet-stream"
    relationship: str = "Unspecified"  # PDF/A-3 AFRelationship: "Source", "Data", "Supplement"…

    def __post_init__(self) -> None:
        if not self.filename or "/" in self.filename or "\\" in self.filename or _CONTROL.search(self.filename):
            raise ValueError("An attachment needs a plain file name (no path, no control character).")
        if not isinstance(self.data, bytes | bytearray):
            raise TypeError("Attachment data must be bytes.")
        if not _MIME.fullmatch(self.mime_type):
            raise ValueError("Attachment MIME type must look like type/subtype.")
        if self.relationship not in RELATIONSHIPS:
            raise ValueError(f"Attachment relationship must be one of {', '.join(sorted(RELATIONSHIPS))}.")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MIME = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")


# --------------------------------------------------------------------------------------------------- fetching


class RefusedResource(ValueError):
    """A URL the PDF renderer must not fetch. WeasyPrint skips the resource (and logs it); rendering goes on."""


@dataclass(frozen=True)
class StaticPolicy:
    """Which URLs name a file of the static folder: ``tremplin-static:<path>`` and ``<origin><prefix>/<path>``.

    ``origin`` is the app's ``BASE_URL`` as (scheme, host, port): URLs there are mapped to the disk, never fetched.
    """

    root: Path
    origin: tuple[str, str, int] | None = None
    prefix: str = "/static"

    @classmethod
    def for_app(cls, app=None) -> StaticPolicy:
        if app is None:
            if not has_app_context():
                return cls(root=(ROOT / "static").resolve())
            app = current_app._get_current_object()
        origin = _origin(app.config.get("BASE_URL") or "")
        prefix = (app.static_url_path or "/static").rstrip("/")
        return cls(root=Path(app.static_folder).resolve(), origin=origin, prefix=prefix)

    def canonical_url(self, relative: str) -> str:
        """The URL given to WeasyPrint as the resource's own (so that relative URLs inside a stylesheet work)."""
        if self.origin is None:
            return f"{STATIC_SCHEME}:{quote(relative)}"
        scheme, host, port = self.origin
        netloc = f"[{host}]" if ":" in host else host  # IPv6 literal
        if port != _DEFAULT_PORTS[scheme]:
            netloc += f":{port}"
        return f"{scheme}://{netloc}{self.prefix}/{quote(relative)}"

    def resolve(self, url: str) -> tuple[Path, str]:
        """Return the file named by ``url`` and its canonical URL, or raise :class:`RefusedResource`."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            logger.warning("PDF: refused a malformed resource URL")
            raise RefusedResource("malformed URL") from None
        scheme = parts.scheme.lower()
        if scheme == STATIC_SCHEME and not parts.netloc:
            return self._file(parts.path.removeprefix("/"))
        if (
            self.origin is not None
            and scheme in ("http", "https")
            and parts.username is None
            and parts.password is None
            and (scheme, (parts.hostname or ""), port or _DEFAULT_PORTS[scheme]) == self.origin
            and parts.path.startswith(self.prefix + "/")
        ):
            return self._file(parts.path[len(self.prefix) + 1 :])
        host = parts.hostname or ""
        if host:
            logger.warning("PDF: refused %s: resource from host %s", scheme or "relative", host)
        else:
            logger.warning("PDF: refused %s resource", f"{scheme}:" if scheme else "relative")
        raise RefusedResource(f"{scheme or 'relative'} URLs are not fetched")

    def _file(self, encoded: str) -> tuple[Path, str]:
        relative = unquote(encoded)
        pure = PurePosixPath(relative)
        if (
            not relative
            or "\\" in relative
            or _CONTROL.search(relative)
            or pure.is_absolute()
            or any(part in ("..", ".") for part in relative.split("/"))
        ):
            logger.warning("PDF: refused a static path that could leave the static folder")
            raise RefusedResource("invalid static path")
        try:
            path = (self.root / relative).resolve(strict=True)
        except (OSError, RuntimeError):
            logger.warning("PDF: static file not found: %s", relative[:200])
            raise RefusedResource("static file not found") from None
        if not path.is_relative_to(self.root) or not path.is_file():
            logger.warning("PDF: refused a static path that leaves the static folder")
            raise RefusedResource("invalid static path")
        return path, self.canonical_url(relative)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(base_url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(base_url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            return None
        return scheme, parts.hostname, parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        return None


def _content_type(path: Path) -> str:
    mime = mimetypes.guess_type(path.name, strict=False)[0] or "application/octet-stream"
    if mime.startswith("text/") or mime in ("image/svg+xml", "application/javascript"):
        mime += "; charset=utf-8"
    return mime


@functools.cache
def _fetcher_class() -> type:
    # why: WeasyPrint is heavy (1 s) and needs Pango: loaded on the first PDF
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeURLFetcher(URLFetcher):
        """WeasyPrint fetcher: static files from disk, ``data:`` URIs, and nothing else (see StaticPolicy)."""

        def __init__(self, policy: StaticPolicy) -> None:
            # Defence in depth: should anything reach urllib's opener, only ``data:`` would be allowed.
            super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False)
            self.policy = policy

        def fetch(self, url, headers=None):
            if url[:5].lower() == "data:":
                response = DataHandler().data_open(Request(url))  # noqa: S310 (a data: URI, decoded in memory)
                content_type = response.headers.get("Content-Type") or "text/plain;charset=US-ASCII"
                return URLFetcherResponse(url, response.read(), {"Content-Type": content_type})
            path, canonical = self.policy.resolve(url)
            return URLFetcherResponse(canonical, path.read_bytes(), {"Content-Type": _content_type(path)})

    return SafeURLFetcher


def safe_url_fetcher(policy: StaticPolicy | None = None):
    """A WeasyPrint ``url_fetcher`` for the current app's static folder (or ``policy``'s)."""
    return _fetcher_class()(policy or StaticPolicy.for_app())


def static_url(filename: str) -> str:
    """``tremplin-static:`` URL of a static file: works in any PDF, with or without a request or ``BASE_URL``."""
    return f"{STATIC_SCHEME}:{quote(filename.lstrip('/'))}"


# --------------------------------------------------------------------------------------------------- rendering


class _PerThread(threading.local):
    """WeasyPrint/Pango objects are reused, but never shared across threads (Pango gives no such guarantee)."""

    def __init__(self) -> None:
        self.font_config = None
        self.stylesheets: dict[tuple, Any] = {}


_state = _PerThread()
_MAX_CACHED_STYLESHEETS = 32


class _RedactLoggedURLs(logging.Filter):
    """WeasyPrint logs the URLs it could not load: drop their credentials and query strings, shorten ``data:``."""

    _USERINFO = re.compile(r"(//)[^/\s'\"@]*@")
    _QUERY = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*:[^\s'\"?#]*)\?[^\s'\"#]*")
    _DATA = re.compile(r"(\bdata:[^\s'\",]{0,40})[^\s'\"]{24,}")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self._DATA.sub(r"\1…", self._QUERY.sub(r"\1?…", self._USERINFO.sub(r"\1…@", message)))
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_REDACT = _RedactLoggedURLs()


def _weasyprint():
    try:
        # why: WeasyPrint is heavy (1 s) and needs Pango: loaded on the first PDF
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration
    except (ImportError, OSError) as exc:  # OSError: Pango or HarfBuzz missing from the system
        logger.exception("PDF: WeasyPrint cannot be loaded")
        raise PdfError("PDF documents cannot be produced on this server.") from exc
    weasyprint_logger = logging.getLogger("weasyprint")
    if _REDACT not in weasyprint_logger.filters:
        weasyprint_logger.addFilter(_REDACT)
    if _state.font_config is None:
        _state.font_config = FontConfiguration()
        if threading.current_thread() is threading.main_thread():
            atexit.register(_release)
    return weasyprint


def _release() -> None:
    """Drop the main thread's Pango objects while the interpreter still works: freed during its final teardown,
    they crash it (segmentation fault at exit). Other threads' objects go when their thread ends."""
    _state.stylesheets.clear()
    _state.font_config = None


def _stylesheet(weasyprint, url: str, fetcher) -> Any:
    """A parsed stylesheet; static files are parsed once per thread (until they change on disk)."""
    key = None
    if url[:5].lower() != "data:":
        path, _ = fetcher.policy.resolve(url)
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size, fetcher.policy)
        if key in _state.stylesheets:
            return _state.stylesheets[key]
    css = weasyprint.CSS(url=url, url_fetcher=fetcher, font_config=_state.font_config)
    if key is not None:
        cache = _state.stylesheets
        for stale in [other for other in cache if other[0] == key[0]]:  # an older version of the file
            del cache[stale]
        if len(cache) >= _MAX_CACHED_STYLESHEETS:
            cache.clear()
        cache[key] = css
    return css


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _bcp47(lang: str) -> str:
    return lang.replace("_", "-")


def render_pdf(
    html: str,
    *,
    title: str,
    lang: str,
    base_url: str | None = None,
    attachments: Sequence[Attachment] = (),
    stylesheets: Sequence[str] = (PRINT_CSS,),
    variant: str | None = DEFAULT_VARIANT,
    created: datetime | None = None,
    sign: bool = True,
) -> bytes:
    """Render ``html`` to PDF bytes, signed by the training body (PAdES, ``core.pdf_signing``) when there is an app
    (``sign=False`` or ``PDF_SIGNING = False`` leave it unsigned; without an app context nothing is signed).

    ``title`` and ``lang`` (BCP 47, e.g. "fr") are written to the PDF (title shown by viewers, catalog /Lang) and
    ``lang`` is set on ``<html>``: they win over the document's own ``<title>`` and ``lang``. ``base_url`` resolves
    relative URLs; by default the app's ``BASE_URL``, so that ``/static/…`` paths are read from the static folder.
    ``stylesheets`` are URLs of user stylesheets (the document's own styles override them); pass ``()`` to drop
    ``print.css``. ``variant``: "pdf/ua-1" (default), "pdf/a-3b" or ``None``; all are tagged. ``created`` (naive
    means UTC) fixes the creation dates, making the output byte-for-byte reproducible.
    """
    if variant is not None and variant not in VARIANTS:
        raise PdfError(f"Unknown PDF variant {variant!r}: use one of {', '.join(sorted(VARIANTS))} or None.")
    title = " ".join((title or "").split())
    if not title:
        raise PdfError("A PDF document needs a title.")
    lang = _bcp47((lang or "").strip())
    if not re.fullmatch(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*", lang):
        raise PdfError("A PDF document needs a language such as 'fr'.")
    weasyprint = _weasyprint()
    fetcher = safe_url_fetcher()
    if base_url is None:
        base_url = _default_base_url()
    moment = _utc(created) if created is not None else None
    try:
        document_html = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        document_html.etree_element.set("lang", lang)
        options = {
            "stylesheets": [_stylesheet(weasyprint, url, fetcher) for url in stylesheets],
            "attachments": [_weasy_attachment(weasyprint, item, fetcher, moment) for item in attachments],
            "pdf_variant": variant,
            "pdf_tags": True,
            "presentational_hints": True,
            "optimize_images": True,
        }
        if variant is not None and variant.startswith("pdf/a"):
            _ignore_icc_leak()
        document = document_html.render(font_config=_state.font_config, **options)
        document.metadata.title = title
        document.metadata.lang = lang
        if moment is not None:
            document.metadata.created = document.metadata.modified = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        data = document.write_pdf(finisher=_finish, **options)
    except Exception as exc:
        logger.exception("PDF: rendering failed")  # no title: it may name a person
        raise PdfError("The PDF document could not be produced.") from exc
    if sign and has_app_context():
        data = _sign(data, moment, pdf_a=variant is not None and variant.startswith("pdf/a"))
    return data


def _sign(data: bytes, moment: datetime | None, *, pdf_a: bool = False) -> bytes:
    """The training body's PAdES signature on ``data`` (see ``core.pdf_signing``)."""
    from core import pdf_signing  # why: pyHanko is only needed once a PDF is made

    if not pdf_signing.enabled():
        return data
    try:
        return pdf_signing.sign(data, moment=moment, pdf_a=pdf_a)
    except pdf_signing.SigningUnavailable as exc:
        raise PdfError(str(exc)) from exc
    except Exception as exc:
        logger.exception("PDF: signing failed")
        raise PdfError("The PDF document could not be signed.") from exc


def _ignore_icc_leak() -> None:
    """WeasyPrint 70 opens its sRGB profile for PDF/A's output intent and never closes it: the file object is
    freed at once, with a ResourceWarning (an error in the test suite, even in a request). Harmless: silenced for
    exactly that file. Added before each PDF/A render, since test runners reset the filters (a filter already
    there is moved, not duplicated)."""
    warnings.filterwarnings(
        "ignore", message=r"unclosed file <_io\.BufferedReader name='[^']*sRGB2014\.icc'>", category=ResourceWarning
    )


def _finish(document, pdf) -> None:
    """Last touches on the pydyf document. WeasyPrint 70 lists each PDF/A-3 attachment twice in the catalog's
    /AF (once from /EmbeddedFiles, once as a /Filespec): keep each once."""
    if "AF" in pdf.catalog:
        unique = list(dict.fromkeys(pdf.catalog["AF"]))
        pdf.catalog["AF"].clear()
        pdf.catalog["AF"].extend(unique)


def _default_base_url() -> str | None:
    if has_app_context() and current_app.config.get("BASE_URL"):
        return current_app.config["BASE_URL"].rstrip("/") + "/"
    return None


def _weasy_attachment(weasyprint, attachment: Attachment, fetcher, moment: datetime | None):
    # A data: URI read by our fetcher carries the MIME type (a bytes source would leave WeasyPrint guessing).
    url = f"data:{attachment.mime_type};base64,{b64encode(bytes(attachment.data)).decode('ascii')}"
    return weasyprint.Attachment(
        url=url,
        url_fetcher=fetcher,
        name=attachment.filename,
        description=attachment.description or None,
        relationship=attachment.relationship,
        created=moment,
        modified=moment,
    )


def render_template_pdf(
    template: str,
    *,
    title: str,
    lang: str | None = None,
    attachments: Sequence[Attachment] = (),
    stylesheets: Sequence[str] = (PRINT_CSS,),
    variant: str | None = DEFAULT_VARIANT,
    created: datetime | None = None,
    sign: bool = True,
    **context: Any,
) -> bytes:
    """Render the Jinja ``template`` (in an app context) and then the PDF.

    The template receives ``title``, ``lang`` and ``pdf_static_url(filename)`` besides ``context``. ``lang``
    defaults to the current locale (Flask-Babel; wrap in ``force_locale`` to choose it). Template errors propagate
    as they are (they are bugs, not rendering failures); rendering failures raise :class:`PdfError`.
    """
    if lang is None:
        lang = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    lang = _bcp47(lang)
    html = render_template(template, title=title, lang=lang, pdf_static_url=static_url, **context)
    return render_pdf(
        html,
        title=title,
        lang=lang,
        attachments=attachments,
        stylesheets=stylesheets,
        variant=variant,
        created=created,
        sign=sign,
    )


# --------------------------------------------------------------------------------------------------- responses


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """RFC 6266 header value: an ASCII ``filename`` fallback, plus ``filename*`` (RFC 5987, UTF-8) when needed."""
    name = unicodedata.normalize("NFC", _CONTROL.sub("", filename or "")).replace("/", "_").replace("\\", "_")
    name = name.strip().strip(".") or "document.pdf"
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9._ ()+-]", "_", fallback).strip() or "document.pdf"
    value = f'{"inline" if inline else "attachment"}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe='!#$&+^`|~')}"
    return value


def pdf_response(data: bytes, filename: str, *, inline: bool = False):
    """A Flask response sending the PDF ``data`` (downloaded, or shown in the browser when ``inline``)."""
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(filename, inline=inline)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


__all__: list[str] = [
    "DEFAULT_VARIANT",
    "PDF_A_3B",
    "PDF_UA_1",
    "PRINT_CSS",
    "Attachment",
    "PdfError",
    "RefusedResource",
    "StaticPolicy",
    "content_disposition",
    "pdf_response",
    "render_pdf",
    "render_template_pdf",
    "safe_url_fetcher",
    "static_url",
]
