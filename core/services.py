"""Accounts: create, invite, log in, reset passwords, change roles.

Services validate, change models, ``flush()`` and never commit: the request or the CLI command commits
once. Errors a person can fix raise ``ServiceError`` with a message in their language.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Iterable
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, gen_salt, generate_password_hash

from core import audit, devices, mail, tokens
from core.db import db, utcnow
from core.models import LANGUAGES, LoginFailure, OutboxMessage, Role, User, UserRole
from core.security import is_exempt


class ServiceError(ValueError):
    """A change refused for a reason the user can act on; ``str()`` is the translated message."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class TooManyAttempts(ServiceError):
    pass


# Stand-in hashes per method (``_dummy_hash``), so that timing does not reveal which accounts exist.
_DUMMY_HASH: dict[str, str] = {}


def normalize_email(raw: str) -> str:
    """Lower-cased, NFC-normalised, syntactically valid address (no DNS lookup)."""
    text = unicodedata.normalize("NFC", (raw or "").strip())
    try:
        return validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ServiceError(_l("This e-mail address is not valid."), field="email") from exc


def _clean_name(raw: str | None, *, required: bool, field: str) -> str | None:
    text = " ".join(unicodedata.normalize("NFC", raw or "").split())
    if not text:
        if required:
            raise ServiceError(_l("Please enter a name."), field=field)
        return None
    if len(text) > 200:
        raise ServiceError(_l("This name is too long (200 characters at most)."), field=field)
    return text


def _check_roles(roles: Iterable[str]) -> list[str]:
    out = []
    for role in roles:
        try:
            out.append(Role(role).value)
        except ValueError as exc:
            raise ServiceError(_l("Unknown role: %(role)s.", role=role), field="roles") from exc
    return sorted(set(out))


def _check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ServiceError(_l("Unknown language."), field="language")
    return language


def check_password_strength(password: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password or "") < minimum:
        raise ServiceError(
            _l("Your password needs at least %(n)d characters. Three words in a row are easy to remember.", n=minimum),
            field="password",
        )
    if len(password) > 1024:
        raise ServiceError(_l("This password is too long."), field="password")


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def get_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == email.strip().lower()))


def create_user(
    email: str,
    legal_name: str,
    roles: Iterable[str],
    *,
    display_name: str | None = None,
    language: str = "fr",
    password: str | None = None,
) -> User:
    email = normalize_email(email)
    if get_by_email(email) is not None:
        raise ServiceError(_l("An account already exists with this e-mail address."), field="email")
    role_values = _check_roles(roles)
    if not role_values:
        raise ServiceError(_l("Choose at least one role."), field="roles")
    user = User(
        email=email,
        legal_name=_clean_name(legal_name, required=True, field="legal_name"),
        display_name=_clean_name(display_name, required=False, field="display_name"),
        language=_check_language(language),
        role_rows=[UserRole(role=r) for r in role_values],
    )
    if password is not None:
        check_password_strength(password)
        user.password_hash = _hash(password)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(
    user: User,
    *,
    legal_name: str | None = None,
    display_name: str | None = None,
    language: str | None = None,
    roles: Iterable[str] | None = None,
    active: bool | None = None,
    acting: User | None = None,
) -> User:
    """Change a person's details. ``acting`` is who asks: a coordinator cannot lock themself out."""
    if acting is not None and acting.id == user.id:
        drops_admin = roles is not None and user.has_role(Role.ADMIN) and Role.ADMIN.value not in set(roles)
        if drops_admin or active is False:
            raise ServiceError(_l("You cannot remove your own coordinator role or deactivate yourself."))
    if legal_name is not None:
        user.legal_name = _clean_name(legal_name, required=True, field="legal_name")
    if display_name is not None:
        user.display_name = _clean_name(display_name, required=False, field="display_name")
    if language is not None:
        user.language = _check_language(language)
    if roles is not None:
        wanted = _check_roles(roles)
        if not wanted:
            raise ServiceError(_l("Choose at least one role."), field="roles")
        current = {row.role: row for row in user.role_rows}
        for role in set(current) - set(wanted):
            user.role_rows.remove(current[role])
        for role in set(wanted) - set(current):
            user.role_rows.append(UserRole(role=role))
        audit.record("user.roles", "user_account", str(user.uuid), before=sorted(current), after=wanted)
    if active is not None and active != user.active:
        user.active = active
        user.session_version += 1  # a deactivated account is logged out everywhere
    db.session.flush()
    return user


