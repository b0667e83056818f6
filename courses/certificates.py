"""Printed certificates (attestations de réussite): the PDF that goes with a trainee's programme badge.

Who gets one: a trainee whose programme badge is active (issued, not revoked, not superseded, not declined by
its holder). The certificate is created the first time it is asked for (:func:`certificate_for`), tied to that
award, with a short verification code; a re-issued badge is a new award and so gets a new certificate and a
new code. Its ``content`` is fixed at creation (see ``courses.models.Certificate``) and the PDF is rendered
from it in French or English, through ``core.pdf`` only (tagged PDF/A-3b, document language and title, the
programme badge's signed OB 3.0 credential embedded as a file, fonts from ``static/fonts``).

What a certificate says: the legal name, the programme, the cohort's dates, the modules followed, the total
training hours attended and the confirmed practice hours (totals only), the titles of the competencies
validated (never those a programme keeps unpublished), the issuer, the signatories, the date and place, the
verification code and a QR code to ``/verify/<code>``. Never attendance details, absences, pauses, evidence,
trainers' comments or anything about a life history.

The verification page of the badge (``badges.verify_views``) shows the certificate's content when it is reached
through the certificate's code: badges knows nothing of courses, so this module registers a section provider
with it (``badges.extensions``).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import re
import secrets
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import segno
import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from jinja2 import TemplateNotFound

from badges import keys
from badges import services as badge_services
from badges.models import Achievement, Award, Visibility
from core import pdf
from core.db import db, utcnow
from core.i18n import language_of, localized
from core.models import User
from core.services import ServiceError, external_url
from courses import awarding, eligibility
from courses.models import Certificate, Cohort, Enrolment, Programme

log = logging.getLogger(__name__)

#: Crockford's base32: digits and capitals without I, L, O and U (no 1/I/L or 0/O confusion when typed).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 bits: unguessable enough for a page that shows a name, short enough to type
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})
CODE_PATTERN = r"[0-9A-Za-z]{5}-?[0-9A-Za-z]{5}"  # what the /verify/<code> route accepts (not a UUID)
LAYOUTS = ("portrait", "landscape")
ATTACHMENT_NAME = "open-badge-3.0-credential.json"


class CertificateUnavailable(ServiceError):
    """No certificate can be given for this enrolment (no active programme badge)."""


# ------------------------------------------------------------------------------------------------ codes


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str | None:
    """A code as typed or scanned (any case, with or without the dash, O for 0, I or L for 1) → its stored form,
    or None when it cannot be one."""
    cleaned = re.sub(r"[\s-]", "", text or "").upper().translate(_TYPO)
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def display_code(code: str) -> str:
    """``ABCDE12345`` → ``ABCDE-12345`` (how it is printed and typed)."""
    return f"{code[:5]}-{code[5:]}"


def verify_url(certificate: Certificate) -> str:
    return external_url("courses.verify_certificate", code=display_code(certificate.code))


# ------------------------------------------------------------------------------------------------ lookups


def programme_award(enrolment: Enrolment) -> Award | None:
    """The active programme badge issued through this enrolment (None when there is none)."""
    return db.session.scalar(
        db.select(Award)
        .join(Achievement, Achievement.id == Award.achievement_id)
        .where(
            Achievement.key == awarding.programme_key(enrolment.cohort.programme),
            Award.recipient_id == enrolment.user_id,
            Award.context_ref == f"enrolment:{enrolment.id}",
            Award.revoked_at.is_(None),
        )
        .order_by(Award.issued_at.desc(), Award.id.desc())
        .limit(1)
    )


def available(award: Award | None) -> bool:
    """A certificate is given for an active programme badge its holder has not declined."""
    return (
        award is not None
        and award.revoked_at is None
        and award.visibility != Visibility.DECLINED.value
        and award.status(utcnow()) == "valid"
    )


def certificate_of_award(award: Award) -> Certificate | None:
    return db.session.scalar(db.select(Certificate).where(Certificate.award_id == award.id))


def by_code(text: str) -> Certificate | None:
    code = normalize_code(text)
    if code is None:
        return None
    return db.session.scalar(db.select(Certificate).where(Certificate.code == code))


def certificate_for(enrolment: Enrolment, *, create: bool = True) -> Certificate | None:
    """The certificate of the enrolment's active programme badge, created (flushed) on first request.

    Raises :class:`CertificateUnavailable` when the trainee has no active programme badge (or declined it)."""
    award = programme_award(enrolment)
    if not available(award):
        raise CertificateUnavailable(_unavailable_message())
    assert award is not None
    certificate = certificate_of_award(award)
    if certificate is not None or not create:
        return certificate
    content = build_content(enrolment, award)
    for _attempt in range(5):
        try:
            with db.session.begin_nested():
                certificate = Certificate(
                    award_id=award.id, enrolment_id=enrolment.id, code=new_code(), content=content
                )
                db.session.add(certificate)
                db.session.flush()
                # The badge's verification page says that a printed certificate exists: pages kept in memory
                # (badges.verify_views) are rendered again, in every process.
                badge_services.state_changed(award)
            return certificate
        except sa.exc.IntegrityError:
            # Someone else created it at the same moment (award_id is unique), or, once in a blue moon, the code
            # was taken: read theirs, or draw another code.
            existing = certificate_of_award(award)
            if existing is not None:
                return existing
    raise ServiceError(_unavailable_message())


def _unavailable_message():
    return _l("A certificate is available once the programme badge has been issued, and while it is valid.")


# ------------------------------------------------------------------------------------------------ content


def _hours_place(cohort: Cohort, settings: Mapping[str, Any]) -> str | None:
    if settings.get("place"):
        return settings["place"]
    configured = current_app.config.get("CERTIFICATE_PLACE")
    if configured:
        return str(configured)
    if cohort.place:  # "Institut de formation Démo, Bruxelles" → "Bruxelles"
        return cohort.place.rsplit(",", 1)[-1].strip() or None
    return None


def signatories(programme: Programme, issuer_name: str) -> list[dict[str, Any]]:
    """The programme's signatories, else the platform's (``CERTIFICATE_SIGNATORIES``), else the issuer."""
    settings = programme.certificate or {}
    chosen = settings.get("signatories") or current_app.config.get("CERTIFICATE_SIGNATORIES") or []
    if isinstance(chosen, str):
        chosen = json.loads(chosen)
    out = []
    for item in chosen[:3]:
        role = item.get("role") or {}
        if isinstance(role, str):
            role = {"fr": role, "en": role, "nl": role}
        out.append({"name": str(item["name"]), "role": dict(role), "signature": item.get("signature") or None})
    if not out:
        out = [
            {
                "name": issuer_name,
                "role": {
                    "fr": "Pour l'organisme de formation",
                    "en": "For the training body",
                    "nl": "Voor de vormingsorganisatie",
                },
                "signature": None,
            }
        ]
    return out


def _local_date(moment: datetime, timezone: str) -> date:
    try:
        return moment.astimezone(ZoneInfo(timezone)).date()
    except (KeyError, ValueError):
        return moment.date()


def kept_off(enrolment: Enrolment) -> tuple[int, int]:
    """``(named, kept off)``: how many validated competencies the certificate names, and how many it leaves out on
    purpose (those the programme keeps unpublished), so that the trainee's counts and the certificate's agree."""
    programme = enrolment.cohort.programme
    unpublished = set((programme.badges or {}).get("unpublished", []))
    validated = eligibility.evaluate_enrolment(enrolment).validated_competencies
    codes = {c.code for m in programme.modules if not m.retired for c in m.competencies if not c.retired}
    shown = codes & set(validated)
    return len(shown - unpublished), len(shown & unpublished)


def build_content(enrolment: Enrolment, award: Award) -> dict[str, Any]:
    """What the certificate says, in both languages, from the facts at this moment (see the module docstring)."""
    cohort = enrolment.cohort
    programme = cohort.programme
    user = db.session.get(User, enrolment.user_id)
    evaluation = eligibility.evaluate_enrolment(enrolment)
    unpublished = set((programme.badges or {}).get("unpublished", []))
    validated = evaluation.validated_competencies
    modules = []
    competencies = []
    for module in programme.modules:
        if module.retired:
            continue
        group = evaluation.modules.get(module.code)
        titles = [c for c in module.competencies if not c.retired and c.code in validated]
        if (group is not None and group.attended_minutes > 0) or titles:
            modules.append({"code": module.code, "title": dict(module.title)})
        competencies += [
            {"code": c.code, "title": dict(c.title), "module": module.code} for c in titles if c.code not in unpublished
        ]
    issuer = award.issuer or keys.get_issuer()
    settings = programme.certificate or {}
    layout = settings.get("layout") if settings.get("layout") in LAYOUTS else "portrait"
    return {
        "version": 1,
        "legal_name": user.legal_name,
        "credential_name": dict(programme.credential_name),
        "programme": {"code": programme.code, "title": dict(awarding.programme_name(programme))},
        "cohort": {
            "code": cohort.code,
            "starts_on": cohort.starts_on.isoformat(),
            "ends_on": cohort.ends_on.isoformat(),
        },
        "modules": modules,
        "training_minutes": int(evaluation.programme.attended_minutes),
        "placement_minutes": int(evaluation.placement_minutes),
        "competencies": competencies,
        "issuer": {"name": issuer.name, "url": issuer.url},
        "signatories": signatories(programme, issuer.name),
        "place": _hours_place(cohort, settings),
        "awarded_on": _local_date(award.earned_at, cohort.timezone).isoformat(),
        "layout": layout,
    }


# ------------------------------------------------------------------------------------------------ rendering


def hours_text(minutes: int, lang: str) -> str:
    """Whole hours for people: 7 530 minutes → "125 h 30" ("125 u 30" in Dutch); a multiple of 60 →
    "126 heures"/"126 hours"/"126 uur"."""
    hours, rest = divmod(int(minutes), 60)
    nbsp = "\u00a0"
    if lang == "nl":
        return f"{hours}{nbsp}u{nbsp}{rest:02d}" if rest else f"{hours}{nbsp}uur"
    if rest:
        return f"{hours}{nbsp}h{nbsp}{rest:02d}"
    if lang == "en":
        return f"{hours}{nbsp}hour" + ("" if hours == 1 else "s")
    return f"{hours}{nbsp}heure" + ("s" if hours > 1 else "")


def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as an SVG ``data:`` URI (drawn by segno, read by core.pdf's fetcher)."""
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=0, dark="#1b1f24")


