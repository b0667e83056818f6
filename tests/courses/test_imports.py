"""Spreadsheet imports through the web upload and ``tremplin import``: every kind changes the database as
expected, re-importing changes nothing, a bad file changes nothing and names each problem's row and column.
Also ``tremplin cohorts create`` and ``tremplin programmes load``."""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta

import pytest

from core.db import db
from core.models import AuditEntry, OutboxMessage, User
from courses import services
from courses.models import (
    Attendance,
    Cohort,
    Competency,
    Enrolment,
    HoursEntry,
    Module,
    Pause,
    Programme,
    TrainingSession,
    Validation,
)
from tests.courses.conftest import HETIS, count, counts

TODAY = date.today()
TABLES = (TrainingSession, Enrolment, User, Pause, Attendance, HoursEntry, Validation, OutboxMessage, AuditEntry)
ERRORS_BLOCK = re.compile(r'id="import-errors">(.*?)</div>', re.S)


def iso(day: date) -> str:
    return day.isoformat()


def snapshot() -> dict:
    """Everything an import may write: row counts, plus the values updated in place."""
    db.session.expire_all()
    state = counts(*TABLES)
    state["final_work"] = sorted(tuple(r) for r in db.session.execute(db.select(Enrolment.id, Enrolment.final_work)))
    state["sessions"] = sorted(
        tuple(r)
        for r in db.session.execute(db.select(TrainingSession.id, TrainingSession.ends_at, TrainingSession.cancelled))
    )
    state["marks"] = sorted(tuple(r) for r in db.session.execute(db.select(Attendance.enrolment_id, Attendance.status)))
    return state


@pytest.fixture(params=["web", "cli"])
def do_import(request, client_for, admin, runner, tmp_path, cohort):
    """``do_import(kind, data)`` → (succeeded, messages): through the upload page as a coordinator, or through
    ``tremplin import`` (``--as`` the same coordinator)."""
    if request.param == "web":
        client = client_for(admin)

        def web(kind: str, data: bytes, filename: str = "fichier.csv"):
            response = client.post(
                f"/cohorts/{cohort.cohort.uuid}/import",
                data={"kind": kind, "file": (io.BytesIO(data), filename)},
                content_type="multipart/form-data",
            )
            if response.status_code == 302:
                return True, []
            assert response.status_code == 422, response.status_code
            block = ERRORS_BLOCK.search(response.get_data(as_text=True))
            assert block, "no list of errors on the page"
            return False, [html.unescape(li) for li in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]

        return web

    def cli(kind: str, data: bytes, filename: str = "fichier.csv"):
        path = tmp_path / filename
        path.write_bytes(data)
        result = runner.invoke(args=["import", kind, cohort.cohort.code, str(path), "--as", admin.email])
        db.session.expire_all()
        if result.exit_code == 0:
            return True, []
        assert "nothing was imported" in result.output
        return False, result.output.splitlines()

    return cli


def listed(messages: list[str], row: int, column: str) -> bool:
    """Is there a message for this row and column? English ("Row 3, column email: …") or French ("Ligne 3, …")."""
    pattern = re.compile(rf"^(?:Row|Ligne) {row}\b.*?(?:column|colonne)\W+{re.escape(column)}\b", re.I)
    return any(pattern.search(m.strip()) for m in messages)


# --- good files -----------------------------------------------------------------------------------------------


def good_file(kind: str, world) -> bytes:
    alice, bruno, chloe = (u.email for u in world.trainees)
    first = world.past[0].on
    in_three_weeks = TODAY + timedelta(days=21)
    files = {
        "sessions": f"module,date,start,end,status\nM1,{iso(in_three_weeks)},09:00,12:00,\n"
        f"M2,{iso(in_three_weeks)},13:00,16:30,annulée\n",
        "trainees": "email,legal_name,display_name,enrolled_on,withdrawn_on\n"
        "Nouvelle.Personne@Example.org,Nouvelle Personne,Nina,,\n"
        f"{alice},Alice Martin,,,\n",
        "pauses": f"email,from,to\n{bruno},{iso(TODAY - timedelta(days=15))},{iso(TODAY - timedelta(days=10))}\n",
        "attendance": "date,start,email,status,minutes\n"
        f"{iso(first)},09:00,{alice},present,\n{iso(first)},09:00,{bruno},late,120\n{iso(first)},9h00,{chloe},absente,\n",
        "placements": "email,date,minutes,state\n"
        f"{alice},{iso(TODAY - timedelta(days=1))},420,confirmed\n"
        f"{alice},{iso(TODAY - timedelta(days=2))},240,pending\n",
        "competencies": f"email,competency,validated_on\n{alice},C-M1-01,{iso(TODAY - timedelta(days=1))}\n"
        f"{bruno},C-M1-02,{iso(TODAY)}\n",
        "finalwork": f"email,result\n{alice},réussi\n{bruno},failed\n",
    }
    return files[kind].encode()


