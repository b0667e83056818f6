"""``common.parse_date`` remembers what it read from a string: the same answers as the uncached reading, for any
text (dates of every shape, offsets, junk, long strings), on a first and a second call."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from badges.verification.common import parse_date


def reference_parse_date(value: Any) -> datetime | None:
    """``parse_date`` as it was, without memo."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not 0 <= value <= 253402300799:
            return None
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


class Text(str):
    pass


DATES = st.one_of(
    st.datetimes(timezones=st.one_of(st.none(), st.timezones())).map(lambda moment: moment.isoformat()),
    st.datetimes().map(lambda moment: moment.isoformat(timespec="seconds") + "Z"),
    st.text(alphabet="0123456789-:TZ+. ", max_size=30),
    st.text(max_size=70),
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(DATES, DATES.map(Text), st.integers(), st.floats(), st.booleans(), st.none()))
def test_parse_date_answers_as_the_uncached_reading(value: Any) -> None:
    expected = reference_parse_date(value)
    for _ in range(2):
        found = parse_date(value)
        assert found == expected
        assert (found.utcoffset() if found else None) == (expected.utcoffset() if expected else None)
