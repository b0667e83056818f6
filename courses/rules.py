"""Eligibility of one trainee in one cohort, evaluated at a date ``as_of``.

Pure: standard library only, no Flask, no database. It implements the eligibility rules of the product issue:
which sessions are counted or remaining, how attendance is measured (hours or sessions, over the programme or in
each module), how many minutes can still be missed, and the resulting status with short English reasons. Every
threshold comparison uses integers and ``Fraction``, never floats.

Decisions where the issue is silent: with ``scope: each_module`` the rule applies to every module group the
trainee is expected at (at least one counted or remaining session; sessions outside modules form the group
``None``), so a module wholly cancelled, paused or before enrolment blocks nobody, while ``modules`` still lists
every module code of the cohort. With the hours basis a group whose counted sessions total 0 minutes has nothing
counted (rate None). With each_module, ``attendance_percent`` is the lowest rate among the groups that
have one (a module not started yet does not make it None). A withdrawn trainee's reasons start with
"withdrawn" and go on with every other unmet rule.
"""

from __future__ import annotations

import enum
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo


class Mark(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left_early"
    EXCUSED = "excused"
    ABSENT = "absent"


class Status(enum.StrEnum):
    ELIGIBLE = "eligible"
    IN_PROGRESS = "in_progress"
    UNREACHABLE = "unreachable"
    WITHDRAWN = "withdrawn"


ATTENDED = frozenset({Mark.PRESENT, Mark.LATE, Mark.LEFT_EARLY})
PLANNED = frozenset({Mark.EXCUSED})  # the only mark a roster takes before its session starts: a planned absence


def session_starts_at(on: date, starts_at: time, timezone: str) -> datetime:
    """When a session starts, as an aware datetime (its cohort's local time)."""
    return datetime.combine(on, starts_at, ZoneInfo(timezone))


def roster_open(on: date, starts_at: time, timezone: str, now: datetime) -> bool:
    """A roster opens when its session starts: before, nobody can have been present, late or absent."""
    return now >= session_starts_at(on, starts_at, timezone)


PARTIAL = frozenset({Mark.LATE, Mark.LEFT_EARLY})


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")


@dataclass(frozen=True)
class SessionFact:
    """One training session of the cohort (``module`` is None for a session outside modules)."""

    key: Hashable
    module: str | None
    on: date
    minutes: int
    cancelled: bool = False

    def __post_init__(self) -> None:
        if self.minutes < 0:
            raise ValueError(f"session {self.key!r} lasts a negative number of minutes")


@dataclass(frozen=True)
class AttendanceFact:
    """The trainee's mark for one session; ``minutes`` (attended) only matters for LATE / LEFT_EARLY."""

    status: Mark
    minutes: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Mark(self.status))


@dataclass(frozen=True)
class Pause:
    """A pause of the trainee's course, both dates inclusive."""

    starts_on: date
    ends_on: date

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class AttendanceRule:
    """The attendance threshold (a percentage, int or Fraction; a Decimal is converted exactly, a float refused)."""

    threshold_percent: int | Fraction
    basis: str = "hours"
    scope: str = "programme"
    excused: str = "absent"

    def __post_init__(self) -> None:
        threshold = self.threshold_percent
        if isinstance(threshold, Decimal):
            object.__setattr__(self, "threshold_percent", Fraction(threshold))
        elif isinstance(threshold, bool) or not isinstance(threshold, int | Fraction):
            raise TypeError(f"threshold_percent must be an int or a Fraction, not {type(threshold).__name__}")
        if not 0 <= self.threshold_percent <= 100:
            raise ValueError(f"threshold_percent must be between 0 and 100, not {threshold}")
        _check_choice("basis", self.basis, ("hours", "sessions"))
        _check_choice("scope", self.scope, ("programme", "each_module"))
        _check_choice("excused", self.excused, ("absent", "neutral"))


@dataclass(frozen=True)
class RuleSet:
    attendance: AttendanceRule
    placement_minutes_required: int = 0
    final_work_required: bool = False
    competencies_required: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TraineeFacts:
    enrolled_on: date
    withdrawn_on: date | None = None
    pauses: tuple[Pause, ...] = ()
    marks: Mapping[Hashable, AttendanceFact] = field(default_factory=dict)
    placement_minutes_confirmed: int = 0
    final_work: str = "pending"
    competencies_validated: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        _check_choice("final_work", self.final_work, ("pending", "passed", "failed"))