def template_for(programme_code: str, layout: str) -> str:
    """``courses/certificates/<programme>.html`` when a programme has its own design, else the layout's."""
    own = f"courses/certificates/{programme_code}.html"
    try:
        current_app.jinja_env.get_template(own)
        return own
    except TemplateNotFound:
        return f"courses/certificates/{layout if layout in LAYOUTS else 'portrait'}.html"


def title_of(certificate: Certificate, lang: str) -> str:
    content = certificate.content
    return f"{localized(content['credential_name'], lang)} — {content['legal_name']}"


def context(certificate: Certificate, lang: str) -> dict[str, Any]:
    """What the certificate templates receive (besides ``title``, ``lang`` and ``pdf_static_url``)."""
    content = certificate.content
    url = verify_url(certificate)
    return {
        "c": content,
        "lang": lang,
        "text": lambda value: localized(value, lang),
        "credential_name": localized(content["credential_name"], lang),
        "programme_title": localized(content["programme"]["title"], lang),
        "starts_on": date.fromisoformat(content["cohort"]["starts_on"]),
        "ends_on": date.fromisoformat(content["cohort"]["ends_on"]),
        "awarded_on": date.fromisoformat(content["awarded_on"]),
        "training_hours": hours_text(content["training_minutes"], lang),
        "placement_hours": hours_text(content["placement_minutes"], lang) if content["placement_minutes"] else None,
        "code": display_code(certificate.code),
        "verify_url": url,
        "verify_base": external_url("badges.verify"),
        "qr": qr_data_uri(url),
    }


