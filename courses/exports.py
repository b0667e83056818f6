"""A report (``courses.reports.Report``) written as CSV, XLSX or PDF.

* CSV: UTF-8 with a BOM and the delimiter chosen (``;`` for French Excel, whose decimal separator is then the
  comma; ``,`` otherwise); one part per file; dates in ISO form.
* XLSX (openpyxl, write-only mode, so whole-platform exports stream in bounded memory): one sheet per part,
  typed numbers (hours as decimal hours, percentages as numbers) and dates, a bold frozen header row, column
  widths, an autofilter.
* In both, every text cell (headers too) goes through ``core.spreadsheet``: text that a spreadsheet would take
  for a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) is prefixed with an apostrophe and stays text.
* PDF: ``core.pdf.render_template_pdf`` (the only WeasyPrint importer) with the charts as SVG.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from pathlib import Path
from typing import IO, Any

from flask import current_app
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _

from badges import keys
from core.pdf import render_template_pdf
from core.spreadsheet import safe_text, xlsx_cell
from courses import rules
from courses.presenters import hm, percent
from courses.reports import Column, Part, Report

FORMATS = ("csv", "xlsx", "pdf")
DELIMITERS = {"semicolon": ";", "comma": ","}
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
CENT = Decimal("0.01")


def hours(minutes: int) -> Decimal:
    """Minutes as decimal hours, two decimals (90 → 1.50)."""
    return (Decimal(int(minutes)) / 60).quantize(CENT)


def percent_number(value: Fraction | int) -> Decimal:
    """A percentage as the page shows it (``rules.shown_percent``: floored, never rounded up)."""
    return rules.shown_percent(value)


def typed(column: Column, value: Any) -> Any:
    """The value as a spreadsheet should hold it: numbers as numbers, dates as dates, None as empty."""
    if value is None:
        return None
    if column.kind == "hours" and isinstance(value, int):
        return hours(value)
    if column.kind == "percent" and isinstance(value, Fraction | int) and not isinstance(value, bool):
        return percent_number(value)
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | Decimal | date | datetime):
        return value
    return str(value)


def _csv_text(value: Any, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value.quantize(CENT, rounding=ROUND_FLOOR) if value.as_tuple().exponent < -2 else value, "f")
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return safe_text(str(value))


def write_csv(part: Part, out: IO[str], delimiter: str = ";") -> int:
    """Write one part as CSV (with a BOM); returns the number of data rows."""
    if delimiter not in DELIMITERS.values():
        raise ValueError("delimiter must be ';' or ','")
    decimal_comma = delimiter == ";"
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([safe_text(str(c.label)) for c in part.columns])
    count = 0
    for row in part.rows:
        writer.writerow([_csv_text(typed(c, v), decimal_comma) for c, v in zip(part.columns, row, strict=True)])
        count += 1
    return count


def csv_bytes(part: Part, delimiter: str = ";") -> bytes:
    out = io.StringIO()
    write_csv(part, out, delimiter)
    return out.getvalue().encode("utf-8")


def _sheet_title(title: str, used: set[str]) -> str:
    clean = "".join(" " if c in "[]:*?/\\" else c for c in title).strip()[:31] or "Sheet"
    name, n = clean, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


NUMBER_FORMATS = {"hours": "0.00", "percent": "0.00", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}


def write_xlsx(report: Report, target: str | Path | IO[bytes]) -> int:
    """Write every part of ``report`` as a sheet of an XLSX workbook; returns the number of data rows."""
    # why: openpyxl takes 0.15 s to import: only XLSX exports need it
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    used: set[str] = set()
    count = 0
    for part in report.parts:
        sheet = workbook.create_sheet(_sheet_title(str(part.title), used))
        sheet.freeze_panes = "A2"
        for index, column in enumerate(part.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(column.width, 6)
        header = []
        for column in part.columns:
            cell = xlsx_cell(sheet, str(column.label))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        formats = [NUMBER_FORMATS.get(c.kind) for c in part.columns]
        rows = 0
        for row in part.rows:
            out = []
            for column, value, number_format in zip(part.columns, row, formats, strict=True):
                value = typed(column, value)
                if isinstance(value, datetime):
                    value = value.replace(tzinfo=None)  # Excel has no time zones: UTC, as labelled
                out.append(xlsx_cell(sheet, value, None if isinstance(value, str) else number_format))
            sheet.append(out)
            rows += 1
        if part.columns:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(part.columns))}{rows + 1}"
        count += rows
    if not report.parts:
        workbook.create_sheet("Report")
    workbook.save(target)
    return count


def xlsx_bytes(report: Report) -> bytes:
    out = io.BytesIO()
    write_xlsx(report, out)
    return out.getvalue()


def display(column: Column, value: Any) -> str:
    """A value as people read it on the page and in the PDF."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if column.kind == "hours":
        return hm(value)
    if column.kind == "percent":
        return percent(Fraction(value))
    if isinstance(value, datetime):
        return format_datetime(value, "short")
    if isinstance(value, date):
        return format_date(value, "short")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


#: A text column at least this wide (in characters) is printed on its own line under its row, across the table.
LONG_TEXT = 40


def pdf_columns(part: Part) -> tuple[list[int], list[int]]:
    """How a table fits an A4 landscape page in ONE piece (a table cut in halves makes people match rows across
    pages): the short columns side by side, the long texts (a situation, reasons) each on a full-width line
    under the row. Returns (short column indexes, long column indexes)."""
    long = [i for i, c in enumerate(part.columns) if c.kind == "text" and c.width >= LONG_TEXT]
    return [i for i in range(len(part.columns)) if i not in long], long


def training_body() -> str:
    """Who gives the training, as documents name it: the badge issuer's name (the platform's issuer profile),
    else the configured one, else the platform's name."""
    issuer = keys.get_issuer()
    return issuer.name if issuer else (current_app.config.get("BADGES_ISSUER_NAME") or "Tremplin")


def pdf_bytes(report: Report) -> bytes:
    parts = [(part, list(part.rows)) for part in report.parts]
    return render_template_pdf(
        "courses/pdf/report.html",
        title=f"{report.title} — {report.scope}",
        report=report,
        parts=parts,
        display=display,
        pdf_columns=pdf_columns,
        training_body=training_body(),
    )


def render(report: Report, fmt: str, *, part: str | None = None, delimiter: str = ";") -> bytes:
    if fmt == "csv":
        return csv_bytes(report.part(part), delimiter)
    if fmt == "xlsx":
        return xlsx_bytes(report)
    if fmt == "pdf":
        return pdf_bytes(report)
    raise ValueError(f"unknown format {fmt!r}")


def filename(report: Report, fmt: str, part: str | None = None) -> str:
    suffix = f"-{part}" if fmt == "csv" and part and part != report.parts[0].key else ""
    return f"{report.filename_stem}{suffix}.{fmt}"


def write_file(report: Report, fmt: str, path: Path, *, delimiter: str = ";", part: str | None = None) -> int:
    """Write the report to ``path`` (streaming CSV and XLSX); returns the number of rows (PDF: 0)."""
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            return write_csv(report.part(part), out, delimiter)
    if fmt == "xlsx":
        return write_xlsx(report, path)
    if fmt == "pdf":
        path.write_bytes(pdf_bytes(report))
        return 0
    raise ValueError(f"unknown format {fmt!r}")
