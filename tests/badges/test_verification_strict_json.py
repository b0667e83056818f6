"""``inputs.load_json``'s shortcuts give the answers of the full strict reading: the Python walk (``check_tree``)
is skipped only when the text proves it cannot refuse, and duplicate keys are found by ``dict()`` in C. Compared
with the reading they replaced on adversarial texts (duplicate keys, lone and paired surrogates raw or escaped,
deep nesting, sizes at the limit: the limits are lowered so that random texts reach them), as ``str`` and as
``bytes`` in several encodings. Also: a ``jwk`` header and the ``did:jwk`` of the same key give one key object."""

from __future__ import annotations

import base64
import json
from typing import Any
from unittest import mock

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from badges.verification import inputs, keys, vc_jwt
from badges.verification.inputs import Unsafe, check_tree, load_json


def reference_load_json(text: str | bytes) -> Any:
    """``load_json`` as it was: a Python hook member by member, then the full walk of every value."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise Unsafe(f"duplicate key {key[:40]!r}")
            out[key] = value
        return out

    try:
        value = json.loads(
            text,
            object_pairs_hook=no_duplicates,
            parse_float=inputs._finite,
            parse_constant=inputs._refuse_constant,
        )
    except RecursionError:
        raise Unsafe("nested too deeply") from None
    check_tree(value)
    return value


def outcome(read, text: str | bytes) -> tuple[str, Any]:
    """What a reader answers: the value with its key order, or the exception's type and message."""
    try:
        value = read(text)
    except Exception as exc:  # noqa: BLE001 - the type and message are what is compared
        return type(exc).__name__, str(exc)
    return "value", json.dumps(value, ensure_ascii=True, allow_nan=True)  # keeps key order and surrogates


def assert_same(text: str | bytes) -> None:
    assert outcome(load_json, text) == outcome(reference_load_json, text), text


# Keys from a tiny alphabet (duplicates are frequent); strings with lone and paired surrogates, quotes, escapes.
CHARS = st.sampled_from([*'ab"\\/é{}[]:,', "\ud800", "\udbff", "\udc00", "\udfff", "\U0001f600", "\x00", "\u2028"])
STRINGS = st.text(alphabet=CHARS, max_size=5)
KEYS = st.text(alphabet=st.sampled_from([*"ab", "\ud800", "\udc00"]), max_size=2)
NUMBERS = st.sampled_from(["0", "-1", "1.5", "1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity", "12345"])


@st.composite
def json_texts(draw, depth: int = 0) -> str:
    """A JSON text (or almost: the numbers include NaN, 1e400...) written by hand, so that an object can repeat a
    key and a string can hold any escape, ``\\uD800`` included."""
    kind = draw(st.sampled_from(["string", "number", "literal", "list", "object"] if depth < 40 else ["string"]))
    if kind == "string":
        return quoted(draw(STRINGS), draw(st.integers(0, 2)))
    if kind == "number":
        return draw(NUMBERS)
    if kind == "literal":
        return draw(st.sampled_from(["true", "false", "null"]))
    if draw(st.integers(0, 9)) == 0:  # a long chain of single children: the depth limit
        inner = draw(json_texts(depth=40))
        width = draw(st.integers(0, 40))
        return "[" * width + inner + "]" * width
    size = draw(st.integers(0, 4))
    children = [draw(json_texts(depth=depth + 1)) for _ in range(size)]
    if kind == "list":
        return "[" + ",".join(children) + "]"
    members = [f"{quoted(draw(KEYS), draw(st.integers(0, 2)))}:{child}" for child in children]
    return "{" + ",".join(members) + "}"


def quoted(value: str, style: int) -> str:
    """``value`` as a JSON string: raw characters (0), every non-ASCII one escaped (1: surrogate pairs become two
    ``\\u`` escapes), or every character escaped with upper-case hex digits (2)."""
    if style == 0:
        return json.dumps(value, ensure_ascii=False)
    if style == 1:
        return json.dumps(value, ensure_ascii=True)
    units = value.encode("utf-16-be", "surrogatepass")
    return '"' + "".join(f"\\u{units[i]:02X}{units[i + 1]:02X}" for i in range(0, len(units), 2)) + '"'


LIMITS = [(inputs.MAX_DEPTH, inputs.MAX_JSON_UNITS), (3, 40), (5, 120), (1, 10)]


