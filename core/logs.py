"""Logging that never writes a secret: single-use links (JWTs) are masked in every log line,
including the access logs of the development server and gunicorn."""

from __future__ import annotations

import logging
import re

# A JWT: three base64url parts, the first starting with "eyJ" ('{"').
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}")
MASK = "[token]"


def redact(text: str) -> str:
    return _JWT.sub(MASK, text)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


FILTER = RedactSecrets()
LOGGERS = ("", "werkzeug", "gunicorn.access", "gunicorn.error", "tremplin", "core", "courses", "badges")


def init_app(app) -> None:
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if FILTER not in logger.filters:
            logger.addFilter(FILTER)
        for handler in logger.handlers:
            if FILTER not in handler.filters:
                handler.addFilter(FILTER)
    if FILTER not in app.logger.filters:
        app.logger.addFilter(FILTER)
