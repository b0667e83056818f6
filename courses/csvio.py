"""Parsing of the spreadsheet (CSV) imports: bytes in, typed rows or a complete list of errors out.

Pure: standard library and ``email_validator`` only. Checking the rows against the database (does this email
belong to the cohort, is there a session on that date…) and applying them all-or-nothing is the caller's job;
this module only reads the file and checks each cell and each row on its own, plus duplicates inside the file.

``parse(kind, data)`` never raises for bad content (``ValueError`` only for an unknown kind). It returns a
``ParseResult``: ``ok`` is the gate. ``rows`` holds, in file order, the rows that have no error of their own, so
the caller may check them against the database and show every problem at once; when the file itself or its
header row is unusable, ``rows`` is empty and only those errors are reported.

The file
    * UTF-8 with or without BOM, or UTF-16 with a BOM (Excel's "Unicode text"); anything else is refused.
      An Excel workbook (.xlsx/.xls) is recognised and refused with a hint to save as "CSV UTF-8".
    * Separator: comma, semicolon (French/Belgian Excel) or tab, detected from the header row (the one that
      splits it into the most known column names). An Excel ``sep=;`` first line is honoured and skipped.
    * Header row required; column names are case-insensitive, surrounding spaces ignored. Unknown, missing
      required and duplicated columns are errors (reported on row 1; then the rows are not read). A column with
      an empty name is tolerated as long as its cells are empty.
    * Blank lines are skipped. Row numbers are the spreadsheet's: header = row 1, first data row = row 2.
      Cells are stripped. More than ``MAX_ROWS`` (20,000) data rows is an error.

Values
    * Dates: ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (day and month may have one digit); impossible dates (2027-02-30)
      are errors, and so are years outside 2000-2099 (almost always a typo).
    * Times: ``HH:MM``, ``H:MM``, ``HH:MM:SS`` with seconds ``00``, and the French ``9h30``/``09h30``/``9h``.
      Local wall-clock times.
    * Emails: checked with ``email_validator`` (no DNS) and lower-cased.
    * Codes (module, competency): non-empty, no spaces, kept as written.
    * Status words: case- and accent-insensitive; spaces and hyphens count as ``_``. French words accepted:

      =============  ================================================================
      sessions       prévue/prévu → scheduled; annulée/annulé (and "canceled") → cancelled
      attendance     présent(e) → present; retard, en retard → late;
                     parti tôt, parti_tot, partie tôt → left_early; excusé(e) → excused;
                     absent(e) → absent
      placements     confirmé(e) → confirmed; en attente → pending; refusé(e) → rejected
      finalwork      réussi(e) → passed; échoué(e) → failed; en attente → pending
      =============  ================================================================

Kinds and columns (``?`` = optional column)
    sessions      module, date, start, end, status?   (status empty → scheduled; end after start)
    trainees      email, legal_name, display_name?, enrolled_on?, withdrawn_on?, trainee_type?, funding_source?
                  (values of the optional columns may be empty; withdrawn_on on or after enrolled_on;
                  trainee_type: employee, job_seeker, individual, other — or salarié(e), demandeur/demandeuse
                  d'emploi, particulier, autre; funding_source: opco, france_travail, region, cpf, employer,
                  self, other — or employeur, autofinancement, autre; empty leaves what is recorded)
    pauses        email, from, to                     (both inclusive; to on or after from)
    attendance    date, start, email, status, minutes?
                  (minutes attended: required for late/left_early, must be empty otherwise)
    placements    email, date, minutes, state         (minutes 1-1440)
    competencies  email, competency, validated_on
    finalwork     email, result

Duplicates inside one file are errors, reported on the later row with the earlier row number: trainees and
finalwork the same email; sessions the same (date, start); attendance the same (date, start, email); pauses
overlapping periods of the same email; competencies the same (email, competency). Placements may repeat.

Messages are English msgids with ``%(name)s`` placeholders, marked with ``N_`` for Babel (``-k N_``); render
them with ``CsvError.render(gettext)``.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from email_validator import EmailNotValidError, validate_email


def N_(message: str) -> str:
    """Mark a message for extraction (``pybabel extract -k N_``) without translating it now."""
    return message


KINDS = ("sessions", "trainees", "pauses", "attendance", "placements", "competencies", "finalwork")
MAX_ROWS = 20_000
MIN_YEAR, MAX_YEAR = 2000, 2099
MAX_MINUTES = 24 * 60
NAME_MAX_LENGTH = 200
MODULE_CODE_MAX_LENGTH = 20
COMPETENCY_CODE_MAX_LENGTH = 30

# Every column of each kind, in the order of the template; the required ones below.
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "sessions": ("module", "date", "start", "end", "status"),
    "trainees": (
        "email",
        "legal_name",
        "display_name",
        "enrolled_on",
        "withdrawn_on",
        "trainee_type",
        "funding_source",
    ),
    "pauses": ("email", "from", "to"),
    "attendance": ("date", "start", "email", "status", "minutes"),
    "placements": ("email", "date", "minutes", "state"),
    "competencies": ("email", "competency", "validated_on"),
    "finalwork": ("email", "result"),
}
_OPTIONAL_COLUMNS: Mapping[str, frozenset[str]] = {
    "sessions": frozenset({"status"}),
    "trainees": frozenset({"display_name", "enrolled_on", "withdrawn_on", "trainee_type", "funding_source"}),
    "attendance": frozenset({"minutes"}),
}
REQUIRED_COLUMNS: Mapping[str, tuple[str, ...]] = {
    kind: tuple(c for c in columns if c not in _OPTIONAL_COLUMNS.get(kind, frozenset()))
    for kind, columns in COLUMNS.items()
}

# --- messages -------------------------------------------------------------------------------------------------

MSG_ROW_COLUMN = N_("Row %(row)d, column %(column)s: %(message)s")
MSG_ROW = N_("Row %(row)d: %(message)s")

MSG_NOT_UTF8 = N_("The file is not UTF-8 text: in Excel, choose “CSV UTF-8” when saving it.")
MSG_WORKBOOK = N_("This is an Excel workbook, not a CSV file: in Excel, choose “CSV UTF-8” when saving it.")
MSG_EMPTY_FILE = N_("The file is empty.")
MSG_NO_DATA = N_("The file has a header row but no data below it.")
MSG_TOO_MANY_ROWS = N_("The file has more than %(limit)d rows. Please split it into smaller files.")
MSG_UNREADABLE = N_(
    'This row cannot be read: a cell is far too long, or a quote mark (") is not closed. Check this row.'
)
MSG_UNKNOWN_COLUMNS = N_("Unknown column(s): %(columns)s. The expected columns are: %(expected)s.")
MSG_MISSING_COLUMNS = N_("Missing column(s): %(columns)s. The expected columns are: %(expected)s.")
MSG_DUPLICATE_COLUMN = N_("The column %(column)s appears more than once in the header row.")
MSG_NAMELESS_COLUMN = N_("Column %(letter)s has a value but no name in the header row.")

MSG_REQUIRED = N_("This cell must not be empty.")
MSG_DATE_FORMAT = N_("%(value)s is not a date. Write it as YYYY-MM-DD or DD/MM/YYYY, for example 2027-09-03.")
MSG_DATE_IMPOSSIBLE = N_("This date does not exist: %(value)s.")
MSG_DATE_YEAR = N_("The year of %(value)s looks wrong: it should be between %(min)d and %(max)d.")
MSG_TIME_FORMAT = N_("%(value)s is not a time. Write the time as HH:MM, for example 09:30.")
MSG_TIME_IMPOSSIBLE = N_("This time does not exist: %(value)s. Write the time as HH:MM, for example 09:30.")
MSG_END_BEFORE_START = N_("The end time (%(end)s) must be after the start time (%(start)s).")
MSG_EMAIL = N_("%(value)s is not a valid email address.")
MSG_CHOICE = N_("%(value)s is not a valid value here. Use one of: %(choices)s.")
MSG_WHOLE_NUMBER = N_("%(value)s is not a whole number of minutes. Write digits only, for example 90.")
MSG_MINUTES_RANGE = N_("%(value)s minutes is not possible here: write a number between %(min)d and %(max)d.")
MSG_MINUTES_NEEDED = N_("Write the number of minutes attended: it is needed when the status is %(status)s.")
MSG_MINUTES_UNUSED = N_(
    "Leave the minutes empty when the status is %(status)s: minutes are only used for late and left_early."
)
MSG_TOO_LONG = N_("This text is too long: %(length)d characters, at most %(max)d.")
MSG_LINE_BREAK = N_(
    "This cell contains a line break or another invisible character. Keep the text on one line "
    '(and check for a quote mark (") that is not closed).'
)
MSG_CODE = N_("%(value)s is not a valid code: a code has no spaces, for example %(example)s.")
MSG_CODE_TOO_LONG = N_("The code %(value)s is too long: at most %(max)d characters.")
MSG_WITHDRAWN_BEFORE_ENROLLED = N_(
    "The withdrawal date (%(withdrawn_on)s) is before the enrolment date (%(enrolled_on)s)."
)
MSG_PAUSE_ENDS_BEFORE = N_("The pause ends (%(to)s) before it starts (%(from)s).")

MSG_DUP_TRAINEE = N_("%(email)s is already listed on row %(other)d.")
MSG_DUP_SESSION = N_("Another session on %(date)s at %(start)s is already listed on row %(other)d.")
MSG_DUP_ATTENDANCE = N_("%(email)s already has a line for the session of %(date)s at %(start)s on row %(other)d.")
MSG_DUP_PAUSE = N_("This pause of %(email)s overlaps the pause on row %(other)d.")
MSG_DUP_COMPETENCY = N_("The competency %(competency)s of %(email)s is already listed on row %(other)d.")
MSG_DUP_FINALWORK = N_("%(email)s already has a result on row %(other)d.")


def _identity(message: str) -> str:
    return message


@dataclass(frozen=True)
class CsvError:
    """One problem: ``row`` is the spreadsheet row (1 = header, None for the whole file), ``column`` the column
    name as in ``COLUMNS`` (None when the problem is not in one column)."""

    row: int | None
    column: str | None
    message: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def render(self, gettext: Callable[[str], str] = _identity) -> str:
        message = gettext(self.message) % dict(self.params)
        if self.row is None:
            return message
        if self.column is None:
            return gettext(MSG_ROW) % {"row": self.row, "message": message}
        return gettext(MSG_ROW_COLUMN) % {"row": self.row, "column": self.column, "message": message}


@dataclass(frozen=True)
class ParseResult:
    kind: str
    rows: tuple[Any, ...]
    errors: tuple[CsvError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class SessionRow:
    row: int
    module: str
    date: date
    start: time
    end: time
    status: str  # scheduled | cancelled


@dataclass(frozen=True)
class TraineeRow:
    row: int
    email: str
    legal_name: str
    display_name: str | None
    enrolled_on: date | None
    withdrawn_on: date | None
    trainee_type: str | None = None  # for the BPF; None: leave what is recorded
    funding_source: str | None = None


@dataclass(frozen=True)
class PauseRow:
    row: int
    email: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class AttendanceRow:
    row: int
    date: date
    start: time
    email: str
    status: str  # present | late | left_early | excused | absent
    minutes: int | None  # attended minutes, only for late and left_early


@dataclass(frozen=True)
class PlacementRow:
    row: int
    email: str
    date: date
    minutes: int
    state: str  # confirmed | pending | rejected


@dataclass(frozen=True)
class CompetencyRow:
    row: int
    email: str
    competency: str
    validated_on: date


@dataclass(frozen=True)
class FinalWorkRow:
    row: int
    email: str
    result: str  # passed | failed | pending


# --- status words ---------------------------------------------------------------------------------------------


def _choices(canonical: tuple[str, ...], **french: str) -> tuple[tuple[str, ...], Mapping[str, str]]:
    words = {word: word for word in canonical}
    words.update(french)
    return canonical, words


_TRAINEE_TYPE = _choices(
    ("employee", "job_seeker", "individual", "other"), salarie="employee", salariee="employee",
    **{"demandeur_d'emploi": "job_seeker", "demandeuse_d'emploi": "job_seeker"}, demandeur_emploi="job_seeker",
    demandeuse_emploi="job_seeker", particulier="individual", particuliere="individual", autre="other",
)  # fmt: skip
_FUNDING_SOURCE = _choices(
    ("opco", "france_travail", "region", "cpf", "employer", "self", "other"), employeur="employer",
    autofinancement="self", autre="other", pole_emploi="france_travail",
)  # fmt: skip
_SESSION_STATUS = _choices(
    ("scheduled", "cancelled"), prevue="scheduled", prevu="scheduled", annulee="cancelled", annule="cancelled",
    canceled="cancelled",
)  # fmt: skip
_ATTENDANCE_STATUS = _choices(
    ("present", "late", "left_early", "excused", "absent"),
    presente="present", retard="late", en_retard="late", parti_tot="left_early", partie_tot="left_early",
    excuse="excused", excusee="excused", absente="absent",
)  # fmt: skip
_PLACEMENT_STATE = _choices(
    ("confirmed", "pending", "rejected"),
    confirme="confirmed", confirmee="confirmed", en_attente="pending", refuse="rejected", refusee="rejected",
)  # fmt: skip
_FINALWORK_RESULT = _choices(
    ("passed", "failed", "pending"),
    reussi="passed", reussie="passed", echoue="failed", echouee="failed", en_attente="pending",
)  # fmt: skip

_MINUTES_STATUSES = frozenset({"late", "left_early"})


def _word(value: str) -> str:
    """Lower case, no accents, runs of spaces, hyphens and underscores → one ``_``."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s_\-]+", "_", plain).strip("_")


