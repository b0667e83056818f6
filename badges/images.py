"""Badge images for achievements, drawn as self-contained SVG. Pure: standard library only (``badge_png`` imports
CairoSVG when called).

One strong silhouette per kind, recognisable at 64 px: a shield for a module, a rosette with ribbons for the
programme, a hexagon for a skill, a stitched medallion for a participation. The code ("M1") is the big text; the
title is wrapped on up to three lines where the shape has room, and truncated with an ellipsis beyond.

Two layouts live in every image: the full one (eyebrow, code, title) and a compact one (the code alone, larger) for
thumbnails. Browsers switch with a media query on the image's own size (≤ 160 px); renderers without CSS show the
full layout (the compact one is hidden by a presentation attribute); ``badge_png`` picks the compact one for sizes
≤ 160 px. Output is deterministic: the same arguments give the same bytes. Nothing is fetched: no font, image,
script or link; the font stack names locally installed families only.

Text colours meet WCAG AA (≥ 4.5:1) against the lightest part of their background (see ``CONTRAST_PAIRS``).
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = ["KINDS", "badge_png", "badge_svg"]

Kind = Literal["module", "programme", "skill", "participation"]
KINDS: tuple[str, ...] = ("module", "programme", "skill", "participation")

# Brand (static/css/app.css): teal, dark teal, accent.
BRAND = "#0b5f6b"
BRAND_DARK = "#07434c"
BRAND_LIGHT = "#0e6d7a"  # top of the teal gradients; white on it is 6.0:1
ACCENT = "#b34700"
ACCENT_DARK = "#8a3600"
PEACH = "#ffd9b8"  # light accent, for text and ornaments on teal
WHITE = "#ffffff"

# (text colour, lightest background behind it): each pair is checked by the tests for ≥ 4.5:1.
CONTRAST_PAIRS: tuple[tuple[str, str], ...] = (
    (WHITE, BRAND_LIGHT),
    (PEACH, BRAND),
    (BRAND_DARK, WHITE),
    (BRAND, WHITE),
    (ACCENT, WHITE),
)

FONT_STACK = "'DejaVu Sans', Verdana, 'Segoe UI', 'Noto Sans', Arial, sans-serif"
SIZE = 512
COMPACT_MAX_PX = 160

_LABELS = {
    "fr": {
        "module": "Module",
        "programme": "Programme",
        "skill": "Compétence",
        "participation": "Participation",
        "desc": "Badge {kind} de Tremplin",
    },
    "en": {
        "module": "Module",
        "programme": "Programme",
        "skill": "Skill",
        "participation": "Participation",
        "desc": "Tremplin {kind} badge",
    },
    "nl": {
        "module": "Module",
        "programme": "Opleiding",
        "skill": "Competentie",
        "participation": "Deelname",
        "desc": "Tremplin-badge {kind}",
    },
}

# Advance widths of DejaVu Sans Bold, in hundredths of an em (measured once from the font; the fallbacks of the
# stack are narrower, so text measured with these fits them too). Unknown characters count as 0.75 em.
_WIDTH_GROUPS = {
    0: "\u00ad\u200b",
    31: "'",
    34: "ijlìíîïĩīĭįıĵĺļ",
    35: " \u00a0",
    37: "/IJ\\|¦ÌÍÎÏĨĪĬĮİĴł",
    38: ",.·’‘",
    40: ":;",
    42: "-‐",
    44: "f²³¹ſ",
    46: "!()[]¡",
    48: "tľţťŧ",
    49: "rŕŗř",
    50: "_`§¨¯°´¸–",
    52: '"*',
    56: "ªºŀ",
    58: "?z¿źżž",
    59: "cçćĉċč",
    60: "sśŝşš",
    64: "L¤¶ĹĻĽĿŁ•",
    65: "vxy«»ýÿŷ",
    66: "“”",
    67: "akàáâãäåāăąķĸ",
    68: "EFTeÈÉÊËèéêëĒēĔĕĖėĘęĚěŢŤŦ",
    69: "oðòóôõöøĳōŏő",
    70: "$0123456789¢£¥€",
    71: "hnu{}ñùúûüĥńņňŋũūŭůűų",
    72: "SYbdgpqÝßþďđĝğġģŚŜŞŠŶŸ",
    73: "CPZÇĆĈĊČŹŻŽ",
    74: "µÞĲ",
    76: "B",
    77: "AKRVXÀÁÂÃÄÅĀĂĄĶŔŖŘ",
    79: "ħ",
    81: "UÙÚÛÜŨŪŬŮŰŲ",
    82: "GĜĞĠĢ",
    83: "DĎ",
    84: "#+<=>HN^~¬±ÐÑ×÷ĐĤŃŅŇŊ",
    85: "OQÒÓÔÕÖØŌŎŐ",
    87: "&",
    92: "wŵ",
    97: "Ħ",
    100: "%@M©®—…",
    104: "m¼½¾",
    105: "æ",
    108: "Æ",
    109: "œ",
    110: "WŴ",
    117: "Œ",
}
_WIDTHS = {ch: w / 100 for w, chars in _WIDTH_GROUPS.items() for ch in chars}
_DEFAULT_WIDTH = 0.75
_ELLIPSIS = "…"
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")


def text_width(text: str, size: float, letter_spacing: float = 0.0) -> float:
    """Estimated advance width of ``text`` at font size ``size`` (user units), DejaVu Sans Bold metrics."""
    width = sum(_WIDTHS.get(ch, _DEFAULT_WIDTH) for ch in text) * size
    return width + max(len(text) - 1, 0) * letter_spacing


def _clean(text: str, limit: int = 500) -> str:
    """NFC, no characters XML cannot carry, whitespace collapsed, typographic apostrophe, bounded length."""
    text = unicodedata.normalize("NFC", str(text))
    text = " ".join(_XML_ILLEGAL.sub("", text).replace("'", "’").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + _ELLIPSIS


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _fit_line(text: str, width: float, size: float, letter_spacing: float = 0.0) -> str:
    """``text`` if it fits ``width``, else its longest prefix that fits followed by an ellipsis."""
    if text_width(text, size, letter_spacing) <= width:
        return text
    while text and text_width(text.rstrip(" -") + _ELLIPSIS, size, letter_spacing) > width:
        text = text[:-1]
    space = text.rfind(" ")
    if space >= len(text) * 0.6:  # end on a whole word when that costs little room
        text = text[:space]
    return text.rstrip(" -,;:") + _ELLIPSIS if text.strip(" -") else _ELLIPSIS


def _tokens(text: str) -> list[str]:
    """Break opportunities: after spaces (the space is dropped) and after hyphens inside words."""
    out: list[str] = []
    for word in text.split(" "):
        parts = re.findall(r"[^-‐]+[-‐]*|[-‐]+", word) or [word]
        out.extend(parts[:-1])
        out.append(parts[-1] + " ")
    return out


def wrap(text: str, widths: list[float], size: float) -> tuple[list[str], bool]:
    """Greedy wrap of ``text`` on ``len(widths)`` lines (line i at most ``widths[i]`` wide).

    Returns the lines and whether the text was truncated (the last line then ends with an ellipsis). A word longer
    than a whole line is cut.
    """
    lines: list[str] = []
    tokens = _tokens(text)
    i = 0
    while i < len(tokens) and len(lines) < len(widths):
        width = widths[len(lines)]
        line = ""
        while i < len(tokens) and text_width((line + tokens[i]).rstrip(), size) <= width:
            line += tokens[i]
            i += 1
        if not line:  # a single token wider than the line: cut it, with a hyphen
            token = tokens[i]
            cut = len(token)
            while cut > 1 and text_width(token[:cut] + "-", size) > width:
                cut -= 1
            line, tokens[i] = token[:cut] + ("-" if cut > 1 else ""), token[cut:]
            if not tokens[i].strip():
                i += 1
        lines.append(line.rstrip())
    truncated = i < len(tokens)
    if truncated and lines:
        rest = lines[-1] + " " + "".join(tokens[i:])
        lines[-1] = _fit_line(rest, widths[len(lines) - 1], size)
    return [line for line in lines if line], truncated


# ---------------------------------------------------------------------------------------------------------- layouts


@dataclass(frozen=True)
class _Layout:
    """Where things go in the 512 × 512 box of one kind (top to bottom: eyebrow, code, rule, title, mark)."""

    half_width: Callable[[float], float]  # half the safe interior width at height y (0 outside)
    eyebrow_y: float  # baseline of the eyebrow (subtitle / kind label)
    code_center: float  # vertical centre of the code, full layout
    code_max: float  # largest code font size, full layout
    rule_y: float  # the small accent rule between code and title
    title_zone: tuple[float, float]  # the title block is centred in this band
    title_sizes: tuple[float, ...]
    mark_y: float  # top of the Tremplin mark
    mark_size: float
    compact_center: float
    compact_max: float
    ink: str  # code and title colour
    soft: str  # eyebrow colour
    rule: str  # accent rule colour
    pad: float  # inner margin from the shape's edge
    title_lines: int = 3


def _circle(cx: float, cy: float, r: float) -> Callable[[float], float]:
    return lambda y: math.sqrt(max(r * r - (y - cy) ** 2, 0.0))


def _shield_half(y: float) -> float:
    # interior of the inner shield line: straight sides x ∈ [64, 448] down to y=270, then converging to (256, 462)
    if y < 48 or y > 462:
        return 0.0
    if y <= 270:
        return 192.0
    return 192.0 * math.sqrt(max(1 - ((y - 270) / 192) ** 2, 0.0))


def _hexagon_half(y: float, cy: float = 256, r: float = 206) -> float:
    dy = abs(y - cy)
    flat = r * math.cos(math.pi / 6)
    if dy <= r / 2:
        return flat
    return max(flat * (r - dy) / (r / 2), 0.0)


_LAYOUTS: dict[str, _Layout] = {
    "module": _Layout(
        half_width=_shield_half,
        eyebrow_y=100,
        code_center=166,
        code_max=118,
        rule_y=240,
        title_zone=(258, 370),
        title_sizes=(30, 28, 26, 24, 22),
        mark_y=390,
        mark_size=44,
        compact_center=222,
        compact_max=200,
        ink=WHITE,
        soft=PEACH,
        rule=PEACH,
        pad=24,
    ),
    "programme": _Layout(
        half_width=_circle(256, 222, 168),
        eyebrow_y=112,
        code_center=158,
        code_max=76,
        rule_y=200,
        title_zone=(214, 320),
        title_sizes=(26, 24, 22, 20),
        mark_y=332,
        mark_size=38,
        compact_center=222,
        compact_max=150,
        ink=WHITE,
        soft=PEACH,
        rule=PEACH,
        pad=16,
    ),
    "skill": _Layout(
        half_width=_hexagon_half,
        eyebrow_y=152,
        code_center=208,
        code_max=100,
        rule_y=262,
        title_zone=(278, 374),
        title_sizes=(30, 28, 26, 24, 22),
        mark_y=388,
        mark_size=40,
        compact_center=256,
        compact_max=180,
        ink=BRAND_DARK,
        soft=BRAND,
        rule=ACCENT,
        pad=22,
    ),
    "participation": _Layout(
        half_width=_circle(256, 256, 190),
        eyebrow_y=144,
        code_center=202,
        code_max=92,
        rule_y=254,
        title_zone=(272, 368),
        title_sizes=(28, 26, 24, 22),
        mark_y=382,
        mark_size=40,
        compact_center=256,
        compact_max=170,
        ink=BRAND_DARK,
        soft=ACCENT,
        rule=ACCENT,
        pad=20,
    ),
}


# ----------------------------------------------------------------------------------------------------------- shapes


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _shape(kind: str, uid: str) -> str:
    """The silhouette; its fine ornaments carry the full-layout class (hidden in the compact layout)."""
    grad, full = f"g{uid}", f"tb-full-{uid}"
    teal = (
        f'<linearGradient id="{grad}" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{BRAND_LIGHT}"/><stop offset="1" stop-color="{BRAND_DARK}"/></linearGradient>'
    )
    if kind == "module":
        outer = "M92 20H420Q476 20 476 76V268C476 376 384 444 256 496C128 444 36 376 36 268V76Q36 20 92 20Z"
        inner = "M98 44H414Q452 44 452 82V268C452 362 372 420 256 466C140 420 60 362 60 268V82Q60 44 98 44Z"
        return (
            f"<defs>{teal}</defs>"
            f'<path d="{outer}" fill="{BRAND_DARK}"/>'
            f'<path d="{outer}" fill="url(#{grad})" transform="translate(256 258) scale(.975) translate(-256 -258)"/>'
            f'<path d="{inner}" fill="none" stroke="{PEACH}" stroke-width="3" stroke-opacity=".55" class="{full}"/>'
        )
    if kind == "programme":
        cx, cy = 256, 222
        n, r_in, r_out = 28, 196, 220
        points = []
        for i in range(n):
            a0 = 2 * math.pi * i / n - math.pi / 2
            a1 = 2 * math.pi * (i + 0.5) / n - math.pi / 2
            a2 = 2 * math.pi * (i + 1) / n - math.pi / 2
            if i == 0:
                points.append(f"M{_fmt(cx + r_in * math.cos(a0))} {_fmt(cy + r_in * math.sin(a0))}")
            points.append(
                f"Q{_fmt(cx + r_out * 1.06 * math.cos(a1))} {_fmt(cy + r_out * 1.06 * math.sin(a1))} "
                f"{_fmt(cx + r_in * math.cos(a2))} {_fmt(cy + r_in * math.sin(a2))}"
            )
        rosette = "".join(points) + "Z"
        left = "M150 330L96 500L140 470L178 498L226 360Z"
        right = "M362 330L416 500L372 470L334 498L286 360Z"
        return (
            f"<defs>{teal}</defs>"
            f'<path d="{left}" fill="{ACCENT}"/><path d="{right}" fill="{ACCENT}"/>'
            f'<path d="M150 330L226 360L214 396L170 380Z" fill="{ACCENT_DARK}"/>'
            f'<path d="M362 330L286 360L298 396L342 380Z" fill="{ACCENT_DARK}"/>'
            f'<path d="{rosette}" fill="{BRAND_DARK}"/>'
            f'<circle cx="{cx}" cy="{cy}" r="186" fill="none" stroke="{PEACH}" stroke-width="3" stroke-opacity=".6"/>'
            f'<circle cx="{cx}" cy="{cy}" r="176" fill="url(#{grad})"/>'
            f'<circle cx="{cx}" cy="{cy}" r="166" fill="none" stroke="{PEACH}" stroke-width="2" stroke-opacity=".5" '
            f'class="{full}"/>'
        )
    if kind == "skill":

        def hexagon(r: float) -> str:
            pts = [
                (256 + r * math.cos(math.radians(a)), 256 + r * math.sin(math.radians(a))) for a in range(-90, 270, 60)
            ]
            return "M" + "L".join(f"{_fmt(x)} {_fmt(y)}" for x, y in pts) + "Z"

        return (
            f'<path d="{hexagon(222)}" fill="{BRAND}" stroke="{BRAND}" stroke-width="44" stroke-linejoin="round"/>'
            f'<path d="{hexagon(200)}" fill="{WHITE}" stroke="{WHITE}" stroke-width="20" stroke-linejoin="round"/>'
            f'<path d="{hexagon(190)}" fill="none" stroke="{BRAND}" stroke-width="3" stroke-opacity=".35" '
            f'stroke-linejoin="round" class="{full}"/>'
        )
    # participation
    return (
        f'<circle cx="256" cy="256" r="234" fill="{ACCENT}"/>'
        f'<circle cx="256" cy="256" r="206" fill="{WHITE}"/>'
        f'<circle cx="256" cy="256" r="220" fill="none" stroke="{WHITE}" stroke-width="4" '
        f'stroke-dasharray="14 10" stroke-linecap="round" class="{full}"/>'
        f'<circle cx="256" cy="256" r="192" fill="none" stroke="{ACCENT}" stroke-width="2" stroke-opacity=".4" '
        f'class="{full}"/>'
    )


def _mark(x: float, y: float, scale: float, on_dark: bool) -> str:
    """The Tremplin logo (static/img/logo.svg): a springboard and a dot, on its white tile when the badge is dark."""
    tile = f'<rect width="64" height="64" rx="14" fill="{WHITE}"/>' if on_dark else ""
    return (
        f'<g transform="translate({_fmt(x)} {_fmt(y)}) scale({_fmt(scale)})">{tile}'
        f'<path d="M10 46h24l10-20h10" fill="none" stroke="{BRAND}" stroke-width="7" stroke-linecap="round" '
        f'stroke-linejoin="round"/><circle cx="48" cy="15" r="6" fill="{ACCENT}"/></g>'
    )


# ------------------------------------------------------------------------------------------------------------- text


def _text(x: float, y: float, size: float, fill: str, content: str, extra: str = "") -> str:
    return f'<text x="{_fmt(x)}" y="{_fmt(y)}" font-size="{_fmt(size)}" fill="{fill}"{extra}>{_esc(content)}</text>'


def _line_width(layout: _Layout, top: float, bottom: float) -> float:
    return 2 * (min(layout.half_width(top), layout.half_width(bottom)) - layout.pad)


def _code(code: str, center: float, max_size: float, max_width: float, fill: str) -> str:
    size = min(max_size, max_width / max(text_width(code, 1), 0.01))
    baseline = center + 0.36 * size  # DejaVu Sans Bold cap height ≈ 0.73 em
    return _text(256, baseline, size, fill, code, ' letter-spacing="-1"' if size > 60 else "")


def _title(title: str, layout: _Layout) -> str:
    """The title on 1–3 lines, centred in the title band: the largest size that needs no ellipsis, else the smallest."""
    top, bottom = layout.title_zone
    best: tuple[float, float, list[str]] = (layout.title_sizes[-1], top, [])
    for size in layout.title_sizes:
        lead = size * 1.22
        for count in range(1, layout.title_lines + 1):
            block_top = (top + bottom) / 2 - (count * lead - (lead - size)) / 2
            widths = [_line_width(layout, block_top + i * lead, block_top + i * lead + size) for i in range(count)]
            lines, truncated = wrap(title, widths, size)
            if not truncated:
                return _title_lines(_balance(title, lines, widths, size), size, block_top, layout.ink)
            best = (size, block_top, lines)
    size, block_top, lines = best
    return _title_lines(lines, size, block_top, layout.ink)


def _balance(text: str, lines: list[str], widths: list[float], size: float) -> list[str]:
    """Same number of lines, but as even as possible ("Créer le lien / et la confiance", not "… et la / confiance")."""
    best = lines
    for step in range(1, 9):
        narrower = [w * (1 - step * 0.05) for w in widths]
        candidate, truncated = wrap(text, narrower, size)
        if truncated or len(candidate) != len(lines):
            break
        best = candidate
    return best


def _title_lines(lines: list[str], size: float, block_top: float, fill: str) -> str:
    return "".join(
        _text(256, block_top + i * size * 1.22 + 0.76 * size, size, fill, line) for i, line in enumerate(lines)
    )


def badge_svg(
    title: str,
    subtitle: str,
    kind: Kind,
    code: str,
    *,
    lang: str = "fr",
) -> str:
    """An SVG badge (512 × 512 user units) for an achievement.

    ``code`` ("M1") is the big text; ``title`` is wrapped on up to three lines; ``subtitle`` is the small eyebrow
    line above the code (the kind's name when empty). ``lang`` ("fr", "en" or "nl") picks the words of the accessible
    description and of the default eyebrow.
    """
    if kind not in _LAYOUTS:
        raise ValueError(f"kind must be one of {KINDS}")
    labels = _LABELS.get(lang, _LABELS["fr"])
    title, subtitle, code = _clean(title), _clean(subtitle, 120), _clean(code, 12)
    layout = _LAYOUTS[kind]
    uid = hashlib.sha256("\x1f".join((kind, code, title, subtitle, lang)).encode("utf-8")).hexdigest()[:10]
    eyebrow = (subtitle or labels[kind]).upper()
    on_dark = kind in ("module", "programme")
    accessible_title = " — ".join(part for part in (code, title) if part) or labels[kind]
    description = labels["desc"].format(kind=labels[kind].lower())
    if subtitle:
        description += f" · {subtitle}"

    # full layout
    eyebrow_size, spacing = 22.0, 2.4
    eyebrow_width = _line_width(layout, layout.eyebrow_y - eyebrow_size, layout.eyebrow_y)
    while eyebrow_size > 16 and text_width(eyebrow, eyebrow_size, spacing) > eyebrow_width:
        eyebrow_size -= 1
        spacing = eyebrow_size * 0.11
    eyebrow_line = _fit_line(eyebrow, eyebrow_width, eyebrow_size, spacing)
    code_top = layout.code_center - layout.code_max * 0.4
    code_width = _line_width(layout, code_top, layout.code_center + layout.code_max * 0.4)
    full = (
        _mark(256 - layout.mark_size / 2, layout.mark_y, layout.mark_size / 64, on_dark)
        + _text(256, layout.eyebrow_y, eyebrow_size, layout.soft, eyebrow_line, f' letter-spacing="{_fmt(spacing)}"')
        + (_code(code, layout.code_center, layout.code_max, code_width, layout.ink) if code else "")
        + (
            f'<rect x="226" y="{_fmt(layout.rule_y - 3)}" width="60" height="6" rx="3" fill="{layout.rule}"/>'
            if title
            else ""
        )
        + (_title(title, layout) if title else "")
    )
    # compact layout: the code alone, as large as the shape allows
    compact_code = code or labels[kind][:1]
    compact_width = _line_width(
        layout, layout.compact_center - layout.compact_max * 0.4, layout.compact_center + layout.compact_max * 0.4
    )
    compact = _code(compact_code, layout.compact_center, layout.compact_max, compact_width + layout.pad, layout.ink)

    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" height="{SIZE}" '
        f'role="img" aria-labelledby="t{uid} d{uid}" data-badge-kind="{kind}">'
        f'<title id="t{uid}">{_esc(accessible_title)}</title>'
        f'<desc id="d{uid}">{_esc(description)}</desc>'
        f"<style>@media (max-width:{COMPACT_MAX_PX}px){{.tb-full-{uid}{{display:none}}"
        f".tb-compact-{uid}{{display:inline}}}}</style>"
        f"{_shape(kind, uid)}"
        f'<g font-family="{FONT_STACK}" font-weight="700" text-anchor="middle">'
        f'<g class="tb-full-{uid}">{full}</g>'
        f'<g class="tb-compact-{uid}" display="none">{compact}</g>'
        f"</g></svg>"
    )


def badge_png(svg: str, size: int) -> bytes:
    """Render ``svg`` to a ``size`` × ``size`` PNG with CairoSVG (≤ 160 px: the compact layout of a badge_svg)."""
    # why: CairoSVG takes 0.3 s to import and needs the cairo library: only PNG images need it
    import cairosvg

    if not isinstance(size, int) or not 16 <= size <= 4096:
        raise ValueError("size must be an int between 16 and 4096")
    if size <= COMPACT_MAX_PX:
        match = re.search(r'class="tb-full-([0-9a-f]{10})"', svg)
        if match:
            uid = match.group(1)
            svg = svg.replace(
                "</style>", f".tb-full-{uid}{{display:none}}.tb-compact-{uid}{{display:inline}}</style>", 1
            )
    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=size, output_height=size, unsafe=False)
