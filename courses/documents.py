"""The documents a training body hands out and its funders ask for, from the facts the platform holds, each a
tagged PDF signed by the training body (``core.pdf`` signs every PDF: PAdES, see ``core.pdf_signing``):

* **certificat de réalisation** (France, ministry model since 1 June 2020): the training body and its declaration
  number (NDA), the trainee, the action's title and nature, its dates, the **hours actually completed** over the
  period asked (the eligibility engine's attended minutes: see :func:`hours`), place, date and signature. In
  Belgium (``ORGANISATION_COUNTRY = "BE"``) the same facts are titled "attestation de participation";
* **attestation d'assiduité**: hours attended and hours planned, per module, over the period;
* **attestation de fin de formation**: objectives, nature, duration, competencies validated (titles only);
* **convocation**: dates, place, what to bring, the contact and the disability referent (programme's
  ``documents:`` block).

What they never say: absences one by one, their reasons, pauses, evidence, comments, anything about health or life
history (domain.md). Hours are whole minutes from the engine, shown as "12 h 30".
"""

from __future__ import annotations

import contextlib
import logging
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from badges import keys
from core import pdf
from core.db import db
from core.i18n import current_language, localized
from core.models import User
from core.services import ServiceError
from courses import certificates, eligibility
from courses.models import Cohort, Enrolment, Module, TrainingSession, minutes_between

log = logging.getLogger(__name__)

REALISATION = "realisation"
ATTENDANCE = "assiduite"
COMPLETION = "fin-formation"
CONVOCATION = "convocation"
KINDS = (REALISATION, ATTENDANCE, COMPLETION, CONVOCATION)
#: Documents that cover a period (the others cover the whole action).
PERIOD_KINDS = (REALISATION, ATTENDANCE)

TITLES = {
    REALISATION: _l("Certificate of completion (certificat de réalisation)"),
    ATTENDANCE: _l("Attendance certificate"),
    COMPLETION: _l("End-of-training certificate"),
    CONVOCATION: _l("Invitation to the training"),
}
#: Belgian wording where it differs (no ministry model, no NDA: a certificate of participation).
TITLES_BE = {REALISATION: _l("Certificate of participation")}

NATURES = {
    "action_de_formation": _l("Training action"),
    "bilan_de_competences": _l("Skills assessment (bilan de compétences)"),
    "vae": _l("Validation of prior learning (VAE)"),
    "apprentissage": _l("Apprenticeship training action"),
}

_TEMPLATES = {
    REALISATION: "courses/documents/realisation.html",
    ATTENDANCE: "courses/documents/attendance.html",
    COMPLETION: "courses/documents/completion.html",
    CONVOCATION: "courses/documents/convocation.html",
}