# --- cells ----------------------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_FR_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?|([0-9]{1,2})[hH]([0-9]{2})?")
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


@functools.lru_cache(maxsize=4096)  # attendance files repeat the same few dozen addresses
def _normalize_email(value: str) -> str | None:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


class _Cells:
    """The cells of one data row, with typed readers that record errors instead of raising."""

    def __init__(self, row: int, values: Mapping[str, str], errors: list[CsvError]) -> None:
        self.row = row
        self.values = values
        self.errors = errors
        self.failed = False

    def error(self, column: str | None, message: str, **params: Any) -> None:
        self.errors.append(CsvError(self.row, column, message, params))
        self.failed = True

    def raw(self, column: str) -> str:
        return self.values.get(column, "")

    def _value(self, column: str, required: bool) -> str | None:
        value = self.raw(column)
        if not value:
            if required:
                self.error(column, MSG_REQUIRED)
            return None
        return value

    def date(self, column: str, required: bool = True) -> date | None:
        value = self._value(column, required)
        if value is None:
            return None
        if match := _ISO_DATE.fullmatch(value):
            year, month, day = (int(g) for g in match.groups())
        elif match := _FR_DATE.fullmatch(value):
            day, month, year = (int(g) for g in match.groups())
        else:
            self.error(column, MSG_DATE_FORMAT, value=value)
            return None
        try:
            parsed = date(year, month, day)
        except ValueError:
            self.error(column, MSG_DATE_IMPOSSIBLE, value=value)
            return None
        if not MIN_YEAR <= parsed.year <= MAX_YEAR:
            self.error(column, MSG_DATE_YEAR, value=value, min=MIN_YEAR, max=MAX_YEAR)
            return None
        return parsed

    def time(self, column: str) -> time | None:
        value = self._value(column, True)
        if value is None:
            return None
        match = _TIME.fullmatch(value)
        if not match:
            self.error(column, MSG_TIME_FORMAT, value=value)
            return None
        hours, minutes, seconds, h_hours, h_minutes = match.groups()
        if hours is None:
            hours, minutes = h_hours, h_minutes or "0"
        if int(hours) > 23 or int(minutes) > 59 or (seconds is not None and int(seconds) != 0):
            self.error(column, MSG_TIME_IMPOSSIBLE, value=value)
            return None
        return time(int(hours), int(minutes))

    def email(self, column: str = "email") -> str | None:
        value = self._value(column, True)
        if value is None:
            return None
        normalized = _normalize_email(value)
        if normalized is None:
            self.error(column, MSG_EMAIL, value=value)
        return normalized

    def choice(
        self, column: str, choices: tuple[tuple[str, ...], Mapping[str, str]], default: str | None = None
    ) -> str | None:
        value = self._value(column, default is None)
        if value is None:
            return default
        canonical, words = choices
        word = words.get(_word(value))
        if word is None:
            self.error(column, MSG_CHOICE, value=value, choices=", ".join(canonical))
        return word

    def text(self, column: str, required: bool, max_length: int = NAME_MAX_LENGTH) -> str | None:
        value = self._value(column, required)
        if value is None:
            return None
        if any(unicodedata.category(ch) in _FORBIDDEN_CATEGORIES for ch in value):
            self.error(column, MSG_LINE_BREAK)
            return None
        if len(value) > max_length:
            self.error(column, MSG_TOO_LONG, length=len(value), max=max_length)
            return None
        return value

    def code(self, column: str, max_length: int, example: str) -> str | None:
        value = self._value(column, True)
        if value is None:
            return None
        if any(ch.isspace() or unicodedata.category(ch) in _FORBIDDEN_CATEGORIES for ch in value):
            self.error(column, MSG_CODE, value=value, example=example)
            return None
        if len(value) > max_length:
            self.error(column, MSG_CODE_TOO_LONG, value=value, max=max_length)
            return None
        return value

    def minutes(self, column: str, minimum: int, required: bool = True) -> int | None:
        value = self._value(column, required)
        if value is None:
            return None
        if not re.fullmatch(r"[0-9]+", value):
            self.error(column, MSG_WHOLE_NUMBER, value=value)
            return None
        number = int(value) if len(value) <= 9 else MAX_MINUTES + 1
        if not minimum <= number <= MAX_MINUTES:
            self.error(column, MSG_MINUTES_RANGE, value=value, min=minimum, max=MAX_MINUTES)
            return None
        return number


