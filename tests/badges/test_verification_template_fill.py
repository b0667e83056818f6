"""``jsonld_terms.compiled_filler``: the compiled filling of a template gives what ``_fill`` (the walk it replaces)
gives, as new lists and dicts at each call, on random readings full of placeholders, keys that look like them,
values of every JSON type and non-JSON ones ``_fill`` keeps as they are."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from badges.verification.jsonld_terms import PLACEHOLDER, _fill, compiled_filler

PLACEHOLDERS = st.integers(0, 5).map(lambda index: f"{PLACEHOLDER}{index}")
STRINGS = st.one_of(PLACEHOLDERS, st.text(max_size=4), st.sampled_from(["c[0]", "s[1]", "}", "'", '"', "\\"]))
LEAVES = st.one_of(
    STRINGS, st.none(), st.booleans(), st.integers(), st.floats(), st.tuples(STRINGS), st.sampled_from([b"x", 1j])
)
READINGS = st.recursive(
    LEAVES,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(STRINGS, children, max_size=4)),
    max_leaves=40,
)
VALUES = st.lists(st.text(max_size=3), min_size=6, max_size=6)


def shape(value: Any) -> Any:
    """``value`` with its containers' types and identities of leaves spelled out (``==`` says 1 == 1.0 == True)."""
    if type(value) is list:
        return ["list", [shape(item) for item in value]]
    if type(value) is dict:
        return ["dict", [[shape(key), shape(item)] for key, item in value.items()]]
    return [type(value).__name__, repr(value)]


def containers(value: Any) -> list[int]:
    if type(value) is list:
        return [id(value)] + [found for item in value for found in containers(item)]
    if type(value) is dict:
        return [id(value)] + [found for item in value.values() for found in containers(item)]
    return []


@settings(max_examples=500, deadline=None)
@given(READINGS, VALUES)
def test_compiled_filler_gives_what_fill_gives(reading: Any, values: list[str]) -> None:
    filler = compiled_filler(reading)
    assert filler is not None
    first, second = filler(values), filler(values)
    assert shape(first) == shape(_fill(reading, values)) == shape(second)
    kept = set(containers(reading))
    assert not kept & set(containers(first)) and not set(containers(first)) & set(containers(second))


def test_compiled_filler_on_a_deep_reading_and_too_few_strings() -> None:
    deep: Any = f"{PLACEHOLDER}0"
    for level in range(60):
        deep = {"a": [deep, level]} if level % 2 else [deep]
    filler = compiled_filler(deep)
    if filler is not None:  # compiled, or declined (then ``_fill`` is used): never a different answer
        assert json.dumps(filler(["x"])) == json.dumps(_fill(deep, ["x"]))
    reading = {"id": f"{PLACEHOLDER}3"}
    filler = compiled_filler(reading)
    assert filler is not None
    for fill in (filler, lambda strings: _fill(reading, strings)):
        try:
            fill(["a"])
        except IndexError:
            continue
        raise AssertionError("a missing string must fail as _fill fails")
