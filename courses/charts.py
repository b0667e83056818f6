"""Charts as server-rendered SVG: no JavaScript, readable in print and in the PDF export.

Pure: standard library only (no Flask, no database). Callers pass every word already translated and numbers
already computed; each function returns a :class:`Chart` with the SVG markup (``role="img"``, a ``<title>``
and a ``<desc>`` referenced by ``aria-labelledby``) and the same figures as a table, which the page shows
beside the picture for people who cannot see it or prefer to read.

Colours pass WCAG AA against white (4.5:1 and more) and are told apart by shape as well as colour (a dashed
threshold line, hatched bars below the threshold), so a black-and-white printout stays readable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from xml.sax.saxutils import escape

INK = "#1b1f24"  # 16:1 on white
MUTED = "#4a5560"  # 7.4:1
BRAND = "#0b5f6b"  # 7.2:1
BAD = "#a1261b"  # 6.5:1
GRID = "#c9d3d8"
FONT = "DejaVu Sans, Noto Sans, sans-serif"


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    svg: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _attr(value: str) -> str:
    return escape(str(value), {'"': "&quot;"})


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="{FONT}" font-size="12">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{BAD}" stroke-width="3"/></pattern></defs>',
    ]


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = INK, size: int | None = None) -> str:
    extra = f' font-size="{size}"' if size else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{extra}>{escape(text)}</text>'


def _pct(value: Fraction | int | float | None) -> float | None:
    return None if value is None else float(value)


def bars_with_threshold(
    chart_id: str,
    title: str,
    description: str,
    points: Sequence[tuple[str, Fraction | int | None]],
    threshold: Fraction | int,
    *,
    threshold_label: str,
    headers: tuple[str, str],
    format_value: Callable[[Fraction | int | None], str],
    no_data: str,
) -> Chart:
    """Vertical bars of percentages (0–100) with the threshold as a dashed line: e.g. attendance week by week.
    Bars under the threshold are hatched; a point without data is drawn as an empty slot marked "–"."""
    width, height = 640, 260
    left, right, top, bottom = 44, 12, 14, 54
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = _open(chart_id, title, description, width, height)
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - tick / 100)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 6, y + 4, format_value(tick), anchor="end", fill=MUTED, size=11))  # "25 %", "25%"
    count = max(len(points), 1)
    slot = plot_w / count
    bar_w = max(2.0, min(36.0, slot * 0.7))
    label_every = max(1, round(count / 12))
    limit = float(threshold)
    for i, (label, value) in enumerate(points):
        x = left + slot * i + (slot - bar_w) / 2
        v = _pct(value)
        if v is None:
            parts.append(_text(x + bar_w / 2, top + plot_h - 4, "–", anchor="middle", fill=MUTED))
        else:
            h = plot_h * max(0.0, min(v, 100.0)) / 100
            fill = BRAND if v >= limit else f"url(#{chart_id}-hatch)"
            stroke = BRAND if v >= limit else BAD
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{fill}" stroke="{stroke}"><title>{escape(label)} : {escape(format_value(value))}</title></rect>'
            )
        if i % label_every == 0:
            parts.append(_text(x + bar_w / 2, height - bottom + 16, label, anchor="middle", fill=INK, size=10))
    y = top + plot_h * (1 - limit / 100)
    parts.append(
        f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{BAD}" stroke-width="2" '
        'stroke-dasharray="6 4"/>'
    )
    parts.append(_text(width - right, y - 5, threshold_label, anchor="end", fill=BAD, size=11))
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{INK}"/>')
    if not points:
        parts.append(_text(width / 2, top + plot_h / 2, no_data, anchor="middle", fill=MUTED))
    parts.append("</svg>")
    rows = tuple((label, format_value(value)) for label, value in points)
    return Chart(chart_id, title, description, "".join(parts), headers, rows)


def histogram(
    chart_id: str,
    title: str,
    description: str,
    values: Sequence[Fraction | int],
    threshold: Fraction | int,
    *,
    threshold_label: str,
    headers: tuple[str, str],
    bin_label: Callable[[int, int], str],
    no_data: str,
    step: int = 10,
) -> Chart:
    """How many people fall in each band of ``step`` percent (0–10, 10–20 … 90–100), the threshold marked.
    A band is [low, high), the last one includes 100. Bands wholly below the threshold are hatched."""
    bins = [(low, min(low + step, 100)) for low in range(0, 100, step)]
    counts = [0] * len(bins)
    for value in values:
        v = max(0.0, min(float(value), 100.0))
        counts[min(int(v // step), len(bins) - 1)] += 1
    width, height = 640, 260
    left, right, top, bottom = 40, 12, 14, 54
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = _open(chart_id, title, description, width, height)
    peak = max(counts) if any(counts) else 1
    tick_step = max(1, -(-peak // 4))
    for tick in range(0, peak + 1, tick_step):
        y = top + plot_h * (1 - tick / peak)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 6, y + 4, str(tick), anchor="end", fill=MUTED, size=11))
    slot = plot_w / len(bins)
    limit = float(threshold)
    for i, ((low, high), n) in enumerate(zip(bins, counts, strict=True)):
        x = left + slot * i + 3
        h = plot_h * n / peak
        below = high <= limit
        fill = f"url(#{chart_id}-hatch)" if below else BRAND
        stroke = BAD if below else BRAND
        if n:
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{slot - 6:.1f}" height="{h:.1f}" fill="{fill}" '
                f'stroke="{stroke}"><title>{escape(bin_label(low, high))} : {n}</title></rect>'
            )
            parts.append(_text(x + (slot - 6) / 2, top + plot_h - h - 4, str(n), anchor="middle", size=11))
        parts.append(_text(x + (slot - 6) / 2, height - bottom + 16, f"{low}–{high}", anchor="middle", size=10))
    x = left + plot_w * limit / 100
    parts.append(
        f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="{BAD}" stroke-width="2" '
        'stroke-dasharray="6 4"/>'
    )
    # a white backdrop keeps the label readable where it falls on a bar (e.g. the 70–80 band, threshold 75)
    label_width = 6.2 * len(threshold_label) + 4
    parts.append(
        f'<rect x="{x - 2 - label_width:.1f}" y="{top + 1:.1f}" width="{label_width:.1f}" height="14" '
        'fill="#fff" fill-opacity=".9"/>'
    )
    parts.append(_text(x - 4, top + 12, threshold_label, anchor="end", fill=BAD, size=11))
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{INK}"/>')
    parts.append(_text(left + plot_w / 2, height - 8, headers[0], anchor="middle", fill=MUTED, size=11))
    if not values:
        parts.append(_text(width / 2, top + plot_h / 2, no_data, anchor="middle", fill=MUTED))
    parts.append("</svg>")
    rows = tuple((bin_label(low, high), str(n)) for (low, high), n in zip(bins, counts, strict=True))
    return Chart(chart_id, title, description, "".join(parts), headers, rows)


def progress_bars(
    chart_id: str,
    title: str,
    description: str,
    items: Sequence[tuple[str, int, int]],
    *,
    headers: tuple[str, str, str],
    format_value: Callable[[int], str],
    target_label: str,
    no_data: str,
) -> Chart:
    """One horizontal bar per person: what is done against the target (a dashed mark), e.g. placement hours.
    Bars short of the target are hatched."""
    row_h, label_w = 22, 170
    width = 640
    height = max(60, 30 + row_h * len(items) + 24)
    top, right = 10, 70
    plot_w = width - label_w - right
    parts = _open(chart_id, title, description, width, height)
    scale = max([target for _, _, target in items] + [done for _, done, _ in items] + [1])
    for i, (label, done, target) in enumerate(items):
        y = top + row_h * i
        short = label if len(label) <= 26 else label[:25] + "…"
        parts.append(_text(label_w - 8, y + 15, short, anchor="end", size=11))
        w = plot_w * min(done, scale) / scale
        reached = target <= 0 or done >= target
        fill = BRAND if reached else f"url(#{chart_id}-hatch)"
        stroke = BRAND if reached else BAD
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row_h - 8}" fill="{fill}" '
            f'stroke="{stroke}"><title>{escape(label)} : {escape(format_value(done))} / '
            f"{escape(format_value(target))}</title></rect>"
        )
        if target > 0:
            tx = label_w + plot_w * target / scale
            parts.append(
                f'<line x1="{tx:.1f}" y1="{y + 1}" x2="{tx:.1f}" y2="{y + row_h - 3}" stroke="{INK}" '
                'stroke-width="2" stroke-dasharray="3 2"/>'
            )
        parts.append(_text(label_w + w + 4, y + 15, format_value(done), size=10, fill=MUTED))
    bottom_y = top + row_h * len(items) + 16
    parts.append(
        f'<line x1="{label_w + 4}" y1="{bottom_y - 12}" x2="{label_w + 4}" y2="{bottom_y + 2}" stroke="{INK}" '
        'stroke-width="2" stroke-dasharray="3 2"/>'
    )
    parts.append(_text(label_w + 12, bottom_y, target_label, size=11, fill=INK))
    if not items:
        parts.append(_text(width / 2, 30, no_data, anchor="middle", fill=MUTED))
    parts.append("</svg>")
    rows = tuple((label, format_value(done), format_value(target)) for label, done, target in items)
    return Chart(chart_id, title, description, "".join(parts), headers, rows)
