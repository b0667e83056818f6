"""Badge images: self-contained, accessible, deterministic SVG; PNG renders at the asked size."""

from __future__ import annotations

import io
import re
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFont

from badges import images
from badges.baking import bake_png, bake_svg, extract
from badges.images import KINDS, badge_png, badge_svg

SVG_NS = "{http://www.w3.org/2000/svg}"
SAMPLES = {
    "module": ("Environnement institutionnel et métiers du social", "", "M1"),
    "programme": ("Formation initiale au travail-pair en action sociale", "", "TP"),
    "skill": ("Créer le lien et la confiance", "Bloc 2", "C1"),
    "participation": ("Cycle d'intervision", "", "INT"),
}
DEJAVU_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg.encode("utf-8"))  # noqa: S314 - our own output, DOCTYPE-free


def sample(kind: str) -> str:
    title, subtitle, code = SAMPLES[kind]
    return badge_svg(title, subtitle, kind, code)  # type: ignore[arg-type]


def full_group(root: ElementTree.Element) -> ElementTree.Element:
    return next(g for g in root.iter(f"{SVG_NS}g") if (g.get("class") or "").startswith("tb-full-"))


def contrast(fg: str, bg: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("kind", KINDS)
def test_valid_accessible_svg(kind):
    svg = sample(kind)
    root = parse(svg)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox") == "0 0 512 512"
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    title, desc = root.find(f"{SVG_NS}title"), root.find(f"{SVG_NS}desc")
    assert (title.get("id"), desc.get("id")) == (title_id, desc_id)
    assert list(root)[:2] == [title, desc]  # first children, as assistive technologies expect
    name, _, code = SAMPLES[kind]
    assert title.text == f"{code} — {name.replace(chr(39), '’')}"
    assert desc.text.startswith("Badge ") and "Tremplin" in desc.text


@pytest.mark.parametrize("kind", KINDS)
def test_self_contained(kind):
    svg = sample(kind)
    assert "<script" not in svg.lower()
    assert "href" not in svg  # no link, image or use at all
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg\")", svg)
    assert "@import" not in svg and "@font-face" not in svg
    assert re.findall(r"url\(([^)]*)\)", svg) == [f"#{g}" for g in re.findall(r'<linearGradient id="([^"]+)"', svg)]
    tags = {el.tag.removeprefix(SVG_NS) for el in parse(svg).iter()}
    assert tags <= {
        "svg",
        "title",
        "desc",
        "style",
        "defs",
        "linearGradient",
        "stop",
        "g",
        "path",
        "circle",
        "rect",
        "text",
    }
    assert "sans-serif" in svg and "DejaVu Sans" in svg


def test_deterministic_and_distinct():
    for kind in KINDS:
        assert sample(kind) == sample(kind)
    a = badge_svg("Titre", "", "module", "M1")
    b = badge_svg("Titre", "", "module", "M2")
    ids = lambda svg: set(re.findall(r'id="([^"]+)"', svg))  # noqa: E731
    assert a != b and not ids(a) & ids(b)  # two badges inlined in one page do not share ids


def test_xml_special_characters_escaped():
    svg = badge_svg("<script>alert(\"x\")</script> & 'co'", "a < b & c", "skill", "<C&3>")
    assert "<script" not in svg and "<C&3>" not in svg
    root = parse(svg)
    assert root.find(f"{SVG_NS}title").text == '<C&3> — <script>alert("x")</script> & ’co’'
    texts = "".join(t.text or "" for t in full_group(root).iter(f"{SVG_NS}text"))
    assert "<C&3>" in texts and "A < B & C" in texts


def test_control_characters_dropped():
    svg = badge_svg("Tab\there\x00\x07\x1b end", "", "module", "M\x001")
    root = parse(svg)
    assert root.find(f"{SVG_NS}title").text == "M1 — Tab here end"


@pytest.mark.parametrize("kind", KINDS)
def test_long_title_truncated_on_three_lines(kind):
    title = " ".join(["Accompagnement pluridisciplinaire des personnes"] * 8)
    root = parse(badge_svg(title, "", kind, "M9"))  # type: ignore[arg-type]
    texts = [t.text for t in full_group(root).iter(f"{SVG_NS}text")]
    title_lines = texts[2:]  # eyebrow, code, then the title
    assert 1 <= len(title_lines) <= 3
    assert title_lines[-1].endswith("…")
    assert root.find(f"{SVG_NS}title").text == f"M9 — {title}"  # the accessible name keeps it whole


