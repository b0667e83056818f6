"""Cohort reports: what coordinators rebuilt by hand from spreadsheets, and the funders' aggregates.

Each builder returns a :class:`Report`: parts (tables of typed values: ints, ``Fraction`` percentages, minutes,
dates, text) and charts. The same report is rendered as HTML, CSV, XLSX and PDF by ``courses.exports``, so
every format says the same thing. Builders read the database in a fixed number of queries whatever the size
of the cohort (they reuse ``eligibility.evaluate_cohorts``; a test counts the queries).

Reports (``KINDS``): ``summary`` (one row per trainee), ``sessions`` (each session, and who was there),
``modules`` (attendance rates per module), ``risk`` (who to follow closely), ``badges`` (the register of
issuances and revocations) and ``funder`` (aggregates only, small cells suppressed).

Badge figures come from ONE seam, :func:`badge_facts` and :func:`badge_register`: the awards the badges engine
issued for an enrolment carry its reference (``context_ref`` = ``enrolment:<id>``, see ``courses.awarding``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, defer, selectinload

from badges.models import Achievement, Award, Visibility
from badges.presenters import reason_label
from core.db import db
from core.i18n import localized
from core.models import User
from courses import charts, eligibility, rules
from courses.models import (
    Attendance,
    Cohort,
    Enrolment,
    Module,
    Pause,
    Programme,
    TrainingSession,
    minutes_between,
)
from courses.presenters import FINAL_WORK_LABELS, MARK_LABELS, STATUS_LABELS, explain, hm, lang, name_key, percent

COHORT_KINDS = ("summary", "sessions", "modules", "risk", "badges")
KINDS = (*COHORT_KINDS, "funder")
KIND_TITLES = {
    "summary": _l("Cohort summary"),
    "sessions": _l("Sessions and attendance"),
    "modules": _l("Attendance by module"),
    "risk": _l("Trainees to follow closely"),
    "badges": _l("Badge register"),
    "funder": _l("Funder report"),
}
SMALL_CELL = 5  # counts from 1 to SMALL_CELL - 1 are shown as "<5" in the funder report
SUPPRESSED = "<5"
#: The small-cell rule of the funders' figures, in one plain sentence (reports, the funder's home, the PDF).
SUPPRESSION_RULE = _l(
    'To protect people\'s privacy, a number from 1 to 4 is shown as "<5", and so is any figure that would reveal it.'
)


# --------------------------------------------------------------------------------------------------- data shapes


@dataclass(frozen=True)
class Column:
    """``kind`` says how to show and export a value: ``text``, ``int``, ``count`` (an int, or "<5" when
    suppressed), ``percent`` (a ``Fraction`` in percent, floored), ``hours`` (minutes, shown as "2 h 30",
    exported as decimal hours), ``date``, ``datetime``, ``bool``."""

    key: str
    label: Any
    kind: str = "text"
    width: int = 14  # spreadsheet column width, in characters


@dataclass
class Part:
    """One table of a report: one HTML table, one CSV file, one XLSX sheet."""

    key: str
    title: Any
    columns: list[Column]
    rows: Iterable[list[Any]]
    empty: Any = None  # what to say when there is no row
    note: Any = None


@dataclass
class Report:
    kind: str
    title: str
    scope: str  # the cohort (code and title) or "all cohorts"
    as_of: date
    parts: list[Part]
    charts: list[charts.Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def filename_stem(self) -> str:
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in self.scope.split(" ")[0])
        return f"{self.kind}-{safe}-{self.as_of.isoformat()}"

    def part(self, key: str | None) -> Part:
        if key is None:
            return self.parts[0]
        for part in self.parts:
            if part.key == key:
                return part
        raise KeyError(key)


# --------------------------------------------------------------------------------------------------- badge seam


@dataclass(frozen=True)
class BadgeFacts:
    issued: int = 0
    revoked: int = 0
    certificate: bool = False


@dataclass(frozen=True)
class BadgeEvent:
    when: datetime
    who: str | None  # who issued or revoked it
    trainee: str
    achievement: str
    event: str  # "issued" | "revoked"
    reason: str | None
    badge: str = ""  # the badge's public id (its verification page is /verify/<badge>)


def _context_refs(enrolment_ids: Iterable[int]) -> dict[str, int]:
    return {f"enrolment:{i}": i for i in enrolment_ids}


def badge_facts(enrolment_ids: Iterable[int]) -> dict[int, BadgeFacts]:
    """Badges issued and revoked and whether the certificate was issued, by enrolment id, in ONE query (an
    entry for every enrolment, zeros included).

    Badges are counted as the trainee sees them: a re-issue (after a name change or a correction) replaces the
    badge it supersedes, so the superseded one counts neither as issued nor as revoked."""
    refs = _context_refs(enrolment_ids)
    facts = {i: BadgeFacts() for i in refs.values()}
    if not refs:
        return facts
    # The certificate is issued with the programme badge (the PDF is only made when first asked for): an active
    # programme badge its holder has not declined is an issued certificate, downloaded or not.
    certified = sa.case(
        (
            sa.and_(
                Achievement.kind == "programme",
                Award.revoked_at.is_(None),
                Award.visibility != Visibility.DECLINED.value,
            ),
            1,
        ),
        else_=0,
    )
    rows = db.session.execute(
        db.select(
            Award.context_ref,
            sa.func.count(Award.id),
            sa.func.count(Award.revoked_at),
            sa.func.sum(certified),
        )
        .join(Achievement, Achievement.id == Award.achievement_id)
        .where(Award.context_ref.in_(refs), Award.superseded_by_id.is_(None))
        .group_by(Award.context_ref)
    )
    for ref, issued, revoked, certificates in rows:
        facts[refs[ref]] = BadgeFacts(issued=issued, revoked=revoked, certificate=(certificates or 0) > 0)
    return facts


def badge_register(cohort: Cohort) -> list[BadgeEvent]:
    """Every issuance and revocation of the cohort's badges, oldest first, in ONE query."""
    issuer = aliased(User)
    revoker = aliased(User)
    refs = db.select(sa.literal("enrolment:") + sa.cast(Enrolment.id, sa.String)).where(
        Enrolment.cohort_id == cohort.id
    )
    rows = db.session.execute(
        db.select(
            Award,
            Achievement.name,
            User.legal_name,
            sa.func.coalesce(issuer.display_name, issuer.legal_name),
            sa.func.coalesce(revoker.display_name, revoker.legal_name),
        )
        .join(Achievement, Award.achievement_id == Achievement.id)
        .outerjoin(User, Award.recipient_id == User.id)
        .outerjoin(issuer, Award.issued_by_id == issuer.id)
        .outerjoin(revoker, Award.revoked_by_id == revoker.id)
        .where(Award.context_ref.in_(refs))
        .options(defer(Award.documents))
    )
    events: list[BadgeEvent] = []
    automatic = _("automatically, rules met")
    for award, name, trainee, issued_by, revoked_by in rows:
        title = localized(name, lang())
        who = trainee or _("(account deleted)")
        badge = str(award.uuid)
        events.append(BadgeEvent(award.issued_at, issued_by or automatic, who, title, "issued", None, badge))
        if award.revoked_at is not None:
            events.append(
                BadgeEvent(
                    award.revoked_at, revoked_by, who, title, "revoked", reason_label(award.revocation_reason), badge
                )
            )
    events.sort(key=lambda e: (e.when, e.event != "issued", name_key(e.trainee)))
    return events


