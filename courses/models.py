"""The training domain: programmes (loaded from YAML), cohorts, sessions, attendance, placements and hours,
competency validations, final work.

Privacy (domain.md §4): pauses have no reason field, hours entries have a short activity note that must never
name the people accompanied, validations carry a neutral comment; nothing records health or life history.
"""

from __future__ import annotations

import enum
import secrets
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


class TraineeType(enum.StrEnum):
    """The BPF's types of trainee (Cerfa 10443, cadre F-1). Filled by the coordinator, never shown on a badge."""

    EMPLOYEE = "employee"  # salarié·e
    JOB_SEEKER = "job_seeker"  # demandeur·se d'emploi
    INDIVIDUAL = "individual"  # particulier à ses frais
    OTHER = "other"


class FundingSource(enum.StrEnum):
    OPCO = "opco"
    FRANCE_TRAVAIL = "france_travail"
    REGION = "region"
    CPF = "cpf"
    EMPLOYER = "employer"
    SELF = "self"  # autofinancement
    OTHER = "other"


class TrainerKind(enum.StrEnum):
    PEER = "peer"  # formateur·rice pair·e
    PROFESSIONAL = "professional"


def _check_in(column: str, values: type[enum.StrEnum], name: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} IN ({', '.join(repr(v.value) for v in values)})", name=name)


def minutes_between(starts_at: time, ends_at: time) -> int:
    """A session's length in minutes (wall-clock times of the same day)."""
    return (ends_at.hour * 60 + ends_at.minute) - (starts_at.hour * 60 + starts_at.minute)


def new_facts_version() -> int:
    """A cohort's next ``facts_version``: random (63 bits, fits a signed BIGINT), never 0 (the migration's value)."""
    return secrets.randbits(62) + 1


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
    # The ``documents:`` block (courses.programme_spec.DocumentsSpec): nature of the action, objectives, what to
    # bring, contact and disability referent — what the certificat de réalisation and the convocation say.
    documents: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict, server_default="{}")
    # The ``funding:`` block of the YAML (BPF objective and level, NSF specialty, ESF+ flag); {} when absent.
    funding: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict, server_default="{}")
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
    # The module badge's alignments to external frameworks (courses.programme_spec.AlignmentSpec.to_record).
    alignments: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list, server_default="[]")

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
    # Its alignments to external frameworks: ESCO, ROME, RNCP, RS… (AlignmentSpec.to_record).
    alignments: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list, server_default="[]")
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
    #: The convocation of a promotion held elsewhere: used first, the programme's ``documents:`` block by default.
    what_to_bring: Mapped[str | None] = mapped_column(sa.String(500))
    convocation_contact: Mapped[str | None] = mapped_column(sa.String(200))
    accessibility_referent: Mapped[str | None] = mapped_column(sa.String(200))
    #: Changes, in the same transaction, whenever a fact its trainees' eligibility is computed from changes
    #: (``courses.facts``): a process remembers evaluations per (cohort, this number). A fresh random value each
    #: time, never a counter: a rolled-back or restored number is never met again with other facts.
    facts_version: Mapped[int] = mapped_column(sa.BigInteger, default=new_facts_version, server_default="0")

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
    # For the funders' documents (BPF): filled by the coordinator, never on a badge, a certificate or a page an
    # employer sees. ``subcontracted``: another training body entrusted this training to us (BPF cadre G).
    trainee_type: Mapped[str | None] = mapped_column(sa.String(20))
    funding_source: Mapped[str | None] = mapped_column(sa.String(20))
    subcontracted: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    cohort: Mapped[Cohort] = relationship()
    user: Mapped[User] = relationship()
    pauses: Mapped[list[Pause]] = relationship(
        back_populates="enrolment", order_by="Pause.starts_on", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "user_id"),
        _check_in("final_work", FinalWork, "final_work"),
        sa.CheckConstraint("withdrawn_on IS NULL OR withdrawn_on >= enrolled_on", name="withdrawal"),
        _check_in("trainee_type", TraineeType, "trainee_type"),
        _check_in("funding_source", FundingSource, "funding_source"),
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
    # The room's capacity (émargement: more signatures than seats is refused); None = not known.
    seats: Mapped[int | None]

    cohort: Mapped[Cohort] = relationship()
    module: Mapped[Module | None] = relationship()
    trainers: Mapped[list[User]] = relationship(secondary=session_trainer)

    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "date", "starts_at"),
        sa.CheckConstraint("ends_at > starts_at", name="times"),
        sa.CheckConstraint("seats IS NULL OR seats > 0", name="seats"),
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


# --- Émargement (signed attendance) ------------------------------------------------------------------------------
# Append-only records: courses.emargement refuses any update or delete of them (corrections are new records with
# a reason) and the audit log records each one as it is added.

SIGNATURE_METHODS = ("own_phone", "trainer_device", "code", "password", "trainer_override")


