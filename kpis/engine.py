"""The one KPI engine: values, comparisons, series, breakdowns and objectives' pace, from rollups.

Every function takes `rows`, a DailyRollup queryset already narrowed by the caller's scope (see
kpis.selectors), and a node whose subtree it reads. Totals, series and the ranking of children also accept
SubtreeRollup rows, which hold each node's subtree already summed: the same figures from far fewer rows.
Base measures are summed first and the catalog's formula is applied to the sums: the ratio of sums, never the
mean of ratios. A zero denominator gives no value (None).

Cost is by design independent of the number of tiles: all periods a board needs are read in one grouped query.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Min, Sum

from accounts.models import in_subtree, path_is_within

from .catalog import BASE_MEASURES, CATALOG, SLICE_MEASURES, Formula, Kpi, Unit
from .periods import Period

TWO_PLACES = Decimal("0.01")
POINTS, PERCENT = "pts", "%"  # the two units a change is counted in
ZERO = Decimal(0)
AT_RISK_FLOOR = Decimal("0.9")  # projected at 90-100 % of target: at risk; below: off track


class Pace:
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NOT_STARTED = "not_started"


@dataclass(frozen=True)
class KpiValue:
    kpi: Kpi
    period: Period
    value: Decimal | int | None
    numerator: Decimal | None
    denominator: Decimal | None


@dataclass(frozen=True)
class KpiReport:
    """A KPI over a period with its two comparisons."""

    current: KpiValue
    previous: KpiValue
    last_year: KpiValue

    @property
    def kpi(self):
        return self.current.kpi

    @property
    def change_unit(self):
        """What a change of this KPI is counted in: percentage points for a KPI in %, else a relative %."""
        return POINTS if self.kpi.unit == Unit.PERCENT else PERCENT

    def change(self, other):
        """The change against `other` (docs: kpi-catalog.md, "Change"): for a KPI in % (rates, ROI, growth) the
        difference in percentage points; for counts and money the relative change in %, none from zero nor across a
        change of sign (a percentage computed across zero says nothing). None without both values."""
        current, reference = self.current.value, other.value
        if current is None or reference is None:
            return None
        if self.change_unit == POINTS:
            return (Decimal(current) - Decimal(reference)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
        return self.relative_change(other)

    def relative_change(self, other):
        """(value / comparison - 1) x 100, whatever the unit: what orders "what moved most" across KPIs. None from
        zero or across a change of sign."""
        current, reference = self.current.value, other.value
        if current is None or reference is None or reference == 0 or (current < 0 < reference) or (
                reference < 0 <= current):  # fmt: skip
            return None
        return ((Decimal(current) / Decimal(reference) - 1) * 100).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)

    @property
    def change_previous(self):
        return self.change(self.previous)

    @property
    def change_last_year(self):
        return self.change(self.last_year)


def round_value(kpi, value):
    """Half-up to 2 decimals; counts as integers."""
    if value is None:
        return None
    if kpi.unit == Unit.COUNT and kpi.formula == Formula.SUM:
        return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def evaluate(kpi, sums, last_year_sums=None):
    """Apply `kpi`'s formula to summed base measures. Returns (value, numerator, denominator), value unrounded."""
    numerator = Decimal(sums.get(kpi.numerator) or 0)
    if kpi.formula == Formula.SUM:
        return numerator, numerator, None
    if kpi.formula == Formula.GROWTH:
        denominator = Decimal((last_year_sums or {}).get(kpi.denominator) or 0)
        if not denominator:
            return None, numerator, denominator
        return (numerator / denominator - 1) * kpi.factor, numerator, denominator
    denominator = Decimal(sums.get(kpi.denominator) or 0)
    if kpi.formula == Formula.MARGIN:
        numerator -= denominator
    if not denominator:
        return None, numerator, denominator
    return numerator / denominator * kpi.factor, numerator, denominator


