"""A person's own data (download), erasure on request and consent records. Services flush, never commit.

**Download.** :func:`export_data` gathers what every registered :class:`~core.privacy.Provider` holds about the
person; :func:`write_zip` writes ``README.txt`` (French, one paragraph per file), ``data.json`` and the person's
files. The audit entries about the person close ``data.json``: those about their own objects in full, their
actions on other objects without details (details may be about someone else).

**Erasure.** :func:`erase` pseudonymises the account (``anon-…`` name, ``anon-…@erased.invalid`` address, no
password, deactivated, every session and token ended), lets each provider erase its part (courses before badges
before core), then scrubs the audit log: the entries stay (who did what, when) but the personal fields of the
person's objects read ``(erased)``, their IP addresses are dropped, and their names and address are replaced by
the pseudonym wherever they appear. One transaction: if anything fails, nothing is erased; files are deleted from
disk only once the transaction has committed. Erasing twice does nothing the second time.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.session import Session

from core import audit, jobs
from core.db import db, utcnow
from core.models import LANGUAGES, ApiToken, AuditEntry, Job, JobStatus, LoginFailure, OutboxMessage, User
from core.privacy import ObjectRef, Provider, RetentionReport, providers
from core.privacy.models import ConsentDecision, ConsentRecord, ErasureRecord
from core.services import ServiceError
from core.storage import CHUNK, Stored, check_key, storage

log = logging.getLogger(__name__)

ERASED = "(erased)"
PSEUDONYM_DOMAIN = "erased.invalid"  # .invalid never resolves (RFC 2606): no mail can ever reach it
FORMAT = "tremplin-personal-data"
FORMAT_VERSION = 1


# ------------------------------------------------------------------------------------------------ files


_PENDING = "privacy_delete_after_commit"


def delete_after_commit(key: str) -> None:
    """Delete the stored object ``key`` (or, ending with ``/``, every object under it) once the current
    transaction commits; never if it rolls back."""
    check_key(key.rstrip("/"))
    db.session.info.setdefault(_PENDING, set()).add(key)


def _after_commit(session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    store = storage()
    for key in sorted(pending):
        try:
            if key.endswith("/"):
                store.delete_prefix(key)
            else:
                store.delete(key)
        except Exception:  # the commit is done: log, and let the retention purge or the operator finish
            log.exception("privacy: could not delete %s from storage after the commit", key)


def _after_soft_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_PENDING, None)


def install_file_hooks() -> None:
    for name, hook in (("after_commit", _after_commit), ("after_soft_rollback", _after_soft_rollback)):
        if not sa.event.contains(Session, name, hook):
            sa.event.listen(Session, name, hook)


# ------------------------------------------------------------------------------------------------ export


def iso(value: Any) -> Any:
    """Dates and times as ISO 8601 text (JSON has no date type)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@dataclass
class ExportBundle:
    """What a person's download holds, filled by the providers."""

    user: User
    data: dict[str, Any] = field(default_factory=dict)
    files: list[tuple[str, Stored | bytes]] = field(default_factory=list)
    readme: list[tuple[str, str]] = field(default_factory=list)  # (what, explanation in French)

    def add_section(self, key: str, value: Any, explanation: str) -> None:
        self.data[key] = value
        self.readme.append((f"data.json → « {key} »", explanation))

    def add_file(self, path: str, content: Stored | bytes) -> str:
        """Add a file under ``path`` (made unique if taken); returns the path used."""
        taken = {p for p, _c in self.files}
        candidate, n = path, 1
        while candidate in taken:
            n += 1
            stem, dot, ext = path.rpartition(".")
            candidate = f"{stem}-{n}.{ext}" if dot else f"{path}-{n}"
        self.files.append((candidate, content))
        return candidate

    def explain(self, what: str, explanation: str) -> None:
        self.readme.append((what, explanation))


def objects_of(user: User) -> set[ObjectRef]:
    """Every audit-log object that is about ``user``, according to every provider."""
    out: set[ObjectRef] = set()
    for provider in providers():
        if provider.objects is not None:
            out.update((str(t), str(i)) for t, i in provider.objects(user))
    return out


