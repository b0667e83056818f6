"""Fixtures of the badges engine's database tests: an issuer with keys, an achievement, a holder."""

from __future__ import annotations

import pytest

from badges import keys, services
from badges.models import KeyKind
from core.db import db


@pytest.fixture
def issuer(app):
    issuer = keys.ensure_issuer("Institut de formation Démo", "https://formation.example.org", "f@example.org")
    for kind in KeyKind:
        keys.generate(issuer, kind)
    db.session.commit()
    return issuer


SPEC = services.AchievementSpec(
    key="test/module/M2",
    kind="module",
    code="M2",
    name={"fr": "Accompagnement et compétences relationnelles", "en": "Accompaniment and relational skills"},
    description={"fr": "Module M2 : huit compétences validées.", "en": "Module M2: eight competencies validated."},
    criteria={"fr": "Avoir fait valider :\n\n- Créer le lien", "en": "Have validated:\n\n- Build a relationship"},
    tags=("travail pair", "M2"),
    alignments=(
        {
            "code": "C-M2-03",
            "name": {"fr": "Créer le lien", "en": "Build a relationship"},
            "url": "http://localhost/referentiel/test#C-M2-03",
        },
    ),
)


@pytest.fixture
def achievement(issuer):
    achievement = services.sync_achievement(SPEC, issuer)
    db.session.commit()
    return achievement


@pytest.fixture
def holder(create_user):
    return create_user(roles=("trainee",), email="Camille.Dupont@Example.org", legal_name="Camille Dupont")


@pytest.fixture
def award(achievement, holder):
    award, created = services.issue(achievement, holder, context_ref="test:1")
    assert created
    db.session.commit()
    return award
