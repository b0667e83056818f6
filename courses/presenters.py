"""Words and numbers as people read them: hours as "9 h 30", statuses and reasons in plain language.

Trainees read these pages: the wording says what is done and what is still possible, never blames.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from fractions import Fraction

from babel.numbers import format_percent
from babel.units import format_unit
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.i18n import current_language, sort_key
from courses import rules
from courses.models import Enrolment
from courses.programme_spec import EVIDENCE_TYPES

STATUS_LABELS = {
    "eligible": _l("All conditions met"),
    "in_progress": _l("In progress"),
    "unreachable": _l("Attendance threshold out of reach"),
    "withdrawn": _l("Left the training"),
}
STATUS_TAGS = {"eligible": "ok", "in_progress": "wait", "unreachable": "off", "withdrawn": "off"}
MARK_LABELS = {
    "present": _l("Present"),
    "late": _l("Late"),
    "left_early": _l("Left early"),
    "excused": _l("Excused"),
    "absent": _l("Absent"),
}
#: How a signature was given (émargement), as the sheet says it.
METHOD_LABELS = {
    "own_phone": _l("Own phone (QR code)"),
    "code": _l("Own phone (code typed)"),
    "password": _l("Own phone (session password)"),
    "trainer_device": _l("Trainer's device"),
    "trainer_override": _l("Recorded by the trainer"),
}
#: A mark as the trainee's attendance summary words it (plain and neutral: an absence, not an "absent·e").
SUMMARY_LABELS = {
    "present": _l("Present"),
    "late": _l("Late arrival"),
    "left_early": _l("Early departure"),
    "excused": _l("Excused absence"),
    "absent": _l("Absence"),
}
HOURS_STATE_LABELS = {
    "pending": _l("Waiting for confirmation"),
    "confirmed": _l("Confirmed"),
    "rejected": _l("Not confirmed"),
}
FINAL_WORK_LABELS = {"pending": _l("Not assessed yet"), "passed": _l("Passed"), "failed": _l("Not passed")}


def evidence_label(code: str, language: str | None = None) -> str:
    """The kind of evidence as trainers read it: the reference label without its internal note in brackets
    ("Présence aux intervisions (présence seulement)" → "Présence aux intervisions")."""
    labels = EVIDENCE_TYPES.get(code)
    if labels is None:
        return code
    label = labels.get(language or lang()) or labels["fr"]
    return label.split(" (")[0].strip()


def name_key(name: str) -> tuple[str, str, str]:
    """Sort people as a reader expects: "Élise" between "Dario" and "Farid", not after "Yusuf" (``core.i18n``)."""
    return sort_key(name)


def name_slug(name: str) -> str:
    """ "Élise Fictive" → "elise-fictive" (for file names)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(ch if ch.isalnum() else " " for ch in folded).split()) or "document"


def lang() -> str:
    return current_language()


def hm(minutes: int | None) -> str:
    """A duration as people of the current language write it: French "2 h 05", "1 h", "45 min"; Dutch (Belgian
    usage) "2 u 05", "1 u"; English "2 hr 5 min" (CLDR's short units, as for any other language). Never breaks
    across two lines."""
    if minutes is None:
        return "—"
    sign = "−" if minutes < 0 else ""
    hours, rest = divmod(abs(int(minutes)), 60)
    nbsp = "\u00a0"  # "15 h" never breaks across two lines
    locale = get_locale()
    if locale is None or locale.language in ("fr", "nl"):
        unit = "u" if locale is not None and locale.language == "nl" else "h"
        if hours and rest:
            return f"{sign}{hours}{nbsp}{unit}{nbsp}{rest:02d}"
        if hours:
            return f"{sign}{hours}{nbsp}{unit}"
        return f"{sign}{rest}{nbsp}min"
    parts = []
    if hours:
        parts.append(format_unit(hours, "duration-hour", length="short", locale=locale))
    if rest or not hours:
        parts.append(format_unit(rest, "duration-minute", length="short", locale=locale))
    return sign + nbsp.join(p.replace(" ", nbsp) for p in parts)


def percent(value: Fraction | None) -> str:
    """A percentage (0–100) floored by the one rule of ``rules.shown_percent`` (74.99 → 74.9: never shows a
    threshold as met when it is not), written the current language's way: "74,9 %" in French, "74.9%" in
    English."""
    if value is None:
        return "—"
    return format_percent(rules.shown_percent(value) / 100, locale=get_locale() or "fr", decimal_quantization=False)


