"""The Open Badges engine's tables: the issuer profile, its signing keys, achievements and awards.

Private keys are stored only as PKCS#8 PEM encrypted with a passphrase from configuration (``badges.keys``):
never in clear in the database, never served, never logged (their column is marked secret for the audit log).
A rotated key is retired, not deleted: its public half stays published so that every badge it signed still
verifies.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import PublicIdMixin, UTCDateTime, db, utcnow


class KeyKind(enum.StrEnum):
    ED25519 = "ed25519"  # OB 3.0: Data Integrity eddsa-rdfc-2022 and VC-JWT EdDSA
    RSA = "rsa"  # OB 2.0 signed assertions: JWS RS256


class BadgeIssuer(PublicIdMixin, db.Model):
    """The training body that issues badges (one per platform today; the table allows several)."""

    __tablename__ = "badge_issuer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    url: Mapped[str] = mapped_column(sa.String(300))
    email: Mapped[str] = mapped_column(sa.String(254))
    description: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    keys: Mapped[list[SigningKey]] = relationship(back_populates="issuer", order_by="SigningKey.created_at")


class SigningKey(PublicIdMixin, db.Model):
    __tablename__ = "signing_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("badge_issuer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    # Public half: Multikey (z6Mk…) for Ed25519, SubjectPublicKeyInfo PEM for RSA.
    public_key: Mapped[str] = mapped_column(sa.Text)
    # Private half: PKCS#8 PEM encrypted with the configured passphrase. Never served, never logged.
    private_key_encrypted: Mapped[str] = mapped_column(sa.Text, info={"secret": True})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    issuer: Mapped[BadgeIssuer] = relationship(back_populates="keys")

    __table_args__ = (
        sa.CheckConstraint("kind IN ('ed25519', 'rsa')", name="kind"),
        # At most one active key of each kind per issuer.
        sa.Index(
            "uq_signing_key_active",
            "issuer_id",
            "kind",
            unique=True,
            sqlite_where=sa.text("retired_at IS NULL"),
            postgresql_where=sa.text("retired_at IS NULL"),
        ),
    )

    @property
    def active(self) -> bool:
        return self.retired_at is None


class Visibility(enum.StrEnum):
    UNLISTED = "unlisted"  # the default: verifiable by whoever holds the links, no name, not listed anywhere
    PUBLIC = "public"  # listed on the holder's public profile, name shown (re-issued with the name)
    DECLINED = "declined"  # hidden everywhere except the register


class Achievement(PublicIdMixin, db.Model):
    """What a badge attests (OB 2.0 BadgeClass / OB 3.0 Achievement), described by the package that defines it.

    ``key`` is the definer's stable reference (e.g. ``hetis-initial/module/M1``): badges does not know what it
    means. Texts are ``{lang: text}``; ``alignments`` are ``{code, name: {lang: text}, url}``."""

    __tablename__ = "badge_achievement"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("badge_issuer.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # a key of openbadges.ACHIEVEMENT_TYPES
    code: Mapped[str] = mapped_column(sa.String(20))  # short code drawn on the image, e.g. "M1"
    name: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    description: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    criteria: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    alignments: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    # The kinds of evidence its competencies are validated on: ``{code, name, description, genre}`` (texts are
    # ``{lang: text}``). Written into each credential's ``evidence``; never the evidence itself.
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list, server_default="[]")
    valid_for_days: Mapped[int | None]
    retired: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    issuer: Mapped[BadgeIssuer] = relationship()
    endorsements: Mapped[list[Endorsement]] = relationship(
        back_populates="achievement", order_by="Endorsement.recorded_at", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint("kind IN ('skill', 'module', 'programme', 'participation')", name="kind"),)


class Endorsement(PublicIdMixin, db.Model):
    """A partner organisation (e.g. a host employer) endorses an achievement, as recorded by a coordinator.

    The partner holds no key here, so Tremplin cannot sign in its name: the OB 3.0 EndorsementCredential names
    the partner as its issuer and carries no proof of its own. It is published as recorded (an unsigned
    statement hosted by the training body) and embedded in the achievement of the badges issued afterwards,
    whose signature is the training body's."""

    __tablename__ = "badge_endorsement"

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(sa.ForeignKey("badge_achievement.id", ondelete="CASCADE"), index=True)
    partner_name: Mapped[str] = mapped_column(sa.String(200))
    partner_url: Mapped[str] = mapped_column(sa.String(300))
    comment: Mapped[str] = mapped_column(sa.String(500))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))

    achievement: Mapped[Achievement] = relationship(back_populates="endorsements")