# --- one builder per kind -------------------------------------------------------------------------------------


def _session(c: _Cells) -> SessionRow | None:
    module = c.code("module", MODULE_CODE_MAX_LENGTH, "M1")
    on = c.date("date")
    start = c.time("start")
    end = c.time("end")
    status = c.choice("status", _SESSION_STATUS, default="scheduled")
    if start is not None and end is not None and end <= start:
        c.error("end", MSG_END_BEFORE_START, start=start.strftime("%H:%M"), end=end.strftime("%H:%M"))
    if c.failed:
        return None
    return SessionRow(c.row, module, on, start, end, status)


def _trainee(c: _Cells) -> TraineeRow | None:
    email = c.email()
    legal_name = c.text("legal_name", required=True)
    display_name = c.text("display_name", required=False)
    enrolled_on = c.date("enrolled_on", required=False)
    withdrawn_on = c.date("withdrawn_on", required=False)
    trainee_type = c.choice("trainee_type", _TRAINEE_TYPE, default="") or None
    funding_source = c.choice("funding_source", _FUNDING_SOURCE, default="") or None
    if enrolled_on is not None and withdrawn_on is not None and withdrawn_on < enrolled_on:
        c.error(
            "withdrawn_on",
            MSG_WITHDRAWN_BEFORE_ENROLLED,
            withdrawn_on=c.raw("withdrawn_on"),
            enrolled_on=c.raw("enrolled_on"),
        )
    if c.failed:
        return None
    return TraineeRow(c.row, email, legal_name, display_name, enrolled_on, withdrawn_on, trainee_type, funding_source)


