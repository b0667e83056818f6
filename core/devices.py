"""Known browsers: a signed cookie saying "this browser logged in to this account before" (OWASP's device cookies).

The login lock-outs (``core.services.authenticate``) let such a browser through whatever failures come from
elsewhere; only the failures made with it count against it. One cookie holds one entry per account that logged
in with the browser (a shared computer in a training room knows several, eight at most): the account's public
id, its session version (a password change, a deactivation, an erasure or a logout elsewhere changes it, which
revokes the entry everywhere), a random device id (the failures made with it are counted under it) and when it
was issued. Signed with the app's ``SECRET_KEY`` (its own salt); not encrypted, as nothing in it is secret.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from flask import Response, current_app
from itsdangerous import BadSignature, URLSafeSerializer

from core.models import User

COOKIE_NAME = "tremplin_device"
MAX_ENTRIES = 8
MAX_COOKIE_LENGTH = 4096
_SALT = "tremplin/devices/v1"


@dataclass(frozen=True)
class Entry:
    account: str  # the account's public id (uuid)
    version: int  # its session version when the entry was issued
    device: str  # random: the failures made with this entry are counted under it
    issued: int  # seconds since the epoch


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def lifetime_seconds() -> int:
    return int(current_app.config["LOGIN_DEVICE_COOKIE_DAYS"]) * 24 * 3600


def read(raw: str | None) -> list[Entry]:
    """The cookie's entries still within their lifetime; nothing at all if it was not signed by this app."""
    if not raw or len(raw) > MAX_COOKIE_LENGTH:
        return []
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return []
    if not isinstance(data, list):
        return []
    oldest = int(time.time()) - lifetime_seconds()
    entries = []
    for item in data:
        if not (isinstance(item, list) and len(item) == 4):
            continue
        account, version, device, issued = item
        if (
            isinstance(account, str)
            and isinstance(version, int)
            and isinstance(device, str)
            and isinstance(issued, int)
            and issued > oldest
        ):
            entries.append(Entry(account, version, device, issued))
    return entries


def known_device(raw: str | None, user: User) -> str | None:
    """The device id under which this browser is known to ``user``, or None (unknown, revoked or expired)."""
    account = str(user.uuid)
    for entry in read(raw):
        if entry.account == account and entry.version == user.session_version:
            return entry.device
    return None


def remember(response: Response, raw: str | None, user: User, device: str | None = None) -> None:
    """Set the cookie so that this browser is known to ``user`` at its current session version (a new device id,
    unless ``device`` is given); the entries of the other accounts stay."""
    account = str(user.uuid)
    entries = [entry for entry in read(raw) if entry.account != account]
    entries.append(Entry(account, user.session_version, device or secrets.token_urlsafe(16), int(time.time())))
    value = _serializer().dumps([[e.account, e.version, e.device, e.issued] for e in entries[-MAX_ENTRIES:]])
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=lifetime_seconds(),
        path="/",
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        httponly=True,
        samesite="Lax",
    )
