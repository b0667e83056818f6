"""The official 1EdTech OB 3.0 AchievementCredential JSON Schema check (``schema``).

JSON Schemas: ``badges/schemas/ob3/*.json`` are the official 1EdTech OB 3.0 schemas, copied unmodified from
``1EdTech/openbadges-specification`` branch ``gh-pages``, folder ``docs/schema/``, commit ``c73e9663`` (2024-07-30);
see ``shared/schemas/ob3/README.md`` for their sha256. Their ``$id`` ends in ``-jsonschema1.json``; credentials cite
``openbadges.OB3_SCHEMA_URL``, registered here as an alias of the AchievementCredential schema.

Two validators of the same schema, both built once per process: ``jsonschema-rs`` (compiled, ~2 µs a credential)
says whether a credential is valid; only when it says no does ``jsonschema`` (pure Python, ~0.5 ms) run, to name
the failing paths — and it has the last word (a credential it finds valid passes), so the Rust validator can only
ever make the check faster, never stricter. ``tests/badges/test_verification_schema.py`` checks that it never
passes what ``jsonschema`` refuses. Formats are not asserted by either (annotations in 2019-09).
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft201909Validator
from referencing import Registry, Resource

from badges import openbadges as ob
from badges.verification.common import MemoTable, clip, fingerprint
from badges.verification.messages import MSG_SCHEMA_BAD, MSG_SCHEMA_MISSING, MSG_SCHEMA_OK
from badges.verification.verdict import Check

log = logging.getLogger(__name__)

SCHEMAS_DIR = Path(__file__).resolve().parents[1] / "schemas" / "ob3"
ACHIEVEMENT_CREDENTIAL_SCHEMA = "achievementcredential.json"
MAX_SCHEMA_ERRORS = 3

#: Schema checks by document fingerprint (a function of the document alone).
SCHEMA_CHECKED: MemoTable = MemoTable()


@functools.cache
def schema_validator() -> Any:
    """The AchievementCredential validator over the bundled schemas (built once)."""
    registry: Registry = Registry()
    main_id = None
    for path in sorted(SCHEMAS_DIR.glob("*.json")):
        resource = Resource.from_contents(json.loads(path.read_text(encoding="utf-8")))
        registry = registry.with_resource(resource.id(), resource)
        if path.name == ACHIEVEMENT_CREDENTIAL_SCHEMA:
            main_id = resource.id()
    if main_id is None:
        raise FileNotFoundError(SCHEMAS_DIR / ACHIEVEMENT_CREDENTIAL_SCHEMA)
    registry = registry.with_resource(ob.OB3_SCHEMA_URL, registry[main_id])
    return Draft201909Validator(registry[main_id].contents, registry=registry)


@functools.cache
def fast_validator() -> Any:
    """The same AchievementCredential schema compiled by jsonschema-rs (its references are all inside the file)."""
    contents = json.loads((SCHEMAS_DIR / ACHIEVEMENT_CREDENTIAL_SCHEMA).read_text(encoding="utf-8"))
    return jsonschema_rs.Draft201909Validator(contents, validate_formats=False)


def _error_path(error: Any) -> str:
    parts = [str(step) for step in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        if missing:
            parts.append(str(missing[0]))
    dotted = ""
    for part in parts:
        dotted += f"[{part}]" if part.isdigit() else (f".{part}" if dotted else part)
    return dotted or "(root)"


def schema_check(credential: dict[str, Any]) -> Check:
    try:
        validator = schema_validator()
        fast = fast_validator()
    except (OSError, ValueError) as exc:
        log.error("OB 3.0 JSON Schema unavailable: %s", exc)
        return Check("schema", "failed", MSG_SCHEMA_MISSING, {"detail": clip(str(exc))})
    try:
        if fast.is_valid(credential):
            return Check("schema", "passed", MSG_SCHEMA_OK)
    except (TypeError, ValueError, OverflowError, RecursionError):
        pass  # a value jsonschema-rs cannot take (a huge integer...): jsonschema decides
    digest = fingerprint(credential)
    known = SCHEMA_CHECKED.get(digest) if digest else None
    if known is not None:
        return known
    check = validate_schema(validator, credential)
    if digest:
        SCHEMA_CHECKED.remember(digest, check)
    return check


def validate_schema(validator: Any, credential: dict[str, Any]) -> Check:
    errors = list(itertools.islice(validator.iter_errors(credential), 50))
    if not errors:
        return Check("schema", "passed", MSG_SCHEMA_OK)
    errors.sort(key=lambda error: (_error_path(error), error.message))
    paths = list(dict.fromkeys(_error_path(error) for error in errors))[:MAX_SCHEMA_ERRORS]
    detail = "; ".join(f"{_error_path(error)}: {error.message}" for error in errors[:MAX_SCHEMA_ERRORS])
    return Check("schema", "failed", MSG_SCHEMA_BAD, {"paths": ", ".join(paths), "detail": clip(detail)})