def _pause(c: _Cells) -> PauseRow | None:
    email = c.email()
    starts_on = c.date("from")
    ends_on = c.date("to")
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        c.error("to", MSG_PAUSE_ENDS_BEFORE, **{"from": c.raw("from"), "to": c.raw("to")})
    if c.failed:
        return None
    return PauseRow(c.row, email, starts_on, ends_on)


def _attendance(c: _Cells) -> AttendanceRow | None:
    on = c.date("date")
    start = c.time("start")
    email = c.email()
    status = c.choice("status", _ATTENDANCE_STATUS)
    minutes = None
    if status in _MINUTES_STATUSES:
        if c.raw("minutes"):
            minutes = c.minutes("minutes", minimum=0)
        else:
            c.error("minutes", MSG_MINUTES_NEEDED, status=status)
    elif status is not None and c.raw("minutes"):
        c.error("minutes", MSG_MINUTES_UNUSED, status=status)
    if c.failed:
        return None
    return AttendanceRow(c.row, on, start, email, status, minutes)


def _placement(c: _Cells) -> PlacementRow | None:
    email = c.email()
    on = c.date("date")
    minutes = c.minutes("minutes", minimum=1)
    state = c.choice("state", _PLACEMENT_STATE)
    if c.failed:
        return None
    return PlacementRow(c.row, email, on, minutes, state)