def html(certificate: Certificate, lang: str) -> str:
    """The certificate's HTML (what :func:`render` turns into a PDF; the benchmark renders it bare)."""
    with force_locale(lang):
        return render_template(
            template_for(certificate.content["programme"]["code"], certificate.content.get("layout", "portrait")),
            title=title_of(certificate, lang),
            pdf_static_url=pdf.static_url,
            **context(certificate, lang),
        )


def credential_attachment(certificate: Certificate, lang: str) -> pdf.Attachment:
    """The programme badge's signed OB 3.0 credential, as issued, embedded in the PDF (its proof travels with it)."""
    documents = certificate.award.documents["ob3"]
    credential = documents.get(lang) or documents.get("fr") or next(iter(documents.values()))
    return pdf.Attachment(
        filename=ATTACHMENT_NAME,
        data=json.dumps(credential, ensure_ascii=False, indent=2).encode("utf-8"),
        description="Open Badges 3.0 credential (W3C Verifiable Credential, signed)",
        mime_type="application/json",
        relationship="Source",
    )


def document(certificate: Certificate, lang: str) -> dict[str, Any]:
    """What ``core.pdf.render_pdf`` needs to render the certificate (its keyword arguments)."""
    lang = language_of(lang)
    return {
        "html": html(certificate, lang),
        "title": title_of(certificate, lang),
        "lang": lang,
        "attachments": [credential_attachment(certificate, lang)],
        "stylesheets": (),  # the design is the template's own (no print.css page footer)
        "variant": pdf.PDF_A_3B,
        "created": certificate.issued_at,
    }


