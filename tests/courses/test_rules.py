"""Eligibility rules (courses.rules): a table of edge cases computed by hand, then hypothesis properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from courses.rules import (
    AttendanceFact,
    AttendanceRule,
    Mark,
    Pause,
    RuleSet,
    SessionFact,
    Status,
    TraineeFacts,
    evaluate,
    floor_percent,
)

START = date(2025, 1, 6)
END = date(2026, 1, 1)  # after every generated session
P, A, X = AttendanceFact(Mark.PRESENT), AttendanceFact(Mark.ABSENT), AttendanceFact(Mark.EXCUSED)
RANK = {Status.UNREACHABLE: 0, Status.IN_PROGRESS: 1, Status.ELIGIBLE: 2}


def day(n: int) -> date:
    return START + timedelta(days=n)


def late(minutes: int | None) -> AttendanceFact:
    return AttendanceFact(Mark.LATE, minutes)


def left(minutes: int | None) -> AttendanceFact:
    return AttendanceFact(Mark.LEFT_EARLY, minutes)


def run(marks, minutes=120, module="M1", rule=None, as_of=END, first=0, **facts):
    """One session a day from day `first` (keys 0, 1, …), `marks[i]` for session i (None = unmarked)."""
    minutes = minutes if isinstance(minutes, list | tuple) else [minutes] * len(marks)
    modules = module if isinstance(module, list | tuple) else [module] * len(marks)
    sessions = [SessionFact(i, modules[i], day(first + i), m) for i, m in enumerate(minutes)]
    rules = facts.pop("rules", None) or RuleSet(rule or AttendanceRule(75))
    trainee = TraineeFacts(
        enrolled_on=facts.pop("enrolled_on", START),
        marks={i: mark for i, mark in enumerate(marks) if mark is not None},
        **facts,
    )
    return evaluate(sessions, trainee, rules, as_of)


# --- the table: each case is (evaluation, {dotted attribute: expected value}) ---------------------------------------

CASES = [
    pytest.param(
        run([P, P, P, P]),
        {"status": "eligible", "attendance_percent": 100, "reasons": (), "can_still_miss_minutes": 0},
        id="all-present",
    ),
    pytest.param(
        run([P, late(2499)], minutes=5000),
        {
            "status": "unreachable",
            "attendance_percent": Fraction(7499, 100),
            "attendance_met": False,
            "can_still_miss_minutes": None,
            "reasons": ("attendance 74.99% below 75%", "attendance threshold unreachable"),
        },
        id="74.99-fails",
    ),
    pytest.param(
        run([P, late(24999)], minutes=50000),
        {
            "status": "unreachable",
            "attendance_percent": Fraction(74999, 1000),
            "reasons.0": "attendance 74.99% below 75%",
        },
        id="74.999-fails-and-prints-floored",
    ),
    pytest.param(
        run([P, late(2500)], minutes=5000),
        {"status": "eligible", "attendance_percent": 75, "attendance_met": True, "can_still_miss_minutes": 0},
        id="75.00-holds",
    ),
    pytest.param(
        run([P, P, P, A], rule=AttendanceRule(Fraction(299, 4))),
        {"status": "eligible", "attendance_percent": 75},
        id="fraction-threshold-74.75",
    ),
    pytest.param(
        run([P, P, A, A], rule=AttendanceRule(Fraction(299, 4))),
        {"status": "unreachable", "reasons.0": "attendance 50.00% below 74.75%"},
        id="fraction-threshold-printed",
    ),
    pytest.param(
        run([P, P, A], rule=AttendanceRule(Fraction(200, 3))),
        {"status": "eligible", "attendance_met": True, "programme.rate": Fraction(2, 3)},
        id="two-thirds-exactly-meets-66.66..%",
    ),
    pytest.param(
        run([P, P, A], rule=AttendanceRule(Decimal("66.67"))),
        {"status": "unreachable", "reasons.0": "attendance 66.66% below 66.67%"},
        id="decimal-threshold-converted-exactly",
    ),
    pytest.param(
        run([late(90), left(60), P], minutes=120),
        {"programme.attended_minutes": 270, "programme.attended_sessions": 3, "programme.rate": Fraction(3, 4)},
        id="late-and-left-early-minutes",
    ),
    pytest.param(
        run([late(500), left(-10), late(None), left(None)], minutes=100),
        {"programme.attended_minutes": 100, "programme.attended_sessions": 4, "attendance_percent": 25},
        id="partial-minutes-clamped-to-0-and-all",
    ),
    pytest.param(
        run([late(90), late(90)], minutes=120, rule=AttendanceRule(75, basis="sessions")),
        {"status": "eligible", "attendance_percent": 100, "can_still_miss_minutes": None},
        id="sessions-basis-late-counts-whole",
    ),
    pytest.param(
        run([P, P, None, P]),
        {"status": "eligible", "programme.unmarked": (2,), "reasons": (), "attendance_percent": 75},
        id="unmarked-counted-as-zero-eligible-still",
    ),
    pytest.param(
        run([P, None, P, None]),
        {
            "status": "unreachable",
            "programme.unmarked": (1, 3),
            "reasons": ("attendance 50.00% below 75%", "attendance threshold unreachable", "2 unmarked sessions"),
        },
        id="unmarked-listed",
    ),
    pytest.param(
        run([P, A, None], rule=AttendanceRule(0)),
        {"status": "eligible", "programme.unmarked": (2,), "reasons": ()},
        id="threshold-0",
    ),
    pytest.param(
        run([P, P, X]),
        {"status": "unreachable", "programme.counted_sessions": 3, "reasons.0": "attendance 66.66% below 75%"},
        id="excused-as-absent",
    ),
    pytest.param(
        run([P, P, X], rule=AttendanceRule(75, excused="neutral")),
        {"status": "eligible", "programme.counted_sessions": 2, "programme.counted_minutes": 240},
        id="excused-neutral-leaves-counted-set",
    ),
    pytest.param(
        run([P, X, X, X], as_of=day(0), rule=AttendanceRule(75, excused="neutral")),
        {"status": "eligible", "programme.remaining_sessions": 0, "reasons": ()},
        id="excused-neutral-leaves-remaining-set",
    ),
    pytest.param(
        run([P, X, None, None], as_of=day(0)),
        {"status": "in_progress", "programme.remaining_sessions": 3, "reasons": ("3 sessions remaining",)},
        id="excused-absent-on-remaining-still-remains",
    ),
    pytest.param(
        evaluate(
            [SessionFact("a", "M1", day(0), 60), SessionFact("b", "M1", day(1), 600, cancelled=True)],
            TraineeFacts(START, marks={"a": P, "b": A}),
            RuleSet(AttendanceRule(75)),
            END,
        ),
        {"status": "eligible", "programme.counted_sessions": 1, "programme.counted_minutes": 60},
        id="cancelled-ignored",
    ),
    pytest.param(
        evaluate(
            [SessionFact("a", "M1", day(5), 60, cancelled=True)], TraineeFacts(START), RuleSet(AttendanceRule(75)), END
        ),
        {
            "status": "unreachable",
            "modules.M1.counted_sessions": 0,
            "reasons": ("no counted session", "attendance threshold unreachable"),
        },
        id="nothing-counted-nothing-remaining",
    ),
    pytest.param(
        run([A, None, P, P], enrolled_on=day(2)),
        {"status": "eligible", "programme.counted_sessions": 2, "programme.unmarked": ()},
        id="late-enrolment",
    ),
    pytest.param(
        run([P, P, A, A], enrolled_on=day(1)),
        {"status": "unreachable", "programme.counted_sessions": 3, "reasons.0": "attendance 33.33% below 75%"},
        id="enrolment-day-itself-counted",
    ),
    pytest.param(
        run([P, P, None, None], withdrawn_on=day(2), as_of=day(1)),
        {"status": "eligible", "programme.counted_sessions": 2, "programme.remaining_sessions": 0},
        id="withdrawal-ahead-sessions-from-withdrawal-not-remaining",
    ),
    pytest.param(
        run([P, P, P, None], withdrawn_on=day(2), as_of=day(2)),
        {
            "status": "withdrawn",
            "programme.counted_sessions": 2,
            "attendance_met": True,
            "can_still_miss_minutes": None,
            "reasons": ("withdrawn",),
        },
        id="withdrawn-on-as-of",
    ),
    pytest.param(
        run([P, A, A, A], withdrawn_on=day(2), final_work="failed", rules=RuleSet(AttendanceRule(75), 0, True)),
        {"status": "withdrawn", "reasons": ("withdrawn", "attendance 50.00% below 75%", "final work failed")},
        id="withdrawn-with-other-reasons",
    ),
    pytest.param(
        run([P, A, A, A, A, A, P], pauses=(Pause(day(1), day(1)), Pause(day(2), day(5)))),
        {"status": "eligible", "programme.counted_sessions": 2, "modules.M1.counted_sessions": 2},
        id="pauses-both-boundaries-excluded",
    ),
    pytest.param(
        run([P, A, P, P, P, A, P], pauses=(Pause(day(2), day(4)),)),
        {"status": "unreachable", "programme.counted_sessions": 4, "attendance_percent": 50},
        id="pause-days-just-outside-counted",
    ),
    pytest.param(
        run([P, P, late(60), None, None, None], as_of=day(2)),
        # A=300, C=360, R=360: (660 − X)·100 ≥ 75·720 ⇔ X ≤ 120
        {
            "status": "in_progress",
            "can_still_miss_minutes": 120,
            "programme.remaining_minutes": 360,
            "attendance_percent": Fraction(250, 3),
            "reasons": ("3 sessions remaining",),
        },
        id="mid-course-can-still-miss",
    ),
    pytest.param(
        run([P, P, late(60), None, None, None], as_of=day(2), rule=AttendanceRule(80)),
        # 660 − X ≥ 576 ⇔ X ≤ 84
        {"status": "in_progress", "can_still_miss_minutes": 84},
        id="mid-course-can-still-miss-80",
    ),
    pytest.param(
        run([P, A, P, None, None], as_of=day(2), rule=AttendanceRule(Fraction(601, 10))),
        # A=240, C=360, R=240: (480 − X)·100 ≥ 60.1·600 = 36060 ⇔ X ≤ 119.4
        {"status": "in_progress", "can_still_miss_minutes": 119},
        id="can-still-miss-floored",
    ),
    pytest.param(
        run([P, P, P, None], as_of=day(2), rule=AttendanceRule(0)),
        {"status": "in_progress", "can_still_miss_minutes": 120, "reasons": ("1 session remaining",)},
        id="can-still-miss-capped-at-remaining",
    ),
    pytest.param(
        run([A, A, None, None], minutes=60, as_of=day(1)),
        # (0 + 120)·100 < 75·240
        {
            "status": "unreachable",
            "programme.reachable": False,
            "can_still_miss_minutes": None,
            "reasons": ("attendance 0.00% below 75%", "attendance threshold unreachable", "2 sessions remaining"),
        },
        id="unreachable-mid-course",
    ),
    pytest.param(
        run([A, None, None, None], minutes=60, as_of=day(0)),
        {"status": "in_progress", "can_still_miss_minutes": 0, "programme.reachable": True},
        id="reachable-only-attending-everything",
    ),
    pytest.param(
        run([None, None, None, None], as_of=day(-1)),
        {
            "status": "in_progress",
            "attendance_percent": None,
            "programme.rate": None,
            "can_still_miss_minutes": 120,
            "reasons": ("no counted session", "4 sessions remaining"),
        },
        id="nothing-counted-yet",
    ),
    pytest.param(
        run([A, P, P, late(1)], minutes=[600, 60, 60, 60], rule=AttendanceRule(75, basis="sessions")),
        {"status": "eligible", "attendance_percent": 75, "can_still_miss_minutes": None},
        id="sessions-basis",
    ),
    pytest.param(
        run([A, P, P, late(1)], minutes=[600, 60, 60, 60]),
        {"status": "unreachable", "programme.rate": Fraction(121, 780)},
        id="same-marks-hours-basis",
    ),
    pytest.param(
        run([P, P, P, A, None, None], as_of=day(3), rule=AttendanceRule(75, basis="sessions")),
        {"status": "in_progress", "programme.reachable": True, "can_still_miss_minutes": None},
        id="sessions-basis-reachable",
    ),
    pytest.param(
        run([P] * 8 + [P, A, P, A, P, A, P, P], module=["M1"] * 8 + ["M2"] * 8),
        {"status": "eligible", "attendance_percent": Fraction(1625, 20), "modules.M2.rate": Fraction(5, 8)},
        id="programme-scope-hides-weak-module",
    ),
    pytest.param(
        run(
            [P] * 8 + [P, A, P, A, P, A, P, P],
            module=["M1"] * 8 + ["M2"] * 8,
            rule=AttendanceRule(75, scope="each_module"),
        ),
        {
            "status": "unreachable",
            "attendance_percent": Fraction(125, 2),
            "programme.met": True,
            "modules.M1.met": True,
            "modules.M2.met": False,
            "reasons": ("attendance in M2 62.50% below 75%", "attendance threshold unreachable"),
        },
        id="each-module-one-module-fails",
    ),
    pytest.param(
        run(
            [P, P, P, P, A, None],
            module=["M1", "M1", "M2", "M2", None, "M2"],
            rule=AttendanceRule(75, scope="each_module"),
            as_of=day(4),
        ),
        # M1 done (no remaining: min over M1=0, M2: A=240, C=240, R=120 → 360 − X ≥ 270 → 90), outside modules 0%
        {
            "status": "unreachable",
            "can_still_miss_minutes": None,
            "modules.None.rate": 0,
            "modules.M2.can_still_miss_minutes": 90,
            "reasons.0": "attendance outside modules 0.00% below 75%",
        },
        id="each-module-session-outside-modules",
    ),
    pytest.param(
        run(
            [P, P, P, None, None],
            module=["M1", "M1", "M2", "M2", "M3"],
            rule=AttendanceRule(75, scope="each_module"),
            as_of=day(2),
        ),
        # M1: R=0, slack 0; M2: A=120, C=120, R=120 → 240 − X ≥ 180 → 60; M3: R=120 → 120 − X ≥ 90 → 30
        {
            "status": "in_progress",
            "can_still_miss_minutes": 0,
            "modules.M2.can_still_miss_minutes": 60,
            "modules.M3.can_still_miss_minutes": 30,
            "attendance_percent": 100,
            "reasons": ("no counted session in M3", "2 sessions remaining"),
        },
        id="each-module-min-and-module-not-started",
    ),
    pytest.param(
        evaluate(
            [SessionFact(1, "M1", day(0), 60), SessionFact(2, "M2", day(1), 60, cancelled=True)],
            TraineeFacts(START, marks={1: P}),
            RuleSet(AttendanceRule(75, scope="each_module")),
            END,
        ),
        {"status": "eligible", "modules.M2.counted_sessions": 0, "modules.M2.met": False},
        id="each-module-cancelled-module-not-required",
    ),
    pytest.param(
        run([P, P], placement_minutes_confirmed=1200, rules=RuleSet(AttendanceRule(75), 8400)),
        {"status": "in_progress", "placement_met": False, "reasons": ("placement 1200/8400 minutes",)},
        id="placement-blocks",
    ),
    pytest.param(
        run([P, P], placement_minutes_confirmed=8400, rules=RuleSet(AttendanceRule(75), 8400)),
        {"status": "eligible", "placement_met": True, "placement_minutes": 8400},
        id="placement-exactly-met",
    ),
    pytest.param(
        run([P, P], rules=RuleSet(AttendanceRule(75), final_work_required=True)),
        {"status": "in_progress", "final_work_met": False, "reasons": ("final work pending",)},
        id="final-work-pending-blocks",
    ),
    pytest.param(
        run([P, P], final_work="failed", rules=RuleSet(AttendanceRule(75), final_work_required=True)),
        {"status": "in_progress", "reasons": ("final work failed",)},
        id="final-work-failed-blocks",
    ),
    pytest.param(
        run([P, P], final_work="failed"),
        {"status": "eligible", "final_work_met": True, "final_work": "failed"},
        id="final-work-not-required",
    ),
    pytest.param(
        run(
            [P, P],
            competencies_validated=frozenset({"C-M1-03", "C-OTHER"}),
            rules=RuleSet(AttendanceRule(75), competencies_required=frozenset({"C-M1-02", "C-M1-01", "C-M1-03"})),
        ),
        {
            "status": "in_progress",
            "competencies_validated": 1,
            "competencies_required": 3,
            "missing_competencies": ("C-M1-01", "C-M1-02"),
            "reasons": ("2 competencies not validated: C-M1-01, C-M1-02",),
        },
        id="competencies-block",
    ),
    pytest.param(
        run(
            [P, None, P, P, None],
            as_of=day(3),
            rules=RuleSet(AttendanceRule(75), competencies_required=frozenset({"C"})),
        ),
        {
            "status": "in_progress",
            "reasons": ("1 unmarked session", "1 session remaining", "1 competency not validated: C"),
        },
        id="singular-reasons",
    ),
    pytest.param(
        run(
            [A, None, None],
            as_of=day(1),
            placement_minutes_confirmed=10,
            rules=RuleSet(AttendanceRule(75), 20, True, frozenset({"C2", "C1"})),
        ),
        {
            "reasons": (
                "attendance 0.00% below 75%",
                "attendance threshold unreachable",
                "1 unmarked session",
                "1 session remaining",
                "placement 10/20 minutes",
                "final work pending",
                "2 competencies not validated: C1, C2",
            )
        },
        id="reasons-order",
    ),
]


def lookup(value, path: str):
    for part in path.split("."):
        if isinstance(value, tuple):
            value = value[int(part)]
        elif isinstance(value, dict):
            value = value[None if part == "None" else part]
        else:
            value = getattr(value, part)
    return value


@pytest.mark.parametrize(("evaluation", "expected"), CASES)
def test_edge_cases(evaluation, expected):
    assert {path: lookup(evaluation, path) for path in expected} == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(7499, 100), "74.99"),
        (Fraction(74999, 1000), "74.99"),
        (Fraction(75), "75.00"),
        (Fraction(99999, 1000), "99.99"),
        (Fraction(100), "100.00"),
        (Fraction(0), "0.00"),
        (Fraction(1, 3), "0.33"),
        (Fraction(250, 3), "83.33"),
        (75, "75.00"),
        (None, ""),
    ],
)
def test_floor_percent(value, text):
    assert floor_percent(value) == text


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (lambda: AttendanceRule(75.0), TypeError),
        (lambda: AttendanceRule(True), TypeError),
        (lambda: AttendanceRule(101), ValueError),
        (lambda: AttendanceRule(-1), ValueError),
        (lambda: AttendanceRule(75, basis="days"), ValueError),
        (lambda: AttendanceRule(75, scope="module"), ValueError),
        (lambda: AttendanceRule(75, excused="ignored"), ValueError),
        (lambda: SessionFact(1, None, START, -1), ValueError),
        (lambda: AttendanceFact("missing"), ValueError),
        (lambda: TraineeFacts(START, final_work="done"), ValueError),
    ],
    ids=["float", "bool", "above-100", "negative", "basis", "scope", "excused", "minutes", "mark", "final-work"],
)
def test_invalid_inputs_are_refused(build, error):
    with pytest.raises(error):
        build()


def test_mark_given_as_plain_string_is_coerced():
    assert AttendanceFact("late", 10).status is Mark.LATE


def test_modules_always_computed_and_keyed_by_code():
    evaluation = run([P, A, P], module=["M2", "M1", None])
    assert list(evaluation.modules) == ["M1", "M2", None]
    assert evaluation.modules["M1"].rate == 0
    assert evaluation.modules["M2"].met


def test_unknown_mark_keys_and_marks_outside_counted_sessions_are_ignored():
    sessions = [SessionFact(1, "M1", day(0), 60), SessionFact(2, "M1", day(9), 60)]
    facts = TraineeFacts(START, marks={1: P, 2: A, "ghost": A})
    evaluation = evaluate(sessions, facts, RuleSet(AttendanceRule(75)), day(1))
    assert (evaluation.status, evaluation.programme.attended_minutes, evaluation.can_still_miss_minutes) == (
        Status.IN_PROGRESS,
        60,
        30,
    )


def test_threshold_0_pause_over_every_session_makes_it_unreachable():
    """Documented edge: with nothing counted the threshold is never met, even a threshold of 0."""
    assert run([A], rule=AttendanceRule(0)).status is Status.ELIGIBLE
    assert run([A], rule=AttendanceRule(0), pauses=(Pause(day(0), day(0)),)).status is Status.UNREACHABLE


# --- hypothesis ------------------------------------------------------------------------------------------------------

MARKS = st.one_of(
    st.none(),
    st.sampled_from([P, A, X]),
    st.builds(AttendanceFact, st.sampled_from([Mark.LATE, Mark.LEFT_EARLY]), st.none() | st.integers(-30, 300)),
)
THRESHOLDS = st.integers(0, 100) | st.fractions(0, 100, max_denominator=1000)


@st.composite
def rules(draw, threshold=THRESHOLDS, basis=None, scope=None, excused=None):
    return AttendanceRule(
        draw(threshold),
        basis or draw(st.sampled_from(["hours", "sessions"])),
        scope or draw(st.sampled_from(["programme", "each_module"])),
        excused or draw(st.sampled_from(["absent", "neutral"])),
    )


@st.composite
def sessions(draw, min_size=0, cancelled=True):
    offsets = sorted(draw(st.lists(st.integers(0, 30), min_size=min_size, max_size=10)))
    return [
        SessionFact(
            i,
            draw(st.sampled_from(["M1", "M2", None])),
            day(offset),
            draw(st.integers(0, 240)),
            draw(st.booleans()) if cancelled else False,
        )
        for i, offset in enumerate(offsets)
    ]


@st.composite
def scenarios(draw, rule=None, withdrawal=False):
    """Random valid inputs (no withdrawal unless asked: the status order excludes `withdrawn`)."""
    cohort = draw(sessions())
    pauses = tuple(
        Pause(day(a), day(a + length))
        for a, length in draw(st.lists(st.tuples(st.integers(0, 30), st.integers(-1, 5)), max_size=2))
    )
    facts = TraineeFacts(
        enrolled_on=day(draw(st.integers(-2, 10))),
        withdrawn_on=day(draw(st.integers(0, 35))) if withdrawal and draw(st.booleans()) else None,
        pauses=pauses,
        marks={s.key: mark for s in cohort if (mark := draw(MARKS)) is not None},
        placement_minutes_confirmed=draw(st.integers(0, 100)),
        final_work=draw(st.sampled_from(["pending", "passed", "failed"])),
        competencies_validated=frozenset(draw(st.sets(st.sampled_from(["C1", "C2", "C3"])))),
    )
    ruleset = RuleSet(
        draw(rule if rule is not None else rules()),
        draw(st.sampled_from([0, 50])),
        draw(st.booleans()),
        frozenset(draw(st.sets(st.sampled_from(["C1", "C2"])))),
    )
    return cohort, facts, ruleset, day(draw(st.integers(-1, 32)))


@settings(max_examples=300, deadline=None)
@given(scenarios(withdrawal=True))
def test_evaluate_never_raises_and_is_consistent(scenario):
    cohort, facts, ruleset, as_of = scenario
    evaluation = evaluate(cohort, facts, ruleset, as_of)
    programme = evaluation.programme
    assert (evaluation.status is Status.ELIGIBLE) == (evaluation.reasons == ())
    assert 0 <= programme.attended_minutes <= programme.counted_minutes
    assert sum(group.counted_sessions for group in evaluation.modules.values()) == programme.counted_sessions
    assert sum(group.remaining_minutes for group in evaluation.modules.values()) == programme.remaining_minutes
    assert set(evaluation.modules) == {s.module for s in cohort}
    if evaluation.status is Status.ELIGIBLE:
        assert evaluation.attendance_met and programme.remaining_sessions == 0
    if evaluation.can_still_miss_minutes is not None:
        assert ruleset.attendance.basis == "hours" and evaluation.status is not Status.WITHDRAWN
        assert 0 <= evaluation.can_still_miss_minutes <= programme.remaining_minutes
    if evaluation.attendance_percent is not None:
        assert 0 <= evaluation.attendance_percent <= 100


def expected(session: SessionFact, facts: TraineeFacts) -> bool:
    """The counted-session filter without the date, re-stated here (scenarios below have no withdrawal)."""
    paused = any(pause.starts_on <= session.on <= pause.ends_on for pause in facts.pauses)
    return not session.cancelled and session.on >= facts.enrolled_on and not paused


@settings(max_examples=200, deadline=None)
@given(scenarios(), st.data())
def test_one_more_present_never_lowers_status_or_rate(scenario, data):
    cohort, facts, ruleset, as_of = scenario
    # Any past counted session, made ABSENT before (filtering for sessions already absent rejected too many
    # scenarios: hypothesis's filter_too_much health check failed on some seeds).
    candidates = [s for s in cohort if s.on <= as_of and expected(s, facts)]
    assume(candidates)
    session = data.draw(st.sampled_from(candidates))
    facts = replace(facts, marks={**facts.marks, session.key: A})
    before = evaluate(cohort, facts, ruleset, as_of)
    after = evaluate(cohort, replace(facts, marks={**facts.marks, session.key: P}), ruleset, as_of)
    assert RANK[after.status] >= RANK[before.status]
    assert after.programme.attended_sessions == before.programme.attended_sessions + 1
    for old, new in [
        (before.programme, after.programme),
        *zip(before.modules.values(), after.modules.values(), strict=True),
    ]:
        if old.rate is not None:
            assert new.rate >= old.rate
        assert new.met >= old.met and new.reachable >= old.reachable


@st.composite
def absent_days(draw):
    """A scenario with threshold > 0 and a run of counted days [first, last] on which every session is ABSENT."""
    cohort, facts, ruleset, as_of = draw(scenarios(rule=rules(threshold=st.integers(1, 100))))
    first = draw(st.integers(0, 30))
    last = draw(st.integers(first, 30))
    assume(last <= (as_of - START).days)
    marks = {**facts.marks, **{s.key: A for s in cohort if day(first) <= s.on <= day(last)}}
    return cohort, replace(facts, marks=marks), ruleset, as_of, first, last


@settings(max_examples=200, deadline=None)
@given(absent_days())
def test_pause_over_absent_sessions_never_lowers_status(scenario):
    cohort, facts, ruleset, as_of, first, last = scenario
    before = evaluate(cohort, facts, ruleset, as_of)
    paused = replace(facts, pauses=(*facts.pauses, Pause(day(first), day(last))))
    assert RANK[evaluate(cohort, paused, ruleset, as_of).status] >= RANK[before.status]


@settings(max_examples=200, deadline=None)
@given(absent_days())
def test_later_enrolment_over_absent_sessions_never_lowers_status(scenario):
    cohort, facts, ruleset, as_of, first, last = scenario
    facts = replace(facts, enrolled_on=day(first))
    before = evaluate(cohort, facts, ruleset, as_of)
    later = replace(facts, enrolled_on=day(last + 1))
    assert RANK[evaluate(cohort, later, ruleset, as_of).status] >= RANK[before.status]


def miss_from_the_end(remaining: list[SessionFact], minutes: int) -> dict:
    """Marks attending every remaining session in full except the last `minutes` minutes (LATE for a partial one)."""
    marks = {}
    for session in reversed(remaining):
        missed = min(minutes, session.minutes)
        minutes -= missed
        marks[session.key] = P if missed == 0 else late(session.minutes - missed)
    return marks


@settings(max_examples=300, deadline=None)
@given(scenarios(rule=rules(basis="hours")))
def test_can_still_miss_is_exact(scenario):
    """Per group: missing exactly `can_still_miss_minutes` at the end still meets the threshold, one more does not."""
    cohort, facts, ruleset, as_of = scenario
    facts = replace(facts, marks={s.key: facts.marks[s.key] for s in cohort if s.key in facts.marks and s.on <= as_of})
    remaining = [s for s in cohort if s.on > as_of and expected(s, facts)]
    evaluation = evaluate(cohort, facts, ruleset, as_of)
    assert evaluation.programme.remaining_minutes == sum(s.minutes for s in remaining)

    def at_end(sessions: list[SessionFact], missed: int):
        ended = replace(facts, marks={**facts.marks, **miss_from_the_end(sessions, missed)})
        return evaluate(cohort, ended, ruleset, END)

    if ruleset.attendance.scope == "programme":
        groups = [(evaluation.programme, remaining, lambda e: e.programme)]
    else:
        groups = [
            (group, [s for s in remaining if s.module == code], lambda e, code=code: e.modules[code])
            for code, group in evaluation.modules.items()
            if group.counted_sessions + group.remaining_sessions
        ]
    for group, sessions, pick in groups:
        can_miss = group.can_still_miss_minutes
        if can_miss is None:
            assert not group.reachable and not pick(at_end(sessions, 0)).met
            continue
        assert group.reachable and 0 <= can_miss <= group.remaining_minutes
        assert pick(at_end(sessions, can_miss)).met
        if can_miss < group.remaining_minutes:
            assert not pick(at_end(sessions, can_miss + 1)).met
        if not group.remaining_sessions:
            assert can_miss == 0 and group.met
    values = [group.can_still_miss_minutes for group, _, _ in groups]
    if groups and None not in values:
        assert evaluation.can_still_miss_minutes == min(values)
    else:
        assert evaluation.can_still_miss_minutes is None and evaluation.status is not Status.ELIGIBLE


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 500), st.integers(0, 500)), min_size=1, max_size=6),
    THRESHOLDS,
    st.sampled_from(["programme", "each_module"]),
)
def test_threshold_agrees_with_fraction_comparison(lengths, threshold, scope):
    marks = [late(attended) for _, attended in lengths]
    evaluation = run(marks, minutes=[total for total, _ in lengths], rule=AttendanceRule(threshold, scope=scope))
    attended = sum(min(a, total) for total, a in lengths)
    exact = Fraction(attended, sum(total for total, _ in lengths)) >= Fraction(threshold) / 100
    assert evaluation.attendance_met is exact
    assert (evaluation.status is Status.ELIGIBLE) is exact


@pytest.mark.parametrize(
    ("marks", "as_of", "expected"),
    [
        ([A, P, P, None, None, None, None, None], day(2), "For that, miss no more than 2 hr of the sessions left."),
        ([A, P, P, None], day(2), "For that, come to every session left."),
        ([A, A, A, P, None], day(3), "With the sessions left, it is no longer possible."),
    ],
)
def test_a_trainee_below_the_threshold_is_never_told_she_is_above_it(app, marks, as_of, expected):
    from flask_babel import force_locale

    from courses.presenters import explain

    evaluation = run(marks, as_of=as_of)
    assert not evaluation.attendance_met
    with app.test_request_context(), force_locale("en"):
        text = " ".join(explain(evaluation, 75, for_trainee=True)).replace("\u00a0", " ")
    assert "above" not in text and expected in text, text
