"""Deny by default: every endpoint needs a logged-in user unless it is declared public.

``@public`` marks a view that anyone may see; ``@roles_required`` narrows a view to some roles. Object-level
checks (may *this* user see *this* cohort?) live in each package's ``permissions.py`` and run in the view
before the service is called.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import deque
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import TypeVar

from flask import Flask, Request, abort, current_app, jsonify, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from werkzeug.exceptions import TooManyRequests

from core.config import exempt_networks

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


class RateLimiter:
    """Sliding-window counters per key, in this process's memory.

    For the public forms that cost something (a password-reset e-mail, a signature check) and have no account
    to count against. Each worker process counts on its own, so with N workers an address gets at most N times
    the limit: a bound, not an exact quota. Login failures are counted in the database instead (shared by
    every worker, ``core.services.authenticate``). No address is exempt unless ``RATE_LIMIT_EXEMPT_NETWORKS``
    names it."""

    MAX_KEYS = 10_000

    def __init__(self) -> None:
        self._hits: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: tuple[str, str], limit: int, window: float) -> bool:
        """Count one hit; False when the key already had ``limit`` hits in the last ``window`` seconds."""
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > self.MAX_KEYS:  # forget the quiet keys rather than grow without end
                self._hits = {k: q for k, q in self._hits.items() if q and q[-1] > now - window}
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - window:
                hits.popleft()
            if len(hits) >= limit:
                return False
            hits.append(now)
            return True


#: name -> (hits, seconds) per client address; ``RATE_LIMITS`` in the configuration overrides (``None``: off).
RATE_LIMITS: dict[str, tuple[int, int] | None] = {
    "password-reset": (5, 15 * 60),
    "verify": (60, 60),
    "oauth-register": (20, 60 * 60),  # Open Badges 3.0 API: open client registration (badges.obapi)
}


@lru_cache(maxsize=8)
def _networks(value: str | tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return exempt_networks(value if isinstance(value, str) else list(value))


def is_exempt(address: str | None) -> bool:
    """Whether ``address`` is in ``RATE_LIMIT_EXEMPT_NETWORKS`` (empty by default: no address is exempt, not even
    loopback, which is where a reverse proxy on the same host comes from)."""
    value = current_app.config.get("RATE_LIMIT_EXEMPT_NETWORKS") or ()
    if not value:
        return False
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 from a dual-stack socket is 127.0.0.1
    networks = _networks(value if isinstance(value, str) else tuple(str(item) for item in value))
    return any(ip.version == network.version and ip in network for network in networks)


def rate_limited(name: str) -> Callable[[F], F]:
    """Refuse a client address's POSTs to the view with 429 beyond the ``name`` limit (``RATE_LIMITS``). The
    address is ``request.remote_addr``: the forwarded one behind ``PROXY_COUNT`` trusted proxies."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if request.method == "POST" and not is_exempt(request.remote_addr):
                limit = current_app.config.get("RATE_LIMITS", {}).get(name, RATE_LIMITS[name])
                limiter = current_app.extensions.setdefault("tremplin.rate_limiter", RateLimiter())
                if limit is not None and not limiter.hit((name, request.remote_addr or "unknown"), *limit):
                    raise TooManyRequests(retry_after=limit[1])  # core.errors renders it, with Retry-After
            return view(*args, **kwargs)

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
