"""Rows as CSV and as XLSX workbooks (one sheet per table), for exports and sponsor reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

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


def to_csv(sheet: Sheet) -> bytes:
    """UTF-8 with a byte-order mark, so that spreadsheet programs read accented letters right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_field(c) for c in sheet.columns])
    for row in sheet.rows:
        writer.writerow(["" if v is None else csv_field(_cell(v)) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with a bold, frozen header row and columns sized to their content."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=_sheet_title(sheet.title, workbook.sheetnames))
        worksheet.append([_xlsx_text(c) for c in sheet.columns])
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        worksheet.freeze_panes = "A2"
        widths = [len(str(c)) for c in sheet.columns]
        for row in sheet.rows:
            values = [_xlsx_text(_cell(v)) for v in row]
            worksheet.append(values)
            for i, value in enumerate(values[: len(widths)]):
                widths[i] = max(widths[i], min(60, len(_display(value))))
        for i, width in enumerate(widths, start=1):
            worksheet.column_dimensions[get_column_letter(i)].width = width + 2
    buffer = io.BytesIO()
    workbook.save(buffer)
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
