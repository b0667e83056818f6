"""Émargement (signed attendance) rules, pure: no Flask, no database.

- The rotating code: a 6-digit HMAC of a per-session secret and a 15-second time step (as TOTP, RFC 6238); a code
  is accepted while it is at most 30 seconds old, so the trainer's screen shows a new one every 15 s and the one
  just replaced still works for the person typing it.
- The signing window: from 15 minutes before the start to the end; a signature after the start is late.
- What is signed: a canonical JSON of the session, the person, the server time, the method and the hash of the
  drawn signature; its SHA-256 is kept with the record.
- The checks courts and funders apply: a public holiday, a trainer in two sessions at once, more signatures than
  seats, a trainee signed in two places at once.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

STEP_SECONDS = 15
VALID_SECONDS = 30
CODE_DIGITS = 6
OPENS_BEFORE = timedelta(minutes=15)
PASSWORD_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # noqa: S105 - no 0/O, 1/I/L, U: read aloud, typed on a phone


class Method(enum.StrEnum):
    OWN_PHONE = "own_phone"  # on her own phone, with the rotating code (typed or scanned)
    TRAINER_DEVICE = "trainer_device"  # on the trainer's device passed around
    CODE = "code"  # on any device of hers, logged in, with the rotating code but without the QR
    PASSWORD = "password"  # the session password, where the QR code fails  # noqa: S105 - a method's name
    TRAINER_OVERRIDE = "trainer_override"  # after the window, by the trainer, with a reason


# --- The rotating code ------------------------------------------------------------------------------------------


def session_secret(app_secret: str | bytes, session_uuid: str) -> bytes:
    """The per-session secret, derived from the app's secret key: never stored, never shown."""
    key = app_secret.encode() if isinstance(app_secret, str) else app_secret
    return hmac.new(key, f"tremplin-emargement:{session_uuid}".encode(), hashlib.sha256).digest()


def step_of(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_for_step(secret: bytes, step: int) -> str:
    """RFC 4226's dynamic truncation of HMAC-SHA256(secret, step), as ``CODE_DIGITS`` digits."""
    digest = hmac.new(secret, step.to_bytes(8, "big", signed=True), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def current_code(secret: bytes, now: datetime) -> tuple[str, int]:
    """The code to show now and the seconds until the next one."""
    step = step_of(now)
    return code_for_step(secret, step), (step + 1) * STEP_SECONDS - int(now.timestamp())


def normalize_code(text: str | None) -> str:
    return "".join(ch for ch in (text or "") if ch.isdigit())


def code_is_valid(secret: bytes, code: str | None, now: datetime) -> bool:
    """True when ``code`` was shown for this session at most ``VALID_SECONDS`` ago (the step it belongs to began
    at most 30 s ago). Compared in constant time."""
    typed = normalize_code(code)
    if len(typed) != CODE_DIGITS:
        return False
    seconds = int(now.timestamp())
    step = step_of(now)
    ok = False
    for candidate in range(step - VALID_SECONDS // STEP_SECONDS, step + 1):
        if seconds - candidate * STEP_SECONDS > VALID_SECONDS:
            continue
        ok |= hmac.compare_digest(code_for_step(secret, candidate), typed)
    return ok


def session_password(secret: bytes) -> str:
    """The fallback password of a session (8 characters), fixed for the session, shown only to its staff."""
    digest = hmac.new(secret, b"password", hashlib.sha256).digest()
    return "".join(PASSWORD_ALPHABET[b % len(PASSWORD_ALPHABET)] for b in digest[:8])


def password_is_valid(secret: bytes, typed: str | None) -> bool:
    cleaned = "".join((typed or "").split()).upper().replace("-", "")
    return hmac.compare_digest(session_password(secret), cleaned)


# --- The signing window -----------------------------------------------------------------------------------------


class Window(enum.StrEnum):
    NOT_YET = "not_yet"
    OPEN = "open"
    CLOSED = "closed"


def window_state(starts: datetime, ends: datetime, now: datetime) -> Window:
    """Open from 15 minutes before the start to the end (inclusive); all three aware datetimes."""
    if now < starts - OPENS_BEFORE:
        return Window.NOT_YET
    if now > ends:
        return Window.CLOSED
    return Window.OPEN


def is_late(starts: datetime, signed_at: datetime) -> bool:
    """Signed after the start (to the second: a minute's grace is the training body's call, not the code's)."""
    return signed_at > starts


def minutes_from(signed_at: datetime, starts: datetime, ends: datetime) -> int:
    """The minutes attended by someone present from ``signed_at`` to the end (whole minutes, rounded down)."""
    begin = max(signed_at, starts)
    return max(0, int((ends - begin).total_seconds()) // 60)


# --- What is signed ---------------------------------------------------------------------------------------------


def canonical(document: dict) -> bytes:
    """A canonical JSON (sorted keys, no spaces, UTF-8): the same facts always give the same bytes."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signed_document(
    *, session_uuid: str, person_uuid: str, signed_at: datetime, method: str, image_sha256: str | None
) -> dict:
    return {
        "session": session_uuid,
        "person": person_uuid,
        "time": signed_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "method": str(method),
        "image": image_sha256,
    }


def signature_hash(document: dict) -> str:
    return hashlib.sha256(canonical(document)).hexdigest()


def sheet_digest(hashes: Iterable[str]) -> str:
    """One hash over every signature of a sheet (in order): printed on the sheet and its verification page."""
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()


# --- Checks -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A session in time, as the checks see it: its id, its aware start and end, its trainers' ids."""

    id: int
    starts: datetime
    ends: datetime
    trainer_ids: frozenset[int] = frozenset()


def overlaps(a: Slot, b: Slot) -> bool:
    return a.id != b.id and a.starts < b.ends and b.starts < a.ends


def trainer_clashes(slot: Slot, others: Sequence[Slot]) -> dict[int, list[Slot]]:
    """Trainer id → the other sessions at the same time that also have that trainer."""
    out: dict[int, list[Slot]] = {}
    for other in others:
        if overlaps(slot, other):
            for trainer in slot.trainer_ids & other.trainer_ids:
                out.setdefault(trainer, []).append(other)
    return out


def over_capacity(seats: int | None, signed: int, adding: int = 0) -> bool:
    """More signatures than the room holds (no seats known: never)."""
    return seats is not None and signed + adding > seats


def holiday_name(
    on: date, calendars: Iterable[str], language: str = "fr", extra: dict[str, str] | None = None
) -> str | None:
    """The name of the public holiday on ``on`` in any of ``calendars`` ("FR", "BE", "FR-57"…: a country, then a
    subdivision after a dash), or None. Uses the ``holidays`` library (public category). ``extra`` maps "MM-DD" to
    a name for the days a training body also keeps (a Belgian community's or region's day: 11 July, 27 September,
    15 November, 8 May…), which the library files as school days, not public holidays."""
    if extra and on.strftime("%m-%d") in extra:
        return extra[on.strftime("%m-%d")]
    for calendar in calendars:
        country, _, subdivision = calendar.partition("-")
        name = _holiday_table(country, subdivision or None, on.year, language).get(on)
        if name:
            return name
    return None


@functools.lru_cache(maxsize=64)
def _holiday_table(country: str, subdivision: str | None, year: int, language: str):
    """One year's public holidays of a calendar, built once (the library's tables take milliseconds)."""
    import holidays  # why: imported when needed; the library builds its tables lazily

    try:
        return holidays.country_holidays(
            country, subdiv=subdivision, years=year, language=language, categories=("public",)
        )
    except NotImplementedError:
        raise ValueError(f"unknown holiday calendar {country!r} (subdivision {subdivision!r})") from None
