"""ESF+ participant indicators: the common output indicators of the ESF+ regulation (Regulation (EU) 2021/1057,
Annex I) that a training body co-funded by the ESF+ reports for each participant at entry: age band, sex,
labour-market status and education level (ISCED).

* Collected only where the programme's file says ``funding: esf_plus: true``; every field is optional.
* Kept only with the trainee's consent, recorded with its date and who recorded it; withdrawing consent deletes
  the row. Without consent nothing is written.
* Exported per participant (CSV) for the managing authority, by coordinators only; everyone else (funders)
  sees aggregates with small-cell suppression.
* Never a disability, a migrant background, a homelessness or housing situation, although the regulation lists
  them among "disadvantaged" participants: the dignity rule of the domain brief wins (no health or life
  history is ever recorded).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.db import db, utcnow
from core.models import User
from core.services import ServiceError
from courses.models import Cohort, Enrolment, EsfParticipant, Programme
from courses.reports import Column, Part, Report, suppress

FIELDS: dict[str, dict[str, Any]] = {
    "age_band": {
        "under_18": _l("Under 18"),
        "18_29": _l("18 to 29"),
        "30_54": _l("30 to 54"),
        "55_plus": _l("55 or more"),
    },
    "sex": {"female": _l("Woman"), "male": _l("Man"), "non_binary": _l("Non-binary")},
    "labour_status": {
        "employed": _l("Employed, self-employed included"),
        "unemployed": _l("Unemployed"),
        "long_term_unemployed": _l("Long-term unemployed"),
        "inactive": _l("Inactive (neither employed nor seeking work)"),
    },
    "isced": {
        "isced_0_2": _l("ISCED 0 to 2 (up to lower secondary)"),
        "isced_3_4": _l("ISCED 3 or 4 (upper secondary, post-secondary)"),
        "isced_5_8": _l("ISCED 5 to 8 (higher education)"),
    },
}
FIELD_LABELS = {
    "age_band": _l("Age at entry"),
    "sex": _l("Sex"),
    "labour_status": _l("Situation on the labour market at entry"),
    "isced": _l("Education level (ISCED)"),
}


def is_esf(programme: Programme) -> bool:
    return bool((programme.funding or {}).get("esf_plus"))


def participant(enrolment: Enrolment) -> EsfParticipant | None:
    return db.session.scalar(sa.select(EsfParticipant).where(EsfParticipant.enrolment_id == enrolment.id))


def record(enrolment: Enrolment, consent: bool, values: dict[str, str | None], by: User | None) -> str:
    """Record the indicators of an enrolment (``values``: field → code, empty for not given). Without consent,
    any existing record is deleted and nothing is written; with consent, unknown codes are refused and change
    nothing. Returns "saved", "deleted" or "nothing"."""
    if not is_esf(enrolment.cohort.programme):
        raise ServiceError(_l("This programme is not funded by the ESF+: nothing is collected."))
    existing = participant(enrolment)
    if not consent:
        if any(values.get(name) for name in FIELDS):
            raise ServiceError(_l("Without the trainee's consent, nothing can be recorded."), field="consent")
        if existing is None:
            return "nothing"
        db.session.delete(existing)
        db.session.flush()
        return "deleted"
    clean: dict[str, str | None] = {}
    for name, choices in FIELDS.items():
        value = values.get(name) or None
        if value is not None and value not in choices:
            raise ServiceError(_l("Choose a value from the list."), field=name)
        clean[name] = value
    if existing is None:
        existing = EsfParticipant(enrolment_id=enrolment.id, consent_at=utcnow(), recorded_by_id=by.id if by else None)
        db.session.add(existing)
    for name, value in clean.items():
        setattr(existing, name, value)
    db.session.flush()
    return "saved"


def label(name: str, value: str | None) -> str:
    return str(FIELDS[name][value]) if value else ""


def _rows(cohorts: Iterable[Cohort]):
    ids = [c.id for c in cohorts]
    return db.session.execute(
        sa.select(EsfParticipant, Enrolment, User, Cohort)
        .join(Enrolment, Enrolment.id == EsfParticipant.enrolment_id)
        .join(User, User.id == Enrolment.user_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Cohort.id.in_(ids))
        .order_by(Cohort.code, User.email)
    ).all()


def esf_cohorts() -> list[Cohort]:
    return [
        c for c in db.session.scalars(sa.select(Cohort).order_by(Cohort.starts_on, Cohort.code)) if is_esf(c.programme)
    ]


def participants_report(cohort: Cohort) -> Report:
    """Per participant, for the managing authority (coordinators only): who, and the four indicators."""
    columns = [
        Column("cohort", _l("Cohort"), "text", 16),
        Column("name", _l("Legal name"), "text", 28),
        Column("email", _l("E-mail"), "text", 28),
        Column("enrolled_on", _l("Enrolled on"), "date", 12),
        Column("withdrawn_on", _l("Left on"), "date", 12),
        Column("consent_at", _l("Consent given on"), "datetime", 18),
        *(Column(name, FIELD_LABELS[name], "text", 24) for name in FIELDS),
    ]
    rows = [
        [
            c.code,
            u.legal_name,
            u.email,
            e.enrolled_on,
            e.withdrawn_on,
            p.consent_at,
            *(label(name, getattr(p, name)) for name in FIELDS),
        ]
        for p, e, u, c in _rows([cohort])
    ]
    return Report(
        kind="esf-participants",
        title=_("ESF+ participants"),
        scope=cohort.code,
        as_of=date.today(),
        parts=[Part("participants", _l("One row per participant who gave consent"), columns, rows)],
        notes=[_("Only trainees who agreed are listed. No disability, migration or housing field exists.")],
    )


def aggregates_report(cohorts: list[Cohort] | None = None) -> Report:
    """The indicators as counts over ESF+ cohorts (funders and coordinators): 1 to 4 shown as "<5"; within an
    indicator whose total is published, a lone masked count takes a second one with it."""
    from courses.satisfaction import mask_row  # why: the same row rule as the questionnaire's results

    cohorts = esf_cohorts() if cohorts is None else cohorts
    records = [p for p, _e, _u, _c in _rows(cohorts)]
    columns = [
        Column("indicator", _l("Indicator"), "text", 36),
        Column("value", _l("Value"), "text", 40),
        Column("participants", _l("Participants"), "count", 14),
    ]
    rows: list[list[Any]] = []
    for name, choices in FIELDS.items():
        counts = [sum(1 for p in records if getattr(p, name) == code) for code in choices]
        counts.append(sum(1 for p in records if getattr(p, name) is None))
        labels = [*choices.values(), _l("Not given")]
        for text, cell in zip(labels, mask_row(counts), strict=True):
            rows.append([str(FIELD_LABELS[name]), str(text), cell])
    return Report(
        kind="esf",
        title=_("ESF+ participant indicators"),
        scope=", ".join(c.code for c in cohorts) or _("no ESF+ cohort"),
        as_of=date.today(),
        parts=[Part("indicators", _l("Participants who gave consent, by indicator"), columns, rows)],
        notes=[
            _("Participants who gave consent: %(n)s.", n=suppress(len(records))),
            _("Counts from 1 to 4 are shown as <5. No disability, migration or housing field exists."),
        ],
    )