def _subtree_of(rows, node):
    """The rows that make up `node`'s subtree: the node's own when each row already sums a subtree
    (SubtreeRollup), else those of every node under it."""
    if rows.model.sums_subtree:
        return rows.filter(node_path=node.path)
    return rows.filter(in_subtree(node, via="node_path"))


def measure_totals(*, rows, node, periods):
    """Summed base measures of `node`'s subtree for each of `periods`, in one query grouped by day."""
    periods = list(periods)
    if not periods:
        return {}
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    daily = (
        _subtree_of(rows, node).filter(day__range=(first, last))
        .values("day")
        .annotate(**{m: Sum(m) for m in BASE_MEASURES})
        .order_by()
    )
    totals = {p: defaultdict(lambda: ZERO) for p in periods}
    for row in daily:
        day = row.pop("day")
        for period in periods:
            if period.start <= day <= period.end:
                bucket = totals[period]
                for measure, value in row.items():
                    if value:
                        bucket[measure] += Decimal(value)
    return {p: dict(v) for p, v in totals.items()}


def _needed_periods(kpis, periods):
    """`periods`, plus their same period last year when a growth KPI needs it."""
    needed = set(periods)
    if any(k.formula == Formula.GROWTH for k in kpis):
        needed |= {p.same_period_last_year() for p in periods}
    return needed


def _value(kpi, period, totals):
    last_year = totals.get(period.same_period_last_year()) if kpi.formula == Formula.GROWTH else None
    value, numerator, denominator = evaluate(kpi, totals[period], last_year)
    return KpiValue(kpi, period, round_value(kpi, value), numerator, denominator)


def comparable_periods(period, today=None):
    """The period, its previous one and the same one last year. While `period` is under way (it contains
    `today`), all three are cut to the same number of days, so that a month to date is compared with the first days
    of the previous month, not with the whole of it."""
    previous, last_year = period.previous(), period.same_period_last_year()
    if today is None or not period.start <= today < period.end:
        return [period, previous, last_year]
    elapsed = period.elapsed_days(today) - 1
    return [replace(p, end=min(p.end, p.start + timedelta(days=elapsed))) for p in (period, previous, last_year)]


def kpi_reports(*, rows, node, keys, period, today=None):
    """Reports (value, previous period, same period last year) for the KPIs `keys`, in one query. With `today`,
    a period under way is compared to date (see comparable_periods)."""
    compared = comparable_periods(period, today)
    totals = measure_totals(rows=rows, node=node, periods=needed_periods(keys=keys, periods=compared))
    return reports_from_totals(keys=keys, compared=compared, totals=totals)


def kpi_series(*, rows, node, keys, periods):
    """Values of the KPIs `keys` for each of `periods` (oldest first), for sparklines and time series."""
    totals = measure_totals(rows=rows, node=node, periods=_needed_periods([CATALOG[k] for k in keys], periods))
    return series_from_totals(keys=keys, periods=periods, totals=totals)


def needed_periods(*, keys, periods):
    """Every period whose totals the KPIs `keys` need over `periods`: those, and the same periods last year for
    growth KPIs."""
    return _needed_periods([CATALOG[k] for k in keys], periods)


def reports_from_totals(*, keys, compared, totals):
    """Reports of the KPIs `keys` over `compared` (a period and its two comparisons, see comparable_periods), from
    totals already summed over at least needed_periods(compared)."""
    current, previous, last_year = compared
    return {
        k.key: KpiReport(_value(k, current, totals), _value(k, previous, totals), _value(k, last_year, totals))
        for k in (CATALOG[key] for key in keys)
    }


def series_from_totals(*, keys, periods, totals, first_day=None):
    """kpi_series from totals already summed (measure_totals over at least needed_periods(periods)). A period that
    ended before `first_day`, the subtree's first figure (first_fact_day), has no value rather than 0: a network
    that had no data yet did not sell nothing, and its chart should start where its figures do."""

    def value(kpi, period):
        if first_day is not None and period.end < first_day:
            return KpiValue(kpi, period, None, None, None)
        return _value(kpi, period, totals)

    return {key: [value(CATALOG[key], p) for p in periods] for key in keys}


