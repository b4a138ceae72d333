"""Exports read back as what was written: CSV and XLSX cells, PDF text, chart markup."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from openpyxl import load_workbook
from pypdf import PdfReader

from core.platform.documents.charts import (
    INTERVAL_ROWS_PER_PAGE,
    bar_chart,
    funnel_chart,
    interval_chart,
    interval_charts,
    line_chart,
)
from core.platform.documents.pdf import PdfDocument
from core.platform.documents.tabular import Sheet, SheetChart, to_csv, to_xlsx
from core.platform.i18n import format_decimal, format_percent, language

SHEET = Sheet(title="Ranking: track/1", columns=["entry", "score", "note"],
              rows=[[1, 7.25, "=HYPERLINK(\"x\")"], [2, None, "Caffè sociale €"]])


def test_csv_keeps_accents_and_defuses_formulas():
    data = to_csv(SHEET)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["entry", "score", "note"]
    assert rows[1] == ["1", "7.25", "'=HYPERLINK(\"x\")"]
    assert rows[2] == ["2", "", "Caffè sociale €"]



def test_csv_cells_of_every_kind_read_back_as_written_and_text_never_as_a_formula():
    when = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    data = to_csv(Sheet(title="cells", columns=["=cols", "b"], rows=[
        [3, 2.5, True, None, when, ["a", "b"], {"k": 1}],
        ["plain", "a; =1", " +x", "line\n-1", "@me", "", "x=1"]]))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["'=cols", "b"], ["3", "2.5", "True", "", "2026-03-01 09:30:00", "a; b", "k: 1"],
                    ["plain", "a; '=1", " '+x", "line\n'-1", "'@me", "", "x=1"]]

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


def test_a_hidden_count_is_drawn_as_a_dash_never_as_a_number():
    funnel = funnel_chart(title="Imbuto", stages=["Candidature", "Ammesse", "Vincitrici"], counts=[30, 27, None],
                          hidden_note="— nascosto")
    document = PdfDocument(title="Report", footer="Giuria")
    document.chart(funnel)
    document.chart(bar_chart(title="Per area", categories=["Nord", "Sud"], series={"Finaliste": [6, None]}))
    text = PdfReader(io.BytesIO(document.output())).pages[0].extract_text()
    lines = text.splitlines()
    assert "Vincitrici" in lines and "—" in lines and "— nascosto" in lines
    assert "Imbuto" in lines and "Per area" in lines
    bars = funnel.figure.axes[0].patches
    assert [round(b.get_width()) for b in bars] == [30, 27]  # no bar for the hidden stage, not even of 0


def test_a_long_interval_chart_comes_in_pages_on_one_axis_with_the_cut_where_it_falls():
    n = 95
    pages = interval_charts(title="Classifica", labels=[f"{i + 1}. Ente {i + 1}" for i in range(n)],
                            scores=[5 - i / 30 for i in range(n)], lows=[4.5 - i / 30 for i in range(n)],
                            highs=[5.5 - i / 30 for i in range(n)], cut_after=40, value_label="Punteggio")
    assert [c.title for c in pages] == [f"Classifica ({k}/4)" for k in range(1, 5)]
    sizes = [len(c.figure.axes[0].get_yticklabels()) for c in pages]
    assert sum(sizes) == n and max(sizes) - min(sizes) <= 1 and max(sizes) <= INTERVAL_ROWS_PER_PAGE
    assert len({c.figure.axes[0].get_xlim() for c in pages}) == 1
    cuts = [len(c.figure.axes[0].lines) - 1 for c in pages]  # the errorbar's line, plus the cut's
    assert [c.figure.axes[0].get_xlabel() for c in pages] == ["Punteggio"] * 4
    assert cuts.count(max(cuts)) == 1 and cuts.index(max(cuts)) == 1  # entry 40 closes the second page


def test_a_chart_taller_than_a_page_is_scaled_to_fit_above_the_footer():
    tall = interval_chart(title="Lunga", labels=[f"Ente {i}" for i in range(90)], scores=[3.0] * 90,
                          lows=[2.5] * 90, highs=[3.5] * 90)
    document = PdfDocument(title="Verbale", footer="Giuria")
    document.paragraph("Testo prima del grafico. " * 30)
    document.chart(tall)
    reader = PdfReader(io.BytesIO(document.output()))
    assert len(reader.pages) == 2
    heights = []
    reader.pages[1].extract_text(visitor_text=lambda text, cm, tm, _f, _s: text.strip() and heights.append(
        (text.strip(), tm[4] * cm[1] + tm[5] * cm[3] + cm[5])))
    labels = [h for t, h in heights if t.startswith("Ente ")]
    assert len(labels) == 90 and min(labels) > 18 * 72 / 25.4  # above the bottom margin, where the footer is


def test_numbers_in_the_readers_language():
    with language("it"):
        assert (format_decimal(4.666), format_decimal(12345.5, 1), format_percent(0.257, 1)) == (
            "4,67", "12.345,5", "25,7%")
    with language("en"):
        assert (format_decimal(4.666), format_decimal(12345.5, 1), format_percent(0.257, 1)) == (
            "4.67", "12,345.5", "25.7%")


def test_a_workbook_carries_its_charts_and_leaves_hidden_cells_blank_in_their_data():
    data = to_xlsx([SHEET], charts=[SheetChart(kind="barh", title="Imbuto", categories=["Candidature", "Vincitrici"],
                                               series={"Imbuto": [30, None]}, note="Celle vuote: nascoste (—)")],
                   charts_title="Grafici")
    book = load_workbook(io.BytesIO(data))
    charts = book["Grafici"]
    assert len(charts._charts) == 1 and charts._charts[0].type == "bar"
    rows = list(charts.iter_rows(values_only=True))
    assert ("Vincitrici", None) == rows[3][:2] and rows[4][0] == "Celle vuote: nascoste (—)"
