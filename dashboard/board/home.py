"""The board of a node: business objectives first, operational KPIs second (grouped), then the nodes below it
ranked; the same board as PDF, CSV and XLSX."""

import json

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ingestion.selectors import data_freshness
from kpis.boards import board_read
from kpis.catalog import CATALOG, Group, Tier
from kpis.selectors import board_layout

from ..access import board_request
from ..constants import CHILD_KPIS
from ..questions.selectors import board_questions
from ..spreadsheets import TABLE_FORMATS, table_response
from . import charts
from .exports import board_pdf, board_table


def tile_charts(tiles, series_periods, today):
    labels, partial = charts.axis_labels(series_periods), charts.is_partial(series_periods, today)
    return {tile.kpi.key: json.dumps(charts.sparkline(labels, [v.value for v in tile.series], partial=partial))
            for tile in tiles}  # fmt: skip


def tiles_by_group(tiles):
    """Operational tiles under their group's heading (acquisition, conversion, chatbot and messaging, cost), in the
    catalog's group order and, inside a group, in the order the network chose."""
    groups = [(group, [t for t in tiles if t.kpi.group == group]) for group in Group]
    return [(group, members) for group, members in groups if members]


def home_board(*, user, context):
    """The board a home page shows for a board_request context: the network's chosen tiles and the ranking."""
    return board_read(user=user, node=context["node"], keys=board_layout(network=context["network"]).home_kpis,
                      child_keys=CHILD_KPIS, period=context["period"], today=context["today"],
                      series_periods=context["series_periods"])  # fmt: skip


@login_required
@require_GET
def home(request):
    """The board of a node: objectives first, operational KPIs second, then the nodes below it ranked; ?format=pdf
    is the same board as a report's PDF, ?format=csv (or xlsx) its tiles' values and comparisons."""
    context = board_request(request)
    if context is None:
        return render(request, "dashboard/no_access.html", status=403)
    node, period = context["node"], context["period"]
    export = request.GET.get("format")
    if export == "pdf":
        return board_pdf(user=request.user, node=node, period=period, today=context["today"])
    board = home_board(user=request.user, context=context)
    if export in TABLE_FORMATS:
        return table_response(board_table(board), export)
    tiles = board.tiles
    operational = [t for t in tiles if t.kpi.tier == Tier.OPERATIONAL]
    return render(
        request,
        "dashboard/home.html",
        {
            **context,
            "freshness": data_freshness(node=node),
            "business": [t for t in tiles if t.kpi.tier == Tier.BUSINESS],
            "operational": operational,
            "operational_groups": tiles_by_group(operational),
            "sparklines": tile_charts(tiles, context["series_periods"], context["today"]),
            "child_kpis": [CATALOG[k] for k in CHILD_KPIS],
            "children": [(child, [values[k] for k in CHILD_KPIS]) for child, values in board.children],
            "questions": board_questions(user=request.user, node=node, period=period),
            "board_range": board.range,
        },
    )
