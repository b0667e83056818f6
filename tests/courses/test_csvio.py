"""The pure parsing layer of the spreadsheet imports (courses.csvio): bytes in, typed rows or every error out."""

from __future__ import annotations

import csv
import io
from datetime import date, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses import csvio
from courses.csvio import (
    COLUMNS,
    KINDS,
    AttendanceRow,
    CompetencyRow,
    CsvError,
    FinalWorkRow,
    ParseResult,
    PauseRow,
    PlacementRow,
    SessionRow,
    TraineeRow,
    parse,
)

D = date(2027, 9, 3)


def encode(text: str, sep: str = ",", bom: bool = False, crlf: bool = False) -> bytes:
    """The test files are written with commas and LF; turn them into what a spreadsheet would save."""
    if sep != ",":
        text = text.replace(",", sep)
    if crlf:
        text = text.replace("\n", "\r\n")
    return text.encode("utf-8-sig" if bom else "utf-8")


def only_error(result: ParseResult) -> CsvError:
    assert not result.ok
    assert result.rows == ()
    assert len(result.errors) == 1, [e.render() for e in result.errors]
    return result.errors[0]


# --- good files -----------------------------------------------------------------------------------------------

GOOD: dict[str, tuple[str, tuple]] = {
    "sessions": (
        "module,date,start,end,status\nM1,2027-09-03,09:30,12:30,\nM2,2027-09-03,13:30,16:30,cancelled\n",
        (
            SessionRow(2, "M1", D, time(9, 30), time(12, 30), "scheduled"),
            SessionRow(3, "M2", D, time(13, 30), time(16, 30), "cancelled"),
        ),
    ),
    "trainees": (
        "email,legal_name,display_name,enrolled_on,withdrawn_on\n"
        "Amina.Exemple@Example.org,Amina Exemple,Amina,2027-09-01,\n"
        "jo@example.org,Jo Dupont-Lambert,,,\n"
        "lea@example.org,Léa Martin,,2027-09-01,2027-09-01\n",
        (
            TraineeRow(2, "amina.exemple@example.org", "Amina Exemple", "Amina", date(2027, 9, 1), None),
            TraineeRow(3, "jo@example.org", "Jo Dupont-Lambert", None, None, None),
            TraineeRow(4, "lea@example.org", "Léa Martin", None, date(2027, 9, 1), date(2027, 9, 1)),
        ),
    ),
    "pauses": (
        "email,from,to\njo@example.org,2027-10-01,2027-10-31\njo@example.org,2027-11-01,2027-11-01\n",
        (
            PauseRow(2, "jo@example.org", date(2027, 10, 1), date(2027, 10, 31)),
            PauseRow(3, "jo@example.org", date(2027, 11, 1), date(2027, 11, 1)),
        ),
    ),
    "attendance": (
        "date,start,email,status,minutes\n"
        "2027-09-03,09:30,jo@example.org,present,\n"
        "2027-09-03,09:30,lea@example.org,late,150\n"
        "2027-09-03,09:30,amina@example.org,left_early,0\n"
        "2027-09-03,13:30,jo@example.org,excused,\n"
        "2027-09-03,13:30,lea@example.org,absent,\n",
        (
            AttendanceRow(2, D, time(9, 30), "jo@example.org", "present", None),
            AttendanceRow(3, D, time(9, 30), "lea@example.org", "late", 150),
            AttendanceRow(4, D, time(9, 30), "amina@example.org", "left_early", 0),
            AttendanceRow(5, D, time(13, 30), "jo@example.org", "excused", None),
            AttendanceRow(6, D, time(13, 30), "lea@example.org", "absent", None),
        ),
    ),
    "placements": (
        "email,date,minutes,state\n"
        "jo@example.org,2027-09-03,240,confirmed\n"
        "jo@example.org,2027-09-03,1440,pending\n"
        "jo@example.org,2027-09-04,1,rejected\n",
        (
            PlacementRow(2, "jo@example.org", D, 240, "confirmed"),
            PlacementRow(3, "jo@example.org", D, 1440, "pending"),
            PlacementRow(4, "jo@example.org", date(2027, 9, 4), 1, "rejected"),
        ),
    ),
    "competencies": (
        "email,competency,validated_on\njo@example.org,C-M1-01,2027-09-03\njo@example.org,C-M1-02,2027-09-03\n",
        (
            CompetencyRow(2, "jo@example.org", "C-M1-01", D),
            CompetencyRow(3, "jo@example.org", "C-M1-02", D),
        ),
    ),
    "finalwork": (
        "email,result\njo@example.org,passed\nlea@example.org,failed\namina@example.org,pending\n",
        (
            FinalWorkRow(2, "jo@example.org", "passed"),
            FinalWorkRow(3, "lea@example.org", "failed"),
            FinalWorkRow(4, "amina@example.org", "pending"),
        ),
    ),
}


