"""The signed attendance sheet of a session (feuille d'émargement): who was expected, her signature, the
trainer's corrections, "justification provided", the countersignatures and the digest; and the lookup of a
countersigned sheet by its verification code."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from core.db import db
from core.models import User
from core.services import external_url
from courses import emargement
from courses import emargement_rules as rules
from courses.certificates import display_code, normalize_code
from courses.models import (
    AttendanceSignature,
    Countersignature,
    Enrolment,
    ExcusedAbsence,
    RosterCorrection,
    TrainingSession,
)
from courses.presenters import expected_on, name_key


@dataclass
class SheetRow:
    enrolment: Enrolment
    user: User
    expected: bool
    signature: AttendanceSignature | None = None
    corrections: list[RosterCorrection] = field(default_factory=list)
    excused: ExcusedAbsence | None = None


@dataclass
class Sheet:
    session: TrainingSession
    rows: list[SheetRow]
    countersignatures: list[Countersignature]
    digest: str
    warnings: list[str]

    @property
    def signed(self) -> int:
        return sum(1 for r in self.rows if r.signature is not None)


def sheet(session: TrainingSession) -> Sheet:
    enrolments = db.session.scalars(
        db.select(Enrolment)
        .where(Enrolment.cohort_id == session.cohort_id)
        # expected_on() reads the pauses: one query for all, not one per trainee
        .options(sa.orm.selectinload(Enrolment.user), sa.orm.selectinload(Enrolment.pauses))
    ).all()
    signatures = db.session.scalars(
        db.select(AttendanceSignature)
        .where(AttendanceSignature.session_id == session.id)
        .order_by(AttendanceSignature.id)
    ).all()
    corrections = db.session.scalars(
        db.select(RosterCorrection).where(RosterCorrection.session_id == session.id).order_by(RosterCorrection.id)
    ).all()
    excuses = db.session.scalars(db.select(ExcusedAbsence).where(ExcusedAbsence.session_id == session.id)).all()
    rows = {e.id: SheetRow(e, e.user, expected_on(e, session.on)) for e in enrolments}
    for s in signatures:
        rows[s.enrolment_id].signature = rows[s.enrolment_id].signature or s
    for c in corrections:
        rows[c.enrolment_id].corrections.append(c)
    for x in excuses:
        rows[x.enrolment_id].excused = x
    counters = db.session.scalars(
        db.select(Countersignature).where(Countersignature.session_id == session.id).order_by(Countersignature.id)
    ).all()
    ordered = sorted(rows.values(), key=lambda r: name_key(r.user.legal_name))
    return Sheet(
        session=session,
        rows=[r for r in ordered if r.expected or r.signature or r.corrections],
        countersignatures=list(counters),
        digest=rules.sheet_digest(s.sha256 for s in signatures),
        warnings=emargement.planning_warnings(session),
    )


def by_code(text: str) -> Countersignature | None:
    code = normalize_code(text)
    if code is None:
        return None
    return db.session.scalar(db.select(Countersignature).where(Countersignature.code == code))


def verify_url(countersignature: Countersignature) -> str:
    return external_url("courses.emargement_verify", code=display_code(countersignature.code))
