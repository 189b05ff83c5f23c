"""What the benchmark times: the board through the product's own selector (cold and warm), the same figures the
straightforward way (the baseline), the CSV import path against a bare COPY, and one day's rollup refresh."""

import statistics
import time
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Sum

from accounts.constants import PATH_SEPARATOR
from accounts.models import in_subtree
from accounts.scoping import visible_nodes
from accounts.selectors import node_network
from ingestion.importing import import_file
from kpis import board_cache
from kpis.boards import board_read
from kpis.engine import children_ranked, comparable_periods, needed_periods, reports_from_totals, series_from_totals
from kpis.models import Campaign, Conversation, DailyMetric, Lead, Sale
from kpis.periods import PeriodKind, period_containing, series
from kpis.rollups import ROLLUP_GRAINS, rollups_refresh

# The home page's twelve tiles, and eight more: a board of 20 tiles.
BOARD_KPIS = ["sales_revenue", "new_customers", "roi", "customer_growth", "leads", "qualified_lead_rate", "cpl",
              "customer_conversion_rate", "capture_rate", "budget_used", "avg_lead_score", "satisfaction",
              "units_sold", "roas", "cac", "ctr", "cpc", "hot_lead_rate", "goal_completion_rate",
              "chatbot_conversions"]  # fmt: skip
CHILD_KPIS = ["sales_revenue", "leads", "cpl", "roi"]  # the home page's ranking of the nodes below
SERIES_MONTHS = 13


def timings(seconds):
    """p50, p95, min and max in milliseconds, and n. Percentiles interpolate between the closest ranks."""
    ms = sorted(s * 1000 for s in seconds)
    if len(ms) == 1:
        p50 = p95 = ms[0]
    else:
        cuts = statistics.quantiles(ms, n=100, method="inclusive")
        p50, p95 = cuts[49], cuts[94]
    return {"n": len(ms), "p50": round(p50, 2), "p95": round(p95, 2), "min": round(ms[0], 2), "max": round(ms[-1], 2)}


class BoardRequest:
    """One person's board of one node for the month of the bench's last day, as the home page asks for it."""

    def __init__(self, *, user, node, today):
        self.user, self.node, self.today = user, node, today
        self.period = period_containing(PeriodKind.MONTH, today)
        self.series_periods = series(PeriodKind.MONTH, today, SERIES_MONTHS)

    def fast(self):
        return board_read(user=self.user, node=self.node, keys=BOARD_KPIS, child_keys=CHILD_KPIS, period=self.period,
                          today=self.today, series_periods=self.series_periods)  # fmt: skip

    def baseline(self):
        """The same figures from the raw facts: for every period the board needs, one ORM aggregate per fact
        table over the node's subtree; for every child, the same over the month. The engine's formulas are then
        applied to these sums, so only where the sums come from differs."""
        compared = comparable_periods(self.period, self.today)
        periods = needed_periods(keys=BOARD_KPIS, periods=[*compared, *self.series_periods])
        totals = {p: facts_sums(node=self.node, start=p.start, end=p.end) for p in periods}
        children = list(visible_nodes(self.user).filter(parent=self.node).order_by("name"))
        counted = compared[0]
        sums = {c: facts_sums(node=c, start=counted.start, end=counted.end) for c in children}
        return (reports_from_totals(keys=BOARD_KPIS, compared=compared, totals=totals),
                series_from_totals(keys=BOARD_KPIS, periods=self.series_periods, totals=totals),
                children_ranked(keys=CHILD_KPIS, period=counted, sums=sums, children=children))  # fmt: skip


def board_values(reports, series_values, children):
    """Every figure a board shows, flat: {(what, KPI, which): value}."""
    values = {}
    for key, report in reports.items():
        for which in ("current", "previous", "last_year"):
            values[("tile", key, which)] = getattr(report, which).value
    for key, points in series_values.items():
        for point in points:
            values[("series", key, point.period.label)] = point.value
    for child, by_key in children:
        for key, value in by_key.items():
            values[("child", key, child.slug)] = value.value
    return values


def fast_values(data):
    reports = {t.kpi.key: t.report for t in data.tiles}
    return board_values(reports, {t.kpi.key: t.series for t in data.tiles}, data.children)