def check_applied(kind: str, world, before: dict, after: dict, admin) -> None:
    """What a good file of ``kind`` must have written (and nothing else)."""
    grown = {name: after[name] - before[name] for name in before if isinstance(before[name], int)}
    alice, bruno, chloe = world.enrolments
    expected = {"audit_entry": grown["audit_entry"]}  # every write is audited; the count itself varies by kind
    if kind == "sessions":
        expected["training_session"] = 2
        added = db.session.scalars(
            db.select(TrainingSession).where(TrainingSession.on == TODAY + timedelta(days=21)).order_by("starts_at")
        ).all()
        assert [(s.module.code, s.minutes, s.cancelled) for s in added] == [("M1", 180, False), ("M2", 210, True)]
    elif kind == "trainees":
        expected.update(user_account=1, enrolment=1, outbox_message=1)
        user = db.session.scalar(db.select(User).where(User.email == "nouvelle.personne@example.org"))
        assert user.roles == {"trainee"} and user.display_name == "Nina" and user.password_hash is None
        enrolment = db.session.scalar(db.select(Enrolment).where(Enrolment.user_id == user.id))
        assert enrolment.cohort_id == world.cohort.id and enrolment.enrolled_on == world.cohort.starts_on
        invitation = db.session.scalar(db.select(OutboxMessage))
        assert invitation.recipient == user.email and invitation.purpose == "invite"
        assert "http://localhost/invitation/" in invitation.body
    elif kind == "pauses":
        expected["pause"] = 1
        pause = db.session.scalar(db.select(Pause))
        assert (pause.enrolment_id, pause.starts_on, pause.ends_on) == (
            bruno.id,
            TODAY - timedelta(days=15),
            TODAY - timedelta(days=10),
        )
    elif kind == "attendance":
        expected["attendance"] = 3
        marks = {
            a.enrolment_id: (a.status, a.minutes)
            for a in db.session.scalars(db.select(Attendance).where(Attendance.session_id == world.past[0].id))
        }
        assert marks == {alice.id: ("present", None), bruno.id: ("late", 120), chloe.id: ("absent", None)}
    elif kind == "placements":
        expected["hours_entry"] = 2
        entries = db.session.scalars(db.select(HoursEntry).order_by(HoursEntry.on)).all()
        assert [(e.enrolment_id, e.minutes, e.state) for e in entries] == [
            (alice.id, 240, "pending"),
            (alice.id, 420, "confirmed"),
        ]
        assert entries[1].reviewed_by_id == admin.id
    elif kind == "competencies":
        expected["validation"] = 2
        rows = db.session.execute(
            db.select(Validation.enrolment_id, Competency.code, Validation.validator_id, Validation.validated_on)
            .join(Competency)
            .order_by(Competency.code)
        ).all()
        assert [tuple(r) for r in rows] == [
            (alice.id, "C-M1-01", admin.id, TODAY - timedelta(days=1)),
            (bruno.id, "C-M1-02", admin.id, TODAY),
        ]
    elif kind == "finalwork":
        assert dict(after["final_work"]) == {alice.id: "passed", bruno.id: "failed", chloe.id: "pending"}
    assert {name: n for name, n in grown.items() if n} == {name: n for name, n in expected.items() if n}


