"""A statement as PDF, in the page's language, Chinese drawn with an embedded Noto Sans CJK subset.

fpdf2 writes it: it embeds OpenType fonts with CFF outlines (Noto Sans CJK, Debian's
``fonts-noto-cjk``) as a subset, so the file is small (tens of kB) and shows the same on any
reader, with no font of the reader's. ReportLab cannot embed CFF outlines, and WeasyPrint
would bring Pango and a second layout engine for one table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, TableBordersLayout
from fpdf.fonts import FontFace

from central.errors import DocumentError
from central.residents.statements import StatementView, statement_table
from central.web.formats import money

Translate = Callable[..., str]
When = Callable[[datetime, str], str]  # (instant, zone) -> local text
# Noto Sans CJK SC in the collection Debian installs (index 2 is SC); other systems' places after it.
CJK_FONTS: tuple[tuple[Path, int], ...] = (
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 2),
    (Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"), 2),
    (Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"), 2),
)
FAMILY = "cjk"
_WIDTHS = (30, 20, 27, 27, 20, 22, 22, 22)  # mm, the table's columns (A4: 190 mm inside the margins)


def cjk_font() -> tuple[Path, int]:
    found = next(((path, index) for path, index in CJK_FONTS if path.is_file()), None)
    if found is None:
        raise DocumentError("no CJK font for the statement PDF: install fonts-noto-cjk "
                            f"(looked for {', '.join(str(p) for p, _ in CJK_FONTS)})")
    return found


def statement_pdf(view: StatementView, t: Translate, when: When) -> bytes:
    """The statement on A4: who and what, the totals, then one table row per line."""
    pdf = FPDF(format="A4")
    pdf.set_creator("offpeak-parking")
    title = t("statement.pdf_title", month=t("month.label", year=view.month.year, month=view.month.month))
    pdf.set_title(title)
    path, index = cjk_font()
    pdf.add_font(FAMILY, "", str(path), collection_font_number=index)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    _heading(pdf, title, view, t, when)
    _lines(pdf, view, t)
    return bytes(pdf.output())


def _heading(pdf: FPDF, title: str, view: StatementView, t: Translate, when: When) -> None:
    pdf.set_font(FAMILY, size=16)
    pdf.cell(text=title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FAMILY, size=10)
    facts = (
        (t("statement.site"), f"{view.site.name}  {view.site.address}".strip()),
        (t("statement.product"), view.product.name),
        (t("statement.contract"), view.contract.id),
        (t("statement.plates"), " ".join(view.contract.plate_list)),
        (t("statement.issued"), when(view.issued_at, view.site.timezone)),
        (t("statement.fee"), money(view.fee_fen)),
        (t("statement.stays"), money(view.stays_fen)),
        (t("statement.overstay"), money(view.overstay_fen)),
        (t("statement.adjustments"), money(view.adjustments_fen)),
        (t("statement.total"), money(view.total_fen)),
    )
    for label, value in facts:
        pdf.cell(w=35, h=6, text=label)
        pdf.cell(h=6, text=value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _lines(pdf: FPDF, view: StatementView, t: Translate) -> None:
    header, rows = statement_table(view, t)
    pdf.set_font(FAMILY, size=8)
    with pdf.table(col_widths=_WIDTHS, text_align=(Align.L,) * 4 + (Align.R,) * 4, line_height=5,
                   borders_layout=TableBordersLayout.HORIZONTAL_LINES, first_row_as_headings=True,
                   headings_style=FontFace(emphasis=None, fill_color=(235, 240, 245))) as table:
        for cells in (header, *rows):
            row = table.row()
            for cell in cells:
                row.cell(cell)
