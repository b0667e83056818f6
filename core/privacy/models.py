"""The privacy records: consents a person gave (or refused, or withdrew), and the register of erasures.

Neither holds more personal data than needed: a consent points to the person's account (pseudonymised if it is
ever erased) and keeps the exact wording shown; an erasure keeps only the pseudonym and what was done.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import PublicIdMixin, UTCDateTime, db, utcnow


class ConsentDecision(enum.StrEnum):
    GIVEN = "given"  # agreed (e.g. to make a badge public, with the name)
    REFUSED = "refused"  # said no (e.g. declined a badge)
    WITHDRAWN = "withdrawn"  # took back an earlier agreement (e.g. back to private)


class ConsentRecord(PublicIdMixin, db.Model):
    """What a person agreed to, when, in which words (``wording_version`` names the text; ``wording`` is the text
    itself, as shown, in ``language``). Never updated: a new choice is a new record."""

    __tablename__ = "consent_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(40))  # e.g. "badge-publication"
    subject: Mapped[str | None] = mapped_column(sa.String(80), index=True)  # e.g. "badge_award:<uuid>"
    choice: Mapped[str] = mapped_column(sa.String(20))  # what was chosen, in the purpose's words ("public"…)
    decision: Mapped[str] = mapped_column(sa.String(10))
    wording_version: Mapped[str] = mapped_column(sa.String(40))
    language: Mapped[str] = mapped_column(sa.String(2))
    wording: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("decision IN ('given', 'refused', 'withdrawn')", name="decision"),
        sa.CheckConstraint("language IN ('fr', 'en', 'nl')", name="language"),
    )


class ErasureRecord(PublicIdMixin, db.Model):
    """One erasure carried out (accountability, GDPR art. 5(2)): the pseudonym the account now carries, when,
    by whom, and how many things each part removed. No name, no address."""

    __tablename__ = "erasure_record"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"), unique=True)
    pseudonym: Mapped[str] = mapped_column(sa.String(40), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    by_label: Mapped[str | None] = mapped_column(sa.String(40))  # "cli" when run from the terminal
    summary: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
