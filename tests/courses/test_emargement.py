"""Émargement through the services and the pages: signing with the code, the window, the checks that block,
append-only records, the roster that follows, the countersignature, the sheet PDF and its verification page."""

from __future__ import annotations

import base64
import io
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from PIL import Image, ImageDraw

from core.db import db
from core.models import AuditEntry
from core.services import ServiceError
from courses import emargement, services
from courses import emargement_rules as rules
from courses.certificates import display_code
from courses.models import (
    Attendance,
    AttendanceSignature,
    Countersignature,
    ExcusedAbsence,
    RosterCorrection,
    SavedSignature,
    TrainingSession,
)
from tests.courses.conftest import tiny_png

BRUSSELS = ZoneInfo("Europe/Brussels")


def drawn(seed: int = 1) -> str:
    """A signature as signature_pad sends it: a transparent PNG with a stroke."""
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(10, 100), (80 + seed, 20), (150, 90), (290, 30)], fill=(0, 0, 0, 255), width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def working_day(start: date) -> date:
    day = start
    while day.weekday() >= 5 or rules.holiday_name(day, ["BE"]):
        day += timedelta(days=1)
    return day


class Clock:
    def __init__(self, app) -> None:
        self.moment = datetime.now(BRUSSELS)
        app.extensions[emargement.CLOCK] = lambda: self.moment

    def at(self, on: date, hh: int, mm: int, ss: int = 0) -> datetime:
        self.moment = datetime(on.year, on.month, on.day, hh, mm, ss, tzinfo=BRUSSELS)
        return self.moment

    def forward(self, seconds: int) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture
def clock(app) -> Clock:
    yield Clock(app)
    app.extensions.pop(emargement.CLOCK, None)


@pytest.fixture
def room(cohort):
    """The test cohort and a session 09:00–12:00 on a coming working day, in a room of 3 seats."""
    on = working_day(date.today() + timedelta(days=1))
    session = services.create_session(
        cohort.cohort, "M1", on, time(9), time(12), trainers=[cohort.trainer], seats=3, place="Salle 2"
    )
    db.session.commit()
    return cohort, session


def code_now(session: TrainingSession) -> str:
    return emargement.current_code(session)["code"]


def test_a_trainee_signs_with_the_code_and_is_marked_present(room, clock):
    world, session = room
    clock.at(session.on, 8, 50)
    record = emargement.sign(
        session, world.enrolment, method="code", by=world.trainee, drawn=drawn(), code=code_now(session)
    )
    db.session.commit()
    assert record.late is False and record.method == "code"
    assert record.signed_at == clock.moment
    document = rules.signed_document(
        session_uuid=str(session.uuid),
        person_uuid=str(world.trainee.uuid),
        signed_at=clock.moment,
        method="code",
        image_sha256=record.image_sha256,
    )
    assert record.sha256 == rules.signature_hash(document)
    mark = db.session.scalar(sa.select(Attendance).where(Attendance.enrolment_id == world.enrolment.id))
    assert (mark.status, mark.minutes) == ("present", None)


def test_late_signature_is_marked_late_with_minutes_from_signing(room, clock):
    world, session = room
    clock.at(session.on, 9, 40, 30)
    record = emargement.sign(session, world.enrolment, method="trainer_device", by=world.trainer, drawn=drawn())
    db.session.commit()
    assert record.late is True
    mark = db.session.scalar(sa.select(Attendance).where(Attendance.enrolment_id == world.enrolment.id))
    assert (mark.status, mark.minutes) == ("late", 139)


@pytest.mark.parametrize("age,ok", [(0, True), (30, True), (31, False)])
def test_a_code_31_seconds_old_is_refused(room, clock, age, ok):
    world, session = room
    clock.at(session.on, 8, 55, 0)  # a step boundary
    code = code_now(session)
    clock.forward(age)
    if ok:
        emargement.sign(session, world.enrolment, method="code", by=world.trainee, drawn=drawn(), code=code)
    else:
        with pytest.raises(ServiceError, match="code"):
            emargement.sign(session, world.enrolment, method="code", by=world.trainee, drawn=drawn(), code=code)