def test_unbreakable_word_is_hyphenated():
    lines, truncated = images.wrap("Anticonstitutionnellement", [250, 250, 250], 30)
    assert not truncated and len(lines) >= 2
    assert all(line.endswith("-") for line in lines[:-1])
    assert "".join(line.rstrip("-") for line in lines) == "Anticonstitutionnellement"


def test_wrap_breaks_after_hyphens_and_spaces():
    lines, truncated = images.wrap("Formation initiale au travail-pair", [260, 260, 260], 26)
    assert not truncated
    assert " ".join(lines).replace("- ", "-") == "Formation initiale au travail-pair"


@pytest.mark.parametrize("kind", KINDS)
def test_every_text_fits_inside_the_shape_with_real_metrics(kind):
    layout = images._LAYOUTS[kind]
    for title in (SAMPLES[kind][0], "Mmmmmm Wwwwww Mmmmmm Wwwwww Mmmmmm Wwwwww Mmmmmm", "Œuvre collective à l’été"):
        root = parse(badge_svg(title, "Formation initiale au travail-pair", kind, "M12"))  # type: ignore[arg-type]
        for text in full_group(root).iter(f"{SVG_NS}text"):
            size = float(text.get("font-size"))
            spacing = float(text.get("letter-spacing") or 0)
            font = ImageFont.truetype(DEJAVU_BOLD, 200)
            width = font.getlength(text.text) * size / 200 + spacing * (len(text.text) - 1)
            baseline = float(text.get("y"))
            room = 2 * min(layout.half_width(baseline), layout.half_width(baseline - 0.73 * size))
            assert width <= room, (kind, text.text, width, room)


@settings(max_examples=30, deadline=None)
@given(
    title=st.text(max_size=200),
    subtitle=st.text(max_size=80),
    code=st.text(max_size=8),
    kind=st.sampled_from(KINDS),
)
def test_any_text_gives_well_formed_svg(title, subtitle, code, kind):
    svg = badge_svg(title, subtitle, kind, code)
    root = parse(svg)
    assert root.find(f"{SVG_NS}title").text
    texts = list(full_group(root).iter(f"{SVG_NS}text"))
    assert len(texts) <= 5  # eyebrow, code and at most three title lines
    assert all(t.text for t in texts)


def test_text_contrast_meets_wcag_aa():
    for fg, bg in images.CONTRAST_PAIRS:
        assert contrast(fg, bg) >= 4.5, (fg, bg)
    for kind in KINDS:
        layout = images._LAYOUTS[kind]
        for colour in (layout.ink, layout.soft):
            assert any(colour == fg for fg, _ in images.CONTRAST_PAIRS)


def test_unknown_kind_and_bad_size_refused():
    with pytest.raises(ValueError, match="kind"):
        badge_svg("x", "", "diploma", "D")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="size"):
        badge_png(sample("module"), 8)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("size", [64, 512])
def test_png_render_size(kind, size):
    png = badge_png(sample(kind), size)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (size, size)
        image = image.convert("RGBA")
        assert image.getpixel((size // 2, size // 2))[3] == 255  # the centre is painted
        assert image.getpixel((0, size - 1))[3] < 255 or kind == "module"  # a shape, not a square


def test_small_png_uses_the_compact_layout():
    import cairosvg

    svg = sample("module")
    full_64 = cairosvg.svg2png(bytestring=svg.encode(), output_width=64, output_height=64)
    assert badge_png(svg, 64) != full_64
    assert badge_png(svg, 512) == cairosvg.svg2png(bytestring=svg.encode(), output_width=512, output_height=512)
    assert "@media (max-width:160px)" in svg  # browsers switch on their own


def test_baked_badge_round_trip_in_both_formats():
    svg = sample("skill")
    baked_svg = bake_svg(svg, "ob3", '{"type": ["VerifiableCredential", "OpenBadgeCredential"]}')
    assert extract(baked_svg.encode()).payload == '{"type": ["VerifiableCredential", "OpenBadgeCredential"]}'
    assert len(badge_png(baked_svg, 64)) > 0  # a renderer ignores the foreign element
    png = badge_png(svg, 256)
    baked_png = bake_png(png, "openbadgecredential", "a.b.c")
    assert extract(baked_png).payload == "a.b.c"


def test_title_lines_are_balanced():
    root = parse(sample("skill"))
    texts = [t.text for t in full_group(root).iter(f"{SVG_NS}text")]
    assert texts[2:] == ["Créer le lien", "et la confiance"]