@pytest.mark.parametrize(
    "kind", ["sessions", "trainees", "pauses", "attendance", "placements", "competencies", "finalwork"]
)
def test_a_good_file_is_imported_and_importing_it_again_changes_nothing(do_import, cohort, admin, kind):
    data = good_file(kind, cohort)
    before = snapshot()
    ok, errors = do_import(kind, data)
    assert ok, errors
    after = snapshot()
    check_applied(kind, cohort, before, after, admin)

    ok, errors = do_import(kind, data)
    assert ok, errors
    assert snapshot() == after  # not even an audit entry: nothing was written


def test_semicolons_bom_crlf_and_french_dates_and_words(do_import, cohort):
    first = cohort.past[0].on
    alice, bruno, _ = (u.email for u in cohort.trainees)
    text = (
        "Date;Start;Email;Status;Minutes\r\n"
        f"{first.day}/{first.month}/{first.year};9h;{alice.upper()};Présente;\r\n"
        f"{first.strftime('%d/%m/%Y')};09h00;{bruno};En retard;95\r\n"
    )
    ok, errors = do_import("attendance", text.encode("utf-8-sig"))
    assert ok, errors
    marks = dict(
        db.session.execute(
            db.select(Attendance.enrolment_id, Attendance.minutes).where(Attendance.session_id == cohort.past[0].id)
        ).all()
    )
    assert marks == {cohort.enrolments[0].id: None, cohort.enrolments[1].id: 95}


# --- bad files: nothing changes, every problem is named with its row and column --------------------------------


def bad_files(world) -> dict[str, tuple[str, str, int, str]]:
    """kind → (file, id of the case, row, column). Each file has good rows before and after the bad one."""
    alice, bruno, chloe = (u.email for u in world.trainees)
    first, second = world.past[0].on, world.past[1].on
    yesterday = iso(TODAY - timedelta(days=1))
    return {
        "unknown email in attendance": (
            "attendance",
            f"date,start,email,status,minutes\n{iso(first)},09:00,{alice},present,\n"
            f"{iso(first)},09:00,ghost@example.org,present,\n{iso(first)},09:00,{bruno},absent,\n",
            3,
            "email",
        ),
        "no session at that time": (
            "attendance",
            f"date,start,email,status,minutes\n{iso(second)},09:00,{alice},present,\n"
            f"{iso(second)},10:00,{bruno},present,\n",
            3,
            "start",
        ),
        "late without minutes": (
            "attendance",
            f"date,start,email,status,minutes\n{iso(first)},09:00,{alice},present,\n{iso(first)},09:00,{chloe},late,\n",
            3,
            "minutes",
        ),
        "unknown module": (
            "sessions",
            f"module,date,start,end,status\nM1,{iso(TODAY + timedelta(days=30))},09:00,12:00,\n"
            f"M9,{iso(TODAY + timedelta(days=31))},09:00,12:00,\n",
            3,
            "module",
        ),
        "unknown competency": (
            "competencies",
            f"email,competency,validated_on\n{alice},C-M1-01,{yesterday}\n{bruno},C-M9-99,{yesterday}\n",
            3,
            "competency",
        ),
        "unknown email in hours": (
            "placements",
            f"email,date,minutes,state\n{alice},{yesterday},420,confirmed\nghost@example.org,{yesterday},60,pending\n",
            3,
            "email",
        ),
        "unknown email in pauses": (
            "pauses",
            f"email,from,to\n{alice},{yesterday},{iso(TODAY)}\nghost@example.org,{yesterday},{iso(TODAY)}\n",
            3,
            "email",
        ),
        "unknown email in final work": (
            "finalwork",
            f"email,result\n{alice},passed\nghost@example.org,passed\n",
            3,
            "email",
        ),
        "a staff account as a trainee": (
            "trainees",
            "email,legal_name,display_name,enrolled_on,withdrawn_on\nnew@example.org,Nouvelle Personne,,,\n"
            "coordination@example.org,Coordination Test,,,\n",
            3,
            "email",
        ),
    }


BAD_CASES = [
    "unknown email in attendance",
    "no session at that time",
    "late without minutes",
    "unknown module",
    "unknown competency",
    "unknown email in hours",
    "unknown email in pauses",
    "unknown email in final work",
    "a staff account as a trainee",
]