def render(certificate: Certificate, lang: str) -> bytes:
    """The certificate as PDF bytes: tagged PDF/A-3b in ``lang``, with the credential attached. Reproducible:
    the same certificate in the same language gives the same bytes."""
    return pdf.render_pdf(**document(certificate, lang))


def filename(certificate: Certificate, lang: str) -> str:
    content = certificate.content
    word = {"en": "certificate", "nl": "attest"}.get(lang, "attestation")
    name = re.sub(r"[^\w]+", "-", content["legal_name"]).strip("-").lower()
    return f"{word}-{content['cohort']['code'].lower()}-{name}.pdf"


# ------------------------------------------------------------------------------------------------ cohorts


def cohort_certificates(cohort: Cohort) -> list[tuple[Enrolment, User, Certificate]]:
    """A certificate (created when missing) for each trainee of the cohort whose programme badge is active,
    sorted by e-mail. Trainees without one are left out."""
    rows = db.session.execute(
        db.select(Enrolment, User)
        .join(User, User.id == Enrolment.user_id)
        .where(Enrolment.cohort_id == cohort.id)
        .order_by(User.email)
    ).all()
    out = []
    for enrolment, user in rows:
        try:
            certificate = certificate_for(enrolment)
        except CertificateUnavailable:
            continue
        assert certificate is not None
        out.append((enrolment, user, certificate))
    return out


def holders(cohort: Cohort) -> set[int]:
    """Enrolment ids of the cohort whose programme badge is active (a certificate can be given)."""
    key = awarding.programme_key(cohort.programme)
    refs = {
        f"enrolment:{e}": e for e in db.session.scalars(db.select(Enrolment.id).where(Enrolment.cohort_id == cohort.id))
    }
    if not refs:
        return set()
    now = utcnow()
    awards = db.session.scalars(
        db.select(Award)
        .join(Achievement, Achievement.id == Award.achievement_id)
        .where(Achievement.key == key, Award.context_ref.in_(list(refs)), Award.revoked_at.is_(None))
    )
    return {
        refs[a.context_ref] for a in awards if a.visibility != Visibility.DECLINED.value and a.status(now) == "valid"
    }


def iter_codes(certificates: Iterable[Certificate]) -> list[str]:
    return [display_code(c.code) for c in certificates]


