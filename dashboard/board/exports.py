"""Exports of what a page shows, scoped like the page: the board as a PDF (the same document as a scheduled report
for that node and range, as the person sees it), and as tables (CSV or XLSX: dashboard.spreadsheets writes both)
the board, a KPI page's series and breakdown tables, the campaigns list and the leads and conversations lists. The
pages (?format=pdf, csv, xlsx) and the API answer with these same functions.

Table cells hold typed values (dates, numbers, booleans, no currency sign), which each format writes its way; names
are in the person's language. A board's rows are its tiles' KPI value JSON (kpis.contract), flattened.
"""

from datetime import date

from django.http import HttpResponse
from django.utils.translation import gettext as _

from kpis.contract import BoardTileSerializer, json_number

from ..reports.content import report_content
from ..reports.pdf import report_pdf
from ..reports.render import report_images
from ..spreadsheets import Table

BOARD_COLUMNS = ["kpi", "name", "unit", "start", "end", "value", "previous_start", "previous_end", "previous_value",
                 "change_previous_pct", "last_year_value", "change_last_year_pct", "target", "progress_pct",
                 "pace", "tier", "last_year_start", "last_year_end", "change_unit", "mature", "as_of"]  # fmt: skip


def pdf_response(pdf, filename):
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _cell(value):
    return json_number(value)


def _day(text):
    return None if text is None else date.fromisoformat(text)


def board_rows(board):
    """One row per tile: its KPI value JSON (value, the days counted, both comparisons and their changes in
    `change_unit`, objective, maturity), flattened; its days read back as dates, so that XLSX types them."""
    rows = []
    for data in BoardTileSerializer(board.tiles, many=True).data:
        previous, last_year = data["previous"], data["last_year"]
        rows.append([
            data["key"], data["name"], data["unit"], _day(data["start"]), _day(data["end"]), _cell(data["value"]),
            _day(previous["start"]), _day(previous["end"]), _cell(previous["value"]), _cell(previous["change"]),
            _cell(last_year["value"]), _cell(last_year["change"]), _cell(data["target"]),
            _cell(data["progress"]), data["pace"], data["tier"], _day(last_year["start"]), _day(last_year["end"]),
            data["change_unit"], bool(data["mature"]), _day(data["as_of"]),
        ])  # fmt: skip
    return rows


def board_table(board):
    asked = board.range.asked
    return Table(f"board-{board.node.slug}-{asked.start}-{asked.end}", "board", BOARD_COLUMNS, board_rows(board))


def board_pdf(*, user, node, period, today):
    """The board of `node` over `period` as `user` sees it, as the PDF of a report (in the active language), with
    the board's own tiles and figures (kpis.boards: a range under way is read to `today`)."""
    content = report_content(user=user, node=node, period=period, today=today, board_export=True)
    return pdf_response(report_pdf(content, report_images(content)),
                        f"board-{node.slug}-{period.start}-{period.end}.pdf")  # fmt: skip


def kpi_table(*, kpi, partner, node, series_periods, series, partner_series, breakdowns):
    """A KPI page's tables: its series beside its partner's, then each breakdown (label and value)."""
    rows = []
    for period, value, partner_value in zip(series_periods, series, partner_series, strict=True):
        rows.append([_("Series"), period.label, kpi.key, _cell(value.value)])
        rows.append([_("Series"), period.label, partner.key, _cell(partner_value.value)])
    for breakdown in breakdowns:
        rows += [[str(breakdown["title"]), str(label), kpi.key, _cell(value.value)] for label, value in
                 breakdown["rows"]]  # fmt: skip
    return Table(f"kpi-{kpi.key}-{node.slug}", "kpi", ["table", "label", "kpi", "value"], rows)


def campaigns_table(*, lines, keys, node, period):
    """The campaigns list: each campaign, its spend and the list's KPIs."""
    rows = [[campaign.external_id, campaign.name, campaign.channel, campaign.node.slug, _cell(spend),
             *(_cell(value.value) for value in values)] for campaign, spend, values in lines]  # fmt: skip
    return Table(f"campaigns-{node.slug}-{period.start}-{period.end}", "campaigns",
                 ["external_id", "name", "channel", "node", "spend", *keys], rows)  # fmt: skip


LEAD_COLUMNS = ["external_id", "created_at", "node", "campaign", "source", "medium", "segment", "score", "qualified",
                "customer", "revenue", "purchases"]  # fmt: skip
CONVERSATION_COLUMNS = ["external_id", "started_at", "node", "channel", "segment", "captured_contact",
                        "goal_completed", "self_served", "escalated", "rating", "rating_scale", "duration_seconds",
                        "messages", "lead"]  # fmt: skip


def leads_table(*, leads, node, period, zone):
    """Every lead of a queryset, read in chunks as the table is written (a whole network's leads need not fit in
    memory); their arrival times shown in XLSX in the network's time zone `zone`."""
    rows = ([lead.external_id, lead.created_at, lead.node.slug, lead.campaign.external_id if lead.campaign else None,
             lead.source, lead.medium, lead.segment, lead.score, lead.qualified, lead.customer, lead.revenue,
             lead.purchases] for lead in leads.iterator(chunk_size=2000))  # fmt: skip
    return Table(f"leads-{node.slug}-{period.start}-{period.end}", "leads", LEAD_COLUMNS, rows, zone=zone,
                 stream=True)  # fmt: skip


def conversations_table(*, conversations, node, period, zone):
    """Every conversation of a queryset, read in chunks as the table is written (see leads_table)."""
    rows = ([c.external_id, c.started_at, c.node.slug, c.channel, c.segment, c.captured_contact, c.goal_completed,
             c.self_served, c.escalated, c.rating, c.rating_scale, c.duration_seconds, c.messages,
             c.lead.external_id if c.lead else None] for c in conversations.iterator(chunk_size=2000))  # fmt: skip
    return Table(f"conversations-{node.slug}-{period.start}-{period.end}", "conversations", CONVERSATION_COLUMNS,
                 rows, zone=zone, stream=True)  # fmt: skip
