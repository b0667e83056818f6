"""The roster (taking attendance), its optimistic lock, the printed sheet, and ``tremplin eligibility``."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, time, timedelta

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader

from core.db import db
from core.services import ServiceError
from courses import rules, services
from courses.models import Attendance, Competency, TrainingSession
from tests.courses.conftest import count

TODAY = date.today()
HEADER = (
    "email,status,attendance_percent,attended_minutes,counted_minutes,placement_minutes,placement_minutes_required,"
    "final_work,competencies_validated,competencies_required,can_still_miss_minutes,reasons"
)
VERSION = re.compile(r'name="roster_version" value="(\d+)"')


def roster_form(marks: dict, version: int, action: str = "save") -> dict:
    """Form fields for ``marks``: enrolment → status, or (status, minutes)."""
    data = {"roster_version": str(version), "action": action}
    for enrolment, mark in marks.items():
        status, minutes = mark if isinstance(mark, tuple) else (mark, "")
        data[f"status-{enrolment.uuid}"] = status
        data[f"minutes-{enrolment.uuid}"] = str(minutes)
    return data


def saved_marks(session: TrainingSession) -> dict[int, tuple[str, int | None]]:
    db.session.expire_all()
    return {
        a.enrolment_id: (a.status, a.minutes)
        for a in db.session.scalars(db.select(Attendance).where(Attendance.session_id == session.id))
    }


def version_of(session: TrainingSession) -> int:
    db.session.expire_all()
    return db.session.get(TrainingSession, session.id).roster_version


def checked(page: str, enrolment) -> str | None:
    """The status chosen for this trainee on the roster page (the option selected in their list)."""
    select = re.search(rf'<select[^>]*name="status-{enrolment.uuid}".*?</select>', page, re.S)
    match = re.search(r'<option value="(\w+)" selected>', select.group(0)) if select else None
    return match.group(1) if match else None


# --- the roster page --------------------------------------------------------------------------------------------


def test_the_roster_saves_every_mark(client_for, cohort):
    alice, bruno, chloe = cohort.enrolments
    session = cohort.past[0]
    client = client_for(cohort.trainer)
    page = client.get(f"/sessions/{session.uuid}")
    assert page.status_code == 200
    assert VERSION.search(page.get_data(as_text=True)).group(1) == "0"

    response = client.post(
        f"/sessions/{session.uuid}", data=roster_form({alice: "present", bruno: ("late", 120), chloe: "absent"}, 0)
    )
    assert response.status_code == 302
    assert saved_marks(session) == {alice.id: ("present", None), bruno.id: ("late", 120), chloe.id: ("absent", None)}
    assert version_of(session) == 1
    recorded_by = set(db.session.scalars(db.select(Attendance.recorded_by_id)))
    assert recorded_by == {cohort.trainer.id}
    page = client.get(f"/sessions/{session.uuid}").get_data(as_text=True)
    assert checked(page, alice) == "present" and checked(page, bruno) == "late" and checked(page, chloe) == "absent"

    # a second save changes one mark and clears another
    response = client.post(f"/sessions/{session.uuid}", data=roster_form({alice: "excused", bruno: ("late", 150)}, 1))
    assert response.status_code == 302
    assert saved_marks(session) == {alice.id: ("excused", None), bruno.id: ("late", 150)}


def test_everyone_else_present(client_for, cohort):
    alice, bruno, chloe = cohort.enrolments
    session = cohort.past[1]
    response = client_for(cohort.trainer).post(
        f"/sessions/{session.uuid}", data=roster_form({bruno: "absent"}, 0, action="all_present")
    )
    assert response.status_code == 302
    assert saved_marks(session) == {
        alice.id: ("present", None),
        bruno.id: ("absent", None),
        chloe.id: ("present", None),
    }


def test_a_roster_opens_when_its_session_starts_before_only_planned_absences(client_for, cohort):
    alice, bruno, chloe = cohort.enrolments
    session = cohort.future[0]
    client = client_for(cohort.trainer)
    page = client.get(f"/sessions/{session.uuid}").get_data(as_text=True)
    assert 'value="all_present"' not in page and 'value="present"' not in page
    for action in ("all_present", "save"):
        response = client.post(f"/sessions/{session.uuid}", data=roster_form({alice: "present"}, 0, action=action))
        assert response.status_code == 422
        assert saved_marks(session) == {}
    response = client.post(f"/sessions/{session.uuid}", data=roster_form({bruno: "excused"}, 0))
    assert response.status_code == 302
    assert saved_marks(session) == {bruno.id: ("excused", None)}
    # The same rule for every way in: the service itself (API, CSV import) and at the very minute it starts.
    starts = rules.session_starts_at(session.on, session.starts_at, cohort.cohort.timezone)
    with pytest.raises(ServiceError):
        services.save_roster(
            session, {chloe.id: services.MarkInput("present")}, None, None, now=starts - timedelta(minutes=1)
        )
    services.save_roster(session, {chloe.id: services.MarkInput("present")}, None, None, now=starts)


@pytest.mark.parametrize(
    "bad",
    [("late", ""), ("left_early", "beaucoup"), ("late", 181)],
    ids=["late without minutes", "minutes not a number", "more minutes than the session"],
)
def test_a_partial_mark_needs_sensible_minutes_and_nothing_is_saved_otherwise(client_for, cohort, bad):
    alice, bruno, chloe = cohort.enrolments
    session = cohort.past[0]
    response = client_for(cohort.trainer).post(
        f"/sessions/{session.uuid}", data=roster_form({alice: "present", bruno: bad, chloe: "present"}, 0)
    )
    assert response.status_code == 422
    assert saved_marks(session) == {} and version_of(session) == 0
    page = response.get_data(as_text=True)
    assert 'id="roster-errors"' in page
    if bad[1] != 181:
        assert "Bruno Dubois" in page.split('id="roster-errors"')[1].split("</div>")[0]
    # what was typed is kept
    assert checked(page, alice) == "present" and checked(page, bruno) == bad[0]


def test_the_second_of_two_saves_from_the_same_version_is_refused(client_for, cohort, make_trainer):
    alice, bruno, chloe = cohort.enrolments
    session = cohort.past[0]
    colleague = make_trainer(email="collegue@example.org", legal_name="Collègue")
    services.add_trainer(cohort.cohort, colleague)
    db.session.commit()
    first, second = client_for(cohort.trainer), client_for(colleague)
    versions = {
        VERSION.search(c.get(f"/sessions/{session.uuid}").get_data(as_text=True)).group(1) for c in (first, second)
    }
    assert versions == {"0"}

    ok = first.post(f"/sessions/{session.uuid}", data=roster_form({alice: "present", bruno: "present"}, 0))
    assert ok.status_code == 302
    late = second.post(
        f"/sessions/{session.uuid}", data=roster_form({alice: "absent", bruno: "absent", chloe: "absent"}, 0)
    )
    assert late.status_code == 409
    assert 'id="roster-errors"' in late.get_data(as_text=True)
    assert saved_marks(session) == {alice.id: ("present", None), bruno.id: ("present", None)}
    assert version_of(session) == 1
    assert VERSION.search(late.get_data(as_text=True)).group(1) == "1"


def test_after_a_refused_save_the_page_shows_the_marks_that_were_saved(client_for, cohort, make_trainer):
    alice, bruno, _ = cohort.enrolments
    session = cohort.past[0]
    colleague = make_trainer(email="collegue@example.org", legal_name="Collègue")
    services.add_trainer(cohort.cohort, colleague)
    db.session.commit()
    first, second = client_for(cohort.trainer), client_for(colleague)
    assert first.post(f"/sessions/{session.uuid}", data=roster_form({alice: "present"}, 0)).status_code == 302
    late = second.post(f"/sessions/{session.uuid}", data=roster_form({alice: "absent", bruno: "absent"}, 0))
    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert checked(page, alice) == "present"
    assert checked(page, bruno) is None


def test_two_saves_at_the_same_moment_cannot_both_win(app, client_for, cohort, make_trainer):
    alice, bruno, _ = cohort.enrolments
    colleague = make_trainer(email="collegue@example.org", legal_name="Collègue")
    services.add_trainer(cohort.cohort, colleague)
    db.session.commit()
    second = client_for(colleague)
    token = second.csrf_token()
    # The first trainer's save has started: it has read the session, roster version 0…
    mine = db.session.get(TrainingSession, cohort.past[0].id)
    assert mine.roster_version == 0
    # …when the colleague's save, opened on version 0 too, commits (a request of its own, as in production).
    with app.app_context():
        response = FlaskClient.open(
            second,
            f"/sessions/{mine.uuid}",
            method="POST",
            data=roster_form({alice: "absent", bruno: "absent"}, 0) | {"csrf_token": token},
        )
    assert response.status_code == 302
    # The first save goes on: it must be refused, not overwrite the colleague's marks.
    with pytest.raises(services.StaleRoster):
        services.save_roster(mine, {alice.id: services.MarkInput("present")}, cohort.trainer, 0)


def test_trainees_not_expected_are_not_on_the_roster(client_for, cohort, create_user):
    alice, bruno, chloe = cohort.enrolments
    session = cohort.past[1]
    services.add_pause(bruno, session.on - timedelta(days=2), session.on + timedelta(days=2))
    late_comer = create_user(roles=("trainee",), email="dan@example.org", legal_name="Dan Tardif")
    dan = services.enrol(cohort.cohort, late_comer, enrolled_on=session.on + timedelta(days=1))
    services.withdraw(chloe, session.on)
    db.session.commit()

    client = client_for(cohort.trainer)
    page = client.get(f"/sessions/{session.uuid}").get_data(as_text=True)
    assert f'name="status-{alice.uuid}"' in page
    for enrolment in (bruno, dan, chloe):
        assert f'name="status-{enrolment.uuid}"' not in page
        assert f'name="minutes-{enrolment.uuid}"' not in page
    assert "Bruno Dubois" in page and "Dan Tardif" in page  # listed, as not expected

    # "everyone else present" marks only the expected, and posted marks for the others are ignored
    data = roster_form({bruno: "absent", dan: "present"}, 0, action="all_present")
    assert client.post(f"/sessions/{session.uuid}", data=data).status_code == 302
    assert saved_marks(session) == {alice.id: ("present", None)}


def test_a_cancelled_session_takes_no_attendance(client_for, cohort):
    session = cohort.past[2]
    session.cancelled = True
    db.session.commit()
    response = client_for(cohort.trainer).post(
        f"/sessions/{session.uuid}", data=roster_form({cohort.enrolment: "present"}, 0)
    )
    assert response.status_code == 422
    assert count(Attendance) == 0


def test_the_attendance_sheet_pdf_lists_the_expected_trainees(client_for, cohort):
    session = cohort.past[0]
    services.add_pause(cohort.enrolments[2], session.on, session.on)
    db.session.commit()
    response = client_for(cohort.trainer).get(f"/sessions/{session.uuid}/sheet.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Alice Martin" in text and "Bruno Dubois" in text
    assert "Lambert" not in text  # Chloé is on a pause that day
    assert cohort.cohort.code in text


# --- tremplin eligibility -------------------------------------------------------------------------------------------


def mark(session: TrainingSession, marks: dict) -> None:
    services.save_roster(
        session,
        {e.id: services.MarkInput(*(m if isinstance(m, tuple) else (m,))) for e, m in marks.items()},
        None,
        None,
    )


def missing_codes(*validated: str) -> tuple[int, str]:
    codes = sorted(
        c.code
        for c in db.session.scalars(db.select(Competency).where(Competency.retired.is_(False)))
        if c.code not in validated
    )
    return len(codes), ", ".join(codes)


def eligibility(runner, code: str, as_of: date, fmt: str = "csv") -> str:
    result = runner.invoke(args=["eligibility", code, "--as-of", as_of.isoformat(), "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def marked(cohort, create_user):
    """The cohort with its four past sessions marked, hours, a validation, a final work and a fourth trainee
    (created last, first by e-mail) with no mark at all."""
    alice, bruno, chloe = cohort.enrolments
    adele = services.enrol(cohort.cohort, create_user(roles=("trainee",), email="adele@example.org"))
    first, second, third, fourth = cohort.past
    mark(first, {alice: "present", bruno: "present", chloe: "present"})
    mark(second, {alice: "present", bruno: ("late", 135), chloe: "present"})
    mark(third, {alice: "absent", bruno: "absent", chloe: "present"})
    mark(fourth, {alice: "present", bruno: "excused", chloe: "present"})
    for minutes, state in ((420, "confirmed"), (180, "confirmed"), (120, "pending"), (60, "rejected")):
        services.log_hours(alice, TODAY - timedelta(days=3), minutes, state=state)
    competency = db.session.scalar(db.select(Competency).where(Competency.code == "C-M1-01"))
    services.validate_competency(alice, competency, cohort.trainer, "E-ANALYSE", TODAY)
    services.record_final_work(alice, "passed")
    db.session.commit()
    return cohort, adele


def expected_rows() -> list[dict]:
    n, every = missing_codes()
    n_alice, alice_missing = missing_codes("C-M1-01")
    common = {"placement_minutes_required": 8400, "counted_minutes": 720, "competencies_required": n}
    return [
        common
        | {
            "email": "adele@example.org",
            "status": "unreachable",
            "attendance_percent": "0.00",
            "attended_minutes": 0,
            "placement_minutes": 0,
            "final_work": "pending",
            "competencies_validated": 0,
            "can_still_miss_minutes": "",
            "reasons": "attendance 0.00% below 75%|attendance threshold unreachable|4 unmarked sessions|"
            f"2 sessions remaining|placement 0/8400 minutes|final work pending|{n} competencies not validated: {every}",
        },
        common
        | {  # 3 of 4 sessions of 180 minutes: 540 / 720 = 75.00 %, exactly the threshold
            "email": "alice@example.org",
            "status": "in_progress",
            "attendance_percent": "75.00",
            "attended_minutes": 540,
            "placement_minutes": 600,
            "final_work": "passed",
            "competencies_validated": 1,
            # (540 + 360 − X) × 100 ≥ 75 × (720 + 360) → X ≤ 90
            "can_still_miss_minutes": 90,
            "reasons": f"2 sessions remaining|placement 600/8400 minutes|{n_alice} competencies not validated: "
            f"{alice_missing}",
        },
        common
        | {  # 180 + 135 (late) = 315 / 720 = 43.75 %; excused counts as absent in hetis-initial
            "email": "bruno@example.org",
            "status": "unreachable",
            "attendance_percent": "43.75",
            "attended_minutes": 315,
            "placement_minutes": 0,
            "final_work": "pending",
            "competencies_validated": 0,
            "can_still_miss_minutes": "",
            "reasons": "attendance 43.75% below 75%|attendance threshold unreachable|2 sessions remaining|"
            f"placement 0/8400 minutes|final work pending|{n} competencies not validated: {every}",
        },
        common
        | {
            "email": "chloe@example.org",
            "status": "in_progress",
            "attendance_percent": "100.00",
            "attended_minutes": 720,
            "placement_minutes": 0,
            "final_work": "pending",
            "competencies_validated": 0,
            "can_still_miss_minutes": 270,  # 720 + 360 − 810
            "reasons": f"2 sessions remaining|placement 0/8400 minutes|final work pending|{n} competencies not "
            f"validated: {every}",
        },
    ]


def test_eligibility_csv(runner, marked):
    cohort, _ = marked
    output = eligibility(runner, cohort.cohort.code, TODAY)
    lines = output.splitlines()
    assert lines[0] == HEADER
    rows = list(csv.DictReader(io.StringIO(output)))
    assert [r["email"] for r in rows] == [
        "adele@example.org",
        "alice@example.org",
        "bruno@example.org",
        "chloe@example.org",
    ]
    assert rows == [{k: str(v) for k, v in row.items()} for row in expected_rows()]


def test_eligibility_json(runner, marked):
    cohort, _ = marked
    assert json.loads(eligibility(runner, cohort.cohort.code, TODAY, "json")) == expected_rows()


def test_eligibility_follows_the_marks_and_the_date(runner, client_for, marked):
    cohort, _ = marked
    alice = cohort.enrolments[0]
    third = cohort.past[2]
    # Alice's absence becomes a late arrival of 100 minutes, through the roster page
    client = client_for(cohort.trainer)
    version = int(VERSION.search(client.get(f"/sessions/{third.uuid}").get_data(as_text=True)).group(1))
    assert client.post(f"/sessions/{third.uuid}", data=roster_form({alice: ("late", 100)}, version)).status_code == 302
    rows = {r["email"]: r for r in csv.DictReader(io.StringIO(eligibility(runner, cohort.cohort.code, TODAY)))}
    assert (rows["alice@example.org"]["attended_minutes"], rows["alice@example.org"]["attendance_percent"]) == (
        "640",
        "88.88",  # 640 / 720 = 88.888…, floored
    )
    # as of the day before the first session, nothing is counted yet
    before = cohort.past[0].on - timedelta(days=1)
    rows = {r["email"]: r for r in csv.DictReader(io.StringIO(eligibility(runner, cohort.cohort.code, before)))}
    assert rows["alice@example.org"]["counted_minutes"] == "0"
    assert rows["alice@example.org"]["attendance_percent"] == ""
    assert rows["alice@example.org"]["reasons"].startswith("no counted session|6 sessions remaining|")


def test_eligibility_floors_the_percentage_and_7499_is_not_enough(runner, build_cohort):
    """13 days of 7 h 30 (5,850 minutes): 9 present, one late (337 min attended), 3 absent → 4,387 minutes,
    74.9914… % → "74.99", below the 75 % threshold."""
    world = build_cohort("LONGUE", trainees=1, past=13, future=0, times=(time(9, 0), time(16, 30)))
    trainee = world.enrolment
    for n, session in enumerate(world.past):
        if n < 9:
            mark(session, {trainee: "present"})
        elif n == 9:
            mark(session, {trainee: ("late", 337)})
        else:
            mark(session, {trainee: "absent"})
    db.session.commit()
    (row,) = csv.DictReader(io.StringIO(eligibility(runner, "LONGUE", TODAY)))
    assert (row["attended_minutes"], row["counted_minutes"], row["attendance_percent"]) == ("4387", "5850", "74.99")
    assert row["status"] == "unreachable" and row["status"] != "eligible"
    assert row["reasons"].startswith("attendance 74.99% below 75%|attendance threshold unreachable|")
    # one more minute: 4388 / 5850 = 75.0085… % → met
    mark(world.past[9], {trainee: ("late", 338)})
    db.session.commit()
    (row,) = csv.DictReader(io.StringIO(eligibility(runner, "LONGUE", TODAY)))
    assert (row["attendance_percent"], row["status"]) == ("75.00", "in_progress")
    assert not row["reasons"].startswith("attendance")


def test_eligibility_refuses_bad_arguments(runner, cohort):
    assert runner.invoke(args=["eligibility"]).exit_code != 0
    result = runner.invoke(args=["eligibility", "NOPE"])
    assert result.exit_code != 0 and "NOPE" in result.output
    result = runner.invoke(args=["eligibility", cohort.cohort.code, "--as-of", "17/09/2026"])
    assert result.exit_code != 0 and "--as-of" in result.output


def test_eligibility_of_every_cohort(runner, marked, build_cohort):
    cohort, _ = marked
    build_cohort("AUTRE-PROMO", trainees=[("zoe@example.org", "Zoé Autre")], email_prefix="autre")
    result = runner.invoke(args=["eligibility", "--all", "--as-of", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "cohort," + HEADER
    rows = [(r["cohort"], r["email"]) for r in csv.DictReader(io.StringIO(result.output))]
    assert rows == [("AUTRE-PROMO", "zoe@example.org")] + [
        (cohort.cohort.code, e)
        for e in ("adele@example.org", "alice@example.org", "bruno@example.org", "chloe@example.org")
    ]
    assert runner.invoke(args=["eligibility", cohort.cohort.code, "--all"]).exit_code != 0


# --- minutes late, minutes left early: the trainer says what they saw, the app counts the minutes present --------


def test_minutes_present_from_minutes_missed():
    from courses.rules import minutes_present

    assert minutes_present(180, 20) == 160
    assert minutes_present(180, 179) == 1
    for missed in (0, 180, 200, -5):
        with pytest.raises(ValueError):
            minutes_present(180, missed)


def test_the_roster_takes_minutes_late_and_minutes_left_early(client_for, cohort):
    alice, bruno, chloe = cohort.enrolments
    session = cohort.past[0]
    client = client_for(cohort.trainer)
    page = client.get(f"/sessions/{session.uuid}").get_data(as_text=True)
    assert f'name="late-{bruno.uuid}"' in page and f'name="early-{bruno.uuid}"' in page
    assert "Minutes late" in page or "Minutes de retard" in page
    data = {
        "roster_version": "0",
        "action": "save",
        f"status-{alice.uuid}": "present",
        f"status-{bruno.uuid}": "late",
        f"late-{bruno.uuid}": "20",
        f"status-{chloe.uuid}": "left_early",
        f"early-{chloe.uuid}": "45",
    }
    assert client.post(f"/sessions/{session.uuid}", data=data).status_code == 302
    length = session.minutes
    assert saved_marks(session) == {
        alice.id: ("present", None),
        bruno.id: ("late", length - 20),
        chloe.id: ("left_early", length - 45),
    }
    # shown again as the trainer typed them, not as minutes present
    page = client.get(f"/sessions/{session.uuid}").get_data(as_text=True)
    assert re.search(rf'name="late-{bruno.uuid}" value="20"', page)
    assert re.search(rf'name="early-{chloe.uuid}" value="45"', page)


@pytest.mark.parametrize("late", ["", "0", "180", "deux"], ids=["empty", "zero", "whole session", "words"])
def test_minutes_late_must_be_within_the_session(client_for, cohort, late):
    bruno = cohort.enrolments[1]
    session = cohort.past[0]
    data = {"roster_version": "0", "action": "save", f"status-{bruno.uuid}": "late", f"late-{bruno.uuid}": late}
    response = client_for(cohort.trainer).post(f"/sessions/{session.uuid}", data=data)
    assert response.status_code == 422
    assert "Bruno" in response.get_data(as_text=True)
    assert saved_marks(session) == {}


def test_the_trainer_home_lists_today_and_the_rosters_still_to_fill(client_for, cohort):
    client = client_for(cohort.trainer)
    home = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    past = len(cohort.past)
    assert f"{past} listes de présence à remplir" in home
    for session in cohort.past:
        assert f"/sessions/{session.uuid}" in home
    assert "Pas de séance aujourd&#39;hui." in home or "Pas de séance aujourd'hui." in home
    first = cohort.past[0]
    client.post(f"/sessions/{first.uuid}", data=roster_form({}, 0, action="all_present"))
    home = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert f"{past - 1} listes de présence à remplir" in home
    assert f'href="/sessions/{first.uuid}">Remplir' not in home