def first_fact_day(*, rows, node):
    """The first day with a figure in `node`'s subtree, or None when it has none."""
    return _subtree_of(rows, node).aggregate(first=Min("day"))["first"]


def _grouped_sums(queryset, *, node, period, group, measures):
    """{group value: {measure: sum}} over `node`'s subtree and `period`, in one grouped query."""
    grouped = (
        queryset.filter(in_subtree(node, via="node_path"), day__range=(period.start, period.end))
        .values(group)
        .annotate(**{m: Sum(m) for m in measures})
        .order_by()
    )
    sums = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in grouped:
        label = row.pop(group)
        if not any(row.values()):
            continue  # e.g. a segment seen only in conversations, when the KPIs are about leads
        for measure, value in row.items():
            sums[label][measure] += Decimal(value or 0)
    return sums


def _breakdown_kpis(keys, available):
    kpis = [CATALOG[k] for k in keys]
    for kpi in kpis:
        if kpi.formula == Formula.GROWTH or not set(kpi.measures) <= set(available):
            raise ValueError(f"{kpi.key} has no breakdown along this dimension.")
    return kpis


def _ranked(kpis, period, sums, labels=None):
    """[(label, {key: KpiValue})]: in the order of `labels` when given, else by the first KPI, largest first."""
    result = [
        (label, {k.key: _value(k, period, {period: sums.get(label, {})}) for k in kpis})
        for label in (labels if labels is not None else list(sums))
    ]
    if labels is None:
        first = kpis[0].key
        result.sort(key=lambda item: (item[1][first].value is None, -(item[1][first].value or 0)))
    return result


def kpi_breakdown(*, rows, node, keys, period, by, children=None):
    """KPIs over `period` split by `by`: "child" (each of `children`, with its whole subtree, in their order),
    "channel" or "campaign" (campaign ids), largest first. Returns [(label, {key: KpiValue})]."""
    kpis = _breakdown_kpis(keys, BASE_MEASURES)
    measures = {m for k in kpis for m in k.measures}
    if by == "child":
        sums = child_measure_sums(rows=rows, node=node, period=period, children=children, measures=measures)
        return children_ranked(keys=keys, period=period, sums=sums, children=children)
    group = {"channel": "channel", "campaign": "campaign_id"}[by]
    return _ranked(kpis, period, _grouped_sums(rows, node=node, period=period, group=group, measures=measures))


def child_measure_sums(*, rows, node, period, children, measures):
    """{child: {measure: sum}} of each of `children` of `node` with its whole subtree, over `period`."""
    if rows.model.sums_subtree:  # each child's own row already holds its subtree; grandchildren would count twice
        rows = rows.filter(node_path__in=[c.path for c in children])
    sums = _grouped_sums(rows, node=node, period=period, group="node_path", measures=measures)
    by_child = defaultdict(lambda: defaultdict(lambda: ZERO))
    for path, values in sums.items():
        child = next((c for c in children if path_is_within(path, c)), None)
        if child is not None:  # facts on the node itself (a shared campaign) belong to no child
            for measure, value in values.items():
                by_child[child][measure] += value
    return {child: dict(values) for child, values in by_child.items()}


def children_ranked(*, keys, period, sums, children):
    """kpi_breakdown by child from child_measure_sums, in the order of `children`."""
    return _ranked([CATALOG[k] for k in keys], period, sums, labels=children)


def kpi_slice_breakdown(*, slices, node, keys, period, dimension):
    """KPIs over `period` split along a drill dimension of SliceRollup (source / medium, segment, score band,
    hour and weekday). Only KPIs made of lead or conversation measures have such a breakdown."""
    kpis = _breakdown_kpis(keys, SLICE_MEASURES)
    measures = {m for k in kpis for m in k.measures}
    sums = _grouped_sums(slices.filter(dimension=dimension), node=node, period=period, group="value",
                         measures=measures)  # fmt: skip
    return _ranked(kpis, period, sums)


MIN_PEERS = 5  # below this, quartiles would come too close to single franchisees' figures


