"""What the verifier's cheaper readers keep exactly: ``inputs.check_tree`` (one surrogate search per document
instead of one per string) against the walk it replaced, and ``vc_jwt.canonical_segment`` (no second decoding of
the token) against PyJWT's own segment decoder."""

from __future__ import annotations

import itertools
import math
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jwt.api_jws import PyJWS
from jwt.exceptions import DecodeError

from badges.verification.inputs import MAX_DEPTH, MAX_JSON_UNITS, SURROGATE, Unsafe, check_tree
from badges.verification.vc_jwt import B64URL_ALPHABET, canonical_segment


def reference_check_tree(value: Any) -> None:
    """The walk ``check_tree`` had before: one regex search per string and key, same limits."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    units = 0
    while stack:
        item, depth = stack.pop()
        units += 1
        if depth > MAX_DEPTH:
            raise Unsafe("depth")
        if isinstance(item, str):
            units += len(item)
            if SURROGATE.search(item):
                raise Unsafe("surrogate")
        elif isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str) or SURROGATE.search(key):
                    raise Unsafe("key")
                units += len(key)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise Unsafe("number")
        elif not (item is None or isinstance(item, bool | int)):
            raise Unsafe("type")
        if units > MAX_JSON_UNITS:
            raise Unsafe("size")


def refused(check, value: Any) -> bool:
    try:
        check(value)
    except Unsafe:
        return True
    return False


TEXT = st.text(alphabet=st.sampled_from([*"ab:é", "\ud800", "\udfff", "\U0001f600"]), max_size=4)
LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT, st.sampled_from([b"x", {1}, 1j]))
TREES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(TEXT, st.integers(0, 3)), children, max_size=4),
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(TREES)
def test_check_tree_refuses_what_the_former_walk_refused(value: Any) -> None:
    assert refused(check_tree, value) == refused(reference_check_tree, value)


@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1])
def test_check_tree_depth_and_size_limits(depth: int) -> None:
    deep: Any = "x"
    for _ in range(depth):
        deep = [deep]
    assert refused(check_tree, deep) == refused(reference_check_tree, deep) == (depth > MAX_DEPTH)
    big = ["a" * 1024] * (MAX_JSON_UNITS // 1024 + 1)
    assert refused(check_tree, big) and refused(reference_check_tree, big)


def pyjwt_accepts(segment: str) -> bool:
    try:
        PyJWS._decode_base64url_segment(segment.encode(), "segment")
    except DecodeError:
        return False
    return True


def test_canonical_segments_are_pyjwts_for_every_short_segment() -> None:
    for size in range(4):
        for letters in itertools.product(B64URL_ALPHABET, repeat=size):
            segment = "".join(letters)
            assert canonical_segment(segment) == pyjwt_accepts(segment), segment


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=B64URL_ALPHABET + "=+/." + string.whitespace[:2], min_size=4, max_size=40))
def test_canonical_segments_are_pyjwts_for_longer_ones(segment: str) -> None:
    if "=" in segment:  # PyJWT tolerates padding; a compact JWS has none (inputs.JWS_RE refuses it before)
        assert not canonical_segment(segment)
    else:
        assert canonical_segment(segment) == pyjwt_accepts(segment), segment
