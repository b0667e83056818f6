"""Fixtures of the badges engine's database tests: an issuer with keys, an achievement, a holder."""

from __future__ import annotations

import pytest

from badges import keys, services
from badges.models import KeyKind
from badges.verification import jsonld_terms
from core.db import db


@pytest.fixture(autouse=True)
def fast_reading_agrees_with_the_full_reading(monkeypatch):
    """Every document that any badge test reads through the fast path (``jsonld_terms.fast_reading``) is also read
    the full way (expand + compact), and the two must be equal: the fast path is checked on every credential and
    status list of the test suite, ours and other issuers'."""
    fast_reading = jsonld_terms.fast_reading
    disagreements: list[str] = []

    def checked(unsigned, context):
        fast = fast_reading(unsigned, context)
        if fast is not None:
            try:
                full = jsonld_terms.full_reading(unsigned, context)
            except jsonld_terms.UnreadableTerms as exc:
                full = exc
            if full != fast:
                disagreements.append(f"{unsigned!r:.300}: fast {fast!r:.300} != full {full!r:.300}")
        return fast

    monkeypatch.setattr(jsonld_terms, "fast_reading", checked)
    yield
    assert not disagreements, disagreements


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
