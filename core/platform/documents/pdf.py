"""PDF documents (the verbale, sponsor reports) with a Unicode font that travels with matplotlib's wheel.

fpdf2's built-in fonts stop at Latin-1 (no euro sign, no curly quotes); DejaVu Sans is bundled with
matplotlib, so every machine that installs Giuria has it without a system package.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FAMILY = "DejaVu"


class PdfDocument:
    """A simple A4 document: title, headings, paragraphs, tables, images; footer with page numbers."""

    def __init__(self, *, title: str, subtitle: str = "", footer: str = "", language: str = "it") -> None:
        self._footer_text = footer
        pdf = _Pdf(footer=footer)
        pdf.add_font(FAMILY, "", str(FONT_DIR / "DejaVuSans.ttf"))
        pdf.add_font(FAMILY, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        pdf.add_font(FAMILY, "I", str(FONT_DIR / "DejaVuSans-Oblique.ttf"))
        pdf.set_title(title)
        pdf.set_lang(language)
        pdf.set_creator("Giuria")
        pdf.set_auto_page_break(auto=True, margin=18)
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
        self._pdf.ln(2)
        self._pdf.set_font(FAMILY, "B", 12)
        self._pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        self._pdf.ln(1)

    def paragraph(self, text: str, *, size: int = 10, italic: bool = False) -> None:
        self._pdf.set_font(FAMILY, "I" if italic else "", size)
        self._pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        self._pdf.ln(1)

    def table(self, *, columns: Sequence[str], rows: Sequence[Sequence[Any]],
              widths: Sequence[float] | None = None, size: int = 8) -> None:
        """A table that repeats its header on each page; values are printed as text."""
        self._pdf.set_font(FAMILY, "", size)
        with self._pdf.table(col_widths=tuple(widths) if widths else None, text_align="LEFT",
                             headings_style=FontFace(emphasis="BOLD", fill_color=(230, 236, 242)),
                             line_height=self._pdf.font_size * 1.6, repeat_headings=1) as table:
            header = table.row()
            for column in columns:
                header.cell(str(column))
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell("" if value is None else str(value))
        self._pdf.ln(2)

    def image(self, png: bytes, *, width: float = 170) -> None:
        self._pdf.image(io.BytesIO(png), w=width)
        self._pdf.ln(2)

    def output(self) -> bytes:
        return bytes(self._pdf.output())


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