def test_a_code_from_another_session_is_refused(room, clock):
    world, session = room
    other = services.create_session(world.cohort, "M1", session.on, time(13), time(16), trainers=[world.trainer])
    clock.at(session.on, 9, 0)
    with pytest.raises(ServiceError, match="code"):
        emargement.sign(session, world.enrolment, method="code", by=world.trainee, drawn=drawn(), code=code_now(other))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceSignature)) == 0


def test_the_password_fallback(room, clock):
    world, session = room
    clock.at(session.on, 9, 0)
    with pytest.raises(ServiceError, match="password"):
        emargement.sign(session, world.enrolment, method="password", by=world.trainee, drawn=drawn(), password="NOPE")
    emargement.sign(
        session,
        world.enrolment,
        method="password",
        by=world.trainee,
        drawn=drawn(),
        password=emargement.session_password(session).lower(),
    )


def test_the_window(room, clock):
    world, session = room
    clock.at(session.on, 8, 44, 59)
    with pytest.raises(ServiceError, match="15 minutes"):
        emargement.sign(session, world.enrolment, method="trainer_device", by=world.trainer, drawn=drawn())
    clock.at(session.on, 12, 0, 1)
    with pytest.raises(ServiceError, match="closed"):
        emargement.sign(session, world.enrolment, method="trainer_device", by=world.trainer, drawn=drawn())
    # After the window only the trainer, with a reason the sheet shows.
    with pytest.raises(ServiceError, match="reason"):
        emargement.sign(session, world.enrolment, method="trainer_override", by=world.trainer, reason="  ")
    record = emargement.sign(
        session, world.enrolment, method="trainer_override", by=world.trainer, reason="Tablette en panne"
    )
    assert record.reason == "Tablette en panne" and record.image is None and not record.late


def test_override_is_refused_while_the_window_is_open(room, clock):
    world, session = room
    clock.at(session.on, 10, 0)
    with pytest.raises(ServiceError, match="after the session"):
        emargement.sign(session, world.enrolment, method="trainer_override", by=world.trainer, reason="x")


def test_one_signature_per_person_and_saved_signature_reused(room, clock):
    world, session = room
    clock.at(session.on, 9, 0)
    with pytest.raises(ServiceError, match="draw"):
        emargement.sign(session, world.enrolment, method="code", by=world.trainee, code=code_now(session))
    saved = emargement.save_signature(world.trainee, drawn(5))
    record = emargement.sign(session, world.enrolment, method="code", by=world.trainee, code=code_now(session))
    assert record.image_sha256 == saved.image_sha256
    with pytest.raises(ServiceError, match="already signed"):
        emargement.sign(session, world.enrolment, method="trainer_device", by=world.trainer, drawn=drawn())


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "data:image/jpeg;base64,AAAA",
        "data:image/png;base64,@@@",
        "data:image/png;base64," + base64.b64encode(b"not a png").decode(),
    ],
)
def test_bad_drawings_are_refused(room, clock, payload):
    world, session = room
    clock.at(session.on, 9, 0)
    with pytest.raises(ServiceError):
        emargement.sign(session, world.enrolment, method="trainer_device", by=world.trainer, drawn=payload)


def test_a_blank_drawing_is_refused(room, clock):
    world, session = room
    clock.at(session.on, 9, 0)
    blank = io.BytesIO()
    Image.new("RGBA", (300, 120), (0, 0, 0, 0)).save(blank, "PNG")
    with pytest.raises(ServiceError, match="empty"):
        emargement.sign(
            session,
            world.enrolment,
            method="trainer_device",
            by=world.trainer,
            drawn="data:image/png;base64," + base64.b64encode(blank.getvalue()).decode(),
        )


def test_more_signatures_than_seats_is_refused(room, clock):
    world, session = room
    session.seats = 2
    db.session.commit()
    clock.at(session.on, 9, 0)
    for enrolment in world.enrolments[:2]:
        emargement.sign(session, enrolment, method="trainer_device", by=world.trainer, drawn=drawn())
    with pytest.raises(ServiceError, match="2 seats"):
        emargement.sign(session, world.enrolments[2], method="trainer_device", by=world.trainer, drawn=drawn())
    assert "3 trainees are expected but the room has 2 seats." in emargement.planning_warnings(session)


