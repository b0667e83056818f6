"""What comes next for a trainee ("My training"): her next session, the next badge and what it still needs; the
page folds its details by module and never shows the cohort's internal code."""

from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa

from core.db import db
from courses import eligibility, next_steps, services
from courses.models import Competency

TODAY = date.today()


def _validate(world, enrolment, codes) -> None:
    for competency in db.session.scalars(sa.select(Competency).where(Competency.code.in_(codes))):
        services.validate_competency(enrolment, competency, world.trainer, competency.evidence_types[0], TODAY)
    db.session.commit()


def _required(world, module: str) -> list[str]:
    competencies = db.session.scalars(
        sa.select(Competency).where(Competency.programme_id == world.programme.id, Competency.retired.is_(False))
    ).all()
    required = eligibility.required_competency_codes(world.programme, competencies)
    return sorted(c.code for c in competencies if c.code in required and c.code.startswith(f"C-{module}-"))


def test_the_next_session_is_the_first_one_to_come(cohort):
    assert next_steps.next_session(cohort.enrolment, TODAY) == cohort.future[0]
    cohort.future[0].cancelled = True
    db.session.commit()
    assert next_steps.next_session(cohort.enrolment, TODAY) == cohort.future[1]


def test_the_next_badge_says_what_it_still_needs(cohort):
    """PROMO-TEST's M1 runs on until its last session in two weeks; M2 ended a fortnight ago."""
    enrolment = cohort.enrolment
    m1 = _required(cohort, "M1")
    badge = next_steps.next_badge(enrolment, eligibility.evaluate_enrolment(enrolment), TODAY)
    assert badge.module.code == "M1" and badge.name["fr"]
    assert sorted(c.code for c in badge.missing) == m1
    assert badge.module_ends_on == cohort.future[-1].on

    _validate(cohort, enrolment, m1[:-1])
    badge = next_steps.next_badge(enrolment, eligibility.evaluate_enrolment(enrolment), TODAY)
    assert [c.code for c in badge.missing] == m1[-1:]


def test_no_next_badge_after_leaving(cohort):
    services.withdraw(cohort.enrolment, TODAY - timedelta(days=1))
    db.session.commit()
    evaluation = eligibility.evaluate_enrolment(cohort.enrolment)
    assert next_steps.next_badge(cohort.enrolment, evaluation, TODAY) is None


def test_my_training_puts_where_i_stand_and_whats_next_first(client_for, cohort):
    page = client_for(cohort.trainee).get("/my/training").get_data(as_text=True)
    where, upcoming, details = page.index('id="where"'), page.index('id="next"'), page.index('id="h-details"')
    assert where < upcoming < details
    assert "Prochaine séance" in page and "Prochain badge" in page and "compétences à valider" in page
    assert page.count('<details class="card module-details">') >= 3 and "<details open" not in page
    assert re.search(r'<progress[^>]*aria-labelledby="progress-competencies"', page)
    assert re.search(r'id="progress-competencies"><span>Compétences</span> <strong>0 sur \d+</strong>', page)
    # The code is not shown (the test cohort's trainer, her contact person, is named "Trainer PROMO-TEST").
    assert cohort.cohort.code not in re.sub(r'<aside class="card contact-person".*?</aside>', "", page, flags=re.S)
    assert 'href="/glossary"' in page


def test_a_bar_below_its_target_is_drawn_as_a_number(client_for, cohort):
    """A rate such as 100 minutes out of 720 is a fraction: the bar's value must be a decimal ("125/9" fills it)."""
    marks = [services.MarkInput("late", 100)] + [services.MarkInput("absent")] * 3
    for session, mark in zip(cohort.past, marks, strict=True):
        services.save_roster(session, {cohort.enrolment.id: mark}, cohort.trainer, None)
    db.session.commit()
    page = client_for(cohort.trainee).get("/my/training").get_data(as_text=True)
    value = re.search(r'<progress[^>]*value="([^"]+)"[^>]*aria-labelledby="progress-attendance"', page).group(1)
    assert abs(float(value) - 100 * 100 / 720) < 0.01