def _competency(c: _Cells) -> CompetencyRow | None:
    email = c.email()
    competency = c.code("competency", COMPETENCY_CODE_MAX_LENGTH, "C-M1-01")
    validated_on = c.date("validated_on")
    if c.failed:
        return None
    return CompetencyRow(c.row, email, competency, validated_on)


def _finalwork(c: _Cells) -> FinalWorkRow | None:
    email = c.email()
    result = c.choice("result", _FINALWORK_RESULT)
    if c.failed:
        return None
    return FinalWorkRow(c.row, email, result)


_BUILDERS: Mapping[str, Callable[[_Cells], Any]] = {
    "sessions": _session,
    "trainees": _trainee,
    "pauses": _pause,
    "attendance": _attendance,
    "placements": _placement,
    "competencies": _competency,
    "finalwork": _finalwork,
}


# --- duplicates -----------------------------------------------------------------------------------------------


def _hhmm(value: time) -> str:
    return value.strftime("%H:%M")


def _same_key(
    rows: list[Any], key: Callable[[Any], object], column: str, message: str, params: Callable[[Any], dict]
) -> list[CsvError]:
    first: dict[object, int] = {}
    errors = []
    for row in rows:
        k = key(row)
        if k in first:
            errors.append(CsvError(row.row, column, message, {**params(row), "other": first[k]}))
        else:
            first[k] = row.row
    return errors


