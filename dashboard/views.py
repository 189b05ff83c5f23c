from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.scoping import top_nodes, visible_nodes
from accounts.selectors import node_network
from kpis.catalog import CATALOG, Tier
from kpis.engine import kpi_breakdown, kpi_reports
from kpis.periods import PeriodKind, period_containing
from kpis.selectors import rollup_rows

# The first screen stays short: three business objectives, three operational KPIs next to the outcomes they drive.
HOME_KPIS = ["sales_revenue", "new_customers", "roi", "leads", "cpl", "capture_rate"]
CHILD_KPIS = ["sales_revenue", "leads", "cpl", "roi"]


@login_required
@require_GET
def home(request):
    """The board of the user's top node (or of ?node=, if visible) for the current month."""
    slug = request.GET.get("node")
    if slug:
        node = visible_nodes(request.user).filter(slug=slug).first()
        if node is None:
            raise Http404
    else:
        node = top_nodes(request.user).first()
    if node is None:
        return render(request, "dashboard/no_access.html", status=403)

    network = node_network(node=node)
    today = timezone.localdate(timezone=network.zone)
    period = period_containing(PeriodKind.MONTH, today, fiscal_year_start_month=network.fiscal_year_start_month)
    rows = rollup_rows(user=request.user)
    reports = kpi_reports(rows=rows, node=node, keys=HOME_KPIS, period=period, today=today)
    children = list(visible_nodes(request.user).filter(parent=node).order_by("name"))
    by_child = kpi_breakdown(rows=rows, node=node, keys=CHILD_KPIS, period=period, by="child", children=children)
    return render(
        request,
        "dashboard/home.html",
        {
            "node": node,
            "breadcrumbs": list(visible_nodes(request.user).ancestors_of(node)),
            "period": period,
            "business": [r for r in reports.values() if r.kpi.tier == Tier.BUSINESS],
            "operational": [r for r in reports.values() if r.kpi.tier == Tier.OPERATIONAL],
            "child_kpis": [CATALOG[k] for k in CHILD_KPIS],
            "children": [(child, [values[k] for k in CHILD_KPIS]) for child, values in by_child],
        },
    )


@require_GET
def healthz(request):
    """Liveness and database readiness for load balancers and docker compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
