"""The city and province reports as PDF (``report city|province --format pdf``): an A4 landscape page (or more)
with the heading, the table the command line prints (one row per outlet or city, then the total) and the lines
under it (each outlet's day and chain, the legend, how far behind the standby was)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from outlet_desk.i18n import _
from outlet_desk.services.atomic_file import write_atomically
from outlet_desk.services.report_export import font_path

_FIRST = 46.0
"""The first column's width in mm (the outlet's or the city's code and name); the figures share the rest."""


def render_table_pdf(title: str, made_at: datetime, headings: list[str], rows: list[list[str]], lines: list[str],
                     path: Path) -> None:
    """Write the report to ``path`` atomically (raises FileNotFoundError naming the missing Chinese font)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L", format="A4")
    pdf.add_page()
    pdf.add_font("wqy", fname=font_path(), collection_font_number=0)
    pdf.set_font("wqy", size=14)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("wqy", size=9)
    pdf.cell(0, 5, _("Made at {when}").format(when=f"{made_at:%Y-%m-%d %H:%M}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    rest = (pdf.w - pdf.l_margin - pdf.r_margin - _FIRST) / max(1, len(headings) - 1)
    widths = [_FIRST, *([rest] * (len(headings) - 1))]
    pdf.set_font("wqy", size=8)
    for width, text in zip(widths, headings, strict=True):
        pdf.cell(width, 6, text, border="B")
    pdf.ln(6)
    for row in rows:
        for width, text in zip(widths, row, strict=True):
            pdf.cell(width, 5, text)
        pdf.ln(5)
    pdf.ln(3)
    pdf.set_font("wqy", size=9)
    for line in lines:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    write_atomically(path, bytes(pdf.output()))
