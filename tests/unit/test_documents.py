"""Exports read back as what was written: CSV and XLSX cells, PDF text, chart markup."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from pypdf import PdfReader

from core.platform.documents.charts import bar_chart, funnel_chart, interval_chart, line_chart
from core.platform.documents.pdf import PdfDocument
from core.platform.documents.tabular import Sheet, to_csv, to_xlsx

SHEET = Sheet(title="Ranking: track/1", columns=["entry", "score", "note"],
              rows=[[1, 7.25, "=HYPERLINK(\"x\")"], [2, None, "Caffè sociale €"]])


def test_csv_keeps_accents_and_defuses_formulas():
    data = to_csv(SHEET)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["entry", "score", "note"]
    assert rows[1] == ["1", "7.25", "'=HYPERLINK(\"x\")"]
    assert rows[2] == ["2", "", "Caffè sociale €"]


def test_xlsx_sheets_read_back_with_safe_titles():
    other = Sheet(title="Ranking: track/1", columns=["when"], rows=[[datetime(2026, 5, 1, 12, tzinfo=UTC)]])
    book = load_workbook(io.BytesIO(to_xlsx([SHEET, other])))
    assert book.sheetnames == ["Ranking- track-1", "Ranking- track-1 (2)"]
    first = book["Ranking- track-1"]
    assert [c.value for c in first[1]] == ["entry", "score", "note"]
    assert [c.value for c in first[3]] == [2, None, "Caffè sociale €"]
    assert first["C2"].value.startswith("'=")
    assert book["Ranking- track-1 (2)"]["A2"].value == datetime(2026, 5, 1, 12)


def test_pdf_carries_unicode_text_and_images():
    document = PdfDocument(title="Verbale della giuria — 2026", subtitle="Welfare, che impresa!", footer="Giuria")
    document.heading("Graduatoria")
    document.paragraph("Premio da 20.000 € all'impresa più votata.")
    document.table(columns=["#", "Progetto"], rows=[[1, "Orti sociali"], [2, "Caffè inclusivo"]])
    document.image(bar_chart(title="Candidature", categories=["A", "B"], series={"n": [3, 5]}).png(dpi=60))
    data = document.output()
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "Verbale della giuria — 2026" in text
    assert "20.000 € all'impresa più votata" in text
    assert "Caffè inclusivo" in text


def test_charts_render_svg_and_png():
    charts = [
        bar_chart(title="Per settore", categories=["Agricoltura", "Cultura"], series={"2026": [4, 6]}),
        funnel_chart(title="Imbuto", stages=["Candidature", "Ammesse", "Finaliste"], counts=[150, 120, 20]),
        interval_chart(title="Classifica", labels=["A", "B", "C"], scores=[8, 7, 6], lows=[7, 6, 5],
                       highs=[9, 8, 7], cut_after=2),
        line_chart(title="KPI", x_labels=["2026", "2027"], series={"Occupati": [2, 5]}, targets={"Occupati": 6}),
    ]
    for chart in charts:
        svg = chart.svg()
        assert svg.startswith("<svg") and chart.title in svg
        assert chart.png(dpi=40).startswith(b"\x89PNG")
