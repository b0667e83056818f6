"""Deny by default: every endpoint needs a logged-in user unless it is declared public.

``@public`` marks a view that anyone may see; ``@roles_required`` narrows a view to some roles. Object-level
checks (may *this* user see *this* cohort?) live in each package's ``permissions.py`` and run in the view
before the service is called.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import Flask, abort, current_app, jsonify, redirect, request, url_for
from flask_login import current_user

F = TypeVar("F", bound=Callable)

# Endpoints of extensions and Flask itself that are public without a decorator.
BUILTIN_PUBLIC = frozenset({"static"})


def public(view: F) -> F:
    """Declare a view public: no login needed."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def is_public_endpoint(app: Flask, endpoint: str | None) -> bool:
    if endpoint is None:
        return True  # no route matched: the 404 handler answers
    if endpoint in BUILTIN_PUBLIC:
        return True
    view = app.view_functions.get(endpoint)
    return bool(getattr(view, "is_public", False))


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _refuse_anonymous():
    if wants_json():
        response = jsonify(error="unauthorized", message="Authentication required.")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Session realm="tremplin"'
        return response
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))


def require_login():
    """``before_request`` hook: the deny-by-default gate."""
    if is_public_endpoint(current_app, request.endpoint):
        return None
    if not current_user.is_authenticated:
        return _refuse_anonymous()
    return None


def roles_required(*roles: str) -> Callable[[F], F]:
    """Only users with one of ``roles`` may call the view; the others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return _refuse_anonymous()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = frozenset(str(r) for r in roles)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure or current_app.config["BASE_URL"].startswith("https://"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if not is_public_endpoint(current_app, request.endpoint) or request.endpoint == "auth.login":
        headers.setdefault("Cache-Control", "no-store")
    return response
