"""The BPF (Cerfa 10443, pedagogical part): the pure box arithmetic, the year's facts from the database, the
page, the export and ``tremplin report bpf``."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from core.db import db
from courses import bpf, funding, services
from courses.models import Attendance, Enrolment, Programme, TraineeType
from tests.courses.conftest import count, load_programme

# --------------------------------------------------------------------------------------------------- pure

facts_strategy = st.lists(
    st.builds(
        bpf.EnrolmentYear,
        key=st.uuids(),
        minutes=st.integers(0, 100_000),
        trainee_type=st.sampled_from((None, *bpf.TRAINEE_TYPES)),
        subcontracted=st.booleans(),
        objective=st.sampled_from(bpf.OBJECTIVES),
        level=st.sampled_from((None, 2, 3, 4, 5, 6, 7, 8)),
        nsf=st.sampled_from((None, "332", "330", "312", "100", "200", "300", "400")),
    ),
    max_size=60,
)


@given(facts_strategy)
@settings(max_examples=200, deadline=None)
def test_bpf_trainee_hours_are_the_sum_over_the_enrolments(facts):
    result = bpf.compute(2026, facts)
    assert result.trainee_minutes == sum(f.minutes for f in facts)
    counted = [f for f in facts if f.minutes > 0]
    own = [f for f in counted if not f.subcontracted]
    total = result.box(bpf.F1_TOTAL)
    assert (total.trainees, total.minutes) == (len(own), sum(f.minutes for f in own))
    assert result.box(bpf.G_BOX).trainees == len(counted) - len(own)
    # Every cadre's lines add up to the same total.
    f1_lines = [b for b in result.boxes if b.code.startswith("F-1-") and b.code != bpf.F1_TOTAL]
    f3_lines = [b for b in result.boxes if b.code in bpf.F3_BOX.values()]
    f4_lines = [b for b in result.boxes if b.code.startswith("F-4-")]
    for lines in (f1_lines, f3_lines, f4_lines):
        assert sum(b.trainees for b in lines) == total.trainees
        assert sum(b.minutes for b in lines) == total.minutes
    assert result.box(bpf.F3_TOTAL).minutes == total.minutes
    levels = sum(result.box(code).minutes for code in bpf.F3_LEVEL_LINES)
    assert levels <= result.box("F-3-a").minutes
    assert result.box(bpf.F1_APPRENTICES).trainees == 0
    assert len([b for b in f4_lines if b.detail]) <= bpf.F4_TOP


def test_bpf_boxes_by_type_objective_and_level():
    facts = [
        bpf.EnrolmentYear(1, 600, "employee", objective="rncp", level=5, nsf="332"),
        bpf.EnrolmentYear(2, 300, "job_seeker", objective="rncp", level=7, nsf="332"),
        bpf.EnrolmentYear(3, 120, None, objective="other"),
        bpf.EnrolmentYear(4, 60, "individual", subcontracted=True),
        bpf.EnrolmentYear(5, 0, "other"),  # nothing attended in the year: not a trainee of the year
    ]
    result = bpf.compute(2026, facts)
    assert (result.box("F-1-a").trainees, result.box("F-1-a").minutes) == (1, 600)
    assert (result.box("F-1-c").trainees, result.box("F-1-c").minutes) == (1, 300)
    assert result.box("F-1-d").trainees == 0  # the subcontracted one goes to G only
    assert result.box("F-1-e").trainees == 0
    assert result.unknown_type == 1
    assert result.box("F-3-a-2").minutes == 600 and result.box("F-3-a-1").minutes == 300
    assert result.box("F-3-d").minutes == 120
    assert result.box("F-4-1").detail == "332" and result.box("F-4-1").minutes == 900
    assert result.box("F-4-?").minutes == 120
    assert (result.box("G").trainees, result.box("G").minutes) == (1, 60)
    assert result.trainee_minutes == 1080


def test_bad_facts_are_refused():
    with pytest.raises(ValueError):
        bpf.EnrolmentYear(1, -1)
    with pytest.raises(ValueError):
        bpf.EnrolmentYear(1, 10, trainee_type="apprentice")
    with pytest.raises(ValueError):
        bpf.EnrolmentYear(1, 10, objective="diploma")


# --------------------------------------------------------------------------------------------------- database


def _attended(status: str, minutes: int | None, length: int) -> int:
    if status == "present":
        return length
    if status in ("late", "left_early"):
        return min(max(minutes or 0, 0), length)
    return 0


def _two_year_cohort(create_user, seed: int):
    """A cohort from November 2025 to March 2026 with random marks; returns the expected minutes per year,
    computed straight from the marks (not through the engine)."""
    rng = random.Random(seed)
    programme = db.session.scalar(sa.select(Programme).where(Programme.code == "hetis-initial")) or load_programme()
    cohort = services.create_cohort(f"BPF-{seed}", programme, date(2025, 11, 1), date(2026, 3, 31))
    days = [date(2025, 11, 6) + timedelta(days=7 * k) for k in range(16)]  # Thursdays, across the new year
    sessions = [
        services.create_session(cohort, ("M1", "M2")[k % 2], day, time(9, 0), time(12, 30))
        for k, day in enumerate(days)
    ]
    expected = {2025: 0, 2026: 0}
    enrolments = []
    for n in range(rng.randint(2, 7)):
        user = create_user(email=f"bpf{seed}.{n}@example.org", legal_name=f"Personne Bpf {n}")
        withdrawn = rng.choice([None, None, date(2026, 2, 1)])
        enrolment = services.enrol(cohort, user, withdrawn_on=withdrawn)
        enrolment.trainee_type = rng.choice([None, *(t.value for t in TraineeType)])
        enrolments.append(enrolment)
        for session in sessions:
            status = rng.choice(["present", "present", "late", "left_early", "absent", "excused", None])
            if status is None:
                continue
            minutes = rng.randint(0, 240) if status in ("late", "left_early") else None
            db.session.add(Attendance(session_id=session.id, enrolment_id=enrolment.id, status=status, minutes=minutes))
            if withdrawn is None or session.on < withdrawn:
                expected[session.on.year] += _attended(status, minutes, 210)
    db.session.commit()
    return cohort, enrolments, expected


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_bpf_trainee_hours_equal_the_attended_minutes_of_the_year(app, create_user, seed):
    _cohort, enrolments, expected = _two_year_cohort(create_user, seed)
    for year in (2025, 2026):
        result = funding.compute_bpf(year, today=date(2026, 12, 1))
        assert result.trainee_minutes == expected[year]
        facts = funding.year_facts(year, today=date(2026, 12, 1))
        assert {f.key for f in facts} == {e.id for e in enrolments}
        assert sum(f.minutes for f in facts) == expected[year]
    assert funding.compute_bpf(2024).trainee_minutes == 0


def test_bpf_cli_writes_one_row_per_box(app, runner, create_user, tmp_path):
    _two_year_cohort(create_user, 7)
    out = tmp_path / "bpf.csv"
    result = runner.invoke(args=["report", "bpf", "--year", "2025", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter=";"))
    codes = [r[0] for r in rows[1:]]
    assert codes[:7] == ["F-1-a", "F-1-b", "F-1-c", "F-1-d", "F-1-e", "F-1-?", "F-1-total"]
    assert "G" in codes and "F-3-total" in codes
    expected = funding.compute_bpf(2025).trainee_minutes
    total = next(r for r in rows if r[0] == "F-1-total")
    assert total[3] == f"{expected / 60:.2f}".replace(".", ",")
    pdf = tmp_path / "bpf.pdf"
    result = runner.invoke(args=["report", "bpf", "--year", "2025", "--format", "pdf", "--out", str(pdf)])
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF")


def test_bpf_cli_refuses_bad_arguments(app, runner, tmp_path):
    out = tmp_path / "x.csv"
    for args in (["report", "bpf", "--format", "csv"], ["report", "bpf", "CODE", "--year", "2025", "--format", "csv"]):
        result = runner.invoke(args=[*args, "--out", str(out)])
        assert result.exit_code != 0
    result = runner.invoke(args=["report", "bpf", "--year", "1990", "--format", "csv", "--out", str(out)])
    assert result.exit_code != 0 and "2000" in result.output
    assert not out.exists()
    result = runner.invoke(args=["report", "summary", "--format", "csv", "--out", str(out)])
    assert result.exit_code != 0 and "cohort code" in result.output


def test_bpf_page_and_export_for_coordinators_only(app, client, login_as, create_user):
    _two_year_cohort(create_user, 9)
    login_as("admin")
    page = client.get("/reports/bpf/2025")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "F-1-total" in text and "Personne Bpf" not in text
    export = client.get("/reports/bpf/2025/export?format=csv&delimiter=semicolon")
    assert export.status_code == 200 and b"F-3-total" in export.data
    assert client.get("/reports/bpf?year=2025").status_code == 302
    assert client.get("/reports/bpf?year=abc").status_code == 422
    assert client.get("/reports/bpf/1999").status_code == 404


@pytest.mark.parametrize("role", ["trainer", "trainee", "funder", "tutor"])
def test_bpf_is_not_for_other_roles(app, client, login_as, role):
    login_as(role)
    assert client.get("/reports/bpf/2025").status_code == 403
    assert client.get("/reports/bpf/2025/export?format=csv").status_code == 403


# --------------------------------------------------------------------------------------------------- the form


def test_coordinator_records_the_funding_facts(app, client, login_as, cohort):
    login_as("admin")
    url = f"/enrolments/{cohort.enrolment.uuid}/funding"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"trainee_type": "job_seeker", "funding_source": "france_travail"})
    assert response.status_code == 302
    enrolment = db.session.get(Enrolment, cohort.enrolment.id)
    assert (enrolment.trainee_type, enrolment.funding_source, enrolment.subcontracted) == (
        "job_seeker",
        "france_travail",
        False,
    )


def test_a_bad_funding_value_changes_nothing(app, client, login_as, cohort):
    login_as("admin")
    url = f"/enrolments/{cohort.enrolment.uuid}/funding"
    client.post(url, data={"trainee_type": "employee", "funding_source": "opco"})
    before = count(Enrolment)
    for data in (
        {"trainee_type": "apprentice", "funding_source": "opco"},
        {"trainee_type": "employee", "funding_source": "lottery"},
    ):
        response = client.post(url, data=data)
        assert response.status_code == 422
    enrolment = db.session.get(Enrolment, cohort.enrolment.id)
    assert (enrolment.trainee_type, enrolment.funding_source) == ("employee", "opco")
    assert count(Enrolment) == before
    with pytest.raises(Exception, match="type of trainee"):
        funding.set_enrolment_funding(enrolment, "apprentice", None, False)


@pytest.mark.parametrize("role", ["trainer", "trainee", "funder", "tutor"])
def test_only_coordinators_see_or_change_the_funding_facts(app, client, login_as, cohort, role):
    login_as(role)
    url = f"/enrolments/{cohort.enrolment.uuid}/funding"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"trainee_type": "employee"}).status_code == 403
    assert db.session.get(Enrolment, cohort.enrolment.id).trainee_type is None


def test_the_demo_has_its_bpf_data_and_satisfaction_answers(app, demo):
    from courses import demo as courses_demo
    from courses import satisfaction
    from courses.models import Cohort

    result = funding.compute_bpf(date.today().year)
    assert result.unknown_type == 0 and result.trainee_minutes > 0
    assert result.box("F-1-c").trainees > 0 and result.box("F-1-a").trainees > 0
    assert result.box("F-4-1").detail == "332"
    alumni = db.session.scalar(sa.select(Cohort).where(Cohort.code == courses_demo.ALUMNI_CODE))
    modules = satisfaction.results([alumni.id])
    assert len(modules) == 3 and all(m.shown for m in modules)
