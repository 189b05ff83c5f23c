"""A wall screen's slides: a display link's playlist, each slide one board of the link's node or of a node below it
(objectives, operational KPIs, the ranking of the nodes below, or one KPI beside its driver), for the current month
of the link's network. Every figure is the board's own (kpis.boards), read with the link's scope (accounts.scoping
treats a link like a person)."""

import json
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from accounts.models import Node
from accounts.selectors import node_network
from kpis.boards import board_range, board_read, default_period
from kpis.catalog import CATALOG, Tier, partner_of
from kpis.periods import PeriodKind, series
from kpis.selectors import board_layout

from ..board import charts
from .playlists import WallBoard

RANKING_KPIS = ["sales_revenue", "leads", "cpl"]
RANKING_LENGTH = 10  # rows a screen can show at a readable size
TILES_PER_SLIDE = 6


@dataclass
class Slide:
    board: str
    node: Node
    seconds: int
    title: str
    tiles: list = field(default_factory=list)
    sparklines: dict = field(default_factory=dict)
    ranking: list = field(default_factory=list)
    ranking_kpis: list = field(default_factory=list)
    figure: str = ""
    tile: object = None


def default_playlist(*, node, has_children):
    """What a screen shows when nobody chose: the node's objectives, its operational KPIs, the nodes below it
    ranked, and revenue beside the leads that feed it."""
    playlist = [{"board": WallBoard.OBJECTIVES, "node": "", "seconds": 30},
                {"board": WallBoard.OPERATIONS, "node": "", "seconds": 30}]  # fmt: skip
    if has_children:
        playlist.append({"board": WallBoard.RANKING, "node": "", "seconds": 20})
    playlist.append({"board": WallBoard.KPI, "kpi": "sales_revenue", "node": "", "seconds": 20})
    return playlist


def _playlist_nodes(link, playlist):
    """{slug: node} for the slides' nodes that still lie inside the link's subtree (a node moved away since the
    playlist was written is skipped, never shown)."""
    slugs = {e["node"] for e in playlist if e.get("node")}
    nodes = {n.slug: n for n in Node.objects.subtree(link.node).filter(slug__in=slugs)}
    nodes[""] = link.node
    return nodes


def wall_slides(*, link, today):
    """The slides of `link`'s playlist with their figures, over the board's default period (kpis.boards:
    the month to date, or last month, whole, during a month's first days), and that period's range as the board
    reads it (the screen says which days it shows). Figures come from the board (subtree totals, cached per node and
    period), read with the link's own scope."""
    network = node_network(node=link.node)
    period = default_period(today=today, fiscal_year_start_month=network.fiscal_year_start_month)
    rng = board_range(period=period, today=today, fiscal_year_start_month=network.fiscal_year_start_month)
    months = series(PeriodKind.MONTH, min(period.end, today), 13,
                    fiscal_year_start_month=network.fiscal_year_start_month)  # fmt: skip
    labels, partial = charts.axis_labels(months), charts.is_partial(months, today)
    wall_kpis = board_layout(network=network).wall_kpis
    has_children = Node.objects.filter(parent=link.node).exists()
    playlist = link.playlist or default_playlist(node=link.node, has_children=has_children)
    nodes = _playlist_nodes(link, playlist)

    def read(node, keys=(), child_keys=()):
        return board_read(user=link, node=node, keys=keys, child_keys=child_keys, period=period, today=today,
                          series_periods=months)  # fmt: skip

    slides = []
    for entry in playlist:
        node = nodes.get(entry.get("node") or "")
        if node is None:
            continue
        board_name, seconds = entry["board"], entry["seconds"]
        if board_name in (WallBoard.OBJECTIVES, WallBoard.OPERATIONS):
            tier = Tier.BUSINESS if board_name == WallBoard.OBJECTIVES else Tier.OPERATIONAL
            tiles = read(node, keys=[k for k in wall_kpis if CATALOG[k].tier == tier][:TILES_PER_SLIDE]).tiles
            sparklines = {t.kpi.key: json.dumps(charts.sparkline(labels, [v.value for v in t.series], theme="dark",
                                                                 partial=partial))
                          for t in tiles}  # fmt: skip
            title = _("Business objectives") if tier == Tier.BUSINESS else _("Operational KPIs")
            slides.append(Slide(board_name, node, seconds, title, tiles=tiles, sparklines=sparklines))
        elif board_name == WallBoard.RANKING:
            ranked = read(node, child_keys=RANKING_KPIS).children
            if not ranked:
                continue
            ranked = sorted(ranked, key=lambda item: -(item[1][RANKING_KPIS[0]].value or 0))[:RANKING_LENGTH]
            figure = charts.ranking_bars([c.name for c, _v in ranked], [v[RANKING_KPIS[0]].value for _c, v in ranked],
                                         unit=CATALOG[RANKING_KPIS[0]].unit.value, theme="dark")  # fmt: skip
            slides.append(Slide(board_name, node, seconds, _("Ranking of the nodes below"), figure=json.dumps(figure),
                                ranking=[(c, [v[k] for k in RANKING_KPIS]) for c, v in ranked],
                                ranking_kpis=[CATALOG[k] for k in RANKING_KPIS]))  # fmt: skip
        elif board_name == WallBoard.KPI:
            kpi = CATALOG[entry["kpi"]]
            partner = partner_of(kpi)
            tile, other = read(node, keys=[kpi.key, partner.key]).tiles
            figure = charts.outcome_and_driver(labels, str(kpi.name), [v.value for v in tile.series],
                                               str(partner.name), [v.value for v in other.series], theme="dark",
                                               height=None, partial=partial)  # fmt: skip
            title = _("%(kpi)s beside %(partner)s") % {"kpi": kpi.name, "partner": partner.name}
            slides.append(Slide(board_name, node, seconds, title, figure=json.dumps(figure), tile=tile))
    return slides, rng