class Award(PublicIdMixin, db.Model):
    """One badge issued to one person: its signed documents are written once, at issuance, and never change
    (they are what the holder carries; they get baked into images). Revocation and expiry are states beside
    them, published through the status list, the OB 2.0 revocation list and the hosted assertion.

    The recipient's email is not stored here: the documents carry only its salted hash. ``display_name`` is
    the name written in the credential, set only when the holder chose to make the badge public."""

    __tablename__ = "badge_award"

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(sa.ForeignKey("badge_achievement.id"), index=True)
    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("badge_issuer.id"))
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    # Who asked for it, in the definer's words (e.g. "enrolment:42"): for reports, opaque to badges.
    context_ref: Mapped[str | None] = mapped_column(sa.String(80), index=True)
    display_name: Mapped[str | None] = mapped_column(sa.String(200))
    visibility: Mapped[str] = mapped_column(sa.String(10), default=Visibility.UNLISTED.value)
    # The Ed25519 key that signed it; its BitstringStatusList (one per key, signed by it) holds the badge's bit.
    key_id: Mapped[int] = mapped_column(sa.ForeignKey("signing_key.id"), index=True)
    status_index: Mapped[int]
    # When this copy was signed. A re-issue (made public with the name, back to private, a correction) is a new
    # copy signed on its own day; ``earned_at`` keeps the day the badge was earned, which every copy carries
    # (OB 3.0 ``validFrom``, OB 2.0 ``issuedOn``) and every page shows.
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(sa.String(200))
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("badge_award.id", ondelete="SET NULL"))
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the holder has looked at it
    # {"ob2": hosted assertion, "ob2_jws": str, "ob3": {lang: credential with proof}, "ob3_jwt": {lang: str}}
    documents: Mapped[dict[str, Any]] = mapped_column(sa.JSON, info={"bulky": True})

    achievement: Mapped[Achievement] = relationship()
    issuer: Mapped[BadgeIssuer] = relationship()
    key: Mapped[SigningKey] = relationship()
    superseded_by: Mapped[Award | None] = relationship(remote_side="Award.id")

    __table_args__ = (
        sa.CheckConstraint("visibility IN ('unlisted', 'public', 'declined')", name="visibility"),
        sa.UniqueConstraint("key_id", "status_index", name="uq_badge_award_status_index"),
        # Never two active badges for the same person and achievement (a rerun after a crash cannot add one).
        sa.Index(
            "uq_badge_award_active",
            "recipient_id",
            "achievement_id",
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        ),
    )

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def expired(self, now: datetime) -> bool:
        return self.valid_until is not None and self.valid_until <= now

    def status(self, now: datetime) -> str:
        """``revoked``, ``superseded``, ``expired`` or ``valid``."""
        if self.revoked_at is not None:
            return "superseded" if self.superseded_by_id else "revoked"
        if self.expired(now):
            return "expired"
        return "valid"


