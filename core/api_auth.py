"""Personal access tokens for the JSON API: ``Authorization: Bearer <token>`` on ``/api/v1/*`` only.

* A token is 32 random bytes (URL-safe text with a ``tpl_`` prefix), shown once; the database keeps only its
  SHA-256 and its first characters (to recognise it in a list). Tokens expire, can be revoked, and carry
  scopes: ``read`` (every GET), ``write:attendance`` (rosters), ``write:hours`` (practice hours).
* A request with a bearer token is authenticated by the token alone — the session cookie is ignored — so it
  needs no CSRF token: a browser cannot be made to send someone's token to another site. Every other write
  (forms, and JSON sent with the session cookie) keeps CSRF.
* Scopes narrow a token; roles and object-level permissions still apply to the person behind it.
* A view declares the scope a token needs to write through it with :func:`api_scope`; a write without one
  is refused to tokens (cookie sessions only).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from flask import current_app, g, jsonify, request
from flask_babel import lazy_gettext as _l

from core.db import db, utcnow
from core.extensions import csrf
from core.models import ApiToken, User
from core.services import ServiceError

F = TypeVar("F", bound=Callable)

API_PREFIX = "/api/v1/"
TOKEN_PREFIX = "tpl_"  # noqa: S105 - a public prefix, not a secret
SCOPES = {
    "read": _l("Read (every page of the API your role allows)"),
    "write:attendance": _l("Record attendance (session rosters)"),
    "write:hours": _l("Log and confirm practice hours"),
}
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LIFETIMES = (30, 90, 365)  # days
LAST_USED_RESOLUTION = timedelta(minutes=5)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user: User, name: str, scopes: list[str], days: int) -> tuple[ApiToken, str]:
    """Create a token (flushed); returns it and the secret, which is never stored nor shown again."""
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise ServiceError(_l("Give the token a short name (what it is for)."), field="name")
    if not scopes or not set(scopes) <= set(SCOPES):
        raise ServiceError(_l("Choose at least one permission."), field="scopes")
    if days not in LIFETIMES:
        raise ServiceError(_l("Choose how long the token stays valid."), field="days")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=secret[:12],
        token_hash=hash_token(secret),
        scopes=sorted(set(scopes)),
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()


def api_scope(scope: str) -> Callable[[F], F]:
    """The scope a bearer token needs to write through this view (reads need ``read``)."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    def decorator(view: F) -> F:
        view.api_scope = scope  # type: ignore[attr-defined]
        return view

    return decorator


def bearer_token() -> str | None:
    """The bearer token of this request, if it is an API request that sends one."""
    if not request.path.startswith(API_PREFIX):
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def _problem(status: int, error: str, message: str, challenge: str | None = None):
    response = jsonify(error=error, message=message, status=status)
    response.status_code = status
    if challenge:
        response.headers["WWW-Authenticate"] = f'Bearer realm="tremplin", {challenge}'
    return response


def current_token() -> ApiToken | None:
    return g.get("api_token")


def required_scope() -> str | None:
    if request.method in READ_METHODS:
        return "read"
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "api_scope", None)


def authenticate_request():
    """``before_request``: authenticate a bearer token (and check its scope), or else check CSRF."""
    token_text = bearer_token()
    if token_text is None:
        config = current_app.config
        if request.method in config["WTF_CSRF_METHODS"] and config.get("WTF_CSRF_ENABLED", True):
            csrf.protect(apply_exemptions=True)  # reads (most requests) skip its exemption lookup
        return None
    token = None
    if token_text.startswith(TOKEN_PREFIX) and len(token_text) < 200:
        token = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == hash_token(token_text)))
    now = utcnow()
    if token is None or not token.is_usable(now) or not token.user.active:
        return _problem(401, "invalid_token", "The token is unknown, expired or revoked.", 'error="invalid_token"')
    g._login_user = token.user  # Flask-Login's current user for this request only: no session is touched
    g.api_token = token
    if request.endpoint is not None:
        scope = required_scope()
        if scope is None:
            return _problem(403, "forbidden", "This endpoint cannot be used with a token.")
        if scope not in (token.scopes or []):
            return _problem(
                403,
                "insufficient_scope",
                f"This token lacks the {scope} scope.",
                f'error="insufficient_scope", scope="{scope}"',
            )
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        db.session.execute(
            db.update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now),
            execution_options={"synchronize_session": False},
        )
    return None


def init_app(app) -> None:
    """Replace Flask-WTF's automatic CSRF check by :func:`authenticate_request` (same check, minus bearer
    requests). Called by ``create_app`` right after ``csrf.init_app``."""
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.before_request(authenticate_request)
