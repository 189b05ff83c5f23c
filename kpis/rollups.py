"""Rollups: the facts of a network summed per node, campaign, channel and day into DailyRollup, per drill
dimension into SliceRollup, and per node's whole subtree and day into SubtreeRollup (what the board reads).

KPI values read rollups only. An import or a sync calls `rollups_refresh` with the days it touched, and exactly
those days are recomputed, in one transaction, from the facts as they now stand.

The work is set-based: each grouped query below (built with the ORM, so that it runs on SQLite and PostgreSQL
alike) feeds an `INSERT ... SELECT` that the database runs on its own, so no fact row travels to Python. That is
what keeps a network of 1,000 franchisees and tens of millions of facts refreshable in minutes, and one day of it in
a few seconds (see the README's Performance section).
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import Case, CharField, Count, Exists, F, IntegerField, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Concat, ExtractHour, ExtractIsoWeekDay, LPad

from accounts.models import Node, in_subtree

from .board_cache import network_invalidate
from .catalog import BASE_MEASURES, SLICE_MEASURES
from .models import Campaign, Conversation, DailyMetric, DailyRollup, Lead, Sale, SliceRollup, SubtreeRollup
from .models import SliceDimension as D

BUDGET_PLACES = Decimal("0.000001")
POSITIVE_RATING_PCT = 70


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
        DailyMetric.objects.filter(in_subtree(path, via="campaign__node"), _in_days("date", days))
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
    return Lead.objects.filter(in_subtree(path), _in_days("day", days)).annotate(
        from_chat=Exists(Conversation.objects.filter(lead=OuterRef("pk")))
    )


def _conversations(path, days):
    return Conversation.objects.filter(in_subtree(path), _in_days("day", days))


def _lead_rows(leads, hot_threshold):
    return (
        leads.values("day", "node_id", node_path=F("node__path"), channel=Coalesce(F("campaign__channel"), Value("")),
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
        Sale.objects.filter(in_subtree(path), _in_days("date", days))
        .values("node_id", day=F("date"), node_path=F("node__path"))
        .annotate(orders=Sum("orders"), units=Sum("units"), sales_revenue=Sum("revenue"),
                  new_customers=Sum("new_customers"))
        .order_by()
    )  # fmt: skip


def _budget_rows(path, days):
    """Each dated campaign's budget spread evenly over its days, for the days asked."""
    campaigns = Campaign.objects.filter(
        in_subtree(path), budget__gt=0, start_date__isnull=False, end_date__isnull=False
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


def _or_none(field):
    """The text of `field`, or "(none)" when it is blank."""
    return Case(When(**{field: ""}, then=Value(NONE)), default=F(field), output_field=CharField())


def _slice_specs(leads, conversations, zone, hot_threshold):
    """{dimension: [(grouped queryset with a `value` column, its measures)]} over the `leads` and `conversations`
    querysets (None: leave that table out): lead origin (source / medium), population segment, score band, and
    local weekday and hour of arrival ("1-09" is Monday 09:00-09:59)."""
    band = Case(*[When(score__range=b, then=Value(f"{b[0]}-{b[1]}")) for b in SCORE_BANDS], default=Value(""))

    def hour_weekday(moment):
        hour = Cast(ExtractHour(moment, tzinfo=zone), CharField())
        return Concat(Cast(ExtractIsoWeekDay("day"), CharField()), Value("-"), LPad(hour, 2, Value("0")),
                      output_field=CharField())  # fmt: skip

    lead_measures, conversation_measures = _lead_measures(hot_threshold), _conversation_measures()
    specs = {
        D.SOURCE_MEDIUM: [(leads, Concat(_or_none("source"), Value(" / "), _or_none("medium"),
                                         output_field=CharField()), lead_measures)],
        D.SEGMENT: [(leads, F("segment"), lead_measures), (conversations, F("segment"), conversation_measures)],
        D.SCORE_BAND: [(leads, band, lead_measures)],
        D.HOUR_WEEKDAY: [(leads, hour_weekday("created_at"), lead_measures),
                         (conversations, hour_weekday("started_at"), conversation_measures)],
    }  # fmt: skip
    return {
        dimension: [
            (queryset.values("day", "node_id", node_path=F("node__path"), value=value).annotate(**measures).order_by(),
             measures)
            for queryset, value, measures in group
            if queryset is not None
        ]
        for dimension, group in specs.items()
    }  # fmt: skip


def _quoted(*names):
    return ", ".join(connection.ops.quote_name(n) for n in names)


def _insert_grouped(model, keys, measures, sources, constants=()):
    """INSERT INTO `model` the sums of `measures`, grouped by `keys`,
    over the rows of `sources`: a list of (SQL and params of a query with at most one row per key, the measures it
    has, {key: SQL expression} for keys it lacks). Sources that share a key merge into one row; a measure a source
    lacks counts 0; an empty sum is 0, never NULL. `constants` are (column, value) pairs written on every row.
    Returns the number of rows written."""
    branches, params = [], []
    for (sql, source_params), has, lacks in sources:
        columns = [f"{lacks[k]} AS {_quoted(k)}" if k in lacks else f"s.{_quoted(k)}" for k in keys]
        columns += [f"s.{_quoted(m)} AS {_quoted(m)}" if m in has else f"0 AS {_quoted(m)}" for m in measures]
        branches.append(f"SELECT {', '.join(columns)} FROM ({sql}) s")  # noqa: S608 - names, ORM-compiled SQL
        params += source_params
    constant_columns = [c for c, _ in constants]
    targets = [*(k if k != "campaign_ref" else "campaign_id" for k in keys), *constant_columns, *measures]
    # A single source already has one row per key: grouping its rows again would only sort them once more.
    merge = len(sources) > 1
    select = [f"u.{_quoted(k)}" for k in keys] + ["%s"] * len(constants)
    select += [f"COALESCE(SUM(u.{_quoted(m)}), 0)" if merge else f"COALESCE(u.{_quoted(m)}, 0)" for m in measures]
    # Quoted names and ORM-compiled SQL: every value is a parameter.
    sql = (
        f"INSERT INTO {_quoted(model._meta.db_table)} ({_quoted(*targets)}) "  # noqa: S608
        f"SELECT {', '.join(select)} FROM ({' UNION ALL '.join(branches)}) u "
        + (f"GROUP BY {', '.join(f'u.{_quoted(k)}' for k in keys)}" if merge else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*(v for _, v in constants), *params])
        return max(cursor.rowcount, 0)


def _compiled(queryset):
    return queryset.query.sql_with_params()


def _budget_source(path, days):
    """The budget spread over each campaign's days, as a relation for _insert_grouped: computed by PostgreSQL
    itself (generate_series), or, on other databases (small ones), from _budget_rows in a temporary table.
    Returns (source, cleanup)."""
    keys = {}  # the relation has every key column
    if connection.vendor == "postgresql":
        campaigns = Campaign.objects.filter(
            in_subtree(path), budget__gt=0, start_date__isnull=False, end_date__isnull=False
        ).values("id", "node_id", "channel", "start_date", "end_date", "budget", node_path=F("node__path"))
        campaign_sql, campaign_params = _compiled(campaigns)
        day_filter, day_params = "", []
        if days is not None:
            ranges = day_ranges(days) or [(None, None)]
            day_filter = "WHERE " + " OR ".join(["d.day BETWEEN %s AND %s"] * len(ranges))
            day_params = [d for r in ranges for d in r]
        # ROUND(numeric, 6) rounds half away from zero: half-up, as _budget_rows does, for these positive shares.
        sql = (
            "SELECT d.day, c.node_id, c.node_path, c.channel, c.id AS campaign_ref, "  # noqa: S608 - see above
            "ROUND(c.budget / (c.end_date - c.start_date + 1), 6) AS budget "
            f"FROM ({campaign_sql}) c CROSS JOIN LATERAL ("
            "SELECT g::date AS day FROM generate_series(c.start_date, c.end_date, interval '1 day') g) d "
            f"{day_filter}"
        )
        return ((sql, [*campaign_params, *day_params]), {"budget"}, keys), lambda: None
    table = "rollups_budget_spread"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMPORARY TABLE {table} (day DATE, node_id BIGINT, node_path VARCHAR(255), "
                       f"channel VARCHAR(32), campaign_ref BIGINT, budget DECIMAL(18, 6))")  # fmt: skip
        cursor.executemany(
            f"INSERT INTO {table} VALUES (%s, %s, %s, %s, %s, %s)",  # noqa: S608 - a fixed name
            [(r["day"], r["node_id"], r["node_path"], r["channel"], r["campaign_ref"], str(r["budget"]))
             for r in _budget_rows(path, days)],
        )  # fmt: skip

    def cleanup():
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")

    return ((f"SELECT * FROM {table}", []), {"budget"}, keys), cleanup  # noqa: S608 - a fixed name


METRIC_MEASURES = ("spend", "impressions", "clicks", "visitors", "page_views", "cta_views", "cta_clicks", "lp_views",
                   "form_submits")  # fmt: skip
SALE_MEASURES = ("orders", "units", "sales_revenue", "new_customers")
DAILY_KEYS = ("day", "node_id", "node_path", "campaign_ref", "channel")
SLICE_KEYS = ("day", "node_id", "node_path", "value")
# The grain of each rollup: its rows of the same grain add up (see rollups_add_new_leads).
ROLLUP_GRAINS = {DailyRollup: ("day", "node_id", "node_path", "campaign_id", "channel"),
                 SliceRollup: ("day", "node_id", "node_path", "dimension", "value"),
                 SubtreeRollup: ("day", "node_id", "node_path")}  # fmt: skip


def _daily_rollups_write(path, days, hot_threshold):
    budget, cleanup = _budget_source(path, days)
    sources = [
        (_compiled(_metric_rows(path, days)), set(METRIC_MEASURES), {}),
        (_compiled(_lead_rows(_leads(path, days), hot_threshold)), set(_lead_measures(hot_threshold)), {}),
        (_compiled(_conversation_rows(path, days)), set(_conversation_measures()), {"campaign_ref": "NULL"}),
        (_compiled(_sale_rows(path, days)), set(SALE_MEASURES), {"campaign_ref": "NULL", "channel": "''"}),
        budget,
    ]
    try:
        return _insert_grouped(DailyRollup, DAILY_KEYS, BASE_MEASURES, sources)
    finally:
        cleanup()


def _slice_rollups_write(path, days, zone, hot_threshold):
    written = 0
    specs = _slice_specs(_leads(path, days), _conversations(path, days), zone, hot_threshold)
    for dimension, group in specs.items():
        sources = [(_compiled(queryset), set(measures), {}) for queryset, measures in group]
        written += _insert_grouped(SliceRollup, SLICE_KEYS, SLICE_MEASURES, sources,
                                   constants=[("dimension", dimension.value)])  # fmt: skip
    return written


def _statistics_renewed(*models):
    """ANALYZE the tables of `models` on PostgreSQL. A full refresh writes millions of rows that the planner would
    otherwise take for none (on a new database, before autovacuum has seen them), and join them row by row for
    hours; and a network just built may be taken for a single node."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {_quoted(*(m._meta.db_table for m in models))}")


# Memory for each sort and grouping of a refresh or an import: they group up to millions of rows at once, and with
# PostgreSQL's default (4 MB) each one would spill to disk. For the current transaction only.
BULK_WORK_MEM = "256MB"


def bulk_work_mem():
    """Give the current transaction's sorts and groupings BULK_WORK_MEM each (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [BULK_WORK_MEM])


def _subtree_rollups_write(path, days):
    """SubtreeRollup rows of every node under `path` for `days`, from the deepest nodes up: a node's row is the sum
    of its own DailyRollup rows (facts and campaigns hung on it) and of its children's subtree rows, just written.
    Each step is one equi-join on the parent, so the cost grows with the nodes and days, not with the facts."""
    nodes = Node.objects.subtree(path)
    written = 0
    sums = {m: Sum(m) for m in BASE_MEASURES}
    for depth in sorted(set(nodes.values_list("depth", flat=True)), reverse=True):
        if days is None:
            _statistics_renewed(Node, DailyRollup, SubtreeRollup)
        own = DailyRollup.objects.filter(in_subtree(path, via="node_path"), _in_days("day", days), node__depth=depth)
        children = SubtreeRollup.objects.filter(in_subtree(path, via="node_path"), _in_days("day", days),
                                                node__depth=depth + 1)  # fmt: skip
        sources = [
            (_compiled(own.values("day", "node_id", "node_path").annotate(**sums).order_by()), set(BASE_MEASURES),
             {}),
            (_compiled(children.values("day", node_ref=F("node__parent_id"), parent_path=F("node__parent__path"))
                       .annotate(**sums).order_by()),
             set(BASE_MEASURES), {"node_id": "s.node_ref", "node_path": "s.parent_path"}),
        ]  # fmt: skip
        written += _insert_grouped(SubtreeRollup, ("day", "node_id", "node_path"), BASE_MEASURES, sources)
    return written


@transaction.atomic
def rollups_refresh(*, network, days=None):
    """Recompute the rollups of `network` for `days` (an iterable of dates; None: every day). Returns the number
    of rollup rows written. Cached board figures of the network are dropped once the transaction commits."""
    network = Node.objects.select_for_update().get(pk=network.pk)  # one refresh of a network at a time
    bulk_work_mem()
    path = network.path
    days = None if days is None else set(days)
    if days is not None and not days:
        return 0
    for model in (DailyRollup, SliceRollup, SubtreeRollup):
        model.objects.filter(in_subtree(path, via="node_path"), _in_days("day", days)).delete()
    written = _daily_rollups_write(path, days, network.hot_lead_threshold)
    written += _slice_rollups_write(path, days, network.zone, network.hot_lead_threshold)
    written += _subtree_rollups_write(path, days)
    network_invalidate(network)
    return written


def rollups_refresh_touched(touched_days):
    """Refresh the rollups of the days a batch touched ({network slug: days}), network by network."""
    for network_slug, days in touched_days.items():
        rollups_refresh(network=Node.objects.get(slug=network_slug), days=days)


@transaction.atomic
def subtree_rollups_refresh(*, network):
    """Rebuild `network`'s subtree totals from its daily rollups, every day: after a node moved, its old and new
    ancestors' totals change although no fact did."""
    network = Node.objects.select_for_update().get(pk=network.pk)
    bulk_work_mem()
    SubtreeRollup.objects.filter(in_subtree(network, via="node_path")).delete()
    written = _subtree_rollups_write(network.path, None)
    network_invalidate(network)
    return written


# Adding new leads to the rollups --------------------------------------------------------------------------------
# An import of a CRM's backlog brings a million new leads spread over months: recomputing all those days would read
# every fact of every one of them again. New leads are only ever added, and every rollup measure is a count or a
# sum: the sums of the new leads alone are written as rows of their own beside those already there, and every
# reader sums the rows of a grain (the tests compare the sums with a full refresh, and so does the benchmark at
# full scale). Updating the existing rows in place instead costs as much as recomputing the days. The next refresh
# of a day folds its rows back into one per grain.

LEAD_MEASURES = tuple(_lead_measures(0))


@transaction.atomic
def rollups_add_new_leads(*, network, leads):
    """Add `leads` (a queryset of leads inserted in this transaction, under `network`) to the network's rollups:
    the same sums as rollups_refresh of their days would give. PostgreSQL only. Returns the rollup rows written."""
    network = Node.objects.select_for_update().get(pk=network.pk)  # one writer of the network's rollups at a time
    bulk_work_mem()
    hot_threshold = network.hot_lead_threshold
    # No conversation can point at a lead that did not exist before this transaction.
    leads = leads.filter(in_subtree(network)).annotate(from_chat=Value(False))
    lead_sums = [(_compiled(_lead_rows(leads, hot_threshold)), set(LEAD_MEASURES), {})]
    written = _insert_grouped(DailyRollup, DAILY_KEYS, BASE_MEASURES, lead_sums)
    for dimension, group in _slice_specs(leads, None, network.zone, hot_threshold).items():
        sources = [(_compiled(queryset), set(measures), {}) for queryset, measures in group]
        written += _insert_grouped(SliceRollup, SLICE_KEYS, SLICE_MEASURES, sources,
                                   constants=[("dimension", dimension.value)])  # fmt: skip
    # The subtree rows: the new leads' sums per node and day (a few hundred thousand rows at most, where the daily
    # rows are about one per lead), added to the node and to every node above it.
    own_sql, own_params = _compiled(leads.values("day", "node_id").annotate(**_lead_measures(hot_threshold)).order_by())
    sums = ", ".join(f"COALESCE(SUM(o.{_quoted(m)}), 0)" if m in LEAD_MEASURES else "0" for m in BASE_MEASURES)
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE up (node_id, ancestor_id) AS ("  # noqa: S608 - quoted names, ORM-compiled SQL
            "SELECT id, id FROM accounts_node WHERE starts_with(path, %s) "
            "UNION ALL SELECT up.node_id, n.parent_id FROM up JOIN accounts_node n ON n.id = up.ancestor_id "
            "WHERE n.parent_id IS NOT NULL) "
            f"INSERT INTO {_quoted(SubtreeRollup._meta.db_table)} (day, node_id, node_path, {_quoted(*BASE_MEASURES)}) "
            f"SELECT o.day, a.id, a.path, {sums} FROM ({own_sql}) o JOIN up ON up.node_id = o.node_id "
            "JOIN accounts_node a ON a.id = up.ancestor_id GROUP BY o.day, a.id, a.path",
            [network.path, *own_params],
        )
        written += max(cursor.rowcount, 0)
    network_invalidate(network)
    return written
