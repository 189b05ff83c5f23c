"""A report's content (dashboard.reports.content) as a PDF: the attachment of the e-mail and the board's PDF export.

Laid out with reportlab's platypus, in the DejaVu Sans that matplotlib ships in its wheel (so no system font is
needed, and French accents, "€", arrows and the pace symbols all show); the charts are the report's PNG images.
Call it with the reader's language active, like dashboard.reports.render.
"""

from functools import cache
from io import BytesIO
from pathlib import Path

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from ..formatting import change_words, comparison_words, objective_words, period_words
from ..formatting import kpi_value_text as kpi_display

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
INK, MUTED, ACCENT, GOOD, BAD, RULE = "#1b1f24", "#5b6470", "#0b5cad", "#1a7f37", "#b42318", "#e3e7ec"


@cache
def _fonts():
    import matplotlib
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)
    return True


@cache
def _styles():
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=13, textColor=HexColor(INK))
    return {
        "base": base,
        "title": ParagraphStyle("title", base, fontName=BOLD, fontSize=16, leading=20, spaceAfter=4),
        "muted": ParagraphStyle("muted", base, textColor=HexColor(MUTED), fontSize=8.5, leading=11),
        "node": ParagraphStyle("node", base, fontName=BOLD, fontSize=13, leading=17, spaceBefore=10, spaceAfter=2),
        "heading": ParagraphStyle("heading", base, fontName=BOLD, fontSize=11, leading=15, spaceBefore=10,
                                  spaceAfter=4, textColor=HexColor(ACCENT)),  # fmt: skip
        "cell": ParagraphStyle("cell", base, fontSize=9, leading=12),
        "number": ParagraphStyle("number", base, fontName=BOLD, fontSize=9.5, leading=12, alignment=2),
    }


def _p(text, style="base"):
    from reportlab.platypus import Paragraph

    return Paragraph(escape(str(text)).replace("\n", "<br/>"), _styles()[style])


def _verdict_colour(change):
    return {"good": GOOD, "bad": BAD}.get(change["verdict"], MUTED)


def _table(rows, widths, colours):
    """A table of paragraphs with hairlines between rows; `colours` gives the text colour of each row's change."""
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=widths, hAlign="LEFT")
    style = [("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LINEABOVE", (0, 0), (-1, -1), 0.5, HexColor(RULE)),
             ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]  # fmt: skip
    style += [("TEXTCOLOR", (-1, row), (-1, row), HexColor(colour)) for row, colour in enumerate(colours)]
    table.setStyle(TableStyle(style))
    return table


def _image(png, width):
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    pixels_wide, pixels_high = ImageReader(BytesIO(png)).getSize()
    return Image(BytesIO(png), width=width, height=width * pixels_high / pixels_wide)


def _tiles_table(lines, currency, width):
    """A board's tiles as rows: the KPI (and its objective), its value, its change against the previous period and
    against last year, as the board's tiles show them."""
    from reportlab.lib.units import mm

    rows, colours = [], []
    for line in lines:
        label = str(line.kpi.name)
        if not line.mature:
            label += " · " + _("still converting")
        if line.objective:
            label += "\n" + _("Objective %(period)s:") % {"period": period_words(line.objective_period)} + " "
            label += objective_words(line.objective, line.kpi, currency)
        last_year = line.change_last_year
        rows.append([_p(label, "cell"), _p(kpi_display(line.report.current, currency), "number"),
                     _p(f"{change_words(line.change)} {line.change['label']}", "cell"),
                     _p(f"{change_words(last_year)} {last_year['label']}", "muted")])  # fmt: skip
        colours.append(_verdict_colour(line.change))
    return _table(rows, [width - 118 * mm, 30 * mm, 48 * mm, 40 * mm], colours)


def _section(section, charts, currency, width):
    from reportlab.lib.units import mm

    story = [_p(_("Business objectives"), "heading"), _tiles_table(section.headlines, currency, width)]
    if "objectives" in charts:
        story.append(_image(charts["objectives"], width))
    if section.operational:
        story += [_p(_("Operational KPIs"), "heading"), _tiles_table(section.operational, currency, width)]
    if section.movers:
        story.append(_p(_("What moved most"), "heading"))
        rows = [[_p(line.kpi.name, "cell"), _p(kpi_display(line.report.current, currency), "number"),
                 _p(f"{_('before:')} {kpi_display(line.report.previous, currency)}", "cell"),
                 _p(change_words(line.change), "cell")] for line in section.movers]  # fmt: skip
        story.append(_table(rows, [width - 115 * mm, 30 * mm, 40 * mm, 45 * mm],
                            [_verdict_colour(line.change) for line in section.movers]))  # fmt: skip
        if "movers" in charts:
            story.append(_image(charts["movers"], width))
    if section.children:
        story.append(_p(_("Below this node"), "heading"))
        head = [_p(_("Node"), "muted"), *(_p(kpi.name, "muted") for kpi in section.child_kpis)]
        rows = [head, *([_p(child.name, "cell"), *(_p(kpi_display(v, currency), "number") for v in values)]
                        for child, values in section.children)]  # fmt: skip
        column = 32 * mm
        story.append(_table(rows, [width - column * len(section.child_kpis)] + [column] * len(section.child_kpis),
                            [INK] * len(rows)))  # fmt: skip
    story.append(_p(_("Questions"), "heading"))
    if not section.open_questions and not section.answered:
        story.append(_p(_("No open question, and none answered during the period."), "muted"))
    for item in section.answered:
        parts = [f"{_('Answered')}: {item.kpi.name if item.kpi else item.thread.kpi} · {item.thread.node.name}"]
        for name, label in (("observation", _("Observation")), ("analysis", _("Analysis")),
                            ("recommendation", _("Recommendation"))):  # fmt: skip
            text = getattr(item.answer, name)
            if text:
                parts.append(f"{label}: {text[:400]}")
        story.append(_p("\n".join(parts), "cell"))
        story.append(_p(item.link, "muted"))
    for item in section.open_questions:
        text = f"{_('Open')}: {item.kpi.name if item.kpi else item.thread.kpi} · {item.thread.node.name}"
        if item.question:
            text += "\n" + item.question.body[:200]
        story.append(_p(text, "cell"))
        story.append(_p(item.link, "muted"))
    story.append(_p(_("Open the board of %(name)s") % {"name": section.node.name} + f": {section.link}", "muted"))
    return story


def report_pdf(content, images):
    """The PDF of `content`, with its charts (`images`, as dashboard.reports.render.report_images gives them)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    _fonts()
    buffer = BytesIO()
    margin = 16 * mm
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin,
                                 bottomMargin=margin, title=content.title, author=content.network.name,
                                 subject=period_words(content.period), creator="KPI board")  # fmt: skip
    width = A4[0] - 2 * margin
    story = [_p(content.title, "title"),
             _p(comparison_words(content.range)[:1].upper() + comparison_words(content.range)[1:] + ".", "muted")]
    if content.nothing_visible:
        story.append(_p(content.nothing_visible))
    for section, charts in zip(content.sections, images, strict=True):
        if len(content.sections) > 1:
            story.append(_p(section.node.name, "node"))
        story.extend(_section(section, charts, content.currency, width))
    made = _("Made on %(day)s for %(person)s.") % {"day": date_format(timezone.localdate(), "j F Y"),
                                                    "person": content.reader.email}  # fmt: skip

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColorRGB(0.36, 0.39, 0.44)
        canvas.drawString(margin, 9 * mm, made)
        canvas.drawRightString(A4[0] - margin, 9 * mm, str(doc.page))
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
