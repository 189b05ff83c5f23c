import json
from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from accounts.scoping import restrict, top_nodes, visible_nodes
from accounts.selectors import node_network
from accounts.services import display_link_resolve
from kpis.catalog import CATALOG, Tier
from kpis.models import SubtreeRollup
from kpis.periods import PeriodKind, parse_period, series
from kpis.selectors import board, board_tiles

from . import charts

# The first screen stays short: business objectives first, then operational KPIs next to the outcomes they drive.
HOME_KPIS = ["sales_revenue", "new_customers", "roi", "customer_growth", "leads", "qualified_lead_rate", "cpl",
             "customer_conversion_rate", "capture_rate", "budget_used", "avg_lead_score", "satisfaction"]  # fmt: skip
CHILD_KPIS = ["sales_revenue", "leads", "cpl", "roi"]
SERIES_LENGTH = {PeriodKind.DAY: 14, PeriodKind.WEEK: 12, PeriodKind.MONTH: 13, PeriodKind.QUARTER: 8,
                 PeriodKind.FISCAL_YEAR: 3, PeriodKind.CUSTOM: 13}  # fmt: skip
PICKER = [PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.FISCAL_YEAR]


def _iso(text):
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def board_context(request):
    """The node (a visible one, 404 otherwise) and the period a board page is asked for. Month by default."""
    slug = request.GET.get("node")
    node = visible_nodes(request.user).filter(slug=slug).first() if slug else top_nodes(request.user).first()
    if node is None and slug:
        raise Http404
    if node is None:
        return None
    network = node_network(node=node)
    today = timezone.localdate(timezone=network.zone)
    kind = request.GET.get("period", PeriodKind.MONTH)
    if kind not in PeriodKind.values:
        kind = PeriodKind.MONTH
    start, end = _iso(request.GET.get("start")), _iso(request.GET.get("end"))
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
            "period_kind": kind, "picker": PICKER, "query": query}  # fmt: skip


def tile_charts(tiles, series_periods):
    labels = [p.label for p in series_periods]
    return {tile.kpi.key: json.dumps(charts.sparkline(labels, [v.value for v in tile.series])) for tile in tiles}


@login_required
@require_GET
def home(request):
    """The board of a node: objectives first, operational KPIs second, then the nodes below it ranked."""
    context = board_context(request)
    if context is None:
        return render(request, "dashboard/no_access.html", status=403)
    node = context["node"]
    data = board(user=request.user, node=node, keys=HOME_KPIS, child_keys=CHILD_KPIS, period=context["period"],
                 today=context["today"], series_periods=context["series_periods"])  # fmt: skip
    tiles = data.tiles
    return render(
        request,
        "dashboard/home.html",
        {
            **context,
            "breadcrumbs": list(visible_nodes(request.user).ancestors_of(node)),
            "business": [t for t in tiles if t.kpi.tier == Tier.BUSINESS],
            "operational": [t for t in tiles if t.kpi.tier == Tier.OPERATIONAL],
            "sparklines": tile_charts(tiles, context["series_periods"]),
            "child_kpis": [CATALOG[k] for k in CHILD_KPIS],
            "children": [(child, [values[k] for k in CHILD_KPIS]) for child, values in data.children],
        },
    )


WALL_KPIS = ["sales_revenue", "new_customers", "roi", "leads", "cpl", "capture_rate"]


@require_GET
@xframe_options_exempt
def wall(request, token):
    """The wall screen: a display link's node, no login, read-only; the page reloads itself."""
    link = display_link_resolve(token=token)
    if link is None:
        raise Http404
    node, network = link.node, node_network(node=link.node)
    today = timezone.localdate(timezone=network.zone)
    period = parse_period(PeriodKind.MONTH, today, fiscal_year_start_month=network.fiscal_year_start_month)
    tiles = board_tiles(rows=restrict(SubtreeRollup.objects.all(), link, path_field="node_path"), node=node,
                        keys=WALL_KPIS, period=period, today=today, series_periods=[period])  # fmt: skip
    return render(
        request,
        "dashboard/wall.html",
        {"node": node, "period": period, "tiles": tiles, "now": timezone.now(),
         "refresh_seconds": settings.WALL_REFRESH_SECONDS},
    )  # fmt: skip


@require_GET
def healthz(request):
    """Liveness and database readiness for load balancers and docker compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
