"""The OpenAPI 3.1 description of ``/api/v1``, written as data.

Core describes its own operations and the shared parts (errors, security schemes); each package above adds a
fragment (``paths`` and ``components``) with :func:`register` from its ``init_app``. The document is served at
``/api/v1/openapi.json`` to any logged-in user (or token); a test checks that every ``/api/v1`` route is
described and every description has a route, and that responses match their schemas; schemathesis checks it
against the running app.
"""

from __future__ import annotations

import copy
from typing import Any

_FRAGMENTS: list[dict[str, Any]] = []


# --- small builders, so that fragments read like the JSON they describe ------------------------------------


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema.get("type", "object")
    kinds = kind if isinstance(kind, list) else [kind]
    out = dict(schema)
    out["type"] = [*kinds, "null"]
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    return out


def obj(properties: dict[str, Any], required: list[str] | None = None, *, extra: bool = False) -> dict[str, Any]:
    """An object with ``properties``, all required unless ``required`` says otherwise."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": extra,
    }


def items_of(schema: dict[str, Any]) -> dict[str, Any]:
    return obj({"items": {"type": "array", "items": schema}}, extra=True)


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
DATE_TIME = {"type": "string", "format": "date-time"}
UUID = {"type": "string", "format": "uuid"}
TEXT = {"fr": STRING, "en": STRING, "nl": STRING}


def json_response(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR_DESCRIPTIONS = {
    400: "The request is malformed.",
    401: "No valid session or token.",
    403: "Not allowed for this person or token.",
    404: "No such object (or not visible).",
    409: "Someone else changed it first.",
    422: "The values sent cannot be accepted.",
}


def responses(ok: int, schema: dict[str, Any], description: str, *errors: int) -> dict[str, Any]:
    out = {str(ok): json_response(schema, description)}
    for code in sorted({401, 403, *errors}):
        out[str(code)] = json_response(ref("Error"), ERROR_DESCRIPTIONS[code])
    return out


def path_parameter(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": UUID}


AS_OF = {
    "name": "as_of",
    "in": "query",
    "required": False,
    "description": "Evaluation date (default: today).",
    "schema": DATE,
}


def body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


# --- the document -----------------------------------------------------------------------------------------


def _core() -> dict[str, Any]:
    user = obj(
        {
            "id": UUID,
            "email": STRING,
            "name": STRING,
            "legal_name": STRING,
            "display_name": nullable(STRING),
            "language": {"type": "string", "enum": ["fr", "en", "nl"]},
            "roles": {"type": "array", "items": {"type": "string"}},
        }
    )
    return {
        "paths": {
            "/api/v1/me": {
                "get": {
                    "operationId": "getMe",
                    "summary": "The person behind the session or token.",
                    "responses": responses(200, ref("User"), "The person."),
                },
                "patch": {
                    "operationId": "updateMe",
                    "summary": "Change one's display name and language (session only, with the CSRF token).",
                    "requestBody": body(
                        obj({"display_name": nullable(STRING), "language": nullable(STRING)}, required=[])
                    ),
                    "responses": responses(200, ref("User"), "The person, changed.", 400, 422),
                },
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document.",
                    "responses": responses(200, {"type": "object"}, "The OpenAPI document."),
                }
            },
        },
        "components": {
            "schemas": {
                "User": user,
                "Error": {
                    "type": "object",
                    "properties": {"error": STRING, "message": STRING, "status": INTEGER, "field": nullable(STRING)},
                    "required": ["error"],
                },
            }
        },
    }


def register(fragment: dict[str, Any]) -> None:
    """Add a package's ``paths`` and ``components`` (called once, from its ``init_app``)."""
    if fragment not in _FRAGMENTS:
        _FRAGMENTS.append(fragment)


def _merge(into: dict[str, Any], fragment: dict[str, Any]) -> None:
    for path, operations in fragment.get("paths", {}).items():
        into["paths"].setdefault(path, {}).update(copy.deepcopy(operations))
    for section, entries in fragment.get("components", {}).items():
        into["components"].setdefault(section, {}).update(copy.deepcopy(entries))


def document(base_url: str = "") -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "Tremplin API",
            "version": "1",
            "description": (
                "Read for coordinators (everything), trainers (their cohorts) and funders (aggregates only); "
                "writes where people automate: session rosters (write:attendance) and practice hours "
                "(write:hours). Authenticate with a personal access token (Authorization: Bearer …, created "
                "under My account → API tokens) or the browser session (writes then need the X-CSRFToken "
                "header). Identifiers are UUIDs; dates ISO 8601; durations in minutes."
            ),
        },
        "servers": [{"url": base_url or "/"}],
        "security": [{"bearerAuth": []}, {"sessionCookie": []}],
        "paths": {},
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "A personal access token."},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "tremplin_session"},
            },
        },
    }
    _merge(doc, _core())
    for fragment in _FRAGMENTS:
        _merge(doc, fragment)
    return doc
