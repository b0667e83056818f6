"""The anonymous end-of-module satisfaction questionnaire (Qualiopi indicator 30): who may answer, once; the
answers kept as counts only, linked to nobody; results as suppressed aggregates."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from core.db import db
from core.models import AuditEntry
from courses import satisfaction
from courses.models import Module, SatisfactionReceipt, SatisfactionTally
from tests.courses.conftest import count


def _module(world, code: str) -> Module:
    return db.session.scalar(sa.select(Module).where(Module.programme_id == world.programme.id, Module.code == code))


def _tallies(world) -> dict[tuple[str, str, int], int]:
    table = SatisfactionTally.__table__
    return {
        (_code(r.module_id), r.question, r.answer): r.count
        for r in db.session.execute(sa.select(table).where(table.c.cohort_id == world.cohort.id))
    }


def _code(module_id: int) -> str:
    return db.session.get(Module, module_id).code


ANSWERS = {"q1": "4", "q2": "3", "q3": "4", "q4": "1"}  # q5 left without an answer


def test_a_trainee_answers_an_ended_module_once_and_anonymously(app, client_for, cohort):
    # build_cohort: past sessions M1, M1, M2, M2 and future ones M1, M1: only M2 has ended.
    client = client_for(cohort.trainee)
    page = client.get("/my/questionnaires")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f"/my/questionnaires/{cohort.enrolment.uuid}/M2" in text
    assert f"/my/questionnaires/{cohort.enrolment.uuid}/M1" not in text
    url = f"/my/questionnaires/{cohort.enrolment.uuid}/M2"
    assert client.get(url).status_code == 200
    response = client.post(url, data=ANSWERS)
    assert response.status_code == 302
    assert _tallies(cohort) == {("M2", "q1", 4): 1, ("M2", "q2", 3): 1, ("M2", "q3", 4): 1, ("M2", "q4", 1): 1}
    receipts = db.session.scalars(sa.select(SatisfactionReceipt)).all()
    assert [(r.enrolment_id, _code(r.module_id)) for r in receipts] == [(cohort.enrolment.id, "M2")]
    # Nothing ties the answers to her: no audit entry about the counts, none holding an answer.
    audited = db.session.scalars(sa.select(AuditEntry)).all()
    assert not [a for a in audited if a.object_type == "satisfaction_tally"]
    assert not [a for a in audited if "answer" in (a.details or {}) or "q1" in (a.details or {})]
    # A second answer is refused and changes nothing.
    again = client.post(url, data={"q1": "1"})
    assert again.status_code == 422
    assert "already answered" in again.get_data(as_text=True) or "déjà répondu" in again.get_data(as_text=True)
    assert _tallies(cohort)[("M2", "q1", 4)] == 1 and ("M2", "q1", 1) not in _tallies(cohort)
    assert count(SatisfactionReceipt) == 1


def test_bad_answers_and_closed_modules_change_nothing(app, client_for, cohort):
    client = client_for(cohort.trainee)
    base = f"/my/questionnaires/{cohort.enrolment.uuid}"
    assert client.post(f"{base}/M2", data={"q1": "7"}).status_code == 422
    assert client.post(f"{base}/M2", data={"q1": "yes"}).status_code == 422
    assert client.post(f"{base}/M2", data={}).status_code == 422  # not one answer
    # M1 still has sessions to come: not open.
    assert client.post(f"{base}/M1", data={"q1": "4"}).status_code == 422
    assert client.get(f"{base}/M1").status_code == 302
    assert client.get(f"{base}/M9").status_code == 404
    assert count(SatisfactionTally) == 0 and count(SatisfactionReceipt) == 0
    with pytest.raises(Exception, match="not in the list"):
        satisfaction.record_answers(cohort.enrolment, _module(cohort, "M2"), {"q9": 4}, date.today())
    assert count(SatisfactionReceipt) == 0


def test_nobody_answers_for_someone_else(app, client_for, cohort, create_user):
    other = client_for(cohort.trainees[1])
    url = f"/my/questionnaires/{cohort.enrolment.uuid}/M2"
    assert other.get(url).status_code == 404
    assert other.post(url, data=ANSWERS).status_code == 404
    stranger = create_user(roles=("trainer",), email="t2@example.org")
    assert client_for(stranger).post(url, data=ANSWERS).status_code == 403
    assert count(SatisfactionTally) == 0


def test_a_trainee_who_left_before_the_module_ended_is_not_asked(app, cohort):
    enrolment = cohort.enrolments[2]
    enrolment.withdrawn_on = cohort.past[1].on
    db.session.commit()
    assert satisfaction.open_modules(enrolment, date.today()) == []
    with pytest.raises(Exception, match="not open"):
        satisfaction.record_answers(enrolment, _module(cohort, "M2"), {"q1": 4}, date.today())


@given(st.lists(st.integers(0, 30), min_size=2, max_size=6))
def test_a_masked_count_is_never_alone_in_its_row(cells):
    masked = satisfaction.mask_row(cells)
    hidden = [i for i, c in enumerate(masked) if not isinstance(c, int)]
    assert all(not isinstance(masked[i], int) for i, c in enumerate(cells) if 0 < c < 5)
    assert len(hidden) != 1
    assert all(masked[i] == cells[i] for i in range(len(cells)) if i not in hidden)


def _answer_many(build_cohort, n: int, code: str):
    world = build_cohort(code, trainees=n)
    module = _module(world, "M2")
    for k, enrolment in enumerate(world.enrolments):
        satisfaction.record_answers(enrolment, module, {"q1": 4 if k else 1, "q2": 3}, date.today())
    db.session.commit()
    return world


def test_results_stay_hidden_below_five_answers(app, build_cohort):
    world = _answer_many(build_cohort, 4, "SAT-4")
    (result,) = satisfaction.results([world.cohort.id])
    assert result.respondents == 4 and not result.shown and result.rows == []


def test_results_are_aggregates_with_small_cells_masked(app, build_cohort, client, login_as):
    world = _answer_many(build_cohort, 7, "SAT-7")
    (result,) = satisfaction.results([world.cohort.id])
    assert result.shown and result.respondents == 7
    rows = {q: cells for q, cells, _agree in result.rows}
    # q1: one "no, not at all", six "yes, fully": the 1 is masked, and so is a second cell of the row.
    assert rows["q1"][0] == "<5" and sum(1 for c in rows["q1"] if not isinstance(c, int)) >= 2
    assert rows["q2"] == [0, 0, 7, 0, 0]
    login_as("funder")
    page = client.get("/reports/satisfaction")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "SAT-7" in text
    for user in world.trainees:
        assert user.email not in text and user.legal_name not in text
    export = client.get("/reports/satisfaction/export?format=csv")
    assert export.status_code == 200 and b"SAT-7" in export.data


@pytest.mark.parametrize("role", ["trainee", "trainer", "tutor"])
def test_trainees_never_see_the_results(app, client, login_as, role):
    login_as(role)
    assert client.get("/reports/satisfaction").status_code == 403
    assert client.get("/reports/satisfaction/export?format=csv").status_code == 403


def test_indicator_30_counts_the_questionnaires_open_and_answered(app, cohort):
    cohort.enrolments[2].withdrawn_on = cohort.past[1].on  # left before M2 ended: not asked
    db.session.commit()
    assert satisfaction.collected([cohort.cohort.id]) == (0, 2)
    expected = sum(len(satisfaction.open_modules(e, date.today())) for e in cohort.enrolments)
    assert expected == 2
    satisfaction.record_answers(cohort.enrolment, _module(cohort, "M2"), {"q5": 3}, date.today())
    db.session.commit()
    assert satisfaction.collected([cohort.cohort.id]) == (1, 2)
    assert satisfaction.collected([]) == (0, 0)
