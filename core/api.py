"""JSON API of the app shell, under /api/v1 (every write needs the CSRF token or, later, an API token)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def user_json(user) -> dict:
    return {
        "id": str(user.uuid),
        "email": user.email,
        "name": user.name,
        "legal_name": user.legal_name,
        "language": user.language,
        "roles": sorted(user.roles),
    }


@bp.route("/me")
def me():
    return jsonify(user_json(current_user))
