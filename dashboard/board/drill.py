"""Drill-down pages, from a tile to single facts: a KPI's page (series beside its driver, ranking of the nodes below,
breakdowns, heat map), the campaigns and one campaign's page, then the single leads and conversations behind them
(paginated, filterable, in CSV and XLSX too) and one lead with its conversations. Every read goes through the
caller's scope.
"""

import json
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from kpis.boards import BY_CAMPAIGN, BY_CHANNEL, board_breakdown, board_range, board_read, has_slice_breakdowns
from kpis.catalog import CATALOG, Formula, Tier, partner_of
from kpis.constants import CONVERSATION_CHANNELS
from kpis.models import Conversation, SliceDimension
from kpis.periods import PeriodKind, period_containing
from kpis.selectors import (
    CONVERSATION_FLAGS,
    campaign_names,
    campaigns_visible,
    conversations_visible,
    lead_conversations,
    lead_filter_choices,
    lead_visible,
    leads_visible,
)

from ..access import board_request_or_404
from ..questions.selectors import kpi_questions
from ..spreadsheets import TABLE_FORMATS, table_response
from . import charts
from .exports import campaigns_table, conversations_table, kpi_table, leads_table

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
    context = board_request_or_404(request)
    kpi, node, period, today = CATALOG[key], context["node"], context["period"], context["today"]
    partner = partner_of(kpi)
    # The KPI and its partner over 13 periods, and the nodes below ranked: the board's own figures (kpis.boards).
    board = board_read(user=request.user, node=node, keys=[key, partner.key],
                       child_keys=[] if kpi.formula == Formula.GROWTH else [key], period=period, today=today,
                       series_periods=context["series_periods"])  # fmt: skip
    tile, partner_tile = board.tiles
    labels = charts.axis_labels(context["series_periods"])
    outcome, driver = (kpi, partner) if kpi.tier == Tier.BUSINESS and partner.tier != Tier.BUSINESS else (partner, kpi)
    values = {kpi.key: tile.series, partner.key: partner_tile.series}
    questions = kpi_questions(user=request.user, kpi=key, node=node, period=period,
                              series_periods=context["series_periods"])  # fmt: skip
    # Notes come keyed by their period; the category axis is named as people read it ("déc. 2026").
    axis_label = {period.label: label for period, label in zip(context["series_periods"], labels, strict=True)}
    notes = [(axis_label[key], text) for key, text in questions.chart_annotations]
    trend = charts.outcome_and_driver(labels, str(outcome.name), [v.value for v in values[outcome.key]],
                                      str(driver.name), [v.value for v in values[driver.key]],
                                      annotations=notes,
                                      partial=charts.is_partial(context["series_periods"], today))  # fmt: skip

    def split(by, keys=(key,)):
        return board_breakdown(user=request.user, node=node, keys=list(keys), counted=board.range.current, by=by)

    breakdowns = []
    if kpi.formula != Formula.GROWTH:
        if board.children:
            ranked = sorted(board.children, key=lambda item: (item[1][key].value is None, -(item[1][key].value or 0)))
            breakdowns.append(_breakdown(_("By node below"), ranked, key, link="node"))
        breakdowns.append(_breakdown(_("By channel"), split(BY_CHANNEL), key))
        labelled = [(campaign or _("(no campaign)"), values) for campaign, values in split(BY_CAMPAIGN)[:10]]
        breakdowns.append(_breakdown(_("Top campaigns"), labelled, key, link="campaign"))
        if has_slice_breakdowns(kpi):
            for dimension in (SliceDimension.SOURCE_MEDIUM, SliceDimension.SEGMENT, SliceDimension.SCORE_BAND):
                breakdowns.append(_breakdown(dimension.label, split(dimension), key))
    arrivals = split(SliceDimension.HOUR_WEEKDAY, keys=["leads"])
    heatmap = charts.hour_weekday_heatmap({label: v["leads"].value for label, v in arrivals},
                                          weekday_names=[_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"),
                                                         _("Sun")], closing_hour=CALL_CENTRE_CLOSES)  # fmt: skip
    if (export := request.GET.get("format")) in TABLE_FORMATS:
        return table_response(kpi_table(kpi=kpi, partner=partner, node=node, series_periods=context["series_periods"],
                                        series=tile.series, partner_series=partner_tile.series,
                                        breakdowns=[b for b in breakdowns if b]), export)  # fmt: skip
    return render(request, "dashboard/kpi.html", {
        **context, "kpi": kpi, "tile": tile, "partner": partner, "trend": json.dumps(trend),
        "breakdowns": [b for b in breakdowns if b], "heatmap": json.dumps(heatmap), "trail": [(kpi.name, None)],
        "questions": questions, "board_range": board.range,
        # A note added here is dated inside the period shown, so it appears on the chart the person is looking at.
        "note_day": min(today, board.range.current.end),
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
DAILY_UP_TO = 92  # longer periods are charted week by week,
WEEKLY_UP_TO = 2 * 366  # and longer ones month by month


@login_required
@require_GET
def campaigns_page(request):
    """The campaigns that spent or brought leads under a node over the period, largest spend first; ?format=csv
    (or xlsx) exports them all."""
    context = board_request_or_404(request)
    node, period = context["node"], context["period"]
    rng = board_range(period=period, today=context["today"],
                      fiscal_year_start_month=context["network"].fiscal_year_start_month)
    ranked = board_breakdown(user=request.user, node=node, keys=CAMPAIGN_LIST_KPIS, counted=rng.current, by=BY_CAMPAIGN)
    # Spend is budget_used's numerator: sort on it, since campaigns without a budget have no budget_used value.
    lines = [(campaign, values["budget_used"].numerator, [values[k] for k in CAMPAIGN_LIST_KPIS])
             for campaign, values in ranked if campaign is not None]  # fmt: skip
    lines.sort(key=lambda line: -(line[1] or 0))
    if (export := request.GET.get("format")) in TABLE_FORMATS:
        return table_response(campaigns_table(lines=lines, keys=CAMPAIGN_LIST_KPIS, node=node, period=period), export)
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "dashboard/campaigns.html", {
        **context, "page": page, "lines": page, "kpis": [CATALOG[k] for k in CAMPAIGN_LIST_KPIS], "board_range": rng,
        "trail": [(_("Campaigns"), None)],
    })  # fmt: skip


def _chart_points(period, today, *, first_day=None):
    """The points of a campaign's chart over `period`, from the campaign's first day when known, up to today: days,
    ISO weeks for long periods, months for very long ones (a chart stays readable over any range one can type)."""
    start, end = max(period.start, first_day or period.start), min(period.end, today)
    if end < start:
        return []
    days = (end - start).days
    if days < DAILY_UP_TO:
        return [period_containing(PeriodKind.DAY, start + timedelta(days=n)) for n in range(days + 1)]
    kind = PeriodKind.WEEK if days < WEEKLY_UP_TO else PeriodKind.MONTH
    points, day = [], start
    while day <= end:
        points.append(period_containing(kind, day))
        day = points[-1].end + timedelta(days=1)
    return points


@login_required
@require_GET
def campaign_page(request, pk):
    """One campaign under a node: its KPIs, its funnel, leads beside cost per lead day by day, and for a shared
    campaign, what it did on each node below. A franchisee opening a network-wide campaign sees their own share."""
    campaign = get_object_or_404(campaigns_visible(user=request.user), pk=pk)
    lifetime = None
    if campaign.start_date and campaign.end_date:
        lifetime = (campaign.start_date, campaign.end_date)
    context = board_request_or_404(request, default_node=campaign.node, default_range=lifetime)
    node, period, today = context["node"], context["period"], context["today"]
    points = _chart_points(period, today, first_day=campaign.start_date)
    board = board_read(user=request.user, node=node, keys=[*CAMPAIGN_KPIS, "leads", "cpl"],
                       child_keys=["budget_used", "leads", "cpl"], period=period, today=today, series_periods=points,
                       campaign=campaign)  # fmt: skip
    tiles = board.tiles[: len(CAMPAIGN_KPIS)]
    outside = lifetime is not None and (lifetime[1] < period.start or lifetime[0] > period.end)
    totals = board.sums
    leads, cpl = board.tile("leads").series, board.tile("cpl").series
    chart = charts.outcome_and_driver(charts.axis_labels(points), str(CATALOG["leads"].name),
                                      [v.value for v in leads], str(CATALOG["cpl"].name),
                                      [v.value for v in cpl])  # fmt: skip
    by_child = [(child, values) for child, values in board.children if values["leads"].value or
                values["budget_used"].numerator]  # fmt: skip
    return render(request, "dashboard/campaign.html", {
        **context, "campaign": campaign, "tiles": tiles, "spend": totals.get("spend", 0),
        "budget": totals.get("budget"), "board_range": board.range,
        "outside": outside, "lifetime_query": {"node": node.slug, "period": "custom", "start": lifetime[0],
                                               "end": lifetime[1]} if lifetime else None,
        "funnel": json.dumps(charts.funnel([(str(label), totals.get(m, 0)) for m, label in FUNNEL])),
        "chart": json.dumps(chart), "by_child": by_child, "sparklines": {},
        "trail": [(_("Campaigns"), _url("campaigns", query=context["query"])), (campaign.name, None)],
    })  # fmt: skip


# Leads and conversations ---------------------------------------------------------------------------------------

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
    minimum score, text); ?format=csv (or xlsx) exports every matching lead."""
    context = board_request_or_404(request)
    node, period = context["node"], context["period"]
    filters = _list_filters(request, ["campaign", "source", "medium", "segment", "qualified", "customer",
                                      "min_score", "q"])  # fmt: skip
    campaign = None
    if "campaign" in filters:
        campaign = campaign_names(user=request.user, ids=[int(filters["campaign"])]).get(int(filters["campaign"]))
        if campaign is None:
            raise Http404
    leads = leads_visible(
        user=request.user, node=node, start=period.start, end=period.end, campaign_id=campaign.pk if campaign else None,
        search=filters.get("q", ""), source=filters.get("source", ""), medium=filters.get("medium", ""),
        segment=filters.get("segment", ""), qualified=filters.get("qualified", ""),
        customer=filters.get("customer", ""),
        min_score=int(filters["min_score"]) if "min_score" in filters else None,
    )  # fmt: skip
    if (export := request.GET.get("format")) in TABLE_FORMATS:
        return table_response(leads_table(leads=leads, node=node, period=period, zone=context["network"].zone),
                              export)  # fmt: skip
    trail = [(_("Leads"), None)]
    if campaign:
        trail.insert(0, (campaign.name, _url("campaign", campaign.pk, query=context["query"])))
    return render(request, "dashboard/leads.html", {
        **context, "page": Paginator(leads, PAGE_SIZE).get_page(request.GET.get("page")), "campaign": campaign,
        "filters": filters,
        "choices": lead_filter_choices(user=request.user, node=node, start=period.start, end=period.end),
        "list_query": {**context["query"], **filters}, "trail": trail,
    })  # fmt: skip


@login_required
@require_GET
def lead_page(request, pk):
    """One lead: where it came from, what became of it, and the conversations that led to it."""
    lead = lead_visible(user=request.user, pk=pk)
    if lead is None:
        raise Http404
    context = board_request_or_404(request, default_node=lead.node)
    conversations = lead_conversations(user=request.user, lead=lead)
    return render(request, "dashboard/lead.html", {
        **context, "lead": lead, "conversations": conversations,
        "trail": [(_("Leads"), _url("leads", query=context["query"])), (lead.external_id, None)],
    })  # fmt: skip


@login_required
@require_GET
def conversations_page(request):
    """Chatbot and messaging conversations under a node for the period, filterable by channel, segment, outcome and
    text; ?format=csv (or xlsx) exports every matching conversation."""
    context = board_request_or_404(request)
    node, period = context["node"], context["period"]
    filters = _list_filters(request, ["channel", "segment", *CONVERSATION_FLAGS, "q"])
    if filters.get("channel") not in (None, *CONVERSATION_CHANNELS):
        filters.pop("channel")
    conversations = conversations_visible(
        user=request.user, node=node, start=period.start, end=period.end, channel=filters.get("channel", ""),
        segment=filters.get("segment", ""), search=filters.get("q", ""),
        **{flag: filters.get(flag, "") for flag in CONVERSATION_FLAGS},
    )  # fmt: skip
    if (export := request.GET.get("format")) in TABLE_FORMATS:
        return table_response(conversations_table(conversations=conversations, node=node, period=period,
                                                  zone=context["network"].zone), export)  # fmt: skip
    return render(request, "dashboard/conversations.html", {
        **context, "page": Paginator(conversations, PAGE_SIZE).get_page(request.GET.get("page")), "filters": filters,
        "channels": CONVERSATION_CHANNELS, "list_query": {**context["query"], **filters},
        "flags": [(flag, Conversation._meta.get_field(flag).verbose_name, filters.get(flag, ""))
                  for flag in CONVERSATION_FLAGS],
        "trail": [(_("Conversations"), None)],
    })  # fmt: skip