def _overlapping_pauses(rows: list[PauseRow]) -> list[CsvError]:
    by_email: dict[str, list[PauseRow]] = {}
    for row in rows:
        by_email.setdefault(row.email, []).append(row)
    errors = []
    for pauses in by_email.values():
        pauses.sort(key=lambda p: (p.starts_on, p.row))
        reach: PauseRow | None = None  # the pause seen so far that ends last
        for pause in pauses:
            if reach is not None and pause.starts_on <= reach.ends_on:
                later, earlier = (pause, reach) if pause.row > reach.row else (reach, pause)
                errors.append(CsvError(later.row, "from", MSG_DUP_PAUSE, {"email": later.email, "other": earlier.row}))
            if reach is None or pause.ends_on > reach.ends_on:
                reach = pause
    return errors


def _duplicates(kind: str, rows: list[Any]) -> list[CsvError]:
    if kind == "trainees":
        return _same_key(rows, lambda r: r.email, "email", MSG_DUP_TRAINEE, lambda r: {"email": r.email})
    if kind == "finalwork":
        return _same_key(rows, lambda r: r.email, "email", MSG_DUP_FINALWORK, lambda r: {"email": r.email})
    if kind == "sessions":
        return _same_key(
            rows,
            lambda r: (r.date, r.start),
            "start",
            MSG_DUP_SESSION,
            lambda r: {"date": r.date.isoformat(), "start": _hhmm(r.start)},
        )
    if kind == "attendance":
        return _same_key(
            rows,
            lambda r: (r.date, r.start, r.email),
            "email",
            MSG_DUP_ATTENDANCE,
            lambda r: {"email": r.email, "date": r.date.isoformat(), "start": _hhmm(r.start)},
        )
    if kind == "competencies":
        return _same_key(
            rows,
            lambda r: (r.email, r.competency.casefold()),
            "competency",
            MSG_DUP_COMPETENCY,
            lambda r: {"email": r.email, "competency": r.competency},
        )
    if kind == "pauses":
        return _overlapping_pauses(rows)
    return []


# --- the file -------------------------------------------------------------------------------------------------

_DELIMITERS = (",", ";", "\t")
_SEP_LINE = re.compile(r"sep=(.)[ \t]*(?:\r\n|\r|\n|$)", re.IGNORECASE)


def _decode(data: bytes) -> tuple[str | None, CsvError | None]:
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return None, CsvError(None, None, MSG_WORKBOOK)
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")) and not data.startswith(b"\xff\xfe\x00\x00"):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, CsvError(None, None, MSG_NOT_UTF8)
    if "\x00" in text:  # UTF-16 without a BOM, or a binary file, decodes as "UTF-8" full of NULs
        return None, CsvError(None, None, MSG_NOT_UTF8)
    return text.removeprefix("\ufeff"), None


def _column_name(cell: str) -> str:
    return cell.strip().removeprefix("\ufeff").strip().lower()


