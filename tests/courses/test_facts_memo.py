"""The per-process memo of eligibility evaluations (``courses.facts``): a cohort remembered reads only its
trainees, and every change of a fact it is computed from — through the services, committed — is seen by the
next evaluation; a change rolled back is not."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from core.db import db
from courses import eligibility, facts, services
from courses.models import Cohort, Competency, Programme
from tests.conftest import statements
from tests.courses.conftest import cancel

TODAY = date.today()


def remembered(cohort_id: int) -> dict[str, object]:
    """The evaluations as the memo serves them (email → evaluation), from a cohort row read afresh."""
    db.session.expire_all()
    cohort = db.session.get(Cohort, cohort_id)
    return {r.user.email: r.evaluation for r in eligibility.evaluate_cohort(cohort, TODAY)}


def computed(cohort_id: int) -> dict[str, object]:
    """The evaluations computed from the database, without the memo."""
    db.session.expire_all()
    cohort = db.session.get(Cohort, cohort_id)
    return {r.user.email: r.evaluation for r in eligibility._evaluate([cohort], TODAY)[cohort.id]}


def test_a_remembered_cohort_reads_only_its_trainees(cohort):
    cohort_id = cohort.cohort.id
    first = remembered(cohort_id)
    db.session.expire_all()
    row = db.session.get(Cohort, cohort_id)
    with statements() as seen:
        again = {r.user.email: r.evaluation for r in eligibility.evaluate_cohort(row, TODAY)}
    assert again == first
    # The trainees, read afresh (with their roles, loaded with every user); their evaluations remembered.
    assert len(seen) == 2 and not any("attendance" in statement for statement in seen), seen
    # One trainee of a remembered cohort (the trainee's home): the same single query.
    alice = cohort.enrolments[0]
    with statements() as seen:
        evaluation = eligibility.evaluate_cohort(row, TODAY, enrolment_ids=[alice.id])
    assert [r.enrolment.id for r in evaluation] == [alice.id]
    assert evaluation[0].evaluation == first[cohort.trainees[0].email]
    assert len(seen) == 2 and not any("attendance" in statement for statement in seen), seen


def _mark_absent(world) -> None:
    session = world.past[0]
    services.save_roster(
        session, {e.id: services.MarkInput("absent") for e in world.enrolments}, world.trainer, session.roster_version
    )


def _withdraw(world) -> None:
    services.withdraw(world.enrolments[0], world.past[1].on)


def _pause(world) -> None:
    services.add_pause(world.enrolments[0], world.past[0].on, world.past[1].on)


def _hours(world) -> None:
    services.log_hours(world.enrolments[0], TODAY - timedelta(days=2), 240, state="confirmed")


def _validation(world) -> None:
    competency = db.session.scalar(db.select(Competency).where(Competency.code == "C-M1-01"))
    services.validate_competency(world.enrolments[0], competency, world.trainer, "E-ANALYSE", TODAY)


def _final_work(world) -> None:
    services.record_final_work(world.enrolments[0], "passed")


def _cancel(world) -> None:
    cancel(world.past[0])


def _rules(world) -> None:
    programme = db.session.get(Programme, world.programme.id)
    rules = dict(programme.rules)
    rules["attendance"] = {**rules["attendance"], "threshold_percent": 10}
    programme.rules = rules
    db.session.flush()


def _enrol(world, create_user) -> None:
    services.enrol(world.cohort, create_user(roles=("trainee",), email="aaron@example.org"))


CHANGES = {
    "roster saved": _mark_absent,
    "withdrawal": _withdraw,
    "pause": _pause,
    "hours confirmed": _hours,
    "competency validated": _validation,
    "final work": _final_work,
    "session cancelled": _cancel,
    "programme rules": _rules,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_of_a_fact_is_seen_once_committed(cohort, change):
    cohort_id = cohort.cohort.id
    _mark_all_present(cohort)
    before = remembered(cohort_id)
    assert remembered(cohort_id) == before  # now served from the memo
    version = db.session.get(Cohort, cohort_id).facts_version
    CHANGES[change](cohort)
    db.session.commit()
    assert db.session.get(Cohort, cohort_id).facts_version != version
    after = remembered(cohort_id)
    assert after == computed(cohort_id)
    assert after != before


def test_a_new_trainee_is_evaluated_at_once(cohort, create_user):
    cohort_id = cohort.cohort.id
    before = remembered(cohort_id)
    _enrol(cohort, create_user)
    db.session.commit()
    after = remembered(cohort_id)
    assert set(after) == set(before) | {"aaron@example.org"}
    assert after == computed(cohort_id)


def _mark_all_present(world) -> None:
    for session in world.past:
        services.save_roster(
            session,
            {e.id: services.MarkInput("present") for e in world.enrolments},
            world.trainer,
            session.roster_version,
        )
    db.session.commit()


def test_a_change_rolled_back_is_never_remembered(cohort):
    cohort_id = cohort.cohort.id
    _mark_all_present(cohort)
    before = remembered(cohort_id)
    _mark_absent(cohort)
    db.session.flush()
    # Inside the transaction that wrote it: the change is seen (the memo is neither read nor written)...
    inside = remembered(cohort_id)
    assert inside != before and inside == computed(cohort_id)
    db.session.rollback()
    # ...and once rolled back, neither the change nor its number come back.
    assert remembered(cohort_id) == before == computed(cohort_id)


def test_the_trainees_home_shows_a_roster_saved_by_the_trainer(cohort, client_for):
    _mark_all_present(cohort)
    trainee = client_for(cohort.trainee)
    percent = re.compile(r'id="progress-home-attendance"><span>[^<]*</span> <strong>(\d+)')
    page = trainee.get("/").get_data(as_text=True)
    assert percent.search(page).group(1) == "100"
    assert percent.search(trainee.get("/").get_data(as_text=True)).group(1) == "100"  # now remembered
    trainer = client_for(cohort.trainer)
    session = cohort.past[0]
    form = {"roster_version": str(session.roster_version), "action": "save"}
    for enrolment in cohort.enrolments:
        form[f"status-{enrolment.uuid}"] = "absent"
    assert trainer.post(f"/sessions/{session.uuid}", data=form).status_code == 302
    assert percent.search(trainee.get("/").get_data(as_text=True)).group(1) == "75"


def test_a_restored_database_is_evaluated_afresh(app, cohort):
    remembered(cohort.cohort.id)
    assert app.extensions[facts.MEMO_KEY]
    from core import backup

    backup.database_restored.send(app, app=app)
    assert not app.extensions.get(facts.MEMO_KEY)


def test_the_staff_homes_cohort_line_follows_the_roster(cohort):
    from courses.home import cohort_summaries

    _mark_all_present(cohort)
    cohort_id = cohort.cohort.id

    def line() -> dict[str, int]:
        db.session.expire_all()
        return cohort_summaries([db.session.get(Cohort, cohort_id)], TODAY)[cohort_id]

    assert line() == line() == {"trainees": 3, "at_risk": 0, "to_validate": line()["to_validate"]}
    for session in cohort.past[:2]:
        services.save_roster(
            session, {cohort.enrolments[0].id: services.MarkInput("absent")}, cohort.trainer, session.roster_version
        )
    db.session.commit()
    assert line()["at_risk"] == 1
    before = line()["to_validate"]
    _validation(cohort)
    assert line()["to_validate"] == before - 1  # inside the transaction that validated
    db.session.rollback()
    assert line()["to_validate"] == before
    _validation(cohort)
    db.session.commit()
    assert line()["to_validate"] == before - 1