# --------------------------------------------------------------------------------------------------- helpers


#: The conditions a trainee may not meet, in the order the risk list shows them.
CONDITIONS = ("attendance", "placement", "final_work", "competencies")


def unmet_conditions(result: eligibility.TraineeResult, *, ended: bool = False) -> list[str]:
    """The conditions that put a trainee on the list to follow closely (``CONDITIONS`` order).

    While the cohort runs: attendance at risk (out of reach, below the threshold today, or able to miss less
    than one more session) and a final work not passed. Once it has ended (``ended``): every condition still
    unmet, since nothing will meet it by itself any more."""
    e = result.evaluation
    if e.status in (rules.Status.WITHDRAWN, rules.Status.ELIGIBLE):
        return []
    out = []
    if _attendance_at_risk(e) or (ended and not e.attendance_met):
        out.append("attendance")
    if ended and not e.placement_met:
        out.append("placement")
    if e.final_work == "failed" or (ended and not e.final_work_met):
        out.append("final_work")
    if ended and not e.competencies_met:
        out.append("competencies")
    return out


def is_at_risk(result: eligibility.TraineeResult, *, ended: bool = False) -> bool:
    """On the list to follow closely: some condition unmet that needs someone to act (see unmet_conditions)."""
    return bool(unmet_conditions(result, ended=ended))


def _attendance_at_risk(e: rules.Evaluation) -> bool:
    """Unreachable, below the attendance threshold today, or able to miss less than one more session."""
    if e.status is rules.Status.UNREACHABLE:
        return True
    if e.attendance_percent is not None and not e.attendance_met:
        return True
    if e.can_still_miss_minutes is None or not e.programme.remaining_sessions:
        return False
    return e.can_still_miss_minutes < typical_session_minutes(e)


def typical_session_minutes(e: rules.Evaluation) -> int:
    return e.programme.remaining_minutes // max(e.programme.remaining_sessions, 1)


def _scope(cohort: Cohort) -> str:
    return f"{cohort.code} — {cohort.title}" if cohort.title else cohort.code


def _threshold(programme: Programme) -> int | Fraction:
    return programme.rules["attendance"]["threshold_percent"]


def _programmes(cohorts: Sequence[Cohort]) -> dict[int, Programme]:
    ids = {c.programme_id for c in cohorts}
    return {p.id: p for p in db.session.scalars(db.select(Programme).where(Programme.id.in_(ids)))} if ids else {}


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else (_("yes") if value else _("no"))