def _quantile(values, q):
    """Linear interpolation between closest ranks (the usual "type 7" quantile)."""
    position = (len(values) - 1) * Decimal(q)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


@dataclass(frozen=True)
class PeerDistribution:
    """How a KPI is spread across the franchisees of a network: no names, no single rows."""

    peers: int
    q1: Decimal | None
    median: Decimal | None
    q3: Decimal | None


def kpi_peer_distributions(*, rows, network, keys, period, franchisee_paths):
    """Median and quartiles of each KPI of `keys` over the nodes of `franchisee_paths` in `network`, each node's
    value computed from its own summed measures, in one query. `rows` must reach the whole network: callers pass
    the unscoped rows and show only these aggregates. With fewer than MIN_PEERS values, no quartile is given."""
    kpis = _breakdown_kpis(keys, BASE_MEASURES)
    measures = {m for k in kpis for m in k.measures}
    sums = _grouped_sums(rows, node=network, period=period, group="node_path", measures=measures)
    by_peer = defaultdict(lambda: defaultdict(lambda: ZERO))
    for path, values in sums.items():
        owner = next((p for p in franchisee_paths if path_is_within(path, p)), None)
        if owner is not None:
            for measure, value in values.items():
                by_peer[owner][measure] += value
    result = {}
    for kpi in kpis:
        values = sorted(
            Decimal(v.value)
            for v in (_value(kpi, period, {period: by_peer[p]}) for p in franchisee_paths)
            if v.value is not None
        )
        if len(values) < MIN_PEERS:
            result[kpi.key] = PeerDistribution(len(values), None, None, None)
        else:
            quartiles = [round_value(kpi, _quantile(values, q)) for q in ("0.25", "0.5", "0.75")]
            result[kpi.key] = PeerDistribution(len(values), *quartiles)
    return result


@dataclass(frozen=True)
class ObjectiveStatus:
    actual: Decimal | int | None
    target: Decimal
    progress: Decimal | None  # % of target reached so far (for "down" KPIs: target / actual)
    projected: Decimal | None  # the actual projected linearly to the period's end
    pace: str


def objective_pace(*, kpi, actual, target, period, today):
    """Progress and pace of a target, from the actual value of the period so far (to `today`): the actual is
    projected linearly to the period's end for sum KPIs, and taken as it stands for ratios."""
    target = Decimal(target)
    elapsed = period.elapsed_days(today)
    if elapsed == 0 or actual is None:
        return ObjectiveStatus(actual, target, None, None, Pace.NOT_STARTED)
    actual = Decimal(actual)
    projected = actual * period.days / elapsed if kpi.is_additive else actual
    reached = _ratio(projected, target, kpi)
    if reached is None:
        pace = Pace.OFF_TRACK
    elif reached >= 100:
        pace = Pace.ON_TRACK
    elif reached >= AT_RISK_FLOOR * 100:
        pace = Pace.AT_RISK
    else:
        pace = Pace.OFF_TRACK
    return ObjectiveStatus(
        actual, target, _ratio(actual, target, kpi), projected.quantize(TWO_PLACES, rounding=ROUND_HALF_UP), pace
    )


def objective_status(*, rows, objective, today):
    """Progress and pace of an objective, reading its period so far."""
    kpi, period = CATALOG[objective.kpi], Period(objective.period_kind, objective.start, objective.end)
    so_far = Period(objective.period_kind, period.start, min(period.end, max(today, period.start)))
    totals = measure_totals(rows=rows, node=objective.node, periods=_needed_periods([kpi], [so_far]))
    value = _value(kpi, so_far, totals)
    return objective_pace(kpi=kpi, actual=value.value, target=objective.target, period=period, today=today)


def _ratio(actual, target, kpi):
    """How much of the target `actual` is, in %: actual / target, or target / actual when lower is better."""
    numerator, denominator = (target, actual) if kpi.good == "down" else (actual, target)
    if not denominator:
        return None
    return (numerator / denominator * 100).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
