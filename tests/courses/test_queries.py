"""A cohort costs a fixed number of SQL statements whatever its size: the eligibility of every trainee and the
cohort page. Measured on a small cohort (3 trainees, 4 sessions) and a large one (30 trainees, 40 sessions),
both with marks, pauses, hours and validations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core.db import db
from courses import eligibility, queries, services
from courses.models import AttendanceStatus, Competency
from tests.conftest import statements
from tests.courses.conftest import cancel

TODAY = date.today()
STATUSES = [AttendanceStatus.PRESENT, AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED]


def populate(world) -> None:
    """Marks for every past session, a pause, hours (confirmed, pending) and validations for every trainee."""
    competencies = db.session.scalars(
        db.select(Competency).where(Competency.programme_id == world.programme.id).order_by(Competency.code).limit(3)
    ).all()
    for n, session in enumerate(world.past):
        marks = {}
        for k, enrolment in enumerate(world.enrolments):
            status = STATUSES[(n + k) % len(STATUSES)]
            if (n + k) % 7 == 3:
                marks[enrolment.id] = services.MarkInput(AttendanceStatus.LATE, 100)
            else:
                marks[enrolment.id] = services.MarkInput(status)
        services.save_roster(session, marks, world.trainer, None)
    services.add_pause(world.enrolments[-1], world.past[-1].on, world.past[-1].on)
    for k, enrolment in enumerate(world.enrolments):
        entry = services.log_hours(enrolment, TODAY - timedelta(days=2), 420)
        services.review_hours(entry, "confirmed", by=world.trainer)
        services.log_hours(enrolment, TODAY - timedelta(days=1), 60 + k)
        for competency in competencies[: 1 + k % 3]:
            services.validate_competency(enrolment, competency, world.trainer, "E-ANALYSE", TODAY)
    db.session.commit()


@pytest.fixture
def small_and_large(build_cohort):
    small = build_cohort("PETITE", trainees=3, past=4, future=0)
    large = build_cohort("GRANDE", trainees=30, past=36, future=4)
    assert (len(small.sessions), len(large.sessions), len(large.enrolments)) == (4, 40, 30)
    populate(small)
    populate(large)
    return small, large


def test_evaluate_cohort_costs_the_same_whatever_the_size(small_and_large):
    measured = {}
    for world in small_and_large:
        db.session.expire_all()
        with statements() as seen:
            results = eligibility.evaluate_cohort(world.cohort)
        assert len(results) == len(world.enrolments)
        assert all(r.evaluation.programme.counted_sessions for r in results)
        measured[world.cohort.code] = len(seen)
    assert measured["PETITE"] == measured["GRANDE"], measured
    assert measured["PETITE"] <= 15, measured  # one per kind of fact (see courses/eligibility.py), and a few loads


def test_the_cohort_page_costs_the_same_whatever_the_size(client_for, admin, small_and_large):
    client = client_for(admin)
    measured = {}
    for world in small_and_large:
        client.get(f"/cohorts/{world.cohort.uuid}")  # warm up: the first request loads the translations
        db.session.expire_all()
        with statements() as seen:
            response = client.get(f"/cohorts/{world.cohort.uuid}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert all(str(e.uuid) in page for e in world.enrolments)
        measured[world.cohort.code] = len(seen)
    assert measured["PETITE"] == measured["GRANDE"], measured


def test_a_trainees_file_does_not_query_once_per_validation(app, client_for, cohort, admin):
    """The staff page of one trainee: the number of statements does not grow with their validations."""
    client = client_for(admin)
    url = f"/enrolments/{cohort.enrolment.uuid}"

    def statements() -> int:
        counter = []
        listener = lambda *args: counter.append(1)  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get(url).status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        return len(counter)

    competencies = list(db.session.scalars(sa.select(Competency).where(Competency.programme_id == cohort.programme.id)))
    services.validate_competency(cohort.enrolment, competencies[0], cohort.trainer, "E-OBS", date.today())
    db.session.commit()
    one = statements()
    for competency in competencies[1:13]:
        services.validate_competency(cohort.enrolment, competency, cohort.trainer, "E-OBS", date.today())
    db.session.commit()
    assert statements() == one


def test_upcoming_sessions_are_the_trainee_s_next_ones(cohort):
    """The home's "next sessions": from today, not cancelled, within her enrolment, in date order, at most ``limit``;
    the same as the calendar of ``sessions_for`` restricted to her cohort."""
    from courses.self_views import sessions_for

    today = date.today()
    enrolment = cohort.enrolment
    expected = [s for s in sessions_for(cohort.trainee, since=today) if s.cohort_id == enrolment.cohort_id]
    assert queries.upcoming_sessions(enrolment, today, 3) == [s for s in expected if not s.cancelled][:3]
    assert [s.on for s in queries.upcoming_sessions(enrolment, today, 3)] == [s.on for s in cohort.future]
    assert queries.upcoming_sessions(enrolment, today, 1) == cohort.future[:1]
    cancel(cohort.future[0])
    assert queries.upcoming_sessions(enrolment, today, 3) == cohort.future[1:]
    services.withdraw(enrolment, cohort.future[1].on)  # from that day on, she no longer attends
    assert queries.upcoming_sessions(enrolment, today, 3) == []
