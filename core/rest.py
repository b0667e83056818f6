"""The JSON API's one schema per shape: flask-smorest blueprints and marshmallow schemas.

Every ``/api/v1`` endpoint declares its arguments (path, query, JSON body) and its responses with marshmallow
schemas on an :class:`ApiBlueprint`; the same schemas validate the request, serialise the response and make the
OpenAPI document (``/api/v1/openapi.json``), so the document cannot drift from the code.

* :data:`api` is the default :class:`flask_smorest.Api` (config keys ``API_*``/``OPENAPI_*``), bound by
  ``core.create_app``; other instances (with their own ``config_prefix``) may live beside it.
* Bad input answers the project's error shape ``{"error": "invalid", "message", "field", "status"}`` in the
  reader's language (:class:`BadInput`), never flask-smorest's default body. Its ``HTTPException`` handler is
  not installed: ``core.errors`` keeps answering every other error.
* :func:`first` runs an object-level check (404, 403) before the body is read, as the pages do.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import flask_smorest
from flask import jsonify
from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from webargs.flaskparser import FlaskParser

MAX_INT = 2**31 - 1

API_DESCRIPTION = (
    "Read for coordinators (everything), trainers (their cohorts) and funders (aggregates only); writes where "
    "people automate: session rosters (write:attendance) and practice hours (write:hours). Authenticate with a "
    "personal access token (Authorization: Bearer …, created under My account → API tokens) or the browser "
    "session (writes then need the X-CSRFToken header). Identifiers are UUIDs; dates ISO 8601; durations in "
    "minutes. This document is generated from the schemas that validate requests and serialise responses."
)

SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "A personal access token."},
    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "tremplin_session"},
}


# --------------------------------------------------------------------------------------------------- errors


class BadInput(Exception):
    """Input that cannot be accepted: answered as ``{"error": "invalid", "message", "field", "status"}``."""

    def __init__(self, message: Any, field: str | None = None, status: int = 422):
        super().__init__(str(message))
        self.message, self.field, self.status = message, field, status


def problem(status: int, error: str, message: Any, field: str | None = None):
    response = jsonify(error=error, message=str(message), status=status, field=field)
    response.status_code = status
    return response


def _bad_input(exc: BadInput):
    return problem(exc.status, "invalid", exc.message, exc.field)


class ErrorSchema(Schema):
    """Every error of the API."""

    error = fields.String(required=True, metadata={"description": "A stable code: invalid, conflict, forbidden…"})
    message = fields.String(metadata={"description": "What went wrong, in the reader's language."})
    status = fields.Integer()
    field = fields.String(allow_none=True, metadata={"description": "The field to correct, if one."})


def _first_error(messages: Any, path: tuple[str, ...] = ()) -> tuple[str | None, Any]:
    """The first (field, message) of marshmallow's nested error messages."""
    if isinstance(messages, dict):
        for key, inner in messages.items():
            return _first_error(inner, (*path, str(key)))
    if isinstance(messages, list) and messages:
        return _first_error(messages[0], path)
    names = [p for p in path if not p.isdigit() and p != "_schema"]
    return (names[-1] if names else None), messages


class Parser(FlaskParser):
    """webargs' Flask parser, with the project's answers: a body that is not a JSON object is a 400, and a
    value that cannot be accepted names its field in the reader's language."""

    def load_json(self, req, schema):
        data = req.get_json(silent=True)
        if not isinstance(data, dict):
            raise BadInput(_l("Send a JSON object."), status=400)
        return data

    def handle_error(self, error: ValidationError, req, schema, *, error_status_code, error_headers):
        messages = error.messages
        if isinstance(messages, dict) and len(messages) == 1:  # webargs puts the location first
            messages = next(iter(messages.values()))
        field, message = _first_error(messages)
        raise BadInput(message, field, error_status_code or 422)


ERROR_DESCRIPTIONS = {
    400: "The request is malformed.",
    401: "No valid session or token.",
    403: "Not allowed for this person or token.",
    404: "No such object (or not visible).",
    409: "Someone else changed it first.",
    413: "Too large.",
    422: "The values sent cannot be accepted.",
}


class ApiBlueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint whose arguments are parsed by :class:`Parser`."""

    ARGUMENTS_PARSER = Parser()

    def route(self, rule, *, parameters=None, **options):
        """Flask-smorest's ``route``, naming the operation after its endpoint (``operationId``:
        ``courses_api.attendance_save``, as in the access matrix)."""
        register = super().route(rule, parameters=parameters, **options)

        def decorator(view: Callable) -> Callable:
            endpoint = options.get("endpoint") or view.__name__
            return register(self.doc(operationId=f"{self.name}.{endpoint}")(view))

        return decorator

    def errors(self, *codes: int, public: bool = False) -> Callable:
        """Document the error answers of a view (401 and 403 too unless ``public``), all :class:`ErrorSchema`."""
        every = sorted(set(codes) if public else {401, 403, *codes})

        def decorator(view: Callable) -> Callable:
            for code in every:
                view = self.alt_response(code, schema=ErrorSchema, description=ERROR_DESCRIPTIONS[code])(view)
            return view

        return decorator


class Api(flask_smorest.Api):
    """flask-smorest's ``Api`` answering errors the project's way (see the module's docstring)."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        self._app.register_error_handler(BadInput, _bad_input)


#: The default instance (config keys without prefix): the document of ``/api/v1``.
api = Api()


def init_app(app) -> None:
    """Bind :data:`api` (called by ``core.create_app`` before any API blueprint is registered)."""
    app.config.setdefault("API_TITLE", "Tremplin API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {"description": API_DESCRIPTION},
            "servers": [{"url": "/"}],
            "security": [{"bearerAuth": []}, {"sessionCookie": []}],
        },
    )
    api.init_app(app)
    for name, scheme in SECURITY_SCHEMES.items():
        api.spec.components.security_scheme(name, scheme)


def first(loader: Callable[..., Any]) -> Callable:
    """Run ``loader(**path arguments)`` (the object-level check: 404, 403) before the body is read; the view
    receives its result first. Place it between ``@bp.route`` and ``@bp.arguments``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            return view(loader(**kwargs), *args)

        return wrapped

    return decorator


# --------------------------------------------------------------------------------------------------- fields

REQUIRED = {"required": _l("This value is required."), "null": _l("This value cannot be empty.")}
NOT_A_LIST = _l("Send a list.")
TOO_MANY = _l("Send at most {max} items.")


class StrictSchema(Schema):
    """A request or response shape: unknown fields are refused (``additionalProperties: false``)."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": _l("This field is not expected."), "type": _l("Send a JSON object.")}


class WholeNumber(fields.Integer):
    """A whole number, never a boolean nor a float."""

    def __init__(self, minimum: int = 0, maximum: int = MAX_INT, **kwargs):
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"] = {"invalid": _l("Give a whole number."), **REQUIRED, **kwargs["error_messages"]}
        super().__init__(
            strict=True,
            validate=validate.Range(minimum, maximum, error=_l("Give a whole number from {min} to {max}.")),
            **kwargs,
        )

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        return super()._validated(value)


def _plain(value: str) -> bool:
    return not any(ord(c) < 32 and c not in "\t\n\r" for c in value)


class PlainText(fields.String):
    """Text without control characters, of at most ``max_length`` characters."""

    def __init__(self, max_length: int, **kwargs):
        error = _l("Give plain text of at most %(max)s characters.", max=max_length)
        super().__init__(
            validate=[validate.Length(max=max_length, error=error), _predicate(_plain, error)],
            error_messages={"invalid": _l("Give some text."), **REQUIRED},
            **kwargs,
        )


def _predicate(check: Callable[[str], bool], error: Any) -> Callable[[str], None]:
    def run(value: str) -> None:
        if not check(value):
            raise ValidationError([error])  # a list: marshmallow would iterate a lazy string

    return run


def Date(**kwargs) -> fields.Date:
    return fields.Date(error_messages={"invalid": _l("Give a date (YYYY-MM-DD)."), **REQUIRED}, **kwargs)


def Uuid(**kwargs) -> fields.UUID:
    return fields.UUID(error_messages={"invalid_uuid": _l("Give a valid identifier (UUID)."), **REQUIRED}, **kwargs)


def Choice(choices: list[str], **kwargs) -> fields.String:
    """One of ``choices`` (documented as an ``enum``)."""
    return fields.String(
        validate=validate.OneOf(choices, error=_l("Choose one of: {choices}.")),
        error_messages={"invalid": _l("Give some text."), **REQUIRED},
        **kwargs,
    )


def Text(**kwargs) -> fields.Dict:
    """A text in several languages: ``{"fr": …, "en": …, "nl": …}``."""
    return fields.Dict(keys=fields.String(), values=fields.String(), **kwargs)
