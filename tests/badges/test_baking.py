"""Baking and extracting Open Badges (OB 2.0 and 3.0) in PNG and SVG images."""

from __future__ import annotations

import io
import json
import struct
import zlib
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from badges.baking import (
    OB2_KEYWORD,
    OB2_SVG_NAMESPACE,
    OB3_KEYWORD,
    OB3_SVG_NAMESPACE,
    Baked,
    BakingError,
    NotBaked,
    bake_png,
    bake_svg,
    extract,
    extract_png,
    extract_svg,
)

URL = "https://tremplin.example/ob2/assertions/0b5f6b.json"
JWS = "eyJhbGciOiJFZERTQSJ9.eyJpZCI6InVybjp1dWlkOjEyMyJ9.c2lnbmF0dXJl"
ASSERTION = json.dumps(
    {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": URL,
        "recipient": {"type": "email", "hashed": True, "identity": "sha256$abc"},
        "badge": "https://tremplin.example/ob2/badges/m1.json",
        "verification": {"type": "hosted"},
        "issuedOn": "2026-01-15T10:00:00Z",
    },
    separators=(",", ":"),
)
CREDENTIAL = json.dumps(
    {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "M1 — Environnement institutionnel et métiers du social",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {"name": "Créer le lien ]]> & <confiance>"},
        },
        "proof": [{"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofValue": "z3Fx…"}],
    },
    ensure_ascii=False,
    indent=2,
)
SVG = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" data-note=\'a > b\'>\n'
    '  <!-- a comment --><rect width="64" height="64" fill="#0b5f6b"/>\n'
    "  <text x='4' y='40'>M1 &amp; co</text>\n"
    "</svg>\n"
)


def make_png(width: int = 24, height: int = 16, mode: str = "RGBA") -> bytes:
    image = Image.new(mode, (width, height))
    bands = len(image.getbands())
    values = [(x * 7 + y * 3) % 256 for y in range(height) for x in range(width)]
    image.putdata([(v,) * bands for v in values] if bands > 1 else values)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        out.append((png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return out


def keyword_chunks(png: bytes, keyword: str) -> list[bytes]:
    return [
        data
        for ctype, data in chunks(png)
        if ctype in (b"iTXt", b"tEXt") and data.split(b"\0", 1)[0] == keyword.encode()
    ]


def pixels(png: bytes) -> tuple[str, tuple[int, int], bytes]:
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        return image.mode, image.size, image.tobytes()


def json_values() -> st.SearchStrategy:
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=12,
    )


def json_texts() -> st.SearchStrategy[str]:
    return st.builds(
        lambda value, ascii_, indent: json.dumps({"v": value}, ensure_ascii=ascii_, indent=indent),
        json_values(),
        st.booleans(),
        st.sampled_from([None, 2]),
    )


# --------------------------------------------------------------------------------------------------------------- PNG


@pytest.mark.parametrize(
    ("keyword", "text", "kind", "form"),
    [
        (OB2_KEYWORD, URL, "ob2", "url"),
        (OB2_KEYWORD, JWS, "ob2", "jws"),
        (OB2_KEYWORD, ASSERTION, "ob2", "json"),
        (OB3_KEYWORD, CREDENTIAL, "ob3", "json"),
        (OB3_KEYWORD, JWS, "ob3", "jws"),
    ],
)
def test_png_round_trip(keyword, text, kind, form):
    png = make_png()
    baked = bake_png(png, keyword, text)
    assert extract_png(baked) == {keyword: text}
    found = extract(baked)
    assert found == Baked(kind, "png", text)
    assert found.form == form
    assert found.payload.encode("utf-8") == text.encode("utf-8")  # byte for byte: a signature over it still verifies


def test_png_chunk_is_uncompressed_itxt_before_first_idat():
    baked = bake_png(make_png(), OB3_KEYWORD, CREDENTIAL)
    types = [ctype for ctype, _ in chunks(baked)]
    assert types[0] == b"IHDR" and types[-1] == b"IEND"
    itxt = types.index(b"iTXt")
    assert itxt < types.index(b"IDAT")
    assert types[itxt + 1] == b"IDAT"
    data = dict(chunks(baked))[b"iTXt"]
    keyword, rest = data.split(b"\0", 1)
    assert keyword == b"openbadgecredential"
    assert rest[0] == 0 and rest[1] == 0  # compression flag, compression method
    assert rest[2:4] == b"\0\0"  # empty language tag, empty translated keyword
    assert rest[4:].decode("utf-8") == CREDENTIAL


def test_png_other_chunks_are_copied_byte_for_byte():
    png = make_png()
    baked = bake_png(png, OB2_KEYWORD, URL)
    assert [c for c in chunks(baked) if c[0] != b"iTXt"] == chunks(png)


def test_pillow_reads_the_baked_chunk_and_we_read_pillows():
    baked = bake_png(make_png(), OB3_KEYWORD, CREDENTIAL)
    with Image.open(io.BytesIO(baked)) as image:
        assert image.text[OB3_KEYWORD] == CREDENTIAL

    info = PngImagePlugin.PngInfo()
    info.add_itxt(OB2_KEYWORD, ASSERTION)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG", pnginfo=info)
    assert extract_png(buffer.getvalue()) == {OB2_KEYWORD: ASSERTION}


def test_compressed_chunk_is_still_read():
    info = PngImagePlugin.PngInfo()
    info.add_itxt(OB3_KEYWORD, CREDENTIAL, zip=True)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG", pnginfo=info)
    assert extract_png(buffer.getvalue()) == {OB3_KEYWORD: CREDENTIAL}


def test_legacy_text_chunk_is_read_and_replaced():
    info = PngImagePlugin.PngInfo()
    info.add_text(OB2_KEYWORD, URL)
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "PNG", pnginfo=info)
    legacy = buffer.getvalue()
    assert extract(legacy) == Baked("ob2", "png", URL)
    baked = bake_png(legacy, OB2_KEYWORD, JWS)
    assert len(keyword_chunks(baked, OB2_KEYWORD)) == 1
    assert extract_png(baked) == {OB2_KEYWORD: JWS}


