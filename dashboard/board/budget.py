"""The franchisee's page: what their marketing contribution bought (budget, spend, leads, cost per lead, revenue,
ROI), beside the network's median and quartiles, never a peer's name or figure."""

import json

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kpis.boards import board_read, peer_spreads
from kpis.catalog import CATALOG

from ..access import board_request_or_404
from . import charts

BUDGET_KPIS = ["budget_used", "leads", "cpl", "cost_per_qualified_lead", "revenue_per_lead", "roi", "roas"]


@login_required
@require_GET
def budget_page(request):
    context = board_request_or_404(request)
    node = context["node"]
    board = board_read(user=request.user, node=node, keys=BUDGET_KPIS, period=context["period"],
                       today=context["today"], series_periods=context["series_periods"])  # fmt: skip
    # Peers are compared over exactly the days the node's own values cover (to date, in a period under way).
    spreads = peer_spreads(node=node, keys=BUDGET_KPIS, period=board.range.current)
    money = {tile.kpi.key: tile.series for tile in board.tiles}
    labels = charts.axis_labels(context["series_periods"])
    partial = charts.is_partial(context["series_periods"], context["today"])
    chart = charts.outcome_and_driver(labels, str(CATALOG["leads"].name), [v.value for v in money["leads"]],
                                      str(CATALOG["cpl"].name), [v.value for v in money["cpl"]],
                                      partial=partial)  # fmt: skip
    spend = board.tile("budget_used").report.current  # spend / budget, the budget prorated to the days counted
    whole_budget = spend.denominator
    if board.range.under_way:  # the budget of the whole period too, as read once it is over
        whole = board_read(user=request.user, node=node, keys=["budget_used"], period=context["period"],
                           today=board.range.asked.end)  # fmt: skip
        whole_budget = whole.tile("budget_used").report.current.denominator
    return render(request, "dashboard/budget.html", {
        **context, "lines": [(tile, spreads[tile.kpi.key]) for tile in board.tiles], "spend": spend.numerator,
        "budget": spend.denominator, "chart": json.dumps(chart), "board_range": board.range,
        "whole_budget": whole_budget,
        "trail": [(_("Marketing budget"), None)],
    })  # fmt: skip
