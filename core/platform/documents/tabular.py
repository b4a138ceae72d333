"""Rows as CSV and as XLSX workbooks (one sheet per table), for exports and sponsor reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO

from core.platform.documents.csv_cells import FORMULA_STARTS, csv_field


@dataclass(frozen=True)
class Sheet:
    """One table: a title (the XLSX sheet name), column headers and rows of plain values."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]] = field(default_factory=list)


def _xlsx_text(value: Any) -> Any:
    """Applicants write these cells: a leading '=' must not become a formula in someone's workbook."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # XLSX has no time zones; callers pass local times
    if isinstance(value, (list, tuple, set)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return value


class CsvWriter:
    """A CSV written row batch by row batch into a binary file: UTF-8 with a byte-order mark, so that spreadsheet
    programs read accented letters right."""

    def __init__(self, file: BinaryIO, columns: Sequence[str]) -> None:
        self._text = io.TextIOWrapper(file, encoding="utf-8", newline="", write_through=True)
        self._text.write("\ufeff")
        self._writer = csv.writer(self._text)
        self._writer.writerow([csv_field(c) for c in columns])

    def write(self, rows: Iterable[Sequence[Any]]) -> None:
        self._writer.writerows(["" if v is None else csv_field(_cell(v)) for v in row] for row in rows)

    def close(self) -> None:
        self._text.flush()
        self._text.detach()  # the file stays open: it is the caller's


class XlsxWriter:
    """A workbook written sheet by sheet and row batch by row batch (openpyxl's write-only mode keeps no rows):
    a bold, frozen header row and columns sized to the content of the rows given with the header."""

    def __init__(self) -> None:
        from openpyxl import Workbook  # here, not at start-up: a web worker rarely writes a workbook

        self._workbook = Workbook(write_only=True)
        self._sheet = None

    def sheet(self, title: str, columns: Sequence[str], first_rows: Sequence[Sequence[Any]]) -> None:
        """Start a sheet; its columns are sized to the header and `first_rows`, which are written at once."""
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        self._sheet = self._workbook.create_sheet(title=_sheet_title(title, self._workbook.sheetnames))
        self._sheet.freeze_panes = "A2"
        rows = [[_xlsx_text(_cell(v)) for v in row] for row in first_rows]
        widths = [len(str(c)) for c in columns]
        for values in rows:
            for i, value in enumerate(values[: len(widths)]):
                widths[i] = max(widths[i], min(60, len(_display(value))))
        for i, width in enumerate(widths, start=1):
            self._sheet.column_dimensions[get_column_letter(i)].width = width + 2
        header = [WriteOnlyCell(self._sheet, value=_xlsx_text(c)) for c in columns]
        for cell in header:
            cell.font = Font(bold=True)
        self._sheet.append(header)
        for values in rows:
            self._sheet.append(values)

    def write(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self._sheet.append([_xlsx_text(_cell(v)) for v in row])

    def save(self, file: BinaryIO) -> None:
        self._workbook.save(file)


def to_csv(sheet: Sheet) -> bytes:
    """The sheet as CSV (see CsvWriter)."""
    buffer = io.BytesIO()
    writer = CsvWriter(buffer, sheet.columns)
    writer.write(sheet.rows)
    writer.close()
    return buffer.getvalue()


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with a bold, frozen header row and columns sized to their content."""
    writer = XlsxWriter()
    for sheet in sheets:
        writer.sheet(sheet.title, sheet.columns, sheet.rows)
    buffer = io.BytesIO()
    writer.save(buffer)
    return buffer.getvalue()


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _sheet_title(title: str, taken: list[str]) -> str:
    """Excel allows 31 characters and no []:*?/\\ in a sheet name, and no two alike."""
    clean = "".join("-" if c in "[]:*?/\\" else c for c in title).strip()[:31] or "Sheet"
    candidate, n = clean, 2
    while candidate in taken:
        suffix = f" ({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    return candidate
