"""Bake Open Badges into PNG and SVG images, and extract them again. Pure: standard library only.

What goes where (the two specifications, read side by side):

* Open Badges 2.0 Baking Specification (IMS Global, "Badge Baking", §Technical Details):
  - PNG: one ``iTXt`` chunk with keyword ``openbadges``; its text is the signed assertion (compact JWS) or the
    assertion JSON (a hosted badge may also carry just its URL). Compression MUST NOT be used; the keyword MUST NOT
    appear more than once. Pre-specification ("legacy") images carried the URL in a ``tEXt:openbadges`` chunk:
    extraction still reads it, baking replaces it.
  - SVG: ``xmlns:openbadges="http://openbadges.org"`` on the root ``<svg>``, and directly after the ``<svg>`` tag an
    ``<openbadges:assertion verify="…">``: ``verify`` is the signature or the hosted assertion URL; a signature is
    self-closing, an assertion JSON goes in the body, wrapped in ``<![CDATA[…]]>``. Only one such tag.
* Open Badges 3.0 (1EdTech), §5.3 "Baked Badge" (Open Badges Document Formats):
  - PNG: one ``iTXt`` chunk with keyword ``openbadgecredential``; text = the VC-JWT compact JWS, or the JSON of the
    credential with its embedded proof. Compression MUST NOT be used; the keyword MUST NOT appear more than once.
  - SVG: ``xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`` on the root and directly after the ``<svg>`` tag
    an ``<openbadges:credential>``: ``verify="<compact JWS>"`` for a VC-JWT, otherwise no ``verify`` and the JSON in
    the body, wrapped in ``<![CDATA[…]]>``. Only one such tag.

Guarantees: the chunk is inserted before the first ``IDAT`` and every other chunk is copied byte for byte, so the
pixels do not change; the SVG is spliced, not re-serialised, so everything but the root tag's ``xmlns:openbadges``
and the baked element is kept byte for byte; what is extracted is exactly the text that was baked (so a signature
over it still verifies). SVGs with a DOCTYPE (hence entities, internal or external) are refused, as are PNGs with a
bad signature, a bad CRC or a broken chunk layout.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from typing import Literal
from xml.parsers import expat

__all__ = [
    "OB2_KEYWORD",
    "OB2_SVG_NAMESPACE",
    "OB3_KEYWORD",
    "OB3_SVG_NAMESPACE",
    "Baked",
    "BakingError",
    "NotBaked",
    "bake_png",
    "bake_svg",
    "extract",
    "extract_png",
    "extract_svg",
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OB2_KEYWORD = "openbadges"
OB3_KEYWORD = "openbadgecredential"
KEYWORDS = (OB2_KEYWORD, OB3_KEYWORD)
KIND_BY_KEYWORD = {OB2_KEYWORD: "ob2", OB3_KEYWORD: "ob3"}
KEYWORD_BY_KIND = {"ob2": OB2_KEYWORD, "ob3": OB3_KEYWORD}

OB2_SVG_NAMESPACE = "http://openbadges.org"
OB3_SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
# Read, never written: a namespace several OB 3.0 implementations use by mistake (the context URL's path).
_OB3_SVG_NAMESPACE_ALIASES = ("https://purl.imsglobal.org/spec/ob/v3p0",)
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_ELEMENT_BY_KIND = {"ob2": "assertion", "ob3": "credential"}
_NAMESPACE_BY_KIND = {"ob2": OB2_SVG_NAMESPACE, "ob3": OB3_SVG_NAMESPACE}
_KIND_BY_SVG_NAME = {
    (OB2_SVG_NAMESPACE, "assertion"): "ob2",
    (OB3_SVG_NAMESPACE, "credential"): "ob3",
    **{(ns, "credential"): "ob3" for ns in _OB3_SVG_NAMESPACE_ALIASES},
}

_MAX_CHUNK_LENGTH = 2**31 - 1
_MAX_INFLATED_TEXT = 16 * 1024 * 1024  # a compressed (non-conformant) chunk is inflated up to this size, no further
_XML_SPACE = " \t\r\n"
# Characters XML 1.0 cannot carry at all, not even as a character reference.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class BakingError(ValueError):
    """The image is not a well-formed PNG/SVG, or the payload cannot be baked into it."""


class NotBaked(BakingError):
    """A well-formed image that carries no Open Badges data."""


@dataclass(frozen=True, slots=True)
class Baked:
    """What an image carries.

    ``kind`` is ``"ob2"`` or ``"ob3"``, ``format`` ``"png"`` or ``"svg"``; ``payload`` is the baked text exactly as
    baked: an assertion/credential JSON, a compact JWS, or (OB 2.0 hosted) an assertion URL. ``verify`` is the SVG
    ``verify`` attribute when the element also has a JSON body (an OB 2.0 hosted assertion), else ``None``.
    """

    kind: Literal["ob2", "ob3"]
    format: Literal["png", "svg"]
    payload: str
    verify: str | None = None

    @property
    def form(self) -> Literal["json", "url", "jws"]:
        """How to read ``payload``: JSON text, a URL to fetch, or a compact JWS to verify."""
        return payload_form(self.payload)


def payload_form(payload: str) -> Literal["json", "url", "jws"]:
    """Classify a payload: ``json`` (starts with ``{``), ``url`` (http/https) or ``jws`` (anything else)."""
    head = payload.lstrip(_XML_SPACE)
    if head.startswith("{"):
        return "json"
    if head.startswith(("https://", "http://")):
        return "url"
    return "jws"


# --------------------------------------------------------------------------------------------------------------- PNG


def _chunks(png: bytes) -> list[tuple[bytes, bytes, bytes]]:
    """Split a PNG into ``(type, data, raw)`` triples, ``raw`` being the whole chunk as found; check everything."""
    if not isinstance(png, bytes | bytearray | memoryview):
        raise BakingError("a PNG is bytes")
    png = bytes(png)
    if not png.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG image (bad signature)")
    chunks: list[tuple[bytes, bytes, bytes]] = []
    pos = len(PNG_SIGNATURE)
    while True:
        if pos + 12 > len(png):
            raise BakingError("truncated PNG (no IEND chunk)")
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        ctype = png[pos + 4 : pos + 8]
        if length > _MAX_CHUNK_LENGTH:
            raise BakingError("PNG chunk length out of range")
        if not all(65 <= b <= 90 or 97 <= b <= 122 for b in ctype):
            raise BakingError("invalid PNG chunk type")
        end = pos + 12 + length
        if end > len(png):
            raise BakingError(f"truncated PNG chunk {ctype.decode('ascii')}")
        data = png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[end - 4 : end])
        if zlib.crc32(ctype + data) != crc:
            raise BakingError(f"bad CRC in PNG chunk {ctype.decode('ascii')}")
        if not chunks and ctype != b"IHDR":
            raise BakingError("PNG does not start with IHDR")
        chunks.append((ctype, data, png[pos:end]))
        pos = end
        if ctype == b"IEND":
            return chunks  # anything after IEND is not part of the image and is dropped


def _make_chunk(ctype: bytes, data: bytes) -> bytes:
    if len(data) > _MAX_CHUNK_LENGTH:
        raise BakingError("payload too large for a PNG chunk")
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def _text_keyword(ctype: bytes, data: bytes) -> str | None:
    """Keyword of a tEXt/zTXt/iTXt chunk (``None`` for other chunks or a malformed keyword)."""
    if ctype not in (b"iTXt", b"tEXt", b"zTXt"):
        return None
    nul = data.find(b"\0")
    if nul < 1 or nul > 79:
        return None
    return data[:nul].decode("latin-1")


def _itxt_text(data: bytes) -> str:
    """Text of an iTXt chunk (keyword NUL flag method lang NUL translated NUL text)."""
    try:
        nul = data.index(b"\0")
        flag, method = data[nul + 1], data[nul + 2]
        lang_end = data.index(b"\0", nul + 3)
        trans_end = data.index(b"\0", lang_end + 1)
    except (ValueError, IndexError):
        raise BakingError("malformed iTXt chunk") from None
    raw = data[trans_end + 1 :]
    if flag == 1:  # non-conformant for a badge, but readable: inflate with a ceiling
        if method != 0:
            raise BakingError("unknown iTXt compression method")
        inflater = zlib.decompressobj()
        try:
            raw = inflater.decompress(raw, _MAX_INFLATED_TEXT)
        except zlib.error:
            raise BakingError("corrupt compressed iTXt chunk") from None
        if inflater.unconsumed_tail:
            raise BakingError("compressed iTXt chunk too large")
    elif flag != 0:
        raise BakingError("malformed iTXt chunk (compression flag)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BakingError("iTXt text is not UTF-8") from None


def bake_png(png: bytes, keyword: str, text: str) -> bytes:
    """Return ``png`` with an uncompressed ``iTXt`` chunk ``keyword`` → ``text`` inserted before the first IDAT.

    ``keyword`` is ``"openbadges"`` (OB 2.0) or ``"openbadgecredential"`` (OB 3.0). Any chunk already holding that
    keyword (iTXt, or a legacy tEXt/zTXt) is removed, so the image carries exactly one. The other chunks are copied
    byte for byte: pixels and other metadata are untouched.
    """
    if keyword not in KEYWORDS:
        raise BakingError(f"keyword must be one of {KEYWORDS}")
    if not isinstance(text, str) or not text:
        raise BakingError("the text to bake must be a non-empty string")
    if "\0" in text:
        raise BakingError("the text to bake must not contain NUL")
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError:
        raise BakingError("the text to bake is not encodable as UTF-8") from None
    # keyword, NUL, compression flag 0, method 0, empty language tag + NUL, empty translated keyword + NUL, text
    chunk = _make_chunk(b"iTXt", keyword.encode("latin-1") + b"\0\0\0\0\0" + encoded)
    out = [PNG_SIGNATURE]
    inserted = False
    for ctype, data, raw in _chunks(png):
        if _text_keyword(ctype, data) == keyword:
            continue
        if ctype == b"IDAT" and not inserted:
            out.append(chunk)
            inserted = True
        elif ctype == b"IEND" and not inserted:
            raise BakingError("PNG has no IDAT chunk")
        out.append(raw)
    return b"".join(out)


def extract_png(png: bytes) -> dict[str, str]:
    """``{keyword: text}`` for the Open Badges keywords present (first chunk of each wins, as the specs say).

    The OB 2.0 legacy ``tEXt:openbadges`` (a hosted assertion URL) is read when there is no ``iTXt:openbadges``.
    """
    found: dict[str, str] = {}
    legacy: str | None = None
    for ctype, data, _raw in _chunks(png):
        keyword = _text_keyword(ctype, data)
        if keyword not in KEYWORDS or keyword in found:
            continue
        if ctype == b"iTXt":
            found[keyword] = _itxt_text(data)
        elif ctype == b"tEXt" and keyword == OB2_KEYWORD and legacy is None:
            legacy = data[len(keyword) + 1 :].decode("latin-1")
    if OB2_KEYWORD not in found and legacy:
        found[OB2_KEYWORD] = legacy
    return found


# --------------------------------------------------------------------------------------------------------------- SVG

_ATTRIBUTE = re.compile(r"""\s+([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')""")
_TAG_END = re.compile(r"\s*(/?)>")


@dataclass(slots=True)
class _Found:
    kind: str
    start: int
    verify: str | None
    text: list[str]
    end: int = -1


class _SvgScan:
    """One expat pass over an SVG: where the root start tag is and where the Open Badges elements are."""

    def __init__(self, data: bytes, encoding: str | None) -> None:
        self.data = data
        self.root_name: str | None = None
        self.root_start = -1
        self.elements: list[_Found] = []
        self._open: list[_Found | None] = []
        parser = expat.ParserCreate(encoding=encoding, namespace_separator="\x01")
        parser.StartDoctypeDeclHandler = self._refuse_doctype
        parser.EntityDeclHandler = self._refuse_entity
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        self._parser = parser
        try:
            parser.Parse(data, True)
        except expat.ExpatError as exc:
            raise BakingError(f"not well-formed XML: {exc}") from None
        if self.root_name is None:
            raise BakingError("empty XML document")

    @staticmethod
    def _refuse_doctype(*_args: object) -> None:
        raise BakingError("SVG with a DOCTYPE refused (entities are not allowed)")

    @staticmethod
    def _refuse_entity(*_args: object) -> None:  # pragma: no cover - a DOCTYPE is refused first
        raise BakingError("SVG with entity declarations refused")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        pos = self._parser.CurrentByteIndex
        if self.root_name is None:
            self.root_name, self.root_start = name, pos
        ns, _, local = name.rpartition("\x01")
        kind = _KIND_BY_SVG_NAME.get((ns, local))
        found = _Found(kind, pos, attrs.get("verify"), []) if kind else None
        if found is not None:
            self.elements.append(found)
        self._open.append(found)

    def _end(self, _name: str) -> None:
        found = self._open.pop()
        if found is not None:
            tag_end, empty = _start_tag_end(self.data, found.start)
            # an empty-element tag is the whole element; otherwise the end event points at the "</" of the end tag
            found.end = tag_end if empty else self.data.index(b">", self._parser.CurrentByteIndex) + 1

    def _text(self, text: str) -> None:
        for found in self._open:
            if found is not None:
                found.text.append(text)


def _start_tag_end(data: bytes, start: int) -> tuple[int, bool]:
    """End offset (after ``>``) of the start tag at ``start``, and whether it is an empty-element tag."""
    quote = 0
    for i in range(start + 1, len(data)):
        b = data[i]
        if quote:
            if b == quote:
                quote = 0
        elif b in b"\"'":
            quote = b
        elif b == 0x3E:  # '>'
            return i + 1, data[i - 1] == 0x2F  # '/'
    raise BakingError("unterminated start tag")  # pragma: no cover - expat has parsed it


def _scan(svg: str | bytes) -> _SvgScan:
    """Scan ``svg``: a str is read as the text it is (whatever its XML declaration says), bytes as XML bytes."""
    if isinstance(svg, str):
        try:
            scan = _SvgScan(svg.encode("utf-8"), "UTF-8")
        except UnicodeEncodeError:
            raise BakingError("SVG text is not encodable as UTF-8") from None
    elif isinstance(svg, bytes | bytearray | memoryview):
        scan = _SvgScan(bytes(svg), None)
    else:
        raise BakingError("an SVG is str or bytes")
    ns, _, local = (scan.root_name or "").rpartition("\x01")
    if local != "svg" or ns not in ("", SVG_NAMESPACE):
        raise BakingError("the root element is not <svg>")
    return scan


def _escape_attribute(value: str) -> str:
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )


def _cdata(text: str) -> str:
    # "]]>" cannot appear inside a CDATA section: close it after "]]" and reopen it before ">".
    # A raw CR would be turned into LF by every XML parser: it goes between two sections as a character reference.
    body = text.replace("]]>", "]]]]><![CDATA[>").replace("\r", "]]>&#13;<![CDATA[")
    return f"<![CDATA[{body}]]>"


def _check_xml_text(text: str, what: str) -> None:
    if not isinstance(text, str) or not text:
        raise BakingError(f"{what} must be a non-empty string")
    if _XML_ILLEGAL.search(text):
        raise BakingError(f"{what} contains characters XML cannot carry")


def bake_svg(
    svg: str | bytes,
    kind: Literal["ob2", "ob3"],
    payload: str,
    verify_url: str | None = None,
) -> str:
    """Return ``svg`` with ``payload`` baked in as an OB 2.0 assertion or an OB 3.0 credential.

    * JSON ``payload`` (starts with ``{``): body of the element, in CDATA. For ``ob2`` a hosted assertion's URL may
      be given as ``verify_url`` (the ``verify`` attribute); ``ob3`` takes no ``verify_url``.
    * Any other ``payload`` (a compact JWS or VC-JWT; for ``ob2`` also a hosted assertion URL): the ``verify``
      attribute of a self-closing element.

    The element goes directly after the ``<svg>`` start tag, the root gets the matching ``xmlns:openbadges``.
    Existing Open Badges elements (either version: the prefix is shared) are removed first, so re-baking replaces.
    A JSON payload must not begin or end with whitespace (it would not survive extraction byte for byte).
    """
    if kind not in _ELEMENT_BY_KIND:
        raise BakingError("kind must be 'ob2' or 'ob3'")
    _check_xml_text(payload, "payload")
    namespace, element = _NAMESPACE_BY_KIND[kind], _ELEMENT_BY_KIND[kind]
    if payload_form(payload) == "json":
        if payload[0] in _XML_SPACE or payload[-1] in _XML_SPACE:
            raise BakingError("a JSON payload must not begin or end with whitespace")
        if verify_url is not None and kind == "ob3":
            raise BakingError("an OB 3.0 credential with an embedded proof takes no verify attribute")
        verify = ""
        if verify_url is not None:
            _check_xml_text(verify_url, "verify_url")
            verify = f' verify="{_escape_attribute(verify_url)}"'
        baked = f"<openbadges:{element}{verify}>{_cdata(payload)}</openbadges:{element}>"
    else:
        if verify_url is not None:
            raise BakingError("verify_url only goes with a JSON payload; a JWS or URL payload is the verify value")
        baked = f'<openbadges:{element} verify="{_escape_attribute(payload)}"/>'

    if isinstance(svg, bytes | bytearray | memoryview):
        try:
            svg = bytes(svg).decode("utf-8")
        except UnicodeDecodeError:
            raise BakingError("an SVG to bake must be UTF-8") from None
    scan = _scan(svg)
    data = scan.data
    root_end, root_empty = _start_tag_end(data, scan.root_start)
    root_tag = data[scan.root_start : root_end].decode("utf-8")
    name_end = re.match(r"<[^\s/>]+", root_tag).end()  # type: ignore[union-attr]
    attributes, pos = [], name_end
    while match := _ATTRIBUTE.match(root_tag, pos):
        attributes.append(match.group(0))
        pos = match.end()
    if not _TAG_END.fullmatch(root_tag, pos):  # pragma: no cover - expat has parsed it
        raise BakingError("cannot read the <svg> start tag")
    kept = []
    for attribute in attributes:
        match = _ATTRIBUTE.match(attribute)
        if match and match.group(1) == "xmlns:openbadges":
            bound = match.group(2)[1:-1]
            if bound not in (OB2_SVG_NAMESPACE, OB3_SVG_NAMESPACE, *_OB3_SVG_NAMESPACE_ALIASES):
                raise BakingError("the prefix 'openbadges' is already bound to another namespace")
            continue
        kept.append(attribute)
    new_root = root_tag[:name_end] + "".join(kept) + f' xmlns:openbadges="{namespace}"'
    root_name = root_tag[1:name_end]
    if root_empty:
        head, tail = new_root + ">" + baked + f"</{root_name}>", b""
    else:
        head, tail = new_root + root_tag[pos:] + baked, data[root_end:]
        spans: list[tuple[int, int]] = []
        for found in sorted(scan.elements, key=lambda f: f.start):
            if not spans or found.start >= spans[-1][1]:  # an element nested in a removed one goes with it
                spans.append((found.start - root_end, found.end - root_end))
        for start, end in reversed(spans):
            tail = tail[:start] + tail[end:]
    return data[: scan.root_start].decode("utf-8") + head + tail.decode("utf-8")


def extract_svg(svg: str | bytes) -> dict[str, str | None]:
    """The first Open Badges element of ``svg``, as ``{"kind", "payload", "verify"}``; ``{}`` if there is none.

    ``payload`` is the element's body (CDATA or text; surrounding XML whitespace stripped) when it has one, else its
    ``verify`` attribute. ``verify`` is the attribute as written (``None`` if absent).
    """
    found = _first_element(svg)
    if found is None:
        return {}
    return {"kind": found[0], "payload": found[1] or found[2], "verify": found[2]}


def _first_element(svg: str | bytes) -> tuple[str, str, str | None] | None:
    """``(kind, body, verify)`` of the first Open Badges element (``body`` may be empty), or ``None``."""
    for found in _scan(svg).elements:
        body = "".join(found.text).strip(_XML_SPACE)
        if not body and not found.verify:
            raise BakingError("empty Open Badges element in SVG")
        return found.kind, body, found.verify
    return None


# ----------------------------------------------------------------------------------------------------------- sniffing


def extract(data: bytes) -> Baked:
    """What a PNG or SVG image carries. Raise ``NotBaked`` if nothing, ``BakingError`` if not a valid PNG/SVG.

    A PNG holding both keywords is read as OB 3.0 (the newer credential).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise BakingError("image data is bytes")
    data = bytes(data)
    if data.startswith(PNG_SIGNATURE):
        texts = extract_png(data)
        for keyword in (OB3_KEYWORD, OB2_KEYWORD):
            if keyword in texts:
                return Baked(KIND_BY_KEYWORD[keyword], "png", texts[keyword])  # type: ignore[arg-type]
        raise NotBaked("this PNG carries no Open Badges data")
    head = data[:512].lstrip(b"\xef\xbb\xbf" + _XML_SPACE.encode("ascii"))
    if head.startswith(b"<") or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        found = _first_element(data)
        if found is None:
            raise NotBaked("this SVG carries no Open Badges data")
        kind, body, verify = found
        if body:
            return Baked(kind, "svg", body, verify)  # type: ignore[arg-type]
        return Baked(kind, "svg", verify)  # type: ignore[arg-type]
    raise BakingError("neither a PNG nor an SVG image")