@dataclass(frozen=True)
class GroupAttendance:
    """Attendance of one group of sessions: the whole programme, or one module."""

    counted_sessions: int
    counted_minutes: int
    attended_sessions: int
    attended_minutes: int
    remaining_sessions: int
    remaining_minutes: int
    unmarked: tuple
    rate: Fraction | None
    met: bool
    reachable: bool
    can_still_miss_minutes: int | None


@dataclass(frozen=True)
class Evaluation:
    status: Status
    programme: GroupAttendance
    modules: Mapping[str | None, GroupAttendance]
    attendance_percent: Fraction | None
    attendance_met: bool
    can_still_miss_minutes: int | None
    placement_minutes: int
    placement_minutes_required: int
    placement_met: bool
    final_work: str
    final_work_met: bool
    competencies_validated: int
    competencies_required: int
    competencies_met: bool
    missing_competencies: tuple[str, ...]
    reasons: tuple[str, ...]
    validated_competencies: frozenset[str] = frozenset()


def floor_percent(value: Fraction | int | None) -> str:
    """Format a percentage floored to 2 decimals, never rounded up (74.999 -> "74.99"); "" for None."""
    if value is None:
        return ""
    if isinstance(value, Fraction):  # in integers: the same floor, without building two Fractions
        hundredths = value.numerator * 100 // value.denominator
    else:
        hundredths = Fraction(value) * 100 // 1
    whole, cents = divmod(abs(hundredths), 100)
    return f"{'-' if hundredths < 0 else ''}{whole}.{cents:02d}"


def minutes_present(session_minutes: int, missed: int) -> int:
    """Minutes attended by someone who came ``missed`` minutes late (or left that much early): what a trainer
    knows, turned into what the rules count. ``missed`` must be in [1, session_minutes − 1]: 0 minutes late is
    "present", the whole session is "absent"."""
    if not 0 < missed < session_minutes:
        raise ValueError(f"missed minutes must be between 1 and {session_minutes - 1}")
    return session_minutes - missed


#: Percentages people read (pages, PDFs, spreadsheets) are floored to this many decimals, everywhere: the same
#: figure is never 74.9 on screen and 74.99 in the export, and a threshold is never shown as met when it is not.
SHOWN_PERCENT_PLACES = 1


def shown_percent(value: Fraction | int) -> Decimal:
    """The one rounding rule for a percentage people read: floored to ``SHOWN_PERCENT_PLACES`` decimals
    (74.99 → 74.9; 75 → 75)."""
    scale = 10**SHOWN_PERCENT_PLACES
    floored = Fraction(value) * scale // 1
    return (Decimal(int(floored)) / scale).quantize(Decimal(1).scaleb(-SHOWN_PERCENT_PLACES))


def _holds(attended: int, counted: int, threshold: Fraction) -> bool:
    """Threshold rule: attended × 100 ≥ threshold × counted, exactly; nothing counted is never enough.

    Compared in integers (threshold = n/d): attended × 100 × d ≥ n × counted — exact, and far cheaper than
    Fraction arithmetic on this hot path."""
    return counted > 0 and attended * 100 * threshold.denominator >= threshold.numerator * counted


def _attended_minutes(session: SessionFact, mark: AttendanceFact | None) -> int:
    """PRESENT → all minutes; LATE / LEFT_EARLY → the given minutes clamped to [0, all]; anything else → 0."""
    if mark is None:
        return 0
    if mark.status is Mark.PRESENT:
        return session.minutes
    if mark.status in PARTIAL:
        return min(max(mark.minutes or 0, 0), session.minutes)
    return 0