def set_password(user: User, password: str) -> None:
    check_password_strength(password)
    user.password_hash = _hash(password)
    user.session_version += 1  # every other session of this account ends
    db.session.flush()


def end_sessions(user: User) -> None:
    """Log the account out everywhere: a copy of a session or remember-me cookie taken earlier stops working
    (the session is a signed cookie: nothing on the server to delete, so its version changes)."""
    user.session_version += 1
    db.session.flush()


def external_url(endpoint: str, **values) -> str:
    """An absolute link on the public ``BASE_URL``: the same from a request, a command or a job, and never
    dependent on the Host header a request came with."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path


def invite(user: User) -> str:
    """Queue an invitation e-mail with a single-use link to choose a password; return the link."""
    if not user.invitation_pending:
        raise ServiceError(_l("This person has already chosen a password."))
    ttl = current_app.config["INVITATION_TTL_SECONDS"]
    link = external_url("auth.accept_invitation", token=tokens.make(user, "invite", ttl))
    days = ttl // 86400
    with force_locale(user.language):
        subject = _("Your Tremplin account")
        body = _(
            "Hello %(name)s,\n\nAn account has been created for you on Tremplin, the training platform.\n"
            "To choose your password, open this link (valid %(days)d days, usable once):\n\n%(link)s\n\n"
            "If you were not expecting this message, you can ignore it.\n",
            name=user.name,
            days=days,
            link=link,
        )
    mail.queue(user.email, subject, body, purpose="invite")
    audit.record("user.invited", "user_account", str(user.uuid))
    return link


def request_password_reset(email: str) -> None:
    """Queue a reset link if the address belongs to an active account; say nothing either way."""
    try:
        user = get_by_email(normalize_email(email))
    except ServiceError:
        return
    if user is None or not user.active or _too_many_links(user):
        return
    if user.invitation_pending:
        invite(user)
        return
    ttl = current_app.config["PASSWORD_RESET_TTL_SECONDS"]
    link = external_url("auth.reset_password", token=tokens.make(user, "reset", ttl))
    with force_locale(user.language):
        subject = _("Choose a new Tremplin password")
        body = _(
            "Hello %(name)s,\n\nSomeone asked to change the password of your Tremplin account.\n"
            "To choose a new one, open this link (valid %(minutes)d minutes, usable once):\n\n%(link)s\n\n"
            "If it was not you, ignore this message: your password stays the same.\n",
            name=user.name,
            minutes=ttl // 60,
            link=link,
        )
    mail.queue(user.email, subject, body, purpose="reset")
    audit.record("user.password_reset_requested", "user_account", str(user.uuid))


def _too_many_links(user: User) -> bool:
    """Enough reset or invitation messages went to this address in the last hour (``PASSWORD_RESET_MAX_PER_HOUR``):
    no more, so that the form cannot flood a mailbox. The form answers the same either way."""
    since = utcnow() - timedelta(hours=1)
    sent = db.session.scalar(
        db.select(db.func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.recipient == user.email,
            OutboxMessage.purpose.in_(("reset", "invite")),
            OutboxMessage.created_at >= since,
        )
    )
    return sent >= current_app.config.get("PASSWORD_RESET_MAX_PER_HOUR", 3)


def redeem(token: str, purpose: str, password: str) -> User:
    """Set the password of the token's user and spend the token. Raises ``tokens.TokenError``."""
    checked = tokens.check(token, purpose)
    if not checked.user.active:
        raise tokens.TokenError("inactive")
    set_password(checked.user, password)
    tokens.consume(checked)
    audit.record(f"user.{purpose}_redeemed", "user_account", str(checked.user.uuid))
    return checked.user


