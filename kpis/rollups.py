"""Rollups: the facts of a network summed per node, campaign, channel and day into DailyRollup.

KPI values read rollups only. An import or a sync calls `rollups_refresh` with the days it touched, and exactly
those days are recomputed, in one transaction, from the facts as they now stand.
"""

from collections import defaultdict
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractHour

from accounts.models import Node

from .models import Campaign, Conversation, DailyMetric, DailyRollup, Lead, Sale, SliceRollup
from .models import SliceDimension as D

BUDGET_PLACES = Decimal("0.000001")
POSITIVE_RATING_PCT = 70
BATCH = 5000


def day_ranges(days):
    """Collapse a set of dates into sorted inclusive (first, last) runs, so a filter stays short."""
    ranges = []
    for day in sorted(days):
        if ranges and day == ranges[-1][1] + timedelta(days=1):
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return [tuple(r) for r in ranges]


def _in_days(field, days):
    if days is None:
        return Q()
    ranges = day_ranges(days)
    if not ranges:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{field}__range": r}) for r in ranges))


def _metric_rows(path, days):
    return (
        DailyMetric.objects.filter(_in_days("date", days), campaign__node__path__startswith=path)
        .values(day=F("date"), node_id=F("campaign__node_id"), node_path=F("campaign__node__path"),
                channel=F("campaign__channel"), campaign_ref=F("campaign_id"))
        .annotate(
            spend=Sum("spend"), impressions=Sum("impressions"), clicks=Sum("clicks"), visitors=Sum("visitors"),
            page_views=Sum("page_views"), cta_views=Sum("cta_views"), cta_clicks=Sum("cta_clicks"),
            lp_views=Sum("lp_views"), form_submits=Sum("form_submits"),
        )
        .order_by()
    )  # fmt: skip


def _lead_measures(hot_threshold):
    won = Q(customer=True)
    return dict(
        leads=Count("id"), qualified_leads=Count("id", filter=Q(qualified=True)), customers=Count("id", filter=won),
        promoters=Count("id", filter=won & Q(purchases__gte=2)), lead_revenue=Sum("revenue"),
        scored_leads=Count("score"), lead_score_sum=Sum("score"),
        hot_leads=Count("id", filter=Q(score__gte=hot_threshold)),
        chatbot_customers=Count("id", filter=won & Q(from_chat=True)),
    )  # fmt: skip


def _conversation_measures():
    rating_pct = F("rating") * 100 / F("rating_scale")
    return dict(
        conversations=Count("id"), captured=Count("id", filter=Q(captured_contact=True)),
        goal_completions=Count("id", filter=Q(goal_completed=True)),
        self_served=Count("id", filter=Q(self_served=True)), escalated=Count("id", filter=Q(escalated=True)),
        rated=Count("rating"), rating_pct_sum=Sum(rating_pct, output_field=IntegerField()),
        positive_ratings=Count("id", filter=Q(rating__gte=F("rating_scale") * POSITIVE_RATING_PCT / 100)),
        duration_s_sum=Sum("duration_seconds"), messages=Sum("messages"),
    )  # fmt: skip


def _leads(path, days):
    return Lead.objects.filter(_in_days("day", days), node__path__startswith=path).annotate(
        from_chat=Exists(Conversation.objects.filter(lead=OuterRef("pk")))
    )


def _conversations(path, days):
    return Conversation.objects.filter(_in_days("day", days), node__path__startswith=path)


def _lead_rows(path, days, hot_threshold):
    return (
        _leads(path, days)
        .values("day", "node_id", node_path=F("node__path"), channel=Coalesce(F("campaign__channel"), Value("")),
                campaign_ref=F("campaign_id"))
        .annotate(**_lead_measures(hot_threshold))
        .order_by()
    )  # fmt: skip


def _conversation_rows(path, days):
    return (
        _conversations(path, days)
        .values("day", "node_id", "channel", node_path=F("node__path"))
        .annotate(**_conversation_measures())
        .order_by()
    )


def _sale_rows(path, days):
    return (
        Sale.objects.filter(_in_days("date", days), node__path__startswith=path)
        .values("node_id", day=F("date"), node_path=F("node__path"))
        .annotate(orders=Sum("orders"), units=Sum("units"), sales_revenue=Sum("revenue"),
                  new_customers=Sum("new_customers"))
        .order_by()
    )  # fmt: skip


