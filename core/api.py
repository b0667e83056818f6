"""JSON API of the app shell, under /api/v1. Writes need the session's CSRF token (``X-CSRFToken``)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from core import openapi as spec
from core import services

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def user_json(user) -> dict:
    return {
        "id": str(user.uuid),
        "email": user.email,
        "name": user.name,
        "legal_name": user.legal_name,
        "display_name": user.display_name,
        "language": user.language,
        "roles": sorted(user.roles),
    }


def error(message: str, status: int = 422, field: str | None = None):
    response = jsonify(error="invalid", message=message, field=field, status=status)
    response.status_code = status
    return response


@bp.route("/me")
def me():
    return jsonify(user_json(current_user))


@bp.route("/me", methods=["PATCH"])
def me_update():
    """Change one's own display name and language: ``{"display_name": "…", "language": "fr"|"en"|"nl"}``."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not set(payload) <= {"display_name", "language"}:
        return error("Send a JSON object with display_name and/or language.", 400)
    if any(value is not None and not isinstance(value, str) for value in payload.values()):
        return error("display_name and language must be strings.", 400)
    try:
        services.update_user(current_user, display_name=payload.get("display_name"), language=payload.get("language"))
    except services.ServiceError as exc:
        return error(str(exc), 422, exc.field)
    return jsonify(user_json(current_user))


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of ``/api/v1`` (for any logged-in person or token)."""
    return jsonify(spec.document())