def test_every_kind_has_a_good_file() -> None:
    assert set(GOOD) == set(KINDS) == set(COLUMNS)


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize("bom", [False, True], ids=["nobom", "bom"])
@pytest.mark.parametrize("sep", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
@pytest.mark.parametrize("kind", KINDS)
def test_good_file(kind: str, sep: str, bom: bool, crlf: bool) -> None:
    text, expected = GOOD[kind]
    result = parse(kind, encode(text, sep, bom, crlf))
    assert result.errors == ()
    assert result.ok
    assert result.kind == kind
    assert result.rows == expected


@pytest.mark.parametrize("kind", KINDS)
def test_excel_unicode_text_utf16_with_bom_and_tabs(kind: str) -> None:
    text, expected = GOOD[kind]
    result = parse(kind, text.replace(",", "\t").replace("\n", "\r\n").encode("utf-16"))
    assert result.errors == ()
    assert result.rows == expected


def test_excel_sep_line_is_honoured_and_not_counted() -> None:
    result = parse("finalwork", encode("sep=;\nemail;result\njo@example.org;passed\n", bom=True, crlf=True))
    assert result.rows == (FinalWorkRow(2, "jo@example.org", "passed"),)


def test_french_dates_and_times() -> None:
    result = parse(
        "sessions",
        encode(
            "module;date;start;end\nM1;03/09/2027;9:30;12:30:00\nM1;3/9/2027;13h30;16h\nM1;29/02/2028;08:00:00;09h05\n",
            bom=True,
        ),
    )
    assert result.errors == ()
    assert result.rows == (
        SessionRow(2, "M1", D, time(9, 30), time(12, 30), "scheduled"),
        SessionRow(3, "M1", D, time(13, 30), time(16, 0), "scheduled"),
        SessionRow(4, "M1", date(2028, 2, 29), time(8, 0), time(9, 5), "scheduled"),
    )


@pytest.mark.parametrize(
    ("kind", "column", "written", "expected"),
    [
        ("sessions", "status", "prévue", "scheduled"),
        ("sessions", "status", "Annulée", "cancelled"),
        ("sessions", "status", "CANCELLED", "cancelled"),
        ("attendance", "status", "Présent", "present"),
        ("attendance", "status", "present", "present"),
        ("attendance", "status", "retard", "late"),
        ("attendance", "status", "En retard", "late"),
        ("attendance", "status", "parti tôt", "left_early"),
        ("attendance", "status", "parti_tot", "left_early"),
        ("attendance", "status", "Left-Early", "left_early"),
        ("attendance", "status", "excusé", "excused"),
        ("attendance", "status", "Excusée", "excused"),
        ("attendance", "status", "ABSENT", "absent"),
        ("placements", "state", "confirmé", "confirmed"),
        ("placements", "state", "en_attente", "pending"),
        ("placements", "state", "en attente", "pending"),
        ("placements", "state", "refusé", "rejected"),
        ("finalwork", "result", "réussi", "passed"),
        ("finalwork", "result", "Échoué", "failed"),
        ("finalwork", "result", "en_attente", "pending"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_status_words_french_and_any_case(kind: str, column: str, written: str, expected: str) -> None:
    minutes = "10" if expected in {"late", "left_early"} else ""
    line = {
        "sessions": f"M1;2027-09-03;09:30;12:30;{written}",
        "attendance": f"2027-09-03;09:30;jo@example.org;{written};{minutes}",
        "placements": f"jo@example.org;2027-09-03;60;{written}",
        "finalwork": f"jo@example.org;{written}",
    }[kind]
    result = parse(kind, encode(";".join(COLUMNS[kind]) + "\n" + line + "\n"))
    assert result.errors == ()
    assert getattr(result.rows[0], column) == expected


def test_blank_lines_are_skipped_but_keep_their_row_numbers() -> None:
    text = "\n email , result \n\njo@example.org,passed\n,\n  ,  \nlea@example.org , réussi \n\n"
    result = parse("finalwork", encode(text, crlf=True))
    assert result.errors == ()
    assert result.rows == (FinalWorkRow(4, "jo@example.org", "passed"), FinalWorkRow(7, "lea@example.org", "passed"))


def test_header_in_another_case_and_order_and_optional_columns_left_out() -> None:
    result = parse(
        "trainees",
        encode("Legal_Name;EMAIL;Enrolled_On\nJo Dupont;JO@example.org;01/09/2027\n"),
    )
    assert result.errors == ()
    assert result.rows == (TraineeRow(2, "jo@example.org", "Jo Dupont", None, date(2027, 9, 1), None),)


def test_quoted_cells_with_the_separator_inside() -> None:
    result = parse("trainees", encode('email;legal_name\njo@example.org;"Dupont; Jo ""Jojo"""\n'))
    assert result.errors == ()
    assert result.rows[0].legal_name == 'Dupont; Jo "Jojo"'


def test_a_nameless_empty_column_is_tolerated() -> None:
    # Excel often saves trailing separators for formatted but empty columns.
    result = parse("finalwork", encode("email;result;;\njo@example.org;passed;;\n"))
    assert result.rows == (FinalWorkRow(2, "jo@example.org", "passed"),)


def test_attendance_minutes_column_is_optional_when_nobody_is_late() -> None:
    result = parse("attendance", encode("date,start,email,status\n2027-09-03,09:30,jo@example.org,present\n"))
    assert result.rows == (AttendanceRow(2, D, time(9, 30), "jo@example.org", "present", None),)


# --- bad files ------------------------------------------------------------------------------------------------

LONG = "x" * 201
BAD = [
    # (id, kind, content, row, column, fragment)
    ("latin1", "trainees", "email,legal_name\njo@example.org,Léa\n".encode("cp1252"), None, None, "not UTF-8"),
    ("utf16-without-bom", "finalwork", "email,result\n".encode("utf-16-le"), None, None, "CSV UTF-8"),
    ("xlsx", "finalwork", b"PK\x03\x04\x14\x00\x06\x00rest-of-a-zip", None, None, "Excel workbook"),
    ("xls", "finalwork", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", None, None, "Excel workbook"),
    ("empty", "finalwork", b"", None, None, "empty"),
    ("only-blank-lines", "finalwork", b"\r\n;;\r\n  \r\n", None, None, "empty"),
    ("only-bom", "finalwork", b"\xef\xbb\xbf", None, None, "empty"),
    ("header-only", "finalwork", b"email,result\r\n\r\n", None, None, "no data"),
    ("unknown-column", "finalwork", b"email,result,comment\nj@example.org,passed,x\n", 1, None, "comment"),
    ("unknown-lists-expected", "pauses", b"email,from,to,start\n", 1, None, "expected columns are: email, from, to"),
    ("missing-column", "finalwork", b"email\njo@example.org\n", 1, None, "Missing column(s): result"),
    ("missing-optional-not-enough", "trainees", b"email,display_name\n", 1, None, "legal_name"),
    ("duplicate-column", "finalwork", b"email,result, Email \n", 1, "email", "more than once"),
    ("value-in-nameless-column", "finalwork", b"email,result,\njo@example.org,passed,oops\n", 2, None, "Column C"),
    ("cell-beyond-header", "finalwork", b"email,result\njo@example.org,passed,,oops\n", 2, None, "Column D"),
    ("required-empty", "trainees", b"email,legal_name\njo@example.org,\n", 2, "legal_name", "must not be empty"),
    ("required-missing-cell", "finalwork", b"email,result\njo@example.org\n", 2, "result", "must not be empty"),
    ("date-format", "competencies", b"email,competency,validated_on\nj@ex.org,C-1,3 sept\n", 2, "validated_on", "DD/MM"),  # noqa: E501
    ("date-two-digit-year", "placements", b"email,date,minutes,state\nj@ex.org,03/09/27,5,pending\n", 2, "date", "YYYY"),  # noqa: E501
    ("date-impossible-iso", "placements", b"email,date,minutes,state\nj@ex.org,2027-02-30,5,pending\n", 2, "date", "does not exist: 2027-02-30"),  # noqa: E501
    ("date-impossible-fr", "placements", b"email,date,minutes,state\nj@ex.org,31/04/2027,5,pending\n", 2, "date", "does not exist: 31/04/2027"),  # noqa: E501
    ("date-mm-dd", "placements", b"email,date,minutes,state\nj@ex.org,09/13/2027,5,pending\n", 2, "date", "does not exist"),  # noqa: E501
    ("date-year-typo", "pauses", b"email,from,to\nj@ex.org,0207-01-01,2027-01-02\n", 2, "from", "year"),
    ("time-format", "sessions", b"module,date,start,end\nM1,2027-09-03,930,12:00\n", 2, "start", "HH:MM"),
    ("time-24", "sessions", b"module,date,start,end\nM1,2027-09-03,09:00,24:00\n", 2, "end", "does not exist"),
    ("time-seconds", "sessions", b"module,date,start,end\nM1,2027-09-03,09:00:15,12:00\n", 2, "start", "HH:MM"),
    ("time-minutes", "attendance", b"date,start,email,status\n2027-09-03,9:75,j@ex.org,absent\n", 2, "start", "9:75"),
    ("end-before-start", "sessions", b"module,date,start,end\nM1,2027-09-03,13:00,12:00\n", 2, "end", "after the start time (13:00)"),  # noqa: E501
    ("end-equals-start", "sessions", b"module,date,start,end\nM1,2027-09-03,13:00,13:00\n", 2, "end", "after"),
    ("module-empty", "sessions", b"module,date,start,end\n,2027-09-03,09:00,12:00\n", 2, "module", "must not be empty"),
    ("module-space", "sessions", b"module,date,start,end\nM 1,2027-09-03,09:00,12:00\n", 2, "module", "no spaces"),
    ("module-too-long", "sessions", b"module,date,start,end\nM123456789012345678901,2027-09-03,09:00,12:00\n", 2, "module", "too long"),  # noqa: E501
    ("session-status", "sessions", b"module,date,start,end,status\nM1,2027-09-03,09:00,12:00,done\n", 2, "status", "scheduled, cancelled"),  # noqa: E501
    ("email", "finalwork", b"email,result\njo@example,passed\n", 2, "email", "jo@example is not a valid email"),
    ("email-with-name", "finalwork", b"email,result\nJo <jo@example.org>,passed\n", 2, "email", "not a valid email"),
    ("legal-name-too-long", "trainees", f"email,legal_name\nj@ex.org,{LONG}\n".encode(), 2, "legal_name", "201 characters"),  # noqa: E501
    ("display-name-too-long", "trainees", f"email,legal_name,display_name\nj@ex.org,Jo,{LONG}\n".encode(), 2, "display_name", "at most 200"),  # noqa: E501
    ("name-line-break", "trainees", b'email,legal_name\nj@ex.org,"Jo\nDupont"\n', 2, "legal_name", "line break"),
    ("unclosed-quote", "trainees", b'email,legal_name\nj@ex.org,"Jo\nlea@ex.org,Lea\n', 2, "legal_name", "quote mark"),
    ("enrolled-impossible", "trainees", b"email,legal_name,enrolled_on\nj@ex.org,Jo,2027-13-01\n", 2, "enrolled_on", "does not exist"),  # noqa: E501
    ("withdrawn-before-enrolled", "trainees", b"email,legal_name,enrolled_on,withdrawn_on\nj@ex.org,Jo,02/09/2027,2027-09-01\n", 2, "withdrawn_on", "(2027-09-01) is before the enrolment date (02/09/2027)"),  # noqa: E501
    ("pause-backwards", "pauses", b"email,from,to\nj@ex.org,2027-10-02,2027-10-01\n", 2, "to", "ends (2027-10-01) before it starts (2027-10-02)"),  # noqa: E501
    ("attendance-status", "attendance", b"date,start,email,status\n2027-09-03,09:00,j@ex.org,here\n", 2, "status", "present, late, left_early, excused, absent"),  # noqa: E501
    ("late-without-minutes", "attendance", b"date,start,email,status,minutes\n2027-09-03,09:00,j@ex.org,late,\n", 2, "minutes", "status is late"),  # noqa: E501
    ("late-without-minutes-column", "attendance", b"date,start,email,status\n2027-09-03,09:00,j@ex.org,retard\n", 2, "minutes", "needed"),  # noqa: E501
    ("left-early-bad-minutes", "attendance", b"date,start,email,status,minutes\n2027-09-03,09:00,j@ex.org,left_early,-5\n", 2, "minutes", "whole number"),  # noqa: E501
    ("minutes-for-present", "attendance", b"date,start,email,status,minutes\n2027-09-03,09:00,j@ex.org,present,30\n", 2, "minutes", "Leave the minutes empty when the status is present"),  # noqa: E501
    ("minutes-for-absent", "attendance", b"date,start,email,status,minutes\n2027-09-03,09:00,j@ex.org,absent,0\n", 2, "minutes", "only used for late"),  # noqa: E501
    ("placement-zero", "placements", b"email,date,minutes,state\nj@ex.org,2027-09-03,0,pending\n", 2, "minutes", "between 1 and 1440"),  # noqa: E501
    ("placement-over-a-day", "placements", b"email,date,minutes,state\nj@ex.org,2027-09-03,1441,pending\n", 2, "minutes", "1441 minutes"),  # noqa: E501
    ("placement-huge", "placements", b"email,date,minutes,state\nj@ex.org,2027-09-03,99999999999999999999,pending\n", 2, "minutes", "between 1 and 1440"),  # noqa: E501
    ("placement-decimal", "placements", b"email,date,minutes,state\nj@ex.org,2027-09-03,1.5,pending\n", 2, "minutes", "whole number"),  # noqa: E501
    ("placement-hours", "placements", b"email,date,minutes,state\nj@ex.org,2027-09-03,2h,pending\n", 2, "minutes", "2h"),  # noqa: E501
    ("placement-state", "placements", b"email,date,minutes,state\nj@ex.org,2027-09-03,60,ok\n", 2, "state", "confirmed, pending, rejected"),  # noqa: E501
    ("placement-state-empty", "placements", b"email,date,minutes,state\nj@ex.org,2027-09-03,60,\n", 2, "state", "must not be empty"),  # noqa: E501
    ("competency-space", "competencies", b"email,competency,validated_on\nj@ex.org,C M1 01,2027-09-03\n", 2, "competency", "C-M1-01"),  # noqa: E501
    ("finalwork-result", "finalwork", b"email,result\nj@ex.org,ok\n", 2, "result", "passed, failed, pending"),
    ("dup-trainee", "trainees", b"email,legal_name\njo@ex.org,Jo\n\nJO@EX.ORG,Jo D\n", 4, "email", "jo@ex.org is already listed on row 2"),  # noqa: E501
    ("dup-finalwork", "finalwork", b"email,result\njo@ex.org,passed\njo@ex.org,failed\n", 3, "email", "on row 2"),
    ("dup-session", "sessions", b"module,date,start,end\nM1,2027-09-03,09:30,12:00\nM2,03/09/2027,9:30,11:00\n", 3, "start", "2027-09-03 at 09:30 is already listed on row 2"),  # noqa: E501
    ("dup-attendance", "attendance", b"date,start,email,status\n2027-09-03,09:30,jo@ex.org,present\n03/09/2027,9h30,Jo@ex.org,absent\n", 3, "email", "jo@ex.org already has a line for the session of 2027-09-03 at 09:30 on row 2"),  # noqa: E501
    ("dup-pause-overlap", "pauses", b"email,from,to\njo@ex.org,2027-10-01,2027-10-10\njo@ex.org,2027-10-10,2027-10-20\n", 3, "from", "overlaps the pause on row 2"),  # noqa: E501
    ("dup-pause-inside-earlier-in-time", "pauses", b"email,from,to\njo@ex.org,2027-10-05,2027-10-06\njo@ex.org,2027-10-01,2027-10-31\n", 3, "from", "row 2"),  # noqa: E501
    ("dup-competency", "competencies", b"email,competency,validated_on\njo@ex.org,C-M1-01,2027-09-03\njo@ex.org,c-m1-01,2027-09-04\n", 3, "competency", "c-m1-01 of jo@ex.org is already listed on row 2"),  # noqa: E501
]  # fmt: skip


@pytest.mark.parametrize(("kind", "data", "row", "column", "fragment"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_file(kind: str, data: bytes, row: int | None, column: str | None, fragment: str) -> None:
    result = parse(kind, data)
    assert not result.ok
    assert len(result.errors) == 1, [e.render() for e in result.errors]
    error = result.errors[0]
    assert (error.row, error.column) == (row, column)
    assert fragment in error.render()
    assert all(r.row != row for r in result.rows)
    if row is None or row == 1:  # the file or its header is unusable: no rows at all
        assert result.rows == ()


def test_semicolon_files_report_the_same_errors() -> None:
    result = parse("finalwork", b"\xef\xbb\xbfEmail;Result\r\njo@example;passed\r\n")
    assert [(e.row, e.column) for e in result.errors] == [(2, "email")]


def test_header_errors_are_all_reported_and_stop_the_rows() -> None:
    result = parse("sessions", b"Module,Date,Begin,module,Room\nM1,nonsense,x,y,z\n")
    assert result.rows == ()
    assert [(e.row, e.column) for e in result.errors] == [(1, None), (1, None), (1, "module")]
    unknown, missing, duplicated = (e.render() for e in result.errors)
    assert "Unknown column(s): Begin, Room." in unknown
    assert "expected columns are: module, date, start, end, status" in unknown
    assert "Missing column(s): start, end." in missing
    assert "module appears more than once" in duplicated


def test_multiple_errors_are_all_reported_in_row_order() -> None:
    text = (
        "date;start;email;status;minutes\n"
        "2027-09-03;09:30;jo@example.org;present;\n"  # 2 fine
        "2027-02-30;25:00;not-an-email;maybe;x\n"  # 3: four errors (minutes not checked: status unknown)
        "2027-09-03;09:30;lea@example.org;late;\n"  # 4: minutes needed
        "\n"  # 5 blank
        "2027-09-03;09:30;JO@example.org;absent;\n"  # 6: duplicate of row 2
        "2027-09-03;13:30;lea@example.org;late;20\n"  # 7 fine
    )
    result = parse("attendance", encode(text))
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "date"),
        (3, "start"),
        (3, "email"),
        (3, "status"),
        (4, "minutes"),
        (6, "email"),
    ]
    assert not result.ok
    assert [r.row for r in result.rows] == [2, 7]  # the rows without an error of their own, for the caller
    assert "row 2" in result.errors[-1].render()


def test_row_cap() -> None:
    header = "email,result\n"
    line = "jo@example.org,passed\n"  # the cap is checked before any cell, so duplicates do not matter
    at_cap = parse("finalwork", (header + line * csvio.MAX_ROWS + "\n\n").encode())
    assert len(at_cap.errors) == csvio.MAX_ROWS - 1  # all duplicates, but read
    over = parse("finalwork", (header + line * (csvio.MAX_ROWS + 1)).encode())
    error = only_error(over)
    assert (error.row, error.column) == (None, None)
    assert "more than 20000 rows" in error.render()


def test_row_cap_can_be_lowered_and_blank_lines_do_not_count() -> None:
    data = b"email,result\na@ex.org,passed\n\n\nb@ex.org,passed\n"
    assert parse("finalwork", data, max_rows=2).ok
    assert "more than 1 rows" in only_error(parse("finalwork", data, max_rows=1)).render()


def test_a_cell_too_long_for_the_csv_reader() -> None:
    data = b'email,legal_name\nj@ex.org,Jo\nk@ex.org,"' + b"x" * 200_000 + b'"\n'
    error = only_error(parse("trainees", data))
    assert (error.row, error.column) == (3, None)
    assert "cannot be read" in error.render()


def test_unknown_kind_raises() -> None:
    with pytest.raises(ValueError, match="unknown import kind"):
        parse("grades", b"email\n")


# --- CsvError ------------------------------------------------------------------------------------------------


def test_render_prefixes_and_translates() -> None:
    catalogue = {
        "Row %(row)d, column %(column)s: %(message)s": "Ligne %(row)d, colonne %(column)s : %(message)s",
        "Row %(row)d: %(message)s": "Ligne %(row)d : %(message)s",
        "This date does not exist: %(value)s.": "Cette date n'existe pas : %(value)s.",
        "The file is empty.": "Le fichier est vide.",
    }

    def gettext(message: str) -> str:
        return catalogue.get(message, message)

    cell = CsvError(4, "date", csvio.MSG_DATE_IMPOSSIBLE, {"value": "2027-02-30"})
    assert cell.render() == "Row 4, column date: This date does not exist: 2027-02-30."
    assert cell.render(gettext) == "Ligne 4, colonne date : Cette date n'existe pas : 2027-02-30."
    row = CsvError(1, None, csvio.MSG_UNKNOWN_COLUMNS, {"columns": "x", "expected": "email, result"})
    assert row.render() == "Row 1: Unknown column(s): x. The expected columns are: email, result."
    assert row.render(gettext).startswith("Ligne 1 : Unknown")
    file = CsvError(None, None, csvio.MSG_EMPTY_FILE)
    assert file.render() == "The file is empty."
    assert file.render(gettext) == "Le fichier est vide."


def test_errors_are_hashable_values() -> None:
    a = CsvError(2, "email", csvio.MSG_EMAIL, {"value": "x"})
    assert a == CsvError(2, "email", csvio.MSG_EMAIL, {"value": "x"})
    assert len({a, CsvError(2, "email", csvio.MSG_EMAIL, {"value": "x"})}) == 1


def test_every_message_renders_with_the_params_it_is_given() -> None:
    """Each msgid's placeholders are all filled by the code paths exercised above (no KeyError at render)."""
    messages = {value for name, value in vars(csvio).items() if name.startswith("MSG_")}
    for _, kind, data, *_ in BAD:
        for error in parse(kind, data).errors:
            assert error.message in messages
            error.render()


# --- round trip ---------------------------------------------------------------------------------------------

emails = st.builds(
    lambda local, domain, tld, shout: f"{local}@{domain}.{tld}".upper() if shout else f"{local}@{domain}.{tld}",
    st.from_regex(r"[a-z0-9]{1,12}(\.[a-z0-9_+-]{1,8})?", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9]{0,11}", fullmatch=True),
    st.sampled_from(["be", "fr", "org", "eu"]),
    st.booleans(),
)
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
times = st.builds(time, st.integers(0, 23), st.integers(0, 59))
names = (
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=40)
    .map(str.strip)
    .filter(bool)
)
module_codes = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}", fullmatch=True)
competency_codes = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,29}", fullmatch=True)


@st.composite
def written_date(draw, value: date) -> str:
    style = draw(st.sampled_from(["iso", "fr", "fr-short"]))
    if style == "iso":
        return value.isoformat()
    if style == "fr":
        return value.strftime("%d/%m/%Y")
    return f"{value.day}/{value.month}/{value.year}"


@st.composite
def written_time(draw, value: time) -> str:
    return draw(
        st.sampled_from(
            [
                value.strftime("%H:%M"),
                f"{value.hour}:{value.minute:02d}",
                value.strftime("%H:%M:00"),
                f"{value.hour}h{value.minute:02d}",
            ]
        )
    )


@st.composite
def written_word(draw, canonical: str, french: tuple[str, ...] = ()) -> str:
    word = draw(st.sampled_from((canonical, *french)))
    return draw(st.sampled_from([word, word.upper(), word.capitalize()]))


FRENCH = {
    "scheduled": ("prévue",),
    "cancelled": ("annulée",),
    "present": ("présent",),
    "late": ("retard",),
    "left_early": ("parti tôt", "parti_tot"),
    "excused": ("excusé",),
    "absent": (),
    "confirmed": ("confirmé",),
    "pending": ("en_attente", "en attente"),
    "rejected": ("refusé",),
    "passed": ("réussi",),
    "failed": ("échoué",),
}


@st.composite
def session_row(draw) -> tuple[dict[str, str], tuple]:
    module, on = draw(module_codes), draw(dates)
    begin = draw(st.integers(0, 24 * 60 - 2))
    finish = draw(st.integers(begin + 1, 24 * 60 - 1))
    start, end = time(*divmod(begin, 60)), time(*divmod(finish, 60))
    status = draw(st.sampled_from(["", "scheduled", "cancelled"]))
    cells = {
        "module": module,
        "date": draw(written_date(on)),
        "start": draw(written_time(start)),
        "end": draw(written_time(end)),
        "status": draw(written_word(status, FRENCH[status])) if status else "",
    }
    return cells, (module, on, start, end, status or "scheduled")


@st.composite
def trainee_row(draw) -> tuple[dict[str, str], tuple]:
    email, legal_name = draw(emails), draw(names)
    display_name = draw(st.none() | names)
    enrolled_on = draw(st.none() | dates)
    withdrawn_on = draw(st.none() | dates)
    if enrolled_on and withdrawn_on and withdrawn_on < enrolled_on:
        enrolled_on, withdrawn_on = withdrawn_on, enrolled_on
    cells = {
        "email": email,
        "legal_name": legal_name,
        "display_name": display_name or "",
        "enrolled_on": draw(written_date(enrolled_on)) if enrolled_on else "",
        "withdrawn_on": draw(written_date(withdrawn_on)) if withdrawn_on else "",
    }
    # The BPF facts: a canonical word, a French one, or empty (leave what is recorded).
    trainee_type, type_word = draw(
        st.sampled_from(
            [
                (None, ""),
                ("employee", "employee"),
                ("employee", "Salariée"),
                ("job_seeker", "Demandeur d'emploi"),
                ("individual", "particulier"),
                ("other", "AUTRE"),
            ]
        )
    )
    source, source_word = draw(
        st.sampled_from(
            [
                (None, ""),
                ("opco", "OPCO"),
                ("france_travail", "France Travail"),
                ("self", "autofinancement"),
                ("employer", "Employeur"),
            ]
        )
    )
    cells |= {"trainee_type": type_word, "funding_source": source_word}
    return cells, (email.lower(), legal_name, display_name, enrolled_on, withdrawn_on, trainee_type, source)


@st.composite
def pause_row(draw) -> tuple[dict[str, str], tuple]:
    email, starts_on = draw(emails), draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2098, 12, 31)))
    ends_on = starts_on + timedelta(days=draw(st.integers(0, 300)))
    cells = {"email": email, "from": draw(written_date(starts_on)), "to": draw(written_date(ends_on))}
    return cells, (email.lower(), starts_on, ends_on)