def test_a_trainee_signed_in_two_places_at_once_is_refused(room, build_cohort, clock):
    world, session = room
    other = build_cohort("PROMO-AUTRE", trainees=0, past=0, future=0)
    elsewhere = services.create_session(other.cohort, "M1", session.on, time(10), time(11))
    second = services.enrol(other.cohort, world.trainee, enrolled_on=other.cohort.starts_on)
    db.session.commit()
    clock.at(session.on, 9, 50)
    emargement.sign(elsewhere, second, method="trainer_device", by=other.trainer, drawn=drawn())
    with pytest.raises(ServiceError, match="another session at the same time"):
        emargement.sign(session, world.enrolment, method="trainer_device", by=world.trainer, drawn=drawn())


def test_a_trainer_in_two_sessions_at_once_warns_then_blocks(room, build_cohort, clock):
    world, session = room
    other = build_cohort("PROMO-AUTRE", trainees=0, past=0, future=0)
    services.create_session(other.cohort, "M1", session.on, time(11), time(13), trainers=[world.trainer])
    db.session.commit()
    warnings = emargement.planning_warnings(session)
    assert any("PROMO-AUTRE" in w and "same time" in w for w in warnings), warnings
    clock.at(session.on, 9, 0)
    with pytest.raises(ServiceError, match="another session at the same time"):
        emargement.sign(session, world.enrolment, method="trainer_device", by=world.trainer, drawn=drawn())


def test_a_session_on_a_public_holiday_warns_then_blocks(cohort, clock):
    on = date(date.today().year + 1, 11, 11)  # Armistice Day, in Belgium and in France
    session = services.create_session(cohort.cohort, "M1", on, time(9), time(12), trainers=[cohort.trainer])
    db.session.commit()
    assert any("public holiday" in w for w in emargement.planning_warnings(session))
    clock.at(on, 9, 0)
    with pytest.raises(ServiceError, match="public holiday"):
        emargement.sign(session, cohort.enrolment, method="trainer_device", by=cohort.trainer, drawn=drawn())


def test_records_are_append_only_and_audited(room, clock):
    world, session = room
    clock.at(session.on, 9, 0)
    record = emargement.sign(session, world.enrolment, method="trainer_device", by=world.trainer, drawn=drawn())
    db.session.commit()
    audit = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "attendance_signature", AuditEntry.action == "create")
    ).all()
    assert [a.object_id for a in audit] == [str(record.uuid)]
    assert audit[0].details["image"] == "(document)" and audit[0].details["sha256"] == record.sha256
    record.late = True
    with pytest.raises(emargement.AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AttendanceSignature, record.id))
    with pytest.raises(emargement.AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    saved = emargement.save_signature(world.trainee, drawn())
    db.session.commit()
    saved.image = tiny_png()
    with pytest.raises(emargement.AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AttendanceSignature, record.id).late is False


def test_corrections_are_new_records_and_the_roster_follows(room, clock):
    world, session = room
    clock.at(session.on, 9, 0)
    emargement.sign(session, world.enrolment, method="trainer_device", by=world.trainer, drawn=drawn())
    with pytest.raises(ServiceError, match="reason"):
        emargement.correct(session, world.enrolment, "left_early", 90, " ", world.trainer)
    with pytest.raises(ServiceError, match="minutes"):
        emargement.correct(session, world.enrolment, "left_early", 999, "Rendez-vous", world.trainer)
    clock.at(session.on, 10, 30)
    emargement.correct(session, world.enrolment, "left_early", 90, "Partie à 10 h 30", world.trainer)
    db.session.commit()
    mark = db.session.scalar(sa.select(Attendance).where(Attendance.enrolment_id == world.enrolment.id))
    assert (mark.status, mark.minutes) == ("left_early", 90)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RosterCorrection)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AttendanceSignature)) == 1


