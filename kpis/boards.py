"""THE board: every figure a person is shown of a node over a range, computed once here.

The board page, the KPI page, the campaigns list and a campaign's page, the budget page, the board API (JSON, CSV,
PDF), the KPI value API and the `kpi` command, report e-mails, the wall and the nightly question rules all read
these functions and only render what they return, so a figure cannot differ from one surface to another.

A range is read one way everywhere (docs: kpi-catalog.md, "Which period a comparison uses"):
- a range that is exactly a calendar period (ISO week, month, quarter, fiscal year) is that period, whether it was
  picked as one or typed as two dates, and is compared with the previous period of its kind and the same one last
  year; any other range with as many days just before it and the same dates last year;
- a range under way (today inside it) is counted up to today, and so is each comparison (as many days from its own
  start); every figure derived from it is cut the same way: tiles, objectives' pace, the ranking of the nodes below,
  breakdowns, budgets (a budget prorated to date, never the whole range's budget against spend to date).

Every read starts from the reader's scope (accounts.scoping): a person, a wall's display link, or a NodeReader for
work done for a node as a whole (the nightly rules, operators' commands). A node the reader may not open raises
Node.DoesNotExist before any figure is read.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from accounts.models import Node
from accounts.scoping import restrict, visible_nodes
from accounts.selectors import node_network

from . import board_cache
from .catalog import CATALOG, SLICE_MEASURES
from .engine import (
    KpiReport,
    ObjectiveStatus,
    PeerDistribution,
    child_measure_sums,
    children_ranked,
    comparable_periods,
    first_fact_day,
    kpi_breakdown,
    kpi_peer_distributions,
    kpi_slice_breakdown,
    measure_totals,
    needed_periods,
    objective_pace,
    objective_status,
    reports_from_totals,
    series_from_totals,
)
from .maturity import kpi_is_mature, maturity_cutoff
from .models import Objective, SliceDimension, SubtreeRollup
from .periods import Period, PeriodKind, calendar_period, period_containing
from .selectors import campaigns_visible, rollup_rows, slice_rows, subtree_rows


@dataclass(frozen=True)
class BoardRange:
    """The range a board was asked for, as a calendar period when its dates make one, and the days each of its
    figures counts: `current` (cut to today while under way), `previous` and `last_year` (cut alike)."""

    asked: Period
    current: Period
    previous: Period
    last_year: Period
    today: date

    @property
    def under_way(self):
        return self.current.end < self.asked.end

    @property
    def compared(self):
        return self.current, self.previous, self.last_year


WHOLE_MONTH_FIRST_DAYS = 7  # the board opens on last month, whole, until this many days of the new one have passed


def default_period(*, today, fiscal_year_start_month=1):
    """The period a board opens on: the month to date, except during the first WHOLE_MONTH_FIRST_DAYS days of a month,
    when it is last month, whole. A month two days old compares two days with two days: too few facts to read, and
    the outcomes of its leads (customers, revenue, ROI) have not had time to arrive; last month's closing figures are
    what people look at then. The picker reaches the month to date in one click."""
    if today.day <= WHOLE_MONTH_FIRST_DAYS:
        return period_containing(PeriodKind.MONTH, today.replace(day=1) - timedelta(days=1),
                                 fiscal_year_start_month=fiscal_year_start_month)  # fmt: skip
    return period_containing(PeriodKind.MONTH, today, fiscal_year_start_month=fiscal_year_start_month)


def board_range(*, period, today, fiscal_year_start_month=1):
    """How a board reads `period` on `today` (the network's local day): see the module's docstring."""
    asked = calendar_period(period, fiscal_year_start_month=fiscal_year_start_month)
    current, previous, last_year = comparable_periods(asked, today)
    return BoardRange(asked, current, previous, last_year, today)


@dataclass(frozen=True)
class Comparison:
    """What a tile's value is compared with: the days it counts, its value, and the change from it (points for a
    KPI in %, else a relative %; None where no change is meaningful)."""

    period: Period
    value: object
    change: object


@dataclass(frozen=True)
class Tile:
    """One KPI of a board: its value over the range with its two comparisons, its series (sparklines, charts), the
    objective set for exactly this node and range with its progress and pace; `as_of`, the last day counted while
    the range is under way; `mature`, False while the leads the value counts are still converting."""

    node: Node
    report: KpiReport
    series: list = field(default_factory=list)
    objective: ObjectiveStatus | None = None
    as_of: date | None = None
    mature: bool = True

    @property
    def kpi(self):
        return self.report.kpi

    @property
    def previous(self):
        return Comparison(self.report.previous.period, self.report.previous.value, self.report.change_previous)

    @property
    def last_year(self):
        return Comparison(self.report.last_year.period, self.report.last_year.value, self.report.change_last_year)


@dataclass(frozen=True)
class Board:
    """A node's board over a range: its tiles, the nodes right below it ranked, and the summed base measures of the
    range as counted (spend and budget for a budget line, a funnel's stages)."""

    node: Node
    range: BoardRange
    tiles: list
    children: list  # [(child node, {key: KpiValue})], in the order of the children's names
    sums: dict

    def tile(self, key):
        return next(tile for tile in self.tiles if tile.kpi.key == key)


def _network_of_visible(user, node):
    """`node`'s network, once `user` is known to be allowed to open `node`; Node.DoesNotExist otherwise."""
    if not visible_nodes(user).filter(pk=node.pk).exists():
        raise Node.DoesNotExist(node.slug)
    return node_network(node=node)


def _period_parts(periods):
    return sorted((p.kind.value, p.start.isoformat(), p.end.isoformat()) for p in periods)


def _targets(node, keys, period):
    return dict(Objective.objects.filter(node=node, kpi__in=keys, start=period.start, end=period.end)
                .values_list("kpi", "target"))  # fmt: skip


def board_read(*, user, node, keys, period, today, child_keys=(), series_periods=(), campaign=None):
    """The board of `node` over `period` as `user` may read it on `today`: tiles of `keys` (value, comparisons,
    `series_periods`, objective), the children of `node` ranked on `child_keys`, and the range's summed measures.

    Read from subtree totals (one row per node and day) and cached, shared between people on purpose: what is cached
    is the base measures summed over `node`'s subtree and over each child's, keyed by node and periods, never by
    person. That holds because access is by whole subtrees (a role reaches its node's subtree, network-wide roles the
    whole network, a display link its node's): whoever may open `node` sees all of it and all of its children.
    Objectives and pace are computed on every call, so a target set a second ago shows at once.

    With `campaign`, the figures are that campaign's share of `node`'s subtree (what it spent and brought there),
    read from daily rollups, without objectives.
    """
    keys, child_keys, series_periods = list(keys), list(child_keys), list(series_periods)
    network = _network_of_visible(user, node)
    rng = board_range(period=period, today=today, fiscal_year_start_month=network.fiscal_year_start_month)
    periods = needed_periods(keys=keys, periods=[*rng.compared, *series_periods])
    children = list(visible_nodes(user).filter(parent=node).order_by("name")) if child_keys else []
    child_measures = sorted({m for k in child_keys for m in CATALOG[k].measures})
    if campaign is None:
        rows = subtree_rows(user=user)
        totals = board_cache.cached(
            network=network, parts=("totals", node.pk, _period_parts(periods)),
            compute=lambda: measure_totals(rows=rows, node=node, periods=periods),
        )  # fmt: skip
        by_pk = board_cache.cached(
            network=network,
            parts=("children", node.pk, _period_parts([rng.current]), [c.pk for c in children], child_measures),
            compute=lambda: _child_sums_by_pk(rows, node, rng.current, children, child_measures),
        ) if children else {}  # fmt: skip
        targets = _targets(node, keys, rng.asked)
        first_day = board_cache.cached(network=network, parts=("first_day", node.pk),
                                       compute=lambda: first_fact_day(rows=rows, node=node)) if series_periods else None
    else:
        rows = rollup_rows(user=user).filter(campaign=campaign)
        totals = measure_totals(rows=rows, node=node, periods=periods)
        by_pk = _child_sums_by_pk(rows, node, rng.current, children, child_measures) if children else {}
        targets = {}
        first_day = first_fact_day(rows=rows, node=node) if series_periods else None
    reports = reports_from_totals(keys=keys, compared=rng.compared, totals=totals)
    series = series_from_totals(keys=keys, periods=series_periods, totals=totals, first_day=first_day)
    as_of = rng.current.end if rng.under_way else None
    cutoff = maturity_cutoff(network=network, today=today)
    tiles = [
        Tile(node, reports[key], series[key],
             objective_pace(kpi=CATALOG[key], actual=reports[key].current.value, target=targets[key],
                            period=rng.asked, today=today) if key in targets else None, as_of,
             kpi_is_mature(key=key, last_day=rng.current.end, cutoff=cutoff))
        for key in keys
    ]  # fmt: skip
    sums = {child: by_pk[child.pk] for child in children if child.pk in by_pk}
    ranked = children_ranked(keys=child_keys, period=rng.current, sums=sums, children=children) if children else []
    return Board(node, rng, tiles, ranked, dict(totals.get(rng.current, {})))


def _child_sums_by_pk(rows, node, period, children, measures):
    return {child.pk: values for child, values in child_measure_sums(
        rows=rows, node=node, period=period, children=children, measures=measures).items()}  # fmt: skip


def kpi_tile(*, user, key, node, period, today):
    """One KPI of `node` over `period`: the tile a board of that KPI would show (the KPI value API and the `kpi`
    command answer with it)."""
    return board_read(user=user, node=node, keys=[key], period=period, today=today).tiles[0]


# Breakdowns ------------------------------------------------------------------------------------------------------

BY_CHANNEL, BY_CAMPAIGN = "channel", "campaign"


def board_breakdown(*, user, node, keys, counted, by):
    """The KPIs `keys` of `node`'s subtree over `counted` (a board's range as counted, BoardRange.current: the same
    days as its tiles) split by `by`: "channel", "campaign" (each label a Campaign, or None for facts of no
    campaign), or a SliceDimension (source / medium, segment, score band, hour and weekday: lead and conversation
    KPIs only). Largest first on the first KPI. Returns [(label, {key: KpiValue})]. Read from the rows `user` may
    read, so a node outside their scope splits nothing."""
    if by in (BY_CHANNEL, BY_CAMPAIGN):
        rows = rollup_rows(user=user)
        ranked = kpi_breakdown(rows=rows, node=node, keys=keys, period=counted, by=by)
        if by == BY_CHANNEL:
            return ranked
        names = {c.pk: c for c in campaigns_visible(user=user).filter(pk__in=[pk for pk, _v in ranked if pk])}
        return [(names.get(pk), values) for pk, values in ranked]
    slices = slice_rows(user=user)
    return kpi_slice_breakdown(slices=slices, node=node, keys=keys, period=counted, dimension=SliceDimension(by))


def has_slice_breakdowns(kpi):
    """Whether `kpi` splits by the drill dimensions of leads and conversations."""
    return set(kpi.measures) <= set(SLICE_MEASURES)


# Peers and objectives --------------------------------------------------------------------------------------------


def peer_spreads(*, node, keys, period):
    """The anonymised spread (quartiles) of `keys` across the network's nodes of `node`'s kind over `period` (a
    range as counted, e.g. Board.range.current). Read across the whole network on purpose: only quartiles leave this
    function, never a peer's name or value."""
    network = node_network(node=node)
    peer_paths = list(Node.objects.subtree(network).filter(kind=node.kind).values_list("path", flat=True))
    # Each peer's subtree total is one row a day: a few thousand rows for a month, however large the network.
    peers = SubtreeRollup.objects.filter(node_path__in=peer_paths)
    return kpi_peer_distributions(rows=peers, network=network, keys=keys, period=period,
                                  franchisee_paths=peer_paths)  # fmt: skip


@dataclass(frozen=True)
class PeerComparison:
    """A node's tile beside the anonymised spread of its peers."""

    tile: Tile
    spread: PeerDistribution


def peer_comparison(*, user, node, key, period, today):
    tile = kpi_tile(user=user, key=key, node=node, period=period, today=today)
    return PeerComparison(tile, peer_spreads(node=node, keys=[key], period=tile.report.current.period)[key])


def objectives_overlapping(*, user, node, period, as_of):
    """{KPI key: (status, objective period)} for the objectives on `node` whose period overlaps `period`, the
    narrowest first; each read up to `as_of` (a report's last day). A report names them beside its tiles."""
    objectives = restrict(Objective.objects.filter(node=node, start__lte=period.end, end__gte=period.start), user)
    rows = subtree_rows(user=user)
    found = {}
    for objective in sorted(objectives, key=lambda o: (o.end - o.start, o.start)):
        if objective.kpi in CATALOG and objective.kpi not in found:
            status = objective_status(rows=rows, objective=objective, today=min(as_of, objective.end))
            found[objective.kpi] = (status, Period(objective.period_kind, objective.start, objective.end))
    return found