def test_rebaking_replaces_and_keywords_are_independent():
    png = make_png()
    once = bake_png(png, OB2_KEYWORD, URL)
    twice = bake_png(once, OB2_KEYWORD, JWS)
    assert len(keyword_chunks(twice, OB2_KEYWORD)) == 1
    assert extract_png(twice) == {OB2_KEYWORD: JWS}
    assert twice == bake_png(png, OB2_KEYWORD, JWS)

    both = bake_png(twice, OB3_KEYWORD, CREDENTIAL)
    assert extract_png(both) == {OB2_KEYWORD: JWS, OB3_KEYWORD: CREDENTIAL}
    assert extract(both).kind == "ob3"  # the newer credential wins
    again = bake_png(both, OB3_KEYWORD, JWS)
    assert len(keyword_chunks(again, OB3_KEYWORD)) == 1
    assert len(keyword_chunks(again, OB2_KEYWORD)) == 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=json_texts(),
    width=st.integers(1, 48),
    height=st.integers(1, 48),
    mode=st.sampled_from(["RGB", "RGBA", "L", "P", "1"]),
    keyword=st.sampled_from([OB2_KEYWORD, OB3_KEYWORD]),
)
def test_png_round_trip_any_json_any_image(text, width, height, mode, keyword):
    image = Image.new(mode, (width, height), 1)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    png = buffer.getvalue()
    baked = bake_png(png, keyword, text)
    assert extract_png(baked)[keyword].encode("utf-8") == text.encode("utf-8")
    assert pixels(baked) == pixels(png)
    rebaked = bake_png(baked, keyword, text[::-1] or "x")
    assert len(keyword_chunks(rebaked, keyword)) == 1


def test_pixels_identical_and_image_still_opens():
    for mode in ("RGBA", "RGB", "L", "P"):
        png = make_png(33, 7, mode)
        baked = bake_png(png, OB3_KEYWORD, CREDENTIAL)
        with Image.open(io.BytesIO(baked)) as image:
            image.verify()
        assert pixels(baked) == pixels(png)


def test_bad_crc_is_refused():
    png = make_png()
    idat_offset = png.index(b"IDAT")
    corrupt = bytearray(png)
    corrupt[idat_offset + 6] ^= 0x01  # a byte of IDAT data
    with pytest.raises(BakingError, match="CRC"):
        bake_png(bytes(corrupt), OB2_KEYWORD, URL)
    with pytest.raises(BakingError, match="CRC"):
        extract(bytes(corrupt))
    assert extract_png(png) == {}  # the pristine image is fine
    header_crc = bytearray(png)
    header_crc[8 + 8 + 13] ^= 0xFF  # IHDR's CRC itself
    with pytest.raises(BakingError, match="CRC"):
        extract_png(bytes(header_crc))


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a\x01\x00\x01\x00",
        b"\xff\xd8\xff\xe0 JFIF",
        b"\x89PNG\r\n\x1a\n",  # signature only
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR",  # truncated
    ],
)
def test_non_png_refused(data):
    with pytest.raises(BakingError):
        bake_png(data, OB2_KEYWORD, URL)
    with pytest.raises(BakingError):
        extract(data)


