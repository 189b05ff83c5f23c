"""Reads for a person. Every read starts from accounts.scoping.restrict, the one door."""

from dataclasses import dataclass

from django.db.models import Q

from accounts.models import Node
from accounts.scoping import restrict, restrict_with_shared, visible_nodes
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
from .models import BoardLayout, Campaign, Conversation, DailyRollup, Lead, Objective, SliceRollup, SubtreeRollup

# What a network's boards show until its administrators choose: the first screen stays short, business objectives
# first, then the operational KPIs next to the outcomes they drive (about twelve tiles, per the product).
DEFAULT_HOME_KPIS = ["sales_revenue", "new_customers", "roi", "customer_growth", "leads", "qualified_lead_rate",
                     "form_fill_rate", "customer_conversion_rate", "capture_rate", "goal_completion_rate", "cpl",
                     "budget_used"]  # fmt: skip
DEFAULT_WALL_KPIS = ["sales_revenue", "new_customers", "roi", "customer_growth", "leads", "qualified_lead_rate",
                     "customer_conversion_rate", "cpl", "capture_rate", "budget_used"]  # fmt: skip


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


def dangerously_unscoped_subtree_rows():
    """Every subtree total, for work done for the whole installation rather than a person (the nightly question
    rules): one row per node and day, the cheapest read of a node's KPIs."""
    return SubtreeRollup.objects.all()


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
    # Each peer's subtree total is one row a day: a few thousand rows for a month, however large the network.
    peers = SubtreeRollup.objects.filter(node_path__in=peer_paths)
    return kpi_peer_distributions(rows=peers, network=network, keys=keys, period=period,
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


def board_tiles(*, rows, node, keys, period, today, series_periods, with_objectives=True):
    """The tiles of a board in three queries, however many tiles: values with comparisons, series, objectives.
    Without objectives for figures that are not the node's own whole (one campaign's share, say)."""
    reports = kpi_reports(rows=rows, node=node, keys=keys, period=period, today=today)
    series = kpi_series(rows=rows, node=node, keys=keys, periods=series_periods)
    return _tiles(reports=reports, series=series, node=node, keys=keys, period=period, today=today,
                  with_objectives=with_objectives)


def _tiles(*, reports, series, node, keys, period, today, with_objectives=True):
    targets = {}
    if with_objectives:
        targets = dict(Objective.objects.filter(node=node, kpi__in=keys, start=period.start, end=period.end)
                       .values_list("kpi", "target"))  # fmt: skip
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


def _yes_no(value):
    """A list filter's "yes" / "no" / "unknown" into a lookup value; anything else means no filter."""
    return {"yes": True, "no": False, "unknown": None}.get(value, ...)


def leads_under(*, node, start, end, campaign_id=None, search="", source="", medium="", segment="", qualified="",
                customer="", min_score=None):  # fmt: skip
    """Leads of `node`'s subtree that came in between `start` and `end`, newest first, narrowed by the list's
    filters (qualified / customer: "yes", "no" or "unknown"). Unscoped: callers pass it through the one door (the
    API's scoped base view, or restrict() for pages)."""
    leads = Lead.objects.filter(node__path__startswith=node.path, day__range=(start, end))
    if campaign_id:
        leads = leads.filter(campaign_id=campaign_id)
    exact = {"source": source, "medium": medium, "segment": segment}
    leads = leads.filter(**{field: value for field, value in exact.items() if value})
    for field, wanted in (("qualified", _yes_no(qualified)), ("customer", _yes_no(customer))):
        if wanted is not ...:
            leads = leads.filter(**({f"{field}__isnull": True} if wanted is None else {field: wanted}))
    if min_score is not None:
        leads = leads.filter(score__gte=min_score)
    search = search.strip()
    if search:
        leads = leads.filter(
            Q(external_id__icontains=search) | Q(source__icontains=search) | Q(medium__icontains=search)
            | Q(segment__icontains=search)
        )  # fmt: skip
    return leads.select_related("node", "campaign").order_by("-created_at", "-id")


CONVERSATION_FLAGS = ("captured_contact", "goal_completed", "self_served", "escalated")


def conversations_under(*, node, start, end, channel="", segment="", search="", **flags):
    """Conversations of `node`'s subtree started between `start` and `end`, newest first; `flags` are
    CONVERSATION_FLAGS set to "yes" or "no". Unscoped, like leads_under."""
    conversations = Conversation.objects.filter(node__path__startswith=node.path, day__range=(start, end))
    if channel:
        conversations = conversations.filter(channel=channel)
    if segment:
        conversations = conversations.filter(segment=segment)
    for field in CONVERSATION_FLAGS:
        wanted = _yes_no(flags.get(field, ""))
        if wanted in (True, False):
            conversations = conversations.filter(**{field: wanted})
    search = search.strip()
    if search:
        conversations = conversations.filter(Q(external_id__icontains=search)
                                             | Q(lead__external_id__icontains=search))  # fmt: skip
    return conversations.select_related("node", "lead").order_by("-started_at", "-id")


def lead_filter_choices(*, node, start, end):
    """The sources, media and segments met among `node`'s leads of the period, for the list's filter menus."""
    leads = Lead.objects.filter(node__path__startswith=node.path, day__range=(start, end)).order_by()
    return {field: sorted(v for v in leads.values_list(field, flat=True).distinct() if v)
            for field in ("source", "medium", "segment")}  # fmt: skip


def campaigns_visible(*, user):
    """Campaigns `user` may open: those of their nodes, and those shared from above (a region's or the network's
    campaign that also runs on their nodes). Figures of a shared campaign are still read through rollup_rows, so a
    franchisee sees what it did on their own node only."""
    return restrict_with_shared(Campaign.objects.select_related("node"), user)


def campaign_names(*, user, ids):
    """{campaign id: campaign} for the visible ones among `ids`."""
    return {c.pk: c for c in campaigns_visible(user=user).filter(pk__in=ids)}


@dataclass(frozen=True)
class Layout:
    home_kpis: list
    wall_kpis: list


def board_layout(*, network):
    """The KPIs of `network`'s home board and wall screens: its own choice, or the defaults."""
    chosen = BoardLayout.objects.filter(network=network).values("home_kpis", "wall_kpis").first() or {}
    return Layout(home_kpis=[k for k in chosen.get("home_kpis") or DEFAULT_HOME_KPIS if k in CATALOG],
                  wall_kpis=[k for k in chosen.get("wall_kpis") or DEFAULT_WALL_KPIS if k in CATALOG])  # fmt: skip
