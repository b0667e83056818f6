"""The SVG charts are pure: well-formed, accessible (role, title, description), and say what the table says."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction

from courses import charts

SVG = "{http://www.w3.org/2000/svg}"


def _check(chart: charts.Chart) -> ET.Element:
    root = ET.fromstring(chart.svg)  # noqa: S314 - our own markup: is it well-formed XML?
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{chart.id}-title {chart.id}-desc"
    assert root.find(f"{SVG}title").text == chart.title and root.find(f"{SVG}desc").text == chart.description
    assert "style=" not in chart.svg and "<script" not in chart.svg  # CSP: no inline style or script
    return root


def test_histogram_counts_each_band_and_marks_the_threshold():
    chart = charts.histogram(
        "h", "Taux <de> présence", "desc & co", [Fraction(100), 95, 74, Fraction(749, 10), 0, 10], 75,
        threshold_label="seuil 75 %", headers=("Taux", "Stagiaires"),
        bin_label=lambda low, high: f"{low}-{high}", no_data="rien",
    )  # fmt: skip
    root = _check(chart)
    assert dict(chart.rows) == {
        "0-10": "1", "10-20": "1", "20-30": "0", "30-40": "0", "40-50": "0", "50-60": "0",
        "60-70": "0", "70-80": "2", "80-90": "0", "90-100": "2",
    }  # fmt: skip
    dashed = [line for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray")]
    assert len(dashed) == 1 and float(dashed[0].get("x1")) > 0
    hatched = [r for r in root.iter(f"{SVG}rect") if (r.get("fill") or "").startswith("url(#h-hatch")]
    assert len(hatched) == 2  # the 0-10 and 10-20 bands lie wholly under 75 %


def test_bars_with_threshold_and_an_empty_chart():
    chart = charts.bars_with_threshold(
        "w", "Semaines", "d", [("s1", Fraction(80)), ("s2", 50), ("s3", None)], 75,
        threshold_label="seuil", headers=("Semaine", "%"), format_value=lambda v: "—" if v is None else f"{v} %",
        no_data="rien",
    )  # fmt: skip
    _check(chart)
    assert chart.rows == (("s1", "80 %"), ("s2", "50 %"), ("s3", "—"))
    empty = charts.bars_with_threshold(
        "e", "t", "d", [], 75, threshold_label="s", headers=("a", "b"), format_value=str, no_data="Rien encore"
    )
    assert "Rien encore" in empty.svg and empty.rows == ()
    _check(empty)


def test_progress_bars():
    chart = charts.progress_bars(
        "p", "Heures", "d", [("Amina", 600, 8400), ("Bruno", 9000, 8400)],
        headers=("Qui", "Fait", "Objectif"), format_value=lambda m: f"{m // 60} h", target_label="objectif",
        no_data="rien",
    )  # fmt: skip
    root = _check(chart)
    assert chart.rows == (("Amina", "10 h", "140 h"), ("Bruno", "150 h", "140 h"))
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert bars[0].get("fill").startswith("url(") and bars[1].get("fill") == charts.BRAND


def test_a_chart_without_figures_says_so_in_words(app):
    """Nothing to draw (e.g. every year too small to show): a sentence, not a tiny empty drawing and table."""
    from flask_babel import force_locale

    empty = charts.Chart("c1", "Titre", "Sur les stagiaires inscrits.", "<svg class='chart'></svg>", ("Année",), ())
    with app.test_request_context(), force_locale("fr"):
        macro = app.jinja_env.get_template("courses/reports/_report.html").module.chart_figure
        html = str(macro(empty))
    assert "Rien à montrer pour l'instant." in html
    assert "<svg" not in html and "<table" not in html