class AttendanceSignature(PublicIdMixin, db.Model):
    """One signature of a trainee for a session: who, when (server time), how, late or not, the reason when the
    trainer recorded it after the window, the drawn signature (PNG, small, in the row) and the SHA-256 of what was
    signed (courses.emargement_rules.signed_document)."""

    __tablename__ = "attendance_signature"
    __append_only__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("training_session.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(sa.String(20))
    late: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(sa.String(300))
    image: Mapped[bytes | None] = mapped_column(sa.LargeBinary, info={"bulky": True})
    image_type: Mapped[str | None] = mapped_column(sa.String(20))
    image_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    sha256: Mapped[str] = mapped_column(sa.String(64))

    enrolment: Mapped[Enrolment] = relationship()

    __table_args__ = (
        sa.CheckConstraint(f"method IN ({', '.join(repr(m) for m in SIGNATURE_METHODS)})", name="method"),
        sa.CheckConstraint("method <> 'trainer_override' OR reason IS NOT NULL", name="override_reason"),
        sa.UniqueConstraint("session_id", "enrolment_id"),  # "signed once", even by two devices at the same moment
    )


class SavedSignature(db.Model):
    """A trainee's drawn signature, kept to be reused (one tap next time). Drawing again adds a new row."""

    __tablename__ = "saved_signature"
    __append_only__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    image: Mapped[bytes] = mapped_column(sa.LargeBinary, info={"bulky": True})
    image_type: Mapped[str] = mapped_column(sa.String(20))
    image_sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Countersignature(PublicIdMixin, db.Model):
    """The trainer's countersignature of a session's sheet, at the end. ``code`` verifies the sheet (as a
    certificate's); ``sheet_sha256`` is the digest of every signature hash on the sheet when it was signed."""

    __tablename__ = "session_countersignature"
    __append_only__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("training_session.id", ondelete="CASCADE"), index=True)
    trainer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    trainer_name: Mapped[str] = mapped_column(sa.String(200))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    code: Mapped[str] = mapped_column(sa.String(10), unique=True)
    image: Mapped[bytes] = mapped_column(sa.LargeBinary, info={"bulky": True})
    image_type: Mapped[str] = mapped_column(sa.String(20))
    image_sha256: Mapped[str] = mapped_column(sa.String(64))
    signatures: Mapped[int]
    sheet_sha256: Mapped[str] = mapped_column(sa.String(64))
    sha256: Mapped[str] = mapped_column(sa.String(64))


class RosterCorrection(PublicIdMixin, db.Model):
    """A trainer's correction of a mark that the signatures gave (left early, signed but absent…), with a reason
    the sheet shows. The roster mark follows the latest correction."""

    __tablename__ = "roster_correction"
    __append_only__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("training_session.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12))
    minutes: Mapped[int | None]
    reason: Mapped[str] = mapped_column(sa.String(300))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (_check_in("status", AttendanceStatus, "status"),)


class ExcusedAbsence(PublicIdMixin, db.Model):
    """ "Excused absence: justification provided" — never why. The optional file (a scan) is private and deleted
    after a short retention (``EXCUSE_FILE_RETENTION_DAYS``); only then are its key fields emptied."""

    __tablename__ = "excused_absence"
    __append_only__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("training_session.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    file_key: Mapped[str | None] = mapped_column(sa.String(200))
    file_type: Mapped[str | None] = mapped_column(sa.String(40))
    file_delete_after: Mapped[date | None]


class SatisfactionTally(db.Model):
    """The answers to the end-of-module satisfaction questionnaire, as counts only: one row per (cohort, module,
    question, answer). No row is ever about one person, so no answer can be traced back to whoever gave it."""

    __tablename__ = "satisfaction_tally"
    __audited__ = False  # a counter: logging its changes with their actor would tie an answer to a person

    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("module.id", ondelete="CASCADE"), primary_key=True)
    question: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    answer: Mapped[int] = mapped_column(primary_key=True)  # 1 (no, not at all) … 4 (yes, fully)
    count: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        sa.CheckConstraint("answer BETWEEN 1 AND 4", name="answer"),
        sa.CheckConstraint("count >= 0", name="count"),
    )


class SatisfactionReceipt(db.Model):
    """Only that a trainee answered a module's questionnaire (so she is not asked twice): no answer, no time."""

    __tablename__ = "satisfaction_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("module.id", ondelete="CASCADE"))

    __table_args__ = (sa.UniqueConstraint("enrolment_id", "module_id"),)


class EsfParticipant(db.Model):
    """The ESF+ common output indicators of one participant, for programmes funded by the ESF+ only, each one
    optional, kept only with the trainee's consent (withdrawing it deletes the row). Never a disability, a
    migrant background or a housing situation: the dignity rule wins over the regulation's extra categories."""

    __tablename__ = "esf_participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolment.id", ondelete="CASCADE"), unique=True)
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    age_band: Mapped[str | None] = mapped_column(sa.String(12))
    sex: Mapped[str | None] = mapped_column(sa.String(12))
    labour_status: Mapped[str | None] = mapped_column(sa.String(24))
    isced: Mapped[str | None] = mapped_column(sa.String(12))

    enrolment: Mapped[Enrolment] = relationship()

    __table_args__ = (
        sa.CheckConstraint("age_band IN ('under_18', '18_29', '30_54', '55_plus')", name="age_band"),
        sa.CheckConstraint("sex IN ('female', 'male', 'non_binary')", name="sex"),
        sa.CheckConstraint(
            "labour_status IN ('employed', 'unemployed', 'long_term_unemployed', 'inactive')", name="labour_status"
        ),
        sa.CheckConstraint("isced IN ('isced_0_2', 'isced_3_4', 'isced_5_8')", name="isced"),
    )