def absence_reason(enrolment: Enrolment, day: date) -> str | None:
    """Why this trainee is not expected at a session on ``day`` (None: expected)."""
    if day < enrolment.enrolled_on:
        return _("not enrolled yet")
    if enrolment.withdrawn_on is not None and day >= enrolment.withdrawn_on:
        return _("left the training")
    if any(p.starts_on <= day <= p.ends_on for p in enrolment.pauses):
        return _("on a pause")
    return None


def expected_on(enrolment: Enrolment, day: date) -> bool:
    return absence_reason(enrolment, day) is None


def _attendance_for_trainee(e: rules.Evaluation, threshold: int | Fraction) -> list[str]:
    """Where a trainee stands with attendance, in short true sentences: never "above" when below, and what
    "can still miss" means when it is about the end of the training."""
    if e.attendance_percent is None:
        return [_("No session counted yet.")]
    rate = percent(e.attendance_percent)
    left = e.programme.remaining_sessions
    miss = e.can_still_miss_minutes
    if e.attendance_met:
        out = [
            _("Your attendance is %(rate)s. You need %(threshold)s%%: that is done.", rate=rate, threshold=threshold)
        ]
        if miss is not None and left:
            out.append(_("You can still miss %(time)s and keep it.", time=hm(miss)))
        return out
    if e.status is rules.Status.UNREACHABLE or miss is None:
        return [
            _("Your attendance is %(rate)s. You need %(threshold)s%%.", rate=rate, threshold=threshold),
            _("With the sessions left, it is no longer possible."),
            _("Talk about it with your contact person: there are solutions."),
        ]
    out = [
        _("Your attendance is %(rate)s. You need %(threshold)s%% at the end.", rate=rate, threshold=threshold),
        _("You can still get there."),
    ]
    if miss:
        out.append(_("For that, miss no more than %(time)s of the sessions left.", time=hm(miss)))
    else:
        out.append(_("For that, come to every session left."))
    return out


def explain(e: rules.Evaluation, threshold: int | Fraction, *, for_trainee: bool = False) -> list[str]:
    """The situation in sentences, what is done first, then what remains."""
    out: list[str] = []
    if e.status is rules.Status.WITHDRAWN:
        return [_("Left the training.")]
    if for_trainee:
        out += _attendance_for_trainee(e, threshold)
    elif e.attendance_percent is None:
        out.append(_("No session counted yet."))
    elif e.attendance_met:
        out.append(
            _(
                "Attendance %(rate)s: above the %(threshold)s%% required.",
                rate=percent(e.attendance_percent),
                threshold=threshold,
            )
        )
    elif e.status is rules.Status.UNREACHABLE:
        out.append(
            _(
                "Attendance %(rate)s: the %(threshold)s%% can no longer be reached with the sessions left. "
                "Talk with the coordination: solutions exist.",
                rate=percent(e.attendance_percent),
                threshold=threshold,
            )
        )
    else:
        out.append(
            _(
                "Attendance %(rate)s: below the %(threshold)s%% for now, still reachable.",
                rate=percent(e.attendance_percent),
                threshold=threshold,
            )
        )
    if e.can_still_miss_minutes is not None and e.programme.remaining_sessions and not for_trainee:
        out.append(_("Can still miss %(time)s.", time=hm(e.can_still_miss_minutes)))
    if e.placement_minutes_required:
        if e.placement_met:
            out.append(_("Practice hours: %(done)s confirmed, target reached.", done=hm(e.placement_minutes)))
        else:
            out.append(
                _(
                    "Practice hours: %(done)s confirmed out of %(target)s.",
                    done=hm(e.placement_minutes),
                    target=hm(e.placement_minutes_required),
                )
            )
    if e.competencies_required:
        out.append(
            _(
                "Competencies: %(done)d validated out of %(total)d.",
                done=e.competencies_validated,
                total=e.competencies_required,
            )
        )
    if not e.final_work_met:
        out.append(_("Final work: %(state)s.", state=FINAL_WORK_LABELS.get(e.final_work, e.final_work)))
    if e.programme.unmarked and not for_trainee:
        unmarked = len(e.programme.unmarked)
        out.append(
            ngettext(
                "%(num)d past session without attendance taken.",
                "%(num)d past sessions without attendance taken.",
                unmarked,
            )
        )
    return out
