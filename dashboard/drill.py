"""Drill-down pages, from a tile to single facts: a KPI's page (series beside its driver, ranking of the nodes below,
breakdowns, heat map), the campaigns and one campaign's page, then the single leads and conversations behind them
(paginated, filterable, in CSV too) and one lead with its conversations. Every read goes through the caller's scope.
"""

import csv
import json
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.scoping import restrict, visible_nodes
from kpis.catalog import CATALOG, SLICE_MEASURES, Formula, Tier, partner_of
from kpis.constants import CONVERSATION_CHANNELS
from kpis.engine import kpi_breakdown, kpi_series, kpi_slice_breakdown, measure_totals
from kpis.models import Conversation, Lead, SliceDimension
from kpis.periods import PeriodKind, period_containing
from kpis.selectors import (
    CONVERSATION_FLAGS,
    board,
    board_tiles,
    campaign_names,
    campaigns_visible,
    conversations_under,
    lead_filter_choices,
    leads_under,
    rollup_rows,
    slice_rows,
)

from . import charts
from .exports import campaigns_csv, kpi_csv
from .selectors import kpi_questions
from .views import board_context

CALL_CENTRE_CLOSES = 19  # marked on the heat map; per-node opening hours are a later source (calls)
PAGE_SIZE = 50


def _url(name, *args, query=None, **extra):
    params = {**(query or {}), **{k: v for k, v in extra.items() if v not in (None, "")}}
    return reverse(f"dashboard:{name}", args=args) + "?" + urlencode(params)


