"""Reads for a person. Every read starts from accounts.scoping.restrict, the one door."""

from dataclasses import dataclass

from django.db.models import Q

from accounts.models import Node
from accounts.scoping import restrict, visible_nodes
from accounts.selectors import node_network

from . import board_cache
from .catalog import CATALOG
from .engine import (
    KpiReport,
    ObjectiveStatus,
    board_periods,
    child_measure_sums,
    children_ranked,
    json_number,
    kpi_payload,
    kpi_peer_distributions,
    kpi_reports,
    kpi_series,
    measure_totals,
    objective_pace,
    reports_from_totals,
    series_from_totals,
)
from .models import Campaign, DailyRollup, Lead, Objective, SliceRollup, SubtreeRollup


def rollup_rows(*, user):
    """The rollup rows `user` may read: the input of every KPI value shown to a person."""
    return restrict(DailyRollup.objects.all(), user, path_field="node_path")


def slice_rows(*, user):
    """The drill-dimension rollups `user` may read (source / medium, segment, score band, hour)."""
    return restrict(SliceRollup.objects.all(), user, path_field="node_path")


def subtree_rows(*, user):
    """The subtree totals `user` may read: a node's row when the node is visible to them (see SubtreeRollup)."""
    return restrict(SubtreeRollup.objects.all(), user, path_field="node_path")


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


def peer_spreads(*, node, keys, period):
    """The anonymised spread (quartiles) of `keys` across the network's nodes of `node`'s kind. Read across the
    whole network on purpose: only quartiles leave this function, never a peer's name or value."""
    network = node_network(node=node)
    peer_paths = list(Node.objects.filter(path__startswith=network.path, kind=node.kind).values_list("path", flat=True))
    return kpi_peer_distributions(rows=dangerously_unscoped_rollup_rows(), network=network, keys=keys, period=period,
                                  franchisee_paths=peer_paths)  # fmt: skip


def peer_comparison_payload(*, node, key, period, rows):
    """`node`'s value of `key` (from the caller's `rows`) beside the anonymised spread of the network's nodes of
    the same kind (see peer_spreads)."""
    spread = peer_spreads(node=node, keys=[key], period=period)[key]
    own = kpi_reports(rows=rows, node=node, keys=[key], period=period)[key].current
    return {
        "key": key, "node": node.slug, "start": period.start.isoformat(), "end": period.end.isoformat(),
        "value": json_number(own.value), "peers": spread.peers, "q1": json_number(spread.q1),
        "median": json_number(spread.median), "q3": json_number(spread.q3),
    }  # fmt: skip


@dataclass(frozen=True)
class Tile:
    """What one board tile shows: the KPI now and against its comparisons, its recent series, and its
    objective's progress and pace when one is set for exactly this node and period."""

    report: KpiReport
    series: list
    objective: ObjectiveStatus | None

    @property
    def kpi(self):
        return self.report.kpi


def board_tiles(*, rows, node, keys, period, today, series_periods):
    """The tiles of a board in three queries, however many tiles: values with comparisons, series, objectives."""
    reports = kpi_reports(rows=rows, node=node, keys=keys, period=period, today=today)
    series = kpi_series(rows=rows, node=node, keys=keys, periods=series_periods)
    return _tiles(reports=reports, series=series, node=node, keys=keys, period=period, today=today)


def _tiles(*, reports, series, node, keys, period, today):
    targets = dict(
        Objective.objects.filter(node=node, kpi__in=keys, start=period.start, end=period.end).values_list(
            "kpi", "target"
        )
    )
    return [
        Tile(
            reports[key],
            series[key],
            objective_pace(
                kpi=CATALOG[key], actual=reports[key].current.value, target=targets[key], period=period, today=today
            )
            if key in targets
            else None,
        )  # fmt: skip
        for key in keys
    ]


@dataclass(frozen=True)
class Board:
    """A node's board: its tiles, and the nodes right below it ranked on a few KPIs."""

    tiles: list
    children: list  # [(child node, {key: KpiValue})], in the order of the children's names


def _period_parts(periods):
    return sorted((p.kind.value, p.start.isoformat(), p.end.isoformat()) for p in periods)


def board(*, user, node, keys, child_keys, period, today, series_periods):
    """The board of `node` for `user`: tiles of `keys` (values, comparisons, `series_periods`, objectives) and the
    ranking of its children on `child_keys`: what board_tiles and kpi_breakdown give, read from subtree totals
    and cached.

    Shared between people on purpose: what is cached is the base measures summed over `node`'s subtree and over
    each child's, keyed by node and periods, never by person. That holds because access is by whole subtrees
    (accounts.scoping: a role reaches the subtree of its node, network-wide roles the whole network, a display
    link its node's subtree): whoever may open `node` sees all of it and all of its children, so all of them get
    the same totals. The node's visibility is checked here, before any cached figure is read; objectives and pace
    are computed on every call. Raises Node.DoesNotExist for a node `user` may not open.
    """
    nodes = visible_nodes(user)
    if not nodes.filter(pk=node.pk).exists():
        raise Node.DoesNotExist(node.slug)
    network = node_network(node=node)
    rows = subtree_rows(user=user)
    periods = board_periods(keys=keys, period=period, today=today, series_periods=series_periods)
    totals = board_cache.cached(
        network=network, parts=("totals", node.pk, _period_parts(periods)),
        compute=lambda: measure_totals(rows=rows, node=node, periods=periods),
    )  # fmt: skip
    reports = reports_from_totals(keys=keys, period=period, today=today, totals=totals)
    series = series_from_totals(keys=keys, periods=series_periods, totals=totals)
    tiles = _tiles(reports=reports, series=series, node=node, keys=keys, period=period, today=today)

    children = list(nodes.filter(parent=node).order_by("name"))
    measures = sorted({m for k in child_keys for m in CATALOG[k].measures})
    by_pk = board_cache.cached(
        network=network, parts=("children", node.pk, _period_parts([period]), [c.pk for c in children], measures),
        compute=lambda: {child.pk: values for child, values in child_measure_sums(
            rows=rows, node=node, period=period, children=children, measures=measures).items()},
    )  # fmt: skip
    sums = {child: by_pk[child.pk] for child in children if child.pk in by_pk}
    ranked = children_ranked(keys=child_keys, period=period, sums=sums, children=children)
    return Board(tiles=tiles, children=ranked)


def leads_under(*, node, start, end, campaign_id=None, search=""):
    """Leads of `node`'s subtree that came in between `start` and `end`, newest first. Unscoped: callers pass it
    through the one door (the API's scoped base view, or restrict() for pages)."""
    leads = Lead.objects.filter(node__path__startswith=node.path, day__range=(start, end))
    if campaign_id:
        leads = leads.filter(campaign_id=campaign_id)
    search = search.strip()
    if search:
        leads = leads.filter(
            Q(external_id__icontains=search) | Q(source__icontains=search) | Q(medium__icontains=search)
            | Q(segment__icontains=search)
        )  # fmt: skip
    return leads.select_related("node", "campaign").order_by("-created_at", "-id")


def campaign_names(*, user, ids):
    """{campaign id: campaign} for the visible ones among `ids`."""
    return {c.pk: c for c in restrict(Campaign.objects.filter(pk__in=ids), user)}
