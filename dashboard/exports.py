"""Exports of what a page shows, scoped like the page: the board as a PDF (the same document as a scheduled report
for that node and period, as the person sees it) and as CSV, a KPI page's series and breakdown tables, and the
campaigns list. The pages (?format=pdf / ?format=csv) and the API answer with these same functions.

CSV cells hold plain values (ISO dates, numbers with a dot, no currency sign) for spreadsheets and scripts; names
are in the person's language.
"""

import csv
from io import StringIO

from django.http import HttpResponse
from django.utils.translation import gettext as _

from kpis.engine import comparable_periods, json_number

from .report_pdf import report_pdf
from .report_render import report_images
from .reports import report_content

BOARD_COLUMNS = ["kpi", "name", "unit", "start", "end", "value", "previous_start", "previous_end", "previous_value",
                 "change_previous_pct", "last_year_value", "change_last_year_pct", "target", "progress_pct",
                 "pace"]  # fmt: skip


def csv_response(columns, rows, filename):
    """A small table as a CSV download (the long lists stream: dashboard.drill)."""
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


def board_rows(tiles):
    """One row per tile: its value, its two comparisons and its objective's progress and pace when set."""
    rows = []
    for tile in tiles:
        report, objective = tile.report, tile.objective
        current, previous = report.current, report.previous
        rows.append([
            tile.kpi.key, str(tile.kpi.name), tile.kpi.unit.value, current.period.start.isoformat(),
            current.period.end.isoformat(), _cell(current.value), previous.period.start.isoformat(),
            previous.period.end.isoformat(), _cell(previous.value), _cell(report.change_previous),
            _cell(report.last_year.value), _cell(report.change_last_year),
            _cell(objective.target) if objective else "", _cell(objective.progress) if objective else "",
            objective.pace if objective else "",
        ])  # fmt: skip
    return rows


def board_csv(*, tiles, node, period):
    return csv_response(BOARD_COLUMNS, board_rows(tiles), f"board-{node.slug}-{period.start}-{period.end}.csv")


def board_pdf(*, user, node, period, today):
    """The board of `node` over `period` as `user` sees it, as the PDF of a report (in the active language): a
    period under way is read to `today` and compared with the same days of the previous one, as on the board."""
    current, previous, _last_year = comparable_periods(period, today)
    content = report_content(user=user, node=node, period=current, previous=previous, as_of=min(today, period.end))
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
