"""The funders' facts and privacy: what a trainee's data download holds of them, and what erasure does.

* Download: for each enrolment, the type of trainee, the funding source and subcontracting (BPF), the ESF+
  indicators with the date of consent, and which modules' questionnaires she answered. Her answers themselves
  cannot be given back: they were added to counts and are linked to nobody.
* Erasure: the ESF+ indicators are deleted (kept only by consent). The type of trainee and the funding source
  stay with the pseudonymised enrolment: the training body must account for the year in its BPF (a legal
  obligation), and they name nobody once the person is erased. Receipts of questionnaires stay (a count).
"""

from __future__ import annotations

import sqlalchemy as sa

from core.db import db
from core.models import User
from core.privacy import Provider, register_provider
from core.privacy.services import Erasure, ExportBundle, iso
from courses.models import Enrolment, EsfParticipant, Module, SatisfactionReceipt


def _enrolment_ids(user: User) -> sa.Select:
    return sa.select(Enrolment.id).where(Enrolment.user_id == user.id)


def _objects(user: User):
    return [
        ("esf_participant", str(i))
        for i in db.session.scalars(
            sa.select(EsfParticipant.id).where(EsfParticipant.enrolment_id.in_(_enrolment_ids(user)))
        )
    ] + [
        ("satisfaction_receipt", str(i))
        for i in db.session.scalars(
            sa.select(SatisfactionReceipt.id).where(SatisfactionReceipt.enrolment_id.in_(_enrolment_ids(user)))
        )
    ]


def _export(user: User, bundle: ExportBundle) -> None:
    rows = []
    for enrolment in db.session.scalars(
        sa.select(Enrolment).where(Enrolment.user_id == user.id).order_by(Enrolment.enrolled_on)
    ):
        record = db.session.scalar(sa.select(EsfParticipant).where(EsfParticipant.enrolment_id == enrolment.id))
        answered = db.session.scalars(
            sa.select(Module.code)
            .join(SatisfactionReceipt, SatisfactionReceipt.module_id == Module.id)
            .where(SatisfactionReceipt.enrolment_id == enrolment.id)
            .order_by(Module.code)
        ).all()
        rows.append(
            {
                "cohort": enrolment.cohort.code,
                "trainee_type": enrolment.trainee_type,
                "funding_source": enrolment.funding_source,
                "subcontracted": enrolment.subcontracted,
                "esf_plus": None
                if record is None
                else {
                    "consent_at": iso(record.consent_at),
                    "age_band": record.age_band,
                    "sex": record.sex,
                    "labour_status": record.labour_status,
                    "isced": record.isced,
                },
                "questionnaires_answered": list(answered),
            }
        )
    if rows:
        bundle.add_section(
            "funding",
            rows,
            "Pour chaque formation : votre situation pour le bilan pédagogique et financier (« employee » : "
            "salarié·e, « job_seeker » : demandeur·se d'emploi, « individual » : particulier, « other » : autre), "
            "qui paie la formation, et, si la formation est financée par le FSE+, les informations que vous avez "
            "accepté de donner avec la date de votre accord. Enfin, les modules dont vous avez rempli le "
            "questionnaire de satisfaction : vos réponses sont anonymes, elles ne sont reliées à personne et ne "
            "peuvent donc pas vous être rendues.",
        )


def _erase(erasure: Erasure) -> None:
    records = db.session.scalars(
        sa.select(EsfParticipant).where(EsfParticipant.enrolment_id.in_(_enrolment_ids(erasure.user)))
    ).all()
    for record in records:
        db.session.delete(record)
    erasure.count("esf_records_deleted", len(records))
    db.session.flush()


def init_app() -> None:
    register_provider(Provider(name="funding", order=11, objects=_objects, export=_export, erase=_erase))
