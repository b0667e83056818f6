"""Deny by default: every endpoint needs a logged-in user unless it is declared public.

``@public`` marks a view that anyone may see; ``@roles_required`` narrows a view to some roles. Object-level
checks (may *this* user see *this* cohort?) live in each package's ``permissions.py`` and run in the view
before the service is called.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import Flask, Request, abort, current_app, jsonify, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
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


SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def security_headers(response):
    """``after_request`` hook: the headers every response carries, unless the view set its own."""
    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}  # one pass, not one scan per header
    missing = [(name, value) for name, value in SECURITY_HEADERS if name.lower() not in present]
    secure = request.is_secure or current_app.config["BASE_URL"].startswith("https://")
    if secure and "strict-transport-security" not in present:
        missing.append(HSTS)
    if "cache-control" not in present and (
        request.endpoint == "auth.login" or not is_public_endpoint(current_app, request.endpoint)
    ):
        missing.append(("Cache-Control", "no-store"))
    headers.extend(missing)
    return response


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building its signer for requests that carry no session cookie
    (most public requests: verifiers, documents, the health check)."""

    def open_session(self, app: Flask, request: Request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        if not session and not session.modified:  # no cookie came, none goes (Flask works out its attributes)
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)