@st.composite
def attendance_row(draw) -> tuple[dict[str, str], tuple]:
    on, start, email = draw(dates), draw(times), draw(emails)
    status = draw(st.sampled_from(["present", "late", "left_early", "excused", "absent"]))
    minutes = draw(st.integers(0, 24 * 60)) if status in {"late", "left_early"} else None
    cells = {
        "date": draw(written_date(on)),
        "start": draw(written_time(start)),
        "email": email,
        "status": draw(written_word(status, FRENCH[status])),
        "minutes": "" if minutes is None else str(minutes),
    }
    return cells, (on, start, email.lower(), status, minutes)


@st.composite
def placement_row(draw) -> tuple[dict[str, str], tuple]:
    email, on, minutes = draw(emails), draw(dates), draw(st.integers(1, 24 * 60))
    state = draw(st.sampled_from(["confirmed", "pending", "rejected"]))
    cells = {
        "email": email,
        "date": draw(written_date(on)),
        "minutes": str(minutes),
        "state": draw(written_word(state, FRENCH[state])),
    }
    return cells, (email.lower(), on, minutes, state)


@st.composite
def competency_row(draw) -> tuple[dict[str, str], tuple]:
    email, code, on = draw(emails), draw(competency_codes), draw(dates)
    cells = {"email": email, "competency": code, "validated_on": draw(written_date(on))}
    return cells, (email.lower(), code, on)