# --------------------------------------------------------------------------------------------------- summary


def summary_columns(with_cohort: bool = False) -> list[Column]:
    columns = [Column("cohort", _l("Cohort"), "text", 12)] if with_cohort else []
    return [
        *columns,
        Column("name", _l("Trainee"), "text", 24),
        Column("email", _l("E-mail"), "text", 30),
        Column("status", _l("Status"), "text", 22),
        Column("attendance", _l("Attendance (%)"), "percent", 12),
        Column("attended", _l("Hours attended"), "hours", 12),
        Column("counted", _l("Hours counted"), "hours", 12),
        Column("can_still_miss", _l("Can still miss (hours)"), "hours", 14),
        Column("placement", _l("Practice hours confirmed"), "hours", 14),
        Column("placement_target", _l("Practice hours target"), "hours", 14),
        Column("competencies", _l("Competencies validated"), "int", 12),
        Column("competencies_required", _l("Competencies required"), "int", 12),
        Column("final_work", _l("Final work"), "text", 16),
        Column("badges_issued", _l("Badges issued"), "int", 10),
        Column("badges_revoked", _l("Badges revoked"), "int", 10),
        Column("certificate", _l("Certificate issued"), "text", 10),
        Column("reasons", _l("Situation"), "text", 60),
    ]


def summary_row(result: eligibility.TraineeResult, threshold, badges: dict[int, BadgeFacts]) -> list[Any]:
    e = result.evaluation
    facts = badges.get(result.enrolment.id)
    return [
        result.user.legal_name,
        result.user.email,
        str(STATUS_LABELS[e.status.value]),
        e.attendance_percent,
        e.programme.attended_minutes,
        e.programme.counted_minutes,
        e.can_still_miss_minutes,
        e.placement_minutes,
        e.placement_minutes_required,
        e.competencies_validated,
        e.competencies_required,
        str(FINAL_WORK_LABELS.get(e.final_work, e.final_work)),
        None if facts is None else facts.issued,
        None if facts is None else facts.revoked,
        None if facts is None else _yes_no(facts.certificate),
        " ".join(explain(e, threshold)),
    ]


