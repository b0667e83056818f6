"""The ``schema`` check answers as ``jsonschema`` does, although jsonschema-rs answers first (``schema.py``).

jsonschema-rs only short-cuts credentials it finds valid; the property that keeps the check exact is that it never
finds valid a credential that ``jsonschema`` (the reference, which names the failing paths) refuses.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges.verification import schema
from tests.badges.test_verification import make_credential, sign
from tests.badges.test_verification_jsonld_fast import CORPUS, ODD_VALUES, _paths

CREDENTIALS = {
    name: doc for name, (doc, _) in CORPUS.items() if name != "status-list" and not name.startswith("vc1-")
} | {"ours-signed": sign(make_credential())}


def reference_valid(doc: Any) -> bool:
    return not any(True for _ in schema.schema_validator().iter_errors(doc))


@pytest.mark.parametrize("name", sorted(CREDENTIALS))
def test_both_validators_accept_the_credentials_of_the_suite(name: str) -> None:
    doc = CREDENTIALS[name]
    assert schema.fast_validator().is_valid(doc) and reference_valid(doc)
    assert schema.schema_check(doc).outcome == "passed"


def test_a_refused_credential_is_explained_by_jsonschema() -> None:
    doc = copy.deepcopy(CREDENTIALS["ours"])
    doc["credentialSubject"]["identifier"][0]["hashed"] = "yes"
    check = schema.schema_check(doc)
    assert check.outcome == "failed" and "credentialSubject.identifier[0].hashed" in check.params["paths"]
    assert check == schema.validate_schema(schema.schema_validator(), doc)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(CREDENTIALS)),
    changes=st.lists(
        st.tuples(st.integers(0, 10_000), st.sampled_from(["value", "drop", "wrap"]), st.sampled_from(ODD_VALUES)),
        min_size=1,
        max_size=4,
    ),
)
def test_jsonschema_rs_never_passes_what_jsonschema_refuses(name: str, changes: list[tuple[int, str, Any]]) -> None:
    doc = copy.deepcopy(CREDENTIALS[name])
    for position, change, value in changes:
        paths = _paths(doc)
        if not paths:
            break
        path = paths[position % len(paths)]
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        if change == "drop":
            del parent[path[-1]]
        elif change == "wrap":
            parent[path[-1]] = [parent[path[-1]]]
        else:
            parent[path[-1]] = copy.deepcopy(value)
    if schema.fast_validator().is_valid(doc):
        assert reference_valid(doc)
    assert schema.schema_check(doc) == schema.validate_schema(schema.schema_validator(), doc)