def test_png_structure_checks():
    png = make_png()
    with pytest.raises(BakingError, match="IHDR"):
        # an IEND first: valid CRC, wrong order
        bake_png(png[:8] + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND")), OB2_KEYWORD, URL)
    no_idat = b"".join(
        [png[:8]]
        + [
            struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
            for t, d in chunks(png)
            if t != b"IDAT"
        ]
    )
    with pytest.raises(BakingError, match="IDAT"):
        bake_png(no_idat, OB2_KEYWORD, URL)
    assert bake_png(png + b"trailing junk", OB2_KEYWORD, URL) == bake_png(png, OB2_KEYWORD, URL)


def test_png_arguments_checked():
    png = make_png()
    with pytest.raises(BakingError, match="keyword"):
        bake_png(png, "Comment", URL)
    with pytest.raises(BakingError):
        bake_png(png, OB2_KEYWORD, "")
    with pytest.raises(BakingError, match="NUL"):
        bake_png(png, OB2_KEYWORD, "a\0b")
    with pytest.raises(BakingError):
        bake_png("not bytes", OB2_KEYWORD, URL)  # type: ignore[arg-type]


def test_unbaked_png():
    png = make_png()
    assert extract_png(png) == {}
    with pytest.raises(NotBaked):
        extract(png)


# --------------------------------------------------------------------------------------------------------------- SVG


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg.encode("utf-8"))  # noqa: S314 - our own output, DOCTYPE-free


@pytest.mark.parametrize(
    ("kind", "payload", "verify_url", "form"),
    [
        ("ob2", URL, None, "url"),
        ("ob2", JWS, None, "jws"),
        ("ob2", ASSERTION, URL, "json"),
        ("ob2", ASSERTION, None, "json"),
        ("ob3", CREDENTIAL, None, "json"),
        ("ob3", JWS, None, "jws"),
    ],
)
def test_svg_round_trip(kind, payload, verify_url, form):
    baked = bake_svg(SVG, kind, payload, verify_url)
    namespace = OB2_SVG_NAMESPACE if kind == "ob2" else OB3_SVG_NAMESPACE
    name = "assertion" if kind == "ob2" else "credential"
    root = parse(baked)
    element = root[0]  # directly after the <svg> tag
    assert element.tag == f"{{{namespace}}}{name}"
    assert f'xmlns:openbadges="{namespace}"' in baked
    assert len(root.findall(f".//{{{namespace}}}{name}")) == 1
    if form == "json":
        assert "<![CDATA[" in baked
        assert element.get("verify") == verify_url
        assert extract_svg(baked) == {"kind": kind, "payload": payload, "verify": verify_url}
    else:
        assert element.get("verify") == payload and not (element.text or "").strip() and len(element) == 0
        assert extract_svg(baked) == {"kind": kind, "payload": payload, "verify": payload}
    found = extract(baked.encode("utf-8"))
    assert found == Baked(kind, "svg", payload, verify_url if form == "json" else None)
    assert found.form == form
    assert found.payload.encode("utf-8") == payload.encode("utf-8")


def test_svg_rest_of_document_preserved():
    baked = bake_svg(SVG, "ob3", CREDENTIAL)
    element_start = baked.index("<openbadges:credential>")
    element_end = baked.index("</openbadges:credential>") + len("</openbadges:credential>")
    unbaked = baked[:element_start] + baked[element_end:]
    assert unbaked.replace(f' xmlns:openbadges="{OB3_SVG_NAMESPACE}"', "") == SVG


def test_svg_rebaking_replaces_across_versions():
    ob2 = bake_svg(SVG, "ob2", ASSERTION, URL)
    ob3 = bake_svg(ob2, "ob3", JWS)
    assert ob3 == bake_svg(SVG, "ob3", JWS)
    assert ob3.count("xmlns:openbadges=") == 1
    assert ob3.count("<openbadges:") == 1
    assert "http://openbadges.org" not in ob3
    assert bake_svg(ob3, "ob3", JWS) == ob3
    assert extract_svg(bake_svg(ob3, "ob2", URL)) == {"kind": "ob2", "payload": URL, "verify": URL}


def test_svg_foreign_prefix_and_self_closing_root():
    foreign = (
        '<svg xmlns="http://www.w3.org/2000/svg">'
        '<ob:credential xmlns:ob="https://purl.imsglobal.org/ob/v3p0" verify="a.b.c"/></svg>'
    )
    assert extract(foreign.encode()) == Baked("ob3", "svg", "a.b.c")
    rebaked = bake_svg(foreign, "ob3", CREDENTIAL)
    assert "ob:credential" not in rebaked
    assert extract_svg(rebaked)["payload"] == CREDENTIAL
    empty = bake_svg('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>', "ob2", JWS)
    assert parse(empty)[0].get("verify") == JWS


