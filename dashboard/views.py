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
from kpis.engine import kpi_breakdown, kpi_reports
from kpis.models import DailyRollup
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
    period = period_containing(PeriodKind.MONTH, today, fiscal_year_start_month=network.fiscal_year_start_month)
    reports = kpi_reports(rows=restrict(DailyRollup.objects.all(), link, path_field="node_path"), node=node,
                          keys=WALL_KPIS, period=period, today=today)  # fmt: skip
    return render(
        request,
        "dashboard/wall.html",
        {"node": node, "period": period, "reports": list(reports.values()), "now": timezone.now(),
         "refresh_seconds": settings.WALL_REFRESH_SECONDS},
    )  # fmt: skip


@require_GET
def healthz(request):
    """Liveness and database readiness for load balancers and docker compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