def _audit_entries(user: User, objects: set[ObjectRef]) -> list[dict[str, Any]]:
    types = {t for t, _i in objects}
    query = (
        sa.select(AuditEntry)
        .where(sa.or_(AuditEntry.actor_id == user.id, AuditEntry.object_type.in_(types)))
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    out = []
    for entry in db.session.scalars(query):
        about_me = (entry.object_type, entry.object_id or "") in objects
        if not about_me and entry.actor_id != user.id:
            continue
        row: dict[str, Any] = {
            "at": iso(entry.at),
            "action": entry.action,
            "object_type": entry.object_type,
            "by_me": entry.actor_id == user.id,
        }
        if about_me:
            row["object_id"] = entry.object_id
            row["details"] = entry.details
            if entry.actor_id == user.id:
                row["ip"] = entry.ip
        out.append(row)
    return out


def export_data(user: User) -> ExportBundle:
    """Everything the platform holds about ``user``, ready for :func:`write_zip`. Records the download."""
    bundle = ExportBundle(user)
    for provider in providers():
        if provider.export is not None:
            provider.export(user, bundle)
    bundle.add_section(
        "audit_log",
        _audit_entries(user, objects_of(user)),
        "Le journal des actions qui vous concernent : qui a fait quoi et quand (par exemple « create » : "
        "création, « update » : modification avec l'ancienne et la nouvelle valeur). Pour vos propres actions "
        "sur d'autres éléments, seule l'action et sa date figurent (les détails peuvent concerner d'autres "
        "personnes).",
    )
    audit.record("privacy.exported", "user_account", str(user.uuid))
    return bundle


README_HEAD = """\
Vos données sur Tremplin
========================

Ce dossier contient toutes les données que la plateforme Tremplin conserve à votre sujet, à la date du {date}.
Vous avez le droit de les recevoir (RGPD, articles 15 et 20). Gardez ce fichier en lieu sûr : il contient des
informations personnelles.

Pour faire corriger une information, ou pour demander l'effacement de vos données, adressez-vous à l'équipe de
coordination de votre formation (voir la page « Confidentialité » de la plateforme).

Ce que contient ce dossier
--------------------------

- README.txt : ce texte.
- data.json : vos données, dans un format lisible par un ordinateur (JSON). Vous pouvez l'ouvrir avec un éditeur
  de texte ou le donner à un autre service. Les dates suivent la norme ISO 8601 (année-mois-jour, heures en UTC).
"""

README_FOOT = """
Un mot sur les badges
---------------------

Un badge « privé » (le choix par défaut) ne porte pas votre nom : il contient seulement une empreinte chiffrée de
votre adresse e-mail, que seul·e quelqu'un qui connaît déjà votre adresse peut reconnaître. Un badge « public »
porte le nom que vous avez choisi d'afficher. Vous pouvez changer ce choix à tout moment, badge par badge.
"""


def readme_text(bundle: ExportBundle, missing: Iterable[str] = ()) -> str:
    lines = [README_HEAD.format(date=utcnow().strftime("%d/%m/%Y"))]
    for what, explanation in bundle.readme:
        lines.append(f"- {what} : {explanation}")
    missing = list(missing)
    if missing:
        lines.append("")
        lines.append(
            "Fichiers absents : ces fichiers n'existent plus sur le serveur (par exemple supprimés à la fin de la "
            "durée de conservation) ; leur description reste dans data.json :"
        )
        lines.extend(f"  · {path}" for path in missing)
    lines.append(README_FOOT)
    return "\n".join(lines)


def write_zip(bundle: ExportBundle, target: IO[bytes] | Path | str) -> list[str]:
    """Write the ZIP (``README.txt``, ``data.json``, the files, streamed from storage); returns the paths of
    files missing from storage."""
    missing: list[str] = []
    store = storage()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, content in bundle.files:
            if isinstance(content, Stored):
                try:
                    source = store.open(content.key)
                except FileNotFoundError:
                    missing.append(path)
                    continue
                with source, archive.open(path, "w") as out:
                    shutil.copyfileobj(source, out, CHUNK)
            else:
                archive.writestr(path, content)
        document = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "generated_at": iso(utcnow()),
            **bundle.data,
            "files": [p for p, _c in bundle.files if p not in missing],
        }
        archive.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=2, default=str))
        archive.writestr("README.txt", readme_text(bundle, missing))
    return missing


def export_filename(user: User) -> str:
    return f"tremplin-mes-donnees-{utcnow():%Y-%m-%d}.zip"


# ------------------------------------------------------------------------------------------------ consent