def _can_still_miss(attended: int, counted: int, remaining: int, threshold: Fraction) -> int | None:
    """Largest X in [0, R] with (attended + R − X) × 100 ≥ threshold × (counted + R); None when there is none."""
    if counted + remaining == 0:
        return None
    # slack = attended + R − threshold × (counted + R) / 100, scaled by 100 × d to stay in integers.
    scale = 100 * threshold.denominator
    scaled = (attended + remaining) * scale - threshold.numerator * (counted + remaining)
    return None if scaled < 0 else min(remaining, scaled // scale)


def _group(
    counted: Sequence[tuple[SessionFact, AttendanceFact | None]], remaining: Sequence[SessionFact], rule: AttendanceRule
) -> GroupAttendance:
    """Attendance of one group; the rate, ``met`` and ``reachable`` follow the basis (hours or sessions)."""
    tally = _Tally()
    for session, mark in counted:
        tally.count(session, mark)
    for session in remaining:
        tally.remain(session)
    return tally.group(rule, Fraction(rule.threshold_percent))


class _Tally:
    """What one group's sessions add up to, filled session by session (one pass for the programme and its modules)."""

    SUMS = (
        "counted_sessions",
        "counted_minutes",
        "attended_sessions",
        "attended_minutes",
        "remaining_sessions",
        "remaining_minutes",
    )
    __slots__ = (*SUMS, "unmarked")

    def __init__(self) -> None:
        self.counted_sessions = self.counted_minutes = self.attended_sessions = self.attended_minutes = 0
        self.remaining_sessions = self.remaining_minutes = 0
        self.unmarked: list = []

    def count(self, session: SessionFact, mark: AttendanceFact | None) -> None:
        self.counted_sessions += 1
        self.counted_minutes += session.minutes
        if mark is None:
            self.unmarked.append(session.key)
        elif mark.status in ATTENDED:
            self.attended_sessions += 1
            self.attended_minutes += _attended_minutes(session, mark)

    def remain(self, session: SessionFact) -> None:
        self.remaining_sessions += 1
        self.remaining_minutes += session.minutes

    def group(self, rule: AttendanceRule, threshold: Fraction) -> GroupAttendance:
        if rule.basis == "hours":
            attended, total, still = self.attended_minutes, self.counted_minutes, self.remaining_minutes
        else:
            attended, total, still = self.attended_sessions, self.counted_sessions, self.remaining_sessions
        return GroupAttendance(
            counted_sessions=self.counted_sessions,
            counted_minutes=self.counted_minutes,
            attended_sessions=self.attended_sessions,
            attended_minutes=self.attended_minutes,
            remaining_sessions=self.remaining_sessions,
            remaining_minutes=self.remaining_minutes,
            unmarked=tuple(self.unmarked),
            rate=Fraction(attended, total) if total else None,
            met=_holds(attended, total, threshold),
            reachable=_holds(attended + still, total + still, threshold),
            can_still_miss_minutes=(
                _can_still_miss(attended, total, still, threshold) if rule.basis == "hours" else None
            ),
        )


def _label(module: str | None) -> str:
    return " outside modules" if module is None else f" in {module}"


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def _reasons(
    status: Status,
    rule: AttendanceRule,
    programme: GroupAttendance,
    checked: Mapping[str | None, GroupAttendance],
    facts: TraineeFacts,
    rules: RuleSet,
    missing: tuple[str, ...],
) -> tuple[str, ...]:
    """Reasons rule: short English reasons in a fixed order; none at all when the trainee is eligible."""
    if status is Status.ELIGIBLE:
        return ()
    reasons = ["withdrawn"] if status is Status.WITHDRAWN else []
    failing = {code: group for code, group in checked.items() if not group.met}
    label = {code: "" if rule.scope == "programme" else _label(code) for code in failing}
    if not programme.counted_sessions:
        reasons.append("no counted session")
    else:
        reasons += [f"no counted session{label[code]}" for code, group in failing.items() if group.rate is None]
    threshold = floor_percent(rule.threshold_percent).rstrip("0").rstrip(".")
    reasons += [
        f"attendance{label[code]} {floor_percent(group.rate * 100)}% below {threshold}%"
        for code, group in failing.items()
        if group.rate is not None
    ]
    if status is Status.UNREACHABLE:
        reasons.append("attendance threshold unreachable")
    if programme.unmarked:
        reasons.append(_plural(len(programme.unmarked), "unmarked session", "unmarked sessions"))
    if programme.remaining_sessions:
        reasons.append(_plural(programme.remaining_sessions, "session remaining", "sessions remaining"))
    if facts.placement_minutes_confirmed < rules.placement_minutes_required:
        reasons.append(f"placement {facts.placement_minutes_confirmed}/{rules.placement_minutes_required} minutes")
    if rules.final_work_required and facts.final_work != "passed":
        reasons.append(f"final work {facts.final_work}")
    if missing:
        reasons.append(f"{_plural(len(missing), 'competency', 'competencies')} not validated: {', '.join(missing)}")
    return tuple(reasons)


def evaluate(sessions: Sequence[SessionFact], facts: TraineeFacts, rules: RuleSet, as_of: date) -> Evaluation:
    """Evaluate one trainee's eligibility in one cohort at ``as_of``; the status rule is applied here."""
    return Evaluator(sessions, rules).evaluate(facts, as_of)


class Evaluator:
    """The trainees of one cohort evaluated against the same sessions and rules: what does not depend on the
    trainee (sessions in date order, module codes, the threshold) is worked out once, not once per trainee."""

    def __init__(self, sessions: Sequence[SessionFact], rules: RuleSet) -> None:
        self.rules = rules
        self.sessions = sorted(sessions, key=lambda s: s.on)
        self.codes = sorted({s.module for s in self.sessions}, key=lambda code: (code is None, code or ""))
        self.threshold = Fraction(rules.attendance.threshold_percent)
        self.required = frozenset(rules.competencies_required)

    def evaluate(self, facts: TraineeFacts, as_of: date) -> Evaluation:
        rules, rule, threshold = self.rules, self.rules.attendance, self.threshold
        neutral_excused = rule.excused == "neutral"
        enrolled_on, withdrawn_on, pauses = facts.enrolled_on, facts.withdrawn_on, facts.pauses
        marks = facts.marks
        tallies = {code: _Tally() for code in self.codes}
        unmarked: list = []  # the programme's, in date order
        # Counted-session rule: not cancelled, enrolled, not yet withdrawn, outside every pause (and an excused
        # absence left out when excused is "neutral"); then counted by ``as_of``, else remaining.
        for session in self.sessions:
            on = session.on
            if (
                session.cancelled
                or on < enrolled_on
                or (withdrawn_on is not None and on >= withdrawn_on)
                or (pauses and any(pause.covers(on) for pause in pauses))
            ):
                continue
            mark = marks.get(session.key)
            if mark is not None and neutral_excused and mark.status is Mark.EXCUSED:
                continue
            tally = tallies[session.module]
            if on > as_of:
                tally.remaining_sessions += 1
                tally.remaining_minutes += session.minutes
                continue
            # _Tally.count, written out: this line runs for every trainee and every session
            tally.counted_sessions += 1
            tally.counted_minutes += session.minutes
            if mark is None:
                tally.unmarked.append(session.key)
                unmarked.append(session.key)
            elif mark.status is Mark.PRESENT:
                tally.attended_sessions += 1
                tally.attended_minutes += session.minutes
            elif mark.status in PARTIAL:
                tally.attended_sessions += 1
                tally.attended_minutes += _attended_minutes(session, mark)

        whole = _Tally()
        for tally in tallies.values():
            for name in _Tally.SUMS:
                setattr(whole, name, getattr(whole, name) + getattr(tally, name))
        whole.unmarked = unmarked
        programme = whole.group(rule, threshold)
        modules = {code: tallies[code].group(rule, threshold) for code in self.codes}
        return _conclude(programme, modules, facts, rules, as_of, self.required)


def _conclude(
    programme: GroupAttendance,
    modules: dict[str | None, GroupAttendance],
    facts: TraineeFacts,
    rules: RuleSet,
    as_of: date,
    required: frozenset[str],
) -> Evaluation:
    """The scope and status rules, applied to the groups' attendance and the other facts."""
    rule = rules.attendance
    # Scope rule: the programme group, or every module group the trainee is expected at (counted or remaining).
    if rule.scope == "programme":
        checked: dict[str | None, GroupAttendance] = {None: programme}
    else:
        checked = {code: group for code, group in modules.items() if group.counted_sessions + group.remaining_sessions}
    attendance_met = bool(checked) and all(group.met for group in checked.values())
    reachable = bool(checked) and all(group.reachable for group in checked.values())
    rates = [group.rate for group in checked.values() if group.rate is not None]

    withdrawn = facts.withdrawn_on is not None and facts.withdrawn_on <= as_of
    can_still_miss = None
    if reachable and not withdrawn and rule.basis == "hours":
        can_still_miss = min(group.can_still_miss_minutes for group in checked.values())

    missing = tuple(sorted(required - frozenset(facts.competencies_validated)))
    placement_met = facts.placement_minutes_confirmed >= rules.placement_minutes_required
    final_work_met = not rules.final_work_required or facts.final_work == "passed"
    others_met = placement_met and final_work_met and not missing
    if withdrawn:
        status = Status.WITHDRAWN
    elif attendance_met and others_met and not programme.remaining_sessions:
        status = Status.ELIGIBLE
    elif not reachable:
        status = Status.UNREACHABLE
    else:
        status = Status.IN_PROGRESS

    return Evaluation(
        status=status,
        programme=programme,
        modules=modules,
        attendance_percent=min(rates) * 100 if rates else None,
        attendance_met=attendance_met,
        can_still_miss_minutes=can_still_miss,
        placement_minutes=facts.placement_minutes_confirmed,
        placement_minutes_required=rules.placement_minutes_required,
        placement_met=placement_met,
        final_work=facts.final_work,
        final_work_met=final_work_met,
        competencies_validated=len(required) - len(missing),
        competencies_required=len(required),
        competencies_met=not missing,
        missing_competencies=missing,
        reasons=_reasons(status, rule, programme, checked, facts, rules, missing),
        validated_competencies=frozenset(facts.competencies_validated),
    )
