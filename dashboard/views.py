import json
from datetime import date

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.scoping import top_nodes, visible_nodes
from accounts.selectors import node_network
from ingestion.selectors import data_freshness
from kpis.catalog import CATALOG, Group, Tier
from kpis.periods import PeriodKind, parse_period, series
from kpis.selectors import board, board_layout

from . import charts
from .constants import CHILD_KPIS
from .exports import board_csv, board_pdf
from .selectors import board_questions

SERIES_LENGTH = {PeriodKind.DAY: 14, PeriodKind.WEEK: 12, PeriodKind.MONTH: 13, PeriodKind.QUARTER: 8,
                 PeriodKind.FISCAL_YEAR: 3, PeriodKind.CUSTOM: 13}  # fmt: skip
PICKER = [PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.FISCAL_YEAR]


def _iso(text):
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def board_context(request, *, default_node=None, default_range=None):
    """The node (a visible one, 404 otherwise) and the period a page is asked for. The period by default is the
    month, or the custom `default_range` (start, end) when given; the node by default is `default_node` when given
    and visible, else the person's top node."""
    slug = request.GET.get("node") or (default_node.slug if default_node is not None else None)
    node = visible_nodes(request.user).filter(slug=slug).first() if slug else None
    if node is None and slug and "node" in request.GET:
        raise Http404
    node = node or top_nodes(request.user).first()
    if node is None:
        return None
    network = node_network(node=node)
    today = timezone.localdate(timezone=network.zone)
    kind = request.GET.get("period", PeriodKind.MONTH)
    if kind not in PeriodKind.values:
        kind = PeriodKind.MONTH
    start, end = _iso(request.GET.get("start")), _iso(request.GET.get("end"))
    if "period" not in request.GET and default_range is not None:
        kind, (start, end) = PeriodKind.CUSTOM, default_range
    if kind == PeriodKind.CUSTOM and not (start and end and start <= end):
        kind = PeriodKind.MONTH
    period = parse_period(kind, today, start=start, end=end, fiscal_year_start_month=network.fiscal_year_start_month)
    series_kind = PeriodKind.MONTH if kind == PeriodKind.CUSTOM else kind
    series_periods = series(series_kind, min(period.end, today), SERIES_LENGTH[kind],
                            fiscal_year_start_month=network.fiscal_year_start_month)  # fmt: skip
    query = {"node": node.slug, "period": kind}
    if kind == PeriodKind.CUSTOM:
        query.update(start=start.isoformat(), end=end.isoformat())
    return {"node": node, "network": network, "today": today, "period": period, "series_periods": series_periods,
            "period_kind": kind, "picker": PICKER, "query": query,
            "breadcrumbs": list(visible_nodes(request.user).ancestors_of(node))}  # fmt: skip


def tile_charts(tiles, series_periods):
    labels = charts.axis_labels(series_periods)
    return {tile.kpi.key: json.dumps(charts.sparkline(labels, [v.value for v in tile.series])) for tile in tiles}


def tiles_by_group(tiles):
    """Operational tiles under their group's heading (acquisition, conversion, chatbot and messaging, cost), in the
    catalog's group order and, inside a group, in the order the network chose."""
    groups = [(group, [t for t in tiles if t.kpi.group == group]) for group in Group]
    return [(group, members) for group, members in groups if members]


@login_required
@require_GET
def home(request):
    """The board of a node: objectives first, operational KPIs second, then the nodes below it ranked; ?format=pdf
    is the same board as a report's PDF, ?format=csv its tiles' values and comparisons."""
    context = board_context(request)
    if context is None:
        return render(request, "dashboard/no_access.html", status=403)
    node, period = context["node"], context["period"]
    export = request.GET.get("format")
    if export == "pdf":
        return board_pdf(user=request.user, node=node, period=period, today=context["today"])
    keys = board_layout(network=context["network"]).home_kpis
    data = board(user=request.user, node=node, keys=keys, child_keys=CHILD_KPIS, period=period,
                 today=context["today"], series_periods=context["series_periods"])  # fmt: skip
    tiles = data.tiles
    if export == "csv":
        return board_csv(tiles=tiles, node=node, period=period)
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
            "sparklines": tile_charts(tiles, context["series_periods"]),
            "child_kpis": [CATALOG[k] for k in CHILD_KPIS],
            "children": [(child, [values[k] for k in CHILD_KPIS]) for child, values in data.children],
            "questions": board_questions(user=request.user, node=node, period=period),
        },
    )


@require_GET
def healthz(request):
    """Liveness and database readiness for load balancers and docker compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