def record_consent(
    user: User,
    purpose: str,
    choice: str,
    decision: ConsentDecision | str,
    *,
    wording: str,
    wording_version: str,
    language: str,
    subject: str | None = None,
) -> ConsentRecord:
    """Record what ``user`` agreed to (or refused, or withdrew), in the words they were shown."""
    record = ConsentRecord(
        user_id=user.id,
        purpose=purpose,
        subject=subject,
        choice=choice,
        decision=ConsentDecision(decision).value,
        wording=wording,
        wording_version=wording_version,
        language=language if language in LANGUAGES else "fr",
        at=utcnow(),
    )
    db.session.add(record)
    db.session.flush()
    return record


def consents_of(user: User, *, purpose: str | None = None, subjects: Iterable[str] | None = None):
    query = sa.select(ConsentRecord).where(ConsentRecord.user_id == user.id)
    if purpose is not None:
        query = query.where(ConsentRecord.purpose == purpose)
    if subjects is not None:
        query = query.where(ConsentRecord.subject.in_(list(subjects)))
    return list(db.session.scalars(query.order_by(ConsentRecord.at.desc(), ConsentRecord.id.desc())))


# ------------------------------------------------------------------------------------------------ erasure


@dataclass
class Erasure:
    """One erasure in progress, handed to each provider. ``original_*`` live in memory only, to find and replace
    the person's name and address; nothing here is stored."""

    user: User
    pseudonym: str
    email: str
    by: User | None
    original_email: str
    original_names: tuple[str, ...]
    summary: dict[str, int] = field(default_factory=dict)
    _patterns: list[re.Pattern[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._patterns = [re.compile(re.escape(self.original_email), re.IGNORECASE)]
        # Names of one or two letters would match ordinary words: those are only blanked in the person's own records.
        for name in sorted({n for n in self.original_names if n and len(n) >= 3}, key=len, reverse=True):
            self._patterns.append(re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE))

    def count(self, key: str, n: int = 1) -> None:
        if n:
            self.summary[key] = self.summary.get(key, 0) + n

    def delete_after_commit(self, key: str) -> None:
        delete_after_commit(key)

    def mentions(self, text: str | None) -> bool:
        return bool(text) and any(p.search(text) for p in self._patterns)

    def scrub_text(self, text: str) -> str:
        """``text`` with the person's address and names replaced by the pseudonym."""
        for pattern in self._patterns:
            text = pattern.sub(self.pseudonym, text)
        return text

    def scrub(self, value: Any) -> Any:
        """:meth:`scrub_text` over every string of a JSON-like value (keys included)."""
        if isinstance(value, str):
            return self.scrub_text(value)
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        if isinstance(value, dict):
            return {self.scrub_text(str(k)): self.scrub(v) for k, v in value.items()}
        return value


def erasure_of(user: User) -> ErasureRecord | None:
    return db.session.scalar(sa.select(ErasureRecord).where(ErasureRecord.user_id == user.id))


def _new_pseudonym() -> str:
    while True:
        pseudonym = f"anon-{secrets.token_hex(5)}"
        if db.session.scalar(sa.select(ErasureRecord.id).where(ErasureRecord.pseudonym == pseudonym)) is None:
            return pseudonym


def erase(user: User, by: User | None = None) -> tuple[ErasureRecord, bool]:
    """Erase ``user``'s personal data (see the module docstring): ``(record, done_now)``. A person already erased
    gets their record back and nothing changes. Refused for one's own account (ask another coordinator)."""
    existing = erasure_of(user)
    if existing is not None:
        return existing, False
    if by is not None and by.id == user.id:
        raise ServiceError(_l("You cannot erase your own account: ask another coordinator."))
    objects = objects_of(user)  # before anything is deleted
    pseudonym = _new_pseudonym()
    erasure = Erasure(
        user=user,
        pseudonym=pseudonym,
        email=f"{pseudonym}@{PSEUDONYM_DOMAIN}",
        by=by,
        original_email=user.email,
        original_names=(user.legal_name, user.display_name or ""),
    )
    audit_fields: dict[str, set[str]] = {}
    for provider in providers():
        for object_type, keys in provider.audit_fields.items():
            audit_fields.setdefault(object_type, set()).update(keys)
    for provider in providers():
        if provider.erase is not None:
            provider.erase(erasure)
    db.session.flush()
    _scrub_audit_log(erasure, objects, audit_fields)
    _scrub_outbox(erasure)
    record = ErasureRecord(
        user_id=user.id,
        pseudonym=pseudonym,
        at=utcnow(),
        by_id=by.id if by else None,
        by_label=None if by else "cli",
        summary=dict(sorted(erasure.summary.items())),
    )
    db.session.add(record)
    audit.record("privacy.erased", "user_account", str(user.uuid), pseudonym=pseudonym, summary=record.summary)
    db.session.flush()
    return record, True


def _scrub_audit_log(erasure: Erasure, objects: set[ObjectRef], fields: dict[str, set[str]]) -> None:
    """Keep every entry; blank the personal fields of the person's objects, drop the person's IP addresses and
    replace their name and address wherever they appear. Read and written in pages (the log is long)."""
    last_id = 0
    while True:
        rows = db.session.execute(
            sa.select(
                AuditEntry.id,
                AuditEntry.object_type,
                AuditEntry.object_id,
                AuditEntry.actor_id,
                AuditEntry.details,
                AuditEntry.ip,
            )
            .where(AuditEntry.id > last_id)
            .order_by(AuditEntry.id)
            .limit(1000)
        ).all()
        if not rows:
            break
        last_id = rows[-1].id
        changes = []
        for row in rows:
            details = row.details or {}
            new = details
            blank = fields.get(row.object_type, set()) if (row.object_type, row.object_id or "") in objects else ()
            if blank and isinstance(details, dict):
                new = {k: (ERASED if k in blank and v not in (None, ERASED) else v) for k, v in details.items()}
            new = erasure.scrub(new)
            ip = None if row.actor_id == erasure.user.id else row.ip
            if new != details or ip != row.ip:
                changes.append({"id": row.id, "details": new, "ip": ip})
        if changes:
            db.session.execute(sa.update(AuditEntry), changes)
            erasure.count("audit_entries_scrubbed", len(changes))
    db.session.expire_all()


def _scrub_outbox(erasure: Erasure) -> None:
    """Messages to the person are deleted; others that name them (e.g. to a referent) keep their text, with the
    pseudonym instead of the name."""
    deleted = db.session.execute(
        sa.delete(OutboxMessage).where(sa.func.lower(OutboxMessage.recipient) == erasure.original_email.lower())
    ).rowcount
    erasure.count("messages_deleted", deleted or 0)
    for message in db.session.scalars(sa.select(OutboxMessage)):
        if erasure.mentions(message.subject) or erasure.mentions(message.body):
            message.subject = erasure.scrub_text(message.subject)[:200]
            message.body = erasure.scrub_text(message.body)
            erasure.count("messages_scrubbed")


# ------------------------------------------------------------------------------------------------ core's part


def _core_objects(user: User) -> list[ObjectRef]:
    refs: list[ObjectRef] = [("user_account", str(user.uuid))]
    refs += [("user_role", f"{user.id}:{role}") for role in user.roles]
    refs += [
        ("api_token", str(u)) for u in db.session.scalars(sa.select(ApiToken.uuid).where(ApiToken.user_id == user.id))
    ]
    refs += [
        ("consent_record", str(u))
        for u in db.session.scalars(sa.select(ConsentRecord.uuid).where(ConsentRecord.user_id == user.id))
    ]
    return refs


def _core_export(user: User, bundle: ExportBundle) -> None:
    bundle.add_section(
        "account",
        {
            "id": str(user.uuid),
            "email": user.email,
            "legal_name": user.legal_name,
            "display_name": user.display_name,
            "language": user.language,
            "active": user.active,
            "has_password": user.password_hash is not None,
            "created_at": iso(user.created_at),
            "last_login_at": iso(user.last_login_at),
            "roles": sorted(user.roles),
        },
        "Votre compte : adresse e-mail, nom légal (celui des attestations), nom choisi (celui affiché), langue, "
        "rôles (stagiaire, formateur·rice…), date de création et de dernière connexion. Votre mot de passe n'y "
        "figure pas : la plateforme n'en garde qu'une empreinte qui ne permet pas de le retrouver.",
    )
    bundle.add_section(
        "consents",
        [
            {
                "at": iso(c.at),
                "purpose": c.purpose,
                "subject": c.subject,
                "choice": c.choice,
                "decision": c.decision,
                "wording_version": c.wording_version,
                "language": c.language,
                "wording": c.wording,
            }
            for c in consents_of(user)
        ],
        "Vos choix enregistrés (consentements) : par exemple rendre un badge public avec votre nom, le garder "
        "privé ou le refuser ; avec la date, le texte exact qui vous a été montré et sa version.",
    )
    tokens = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at))
    bundle.add_section(
        "api_tokens",
        [
            {
                "name": t.name,
                "prefix": t.prefix,
                "scopes": list(t.scopes or []),
                "created_at": iso(t.created_at),
                "expires_at": iso(t.expires_at),
                "revoked_at": iso(t.revoked_at),
                "last_used_at": iso(t.last_used_at),
            }
            for t in tokens
        ],
        "Vos jetons d'accès pour des scripts (s'il y en a) : leur nom et leurs dates, jamais le jeton lui-même.",
    )
    messages = db.session.scalars(
        sa.select(OutboxMessage)
        .where(sa.func.lower(OutboxMessage.recipient) == user.email.lower())
        .order_by(OutboxMessage.created_at)
    )
    bundle.add_section(
        "messages",
        [
            {"at": iso(m.created_at), "subject": m.subject, "purpose": m.purpose, "sent_at": iso(m.sent_at)}
            for m in messages
        ],
        "Les e-mails que la plateforme vous a envoyés : date et objet (le texte n'est pas repris, il contenait "
        "parfois un lien à usage unique).",
    )
    failures = db.session.scalars(
        sa.select(LoginFailure).where(LoginFailure.email == user.email.lower()).order_by(LoginFailure.at)
    )
    bundle.add_section(
        "failed_logins",
        [{"at": iso(f.at), "ip": f.ip} for f in failures],
        "Les tentatives de connexion refusées avec votre adresse (date et adresse IP), gardées peu de temps pour "
        "protéger votre compte contre les essais de mots de passe.",
    )


