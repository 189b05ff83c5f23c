"""Reads on facts for a person. Every read starts from accounts.scoping.restrict, the one door.

The full KPI engine (catalog, rollups, periods, objectives) builds on these sums; this module holds the summed
base measures per node that the home page shows.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Sum

from accounts.scoping import restrict

from .engine import kpi_payload, kpi_reports
from .models import Conversation, DailyMetric, DailyRollup, Lead, Objective, Sale

# measure -> (model, path to the owning node, day field, aggregate)
HEADLINE_MEASURES = {
    "spend": (DailyMetric, "campaign__node", "date", Sum("spend")),
    "leads": (Lead, "node", "day", Count("id")),
    "conversations": (Conversation, "node", "day", Count("id")),
    "sales_revenue": (Sale, "node", "date", Sum("revenue")),
}


def headline_totals_by_node(*, user, node, start, end):
    """Summed headline measures for every node with facts under `node` (inclusive dates), keyed by node id.

    One grouped query per fact table, whatever the size of the tree.
    """
    totals = defaultdict(lambda: dict.fromkeys(HEADLINE_MEASURES, 0))
    for measure, (model, node_field, day_field, aggregate) in HEADLINE_MEASURES.items():
        rows = (
            restrict(model.objects.all(), user, node_field=node_field)
            .filter(**{f"{node_field}__path__startswith": node.path, f"{day_field}__range": (start, end)})
            .values_list(f"{node_field}__id")
            .annotate(total=aggregate)
            .order_by()
        )
        for node_id, total in rows:
            totals[node_id][measure] = total or 0
    return dict(totals)


def headline_totals(*, user, node, children, start, end):
    """Headline measures for `node` and for each of `children`, each including everything below it."""
    by_node = headline_totals_by_node(user=user, node=node, start=start, end=end)
    paths = dict(
        restrict(node.__class__.objects.filter(pk__in=by_node), user, node_field=None).values_list("pk", "path")
    )

    def summed(prefix):
        result = dict.fromkeys(HEADLINE_MEASURES, 0)
        for node_id, measures in by_node.items():
            if paths.get(node_id, "").startswith(prefix):
                for measure, value in measures.items():
                    result[measure] += value
        result["spend"] = Decimal(result["spend"])
        result["sales_revenue"] = Decimal(result["sales_revenue"])
        return result

    return summed(node.path), [(child, summed(child.path)) for child in children]


def rollup_rows(*, user):
    """The rollup rows `user` may read: the input of every KPI value shown to a person."""
    return restrict(DailyRollup.objects.all(), user, path_field="node_path")


def dangerously_unscoped_rollup_rows():
    """Every rollup row, for operators' command-line tools that act for the whole installation."""
    return DailyRollup.objects.all()


def objective_target(*, kpi, node, period):
    """The target set for exactly this KPI, node and period, if any."""
    return (
        Objective.objects.filter(kpi=kpi, node=node, start=period.start, end=period.end)
        .values_list("target", flat=True)
        .first()
    )


def kpi_value_payload(*, rows, key, node, period):
    """The contract's KPI value JSON for `key` on `node` over `period`, read from `rows`."""
    report = kpi_reports(rows=rows, node=node, keys=[key], period=period)[key]
    return kpi_payload(report=report, node=node, target=objective_target(kpi=key, node=node, period=period))
