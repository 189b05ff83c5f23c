"""The franchisee's page: what their marketing contribution bought (budget, spend, leads, cost per lead, revenue,
ROI), beside the network's median and quartiles, never a peer's name or figure."""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kpis.catalog import CATALOG
from kpis.selectors import board, peer_spreads

from . import charts
from .views import board_context

BUDGET_KPIS = ["budget_used", "leads", "cpl", "cost_per_qualified_lead", "revenue_per_lead", "roi", "roas"]


@login_required
@require_GET
def budget_page(request):
    context = board_context(request)
    if context is None:
        raise Http404
    node, period = context["node"], context["period"]
    tiles = board(user=request.user, node=node, keys=BUDGET_KPIS, child_keys=[], period=period,
                  today=context["today"], series_periods=context["series_periods"]).tiles  # fmt: skip
    # Peers are compared over exactly the days the node's own values cover (to date, in a period under way).
    spreads = peer_spreads(node=node, keys=BUDGET_KPIS, period=tiles[0].report.current.period)
    money = {tile.kpi.key: tile.series for tile in tiles}
    labels = charts.axis_labels(context["series_periods"])
    chart = charts.outcome_and_driver(labels, str(CATALOG["leads"].name), [v.value for v in money["leads"]],
                                      str(CATALOG["cpl"].name), [v.value for v in money["cpl"]])  # fmt: skip
    spend = tiles[0].report.current  # budget_used: spend / budget
    return render(request, "dashboard/budget.html", {
        **context, "lines": [(tile, spreads[tile.kpi.key]) for tile in tiles], "spend": spend.numerator,
        "budget": spend.denominator, "chart": json.dumps(chart), "trail": [(_("Marketing budget"), None)],
    })  # fmt: skip