@pytest.mark.parametrize("case", BAD_CASES)
def test_a_bad_file_changes_nothing_and_names_the_row_and_column(do_import, cohort, case):
    kind, text, row, column = bad_files(cohort)[case]
    before = snapshot()
    ok, messages = do_import(kind, text.encode())
    assert not ok
    assert snapshot() == before
    assert listed(messages, row, column), messages
    assert not listed(messages, 2, column), messages  # the good rows are not blamed


def test_a_pause_overlapping_an_existing_one_is_listed_not_a_crash(do_import, cohort):
    services.add_pause(cohort.enrolment, TODAY - timedelta(days=10), TODAY - timedelta(days=5))
    db.session.commit()
    text = f"email,from,to\n{cohort.trainee.email},{iso(TODAY - timedelta(days=6))},{iso(TODAY)}\n"
    before = snapshot()
    ok, messages = do_import("pauses", text.encode())
    assert not ok and snapshot() == before
    assert listed(messages, 2, "from") or listed(messages, 2, "to"), messages


def test_rows_with_several_problems_are_all_listed(do_import, cohort):
    first = iso(cohort.past[0].on)
    text = (
        "date,start,email,status,minutes\n"
        f"{first},09:00,{cohort.trainees[0].email},late,\n"
        f"{first},09:00,{cohort.trainees[1].email},excused,30\n"
        f"{first},9h75,{cohort.trainees[2].email},present,\n"
    )
    before = snapshot()
    ok, messages = do_import("attendance", text.encode())
    assert not ok and snapshot() == before
    assert listed(messages, 2, "minutes") and listed(messages, 3, "minutes") and listed(messages, 4, "start"), messages


def test_cell_errors_and_cohort_errors_are_listed_together(do_import, cohort):
    first = iso(cohort.past[0].on)
    text = (
        "date,start,email,status,minutes\n"
        f"{first},09:00,ghost@example.org,present,\n"
        f"{first},09:00,{cohort.trainees[1].email},late,\n"
        f"{first},11:00,{cohort.trainees[2].email},present,\n"
    )
    before = snapshot()
    ok, messages = do_import("attendance", text.encode())
    assert not ok and snapshot() == before
    assert listed(messages, 3, "minutes"), messages
    assert listed(messages, 2, "email") and listed(messages, 4, "start"), messages


def test_the_cli_import_refuses_competencies_without_a_named_actor(runner, cohort, tmp_path):
    path = tmp_path / "competencies.csv"
    path.write_text(f"email,competency,validated_on\n{cohort.trainee.email},C-M1-01,{iso(TODAY)}\n")
    result = runner.invoke(args=["import", "competencies", cohort.cohort.code, str(path)])
    assert result.exit_code != 0 and "nothing was imported" in result.output
    assert count(Validation) == 0


def test_reimporting_hours_after_a_review_adds_no_duplicate(runner, cohort, tmp_path):
    path = tmp_path / "heures.csv"
    path.write_text(f"email,date,minutes,state\n{cohort.trainee.email},{iso(TODAY - timedelta(days=1))},420,pending\n")
    assert runner.invoke(args=["import", "placements", cohort.cohort.code, str(path)]).exit_code == 0
    services.review_hours(db.session.scalar(db.select(HoursEntry)), "confirmed", by=cohort.trainer)
    db.session.commit()
    result = runner.invoke(args=["import", "placements", cohort.cohort.code, str(path)])
    assert result.exit_code == 0, result.output
    assert count(HoursEntry) == 1


def test_competencies_cannot_be_imported_in_a_trainees_name(runner, cohort, tmp_path):
    path = tmp_path / "competences.csv"
    path.write_text(f"email,competency,validated_on\n{cohort.trainees[0].email},C-M1-01,{iso(TODAY)}\n")
    result = runner.invoke(
        args=["import", "competencies", cohort.cohort.code, str(path), "--as", cohort.trainees[1].email]
    )
    assert count(Validation) == 0, db.session.scalar(db.select(Validation.validator_id))
    assert result.exit_code != 0