def facts_sums(*, node, start, end):
    """Every base measure of `node`'s subtree from `start` to `end`, straight from the fact tables."""
    under = node.path
    hot = _network_threshold(node)
    sums = DailyMetric.objects.filter(in_subtree(under, via="campaign__node"), date__range=(start, end)).aggregate(
        spend=Sum("spend"), impressions=Sum("impressions"), clicks=Sum("clicks"), visitors=Sum("visitors"),
        page_views=Sum("page_views"), cta_views=Sum("cta_views"), cta_clicks=Sum("cta_clicks"),
        lp_views=Sum("lp_views"), form_submits=Sum("form_submits"),
    )  # fmt: skip
    customer = Q(customer=True)
    sums |= (
        Lead.objects.filter(in_subtree(under), day__range=(start, end))
        .annotate(chatted=Exists(Conversation.objects.filter(lead=OuterRef("pk"))))
        .aggregate(
            leads=Count("pk"), qualified_leads=Count("pk", filter=Q(qualified=True)),
            customers=Count("pk", filter=customer), promoters=Count("pk", filter=customer & Q(purchases__gt=1)),
            lead_revenue=Sum("revenue"), scored_leads=Count("score"), lead_score_sum=Sum("score"),
            hot_leads=Count("pk", filter=Q(score__gte=hot)),
            chatbot_customers=Count("pk", filter=customer & Q(chatted=True)),
        )
    )  # fmt: skip
    sums |= Conversation.objects.filter(in_subtree(under), day__range=(start, end)).aggregate(
        conversations=Count("pk"), captured=Count("pk", filter=Q(captured_contact=True)),
        goal_completions=Count("pk", filter=Q(goal_completed=True)),
        self_served=Count("pk", filter=Q(self_served=True)), escalated=Count("pk", filter=Q(escalated=True)),
        rated=Count("rating"),
        rating_pct_sum=Sum(F("rating") * 100 / F("rating_scale"), output_field=IntegerField()),
        positive_ratings=Count("pk", filter=Q(rating_scale=10, rating__gte=7) | Q(rating_scale=20, rating__gte=14)),
        duration_s_sum=Sum("duration_seconds"), messages=Sum("messages"),
    )  # fmt: skip
    sums |= Sale.objects.filter(in_subtree(under), date__range=(start, end)).aggregate(
        orders=Sum("orders"), units=Sum("units"), sales_revenue=Sum("revenue"), new_customers=Sum("new_customers")
    )
    sums["budget"] = _budget(under, start, end)
    return {measure: Decimal(value) for measure, value in sums.items() if value}


def _network_threshold(node):
    return node_network(node=node).hot_lead_threshold


