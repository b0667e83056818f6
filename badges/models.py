"""The Open Badges engine's tables: the issuer profile and its signing keys.

Private keys are stored only as PKCS#8 PEM encrypted with a passphrase from configuration (``badges.keys``):
never in clear in the database, never served, never logged (their column is marked secret for the audit log).
A rotated key is retired, not deleted: its public half stays published so that every badge it signed still
verifies.
"""

from __future__ import annotations

import enum
from datetime import datetime

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
