"""The training domain: programmes (loaded from YAML), cohorts, sessions, attendance, placements and hours,
competency validations, final work.

Privacy (domain.md §4): pauses have no reason field, hours entries have a short activity note that must never
name the people accompanied, validations carry a neutral comment; nothing records health or life history.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from badges.models import Award
from core.db import PublicIdMixin, UTCDateTime, db, utcnow
from core.models import User


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left_early"
    EXCUSED = "excused"
    ABSENT = "absent"


class HoursState(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class FinalWork(enum.StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"


class TrainerKind(enum.StrEnum):
    PEER = "peer"  # formateur·rice pair·e
    PROFESSIONAL = "professional"


def _check_in(column: str, values: type[enum.StrEnum], name: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} IN ({', '.join(repr(v.value) for v in values)})", name=name)


def minutes_between(starts_at: time, ends_at: time) -> int:
    """A session's length in minutes (wall-clock times of the same day)."""
    return (ends_at.hour * 60 + ends_at.minute) - (starts_at.hour * 60 + starts_at.minute)


class Programme(PublicIdMixin, db.Model):
    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)  # the YAML id, e.g. "hetis-initial"
    title: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    credential_name: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    description: Mapped[dict[str, str] | None] = mapped_column(sa.JSON)
    format: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # The validated `rules:` block of the YAML file (see courses.programme_spec).
    rules: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # The ``badges:`` block of the YAML (programme badge name, validity, skill badges); {} when absent.
    badges: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict, server_default="{}")
    # The ``certificate:`` block of the YAML (layout, place, signatories); {} when absent.
    certificate: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict, server_default="{}")
    source: Mapped[str] = mapped_column(sa.Text)  # the YAML text as loaded, for the record
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    modules: Mapped[list[Module]] = relationship(
        back_populates="programme", order_by="Module.position", cascade="all, delete-orphan"
    )


class Module(db.Model):
    __tablename__ = "module"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False)  # dropped from the YAML but still referenced

    programme: Mapped[Programme] = relationship(back_populates="modules")
    competencies: Mapped[list[Competency]] = relationship(
        back_populates="module", order_by="Competency.position", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.UniqueConstraint("programme_id", "code"),)


class Competency(db.Model):
    __tablename__ = "competency"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("module.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(30))
    title: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    description: Mapped[dict[str, str] | None] = mapped_column(sa.JSON)
    evidence_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False)

    module: Mapped[Module] = relationship(back_populates="competencies")

    __table_args__ = (sa.UniqueConstraint("programme_id", "code"),)


class Cohort(PublicIdMixin, db.Model):
    """A promotion: one run of a programme."""

    __tablename__ = "cohort"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), unique=True)
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programme.id"), index=True)
    title: Mapped[str | None] = mapped_column(sa.String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    timezone: Mapped[str] = mapped_column(sa.String(40), default="Europe/Brussels")
    place: Mapped[str | None] = mapped_column(sa.String(200))
    #: The person trainees turn to (the cohort's coordinator); without one, its first trainer.
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    programme: Mapped[Programme] = relationship()
    contact: Mapped[User | None] = relationship(foreign_keys=[contact_id])
    staff: Mapped[list[CohortStaff]] = relationship(back_populates="cohort", cascade="all, delete-orphan")

    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="dates"),)


class CohortStaff(db.Model):
    """A trainer of a cohort: peer trainer or professional trainer."""

    __tablename__ = "cohort_staff"

    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default=TrainerKind.PROFESSIONAL.value)

    cohort: Mapped[Cohort] = relationship(back_populates="staff")
    user: Mapped[User] = relationship()

    __table_args__ = (_check_in("kind", TrainerKind, "kind"), sa.Index("ix_cohort_staff_user", "user_id"))


class Enrolment(PublicIdMixin, db.Model):
    __tablename__ = "enrolment"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    enrolled_on: Mapped[date]
    withdrawn_on: Mapped[date | None]
    final_work: Mapped[str] = mapped_column(sa.String(10), default=FinalWork.PENDING.value)
    final_work_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cohort: Mapped[Cohort] = relationship()
    user: Mapped[User] = relationship()
    pauses: Mapped[list[Pause]] = relationship(
        back_populates="enrolment", order_by="Pause.starts_on", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "user_id"),
        _check_in("final_work", FinalWork, "final_work"),
        sa.CheckConstraint("withdrawn_on IS NULL OR withdrawn_on >= enrolled_on", name="withdrawal"),
    )


class Pause(PublicIdMixin, db.Model):
    """A suspension of the training, both dates inclusive. Never a reason: nobody is asked why."""

    __tablename__ = "pause"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    enrolment: Mapped[Enrolment] = relationship(back_populates="pauses")

    __table_args__ = (sa.CheckConstraint("ends_on >= starts_on", name="dates"),)


session_trainer = sa.Table(
    "session_trainer",
    db.metadata,
    sa.Column("session_id", sa.ForeignKey("training_session.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
)


class TrainingSession(PublicIdMixin, db.Model):
    """A training session (a half-day or a day). Named TrainingSession so that it is never confused with the
    database session. Times are local wall-clock times in the cohort's time zone."""

    __tablename__ = "training_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"))
    module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("module.id"))
    on: Mapped[date] = mapped_column("date")
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    title: Mapped[str | None] = mapped_column(sa.String(200))
    place: Mapped[str | None] = mapped_column(sa.String(200))
    cancelled: Mapped[bool] = mapped_column(default=False)
    # Optimistic lock for the roster: two trainers saving at once → the second is told.
    roster_version: Mapped[int] = mapped_column(default=0)

    cohort: Mapped[Cohort] = relationship()
    module: Mapped[Module | None] = relationship()
    trainers: Mapped[list[User]] = relationship(secondary=session_trainer)

    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "date", "starts_at"),
        sa.CheckConstraint("ends_at > starts_at", name="times"),
    )

    @property
    def minutes(self) -> int:
        return minutes_between(self.starts_at, self.ends_at)


