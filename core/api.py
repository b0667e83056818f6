"""JSON API of the app shell, under /api/v1. Writes need the session's CSRF token (``X-CSRFToken``).

Shapes are marshmallow schemas (see ``core.rest``): they validate, serialise and make the OpenAPI document."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from marshmallow import INCLUDE, Schema, fields

from core import rest, services

bp = rest.ApiBlueprint("api", __name__, url_prefix="/api/v1", description="The person behind the request.")


class UserSchema(rest.StrictSchema):
    id = fields.UUID(attribute="uuid", required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    legal_name = fields.String(required=True)
    display_name = fields.String(required=True, allow_none=True)
    language = rest.Choice(["fr", "en", "nl"], required=True)
    roles = fields.Function(
        lambda user: sorted(user.roles), required=True, metadata={"type": "array", "items": {"type": "string"}}
    )


class UserUpdateSchema(rest.StrictSchema):
    display_name = fields.String(allow_none=True, load_default=None, error_messages=rest.REQUIRED)
    language = fields.String(allow_none=True, load_default=None, error_messages=rest.REQUIRED)


class OpenApiSchema(Schema):
    """The OpenAPI document (any keys)."""

    class Meta:
        unknown = INCLUDE

    openapi = fields.String(required=True)


@bp.route("/me")
@bp.response(200, UserSchema)
@bp.errors()
def me():
    """The person behind the session or token."""
    return current_user


@bp.route("/me", methods=["PATCH"])
@bp.arguments(UserUpdateSchema, error_status_code=400)
@bp.response(200, UserSchema)
@bp.errors(400, 422)
def me_update(data):
    """Change one's own display name and language (session only, with the CSRF token)."""
    try:
        services.update_user(current_user, display_name=data["display_name"], language=data["language"])
    except services.ServiceError as exc:
        raise rest.BadInput(str(exc), exc.field) from exc
    return current_user


@bp.route("/openapi.json")
@bp.response(200, OpenApiSchema)
@bp.errors()
def openapi():
    """This document, generated from the schemas (for any logged-in person or token)."""
    return jsonify(rest.api.spec.to_dict())
