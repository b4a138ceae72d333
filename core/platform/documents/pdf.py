"""PDF documents (the verbale, sponsor reports) with a Unicode font that travels with matplotlib's wheel.

fpdf2's built-in fonts stop at Latin-1 (no euro sign, no curly quotes); DejaVu Sans is bundled with
matplotlib, so every machine that installs Giuria has it without a system package. Charts are laid in as
vector pages (pypdf merges them into the space fpdf2 kept for them), so that their labels are text.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace
from PIL import Image

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FAMILY = "DejaVu"
MM_PER_POINT = 25.4 / 72
BOTTOM_MARGIN = 18  # mm kept free above the page's bottom edge for the footer
CELL_PADDING = 2.2  # mm a table cell needs beside its text
# A cell's longest text wider than this is wrapped rather than widening its column.
MAX_DESIRED_WIDTH = 70


@dataclass(frozen=True)
class _PlacedChart:
    page: int  # 0-based
    x: float
    y: float
    width: float
    height: float
    pdf: bytes


class PdfDocument:
    """A simple A4 document: title, headings, paragraphs, tables, charts and images; footer with page numbers."""

    def __init__(self, *, title: str, subtitle: str = "", footer: str = "", language: str = "it") -> None:
        self._footer_text = footer
        self._charts: list[_PlacedChart] = []
        pdf = _Pdf(footer=footer)
        pdf.add_font(FAMILY, "", str(FONT_DIR / "DejaVuSans.ttf"))
        pdf.add_font(FAMILY, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        pdf.add_font(FAMILY, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
        pdf.set_title(title)
        pdf.set_lang(language)
        pdf.set_creator("Giuria")
        pdf.set_auto_page_break(auto=True, margin=BOTTOM_MARGIN)
        pdf.add_page()
        pdf.set_font(FAMILY, "B", 16)
        pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        if subtitle:
            pdf.set_font(FAMILY, "", 10)
            pdf.set_text_color(90, 90, 90)
            pdf.multi_cell(0, 5, subtitle, new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(0, 0, 0)
        pdf.ln(3)
        self._pdf = pdf

    def heading(self, text: str) -> None:
        # A heading is not left alone at the foot of a page.
        if self._pdf.get_y() + 20 > self._pdf.page_break_trigger:
            self._pdf.add_page()
        self._pdf.ln(2)
        self._pdf.set_font(FAMILY, "B", 12)
        self._pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        self._pdf.ln(1)

    def paragraph(self, text: str, *, size: int = 10, italic: bool = False, unbroken: bool = False) -> None:
        """A paragraph; `unbroken` moves it whole to the next page rather than split it (a signature, a hash)."""
        self._pdf.set_font(FAMILY, "I" if italic else "", size)
        if unbroken:
            with self._pdf.unbreakable() as pdf:
                pdf.multi_cell(0, 5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        else:
            self._pdf.multi_cell(0, 5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self._pdf.ln(1)

    def table(self, *, columns: Sequence[str], rows: Sequence[Sequence[Any]],
              widths: Sequence[float] | None = None, size: int = 8) -> None:
        """A table that repeats its header on each page; values are printed as text. Without `widths`, columns
        are sized so that no header word and no short value is broken in the middle."""
        texts = [["" if value is None else str(value) for value in values] for values in rows]
        self._pdf.set_font(FAMILY, "", size)
        if widths is None:
            widths = self._column_widths([str(c) for c in columns], texts, size)
        with self._pdf.table(col_widths=tuple(widths), width=min(sum(widths), self._pdf.epw), align="LEFT",
                             text_align="LEFT",
                             headings_style=FontFace(emphasis="BOLD", fill_color=(230, 236, 242)),
                             line_height=self._pdf.font_size * 1.6, repeat_headings=1) as table:
            header = table.row()
            for column in columns:
                header.cell(str(column))
            for values in texts:
                row = table.row()
                for value in values:
                    row.cell(value)
        self._pdf.ln(2)

    def _column_widths(self, columns: list[str], rows: list[list[str]], size: int) -> list[float]:
        """Each column at least as wide as its longest word (header in bold), the rest of the line shared in
        proportion to what each column would need to hold its texts on one line."""
        pdf = self._pdf
        available = pdf.epw

        def width(text: str, style: str) -> float:
            pdf.set_font(FAMILY, style, size)
            return pdf.get_string_width(text) + CELL_PADDING

        least, wanted = [], []
        for i, column in enumerate(columns):
            cells = [r[i] for r in rows if i < len(r)]
            words = [w for w in column.split()] or [""]
            cell_words = {w for text in cells for w in text.split()}
            least.append(max([width(w, "B") for w in words] + [min(width(w, ""), 30) for w in cell_words]))
            wanted.append(max([width(column, "B")] + [min(width(text, ""), MAX_DESIRED_WIDTH) for text in cells]))
        pdf.set_font(FAMILY, "", size)
        total_least = sum(least)
        if total_least >= available:
            return [w * available / total_least for w in least]
        wanted = [max(w, lo) for w, lo in zip(wanted, least, strict=True)]
        if sum(wanted) <= available:
            spare = available - sum(wanted)
            return [w + spare * w / sum(wanted) for w in wanted]
        # Share the room left fairly: columns that need little get all they need, the widest wrap.
        widths, room = list(least), available - total_least
        hungry = sorted(range(len(columns)), key=lambda i: wanted[i] - least[i])
        while hungry:
            share = room / len(hungry)
            i = hungry.pop(0)
            given = min(wanted[i] - least[i], share)
            widths[i] += given
            room -= given
        return widths

    def _room(self, height: float, width: float) -> tuple[float, float]:
        """Width and height that fit one page, on a new page if the rest of this one is too short."""
        pdf = self._pdf
        page_room = pdf.h - pdf.t_margin - BOTTOM_MARGIN
        if height > page_room:
            width, height = width * page_room / height, page_room
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
        return width, height

    def chart(self, chart: Any, *, width: float = 170) -> None:
        """A chart (charts.Chart) as a vector drawing, scaled down to fit a page, never over the footer."""
        from pypdf import PdfReader

        drawing = chart.pdf()
        box = PdfReader(io.BytesIO(drawing)).pages[0].mediabox
        height = width * float(box.height) / float(box.width)
        width, height = self._room(height, width)
        pdf = self._pdf
        x = pdf.l_margin + (pdf.epw - width) / 2
        self._charts.append(_PlacedChart(page=pdf.page_no() - 1, x=x, y=pdf.get_y(), width=width, height=height,
                                         pdf=drawing))
        pdf.set_y(pdf.get_y() + height)
        pdf.ln(3)

    def image(self, png: bytes, *, width: float = 170) -> None:
        """A picture, scaled down to fit a page, never over the footer."""
        with Image.open(io.BytesIO(png)) as picture:
            height = width * picture.height / picture.width
        width, height = self._room(height, width)
        self._pdf.image(io.BytesIO(png), w=width, h=height, x=self._pdf.l_margin + (self._pdf.epw - width) / 2)
        self._pdf.ln(2)

    def output(self) -> bytes:
        data = bytes(self._pdf.output())
        if not self._charts:
            return data
        from pypdf import PdfReader, PdfWriter, Transformation

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        page_height = self._pdf.h
        for placed in self._charts:
            drawing = PdfReader(io.BytesIO(placed.pdf)).pages[0]
            box = drawing.mediabox
            scale = placed.width / (float(box.width) * MM_PER_POINT)
            # Under the page's own text, so that a text extractor reads the chart's labels first, not in the
            # middle of the page's last sentence.
            writer.pages[placed.page].merge_transformed_page(drawing, over=False, ctm=Transformation().translate(
                -float(box.left), -float(box.bottom)).scale(scale).translate(
                placed.x / MM_PER_POINT, (page_height - placed.y - placed.height) / MM_PER_POINT))
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()


class _Pdf(FPDF):
    def __init__(self, *, footer: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._footer_text = footer

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 7)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"{self._footer_text}   {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)
