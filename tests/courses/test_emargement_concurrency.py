"""Émargement under a room's load: signatures racing each other in threads (each its own connection), on SQLite
and on PostgreSQL (``TREMPLIN_TEST_DATABASE_URL``). The seats, "signed once" and "signed elsewhere" checks must
hold when every request arrives at the same moment."""

from __future__ import annotations

import threading
from datetime import date, time, timedelta

import sqlalchemy as sa

from core.db import db
from core.services import ServiceError
from courses import emargement, services
from courses.models import Attendance, AttendanceSignature, Enrolment, TrainingSession
from tests.courses.test_emargement import clock, drawn, room, working_day  # noqa: F401 - fixtures

ROOM = 25


def _race(app, calls) -> tuple[int, list[str]]:
    """Run ``calls`` (each given its own app context) in threads released together; (successes, refusals)."""
    barrier = threading.Barrier(len(calls))
    ok: list[int] = []
    refused: list[str] = []
    lock = threading.Lock()

    def run(call) -> None:
        with app.app_context():
            barrier.wait()
            try:
                call()
                db.session.commit()
            except ServiceError as exc:
                db.session.rollback()
                with lock:
                    refused.append(str(exc))
            else:
                with lock:
                    ok.append(1)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(ok), refused


def test_thirty_signatures_at_once_into_a_25_seat_room_give_exactly_25(app, build_cohort, clock):  # noqa: F811
    world = build_cohort("PROMO-RUSH", trainees=30)
    on = working_day(date.today() + timedelta(days=1))
    session = services.create_session(world.cohort, "M1", on, time(13), time(16), trainers=[world.trainer], seats=ROOM)
    db.session.commit()
    clock.at(session.on, 13, 5)
    pairs = [(session.id, e.id) for e in world.enrolments]
    picture = drawn()

    def signer(session_id: int, enrolment_id: int):
        def call() -> None:
            emargement.sign(
                db.session.get(TrainingSession, session_id),
                db.session.get(Enrolment, enrolment_id),
                method="trainer_device",
                by=None,
                drawn=picture,
            )

        return call

    signed, refused = _race(app, [signer(s, e) for s, e in pairs])
    assert signed == ROOM
    assert len(refused) == 30 - ROOM and all("25 seats" in text for text in refused)
    count = sa.select(sa.func.count()).select_from(AttendanceSignature)
    assert db.session.scalar(count.where(AttendanceSignature.session_id == session.id)) == ROOM
    marks = sa.select(sa.func.count()).select_from(Attendance).where(Attendance.session_id == session.id)
    assert db.session.scalar(marks) == ROOM


def test_the_same_trainee_twice_at_once_or_in_two_rooms_at_once_signs_once(app, room, clock):  # noqa: F811
    world, session = room
    other = services.create_session(world.cohort, "M1", session.on, time(9, 30), time(11, 30), seats=30)
    db.session.commit()
    clock.at(session.on, 9, 35)
    enrolment_id = world.enrolment.id
    picture = drawn()

    def signer(session_id: int):
        def call() -> None:
            emargement.sign(
                db.session.get(TrainingSession, session_id),
                db.session.get(Enrolment, enrolment_id),
                method="trainer_device",
                by=None,
                drawn=picture,
            )

        return call

    signed, refused = _race(app, [signer(session.id)] * 4 + [signer(other.id)] * 4)
    assert signed == 1, refused
    assert len(refused) == 7 and all("already signed" in text for text in refused)
    count = sa.select(sa.func.count()).select_from(AttendanceSignature)
    assert db.session.scalar(count.where(AttendanceSignature.enrolment_id == enrolment_id)) == 1