def test_excused_absence_records_only_that_a_justification_was_provided(room, clock, app):
    world, session = room
    clock.at(session.on, 9, 0)
    row = emargement.excuse(session, world.enrolments[1], world.trainer, ("certificat.png", tiny_png()))
    db.session.commit()
    columns = set(sa.inspect(ExcusedAbsence).columns.keys())
    assert not columns & {"reason", "why", "comment", "note"}
    assert row.file_key and row.file_delete_after == session.on + timedelta(days=90)
    mark = db.session.scalar(sa.select(Attendance).where(Attendance.enrolment_id == world.enrolments[1].id))
    assert mark.status == "excused"
    with pytest.raises(ServiceError, match="PDF, PNG or JPEG"):
        emargement.excuse(session, world.enrolments[2], world.trainer, ("x.txt", b"hello"))
    emargement.sign(session, world.enrolment, method="trainer_device", by=world.trainer, drawn=drawn())
    with pytest.raises(ServiceError, match="no absence to excuse"):
        emargement.excuse(session, world.enrolment, world.trainer)
    # After the retention the file goes; the fact stays.
    from core.storage import storage

    key = row.file_key
    assert emargement.purge_excuse_files(session.on + timedelta(days=91)) == 1
    db.session.commit()
    assert not storage().exists(key)
    assert db.session.get(ExcusedAbsence, row.id).file_key is None


def test_countersign_at_the_end_then_the_sheet_and_its_verification(room, clock, client_for, client):
    from pypdf import PdfReader

    world, session = room
    clock.at(session.on, 8, 50)
    emargement.sign(session, world.enrolments[0], method="trainer_device", by=world.trainer, drawn=drawn(1))
    clock.at(session.on, 9, 20)
    emargement.sign(session, world.enrolments[1], method="trainer_device", by=world.trainer, drawn=drawn(2))
    with pytest.raises(ServiceError, match="over"):
        emargement.countersign(session, world.trainer, drawn(9))
    clock.at(session.on, 12, 5)
    with pytest.raises(ServiceError, match="Only a trainer"):
        emargement.countersign(session, world.trainees[2], drawn(9))
    counter = emargement.countersign(session, world.trainer, drawn(9))
    db.session.commit()
    assert counter.signatures == 2
    with pytest.raises(ServiceError, match="already countersigned"):
        emargement.countersign(session, world.trainer, drawn(9))
    db.session.rollback()

    trainer = client_for(world.trainer)
    response = trainer.get(f"/sessions/{session.uuid}/emargement.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Alice Martin" in text and "08:50" in text and "09:20" in text and "Absent" in text
    assert "Trainer PROMO-TEST" in text and display_code(counter.code) in text
    images = sum(len(page.images) for page in reader.pages)
    assert images >= 3  # two signatures and the countersignature (and the QR code is vector)

    page = client.get(f"/emargement/verify/{display_code(counter.code)}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and counter.sheet_sha256 in body and "Alice" not in body
    assert client.get("/emargement/verify/AAAAA-AAAAA").status_code == 404


def test_the_pages_trainee_signs_with_the_code_the_trainer_screen_shows(room, clock, client_for):
    world, session = room
    clock.at(session.on, 8, 55)
    trainer = client_for(world.trainer)
    screen = trainer.get(f"/sessions/{session.uuid}/emargement")
    html = screen.get_data(as_text=True)
    code = re.search(r'data-code="(\d{6})"', html).group(1)
    assert emargement.session_password(session) in html
    polled = trainer.get(f"/sessions/{session.uuid}/emargement/code").get_json()
    assert polled["code"] == code and polled["url"].endswith(f"/emargement/{session.uuid}/sign?code={code}")

    trainee = client_for(world.trainee)
    page = trainee.get(f"/emargement/{session.uuid}/sign?code={code}")
    assert page.status_code == 200 and 'value="qr"' in page.get_data(as_text=True)
    clock.forward(31)
    refused = trainee.post(f"/emargement/{session.uuid}/sign", data={"code": code, "via": "qr", "signature": drawn()})
    assert refused.status_code == 422 and "code" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedSignature)) == 0  # nothing kept
    fresh = code_now(session)
    done = trainee.post(f"/emargement/{session.uuid}/sign", data={"code": fresh, "via": "qr", "signature": drawn()})
    assert done.status_code == 303
    record = db.session.scalar(sa.select(AttendanceSignature))
    assert record.method == "own_phone" and record.recorded_by_id == world.trainee.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedSignature)) == 1
    again = trainee.get(f"/emargement/{session.uuid}/sign")
    assert 'id="signed-ok"' in again.get_data(as_text=True)