def _budget(under, start, end):
    """Each dated campaign's budget spread evenly over its days (a share rounded half-up to 6 decimals a day),
    for the days from `start` to `end`."""
    total = Decimal(0)
    campaigns = Campaign.objects.filter(
        in_subtree(under), budget__gt=0, start_date__lte=end, end_date__gte=start
    ).values_list("start_date", "end_date", "budget")
    for first, last, budget in campaigns:
        share = (budget / ((last - first).days + 1)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
        total += share * ((min(last, end) - max(first, start)).days + 1)
    return total


def board_measure(request, *, network, warm_runs, cold_runs, baseline_runs):
    """Cold, warm and baseline timings of one board, and whether the baseline gives the same figures.

    Cold: the network's cached figures dropped (its version replaced) and the database connection closed before
    each run, so that the run pays for a new connection, its first queries and the reads of the rollups. Warm:
    the same board again, its figures in the cache."""
    cold = []
    for _ in range(cold_runs):
        board_cache.network_invalidate(network)
        connection.close()
        began = time.perf_counter()
        request.fast()
        cold.append(time.perf_counter() - began)
    fast = fast_values(request.fast())
    warm = []
    for _ in range(warm_runs):
        began = time.perf_counter()
        request.fast()
        warm.append(time.perf_counter() - began)
    baseline, slow = [], None
    for _ in range(baseline_runs):
        began = time.perf_counter()
        slow = board_values(*request.baseline())
        baseline.append(time.perf_counter() - began)
    mismatches = sorted(str(k) for k in fast.keys() | slow.keys() if fast.get(k) != slow.get(k))
    result = {"node": request.node.slug, "cold_ms": timings(cold), "warm_ms": timings(warm),
              "baseline_ms": timings(baseline), "values_compared": len(fast), "agree": not mismatches,
              "mismatches": mismatches[:20]}  # fmt: skip
    result["speedup_cold"] = round(result["baseline_ms"]["p50"] / result["cold_ms"]["p50"], 1)
    result["speedup_warm"] = round(result["baseline_ms"]["p50"] / result["warm_ms"]["p50"], 1)
    return result


BARE_LEADS = ("CREATE TEMPORARY TABLE bench_bare_leads (external_id varchar(120), created_at timestamptz, "
              "node_slug varchar(60), campaign_external_id varchar(120), source varchar(120), medium varchar(120), "
              "segment varchar(120), score smallint, qualified boolean, customer boolean, revenue numeric(14, 2), "
              "purchases integer)")  # fmt: skip


def _copy_bare(cursor, path):
    with open(path, "rb") as handle, cursor.cursor.copy(
        "COPY bench_bare_leads FROM STDIN WITH (FORMAT csv, HEADER true)"
    ) as copy:
        while block := handle.read(1 << 20):
            copy.write(block)


def bare_copy(path):
    """COPY the CSV file into an unindexed temporary table of the same column types: the physical limit of an
    import of that file. Returns the seconds taken."""
    with connection.cursor() as cursor:
        cursor.execute(BARE_LEADS)
        began = time.perf_counter()
        _copy_bare(cursor, path)
        seconds = time.perf_counter() - began
        cursor.execute("DROP TABLE bench_bare_leads")
    return seconds


class _Undo(Exception):
    pass


def lead_table_insert(path, rows):
    """The rows of the CSV file, once COPYed as bare_copy does, inserted into the lead table itself with one
    INSERT ... SELECT (its four indexes, its two foreign keys checked), then rolled back: the floor of any import
    that keeps the table as it is, before the rollups. Their external ids get a suffix, so that the leads the
    import stored are no conflict. Returns the seconds of the insert and its checks."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(BARE_LEADS)
            _copy_bare(cursor, path)
            cursor.execute("ANALYZE bench_bare_leads")
            began = time.perf_counter()
            cursor.execute(
                "INSERT INTO kpis_lead (external_id, created_at, day, node_id, campaign_id, source, medium, segment, "
                "score, qualified, customer, revenue, purchases) SELECT b.external_id || '-floor', b.created_at, "
                "(b.created_at AT TIME ZONE net.timezone)::date, n.id, c.id, COALESCE(b.source, ''), "
                "COALESCE(b.medium, ''), COALESCE(b.segment, ''), b.score, "
                "b.qualified, b.customer, b.revenue, b.purchases FROM bench_bare_leads b "
                "JOIN accounts_node n ON n.slug = b.node_slug JOIN accounts_node net ON net.slug = split_part(n.path, "
                "%s, 2) LEFT JOIN kpis_campaign c ON c.external_id = b.campaign_external_id",
                [PATH_SEPARATOR],
            )
            if cursor.rowcount != rows:
                raise RuntimeError(f"{cursor.rowcount} of the {rows} leads of {path} went into the lead table")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign keys, checked at commit otherwise
            seconds = time.perf_counter() - began
            raise _Undo
    except _Undo:
        pass
    return seconds


def import_measure(path, rows):
    """Import the file through the product's path (ingestion.importing.import_file), then again (nothing changes)."""
    errors = []
    began = time.perf_counter()
    first = import_file(path, report=errors.append)
    first_seconds = time.perf_counter() - began
    began = time.perf_counter()
    again = import_file(path, report=errors.append)
    again_seconds = time.perf_counter() - began
    if errors or first.created != rows or again.unchanged != rows:
        raise RuntimeError(f"The import of {path} did not go as expected: created {first.created}, unchanged on "
                           f"the second run {again.unchanged}, of {rows}; {errors[:5]}")  # fmt: skip
    return first_seconds, again_seconds


def rollups_fingerprint(*, network, days):
    """{table: (grains, digest)} of the network's rollups on `days`: each grain's sums, hashed and added up, so that
    the same figures give the same digest however many rows hold them and in whatever order."""
    first, last = min(days), max(days)
    prints = {}
    with connection.cursor() as cursor:
        for model, grain in ROLLUP_GRAINS.items():
            quote = connection.ops.quote_name
            measures = [f.attname for f in model._meta.concrete_fields if f.attname not in ("id", *grain)]
            cursor.execute(
                "SELECT COUNT(*), COALESCE(SUM(hashtextextended(g::text, 0)::numeric), 0) FROM ("  # noqa: S608
                f"SELECT {', '.join(quote(c) for c in grain)}, {', '.join(f'SUM({quote(m)})' for m in measures)} "
                f"FROM {model._meta.db_table} WHERE starts_with(node_path, %s) AND day BETWEEN %s AND %s "
                f"GROUP BY {', '.join(quote(c) for c in grain)}) g",
                [network.path, first, last],
            )
            count, digest = cursor.fetchone()
            prints[model._meta.db_table] = (count, str(digest))
    return prints


def day_refresh_measure(*, network, day, runs=3):
    """Seconds of rollups_refresh for one day, `runs` times (the first after the day's facts arrived; the next
    ones recompute the same), and the rows written."""
    seconds, written = [], 0
    for _ in range(runs):
        began = time.perf_counter()
        written = rollups_refresh(network=network, days={day})
        seconds.append(time.perf_counter() - began)
    return seconds, written


def next_day(scale):
    return scale.last_day + timedelta(days=1)