@settings(max_examples=600, deadline=None)
@given(json_texts(), st.sampled_from(LIMITS), st.sampled_from(["str", "utf-8", "utf-16", "utf-8-sig", "utf-32-le"]))
def test_load_json_answers_as_the_full_reading(text: str, limits: tuple[int, int], form: str) -> None:
    depth, units = limits
    data: str | bytes = text if form == "str" else text.encode(form, "surrogatepass")
    with mock.patch.object(inputs, "MAX_DEPTH", depth), mock.patch.object(inputs, "MAX_JSON_UNITS", units):
        assert_same(data)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from([*'{}[]",:\\u0dD8fF1 ae', "\ud800"]), max_size=30), st.sampled_from(LIMITS))
def test_load_json_answers_as_the_full_reading_on_random_text(text: str, limits: tuple[int, int]) -> None:
    depth, units = limits
    with mock.patch.object(inputs, "MAX_DEPTH", depth), mock.patch.object(inputs, "MAX_JSON_UNITS", units):
        assert_same(text)
        assert_same(text.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',
        '{"a": {"b": 1, "c": 2, "b": 3}}',
        '["\\ud800"]',
        '{"\\udc00": 1}',
        '["\\uD83D\\uDE00", "\\ud83d\\ude00"]',
        '["\\\\ud800"]',  # an escaped backslash: no surrogate, declined by the pre-check all the same
        '"\ud800"',
        "[" * inputs.MAX_DEPTH + "]" * inputs.MAX_DEPTH,
        "[" * (inputs.MAX_DEPTH + 1) + "1" + "]" * (inputs.MAX_DEPTH + 1),
        "[" * (inputs.MAX_DEPTH + 2) + "]" * (inputs.MAX_DEPTH + 2),
        '{"a": [1, 2.5, true, null, "x"], "b": {}}',
        "\ufeff{}",
        "\ufeff\ufeff{}",
    ],
)
def test_load_json_examples(text: str) -> None:
    assert_same(text)
    assert_same(text.encode("utf-8", "surrogatepass"))
    assert_same(bytearray(text.encode("utf-8", "surrogatepass")))


@pytest.mark.parametrize("value", [None, 12, ["{}"], memoryview(b"{}")])
def test_load_json_refuses_what_is_not_text_as_json_loads_does(value: Any) -> None:
    assert outcome(load_json, value) == outcome(reference_load_json, value)
    assert outcome(load_json, value)[0] == "TypeError"


def test_the_shortcut_is_taken_for_a_credential_and_declined_at_each_limit() -> None:
    credential = json.dumps(
        {"id": "urn:uuid:1", "type": ["VerifiableCredential"], "name": "Pair aidant 😀"}, ensure_ascii=False
    )
    assert inputs._tree_checked_by_text(credential)
    assert not inputs._tree_checked_by_text('["\\ud800"]')
    assert not inputs._tree_checked_by_text('["\ud800"]')
    assert not inputs._tree_checked_by_text("[" * (inputs.MAX_DEPTH + 1))
    with mock.patch.object(inputs, "MAX_JSON_UNITS", len(credential) - 1):
        assert not inputs._tree_checked_by_text(credential)
    with pytest.raises(Unsafe, match="duplicate key 'a'"):
        load_json('{"b": 0, "a": 1, "a": 2}')


def _did_jwk(jwk: dict[str, Any]) -> str:
    text = json.dumps(jwk, separators=(",", ":")).encode()
    return "did:jwk:" + base64.urlsafe_b64encode(text).rstrip(b"=").decode() + "#0"


def _der(key: Any) -> bytes:
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def test_a_jwk_header_and_its_did_jwk_give_one_key_object_and_same_key_answers_as_der() -> None:
    rsa_keys = [rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key() for _ in range(2)]
    ec_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    jwks = [json.loads(RSAAlgorithm.to_jwk(key)) for key in rsa_keys] + [json.loads(ECAlgorithm.to_jwk(ec_key))]
    from_header = [keys.header_jwk_key(jwk) for jwk in jwks]
    from_did = [keys.did_jwk_key(_did_jwk(jwk)) for jwk in jwks]
    reordered = [keys.header_jwk_key(dict(reversed(list(jwk.items())))) for jwk in jwks]
    for index, key in enumerate(from_header):
        assert key is from_did[index] is reordered[index]
        assert _der(key) == _der([*rsa_keys, ec_key][index])
    for one in [*from_header, *rsa_keys, ec_key]:
        for other in [*from_header, *rsa_keys, ec_key]:
            assert vc_jwt._same_key(one, other) == (_der(one) == _der(other))
