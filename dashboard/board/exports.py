"""Exports of what a page shows, scoped like the page: the board as a PDF (the same document as a scheduled report
for that node and range, as the person sees it) and as CSV, a KPI page's series and breakdown tables, and the
campaigns list. The pages (?format=pdf / ?format=csv) and the API answer with these same functions.

CSV cells hold plain values (ISO dates, numbers with a dot, no currency sign) for spreadsheets and scripts; names
are in the person's language. A board's rows are its tiles' KPI value JSON (kpis.contract), flattened.
"""

import csv
from io import StringIO

from django.http import HttpResponse
from django.utils.translation import gettext as _

from kpis.contract import BoardTileSerializer, json_number

from ..reports.content import report_content
from ..reports.pdf import report_pdf
from ..reports.render import report_images

BOARD_COLUMNS = ["kpi", "name", "unit", "start", "end", "value", "previous_start", "previous_end", "previous_value",
                 "change_previous_pct", "last_year_value", "change_last_year_pct", "target", "progress_pct",
                 "pace", "tier", "last_year_start", "last_year_end", "change_unit", "mature", "as_of"]  # fmt: skip


def csv_response(columns, rows, filename):
    """A small table as a CSV download (the long lists stream: dashboard.board.drill)."""
    buffer = StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def pdf_response(pdf, filename):
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _cell(value):
    value = json_number(value)
    return "" if value is None else value


def board_rows(board):
    """One row per tile: its KPI value JSON (value, the days counted, both comparisons and their changes in
    `change_unit`, objective, maturity), flattened."""
    rows = []
    for data in BoardTileSerializer(board.tiles, many=True).data:
        previous, last_year = data["previous"], data["last_year"]
        rows.append([
            data["key"], data["name"], data["unit"], data["start"], data["end"], _cell(data["value"]),
            previous["start"], previous["end"], _cell(previous["value"]), _cell(previous["change"]),
            _cell(last_year["value"]), _cell(last_year["change"]), _cell(data["target"]),
            _cell(data["progress"]), data["pace"] or "", data["tier"], last_year["start"], last_year["end"],
            data["change_unit"], "true" if data["mature"] else "false", data["as_of"] or "",
        ])  # fmt: skip
    return rows


def board_csv(board):
    asked = board.range.asked
    return csv_response(BOARD_COLUMNS, board_rows(board), f"board-{board.node.slug}-{asked.start}-{asked.end}.csv")


def board_pdf(*, user, node, period, today):
    """The board of `node` over `period` as `user` sees it, as the PDF of a report (in the active language), with
    the board's own tiles and figures (kpis.boards: a range under way is read to `today`)."""
    content = report_content(user=user, node=node, period=period, today=today, board_export=True)
    return pdf_response(report_pdf(content, report_images(content)),
                        f"board-{node.slug}-{period.start}-{period.end}.pdf")  # fmt: skip


def kpi_csv(*, kpi, partner, node, series_periods, series, partner_series, breakdowns):
    """A KPI page's tables: its series beside its partner's, then each breakdown (label and value)."""
    rows = []
    for period, value, partner_value in zip(series_periods, series, partner_series, strict=True):
        rows.append([_("Series"), period.label, kpi.key, _cell(value.value)])
        rows.append([_("Series"), period.label, partner.key, _cell(partner_value.value)])
    for breakdown in breakdowns:
        rows += [[str(breakdown["title"]), str(label), kpi.key, _cell(value.value)] for label, value in
                 breakdown["rows"]]  # fmt: skip
    return csv_response(["table", "label", "kpi", "value"], rows, f"kpi-{kpi.key}-{node.slug}.csv")


def campaigns_csv(*, lines, keys, node, period):
    """The campaigns list: each campaign, its spend and the list's KPIs."""
    rows = [[campaign.external_id, campaign.name, campaign.channel, campaign.node.slug, _cell(spend),
             *(_cell(value.value) for value in values)] for campaign, spend, values in lines]  # fmt: skip
    return csv_response(["external_id", "name", "channel", "node", "spend", *keys], rows,
                        f"campaigns-{node.slug}-{period.start}-{period.end}.csv")  # fmt: skip
