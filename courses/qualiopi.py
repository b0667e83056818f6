"""The Qualiopi evidence index of a cohort or of a civil year: for each indicator Tremplin can evidence from its
own data, the figure and the documents that back it, and a ZIP (a background job) holding an index page and
those documents.

Indicators (Qualiopi national reference, secondary sources): 1 results published; 2 completion and success
rates; 11 objectives reached; 12 drop-outs prevented and followed; 26 a named disability referent; 30
feedback collected from trainees. Every figure is an aggregate: counts from 1 to 4 are shown as "<5", as in the
funder report, and the documents in the ZIP name nobody (the BPF, the funder report, the satisfaction results,
the ESF+ aggregates).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.db import db
from courses import eligibility, esf, exports, funding, reports, satisfaction
from courses.models import Cohort, Pause
from courses.reports import Column, Part, Report, suppress

INDICATORS = {
    1: _l("Results published"),
    2: _l("Completion and success rates"),
    11: _l("Objectives reached"),
    12: _l("Drop-outs prevented and followed"),
    26: _l("A disability referent is named"),
    30: _l("Feedback collected from trainees"),
}


@dataclass
class Indicator:
    number: int
    title: str
    figures: list[str]
    documents: list[tuple[str, str]] = field(default_factory=list)  # (file in the ZIP, what it is)
    warning: str | None = None


@dataclass
class Index:
    scope: str
    as_of: date
    cohorts: list[Cohort]
    year: int | None
    indicators: list[Indicator]


def cohorts_of_year(year: int) -> list[Cohort]:
    first, last = funding.year_bounds(year)
    return list(
        db.session.scalars(
            sa.select(Cohort).where(Cohort.starts_on <= last, Cohort.ends_on >= first).order_by(Cohort.code)
        )
    )


def _pct(value: Fraction | None) -> str:
    return "—" if value is None else f"{int(value)} %"


def build(cohorts: list[Cohort], scope: str, as_of: date, year: int | None = None) -> Index:
    results = [r for rs in eligibility.evaluate_cohorts(cohorts, as_of).values() for r in rs]
    enrolled = len(results)
    by_status: dict[str, int] = {}
    for r in results:
        by_status[r.evaluation.status.value] = by_status.get(r.evaluation.status.value, 0) + 1
    completed = by_status.get("eligible", 0)
    withdrawn = by_status.get("withdrawn", 0)
    finished = completed + withdrawn
    small = enrolled < reports.SMALL_CELL
    hidden = _("hidden")

    def rate(numerator: int, denominator: int) -> str:
        if not denominator:
            return "—"
        if small or 0 < numerator < reports.SMALL_CELL or 0 < denominator - numerator < reports.SMALL_CELL:
            return hidden
        return _pct(Fraction(numerator * 100, denominator))

    validated = sum(r.evaluation.competencies_validated for r in results)
    required = sum(r.evaluation.competencies_required for r in results)
    badges = sum(f.issued for f in reports.badge_facts(r.enrolment.id for r in results).values())
    at_risk = sum(1 for r in results if reports.is_at_risk(r))
    ids = [r.enrolment.id for r in results]
    paused = (
        db.session.scalar(sa.select(sa.func.count(sa.distinct(Pause.enrolment_id))).where(Pause.enrolment_id.in_(ids)))
        if ids
        else 0
    )
    answered, possible = satisfaction.collected([c.id for c in cohorts])
    # The platform's setting, else the one the programmes' ``documents:`` block names for their convocations.
    referent = current_app.config.get("DISABILITY_REFERENT") or next(
        (r for c in cohorts if (r := (c.programme.documents or {}).get("accessibility_referent"))), None
    )
    year_docs = [(f"bpf-{year}.pdf", _("BPF, pedagogical part")), (f"bpf-{year}.csv", _("BPF (CSV)"))] if year else []
    funder_docs = [
        ("funder-report.pdf", _("Funder report (aggregates)")),
        ("funder-report.csv", _("Funder report (CSV)")),
    ]
    indicators = [
        Indicator(
            1,
            str(INDICATORS[1]),
            [
                _("Trainees: %(n)s.", n=suppress(enrolled)),
                _("Completion rate: %(rate)s.", rate=rate(completed, enrolled)),
            ],
            funder_docs + year_docs,
        ),
        Indicator(
            2,
            str(INDICATORS[2]),
            [
                _(
                    "Completed: %(c)s; left: %(w)s; still in training: %(p)s.",
                    c=suppress(completed),
                    w=suppress(withdrawn),
                    p=suppress(enrolled - finished),
                ),
                _("Success among those who finished: %(rate)s.", rate=rate(completed, finished)),
            ],
            funder_docs,
        ),
        Indicator(
            11,
            str(INDICATORS[11]),
            [
                _("Competencies validated: %(rate)s of those required.", rate=rate(validated, required)),
                _("Badges issued: %(n)s.", n=suppress(badges)),
            ],
            funder_docs,
        ),
        Indicator(
            12,
            str(INDICATORS[12]),
            [
                _("Left the training: %(n)s.", n=suppress(withdrawn)),
                _("Paused then followed: %(n)s.", n=suppress(paused or 0)),
                _("Followed closely today (risk report): %(n)s.", n=suppress(at_risk)),
            ],
            [],
            _("Names stay in Tremplin: each cohort's report of trainees to follow closely."),
        ),
        Indicator(
            26,
            str(INDICATORS[26]),
            [_("Disability referent: %(who)s.", who=referent)] if referent else [],
            [],
            None if referent else _("No disability referent is named (TREMPLIN_DISABILITY_REFERENT)."),
        ),
        Indicator(
            30,
            str(INDICATORS[30]),
            [_("Questionnaires answered: %(a)s out of %(p)s open.", a=answered, p=possible)],
            [("satisfaction.csv", _("Satisfaction results (aggregates)"))],
        ),
    ]
    esf_cohorts = [c for c in cohorts if esf.is_esf(c.programme)]
    if esf_cohorts:
        indicators[0].documents.append(("esf-indicators.csv", _("ESF+ participant indicators (aggregates)")))
    return Index(scope, as_of, cohorts, year, indicators)


def satisfaction_report(cohorts: list[Cohort]) -> Report:
    """The questionnaire's results as a report (aggregates, suppressed)."""
    columns = [
        Column("cohort", _l("Cohort"), "text", 14),
        Column("module", _l("Module"), "text", 8),
        Column("respondents", _l("Answers"), "int", 10),
        Column("question", _l("Question"), "text", 50),
        *(Column(f"a{k}", v, "count", 12) for k, v in satisfaction.ANSWERS.items()),
        Column("none", _l("No answer"), "count", 10),
        Column("agree", _l("Rather or fully agree"), "percent", 12),
    ]
    codes = {c.id: c.code for c in cohorts}
    rows: list[list[Any]] = []
    for result in satisfaction.results(codes):
        if not result.shown:
            rows.append(
                [codes[result.cohort_id], result.module.code, result.respondents, _("Fewer than 5 answers: not shown.")]
                + [None] * 6
            )
            continue
        for question, cells, agree in result.rows:
            rows.append(
                [
                    codes[result.cohort_id],
                    result.module.code,
                    result.respondents,
                    str(satisfaction.QUESTIONS[question]),
                    *cells,
                    agree,
                ]
            )
    return Report(
        kind="satisfaction",
        title=_("Satisfaction at the end of each module"),
        scope=", ".join(codes.values()) or "—",
        as_of=date.today(),
        parts=[Part("results", _l("Results by module"), columns, rows, empty=_l("No answer yet."))],
        notes=[
            _(
                "Anonymous answers, kept as counts only. Nothing is shown below 5 answers; counts from 1 to 4 "
                "are shown as <5."
            )
        ],
    )


def write_zip(index: Index, path: Path) -> None:
    """The ZIP: ``index.html`` (the indicators, their figures, links to the files) and the documents."""
    documents: dict[str, bytes] = {}
    funder = reports.funder(index.as_of, index.cohorts)
    documents["funder-report.pdf"] = exports.render(funder, "pdf")
    documents["funder-report.csv"] = exports.render(funder, "csv")
    documents["satisfaction.csv"] = exports.render(satisfaction_report(index.cohorts), "csv")
    if index.year:
        bpf = funding.bpf_report(index.year, index.as_of)
        documents[f"bpf-{index.year}.pdf"] = exports.render(bpf, "pdf")
        documents[f"bpf-{index.year}.csv"] = exports.render(bpf, "csv")
    esf_cohorts = [c for c in index.cohorts if esf.is_esf(c.programme)]
    if esf_cohorts:
        documents["esf-indicators.csv"] = exports.render(esf.aggregates_report(esf_cohorts), "csv")
    page = render_template("courses/funders/qualiopi_index_file.html", index=index, files=set(documents))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", page)
        for name, data in documents.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