class DocumentError(ServiceError):
    """A document that cannot be made as asked (bad period, unknown kind); the message is for people."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date


@dataclass(frozen=True)
class ModuleHours:
    code: str | None
    title: dict[str, str] | None
    attended_minutes: int
    planned_minutes: int


@dataclass(frozen=True)
class Hours:
    """Minutes attended and planned over a period, in total and per module (the engine's figures)."""

    attended_minutes: int
    planned_minutes: int
    modules: tuple[ModuleHours, ...]


# ------------------------------------------------------------------------------------------------ facts


def period_for(cohort: Cohort, start: date | None = None, end: date | None = None) -> Period:
    """The period asked, or the whole action (the cohort's first day to its last); refused when it is empty or
    lies outside the action."""
    first, last = start or cohort.starts_on, end or cohort.ends_on
    if first > last:
        raise DocumentError(_l("The start date must be on or before the end date."))
    if last < cohort.starts_on or first > cohort.ends_on:
        raise DocumentError(
            _l(
                "This period is outside the training (%(start)s to %(end)s).",
                start=cohort.starts_on.isoformat(),
                end=cohort.ends_on.isoformat(),
            )
        )
    return Period(max(first, cohort.starts_on), min(last, cohort.ends_on))


def hours(enrolment: Enrolment, period: Period) -> Hours:
    """Hours attended and planned over ``period``, from the eligibility engine: its figures at the period's end
    minus its figures the day before the period starts (the engine counts the sessions held up to a date, each
    with the minutes its mark gives: present, late, left early). So the certificat de réalisation says exactly what
    the engine says for the same period (a property test checks it)."""
    after = eligibility.evaluate_enrolment(enrolment, period.end)
    before = eligibility.evaluate_enrolment(enrolment, period.start - timedelta(days=1))
    titles = {
        m.code: dict(m.title)
        for m in db.session.scalars(db.select(Module).where(Module.programme_id == enrolment.cohort.programme_id))
    }
    modules = []
    for code, group in after.modules.items():
        earlier = before.modules.get(code)
        attended = group.attended_minutes - (earlier.attended_minutes if earlier else 0)
        planned = group.counted_minutes - (earlier.counted_minutes if earlier else 0)
        if planned or attended:
            modules.append(ModuleHours(code, titles.get(code) if code else None, attended, planned))
    return Hours(
        attended_minutes=after.programme.attended_minutes - before.programme.attended_minutes,
        planned_minutes=after.programme.counted_minutes - before.programme.counted_minutes,
        modules=tuple(modules),
    )


def organisation() -> dict[str, Any]:
    """The training body as its documents name it (configuration, else the badge issuer)."""
    config = current_app.config
    issuer = keys.get_issuer()
    name = config.get("ORGANISATION_NAME") or (issuer.name if issuer else None) or "Tremplin"
    return {
        "name": str(name),
        "nda": str(config["ORGANISATION_NDA"]) if config.get("ORGANISATION_NDA") else None,
        "country": str(config.get("ORGANISATION_COUNTRY") or "FR").upper(),
        "url": issuer.url if issuer else config.get("BASE_URL"),
    }


def _sessions(cohort: Cohort) -> list[TrainingSession]:
    return list(
        db.session.scalars(
            db.select(TrainingSession)
            .where(TrainingSession.cohort_id == cohort.id, TrainingSession.cancelled.is_(False))
            .order_by(TrainingSession.on, TrainingSession.starts_at)
        )
    )


def context(kind: str, enrolment: Enrolment, period: Period | None = None, *, today: date | None = None) -> dict:
    """What the document's template receives."""
    if kind not in KINDS:
        raise DocumentError(_l("Unknown document."))
    cohort = enrolment.cohort
    programme = cohort.programme
    user = db.session.get(User, enrolment.user_id)
    settings = programme.documents or {}
    org = organisation()
    period = period or period_for(cohort)
    signatory = certificates.signatories(programme, org["name"])[0]
    out: dict[str, Any] = {
        "kind": kind,
        "org": org,
        "person": user,
        "enrolment": enrolment,
        "cohort": cohort,
        "programme": programme,
        "programme_title": localized(programme.title),
        "nature": NATURES.get(settings.get("nature", "action_de_formation"), NATURES["action_de_formation"]),
        "settings": settings,
        "period": period,
        "whole_action": period == Period(cohort.starts_on, cohort.ends_on),
        "place": cohort.place,
        "today": today or date.today(),
        "signatory": signatory,
        "hours_text": lambda minutes: certificates.hours_text(minutes, "en" if current_language() == "en" else "fr"),
    }
    if kind in (REALISATION, ATTENDANCE, COMPLETION):
        out["hours"] = hours(enrolment, period)
    if kind == COMPLETION:
        evaluation = eligibility.evaluate_enrolment(enrolment, min(out["today"], cohort.ends_on))
        unpublished = set((programme.badges or {}).get("unpublished", []))
        validated = evaluation.validated_competencies - unpublished
        groups = [
            (module, [c for c in module.competencies if not c.retired and c.code in validated])
            for module in programme.modules
            if not module.retired
        ]
        out["competencies"] = [(module, titles) for module, titles in groups if titles]
    if kind == CONVOCATION:
        sessions = _sessions(cohort)
        out["sessions"] = [s for s in sessions if s.on >= enrolment.enrolled_on]
        out["total_planned_minutes"] = sum(minutes_between(s.starts_at, s.ends_at) for s in out["sessions"])
        # A promotion held elsewhere has its own details (cohort edit form); the programme's are the default.
        bring = settings.get("what_to_bring")
        out["what_to_bring"] = cohort.what_to_bring or (localized(bring) if bring else None)
        out["contact"] = cohort.convocation_contact or settings.get("contact")
        out["accessibility_referent"] = cohort.accessibility_referent or settings.get("accessibility_referent")
    return out


# ------------------------------------------------------------------------------------------------ rendering


def html(kind: str, enrolment: Enrolment, period: Period | None = None, lang: str = "fr") -> tuple[str, str, str]:
    """The document's HTML, its title and language (what :func:`render` turns into a PDF; the benchmark renders
    it bare)."""
    lang = "en" if str(lang).startswith("en") else "fr"
    with force_locale(lang):
        ctx = context(kind, enrolment, period)
        label = (TITLES_BE if ctx["org"]["country"] == "BE" else {}).get(kind) or TITLES[kind]
        document_title = f"{label} — {ctx['person'].legal_name}"
        page = render_template(
            _TEMPLATES[kind],
            title=document_title,
            lang=lang,
            pdf_static_url=pdf.static_url,
            document_label=label,
            **ctx,
        )
    return page, document_title, lang


def render(kind: str, enrolment: Enrolment, period: Period | None = None, lang: str = "fr") -> bytes:
    """The document as PDF bytes: tagged PDF/UA-1 in ``lang``, signed by the training body."""
    page, document_title, lang = html(kind, enrolment, period, lang)
    return pdf.render_pdf(page, title=document_title, lang=lang)


def filename(kind: str, enrolment: Enrolment) -> str:
    name = re.sub(r"[^\w]+", "-", enrolment.user.legal_name).strip("-").lower()
    return f"{kind}-{enrolment.cohort.code.lower()}-{name}.pdf"


def cohort_enrolments(cohort: Cohort) -> list[tuple[Enrolment, User]]:
    rows = db.session.execute(
        db.select(Enrolment, User)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort.id)
        .order_by(User.email)
    )
    return [(enrolment, user) for enrolment, user in rows]


def write_zip(
    kind: str,
    rows: Sequence[tuple[Enrolment, User]],
    period: Period | None,
    lang: str,
    target,
    progress=None,
    problem=None,
) -> int:
    """A ZIP of ``kind`` for each of ``rows`` (``<email>.pdf``); one that cannot be made is left out and named
    (``problem(message)``), as for the certificates' ZIP. Returns how many were written."""
    total = len(rows)
    if progress is not None:
        progress(0, total)
    written = 0
    with contextlib.ExitStack() as stack:
        handle = target if hasattr(target, "write") else stack.enter_context(open(target, "w+b"))
        archive = stack.enter_context(zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED))
        for done, (enrolment, user) in enumerate(rows, 1):
            try:
                data = render(kind, enrolment, period, lang)
                certificates.write_zip_entry(archive, handle, f"{user.email}.pdf", data)
            except Exception:
                if problem is None:
                    raise
                log.warning("document %s of enrolment %s left out of the ZIP", kind, enrolment.id, exc_info=True)
                with force_locale(lang):
                    problem(_("%(name)s: document not included, the PDF could not be made.", name=user.legal_name))
            else:
                written += 1
            if progress is not None:
                progress(done, total)
    return written
