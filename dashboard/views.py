from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.scoping import top_nodes, visible_nodes
from accounts.selectors import network_zone
from kpis.selectors import headline_totals

HEADLINE_DAYS = 30


@login_required
@require_GET
def home(request):
    """The user's top node (or the node in ?node=, if visible): headline measures of the last 30 days, for the
    node and each of its children, against the 30 days before."""
    slug = request.GET.get("node")
    if slug:
        node = visible_nodes(request.user).filter(slug=slug).first()
        if node is None:
            raise Http404
    else:
        node = top_nodes(request.user).first()
    if node is None:
        return render(request, "dashboard/no_access.html", status=403)

    today = timezone.now().astimezone(network_zone(node=node)).date()
    end, start = today, today - timedelta(days=HEADLINE_DAYS - 1)
    prev_end, prev_start = start - timedelta(days=1), start - timedelta(days=HEADLINE_DAYS)
    children = list(visible_nodes(request.user).filter(parent=node).order_by("name"))
    totals, child_totals = headline_totals(user=request.user, node=node, children=children, start=start, end=end)
    previous, _ = headline_totals(user=request.user, node=node, children=[], start=prev_start, end=prev_end)
    breadcrumbs = list(visible_nodes(request.user).ancestors_of(node))
    return render(
        request,
        "dashboard/home.html",
        {
            "node": node,
            "breadcrumbs": breadcrumbs,
            "start": start,
            "end": end,
            "totals": totals,
            "previous": previous,
            "child_totals": child_totals,
        },
    )


@require_GET
def healthz(request):
    """Liveness and database readiness for load balancers and docker compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
