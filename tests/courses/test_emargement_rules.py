"""The pure rules of émargement: the rotating code, the window, what is signed, the checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from courses import emargement_rules as rules

SECRET = rules.session_secret("k" * 40, "11111111-1111-1111-1111-111111111111")
OTHER = rules.session_secret("k" * 40, "22222222-2222-2222-2222-222222222222")
T0 = datetime(2026, 12, 3, 8, 0, 0, tzinfo=UTC)  # a step boundary (a multiple of 15 s)


def test_a_code_is_accepted_for_30_seconds_and_refused_at_31():
    code, left = rules.current_code(SECRET, T0)
    assert left == 15 and len(code) == 6 and code.isdigit()
    for seconds in (0, 1, 14, 15, 29, 30):
        assert rules.code_is_valid(SECRET, code, T0 + timedelta(seconds=seconds)), seconds
    for seconds in (31, 45, 60, 3600):
        assert not rules.code_is_valid(SECRET, code, T0 + timedelta(seconds=seconds)), seconds


def test_the_code_changes_every_15_seconds():
    codes = {rules.current_code(SECRET, T0 + timedelta(seconds=15 * n))[0] for n in range(20)}
    assert len(codes) >= 19  # 6 digits: a repeat among 20 is possible in theory, not twice


def test_a_code_from_the_future_is_refused():
    later, _ = rules.current_code(SECRET, T0 + timedelta(seconds=15))
    assert not rules.code_is_valid(SECRET, later, T0 + timedelta(seconds=14))


def test_a_code_is_bound_to_its_session():
    code, _ = rules.current_code(OTHER, T0)
    assert rules.current_code(SECRET, T0)[0] != code
    assert not rules.code_is_valid(SECRET, code, T0)


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=30))
def test_any_code_is_valid_within_its_30_seconds(seconds, age):
    shown = datetime.fromtimestamp(seconds - seconds % 15, UTC)
    code, _ = rules.current_code(SECRET, shown)
    assert rules.code_is_valid(SECRET, code, shown + timedelta(seconds=age))
    assert not rules.code_is_valid(SECRET, code, shown + timedelta(seconds=31 + age))


def test_typing_slack_is_forgiven_but_not_wrong_lengths():
    code, _ = rules.current_code(SECRET, T0)
    assert rules.code_is_valid(SECRET, f" {code[:3]} {code[3:]} ", T0)
    assert not rules.code_is_valid(SECRET, code[:5], T0)
    assert not rules.code_is_valid(SECRET, None, T0)


def test_the_session_password_is_fixed_per_session_and_forgiving_to_type():
    password = rules.session_password(SECRET)
    assert len(password) == 8 and password == rules.session_password(SECRET)
    assert password != rules.session_password(OTHER)
    assert rules.password_is_valid(SECRET, password.lower())
    assert rules.password_is_valid(SECRET, f"{password[:4]} {password[4:]}")
    assert not rules.password_is_valid(SECRET, rules.session_password(OTHER))
    assert not rules.password_is_valid(SECRET, "")


def test_the_window_opens_15_minutes_before_and_closes_at_the_end():
    starts, ends = T0, T0 + timedelta(hours=3)
    assert rules.window_state(starts, ends, starts - timedelta(minutes=15, seconds=1)) is rules.Window.NOT_YET
    assert rules.window_state(starts, ends, starts - timedelta(minutes=15)) is rules.Window.OPEN
    assert rules.window_state(starts, ends, ends) is rules.Window.OPEN
    assert rules.window_state(starts, ends, ends + timedelta(seconds=1)) is rules.Window.CLOSED


def test_late_and_the_minutes_attended():
    starts, ends = T0, T0 + timedelta(hours=3)
    assert not rules.is_late(starts, starts - timedelta(minutes=10))
    assert not rules.is_late(starts, starts)
    assert rules.is_late(starts, starts + timedelta(seconds=1))
    assert rules.minutes_from(starts - timedelta(minutes=10), starts, ends) == 180
    assert rules.minutes_from(starts + timedelta(minutes=20, seconds=59), starts, ends) == 159
    assert rules.minutes_from(ends + timedelta(minutes=5), starts, ends) == 0


def test_what_is_signed_is_canonical():
    a = rules.signed_document(
        session_uuid="s", person_uuid="p", signed_at=T0, method=rules.Method.CODE, image_sha256="ab"
    )
    b = dict(reversed(list(a.items())))
    assert rules.canonical(a) == rules.canonical(b)
    assert rules.canonical(a) == (
        b'{"image":"ab","method":"code","person":"p","session":"s","time":"2026-12-03T08:00:00.000000+00:00"}'
    )
    assert rules.signature_hash(a) == rules.signature_hash(b)
    assert rules.signature_hash(a) != rules.signature_hash({**a, "method": "password"})
    assert rules.sheet_digest(["a", "b"]) != rules.sheet_digest(["b", "a"])


def test_public_holidays_in_france_and_belgium():
    assert rules.holiday_name(date(2026, 7, 14), ["FR"]) == "Fête nationale"
    assert rules.holiday_name(date(2026, 7, 14), ["BE"]) is None
    assert rules.holiday_name(date(2026, 7, 21), ["BE"])
    assert rules.holiday_name(date(2026, 11, 11), ["BE"]) == "Jour de l'Armistice"
    assert rules.holiday_name(date(2026, 12, 26), ["FR-57"])  # Alsace-Moselle keeps St Stephen's Day
    assert rules.holiday_name(date(2026, 12, 26), ["FR"]) is None
    assert rules.holiday_name(date(2026, 12, 3), ["FR", "BE"]) is None
    # A Belgian community's day, which the library files as a school day: the training body adds it.
    assert rules.holiday_name(date(2026, 9, 27), ["BE"]) is None
    assert rules.holiday_name(date(2026, 9, 27), ["BE"], extra={"09-27": "Fête de la FWB"}) == "Fête de la FWB"


def test_unknown_calendar_is_an_error():
    import pytest

    with pytest.raises(ValueError, match="XX"):
        rules.holiday_name(date(2026, 1, 1), ["XX"])


def test_a_trainer_in_two_sessions_at_once():
    a = rules.Slot(1, T0, T0 + timedelta(hours=3), frozenset({7, 8}))
    overlapping = rules.Slot(2, T0 + timedelta(hours=2), T0 + timedelta(hours=5), frozenset({8}))
    after = rules.Slot(3, T0 + timedelta(hours=3), T0 + timedelta(hours=6), frozenset({7}))
    other_trainer = rules.Slot(4, T0, T0 + timedelta(hours=3), frozenset({9}))
    assert rules.trainer_clashes(a, [overlapping, after, other_trainer]) == {8: [overlapping]}
    assert not rules.overlaps(a, a)


def test_more_signatures_than_seats():
    assert not rules.over_capacity(None, 500, 1)
    assert not rules.over_capacity(12, 11, 1)
    assert rules.over_capacity(12, 12, 1)