def _budget_rows(path, days):
    """Each dated campaign's budget spread evenly over its days, for the days asked."""
    campaigns = Campaign.objects.filter(
        node__path__startswith=path, budget__gt=0, start_date__isnull=False, end_date__isnull=False
    ).values("id", "node_id", "node__path", "channel", "start_date", "end_date", "budget")
    if days is not None:
        wanted = set(days)
        if not wanted:
            return
        campaigns = campaigns.filter(start_date__lte=max(wanted), end_date__gte=min(wanted))
    for c in campaigns:
        length = (c["end_date"] - c["start_date"]).days + 1
        share = (c["budget"] / length).quantize(BUDGET_PLACES, rounding=ROUND_HALF_UP)
        for offset in range(length):
            day = c["start_date"] + timedelta(days=offset)
            if days is None or day in wanted:
                yield {"day": day, "node_id": c["node_id"], "node_path": c["node__path"], "channel": c["channel"],
                       "campaign_ref": c["id"], "budget": share}  # fmt: skip


SCORE_BANDS = [(0, 19), (20, 39), (40, 59), (60, 79), (80, 100)]
NONE = "(none)"


def _slice_rows(path, days, zone, hot_threshold):
    """Yield ((day, node id, node path, dimension, value), measures) for every drill dimension."""
    band = Case(*[When(score__range=b, then=Value(f"{b[0]}-{b[1]}")) for b in SCORE_BANDS], default=Value(""))
    specs = [
        (_leads(path, days), D.SOURCE_MEDIUM, {"a": F("source"), "b": F("medium")}, _lead_measures(hot_threshold)),
        (_leads(path, days), D.SEGMENT, {"a": F("segment")}, _lead_measures(hot_threshold)),
        (_leads(path, days), D.SCORE_BAND, {"a": band}, _lead_measures(hot_threshold)),
        (_leads(path, days), D.HOUR_WEEKDAY, {"a": ExtractHour("created_at", tzinfo=zone)},
         _lead_measures(hot_threshold)),
        (_conversations(path, days), D.SEGMENT, {"a": F("segment")}, _conversation_measures()),
        (_conversations(path, days), D.HOUR_WEEKDAY, {"a": ExtractHour("started_at", tzinfo=zone)},
         _conversation_measures()),
    ]  # fmt: skip
    for queryset, dimension, group, measures in specs:
        for row in (
            queryset.values("day", "node_id", node_path=F("node__path"), **group).annotate(**measures).order_by()
        ):
            day, a, b = row.pop("day"), row.pop("a"), row.pop("b", None)
            if dimension == D.SOURCE_MEDIUM:
                value = f"{a or NONE} / {b or NONE}"
            elif dimension == D.HOUR_WEEKDAY:
                value = f"{day.isoweekday()}-{a:02d}"
            else:
                value = a or ""
            yield (day, row.pop("node_id"), row.pop("node_path"), dimension, value), row


def _accumulate(grains, key, measures):
    bucket = grains[key]
    for measure, value in measures.items():
        if value:
            bucket[measure] = bucket.get(measure, 0) + value


def _bulk_write(model, objects):
    written, batch = 0, []
    for obj in objects:
        batch.append(obj)
        if len(batch) >= BATCH:
            written += len(model.objects.bulk_create(batch))
            batch = []
    return written + len(model.objects.bulk_create(batch))


@transaction.atomic
def rollups_refresh(*, network, days=None):
    """Recompute the rollups of `network` for `days` (an iterable of dates; None: every day). Returns the number
    of rollup rows written."""
    network = Node.objects.select_for_update().get(pk=network.pk)  # one refresh of a network at a time
    path = network.path
    days = None if days is None else set(days)
    DailyRollup.objects.filter(_in_days("day", days), node_path__startswith=path).delete()
    SliceRollup.objects.filter(_in_days("day", days), node_path__startswith=path).delete()

    grains = defaultdict(dict)
    sources = [
        _metric_rows(path, days),
        _lead_rows(path, days, network.hot_lead_threshold),
        _conversation_rows(path, days),
        _sale_rows(path, days),
        _budget_rows(path, days),
    ]
    for source in sources:
        for row in source:
            key = (row.pop("day"), row.pop("node_id"), row.pop("node_path"), row.pop("campaign_ref", None),
                   row.pop("channel", "") or "")  # fmt: skip
            _accumulate(grains, key, row)
    written = _bulk_write(
        DailyRollup,
        (DailyRollup(day=day, node_id=node_id, node_path=node_path, campaign_id=campaign_id, channel=channel,
                     **measures)
         for (day, node_id, node_path, campaign_id, channel), measures in grains.items()),
    )  # fmt: skip

    slices = defaultdict(dict)
    for key, measures in _slice_rows(path, days, network.zone, network.hot_lead_threshold):
        _accumulate(slices, key, measures)
    written += _bulk_write(
        SliceRollup,
        (SliceRollup(day=day, node_id=node_id, node_path=node_path, dimension=dimension, value=value, **measures)
         for (day, node_id, node_path, dimension, value), measures in slices.items()),
    )  # fmt: skip
    return written