def test_svg_reads_other_implementations():
    pretty = f"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org" viewBox="0 0 512 512">
  <openbadges:assertion verify="{URL}">
    <![CDATA[
       {ASSERTION}
    ]]>
  </openbadges:assertion>
</svg>"""
    assert extract(pretty.encode()) == Baked("ob2", "svg", ASSERTION, URL)
    alias = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/spec/ob/v3p0">'
        '<openbadges:credential verify="x.y.z"></openbadges:credential></svg>'
    )
    assert extract(alias.encode()) == Baked("ob3", "svg", "x.y.z")
    latin1 = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        '<openbadges:assertion verify="https://é.example/a"/></svg>'
    )
    assert extract(latin1.encode("latin-1")).payload == "https://é.example/a"
    utf16 = bake_svg(SVG, "ob3", CREDENTIAL).replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    assert extract(utf16).payload == CREDENTIAL


@settings(max_examples=60, deadline=None)
@given(text=json_texts(), kind=st.sampled_from(["ob2", "ob3"]))
def test_svg_round_trip_any_json(text, kind):
    baked = bake_svg(SVG, kind, text)
    parse(baked)  # well-formed
    assert extract_svg(baked)["payload"].encode("utf-8") == text.encode("utf-8")
    assert extract(baked.encode("utf-8")).payload == text


@pytest.mark.parametrize(
    "payload",
    [
        '{"a": "]]>"}',
        '{"a": "]]]]>>"}',
        '{"a":\r\n"b"}',
        '{"a": "\\u0000 < & > \' \\""}',
        '{"emoji": "🏅", "rtl": "שלום", "nbsp": "\u00a0"}',
    ],
)
def test_svg_tricky_json_is_byte_identical(payload):
    for kind in ("ob2", "ob3"):
        baked = bake_svg(SVG, kind, payload)
        assert extract_svg(baked)["payload"] == payload


def test_svg_tricky_verify_values():
    for value in ('a.b.c"&<>', "https://x.example/a?b=1&c=2"):
        baked = bake_svg(SVG, "ob2", value)
        assert extract_svg(baked)["payload"] == value
    baked = bake_svg(SVG, "ob2", ASSERTION, 'https://x.example/?a=1&b="2"\t')
    assert extract_svg(baked)["verify"] == 'https://x.example/?a=1&b="2"\t'


XXE = [
    '<!DOCTYPE svg><svg xmlns="http://www.w3.org/2000/svg"/>',
    '<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    '<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>',
    '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    '<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>',
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
    '<svg xmlns="http://www.w3.org/2000/svg"/>',
]


@pytest.mark.parametrize("svg", XXE)
def test_svg_doctype_and_entities_refused(svg):
    with pytest.raises(BakingError, match="DOCTYPE"):
        bake_svg(svg, "ob3", JWS)
    with pytest.raises(BakingError, match="DOCTYPE"):
        extract_svg(svg)
    with pytest.raises(BakingError, match="DOCTYPE"):
        extract(svg.encode())


@pytest.mark.parametrize(
    "svg",
    [
        "<svg xmlns='http://www.w3.org/2000/svg'>",  # not well-formed
        "<html><body/></html>",  # not an SVG
        '<svg xmlns="http://example.org/not-svg"/>',
        "<svg xmlns='http://www.w3.org/2000/svg'><a:b/></svg>",  # unbound prefix
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="urn:other"/>',  # prefix taken
    ],
)
def test_svg_invalid_refused(svg):
    with pytest.raises(BakingError):
        bake_svg(svg, "ob2", URL)


def test_svg_arguments_checked():
    with pytest.raises(BakingError, match="kind"):
        bake_svg(SVG, "ob1", URL)  # type: ignore[arg-type]
    with pytest.raises(BakingError, match="whitespace"):
        bake_svg(SVG, "ob3", CREDENTIAL + "\n")
    with pytest.raises(BakingError, match="XML"):
        bake_svg(SVG, "ob3", '{"a": "\x01"}')
    with pytest.raises(BakingError, match="verify"):
        bake_svg(SVG, "ob3", CREDENTIAL, URL)
    with pytest.raises(BakingError, match="verify"):
        bake_svg(SVG, "ob2", JWS, URL)
    with pytest.raises(BakingError):
        bake_svg(SVG, "ob2", "")


def test_unbaked_svg_and_unknown_data():
    assert extract_svg(SVG) == {}
    with pytest.raises(NotBaked):
        extract(SVG.encode())
    with pytest.raises(BakingError):
        extract(b"just some text")
    with pytest.raises(BakingError):
        extract(
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion/></svg>'
        )
