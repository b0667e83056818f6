"""Error pages in the user's language, JSON errors under /api/."""

from __future__ import annotations

import contextlib
import logging

from flask import jsonify, make_response, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from core.db import db
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
CSRF_MESSAGE = _l("The form had expired or came from elsewhere. Reload the page and send it again: nothing was saved.")


def render_error(code: int, detail=None):
    title, text = MESSAGES.get(code, MESSAGES[500])
    if detail is not None:
        text = detail
    if wants_json():
        return make_response(jsonify(error=str(title), message=str(text), status=code), code)
    return make_response(render_template("errors/error.html", code=code, title=title, text=text), code)


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
        return response

    @app.errorhandler(OperationalError)
    def _database_down(exc):
        log.error("database unavailable: %s", type(exc.orig).__name__ if exc.orig else exc)
        with contextlib.suppress(OperationalError):
            db.session.rollback()
        return render_error(ServiceUnavailable.code)

    @app.errorhandler(InternalServerError)
    def _internal(exc):
        db.session.rollback()
        return render_error(500)