def _core_erase(erasure: Erasure) -> None:
    user = erasure.user
    user.email = erasure.email
    user.legal_name = erasure.pseudonym
    user.display_name = None
    user.password_hash = None
    user.active = False
    user.session_version += 1  # every login session and "remember me" cookie ends
    user.last_login_at = None
    for consent in db.session.scalars(sa.select(ConsentRecord).where(ConsentRecord.user_id == user.id)):
        if erasure.mentions(consent.wording):  # "It shows my name, “…”": the choice stays, the name goes
            consent.wording = erasure.scrub_text(consent.wording)
            erasure.count("consent_wordings_scrubbed")
    erasure.count("api_tokens_deleted", _delete(sa.delete(ApiToken).where(ApiToken.user_id == user.id)))
    erasure.count(
        "failed_logins_deleted",
        _delete(sa.delete(LoginFailure).where(sa.func.lower(LoginFailure.email) == erasure.original_email.lower())),
    )
    # Finished exports may name the person (cohort reports, certificates): they are deleted with their files.
    # (They are deleted after JOBS_KEEP_DAYS anyway; whoever needs one runs it again.)
    finished = db.session.scalars(
        sa.select(Job).where(
            sa.or_(Job.owner_id == user.id, Job.status.in_([JobStatus.DONE.value, JobStatus.FAILED.value]))
        )
    ).all()
    for job in finished:
        erasure.delete_after_commit(jobs.result_prefix(job))
        db.session.delete(job)
    erasure.count("exports_deleted", len(finished))


def _delete(statement) -> int:
    return db.session.execute(statement).rowcount or 0


CORE_PROVIDER = Provider(
    name="core",
    order=100,
    objects=_core_objects,
    export=_core_export,
    erase=_core_erase,
    audit_fields={
        "user_account": ("email", "legal_name", "display_name", "last_login_at"),
        "api_token": ("name",),
        "consent_record": ("wording",),
    },
)


def purge_login_failures(now: datetime, apply: bool) -> RetentionReport:
    """Refused login attempts older than the throttling window (``LOGIN_FAILURE_WINDOW_SECONDS``): they only
    count inside it, and the privacy notice promises to keep them "a short time". A dry run unless ``apply``;
    the report names no address and no account."""
    report = RetentionReport(name="refused login attempts")
    since = now - timedelta(seconds=int(current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"]))
    old = LoginFailure.at < since
    report.count = db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure).where(old)) or 0
    if apply and report.count:
        db.session.execute(sa.delete(LoginFailure).where(old))
        db.session.flush()
    return report
