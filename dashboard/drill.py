"""Drill-down pages: a KPI's page (series, ranking of child nodes, breakdowns, heat map) and the single leads
behind it, with CSV export. Every read goes through the caller's scope."""

import csv
import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.scoping import restrict, visible_nodes
from kpis.catalog import CATALOG, SLICE_MEASURES, Formula, Tier
from kpis.engine import kpi_breakdown, kpi_series, kpi_slice_breakdown
from kpis.models import SliceDimension
from kpis.selectors import board_tiles, campaign_names, leads_under, rollup_rows, slice_rows

from . import charts
from .selectors import kpi_questions
from .views import board_context

CALL_CENTRE_CLOSES = 19  # marked on the heat map; per-node opening hours are a later source (calls)


def _partner(kpi):
    """The KPI shown beside this one: the outcome it drives, or for an outcome, the leads that feed it."""
    if kpi.drives:
        return CATALOG[kpi.drives]
    return CATALOG["leads"] if kpi.key != "leads" else CATALOG["new_customers"]


@login_required
@require_GET
def kpi_page(request, key):
    if key not in CATALOG:
        raise Http404
    context = board_context(request)
    if context is None:
        raise Http404
    kpi, node, period = CATALOG[key], context["node"], context["period"]
    rows = rollup_rows(user=request.user)
    tile = board_tiles(rows=rows, node=node, keys=[key], period=period, today=context["today"],
                       series_periods=context["series_periods"])[0]  # fmt: skip
    partner = _partner(kpi)
    labels = [p.label for p in context["series_periods"]]
    partner_series = kpi_series(rows=rows, node=node, keys=[partner.key], periods=context["series_periods"])
    outcome, driver = (kpi, partner) if kpi.tier == Tier.BUSINESS and partner.tier != Tier.BUSINESS else (partner, kpi)
    values = {kpi.key: tile.series, partner.key: partner_series[partner.key]}
    questions = kpi_questions(user=request.user, kpi=key, node=node, period=period,
                              series_periods=context["series_periods"])  # fmt: skip
    trend = charts.outcome_and_driver(labels, str(outcome.name), [v.value for v in values[outcome.key]],
                                      str(driver.name), [v.value for v in values[driver.key]],
                                      annotations=questions.chart_annotations)  # fmt: skip

    breakdowns = []
    if kpi.formula != Formula.GROWTH:
        children = list(visible_nodes(request.user).filter(parent=node).order_by("name"))
        if children:
            ranked = kpi_breakdown(rows=rows, node=node, keys=[key], period=period, by="child", children=children)
            ranked.sort(key=lambda item: (item[1][key].value is None, -(item[1][key].value or 0)))
            breakdowns.append(_breakdown(_("By node below"), ranked, key, link="node"))
        breakdowns.append(_breakdown(_("By channel"), kpi_breakdown(rows=rows, node=node, keys=[key], period=period,
                                                                    by="channel"), key))  # fmt: skip
        by_campaign = kpi_breakdown(rows=rows, node=node, keys=[key], period=period, by="campaign")[:10]
        names = campaign_names(user=request.user, ids=[campaign_id for campaign_id, _values in by_campaign])
        labelled = [(names.get(campaign_id, _("(no campaign)")), values) for campaign_id, values in by_campaign]
        breakdowns.append(_breakdown(_("Top campaigns"), labelled, key, link="campaign"))
        if set(kpi.measures) <= set(SLICE_MEASURES):
            slices = slice_rows(user=request.user)
            for dimension in (SliceDimension.SOURCE_MEDIUM, SliceDimension.SEGMENT, SliceDimension.SCORE_BAND):
                ranked = kpi_slice_breakdown(slices=slices, node=node, keys=[key], period=period, dimension=dimension)
                breakdowns.append(_breakdown(dimension.label, ranked, key))
    arrivals = kpi_slice_breakdown(slices=slice_rows(user=request.user), node=node, keys=["leads"], period=period,
                                   dimension=SliceDimension.HOUR_WEEKDAY)  # fmt: skip
    heatmap = charts.hour_weekday_heatmap({label: v["leads"].value for label, v in arrivals},
                                          weekday_names=[_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"),
                                                         _("Sun")], closing_hour=CALL_CENTRE_CLOSES)  # fmt: skip
    return render(request, "dashboard/kpi.html", {
        **context, "kpi": kpi, "tile": tile, "partner": partner, "trend": json.dumps(trend),
        "breakdowns": [b for b in breakdowns if b], "heatmap": json.dumps(heatmap),
        "breadcrumbs": list(visible_nodes(request.user).ancestors_of(node, include_self=True)),
        "questions": questions,
    })  # fmt: skip


def _breakdown(title, ranked, key, link=None):
    """A breakdown's bars and table; None when it splits nothing (e.g. sales have no channel or campaign)."""
    rows = [(label, values[key]) for label, values in ranked]
    shown = [(label, value) for label, value in rows if value.value is not None][:12]
    if link != "node" and len(shown) < 2:
        return None
    unit = CATALOG[key].unit.value
    figure = charts.ranking_bars([str(label) for label, _v in shown], [v.value for _l, v in shown], unit=unit)
    return {"title": title, "rows": rows, "link": link, "figure": json.dumps(figure)}


LEAD_COLUMNS = ["external_id", "created_at", "node", "campaign", "source", "medium", "segment", "score", "qualified",
                "customer", "revenue", "purchases"]  # fmt: skip


@login_required
@require_GET
def leads_page(request):
    """Single leads under a node for the period, filterable by campaign and text; ?format=csv exports them all."""
    context = board_context(request)
    if context is None:
        raise Http404
    node, period = context["node"], context["period"]
    campaign_id = request.GET.get("campaign") or None
    if campaign_id and not campaign_id.isdigit():
        raise Http404
    search = request.GET.get("q", "")
    leads = restrict(leads_under(node=node, start=period.start, end=period.end, campaign_id=campaign_id,
                                 search=search), request.user)  # fmt: skip
    if request.GET.get("format") == "csv":
        return _csv_response(leads, f"leads-{node.slug}-{period.start}-{period.end}.csv")
    page = Paginator(leads, 50).get_page(request.GET.get("page"))
    campaign = campaign_names(user=request.user, ids=[int(campaign_id)]).get(int(campaign_id)) if campaign_id else None
    return render(request, "dashboard/leads.html", {**context, "page": page, "campaign": campaign, "q": search,
                                                    "breadcrumbs": list(visible_nodes(request.user).ancestors_of(
                                                        node, include_self=True))})  # fmt: skip


class _Echo:
    def write(self, value):
        return value


def _csv_response(leads, filename):
    """Streams the rows, so an export of a whole network does not build up in memory."""
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(LEAD_COLUMNS)
        for lead in leads.iterator(chunk_size=2000):
            yield writer.writerow([lead.external_id, lead.created_at.isoformat(), lead.node.slug,
                                   lead.campaign.external_id if lead.campaign else "", lead.source, lead.medium,
                                   lead.segment, lead.score, lead.qualified, lead.customer, lead.revenue,
                                   lead.purchases])  # fmt: skip

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