_BLANK_CELL = re.compile(r"[\s,;]*")


def _is_blank(record: list[str]) -> bool:
    """Only spaces and separators, whatever the separator: a row that a spreadsheet shows empty."""
    return all(_BLANK_CELL.fullmatch(cell) for cell in record)


def _first_record(text: str, delimiter: str) -> list[str]:
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if not _is_blank(record):
                return record
    except csv.Error:
        pass
    return []


def _guess_delimiter(text: str, known: tuple[str, ...]) -> str:
    def score(delimiter: str) -> tuple[int, int]:
        header = [_column_name(cell) for cell in _first_record(text, delimiter)]
        return len(set(header) & set(known)), len(header)

    return max(_DELIMITERS, key=score)  # max keeps the first of equals: comma, then semicolon, then tab


def _letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the spreadsheet's column letters."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _read_header(kind: str, header: list[str], row: int) -> tuple[list[str | None] | None, list[CsvError]]:
    """Map each position of the header to a column of ``kind`` (None for a nameless column), or errors."""
    known = COLUMNS[kind]
    expected = ", ".join(known)
    names = [_column_name(cell) for cell in header]
    errors = []
    unknown = [cell.strip() for cell, name in zip(header, names, strict=True) if name and name not in known]
    if unknown:
        errors.append(CsvError(row, None, MSG_UNKNOWN_COLUMNS, {"columns": ", ".join(unknown), "expected": expected}))
    missing = [name for name in REQUIRED_COLUMNS[kind] if name not in names]
    if missing:
        errors.append(CsvError(row, None, MSG_MISSING_COLUMNS, {"columns": ", ".join(missing), "expected": expected}))
    for name in known:
        if names.count(name) > 1:
            errors.append(CsvError(row, name, MSG_DUPLICATE_COLUMN, {"column": name}))
    if errors:
        return None, errors
    return [name or None for name in names], []


def parse(kind: str, data: bytes, *, max_rows: int = MAX_ROWS) -> ParseResult:
    """Read an import file of ``kind``; see the module docstring. Raises ValueError only for an unknown kind."""
    if kind not in COLUMNS:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")

    def failed(*errors: CsvError) -> ParseResult:
        return ParseResult(kind, (), tuple(errors))

    text, error = _decode(data)
    if error is not None:
        return failed(error)
    assert text is not None
    if match := _SEP_LINE.match(text):
        delimiter, text = match.group(1), text[match.end() :]
    else:
        delimiter = _guess_delimiter(text, COLUMNS[kind])

    # Read every record first, so that the row cap is checked before any cell is.
    header: tuple[int, list[str]] | None = None
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    row = 0
    while True:
        row += 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            return failed(CsvError(row, None, MSG_UNREADABLE))
        if _is_blank(record):
            continue
        if header is None:
            header = (row, record)
            continue
        records.append((row, record))
        if len(records) > max_rows:
            return failed(CsvError(None, None, MSG_TOO_MANY_ROWS, {"limit": max_rows}))
    if header is None:
        return failed(CsvError(None, None, MSG_EMPTY_FILE))
    header_row, header_cells = header
    columns, header_errors = _read_header(kind, header_cells, header_row)
    if header_errors:
        return failed(*header_errors)
    assert columns is not None
    if not records:
        return failed(CsvError(None, None, MSG_NO_DATA))

    build = _BUILDERS[kind]
    errors: list[CsvError] = []
    rows = []
    for row, record in records:
        values = {}
        cells = _Cells(row, values, errors)
        for index, cell in enumerate(record):
            value = cell.strip()
            name = columns[index] if index < len(columns) else None
            if name is not None:
                values[name] = value
            elif value:
                cells.error(None, MSG_NAMELESS_COLUMN, letter=_letter(index))
        built = build(cells)
        if built is not None and not cells.failed:
            rows.append(built)
    duplicate_errors = _duplicates(kind, rows)
    if duplicate_errors:
        errors.extend(duplicate_errors)
        flagged = {e.row for e in duplicate_errors}
        rows = [r for r in rows if r.row not in flagged]
        errors.sort(key=lambda e: e.row or 0)  # stable: within a row, the cell errors come first
    return ParseResult(kind, tuple(rows), tuple(errors))