class StateVersion(db.Model):
    """One row: a number bumped, in the same transaction, whenever a badge's state changes (revocation,
    re-issue, visibility). A verification that remembers badge states asks this one number, at most every half
    second, instead of each badge's row: a revocation made by any server is seen everywhere within a second."""

    __tablename__ = "badge_state_version"
    __table_args__ = {"info": {"seeded": True}}  # its row comes with migration 0007: not data (core.backup)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class WalletOffer(PublicIdMixin, db.Model):
    """An OpenID4VCI credential offer of one badge to its holder (``badges.wallet``): single-use, short-lived.

    The database keeps only digests: of the pre-authorized code (in the offer's QR code), of the access token the
    token endpoint gives for it, and of the optional ``tx_code`` (sent by e-mail, salted with the code)."""

    __tablename__ = "badge_wallet_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("badge_award.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    code_digest: Mapped[str] = mapped_column(sa.String(64), unique=True, info={"secret": True})
    tx_code_digest: Mapped[str | None] = mapped_column(sa.String(64), info={"secret": True})
    tx_code_failures: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the code was exchanged (or burnt)
    token_digest: Mapped[str | None] = mapped_column(sa.String(64), unique=True, info={"secret": True})
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    award: Mapped[Award] = relationship()


class WalletCredential(PublicIdMixin, db.Model):
    """A copy of a badge issued to a holder's key through OpenID4VCI: which key (its DID), in which format, with
    which credential id. It shares the badge's status slot, so revoking the badge revokes every wallet copy."""

    __tablename__ = "badge_wallet_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("badge_wallet_offer.id", ondelete="CASCADE"), index=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("badge_award.id", ondelete="CASCADE"), index=True)
    holder_did: Mapped[str] = mapped_column(sa.Text)
    binding: Mapped[str] = mapped_column(sa.String(10))  # did:key, did:jwk or jwk
    configuration_id: Mapped[str] = mapped_column(sa.String(60))
    lang: Mapped[str] = mapped_column(sa.String(5))
    # The key proof's nonce: a nonce serves one credential only.
    proof_nonce: Mapped[str] = mapped_column(sa.String(100), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    award: Mapped[Award] = relationship()
    offer: Mapped[WalletOffer] = relationship()

    __table_args__ = (sa.CheckConstraint("binding IN ('did:key', 'did:jwk', 'jwk')", name="binding"),)


class PushStatus(enum.StrEnum):
    PENDING = "pending"  # a job will send it (or is sending it, or will try again)
    SENT = "sent"  # the backpack said yes (200 or 201)
    FAILED = "failed"  # the backpack said no for good, or every try failed


class BackpackConnection(PublicIdMixin, db.Model):
    """The holder's own backpack (another platform implementing the 1EdTech OB 3.0 API), where Tremplin sends her
    badges. At most one per holder. Written only once the OAuth dance succeeded: a failed connection leaves nothing.

    The client secret and the tokens are stored encrypted (``badges.backpack.seal``), never logged, never shown."""

    __tablename__ = "backpack_connection"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    base_url: Mapped[str] = mapped_column(sa.String(500))  # what the holder typed, normalised
    name: Mapped[str] = mapped_column(sa.String(200))  # the backpack's name, from its discovery document
    api_url: Mapped[str] = mapped_column(sa.String(500))  # …/ims/ob/v3p0
    token_url: Mapped[str] = mapped_column(sa.String(500))
    revocation_url: Mapped[str | None] = mapped_column(sa.String(500))
    client_id: Mapped[str] = mapped_column(sa.String(300))
    client_secret_sealed: Mapped[str | None] = mapped_column(sa.Text, info={"secret": True})
    token_sealed: Mapped[str] = mapped_column(sa.Text, info={"secret": True})
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pushes: Mapped[list[BackpackPush]] = relationship(
        back_populates="connection", cascade="all, delete-orphan", passive_deletes=True
    )


class BackpackPush(PublicIdMixin, db.Model):
    """One badge sent (or being sent) to the holder's backpack."""

    __tablename__ = "backpack_push"

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(sa.ForeignKey("backpack_connection.id", ondelete="CASCADE"))
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("badge_award.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=PushStatus.PENDING.value)
    problem: Mapped[str | None] = mapped_column(sa.String(40))  # a code (``badges.backpack.PROBLEMS``), not text
    attempts: Mapped[int] = mapped_column(default=0)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    connection: Mapped[BackpackConnection] = relationship(back_populates="pushes")
    award: Mapped[Award] = relationship()

    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        sa.UniqueConstraint("connection_id", "award_id"),
    )