@st.composite
def finalwork_row(draw) -> tuple[dict[str, str], tuple]:
    email = draw(emails)
    result = draw(st.sampled_from(["passed", "failed", "pending"]))
    return {"email": email, "result": draw(written_word(result, FRENCH[result]))}, (email.lower(), result)


ROUND_TRIP = {
    # kind: (row strategy, row class, what must be unique within a file)
    "sessions": (session_row(), SessionRow, lambda e: (e[1], e[2])),
    "trainees": (trainee_row(), TraineeRow, lambda e: e[0]),
    "pauses": (pause_row(), PauseRow, lambda e: e[0]),  # one pause per person: never overlapping
    "attendance": (attendance_row(), AttendanceRow, lambda e: (e[0], e[1], e[2])),
    "placements": (placement_row(), PlacementRow, None),
    "competencies": (competency_row(), CompetencyRow, lambda e: (e[0], e[1].casefold())),
    "finalwork": (finalwork_row(), FinalWorkRow, lambda e: e[0]),
}


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_round_trip(kind: str, data: st.DataObject) -> None:
    strategy, row_class, key = ROUND_TRIP[kind]
    unique_by = (lambda pair: key(pair[1])) if key else None
    rows = data.draw(st.lists(strategy, min_size=1, max_size=12, unique_by=unique_by), label="rows")
    header = data.draw(st.permutations(COLUMNS[kind]), label="header")
    sep = data.draw(st.sampled_from([",", ";"]), label="sep")
    bom = data.draw(st.booleans(), label="bom")
    shout = data.draw(st.booleans(), label="upper-case header")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=sep, lineterminator=data.draw(st.sampled_from(["\r\n", "\n"])))
    writer.writerow([name.upper() if shout else name for name in header])
    for cells, _ in rows:
        writer.writerow([cells[name] for name in header])
    result = parse(kind, buffer.getvalue().encode("utf-8-sig" if bom else "utf-8"))
    assert result.errors == ()
    assert result.rows == tuple(row_class(number, *expected) for number, (_, expected) in enumerate(rows, start=2))
