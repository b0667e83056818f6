"""People, roles and the platform's own bookkeeping (audit log, outbox, login failures, used tokens).

Privacy rule (domain.md §4): no field here, or anywhere, records health, diagnosis or life history.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import PublicIdMixin, UTCDateTime, db, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"  # coordinator (coordination pédagogique)
    TRAINER = "trainer"  # formateur·rice
    TUTOR = "tutor"  # placement referent (référent·e de stage)
    TRAINEE = "trainee"  # stagiaire
    FUNDER = "funder"  # financeur: aggregates only


LANGUAGES = ("fr", "en", "nl")


class User(PublicIdMixin, UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    legal_name: Mapped[str] = mapped_column(sa.String(200))
    display_name: Mapped[str | None] = mapped_column(sa.String(200))
    language: Mapped[str] = mapped_column(sa.String(2), default="fr")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255), info={"secret": True})
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change or deactivation: every existing login session stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (sa.CheckConstraint("language IN ('fr', 'en', 'nl')", name="language"),)

    @property
    def name(self) -> str:
        """The name shown in the interface: the chosen name when there is one."""
        return self.display_name or self.legal_name

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def has_role(self, *roles: Role | str) -> bool:
        mine = {r.role for r in self.role_rows}
        return any(str(role) in mine for role in roles)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def invitation_pending(self) -> bool:
        return self.password_hash is None

    def get_id(self) -> str:  # Flask-Login: the session remembers the user *and* the session version
        return f"{self.uuid}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(db.Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_rows")

    __table_args__ = (sa.CheckConstraint("role IN ('admin', 'trainer', 'tutor', 'trainee', 'funder')", name="role"),)


class LoginFailure(db.Model):
    """One failed login. Counting rows in a window gives lock-outs shared by every worker (per account and
    address, per address, per account from unknown browsers, per known browser: ``core.services.authenticate``)."""

    __tablename__ = "login_failure"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    ip: Mapped[str] = mapped_column(sa.String(45), index=True)
    # The device id of the browser's signed cookie (core.devices) when it was known to this account, else None.
    device: Mapped[str | None] = mapped_column(sa.String(32))


class UsedToken(db.Model):
    """The id (jti) of every single-use token once it has been used."""

    __tablename__ = "used_token"
    __audited__ = False

    jti: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(20))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxState(enum.StrEnum):
    QUEUED = "queued"  # waiting for a worker (or for a mail server to be configured)
    SENDING = "sending"  # a worker has it in hand: never sent again from this state (see core.mail)
    SENT = "sent"
    FAILED = "failed"  # refused for good, or every try failed


class OutboxMessage(PublicIdMixin, db.Model):
    """Every outgoing e-mail. Sent through SMTP by a ``mail.send`` job when configured; readable by coordinators
    either way. ``state`` is claimed like a job's, so a message is never sent twice (core.mail)."""

    __tablename__ = "outbox_message"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    purpose: Mapped[str] = mapped_column(sa.String(40))
    state: Mapped[str] = mapped_column(sa.String(10), default=OutboxState.QUEUED.value, server_default="queued")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(sa.String(500))  # the last error, if any

    __table_args__ = (sa.CheckConstraint("state IN ('queued', 'sending', 'sent', 'failed')", name="state"),)


class AuditEntry(db.Model):
    """Who did what, when, on what. Written by ``core.audit`` on every flush; never updated."""

    __tablename__ = "audit_entry"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str | None] = mapped_column(sa.String(40))  # "cli", "system", "anonymous"
    action: Mapped[str] = mapped_column(sa.String(60))
    object_type: Mapped[str] = mapped_column(sa.String(60))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(sa.String(45))

    actor: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (sa.Index("ix_audit_entry_object", "object_type", "object_id"),)


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # refused for a reason its owner can act on (JobFailed): not retried
    DEAD = "dead"  # failed on every one of its tries: a coordinator may retry it


FINISHED_STATUSES = (JobStatus.DONE.value, JobStatus.FAILED.value, JobStatus.DEAD.value)


class Job(PublicIdMixin, db.Model):
    """A background job (a long export, bulk certificates…): its state lives here, so any worker may run it.

    A worker claims a job (see ``core.jobs``); a running job whose heartbeat is too old is taken to be abandoned
    (its worker died) and may be claimed again. A job that raises is queued again after a backoff
    (``run_after``) until ``attempts`` reaches ``max_attempts``; then it is dead."""

    __tablename__ = "job"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(60))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(10), default=JobStatus.QUEUED.value)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None]
    result_path: Mapped[str | None] = mapped_column(sa.String(300))  # key in storage, after jobs/
    result_name: Mapped[str | None] = mapped_column(sa.String(200))  # the download's file name
    result_type: Mapped[str | None] = mapped_column(sa.String(100))  # its MIME type
    error: Mapped[str | None] = mapped_column(sa.String(500))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    worker: Mapped[str | None] = mapped_column(sa.String(120))
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5, server_default="5")
    run_after: Mapped[datetime | None] = mapped_column(UTCDateTime)  # not before (a retry's backoff)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'dead')", name="status"),
        sa.Index("ix_job_status_created", "status", "created_at"),
    )

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def percent(self) -> int | None:
        if self.status == JobStatus.DONE.value:
            return 100
        if not self.progress_total:
            return None
        return min(100, self.progress_done * 100 // self.progress_total)


class ApiToken(PublicIdMixin, db.Model):
    """A personal access token for the JSON API. Only the SHA-256 of the token is stored; the token itself
    is shown once, at creation. ``prefix`` (the first characters) lets a person recognise it in a list."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, info={"secret": True})
    scopes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


class PdfSigningCertificate(PublicIdMixin, db.Model):
    """The training body's own X.509 certificate, with which every PDF is signed (PAdES; see ``core.pdf_signing``).

    Self-signed, made by ``tremplin keys generate``; the private key is encrypted at rest (like the badge keys) and
    never served or logged. Rotation retires the active one: retired ones are kept, so that PDFs signed with them
    can still be checked against the certificate the platform held. A certificate bought from a certification
    authority is configured instead (``PDF_SIGNING_PKCS12``) and never stored here."""

    __tablename__ = "pdf_signing_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    fingerprint: Mapped[str] = mapped_column(sa.String(64), unique=True)  # SHA-256 of the DER certificate
    certificate_pem: Mapped[str] = mapped_column(sa.Text)
    private_key_encrypted: Mapped[str] = mapped_column(sa.Text, info={"secret": True})
    not_after: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