def test_the_cli_import_names_unknown_cohorts_and_accounts(runner, cohort, tmp_path):
    path = tmp_path / "finalwork.csv"
    path.write_text(f"email,result\n{cohort.trainee.email},passed\n")
    result = runner.invoke(args=["import", "finalwork", "NOPE", str(path)])
    assert result.exit_code != 0 and "NOPE" in result.output
    result = runner.invoke(args=["import", "finalwork", cohort.cohort.code, str(path), "--as", "ghost@example.org"])
    assert result.exit_code != 0 and "ghost@example.org" in result.output
    db.session.expire_all()
    assert cohort.enrolment.final_work == "pending"


def test_the_cli_import_summary_counts_rows(runner, cohort, tmp_path):
    path = tmp_path / "finalwork.csv"
    path.write_text(f"email,result\n{cohort.trainees[0].email},passed\n{cohort.trainees[1].email},pending\n")
    result = runner.invoke(args=["import", "finalwork", cohort.cohort.code, str(path)])
    assert result.exit_code == 0, result.output
    assert "2 row(s) read" in result.output and "1 updated" in result.output and "1 unchanged" in result.output


def test_only_coordinators_may_import(client_for, cohort):
    client = client_for(cohort.trainer)
    data = f"email,result\n{cohort.trainee.email},passed\n".encode()
    response = client.post(
        f"/cohorts/{cohort.cohort.uuid}/import",
        data={"kind": "finalwork", "file": (io.BytesIO(data), "f.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert cohort.enrolment.final_work == "pending"


# --- tremplin cohorts create / programmes load ---------------------------------------------------------------


def test_cohorts_create(runner, app):
    assert runner.invoke(args=["programmes", "load", str(HETIS)]).exit_code == 0
    result = runner.invoke(
        args=["cohorts", "create", "PROMO-2027", "--programme", "hetis-initial", "--starts", "2027-09-16",
              "--ends", "2028-02-10", "--title", "Promotion 2027"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "PROMO-2027" in result.output
    cohort = db.session.scalar(db.select(Cohort).where(Cohort.code == "PROMO-2027"))
    assert (cohort.programme.code, cohort.starts_on, cohort.ends_on, cohort.title) == (
        "hetis-initial",
        date(2027, 9, 16),
        date(2028, 2, 10),
        "Promotion 2027",
    )


def test_cohorts_create_names_the_trainees_contact_person(runner, app, create_user):
    coordinator = create_user(roles=("admin",), email="coordination@example.org")
    trainee = create_user(roles=("trainee",), email="t@example.org")
    assert runner.invoke(args=["programmes", "load", str(HETIS)]).exit_code == 0
    common = ["--programme", "hetis-initial", "--starts", "2027-09-16", "--ends", "2028-02-10"]
    refused = runner.invoke(args=["cohorts", "create", "PROMO-X", *common, "--contact", trainee.email])
    assert refused.exit_code != 0 and "coordinator or a trainer" in refused.output
    done = runner.invoke(args=["cohorts", "create", "PROMO-2027", *common, "--contact", "Coordination@example.org"])
    assert done.exit_code == 0, done.output
    cohort = db.session.scalar(db.select(Cohort).where(Cohort.code == "PROMO-2027"))
    assert cohort.contact_id == coordinator.id


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--programme", "nope", "--starts", "2027-09-16", "--ends", "2028-02-10"], "nope"),
        (["--programme", "hetis-initial", "--starts", "2027-09-16", "--ends", "2027-09-01"], "end date"),
        (["--programme", "hetis-initial", "--starts", "16/09/2027", "--ends", "2028-02-10"], "--starts"),
        (
            ["--programme", "hetis-initial", "--starts", "2027-09-16", "--ends", "2028-02-10", "--contact", "x@y.org"],
            "x@y",
        ),
    ],
)
def test_cohorts_create_refuses_bad_input(runner, app, args, says):
    assert runner.invoke(args=["programmes", "load", str(HETIS)]).exit_code == 0
    result = runner.invoke(args=["cohorts", "create", "PROMO-2027", *args])
    assert result.exit_code != 0
    assert says in result.output
    assert count(Cohort) == 0


def test_cohorts_create_refuses_a_code_already_taken(runner, cohort):
    result = runner.invoke(
        args=["cohorts", "create", cohort.cohort.code, "--programme", "hetis-initial", "--starts", "2027-09-16",
              "--ends", "2028-02-10"]
    )  # fmt: skip
    assert result.exit_code != 0 and "already exists" in result.output
    assert count(Cohort) == 1


def test_programmes_load_a_good_file(runner, app):
    result = runner.invoke(args=["programmes", "load", str(HETIS)])
    assert result.exit_code == 0, result.output
    assert "Loaded hetis-initial" in result.output
    programme = db.session.scalar(db.select(Programme))
    assert programme.code == "hetis-initial" and programme.rules["attendance"]["threshold_percent"] == 75
    assert count(Module) == 3 and count(Competency) > 0
    again = runner.invoke(args=["programmes", "load", str(HETIS)])
    assert again.exit_code == 0 and "Updated hetis-initial" in again.output
    assert count(Programme) == 1


def test_programmes_load_a_bad_file_loads_nothing(runner, app, tmp_path):
    bad = tmp_path / "hetis-bad.yaml"
    text = HETIS.read_text(encoding="utf-8").replace("id: hetis-initial", "id: hetis-bad")
    bad.write_text(text.replace("threshold_percent: 75", "threshold_percent: 150"), encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: broken\n  title: [\n", encoding="utf-8")

    # a good file along a bad one: the good one is not loaded either
    result = runner.invoke(args=["programmes", "load", str(HETIS), str(bad)])
    assert result.exit_code != 0
    assert "hetis-bad.yaml: rules.attendance.threshold_percent: must be between 0 and 100" in result.output
    result = runner.invoke(args=["programmes", "load", str(broken)])
    assert result.exit_code != 0
    assert "broken.yaml" in result.output and "line 2" in result.output
    assert count(Programme) == 0 and count(Module) == 0 and count(Competency) == 0


def test_marks_for_a_trainee_who_is_not_expected_are_refused(do_import, cohort):
    """A mark on a session during a pause (or before enrolment, after withdrawal) would be shown but never
    counted: the import names the row instead."""
    session = cohort.past[1]
    services.add_pause(cohort.enrolment, session.on, session.on)
    db.session.commit()
    text = f"date,start,email,status,minutes\n{iso(session.on)},09:00,{cohort.trainee.email},present,\n"
    before = snapshot()
    ok, messages = do_import("attendance", text.encode())
    assert not ok and snapshot() == before
    assert listed(messages, 2, "email"), messages


def test_a_renamed_programme_file_is_refused(runner, tmp_path):
    from courses.programme_spec import PROGRAMMES_DIR

    copy = tmp_path / "copie.yaml"
    copy.write_text((PROGRAMMES_DIR / "hetis-initial.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    result = runner.invoke(args=["programmes", "load", str(copy)])
    assert result.exit_code != 0 and "copie" in result.output
    assert count(Programme) == 0


def test_trainees_import_their_bpf_facts(do_import, cohort):
    alice, bruno, chloe = (u.email for u in cohort.trainees)
    csv_text = (
        "email;legal_name;trainee_type;funding_source\n"
        f"{alice};Alice Martin;Demandeuse d'emploi;France Travail\n"
        f"{bruno};Bruno Dubois;salarié;OPCO\n"
        f"{chloe};Chloé Lambert;;\n"
    )
    ok, messages = do_import("trainees", csv_text.encode())
    assert ok, messages
    facts = {
        e.user.email: (e.trainee_type, e.funding_source)
        for e in db.session.scalars(db.select(Enrolment).where(Enrolment.cohort_id == cohort.cohort.id))
    }
    assert facts == {alice: ("job_seeker", "france_travail"), bruno: ("employee", "opco"), chloe: (None, None)}
    # A bad word is refused with a clear message and nothing changes, not even the good rows.
    ok, messages = do_import(
        "trainees", f"email;legal_name;trainee_type\n{chloe};Chloé;apprentie\n{bruno};B;autre\n".encode()
    )
    assert not ok and any("apprentie" in m and "job_seeker" in m for m in messages)
    enrolments = db.session.scalars(db.select(Enrolment).where(Enrolment.cohort_id == cohort.cohort.id))
    assert {e.user.email: e.trainee_type for e in enrolments}[bruno] == "employee"