def test_a_trainee_of_another_cohort_gets_404(room, build_cohort, client_for):
    _world, session = room
    other = build_cohort("PROMO-AUTRE", trainees=1, past=0, future=0)
    assert client_for(other.trainee).get(f"/emargement/{session.uuid}/sign").status_code == 404


def test_session_form_saves_seats_and_warns_of_a_holiday(cohort, client_for, admin):
    coordinator = client_for(admin)
    on = date(date.today().year + 1, 11, 11)
    response = coordinator.post(
        f"/cohorts/{cohort.cohort.uuid}/sessions/new",
        data={"module": "M1", "on": on.isoformat(), "starts_at": "09:00", "ends_at": "12:00", "seats": "12"},
        follow_redirects=True,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    session = db.session.scalar(sa.select(TrainingSession).where(TrainingSession.on == on))
    assert session.seats == 12
    assert "Ce jour est férié (Jour de l&#39;Armistice)" in body
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Countersignature)) == 0


def test_the_demo_running_promotion_has_signed_sessions(demo, app):
    from core.models import User
    from courses.demo import CURRENT

    if not CURRENT.first_day < date.today() <= CURRENT.last_day:
        pytest.skip("the demo's running promotion is not running today: it has no recent session to sign")
    assert "signed and countersigned" in demo
    counters = db.session.scalars(sa.select(Countersignature)).all()
    assert len(counters) == 4  # two training days, morning and afternoon
    session = db.session.get(TrainingSession, counters[-1].session_id)
    assert session.cohort.code == "DEMO-2026-27" and session.on < date.today()
    signatures = db.session.scalars(
        sa.select(AttendanceSignature).where(AttendanceSignature.session_id == session.id)
    ).all()
    assert counters[-1].signatures == len(signatures) > 10
    assert counters[-1].sheet_sha256 == rules.sheet_digest(s.sha256 for s in signatures)
    marks = {
        a.enrolment_id: a.status
        for a in db.session.scalars(sa.select(Attendance).where(Attendance.session_id == session.id))
    }
    assert all(marks[s.enrolment_id] in ("present", "late", "left_early") for s in signatures)
    trainer = db.session.get(User, counters[-1].trainer_id)
    browser = app.test_client()
    assert browser.post("/login", data={"email": trainer.email, "password": "demo-tremplin"}).status_code == 302
    response = browser.get(f"/sessions/{session.uuid}/emargement.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    page = browser.get(f"/emargement/verify/{display_code(counters[-1].code)}")
    assert page.status_code == 200 and counters[-1].sheet_sha256 in page.get_data(as_text=True)


def test_my_training_links_to_signing_todays_session(cohort, client_for):
    session = services.create_session(cohort.cohort, "M1", date.today(), time(6, 0), time(6, 30))
    db.session.commit()
    body = client_for(cohort.trainee).get("/my/training").get_data(as_text=True)
    assert f"/emargement/{session.uuid}/sign" in body


def test_excuse_files_follow_the_privacy_purge_and_signatures_are_in_my_data(room, clock, runner):
    from core.privacy import retention_rules
    from courses.privacy import _export

    world, session = room
    clock.at(session.on, 9, 0)
    emargement.excuse(session, world.enrolments[1], world.trainer, ("mot.pdf", b"%PDF-1.4 test"))
    emargement.sign(session, world.enrolment, method="trainer_device", by=world.trainer, drawn=drawn())
    db.session.commit()
    rule = retention_rules()["excused absence files"]
    now = datetime.combine(session.on + timedelta(days=200), time(12), BRUSSELS)
    dry = rule(now, False)
    assert dry.count == 1 and db.session.scalar(sa.select(ExcusedAbsence)).file_key is not None
    assert rule(now, True).count == 1
    db.session.commit()
    assert db.session.scalar(sa.select(ExcusedAbsence)).file_key is None

    class Bundle:
        def __init__(self):
            self.data, self.files = {}, []

        def add_section(self, name, rows, text):
            self.data[name] = rows

        def add_file(self, *args, **kwargs):
            return None

    bundle = Bundle()
    _export(world.trainee, bundle)
    text = repr(bundle.data)
    assert "trainer_device" in text and db.session.scalar(sa.select(AttendanceSignature.sha256)) in text
