"""Error pages in the user's language, JSON errors under /api/."""

from __future__ import annotations

import contextlib
import logging

from flask import g, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable, TooManyRequests

from core.db import db
from core.extensions import login_manager
from core.security import wants_json

log = logging.getLogger(__name__)

MESSAGES = {
    400: (
        _l("Something in the request was not right"),
        _l("The page could not understand what was sent. Go back, reload the page and try again."),
    ),
    401: (_l("Please log in"), _l("You need to log in to see this page.")),
    403: (
        _l("This page is not open to you"),
        _l("Your account does not give access to this page. If you think it should, ask your coordinator."),
    ),
    404: (
        _l("Page not found"),
        _l("This page does not exist or has moved. Check the address, or go back to your home page."),
    ),
    405: (_l("Not possible here"), _l("This action is not possible on this page.")),
    410: (_l("This link no longer works"), _l("The link has expired or was already used.")),
    413: (_l("File too large"), _l("The file sent is too large.")),
    422: (_l("Please check the form"), _l("Some fields need your attention.")),
    429: (_l("Too many attempts"), _l("For your security, please wait a few minutes before trying again.")),
    500: (
        _l("Something went wrong on our side"),
        _l("Nothing was saved. Please try again in a moment; if it happens again, tell your coordinator."),
    ),
    503: (_l("The platform is briefly unavailable"), _l("Nothing was saved. Please try again in a few minutes.")),
}
#: Seconds a client is told to wait (``Retry-After``) when the database is unreachable.
RETRY_AFTER_SECONDS = 30
CSRF_MESSAGE = _l("The form had expired or came from elsewhere. Reload the page and send it again: nothing was saved.")


def _json_wanted() -> bool:
    """The API, and any client that prefers JSON to HTML (``Accept: application/json``)."""
    if wants_json():
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes["application/json"] > request.accept_mimetypes["text/html"]
    )


def render_error(code: int, detail=None):
    title, text = MESSAGES.get(code, MESSAGES[500])
    if detail is not None:
        text = detail
    if _json_wanted():
        return make_response(jsonify(error=str(title), message=str(text), status=code), code)
    return make_response(render_template("errors/error.html", code=code, title=title, text=text), code)


def database_unavailable(exc: BaseException | None = None):
    """The 503 answer when the database cannot be reached (or went away mid-request): the transaction is rolled
    back (or abandoned with its connection: the server rolls it back), the page says nothing was saved, in the
    visitor's language, and ``Retry-After`` tells clients when to try again."""
    orig = getattr(exc, "orig", None)
    log.error("database unavailable: %s", type(orig).__name__ if orig is not None else type(exc).__name__)
    try:
        db.session.rollback()
    except Exception:  # the connection is already gone: dropping it is all that is left
        log.debug("rollback on a lost connection failed", exc_info=True)
    with contextlib.suppress(Exception):
        db.session.remove()
    # Whoever the session cookie names cannot be loaded now (or their roles and name, if they were being loaded
    # when the connection went): the page is rendered for an anonymous visitor rather than asking the database
    # again, inside the error handler. Only this response: the session cookie is left as it is.
    g._login_user = login_manager.anonymous_user()
    response = render_error(ServiceUnavailable.code)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _is_database_down(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, OperationalError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc):
        db.session.rollback()
        return render_error(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        db.session.rollback()
        response = render_error(exc.code)
        if exc.code == 405 and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        if isinstance(exc, TooManyRequests) and exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(OperationalError)
    def _database_down(exc):
        return database_unavailable(exc)

    @app.errorhandler(InternalServerError)
    def _internal(exc):
        # An OperationalError raised where Flask's handlers do not reach it (the request's commit, in an
        # ``after_request`` hook) arrives here wrapped: it is still "the database is unavailable".
        if _is_database_down(getattr(exc, "original_exception", None)):
            return database_unavailable(exc.original_exception)
        try:
            db.session.rollback()
        except Exception:  # the error page must render even if the connection is broken
            log.debug("rollback failed", exc_info=True)
        return render_error(500)