def iter_summary_rows(
    cohorts: Sequence[Cohort],
    as_of: date,
    *,
    with_cohort: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[list[Any]]:
    """Summary rows of many cohorts, evaluated ``eligibility.BATCH`` cohorts at a time (bounded memory, a
    fixed number of queries per batch); ``progress(done, total)`` is called after each batch."""
    cohorts = list(cohorts)
    programmes = _programmes(cohorts)
    for start in range(0, len(cohorts), eligibility.BATCH):
        batch = cohorts[start : start + eligibility.BATCH]
        results = eligibility.evaluate_cohorts(batch, as_of)
        badges = badge_facts(r.enrolment.id for rs in results.values() for r in rs)
        for cohort in batch:
            threshold = _threshold(programmes[cohort.programme_id])
            for result in results[cohort.id]:
                row = summary_row(result, threshold, badges)
                yield [cohort.code, *row] if with_cohort else row
        if progress:
            progress(min(start + eligibility.BATCH, len(cohorts)), len(cohorts))


def summary(cohort: Cohort, as_of: date) -> Report:
    results = eligibility.evaluate_cohort(cohort, as_of)
    threshold = _threshold(cohort.programme)
    badges = badge_facts(r.enrolment.id for r in results)
    ordered = sorted(results, key=lambda r: name_key(r.user.legal_name))
    part = Part(
        "trainees",
        _l("Trainees"),
        summary_columns(),
        [summary_row(r, threshold, badges) for r in ordered],
        empty=_l("No trainee in this cohort yet."),
    )
    report = Report("summary", str(KIND_TITLES["summary"]), _scope(cohort), as_of, [part])
    report.charts = [attendance_distribution(results, threshold), placement_progress(ordered)]
    if not badges:
        report.notes.append(_("Badge figures will appear here once badges are issued from the platform."))
    return report


def platform_summary(as_of: date, progress=None) -> Report:
    """Every trainee of every cohort (the whole-platform export): rows are produced while being written."""
    cohorts = list(db.session.scalars(db.select(Cohort).order_by(Cohort.code)))
    part = Part(
        "trainees",
        _l("Trainees"),
        summary_columns(with_cohort=True),
        iter_summary_rows(cohorts, as_of, with_cohort=True, progress=progress),
        empty=_l("No trainee yet."),
    )
    return Report("summary", str(KIND_TITLES["summary"]), _("all cohorts"), as_of, [part])


def attendance_distribution(results: Sequence[eligibility.TraineeResult], threshold) -> charts.Chart:
    rates = [
        r.evaluation.attendance_percent
        for r in results
        if r.evaluation.attendance_percent is not None and r.evaluation.status.value != "withdrawn"
    ]
    below = sum(1 for v in rates if v < threshold)
    return charts.histogram(
        "chart-distribution",
        _("Attendance rates against the threshold"),
        _(
            "Number of trainees in each band of attendance rate. %(below)d of %(total)d are below the "
            "%(threshold)s%% threshold (hatched bands).",
            below=below,
            total=len(rates),
            threshold=threshold,
        ),
        rates,
        threshold,
        threshold_label=_("threshold %(threshold)s %%", threshold=threshold),
        headers=(_("Attendance rate (%)"), _("Trainees")),
        bin_label=lambda low, high: _("%(low)d to %(high)d %%", low=low, high=high),
        no_data=_("No attendance counted yet."),
    )


def placement_progress(results: Sequence[eligibility.TraineeResult]) -> charts.Chart:
    items = [
        (r.user.legal_name, r.evaluation.placement_minutes, r.evaluation.placement_minutes_required)
        for r in results
        if r.evaluation.status.value != "withdrawn"
    ]
    reached = sum(1 for _, done, target in items if done >= target)
    return charts.progress_bars(
        "chart-placement",
        _("Practice hours confirmed against the target"),
        ngettext(
            "%(reached)d of %(num)d trainee has reached their practice hours target.",
            "%(reached)d of %(num)d trainees have reached their practice hours target.",
            len(items),
            reached=reached,
        ),
        items,
        headers=(_("Trainee"), _("Confirmed"), _("Target")),
        format_value=hm,
        target_label=_("target"),
        no_data=_("No trainee yet."),
    )


# --------------------------------------------------------------------------------------------------- sessions


@dataclass
class _CohortFacts:
    results: list[eligibility.TraineeResult]
    sessions: list[TrainingSession]
    marks: dict[tuple[int, int], tuple[str, int | None]]
    pauses: dict[int, list[tuple[date, date]]]


def _cohort_facts(cohort: Cohort, as_of: date) -> _CohortFacts:
    """Evaluations, sessions (with their module), every mark and every pause of a cohort: fixed queries."""
    results = eligibility.evaluate_cohort(cohort, as_of)
    sessions = list(
        db.session.scalars(
            db.select(TrainingSession)
            .options(selectinload(TrainingSession.module))
            .where(TrainingSession.cohort_id == cohort.id)
            .order_by(TrainingSession.on, TrainingSession.starts_at)
        )
    )
    enrolled = db.select(Enrolment.id).where(Enrolment.cohort_id == cohort.id)
    marks = {
        (enrolment_id, session_id): (status, minutes)
        for enrolment_id, session_id, status, minutes in db.session.execute(
            db.select(Attendance.enrolment_id, Attendance.session_id, Attendance.status, Attendance.minutes).where(
                Attendance.enrolment_id.in_(enrolled)
            )
        )
    }
    pauses: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for enrolment_id, starts_on, ends_on in db.session.execute(
        db.select(Pause.enrolment_id, Pause.starts_on, Pause.ends_on).where(Pause.enrolment_id.in_(enrolled))
    ):
        pauses[enrolment_id].append((starts_on, ends_on))
    return _CohortFacts(results, sessions, marks, pauses)


def _expected(enrolment: Enrolment, pauses: list[tuple[date, date]], day: date) -> bool:
    if day < enrolment.enrolled_on:
        return False
    if enrolment.withdrawn_on is not None and day >= enrolment.withdrawn_on:
        return False
    return not any(start <= day <= end for start, end in pauses)


def _attended(status: str | None, minutes: int | None, length: int) -> int:
    if status == "present":
        return length
    if status in ("late", "left_early"):
        return max(0, min(minutes or 0, length))
    return 0


def _session_label(s: TrainingSession) -> str:
    return f"{s.on.isoformat()} {s.starts_at.strftime('%H:%M')}"


def sessions(cohort: Cohort, as_of: date) -> Report:
    facts = _cohort_facts(cohort, as_of)
    people = sorted(facts.results, key=lambda r: name_key(r.user.legal_name))
    statuses = ("present", "late", "left_early", "excused", "absent")
    rows = []
    weekly: dict[date, list[int]] = defaultdict(lambda: [0, 0])  # week → [attended, expected] minutes
    for s in facts.sessions:
        length = minutes_between(s.starts_at, s.ends_at)
        counts = dict.fromkeys(statuses, 0)
        expected = unmarked = attended = 0
        for r in people:
            if not _expected(r.enrolment, facts.pauses.get(r.enrolment.id, []), s.on):
                continue
            expected += 1
            status, minutes = facts.marks.get((r.enrolment.id, s.id), (None, None))
            if status is None:
                unmarked += 1
            else:
                counts[status] += 1
            attended += _attended(status, minutes, length)
        held = not s.cancelled and s.on <= as_of
        rate = Fraction(attended * 100, expected * length) if held and expected and length else None
        if held and expected and length:
            week = s.on - timedelta(days=s.on.weekday())
            weekly[week][0] += attended
            weekly[week][1] += expected * length
        rows.append(
            [
                s.on,
                f"{s.starts_at.strftime('%H:%M')}–{s.ends_at.strftime('%H:%M')}",
                s.module.code if s.module else None,
                s.title,
                _yes_no(s.cancelled),
                expected,
                *(counts[k] for k in statuses),
                unmarked if held else None,
                attended if held else None,
                rate,
            ]
        )
    columns = [
        Column("date", _l("Date"), "date", 12),
        Column("time", _l("Time"), "text", 12),
        Column("module", _l("Module"), "text", 8),
        Column("title", _l("Title"), "text", 24),
        Column("cancelled", _l("Cancelled"), "text", 9),
        Column("expected", _l("Expected"), "int", 9),
        *(Column(k, MARK_LABELS[k], "int", 9) for k in statuses),
        Column("unmarked", _l("Not marked"), "int", 9),
        Column("attended", _l("Hours attended"), "hours", 11),
        Column("rate", _l("Attendance (%)"), "percent", 11),
    ]
    overview = Part("sessions", _l("Sessions"), columns, rows, empty=_l("No session yet."))
    matrix_columns = [Column("name", _l("Trainee"), "text", 24)] + [
        Column(f"s{s.id}", _session_label(s), "text", 12) for s in facts.sessions
    ]
    matrix_rows = []
    for r in people:
        row: list[Any] = [r.user.legal_name]
        for s in facts.sessions:
            if s.cancelled:
                row.append(str(_l("cancelled")))
            elif not _expected(r.enrolment, facts.pauses.get(r.enrolment.id, []), s.on):
                row.append(None)
            else:
                status, minutes = facts.marks.get((r.enrolment.id, s.id), (None, None))
                if status is None:
                    row.append(None if s.on > as_of else str(_l("not marked")))
                elif status in ("late", "left_early"):
                    row.append(f"{MARK_LABELS[status]} ({hm(minutes)})")
                else:
                    row.append(str(MARK_LABELS[status]))
        matrix_rows.append(row)
    matrix = Part(
        "presence",
        _l("Who was there"),
        matrix_columns,
        matrix_rows,
        empty=_l("No trainee in this cohort yet."),
        note=_l("One column per session; an empty cell: not expected (before enrolment, on a pause, after leaving)."),
    )
    threshold = _threshold(cohort.programme)
    points = [(week.strftime("%d/%m"), Fraction(a * 100, e)) for week, (a, e) in sorted(weekly.items())]
    chart = charts.bars_with_threshold(
        "chart-weeks",
        _("Attendance week by week"),
        _(
            "Share of the expected training time actually attended, for each week with sessions held; the dashed "
            "line is the %(threshold)s%% threshold, weeks below it are hatched.",
            threshold=threshold,
        ),
        points,
        threshold,
        threshold_label=_("threshold %(threshold)s %%", threshold=threshold),
        headers=(_("Week starting"), _("Attendance (%)")),
        format_value=percent,
        no_data=_("No session held yet."),
    )
    return Report("sessions", str(KIND_TITLES["sessions"]), _scope(cohort), as_of, [overview, matrix], [chart])


# --------------------------------------------------------------------------------------------------- modules


def modules(cohort: Cohort, as_of: date) -> Report:
    results = eligibility.evaluate_cohort(cohort, as_of)
    programme_modules = list(
        db.session.scalars(
            db.select(Module).where(Module.programme_id == cohort.programme_id).order_by(Module.position)
        )
    )
    codes: list[str | None] = [m.code for m in programme_modules]
    titles = {m.code: localized(m.title, lang()) for m in programme_modules}
    active = [r for r in results if r.evaluation.status.value != "withdrawn"]
    seen = {code for r in results for code in r.evaluation.modules}
    if None in seen:
        codes.append(None)
    codes = [c for c in codes if c in seen]
    rows = []
    for code in codes:
        groups = [r.evaluation.modules[code] for r in active if code in r.evaluation.modules]
        counted = sum(g.counted_minutes for g in groups)
        attended = sum(g.attended_minutes for g in groups)
        with_rate = [g for g in groups if g.rate is not None]
        below = sum(1 for g in with_rate if not g.met)
        rows.append(
            [
                code or "—",
                titles.get(code, _("Outside modules")),
                max((g.counted_sessions for g in groups), default=0),
                max((g.remaining_sessions for g in groups), default=0),
                attended,
                counted,
                Fraction(attended * 100, counted) if counted else None,
                len(with_rate),
                below,
            ]
        )
    columns = [
        Column("module", _l("Module"), "text", 8),
        Column("title", _l("Title"), "text", 40),
        Column("held", _l("Sessions held"), "int", 10),
        Column("remaining", _l("Sessions to come"), "int", 10),
        Column("attended", _l("Hours attended"), "hours", 12),
        Column("counted", _l("Hours counted"), "hours", 12),
        Column("rate", _l("Attendance (%)"), "percent", 12),
        Column("trainees", _l("Trainees counted"), "int", 10),
        Column("below", _l("Below the threshold"), "int", 10),
    ]
    overview = Part("modules", _l("Modules"), columns, rows, empty=_l("No session yet."))
    people = sorted(active, key=lambda r: name_key(r.user.legal_name))
    matrix_columns = [Column("name", _l("Trainee"), "text", 24)] + [
        Column(f"m{code or '-'}", code or _("Outside modules"), "percent", 10) for code in codes
    ]
    matrix_rows = [
        [r.user.legal_name] + [getattr(r.evaluation.modules.get(code), "rate", None) for code in codes] for r in people
    ]
    matrix_rows = [[row[0]] + [None if v is None else v * 100 for v in row[1:]] for row in matrix_rows]
    per_trainee = Part(
        "trainees",
        _l("Attendance of each trainee by module (%)"),
        matrix_columns,
        matrix_rows,
        empty=_l("No trainee in this cohort yet."),
    )
    return Report("modules", str(KIND_TITLES["modules"]), _scope(cohort), as_of, [overview, per_trainee])


# --------------------------------------------------------------------------------------------------- at risk


def risk(cohort: Cohort, as_of: date) -> Report:
    results = eligibility.evaluate_cohort(cohort, as_of)
    threshold = _threshold(cohort.programme)
    ended = as_of > cohort.ends_on
    flagged = sorted((r for r in results if is_at_risk(r, ended=ended)), key=lambda r: name_key(r.user.legal_name))
    rows = [
        [
            r.user.legal_name,
            r.user.email,
            str(STATUS_LABELS[r.evaluation.status.value]),
            r.evaluation.attendance_percent,
            r.evaluation.can_still_miss_minutes,
            typical_session_minutes(r.evaluation) if r.evaluation.programme.remaining_sessions else None,
            r.evaluation.programme.remaining_sessions,
            " ".join(explain(r.evaluation, threshold)),
        ]
        for r in flagged
    ]
    columns = [
        Column("name", _l("Trainee"), "text", 24),
        Column("email", _l("E-mail"), "text", 30),
        Column("status", _l("Status"), "text", 22),
        Column("attendance", _l("Attendance (%)"), "percent", 12),
        Column("can_still_miss", _l("Can still miss (hours)"), "hours", 14),
        Column("session", _l("One session (hours)"), "hours", 12),
        Column("remaining", _l("Sessions to come"), "int", 10),
        Column("reasons", _l("Situation"), "text", 60),
    ]
    part = Part(
        "risk",
        _l("To follow closely"),
        columns,
        rows,
        empty=_l("Nobody is at risk of missing the attendance threshold today."),
        note=_l(
            "Listed: attendance threshold out of reach, below the threshold today, or able to miss less than "
            "one more session."
        ),
    )
    return Report("risk", str(KIND_TITLES["risk"]), _scope(cohort), as_of, [part])


# --------------------------------------------------------------------------------------------------- badges


def badges(cohort: Cohort, as_of: date) -> Report:
    events = badge_register(cohort)
    rows = [
        [e.when, e.who, e.trainee, e.achievement, _("issued") if e.event == "issued" else _("revoked"), e.reason]
        for e in events
    ]
    columns = [
        Column("when", _l("When"), "datetime", 18),
        Column("who", _l("By"), "text", 22),
        Column("trainee", _l("Trainee"), "text", 24),
        Column("achievement", _l("Badge"), "text", 30),
        Column("event", _l("Event"), "text", 10),
        Column("reason", _l("Reason"), "text", 40),
    ]
    part = Part(
        "register",
        _l("Issuances and revocations"),
        columns,
        rows,
        empty=_l("No badge has been issued or revoked for this cohort yet."),
    )
    return Report("badges", str(KIND_TITLES["badges"]), _scope(cohort), as_of, [part])


# --------------------------------------------------------------------------------------------------- funder


def suppress(count: int) -> int | str:
    """Small-cell suppression: 1 to 4 become "<5". Zero is shown: it reveals nobody."""
    return SUPPRESSED if 0 < count < SMALL_CELL else count


def _hidden() -> str:
    return _("hidden")


@dataclass
class _Tally:
    enrolled: int = 0
    completed: int = 0
    withdrawn: int = 0
    in_progress: int = 0
    not_completed: int = 0  # the cohort has ended without every condition met: no longer "in training"
    training_minutes: int = 0
    placement_minutes: int = 0
    badges: int | None = None

    def add(self, other: _Tally) -> None:
        for name in (
            "enrolled",
            "completed",
            "withdrawn",
            "in_progress",
            "not_completed",
            "training_minutes",
            "placement_minutes",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.badges is not None:
            self.badges = (self.badges or 0) + other.badges

    def value(self, name: str) -> int:
        return getattr(self, name) or 0

    def cells(self, hidden: set[str]) -> list[Any]:
        """The published figures, ``hidden`` ones (see ``_protect``) masked: "<5" for a count below 5 — 0
        included, when it must be masked so that another cannot be worked out — else "hidden"; the rate is
        hidden with its numerator or denominator."""

        def count(name: str) -> Any:
            if getattr(self, name) is None:
                return None
            if name not in hidden:
                return getattr(self, name)
            return SUPPRESSED if self.value(name) < SMALL_CELL else _hidden()

        if hidden & {"enrolled", "completed"}:
            rate: Any = _hidden()
        else:
            rate = Fraction(self.completed * 100, self.enrolled) if self.enrolled else None
        return [
            count("enrolled"),
            count("completed"),
            count("withdrawn"),
            count("in_progress"),
            count("not_completed"),
            _hidden() if "training_minutes" in hidden else self.training_minutes,
            _hidden() if "placement_minutes" in hidden else self.placement_minutes,
            rate,
            count("badges"),
        ]


#: How a person is counted: enrolled = completed + withdrawn + still in training + ended without every condition
#: (in every row).
OUTCOMES = ("completed", "withdrawn", "in_progress", "not_completed")
#: Every figure of a row that is the sum of the same figure in the rows it groups (a year's cohorts, the years).
ADDITIVE = ("enrolled", *OUTCOMES, "training_minutes", "placement_minutes", "badges")


def _protect(tallies: Sequence[_Tally], groups: Sequence[tuple[int, Sequence[int]]]) -> list[set[str]]:
    """Which figures of each row to hide so that nobody can be recognised, even by subtraction.

    First the small cells: counts from 1 to 4, and the hours of fewer than 5 people. Then, until nothing more
    changes, complementary suppression: every sum published with exactly one hidden term (enrolled = completed +
    withdrawn + still in training in a row; a year's row = the sum of its cohorts'; "all years" = the sum of the
    years') would give that term away, so a second one is hidden — the smallest shown part, else the total.
    ``groups``: (index of a total row, indexes of the rows it adds up)."""
    hidden: list[set[str]] = [set() for _ in tallies]
    for tally, cells in zip(tallies, hidden, strict=True):
        cells.update(f for f in ("enrolled", *OUTCOMES, "badges") if 0 < tally.value(f) < SMALL_CELL)
        if "enrolled" in cells:
            cells.update(("training_minutes", "placement_minutes"))
    sums = [[(i, "enrolled"), *((i, f) for f in OUTCOMES)] for i in range(len(tallies))]
    sums += [[(total, f), *((p, f) for p in parts)] for total, parts in groups for f in ADDITIVE]
    changed = True
    while changed:  # each round hides at least one more cell: it ends
        changed = False
        for terms in sums:
            if sum(field in hidden[row] for row, field in terms) != 1:
                continue
            shown = [(row, field) for row, field in terms[1:] if field not in hidden[row]]
            row, field = min(shown, key=lambda t: tallies[t[0]].value(t[1])) if shown else terms[0]
            hidden[row].add(field)
            changed = True
    return hidden


def _funder_columns() -> list[Column]:
    return [
        Column("enrolled", _l("Trainees enrolled"), "count", 10),
        Column("completed", _l("Completed (all conditions met)"), "count", 12),
        Column("withdrawn", _l("Left the training"), "count", 10),
        Column("in_progress", _l("Still in training"), "count", 10),
        Column("not_completed", _l("Training over, conditions missing"), "count", 12),
        Column("training_hours", _l("Hours of training attended"), "hours", 14),
        Column("placement_hours", _l("Practice hours confirmed"), "hours", 14),
        Column("completion_rate", _l("Completion rate (%)"), "percent", 12),
        Column("badges_issued", _l("Badges issued"), "count", 10),
    ]


def funder(as_of: date, cohorts: Sequence[Cohort] | None = None, progress=None) -> Report:
    """Aggregates only, by cohort and by year of cohort start: no name, e-mail or free text anywhere."""
    if cohorts is None:
        cohorts = list(db.session.scalars(db.select(Cohort).order_by(Cohort.starts_on, Cohort.code)))
    cohorts = list(cohorts)
    programmes = _programmes(cohorts)
    tallies: dict[int, _Tally] = {}
    for start in range(0, len(cohorts), eligibility.BATCH):
        batch = cohorts[start : start + eligibility.BATCH]
        results = eligibility.evaluate_cohorts(batch, as_of)
        facts = badge_facts(r.enrolment.id for rs in results.values() for r in rs)
        for cohort in batch:
            tally = _Tally()
            for r in results[cohort.id]:
                e = r.evaluation
                tally.enrolled += 1
                tally.completed += e.status.value == "eligible"
                tally.withdrawn += e.status.value == "withdrawn"
                unfinished = e.status.value in ("in_progress", "unreachable")
                ended = as_of > cohort.ends_on  # after its end, nobody of a cohort is still in training
                tally.in_progress += unfinished and not ended
                tally.not_completed += unfinished and ended
                tally.training_minutes += e.programme.attended_minutes
                tally.placement_minutes += e.placement_minutes
                if r.enrolment.id in facts:
                    tally.badges = (tally.badges or 0) + facts[r.enrolment.id].issued
            tallies[cohort.id] = tally
        if progress:
            progress(min(start + eligibility.BATCH, len(cohorts)), len(cohorts))
    # Rows: the cohorts, then the years, then all years (when there are several); each group adds up its rows.
    rows: list[_Tally] = [tallies[c.id] for c in cohorts]
    years: dict[int, _Tally] = defaultdict(_Tally)
    members: dict[int, list[int]] = defaultdict(list)
    for i, c in enumerate(cohorts):
        years[c.starts_on.year].add(tallies[c.id])
        members[c.starts_on.year].append(i)
    groups: list[tuple[int, list[int]]] = []
    year_rows: dict[int, int] = {}
    for year in sorted(years):
        year_rows[year] = len(rows)
        groups.append((len(rows), members[year]))
        rows.append(years[year])
    if len(years) > 1:
        total = _Tally()
        for year in sorted(years):
            total.add(years[year])
        groups.append((len(rows), list(year_rows.values())))
        rows.append(total)
    hidden = _protect(rows, groups)
    by_cohort = [
        [
            c.code,
            localized(programmes[c.programme_id].title, lang()),
            c.starts_on,
            c.starts_on.year,
            *tallies[c.id].cells(hidden[i]),
        ]
        for i, c in enumerate(cohorts)
    ]
    by_year = [[str(year), len(members[year]), *years[year].cells(hidden[year_rows[year]])] for year in sorted(years)]
    if len(years) > 1:
        by_year.append([_("all years"), len(cohorts), *rows[-1].cells(hidden[-1])])
    cohort_part = Part(
        "cohorts",
        _l("By cohort"),
        [
            Column("cohort", _l("Cohort"), "text", 12),
            Column("programme", _l("Programme"), "text", 40),
            Column("starts_on", _l("Start"), "date", 12),
            Column("period", _l("Year"), "int", 8),
            *_funder_columns(),
        ],
        by_cohort,
        empty=_l("No cohort yet."),
    )
    year_part = Part(
        "years",
        _l("By year of cohort start"),
        [Column("period", _l("Year"), "text", 10), Column("cohorts", _l("Cohorts"), "int", 8), *_funder_columns()],
        by_year,
        empty=_l("No cohort yet."),
    )
    scope = cohorts[0].code if len(cohorts) == 1 else _("all cohorts")
    report = Report("funder", str(KIND_TITLES["funder"]), scope, as_of, [cohort_part, year_part])
    report.notes.append(str(SUPPRESSION_RULE))
    report.notes.append(
        _('"Completed": every condition of the programme met on %(date)s.', date=format_date(as_of, "long"))
    )
    return report


def funder_overview(as_of: date) -> dict:
    """The funder's home: the platform's figures (the last line of the funder report by year: all years, or the
    only one) and completions year by year, small counts suppressed exactly as in the report."""
    report = funder(as_of)
    years = report.parts[1]
    rows = list(years.rows)
    columns = years.columns
    figures = []
    if rows:
        total = dict(zip((c.key for c in columns), rows[-1], strict=True))
        figures = [(c, total[c.key]) for c in columns if c.key not in ("period",)]
    keys = [c.key for c in columns]
    items = [
        (str(row[0]), row[keys.index("completed")], row[keys.index("enrolled")])
        for row in rows
        if row[0] != _("all years")
        and isinstance(row[keys.index("completed")], int)
        and isinstance(row[keys.index("enrolled")], int)
        and row[keys.index("enrolled")] > 0
    ]
    chart = charts.progress_bars(
        "chart-funder-completions",
        _("Trainees who completed the training, by year of cohort start"),
        _("Out of the trainees enrolled. Years with a count from 1 to 4 are left out, as in the report."),
        items,
        headers=(_("Year"), _("Completed"), _("Trainees enrolled")),
        format_value=str,
        target_label=_("enrolled"),
        no_data=_("No cohort yet."),
    )
    return {"report": report, "figures": figures, "chart": chart, "rule": SUPPRESSION_RULE}


# --------------------------------------------------------------------------------------------------- dispatch


BUILDERS: dict[str, Callable[[Cohort, date], Report]] = {
    "summary": summary,
    "sessions": sessions,
    "modules": modules,
    "risk": risk,
    "badges": badges,
    "funder": lambda cohort, as_of: funder(as_of, [cohort]),
}


#: Reports computed from the cohort's facts alone (``courses.facts``: eligibility, and the people's names): their
#: pages may be kept under the cohort's ``facts_version``.
FACTS_ONLY_KINDS = frozenset({"risk"})


def build(kind: str, cohort: Cohort, as_of: date) -> Report:
    return BUILDERS[kind](cohort, as_of)