class Attendance(db.Model):
    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("training_session.id", ondelete="CASCADE"))
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12))
    minutes: Mapped[int | None]  # attended minutes, for late / left early
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("session_id", "enrolment_id"),
        _check_in("status", AttendanceStatus, "status"),
        sa.CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes"),
    )


class HostOrganisation(PublicIdMixin, db.Model):
    """A host site (structure d'accueil) for placements."""

    __tablename__ = "host_organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str | None] = mapped_column(sa.String(300))  # e.g. "équipe Housing First"
    city: Mapped[str | None] = mapped_column(sa.String(100))


class Placement(PublicIdMixin, db.Model):
    """A placement (stage) or a job (emploi) where practice hours are done, with its referent (tutor)."""

    __tablename__ = "placement"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    host_id: Mapped[int] = mapped_column(sa.ForeignKey("host_organisation.id"))
    tutor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    # A referent without an account confirms hours through a signed link sent to this address.
    tutor_name: Mapped[str | None] = mapped_column(sa.String(200))
    tutor_email: Mapped[str | None] = mapped_column(sa.String(254))
    # Bumped to revoke every link already sent for this placement.
    link_version: Mapped[int] = mapped_column(default=1)
    kind: Mapped[str] = mapped_column(sa.String(10), default="stage")  # stage | emploi
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    cancelled_on: Mapped[date | None]  # a placement "sans lendemain": ended early, hours kept

    enrolment: Mapped[Enrolment] = relationship()
    host: Mapped[HostOrganisation] = relationship()
    tutor: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("kind IN ('stage', 'emploi')", name="kind"),
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="dates"),
    )


class HoursEntry(PublicIdMixin, db.Model):
    """Practice hours logged by the trainee; they count once a tutor (or a trainer) confirms them."""

    __tablename__ = "hours_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    placement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("placement.id", ondelete="SET NULL"), index=True)
    on: Mapped[date] = mapped_column("date")
    minutes: Mapped[int]
    activity: Mapped[str | None] = mapped_column(sa.String(300))  # never names of people accompanied
    state: Mapped[str] = mapped_column(sa.String(10), default=HoursState.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    reviewed_via_link: Mapped[bool] = mapped_column(default=False)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str | None] = mapped_column(sa.String(500))

    placement: Mapped[Placement | None] = relationship()

    __table_args__ = (
        _check_in("state", HoursState, "state"),
        sa.CheckConstraint("minutes > 0 AND minutes <= 1440", name="minutes"),
    )


class Validation(PublicIdMixin, db.Model):
    """A trainer's validation of one competency for one trainee, with its evidence. Withdrawn, never deleted."""

    __tablename__ = "validation"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    competency_id: Mapped[int] = mapped_column(sa.ForeignKey("competency.id"))
    validator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    evidence_type: Mapped[str] = mapped_column(sa.String(12))
    validated_on: Mapped[date]
    comment: Mapped[str | None] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    competency: Mapped[Competency] = relationship()
    validator: Mapped[User | None] = relationship(foreign_keys=[validator_id])
    evidence_file: Mapped[EvidenceFile | None] = relationship(back_populates="validation", uselist=False)

    __table_args__ = (sa.Index("ix_validation_enrolment_competency", "enrolment_id", "competency_id"),)


class EvidenceFile(PublicIdMixin, db.Model):
    """An uploaded evidence file (PDF/PNG/JPEG), stored privately under instance/evidence/, never public."""

    __tablename__ = "evidence_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    validation_id: Mapped[int] = mapped_column(sa.ForeignKey("validation.id", ondelete="CASCADE"), unique=True)
    filename: Mapped[str] = mapped_column(sa.String(200))  # sanitised original name, for the download
    content_type: Mapped[str] = mapped_column(sa.String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    validation: Mapped[Validation] = relationship(back_populates="evidence_file")


class CalendarFeed(PublicIdMixin, db.Model):
    """A private, revocable calendar (ICS) URL for one person. Only the token's hash is stored."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, info={"secret": True})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Certificate(PublicIdMixin, db.Model):
    """The printable certificate (attestation) of a programme badge: one per award, created the first time it is
    asked for. A re-issued badge is a new award, so it gets a new certificate and a new code; a revoked badge's
    certificate is no longer served and its verification page says so.

    ``content`` is what the certificate says, fixed when it is created (legal name, programme, cohort dates,
    modules, hours totals, competency titles, issuer, signatories, place and date), in both languages: the PDF
    is rendered from it in French or English, and the verification page shows it, so an edited PDF is caught.
    Nothing about attendance details, absences, pauses, evidence or a life history is ever in it."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("badge_award.id", ondelete="CASCADE"), unique=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    # The short verification code printed under the QR code: 10 Crockford base32 characters, stored without
    # the dash (shown as XXXXX-XXXXX).
    code: Mapped[str] = mapped_column(sa.String(10), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    award: Mapped[Award] = relationship()
    enrolment: Mapped[Enrolment] = relationship()
