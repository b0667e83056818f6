"""Reports: every report of the demo cohort in HTML, CSV, XLSX and PDF, read back; funder exports name
nobody; role checks; a fixed number of queries whatever the cohort size; the whole-platform export job."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import openpyxl
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from badges.models import Award
from core import api_auth, jobs
from core.db import db
from core.demo import DEMO_PASSWORD
from core.models import User
from courses import demo as courses_demo
from courses import eligibility, exports, reports
from courses.models import Cohort, Enrolment

KIND_WORDS = {  # a word of each report's French title, to check the right page came back
    "summary": "Synthèse",
    "sessions": "Séances",
    "modules": "module",
    "risk": "suivre",
    "badges": "Registre",
    "funder": "financeur",
}


@pytest.fixture
def demo_cohort(demo) -> Cohort:  # a copy of the demo, loaded once per worker (tests/conftest.py)
    return db.session.scalar(sa.select(Cohort).where(Cohort.code == courses_demo.COHORT_CODE))


def login(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def read_csv(data: bytes, delimiter: str = ";") -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def export(client, url: str, **args):
    response = client.get(url, query_string=args)
    assert response.status_code == 200, (url, args, response.status_code)
    return response


@pytest.mark.parametrize("kind", reports.KINDS)
def test_every_report_of_the_demo_cohort_in_every_format(app, demo_cohort, kind):
    client = login(app, "coordination@example.org")
    if kind == "funder":
        page_url, export_url = "/reports/funder", "/reports/funder/export"
    else:
        page_url = f"/cohorts/{demo_cohort.uuid}/reports/{kind}"
        export_url = page_url + "/export"
    expected = reports.build(kind, demo_cohort, date.today()) if kind != "funder" else reports.funder(date.today())

    page = client.get(page_url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and KIND_WORDS[kind].lower() in html.lower()
    assert "<script>" not in html and 'style="' not in html
    for part in expected.parts:
        assert f'id="h-{part.key}"' in html

    # CSV, both separators, every part
    for part in expected.parts:
        rows = list(part.rows)
        response = export(client, export_url, format="csv", delimiter="semicolon", part=part.key)
        assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
        table = read_csv(response.data)
        assert len(table) == len(rows) + 1 and len(table[0]) == len(part.columns)
        comma = read_csv(export(client, export_url, format="csv", delimiter="comma", part=part.key).data, ",")
        assert len(comma) == len(table)
        for semi_row, comma_row in zip(table[1:], comma[1:], strict=True):
            for a, b in zip(semi_row, comma_row, strict=True):
                assert a == b or a == b.replace(".", ",")  # decimal comma only with ";"

    # XLSX: one sheet per part, frozen bold header, widths, typed cells
    book = openpyxl.load_workbook(io.BytesIO(export(client, export_url, format="xlsx").data))
    assert len(book.sheetnames) == len(expected.parts)
    for sheet, part in zip(book.worksheets, expected.parts, strict=True):
        assert sheet.freeze_panes == "A2"
        header = [c.value for c in sheet[1]]
        assert len(header) == len(part.columns) and all(c.font.bold for c in sheet[1])
        assert sheet.column_dimensions["A"].width >= 6
        assert sheet.max_row == len(list(part.rows)) + 1

    # PDF
    text = pdf_text(export(client, export_url, format="pdf").data)
    assert KIND_WORDS[kind].lower() in text.lower()


def test_summary_figures_match_the_eligibility_engine(app, demo_cohort):
    client = login(app, "coordination@example.org")
    url = f"/cohorts/{demo_cohort.uuid}/reports/summary/export"
    evaluated = eligibility.evaluate_cohort(demo_cohort, date.today())
    results = {r.user.email: r.evaluation for r in evaluated}
    awards = {
        r.user.email: db.session.scalars(
            db.select(Award).where(Award.context_ref == f"enrolment:{r.enrolment.id}", Award.superseded_by_id.is_(None))
        ).all()
        for r in evaluated
    }
    table = read_csv(export(client, url, format="csv", delimiter="comma").data, ",")
    header = table[0]
    assert header[:3] == ["Stagiaire", "E-mail", "État"]
    by_email = {row[1]: dict(zip(header, row, strict=True)) for row in table[1:]}
    assert set(by_email) == set(results)
    for email, e in results.items():
        row = by_email[email]
        shown = "" if e.attendance_percent is None else str(eligibility.rules.shown_percent(e.attendance_percent))
        assert row["Présence (%)"] == shown  # the figure the page shows (one rounding rule)
        assert Decimal(row["Heures suivies"]) == (Decimal(e.programme.attended_minutes) / 60).quantize(Decimal("0.01"))
        assert int(row["Compétences validées"]) == e.competencies_validated
        assert int(row["Badges émis"]) == len(awards[email])
        assert int(row["Badges révoqués"]) == sum(a.revoked_at is not None for a in awards[email])
    assert sum(int(row["Badges émis"]) for row in by_email.values()) > 20  # the demo's badges are counted
    assert sum(int(row["Badges révoqués"]) for row in by_email.values()) == 1  # and its one revoked badge
    book = openpyxl.load_workbook(io.BytesIO(export(client, url, format="xlsx").data))
    sheet = book.worksheets[0]
    cells = {c.value: i for i, c in enumerate(sheet[1])}
    amina = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "amina.exemple@example.org")
    attendance = amina[cells["Présence (%)"]]
    assert isinstance(attendance.value, int | float) and attendance.number_format == "0.00"
    assert isinstance(amina[cells["Heures comptées"]].value, int | float)
    assert isinstance(amina[cells["Compétences requises"]].value, int)
    text = pdf_text(export(client, url, format="pdf").data)
    assert "Amina Exemple" in text and "Taux de présence" in text  # a trainee and a chart's table


def test_badge_register_lists_issuances_and_the_revocation(app, demo_cohort):
    client = login(app, "coordination@example.org")
    url = f"/cohorts/{demo_cohort.uuid}/reports/badges/export"
    table = read_csv(export(client, url, format="csv", delimiter="comma").data, ",")
    header, rows = table[0], [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    assert header == ["Quand", "Par", "Stagiaire", "Badge", "Événement", "Motif"]
    issued = [r for r in rows if r["Événement"] == "délivré"]
    revoked = [r for r in rows if r["Événement"] == "révoqué"]
    refs = db.select(Enrolment.id).where(Enrolment.cohort_id == demo_cohort.id)
    in_cohort = db.session.scalars(
        db.select(Award)
        .join(Enrolment, Award.context_ref == sa.literal("enrolment:") + sa.cast(Enrolment.id, sa.String))
        .where(Enrolment.id.in_(refs))
    ).all()
    assert len(issued) == len(in_cohort) > 20
    superseded = "Remplacé par une nouvelle émission"  # a holder made a badge public: re-issued with the name
    assert [(r["Stagiaire"], r["Par"], r["Motif"]) for r in revoked if r["Motif"] != superseded] == [
        ("Maëlle Exemple", "Coordinatrice Démo", "Émis par erreur")
    ]
    assert all(r["Par"] == r["Stagiaire"] for r in revoked if r["Motif"] == superseded)
    assert "automatiquement, conditions remplies" in {r["Par"] for r in issued}
    api = app.test_client()
    coordinator = db.session.scalar(sa.select(User).where(User.email == "coordination@example.org"))
    _token, secret = api_auth.create_token(coordinator, "test", ["read"], 30)
    db.session.commit()
    items = api.get(f"/api/v1/cohorts/{demo_cohort.uuid}/badges", headers={"Authorization": f"Bearer {secret}"}).json
    assert len(items["items"]) == len(rows)
    revoked_item = next(i for i in items["items"] if i["event"] == "revoked")
    assert revoked_item["verify_url"].endswith(f"/verify/{revoked_item['badge_id']}")


def test_sessions_report_dates_are_typed_and_who_was_there(app, demo_cohort):
    client = login(app, "coordination@example.org")
    url = f"/cohorts/{demo_cohort.uuid}/reports/sessions/export"
    book = openpyxl.load_workbook(io.BytesIO(export(client, url, format="xlsx").data))
    sessions_sheet, presence = book.worksheets
    assert isinstance(sessions_sheet["A2"].value, datetime) and sessions_sheet["A2"].number_format == "yyyy-mm-dd"
    names = {row[0].value for row in presence.iter_rows(min_row=2)}
    assert "Amina Exemple" in names and len(names) == 20
    marks = {c.value for row in presence.iter_rows(min_row=2) for c in row[1:]}
    assert "Présent·e" in marks
    html = client.get(f"/cohorts/{demo_cohort.uuid}/reports/sessions").get_data(as_text=True)
    assert 'role="img"' in html and '<title id="chart-weeks-title">' in html


def test_funder_exports_contain_no_personal_data(app, demo_cohort):
    people = db.session.scalars(
        sa.select(User).join(Enrolment, Enrolment.user_id == User.id).where(Enrolment.cohort_id == demo_cohort.id)
    ).all()
    assert len(people) == 20
    needles = (
        {p.legal_name for p in people} | {p.email for p in people} | {p.display_name for p in people if p.display_name}
    )
    needles |= {n.split()[0] for n in {p.legal_name for p in people}}  # first names alone, too
    client = login(app, "financeur@example.org")
    texts = [client.get("/reports/funder").get_data(as_text=True), client.get("/").get_data(as_text=True)]
    report = reports.funder(date.today())
    for part in report.parts:
        for delimiter in ("semicolon", "comma"):
            texts.append(
                export(client, "/reports/funder/export", format="csv", delimiter=delimiter, part=part.key).data.decode()
            )
    book = openpyxl.load_workbook(io.BytesIO(export(client, "/reports/funder/export", format="xlsx").data))
    texts.append("\n".join(str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row))
    texts.append(pdf_text(export(client, "/reports/funder/export", format="pdf").data))
    funder = db.session.scalar(sa.select(User).where(User.email == "financeur@example.org"))
    _token, secret = api_auth.create_token(funder, "test", ["read"], 30)
    db.session.commit()
    for url in ("/api/v1/reports/funder", "/api/v1/cohorts", f"/api/v1/cohorts/{demo_cohort.uuid}"):
        response = app.test_client().get(url, headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 200, url
        texts.append(response.get_data(as_text=True))
    assert len(texts) == 11  # HTML (report and home), 2 parts × 2 CSV separators, XLSX, PDF, 3 API answers
    for text in texts:
        for needle in needles:
            assert not re.search(rf"\b{re.escape(needle)}\b", text), needle
    # and the figures are there, small cells suppressed: 1 person left the training → "<5"
    table = read_csv(export(client, "/reports/funder/export", format="csv").data)
    row = dict(zip(table[0], table[1], strict=True))
    assert row["Stagiaires inscrit·es"] == "20" and row["A quitté la formation"] == "<5"


def test_small_cell_suppression():
    assert [reports.suppress(n) for n in range(7)] == [0, "<5", "<5", "<5", "<5", 5, 6]
    small = reports._Tally(enrolled=4, completed=4, training_minutes=600, placement_minutes=60)
    cells = small.cells(reports._protect([small], [])[0])
    assert cells[:2] == ["<5", "<5"] and cells[5] == cells[6] == cells[7] == "hidden"
    # 12 = 3 + 0 + 9 would give the 3 away: a second outcome is masked (the 0, shown as "<5": it is below 5).
    row = reports._Tally(enrolled=12, completed=3, withdrawn=0, in_progress=9)
    cells = row.cells(reports._protect([row], [])[0])
    assert cells[:4] == [12, "<5", "<5", 9] and cells[7] == "hidden"  # rate from a masked numerator
    row = reports._Tally(enrolled=12, completed=6, in_progress=6, training_minutes=60)
    cells = row.cells(reports._protect([row], [])[0])
    assert cells[:5] == [12, 6, 0, 6, 0] and cells[7] == Fraction(50) and cells[5] == 60 and cells[8] is None


def _published_sums_with_one_unknown(rows, groups, hidden):
    sums = [[(i, "enrolled"), *((i, f) for f in reports.OUTCOMES)] for i in range(len(rows))]
    sums += [[(t, f), *((p, f) for p in parts)] for t, parts in groups for f in reports.ADDITIVE]
    return [terms for terms in sums if sum(f in hidden[r] for r, f in terms) == 1]


def test_no_hidden_figure_can_be_worked_out_by_subtraction():
    """The funder's tables as a reader sees them: by cohort, by year, all years. Totals: 2025 has 16 completed
    of 2 cohorts, one of which has 1; all years 17 = 16 + <5. Each sum with a single masked term gets a second."""
    a = reports._Tally(enrolled=20, completed=16, withdrawn=1, in_progress=3, training_minutes=9000, badges=30)
    b = reports._Tally(enrolled=3, completed=1, withdrawn=0, in_progress=2, training_minutes=700, badges=2)
    c = reports._Tally(enrolled=20, completed=0, withdrawn=0, in_progress=20, training_minutes=4000, badges=0)
    y2025, y2026, total = reports._Tally(), reports._Tally(), reports._Tally()
    for year, parts in ((y2025, (a, b)), (y2026, (c,))):
        for part in parts:
            year.add(part)
            total.add(part)
    rows = [a, b, c, y2025, y2026, total]
    groups = [(3, [0, 1]), (4, [2]), (5, [3, 4])]
    hidden = reports._protect(rows, groups)
    assert _published_sums_with_one_unknown(rows, groups, hidden) == []
    assert {"withdrawn", "in_progress"} <= hidden[0]  # 20 = 16 + 1 + 3: both small outcomes masked
    assert "training_minutes" in hidden[1] and "training_minutes" in hidden[0]  # 2025's hours minus a's = b's
    assert {"enrolled", "completed", "in_progress"} <= hidden[1]  # b: 3 people (its 0 withdrawn can show)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 12), st.integers(0, 6), st.integers(0, 12)), min_size=1, max_size=6
    )
)
def test_complementary_suppression_leaves_no_sum_with_a_single_unknown(cohorts):
    rows, members = [], {}
    for year, completed, withdrawn, in_progress in cohorts:
        members.setdefault(year, []).append(len(rows))
        rows.append(
            reports._Tally(
                enrolled=completed + withdrawn + in_progress,
                completed=completed,
                withdrawn=withdrawn,
                in_progress=in_progress,
                training_minutes=60 * (completed + in_progress),
            )
        )
    groups = []
    for year in sorted(members):
        total = reports._Tally()
        for i in members[year]:
            total.add(rows[i])
        groups.append((len(rows), members[year]))
        rows.append(total)
    if len(members) > 1:
        everything = reports._Tally()
        for t, _parts in groups:
            everything.add(rows[t])
        groups.append((len(rows), [t for t, _parts in groups]))
        rows.append(everything)
    hidden = reports._protect(rows, groups)
    assert _published_sums_with_one_unknown(rows, groups, hidden) == []
    for row, cells in zip(rows, hidden, strict=True):  # every small count is masked
        assert all(f in cells for f in ("enrolled", *reports.OUTCOMES) if 0 < getattr(row, f) < 5)


def test_roles(app, build_cohort, create_user, client_for, admin):
    world = build_cohort("PROMO-R", trainees=2)
    other = build_cohort("PROMO-O", trainees=1)
    url = f"/cohorts/{world.cohort.uuid}/reports/summary"
    trainer = client_for(world.trainer)
    assert trainer.get(url).status_code == 200
    assert trainer.get(url + "/export?format=csv").status_code == 200
    assert trainer.get(f"/cohorts/{other.cohort.uuid}/reports/summary").status_code == 403
    assert trainer.get("/reports/funder").status_code == 403
    assert trainer.get("/reports").status_code == 200
    funder = client_for(create_user(roles=("funder",)))
    assert funder.get(url).status_code == 403
    assert funder.get(url + "/export?format=csv").status_code == 403
    assert funder.get("/reports/funder").status_code == 200
    assert "PROMO-R" not in funder.get("/reports").get_data(as_text=True)
    for role in ("trainee", "tutor"):
        someone = client_for(create_user(roles=(role,)))
        for path in (url, "/reports", "/reports/funder", "/reports/funder/export?format=csv"):
            assert someone.get(path).status_code == 403, (role, path)
    coordinator = client_for(admin)
    assert coordinator.get(url).status_code == 200
    assert coordinator.get(f"/cohorts/{world.cohort.uuid}/reports/nope").status_code == 404
    assert coordinator.get(url + "/export?format=doc").status_code == 400
    assert trainer.post("/reports/platform-export", data={"report": "summary", "format": "csv"}).status_code == 403


def _statements(fn) -> int:
    count = 0

    def counter(*_args):
        nonlocal count
        count += 1

    db.session.expire_all()
    sa.event.listen(db.engine, "before_cursor_execute", counter)
    try:
        fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", counter)
    return count


@pytest.mark.parametrize("kind", ["summary", "sessions", "modules", "risk", "badges"])
def test_queries_do_not_grow_with_the_cohort(app, build_cohort, kind):
    small = build_cohort("SMALL", trainees=3, past=2, future=1)
    large = build_cohort("LARGE", trainees=30, past=8, future=4)
    today = date.today()
    small_count = _statements(lambda: reports.build(kind, db.session.get(Cohort, small.cohort.id), today))
    large_count = _statements(lambda: reports.build(kind, db.session.get(Cohort, large.cohort.id), today))
    assert small_count == large_count, (kind, small_count, large_count)


def test_summary_page_queries_do_not_grow(app, build_cohort, client_for, admin):
    small = build_cohort("SMALL", trainees=3, past=2, future=1)
    large = build_cohort("LARGE", trainees=30, past=8, future=4)
    client = client_for(admin)
    counts = []
    for world in (small, large):
        client.get(f"/cohorts/{world.cohort.uuid}/reports/summary")  # warm caches
        counts.append(_statements(lambda w=world: client.get(f"/cohorts/{w.cohort.uuid}/reports/summary")))
    assert counts[0] == counts[1]


def test_platform_export_runs_as_a_job(app, build_cohort, client_for, admin, tmp_path):
    build_cohort("PROMO-A", trainees=3)
    build_cohort("PROMO-B", trainees=4)
    client = client_for(admin)
    response = client.post(
        "/reports/platform-export", data={"report": "summary", "format": "xlsx", "delimiter": "comma"}
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/jobs/")
    job_url = response.headers["Location"]
    assert 'http-equiv="refresh"' in client.get(job_url).get_data(as_text=True)
    assert jobs.run_pending() == 1
    status = client.get(job_url + "/status").json
    assert status["status"] == "done", status
    with client.get(status["download_url"]) as download:
        book = openpyxl.load_workbook(io.BytesIO(download.data))
    rows = list(book.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 7 and {r[0] for r in rows} == {"PROMO-A", "PROMO-B"}
    response = client.post(
        "/reports/platform-export", data={"report": "funder", "format": "csv", "delimiter": "semicolon"}
    )
    jobs.run_pending()
    status = client.get(response.headers["Location"] + "/status").json
    with client.get(status["download_url"]) as download:
        table = read_csv(download.data)
    assert [r[0] for r in table[1:]] == ["PROMO-A", "PROMO-B"]


def test_cli_report(app, runner, build_cohort, tmp_path):
    build_cohort("PROMO-CLI", trainees=(("x@example.org", '=HYPERLINK("http://evil")'), ("y@example.org", "Yara")))
    out = tmp_path / "summary.csv"
    result = runner.invoke(args=["report", "summary", "PROMO-CLI", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = read_csv(out.read_bytes())
    names = {row[0] for row in table[1:]}
    assert names == {'\'=HYPERLINK("http://evil")', "Yara"}  # no formula reaches a spreadsheet
    out = tmp_path / "all.xlsx"
    result = runner.invoke(args=["report", "summary", "all", "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).worksheets[0].max_row == 3
    result = runner.invoke(args=["report", "risk", "all", "--format", "pdf", "--out", str(tmp_path / "r.pdf")])
    assert result.exit_code != 0 and "one cohort" in result.output
    result = runner.invoke(args=["report", "funder", "NOPE", "--format", "pdf", "--out", str(tmp_path / "r.pdf")])
    assert result.exit_code != 0 and "NOPE" in result.output


def test_typed_values():
    hours_column = reports.Column("h", "h", "hours")
    assert exports.typed(hours_column, 90) == Decimal("1.50")
    # the one rounding rule of the pages (rules.shown_percent): floored to one decimal, never rounded up
    assert exports.typed(reports.Column("p", "p", "percent"), Fraction(74999, 1000)) == Decimal("74.9")
    assert exports.typed(reports.Column("c", "c", "count"), "<5") == "<5"
    assert exports._csv_text(Decimal("1.50"), True) == "1,50" and exports._csv_text(Decimal("1.50"), False) == "1.50"
    assert exports._csv_text("-1 truc", False) == "'-1 truc" and exports._csv_text(-3, False) == "-3"


def test_the_summary_pdf_is_one_table_and_names_the_training_body(app, demo_cohort):
    """The summary's 17 columns were cut into two tables ("(1/2)", "(2/2)"): people were matched across pages.
    Now one table, each situation on its own line under its row; the header names who gives the training."""
    from badges import keys

    client = login(app, "coordination@example.org")
    data = export(client, f"/cohorts/{demo_cohort.uuid}/reports/summary/export", format="pdf").data
    text = pdf_text(data)
    assert "(1/2)" not in text and "(2/2)" not in text
    assert "Situation —" in text  # the long text on its own line under each row
    body = keys.get_issuer().name
    assert body in PdfReader(io.BytesIO(data)).pages[0].extract_text()
    funder = login(app, "financeur@example.org")
    assert body in pdf_text(export(funder, "/reports/funder/export", format="pdf").data)


def test_the_funder_report_writes_its_date_the_reader_s_way(app, cohort):
    """The note on "Completed" gives the day as people write it ("7 décembre 2026"), never "2026-12-07"."""
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("fr"):
        report = reports.funder(date(2026, 12, 7), [cohort.cohort])
        note = next(n for n in report.notes if "Terminé" in n)
    assert "7 décembre 2026" in note and "2026-12-07" not in note