@login_required
@require_GET
def kpi_page(request, key):
    if key not in CATALOG:
        raise Http404
    context = board_context(request)
    if context is None:
        raise Http404
    kpi, node, period = CATALOG[key], context["node"], context["period"]
    partner = partner_of(kpi)
    # The KPI and its partner over 13 periods, and the nodes below ranked: subtree totals, cached (the board's read).
    data = board(user=request.user, node=node, keys=[key, partner.key],
                 child_keys=[] if kpi.formula == Formula.GROWTH else [key], period=period, today=context["today"],
                 series_periods=context["series_periods"])  # fmt: skip
    tile, partner_tile = data.tiles
    rows = rollup_rows(user=request.user)
    labels = charts.axis_labels(context["series_periods"])
    outcome, driver = (kpi, partner) if kpi.tier == Tier.BUSINESS and partner.tier != Tier.BUSINESS else (partner, kpi)
    values = {kpi.key: tile.series, partner.key: partner_tile.series}
    questions = kpi_questions(user=request.user, kpi=key, node=node, period=period,
                              series_periods=context["series_periods"])  # fmt: skip
    trend = charts.outcome_and_driver(labels, str(outcome.name), [v.value for v in values[outcome.key]],
                                      str(driver.name), [v.value for v in values[driver.key]],
                                      annotations=questions.chart_annotations)  # fmt: skip

    breakdowns = []
    if kpi.formula != Formula.GROWTH:
        if data.children:
            ranked = sorted(data.children, key=lambda item: (item[1][key].value is None, -(item[1][key].value or 0)))
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
    if request.GET.get("format") == "csv":
        return kpi_csv(kpi=kpi, partner=partner, node=node, series_periods=context["series_periods"],
                       series=tile.series, partner_series=partner_tile.series,
                       breakdowns=[b for b in breakdowns if b])  # fmt: skip
    return render(request, "dashboard/kpi.html", {
        **context, "kpi": kpi, "tile": tile, "partner": partner, "trend": json.dumps(trend),
        "breakdowns": [b for b in breakdowns if b], "heatmap": json.dumps(heatmap), "trail": [(kpi.name, None)],
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


# Campaigns -----------------------------------------------------------------------------------------------------

CAMPAIGN_LIST_KPIS = ["budget_used", "leads", "cpl", "qualified_leads", "cac", "roi"]
CAMPAIGN_KPIS = ["budget_used", "leads", "cpl", "ctr", "cpc", "qualified_lead_rate", "cac", "roi"]
FUNNEL = [("impressions", gettext_lazy("Impressions")), ("clicks", gettext_lazy("Clicks")),
          ("lp_views", gettext_lazy("Landing-page views")), ("form_submits", gettext_lazy("Form submissions")),
          ("leads", gettext_lazy("Leads")), ("qualified_leads", gettext_lazy("Qualified leads")),
          ("customers", gettext_lazy("Customers"))]  # fmt: skip
DAILY_UP_TO = 92  # longer periods are charted week by week


@login_required
@require_GET
def campaigns_page(request):
    """The campaigns that spent or brought leads under a node over the period, largest spend first; ?format=csv
    exports them all."""
    context = board_context(request)
    if context is None:
        raise Http404
    node, period = context["node"], context["period"]
    ranked = kpi_breakdown(rows=rollup_rows(user=request.user), node=node, keys=CAMPAIGN_LIST_KPIS, period=period,
                           by="campaign")  # fmt: skip
    # Spend is budget_used's numerator: sort on it, since campaigns without a budget have no budget_used value.
    ranked = [(campaign_id, values) for campaign_id, values in ranked if campaign_id is not None]
    ranked.sort(key=lambda item: -(item[1]["budget_used"].numerator or 0))
    if request.GET.get("format") == "csv":
        return campaigns_csv(lines=_campaign_lines(request.user, ranked), keys=CAMPAIGN_LIST_KPIS, node=node,
                             period=period)  # fmt: skip
    page = Paginator(ranked, PAGE_SIZE).get_page(request.GET.get("page"))
    lines = _campaign_lines(request.user, page)
    return render(request, "dashboard/campaigns.html", {
        **context, "page": page, "lines": lines, "kpis": [CATALOG[k] for k in CAMPAIGN_LIST_KPIS],
        "trail": [(_("Campaigns"), None)],
    })  # fmt: skip


def _campaign_lines(user, ranked):
    """(campaign, spend, [values of CAMPAIGN_LIST_KPIS]) for the visible campaigns among `ranked`."""
    names = campaign_names(user=user, ids=[campaign_id for campaign_id, _values in ranked])
    return [(names[cid], values["budget_used"].numerator, [values[k] for k in CAMPAIGN_LIST_KPIS])
            for cid, values in ranked if cid in names]  # fmt: skip


def _days_or_weeks(period, today):
    """The points of a campaign's chart over `period` (up to today): days, or ISO weeks for long periods."""
    end = min(period.end, today)
    if end < period.start:
        return []
    if (end - period.start).days < DAILY_UP_TO:
        return [period_containing(PeriodKind.DAY, period.start + timedelta(days=n))
                for n in range((end - period.start).days + 1)]  # fmt: skip
    weeks, day = [], period.start
    while day <= end:
        week = period_containing(PeriodKind.WEEK, day)
        weeks.append(week)
        day = week.end + timedelta(days=1)
    return weeks


@login_required
@require_GET
def campaign_page(request, pk):
    """One campaign under a node: its KPIs, its funnel, leads beside cost per lead day by day, and for a shared
    campaign, what it did on each node below. A franchisee opening a network-wide campaign sees their own share."""
    campaign = get_object_or_404(campaigns_visible(user=request.user), pk=pk)
    lifetime = None
    if campaign.start_date and campaign.end_date:
        lifetime = (campaign.start_date, campaign.end_date)
    context = board_context(request, default_node=campaign.node, default_range=lifetime)
    if context is None:
        raise Http404
    node, period, today = context["node"], context["period"], context["today"]
    rows = rollup_rows(user=request.user).filter(campaign=campaign)
    tiles = board_tiles(rows=rows, node=node, keys=CAMPAIGN_KPIS, period=period, today=today, series_periods=[],
                        with_objectives=False)  # fmt: skip
    outside = lifetime is not None and (lifetime[1] < period.start or lifetime[0] > period.end)
    totals = measure_totals(rows=rows, node=node, periods=[period])[period]
    points = _days_or_weeks(period, today)
    daily = kpi_series(rows=rows, node=node, keys=["leads", "cpl"], periods=points)
    chart = charts.outcome_and_driver(charts.axis_labels(points), str(CATALOG["leads"].name),
                                      [v.value for v in daily["leads"]], str(CATALOG["cpl"].name),
                                      [v.value for v in daily["cpl"]])  # fmt: skip
    children = list(visible_nodes(request.user).filter(parent=node).order_by("name"))
    by_child = []
    if children:
        by_child = kpi_breakdown(rows=rows, node=node, keys=["budget_used", "leads", "cpl"], period=period,
                                 by="child", children=children)  # fmt: skip
        by_child = [(child, values) for child, values in by_child if values["leads"].value or
                    values["budget_used"].numerator]  # fmt: skip
    return render(request, "dashboard/campaign.html", {
        **context, "campaign": campaign, "tiles": tiles, "spend": totals.get("spend", 0),
        "budget": totals.get("budget"),
        "outside": outside, "lifetime_query": {"node": node.slug, "period": "custom", "start": lifetime[0],
                                               "end": lifetime[1]} if lifetime else None,
        "funnel": json.dumps(charts.funnel([(str(label), totals.get(m, 0)) for m, label in FUNNEL])),
        "chart": json.dumps(chart), "by_child": by_child, "sparklines": {},
        "trail": [(_("Campaigns"), _url("campaigns", query=context["query"])), (campaign.name, None)],
    })  # fmt: skip


# Leads and conversations ---------------------------------------------------------------------------------------

LEAD_COLUMNS = ["external_id", "created_at", "node", "campaign", "source", "medium", "segment", "score", "qualified",
                "customer", "revenue", "purchases"]  # fmt: skip
CONVERSATION_COLUMNS = ["external_id", "started_at", "node", "channel", "segment", "captured_contact",
                        "goal_completed", "self_served", "escalated", "rating", "rating_scale", "duration_seconds",
                        "messages", "lead"]  # fmt: skip
YES_NO = {"", "yes", "no", "unknown"}


def _list_filters(request, names):
    """The list filters present in the query string, with values checked (unknown values are dropped)."""
    filters = {}
    for name in names:
        value = request.GET.get(name, "").strip()
        if value:
            filters[name] = value
    for name in ("qualified", "customer", *CONVERSATION_FLAGS):
        if filters.get(name, "") not in YES_NO:
            filters.pop(name)
    if "min_score" in filters and not filters["min_score"].isdigit():
        filters.pop("min_score")
    if "campaign" in filters and not filters["campaign"].isdigit():
        raise Http404
    return filters


@login_required
@require_GET
def leads_page(request):
    """Single leads under a node for the period, filterable (campaign, source, medium, segment, qualified, customer,
    minimum score, text); ?format=csv exports every matching lead."""
    context = board_context(request)
    if context is None:
        raise Http404
    node, period = context["node"], context["period"]
    filters = _list_filters(request, ["campaign", "source", "medium", "segment", "qualified", "customer",
                                      "min_score", "q"])  # fmt: skip
    campaign = None
    if "campaign" in filters:
        campaign = campaign_names(user=request.user, ids=[int(filters["campaign"])]).get(int(filters["campaign"]))
        if campaign is None:
            raise Http404
    leads = restrict(leads_under(
        node=node, start=period.start, end=period.end, campaign_id=campaign.pk if campaign else None,
        search=filters.get("q", ""), source=filters.get("source", ""), medium=filters.get("medium", ""),
        segment=filters.get("segment", ""), qualified=filters.get("qualified", ""),
        customer=filters.get("customer", ""),
        min_score=int(filters["min_score"]) if "min_score" in filters else None,
    ), request.user)  # fmt: skip
    if request.GET.get("format") == "csv":
        return _csv_response(leads, LEAD_COLUMNS, _lead_cells, f"leads-{node.slug}-{period.start}-{period.end}.csv")
    trail = [(_("Leads"), None)]
    if campaign:
        trail.insert(0, (campaign.name, _url("campaign", campaign.pk, query=context["query"])))
    return render(request, "dashboard/leads.html", {
        **context, "page": Paginator(leads, PAGE_SIZE).get_page(request.GET.get("page")), "campaign": campaign,
        "filters": filters, "choices": lead_filter_choices(node=node, start=period.start, end=period.end),
        "list_query": {**context["query"], **filters}, "trail": trail,
    })  # fmt: skip


@login_required
@require_GET
def lead_page(request, pk):
    """One lead: where it came from, what became of it, and the conversations that led to it."""
    lead = get_object_or_404(restrict(Lead.objects.select_related("node", "campaign"), request.user), pk=pk)
    context = board_context(request, default_node=lead.node)
    if context is None:
        raise Http404
    conversations = lead.conversations.order_by("started_at")
    return render(request, "dashboard/lead.html", {
        **context, "lead": lead, "conversations": conversations,
        "trail": [(_("Leads"), _url("leads", query=context["query"])), (lead.external_id, None)],
    })  # fmt: skip


@login_required
@require_GET
def conversations_page(request):
    """Chatbot and messaging conversations under a node for the period, filterable by channel, segment, outcome and
    text; ?format=csv exports every matching conversation."""
    context = board_context(request)
    if context is None:
        raise Http404
    node, period = context["node"], context["period"]
    filters = _list_filters(request, ["channel", "segment", *CONVERSATION_FLAGS, "q"])
    if filters.get("channel") not in (None, *CONVERSATION_CHANNELS):
        filters.pop("channel")
    conversations = restrict(conversations_under(
        node=node, start=period.start, end=period.end, channel=filters.get("channel", ""),
        segment=filters.get("segment", ""), search=filters.get("q", ""),
        **{flag: filters.get(flag, "") for flag in CONVERSATION_FLAGS},
    ), request.user)  # fmt: skip
    if request.GET.get("format") == "csv":
        return _csv_response(conversations, CONVERSATION_COLUMNS, _conversation_cells,
                             f"conversations-{node.slug}-{period.start}-{period.end}.csv")  # fmt: skip
    return render(request, "dashboard/conversations.html", {
        **context, "page": Paginator(conversations, PAGE_SIZE).get_page(request.GET.get("page")), "filters": filters,
        "channels": CONVERSATION_CHANNELS, "list_query": {**context["query"], **filters},
        "flags": [(flag, Conversation._meta.get_field(flag).verbose_name, filters.get(flag, ""))
                  for flag in CONVERSATION_FLAGS],
        "trail": [(_("Conversations"), None)],
    })  # fmt: skip


def _lead_cells(lead):
    return [lead.external_id, lead.created_at.isoformat(), lead.node.slug,
            lead.campaign.external_id if lead.campaign else "", lead.source, lead.medium, lead.segment, lead.score,
            lead.qualified, lead.customer, lead.revenue, lead.purchases]  # fmt: skip


def _conversation_cells(conversation):
    return [conversation.external_id, conversation.started_at.isoformat(), conversation.node.slug,
            conversation.channel, conversation.segment, conversation.captured_contact, conversation.goal_completed,
            conversation.self_served, conversation.escalated, conversation.rating, conversation.rating_scale,
            conversation.duration_seconds, conversation.messages,
            conversation.lead.external_id if conversation.lead else ""]  # fmt: skip


class _Echo:
    def write(self, value):
        return value


def _csv_response(queryset, columns, cells, filename):
    """Streams the rows, so an export of a whole network does not build up in memory."""
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(columns)
        for row in queryset.iterator(chunk_size=2000):
            yield writer.writerow(cells(row))

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