def write_zip(
    rows: Sequence[tuple[Enrolment, User, Certificate]], lang: str, target, progress=None, problem=None
) -> int:
    """Write a ZIP of the certificates of ``rows`` (from :func:`cohort_certificates`; ``<email>.pdf`` each) to
    ``target`` (a path or a seekable binary file); ``progress(done, total)`` is called as it goes. Returns how many
    were written. Commit the certificates ``cohort_certificates`` created before: rendering takes a while.

    One certificate that cannot be made (WeasyPrint fails on it, the disk is full as it is written) does not sink
    the others: it is left out of the ZIP (whose entries stay whole: a half-written one is cut off), a
    ``LISEZ-MOI-erreurs.txt`` / ``README-errors.txt`` in the ZIP names who is missing, and ``problem(message)`` is
    called with a plain sentence naming the trainee (the job shows it to its owner). Without ``problem`` the
    first failure is raised."""
    total = len(rows)
    if progress is not None:
        progress(0, total)
    missing: list[str] = []
    written = 0
    with contextlib.ExitStack() as stack:
        handle = target if hasattr(target, "write") else stack.enter_context(open(target, "w+b"))
        # One after the other, in this thread: measured, worker processes cost more than they save for a cohort
        # (each must import WeasyPrint and warm its fonts up: ~4 s of CPU each, for renders of ~0.25 s).
        # PDFs are already compressed: stored as they are, the ZIP costs nothing to build and opens anywhere.
        archive = stack.enter_context(zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED))
        for done, (_enrolment, user, certificate) in enumerate(rows, 1):
            try:
                data = render(certificate, lang)
                write_zip_entry(archive, handle, f"{user.email}.pdf", data)
            except Exception as exc:
                if problem is None:
                    raise
                log.warning("certificate %s left out of the ZIP: %s", certificate.id, type(exc).__name__, exc_info=True)
                message = _problem_message(content_name(certificate, user), exc, lang)
                missing.append(message)
                problem(message)
            else:
                written += 1
            if progress is not None:
                progress(done, total)
        if missing:
            with contextlib.suppress(OSError):  # the disk may still be full: the job's page says it all the same
                write_zip_entry(archive, handle, _MISSING_FILE[lang], ("\n".join(missing) + "\n").encode("utf-8"))
    return written


_MISSING_FILE = {"fr": "LISEZ-MOI-erreurs.txt", "en": "README-errors.txt", "nl": "LEESMIJ-fouten.txt"}


def content_name(certificate: Certificate, user: User) -> str:
    return (certificate.content or {}).get("legal_name") or user.legal_name


def _problem_message(name: str, exc: BaseException, lang: str) -> str:
    """A sentence for the job's owner: who is missing and why, in plain words (never a stack trace)."""
    with force_locale(lang):
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            return _(
                "%(name)s: certificate not included, the server's disk is full. Tell the platform's administrator, "
                "then make the ZIP again.",
                name=name,
            )
        if isinstance(exc, OSError):
            return _(
                "%(name)s: certificate not included, it could not be written to the server's disk. Make the ZIP "
                "again; if it fails again, tell the platform's administrator.",
                name=name,
            )
        return _(
            "%(name)s: certificate not included, the PDF could not be made. Download it alone from the list, or "
            "tell the platform's administrator if that fails too.",
            name=name,
        )


def write_zip_entry(archive, handle, name: str, data: bytes) -> None:
    """Add one member to ``archive`` (written to ``handle``); if writing fails half-way (disk full), the partial
    member is cut off the file and forgotten by the archive, so that what follows — and the ZIP — stays valid."""
    start = handle.tell()
    try:
        archive.writestr(name, data)
    except BaseException:
        archive._writing = False  # the member's writer died with the error: the archive may write again
        archive.filelist = [info for info in archive.filelist if info.header_offset < start]
        archive.NameToInfo = {info.filename: info for info in archive.filelist}
        handle.seek(start)
        handle.truncate()
        archive.start_dir = start
        raise