def _dummy_hash() -> str:
    """A stand-in for the stored hash of an account that has none (unknown, invited, erased): the configured
    method and cost, a random salt and a random value. Checking a password against it costs exactly what
    checking a real hash costs, building it costs nothing, and no password matches it."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    dummy = _DUMMY_HASH.get(method)
    if dummy is None:
        dummy = _DUMMY_HASH[method] = f"{method}${gen_salt(16)}${secrets.token_hex(64)}"
    return dummy


def _locked(email: str, ip: str, device: str | None) -> bool:
    """Whether this attempt must wait, from the failures of the window (one query, counted in the database so
    that every worker sees the same numbers).

    A browser known to the account (``device``) is judged on its own failures only, so that nobody elsewhere can
    lock it out. Any other browser waits once the account failed ``LOGIN_MAX_FAILURES`` times from this address,
    or this address failed ``LOGIN_MAX_FAILURES_PER_ADDRESS`` times whatever the accounts (unless
    ``RATE_LIMIT_EXEMPT_NETWORKS`` names it), or the account failed ``LOGIN_MAX_FAILURES_PER_ACCOUNT`` times
    from browsers it does not know, whatever the addresses."""
    config = current_app.config
    since = utcnow() - timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"])

    def count(condition):
        return db.func.count(db.case((condition, 1)))

    columns = [
        count(db.and_(LoginFailure.email == email, LoginFailure.ip == ip)),
        count(LoginFailure.ip == ip),
        count(db.and_(LoginFailure.email == email, LoginFailure.device.is_(None))),
    ]
    if device is not None:
        columns.append(count(db.and_(LoginFailure.email == email, LoginFailure.device == device)))
    counts = db.session.execute(
        db.select(*columns).where(LoginFailure.at >= since, db.or_(LoginFailure.email == email, LoginFailure.ip == ip))
    ).one()
    if device is not None:
        return counts[3] >= config["LOGIN_MAX_FAILURES"]
    by_pair, by_address, by_account = counts[0], counts[1], counts[2]
    per_address = config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    per_account = config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    return (
        by_pair >= config["LOGIN_MAX_FAILURES"]
        or (per_address is not None and by_address >= per_address and not is_exempt(ip))
        or (per_account is not None and by_account >= per_account)
    )


def authenticate(email: str, password: str, ip: str, known_devices: str | None = None) -> User:
    """Return the user whose credentials these are; record a failure and raise ``ServiceError`` otherwise.

    ``known_devices`` is the browser's device cookie (``core.devices``), if it sent one. Raises
    ``TooManyAttempts``, whatever the password, while the attempt is locked out (``_locked``). Every path computes
    exactly one password hash (the account's, or a stand-in with the same cost): a wrong password, an unknown
    address, a deactivated or erased account and a lock-out take the same time, and the messages never say
    whether the account exists.
    """
    key = (email or "").strip().lower()[:254]
    ip = (ip or "unknown")[:45]
    user = get_by_email(key) if key else None
    stored = user.password_hash if user is not None else None
    matches = check_password_hash(stored or _dummy_hash(), password or "")
    device = devices.known_device(known_devices, user) if user is not None and known_devices else None
    if _locked(key, ip, device):
        raise TooManyAttempts(
            _l(
                "Too many attempts. For your security, please wait %(minutes)d minutes and try again.",
                minutes=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"] // 60,
            )
        )
    if matches and user is not None and stored and user.active:
        audit.set_actor(user.id)
        user.last_login_at = utcnow()
        db.session.flush()
        return user
    db.session.add(LoginFailure(email=key, ip=ip, device=device, at=utcnow()))
    db.session.flush()
    raise ServiceError(_l("E-mail address or password not recognised."))
