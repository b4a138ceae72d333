"""Rows as CSV and as XLSX workbooks (one sheet per table), for exports and sponsor reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
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


@dataclass(frozen=True)
class SheetChart:
    """A chart the spreadsheet program draws from a block of cells: a column of categories, one column per series.

    `kind` is "bar" (columns), "barh" (horizontal bars) or "line". A None value is a hidden cell: left blank, so
    that no program draws it as a number, and explained by `note` under the block.
    """

    kind: str
    title: str
    categories: Sequence[str]
    series: Mapping[str, Sequence[float | None]]
    value_label: str = ""
    note: str = ""


# Rows a chart's block takes at least, so that the chart drawn beside it does not cover the next one.
CHART_ROWS = 18


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


def _csv_value(value: Any) -> Any:
    """A cell as CSV writes it; numbers, most of a table of scores, go as they are without the checks text needs."""
    kind = type(value)
    if kind is float or kind is int:
        return value
    if kind is str:
        return csv_field(value)
    return "" if value is None else csv_field(_cell(value))


class CsvWriter:
    """A CSV written row batch by row batch into a binary file: UTF-8 with a byte-order mark, so that spreadsheet
    programs read accented letters right."""

    def __init__(self, file: BinaryIO, columns: Sequence[str]) -> None:
        self._text = io.TextIOWrapper(file, encoding="utf-8", newline="", write_through=True)
        self._text.write("\ufeff")
        self._writer = csv.writer(self._text)
        self._writer.writerow([csv_field(c) for c in columns])

    def write(self, rows: Iterable[Sequence[Any]]) -> None:
        self._writer.writerows([_csv_value(v) for v in row] for row in rows)

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
        self._rows = 0  # rows of the current sheet under its header
        self._columns = 0

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
        self._rows, self._columns = len(rows), len(columns)

    def write(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self._sheet.append([_xlsx_text(_cell(v)) for v in row])
            self._rows += 1

    def chart_of_sheet(self, *, title: str, categories: int, values: Sequence[int], value_label: str = "") -> None:
        from openpyxl.chart import BarChart, Reference
        from openpyxl.utils import get_column_letter

        """Horizontal bars beside the current sheet's table, drawn from its rows: `categories` and `values` are
        1-based column numbers (e.g. entity and score of a ranking), first row on top."""
        if not self._rows:
            return
        drawn = BarChart()
        drawn.type = "bar"
        drawn.title = title
        drawn.x_axis.scaling.orientation = "maxMin"
        drawn.x_axis.delete = False
        drawn.y_axis.delete = False
        drawn.y_axis.title = value_label or None
        drawn.display_blanks = "gap"
        drawn.legend = None if len(values) == 1 else drawn.legend
        for column in values:
            drawn.add_data(Reference(self._sheet, min_col=column, min_row=1, max_row=self._rows + 1),
                           titles_from_data=True)
        drawn.set_categories(Reference(self._sheet, min_col=categories, min_row=2, max_row=self._rows + 1))
        drawn.width, drawn.height = 18, max(7.5, 0.45 * self._rows + 2)
        self._sheet.add_chart(drawn, f"{get_column_letter(self._columns + 2)}2")

    def charts(self, title: str, charts: Sequence[SheetChart]) -> None:
        """A sheet of charts, each drawn from its block of cells written beside it."""
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.chart import BarChart, LineChart, Reference
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        sheet = self._workbook.create_sheet(title=_sheet_title(title, self._workbook.sheetnames))
        sheet.column_dimensions["A"].width = max([len(str(c)) for chart in charts for c in chart.categories] + [12]
                                                 ) + 2
        row = 1
        for chart in charts:
            heading = WriteOnlyCell(sheet, value=_xlsx_text(chart.title))
            heading.font = Font(bold=True)
            sheet.append([heading])
            names = list(chart.series)
            sheet.append(["", *(_xlsx_text(n) for n in names)])
            first = row + 1
            for i, category in enumerate(chart.categories):
                sheet.append([_xlsx_text(category), *(chart.series[n][i] for n in names)])
            last = first + len(chart.categories)
            used = 2 + len(chart.categories)
            if chart.note:
                sheet.append([_xlsx_text(chart.note)])
                used += 1
            drawn = LineChart() if chart.kind == "line" else BarChart()
            if chart.kind == "barh":
                drawn.type = "bar"
                drawn.y_axis.scaling.orientation = "minMax"
                drawn.x_axis.scaling.orientation = "maxMin"  # the first category on top, as in the table
            drawn.title = chart.title
            drawn.y_axis.title = chart.value_label or None
            drawn.x_axis.delete = False  # Excel hides axes openpyxl does not mark as kept
            drawn.y_axis.delete = False
            drawn.display_blanks = "gap"
            drawn.add_data(Reference(sheet, min_col=2, max_col=1 + len(names), min_row=first, max_row=last),
                           titles_from_data=True)
            drawn.set_categories(Reference(sheet, min_col=1, min_row=first + 1, max_row=last))
            drawn.width, drawn.height = 18, max(7.5, 0.6 * len(chart.categories) + 3)
            sheet.add_chart(drawn, f"{get_column_letter(len(names) + 3)}{row}")
            rows = max(used, CHART_ROWS, int(drawn.height * 2) + 2)
            for _blank in range(rows - used):
                sheet.append([])
            row += rows

    def save(self, file: BinaryIO) -> None:
        self._workbook.save(file)


def to_csv(sheet: Sheet) -> bytes:
    """The sheet as CSV (see CsvWriter)."""
    buffer = io.BytesIO()
    writer = CsvWriter(buffer, sheet.columns)
    writer.write(sheet.rows)
    writer.close()
    return buffer.getvalue()


def to_xlsx(sheets: Sequence[Sheet], *, charts: Sequence[SheetChart] = (), charts_title: str = "Charts") -> bytes:
    """A workbook with a bold, frozen header row and columns sized to their content; `charts` go on a last sheet
    of their own."""
    writer = XlsxWriter()
    for sheet in sheets:
        writer.sheet(sheet.title, sheet.columns, sheet.rows)
    if charts:
        writer.charts(charts_title, charts)
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
