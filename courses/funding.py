"""The enrolment's funding facts (type of trainee, funding source, subcontracting) and the BPF of a civil year.

These facts are for the funders' documents only: they are never on a badge, a certificate or anything an
employer sees. The BPF itself is computed by the pure ``courses.bpf`` from the attended minutes that the
eligibility engine counts inside the year (``eligibility.evaluate_cohorts(..., sessions_within=...)``).
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.db import db
from core.services import ServiceError
from courses import bpf, eligibility
from courses.models import Cohort, Enrolment, FundingSource, Programme, TraineeType
from courses.reports import Column, Part, Report

TRAINEE_TYPE_LABELS = {
    TraineeType.EMPLOYEE.value: _l("Employee"),
    TraineeType.JOB_SEEKER.value: _l("Job seeker"),
    TraineeType.INDIVIDUAL.value: _l("Private individual (pays for themself)"),
    TraineeType.OTHER.value: _l("Other"),
}
FUNDING_SOURCE_LABELS = {
    FundingSource.OPCO.value: _l("OPCO"),
    FundingSource.FRANCE_TRAVAIL.value: _l("France Travail"),
    FundingSource.REGION.value: _l("Region"),
    FundingSource.CPF.value: _l("CPF (personal training account)"),
    FundingSource.EMPLOYER.value: _l("Employer"),
    FundingSource.SELF.value: _l("Self-funded"),
    FundingSource.OTHER.value: _l("Other"),
}
BOX_LABELS = {
    "F-1-a": _l("Employees of private employers (apprentices excluded)"),
    "F-1-b": _l("Apprentices (Tremplin records none)"),
    "F-1-c": _l("Job seekers"),
    "F-1-d": _l("Private individuals paying for themselves"),
    "F-1-e": _l("Other trainees"),
    "F-1-?": _l("Type of trainee not recorded yet: to fill in before filing"),
    "F-1-total": _l("Total of cadre F-1"),
    "F-3-a": _l("Training towards an RNCP diploma or title"),
    "F-3-a-1": _l("of which levels 6 to 8"),
    "F-3-a-2": _l("of which level 5"),
    "F-3-a-3": _l("of which level 4"),
    "F-3-a-4": _l("of which level 3"),
    "F-3-a-5": _l("of which level 2"),
    "F-3-b": _l("Training towards a certification of the specific register (RS)"),
    "F-3-c": _l("CQP registered in neither"),
    "F-3-d": _l("Other vocational training"),
    "F-3-e": _l("Skills reviews (bilans de compétences)"),
    "F-3-f": _l("Support towards a VAE"),
    "F-3-total": _l("Total of cadre F-3"),
    "F-4-others": _l("Other specialties"),
    "F-4-?": _l("Programmes without an NSF code"),
    "G": _l("Trainees whose training another training body entrusted to us"),
}


def set_enrolment_funding(
    enrolment: Enrolment, trainee_type: str | None, funding_source: str | None, subcontracted: bool
) -> None:
    """Record the funding facts of an enrolment (empty values allowed: not known yet). Unknown values are
    refused and change nothing."""
    trainee_type = trainee_type or None
    funding_source = funding_source or None
    if trainee_type is not None and trainee_type not in TRAINEE_TYPE_LABELS:
        raise ServiceError(_l("Choose a type of trainee from the list."), field="trainee_type")
    if funding_source is not None and funding_source not in FUNDING_SOURCE_LABELS:
        raise ServiceError(_l("Choose a funding source from the list."), field="funding_source")
    enrolment.trainee_type = trainee_type
    enrolment.funding_source = funding_source
    enrolment.subcontracted = bool(subcontracted)
    db.session.flush()


# --------------------------------------------------------------------------------------------------- the BPF


def year_bounds(year: int) -> tuple[date, date]:
    if not 2000 <= year <= 2100:
        raise ServiceError(_l("Give a year between 2000 and 2100."), field="year")
    return date(year, 1, 1), date(year, 12, 31)


def year_facts(year: int, today: date | None = None) -> list[bpf.EnrolmentYear]:
    """One fact per enrolment of every cohort that has days in ``year``: its funding facts and the minutes
    the eligibility engine counts as attended in the sessions of that year (up to ``today`` for the current
    year)."""
    first, last = year_bounds(year)
    as_of = min(last, today or date.today())
    cohorts = list(
        db.session.scalars(
            db.select(Cohort).where(Cohort.starts_on <= last, Cohort.ends_on >= first).order_by(Cohort.id)
        )
    )
    if not cohorts:
        return []
    funding = {
        p.id: p.funding or {}
        for p in db.session.scalars(db.select(Programme).where(Programme.id.in_({c.programme_id for c in cohorts})))
    }
    facts: list[bpf.EnrolmentYear] = []
    for start in range(0, len(cohorts), eligibility.BATCH):
        batch = cohorts[start : start + eligibility.BATCH]
        results = eligibility.evaluate_cohorts(batch, as_of, sessions_within=(first, last))
        for cohort in batch:
            block = funding.get(cohort.programme_id, {})
            for result in results[cohort.id]:
                enrolment = result.enrolment
                facts.append(
                    bpf.EnrolmentYear(
                        key=enrolment.id,
                        minutes=result.evaluation.programme.attended_minutes,
                        trainee_type=enrolment.trainee_type,
                        subcontracted=enrolment.subcontracted,
                        objective=block.get("objective", "other"),
                        level=block.get("level"),
                        nsf=block.get("nsf"),
                    )
                )
    return facts


def compute_bpf(year: int, today: date | None = None) -> bpf.Bpf:
    return bpf.compute(year, year_facts(year, today))


def box_label(box: bpf.Box) -> str:
    if box.code.startswith("F-4-") and box.detail:
        return _("Specialty NSF %(code)s", code=box.detail)
    return str(BOX_LABELS[box.code])


def bpf_report(year: int, today: date | None = None) -> Report:
    """The BPF's pedagogical part as a report (one row per box, with the box code), for the page, CSV and PDF."""
    result = compute_bpf(year, today)
    columns = [
        Column("box", _l("Box"), "text", 12),
        Column("label", _l("What it counts"), "text", 60),
        Column("trainees", _l("Trainees"), "int", 10),
        Column("hours", _l("Trainee-hours"), "hours", 14),
    ]
    rows = [[box.code, box_label(box), box.trainees, box.minutes] for box in result.boxes]
    notes = [
        _(
            "Hours attended in the sessions of %(year)s, as the roster says. Practice hours (placement, job) "
            "are not counted. The financial part (cadres C and D) is not made by Tremplin.",
            year=year,
        )
    ]
    if result.unknown_type:
        notes.append(
            _(
                "%(count)s enrolments have no type of trainee yet: fill it in on their page before filing.",
                count=result.unknown_type,
            )
        )
    last = year_bounds(year)[1]
    return Report(
        kind="bpf",
        title=_("BPF %(year)s — pedagogical part (Cerfa 10443)", year=year),
        scope=str(year),
        as_of=min(last, today or date.today()),
        parts=[Part("bpf", _l("Trainees and trainee-hours by box"), columns, rows)],
        notes=notes,
    )
